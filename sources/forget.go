package sources

import (
	"context"

	"github.com/seed-2d15385e/awsfed/profile"
	"github.com/seed-2d15385e/awsfed/signin"
	"github.com/seed-2d15385e/awsfed/sso"
)

// Forget deletes what awsfed keeps to sign profile name of g in again
// without a person: for a SAML profile the kept Google session and the
// browser profile (signin.Forget); for an IAM Identity Center profile the
// session's token, after ending the portal session. It returns what it
// removed, for a person, and stops at the first error.
func Forget(ctx context.Context, in *Inputs, g *profile.Graph, name string) ([]string, error) {
	o := in.Signer
	if !sso.Uses("", g, name) {
		return signin.Forget(ctx, signin.Read(g, name), o.Home, o.Getenv)
	}
	s, err := sso.Resolve(sso.Flags{}, "", g, name)
	if err != nil {
		return nil, err
	}
	ok, err := in.SSOClient().SignOut(ctx, s.Session)
	if err != nil || !ok {
		return nil, err
	}
	return []string{"the IAM Identity Center token of sso-session " + s.Session.Name + " (its portal session is ended: every profile of it, the AWS CLI's too, signs in again)"}, nil
}
