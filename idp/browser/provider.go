package browser

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/seed-2d15385e/awsfed/idp"
	"github.com/seed-2d15385e/awsfed/ui"
)

// Provider signs in through a browser. It implements idp.Provider.
type Provider struct {
	// Exec is the browser to run (see Find).
	Exec string
	// Profile is the profile folder awsfed owns for this IdP session.
	Profile string
	// StartURL is the IdP-initiated sign-in URL for AWS.
	StartURL string
	// ExtraFlags are more browser switches (see Options.ExtraFlags).
	ExtraFlags []string
	// CanShow reports that a person is at a terminal and a window can be
	// shown: a headless run that needs a login then opens a window.
	CanShow bool
	// HeadlessFirst tries a headless run first, filling the login form from
	// the LoginInput: set it when the profile has a kept session
	// (Profile.HasSession), when the password and codes can be had without a
	// person, or when no window can be shown.
	HeadlessFirst bool
	// Status receives the lines meant for the person (stderr).
	Status io.Writer
	// LoginTimeout is the headless run's Options.LoginTimeout.
	LoginTimeout time.Duration

	// capture runs the browser; nil means Capture (tests replace it).
	capture func(context.Context, Options) (*Result, error)
}

// Authenticate returns the assertion the browser captured. With
// HeadlessFirst it runs headless, filling the form from in; when that needs a
// login it cannot complete (ErrLoginRequired, or *ui.InputNeededError from
// in) it opens a window if CanShow, else returns that error. Without
// HeadlessFirst it opens a window (ErrNoDisplay when there is no display).
func (p *Provider) Authenticate(ctx context.Context, in idp.LoginInput) (*idp.Assertion, error) {
	capture := p.capture
	if capture == nil {
		capture = Capture
	}
	o := Options{
		Exec:         p.Exec,
		ProfileDir:   p.Profile,
		StartURL:     p.StartURL,
		Username:     in.Username,
		ExtraFlags:   p.ExtraFlags,
		LoginTimeout: p.LoginTimeout,
		Status:       p.Status,
	}
	if p.HeadlessFirst {
		headless := o
		headless.Fill = fillFrom(in)
		res, err := capture(ctx, headless)
		if err == nil {
			return idp.ParseAssertion(res.SAMLResponse)
		}
		var need *ui.InputNeededError
		if !errors.Is(err, ErrLoginRequired) && !errors.As(err, &need) {
			return nil, err
		}
		if !p.CanShow {
			return nil, err
		}
		if p.Status != nil {
			fmt.Fprintln(p.Status, "awsfed: the IdP asks for a login; opening a browser window")
		}
	}
	o.Headful = true
	res, err := capture(ctx, o)
	if err != nil {
		return nil, err
	}
	return idp.ParseAssertion(res.SAMLResponse)
}

// fillFrom is what a headless run may type: the password and codes in gives,
// each fetched only when a page asks for it.
func fillFrom(in idp.LoginInput) *Fill {
	f := &Fill{Password: in.Password}
	if in.Codes != nil {
		f.Code = in.Codes.Code
	}
	return f
}
