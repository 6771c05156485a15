//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seed-2d15385e/awsfed/idp/generic/generictest"
)

// TestBadInputs runs commands on inputs a person gets wrong: each must end
// at once with the exit code for it and one line on stderr starting
// "awsfed:", before any request, with both AWS files as they were and
// nothing written in the working folder.
func TestBadInputs(t *testing.T) {
	for _, tt := range []struct {
		name     string
		setup    func(e *testEnv)
		args     []string
		wantCode int
		want     string // part of the line
	}{
		{name: "no HOME: login", setup: noHome, args: []string{"login", "--profile", "jump"}, wantCode: 2, want: "HOME is not set"},
		{name: "no HOME: status", setup: noHome, args: []string{"status"}, wantCode: 2, want: "HOME is not set"},
		{name: "no HOME: credential-process", setup: noHome, args: []string{"credential-process", "--profile", "jump"}, wantCode: 2, want: "HOME is not set"},
		{name: "no HOME, the files named but no cache", setup: func(e *testEnv) { e.deps.Home = "" }, args: []string{"status"}, wantCode: 2, want: "XDG_CACHE_HOME"},
		{name: "config file is a FIFO: login", setup: fifoConfig, args: []string{"login", "--profile", "jump"}, wantCode: 2, want: "is a named pipe (FIFO), not a regular file"},
		{name: "config file is a FIFO: status", setup: fifoConfig, args: []string{"status"}, wantCode: 2, want: "is a named pipe (FIFO), not a regular file"},
		{name: "profile name with [", args: login("--profile", "["), wantCode: 2, want: `profile name "[" cannot be used: it holds [ or ]`},
		{name: "profile name x]y", args: login("--profile", "x]y"), wantCode: 2, want: "it holds [ or ]"},
		{name: "profile name with a line break", args: login("--profile", "a\nb"), wantCode: 2, want: "line break"},
		{name: "profile name with a leading space", args: login("--profile", " jump"), wantCode: 2, want: "starts or ends with space"},
		{name: "profile name DEFAULT", args: login("--profile", "DEFAULT"), wantCode: 2, want: "[DEFAULT] as defaults"},
		{name: "region with a line break", args: login("--region", "eu-west-1\nx"), wantCode: 2, want: `--region "eu-west-1\nx" is not a region name`},
		{name: "AWS_REGION not a region", setup: func(e *testEnv) { e.env["AWS_REGION"] = "Europe" }, args: login(), wantCode: 2, want: `AWS_REGION "Europe" is not a region name`},
		{name: "duration beyond 12h", args: login("--duration", "99999999"), wantCode: 2, want: "AWS allows 15m (900) to 12h (43200)"},
		{name: "duration below 15m", args: login("--duration", "60"), wantCode: 2, want: "AWS allows 15m"},
		{name: "STS endpoint not a URL", setup: func(e *testEnv) { e.env["AWS_ENDPOINT_URL_STS"] = "not-a-url" }, args: login(), wantCode: 2,
			want: `AWS_ENDPOINT_URL_STS="not-a-url" is not an endpoint URL`},
		{name: "configure credential-process --name with a line break", args: []string{"configure", "credential-process", "--name", "a\nb"}, wantCode: 2, want: "line break"},
		{name: "credentials file is a folder", setup: func(e *testEnv) { e.env["AWS_SHARED_CREDENTIALS_FILE"] = filepath.Dir(e.creds) },
			args: []string{"credential-process", "--profile", "jump"}, wantCode: 2, want: "is a folder, not a regular file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t, generictest.Options{})
			e.env["AWSFED_PASSWORD"] = generictest.Password
			config, creds := e.read(e.config), e.read(e.creds)
			if tt.setup != nil {
				tt.setup(e)
			}
			if len(tt.args) > 0 && tt.args[0] == "login" {
				tt.args = append(e.loginArgs(), tt.args[1:]...)
			}
			start := time.Now()
			code := e.run(tt.args...)
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %s", d)
			}
			if got := e.errOut.String(); code != tt.wantCode || !strings.HasPrefix(got, "awsfed: ") || !strings.Contains(got, tt.want) || strings.Count(got, "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want exit %d and one line with %q", code, got, tt.wantCode, tt.want)
			}
			if n := len(e.sts.Requests()); n != 0 {
				t.Errorf("%d requests to STS", n)
			}
			if n := e.idp.Requests(); n != 0 {
				t.Errorf("%d requests to the IdP", n)
			}
			e.assertUnchanged(config, creds)
			for _, p := range []string{".aws", ".cache", ".config"} {
				if _, err := os.Lstat(p); err == nil {
					t.Errorf("%s was created in the working folder", p)
					os.RemoveAll(p)
				}
			}
		})
	}
}

// login is a login into the test IdP (see testEnv.loginArgs) with extra
// flags; a later flag beats loginArgs' own.
func login(extra ...string) []string { return append([]string{"login"}, extra...) }

// noHome is a run without HOME and without the variables that name the
// files.
func noHome(e *testEnv) {
	e.deps.Home = ""
	delete(e.env, "AWS_CONFIG_FILE")
	delete(e.env, "AWS_SHARED_CREDENTIALS_FILE")
}

// fifoConfig points AWS_CONFIG_FILE at a named pipe no one writes to.
func fifoConfig(e *testEnv) {
	fifo := filepath.Join(filepath.Dir(e.config), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		e.t.Fatal(err)
	}
	e.env["AWS_CONFIG_FILE"] = fifo
}
