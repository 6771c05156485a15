// Package sources says which credential source renews an awsfed profile:
// which renew.Source gets it new credentials, and which role and region
// its stored credentials are checked against. There are two kinds: the
// SAML sign-in of package signin (Google Workspace or a generic IdP,
// through HTML forms or a browser), and IAM Identity Center (package
// sso). A new kind (an IAM user's keys with MFA) is a package implementing
// renew.Source, its fake for tests, and, in Root, the test of a profile's
// settings that picks it: every command that renews a profile (login,
// credential-process, exec, env, console) then uses it, with no change to
// cmd.
package sources

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/seed-2d15385e/awsfed/assume"
	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/iamuser"
	"github.com/seed-2d15385e/awsfed/idp"
	"github.com/seed-2d15385e/awsfed/internal/credcache"
	"github.com/seed-2d15385e/awsfed/mfa"
	"github.com/seed-2d15385e/awsfed/profile"
	"github.com/seed-2d15385e/awsfed/renew"
	"github.com/seed-2d15385e/awsfed/signin"
	"github.com/seed-2d15385e/awsfed/sso"
)

// Inputs are what a command run gives every credential source: the
// person's terminal, environment and flags (through Signer), the flags of
// an IAM Identity Center login, the renewal cache (for locks), and the
// browser.
type Inputs struct {
	Signer *signin.Signer
	SSO    sso.Flags
	// MFASerial (--mfa-serial) is an IAM user's MFA device, KeysFrom
	// (--keys-from) the profile holding its keys.
	MFASerial, KeysFrom string
	Cache               credcache.Dir
	// OpenURL opens a URL in the person's browser; nil: there is none.
	OpenURL func(url string) error
}

// Root returns how to renew the awsfed profile name of g: an IAM Identity
// Center role when --idp sso or the profile says so, else a SAML sign-in,
// its settings resolved from the flags, the environment and the profile.
func Root(in *Inputs, g *profile.Graph, name string) (*renew.Root, error) {
	signer := in.Signer
	if sso.Uses(signer.Flags.IdP, g, name) {
		s, err := sso.Resolve(in.SSO, signer.Flags.Region, g, name)
		if err != nil {
			return nil, err
		}
		return &renew.Root{Source: in.ssoSource(s), Region: s.Region, Force: s.Changed}, nil
	}
	if iamuser.Uses(signer.Flags.IdP, g, name) {
		s, err := in.iamUserSettings(g, name)
		if err != nil {
			return nil, err
		}
		return &renew.Root{Source: in.iamUserSource(s), RoleARN: s.RoleARN, Region: s.Region, Force: s.Changed}, nil
	}
	s, err := signin.Resolve(signer.Flags, signer.Getenv, g, name)
	if err != nil {
		return nil, err
	}
	return &renew.Root{Source: &signin.Source{Signer: signer, Settings: s}, RoleARN: s.RoleARN, Region: s.Region}, nil
}

// iamUserSettings resolves the settings of profile name of g as an IAM
// user's, from login's flags.
func (in *Inputs) iamUserSettings(g *profile.Graph, name string) (*iamuser.Settings, error) {
	f := in.Signer.Flags
	return iamuser.Resolve(iamuser.Flags{RoleARN: f.RoleARN, Duration: f.Duration, Region: f.Region, MFASerial: in.MFASerial, KeysFrom: in.KeysFrom}, g, name)
}

// HopCodes is the source of the MFA code of a chained profile's
// mfa_serial (signin.Signer.HopCodes), each code claimed in the device's
// ledger, as an IAM user's are, so that no run sends one twice.
func (in *Inputs) HopCodes(h profile.Hop) idp.CodeSource {
	c := in.Signer.HopCodes(h)
	c.Used = in.usedCodes(h.MFASerial)
	return c
}

// usedCodes is mfa.Codes.Used for the MFA device serial: its ledger in
// the cache folder.
func (in *Inputs) usedCodes(serial string) func(code string) bool {
	o := in.Signer
	return mfa.NewLedger(string(in.Cache), serial, o.Now, o.Streams.ErrOut).Sent
}

// iamUserSource returns the IAM user source for settings s: keys from the
// keyring, codes never sent before (a ledger per device in the cache).
func (in *Inputs) iamUserSource(s *iamuser.Settings) *iamuser.Source {
	o := in.Signer
	codes := o.MFACodes(s.Profile, s.TOTPSecretCommand)
	codes.NoPromptHint = fmt.Sprintf("run awsfed login --profile %s at a terminal; for renewals without a person pass --mfa-code, or set AWSFED_TOTP_SECRET or %s in [%s] to the device's TOTP secret",
		s.Profile, profile.KeyTOTPSecretCommand, awsconfig.ConfigSection(s.Profile))
	if s.MFASerial != "" {
		codes.Used = in.usedCodes(s.MFASerial)
	}
	return &iamuser.Source{Settings: s, Keyring: o.Keyring, Codes: codes, Status: o.Streams.ErrOut, Principal: in.callerARN,
		Client: assume.ClientOptions{Endpoint: assume.EndpointFromEnv(o.Getenv), HTTPClient: &http.Client{Transport: o.Transport()}}}
}

// SSOClient returns the IAM Identity Center client of a command run.
func (in *Inputs) SSOClient() *sso.Client {
	o := in.Signer
	c := &sso.Client{HTTP: &http.Client{Transport: o.Transport()}, Now: o.Now, Getenv: o.Getenv,
		CacheDir: sso.CacheDir(o.Home), Status: o.Streams.ErrOut}
	if !o.Unattended {
		c.OpenBrowser = in.OpenURL
	}
	return c
}

// ssoSource returns the IAM Identity Center source for settings s.
func (in *Inputs) ssoSource(s *sso.Settings) *sso.Source {
	o := in.Signer
	src := &sso.Source{Client: in.SSOClient(), Settings: s, Interactive: o.CanPrompt() && !o.Unattended,
		Status: o.Streams.ErrOut, Principal: in.callerARN,
		LockSession: func(ctx context.Context) (func(), error) {
			return renew.Lock(ctx, o.Streams.ErrOut, in.Cache, "sso-session "+s.Session.Name, renew.LockWait)
		}}
	if src.Interactive {
		src.Choose = func(ctx context.Context, roles []sso.AccountRole) (sso.AccountRole, error) {
			p, err := o.Ask()
			if err != nil {
				return sso.AccountRole{}, err
			}
			labels := make([]string, len(roles))
			for i, ar := range roles {
				labels[i] = ar.Label()
			}
			i, err := p.Select(ctx, "Role to use", labels)
			if err != nil {
				return sso.AccountRole{}, err
			}
			return roles[i], nil
		}
	}
	return src
}

// callerARN asks STS (AWS_ENDPOINT_URL_STS, if set) which assumed-role ARN
// creds act as, giving up after a few seconds: it only labels them.
func (in *Inputs) callerARN(ctx context.Context, creds awsconfig.Credentials, region string) (string, error) {
	o := in.Signer
	return assume.CallerARN(ctx, assume.ClientOptions{Region: region, Endpoint: assume.EndpointFromEnv(o.Getenv),
		HTTPClient: &http.Client{Transport: o.Transport()}}, creds, 5*time.Second)
}
