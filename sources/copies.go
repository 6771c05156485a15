package sources

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/profile"
	"github.com/seed-2d15385e/awsfed/renew"
	"github.com/seed-2d15385e/awsfed/sso"
	"github.com/seed-2d15385e/awsfed/ui"
)

// portalNameRE is the shape of the names the AWS access portal gives a
// role's keys: ACCOUNT_ROLE.
var portalNameRE = regexp.MustCompile(`^[0-9]{12}_[\w+=,.@-]+$`)

// PortalName is the name the AWS access portal gives the keys of a role
// ("Command line or programmatic access"): ACCOUNT_ROLE, as in
// [277650267482_PowerUserAccess].
func PortalName(ar sso.AccountRole) string { return ar.Account.ID + "_" + ar.RoleName }

// IsPortalName reports whether name has the shape of a PortalName.
func IsPortalName(name string) bool { return portalNameRE.MatchString(name) }

// CheckAllRoles refuses login --all-roles, before anything is done, for
// a profile name of g that is not an IAM Identity Center one.
func CheckAllRoles(in *Inputs, g *profile.Graph, name string) error {
	idp := in.Signer.Flags.IdP
	switch {
	case sso.Uses(idp, g, name):
		return nil
	case idp == "" && !g.Lookup(name).IsAWSFed():
		return profile.Errorf("--all-roles is for IAM Identity Center profiles, and %s is no awsfed profile yet: add --idp sso --start-url URL --sso-region REGION", name)
	}
	return profile.Errorf("--all-roles is for IAM Identity Center profiles, and %s is not one: use --also or --all-chains for the roles chained on it", name)
}

// SplitAlso splits login's --also names for profile root of g into the
// profiles chained on it (renew.Assumer.Materialize writes them) and, for
// an IAM Identity Center root, the ACCOUNT_ROLE names of roles to keep as
// profiles of their own (CopyRoles).
func SplitAlso(in *Inputs, g *profile.Graph, root string, names []string) (chains, copies []string) {
	if !sso.Uses(in.Signer.Flags.IdP, g, root) {
		return names, nil
	}
	for _, n := range names {
		n = strings.TrimSpace(n)
		if c, err := g.Resolve(n); (err != nil || len(c.Hops) == 0 || c.Root != root) && IsPortalName(n) {
			copies = append(copies, n)
			continue
		}
		chains = append(chains, n)
	}
	return chains, copies
}

// CopyOptions say which roles CopyRoles copies, and when.
type CopyOptions struct {
	// Names are PortalNames of the roles to copy; All copies every role.
	Names []string
	All   bool
	// MinValid and Force are login's: a copy whose stored credentials
	// are valid for MinValid more is left as it is, unless Force.
	MinValid time.Duration
	Force    bool
	Now      func() time.Time
}

// copyJob is one role CopyRoles copies.
type copyJob struct {
	settings *sso.Settings
	creds    awsconfig.Credentials
	err      error
}

// CopyRoles keeps roles of the IAM Identity Center profile root of g as
// awsfed profiles of their own, named as the portal names their keys
// (PortalName): the role's temporary keys in [ACCOUNT_ROLE] of the
// credentials file, for tools that read only static keys, and
// [profile ACCOUNT_ROLE] naming root's session, account and role, so that
// awsfed login, credential-process, exec, env, console and status work on
// it, and cron renews it from the session's token with no browser.
//
// It uses root's session token (refreshed, or a sign-in when allowed),
// sends at most sso.DefaultInFlight requests at once, and writes each file
// once. A profile of that name that is not an awsfed copy of root's
// session is left alone with a note, unless it holds nothing but temporary
// keys in the credentials file (a copy pasted from the portal by hand).
func CopyRoles(ctx context.Context, in *Inputs, g *profile.Graph, root string, o CopyOptions) error {
	s, err := sso.Resolve(sso.Flags{}, "", g, root)
	if err != nil {
		return err
	}
	src := in.ssoSource(s)
	tok, roles, err := src.TokenAndRoles(ctx)
	if err != nil {
		return err
	}
	byName := make(map[string]sso.AccountRole, len(roles))
	for _, ar := range roles {
		byName[PortalName(ar)] = ar
	}
	var errs []error
	picked := roles
	if !o.All {
		picked = nil
		for _, n := range o.Names {
			ar, ok := byName[n]
			if !ok {
				errs = append(errs, profile.Errorf("--also %s: IAM Identity Center of %s gives you no role %s: awsfed roles --profile %s lists yours", n, s.Session.StartURL, n, root))
				continue
			}
			picked = append(picked, ar)
		}
	}

	var jobs []*copyJob
	var left []string
	skipped := 0
	for _, ar := range picked {
		name := PortalName(ar)
		if name == root {
			continue
		}
		if why := notACopy(g, name, s.Session.Name); why != "" {
			left = append(left, fmt.Sprintf("profile %s %s; it was left alone: remove it, or rename it, to let awsfed keep %s", name, why, name))
			continue
		}
		cs := s.Copy(g, name, ar.Account.ID, ar.RoleName)
		if c, ok := g.Lookup(name).Credentials(); ok && !o.Force && !cs.Changed && renew.TimeLeft(c, o.Now()) > o.MinValid {
			skipped++
			continue
		}
		jobs = append(jobs, &copyJob{settings: cs})
	}
	ui.Notes(src.Status, left...)

	sem := make(chan struct{}, sso.DefaultInFlight)
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			cs := j.settings
			j.creds, j.err = src.Client.RoleCredentials(ctx, tok, cs.AccountID, cs.RoleName)
			if j.err != nil {
				j.err = fmt.Errorf("%s: %w", cs.Profile, j.err)
				return
			}
			j.creds.PrincipalARN = cs.Principal
			if j.creds.PrincipalARN == "" {
				j.creds.PrincipalARN, _ = in.callerARN(ctx, j.creds, cs.Region)
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err // cancelled: write nothing
	}

	var creds, config []awsconfig.Change
	var written []*copyJob
	sessionSet := false
	for _, j := range jobs {
		if j.err != nil {
			errs = append(errs, j.err)
			continue
		}
		written = append(written, j)
		creds = append(creds, awsconfig.CredentialsChange(j.settings.Profile, j.creds))
		for _, ch := range j.settings.Changes(j.settings.AccountID, j.settings.RoleName) {
			if ch.Section == profile.SSOSessionPrefix+s.Session.Name {
				if sessionSet {
					continue
				}
				sessionSet = true
			}
			config = append(config, ch)
		}
	}
	paths := g.Paths()
	if len(creds) > 0 {
		notes, err := awsconfig.Update(paths.Credentials, creds, awsconfig.UpdateOptions{Private: true})
		ui.Notes(src.Status, notes...)
		if err != nil {
			return errors.Join(append([]error{fmt.Errorf("no role's credentials were written: %w", err)}, errs...)...)
		}
	}
	if len(config) > 0 {
		notes, err := awsconfig.Update(paths.Config, config, awsconfig.UpdateOptions{})
		ui.Notes(src.Status, notes...)
		if err != nil {
			return errors.Join(append([]error{fmt.Errorf("the roles' credentials were written, but their profiles were not: %w", err)}, errs...)...)
		}
	}
	now := o.Now()
	for _, j := range written {
		cs := j.settings
		ui.ResultLine(src.Status, now, cmp.Or(j.creds.PrincipalARN, cs.RoleName+" of "+cs.AccountID), "profile "+cs.Profile, j.creds.Expiration)
	}
	if skipped > 0 {
		fmt.Fprintf(src.Status, "%d role profiles of %s are valid for %s more; skipped\n", skipped, root, ui.HumanDuration(o.MinValid))
	}
	return errors.Join(errs...)
}

// notACopy says why profile name of g may not be written as a copy of a
// role of session, or "" when it may: it does not exist, it is an awsfed
// profile of that session, or it is nothing but temporary keys in the
// credentials file.
func notACopy(g *profile.Graph, name, session string) string {
	p, ok := g.Profile(name)
	if !ok {
		return ""
	}
	if p.Config(profile.KeyIdP) == sso.IdP && p.Config(profile.KeyAWSFedSSOSession) == session {
		return ""
	}
	if len(p.Section()) > 0 {
		if p.IsAWSFed() {
			return "is an awsfed profile of other settings"
		}
		return "exists in the config file"
	}
	if c, ok := p.Credentials(); ok && c.SessionToken == "" {
		return "holds long-term keys"
	}
	return ""
}
