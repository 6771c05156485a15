// Package signin signs a person into the identity provider an awsfed
// profile names and turns the SAML assertion into AWS credentials: the
// login settings (flags over the environment over the profile), the IdP
// flow to use, the kept IdP session, the password and one-time-code
// sources (standard input, environment, commands, the OS keyring, the
// terminal), the role choice, and the Source that package renew calls to
// renew a profile.
package signin

import (
	"cmp"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/idp/google"
	"github.com/seed-2d15385e/awsfed/profile"
)

// Flags are the command line's inputs to a sign-in (login and roles).
// Empty means not given.
type Flags struct {
	Profile       string
	IdP           string
	URL           string
	IdPID, SPID   string
	Username      string
	RoleARN       string
	Duration      string
	Region        string
	MFA           string
	UserAgent     string
	MFACode       string
	PasswordStdin bool
	Keyring       OptionalBool
	// BrowserFallback: may a Google sign-in that needs a browser go on
	// in one (--browser-fallback).
	BrowserFallback OptionalBool
	NoPrompt        bool
	DebugDir        string
	NoSessionCache  bool
	MFATimeout      time.Duration
}

// Settings are the resolved inputs of a sign-in into one profile: flags
// beat the environment, which beats the profile, which beats the defaults.
type Settings struct {
	Profile           string
	IdP               string
	URL               string
	GoogleIdPID       string
	GoogleSPID        string
	Username          string
	RoleARN           string
	Duration          time.Duration
	Region            string
	MFA               string
	UserAgent         string
	PasswordCommand   string
	TOTPSecretCommand string
	// Browser is the browser to run for --idp browser and the fallback:
	// a path or a command name (AWSFED_BROWSER, else awsfed_browser);
	// "" to look for one.
	Browser string
	// BrowserFallback is whether a Google sign-in that the HTTP flow
	// cannot finish (a security key, a passkey, a page refused as
	// automated or not recognised) goes on in a browser.
	BrowserFallback bool
	Paths           awsconfig.Paths

	urlFromIDs       bool // URL was built from the Google ids
	durationFromFlag bool
	regionInProfile  bool
	keyring          keyringSetting
	flags            Flags
	profile          *profile.Profile
}

// Resolve resolves the settings of a sign-in into profile name of g:
// flags, then the environment (getenv), then the profile, and checks that
// they are enough to sign in. Its errors are *profile.ConfigError.
func Resolve(f Flags, getenv func(string) string, g *profile.Graph, name string) (*Settings, error) {
	s := read(f, getenv, g, name)
	switch s.IdP {
	case "generic":
		if s.URL == "" {
			return nil, profile.Errorf("no IdP URL for profile %s: pass --url with the IdP-initiated SSO URL", s.Profile)
		}
	case "google":
		if s.URL == "" {
			if s.GoogleIdPID == "" || s.GoogleSPID == "" {
				return nil, profile.Errorf("profile %s has no Google SAML app: pass --idp-id and --sp-id (from the app's SSO URL), or --url with its initsso URL", s.Profile)
			}
			base := cmp.Or(getenv("AWSFED_GOOGLE_URL"), google.DefaultBaseURL)
			s.URL, s.urlFromIDs = google.StartURL(base, s.GoogleIdPID, s.GoogleSPID), true
		}
	case "browser":
		if s.URL == "" {
			if s.GoogleIdPID == "" || s.GoogleSPID == "" {
				return nil, profile.Errorf("no IdP URL for profile %s: pass --url with the IdP-initiated SSO URL, or --idp-id and --sp-id for Google", s.Profile)
			}
			// The browser goes to Google itself: AWSFED_GOOGLE_URL is
			// the HTTP flow's stand-in.
			s.URL, s.urlFromIDs = google.StartURL(google.DefaultBaseURL, s.GoogleIdPID, s.GoogleSPID), true
		}
	case "":
		return nil, profile.Errorf("profile %s has no IdP configured: pass --idp generic --url URL --username NAME (they are saved for next time)", s.Profile)
	default:
		return nil, profile.Errorf("unknown IdP %q: use --idp google, --idp generic or --idp browser", s.IdP)
	}
	if u, err := url.Parse(s.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, profile.Errorf("the IdP URL %q of profile %s is not an http or https URL: pass the IdP-initiated SSO URL with --url", s.URL, s.Profile)
	}

	fallback, from, err := resolveBool(f.BrowserFallback, "--browser-fallback", "AWSFED_BROWSER_FALLBACK", profile.KeyBrowserFallback, getenv, s.profile, s.Paths.Config)
	if err != nil {
		return nil, err
	}
	s.BrowserFallback = fallback || from == ""

	if f.Duration != "" {
		d, err := sessionDuration(f.Duration)
		if err != nil {
			return nil, profile.Errorf("--duration %q: %v", f.Duration, err)
		}
		s.Duration, s.durationFromFlag = d, true
	} else if v := s.profile.Value(profile.KeyDuration, profile.KeyGoogleDuration); v != "" {
		d, err := sessionDuration(v)
		if err != nil {
			return nil, profile.Errorf("%s = %q in %s: %v", profile.KeyDuration, v, profile.Where(s.Profile, s.Paths.Config), err)
		}
		s.Duration = d
	}

	k, err := resolveKeyring(f.Keyring, getenv, s.profile, s.Paths.Config)
	if err != nil {
		return nil, err
	}
	s.keyring = k

	s.regionInProfile = s.profile.Config(profile.KeyRegion) != ""
	for _, r := range []struct{ from, value string }{
		{"--region", f.Region},
		{"AWS_REGION", getenv("AWS_REGION")},
		{"AWS_DEFAULT_REGION", getenv("AWS_DEFAULT_REGION")},
		{"region in " + profile.Where(s.Profile, s.Paths.Config), s.profile.Config(profile.KeyRegion)},
	} {
		if v := r.value; v != "" {
			if !profile.ValidRegion(v) {
				return nil, profile.Errorf("%s %q is not a region name such as eu-west-1", r.from, r.value)
			}
			s.Region = v
			break
		}
	}
	return s, nil
}

// sessionDuration reads a login's session length: a Go duration or
// seconds, within what AssumeRoleWithSAML accepts (15 minutes to 12 hours),
// so that a wrong value is refused before the person signs in.
func sessionDuration(v string) (time.Duration, error) {
	d, err := profile.ParseDuration(v)
	switch {
	case err != nil:
		return 0, err
	case d < 15*time.Minute || d > 12*time.Hour:
		return 0, fmt.Errorf("AWS allows 15m (900) to 12h (43200)")
	}
	return d, nil
}

// Read returns what profile name of g says about signing in (the IdP, the
// user, the role), without flags or environment and without checking that
// it is enough to sign in: what status shows and logout removes.
func Read(g *profile.Graph, name string) *Settings {
	s := read(Flags{}, func(string) string { return "" }, g, name)
	if s.IdP == "" && s.profile.HasGoogleConfig() {
		s.IdP = "google" // aws-google-auth's settings
	}
	return s
}

// read reads from the flags, the environment and the profile who signs in
// where. The IdP is inferred from the URL or the Google ids when neither
// the flags nor the profile name it.
func read(f Flags, getenv func(string) string, g *profile.Graph, name string) *Settings {
	p := g.Lookup(name)
	s := &Settings{Profile: name, Paths: g.Paths(), flags: f, profile: p}
	s.URL = cmp.Or(f.URL, p.Value(profile.KeyURL))
	s.Username = cmp.Or(f.Username, p.Value(profile.KeyUsername, profile.KeyGoogleUsername))
	s.RoleARN = cmp.Or(f.RoleARN, p.Value(profile.KeyAWSFedRoleARN, profile.KeyGoogleRoleARN))
	// aws-google-auth's ask_role: show the picker even though a role is saved.
	if f.RoleARN == "" && p.Config(profile.KeyAWSFedRoleARN) == "" && isTrue(p.Config(profile.KeyGoogleAskRole)) {
		s.RoleARN = ""
	}
	s.GoogleIdPID = cmp.Or(f.IdPID, p.Value(profile.KeyGoogleIdPID, profile.KeyGoogleIdPIDOld))
	s.GoogleSPID = cmp.Or(f.SPID, p.Value(profile.KeyGoogleSPID, profile.KeyGoogleSPIDOld))
	s.MFA = cmp.Or(f.MFA, p.Value(profile.KeyMFA))
	s.UserAgent = cmp.Or(f.UserAgent, strings.TrimSpace(getenv("AWSFED_USER_AGENT")), p.Value(profile.KeyUserAgent))
	s.PasswordCommand = p.Section().Get(profile.KeyPasswordCommand)
	s.TOTPSecretCommand = p.Section().Get(profile.KeyTOTPSecretCommand)
	s.Browser = cmp.Or(strings.TrimSpace(getenv("AWSFED_BROWSER")), p.Value(profile.KeyBrowser))
	s.IdP = cmp.Or(f.IdP, p.Value(profile.KeyIdP))
	if s.IdP == "" {
		switch {
		case s.GoogleIdPID != "" || strings.Contains(s.URL, "/o/saml2/initsso"):
			s.IdP = "google"
		case s.URL != "":
			s.IdP = "generic"
		}
	}
	return s
}
