//go:build unix

package secretcmd

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// script writes a /bin/sh script into a fresh folder and returns the command
// line that runs it. Running it through /bin/sh rather than exec'ing the
// file avoids "text file busy" when tests fork at the same time.
func script(t *testing.T, body string) (line, dir string) {
	t.Helper()
	dir = t.TempDir()
	path := filepath.Join(dir, "secret.sh")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return "/bin/sh '" + path + "'", dir
}

const secret = "JBSWY3DPEHPK3PXP"

func TestRun(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		args    string // appended to the command line
		timeout time.Duration
		want    string
		wantErr string // the error expected, after the script's path
	}{
		{name: "secret", body: "printf '  " + secret + "\\n\\n'", want: secret},
		{name: "arguments", body: `printf '%s|%s' "$1" "$2"`, args: ` 'a b' "c\"d"`, want: `a b|c"d`},
		{name: "stdin is empty", body: "if read -r line; then echo read:$line; else echo eof; fi", want: "eof"},
		{name: "stderr is not the secret", body: "echo warning >&2; echo " + secret, want: secret},
		{name: "prints nothing", body: "true", wantErr: " printed nothing"},
		{name: "prints blanks only", body: "printf ' \\n\\t'; echo 'no entry' >&2", wantErr: ` printed nothing; stderr: "no entry"`},
		{
			name:    "fails",
			body:    "echo " + secret + "; echo 'gpg: decryption failed:' >&2; echo '  No secret key' >&2; exit 2",
			wantErr: ` failed (exit status 2); stderr: "gpg: decryption failed: No secret key"`,
		},
		{
			name:    "long stderr is cut",
			body:    "i=0; while [ $i -lt 100 ]; do printf 'abcdefghi ' >&2; i=$((i+1)); done; exit 1",
			wantErr: ` failed (exit status 1); stderr: "` + strings.TrimSpace(strings.Repeat("abcdefghi ", 30)) + ` …"`,
		},
		{
			name:    "timeout",
			body:    "echo " + secret + "; sleep 30",
			timeout: 200 * time.Millisecond,
			wantErr: " did not finish within 200ms and was stopped",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			line, _ := script(t, tt.body)
			got, err := Run(context.Background(), line+tt.args, tt.timeout)
			if tt.wantErr == "" {
				if err != nil || got != tt.want {
					t.Errorf("Run() = %q, %v; want %q, nil", got, err, tt.want)
				}
				return
			}
			if got != "" {
				t.Errorf("Run() = %q with an error; want \"\"", got)
			}
			wantErr := "/bin/sh" + tt.wantErr
			if err == nil || err.Error() != wantErr {
				t.Errorf("Run() error %v; want %q", err, wantErr)
			}
			if err != nil && strings.Contains(err.Error(), secret) {
				t.Errorf("error %q shows stdout", err)
			}
		})
	}
}

func TestRun_Errors(t *testing.T) {
	dir := t.TempDir()
	noInterpreter := filepath.Join(dir, "broken")
	if err := os.WriteFile(noInterpreter, []byte("#!/nonexistent/sh\necho x\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		line    string
		wantErr string
	}{
		{name: "program not in PATH", line: "awsfed-no-such-program show x", wantErr: `program "awsfed-no-such-program" not found`},
		{name: "no such path", line: filepath.Join(dir, "missing") + " show", wantErr: `program "` + filepath.Join(dir, "missing") + `" not found`},
		{name: "interpreter missing", line: noInterpreter, wantErr: "run " + noInterpreter + ": fork/exec " + noInterpreter + ": no such file or directory"},
		{name: "not executable", line: dir, wantErr: "run " + dir + ": fork/exec " + dir + ": permission denied"},
		{name: "shell syntax", line: "pass show aws | head -1", wantErr: "unquoted '|' at character 15"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Run(context.Background(), tt.line, time.Second)
			if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Errorf("Run() error %v; want one starting %q", err, tt.wantErr)
			}
		})
	}
}

func TestRun_Cancelled(t *testing.T) {
	line, _ := script(t, "sleep 30")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := Run(ctx, line, 0)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Run() error %v; want one wrapping context.Canceled", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Run() took %s after the cancel", d)
	}
}

func TestRun_TimeoutKillsProcessGroup(t *testing.T) {
	// The script starts a child that holds stdout open and writes its
	// process ID down, then waits for it.
	line, dir := script(t, `sleep 60 & echo $! > "$(dirname "$0")/child"; wait`)
	start := time.Now()
	_, err := Run(context.Background(), line, 300*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "did not finish within 300ms") {
		t.Fatalf("Run() error %v; want a timeout", err)
	}
	if d := time.Since(start); d > waitDelay {
		t.Errorf("Run() took %s; the child should have been killed with the script", d)
	}
	b, err := os.ReadFile(filepath.Join(dir, "child"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("the script's child %d still runs after the timeout", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// alive reports whether process pid runs: it exists and is not a zombie
// waiting for a parent that does not reap.
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return !os.IsNotExist(err)
	}
	// The state follows the command name in parentheses.
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}
