# `make test` runs every test (see scripts/test); `make install` installs awsfed.
.PHONY: test install bench
test:
	./scripts/test
install:
	CGO_ENABLED=0 go install ./cmd/awsfed
bench:
	./scripts/bench
