package googletest_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed-2d15385e/awsfed/idp/google"
	"github.com/seed-2d15385e/awsfed/idp/google/googletest"
	"github.com/seed-2d15385e/awsfed/idp/idptest"
	"github.com/seed-2d15385e/awsfed/idp/internal/form"
)

// browser drives the emulator as a client would: it fetches pages, has
// google.Classify read each one, and submits the page's own forms.
type browser struct {
	t    *testing.T
	c    *http.Client
	page *google.Page
}

func newBrowser(t *testing.T, srv *googletest.Server) *browser {
	return &browser{t: t, c: srv.Client()}
}

func (b *browser) get(u string) *google.Page {
	b.t.Helper()
	req, err := http.NewRequestWithContext(b.t.Context(), http.MethodGet, u, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// submit posts f with its own values, bgresponse=js_enabled if it has that
// field, and the name/value pairs in set.
func (b *browser) submit(f *form.Form, set ...string) *google.Page {
	b.t.Helper()
	if f == nil {
		b.t.Fatalf("no form to submit on %s (%v)", b.page.URL.Path, b.page.Kind)
	}
	vals := f.Values()
	if f.Input("bgresponse") != nil {
		vals.Set("bgresponse", "js_enabled")
	}
	for i := 0; i+1 < len(set); i += 2 {
		vals.Set(set[i], set[i+1])
	}
	req, err := http.NewRequestWithContext(b.t.Context(), http.MethodPost, f.Action.String(), strings.NewReader(vals.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

func (b *browser) do(req *http.Request) *google.Page {
	b.t.Helper()
	p, err := form.Do(b.c, req)
	if err != nil {
		b.t.Fatal(err)
	}
	b.page = google.Classify(p)
	return b.page
}

// want fails the test unless the current page is of kind k.
func (b *browser) want(k google.Kind) *google.Page {
	b.t.Helper()
	if b.page.Kind != k {
		html, _ := b.page.Doc.Html()
		b.t.Fatalf("page %s is a %v, want a %v\n%s", b.page.URL.Path, b.page.Kind, k, html)
	}
	return b.page
}

// errorText is the text of the element each generation puts errors in.
func errorText(p *google.Page) string {
	return strings.TrimSpace(p.Doc.Find("#errorMsg, #passwordError, [jsname=B34EJ]").Text())
}

const idpID, spID = "C0abc123", "123456789012"

// start fetches the start URL with hl=en and answers the identifier page.
func (b *browser) start(srv *googletest.Server) *google.Page {
	b.t.Helper()
	b.get(srv.InitSSOURL(idpID, spID) + "&hl=en")
	p := b.want(google.KindIdentifier)
	return b.submit(p.Form, emailField(p), googletest.DefaultEmail)
}

func emailField(p *google.Page) string {
	if p.V3 {
		return "identifier"
	}
	return "Email"
}

// password answers the password page with the default password.
func (b *browser) password() *google.Page {
	b.t.Helper()
	p := b.want(google.KindPassword)
	return b.submit(p.Form, "Passwd", googletest.DefaultPassword)
}

func wantSAML(t *testing.T, p *google.Page) {
	t.Helper()
	if p.Kind != google.KindSAML {
		t.Fatalf("page %s is a %v, want the SAMLResponse page", p.URL.Path, p.Kind)
	}
	f, v, _ := p.Page.SAMLResponse()
	xml, err := base64.StdEncoding.DecodeString(v)
	if err != nil || !strings.Contains(string(xml), idptest.RoleARN) {
		t.Errorf("SAMLResponse %.40q… does not grant %s: %v", v, idptest.RoleARN, err)
	}
	if f.Action.String() != "https://signin.aws.amazon.com/saml" || f.Input("RelayState") == nil {
		t.Errorf("SAMLResponse form posts to %s with RelayState %v", f.Action, f.Input("RelayState") != nil)
	}
}

func generations(t *testing.T, run func(t *testing.T, gen int)) {
	for _, gen := range []int{2020, 2024} {
		t.Run(fmt.Sprint(gen), func(t *testing.T) {
			t.Parallel()
			run(t, gen)
		})
	}
}

func TestFlows(t *testing.T) {
	tests := []struct {
		name string
		opts googletest.Options
		run  func(t *testing.T, b *browser, srv *googletest.Server)
		// wantProblem is in the recorded problem of the request before the
		// last; other requests must have none.
		wantProblem string
	}{
		{
			name: "password and TOTP, then session reuse",
			opts: googletest.Options{Second: []googletest.Factor{googletest.TOTP}},
			run: func(t *testing.T, b *browser, srv *googletest.Server) {
				b.start(srv)
				p := b.password()
				b.want(google.KindTOTP)
				if p.Skip == nil {
					t.Error("the TOTP page has no \"Try another way\" form")
				}
				wantSAML(t, b.submit(p.Form, "Pin", srv.TOTPCode()))
				reqs := srv.Requests()
				if got := reqs[0].Query.Get("hl"); got != "en" {
					t.Errorf("first request's hl = %q, want en", got)
				}
				last := reqs[len(reqs)-1]
				if last.Path != "/o/saml2/initsso" || last.Query.Get("from_login") != "1" {
					t.Errorf("the SAMLResponse came from %s?%s, want initsso with from_login=1", last.Path, last.Query.Encode())
				}

				n := len(reqs)
				wantSAML(t, b.get(srv.InitSSOURL(idpID, spID)+"&hl=en"))
				if got := len(srv.Requests()) - n; got != 1 {
					t.Errorf("session reuse took %d requests, want 1", got)
				}
				other := newBrowser(t, srv)
				other.get(srv.InitSSOURL(idpID, spID))
				other.want(google.KindIdentifier)
			},
		},
		{
			name: "wrong password",
			run: func(t *testing.T, b *browser, srv *googletest.Server) {
				b.start(srv)
				p := b.want(google.KindPassword)
				p = b.submit(p.Form, "Passwd", "nope")
				b.want(google.KindPassword)
				if got := errorText(p); got != googletest.WrongPassword {
					t.Errorf("error = %q, want %q", got, googletest.WrongPassword)
				}
				wantSAML(t, b.password())
			},
		},
		{
			name: "wrong TOTP code",
			opts: googletest.Options{Second: []googletest.Factor{googletest.TOTP}},
			run: func(t *testing.T, b *browser, srv *googletest.Server) {
				b.start(srv)
				b.password()
				p := b.submit(b.want(google.KindTOTP).Form, "Pin", "000000")
				b.want(google.KindTOTP)
				if got := errorText(p); got != googletest.WrongCode {
					t.Errorf("error = %q, want %q", got, googletest.WrongCode)
				}
				wantSAML(t, b.submit(p.Form, "Pin", srv.TOTPCode()))
			},
		},
		{
			name: "rejected at the password",
			opts: googletest.Options{Rejected: true},
			run: func(t *testing.T, b *browser, srv *googletest.Server) {
				b.start(srv)
				b.password()
				b.want(google.KindRejected)
			},
		},
		{
			name: "bgresponse js_disabled is rejected",
			run: func(t *testing.T, b *browser, srv *googletest.Server) {
				p := b.get(srv.InitSSOURL(idpID, spID) + "&hl=en")
				vals := p.Form.Values()
				vals.Set(emailField(p), googletest.DefaultEmail)
				if vals.Get("bgresponse") != "js_disabled" {
					t.Errorf("identifier page's bgresponse = %q, want js_disabled", vals.Get("bgresponse"))
				}
				req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, p.Form.Action.String(), strings.NewReader(vals.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				b.do(req)
				b.want(google.KindRejected)
			},
			wantProblem: "bgresponse",
		},
		{
			name: "2SV required",
			opts: googletest.Options{Require2SV: true, Second: []googletest.Factor{googletest.TOTP}},
			run: func(t *testing.T, b *browser, srv *googletest.Server) {
				b.start(srv)
				b.password()
				b.want(google.Kind2SVRequired)
			},
		},
		{
			name: "no AWS app",
			opts: googletest.Options{NoAWSApp: true},
			run: func(t *testing.T, b *browser, srv *googletest.Server) {
				b.start(srv)
				p := b.password()
				b.want(google.KindNoApp)
				if p.Status != http.StatusForbidden || !strings.Contains(p.Doc.Text(), "app_not_configured_for_user") {
					t.Errorf("status %d, text %q", p.Status, p.Doc.Text())
				}
			},
		},
		{
			name: "SMS: send, then the code",
			opts: googletest.Options{Second: []googletest.Factor{googletest.SMS}},
			run: func(t *testing.T, b *browser, srv *googletest.Server) {
				b.start(srv)
				b.password()
				p := b.submit(b.want(google.KindSMSSend).Form, "SendMethod", "SMS")
				b.want(google.KindSMS)
				p = b.submit(p.Form, "Pin", "654321")
				if got := errorText(b.want(google.KindSMS)); got != googletest.WrongCode {
					t.Errorf("error = %q, want %q", got, googletest.WrongCode)
				}
				wantSAML(t, b.submit(p.Form, "Pin", googletest.DefaultCode))
			},
		},
		{
			name: "device prompt approved after 2 re-posts",
			opts: googletest.Options{Second: []googletest.Factor{googletest.DevicePrompt}, PromptApproveAfter: 2},
			run: func(t *testing.T, b *browser, srv *googletest.Server) {
				b.start(srv)
				b.password()
				for range 2 {
					p := b.want(google.KindDevicePrompt)
					if p.Number != srv.PromptNumber() {
						t.Errorf("number = %q, want %q", p.Number, srv.PromptNumber())
					}
					b.submit(p.Form)
				}
				wantSAML(t, b.submit(b.want(google.KindDevicePrompt).Form))
			},
		},
		{
			name: "device prompt denied",
			opts: googletest.Options{Second: []googletest.Factor{googletest.DevicePrompt}, PromptApproveAfter: -1},
			run: func(t *testing.T, b *browser, srv *googletest.Server) {
				b.start(srv)
				b.password()
				b.submit(b.want(google.KindDevicePrompt).Form)
				if got := errorText(b.want(google.KindDevicePrompt)); got != googletest.PromptDenied {
					t.Errorf("error = %q, want %q", got, googletest.PromptDenied)
				}
			},
		},
		{
			name: "device prompt approved by Approve",
			opts: googletest.Options{Second: []googletest.Factor{googletest.DevicePrompt}, PromptManual: true},
			run: func(t *testing.T, b *browser, srv *googletest.Server) {
				b.start(srv)
				b.password()
				b.submit(b.want(google.KindDevicePrompt).Form)
				p := b.want(google.KindDevicePrompt)
				srv.Approve()
				wantSAML(t, b.submit(p.Form))
			},
		},
		{
			name: "Google Prompt long poll",
			opts: googletest.Options{Second: []googletest.Factor{googletest.GooglePrompt}, PromptManual: true},
			run: func(t *testing.T, b *browser, srv *googletest.Server) {
				b.start(srv)
				b.password()
				p := b.want(google.KindPrompt)
				if p.Prompt.APIKey == "" || p.Prompt.TxID == "" || p.Prompt.GAPIURL == "" {
					t.Fatalf("prompt = %+v", p.Prompt)
				}
				type reply struct {
					status int
					body   []byte
				}
				done := make(chan reply, 1)
				go func() {
					body, _ := json.Marshal(map[string]string{"txId": p.Prompt.TxID})
					req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost,
						srv.AwaitTxURL()+"?alt=json&key="+p.Prompt.APIKey, bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					resp, err := b.c.Do(req)
					if err != nil {
						t.Errorf("awaittx: %v", err)
						done <- reply{}
						return
					}
					defer resp.Body.Close()
					data, _ := io.ReadAll(resp.Body)
					done <- reply{resp.StatusCode, data}
				}()
				select {
				case r := <-done:
					t.Fatalf("awaittx answered %d %s before the approval", r.status, r.body)
				case <-time.After(200 * time.Millisecond):
				}
				// Posting before the approval gets the same page.
				p = b.submit(p.Form)
				b.want(google.KindPrompt)
				srv.Approve()
				r := <-done
				var tx struct {
					TxToken string `json:"txToken"`
				}
				if err := json.Unmarshal(r.body, &tx); r.status != http.StatusOK || err != nil || tx.TxToken == "" {
					t.Fatalf("awaittx answered %d %s", r.status, r.body)
				}
				wantSAML(t, b.submit(p.Form, "token", tx.TxToken))
			},
		},
		{
			name: "try another way, then SMS",
			opts: googletest.Options{Second: []googletest.Factor{googletest.TOTP, googletest.SMS, googletest.SecurityKey}},
			run: func(t *testing.T, b *browser, srv *googletest.Server) {
				b.start(srv)
				b.password()
				p := b.submit(b.want(google.KindTOTP).Skip)
				b.want(google.KindSelection)
				var kinds []google.Kind
				for _, o := range p.Options {
					kinds = append(kinds, o.Kind)
				}
				want := []google.Kind{google.KindTOTP, google.KindSMS, google.KindSecurityKey}
				if fmt.Sprint(kinds) != fmt.Sprint(want) {
					t.Errorf("options = %v, want %v", kinds, want)
				}
				sms := p.Options[1]
				if sms.SendMethod != "SMS" || sms.ChallengeID == "" {
					t.Errorf("SMS option = %+v", sms)
				}
				if p.V3 {
					if !p.Options[2].Unavailable {
						t.Error("the security key is not marked unavailable")
					}
					b.submit(p.Form, "selectedChallenge", sms.ChallengeID)
					p = b.submit(b.want(google.KindSMSSend).Form, "SendMethod", "SMS")
				} else {
					p = b.submit(sms.Form) // the entry sends the text at once
				}
				b.want(google.KindSMS)
				wantSAML(t, b.submit(p.Form, "Pin", googletest.DefaultCode))
			},
		},
		{
			name: "backup code, then a security code",
			opts: googletest.Options{Second: []googletest.Factor{googletest.BackupCode, googletest.SecurityCode}},
			run: func(t *testing.T, b *browser, srv *googletest.Server) {
				b.start(srv)
				b.password()
				p := b.submit(b.want(google.KindBackupCode).Form, "Pin", "1111 2222")
				if got := errorText(b.want(google.KindBackupCode)); got != googletest.WrongCode {
					t.Errorf("error = %q, want %q", got, googletest.WrongCode)
				}
				p = b.submit(p.Skip)
				b.want(google.KindSelection)
				if p.V3 {
					b.submit(p.Form, "challenge", p.Options[1].ChallengeID+",undefined")
				} else {
					b.submit(p.Options[1].Form)
				}
				wantSAML(t, b.submit(b.want(google.KindSecurityCode).Form, "Pin", googletest.DefaultCode))
			},
		},
		{
			name: "security key and passkey pages",
			opts: googletest.Options{Second: []googletest.Factor{googletest.SecurityKey, googletest.Passkey}},
			run: func(t *testing.T, b *browser, srv *googletest.Server) {
				b.start(srv)
				b.password()
				p := b.submit(b.want(google.KindSecurityKey).Form)
				if got := errorText(b.want(google.KindSecurityKey)); got != googletest.CantUseMethod {
					t.Errorf("error = %q, want %q", got, googletest.CantUseMethod)
				}
				p = b.submit(p.Skip)
				b.want(google.KindSelection)
				if !p.V3 {
					b.submit(p.Options[1].Form)
					b.want(google.KindPasskey)
					return
				}
				if !p.Options[0].Unavailable || !p.Options[1].Unavailable {
					t.Errorf("options = %+v, want both unavailable", p.Options)
				}
				b.submit(p.Form, "selectedChallenge", p.Options[1].ChallengeID)
				if got := errorText(b.want(google.KindSelection)); got != googletest.CantUseMethod {
					t.Errorf("error = %q, want %q", got, googletest.CantUseMethod)
				}
			},
		},
		{
			name: "CAPTCHA",
			opts: googletest.Options{CAPTCHA: true},
			run: func(t *testing.T, b *browser, srv *googletest.Server) {
				p := b.start(srv)
				b.want(google.KindCaptcha)
				resp, err := b.c.Get(p.CaptchaURL)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
					t.Errorf("CAPTCHA image: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
				}
				answer := "ca"
				if !p.V3 {
					answer = "identifier-captcha-input"
				}
				p = b.submit(p.Form, answer, "wrong")
				b.want(google.KindCaptcha)
				b.submit(p.Form, answer, strings.ToUpper(googletest.DefaultCaptchaAnswer))
				wantSAML(t, b.password())
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			generations(t, func(t *testing.T, gen int) {
				opts := tt.opts
				opts.Generation = gen
				srv := googletest.NewServer(t, opts)
				b := newBrowser(t, srv)
				tt.run(t, b, srv)
				reqs := srv.Requests()
				for i, r := range reqs {
					want := ""
					if i == len(reqs)-2 { // the POST before the redirect to /signin/rejected
						want = tt.wantProblem
					}
					if (want == "") != (r.Problem == "") || !strings.Contains(r.Problem, want) {
						t.Errorf("%s %s: problem %q, want %q", r.Method, r.Path, r.Problem, want)
					}
				}
				if gen == 2024 && !b.page.V3 && b.page.Kind != google.KindSAML && b.page.Kind != google.KindRejected &&
					b.page.Kind != google.Kind2SVRequired && b.page.Kind != google.KindNoApp {
					t.Errorf("a 2024 page was not recognised as v3: %s", b.page.URL)
				}
			})
		})
	}
}

// errRecorder collects the errors the emulator reports instead of failing.
type errRecorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (e *errRecorder) Errorf(format string, args ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.errs = append(e.errs, fmt.Sprintf(format, args...))
}

func (e *errRecorder) all() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return strings.Join(e.errs, "\n")
}

func TestStrict(t *testing.T) {
	tests := []struct {
		name string
		// change edits the password form's values before the POST.
		change func(p *google.Page, vals map[string][]string)
		want   string // in the reported problem
	}{
		{name: "a hidden field dropped", change: func(p *google.Page, v map[string][]string) {
			if p.V3 {
				delete(v, "at")
			} else {
				delete(v, "TL")
			}
		}, want: "missing"},
		{name: "an unknown field", change: func(_ *google.Page, v map[string][]string) { v["Email2"] = []string{"x"} }, want: "not in the form"},
		{name: "a changed token", change: func(p *google.Page, v map[string][]string) {
			if p.V3 {
				v["at"] = []string{"forged:1"}
			} else {
				v["gxf"] = []string{"forged:1"}
			}
		}, want: "the page gave"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			generations(t, func(t *testing.T, gen int) {
				rec := &errRecorder{TB: t}
				srv := googletest.NewServer(rec, googletest.Options{Generation: gen})
				b := newBrowser(t, srv)
				b.start(srv)
				p := b.want(google.KindPassword)
				vals := p.Form.Values()
				vals.Set("Passwd", googletest.DefaultPassword)
				if vals.Has("bgresponse") {
					vals.Set("bgresponse", "js_enabled")
				}
				tt.change(p, vals)
				req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, p.Form.Action.String(), strings.NewReader(vals.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				p = b.do(req)
				if p.Status != http.StatusBadRequest || p.Kind != google.KindUnknown {
					t.Errorf("status %d, kind %v; want a 400 error page", p.Status, p.Kind)
				}
				if !strings.Contains(rec.all(), tt.want) {
					t.Errorf("reported %q, want it to say %q", rec.all(), tt.want)
				}
				reqs := srv.Requests()
				if got := reqs[len(reqs)-1].Problem; !strings.Contains(got, tt.want) {
					t.Errorf("recorded problem %q, want %q", got, tt.want)
				}
			})
		})
	}
}

func TestStrictTarget(t *testing.T) {
	generations(t, func(t *testing.T, gen int) {
		rec := &errRecorder{TB: t}
		srv := googletest.NewServer(rec, googletest.Options{Generation: gen, Second: []googletest.Factor{googletest.TOTP}})
		b := newBrowser(t, srv)
		b.start(srv)
		p := b.want(google.KindPassword)
		// Skipping ahead: GET the TOTP page before the password.
		next := srv.URL + "/signin/challenge/totp/2"
		if p.V3 {
			next = strings.Replace(p.URL.String(), "/challenge/pwd", "/challenge/totp", 1)
		}
		p = b.get(next)
		if p.Status != http.StatusBadRequest || !strings.Contains(rec.all(), "the sign-in is at") {
			t.Errorf("status %d, reported %q", p.Status, rec.all())
		}
		if gen == 2024 {
			b.get(srv.URL + "/v3/signin/challenge/pwd?TL=forged&cid=1")
			if !strings.Contains(rec.all(), "TL is") {
				t.Errorf("a forged TL was not reported: %q", rec.all())
			}
		}
	})
}

func TestCookiesDisabled(t *testing.T) {
	generations(t, func(t *testing.T, gen int) {
		srv := googletest.NewServer(t, googletest.Options{Generation: gen})
		b := newBrowser(t, srv)
		p := b.get(srv.InitSSOURL(idpID, spID) + "&hl=en")
		b.want(google.KindIdentifier)
		b.c.Jar = nil // as if the cookies were dropped
		p = b.submit(p.Form, emailField(p), googletest.DefaultEmail)
		if p.URL.Path != "/CookieMismatch" || p.Kind != google.KindUnknown || !strings.Contains(p.Title, "Cookies are disabled") {
			t.Errorf("page %s %q is a %v", p.URL.Path, p.Title, p.Kind)
		}
		reqs := srv.Requests()
		for _, r := range reqs {
			if r.Method == http.MethodPost && !strings.Contains(r.Problem, "cookie") {
				t.Errorf("the POST's problem is %q", r.Problem)
			}
		}
	})
}

func TestDenyGooglePrompt(t *testing.T) {
	generations(t, func(t *testing.T, gen int) {
		srv := googletest.NewServer(t, googletest.Options{Generation: gen, Second: []googletest.Factor{googletest.GooglePrompt}, PromptManual: true})
		b := newBrowser(t, srv)
		b.start(srv)
		p := b.password()
		b.want(google.KindPrompt)
		srv.Deny()
		body, _ := json.Marshal(map[string]string{"txId": p.Prompt.TxID})
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.AwaitTxURL()+"?alt=json&key="+p.Prompt.APIKey, bytes.NewReader(body))
		resp, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("awaittx answered %d, want 403", resp.StatusCode)
		}
		b.submit(p.Form)
		if got := errorText(b.want(google.KindPrompt)); got != googletest.PromptDenied {
			t.Errorf("error = %q, want %q", got, googletest.PromptDenied)
		}
	})
}
