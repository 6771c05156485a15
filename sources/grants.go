package sources

import (
	"context"
	"sort"

	"github.com/seed-2d15385e/awsfed/iamuser"
	"github.com/seed-2d15385e/awsfed/profile"
	"github.com/seed-2d15385e/awsfed/signin"
	"github.com/seed-2d15385e/awsfed/sso"
)

// Grant is a role a person may use, as awsfed roles lists it.
type Grant struct {
	AccountID   string `json:"account_id"`
	AccountName string `json:"account_alias,omitempty"`
	RoleName    string `json:"role_name"`
	// RoleARN and PrincipalARN are the SAML attribute's pair; IAM
	// Identity Center does not say them.
	RoleARN      string `json:"role_arn,omitempty"`
	PrincipalARN string `json:"principal_arn,omitempty"`
}

// Grants signs in as profile name of g would (without assuming any role)
// and lists the roles the person may use, sorted by account: those of the
// SAML assertion, with the accounts' aliases, or every account and role of
// IAM Identity Center.
func Grants(ctx context.Context, in *Inputs, g *profile.Graph, name string) ([]Grant, error) {
	signer := in.Signer
	var out []Grant
	if sso.Uses(signer.Flags.IdP, g, name) {
		s, err := sso.Resolve(in.SSO, signer.Flags.Region, g, name)
		if err != nil {
			return nil, err
		}
		src := in.ssoSource(s)
		roles, err := src.AccountRoles(ctx)
		if err != nil {
			return nil, err
		}
		for _, ar := range roles {
			out = append(out, Grant{AccountID: ar.Account.ID, AccountName: ar.Account.Name, RoleName: ar.RoleName})
		}
		return out, nil
	}
	if iamuser.Uses(signer.Flags.IdP, g, name) {
		return nil, profile.Errorf("profile %s signs in as an IAM user, whose roles IAM policies grant, which awsfed roles cannot list: pass the role to awsfed login --role-arn", name)
	}
	s, err := signin.Resolve(signer.Flags, signer.Getenv, g, name)
	if err != nil {
		return nil, err
	}
	a, err := signer.SignIn(ctx, s)
	if err != nil {
		return nil, err
	}
	aliases := signer.Aliases(ctx, a)
	for _, r := range a.Roles {
		out = append(out, Grant{AccountID: r.AccountID(), AccountName: aliases[r.AccountID()], RoleName: r.Name(),
			RoleARN: r.RoleARN, PrincipalARN: r.PrincipalARN})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].AccountID < out[j].AccountID })
	return out, nil
}
