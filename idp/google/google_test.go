package google_test

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/seed-2d15385e/awsfed/idp"
	"github.com/seed-2d15385e/awsfed/idp/google"
	"github.com/seed-2d15385e/awsfed/idp/google/googletest"
	"github.com/seed-2d15385e/awsfed/idp/idptest"
	"github.com/seed-2d15385e/awsfed/ui"
)

// codes hands out scripted codes; "totp" stands for the emulator's current
// TOTP code.
type codes struct {
	srv    *googletest.Server
	list   []string
	labels []string
}

func (c *codes) Code(_ context.Context, label string) (string, error) {
	c.labels = append(c.labels, label)
	if len(c.labels) > len(c.list) {
		return "", &idp.RefusedError{Err: idp.ErrMFARejected}
	}
	v := c.list[len(c.labels)-1]
	if v == "totp" {
		v = c.srv.TOTPCode()
	}
	return v, nil
}

func newProvider(t *testing.T, srv *googletest.Server, status *bytes.Buffer) *google.Provider {
	t.Helper()
	c := srv.Client()
	c.Jar, _ = cookiejar.New(nil)
	return &google.Provider{
		StartURL:   srv.InitSSOURL("C01abc234", "123456789012"),
		AwaitTxURL: srv.AwaitTxURL(),
		Client:     c,
		Status:     status,
		Sleep:      func(context.Context, time.Duration) error { return nil },
		// A prompt that is never answered must not hold the test.
		PromptTimeout: 10 * time.Second,
	}
}

func TestAuthenticate(t *testing.T) {
	tests := []struct {
		name      string
		opts      googletest.Options
		password  string
		codes     []string
		wantErr   error
		wantText  string // in the error, or on Status when there is none
		wantCodes int
		// browser: the refusal says a browser may do what the flow cannot.
		browser bool
	}{
		{name: "password only"},
		{name: "password and TOTP", opts: googletest.Options{Second: []googletest.Factor{googletest.TOTP}}, codes: []string{"totp"}, wantCodes: 1},
		{name: "wrong TOTP then right", opts: googletest.Options{Second: []googletest.Factor{googletest.TOTP}}, codes: []string{"000000", "totp"}, wantCodes: 2},
		{name: "wrong TOTP every time", opts: googletest.Options{Second: []googletest.Factor{googletest.TOTP}}, codes: []string{"000001", "000002", "000003"},
			wantErr: idp.ErrMFARejected, wantCodes: 4},
		{name: "SMS with its send step", opts: googletest.Options{Second: []googletest.Factor{googletest.SMS}}, codes: []string{"G-123456"}, wantCodes: 1},
		{name: "backup code", opts: googletest.Options{Second: []googletest.Factor{googletest.BackupCode}}, codes: []string{googletest.DefaultCode}, wantCodes: 1},
		{name: "phone prompt approved after 2 polls", opts: googletest.Options{Second: []googletest.Factor{googletest.DevicePrompt}, PromptApproveAfter: 2},
			wantText: "Check your phone: tap Yes"},
		{name: "phone prompt denied", opts: googletest.Options{Second: []googletest.Factor{googletest.DevicePrompt}, PromptApproveAfter: -1},
			wantText: "denied"},
		{name: "Google Prompt approved", opts: googletest.Options{Second: []googletest.Factor{googletest.GooglePrompt}, PromptApproveAfter: 1},
			wantText: "Check your phone: tap Yes on the Google prompt"},
		{name: "Google Prompt denied", opts: googletest.Options{Second: []googletest.Factor{googletest.GooglePrompt}, PromptApproveAfter: -1},
			wantText: "denied"},
		{name: "try another way to a TOTP", opts: googletest.Options{Second: []googletest.Factor{googletest.SecurityKey, googletest.TOTP}},
			codes: []string{"totp"}, wantCodes: 1},
		{name: "wrong password", password: "nope", wantErr: idp.ErrWrongPassword, wantText: googletest.WrongPassword},
		{name: "rejected as automated", opts: googletest.Options{Rejected: true}, wantText: "refused by Google as automated", browser: true},
		{name: "Botguard: only a browser that runs the script", opts: googletest.Options{Botguard: true}, wantText: "refused by Google as automated", browser: true},
		{name: "2SV required", opts: googletest.Options{Require2SV: true}, wantText: "requires 2-Step Verification and none is set up"},
		{name: "too many failed attempts", password: "nope", opts: googletest.Options{LockAfter: 1}, wantText: "after too many failed attempts"},
		{name: "no AWS app", opts: googletest.Options{NoAWSApp: true}, wantText: "app_not_configured_for_user"},
		{name: "security key only", opts: googletest.Options{Second: []googletest.Factor{googletest.SecurityKey}}, wantText: "offered: security key", browser: true},
	}
	for _, gen := range []int{2020, 2024} {
		for _, tt := range tests {
			t.Run(strings.Join([]string{tt.name, map[int]string{2020: "2020", 2024: "2024"}[gen]}, "/"), func(t *testing.T) {
				opts := tt.opts
				opts.Generation = gen
				srv := googletest.NewServer(t, opts)
				var status bytes.Buffer
				p := newProvider(t, srv, &status)
				pw := tt.password
				if pw == "" {
					pw = googletest.DefaultPassword
				}
				cs := &codes{srv: srv, list: tt.codes}
				a, err := p.Authenticate(t.Context(), idp.LoginInput{
					Username: googletest.DefaultEmail,
					Password: func(context.Context) (string, error) { return pw, nil },
					Codes:    cs,
				})
				wantFail := tt.wantErr != nil || (tt.wantText != "" && !strings.HasPrefix(tt.wantText, "Check your phone"))
				if !wantFail {
					if err != nil {
						t.Fatalf("Authenticate: %v", err)
					}
					if len(a.Roles) != 1 || a.Roles[0].RoleARN != idptest.RoleARN {
						t.Errorf("roles = %+v", a.Roles)
					}
					if tt.wantText != "" && !strings.Contains(status.String(), tt.wantText) {
						t.Errorf("status = %q, want %q", status.String(), tt.wantText)
					}
				} else {
					if err == nil {
						t.Fatalf("Authenticate succeeded, want an error")
					}
					if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
						t.Errorf("error = %v, want %v", err, tt.wantErr)
					}
					if !strings.Contains(err.Error(), tt.wantText) {
						t.Errorf("error = %q, want it to contain %q", err, tt.wantText)
					}
					var refused *idp.RefusedError
					if !errors.As(err, &refused) {
						t.Errorf("error %T is not a refusal (exit 3)", err)
					} else if refused.NeedsBrowser != tt.browser {
						t.Errorf("NeedsBrowser = %v, want %v", refused.NeedsBrowser, tt.browser)
					}
				}
				if len(cs.labels) != tt.wantCodes {
					t.Errorf("codes asked %d times (%q), want %d", len(cs.labels), cs.labels, tt.wantCodes)
				}
				for _, r := range srv.Requests() {
					if r.Problem != "" && !wantFail {
						t.Errorf("the emulator saw a problem: %s", r.Problem)
					}
				}
			})
		}
	}
}

// TestAuthenticateKeptSession checks that a jar holding a live Google
// session gets the SAMLResponse without a password or a code.
func TestAuthenticateKeptSession(t *testing.T) {
	for _, gen := range []int{2020, 2024} {
		srv := googletest.NewServer(t, googletest.Options{Generation: gen, Second: []googletest.Factor{googletest.TOTP}})
		p := newProvider(t, srv, nil)
		cs := &codes{srv: srv, list: []string{"totp"}}
		in := idp.LoginInput{Username: googletest.DefaultEmail,
			Password: func(context.Context) (string, error) { return googletest.DefaultPassword, nil }, Codes: cs}
		if _, err := p.Authenticate(t.Context(), in); err != nil {
			t.Fatal(err)
		}
		in.Password = func(context.Context) (string, error) {
			return "", errors.New("asked for a password with a live session")
		}
		in.Codes = &codes{srv: srv}
		before := len(srv.Requests())
		if _, err := p.Authenticate(t.Context(), in); err != nil {
			t.Errorf("generation %d, second run: %v", gen, err)
		}
		// A renewal on a live session is one GET to Google.
		if got := srv.Requests()[before:]; len(got) != 1 || got[0].Method != http.MethodGet || got[0].Path != "/o/saml2/initsso" {
			t.Errorf("generation %d, second run sent %d requests, want one GET of initsso: %+v", gen, len(got), got)
		}
	}
}

// TestOneRequestPerPage checks that a full sign-in fetches no page twice:
// every GET follows a redirect or starts the sign-in.
func TestOneRequestPerPage(t *testing.T) {
	for _, gen := range []int{2020, 2024} {
		srv := googletest.NewServer(t, googletest.Options{Generation: gen, Second: []googletest.Factor{googletest.TOTP}})
		p := newProvider(t, srv, nil)
		in := idp.LoginInput{Username: googletest.DefaultEmail,
			Password: func(context.Context) (string, error) { return googletest.DefaultPassword, nil },
			Codes:    &codes{srv: srv, list: []string{"totp"}}}
		if _, err := p.Authenticate(t.Context(), in); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range srv.Requests() {
			got = append(got, r.Method+" "+r.Path)
		}
		// initsso → identifier page, e-mail → password page, password →
		// code page, code → initsso with the session: the SAMLResponse.
		want := map[int][]string{
			2020: {"GET /o/saml2/initsso", "GET /ServiceLogin", "POST /signin/v1/lookup", "GET /signin/challenge/pwd/1",
				"POST /signin/challenge/pwd/1", "GET /signin/challenge/totp/2", "POST /signin/challenge/totp/2", "GET /o/saml2/initsso"},
			2024: {"GET /o/saml2/initsso", "GET /v3/signin/identifier", "POST /v3/signin/identifier", "GET /v3/signin/challenge/pwd",
				"POST /v3/signin/challenge/pwd", "GET /v3/signin/challenge/totp", "POST /v3/signin/challenge/totp", "GET /o/saml2/initsso"},
		}[gen]
		if !reflect.DeepEqual(got, want) {
			t.Errorf("generation %d: requests\n%s\nwant\n%s", gen, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

// TestUserAgent checks that every request, the prompt's long poll
// included, carries a browser's User-Agent that does not name the tool, or
// the one configured.
func TestUserAgent(t *testing.T) {
	for _, ua := range []string{"", "Mozilla/5.0 (Macintosh) Firefox/140.0"} {
		srv := googletest.NewServer(t, googletest.Options{Second: []googletest.Factor{googletest.GooglePrompt}, PromptApproveAfter: 1})
		p := newProvider(t, srv, new(bytes.Buffer))
		p.UserAgent = ua
		in := idp.LoginInput{Username: googletest.DefaultEmail,
			Password: func(context.Context) (string, error) { return googletest.DefaultPassword, nil }, Codes: &codes{srv: srv}}
		if _, err := p.Authenticate(t.Context(), in); err != nil {
			t.Fatal(err)
		}
		want := cmp.Or(ua, google.DefaultUserAgent)
		for _, r := range srv.Requests() {
			if r.UserAgent != want {
				t.Errorf("%s %s: User-Agent %q, want %q", r.Method, r.Path, r.UserAgent, want)
			}
		}
	}
	if strings.Contains(strings.ToLower(google.DefaultUserAgent), "awsfed") || !strings.HasPrefix(google.DefaultUserAgent, "Mozilla/5.0 ") {
		t.Errorf("DefaultUserAgent %q is not a browser's", google.DefaultUserAgent)
	}
}

// TestPreferenceSteersAwayFromDefault checks that --mfa phone goes past
// Google's default authenticator-code page to the phone prompt.
func TestPreferenceSteersAwayFromDefault(t *testing.T) {
	for _, gen := range []int{2020, 2024} {
		srv := googletest.NewServer(t, googletest.Options{Generation: gen, PromptApproveAfter: 1,
			Second: []googletest.Factor{googletest.TOTP, googletest.DevicePrompt}})
		var status bytes.Buffer
		p := newProvider(t, srv, &status)
		prefer, err := google.ParsePreference("phone,sms")
		if err != nil {
			t.Fatal(err)
		}
		p.Prefer = prefer
		cs := &codes{srv: srv}
		if _, err := p.Authenticate(t.Context(), idp.LoginInput{Username: googletest.DefaultEmail,
			Password: func(context.Context) (string, error) { return googletest.DefaultPassword, nil }, Codes: cs}); err != nil {
			t.Fatalf("generation %d: %v", gen, err)
		}
		if len(cs.labels) != 0 || !strings.Contains(status.String(), "Check your phone") {
			t.Errorf("generation %d: codes asked %q, status %q; want the phone prompt only", gen, cs.labels, status.String())
		}
	}
	if _, err := google.ParsePreference("totp,carrier-pigeon"); err == nil || !strings.Contains(err.Error(), "carrier-pigeon") {
		t.Errorf("an unknown factor name was accepted: %v", err)
	}
}

func TestCaptcha(t *testing.T) {
	for _, gen := range []int{2020, 2024} {
		srv := googletest.NewServer(t, googletest.Options{Generation: gen, CAPTCHA: true})
		var status bytes.Buffer
		p := newProvider(t, srv, &status)
		in := idp.LoginInput{Username: googletest.DefaultEmail,
			Password: func(context.Context) (string, error) { return googletest.DefaultPassword, nil }, Codes: &codes{srv: srv}}
		// Under --no-prompt no one can answer: exit 4.
		_, err := p.Authenticate(t.Context(), in)
		var need *ui.InputNeededError
		if !errors.As(err, &need) || !strings.Contains(err.Error(), "CAPTCHA") {
			t.Errorf("generation %d without a person: %v, want an input-needed error", gen, err)
		}
		// A person answers, wrongly first.
		srv = googletest.NewServer(t, googletest.Options{Generation: gen, CAPTCHA: true})
		p = newProvider(t, srv, &status)
		answers := []string{"wrong", strings.ToUpper(googletest.DefaultCaptchaAnswer)}
		in.Ask = func(_ context.Context, q string) (string, error) {
			a := answers[0]
			answers = answers[1:]
			return a, nil
		}
		if _, err := p.Authenticate(t.Context(), in); err != nil {
			t.Fatalf("generation %d: %v", gen, err)
		}
		out := status.String()
		i := strings.Index(out, "saved in ")
		if i < 0 || !strings.Contains(out, "/Captcha?") {
			t.Fatalf("status = %q, want the image URL and file", out)
		}
		file := strings.TrimSuffix(strings.Fields(out[i+len("saved in "):])[0], ")")
		fi, err := os.Stat(file)
		if err != nil || fi.Mode().Perm() != 0o600 || fi.Size() == 0 {
			t.Errorf("captcha image %s: %v %v", file, err, fi)
		}
		os.Remove(file)
	}
}

// TestPhonePromptTimeout checks that an unanswered prompt ends, as a
// refusal naming --mfa-timeout, for both kinds of phone prompt.
func TestPhonePromptTimeout(t *testing.T) {
	for _, f := range []googletest.Factor{googletest.DevicePrompt, googletest.GooglePrompt} {
		srv := googletest.NewServer(t, googletest.Options{PromptManual: true, Second: []googletest.Factor{f}})
		p := newProvider(t, srv, &bytes.Buffer{})
		p.PromptTimeout = 300 * time.Millisecond
		p.Sleep = nil // real waits, bounded by the timeout
		_, err := p.Authenticate(t.Context(), idp.LoginInput{Username: googletest.DefaultEmail,
			Password: func(context.Context) (string, error) { return googletest.DefaultPassword, nil }, Codes: &codes{srv: srv}})
		var refused *idp.RefusedError
		if !errors.As(err, &refused) || !strings.Contains(err.Error(), "not answered within 300ms") || !strings.Contains(err.Error(), "--mfa-timeout") {
			t.Errorf("%s: error = %v, want a refusal naming the timeout", f, err)
		}
	}
}

// TestPhoneWaitShownAndNudged checks the wait hook: it is shown for the
// length of the phone prompt with its deadline, Enter (a nudge) skips the
// back-off between checks, and the Google Prompt's long poll takes none.
func TestPhoneWaitShownAndNudged(t *testing.T) {
	for _, tt := range []struct {
		factor    googletest.Factor
		wantNudge bool
	}{{googletest.DevicePrompt, true}, {googletest.GooglePrompt, false}} {
		srv := googletest.NewServer(t, googletest.Options{Second: []googletest.Factor{tt.factor}, PromptApproveAfter: 1})
		p := newProvider(t, srv, new(bytes.Buffer))
		p.Sleep = nil // the real back-off: a nudge must cut it short
		var calls, stops int
		var gotNudge bool
		var left time.Duration
		p.Wait = func(_ context.Context, deadline time.Time, canNudge bool) (<-chan struct{}, func()) {
			calls++
			gotNudge, left = canNudge, time.Until(deadline)
			nudge := make(chan struct{}, 1)
			nudge <- struct{}{} // Enter, pressed at once
			return nudge, func() { stops++ }
		}
		start := time.Now()
		in := idp.LoginInput{Username: googletest.DefaultEmail,
			Password: func(context.Context) (string, error) { return googletest.DefaultPassword, nil }, Codes: &codes{srv: srv}}
		if _, err := p.Authenticate(t.Context(), in); err != nil {
			t.Fatal(err)
		}
		if calls != 1 || stops != 1 || gotNudge != tt.wantNudge {
			t.Errorf("%s: Wait called %d times, stopped %d times, canNudge %v; want once, once, %v", tt.factor, calls, stops, gotNudge, tt.wantNudge)
		}
		if left < 9*time.Second || left > 10*time.Second {
			t.Errorf("%s: deadline %s away, want the 10s PromptTimeout", tt.factor, left)
		}
		if d := time.Since(start); d > 900*time.Millisecond {
			t.Errorf("%s: sign-in took %s: the nudge did not skip the 1s back-off", tt.factor, d)
		}
	}
}
