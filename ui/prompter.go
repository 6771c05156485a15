package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/term"
)

// selectAttempts is how many answers Select reads before it gives up.
const selectAttempts = 3

// Prompter asks a person questions. Every method returns an error wrapping
// ErrCancelled when the person presses Ctrl-C or ctx is cancelled, and an
// error naming the prompt when the input ends before an answer.
type Prompter interface {
	// Input asks for a line of text and returns it without surrounding
	// white space.
	Input(ctx context.Context, prompt string) (string, error)
	// Password asks for a secret without echoing it and returns the line
	// exactly as typed, without its line ending.
	Password(ctx context.Context, prompt string) (string, error)
	// Select shows options as a numbered list and returns the index in
	// options of the one chosen.
	Select(ctx context.Context, prompt string, options []string) (int, error)
	// WaitEnter returns nil when the person presses Enter, and ctx's error
	// when ctx is done first. It writes nothing and echoes nothing, so a
	// spinner on the same terminal stays on its line.
	WaitEnter(ctx context.Context) error
}

// TTYPrompter is the Prompter of a terminal. It is not safe for concurrent
// use.
//
// Reads run in a goroutine so that a cancelled context ends a prompt at
// once; a read still running when its prompt was cancelled is handed to the
// next prompt, so no typed input is lost.
type TTYPrompter struct {
	in  io.Reader
	out io.Writer
	// tty is in when in is a terminal; Password turns its echo off.
	tty    *os.File
	closer io.Closer

	// buf holds input read but not yet consumed.
	buf []byte
	// readErr is the error that ended the last read, kept until buf is
	// consumed.
	readErr error
	// pending is the result of a read started for a prompt that was
	// cancelled before the read returned.
	pending chan readResult
}

type readResult struct {
	b   []byte
	err error
}

var _ Prompter = (*TTYPrompter)(nil)

// NewTTYPrompter opens the controlling terminal (/dev/tty) for reading and
// writing and returns a prompter on it, which works even when the standard
// streams are redirected. Close releases the terminal.
func NewTTYPrompter() (*TTYPrompter, error) {
	f, err := os.OpenFile(ttyPath, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("open the terminal: %w", err)
	}
	p := NewPrompter(f, f)
	p.closer = f
	return p, nil
}

// NewPrompter returns a prompter that writes questions to out and reads
// answers from in. When in is an *os.File on a terminal, Password turns the
// terminal's echo off while it reads; otherwise it reads a plain line.
// Close leaves in and out open.
func NewPrompter(in io.Reader, out io.Writer) *TTYPrompter {
	p := &TTYPrompter{in: in, out: out}
	if f, ok := in.(*os.File); ok {
		_ = withFD(f, func(fd int) error {
			if term.IsTerminal(fd) {
				p.tty = f
			}
			return nil
		})
	}
	return p
}

// Close releases the terminal NewTTYPrompter opened.
func (p *TTYPrompter) Close() error {
	if p.closer == nil {
		return nil
	}
	err := p.closer.Close()
	p.closer = nil
	return err
}

// Input writes prompt and returns the line typed, without surrounding white
// space.
func (p *TTYPrompter) Input(ctx context.Context, prompt string) (string, error) {
	name := promptName(prompt)
	if err := ctx.Err(); err != nil {
		return "", cancelled(ctx, name)
	}
	if err := p.write(prompt); err != nil {
		return "", fmt.Errorf("prompt %q: %w", name, err)
	}
	line, err := p.readLine(ctx, name)
	if err != nil {
		p.newLineOnTTY()
		return "", err
	}
	return strings.TrimSpace(line), nil
}

// Password writes prompt and reads a line with the terminal's echo off. The
// terminal is in raw mode meanwhile: Ctrl-C arrives as a byte and cancels,
// Backspace and Ctrl-U edit. Whatever ends the prompt, the terminal's
// previous state is restored before Password returns.
func (p *TTYPrompter) Password(ctx context.Context, prompt string) (string, error) {
	name := promptName(prompt)
	if err := ctx.Err(); err != nil {
		return "", cancelled(ctx, name)
	}
	if p.tty == nil {
		if err := p.write(prompt); err != nil {
			return "", fmt.Errorf("prompt %q: %w", name, err)
		}
		return p.readLine(ctx, name)
	}
	restore, err := p.raw(name)
	if err != nil {
		return "", err
	}
	defer func() {
		restore()
		// After the restore, so that the terminal turns it into CR LF.
		_ = p.write("\n")
	}()
	// Raw mode does not turn LF into CR LF on output.
	if err := p.write(strings.ReplaceAll(prompt, "\n", "\r\n")); err != nil {
		return "", fmt.Errorf("prompt %q: %w", name, err)
	}
	secret, err := p.readSecret(ctx, name)
	if err != nil {
		// Whatever else was typed into an abandoned password prompt must not
		// become the answer to the next one.
		p.buf = nil
	}
	return secret, err
}

// raw puts the terminal into raw mode (no echo; Ctrl-C arrives as a byte)
// and returns the function that restores its previous state.
func (p *TTYPrompter) raw(name string) (restore func(), err error) {
	var state *term.State
	err = withFD(p.tty, func(fd int) error {
		var err error
		state, err = term.MakeRaw(fd)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("prompt %q: turn off echo: %w", name, err)
	}
	return func() { _ = withFD(p.tty, func(fd int) error { return term.Restore(fd, state) }) }, nil
}

// WaitEnter reads up to the next Enter without echo. What was typed before
// it is dropped; Ctrl-C returns an error wrapping ErrCancelled. A read
// still running when ctx ends is handed to the next prompt.
func (p *TTYPrompter) WaitEnter(ctx context.Context) error {
	const name = "Enter"
	if err := ctx.Err(); err != nil {
		return cancelled(ctx, name)
	}
	if p.tty == nil {
		_, err := p.readLine(ctx, name)
		return err
	}
	restore, err := p.raw(name)
	if err != nil {
		return err
	}
	defer restore()
	_, err = p.readSecret(ctx, name)
	return err
}

// Select writes prompt and options as a numbered list ("  1) …") and reads
// the number of the choice, asking again after an answer that is not one of
// the numbers; after three such answers it returns an error.
func (p *TTYPrompter) Select(ctx context.Context, prompt string, options []string) (int, error) {
	name := promptName(prompt)
	if len(options) == 0 {
		return -1, fmt.Errorf("prompt %q: nothing to choose from", name)
	}
	if err := ctx.Err(); err != nil {
		return -1, cancelled(ctx, name)
	}
	var b strings.Builder
	b.WriteString(strings.TrimRight(prompt, " "))
	if !strings.HasSuffix(prompt, "\n") {
		b.WriteString("\n")
	}
	for i, o := range options {
		fmt.Fprintf(&b, "  %d) %s\n", i+1, o)
	}
	if err := p.write(b.String()); err != nil {
		return -1, fmt.Errorf("prompt %q: %w", name, err)
	}
	ask := fmt.Sprintf("Enter a number from 1 to %d: ", len(options))
	for attempt := 1; ; attempt++ {
		if err := p.write(ask); err != nil {
			return -1, fmt.Errorf("prompt %q: %w", name, err)
		}
		line, err := p.readLine(ctx, name)
		if err != nil {
			p.newLineOnTTY()
			return -1, err
		}
		answer := strings.TrimSpace(line)
		if n, err := strconv.Atoi(answer); err == nil && n >= 1 && n <= len(options) {
			return n - 1, nil
		}
		if attempt == selectAttempts {
			return -1, fmt.Errorf("prompt %q: no choice made after %d answers that were not a number from 1 to %d", name, selectAttempts, len(options))
		}
		if err := p.write(fmt.Sprintf("%q is not a number from 1 to %d\n", answer, len(options))); err != nil {
			return -1, fmt.Errorf("prompt %q: %w", name, err)
		}
	}
}

// readLine returns the next line of input without its line ending. Input
// that ends without a line ending is a last line.
func (p *TTYPrompter) readLine(ctx context.Context, name string) (string, error) {
	for {
		if i := bytes.IndexByte(p.buf, '\n'); i >= 0 {
			line := string(p.buf[:i])
			p.buf = p.buf[i+1:]
			return strings.TrimSuffix(line, "\r"), nil
		}
		if err := p.fill(ctx); err != nil {
			if errors.Is(err, io.EOF) && len(p.buf) > 0 {
				line := string(p.buf)
				p.buf = nil
				return strings.TrimSuffix(line, "\r"), nil
			}
			return "", p.failed(ctx, name, err)
		}
	}
}

// readSecret reads a line from a terminal in raw mode, doing the little
// line editing the terminal would do in cooked mode.
func (p *TTYPrompter) readSecret(ctx context.Context, name string) (string, error) {
	var secret []byte
	for {
		for len(p.buf) > 0 {
			c := p.buf[0]
			p.buf = p.buf[1:]
			switch c {
			case '\r', '\n':
				if c == '\r' && len(p.buf) > 0 && p.buf[0] == '\n' {
					p.buf = p.buf[1:]
				}
				return string(secret), nil
			case 0x03: // Ctrl-C
				return "", fmt.Errorf("%w at prompt %q", ErrCancelled, name)
			case 0x04: // Ctrl-D
				if len(secret) == 0 {
					return "", fmt.Errorf("no answer at prompt %q: %w", name, io.EOF)
				}
			case 0x7f, 0x08: // Backspace
				if len(secret) > 0 {
					_, size := utf8.DecodeLastRune(secret)
					secret = secret[:len(secret)-size]
				}
			case 0x15: // Ctrl-U
				secret = secret[:0]
			default:
				if c >= 0x20 || c == '\t' {
					secret = append(secret, c)
				}
			}
		}
		if err := p.fill(ctx); err != nil {
			return "", p.failed(ctx, name, err)
		}
	}
}

// fill reads more input into buf. It returns ctx's error as soon as ctx is
// done, leaving the read running for the next call.
func (p *TTYPrompter) fill(ctx context.Context) error {
	if p.readErr != nil {
		return p.readErr
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if p.pending == nil {
		ch := make(chan readResult, 1)
		in := p.in
		go func() {
			b := make([]byte, 512)
			n, err := in.Read(b)
			ch <- readResult{b: b[:n], err: err}
		}()
		p.pending = ch
	}
	select {
	case r := <-p.pending:
		p.pending = nil
		p.buf = append(p.buf, r.b...)
		if len(r.b) == 0 {
			p.readErr = r.err
			return r.err
		}
		// Data first; the error, if any, comes with the next read.
		p.readErr = r.err
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// failed turns a read error into the error a prompt returns.
func (p *TTYPrompter) failed(ctx context.Context, name string, err error) error {
	switch {
	case ctx.Err() != nil:
		return cancelled(ctx, name)
	case errors.Is(err, io.EOF):
		return fmt.Errorf("no answer at prompt %q: %w", name, io.EOF)
	}
	return fmt.Errorf("prompt %q: read the answer: %w", name, err)
}

// newLineOnTTY moves a terminal's cursor to a new line after a prompt that
// ended without an answer (Ctrl-C and Ctrl-D echo no line ending).
func (p *TTYPrompter) newLineOnTTY() {
	if p.tty != nil {
		_ = p.write("\n")
	}
}

func (p *TTYPrompter) write(s string) error {
	_, err := io.WriteString(p.out, s)
	return err
}

// cancelled is the error of a prompt whose context is done: cancellation
// wraps ErrCancelled; a deadline is reported as such.
func cancelled(ctx context.Context, name string) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("prompt %q: %w", name, ctx.Err())
	}
	return fmt.Errorf("%w at prompt %q", ErrCancelled, name)
}

// promptName is a prompt as errors quote it: "Password: " becomes
// "Password".
func promptName(prompt string) string {
	return strings.TrimSpace(strings.TrimRight(strings.TrimSpace(prompt), ":"))
}

// withFD calls fn with f's descriptor without putting f into blocking mode,
// as f.Fd would.
func withFD(f *os.File, fn func(fd int) error) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var fnErr error
	if err := rc.Control(func(fd uintptr) { fnErr = fn(int(fd)) }); err != nil {
		return err
	}
	return fnErr
}
