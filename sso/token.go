package sso

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc/types"

	"github.com/seed-2d15385e/awsfed/ui"
)

// Flows of the sign-in, for TokenOptions.Flow.
const (
	// FlowAuto picks FlowDevice over SSH, without a display or without
	// Client.OpenBrowser, and FlowPKCE otherwise.
	FlowAuto = ""
	// FlowPKCE is the authorization code grant with PKCE: the browser on
	// this machine comes back to a listener on 127.0.0.1 (the AWS CLI's
	// default since 2.22.0).
	FlowPKCE = "pkce"
	// FlowDevice is the device authorization grant: the person opens a
	// URL on any device and checks a code.
	FlowDevice = "device"
)

// TokenOptions say what Token may do to get a token.
type TokenOptions struct {
	// MinValid is how long the token must still work; a cached one with
	// less is refreshed. 0 means only that it has not expired.
	MinValid time.Duration
	// Interactive allows a sign-in, which needs a person; without it a
	// needed sign-in is a *ui.InputNeededError.
	Interactive bool
	// Flow is FlowAuto, FlowPKCE or FlowDevice.
	Flow string
	// Profile is the awsfed profile being served, named in the hint of
	// the *ui.InputNeededError; Command, if set, is the whole command
	// the hint names instead.
	Profile, Command string
}

// oidcAPI is the part of the sso-oidc client this package uses.
type oidcAPI interface {
	RegisterClient(context.Context, *ssooidc.RegisterClientInput, ...func(*ssooidc.Options)) (*ssooidc.RegisterClientOutput, error)
	StartDeviceAuthorization(context.Context, *ssooidc.StartDeviceAuthorizationInput, ...func(*ssooidc.Options)) (*ssooidc.StartDeviceAuthorizationOutput, error)
	CreateToken(context.Context, *ssooidc.CreateTokenInput, ...func(*ssooidc.Options)) (*ssooidc.CreateTokenOutput, error)
}

// Token returns a token for s that works for at least o.MinValid, or as
// long as IAM Identity Center grants if that is less:
//
//   - the cached one (ReadToken) if it does, with no request;
//   - else, if it is Refreshable, a refreshed one (Refresh), saved;
//   - else, or if the portal session has ended, and only if
//     o.Interactive, one from a sign-in (SignIn), saved;
//   - else a *ui.InputNeededError naming awsfed login --profile.
//
// A cached token made for another start URL or region than s's is not
// used. Errors other than a needed sign-in (network, a wrong region) are
// returned as they are: a sign-in would not help.
func (c *Client) Token(ctx context.Context, s Session, o TokenOptions) (*Token, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if err := checkFlow(o.Flow); err != nil {
		return nil, err
	}
	now := c.now()
	why := fmt.Sprintf("no token of sso-session %q is cached", s.Name)
	var cause error
	tok, err := ReadToken(c.CacheDir, s)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case errors.Is(err, errNotToken):
		why = fmt.Sprintf("the cached token of sso-session %q is not one", s.Name)
	case err != nil:
		return nil, err
	case !tok.matches(s):
		why = fmt.Sprintf("the cached token of sso-session %q is for another start URL or region", s.Name)
	default:
		// Tools that write only accessToken and expiresAt (aws-vault)
		// leave these out; the file's name says whose it is.
		if tok.StartURL == "" {
			tok.StartURL = s.StartURL
		}
		if tok.Region == "" {
			tok.Region = s.Region
		}
		if tok.Valid(now, o.MinValid) {
			return tok, nil
		}
		why = fmt.Sprintf("the token of sso-session %q has expired and cannot be refreshed", s.Name)
		if tok.Refreshable(now) {
			fresh, err := c.Refresh(ctx, s, tok)
			var ended *SessionEndedError
			if !errors.As(err, &ended) {
				return fresh, err
			}
			why, cause = ended.Error(), err
			if o.Interactive {
				ui.Notes(c.status(), fmt.Sprintf("the IAM Identity Center portal session of sso-session %q has ended; signing in again", s.Name))
			}
		}
	}
	if !o.Interactive {
		cmd := "awsfed login"
		if o.Profile != "" {
			cmd += " --profile " + o.Profile
		}
		hint := "run " + cmp.Or(o.Command, cmd) + " at a terminal"
		e := &ui.InputNeededError{What: "a sign-in to IAM Identity Center", Why: why, Hint: hint}
		if cause != nil {
			return nil, &signInNeededError{e, cause}
		}
		return nil, e
	}
	return c.SignIn(ctx, s, o)
}

// signInNeededError is a *ui.InputNeededError that also wraps why the
// sign-in is needed (a *SessionEndedError).
type signInNeededError struct {
	*ui.InputNeededError
	cause error
}

func (e *signInNeededError) Unwrap() []error { return []error{e.InputNeededError, e.cause} }

func checkFlow(flow string) error {
	switch flow {
	case FlowAuto, FlowPKCE, FlowDevice:
		return nil
	}
	return fmt.Errorf("%q is not a sign-in flow: use pkce or device", flow)
}

// Refresh gets a new access token for tok with its refresh token and
// saves it as s's, keeping the cache file's other fields; it returns a
// *SessionEndedError when the portal session has ended or the client
// registration is no longer valid, and a *WrongRegionError when the
// token belongs to another region. A refresh token IAM Identity Center
// does not replace is kept (RFC 6749 §6).
func (c *Client) Refresh(ctx context.Context, s Session, tok *Token) (*Token, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	api, err := c.oidc(s.Region)
	if err != nil {
		return nil, err
	}
	out, err := api.CreateToken(ctx, &ssooidc.CreateTokenInput{
		GrantType:    aws.String("refresh_token"),
		ClientId:     aws.String(tok.ClientID),
		ClientSecret: aws.String(tok.ClientSecret),
		RefreshToken: aws.String(tok.RefreshToken),
	})
	if err != nil {
		return nil, c.oidcError(ctx, s, "CreateToken", true, err, tok.ClientSecret, tok.RefreshToken, tok.AccessToken)
	}
	fresh := *tok
	fresh.session = s.Name
	fresh.StartURL, fresh.Region = s.StartURL, s.Region
	fresh.AccessToken = aws.ToString(out.AccessToken)
	fresh.ExpiresAt = c.expiresAt(out.ExpiresIn)
	if r := aws.ToString(out.RefreshToken); r != "" {
		fresh.RefreshToken = r
	}
	if fresh.AccessToken == "" {
		return nil, &Error{Op: "CreateToken", Message: "answered without an access token"}
	}
	if err := writeToken(c.CacheDir, s, &fresh); err != nil {
		return nil, err
	}
	return &fresh, nil
}

// expiresAt is now plus seconds, to the second, as the cache keeps it.
func (c *Client) expiresAt(seconds int32) time.Time {
	return c.now().Add(time.Duration(seconds) * time.Second).UTC().Truncate(time.Second)
}

// oidcError describes err from an sso-oidc call for s, as a typed error
// when one applies. refresh says whether the call was a refresh, where an
// invalid grant or client means that the portal session has ended; in a
// sign-in they mean a bad code or registration instead, and the cached
// registration is dropped so that the next login makes a new one.
func (c *Client) oidcError(ctx context.Context, s Session, op string, refresh bool, err error, secrets ...string) error {
	d := describe(ctx, op, err, secrets...)
	var regionErr *types.InvalidRequestRegionException
	code := errorCode(err)
	badClient := code == "InvalidClientException" || code == "UnauthorizedClientException"
	switch {
	case ctx.Err() != nil:
		return d
	case refresh && (code == "InvalidGrantException" || badClient):
		return &SessionEndedError{Session: s.Name, Err: d}
	case badClient:
		_ = os.Remove(RegistrationPath(c.CacheDir, s))
		return fmt.Errorf("%w; run the login again", d)
	case code == "AccessDeniedException":
		return &AccessDeniedError{Session: s.Name, Err: d}
	case errors.As(err, &regionErr):
		return &WrongRegionError{Session: s.Name, Region: s.Region, Want: aws.ToString(regionErr.Region), Err: d}
	case code == "InvalidRequestException" && op == "StartDeviceAuthorization":
		// The start URL is the one thing of this request a person types.
		return &UnknownStartURLError{StartURL: s.StartURL, Region: s.Region, Err: d}
	}
	return d
}

// SignIn has a person sign in to s with o.Flow and saves the token, keeping
// the cache file's other fields. It registers an OIDC client, or reuses
// the cached registration of the flow's kind, as the AWS CLI does. It
// returns ctx's error when ctx ends (Ctrl-C), an *AccessDeniedError when
// the person refuses, ErrSignInExpired when they take too long.
func (c *Client) SignIn(ctx context.Context, s Session, o TokenOptions) (*Token, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if err := checkFlow(o.Flow); err != nil {
		return nil, err
	}
	api, err := c.oidc(s.Region)
	if err != nil {
		return nil, err
	}
	var tok *Token
	if c.flow(o.Flow) == FlowDevice {
		tok, err = c.deviceSignIn(ctx, api, s)
	} else {
		tok, err = c.pkceSignIn(ctx, api, s)
	}
	if err != nil {
		return nil, err
	}
	tok.session = s.Name
	if r := tok.newRegistration; r != nil {
		if err := writeRegistration(c.CacheDir, s, r); err != nil {
			return nil, err
		}
	}
	if err := writeToken(c.CacheDir, s, tok); err != nil {
		return nil, err
	}
	return tok, nil
}

// flow is the flow to use for the one asked.
func (c *Client) flow(asked string) string {
	if asked != FlowAuto {
		return asked
	}
	if c.OpenBrowser == nil || !c.hasDisplay() {
		return FlowDevice
	}
	return FlowPKCE
}

// registration returns a registration for s of the flow's kind: the
// cached one if botocore would reuse it, else a new one, marked new so
// that SignIn caches it with the token it gets (a sign-in that fails
// leaves the cache as it was). A new client is named
// "botocore-client-<session>", as the CLI's, since the two share the
// registration file.
func (c *Client) registration(ctx context.Context, api oidcAPI, s Session, pkce bool) (*registration, error) {
	if r, err := readRegistration(c.CacheDir, s); err == nil && r.usable(c.now(), pkce) {
		return r, nil
	}
	in := &ssooidc.RegisterClientInput{
		ClientName: aws.String("botocore-client-" + s.Name),
		ClientType: aws.String("public"),
	}
	r := &registration{}
	if pkce {
		scopes := s.Scopes
		if len(scopes) == 0 {
			scopes = []string{defaultScope}
		}
		in.GrantTypes = []string{"authorization_code", "refresh_token"}
		in.RedirectUris = []string{"http://127.0.0.1" + callbackPath}
		in.IssuerUrl = aws.String(s.StartURL)
		in.Scopes = scopes
		r.Scopes, r.GrantTypes = scopes, in.GrantTypes
	} else if len(s.Scopes) > 0 {
		in.Scopes = s.Scopes
		r.Scopes = s.Scopes
	}
	out, err := api.RegisterClient(ctx, in)
	if err != nil {
		e := c.oidcError(ctx, s, "RegisterClient", false, err)
		if pkce && errorCode(err) == "InvalidRequestException" {
			// The issuer URL is the start URL: nothing else of the
			// request comes from the person.
			e = &UnknownStartURLError{StartURL: s.StartURL, Region: s.Region, Err: e}
		}
		return nil, e
	}
	r.ClientID, r.ClientSecret = aws.ToString(out.ClientId), aws.ToString(out.ClientSecret)
	r.ExpiresAt = time.Unix(out.ClientSecretExpiresAt, 0).UTC()
	if r.ClientID == "" || r.ClientSecret == "" {
		return nil, &Error{Op: "RegisterClient", Message: "answered without a client id and secret"}
	}
	r.new = true
	return r, nil
}

// newToken is the token CreateToken's out makes for s with r, as botocore
// builds it.
func (c *Client) newToken(s Session, r *registration, out *ssooidc.CreateTokenOutput) (*Token, error) {
	t := &Token{
		StartURL:              s.StartURL,
		Region:                s.Region,
		AccessToken:           aws.ToString(out.AccessToken),
		ExpiresAt:             c.expiresAt(out.ExpiresIn),
		ClientID:              r.ClientID,
		ClientSecret:          r.ClientSecret,
		RegistrationExpiresAt: r.ExpiresAt,
		RefreshToken:          aws.ToString(out.RefreshToken),
	}
	if r.new {
		t.newRegistration = r
	}
	if t.AccessToken == "" {
		return nil, &Error{Op: "CreateToken", Message: "answered without an access token"}
	}
	return t, nil
}
