package browser

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/seed-2d15385e/awsfed/idp"
	"github.com/seed-2d15385e/awsfed/idp/idptest"
	"github.com/seed-2d15385e/awsfed/ui"
)

// codes is a CodeSource handing out one code.
type codes string

func (c codes) Code(context.Context, string) (string, error) { return string(c), nil }

func TestProviderAuthenticate(t *testing.T) {
	saml := idptest.DefaultSAMLResponse()
	need := &ui.InputNeededError{What: "a password"}
	boom := errors.New("chrome failed to start")
	ok := func(Options) (*Result, error) { return &Result{SAMLResponse: saml}, nil }
	fail := func(err error) func(Options) (*Result, error) {
		return func(Options) (*Result, error) { return nil, err }
	}
	tests := []struct {
		name          string
		headlessFirst bool
		canShow       bool
		headless      func(Options) (*Result, error)
		headful       func(Options) (*Result, error)
		wantRuns      string // "headless", "headful" or both, in order
		wantErr       error
		wantStatus    string
	}{
		{name: "kept session", headlessFirst: true, canShow: true, headless: ok, wantRuns: "headless"},
		{name: "login required, window", headlessFirst: true, canShow: true, headless: fail(ErrLoginRequired), headful: ok,
			wantRuns: "headless headful", wantStatus: "awsfed: the IdP asks for a login; opening a browser window\n"},
		{name: "input needed, window", headlessFirst: true, canShow: true, headless: fail(fmt.Errorf("x: %w", need)), headful: ok,
			wantRuns: "headless headful", wantStatus: "awsfed: the IdP asks for a login; opening a browser window\n"},
		{name: "login required, no window", headlessFirst: true, headless: fail(ErrLoginRequired),
			wantRuns: "headless", wantErr: ErrLoginRequired},
		{name: "input needed, no window", headlessFirst: true, headless: fail(need),
			wantRuns: "headless", wantErr: need},
		{name: "other headless error", headlessFirst: true, canShow: true, headless: fail(boom),
			wantRuns: "headless", wantErr: boom},
		{name: "wrong password is not retried in a window", headlessFirst: true, canShow: true,
			headless: fail(&idp.RefusedError{Err: idp.ErrWrongPassword}), wantRuns: "headless", wantErr: idp.ErrWrongPassword},
		{name: "window first", canShow: true, headful: ok, wantRuns: "headful"},
		{name: "window closed", canShow: true, headful: fail(fmt.Errorf("closed: %w", ui.ErrCancelled)),
			wantRuns: "headful", wantErr: ui.ErrCancelled},
		{name: "no display", headful: fail(ErrNoDisplay), wantRuns: "headful", wantErr: ErrNoDisplay},
		{name: "not SAML", canShow: true, headful: func(Options) (*Result, error) { return &Result{SAMLResponse: "bm90IHhtbA=="}, nil },
			wantRuns: "headful", wantErr: idp.ErrNotXML},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var runs []string
			var status strings.Builder
			p := &Provider{
				Exec: "/usr/bin/chromium", Profile: "/p", StartURL: "https://idp.example.com/sso",
				ExtraFlags: []string{"--x"}, CanShow: tt.canShow, HeadlessFirst: tt.headlessFirst, Status: &status,
				capture: func(_ context.Context, o Options) (*Result, error) {
					if o.Exec != "/usr/bin/chromium" || o.ProfileDir != "/p" || o.StartURL != "https://idp.example.com/sso" ||
						o.Username != "alice" || len(o.ExtraFlags) != 1 || o.Status != &status {
						t.Errorf("capture options %+v", o)
					}
					if o.Headful {
						runs = append(runs, "headful")
						if o.Fill != nil {
							t.Error("a window run got a Fill; the person types")
						}
						return tt.headful(o)
					}
					runs = append(runs, "headless")
					if o.Fill == nil || o.Fill.Password == nil || o.Fill.Code == nil {
						t.Fatalf("headless Fill %+v; want the password and codes of the login input", o.Fill)
					}
					if pw, _ := o.Fill.Password(context.Background()); pw != "pw" {
						t.Errorf("Fill.Password = %q; want the login input's", pw)
					}
					if c, _ := o.Fill.Code(context.Background(), "code"); c != "123456" {
						t.Errorf("Fill.Code = %q; want the login input's", c)
					}
					return tt.headless(o)
				},
			}
			a, err := p.Authenticate(context.Background(), idp.LoginInput{
				Username: "alice",
				Password: func(context.Context) (string, error) { return "pw", nil },
				Codes:    codes("123456"),
			})
			if got := strings.Join(runs, " "); got != tt.wantRuns {
				t.Errorf("runs %q; want %q", got, tt.wantRuns)
			}
			if status.String() != tt.wantStatus {
				t.Errorf("status %q; want %q", status.String(), tt.wantStatus)
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("error %v; want one wrapping %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.Raw != saml || len(a.Roles) != 1 || a.Roles[0].RoleARN != idptest.RoleARN {
				t.Errorf("assertion %+v; want the captured one", a)
			}
		})
	}
}

func TestFillFrom(t *testing.T) {
	f := fillFrom(idp.LoginInput{})
	if f.Password != nil || f.Code != nil {
		t.Errorf("fillFrom(empty input) = %+v; want no password and no codes", f)
	}
}
