// Package sources is the table of awsfed's credential sources: for an
// awsfed profile, which renew.Source gets it new credentials, and which
// role and region its stored credentials are checked against. Today there
// is one kind, the SAML sign-in of package signin (Google Workspace or a
// generic IdP, through HTML forms). A new kind (IAM Identity Center, an
// IAM user's keys with MFA) is a package implementing renew.Source, its
// fake for tests, and one row in kinds: every command that renews a
// profile (login, credential-process, exec, env, console) then uses it,
// with no change to cmd.
package sources

import (
	"github.com/seed-2d15385e/awsfed/profile"
	"github.com/seed-2d15385e/awsfed/renew"
	"github.com/seed-2d15385e/awsfed/signin"
)

// kind is one way of getting an awsfed profile's credentials.
type kind struct {
	name string
	// claims reports whether profile p is of this kind.
	claims func(p *profile.Profile) bool
	// root returns how to renew profile name of g, the person's inputs
	// coming through signer's terminal, environment and flags.
	root func(signer *signin.Signer, g *profile.Graph, name string) (*renew.Root, error)
}

// kinds are the kinds of awsfed profile, the first that claims a profile
// winning; the last claims every profile.
var kinds = [...]kind{
	{name: "saml", claims: func(*profile.Profile) bool { return true }, root: samlRoot},
}

// Root returns how to renew the awsfed profile name of g.
func Root(signer *signin.Signer, g *profile.Graph, name string) (*renew.Root, error) {
	p := g.Lookup(name)
	for _, k := range kinds {
		if k.claims(p) {
			return k.root(signer, g, name)
		}
	}
	return nil, profile.Errorf("profile %s: awsfed knows no way to get its credentials", name)
}

// samlRoot is a SAML sign-in's: its settings resolved from signer's flags,
// the environment and the profile.
func samlRoot(signer *signin.Signer, g *profile.Graph, name string) (*renew.Root, error) {
	s, err := signin.Resolve(signer.Flags, signer.Getenv, g, name)
	if err != nil {
		return nil, err
	}
	return &renew.Root{Source: &signin.Source{Signer: signer, Settings: s}, RoleARN: s.RoleARN, Region: s.Region}, nil
}
