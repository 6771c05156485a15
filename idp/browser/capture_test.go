package browser

import (
	"context"
	"errors"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seed-2d15385e/awsfed/idp"
	"github.com/seed-2d15385e/awsfed/ui"
)

// fillFor types the IdP's password and codes.
func fillFor(p *testIdP) *Fill {
	return &Fill{
		Password: func(context.Context) (string, error) { return p.password, nil },
		Code:     func(context.Context, string) (string, error) { return p.code, nil },
	}
}

func TestCaptureHeadless(t *testing.T) {
	exe := testBrowser(t, false)
	tests := []struct {
		name    string
		variant string
		totp    bool
		pad     int
		action  string
	}{
		{name: "form", variant: "form"},
		{name: "totp", variant: "form", totp: true},
		{name: "popup", variant: "popup"},
		{name: "multipart", variant: "multipart"},
		{name: "1 MB body", variant: "form", pad: 750 << 10},
		{name: "regional host with a query", variant: "form", action: "https://us-east-2.signin.aws.amazon.com/saml?SAMLart=1"},
		{name: "China", variant: "form", action: "https://signin.amazonaws.cn/saml"},
		{name: "GovCloud", variant: "form", action: "https://signin.amazonaws-us-gov.com/saml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			marker := "m" + strings.ReplaceAll(tt.name, " ", "") + "Q7"
			saml := samlFor(marker, tt.pad)
			p := newTestIdP(t, saml)
			p.variant, p.totp = tt.variant, tt.totp
			if tt.action != "" {
				p.action = tt.action
			}
			var argsLeak []string
			p.onLogin = func() {
				// The password is typed over the pipe, never on a command line.
				argsLeak = commandLinesWith(p.password)
			}
			c := newCanary(t)
			dir := filepath.Join(t.TempDir(), "profile")
			var status strings.Builder
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			start := time.Now()
			got, err := Capture(ctx, Options{
				Exec: exe, ProfileDir: dir, StartURL: p.URL(), Username: p.user,
				Fill: fillFor(p), ExtraFlags: c.flags, Status: &status,
			})
			if err != nil {
				t.Fatalf("Capture: %v", err)
			}
			t.Logf("captured in %v", time.Since(start).Round(time.Millisecond))
			want := Result{SAMLResponse: saml, RelayState: p.relayState, ACSURL: p.action}
			if *got != want {
				t.Errorf("Capture = {%.30q… %q %q}; want {%.30q… %q %q} (len %d, want %d)",
					got.SAMLResponse, got.RelayState, got.ACSURL, want.SAMLResponse, want.RelayState, want.ACSURL,
					len(got.SAMLResponse), len(want.SAMLResponse))
			}
			c.assertSilent(t)
			assertNoCopies(t, dir, samlNeedles(saml, marker)...)
			if len(argsLeak) != 0 {
				t.Errorf("the password is on the command line of %v", argsLeak)
			}
			if status.Len() != 0 {
				t.Errorf("headless status output %q; want none", status.String())
			}
			if !(Profile{Dir: dir}).HasSession() {
				t.Error("HasSession() = false after a capture")
			}
			if ua := p.userAgent; strings.Contains(ua, "Headless") || ua == "" {
				t.Errorf("user agent %q; want one without Headless", ua)
			}
			if wd := p.seenValue("webdriver"); wd != "false" {
				t.Errorf("navigator.webdriver = %q; want false", wd)
			}
		})
	}
}

func TestCaptureKeepsSession(t *testing.T) {
	exe := testBrowser(t, false)
	saml := samlFor("mRenewQ7", 0)
	p := newTestIdP(t, saml)
	c := newCanary(t)
	dir := filepath.Join(t.TempDir(), "profile")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	opts := Options{Exec: exe, ProfileDir: dir, StartURL: p.URL(), Username: p.user, ExtraFlags: c.flags}

	first := opts
	first.Fill = fillFor(p)
	if _, err := Capture(ctx, first); err != nil {
		t.Fatalf("first Capture: %v", err)
	}
	if got := p.logins(); got != 1 {
		t.Fatalf("first run showed the login form %d times; want 1", got)
	}

	// The session cookie has no Expires: it survives only through
	// --restore-last-session and a graceful close.
	start := time.Now()
	got, err := Capture(ctx, opts)
	if err != nil {
		t.Fatalf("renewal without Fill: %v", err)
	}
	t.Logf("renewal in %v", time.Since(start).Round(time.Millisecond))
	if got.SAMLResponse != saml {
		t.Errorf("renewal captured %.30q…; want %.30q…", got.SAMLResponse, saml)
	}
	if got := p.logins(); got != 1 {
		t.Errorf("renewal showed the login form; login pages served %d; want 1", got)
	}

	p.revoke()
	start = time.Now()
	_, err = Capture(ctx, opts)
	took := time.Since(start)
	t.Logf("revoked session: ErrLoginRequired in %v", took.Round(time.Millisecond))
	if !errors.Is(err, ErrLoginRequired) {
		t.Fatalf("revoked session: error %v; want ErrLoginRequired", err)
	}
	if took > 6*time.Second {
		t.Errorf("ErrLoginRequired took %v; want it as soon as the login form shows", took)
	}
	if (Profile{Dir: dir}).HasSession() {
		t.Error("HasSession() = true after the IdP asked for a login")
	}
	c.assertSilent(t)
	assertNoCopies(t, dir, samlNeedles(saml, "mRenewQ7")...)
}

func TestCaptureLoginErrors(t *testing.T) {
	exe := testBrowser(t, false)
	need := &ui.InputNeededError{What: "a password", Hint: "set AWSFED_PASSWORD"}
	tests := []struct {
		name    string
		fill    *Fill
		variant string
		check   func(error) bool
		want    string
	}{
		{
			name:  "no fill",
			check: func(err error) bool { return errors.Is(err, ErrLoginRequired) },
			want:  "ErrLoginRequired",
		},
		{
			name: "password not available",
			fill: &Fill{Password: func(context.Context) (string, error) { return "", need }},
			check: func(err error) bool {
				var got *ui.InputNeededError
				return errors.As(err, &got) && got == need
			},
			want: "the *ui.InputNeededError",
		},
		{
			name: "wrong password",
			fill: &Fill{Password: func(context.Context) (string, error) { return "wrong-pw-9", nil }},
			check: func(err error) bool {
				var r *idp.RefusedError
				return errors.As(err, &r) && errors.Is(err, idp.ErrWrongPassword) && !strings.Contains(err.Error(), "wrong-pw-9")
			},
			want: "a RefusedError wrapping ErrWrongPassword, without the password",
		},
		{
			name:    "empty SAMLResponse",
			variant: "empty",
			check: func(err error) bool {
				var r *idp.RefusedError
				return errors.As(err, &r) && errors.Is(err, idp.ErrNoAssertion)
			},
			want: "a RefusedError wrapping ErrNoAssertion",
		},
		{
			name:    "nothing happens",
			variant: "none",
			check:   func(err error) bool { return errors.Is(err, ErrLoginRequired) },
			want:    "ErrLoginRequired after the login timeout",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newTestIdP(t, samlFor("mErr", 0))
			switch tt.variant {
			case "empty":
				p.open, p.samlResponse = true, ""
			case "none":
				p.open, p.variant = true, "none"
			}
			c := newCanary(t)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			_, err := Capture(ctx, Options{
				Exec: exe, ProfileDir: filepath.Join(t.TempDir(), "profile"), StartURL: p.URL(),
				Username: p.user, Fill: tt.fill, ExtraFlags: c.flags, LoginTimeout: 2 * time.Second,
			})
			if !tt.check(err) {
				t.Errorf("error %v; want %s", err, tt.want)
			}
			c.assertSilent(t)
		})
	}
}

// TestCanaryControl shows that the canary would see a leak: with
// interception off, the browser's POST reaches the AWS stand-in.
func TestCanaryControl(t *testing.T) {
	exe := testBrowser(t, false)
	saml := samlFor("mControlQ7", 0)
	p := newTestIdP(t, saml)
	p.open = true
	c := newCanary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, err := Capture(ctx, Options{
		Exec: exe, ProfileDir: filepath.Join(t.TempDir(), "profile"), StartURL: p.URL(),
		ExtraFlags: c.flags, LoginTimeout: 3 * time.Second, noIntercept: true,
	})
	if !errors.Is(err, ErrLoginRequired) {
		t.Errorf("error %v; want ErrLoginRequired (nothing captured)", err)
	}
	c.mu.Lock()
	bodies := append([]string(nil), c.bodies...)
	c.mu.Unlock()
	t.Logf("without interception the stand-in got %d connections and %d requests", c.conns.Load(), c.reqs.Load())
	var posted bool
	for _, b := range bodies {
		posted = posted || strings.Contains(b, url.QueryEscape(saml))
	}
	if !posted {
		t.Errorf("the stand-in got no POST with the SAMLResponse (%d bodies): the canary cannot see a leak", len(bodies))
	}
}

func TestCaptureCancel(t *testing.T) {
	exe := testBrowser(t, false)
	p := newTestIdP(t, samlFor("mCancel", 0))
	p.open, p.variant = true, "none"
	dir := filepath.Join(t.TempDir(), "profile")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-p.starts // the page is loading
		time.Sleep(300 * time.Millisecond)
		cancel()
	}()
	var err error
	errc := make(chan error, 1)
	go func() {
		_, err := Capture(ctx, Options{Exec: exe, ProfileDir: dir, StartURL: p.URL(), LoginTimeout: time.Minute})
		errc <- err
	}()
	<-ctx.Done()
	cancelled := time.Now()
	select {
	case err = <-errc:
	case <-time.After(10 * time.Second):
		t.Fatal("Capture did not return 10 s after its context was cancelled")
	}
	took := time.Since(cancelled)
	t.Logf("returned %v after the cancel", took.Round(time.Millisecond))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v; want context.Canceled", err)
	}
	if errors.Is(err, ui.ErrCancelled) {
		t.Errorf("error %v wraps ui.ErrCancelled; want the context's error only", err)
	}
	if took > 3*time.Second {
		t.Errorf("Capture returned %v after the cancel; want < 3 s", took)
	}
	if pids := browserProcesses(dir); len(pids) != 0 {
		t.Errorf("browser processes left on the profile: %v", pids)
	}
}
