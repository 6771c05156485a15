//go:build linux

package ui

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// A pseudo-terminal pair for tests: the prompter gets the terminal end, the
// test types into and reads from the controlling end.
type ptyPair struct {
	t        *testing.T
	terminal *os.File // what the prompter reads and writes
	control  *os.File // the person at the keyboard

	mu  sync.Mutex
	out bytes.Buffer // what the prompter wrote, as the person sees it
}

func openPTY(t *testing.T) *ptyPair {
	t.Helper()
	control, terminal, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	p := &ptyPair{t: t, terminal: terminal, control: control}
	done := make(chan struct{})
	go func() {
		defer close(done)
		b := make([]byte, 256)
		for {
			n, err := control.Read(b)
			p.mu.Lock()
			p.out.Write(b[:n])
			p.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		terminal.Close()
		control.Close()
		<-done
	})
	return p
}

// typeIn sends keystrokes to the terminal.
func (p *ptyPair) typeIn(s string) {
	p.t.Helper()
	if _, err := io.WriteString(p.control, s); err != nil {
		p.t.Fatalf("type %q: %v", s, err)
	}
}

// waitFor waits until the terminal's output contains s and returns it all.
func (p *ptyPair) waitFor(s string) string {
	p.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		p.mu.Lock()
		got := p.out.String()
		p.mu.Unlock()
		if strings.Contains(got, s) {
			return got
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("terminal output %q; waited in vain for %q", got, s)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// lflag returns the terminal's local mode flags.
func (p *ptyPair) lflag() uint32 {
	p.t.Helper()
	var tio *unix.Termios
	err := withFD(p.terminal, func(fd int) error {
		var err error
		tio, err = unix.IoctlGetTermios(fd, unix.TCGETS)
		return err
	})
	if err != nil {
		p.t.Fatalf("read the terminal's mode: %v", err)
	}
	return tio.Lflag
}

func (p *ptyPair) wantCooked(when string) {
	p.t.Helper()
	const cooked = unix.ECHO | unix.ICANON | unix.ISIG
	if got := p.lflag() & cooked; got != cooked {
		p.t.Errorf("%s: terminal local flags %#x; want ECHO, ICANON and ISIG (%#x) set", when, got, uint32(cooked))
	}
}

type answer struct {
	s   string
	err error
}

func TestTTYPrompter_PasswordOnTerminal(t *testing.T) {
	tests := []struct {
		name    string
		typed   string
		want    string
		wantErr error
	}{
		{name: "typed", typed: "hunter2\r", want: "hunter2"},
		{name: "with spaces", typed: " pass word \r", want: " pass word "},
		{name: "backspace", typed: "hunter3\x7f2\r", want: "hunter2"},
		{name: "backspace over a multibyte letter", typed: "Pässwö\x7fort\r", want: "Pässwort"},
		{name: "Ctrl-U", typed: "oops\x15hunter2\r", want: "hunter2"},
		{name: "Ctrl-C", typed: "hunt\x03", wantErr: ErrCancelled},
		{name: "Ctrl-D", typed: "\x04", wantErr: io.EOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pty := openPTY(t)
			p := NewPrompter(pty.terminal, pty.terminal)
			got := make(chan answer, 1)
			go func() {
				s, err := p.Password(context.Background(), "Password: ")
				got <- answer{s, err}
			}()
			pty.waitFor("Password: ")
			if pty.lflag()&unix.ECHO != 0 {
				t.Error("echo is on while the password is read")
			}
			pty.typeIn(tt.typed)
			a := <-got
			if a.s != tt.want || !errors.Is(a.err, tt.wantErr) {
				t.Errorf("Password() = %q, %v; want %q, %v", a.s, a.err, tt.want, tt.wantErr)
			}
			if out := pty.waitFor("\r\n"); out != "Password: \r\n" {
				t.Errorf("terminal shows %q; want %q (nothing typed echoed)", out, "Password: \r\n")
			}
			pty.wantCooked("after Password")
		})
	}
}

func TestTTYPrompter_PasswordCancelRestoresEcho(t *testing.T) {
	pty := openPTY(t)
	p := NewPrompter(pty.terminal, pty.terminal)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan answer, 1)
	go func() {
		s, err := p.Password(ctx, "Password: ")
		got <- answer{s, err}
	}()
	pty.waitFor("Password: ")
	if pty.lflag()&unix.ECHO != 0 {
		t.Error("echo is on while the password is read")
	}
	// As main does on SIGINT.
	cancel()
	a := <-got
	if !errors.Is(a.err, ErrCancelled) {
		t.Errorf("Password() = %q, %v; want an error wrapping ErrCancelled", a.s, a.err)
	}
	pty.wantCooked("after a cancelled Password")
	pty.waitFor("Password: \r\n")

	// The terminal works as before for the next question.
	next := make(chan answer, 1)
	go func() {
		s, err := p.Input(context.Background(), "Username: ")
		next <- answer{s, err}
	}()
	pty.waitFor("Username: ")
	pty.typeIn("alice\r")
	if a := <-next; a.s != "alice" || a.err != nil {
		t.Errorf("Input() = %q, %v; want %q, nil", a.s, a.err, "alice")
	}
	pty.waitFor("Username: alice\r\n")
}

func TestTTYPrompter_InputOnTerminal(t *testing.T) {
	pty := openPTY(t)
	p := NewPrompter(pty.terminal, pty.terminal)
	got := make(chan answer, 1)
	go func() {
		s, err := p.Input(context.Background(), "Username: ")
		got <- answer{s, err}
	}()
	pty.waitFor("Username: ")
	pty.typeIn("  alice@example.com \r")
	if a := <-got; a.s != "alice@example.com" || a.err != nil {
		t.Errorf("Input() = %q, %v; want %q, nil", a.s, a.err, "alice@example.com")
	}
	pty.waitFor("Username:   alice@example.com \r\n")
}

func TestTTYPrompter_SelectOnTerminal(t *testing.T) {
	pty := openPTY(t)
	p := NewPrompter(pty.terminal, pty.terminal)
	got := make(chan struct {
		i   int
		err error
	}, 1)
	go func() {
		i, err := p.Select(context.Background(), "Choose a role:", []string{"jump-sso", "admin"})
		got <- struct {
			i   int
			err error
		}{i, err}
	}()
	ask := "Enter a number from 1 to 2: "
	pty.waitFor("Choose a role:\r\n  1) jump-sso\r\n  2) admin\r\n" + ask)
	pty.typeIn("admin\r")
	pty.waitFor(`"admin" is not a number from 1 to 2` + "\r\n" + ask)
	pty.typeIn("2\r")
	if r := <-got; r.i != 1 || r.err != nil {
		t.Errorf("Select() = %d, %v; want 1, nil", r.i, r.err)
	}
}

func TestTTYPrompter_WaitEnterOnTerminal(t *testing.T) {
	tests := []struct {
		name    string
		typed   string
		wantErr error
	}{
		{name: "Enter", typed: "\r"},
		{name: "keys then Enter", typed: "yes\r"},
		{name: "Ctrl-C", typed: "\x03", wantErr: ErrCancelled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pty := openPTY(t)
			p := NewPrompter(pty.terminal, pty.terminal)
			got := make(chan error, 1)
			go func() { got <- p.WaitEnter(context.Background()) }()
			// WaitEnter writes nothing: wait for echo to go off instead.
			for deadline := time.Now().Add(5 * time.Second); pty.lflag()&unix.ECHO != 0; {
				if time.Now().After(deadline) {
					t.Fatal("echo is still on while WaitEnter reads")
				}
				time.Sleep(5 * time.Millisecond)
			}
			pty.typeIn(tt.typed)
			if err := <-got; !errors.Is(err, tt.wantErr) {
				t.Errorf("WaitEnter() = %v; want %v", err, tt.wantErr)
			}
			pty.wantCooked("after WaitEnter")
			// Nothing was written or echoed: the next prompt is the first output.
			next := make(chan answer, 1)
			go func() {
				s, err := p.Input(context.Background(), "Username: ")
				next <- answer{s, err}
			}()
			if out := pty.waitFor("Username: "); out != "Username: " {
				t.Errorf("terminal shows %q before the next prompt; want nothing", strings.TrimSuffix(out, "Username: "))
			}
			pty.typeIn("alice\r")
			if a := <-next; a.s != "alice" || a.err != nil {
				t.Errorf("Input() = %q, %v; want %q, nil", a.s, a.err, "alice")
			}
		})
	}
	t.Run("context ends first", func(t *testing.T) {
		pty := openPTY(t)
		p := NewPrompter(pty.terminal, pty.terminal)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if err := p.WaitEnter(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("WaitEnter() = %v; want the deadline", err)
		}
		pty.wantCooked("after WaitEnter timed out")
	})
}
