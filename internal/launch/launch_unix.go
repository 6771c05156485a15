//go:build unix

package launch

import (
	"os"
	"os/signal"
	"syscall"
)

// Replace returns the execve that exec uses to become its command.
func Replace() func(path string, argv, env []string) error {
	return func(path string, argv, env []string) error {
		// Give the command the signal dispositions awsfed started with:
		// a SIGINT that the shell ignored for a background job stays
		// ignored, where Go's handler would otherwise become the
		// default action.
		signal.Reset()
		return syscall.Exec(path, argv, env)
	}
}

// ForwardedSignals are the signals a child command gets passed on: those a
// person or a supervisor sends to stop, reload or poke a program.
func ForwardedSignals() []os.Signal {
	return []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2}
}

// exitStatus is a finished child's exit code, or 128 plus the number of the
// signal that killed it.
func exitStatus(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}
