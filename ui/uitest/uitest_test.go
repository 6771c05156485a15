package uitest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/seed-2d15385e/awsfed/ui"
)

// recorder is a testing.TB that records failures and cleanups instead of
// acting on them.
type recorder struct {
	testing.TB
	errs     []string
	cleanups []func()
}

func (r *recorder) Helper()          {}
func (r *recorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }
func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recorder) finish() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

func TestPrompter(t *testing.T) {
	ctx := context.Background()
	roles := []string{"arn:aws:iam::1:role/a", "arn:aws:iam::1:role/b"}
	tests := []struct {
		name     string
		register func(p *Prompter)
		ask      func(p *Prompter) (string, error)
		want     string
		wantErr  error
		wantFail string // part of the test failure expected, if any
	}{
		{
			name: "script answered in order",
			register: func(p *Prompter) {
				p.RegisterInput("Username:", "alice")
				p.RegisterPassword("Password for alice: ", "s3cret")
				p.RegisterSelect("Choose a role:", "arn:aws:iam::1:role/b")
			},
			ask: func(p *Prompter) (string, error) {
				u, err := p.Input(ctx, "Username: ")
				if err != nil {
					return "", err
				}
				pw, err := p.Password(ctx, "Password for alice: ")
				if err != nil {
					return "", err
				}
				i, err := p.Select(ctx, "Choose a role:", roles)
				return fmt.Sprintf("%s %s %d", u, pw, i), err
			},
			want: "alice s3cret 1",
		},
		{
			name:     "registered error",
			register: func(p *Prompter) { p.RegisterError(Password, "Password:", ui.ErrCancelled) },
			ask:      func(p *Prompter) (string, error) { return p.Password(ctx, "Password:") },
			wantErr:  ui.ErrCancelled,
		},
		{
			name:     "unexpected prompt",
			register: func(p *Prompter) {},
			ask:      func(p *Prompter) (string, error) { return p.Input(ctx, "Username:") },
			wantErr:  errAny,
			wantFail: `unexpected Input prompt "Username:": no more prompts registered`,
		},
		{
			name:     "other prompt text",
			register: func(p *Prompter) { p.RegisterInput("Username:", "alice") },
			ask:      func(p *Prompter) (string, error) { return p.Input(ctx, "Login:") },
			wantErr:  errAny,
			wantFail: `unexpected Input prompt "Login:"; the next registered is Input prompt "Username:"`,
		},
		{
			name:     "other method",
			register: func(p *Prompter) { p.RegisterInput("Password:", "x") },
			ask:      func(p *Prompter) (string, error) { return p.Password(ctx, "Password:") },
			wantErr:  errAny,
			wantFail: `unexpected Password prompt "Password:"; the next registered is Input prompt "Password:"`,
		},
		{
			name:     "answer not among the options",
			register: func(p *Prompter) { p.RegisterSelect("Choose a role:", "arn:aws:iam::1:role/c") },
			ask: func(p *Prompter) (string, error) {
				_, err := p.Select(ctx, "Choose a role:", roles)
				return "", err
			},
			wantErr:  errAny,
			wantFail: `answer "arn:aws:iam::1:role/c" is not among the options`,
		},
		{
			name: "left over",
			register: func(p *Prompter) {
				p.RegisterInput("Username:", "alice")
				p.RegisterPassword("Password:", "s3cret")
			},
			ask:      func(p *Prompter) (string, error) { return p.Input(ctx, "Username:") },
			want:     "alice",
			wantFail: `Password prompt "Password:" was registered but never asked`,
		},
		{
			name:     "cancelled context",
			register: func(p *Prompter) { p.RegisterInput("Username:", "alice") },
			ask: func(p *Prompter) (string, error) {
				ctx, cancel := context.WithCancel(ctx)
				cancel()
				return p.Input(ctx, "Username:")
			},
			wantErr:  ui.ErrCancelled,
			wantFail: `Input prompt "Username:" was registered but never asked`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			p := New(rec)
			tt.register(p)
			got, err := tt.ask(p)
			rec.finish()

			if got != tt.want {
				t.Errorf("answer %q; want %q", got, tt.want)
			}
			switch {
			case tt.wantErr == nil && err != nil:
				t.Errorf("error %v; want none", err)
			case tt.wantErr == errAny && err == nil:
				t.Error("no error; want one")
			case tt.wantErr != nil && tt.wantErr != errAny && !errors.Is(err, tt.wantErr):
				t.Errorf("error %v; want one wrapping %v", err, tt.wantErr)
			}
			failures := strings.Join(rec.errs, "\n")
			if tt.wantFail == "" && failures != "" {
				t.Errorf("test failed with %q; want it to pass", failures)
			}
			if tt.wantFail != "" && !strings.Contains(failures, tt.wantFail) {
				t.Errorf("test failures %q; want one containing %q", failures, tt.wantFail)
			}
		})
	}
}

// errAny stands for any error in the table above.
var errAny = errors.New("any error")
