// Package secretcmd runs the commands configured to print a secret, such as
// awsfed_password_command and awsfed_totp_secret_command ("pass show
// aws/totp"), without a shell.
package secretcmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"time"
)

const (
	// DefaultTimeout is how long Run lets a command run when given no
	// timeout.
	DefaultTimeout = 10 * time.Second
	// maxStderr is how much of the command's stderr an error quotes.
	maxStderr = 300
	// maxStdout bounds what is kept of stdout; a secret is far shorter.
	maxStdout = 64 << 10
	// waitDelay is how long Run waits for the output pipes to close once
	// the command has exited or been killed (a child it left behind may
	// hold them).
	waitDelay = 2 * time.Second
)

// Run runs commandLine without a shell and returns what it printed on
// stdout, without surrounding white space. The line is split into words
// with POSIX shell quoting (single quotes, double quotes, backslashes);
// shell syntax such as pipes, redirections, variables and command
// substitutions is refused. The command gets an empty stdin and must finish
// within timeout (DefaultTimeout when 0), else it is killed with every
// process it started. Errors quote the start of the command's stderr but
// never its stdout, which is the secret; printing nothing is an error.
func Run(ctx context.Context, commandLine string, timeout time.Duration) (string, error) {
	args, err := Split(commandLine)
	if err != nil {
		return "", err
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	name := args[0]
	cmd := exec.CommandContext(runCtx, name, args[1:]...)
	cmd.Stdin = nil // the null device
	var stdout, stderr capped
	stdout.max, stderr.max = maxStdout, maxStderr
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = waitDelay
	ownProcessGroup(cmd)

	err = cmd.Run()
	switch {
	case err == nil, errors.Is(err, exec.ErrWaitDelay) && cmd.ProcessState != nil && cmd.ProcessState.Success():
	case errors.Is(err, exec.ErrNotFound), errors.Is(err, fs.ErrNotExist) && cmd.Process == nil && !exists(name):
		return "", fmt.Errorf("program %q not found", name)
	case ctx.Err() != nil:
		return "", fmt.Errorf("%s: %w", name, ctx.Err())
	case errors.Is(runCtx.Err(), context.DeadlineExceeded):
		return "", fmt.Errorf("%s did not finish within %s and was stopped%s", name, timeout, stderr.quote())
	case cmd.ProcessState != nil && !cmd.ProcessState.Success():
		return "", fmt.Errorf("%s failed (%s)%s", name, cmd.ProcessState, stderr.quote())
	default:
		return "", fmt.Errorf("run %s: %w", name, err)
	}
	if stdout.over {
		return "", fmt.Errorf("%s printed more than %d KiB; a secret is far shorter", name, maxStdout>>10)
	}
	secret := strings.TrimSpace(stdout.buf.String())
	if secret == "" {
		return "", fmt.Errorf("%s printed nothing%s", name, stderr.quote())
	}
	return secret, nil
}

// capped keeps the first max bytes written to it and swallows the rest, so
// that the command never blocks on a full pipe.
type capped struct {
	buf  bytes.Buffer
	max  int
	over bool
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.buf.Len(); room < len(p) {
		c.over = true
		c.buf.Write(p[:max(room, 0)])
	} else {
		c.buf.Write(p)
	}
	return len(p), nil
}

// quote returns "; stderr: …" with what was kept of stderr on one line, or
// "" when the command wrote nothing there.
func (c *capped) quote() string {
	s := strings.Join(strings.Fields(strings.ToValidUTF8(c.buf.String(), "?")), " ")
	if s == "" {
		return ""
	}
	if c.over {
		s += " …"
	}
	return fmt.Sprintf("; stderr: %q", s)
}

// exists reports whether name is a path to a file, so that a script whose
// interpreter is missing is not reported as missing itself.
func exists(name string) bool {
	if !strings.ContainsRune(name, '/') {
		return false
	}
	_, err := os.Stat(name)
	return err == nil
}
