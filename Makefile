# `make test` runs every test (see scripts/test); `make install` installs awsfed.
.PHONY: test install bench
test:
	./scripts/test
install:
	go install ./cmd/awsfed
bench:
	./scripts/bench
