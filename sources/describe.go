package sources

import (
	"github.com/seed-2d15385e/awsfed/iamuser"
	"github.com/seed-2d15385e/awsfed/profile"
	"github.com/seed-2d15385e/awsfed/signin"
	"github.com/seed-2d15385e/awsfed/sso"
)

// Description is what the AWS files say of how an awsfed profile signs
// in, read with no request: what status shows. A value not set is "".
type Description struct {
	// IdP is the profile's awsfed_idp (or google for aws-google-auth's
	// settings).
	IdP string
	// Username is who signs in: the IdP user, or the IAM user.
	Username string
	// RoleARN is the role its credentials are for, when configured.
	RoleARN string
	// SSOSession, AccountID and RoleName are an IAM Identity Center
	// profile's: the role is named by its account and name.
	SSOSession, AccountID, RoleName string
}

// Describe describes the awsfed profile name of g.
func Describe(g *profile.Graph, name string) Description {
	p := g.Lookup(name)
	if sso.Uses("", g, name) {
		return Description{IdP: sso.IdP, SSOSession: p.Config(profile.KeyAWSFedSSOSession),
			AccountID: p.Config(profile.KeySSOAccountID), RoleName: p.Config(profile.KeySSORoleName)}
	}
	if iamuser.Uses("", g, name) {
		if s, err := iamuser.Resolve(iamuser.Flags{}, g, name); err == nil {
			return Description{IdP: iamuser.IdP, Username: s.Username, RoleARN: s.RoleARN}
		}
	}
	s := signin.Read(g, name)
	return Description{IdP: s.IdP, Username: s.Username, RoleARN: s.RoleARN}
}

// Role names the role for a person: its ARN, or "NAME in ACCOUNT" for
// IAM Identity Center, which does not say the ARN.
func (d Description) Role() string {
	if d.RoleARN == "" && d.RoleName != "" {
		return d.RoleName + " in " + d.AccountID
	}
	return d.RoleARN
}
