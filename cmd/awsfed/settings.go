package main

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/idp/google"
)

// Config keys awsfed reads from and writes to [profile NAME].
const (
	keyIdP               = "awsfed_idp"
	keyURL               = "awsfed_url"
	keyGoogleIdPID       = "awsfed_google_idp_id"
	keyGoogleSPID        = "awsfed_google_sp_id"
	keyUsername          = "awsfed_username"
	keyRoleARN           = "awsfed_role_arn"
	keyDuration          = "awsfed_duration"
	keyMFA               = "awsfed_mfa"
	keyUserAgent         = "awsfed_user_agent"
	keyPasswordCommand   = "awsfed_password_command"
	keyTOTPSecretCommand = "awsfed_totp_secret_command"
	keyKeyring           = "awsfed_keyring"
	keyRegion            = "region"
)

const defaultProfile = "sts"

// settings are the resolved inputs of a login: flags beat the environment,
// which beats the profile, which beats the defaults.
type settings struct {
	Profile           string
	IdP               string
	URL               string
	urlFromIDs        bool // URL was built from the Google ids
	GoogleIdPID       string
	GoogleSPID        string
	Username          string
	RoleARN           string
	Duration          time.Duration
	durationFromFlag  bool
	Region            string
	regionInProfile   bool
	MFA               string
	UserAgent         string
	PasswordCommand   string
	TOTPSecretCommand string
	keyring           keyringSetting
	Paths             awsconfig.Paths
	section           map[string]string
	cfg               *awsconfig.File // the config file the settings come from
}

// loginFlags are the flags shared by login and roles.
type loginFlags struct {
	Profile        string
	IdP            string
	URL            string
	IdPID, SPID    string
	Username       string
	RoleARN        string
	Duration       string
	Region         string
	MFA            string
	UserAgent      string
	MFACode        string
	PasswordStdin  bool
	Keyring        optionalBool
	NoPrompt       bool
	JSON           bool
	DebugDir       string
	NoSessionCache bool
	MFATimeout     time.Duration
	SkipIfValid    string
	Force          bool
}

// isAWSFedProfile reports whether a config section is one awsfed logs into.
func isAWSFedProfile(sec map[string]string) bool {
	for k := range sec {
		if strings.HasPrefix(k, "awsfed_") || strings.HasPrefix(k, "google_config.") {
			return true
		}
	}
	return false
}

// resolveProfile picks the profile to log into: the flag; else AWS_PROFILE
// when it names an awsfed profile, or a chained profile whose root is one;
// else "sts".
func resolveProfile(flag string, getenv func(string) string, cfg *awsconfig.File) string {
	if flag != "" {
		return flag
	}
	if root, ok := awsfedRoot(envProfile(getenv), cfg); ok {
		return root
	}
	return defaultProfile
}

// envProfile is the profile the environment names, as the AWS CLI reads it.
func envProfile(getenv func(string) string) string {
	if name := getenv("AWS_PROFILE"); name != "" {
		return name
	}
	return getenv("AWS_DEFAULT_PROFILE")
}

// awsfedRoot returns the awsfed profile that profile name is, or that it
// chains on through source_profile at any depth, and whether there is one.
func awsfedRoot(name string, cfg *awsconfig.File) (string, bool) {
	seen := map[string]bool{}
	for name != "" && !seen[name] {
		seen[name] = true
		sec, ok := cfg.Profile(name)
		if !ok {
			break
		}
		if isAWSFedProfile(sec) {
			return name, true
		}
		name = sec["source_profile"]
	}
	return "", false
}

// resolveSettings merges the flags, the environment and the profile.
func resolveSettings(f *loginFlags, getenv func(string) string, paths awsconfig.Paths, cfg *awsconfig.File) (*settings, error) {
	s := profileSettings(f, getenv, paths, cfg)
	sec := s.section
	switch s.IdP {
	case "generic":
		if s.URL == "" {
			return nil, usagef(fmt.Sprintf("no IdP URL for profile %s: pass --url with the IdP-initiated SSO URL", s.Profile))
		}
	case "google":
		if s.URL == "" {
			if s.GoogleIdPID == "" || s.GoogleSPID == "" {
				return nil, usagef(fmt.Sprintf("profile %s has no Google SAML app: pass --idp-id and --sp-id (from the app's SSO URL), or --url with its initsso URL", s.Profile))
			}
			base := getenv("AWSFED_GOOGLE_URL")
			if base == "" {
				base = google.DefaultBaseURL
			}
			s.URL, s.urlFromIDs = google.StartURL(base, s.GoogleIdPID, s.GoogleSPID), true
		}
	case "":
		return nil, usagef(fmt.Sprintf("profile %s has no IdP configured: pass --idp generic --url URL --username NAME (they are saved for next time)", s.Profile))
	default:
		return nil, usagef(fmt.Sprintf("unknown IdP %q: use --idp google or --idp generic", s.IdP))
	}

	if f.Duration != "" {
		d, err := parseDuration(f.Duration)
		if err != nil {
			return nil, usagef(fmt.Sprintf("--duration %q: %v", f.Duration, err))
		}
		s.Duration, s.durationFromFlag = d, true
	} else if v := s.pick("", keyDuration, "google_config.duration"); v != "" {
		d, err := parseDuration(v)
		if err != nil {
			return nil, usagef(fmt.Sprintf("%s = %q in [%s] of %s: %v", keyDuration, v, awsconfig.ConfigSection(s.Profile), paths.Config, err))
		}
		s.Duration = d
	}

	k, err := resolveKeyring(f.Keyring, getenv, sec, s.Profile, paths.Config)
	if err != nil {
		return nil, err
	}
	s.keyring = k

	s.regionInProfile = strings.TrimSpace(sec[keyRegion]) != ""
	s.Region = f.Region
	for _, v := range []string{getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION"), sec[keyRegion]} {
		if s.Region == "" {
			s.Region = strings.TrimSpace(v)
		}
	}
	return s, nil
}

// profileSettings resolves the profile as login does and reads from the
// flags, the environment and the profile who signs in where, without
// checking that it is enough to sign in. The IdP is inferred from the URL
// or the Google ids when neither the flags nor the profile name it.
func profileSettings(f *loginFlags, getenv func(string) string, paths awsconfig.Paths, cfg *awsconfig.File) *settings {
	s := &settings{Paths: paths}
	s.Profile = resolveProfile(f.Profile, getenv, cfg)
	sec, _ := cfg.Profile(s.Profile)
	if sec == nil {
		sec = map[string]string{}
	}
	s.section, s.cfg = sec, cfg
	s.URL = s.pick(f.URL, keyURL)
	s.Username = s.pick(f.Username, keyUsername, "google_config.google_username")
	s.RoleARN = s.pick(f.RoleARN, keyRoleARN, "google_config.role_arn")
	// aws-google-auth's ask_role: show the picker even though a role is saved.
	if f.RoleARN == "" && sec[keyRoleARN] == "" && isTrue(sec["google_config.ask_role"]) {
		s.RoleARN = ""
	}
	s.GoogleIdPID = s.pick(f.IdPID, keyGoogleIdPID, "google_config.google_idp_id")
	s.GoogleSPID = s.pick(f.SPID, keyGoogleSPID, "google_config.google_sp_id")
	s.MFA = s.pick(f.MFA, keyMFA)
	s.UserAgent = s.pick(cmp.Or(f.UserAgent, strings.TrimSpace(getenv("AWSFED_USER_AGENT"))), keyUserAgent)
	s.PasswordCommand = sec[keyPasswordCommand]
	s.TOTPSecretCommand = sec[keyTOTPSecretCommand]
	s.IdP = s.pick(f.IdP, keyIdP)
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

// pick returns flag if set, else the value of the first of the profile's
// keys that has one.
func (s *settings) pick(flag string, keys ...string) string {
	if flag != "" {
		return flag
	}
	for _, k := range keys {
		if v := strings.TrimSpace(s.section[k]); v != "" {
			return v
		}
	}
	return ""
}

// isTrue reads a boolean setting as aws-google-auth writes them.
func isTrue(v string) bool {
	b, ok := parseBool(v)
	return ok && b
}

// parseDuration reads a Go duration ("12h", "90m") or a number of seconds.
func parseDuration(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if n, err := strconv.Atoi(v); err == nil {
		if n <= 0 {
			return 0, fmt.Errorf("must be positive")
		}
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("not a duration: use seconds or a form like 1h30m")
	}
	if d <= 0 {
		return 0, fmt.Errorf("must be positive")
	}
	return d, nil
}
