// Command awsfed signs into a SAML identity provider from the terminal and
// writes temporary AWS credentials for the role it grants.
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/seed-2d15385e/awsfed/internal/keyring"
	"github.com/seed-2d15385e/awsfed/internal/launch"
	"github.com/seed-2d15385e/awsfed/signin"
	"github.com/seed-2d15385e/awsfed/ui"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	home, _ := os.UserHomeDir()
	deps := &Deps{
		Streams: ui.System(),
		Getenv:  os.Getenv,
		Home:    home,
		Now:     time.Now,
		Transport: func() http.RoundTripper {
			t := http.DefaultTransport.(*http.Transport).Clone()
			t.MaxResponseHeaderBytes = 1 << 20 // cookies and all; bodies are bounded by httplimit
			return t
		},
		Prompter: func() (ui.Prompter, error) {
			p, err := ui.NewTTYPrompter()
			if err != nil {
				return nil, err // not a typed nil in the interface
			}
			return p, nil
		},
		OpenTerminal: func() (io.WriteCloser, error) { return os.OpenFile("/dev/tty", os.O_WRONLY, 0) },
		Executable:   executablePath,
		Keyring:      keyring.System(signin.KeyringService, os.Getenv),
		Environ:      os.Environ,
		Exec:         launch.Replace(),
		OpenURL:      openBrowser,
	}
	code := Run(ctx, os.Args[1:], deps)
	stop()
	os.Exit(code)
}

// Deps are the outside world the commands use; tests replace every part.
type Deps struct {
	Streams *ui.Streams
	// Getenv reads the environment; it is called only while a command
	// resolves its settings.
	Getenv func(string) string
	// Home is the user's home folder, for the default AWS file paths.
	Home string
	Now  func() time.Time
	// Transport returns the base HTTP transport for IdP and STS traffic.
	Transport func() http.RoundTripper
	// Prompter opens the terminal for questions; called only when a
	// question must be asked.
	Prompter func() (ui.Prompter, error)
	// Environ is the environment exec hands on to its command, with the
	// credentials changed. nil: os.Environ.
	Environ func() []string
	// Exec replaces awsfed with the program at path (execve) and returns
	// only when it cannot. nil: exec runs its command as a child process
	// and passes signals on (systems without execve, and tests).
	Exec func(path string, argv, env []string) error
	// Signals catches sigs until stop is called, for exec to pass on to
	// a child process. nil: signal.Notify.
	Signals func(sigs ...os.Signal) (c <-chan os.Signal, stop func())
	// OpenTerminal opens the controlling terminal for messages to the
	// person, for commands whose stderr another program captures
	// (credential-process under the AWS CLI). nil: there is none.
	OpenTerminal func() (io.WriteCloser, error)
	// Executable returns the absolute path of this awsfed, which
	// configure writes into credential_process.
	Executable func() (string, error)
	// Keyring is the OS keyring, a password source when awsfed_keyring is
	// on; nil: there is none.
	Keyring signin.Keyring
	// OpenURL opens a URL in the person's browser (console); nil: there
	// is no browser to open.
	OpenURL func(url string) error
}

// Run runs the command line args and returns the process exit code.
func Run(ctx context.Context, args []string, deps *Deps) int {
	root := newRootCmd(deps)
	root.SetArgs(args)
	root.SetOut(deps.Streams.Out)
	root.SetErr(deps.Streams.ErrOut)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	code := exitCode(err)
	if launch.IsSilent(err) {
		return code // the status of the command exec ran
	}
	if code != exitCancelled {
		fmt.Fprintf(deps.Streams.ErrOut, "awsfed: %s\n", oneLine(err.Error()))
	} else {
		fmt.Fprintln(deps.Streams.ErrOut, "awsfed: cancelled; nothing was written")
	}
	return code
}
