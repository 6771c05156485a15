// Package googletest emulates Google's SAML sign-in (accounts.google.com) for
// tests, scripted per test: one account with a password and a list of second
// factors, in either generation of Google's pages (the 2020–2023
// form#challenge pages or the 2024 /v3/signin pages).
//
// The pages reproduce the structure of real captures (form ids, actions,
// input names, hidden fields, data attributes, marker elements), not their
// look. The emulator is at least as strict as Google: a POST that drops or
// changes a hidden field of the form it answers, adds a field the form does
// not have, carries a wrong TL or at, or answers a page other than the one
// the flow is on gets a 400 error page and fails the test; a POST without
// the cookie set when the sign-in began gets the "cookies are disabled"
// page.
//
// A real browser can be pointed at it too: the server's certificate is for
// accounts.google.com and 127.0.0.1, issued by a throwaway CA (CAPEM,
// SPKIHash), Chromium reaches it as https://accounts.google.com through
// HostResolverRule, and the pages carry the scripts a browser runs (the
// Botguard stand-in that sets bgresponse=js_enabled, the auto-POST of the
// SAMLResponse). The security-key and passkey pages are WebAuthn challenges
// for Options.Credential (NewKey makes one and gives it for CDP's virtual
// authenticator); the emulator checks their assertions as a relying party
// does. Their data-challenge-ui and the JSON posted in id-assertion are the
// emulator's own: Google's WebAuthn pages are not captured.
//
// Where the captures are silent the emulator assumes: the 2024 factor pages
// take the code in Pin like the 2020 ones, and have a separate skip form
// (action /v3/signin/challenge/skip?TL=…) besides the main form's
// action=3 button; the 2024 selection form takes selectedChallenge=<id> (or
// a no-JS browser's challenge=<id>,<variant> from the option's button);
// choosing the SMS option with its send method sends the text at once; an
// enforced-2SV account gets the captured 2020 page in the 2020 generation
// and, in the 2024 one, a page with Require2SVPolicy in a section.aN1Vld
// and no form (saml2aws's marker; the page itself is not captured); a
// locked account's 2024 password page shows its "Too many failed attempts"
// section (captured hidden); a
// denied prompt shows PromptDenied in the page's error element and awaittx
// answers 403; the Google Prompt long poll is at Server.AwaitTxURL.
package googletest

import (
	"context"
	"crypto/elliptic"
	"crypto/tls"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/seed-2d15385e/awsfed/idp/idptest"
)

//go:embed pages/*.html
var files embed.FS

var pages = template.Must(template.ParseFS(files, "pages/*.html"))

// Factor is a second step an account can have, named by the segment Google
// puts in its challenge URLs (/signin/challenge/<factor>/<n>,
// /v3/signin/challenge/<factor>).
type Factor string

// The factors. SecurityKey and Passkey are WebAuthn challenges: their pages'
// script asks the browser for an assertion (navigator.credentials.get) and
// posts it; they succeed only with Options.Credential, and otherwise answer
// every post with CantUseMethod, as Google does for a browser that cannot
// use the key.
const (
	TOTP         Factor = "totp"  // authenticator app code, in Pin
	SMS          Factor = "ipp"   // a send page, then a text message code in Pin
	DevicePrompt Factor = "dp"    // "Check your phone": tap Yes (and a number)
	GooglePrompt Factor = "az"    // Google Prompt, answered through awaittx
	BackupCode   Factor = "bc"    // printed backup code, in Pin
	SecurityCode Factor = "skotp" // one-time security code from g.co/sc, in Pin
	SecurityKey  Factor = "sk"    // security key (WebAuthn, user verification preferred)
	Passkey      Factor = "pk"    // passkey (WebAuthn, user verification required)
)

// Defaults of Options.
const (
	DefaultEmail         = "alice@example.com"
	DefaultPassword      = "correct horse battery staple"
	DefaultTOTPSecret    = "JBSWY3DPEHPK3PXP"
	DefaultCode          = "123456"
	DefaultCaptchaAnswer = "xyzzy"
	DefaultACSURL        = "https://signin.aws.amazon.com/saml"
)

// Texts the emulator shows in its pages' error elements (span#errorMsg and
// .error-msg on 2020 pages, div[jsname=B34EJ] on 2024 pages), worded as
// Google's English pages word them.
const (
	WrongPassword = "Wrong password. Try again or click Forgot password to reset it."
	WrongCode     = "Wrong code. Try again."
	NoAccount     = "Couldn’t find your Google Account"
	CaptchaRetry  = "Please re-enter the characters you see in the image above"
	PromptDenied  = "You denied the sign-in request on your phone."
	CantUseMethod = "Something went wrong. Try another way to sign in."
	// KeyRefused is shown on the security-key or passkey page, with a new
	// challenge, when the posted assertion does not verify (the wording is
	// not captured).
	KeyRefused    = "There was a problem with your security key. Try again."
	Require2SVMsg = "Based on your organisation's policy, you need to turn on 2-step verification. Contact your administrator to learn more."
	// TooManyAttempts is the heading of the section the 2024 password page
	// carries hidden (aria-hidden="true") and shows on a locked account; the
	// 2020 pages show it in their error element.
	TooManyAttempts = "Too many failed attempts"
	// Require2SVPolicy is the 2024 wording of the enforced-2SV refusal,
	// shown in a section.aN1Vld.
	Require2SVPolicy = "Your sign-in settings don’t meet your organization’s 2-Step Verification policy."
)

// Options script the emulated account and what Google does with it. The zero
// value is a 2024-generation account with a password and no second factor.
type Options struct {
	// Generation is 2020 (ServiceLogin, form#gaia_loginform posting to
	// /signin/v1/lookup, then form#challenge pages at
	// /signin/challenge/<type>/<n>) or 2024 (/v3/signin/identifier, then
	// /v3/signin/challenge/<type>?TL=… pages with an at token). 0 means 2024.
	Generation int
	// Email and Password are the account's (defaults DefaultEmail,
	// DefaultPassword). The e-mail is compared without regard to case.
	Email, Password string
	// Second are the account's second factors; the first is the one Google
	// asks for, the others are reachable through "Try another way". Empty
	// means none.
	Second []Factor
	// CAPTCHA answers the first identifier POST with a CAPTCHA whose answer
	// is CaptchaAnswer (default DefaultCaptchaAnswer, any case).
	CAPTCHA       bool
	CaptchaAnswer string
	// Rejected answers the password POST with a 302 to /signin/rejected.
	Rejected bool
	// Botguard lets through only a browser that ran the pages' Botguard
	// stand-in script: a form posted with bgresponse=js_enabled, as a
	// client that runs no script sends it, gets a 302 to
	// /signin/rejected, as Google refuses sign-ins it sees as automated.
	Botguard bool
	// Require2SV makes the organisation enforce 2-Step Verification for an
	// account that has none: after the password, the page with
	// #contactAdminMessage (Second is ignored); in the 2024 generation, a
	// page with Require2SVPolicy (not captured: see the package doc).
	Require2SV bool
	// LockAfter locks the account after this many wrong passwords (0:
	// never): the password page then shows TooManyAttempts, and refuses even
	// the right password.
	LockAfter int
	// NoAWSApp makes initsso, once signed in, answer 403
	// app_not_configured_for_user instead of the SAMLResponse page.
	NoAWSApp bool
	// PromptApproveAfter scripts the phone prompts unless Approve or Deny was
	// called: the device prompt (dp) page is answered with itself for the
	// first PromptApproveAfter posts of its form and the next post passes;
	// the Google Prompt (az) awaittx call answers at once with a txToken.
	// -1 denies both.
	PromptApproveAfter int
	// PromptManual leaves the prompts pending until Approve or Deny is
	// called: dp posts get the same page back and awaittx blocks.
	PromptManual bool
	// TOTPSecret is the base32 secret TOTP codes are checked against, one
	// 30-second step either way (default DefaultTOTPSecret).
	TOTPSecret string
	// Code is the code SMS, BackupCode and SecurityCode accept (default
	// DefaultCode). Spaces in the answer are ignored.
	Code string
	// SAMLResponse is the base64 SAMLResponse posted to AWS (default: one
	// built by idptest.SAMLResponse granting idptest.RoleARN).
	SAMLResponse string
	// Credential is the account's WebAuthn credential, which the
	// SecurityKey and Passkey challenges ask for; NewKey makes one. Without
	// it those challenges cannot be passed, and the 2024 selection page
	// marks them unavailable.
	Credential *Credential
	// ACSURL is where the final page's form posts the SAMLResponse
	// (default DefaultACSURL); a script submits it on load, as Google's page
	// does. RelayState is the form's RelayState field, which is there empty
	// when not set.
	ACSURL, RelayState string
}

// Recorded is one request the emulator received.
type Recorded struct {
	// Host is the Host header: accounts.google.com, or the server's
	// 127.0.0.1:PORT.
	Host         string
	Method, Path string
	Query        url.Values
	// Form is the posted form (for awaittx, the JSON body's txId).
	Form url.Values
	// UserAgent is the request's User-Agent header.
	UserAgent string
	// Problem says what the client did wrong ("" if nothing): a malformed
	// or misdirected request, a missing cookie, bgresponse not js_enabled.
	// Outcomes scripted by Options (Rejected, NoAWSApp…) are not problems.
	Problem string
}

// Server is a running emulated Google sign-in over TLS. It answers both at
// its URL (https://127.0.0.1:PORT), which stands for
// https://accounts.google.com, and as https://accounts.google.com itself for
// clients that map that name to it (HostResolverRule, Client); its pages'
// links and redirects stay on the name the request was addressed to.
type Server struct {
	*httptest.Server
	t         testing.TB
	opts      Options
	apiKey    string
	number    string
	certs     *certs
	transport *http.Transport

	mu        sync.Mutex
	requests  []*Recorded
	flows     map[string]*flow // by the __Host-GAPS cookie
	sessions  map[string]string
	wrong     int    // wrong passwords so far, for LockAfter
	signCount uint32 // the Credential's signature counter last seen
	decision  int    // 0 pending, 1 approved, -1 denied
	decided   chan struct{}
	wasClosed bool
	done      chan struct{}
}

// Cookie names: the sign-in cookie set when a sign-in begins, and the
// session cookies set when it ends.
const (
	flowCookie = "__Host-GAPS"
	sidCookie  = "SID"
	psidCookie = "__Secure-1PSID"
)

// NewServer starts an emulated Google sign-in over TLS, closed when the test
// ends. A bad Options fails the test at once.
func NewServer(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Generation == 0 {
		opts.Generation = 2024
	}
	if opts.Generation != 2020 && opts.Generation != 2024 {
		t.Fatalf("googletest: Generation %d, want 2020 or 2024", opts.Generation)
	}
	for _, k := range opts.Second {
		if k.challengeType() == 0 {
			t.Fatalf("googletest: unknown factor %q", k)
		}
	}
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&opts.Email, DefaultEmail)
	def(&opts.Password, DefaultPassword)
	def(&opts.CaptchaAnswer, DefaultCaptchaAnswer)
	def(&opts.TOTPSecret, DefaultTOTPSecret)
	def(&opts.Code, DefaultCode)
	def(&opts.ACSURL, DefaultACSURL)
	if opts.Credential != nil && (len(opts.Credential.ID) == 0 || opts.Credential.PublicKey == nil ||
		opts.Credential.PublicKey.Curve != elliptic.P256()) {
		t.Fatalf("googletest: Credential needs an ID and a P-256 public key")
	}
	if opts.SAMLResponse == "" {
		opts.SAMLResponse = idptest.SAMLResponse(idptest.AssertionOptions{SessionName: opts.Email})
	}
	s := &Server{
		t:        t,
		opts:     opts,
		apiKey:   "AIza" + token(),
		number:   strconv.Itoa(10 + rand.IntN(90)),
		flows:    map[string]*flow{},
		sessions: map[string]string{},
		decided:  make(chan struct{}),
		done:     make(chan struct{}),
	}
	if opts.Credential != nil {
		s.signCount = opts.Credential.SignCount
	}
	var err error
	if s.certs, err = newCerts(); err != nil {
		t.Fatalf("googletest: certificates: %v", err)
	}
	s.Server = httptest.NewUnstartedServer(s.handler())
	s.TLS = &tls.Config{Certificates: []tls.Certificate{s.certs.leaf}}
	s.StartTLS()
	s.transport = s.certs.transport(s.Listener.Addr().String())
	t.Cleanup(s.Close)
	t.Cleanup(s.transport.CloseIdleConnections)
	// Cleanups run last-in first-out: release blocked awaittx calls before
	// Close waits for them.
	t.Cleanup(func() { close(s.done) })
	return s
}

// Client returns a new client that trusts the server's CA (CAPEM) and
// reaches https://accounts.google.com at the server, with a cookie jar of
// its own. Keep using one client to reuse the Google session it signed in.
func (s *Server) Client() *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		s.t.Fatalf("googletest: cookie jar: %v", err)
	}
	return &http.Client{Transport: s.transport, Jar: jar}
}

// InitSSOURL is the SAML app's start URL as the Workspace admin console gives
// it: /o/saml2/initsso with idpid, spid and forceauthn=false. Clients are
// expected to add hl=en; the requests record whether they did.
func (s *Server) InitSSOURL(idpID, spID string) string {
	return s.URL + "/o/saml2/initsso?" + initSSOQuery(idpID, spID)
}

// AwaitTxURL is where a client long-polls a Google Prompt transaction on
// this server: POST {"txId": data-tx-id} to AwaitTxURL()+"?alt=json&key="+
// data-api-key. Google's own endpoint is
// https://content.googleapis.com/cryptauth/v1/authzen/awaittx, which the page
// does not name, so clients need it configurable. The reply is
// {"txToken": "…"} once approved, a 403 JSON error once denied.
func (s *Server) AwaitTxURL() string { return s.URL + "/cryptauth/v1/authzen/awaittx" }

// PromptNumber is the number the device prompt page asks to tap.
func (s *Server) PromptNumber() string { return s.number }

// TOTPCode returns the authenticator code valid now.
func (s *Server) TOTPCode() string {
	code, err := totp.GenerateCode(s.opts.TOTPSecret, time.Now())
	if err != nil {
		s.t.Errorf("googletest: TOTP code: %v", err)
	}
	return code
}

// Approve approves the phone prompts (dp and az) of every sign-in from now
// on, overriding PromptApproveAfter, and releases blocked awaittx calls.
func (s *Server) Approve() { s.decide(1) }

// Deny denies the phone prompts of every sign-in from now on, overriding
// PromptApproveAfter, and releases blocked awaittx calls.
func (s *Server) Deny() { s.decide(-1) }

func (s *Server) decide(d int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.decision = d
	if !s.wasClosed {
		s.wasClosed = true
		close(s.decided)
	}
}

// Requests returns every request received so far, in order.
func (s *Server) Requests() []Recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Recorded, len(s.requests))
	for i, r := range s.requests {
		out[i] = *r
	}
	return out
}

type recKey struct{}

func (s *Server) handler() http.Handler {
	mux := http.NewServeMux()
	handle := func(pattern string, h http.HandlerFunc) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			if err := r.ParseForm(); err != nil {
				s.t.Errorf("googletest: %s %s: parse form: %v", r.Method, r.URL.Path, err)
			}
			rec := &Recorded{Method: r.Method, Host: r.Host, Path: r.URL.Path, Query: r.URL.Query(), Form: r.PostForm, UserAgent: r.UserAgent()}
			r = r.WithContext(context.WithValue(r.Context(), recKey{}, rec))
			s.mu.Lock()
			s.requests = append(s.requests, rec)
			if r.Host != Host && r.Host != s.Listener.Addr().String() {
				s.fail(w, r, fmt.Sprintf("host %q is neither %s nor the server's address", r.Host, Host))
				s.mu.Unlock()
				return
			}
			s.mu.Unlock()
			h(w, r)
		})
	}
	handle("GET /o/saml2/initsso", s.initSSO)
	handle("GET /ServiceLogin", s.identifierPage)
	handle("GET /v3/signin/identifier", s.identifierPage)
	handle("POST /signin/v1/lookup", s.post)
	handle("POST /v3/signin/identifier", s.post)
	handle("GET /signin/challenge/{kind}/{id}", s.get)
	handle("POST /signin/challenge/{kind}/{id}", s.post)
	handle("POST /signin/challenge/skip", s.post)
	handle("GET /signin/selectchallenge/{n}", s.get)
	handle("GET /v3/signin/challenge/{kind}", s.get)
	handle("POST /v3/signin/challenge/{kind}", s.post)
	handle("POST /cryptauth/v1/authzen/awaittx", s.awaitTx)
	handle("GET /Captcha", s.captcha)
	handle("GET /signin/rejected", s.static("rejected.html"))
	handle("GET /v3/signin/rejected", s.static("rejected.html"))
	handle("GET /CookieMismatch", s.static("cookies.html"))
	// What Chromium asks accounts.google.com for by itself: the tab's icon,
	// and the accounts signed in to the browser (none: the reply Google
	// gives a browser without a Google session).
	handle("GET /favicon.ico", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	handle("POST /ListAccounts", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = io.WriteString(w, `["gaia.l.a.r",[]]`)
	})
	handle("/", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.failStatus(w, r, http.StatusNotFound, "no such page")
	})
	return mux
}

// initSSO is the SAML app's start: the SAMLResponse page with a session, the
// identifier page without.
func (s *Server) initSSO(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := r.URL.Query()
	if q.Get("idpid") == "" || q.Get("spid") == "" {
		s.fail(w, r, "initsso without idpid or spid")
		return
	}
	if s.hasSession(r) && q.Get("forceauthn") != "true" {
		if s.opts.NoAWSApp {
			s.renderError(w, http.StatusForbidden, "app_not_configured_for_user", "Service is not configured for this user.")
			return
		}
		s.render(w, http.StatusOK, "saml.html", s.opts)
		return
	}
	q.Del("from_login")
	q.Del("as")
	cont := s.origin(r) + "/o/saml2/initsso?" + q.Encode()
	var target string
	if s.opts.Generation == 2020 {
		cont += "&from_login=1&as=" + token()[:10]
		target = "/ServiceLogin?" + url.Values{
			"passive": {"1209600"}, "continue": {cont}, "followup": {cont},
			"ltmpl": {"popup"}, "oauth": {"1"}, "faa": {"1"}, "sarp": {"1"}, "scc": {"1"},
		}.Encode()
	} else {
		v := url.Values{
			"continue": {cont}, "followup": {cont}, "dsh": {token()}, "faa": {"1"},
			"flowEntry": {"ServiceLogin"}, "flowName": {"WebLiteSignIn"}, "ifkv": {token()},
		}
		if hl := q.Get("hl"); hl != "" {
			v.Set("hl", hl)
		}
		target = "/v3/signin/identifier?" + v.Encode()
	}
	http.Redirect(w, r, target, http.StatusFound)
}

func (s *Server) hasSession(r *http.Request) bool {
	sid, err1 := r.Cookie(sidCookie)
	psid, err2 := r.Cookie(psidCookie)
	return err1 == nil && err2 == nil && s.sessions[sid.Value] != "" && s.sessions[sid.Value] == psid.Value
}

// identifierPage begins a sign-in: a new flow and its cookie.
func (s *Server) identifierPage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if (r.URL.Path == "/ServiceLogin") != (s.opts.Generation == 2020) {
		s.failStatus(w, r, http.StatusNotFound, fmt.Sprintf("%s is not a page of the %d generation", r.URL.Path, s.opts.Generation))
		return
	}
	q := r.URL.Query()
	cont := q.Get("continue")
	cu, err := url.Parse(cont)
	if err != nil || !strings.HasPrefix(cont, s.origin(r)+"/o/saml2/initsso?") {
		s.fail(w, r, fmt.Sprintf("continue %q is not this server's initsso", cont))
		return
	}
	now := strconv.FormatInt(time.Now().UnixMilli(), 10)
	f := &flow{
		id: token(), tl: token() + token(), at: token() + ":" + now, gxf: token() + ":" + now,
		ifkv: q.Get("ifkv"), dsh: q.Get("dsh"), as: cu.Query().Get("as"),
		start: cu.Query(), cont: cont, usi: token(),
	}
	for _, v := range []*string{&f.ifkv, &f.dsh} {
		if *v == "" {
			*v = token()
		}
	}
	if f.as == "" {
		f.as = token()[:10]
	}
	s.flows[f.id] = f
	http.SetCookie(w, &http.Cookie{Name: flowCookie, Value: f.id, Path: "/", Secure: true, HttpOnly: true})
	s.show(w, http.StatusOK, s.view(f))
}

func (s *Server) flowFor(r *http.Request) *flow {
	c, err := r.Cookie(flowCookie)
	if err != nil {
		return nil
	}
	return s.flows[c.Value]
}

// cookieMismatch is Google's answer to a sign-in step without the cookie
// set when the sign-in began.
func (s *Server) cookieMismatch(w http.ResponseWriter, r *http.Request) {
	s.note(r, "no "+flowCookie+" cookie of a sign-in in progress")
	http.Redirect(w, r, "/CookieMismatch", http.StatusFound)
}

// current returns the sign-in in progress and the page it is on, or
// answers as Google does to a request without its cookie and returns nils.
// s.mu must be held.
func (s *Server) current(w http.ResponseWriter, r *http.Request) (*flow, *view) {
	f := s.flowFor(r)
	if f == nil {
		s.cookieMismatch(w, r)
		return nil, nil
	}
	return f, s.view(f)
}

// get shows the page the flow is on; any other page is an error.
func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, v := s.current(w, r)
	if v == nil {
		return
	}
	if problem := sameTarget(r, v.URL); problem != "" {
		s.fail(w, r, problem)
		return
	}
	s.show(w, http.StatusOK, v)
}

// post answers a form of the page the flow is on.
func (s *Server) post(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, v := s.current(w, r)
	if v == nil {
		return
	}
	target, problem := v.match(r)
	if problem != "" {
		s.fail(w, r, problem)
		return
	}
	vals := r.PostForm
	problem, rejected := check(vals, target.Fields, s.opts.Botguard)
	if problem != "" {
		s.fail(w, r, problem)
		return
	}
	if rejected {
		if !s.opts.Botguard {
			s.note(r, "bgresponse is not js_enabled")
		}
		http.Redirect(w, r, "/signin/rejected?rrk=47", http.StatusFound)
		return
	}
	switch {
	case target.entry:
		s.choose(w, r, f, target.factor, vals.Get("SendMethod") == "SMS")
		return
	case target == v.Skip || vals.Get("action") == "3" && (f.step == stepFactor || f.step == stepPassword):
		if f.step != stepFactor {
			s.show(w, http.StatusOK, v) // no other way to answer this page
			return
		}
		f.step = stepSelect
		http.Redirect(w, r, s.view(f).URL, http.StatusFound)
		return
	}
	switch f.step {
	case stepIdentifier:
		s.identifier(w, r, f, vals)
	case stepPassword:
		s.password(w, r, f, v, vals)
	case stepFactor:
		s.factor(w, r, f, v, vals)
	case stepSelect:
		s.selection(w, r, f, v, vals)
	case step2SV:
		v.Error = WrongCode // the account has no backup codes
		s.show(w, http.StatusOK, v)
	}
}

// locked reports whether the account is locked by wrong passwords. s.mu
// must be held.
func (s *Server) locked() bool { return s.opts.LockAfter > 0 && s.wrong >= s.opts.LockAfter }

// lockedView shows a password page as Google shows it to a locked account.
func (s *Server) lockedView(v *view) {
	if s.opts.Generation == 2020 {
		v.Error = TooManyAttempts + ". Try again later."
		return
	}
	v.Locked = true
}

func (s *Server) identifier(w http.ResponseWriter, r *http.Request, f *flow, vals url.Values) {
	f.email = vals.Get("identifier")
	answer := vals.Get("ca")
	if s.opts.Generation == 2020 {
		f.email, answer = vals.Get("Email"), vals.Get("identifier-captcha-input")
	}
	if s.opts.CAPTCHA && !f.captchaOK {
		shown := f.ctoken != ""
		f.ctoken = token()
		v := s.view(f)
		if !shown {
			s.show(w, http.StatusOK, v)
			return
		}
		if !strings.EqualFold(strings.TrimSpace(answer), s.opts.CaptchaAnswer) {
			v.Error = CaptchaRetry
			s.show(w, http.StatusOK, v)
			return
		}
		f.captchaOK = true
	}
	if !strings.EqualFold(strings.TrimSpace(f.email), s.opts.Email) {
		v := s.view(f)
		v.Error = NoAccount
		s.show(w, http.StatusOK, v)
		return
	}
	f.step = stepPassword
	http.Redirect(w, r, s.view(f).URL, http.StatusFound)
}

func (s *Server) password(w http.ResponseWriter, r *http.Request, f *flow, v *view, vals url.Values) {
	switch {
	case s.opts.Rejected:
		http.Redirect(w, r, "/signin/rejected?rrk=47", http.StatusFound)
	case s.locked():
		s.lockedView(v)
		s.show(w, http.StatusOK, v)
	case vals.Get("Passwd") != s.opts.Password:
		if s.wrong++; s.locked() {
			s.lockedView(v)
		} else {
			v.Error = WrongPassword
		}
		s.show(w, http.StatusOK, v)
	case s.opts.Require2SV:
		f.step = step2SV
		http.Redirect(w, r, s.view(f).URL, http.StatusFound)
	case len(s.opts.Second) == 0:
		s.finish(w, r, f)
	default:
		s.choose(w, r, f, 0, false)
	}
}

// choose puts the flow on factor i and redirects to its page.
func (s *Server) choose(w http.ResponseWriter, r *http.Request, f *flow, i int, sent bool) {
	f.step, f.factor = stepFactor, i
	f.sent = sent && s.opts.Second[i] == SMS
	f.posts, f.approved = 0, false
	f.txID, f.txToken = token()+"=", token()
	f.challenge = randomBytes(32)
	http.Redirect(w, r, s.view(f).URL, http.StatusFound)
}

func (s *Server) factor(w http.ResponseWriter, r *http.Request, f *flow, v *view, vals url.Values) {
	pin := strings.ReplaceAll(vals.Get("Pin"), " ", "")
	ok := false
	switch s.opts.Second[f.factor] {
	case TOTP:
		ok, _ = totp.ValidateCustom(pin, s.opts.TOTPSecret, time.Now().UTC(), totp.ValidateOpts{
			Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
		})
	case SMS:
		if !f.sent {
			if m := vals.Get("SendMethod"); m == "SMS" || m == "VOICE" {
				f.sent = true
				http.Redirect(w, r, v.URL, http.StatusFound)
			} else {
				s.show(w, http.StatusOK, v) // nothing was sent
			}
			return
		}
		ok = pin == s.opts.Code
	case BackupCode, SecurityCode:
		ok = pin == s.opts.Code
	case DevicePrompt:
		f.posts++
		switch s.promptDecision(f.posts) {
		case 0:
			s.show(w, http.StatusOK, v)
			return
		case -1:
			v.Error = PromptDenied
			s.show(w, http.StatusOK, v)
			return
		}
		ok = true
	case GooglePrompt:
		tok := vals.Get("token")
		if tok == "" {
			if s.decision == -1 || !s.opts.PromptManual && s.opts.PromptApproveAfter < 0 {
				v.Error = PromptDenied
			}
			s.show(w, http.StatusOK, v)
			return
		}
		if tok != f.txToken || !f.approved {
			s.fail(w, r, fmt.Sprintf("token %q is not a txToken awaittx gave for this transaction", tok))
			return
		}
		ok = true
	case SecurityKey, Passkey:
		s.webAuthn(w, r, f, vals.Get("id-assertion"))
		return
	}
	if !ok {
		v.Error = WrongCode
		s.show(w, http.StatusOK, v)
		return
	}
	s.finish(w, r, f)
}

// webAuthn answers the security-key and passkey pages: the challenge is
// used up by any post, and an assertion that does not verify gets the page
// again with KeyRefused and a new challenge.
func (s *Server) webAuthn(w http.ResponseWriter, r *http.Request, f *flow, raw string) {
	issued := f.challenge
	f.challenge = randomBytes(32)
	v := s.view(f)
	c := s.opts.Credential
	if c == nil || raw == "" {
		v.Error = CantUseMethod // no key, or a client that cannot ask for one
		s.show(w, http.StatusOK, v)
		return
	}
	count, problem := verify(raw, issued, c, s.signCount, s.opts.Second[f.factor] == Passkey)
	if problem != "" {
		s.note(r, "WebAuthn: "+problem)
		v.Error, v.Retry = KeyRefused, true
		s.show(w, http.StatusOK, v)
		return
	}
	s.signCount = count
	s.finish(w, r, f)
}

// promptDecision is 1 (approved), -1 (denied) or 0 (pending) for the posts-th
// post of a device prompt form.
func (s *Server) promptDecision(posts int) int {
	switch {
	case s.decision != 0:
		return s.decision
	case s.opts.PromptManual:
		return 0
	case s.opts.PromptApproveAfter < 0:
		return -1
	case posts > s.opts.PromptApproveAfter:
		return 1
	}
	return 0
}

// selection answers the 2024 selection form. How the browser encodes the
// choice is not in the captures (JavaScript adds it): the emulator accepts
// selectedChallenge=<challengeid>, or challenge=<challengeid>,<variant> as
// a no-JS browser would send the option's button.
func (s *Server) selection(w http.ResponseWriter, r *http.Request, f *flow, v *view, vals url.Values) {
	id, ch := vals.Get("selectedChallenge"), vals.Get("challenge")
	if (id == "") == (ch == "") {
		s.fail(w, r, "a selection must carry exactly one of selectedChallenge and challenge")
		return
	}
	variant := ""
	if ch != "" {
		id, variant, _ = strings.Cut(ch, ",")
	}
	n, err := strconv.Atoi(id)
	i := n - firstFactorID
	if err != nil || i < 0 || i >= len(s.opts.Second) {
		s.fail(w, r, fmt.Sprintf("no challenge with id %q on the selection page", id))
		return
	}
	if !s.available(s.opts.Second[i]) {
		v.Error = CantUseMethod
		s.show(w, http.StatusOK, v)
		return
	}
	s.choose(w, r, f, i, variant == "SMS")
}

// finish ends a sign-in: session cookies and a redirect to the continue URL.
func (s *Server) finish(w http.ResponseWriter, r *http.Request, f *flow) {
	sid, psid := token(), token()
	s.sessions[sid] = psid
	http.SetCookie(w, &http.Cookie{Name: sidCookie, Value: sid, Path: "/", Secure: true, HttpOnly: true, Expires: time.Now().Add(400 * 24 * time.Hour)}) // Google keeps SID for about two years
	http.SetCookie(w, &http.Cookie{Name: psidCookie, Value: psid, Path: "/", Secure: true, HttpOnly: true, Expires: time.Now().Add(400 * 24 * time.Hour)})
	delete(s.flows, f.id)
	target := f.cont
	if !strings.Contains(target, "from_login=1") {
		target += "&from_login=1&as=" + f.as
	}
	http.Redirect(w, r, target, http.StatusFound)
}

// awaitTx is the Google Prompt long poll: it answers once the prompt is
// approved or denied.
func (s *Server) awaitTx(w http.ResponseWriter, r *http.Request) {
	var body struct {
		TxID string `json:"txId"`
	}
	err := json.NewDecoder(r.Body).Decode(&body)
	s.mu.Lock()
	if rec, ok := r.Context().Value(recKey{}).(*Recorded); ok {
		rec.Form = url.Values{"txId": {body.TxID}}
	}
	var f *flow
	for _, fl := range s.flows {
		if fl.step == stepFactor && s.opts.Second[fl.factor] == GooglePrompt && fl.txID == body.TxID {
			f = fl
		}
	}
	problem := ""
	switch {
	case err != nil:
		problem = fmt.Sprintf("body is not {\"txId\": …}: %v", err)
	case r.URL.Query().Get("key") != s.apiKey || r.URL.Query().Get("alt") != "json":
		problem = "key is not the page's data-api-key, or alt is not json"
	case f == nil:
		problem = fmt.Sprintf("no Google Prompt transaction %q in progress", body.TxID)
	}
	if problem != "" {
		s.note(r, problem)
		s.t.Errorf("googletest: POST %s: %s", r.URL.Path, problem)
		s.mu.Unlock()
		writeJSON(w, http.StatusBadRequest, apiError(http.StatusBadRequest, problem, "INVALID_ARGUMENT"))
		return
	}
	d := s.decision
	if d == 0 && !s.opts.PromptManual {
		d = 1
		if s.opts.PromptApproveAfter < 0 {
			d = -1
		}
	}
	s.mu.Unlock()
	if d == 0 {
		select {
		case <-s.decided:
		case <-r.Context().Done():
			return
		case <-s.done:
			writeJSON(w, http.StatusServiceUnavailable, apiError(http.StatusServiceUnavailable, "the server is closing", "UNAVAILABLE"))
			return
		case <-time.After(30 * time.Second):
			writeJSON(w, http.StatusInternalServerError, apiError(http.StatusInternalServerError, "the transaction timed out", "INTERNAL"))
			return
		}
		s.mu.Lock()
		d = s.decision
		s.mu.Unlock()
	}
	if d < 0 {
		writeJSON(w, http.StatusForbidden, apiError(http.StatusForbidden, "The transaction was denied.", "PERMISSION_DENIED"))
		return
	}
	s.mu.Lock()
	f.approved = true
	tok := f.txToken
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"txToken": tok})
}

func apiError(code int, msg, status string) any {
	return map[string]any{"error": map[string]any{"code": code, "message": msg, "status": status}}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// captcha serves the CAPTCHA image of the sign-in in progress.
func (s *Server) captcha(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	f := s.flowFor(r)
	ok := f != nil && f.ctoken != "" && r.URL.Query().Get("ctoken") == f.ctoken
	if !ok {
		s.note(r, "no CAPTCHA with this ctoken for this cookie")
	}
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	img := image.NewGray(image.Rect(0, 0, 60, 20))
	for i := range img.Pix {
		img.Pix[i] = uint8(rand.IntN(256))
	}
	img.Set(0, 0, color.White)
	w.Header().Set("Content-Type", "image/png")
	_ = png.Encode(w, img)
}

func (s *Server) static(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { s.render(w, http.StatusOK, name, nil) }
}

// note records why a request was refused. The caller holds s.mu.
func (s *Server) note(r *http.Request, problem string) {
	if rec, ok := r.Context().Value(recKey{}).(*Recorded); ok {
		rec.Problem = problem
	}
}

// fail answers a malformed request as Google does, with a 400 page, and
// fails the test. The caller holds s.mu.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, problem string) {
	s.failStatus(w, r, http.StatusBadRequest, problem)
}

func (s *Server) failStatus(w http.ResponseWriter, r *http.Request, status int, problem string) {
	s.note(r, problem)
	s.t.Errorf("googletest: %s %s: %s", r.Method, r.URL.Path, problem)
	msg := "The server cannot process the request because it is malformed. It should not be retried."
	if status == http.StatusNotFound {
		msg = "The requested URL was not found on this server."
	}
	s.renderError(w, status, "", msg)
}

func (s *Server) renderError(w http.ResponseWriter, status int, code, msg string) {
	s.render(w, status, "error.html", map[string]any{
		"Status": status, "Reason": http.StatusText(status), "Code": code, "Message": msg,
	})
}

func (s *Server) show(w http.ResponseWriter, status int, v *view) {
	s.render(w, status, v.tmpl, v)
}

func (s *Server) render(w http.ResponseWriter, status int, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := pages.ExecuteTemplate(w, name, data); err != nil {
		s.t.Errorf("googletest: render %s: %v", name, err)
	}
}
