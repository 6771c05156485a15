package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"

	"github.com/spf13/cobra"
)

// Exit codes of a command exec cannot run, as POSIX shells use them.
const (
	exitCannotRun = 126
	exitNotFound  = 127
)

// statusError ends awsfed with an exit code of its own: the status of the
// command exec ran (msg is empty and nothing is printed), or 126 or 127
// when the command could not be run.
type statusError struct {
	code int
	msg  string
}

func (e *statusError) Error() string {
	if e.msg == "" {
		return fmt.Sprintf("the command exited with status %d", e.code)
	}
	return e.msg
}

// isSilent reports whether err only carries the exit status of the
// command exec ran, which has said what it had to say.
func isSilent(err error) bool {
	var st *statusError
	return errors.As(err, &st) && st.msg == ""
}

type execOptions struct {
	deps    *Deps
	flags   envFlags
	command []string
}

func newExecCmd(deps *Deps, runF func(context.Context, *execOptions) error) *cobra.Command {
	opts := &execOptions{deps: deps}
	cmd := &cobra.Command{
		Use:   "exec [--profile NAME] [--] COMMAND [ARGS...]",
		Short: "Run a command with a profile's credentials in its environment, logging in when they expire",
		Long: `Run COMMAND with the credentials of an awsfed profile in its environment:
AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_SECURITY_TOKEN
(the same token, for old SDKs), AWS_REGION, AWS_DEFAULT_REGION and
AWS_CREDENTIAL_EXPIRATION (RFC 3339, UTC); AWS_PROFILE, AWS_DEFAULT_PROFILE and
AWS_SESSION_EXPIRATION are removed, since they would contradict them. The
credentials are never passed as arguments.

While the stored credentials stay valid for more than --min-valid, the command
starts without any network traffic; otherwise awsfed logs in first, as "awsfed
login" would, asking on the terminal (/dev/tty) if it must.

` + chainHelp + `Then awsfed becomes COMMAND (execve), as aws-vault exec does: the command gets
the terminal's signals (Ctrl-C, Ctrl-Z) and any signal sent to awsfed's process
itself, once, and its exit status is awsfed's. A command that is not found
exits 127, one that cannot be run 126, as in a shell.

The region is AWS_REGION, else AWS_DEFAULT_REGION, else the profile's region,
else the default of the role's partition (us-east-1, cn-north-1,
us-gov-west-1). The credentials are not renewed while the command runs:
raise --min-valid for long commands.`,
		Example: `  awsfed exec --profile jump -- aws sts get-caller-identity
  awsfed exec --profile jump --min-valid 1h -- terraform apply
  awsfed exec -- sh -c 'echo "$AWS_CREDENTIAL_EXPIRATION"'`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("exec needs a command to run: awsfed exec [--profile NAME] -- COMMAND [ARGS...]")
			}
			opts.command = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runExec(cmd.Context(), opts)
		},
	}
	addEnvFlags(cmd, &opts.flags)
	// Flags after COMMAND are COMMAND's, with or without "--".
	cmd.Flags().SetInterspersed(false)
	return cmd
}

func runExec(ctx context.Context, o *execOptions) error {
	// Like a shell, look for the command before anything else: a typo
	// should not cost a login.
	path, err := lookCommand(o.command[0])
	if err != nil {
		return err
	}
	e, err := credentialsEnv(ctx, o.deps, &o.flags, "exec")
	if err != nil {
		return err
	}
	environ := os.Environ
	if o.deps.Environ != nil {
		environ = o.deps.Environ
	}
	env := e.Apply(environ())
	if o.deps.Exec != nil {
		err := o.deps.Exec(path, o.command, env)
		return &statusError{code: exitCannotRun, msg: fmt.Sprintf("%s: cannot run: %v", o.command[0], err)}
	}
	return runChild(path, o.command, env, o.deps)
}

// lookCommand finds name as a shell would: a name with a slash is a path,
// any other is looked for in PATH.
func lookCommand(name string) (string, error) {
	path, err := exec.LookPath(name)
	if errors.Is(err, exec.ErrDot) {
		// PATH holds a relative folder, such as ".": a shell runs what
		// it finds there too.
		err = nil
	}
	switch {
	case err == nil:
		return path, nil
	case errors.Is(err, exec.ErrNotFound):
		return "", &statusError{code: exitNotFound, msg: fmt.Sprintf("%s: command not found", name)}
	case errors.Is(err, fs.ErrNotExist):
		return "", &statusError{code: exitNotFound, msg: fmt.Sprintf("%s: no such file", name)}
	}
	var ee *exec.Error
	if errors.As(err, &ee) {
		err = ee.Err
	}
	return "", &statusError{code: exitCannotRun, msg: fmt.Sprintf("%s: cannot run: %v", name, err)}
}

// runChild runs the command as a child process, where awsfed cannot become
// it: it passes on the signals awsfed gets (awsfed itself does not die of
// them) and returns the command's exit status, or 128 plus the number of
// the signal that killed it, as a shell reports it.
func runChild(path string, argv, env []string, deps *Deps) error {
	notify := deps.Signals
	if notify == nil {
		notify = notifySignals
	}
	// Catch the signals before the command starts, so that none can end
	// awsfed while the command runs.
	sigs, stop := notify(forwardedSignals()...)
	defer stop()
	cmd := &exec.Cmd{Path: path, Args: argv, Env: env,
		Stdin: deps.Streams.In, Stdout: deps.Streams.Out, Stderr: deps.Streams.ErrOut}
	if err := cmd.Start(); err != nil {
		return &statusError{code: exitCannotRun, msg: fmt.Sprintf("%s: cannot run: %v", argv[0], err)}
	}
	done, forwarded := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(forwarded)
		for {
			select {
			case sig := <-sigs:
				_ = cmd.Process.Signal(sig) // it may have ended just now
			case <-done:
				return
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	<-forwarded
	if cmd.ProcessState == nil {
		return err
	}
	if code := exitStatus(cmd.ProcessState); code != 0 {
		return &statusError{code: code}
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return err // copying the standard streams failed
	}
	return nil
}

// notifySignals catches sigs until stop is called.
func notifySignals(sigs ...os.Signal) (<-chan os.Signal, func()) {
	c := make(chan os.Signal, 8)
	signal.Notify(c, sigs...)
	return c, func() { signal.Stop(c) }
}
