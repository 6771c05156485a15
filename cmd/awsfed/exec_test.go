package main

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seed-2d15385e/awsfed/idp/generic/generictest"
	"github.com/seed-2d15385e/awsfed/internal/launch"
)

// helperEnv switches the test binary into the helper command that the exec
// tests run: its value names what the helper does.
const helperEnv = "AWSFED_EXEC_HELPER"

// TestExecHelper is not a test: it is the command the exec tests run, the
// test binary itself with helperEnv set.
func TestExecHelper(t *testing.T) {
	mode := os.Getenv(helperEnv)
	if mode == "" {
		return
	}
	args := os.Args[slices.Index(os.Args, "--")+1:]
	switch mode {
	case "env":
		// The AWS variables and one other, as VAR=value lines.
		for _, kv := range os.Environ() {
			if strings.HasPrefix(kv, "AWS_") || strings.HasPrefix(kv, "KEEP=") {
				fmt.Println(kv)
			}
		}
	case "args":
		fmt.Println(strings.Join(args, "|"))
	case "exit":
		code, _ := strconv.Atoi(args[0])
		os.Exit(code)
	case "kill":
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		time.Sleep(time.Minute)
	case "trap", "wait":
		// Say which signal arrived and exit 42; "wait" catches none and
		// dies of the first.
		c := make(chan os.Signal, 1)
		if mode == "trap" {
			signal.Notify(c, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2)
		}
		if err := os.WriteFile(os.Getenv("AWSFED_EXEC_READY"), nil, 0o600); err != nil {
			os.Exit(3)
		}
		select {
		case sig := <-c:
			fmt.Println(sig)
			os.Exit(42)
		case <-time.After(time.Minute):
			os.Exit(4)
		}
	}
	os.Exit(0)
}

// helper returns the exec arguments that run the helper in mode with args,
// and sets up u so that the helper runs as that mode.
func (u *jumpUser) helper(mode string, args ...string) []string {
	environ := u.deps.Environ
	u.deps.Environ = func() []string {
		var base []string
		if environ != nil {
			base = environ()
		}
		return append(base, helperEnv+"="+mode)
	}
	return append([]string{os.Args[0], "-test.run=^TestExecHelper$", "--"}, args...)
}

// TestExecEnvironment checks the command's environment: the credentials
// and region set, the variables that would contradict them removed, the
// rest kept; and that nothing is sent while the stored credentials are
// valid.
func TestExecEnvironment(t *testing.T) {
	u := newJumpUser(t, jumpExpiry, "region = eu-central-1\n")
	u.offline()
	u.env["AWS_PROFILE"] = "jump"
	u.deps.Environ = func() []string {
		return []string{"KEEP=me", "AWS_PROFILE=jump", "AWS_DEFAULT_PROFILE=jump", "AWS_SESSION_EXPIRATION=2001-01-01T00:00:00Z",
			"AWS_ACCESS_KEY_ID=AKIAOLD", "AWS_SECURITY_TOKEN=old", "AWS_REGION=eu-central-1", "AWS_CONFIG_FILE=/config"}
	}
	code := u.run(append([]string{"exec"}, u.helper("env")...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, u.errOut)
	}
	want := strings.Join([]string{"KEEP=me", "AWS_CONFIG_FILE=/config",
		"AWS_ACCESS_KEY_ID=ASIASTORED", "AWS_SECRET_ACCESS_KEY=it's secret",
		"AWS_SESSION_TOKEN=stored/token+=", "AWS_SECURITY_TOKEN=stored/token+=",
		"AWS_REGION=eu-central-1", "AWS_DEFAULT_REGION=eu-central-1",
		"AWS_CREDENTIAL_EXPIRATION=" + u.expiry.Format(time.RFC3339)}, "\n") + "\n"
	if got := u.out.String(); got != want {
		t.Errorf("the command's environment:\n%s\nwant:\n%s", got, want)
	}
	if u.errOut.Len() != 0 {
		t.Errorf("stderr = %q, want nothing", u.errOut)
	}
	u.assertUnchanged(u.configText, u.credsText)
}

// TestExecExitStatus checks that awsfed exits as the command did, as a
// shell reports it, and says nothing of it.
func TestExecExitStatus(t *testing.T) {
	notExecutable := filepath.Join(t.TempDir(), "script")
	if err := os.WriteFile(notExecutable, []byte("#!/bin/sh\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		mode     string // helper mode, or "" for command
		command  []string
		wantCode int
		wantText string // stderr
	}{
		{name: "success", mode: "exit", command: []string{"0"}},
		{name: "exit 7", mode: "exit", command: []string{"7"}, wantCode: 7},
		{name: "exit 255", mode: "exit", command: []string{"255"}, wantCode: 255},
		{name: "killed by SIGKILL", mode: "kill", wantCode: 128 + 9},
		{name: "not found", command: []string{"awsfed-no-such-command", "arg"}, wantCode: 127, wantText: "awsfed: awsfed-no-such-command: command not found\n"},
		{name: "no such file", command: []string{"./no/such/file"}, wantCode: 127, wantText: "awsfed: ./no/such/file: no such file\n"},
		{name: "not executable", command: []string{notExecutable}, wantCode: 126, wantText: "awsfed: " + notExecutable + ": cannot run: permission denied\n"},
		{name: "a folder", command: []string{t.TempDir()}, wantCode: 126, wantText: ": cannot run: "},
		{name: "no command", wantCode: 2, wantText: "awsfed: exec needs a command to run: awsfed exec [--profile NAME] -- COMMAND [ARGS...]\n"},
		{name: "only --", command: []string{"--"}, wantCode: 2, wantText: "awsfed: exec needs a command to run"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := newJumpUser(t, jumpExpiry, "")
			u.offline()
			cmd := tt.command
			if tt.mode != "" {
				cmd = u.helper(tt.mode, tt.command...)
			}
			code := u.run(append([]string{"exec", "--profile", "jump"}, cmd...)...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d: %s", code, tt.wantCode, u.errOut)
			}
			if got := u.errOut.String(); tt.wantText == "" && got != "" || !strings.Contains(got, tt.wantText) {
				t.Errorf("stderr = %q, want %q", got, tt.wantText)
			}
		})
	}
}

// TestExecLooksBeforeLogin checks that a command that cannot be found
// fails before any login.
func TestExecLooksBeforeLogin(t *testing.T) {
	u := newJumpUser(t, -time.Hour, "")
	u.env["AWSFED_PASSWORD"] = generictest.Password
	if code := u.run("exec", "--profile", "jump", "--", "awsfed-no-such-command"); code != 127 {
		t.Errorf("exit %d, want 127: %s", code, u.errOut)
	}
	if n := len(u.sts.Issued()); n != 0 {
		t.Errorf("STS issued %d credentials, want none", n)
	}
}

// TestExecRenews checks that credentials about to expire are renewed
// before the command starts, and that the command gets the new ones.
func TestExecRenews(t *testing.T) {
	u := newJumpUser(t, time.Minute, "")
	u.env["AWSFED_PASSWORD"] = generictest.Password
	code := u.run(append([]string{"exec", "--profile", "jump", "--no-prompt", "--"}, u.helper("env")...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, u.errOut)
	}
	issued := u.sts.Issued()
	if len(issued) != 1 {
		t.Fatalf("STS issued %d credentials, want 1", len(issued))
	}
	for _, want := range []string{"AWS_ACCESS_KEY_ID=" + issued[0].AccessKeyID + "\n", "AWS_SESSION_TOKEN=" + issued[0].SessionToken + "\n"} {
		if !strings.Contains(u.out.String(), want) {
			t.Errorf("the command's environment lacks %q:\n%s", want, u.out)
		}
	}
	if !strings.HasPrefix(u.errOut.String(), "Assumed "+jumpAssumed+" into profile jump; expires ") {
		t.Errorf("stderr = %q, want the login's result line", u.errOut)
	}
}

// TestExecArguments checks that everything after the command is the
// command's, flags included, with or without "--".
func TestExecArguments(t *testing.T) {
	for _, dash := range []bool{false, true} {
		t.Run(fmt.Sprintf("-- %v", dash), func(t *testing.T) {
			u := newJumpUser(t, jumpExpiry, "")
			u.offline()
			args := []string{"exec", "--profile", "jump"}
			if dash {
				args = append(args, "--")
			}
			if code := u.run(append(args, u.helper("args", "--profile", "other", "--", "it's", "")...)...); code != 0 {
				t.Fatalf("exit %d: %s", code, u.errOut)
			}
			if got, want := u.out.String(), "--profile|other|--|it's|\n"; got != want {
				t.Errorf("the command's arguments = %q, want %q", got, want)
			}
		})
	}
}

// TestExecForwardsSignals checks that the signals awsfed catches while its
// child runs reach the child, and that awsfed then exits as the child did:
// 42 from a child that catches the signal, 128+N from one that dies of it.
func TestExecForwardsSignals(t *testing.T) {
	tests := []struct {
		mode     string
		sig      syscall.Signal
		wantCode int
		wantOut  string
	}{
		{"trap", syscall.SIGTERM, 42, "terminated\n"},
		{"trap", syscall.SIGINT, 42, "interrupt\n"},
		{"trap", syscall.SIGHUP, 42, "hangup\n"},
		{"trap", syscall.SIGUSR1, 42, "user defined signal 1\n"},
		{"wait", syscall.SIGTERM, 128 + 15, ""},
		{"wait", syscall.SIGHUP, 128 + 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.mode+" "+tt.sig.String(), func(t *testing.T) {
			u := newJumpUser(t, jumpExpiry, "")
			u.offline()
			ready := filepath.Join(t.TempDir(), "ready")
			u.deps.Environ = func() []string { return []string{"AWSFED_EXEC_READY=" + ready} }
			sigs := make(chan os.Signal, 1)
			var caught []os.Signal
			stopped := false
			u.deps.Signals = func(s ...os.Signal) (<-chan os.Signal, func()) {
				caught = s
				return sigs, func() { stopped = true }
			}
			done := make(chan int)
			go func() { done <- u.run(append([]string{"exec", "--profile", "jump"}, u.helper(tt.mode)...)...) }()
			waitForFile(t, ready, done)
			sigs <- tt.sig
			var code int
			select {
			case code = <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("the child did not end after the signal")
			}
			if code != tt.wantCode || u.out.String() != tt.wantOut {
				t.Errorf("exit %d, stdout %q; want %d, %q (stderr %q)", code, u.out, tt.wantCode, tt.wantOut, u.errOut)
			}
			if want := launch.ForwardedSignals(); !slices.Equal(caught, want) || !stopped {
				t.Errorf("caught %v (stopped %v), want %v and then stopped", caught, stopped, want)
			}
		})
	}
}

// waitForFile waits until the child has written path, failing the test
// if done reports that it has ended first.
func waitForFile(t *testing.T, path string, done <-chan int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		select {
		case code := <-done:
			t.Fatalf("exec ended with %d before the child was ready", code)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("the child never got ready")
		}
	}
}

// TestExecReplacesItself checks the call that replaces awsfed with the
// command where the system can: the path found, the arguments as typed,
// and the environment with the credentials.
func TestExecReplacesItself(t *testing.T) {
	u := newJumpUser(t, jumpExpiry, "")
	u.offline()
	u.deps.Environ = func() []string { return []string{"KEEP=me", "AWS_PROFILE=jump"} }
	var gotPath string
	var gotArgv, gotEnv []string
	u.deps.Exec = func(path string, argv, env []string) error {
		gotPath, gotArgv, gotEnv = path, argv, env
		return syscall.ENOEXEC
	}
	code := u.run("exec", "--profile", "jump", "--", "sh", "-c", "exit 3")
	if code != 126 || u.errOut.String() != "awsfed: sh: cannot run: exec format error\n" {
		t.Errorf("exit %d, stderr %q; want 126 and the cause of a failed exec", code, u.errOut)
	}
	if !filepath.IsAbs(gotPath) || filepath.Base(gotPath) != "sh" {
		t.Errorf("path %q, want sh from PATH", gotPath)
	}
	if !slices.Equal(gotArgv, []string{"sh", "-c", "exit 3"}) {
		t.Errorf("argv %q", gotArgv)
	}
	if len(gotEnv) != 8 || gotEnv[0] != "KEEP=me" || gotEnv[1] != "AWS_ACCESS_KEY_ID=ASIASTORED" {
		t.Errorf("env %q", gotEnv)
	}
}
