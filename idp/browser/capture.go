package browser

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/seed-2d15385e/awsfed/idp"
	"github.com/seed-2d15385e/awsfed/ui"
)

// DefaultLoginTimeout is how long a headless run waits without a capture
// and without anything to fill before it reports ErrLoginRequired.
const DefaultLoginTimeout = 15 * time.Second

const (
	// cdpTimeout bounds each call to the browser made while waiting.
	cdpTimeout = 5 * time.Second
	// closeTimeout bounds the graceful close, which writes the cookies.
	closeTimeout = 5 * time.Second
	// cancelCloseTimeout bounds it when the caller's context is done, so
	// that Ctrl-C returns promptly.
	cancelCloseTimeout = 1500 * time.Millisecond
	// pollInterval is how often the page is looked at for login fields.
	pollInterval = 200 * time.Millisecond
	// detachGrace is how long a capture may still arrive after the tab went
	// away (a popup posted as its opener closed).
	detachGrace = time.Second
	// doneLinger is how long a visible window shows the "signed in" page
	// before awsfed closes it.
	doneLinger = time.Second
)

var (
	// ErrLoginRequired means a headless run found the IdP asking for a login
	// that it could not complete: a login form with no Fill for it, or no
	// SAMLResponse within the login timeout. A visible window can finish it.
	ErrLoginRequired = errors.New("the IdP asks for a login that awsfed cannot complete without a browser window")
	// ErrNoDisplay means a visible window was asked for on Linux with
	// neither DISPLAY nor WAYLAND_DISPLAY set. Nothing was started.
	ErrNoDisplay = errors.New("a browser window needs a display, and neither DISPLAY nor WAYLAND_DISPLAY is set")
)

// Options configure one Capture.
type Options struct {
	// Exec is the browser to run (see Find).
	Exec string
	// ProfileDir is the profile folder awsfed owns for this IdP session.
	ProfileDir string
	// StartURL is the IdP-initiated sign-in URL for AWS.
	StartURL string
	// Headful shows a window to a person; otherwise the browser runs
	// headless.
	Headful bool
	// Username is typed into an empty visible user name or e-mail field.
	Username string
	// Fill, headless only, supplies the password and codes for the login
	// form; nil means a login form ends the run with ErrLoginRequired.
	Fill *Fill
	// ExtraFlags are more browser switches, "--name" or "--name=value"
	// (from AWSFED_BROWSER_FLAGS, see SplitFlags). They come after awsfed's,
	// so they can change them, but not the profile folder or the debugging
	// transport.
	ExtraFlags []string
	// LoginTimeout, headless only, is how long to wait without a capture or
	// a field to fill before ErrLoginRequired; 0 means DefaultLoginTimeout.
	LoginTimeout time.Duration
	// Status receives one line for the person when a window opens.
	Status io.Writer

	// noIntercept turns interception off (tests: the control run of the
	// no-leak canary).
	noIntercept bool
	// afterCapture runs on the tab's context after a capture, before the
	// browser closes (tests: read the page shown).
	afterCapture func(tab context.Context)
	// started runs once the browser has started, with the tab's context
	// (tests).
	started func(tab context.Context)
}

// Result is what the browser posted to AWS's sign-in page.
type Result struct {
	// SAMLResponse is the base64 SAMLResponse as the IdP posted it.
	SAMLResponse string
	// RelayState is the RelayState field, if any.
	RelayState string
	// ACSURL is where the form posted, which names the AWS partition.
	ACSURL string
}

// Capture runs the browser on StartURL until the IdP's page posts a
// SAMLResponse to AWS's sign-in page, and returns that POST's fields; the POST
// itself never leaves the browser. It holds the profile's lock for the whole
// run (waiting for another awsfed on it until ctx is done), and always closes
// the browser gracefully, so that the IdP's cookies are saved, then deletes
// the saved tabs and the HTTP cache, which hold copies of the SAMLResponse.
//
// Errors: ErrNoDisplay; ErrLoginRequired (headless); an error from Fill, as
// is; *idp.RefusedError wrapping idp.ErrWrongPassword when the login form
// comes back after the password, or idp.ErrNoAssertion for an empty
// SAMLResponse; an error wrapping ui.ErrCancelled when the window is closed
// or the browser exits first; ctx's error when ctx ends first.
func Capture(ctx context.Context, o Options) (*Result, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	if o.Headful && needsDisplay(runtime.GOOS, os.Getenv) {
		return nil, ErrNoDisplay
	}
	allocOpts, err := o.allocatorOptions()
	if err != nil {
		return nil, err
	}
	prof := Profile{Dir: o.ProfileDir}
	unlock, err := prof.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := prof.prepare(); err != nil {
		return nil, err
	}
	res, err := run(ctx, o, allocOpts)
	// The browser has exited: its saved tabs and cache hold copies.
	if cerr := prof.scrub(); cerr != nil && err == nil {
		return nil, cerr
	}
	switch {
	case err == nil:
		if merr := prof.markSession(); merr != nil {
			return nil, merr
		}
	case errors.Is(err, ErrLoginRequired):
		prof.forgetSession()
	}
	return res, err
}

func (o *Options) check() error {
	if o.Exec == "" {
		return errors.New("no browser to run")
	}
	if o.ProfileDir == "" {
		return errors.New("no browser profile folder")
	}
	u, err := url.Parse(o.StartURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("the IdP URL %q is not an http(s) URL", o.StartURL)
	}
	if o.LoginTimeout <= 0 {
		o.LoginTimeout = DefaultLoginTimeout
	}
	return nil
}

// needsDisplay reports whether a window cannot be shown for lack of a
// display: on Linux and the BSDs, an X11 or Wayland display must be named.
func needsDisplay(goos string, getenv func(string) string) bool {
	switch goos {
	case "darwin", "windows", "ios", "android":
		return false
	}
	return getenv("DISPLAY") == "" && getenv("WAYLAND_DISPLAY") == ""
}

// allocatorOptions are the browser's switches: chromedp's defaults (headless,
// password-store=basic and use-mock-keychain, so no OS keyring prompt blocks
// a renewal), no background traffic, session cookies restored, no automation
// flag for the IdP's scripts to see, and the debugging pipe, never a port.
func (o *Options) allocatorOptions() ([]chromedp.ExecAllocatorOption, error) {
	extra, err := flagOptions(o.ExtraFlags)
	if err != nil {
		return nil, err
	}
	opts := append([]chromedp.ExecAllocatorOption{}, chromedp.DefaultExecAllocatorOptions[:]...)
	opts = append(opts,
		chromedp.ExecPath(o.Exec),
		chromedp.UserDataDir(o.ProfileDir),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("restore-last-session", true),
		chromedp.Flag("disable-blink-features", "AutomationControlled"),
		chromedp.Flag("enable-automation", false),
	)
	if o.Headful {
		opts = append(opts, chromedp.VisibleWindow,
			chromedp.Flag("start-maximized", false), chromedp.WindowSize(1024, 800))
	} else {
		opts = append(opts, chromedp.DisableGPU)
	}
	return append(opts, extra...), nil
}

// session is one browser run.
type session struct {
	o   Options
	tab context.Context // the chromedp context of the tab

	once     sync.Once
	captured chan outcome // receives the first capture

	// What a headless run has typed: the password is asked once and kept
	// for a retry of the same page; a code is kept until it is sent.
	password     string
	havePassword bool
	passwordSent bool
	// codeSent: a one-time code was sent after the password.
	codeSent     bool
	code         string
	usernameSent int
}

type outcome struct {
	res *Result
	err error
}

func run(ctx context.Context, o Options, allocOpts []chromedp.ExecAllocatorOption) (res *Result, err error) {
	// The browser's life is not ctx's: when ctx ends, awsfed still closes it
	// gracefully (bounded), so that the cookies reach the disk.
	actx, cancelAlloc := chromedp.NewExecAllocator(context.WithoutCancel(ctx), allocOpts...)
	defer func() {
		cancelAlloc()
		killLeftovers(o.ProfileDir)
	}()
	tab, cancelTab := chromedp.NewContext(actx)
	defer cancelTab()

	// Starting takes a second; Ctrl-C meanwhile kills the browser.
	stop := context.AfterFunc(ctx, cancelTab)
	err = chromedp.Do(tab)
	if !stop() {
		return nil, ctx.Err()
	}
	if err != nil {
		if errors.Is(err, chromedp.ErrNoDisplay) {
			return nil, ErrNoDisplay
		}
		return nil, fmt.Errorf("start the browser %s: %w", o.Exec, err)
	}
	if o.started != nil {
		o.started(tab)
	}
	defer closeGracefully(ctx, tab)

	s := &session{o: o, tab: tab, captured: make(chan outcome, 1)}
	if err := s.setUp(); err != nil {
		return nil, err
	}
	res, err = s.wait(ctx)
	if err == nil && o.Headful {
		if o.afterCapture != nil {
			o.afterCapture(tab)
		}
		// Let the person see the "signed in" page before the window goes.
		t := time.NewTimer(doneLinger)
		select {
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
	} else if err == nil && o.afterCapture != nil {
		o.afterCapture(tab)
	}
	return res, err
}

// setUp makes the browser pause the POST to AWS, then opens StartURL.
func (s *session) setUp() error {
	cctx, cancel := context.WithTimeout(s.tab, cdpTimeout)
	defer cancel()
	if !s.o.Headful {
		// Headless Chromium says "HeadlessChrome" in its user agent, which
		// some IdPs refuse; its own version stays.
		v, err := chromedp.CallBrowser(cctx, cdpbrowser.GetVersion, cdp.Empty{})
		if err != nil {
			return fmt.Errorf("browser version: %w", err)
		}
		if ua := strings.Replace(v.UserAgent, "HeadlessChrome/", "Chrome/", 1); ua != v.UserAgent {
			if _, err := chromedp.Call(cctx, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: ua}); err != nil {
				return fmt.Errorf("set the user agent: %w", err)
			}
		}
	}
	// Subscribe first, then enable, so that no paused request is missed.
	// Fetch is enabled on the browser, not the tab, so that popups and
	// frames of other sites are paused too.
	paused := chromedp.BrowserEvents(s.tab, fetch.RequestPaused)
	if !s.o.noIntercept {
		if _, err := chromedp.CallBrowser(cctx, fetch.Enable, fetch.EnableParams{Patterns: interceptPatterns()}); err != nil {
			return fmt.Errorf("intercept the POST to AWS: %w", err)
		}
	}
	go s.intercept(paused)
	// page.Navigate returns once the navigation starts; chromedp.Navigate
	// would wait for a load that may never end.
	nav, err := chromedp.Call(cctx, page.Navigate, page.NavigateParams{URL: s.o.StartURL})
	if err != nil {
		return fmt.Errorf("open %s: %w", redact(s.o.StartURL), err)
	}
	if nav.ErrorText != "" {
		return fmt.Errorf("open %s: %s", redact(s.o.StartURL), nav.ErrorText)
	}
	if s.o.Headful && s.o.Status != nil {
		fmt.Fprintf(s.o.Status, "awsfed: a browser window is open at %s; sign in there\n", host(s.o.StartURL))
	}
	return nil
}

// wait waits for the capture, filling the login form when headless.
func (s *session) wait(ctx context.Context) (*Result, error) {
	detached, err := chromedp.Detached(s.tab)
	if err != nil {
		return nil, fmt.Errorf("browser tab: %w", err)
	}
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	var timeout <-chan time.Time
	var timer *time.Timer
	if !s.o.Headful {
		timer = time.NewTimer(s.o.LoginTimeout)
		defer timer.Stop()
		timeout = timer.C
	}
	for {
		select {
		case c := <-s.captured:
			return c.res, c.err
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-timeout:
			return s.ending(ctx, ErrLoginRequired)
		case <-detached:
			t := time.NewTimer(detachGrace)
			defer t.Stop()
			select {
			case c := <-s.captured:
				return c.res, c.err
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-t.C:
			}
			return nil, s.closed()
		case <-s.tab.Done():
			return s.ending(ctx, s.closed())
		case <-tick.C:
			progressed, err := s.step(ctx)
			if err != nil {
				return s.ending(ctx, err) // a capture may have come while filling
			}
			if progressed && timer != nil {
				timer.Reset(s.o.LoginTimeout)
			}
		}
	}
}

// ending is how the wait ends when err stops it: with a capture that
// came meanwhile, else ctx's error once ctx is done, else err.
func (s *session) ending(ctx context.Context, err error) (*Result, error) {
	select {
	case c := <-s.captured:
		return c.res, c.err
	default:
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return nil, err
}

// closed is the error of a browser gone before the capture.
func (s *session) closed() error {
	if s.o.Headful {
		return fmt.Errorf("the browser window was closed before the sign-in finished: %w", ui.ErrCancelled)
	}
	return fmt.Errorf("the browser exited before the sign-in finished: %w", ui.ErrCancelled)
}

// intercept handles every paused request until the browser goes away.
func (s *session) intercept(events iter.Seq2[fetch.EventRequestPaused, error]) {
	for ev, err := range events {
		if err != nil {
			return
		}
		s.handle(ev)
	}
}

// handle ends one paused request. A POST to AWS's sign-in page is read and
// then failed (headless) or answered with a local page (headful); any other
// request to an AWS sign-in host is failed; the rest go on.
func (s *session) handle(ev fetch.EventRequestPaused) {
	cctx, cancel := context.WithTimeout(s.tab, cdpTimeout)
	defer cancel()
	req := ev.Request
	if req == nil {
		return
	}
	kind := classify(req.Method, req.URL)
	if kind == targetOther {
		_, _ = chromedp.CallBrowser(cctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
		return
	}
	var out outcome
	if kind == targetAWSPost {
		out = readPost(req)
	}
	if s.o.Headful && kind == targetAWSPost {
		body := donePage
		if out.err != nil {
			body = strings.Replace(donePage, "Signed in to AWS through awsfed. You can close this window.",
				"awsfed could not use this sign-in; the terminal says why. You can close this window.", 1)
		}
		_, _ = chromedp.CallBrowser(cctx, fetch.FulfillRequest, fetch.FulfillRequestParams{
			RequestID:    ev.RequestID,
			ResponseCode: 200,
			ResponseHeaders: []*fetch.HeaderEntry{
				{Name: "Content-Type", Value: "text/html; charset=utf-8"},
				{Name: "Cache-Control", Value: "no-store"},
				{Name: "Content-Security-Policy", Value: donePolicy},
			},
			Body: []byte(body),
		})
	} else {
		_, _ = chromedp.CallBrowser(cctx, fetch.FailRequest, fetch.FailRequestParams{
			RequestID: ev.RequestID, ErrorReason: network.ErrorReasonBlockedByClient})
	}
	if kind == targetAWSPost {
		s.once.Do(func() { s.captured <- out })
	}
}

// readPost reads the SAMLResponse and RelayState from a POST to AWS.
func readPost(req *network.Request) outcome {
	form, err := parseForm(header(req.Headers, "Content-Type"), requestBody(req))
	if err != nil {
		return outcome{err: err}
	}
	res := &Result{SAMLResponse: form.Get("SAMLResponse"), RelayState: form.Get("RelayState"), ACSURL: req.URL}
	if strings.TrimSpace(res.SAMLResponse) == "" {
		return outcome{err: &idp.RefusedError{Err: idp.ErrNoAssertion}}
	}
	return outcome{res: res}
}

// closeGracefully closes the browser with Browser.close, which writes the
// cookies (a kill loses those of the last half minute), waiting a few
// seconds at most; the allocator's cancel then kills what is left.
func closeGracefully(ctx context.Context, tab context.Context) {
	d := closeTimeout
	if ctx.Err() != nil {
		d = cancelCloseTimeout
	}
	cctx, cancel := context.WithTimeout(tab, d)
	defer cancel()
	_ = chromedp.Cancel(cctx)
}

// host is the host of a URL, for a message.
func host(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return raw
}

// redact drops a URL's query and fragment, which may hold tokens.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "the IdP URL"
	}
	u.RawQuery, u.Fragment, u.User = "", "", nil
	return u.String()
}
