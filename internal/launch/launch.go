// Package launch starts the command that awsfed exec hands credentials
// to: found as a shell finds it, then either put in awsfed's place
// (execve, as aws-vault exec does) or run as a child process that gets
// the signals awsfed gets, its exit status becoming awsfed's.
package launch

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"

	"github.com/seed-2d15385e/awsfed/ui"
)

// Exit codes of a command exec cannot run, as POSIX shells use them.
const (
	ExitCannotRun = 126
	ExitNotFound  = 127
)

// ExitError ends awsfed with an exit code of its own: the status of the
// command exec ran (msg is empty and nothing is printed), or 126 or 127
// when the command could not be run.
type ExitError struct {
	Code int
	Msg  string
}

func (e *ExitError) Error() string {
	if e.Msg == "" {
		return fmt.Sprintf("the command exited with status %d", e.Code)
	}
	return e.Msg
}

// IsSilent reports whether err only carries the exit status of the
// command exec ran, which has said what it had to say.
func IsSilent(err error) bool {
	var st *ExitError
	return errors.As(err, &st) && st.Msg == ""
}

// LookPath finds name as a shell would: a name with a slash is a path,
// any other is looked for in PATH.
func LookPath(name string) (string, error) {
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
		return "", &ExitError{Code: ExitNotFound, Msg: fmt.Sprintf("%s: command not found", name)}
	case errors.Is(err, fs.ErrNotExist):
		return "", &ExitError{Code: ExitNotFound, Msg: fmt.Sprintf("%s: no such file", name)}
	}
	var ee *exec.Error
	if errors.As(err, &ee) {
		err = ee.Err
	}
	return "", &ExitError{Code: ExitCannotRun, Msg: fmt.Sprintf("%s: cannot run: %v", name, err)}
}

// Child runs the command as a child process, where awsfed cannot become
// it: it passes on the signals awsfed gets (awsfed itself does not die of
// them) and returns the command's exit status, or 128 plus the number of
// the signal that killed it, as a shell reports it.
func Child(path string, argv, env []string, streams *ui.Streams, notify func(sigs ...os.Signal) (<-chan os.Signal, func())) error {
	if notify == nil {
		notify = notifySignals
	}
	// Catch the signals before the command starts, so that none can end
	// awsfed while the command runs.
	sigs, stop := notify(ForwardedSignals()...)
	defer stop()
	cmd := &exec.Cmd{Path: path, Args: argv, Env: env,
		Stdin: streams.In, Stdout: streams.Out, Stderr: streams.ErrOut}
	if err := cmd.Start(); err != nil {
		return &ExitError{Code: ExitCannotRun, Msg: fmt.Sprintf("%s: cannot run: %v", argv[0], err)}
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
		return &ExitError{Code: code}
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
