package google

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/seed-2d15385e/awsfed/idp"
	"github.com/seed-2d15385e/awsfed/idp/internal/form"
	"github.com/seed-2d15385e/awsfed/ui"
)

// DefaultBaseURL is Google's sign-in service.
const DefaultBaseURL = "https://accounts.google.com"

// DefaultUserAgent is a current desktop browser's; Google mails "new
// sign-in from an unknown device" to users of tools that name themselves.
const DefaultUserAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36"

// DefaultAwaitTxURL is the endpoint the Google Prompt page's script polls
// until the person answers on the phone.
const DefaultAwaitTxURL = "https://content.googleapis.com/cryptauth/v1/authzen/awaittx"

// maxHops bounds the pages of one sign-in.
const maxHops = 40

// StartURL returns the IdP-initiated sign-in URL for a Workspace SAML app:
// base/o/saml2/initsso?idpid=…&spid=…&forceauthn=false, with pages forced
// to English.
func StartURL(base, idpID, spID string) string {
	q := url.Values{"idpid": {idpID}, "spid": {spID}, "forceauthn": {"false"}, "hl": {"en"}}
	return strings.TrimRight(base, "/") + "/o/saml2/initsso?" + q.Encode()
}

// Provider signs into Google Workspace. It implements idp.Provider.
type Provider struct {
	// StartURL is the initsso URL (see StartURL); hl=en is added if missing.
	StartURL string
	// Client sends every request; it must have a cookie jar. A jar holding
	// a live Google session makes the sign-in ask nothing.
	Client *http.Client
	// UserAgent is sent with every request (default DefaultUserAgent).
	UserAgent string
	// Status receives what the person must know while waiting (stderr).
	Status io.Writer
	// PromptTimeout bounds the wait for a phone prompt (default 2m).
	PromptTimeout time.Duration
	// AwaitTxURL is where the Google Prompt's long poll goes (default
	// DefaultAwaitTxURL).
	AwaitTxURL string
	// Prefer lists the second factors to use, in order, when Google offers
	// a choice (default: TOTP, phone prompt, SMS, security code, backup code).
	Prefer []Kind
	// Sleep waits between polls of a phone prompt; tests make it instant.
	Sleep func(ctx context.Context, d time.Duration) error
	// Wait, if set, shows the person that the sign-in waits for their
	// phone until deadline (a spinner with the time left) until stop is
	// called. When canNudge, a receive on nudge (Enter pressed) makes the
	// phone prompt check again at once instead of after its back-off.
	Wait func(ctx context.Context, deadline time.Time, canNudge bool) (nudge <-chan struct{}, stop func())
}

// walk is the state of one sign-in.
type walk struct {
	p            *Provider
	in           idp.LoginInput
	passwordSent bool
	codeSent     map[Kind]bool
	captchas     int
}

// Authenticate signs in and returns the assertion Google issues.
func (p *Provider) Authenticate(ctx context.Context, in idp.LoginInput) (*idp.Assertion, error) {
	start, err := url.Parse(p.StartURL)
	if err != nil || start.Host == "" {
		return nil, fmt.Errorf("the Google sign-in URL %q is not a URL", p.StartURL)
	}
	q := start.Query()
	if q.Get("hl") == "" {
		q.Set("hl", "en")
		start.RawQuery = q.Encode()
	}
	w := &walk{p: p, in: in, codeSent: map[Kind]bool{}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, start.String(), nil)
	if err != nil {
		return nil, err
	}
	page, err := w.do(req)
	if err != nil {
		return nil, err
	}
	for hop := 0; hop < maxHops; hop++ {
		g := Classify(page)
		if g.Kind == KindSAML {
			a, err := idp.ParseAssertion(g.SAMLResponse)
			if err != nil {
				return nil, fmt.Errorf("the SAMLResponse from Google: %w", err)
			}
			return a, nil
		}
		if page, err = w.step(ctx, g); err != nil {
			return nil, err
		}
	}
	return nil, &idp.PageError{URL: form.Redact(page.URL), Title: page.Title, Reason: fmt.Sprintf("still no SAMLResponse after %d pages", maxHops)}
}

// isSecondFactor reports whether k is a kind a --mfa preference may steer
// away from.
func isSecondFactor(k Kind) bool {
	switch k {
	case KindTOTP, KindSMS, KindSMSSend, KindPrompt, KindDevicePrompt, KindBackupCode, KindSecurityCode:
		return true
	}
	return false
}

// step answers one page and returns the next.
func (w *walk) step(ctx context.Context, g *Page) (*form.Page, error) {
	if isSecondFactor(g.Kind) && !w.wanted(g.Kind) && g.Skip != nil && !w.codeSent[KindSelection] {
		// Google's default factor is not the one asked for: try another way.
		w.codeSent[KindSelection] = true
		return w.submit(ctx, g.Skip)
	}
	switch g.Kind {
	case KindIdentifier:
		return w.identifier(ctx, g)
	case KindPassword:
		return w.password(ctx, g)
	case KindTOTP, KindSMS, KindBackupCode, KindSecurityCode:
		return w.code(ctx, g)
	case KindSMSSend:
		g.Form.Click("SendMethod", "SMS") // the "Send text message" button
		return w.submit(ctx, g.Form)
	case KindSelection:
		return w.selection(ctx, g)
	case KindCaptcha:
		return w.captcha(ctx, g)
	case KindDevicePrompt:
		return w.devicePrompt(ctx, g)
	case KindPrompt:
		return w.googlePrompt(ctx, g)
	case KindRejected:
		return nil, &idp.RefusedError{Err: errors.New("the sign-in was refused by Google as automated"), NeedsBrowser: true,
			Hint: "wait a while and try again, sign in with --idp browser, or keep the Google session (it is kept after a successful login)"}
	case Kind2SVRequired:
		text := strings.Join(strings.Fields(g.Doc.Find("#contactAdminMessage").Text()), " ")
		if text == "" {
			text = shownText(g.Doc, "section.aN1Vld", "2-step verification policy")
		}
		return nil, &idp.RefusedError{Err: errors.New("your organisation requires 2-Step Verification and none is set up for this account"),
			IdPText: text, Hint: "set up 2-Step Verification in your Google account, or ask your administrator"}
	case KindTooManyAttempts:
		return nil, &idp.RefusedError{Err: errors.New("sign-ins to this Google account are stopped for now after too many failed attempts"),
			Hint: "wait (often an hour or more) before trying again, and check the password first; awsfed does not retry"}
	case KindNoApp:
		return nil, &idp.RefusedError{Err: errors.New("this Google account may not use the AWS app (app_not_configured_for_user)"),
			Hint: "ask your Workspace administrator to turn the AWS SAML app on for you, and check --idp-id and --sp-id"}
	case KindSecurityKey, KindPasskey:
		if g.Skip != nil && !w.codeSent[KindSelection] {
			w.codeSent[KindSelection] = true
			return w.submit(ctx, g.Skip)
		}
		return nil, &idp.RefusedError{Err: fmt.Errorf("the sign-in needs a %s, which works only in a browser", g.Kind), NeedsBrowser: true,
			Hint: "sign in with --idp browser, or add an authenticator app or phone prompt to your Google account as a second step"}
	case KindUnknown:
		return nil, &idp.PageError{URL: form.Redact(g.URL), Title: g.Title, Status: g.Status, Reason: "not a Google sign-in page awsfed knows"}
	}
	return nil, &idp.PageError{URL: form.Redact(g.URL), Title: g.Title, Status: g.Status,
		Reason: fmt.Sprintf("the %s is not supported yet", g.Kind)}
}

func (w *walk) identifier(ctx context.Context, g *Page) (*form.Page, error) {
	if w.in.Username == "" {
		return nil, fmt.Errorf("the sign-in needs the account's e-mail address: pass --username")
	}
	field := "identifier"
	if g.Form.Input("Email") != nil {
		field = "Email"
	}
	g.Form.Set(field, w.in.Username)
	return w.submit(ctx, g.Form)
}

func (w *walk) password(ctx context.Context, g *Page) (*form.Page, error) {
	if w.passwordSent {
		return nil, &idp.RefusedError{Err: idp.ErrWrongPassword, IdPText: errorText(g),
			Hint: "check the password, or sign in once in a browser if Google asks for more"}
	}
	pw, err := w.in.Password(ctx)
	if err != nil {
		return nil, err
	}
	w.passwordSent = true
	g.Form.Set("Passwd", pw)
	return w.submit(ctx, g.Form)
}

// codeLabel names the code a factor asks for, for prompts.
func codeLabel(k Kind) string {
	switch k {
	case KindTOTP:
		return "authenticator code"
	case KindSMS:
		return "code from the text message (digits after G-)"
	case KindBackupCode:
		return "backup code"
	case KindSecurityCode:
		return "one-time security code from g.co/sc"
	}
	return ""
}

func (w *walk) code(ctx context.Context, g *Page) (*form.Page, error) {
	label := codeLabel(g.Kind)
	if w.codeSent[g.Kind] {
		label += " (the last one was rejected)"
	}
	c, err := w.in.Codes.Code(ctx, label)
	if err != nil {
		return nil, err
	}
	w.codeSent[g.Kind] = true
	g.Form.Set("Pin", strings.TrimPrefix(strings.TrimSpace(c), "G-"))
	g.Form.Set("TrustDevice", "on")
	return w.submit(ctx, g.Form)
}

// phoneWait is a wait for the person's phone: its context ends at the
// timeout; nudge receives when the person says they have answered.
type phoneWait struct {
	w       *walk
	ctx     context.Context
	nudge   <-chan struct{}
	timeout time.Duration
	stop    func()
	once    sync.Once
}

// awaitPhone tells the person what to do on the phone, shows the wait
// (Provider.Wait) and bounds it by PromptTimeout. The caller must call
// done.
func (w *walk) awaitPhone(ctx context.Context, what, number string, canNudge bool) *phoneWait {
	msg := "Check your phone: " + what
	if number != "" {
		msg += fmt.Sprintf(" (number %s)", number)
	}
	w.status(msg + "…")
	pw := &phoneWait{w: w, timeout: cmp.Or(w.p.PromptTimeout, 2*time.Minute)}
	var cancel context.CancelFunc
	pw.ctx, cancel = context.WithTimeout(ctx, pw.timeout)
	pw.stop = cancel
	if w.p.Wait != nil {
		deadline, _ := pw.ctx.Deadline()
		nudge, stop := w.p.Wait(pw.ctx, deadline, canNudge)
		pw.nudge, pw.stop = nudge, func() { stop(); cancel() }
	}
	return pw
}

// done ends the wait; it may be called more than once.
func (pw *phoneWait) done() { pw.once.Do(pw.stop) }

// approved ends the wait and says so.
func (pw *phoneWait) approved() {
	pw.done()
	pw.w.status("Approved on your phone.")
}

// notAnswered is the refusal when the wait runs out.
func (pw *phoneWait) notAnswered() error {
	return &idp.RefusedError{Err: fmt.Errorf("the phone prompt was not answered within %s", pw.timeout),
		Hint: "answer it sooner, or raise --mfa-timeout"}
}

// googlePrompt answers the Google Prompt (az): it long-polls awaittx with
// the page's transaction until the person taps Yes or No, then posts the
// page's form with the token the poll returns.
func (w *walk) googlePrompt(ctx context.Context, g *Page) (*form.Page, error) {
	if g.Prompt.APIKey == "" || g.Prompt.TxID == "" {
		return nil, &idp.PageError{URL: form.Redact(g.URL), Title: g.Title, Reason: "the Google Prompt page has no transaction (data-api-key, data-tx-id)"}
	}
	outer := ctx
	pw := w.awaitPhone(ctx, "tap Yes on the Google prompt", g.Number, false)
	defer pw.done()
	ctx, notAnswered := pw.ctx, pw.notAnswered
	endpoint := w.p.AwaitTxURL
	if endpoint == "" {
		endpoint = DefaultAwaitTxURL
	}
	u := endpoint + "?" + url.Values{"alt": {"json"}, "key": {g.Prompt.APIKey}}.Encode()
	body, err := json.Marshal(map[string]string{"txId": g.Prompt.TxID})
	if err != nil {
		return nil, err
	}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", w.userAgent())
		resp, err := w.p.Client.Do(req)
		var timeout interface{ Timeout() bool }
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return nil, notAnswered()
		case errors.As(err, &timeout) && timeout.Timeout():
			// A long poll may outlast one request's deadline while the
			// person finds their phone: ask again, until the wait ends.
			continue
		default:
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err // its message repeats the URL, key and all
			}
			return nil, fmt.Errorf("wait for the Google prompt at %s: %w", req.URL.Host, err)
		}
		var out struct {
			TxToken string `json:"txToken"`
		}
		derr := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out)
		resp.Body.Close()
		if ctx.Err() != nil {
			return nil, notAnswered() // whatever came back as the wait ran out
		}
		switch {
		case resp.StatusCode == http.StatusOK && derr == nil && out.TxToken != "":
			pw.approved()
			g.Form.Set("token", out.TxToken)
			g.Form.Set("TrustDevice", "on")
			return w.submit(outer, g.Form)
		case resp.StatusCode == http.StatusOK || resp.StatusCode >= 500:
			// The poll ends without an answer now and then: ask again.
			if err := w.sleep(ctx, time.Second, nil); err != nil {
				return nil, notAnswered()
			}
		default:
			return nil, &idp.RefusedError{Err: errors.New("the Google prompt was denied or has expired"), Hint: "run the login again and tap Yes"}
		}
	}
}

// preferenceKinds returns the kinds a name --mfa takes stands for.
func preferenceKinds(name string) ([]Kind, bool) {
	switch name {
	case "totp":
		return []Kind{KindTOTP}, true
	case "phone":
		return []Kind{KindDevicePrompt, KindPrompt}, true
	case "sms":
		return []Kind{KindSMS}, true
	case "backup":
		return []Kind{KindBackupCode}, true
	case "security-code":
		return []Kind{KindSecurityCode}, true
	}
	return nil, false
}

// ParsePreference reads an --mfa list such as "totp,phone,sms" into the
// order Provider.Prefer takes; "" or "auto" is nil (the default order).
func ParsePreference(list string) ([]Kind, error) {
	var kinds []Kind
	for _, name := range strings.Split(list, ",") {
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" || name == "auto" {
			continue
		}
		k, ok := preferenceKinds(name)
		if !ok {
			return nil, fmt.Errorf("unknown second factor %q: use totp, phone, sms, backup or security-code", name)
		}
		kinds = append(kinds, k...)
	}
	return kinds, nil
}

// wanted reports whether the person's preference allows factor k.
func (w *walk) wanted(k Kind) bool {
	if len(w.p.Prefer) == 0 {
		return true
	}
	if k == KindSMSSend {
		k = KindSMS
	}
	for _, p := range w.p.Prefer {
		if p == k {
			return true
		}
	}
	return false
}

// captchaFields are the answer inputs of the CAPTCHA pages, newest first.
var captchaFields = []string{"ca", "identifier-captcha-input", "logincaptcha"}

// captcha shows Google's CAPTCHA to the person (its URL, and the image
// saved to a private file) and posts the answer with the page's form.
func (w *walk) captcha(ctx context.Context, g *Page) (*form.Page, error) {
	if w.captchas++; w.captchas > 3 {
		return nil, &idp.RefusedError{Err: errors.New("the sign-in kept meeting a CAPTCHA"), Hint: "wait a while, or sign in once in a browser on this machine"}
	}
	if w.in.Ask == nil {
		return nil, &ui.InputNeededError{What: "the answer to a CAPTCHA Google shows",
			Hint: "a CAPTCHA needs a person: run awsfed login once on a terminal (the kept session then spares later runs)"}
	}
	if g.Form == nil {
		return nil, &idp.PageError{URL: form.Redact(g.URL), Title: g.Title, Reason: "a CAPTCHA page without a form"}
	}
	field := ""
	for _, name := range captchaFields {
		if g.Form.Input(name) != nil {
			field = name
			break
		}
	}
	if field == "" {
		return nil, &idp.PageError{URL: form.Redact(g.URL), Title: g.Title, Reason: "a CAPTCHA page without an answer field"}
	}
	msg := "Google asks you to type the characters of a CAPTCHA: " + g.CaptchaURL
	if file, err := w.saveCaptcha(ctx, g.CaptchaURL); err == nil {
		msg += " (the image is saved in " + file + ")"
	}
	w.status(msg)
	answer, err := w.in.Ask(ctx, "CAPTCHA characters")
	if err != nil {
		return nil, err
	}
	g.Form.Set(field, strings.TrimSpace(answer))
	if g.Form.Input("identifier") != nil && w.in.Username != "" {
		g.Form.Set("identifier", w.in.Username)
	}
	return w.submit(ctx, g.Form)
}

// saveCaptcha fetches the CAPTCHA image into a new 0600 temporary file.
func (w *walk) saveCaptcha(ctx context.Context, imageURL string) (string, error) {
	if imageURL == "" {
		return "", errors.New("no image")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, imageURL, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("User-Agent", w.userAgent())
	resp, err := w.p.Client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	f, err := os.CreateTemp("", "awsfed-captcha-*.png") // created 0600
	if err != nil {
		return "", err
	}
	defer f.Close()
	if _, err := io.Copy(f, io.LimitReader(resp.Body, 2<<20)); err != nil {
		return "", err
	}
	return f.Name(), nil
}

// usable are the methods awsfed can answer without a browser, in the order
// it picks them when no preference is given.
var usable = []Kind{KindTOTP, KindDevicePrompt, KindPrompt, KindSMS, KindSecurityCode, KindBackupCode}

// selection picks the first usable method on Google's list. On the
// 2020-2023 list each method is a form; on the 2024 list the choice goes
// into the list's one form.
func (w *walk) selection(ctx context.Context, g *Page) (*form.Page, error) {
	prefs := w.p.Prefer
	if len(prefs) == 0 {
		prefs = usable
	}
	for _, k := range prefs {
		for _, o := range g.Options {
			if o.Kind != k || o.Unavailable {
				continue
			}
			if o.Form != nil {
				return w.submit(ctx, o.Form)
			}
			if g.Form == nil {
				break
			}
			g.Form.Set("selectedChallenge", o.ChallengeID)
			return w.submit(ctx, g.Form)
		}
	}
	var offered []string
	for _, o := range g.Options {
		name := o.Kind.String()
		if o.Unavailable {
			name += " (unavailable here)"
		}
		offered = append(offered, name)
	}
	return nil, &idp.RefusedError{Err: fmt.Errorf("none of the sign-in methods Google offers works without a browser (offered: %s)", strings.Join(offered, ", ")), NeedsBrowser: true,
		Hint: "sign in with --idp browser, or add an authenticator app or phone prompt to your Google account as a second step"}
}

// devicePrompt waits for "Tap Yes" on the phone: it re-posts the page's
// form with back-off until Google moves on, or the timeout passes.
func (w *walk) devicePrompt(ctx context.Context, g *Page) (*form.Page, error) {
	pw := w.awaitPhone(ctx, "tap Yes", g.Number, true)
	defer pw.done()
	ctx, notAnswered := pw.ctx, pw.notAnswered
	delay := time.Second
	for {
		next, err := w.submit(ctx, g.Form)
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, notAnswered()
		}
		if err != nil {
			return nil, err
		}
		ng := Classify(next)
		if t := errorText(ng); t != "" && (ng.Kind == KindDevicePrompt || ng.Kind == KindUnknown) {
			return nil, &idp.RefusedError{Err: errors.New("the phone prompt was denied"), IdPText: t,
				Hint: "run the login again and tap Yes"}
		}
		if ng.Kind != KindDevicePrompt {
			pw.approved()
			return next, nil
		}
		if err := w.sleep(ctx, delay, pw.nudge); err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				continue // the loop reports the timeout
			}
			return nil, err
		}
		delay = min(delay*2, 5*time.Second)
	}
}

// sleep waits d, or less when nudge receives.
func (w *walk) sleep(ctx context.Context, d time.Duration, nudge <-chan struct{}) error {
	if w.p.Sleep != nil {
		return w.p.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	case <-nudge:
		return nil
	}
}

func (w *walk) status(msg string) {
	if w.p.Status != nil {
		fmt.Fprintln(w.p.Status, msg)
	}
}

// submit posts a page's own form, with the fields every step adds.
func (w *walk) submit(ctx context.Context, f *form.Form) (*form.Page, error) {
	if f.Input("bgresponse") != nil {
		f.Set("bgresponse", "js_enabled")
	}
	req, err := f.Request(ctx)
	if err != nil {
		return nil, err
	}
	return w.do(req)
}

func (w *walk) userAgent() string {
	if w.p.UserAgent != "" {
		return w.p.UserAgent
	}
	return DefaultUserAgent
}

func (w *walk) do(req *http.Request) (*form.Page, error) {
	req.Header.Set("User-Agent", w.userAgent())
	req.Header.Set("Accept-Language", "en-US,en;q=0.9")
	return form.Do(w.p.Client, req)
}

// errorText returns the error Google shows on a page, in either generation;
// hidden error templates do not count.
func errorText(g *Page) string {
	if t := shownText(g.Doc, "#passwordError, span#errorMsg, .error-msg, [jsname=B34EJ], [aria-live=assertive]", ""); t != "" {
		return t
	}
	return g.ErrorText()
}
