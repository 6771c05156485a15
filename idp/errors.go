package idp

import (
	"errors"
	"fmt"
)

// Sentinel causes a flow wraps in a *RefusedError so that callers can tell
// them apart with errors.Is.
var (
	// ErrWrongPassword means the IdP showed its login form again after the password was sent.
	ErrWrongPassword = errors.New("wrong username or password")
	// ErrMFARejected means the IdP rejected the one-time codes sent, or no further code could be had.
	ErrMFARejected = errors.New("one-time code rejected")
	// ErrNoAssertion means the IdP posted an empty SAMLResponse: it issued
	// no assertion for AWS.
	ErrNoAssertion = errors.New("the IdP sent an empty SAMLResponse: it issued no assertion for AWS")
)

// RefusedError reports that the IdP refused the sign-in. Callers map it to
// exit code 3.
type RefusedError struct {
	// Err is the cause, often ErrWrongPassword or ErrMFARejected.
	Err error
	// IdPText is the IdP's own error text from the page, if it showed one.
	IdPText string
	// Hint says what the person can do next.
	Hint string
	// NeedsBrowser is set when the IdP asked for what only a browser
	// can give (a security key, a passkey) or refused a sign-in that is
	// not a browser's: the same sign-in may work in a browser.
	NeedsBrowser bool
}

func (e *RefusedError) Error() string {
	msg := e.Err.Error()
	if e.IdPText != "" {
		msg += fmt.Sprintf(" (the IdP says: %q)", e.IdPText)
	}
	if e.Hint != "" {
		msg += "; " + e.Hint
	}
	return msg
}

func (e *RefusedError) Unwrap() error { return e.Err }

// PageError reports a page a flow does not know how to go on from.
type PageError struct {
	// URL is the page's address, without its query string.
	URL string
	// Title is the page's <title>, if any.
	Title string
	// Status is the HTTP status code.
	Status int
	// Reason says what was expected and not found.
	Reason string
}

func (e *PageError) Error() string {
	msg := fmt.Sprintf("page not recognised at %s", e.URL)
	if e.Status != 0 && e.Status != 200 {
		msg += fmt.Sprintf(" (HTTP %d)", e.Status)
	}
	if e.Title != "" {
		msg += fmt.Sprintf(" titled %q", e.Title)
	}
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg + "; run again with --debug-dir DIR and look at the saved pages"
}
