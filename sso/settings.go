package sso

import (
	"cmp"
	"net/url"
	"strings"

	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/profile"
)

// IdP is the value of --idp and awsfed_idp that names IAM Identity Center.
const IdP = "sso"

// Flags are the command line's inputs to an IAM Identity Center login.
// Empty means not given.
type Flags struct {
	// StartURL (--start-url) and Region (--sso-region) name the IAM
	// Identity Center instance; Session (--sso-session) the
	// [sso-session NAME] that keeps them.
	StartURL, Region, Session string
	// AccountID (--account-id) and RoleName (--role-name) pick the role.
	AccountID, RoleName string
	// Flow (--sso-flow) is pkce or device; "" chooses.
	Flow string
}

// Settings are the resolved inputs of an IAM Identity Center login into
// one awsfed profile: flags over the profile over the [sso-session].
type Settings struct {
	// Profile is the awsfed profile written.
	Profile string
	Session Session
	// AccountID and RoleName are the role's; "" when a picker chooses.
	AccountID, RoleName string
	// Region is the profile's region (for chains on it and the SDKs):
	// --region, else the profile's, else the session's.
	Region string
	Flow   string
	Paths  awsconfig.Paths
	// Changed is set when the flags name another account, role or
	// session than the profile holds: its stored credentials are then
	// for something else and must not be handed out.
	Changed bool
	// Principal is the assumed-role ARN of the profile's stored
	// credentials, when they are for these settings: a renewal keeps it
	// rather than asking STS.
	Principal string

	sessionSaved bool // [sso-session NAME] holds StartURL and Region already
	regionFlag   bool
	profile      *profile.Profile
}

// Uses reports whether profile name of g signs in through IAM Identity
// Center: --idp sso (idpFlag), or awsfed_idp = sso, or the profile's
// awsfed_sso_session.
func Uses(idpFlag string, g *profile.Graph, name string) bool {
	if idpFlag != "" {
		return idpFlag == IdP
	}
	p := g.Lookup(name)
	return p.Config(profile.KeyIdP) == IdP || (p.Config(profile.KeyIdP) == "" && p.Config(profile.KeyAWSFedSSOSession) != "")
}

// Resolve resolves the settings of a login into profile name of g. region
// is --region. Its errors are *profile.ConfigError.
func Resolve(f Flags, region string, g *profile.Graph, name string) (*Settings, error) {
	p := g.Lookup(name)
	s := &Settings{Profile: name, Paths: g.Paths(), profile: p, regionFlag: region != ""}
	s.Session.Name = cmp.Or(f.Session, p.Config(profile.KeyAWSFedSSOSession))
	if s.Session.Name == "" && f.StartURL != "" {
		s.Session.Name = sessionFor(g, f.StartURL, f.Region)
	}
	s.Session.Name = cmp.Or(s.Session.Name, name)
	if strings.ContainsAny(s.Session.Name, "[]\n") || strings.TrimSpace(s.Session.Name) != s.Session.Name {
		return nil, profile.Errorf("--sso-session %q is not a name the config file can hold: use letters, digits, - and _", s.Session.Name)
	}
	sec, exists := g.SSOSession(s.Session.Name)
	savedURL, savedRegion := strings.TrimSpace(sec.Get(profile.KeySSOStartURL)), strings.TrimSpace(sec.Get(profile.KeySSORegion))
	where := "[sso-session " + s.Session.Name + "] of " + s.Paths.Config
	if f.StartURL != "" && savedURL != "" && f.StartURL != savedURL {
		return nil, profile.Errorf("%s has sso_start_url %s, not %s: pass --sso-session with another name for another instance", where, savedURL, f.StartURL)
	}
	if f.Region != "" && savedRegion != "" && f.Region != savedRegion {
		return nil, profile.Errorf("%s has sso_region %s, not %s: pass --sso-session with another name, or fix sso_region there", where, savedRegion, f.Region)
	}
	s.Session.StartURL, s.Session.Region = cmp.Or(f.StartURL, savedURL), cmp.Or(f.Region, savedRegion)
	s.sessionSaved = exists && savedURL == s.Session.StartURL && savedRegion == s.Session.Region
	if v, ok := sec.Lookup(profile.KeySSOScopes); ok {
		s.Session.Scopes = ParseScopes(v)
	}
	switch {
	case s.Session.StartURL == "":
		return nil, profile.Errorf("profile %s has no IAM Identity Center start URL: pass --start-url (the AWS access portal URL) and --sso-region", name)
	case s.Session.Region == "":
		return nil, profile.Errorf("no IAM Identity Center region for profile %s: pass --sso-region (the region of the instance, on the portal's settings page)", name)
	}
	if u, err := url.Parse(s.Session.StartURL); err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, profile.Errorf("the start URL %q is not an https URL: pass the AWS access portal URL, e.g. https://d-1234567890.awsapps.com/start", s.Session.StartURL)
	}
	if err := s.Session.check(); err != nil {
		return nil, profile.Errorf("%v: pass --sso-region with a region name such as eu-west-1", err)
	}
	s.Flow = cmp.Or(f.Flow, p.Config(profile.KeySSOFlow))
	if err := checkFlow(s.Flow); err != nil {
		return nil, profile.Errorf("%v", err)
	}
	savedAccount, savedRole := p.Config(profile.KeySSOAccountID), p.Config(profile.KeySSORoleName)
	s.AccountID, s.RoleName = cmp.Or(f.AccountID, savedAccount), cmp.Or(f.RoleName, savedRole)
	if s.AccountID != "" && !profile.IsAccountID(s.AccountID) {
		return nil, profile.Errorf("--account-id %q is not an AWS account id (12 digits)", s.AccountID)
	}
	s.Changed = s.AccountID != savedAccount || s.RoleName != savedRole ||
		(p.Config(profile.KeyAWSFedSSOSession) != "" && p.Config(profile.KeyAWSFedSSOSession) != s.Session.Name)
	s.Region = cmp.Or(region, p.Config(profile.KeyRegion), s.Session.Region)
	if c, ok := p.Credentials(); ok && !s.Changed {
		s.Principal = c.PrincipalARN
	}
	return s, nil
}

// LoginCommand is the command that signs in to s's session at a terminal:
// awsfed login --profile P once the profile holds its settings, else
// with the flags that give them.
func (s *Settings) LoginCommand() string {
	if s.profile.Config(profile.KeyAWSFedSSOSession) != "" && s.sessionSaved {
		return "awsfed login --profile " + s.Profile
	}
	cmd := "awsfed login --idp sso --start-url " + s.Session.StartURL + " --sso-region " + s.Session.Region
	if s.Session.Name != s.Profile {
		cmd += " --sso-session " + s.Session.Name
	}
	return cmd + " --profile " + s.Profile
}

// Copy returns the settings of profile name of g as an awsfed profile of
// its own for another role of s's session (accountID, roleName): the same
// session and region; Changed and Principal as the profile's stored
// credentials make them.
func (s *Settings) Copy(g *profile.Graph, name, accountID, roleName string) *Settings {
	c := *s
	p := g.Lookup(name)
	c.Profile, c.profile, c.AccountID, c.RoleName, c.Flow, c.regionFlag = name, p, accountID, roleName, "", false
	c.Changed = p.Config(profile.KeySSOAccountID) != accountID || p.Config(profile.KeySSORoleName) != roleName ||
		p.Config(profile.KeyAWSFedSSOSession) != s.Session.Name
	c.Region = cmp.Or(p.Config(profile.KeyRegion), s.Region)
	c.Principal = ""
	if cr, ok := p.Credentials(); ok && !c.Changed {
		c.Principal = cr.PrincipalARN
	}
	return &c
}

// ReadSession returns [sso-session name] of g as it stands, with no
// check: what status shows.
func ReadSession(g *profile.Graph, name string) Session {
	sec, _ := g.SSOSession(name)
	s := Session{Name: name, StartURL: strings.TrimSpace(sec.Get(profile.KeySSOStartURL)), Region: strings.TrimSpace(sec.Get(profile.KeySSORegion))}
	if v, ok := sec.Lookup(profile.KeySSOScopes); ok {
		s.Scopes = ParseScopes(v)
	}
	return s
}

// sessionFor names the [sso-session] that holds startURL (and region, if
// given), or "" when none or several do.
func sessionFor(g *profile.Graph, startURL, region string) string {
	var found []string
	for _, name := range g.SSOSessionNames() {
		sec, _ := g.SSOSession(name)
		if strings.TrimSpace(sec.Get(profile.KeySSOStartURL)) == startURL &&
			(region == "" || strings.TrimSpace(sec.Get(profile.KeySSORegion)) == region) {
			found = append(found, name)
		}
	}
	if len(found) == 1 {
		return found[0]
	}
	return ""
}

// Changes returns the config file changes that save s, the role it chose
// (accountID, roleName) and the region used: [sso-session NAME] with the
// AWS CLI's keys, and the awsfed settings of [profile P]. Values already
// there are left as they are.
func (s *Settings) Changes(accountID, roleName string) []awsconfig.Change {
	var out []awsconfig.Change
	if !s.sessionSaved {
		out = append(out, awsconfig.Change{Section: profile.SSOSessionPrefix + s.Session.Name, Set: []awsconfig.KV{
			{Key: profile.KeySSOStartURL, Value: s.Session.StartURL}, {Key: profile.KeySSORegion, Value: s.Session.Region}}})
	}
	want := []awsconfig.KV{{Key: profile.KeyIdP, Value: IdP}, {Key: profile.KeyAWSFedSSOSession, Value: s.Session.Name},
		{Key: profile.KeySSOAccountID, Value: accountID}, {Key: profile.KeySSORoleName, Value: roleName}}
	if s.Flow != "" {
		want = append(want, awsconfig.KV{Key: profile.KeySSOFlow, Value: s.Flow})
	}
	if s.regionFlag || s.profile.Config(profile.KeyRegion) == "" {
		want = append(want, awsconfig.KV{Key: profile.KeyRegion, Value: s.Region})
	}
	if set := s.profile.Missing(want); len(set) > 0 {
		out = append(out, awsconfig.Change{Section: awsconfig.ConfigSection(s.Profile), Set: set})
	}
	return out
}
