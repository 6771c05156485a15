// Package generic signs into any SAML 2.0 IdP that serves plain HTML forms
// (SimpleSAMLphp, LemonLDAP::NG, Keycloak, Shibboleth, ADFS forms): it walks
// from an IdP-initiated SSO URL through redirects, relay forms, the login form
// and a one-time-code form until a page carries the SAMLResponse.
package generic

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/seed-2d15385e/awsfed/idp"
	"github.com/seed-2d15385e/awsfed/idp/internal/form"
)

// maxHops bounds the pages one sign-in may walk through.
const maxHops = 30

// maxRestarts bounds how often a sign-in starts over after an IdP dropped
// its code form on a wrong code (LemonLDAP::NG does).
const maxRestarts = 3

// Provider walks a generic IdP's pages. It implements idp.Provider.
type Provider struct {
	// StartURL is the IdP-initiated SSO URL.
	StartURL string
	// Client sends every request; it must have a cookie jar and follow redirects.
	Client *http.Client
}

// New returns a Provider starting at startURL and talking through c.
func New(startURL string, c *http.Client) (*Provider, error) {
	u, err := url.Parse(startURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("the IdP URL %q is not an http(s) URL", startURL)
	}
	if c.Jar == nil {
		return nil, fmt.Errorf("the HTTP client has no cookie jar")
	}
	return &Provider{StartURL: startURL, Client: c}, nil
}

// walk is the state of one sign-in.
type walk struct {
	p        *Provider
	in       idp.LoginInput
	password string // asked once, kept in memory for a restart
	// sent counts what was submitted since the last (re)start.
	passwordSent, codeSent bool
	restarts               int
}

// Authenticate signs in and returns the assertion the IdP issues. It asks
// in.Password only when a login form appears and in.Codes only when a code
// form appears, so an existing IdP session asks nothing.
func (p *Provider) Authenticate(ctx context.Context, in idp.LoginInput) (*idp.Assertion, error) {
	w := &walk{p: p, in: in}
	page, err := w.start(ctx)
	if err != nil {
		return nil, err
	}
	for hop := 0; hop < maxHops; hop++ {
		next, done, err := w.step(ctx, page)
		if err != nil || done != nil {
			return done, err
		}
		page = next
	}
	return nil, &idp.PageError{URL: form.Redact(page.URL), Title: page.Title, Status: page.Status,
		Reason: fmt.Sprintf("still no SAMLResponse after %d pages", maxHops)}
}

func (w *walk) start(ctx context.Context) (*form.Page, error) {
	w.passwordSent, w.codeSent = false, false
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.p.StartURL, nil)
	if err != nil {
		return nil, err
	}
	return form.Do(w.p.Client, req)
}

// step acts on one page: it returns the next page, or the assertion.
func (w *walk) step(ctx context.Context, page *form.Page) (*form.Page, *idp.Assertion, error) {
	if _, saml, ok := page.SAMLResponse(); ok {
		a, err := idp.ParseAssertion(saml)
		if err != nil {
			return nil, nil, fmt.Errorf("the IdP's SAMLResponse at %s: %w", form.Redact(page.URL), err)
		}
		return nil, a, nil
	}
	if f := page.LoginForm(); f != nil {
		next, err := w.login(ctx, page, f)
		return next, nil, err
	}
	if f := page.CodeForm(); f != nil {
		next, err := w.code(ctx, f)
		return next, nil, err
	}
	if f := page.AutoSubmitForm(); f != nil {
		next, err := w.submit(ctx, f)
		return next, nil, err
	}
	if w.codeSent && w.restarts < maxRestarts {
		// Some IdPs answer a wrong code with an error page and no form:
		// start over, and let the code source decide whether to go on.
		w.restarts++
		return w.restart(ctx)
	}
	reason := "no SAMLResponse, login form, code form or relay form"
	if t := errorText(page); t != "" {
		reason += fmt.Sprintf("; the page says %q", t)
	}
	return nil, nil, &idp.PageError{URL: form.Redact(page.URL), Title: page.Title, Status: page.Status, Reason: reason}
}

func (w *walk) restart(ctx context.Context) (*form.Page, *idp.Assertion, error) {
	page, err := w.start(ctx)
	w.codeSent = true // the next code asked is a retry
	return page, nil, err
}

func (w *walk) login(ctx context.Context, page *form.Page, f *form.Form) (*form.Page, error) {
	if w.passwordSent {
		return nil, &idp.RefusedError{Err: idp.ErrWrongPassword, IdPText: errorText(page),
			Hint: "check the username and password and try again"}
	}
	if user := f.UsernameInput(); user != nil {
		if w.in.Username == "" {
			return nil, fmt.Errorf("the IdP asks for a username: pass --username or set awsfed_username in the profile")
		}
		user.Value = w.in.Username
	}
	if w.password == "" {
		if w.in.Password == nil {
			return nil, fmt.Errorf("the IdP asks for a password and none can be had")
		}
		pw, err := w.in.Password(ctx)
		if err != nil {
			return nil, err
		}
		w.password = pw
	}
	f.PasswordInput().Value = w.password
	w.passwordSent = true
	return w.submit(ctx, f)
}

func (w *walk) code(ctx context.Context, f *form.Form) (*form.Page, error) {
	if w.in.Codes == nil {
		return nil, fmt.Errorf("the IdP asks for a one-time code and none can be had")
	}
	label := "one-time code"
	if w.codeSent {
		label = "one-time code (the last one was rejected)"
	}
	c, err := w.in.Codes.Code(ctx, label)
	if err != nil {
		return nil, err
	}
	f.CodeInput().Value = c
	w.codeSent = true
	return w.submit(ctx, f)
}

func (w *walk) submit(ctx context.Context, f *form.Form) (*form.Page, error) {
	req, err := f.Request(ctx)
	if err != nil {
		return nil, err
	}
	return form.Do(w.p.Client, req)
}

// llngMessage returns the text of a LemonLDAP::NG message number that its
// pages fill in by script only.
func llngMessage(n string) (string, bool) {
	switch n {
	case "5":
		return "Wrong credentials", true
	case "96":
		return "Invalid verification code", true
	}
	return "", false
}

// errorText returns the error the page shows, including those that only a
// script would fill in.
func errorText(page *form.Page) string {
	if t := page.ErrorText(); t != "" {
		return t
	}
	if n, ok := page.Doc.Find(".message-negative [trmsg], .alert [trmsg]").First().Attr("trmsg"); ok {
		if t, ok := llngMessage(strings.TrimSpace(n)); ok {
			return t
		}
		return "message " + n
	}
	return ""
}
