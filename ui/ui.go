// Package ui holds the process's streams, terminal detection and the
// prompter through which every question to a person is asked.
package ui

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// ErrCancelled is wrapped by every error a prompt returns because the person
// pressed Ctrl-C or the context was cancelled. Callers map it to exit 130.
var ErrCancelled = errors.New("cancelled")

// ttyPath is the controlling terminal, which prompts use so that they work
// even when stdin, stdout and stderr are redirected (credential_process).
const ttyPath = "/dev/tty"

// Streams are the process's standard streams and what is known about them.
// Data goes to Out; everything meant for a person goes to ErrOut.
type Streams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	// InTTY, OutTTY and ErrTTY report whether each stream is a terminal.
	InTTY, OutTTY, ErrTTY bool

	// NeverPrompt is set by --no-prompt: CanPrompt then reports false.
	NeverPrompt bool

	// TTYAvailable reports whether the controlling terminal can be opened
	// for prompts. nil means it cannot. System sets it to a check that
	// opens /dev/tty; tests replace it.
	TTYAvailable func() bool
}

// System returns the streams of the running process: os.Stdin, os.Stdout
// and os.Stderr, each with its terminal flag, and a TTYAvailable that tries
// to open /dev/tty.
func System() *Streams {
	return &Streams{
		In:           os.Stdin,
		Out:          os.Stdout,
		ErrOut:       os.Stderr,
		InTTY:        isTerminal(os.Stdin),
		OutTTY:       isTerminal(os.Stdout),
		ErrTTY:       isTerminal(os.Stderr),
		TTYAvailable: ttyAvailable,
	}
}

// Test returns streams backed by three buffers, every terminal flag false
// and TTYAvailable nil, so that CanPrompt reports false until a test says
// otherwise.
func Test() (s *Streams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &Streams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

// CanPrompt reports whether a person can be asked a question: prompting is
// not turned off and the controlling terminal can be opened. Whether stdin
// is a terminal does not matter, since prompts use the terminal itself.
func (s *Streams) CanPrompt() bool {
	return !s.NeverPrompt && s.TTYAvailable != nil && s.TTYAvailable()
}

func isTerminal(f *os.File) bool {
	return term.IsTerminal(int(f.Fd()))
}

func ttyAvailable() bool {
	f, err := os.OpenFile(ttyPath, os.O_RDWR, 0)
	if err != nil {
		return false
	}
	_ = f.Close()
	return true
}

// InputNeededError reports that an input is missing and no one can be asked
// for it. Callers map it to exit 4.
type InputNeededError struct {
	// What names the missing input with its article: "a password".
	What string
	// Hint says how to provide it without a prompt: which variable, flag
	// or setting to use.
	Hint string
	// Why says why it cannot be had; "" means that awsfed cannot prompt.
	Why string
}

func (e *InputNeededError) Error() string {
	what := e.What
	if what == "" {
		what = "an input"
	}
	why := e.Why
	if why == "" {
		why = "awsfed cannot prompt (no terminal, or --no-prompt)"
	}
	msg := what + " is needed and " + why
	if e.Hint != "" {
		msg += ": " + e.Hint
	}
	return msg
}

// Notes writes each note to w as one "awsfed: note: …" line: what a
// command did besides its work that a person should know (a file mode
// tightened, a duration lowered).
func Notes(w io.Writer, notes ...string) {
	for _, n := range notes {
		fmt.Fprintf(w, "awsfed: note: %s\n", n)
	}
}

// ResultLine says on w that credentials acting as arn went into where,
// and when they expire, in now's time zone and from now:
// "Assumed ARN into WHERE; expires 2026-11-22 21:04 JST (in 12h0m)". An
// arn not known (STS did not say, as for a GetSessionToken session whose
// identity could not be asked) gives "Got credentials into WHERE; …", an
// IAM user's ARN (a session, no role) "Got a session of ARN into WHERE; …".
func ResultLine(w io.Writer, now time.Time, arn, where string, exp time.Time) {
	what := "Assumed " + arn
	switch {
	case arn == "":
		what = "Got credentials"
	case strings.Contains(arn, ":user/"):
		what = "Got a session of " + arn // an IAM user's, no role
	}
	fmt.Fprintf(w, "%s into %s; expires %s (in %s)\n",
		what, where, exp.In(now.Location()).Format("2006-01-02 15:04 MST"), HumanDuration(exp.Sub(now)))
}

// HumanDuration prints d rounded to the minute as "1h0m" or "12m", or
// "expired" when it is negative.
func HumanDuration(d time.Duration) string {
	if d < 0 {
		return "expired"
	}
	d = d.Round(time.Minute)
	h := int(d / time.Hour)
	m := int((d % time.Hour) / time.Minute)
	if h == 0 {
		return fmt.Sprintf("%dm", m)
	}
	return fmt.Sprintf("%dh%dm", h, m)
}

// AccountLabel names an AWS account for a person: "name (id)", or the id
// alone when it has no name (an alias, or IAM Identity Center's name).
func AccountLabel(id, name string) string {
	if name != "" {
		return fmt.Sprintf("%s (%s)", name, id)
	}
	return id
}
