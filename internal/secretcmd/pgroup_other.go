//go:build !unix

package secretcmd

import "os/exec"

// ownProcessGroup leaves cmd as it is: cancellation kills the command only.
func ownProcessGroup(*exec.Cmd) {}
