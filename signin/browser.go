package signin

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"

	"github.com/seed-2d15385e/awsfed/idp"
	"github.com/seed-2d15385e/awsfed/idp/browser"
	"github.com/seed-2d15385e/awsfed/idp/google"
	"github.com/seed-2d15385e/awsfed/profile"
	"github.com/seed-2d15385e/awsfed/ui"
)

// BrowserProfilePath is the browser profile folder that keeps the IdP
// session of the settings' awsfed profile between runs, for --idp browser
// and the Google fallback: in $XDG_CONFIG_HOME, else home/.config, as
// awsfed/browser/PROFILE. It is "" when neither names an absolute folder
// (then the browser cannot run, rather than keep a session in the working
// folder). Logout deletes it.
func BrowserProfilePath(s *Settings, home string, getenv func(string) string) string {
	dir := cmp.Or(getenv("XDG_CONFIG_HOME"), filepath.Join(home, ".config"))
	if !filepath.IsAbs(dir) {
		return ""
	}
	return filepath.Join(dir, "awsfed", "browser", safeName(s.Profile))
}

// canShowWindow reports whether a browser window can be put before a
// person: one can be asked (a terminal, no --no-prompt) and there is a
// display (on Linux and the BSDs, DISPLAY or WAYLAND_DISPLAY).
func (o *Signer) canShowWindow() bool {
	if !o.CanPrompt() {
		return false
	}
	switch runtime.GOOS {
	case "windows", "darwin":
		return true
	}
	return o.Getenv("DISPLAY") != "" || o.Getenv("WAYLAND_DISPLAY") != ""
}

// hasUnattendedPassword reports whether a password comes without a person:
// --password-stdin, AWSFED_PASSWORD, a password command, or the keyring.
func (o *Signer) hasUnattendedPassword(s *Settings) bool {
	return o.Flags.PasswordStdin || o.Getenv("AWSFED_PASSWORD") != "" || s.PasswordCommand != "" || s.keyring.on
}

// browserProvider builds the browser sign-in for s at startURL. It
// runs headless first when the profile keeps an IdP session, when the
// password comes without a person, or when no window can be shown; a
// headless run that meets a login it cannot finish then opens a window if
// one can be shown. In headless runs the password and codes come from
// the usual sources, the terminal included only when no window can be
// shown (over SSH, say): with a display, the person types them in the
// window.
func (o *Signer) browserProvider(s *Settings, startURL string) (*browser.Provider, *idp.LoginInput, error) {
	dir := BrowserProfilePath(s, o.Home, o.Getenv)
	if dir == "" {
		return nil, nil, fmt.Errorf("no folder for the browser profile: set HOME or XDG_CONFIG_HOME to an absolute path")
	}
	show := o.canShowWindow()
	// No browser, or flags it cannot take, are the machine's or the
	// settings' to fix (exit 2), found before anything starts.
	exe, err := browser.Find(s.Browser, show)
	if err != nil {
		return nil, nil, profile.Errorf("%v", err)
	}
	flags, err := browser.SplitFlags(o.Getenv("AWSFED_BROWSER_FLAGS"))
	if err != nil {
		return nil, nil, profile.Errorf("%v", err)
	}
	p := &browser.Provider{
		Exec:          exe,
		Profile:       dir,
		StartURL:      startURL,
		ExtraFlags:    flags,
		CanShow:       show,
		HeadlessFirst: o.keptBrowserSession(s) || !show || o.hasUnattendedPassword(s),
		Status:        o.Streams.ErrOut,
	}
	in := &idp.LoginInput{
		Username: s.Username,
		Password: o.passwordSource(s, !show),
		Codes:    &maskedCodes{src: o.codeSource(s, !show), secrets: &o.secrets},
	}
	return p, in, nil
}

// browserStartURL is where a browser starts the sign-in of s: its URL, but
// for Google apps named by their ids, Google's own sign-in page, even when
// AWSFED_GOOGLE_URL points the HTTP flow at a stand-in.
func browserStartURL(s *Settings) string {
	if s.urlFromIDs {
		return google.StartURL(google.DefaultBaseURL, s.GoogleIdPID, s.GoogleSPID)
	}
	return s.URL
}

// needsBrowser reports whether err, from the Google HTTP flow, is one a
// browser may get past: a security key or passkey, a sign-in refused as
// automated, a page the flow does not know.
func needsBrowser(err error) bool {
	var refused *idp.RefusedError
	var page *idp.PageError
	return errors.As(err, &refused) && refused.NeedsBrowser || errors.As(err, &page)
}

// loginRequired turns a headless browser's browser.ErrLoginRequired (the
// IdP asks for a sign-in no window can be shown for) into the input a
// person must give, exit 4, naming the command to run; other errors pass.
func loginRequired(s *Settings, err error) error {
	if !errors.Is(err, browser.ErrLoginRequired) {
		return err
	}
	return &ui.InputNeededError{What: "a sign-in in a browser window", Why: "no window can be shown here (no terminal or no display, or --no-prompt)",
		Hint: fmt.Sprintf("run `awsfed login --profile %s` in a terminal of a desktop session", s.Profile)}
}

// browserSignIn signs in through a browser at startURL.
func (o *Signer) browserSignIn(ctx context.Context, s *Settings, startURL string) (*idp.Assertion, error) {
	p, in, err := o.browserProvider(s, startURL)
	if err != nil {
		return nil, err
	}
	a, err := p.Authenticate(ctx, *in)
	var needed *ui.InputNeededError
	if errors.As(err, &needed) && !p.CanShow {
		// The IdP's page asked for it in a headless browser.
		return nil, &ui.InputNeededError{What: needed.What, Why: needed.Why,
			Hint: needed.Hint + fmt.Sprintf("; or run `awsfed login --profile %s` in a terminal of a desktop session and sign in in the browser window", s.Profile)}
	}
	return a, err
}

// keptBrowserSession reports whether the browser profile of s keeps an
// IdP session from an earlier sign-in.
func (o *Signer) keptBrowserSession(s *Settings) bool {
	dir := BrowserProfilePath(s, o.Home, o.Getenv)
	return dir != "" && browser.Profile{Dir: dir}.HasSession()
}

// googleSignIn signs into Google through its HTML forms, and goes on in a
// browser when that fails as only a browser can help (see
// browserFallback). Once a sign-in of the profile went through the
// browser, renewals go there first, headless, while the browser keeps the
// Google session: the HTTP flow would only be refused again.
func (o *Signer) googleSignIn(ctx context.Context, s *Settings) (*idp.Assertion, error) {
	if s.BrowserFallback && o.keptBrowserSession(s) {
		a, err := o.browserSignIn(ctx, s, browserStartURL(s))
		var needed *ui.InputNeededError
		if !errors.Is(err, browser.ErrLoginRequired) && !errors.As(err, &needed) {
			return a, err
		}
		// The browser's session ended and no window can be shown: the
		// HTTP flow may still get through with the password.
	}
	a, err := o.formSignIn(ctx, s)
	if err != nil {
		return o.browserFallback(ctx, s, err)
	}
	return a, nil
}

// browserFallback goes on in a browser after the Google HTTP flow failed
// with err, when the settings allow it, err is one a browser may get past
// (needsBrowser), a browser is installed, and the browser may get
// somewhere: a window can be shown, or the password comes without a
// person (headless, the browser fills it in). Otherwise it returns err as
// it was.
func (o *Signer) browserFallback(ctx context.Context, s *Settings, err error) (*idp.Assertion, error) {
	if !s.BrowserFallback || !needsBrowser(err) || !o.canShowWindow() && !o.hasUnattendedPassword(s) {
		return nil, err
	}
	p, in, perr := o.browserProvider(s, browserStartURL(s))
	if perr != nil {
		return nil, fmt.Errorf("%w (and no browser to go on in: %v)", err, perr)
	}
	fmt.Fprintf(o.Streams.ErrOut, "awsfed: %s\nawsfed: going on in a browser (--browser-fallback=false turns this off)\n", o.masked(err))
	return p.Authenticate(ctx, *in)
}
