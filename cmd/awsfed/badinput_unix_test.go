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
		{name: "credentials file is a folder", setup: func(e *testEnv) { e.env["AWS_SHARED_CREDENTIALS_FILE"] = filepath.Dir(e.creds) },
			args: []string{"credential-process", "--profile", "jump"}, wantCode: 2, want: "is a folder, not a regular file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t, generictest.Options{})
			e.env["AWSFED_PASSWORD"] = generictest.Password
			config, creds := e.read(e.config), e.read(e.creds)
			tt.setup(e)
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
