package ui

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestStreams_CanPrompt(t *testing.T) {
	yes := func() bool { return true }
	no := func() bool { return false }
	tests := []struct {
		name         string
		ttyAvailable func() bool
		inTTY        bool
		neverPrompt  bool
		want         bool
	}{
		{name: "terminal", ttyAvailable: yes, want: true},
		{name: "terminal, stdin redirected as under credential_process", ttyAvailable: yes, inTTY: false, want: true},
		{name: "terminal but --no-prompt", ttyAvailable: yes, inTTY: true, neverPrompt: true, want: false},
		{name: "no terminal", ttyAvailable: no, inTTY: true, want: false},
		{name: "no check", ttyAvailable: nil, inTTY: true, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, _, _ := Test()
			s.TTYAvailable = tt.ttyAvailable
			s.InTTY = tt.inTTY
			s.NeverPrompt = tt.neverPrompt
			if got := s.CanPrompt(); got != tt.want {
				t.Errorf("CanPrompt() = %v; want %v", got, tt.want)
			}
		})
	}
}

func TestTest(t *testing.T) {
	s, in, out, errOut := Test()
	in.WriteString("typed")
	if _, err := s.Out.Write([]byte("data")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ErrOut.Write([]byte("news")); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 5)
	n, _ := s.In.Read(got)
	if string(got[:n]) != "typed" {
		t.Errorf("In read %q; want %q", got[:n], "typed")
	}
	if out.String() != "data" || errOut.String() != "news" {
		t.Errorf("Out, ErrOut = %q, %q; want %q, %q", out, errOut, "data", "news")
	}
	if s.InTTY || s.OutTTY || s.ErrTTY || s.CanPrompt() {
		t.Errorf("Test() streams claim a terminal: %+v", s)
	}
}

func TestInputNeededError_Error(t *testing.T) {
	tests := []struct {
		name string
		err  *InputNeededError
		want string
	}{
		{
			name: "password",
			err: &InputNeededError{
				What: "a password",
				Hint: "set AWSFED_PASSWORD, pass --password-stdin, or set awsfed_password_command in [profile sts]",
			},
			want: "a password is needed and awsfed cannot prompt (no terminal, or --no-prompt): set AWSFED_PASSWORD, pass --password-stdin, or set awsfed_password_command in [profile sts]",
		},
		{
			name: "no hint",
			err:  &InputNeededError{What: "a one-time code"},
			want: "a one-time code is needed and awsfed cannot prompt (no terminal, or --no-prompt)",
		},
		{
			name: "empty",
			err:  &InputNeededError{},
			want: "an input is needed and awsfed cannot prompt (no terminal, or --no-prompt)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q; want %q", got, tt.want)
			}
		})
	}
}

// lockedWriter records writes and fails the test on a write after stopped
// is set.
type lockedWriter struct {
	t       *testing.T
	mu      sync.Mutex
	buf     bytes.Buffer
	stopped bool
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		w.t.Errorf("spinner wrote %q after stop returned", p)
	}
	return w.buf.Write(p)
}

func TestStreams_StartSpinner(t *testing.T) {
	t.Run("not a terminal", func(t *testing.T) {
		s, _, _, errOut := Test()
		stop := s.StartSpinner(func() string { return "Waiting for approval" })
		time.Sleep(2 * spinnerInterval)
		stop()
		stop()
		if errOut.Len() != 0 {
			t.Errorf("spinner wrote %q to a non-terminal", errOut)
		}
	})
	t.Run("terminal", func(t *testing.T) {
		s, _, _, _ := Test()
		w := &lockedWriter{t: t}
		s.ErrOut = w
		s.ErrTTY = true
		stop := s.StartSpinner(func() string { return "Waiting for approval" })
		time.Sleep(2 * spinnerInterval)
		stop()
		w.mu.Lock()
		w.stopped = true
		got := w.buf.String()
		w.mu.Unlock()
		stop()
		time.Sleep(2 * spinnerInterval)
		if !strings.HasPrefix(got, "\r⠋ Waiting for approval\x1b[K\r⠙ Waiting for approval\x1b[K") {
			t.Errorf("spinner output %q; want it to start with two frames", got)
		}
		if !strings.HasSuffix(got, "\r\x1b[K") {
			t.Errorf("spinner output %q; want it to end by clearing the line", got)
		}
	})
}

// TestResultLine names the identity when it is known, and never leaves a
// gap where it is not.
func TestResultLine(t *testing.T) {
	now := time.Date(2026, 11, 22, 9, 4, 0, 0, time.UTC)
	exp := now.Add(12 * time.Hour)
	for arn, want := range map[string]string{
		"arn:aws:sts::111111111111:assumed-role/r/alice": "Assumed arn:aws:sts::111111111111:assumed-role/r/alice into profile base; expires 2026-11-22 21:04 UTC (in 12h0m)\n",
		"": "Got credentials into profile base; expires 2026-11-22 21:04 UTC (in 12h0m)\n",
	} {
		var b bytes.Buffer
		ResultLine(&b, now, arn, "profile base", exp)
		if b.String() != want {
			t.Errorf("ResultLine(%q) = %q, want %q", arn, b.String(), want)
		}
	}
}

func TestResultLineUserSession(t *testing.T) {
	var b strings.Builder
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	ResultLine(&b, now, "arn:aws:iam::111111111111:user/alice", "profile base", now.Add(12*time.Hour))
	if want := "Got a session of arn:aws:iam::111111111111:user/alice into profile base; expires 2026-11-22 21:00 UTC (in 12h0m)\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

func TestAccountLabel(t *testing.T) {
	for _, tt := range []struct{ id, name, want string }{
		{"111111111111", "prod", "prod (111111111111)"},
		{"111111111111", "", "111111111111"},
	} {
		if got := AccountLabel(tt.id, tt.name); got != tt.want {
			t.Errorf("AccountLabel(%q, %q) = %q, want %q", tt.id, tt.name, got, tt.want)
		}
	}
}
