package ui

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func TestTTYPrompter_Input(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		want    []string // answers to successive prompts
		wantErr string   // error of the prompt after them, if any
	}{
		{name: "trimmed", input: "  alice@example.com \n", want: []string{"alice@example.com"}},
		{name: "CR LF", input: "alice\r\n", want: []string{"alice"}},
		{name: "two lines", input: "alice\nbob\n", want: []string{"alice", "bob"}},
		{name: "last line without line ending", input: "alice", want: []string{"alice"}},
		{name: "empty line", input: "\n", want: []string{""}},
		{name: "end of input", input: "", wantErr: `no answer at prompt "Username": EOF`},
		{name: "end of input at the second prompt", input: "alice\n", want: []string{"alice"}, wantErr: `no answer at prompt "Username": EOF`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			p := NewPrompter(strings.NewReader(tt.input), &out)
			for i, want := range tt.want {
				got, err := p.Input(context.Background(), "Username: ")
				if err != nil || got != want {
					t.Errorf("answer %d: Input() = %q, %v; want %q, nil", i, got, err, want)
				}
			}
			if tt.wantErr != "" {
				_, err := p.Input(context.Background(), "Username: ")
				if err == nil || err.Error() != tt.wantErr {
					t.Errorf("error %v; want %q", err, tt.wantErr)
				}
				if !errors.Is(err, io.EOF) {
					t.Errorf("error %v does not wrap io.EOF", err)
				}
			}
			if !strings.HasPrefix(out.String(), "Username: ") {
				t.Errorf("output %q; want the prompt", out.String())
			}
		})
	}
}

func TestTTYPrompter_PasswordNotATerminal(t *testing.T) {
	var out bytes.Buffer
	p := NewPrompter(strings.NewReader(" pass word \n"), &out)
	got, err := p.Password(context.Background(), "Password: ")
	if err != nil {
		t.Fatal(err)
	}
	if want := " pass word "; got != want {
		t.Errorf("Password() = %q; want %q", got, want)
	}
	if want := "Password: "; out.String() != want {
		t.Errorf("output %q; want %q", out.String(), want)
	}
}

func TestTTYPrompter_Select(t *testing.T) {
	options := []string{"arn:aws:iam::111111111111:role/a", "arn:aws:iam::111111111111:role/b"}
	list := "Choose a role:\n  1) arn:aws:iam::111111111111:role/a\n  2) arn:aws:iam::111111111111:role/b\n"
	ask := "Enter a number from 1 to 2: "
	tests := []struct {
		name    string
		input   string
		want    int
		wantOut string
		wantErr string
	}{
		{name: "first", input: "1\n", want: 0, wantOut: list + ask},
		{name: "second with spaces", input: " 2 \n", want: 1, wantOut: list + ask},
		{
			name:    "asks again",
			input:   "x\n3\n2\n",
			want:    1,
			wantOut: list + ask + `"x" is not a number from 1 to 2` + "\n" + ask + `"3" is not a number from 1 to 2` + "\n" + ask,
		},
		{
			name:    "gives up after three answers",
			input:   "0\n\nthree\n1\n",
			want:    -1,
			wantOut: list + ask + `"0" is not a number from 1 to 2` + "\n" + ask + `"" is not a number from 1 to 2` + "\n" + ask,
			wantErr: `prompt "Choose a role": no choice made after 3 answers that were not a number from 1 to 2`,
		},
		{
			name:    "end of input",
			input:   "",
			want:    -1,
			wantOut: list + ask,
			wantErr: `no answer at prompt "Choose a role": EOF`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			p := NewPrompter(strings.NewReader(tt.input), &out)
			got, err := p.Select(context.Background(), "Choose a role:", options)
			if got != tt.want {
				t.Errorf("Select() = %d; want %d", got, tt.want)
			}
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if gotErr != tt.wantErr {
				t.Errorf("error %q; want %q", gotErr, tt.wantErr)
			}
			if out.String() != tt.wantOut {
				t.Errorf("output\n%q; want\n%q", out.String(), tt.wantOut)
			}
		})
	}
}

func TestTTYPrompter_SelectNoOptions(t *testing.T) {
	p := NewPrompter(strings.NewReader("1\n"), io.Discard)
	if _, err := p.Select(context.Background(), "Choose a role:", nil); err == nil {
		t.Error("Select() with no options succeeded")
	}
}

func TestTTYPrompter_Cancel(t *testing.T) {
	tests := []struct {
		name string
		ask  func(ctx context.Context, p *TTYPrompter) error
	}{
		{name: "Input", ask: func(ctx context.Context, p *TTYPrompter) error {
			_, err := p.Input(ctx, "Username: ")
			return err
		}},
		{name: "Password", ask: func(ctx context.Context, p *TTYPrompter) error {
			_, err := p.Password(ctx, "Password: ")
			return err
		}},
		{name: "Select", ask: func(ctx context.Context, p *TTYPrompter) error {
			_, err := p.Select(ctx, "Choose a role:", []string{"a", "b"})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, w := io.Pipe()
			defer w.Close()
			p := NewPrompter(r, io.Discard)

			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(50*time.Millisecond, cancel)
			err := tt.ask(ctx, p)
			if !errors.Is(err, ErrCancelled) {
				t.Fatalf("error %v; want one wrapping ErrCancelled", err)
			}

			// The read left running by the cancelled prompt serves the next one.
			go func() { _, _ = io.WriteString(w, "2\n") }()
			got, err := p.Input(context.Background(), "Again: ")
			if err != nil || got != "2" {
				t.Errorf("next Input() = %q, %v; want %q, nil", got, err, "2")
			}

			// A context already done asks nothing.
			err = tt.ask(ctx, p)
			if !errors.Is(err, ErrCancelled) {
				t.Errorf("with a done context: error %v; want one wrapping ErrCancelled", err)
			}
		})
	}
}

func TestTTYPrompter_Deadline(t *testing.T) {
	r, w := io.Pipe()
	defer w.Close()
	p := NewPrompter(r, io.Discard)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := p.Input(ctx, "Username: ")
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrCancelled) {
		t.Errorf("error %v; want one wrapping context.DeadlineExceeded and not ErrCancelled", err)
	}
}

func TestNewTTYPrompter(t *testing.T) {
	p, err := NewTTYPrompter()
	if ttyAvailable() != (err == nil) {
		t.Fatalf("NewTTYPrompter() error %v while ttyAvailable() = %v", err, ttyAvailable())
	}
	if err != nil {
		if !strings.HasPrefix(err.Error(), "open the terminal: ") {
			t.Errorf("error %q; want it to say the terminal could not be opened", err)
		}
		return
	}
	if err := p.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close() = %v", err)
	}
}
