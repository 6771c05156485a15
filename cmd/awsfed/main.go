// Command awsfed signs into a SAML identity provider from the terminal and
// writes temporary AWS credentials for the role it grants.
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"time"

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
			return http.DefaultTransport.(*http.Transport).Clone()
		},
		Prompter: func() (ui.Prompter, error) {
			p, err := ui.NewTTYPrompter()
			if err != nil {
				return nil, err // not a typed nil in the interface
			}
			return p, nil
		},
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
	if code != exitCancelled {
		fmt.Fprintf(deps.Streams.ErrOut, "awsfed: %s\n", oneLine(err.Error()))
	} else {
		fmt.Fprintln(deps.Streams.ErrOut, "awsfed: cancelled; nothing was written")
	}
	return code
}
