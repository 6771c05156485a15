//go:build !unix

package launch

import "os"

// Replace returns nil: without execve, exec runs its command as a
// child process.
func Replace() func(path string, argv, env []string) error { return nil }

// ForwardedSignals are the signals awsfed catches while its child runs. A
// console delivers Ctrl-C to the child itself; awsfed only must not die of
// it.
func ForwardedSignals() []os.Signal { return []os.Signal{os.Interrupt} }

// exitStatus is a finished child's exit code.
func exitStatus(ps *os.ProcessState) int { return ps.ExitCode() }
