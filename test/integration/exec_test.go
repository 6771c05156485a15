package integration

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// jumpConfig is a config file with the awsfed profile jump for the IdP at
// sso, and a profile chained on it.
func jumpConfig(sso, user, role string) string {
	return userConfig + "\n[profile jump]\nawsfed_idp = generic\nawsfed_url = " + sso +
		"\nawsfed_username = " + user + "\nawsfed_role_arn = " + role + "\nregion = us-east-1\n"
}

// TestExecAgainstMoto runs the AWS CLI and the Go SDK under awsfed exec,
// and the AWS CLI after sh, bash and fish have evaluated awsfed env,
// against strict moto: the first exec logs in through
// SimpleSAMLphp, every later one uses the stored credentials (moto would
// refuse a second unsigned AssumeRoleWithSAML), and AWS_PROFILE naming a
// profile that does not exist must not reach the AWS CLI, which would fail.
func TestExecAgainstMoto(t *testing.T) {
	sso := peer(t, "SSP_SSO_URL", "SimpleSAMLphp")
	role := peer(t, "SSP_SINGLE_ROLE_ARN", "SimpleSAMLphp")
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("the AWS CLI is not installed (pip install awscli)")
	}
	// Two IAM set-up requests and one unsigned AssumeRoleWithSAML pass
	// unchecked.
	m := startMoto(t, 3, roleName(role))
	h := newHome(t, m.URL)
	h.write(h.config, jumpConfig(sso, "singleuser", role))
	h.write(h.creds, userCredentials)
	env := []string{"AWSFED_PASSWORD=singlepass", "AWS_PROFILE=no-such-profile", "AWSFED=" + bins.awsfed}
	want := "arn:aws:sts::123456789012:assumed-role/" + roleName(role) + "/singleuser"

	r := h.awsfed(env, "exec", "--profile", "jump", "--no-prompt", "--", "aws", "sts", "get-caller-identity", "--query", "Arn", "--output", "text")
	if r.code != 0 || strings.TrimSpace(r.stdout) != want {
		t.Fatalf("exec aws: exit %d, stdout %q, want %s\n%s", r.code, r.stdout, want, r.stderr)
	}
	if !strings.Contains(r.stderr, "Assumed "+want+" into profile jump; expires ") {
		t.Errorf("no result line of the login on stderr: %q", r.stderr)
	}

	t.Run("Go SDK under exec", func(t *testing.T) {
		r := h.awsfed(env, "exec", "--profile", "jump", "--no-prompt", "--", bins.sdkcheck, "")
		if r.code != 0 || strings.TrimSpace(r.stdout) != want {
			t.Errorf("exit %d, stdout %q, want %s\n%s", r.code, r.stdout, want, r.stderr)
		}
		if r.stderr != "" {
			t.Errorf("stderr = %q, want nothing: the credentials were valid", r.stderr)
		}
	})
	shells := []struct{ name, script string }{
		{"sh", `out=$("$AWSFED" env --profile jump --no-prompt) && eval "$out" && echo "AWS_PROFILE=${AWS_PROFILE-unset}" && aws sts get-caller-identity --query Arn --output text`},
		{"bash", `eval "$("$AWSFED" env --profile jump --no-prompt --format sh)"; echo "AWS_PROFILE=${AWS_PROFILE-unset}"; aws sts get-caller-identity --query Arn --output text`},
		{"fish", `$AWSFED env --profile jump --no-prompt --format fish | source; and echo "AWS_PROFILE="(set -q AWS_PROFILE; and echo $AWS_PROFILE; or echo unset); and aws sts get-caller-identity --query Arn --output text`},
	}
	for _, sh := range shells {
		t.Run("eval env in "+sh.name, func(t *testing.T) {
			if _, err := exec.LookPath(sh.name); err != nil {
				t.Skipf("%s is not installed", sh.name)
			}
			args := []string{"-c", sh.script}
			if sh.name == "fish" {
				args = append([]string{"--no-config"}, args...)
			}
			r := h.run(env, "", sh.name, args...)
			if got, wantOut := r.stdout, "AWS_PROFILE=unset\n"+want+"\n"; r.code != 0 || got != wantOut {
				t.Errorf("exit %d, stdout %q, want %q\n%s", r.code, got, wantOut, r.stderr)
			}
		})
	}
}

// storedJump is a home whose jump profile holds credentials valid for two
// hours, so that exec runs its command without any network traffic: the
// IdP and STS addresses lead nowhere.
func storedJump(t *testing.T) *home {
	t.Helper()
	h := newHome(t, "http://127.0.0.1:9")
	h.write(h.config, jumpConfig("http://127.0.0.1:9/sso", "alice", "arn:aws:iam::123456789012:role/Developer"))
	h.write(h.creds, userCredentials+"\n[jump]\naws_access_key_id = ASIASTORED\naws_secret_access_key = secret\naws_session_token = token\n"+
		"x_security_token_expires = "+time.Now().Add(2*time.Hour).UTC().Format(time.RFC3339)+
		"\nx_principal_arn = arn:aws:sts::123456789012:assumed-role/Developer/alice\n")
	return h
}

// TestExecExitStatus checks that the shell running awsfed exec sees the
// command's own exit status, a death by signal included, and a shell's 127
// for a command that does not exist.
func TestExecExitStatus(t *testing.T) {
	h := storedJump(t)
	tests := []struct {
		name       string
		command    []string
		wantCode   int
		wantSignal syscall.Signal
		wantErr    string
	}{
		{name: "exit 0", command: []string{"sh", "-c", "exit 0"}},
		{name: "exit 7", command: []string{"sh", "-c", "exit 7"}, wantCode: 7},
		{name: "killed by SIGTERM", command: []string{"sh", "-c", "kill -TERM $$"}, wantSignal: syscall.SIGTERM},
		{name: "not found", command: []string{"awsfed-no-such-command"}, wantCode: 127, wantErr: "awsfed: awsfed-no-such-command: command not found\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(bins.awsfed, append([]string{"exec", "--profile", "jump", "--"}, tt.command...)...)
			cmd.Env = h.env
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			var ee *exec.ExitError
			if err != nil && !errors.As(err, &ee) {
				t.Fatal(err)
			}
			ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
			switch {
			case tt.wantSignal != 0:
				if !ws.Signaled() || ws.Signal() != tt.wantSignal {
					t.Errorf("status %v, want killed by %v", cmd.ProcessState, tt.wantSignal)
				}
			case ws.Signaled() || ws.ExitStatus() != tt.wantCode:
				t.Errorf("status %v, want exit %d", cmd.ProcessState, tt.wantCode)
			}
			if stderr.String() != tt.wantErr {
				t.Errorf("stderr = %q, want %q", stderr.String(), tt.wantErr)
			}
		})
	}
}

// TestExecSignals sends signals to a running awsfed exec: SIGTERM to its
// process, as a supervisor or kill(1) does, and SIGINT to its process
// group, as a terminal does on Ctrl-C. The command must get each exactly
// once, and awsfed must end as the command does.
func TestExecSignals(t *testing.T) {
	// The command says it is ready, then counts the signal in a file; it
	// exits 5 half a second after the first one, time enough for a
	// second copy to arrive.
	const script = `got=0
trap 'echo $SIG >> "$OUT"; got=1' $SIG
: > "$READY"
while [ $got = 0 ]; do sleep 0.05; done
sleep 0.5
exit 5`
	tests := []struct {
		sig   syscall.Signal
		name  string
		group bool // send to the process group, not only to awsfed
	}{
		{syscall.SIGTERM, "TERM", false},
		{syscall.SIGHUP, "HUP", false},
		{syscall.SIGINT, "INT", true},
		{syscall.SIGINT, "INT", false},
	}
	for _, tt := range tests {
		name := tt.name + " to awsfed"
		if tt.group {
			name = tt.name + " to the process group"
		}
		t.Run(name, func(t *testing.T) {
			h := storedJump(t)
			dir := t.TempDir()
			ready, out := filepath.Join(dir, "ready"), filepath.Join(dir, "out")
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, bins.awsfed, "exec", "--profile", "jump", "--", "sh", "-c", script)
			cmd.Env = append(append([]string(nil), h.env...), "SIG="+tt.name, "READY="+ready, "OUT="+out)
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
				if _, err := os.Stat(ready); err == nil {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the command never got ready; stderr: %s", stderr.String())
				}
			}
			target := cmd.Process.Pid
			if tt.group {
				target = -target
			}
			if err := syscall.Kill(target, tt.sig); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 5 {
				t.Errorf("awsfed ended with %v, want the command's exit 5; stderr: %s", err, stderr.String())
			}
			b, _ := os.ReadFile(out)
			if got := string(b); got != tt.name+"\n" {
				t.Errorf("the command got %q, want the signal once", got)
			}
		})
	}
}
