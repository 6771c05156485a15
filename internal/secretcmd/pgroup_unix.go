//go:build unix

package secretcmd

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup starts cmd in a process group of its own and makes
// cancellation kill the whole group, so that a timeout also stops what the
// command started (gpg, an agent's client, a sleep in a script).
//
// The group is not the terminal's foreground one: a command that reads the
// terminal itself is stopped by the kernel and then killed by the timeout.
// Commands here are meant to print a secret without asking anything.
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
