package ssotest

import (
	"bufio"
	"context"
	"io"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// deviceCodeLine is how the AWS CLI prints a device flow's user code.
var deviceCodeLine = regexp.MustCompile(`^[A-Z]{4}-[A-Z]{4}$`)

// CLILogin runs the AWS CLI v2 at cliPath (minor is its 2.x minor
// version) as `aws sso login --profile profile --no-browser` with the
// device code flow, in the environment env, approves the code it prints
// as user, and returns what it printed on standard output. It fails the
// test unless the login succeeds within a minute.
func (s *Server) CLILogin(t testing.TB, cliPath string, minor int, env []string, profile, user string) string {
	t.Helper()
	args := []string{"sso", "login", "--profile", profile, "--no-browser"}
	if minor >= 22 {
		args = append(args, "--use-device-code") // PKCE is the default since 2.22
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	login := exec.CommandContext(ctx, cliPath, args...)
	login.Env = env
	var stderr strings.Builder
	login.Stderr = &stderr
	stdout, err := login.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := login.Start(); err != nil {
		t.Fatal(err)
	}
	var printed strings.Builder
	sc := bufio.NewScanner(io.TeeReader(stdout, &printed))
	approved := false
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); !approved && deviceCodeLine.MatchString(line) {
			if err := s.Approve(line, user); err != nil {
				t.Error(err)
			}
			approved = true
		}
	}
	if err := login.Wait(); err != nil || !approved {
		t.Fatalf("aws %s: %v, code approved: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, approved, printed.String(), stderr.String())
	}
	return printed.String()
}
