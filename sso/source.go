package sso

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/profile"
	"github.com/seed-2d15385e/awsfed/renew"
	"github.com/seed-2d15385e/awsfed/ui"
)

// TokenMinValid is how long a token must still work for a renewal to use
// it rather than refresh it first: the one portal call it makes.
const TokenMinValid = time.Minute

// Source is an IAM Identity Center role as a credential source for
// package renew: a token for the session (the cached one, refreshed, or a
// sign-in), then the role's credentials from the portal. A renewal from a
// valid token is one portal request and nothing else.
type Source struct {
	Client   *Client
	Settings *Settings
	// Interactive allows a sign-in in the browser; without it a needed
	// sign-in is a *ui.InputNeededError that names the command to run.
	Interactive bool
	// Choose asks a person to pick one of roles, when the settings name
	// none and there are several; nil means no one can be asked.
	Choose func(ctx context.Context, roles []AccountRole) (AccountRole, error)
	// Principal asks STS which assumed-role ARN creds act as; it is asked
	// only when the stored credentials do not say (a first login, or
	// another role). nil, or an error, leaves it unknown.
	Principal func(ctx context.Context, creds awsconfig.Credentials, region string) (string, error)
	// LockSession takes the session's lock, so that one awsfed at a time
	// refreshes its token (IAM Identity Center may rotate the refresh
	// token). nil means no lock.
	LockSession func(ctx context.Context) (unlock func(), err error)
	// Status receives notes for the person.
	Status io.Writer
}

// Retrieve gets the role's credentials.
func (src *Source) Retrieve(ctx context.Context) (*renew.Retrieved, error) {
	s := src.Settings
	account, role := s.AccountID, s.RoleName
	var creds awsconfig.Credentials
	_, err := src.WithToken(ctx, func(tok *Token) (err error) {
		if account == "" || role == "" {
			ar, err := src.choose(ctx, tok)
			if err != nil {
				return err
			}
			account, role = ar.Account.ID, ar.RoleName
		}
		creds, err = src.Client.RoleCredentials(ctx, tok, account, role)
		return err
	})
	if err != nil {
		return nil, err
	}
	creds.PrincipalARN = s.Principal
	if creds.PrincipalARN == "" && src.Principal != nil {
		creds.PrincipalARN, _ = src.Principal(ctx, creds, s.Region)
	}
	return &renew.Retrieved{Credentials: creds, Stored: func() error { return src.save(account, role) }}, nil
}

// WithToken runs do with a token for the session valid for TokenMinValid
// at least (the cached one, refreshed if need be, or, when Interactive, a
// new sign-in). When the portal no longer takes it (signed out or revoked
// since it was cached) it is worthless: WithToken drops it for a new
// sign-in, or a *ui.InputNeededError naming the command to run, and runs
// do once more. It returns the token do last ran with.
func (src *Source) WithToken(ctx context.Context, do func(*Token) error) (*Token, error) {
	tok, err := src.token(ctx, false)
	if err != nil {
		return nil, err
	}
	err = do(tok)
	var invalid *TokenInvalidError
	if errors.As(err, &invalid) {
		if tok, err = src.token(ctx, true); err != nil {
			return nil, err
		}
		err = do(tok)
	}
	return tok, err
}

// token returns a token for the session, under its lock; signIn drops the
// cached one first.
func (src *Source) token(ctx context.Context, signIn bool) (*Token, error) {
	s := src.Settings
	if src.LockSession != nil {
		unlock, err := src.LockSession(ctx)
		if err != nil {
			return nil, err
		}
		defer unlock()
	}
	o := TokenOptions{MinValid: TokenMinValid, Interactive: src.Interactive, Flow: s.Flow, Profile: s.Profile, Command: s.LoginCommand()}
	if !signIn {
		return src.Client.Token(ctx, s.Session, o)
	}
	if !src.Interactive {
		return nil, &ui.InputNeededError{What: "a sign-in to IAM Identity Center",
			Why:  "the portal session has ended (signed out or revoked), but awsfed cannot open a browser here (no terminal, or --no-prompt)",
			Hint: "run " + s.LoginCommand() + " at a terminal"}
	}
	return src.Client.SignIn(ctx, s.Session, o)
}

// choose picks the role when the settings name none: the only one, else
// the person's choice.
func (src *Source) choose(ctx context.Context, tok *Token) (AccountRole, error) {
	s := src.Settings
	all, err := src.Client.AccountRoles(ctx, tok, 0)
	if err != nil {
		return AccountRole{}, err
	}
	var roles []AccountRole
	for _, ar := range all {
		if (s.AccountID == "" || ar.Account.ID == s.AccountID) && (s.RoleName == "" || ar.RoleName == s.RoleName) {
			roles = append(roles, ar)
		}
	}
	switch {
	case len(roles) == 0 && len(all) == 0:
		return AccountRole{}, fmt.Errorf("IAM Identity Center gives you no role in any account of %s: ask your administrator for an assignment", s.Session.StartURL)
	case len(roles) == 0:
		return AccountRole{}, profile.Errorf("no role matches --account-id %q --role-name %q; you may use: %s", s.AccountID, s.RoleName, roleList(all))
	case len(roles) == 1:
		return roles[0], nil
	case src.Choose == nil:
		return AccountRole{}, profile.Errorf("you may use %d roles; pick one with --account-id and --role-name: %s", len(roles), roleList(roles))
	}
	return src.Choose(ctx, roles)
}

// roleList names roles for a message, the first ten of them.
func roleList(roles []AccountRole) string {
	var b strings.Builder
	for i, ar := range roles {
		if i == 10 {
			fmt.Fprintf(&b, ", and %d more (awsfed roles lists them)", len(roles)-i)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(ar.Account.ID + " " + ar.RoleName)
	}
	return b.String()
}

// Label names ar for a person choosing: the account's name and id, and
// the role.
func (ar AccountRole) Label() string {
	return ui.AccountLabel(ar.Account.ID, ar.Account.Name) + "  " + ar.RoleName
}

// save saves the settings the login used.
func (src *Source) save(account, role string) error {
	return renew.SaveSettings(src.Status, src.Settings.Paths.Config, src.Settings.Changes(account, role))
}

// AccountRoles signs in if needed (saving the session's settings then)
// and lists every account and role the person may use. A token the
// portal no longer takes is dropped for a new sign-in, as in Retrieve.
func (src *Source) AccountRoles(ctx context.Context) ([]AccountRole, error) {
	_, roles, err := src.TokenAndRoles(ctx)
	return roles, err
}

// TokenAndRoles is AccountRoles that also returns the token the roles
// were listed with, for requests about them.
func (src *Source) TokenAndRoles(ctx context.Context) (*Token, []AccountRole, error) {
	var roles []AccountRole
	tok, err := src.WithToken(ctx, func(tok *Token) (err error) {
		roles, err = src.Client.AccountRoles(ctx, tok, 0)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return tok, roles, src.saveSession()
}

// saveSession saves [sso-session NAME] when it does not hold the settings
// yet, so that configure and later logins find it.
func (src *Source) saveSession() error {
	changes := src.Settings.Changes("", "")
	if len(changes) == 0 || changes[0].Section != profile.SSOSessionPrefix+src.Settings.Session.Name {
		return nil
	}
	notes, err := awsconfig.Update(src.Settings.Paths.Config, changes[:1], awsconfig.UpdateOptions{})
	ui.Notes(src.Status, notes...)
	return err
}
