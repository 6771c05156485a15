//go:build !unix

package main

import "os"

// replaceProcess returns nil: without execve, exec runs its command as a
// child process.
func replaceProcess() func(path string, argv, env []string) error { return nil }

// forwardedSignals are the signals awsfed catches while its child runs. A
// console delivers Ctrl-C to the child itself; awsfed only must not die of
// it.
func forwardedSignals() []os.Signal { return []os.Signal{os.Interrupt} }

// exitStatus is a finished child's exit code.
func exitStatus(ps *os.ProcessState) int { return ps.ExitCode() }
