// Package idp defines what every identity provider flow returns: a parsed SAML
// assertion, and the errors a flow reports when the IdP refuses a sign-in.
package idp

import (
	"context"
	"time"
)

// Provider signs a person into an identity provider and returns the SAML
// assertion the IdP issues for AWS. Implementations must ask for the password
// and one-time codes only through in, and only when a page needs them.
type Provider interface {
	Authenticate(ctx context.Context, in LoginInput) (*Assertion, error)
}

// LoginInput is what a Provider may need from the person signing in. The
// password and codes are fetched lazily so that a kept IdP session asks for
// nothing.
type LoginInput struct {
	// Username is the IdP login name (an e-mail address for Google).
	Username string
	// Password returns the IdP password; it is called at most once per login
	// unless the IdP rejects it.
	Password func(ctx context.Context) (string, error)
	// Codes returns one-time codes for a second factor.
	Codes CodeSource
	// Ask puts a question to the person (a CAPTCHA's text) and returns the
	// answer; nil when no one can be asked.
	Ask func(ctx context.Context, question string) (string, error)
}

// CodeSource hands out one-time codes. Each call returns a code that has not
// been sent before; after too many rejected codes it returns an error that
// wraps ErrMFARejected.
type CodeSource interface {
	// Code returns the next code; label names the factor for a prompt
	// ("authenticator code", "SMS code").
	Code(ctx context.Context, label string) (string, error)
}

// Role is one role the assertion lets its holder assume.
type Role struct {
	RoleARN      string
	PrincipalARN string
}

// Assertion is a SAMLResponse as the IdP issued it, with the parts AWS reads.
type Assertion struct {
	// Raw is the SAMLResponse in standard padded base64, the XML bytes
	// exactly as the IdP signed them; it is what STS receives.
	Raw string
	// Roles holds the role/principal pairs of the Role attribute, in the
	// IdP's order, without duplicates.
	Roles []Role
	// RoleSessionName is the RoleSessionName attribute, or "" if absent.
	RoleSessionName string
	// SessionDuration is the SessionDuration attribute, or 0 if absent.
	SessionDuration time.Duration
	// Destination is the Response's Destination, or the Recipient of the
	// SubjectConfirmationData when the Response has none.
	Destination string
	// NotBefore and NotOnOrAfter bound the assertion's validity; zero when absent.
	NotBefore    time.Time
	NotOnOrAfter time.Time
	// Issuer is the IdP's entity ID.
	Issuer string
}
