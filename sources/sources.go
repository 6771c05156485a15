// Package sources says which credential source renews an awsfed profile:
// which renew.Source gets it new credentials, and which role and region
// its stored credentials are checked against. Today there is one kind,
// the SAML sign-in of package signin (Google Workspace or a generic IdP,
// through HTML forms). A new kind (IAM Identity Center, an IAM user's
// keys with MFA) is a package implementing renew.Source, its fake for
// tests, and, in Root, the test of a profile's settings that picks it:
// every command that renews a profile (login, credential-process, exec,
// env, console) then uses it, with no change to cmd.
package sources

import (
	"github.com/seed-2d15385e/awsfed/profile"
	"github.com/seed-2d15385e/awsfed/renew"
	"github.com/seed-2d15385e/awsfed/signin"
)

// Root returns how to renew the awsfed profile name of g, the person's
// inputs coming through signer's terminal, environment and flags: a SAML
// sign-in, its settings resolved from signer's flags, the environment and
// the profile.
func Root(signer *signin.Signer, g *profile.Graph, name string) (*renew.Root, error) {
	s, err := signin.Resolve(signer.Flags, signer.Getenv, g, name)
	if err != nil {
		return nil, err
	}
	return &renew.Root{Source: &signin.Source{Signer: signer, Settings: s}, RoleARN: s.RoleARN, Region: s.Region}, nil
}
