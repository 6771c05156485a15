// Package profile reads the AWS CLI's profiles as awsfed sees them: one
// typed Profile per profile of the config and credentials files, and one
// Graph of them that resolves how each profile gets its credentials by the
// rule the AWS CLI (botocore) follows for role_arn, source_profile and
// credential_source. Every awsfed command that follows a chain asks the
// Graph, so that login, status, exec, env, console and credential-process
// never disagree with each other or with the AWS CLI.
//
// An awsfed profile is a [profile NAME] of the config file with awsfed_*
// keys, or aws-google-auth's google_config.* keys: awsfed logs into it and
// writes its credentials. It is where awsfed's chains start.
package profile

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/seed-2d15385e/awsfed/awsconfig"
)

// The keys of a config file profile that awsfed reads or writes: its own
// awsfed_* settings, then the AWS CLI's.
const (
	KeyIdP               = "awsfed_idp"
	KeyURL               = "awsfed_url"
	KeyGoogleIdPID       = "awsfed_google_idp_id"
	KeyGoogleSPID        = "awsfed_google_sp_id"
	KeyUsername          = "awsfed_username"
	KeyAWSFedRoleARN     = "awsfed_role_arn"
	KeyDuration          = "awsfed_duration"
	KeyMFA               = "awsfed_mfa"
	KeyUserAgent         = "awsfed_user_agent"
	KeyPasswordCommand   = "awsfed_password_command"
	KeyTOTPSecretCommand = "awsfed_totp_secret_command"
	KeyKeyring           = "awsfed_keyring"
	KeyBrowser           = "awsfed_browser"
	KeyBrowserFallback   = "awsfed_browser_fallback"
	// An IAM Identity Center profile: its [sso-session NAME], and the
	// account and role whose credentials it holds; the sign-in flow
	// (pkce or device) when pinned.
	KeyAWSFedSSOSession = "awsfed_sso_session"
	KeySSOAccountID     = "awsfed_sso_account_id"
	KeySSORoleName      = "awsfed_sso_role_name"
	KeySSOFlow          = "awsfed_sso_flow"
	// KeySSOFrom marks a profile that awsfed configure sso-profiles wrote
	// for one role of the awsfed profile it names. It makes no profile an
	// awsfed profile: see IsAWSFed.
	KeySSOFrom = "awsfed_sso_from"

	KeyRegion               = "region"
	KeyRoleARN              = "role_arn"
	KeySourceProfile        = "source_profile"
	KeyCredentialSource     = "credential_source"
	KeyCredentialProcess    = "credential_process"
	KeyWebIdentityTokenFile = "web_identity_token_file"
	KeyDurationSeconds      = "duration_seconds"
	KeyExternalID           = "external_id"
	KeyRoleSessionName      = "role_session_name"
	KeyMFASerial            = "mfa_serial"
	KeySSOSession           = "sso_session"
	KeySSOStartURL          = "sso_start_url"
	KeySSORegion            = "sso_region"
	KeySSOScopes            = "sso_registration_scopes"
	KeySSOAccount           = "sso_account_id"
	KeySSORole              = "sso_role_name"
	KeyAccessKeyID          = "aws_access_key_id"
	KeySecretAccessKey      = "aws_secret_access_key"
)

// aws-google-auth's keys, which awsfed reads when its own are absent.
const (
	googlePrefix      = "google_config."
	KeyGoogleUsername = googlePrefix + "google_username"
	KeyGoogleIdPIDOld = googlePrefix + "google_idp_id"
	KeyGoogleSPIDOld  = googlePrefix + "google_sp_id"
	KeyGoogleRoleARN  = googlePrefix + "role_arn"
	KeyGoogleDuration = googlePrefix + "duration"
	KeyGoogleAskRole  = googlePrefix + "ask_role"
)

// DefaultName is the profile awsfed logs into when nothing names one, as
// aws-google-auth did.
const DefaultName = "sts"

// Profile is one profile: its [profile NAME] (or [default]) section of the
// config file and its [NAME] section of the credentials file, either of
// which may be missing.
type Profile struct {
	Name string
	// section is the config file section that holds the profile, or "".
	section string
	// config and creds are the two sections' keys (lowercase) and values;
	// nil when the file has no such section.
	config, creds awsconfig.Section
}

// NewProfile returns the profile name made of a config file section and a
// credentials file section, each nil when missing.
func NewProfile(name string, config, creds awsconfig.Section) *Profile {
	return &Profile{Name: name, config: config, creds: creds}
}

// ConfigSection is the config file section a writer changes for the
// profile: the one that holds it ([profile default] wins over [default],
// as in the AWS SDK for Go), else "profile NAME" ("default" for the
// default profile).
func (p *Profile) ConfigSection() string {
	if p.section != "" {
		return p.section
	}
	return awsconfig.ConfigSection(p.Name)
}

// Credentials returns the credentials in the profile's section of the
// credentials file, and whether it holds an access key and its secret.
func (p *Profile) Credentials() (awsconfig.Credentials, bool) {
	return awsconfig.ParseCredentials(p.creds)
}

// Config returns the config file section's value of key, trimmed; "" when
// unset.
func (p *Profile) Config(key string) string { return strings.TrimSpace(p.config.Get(key)) }

// Section returns the config file section's keys and values; nil when the
// config file has none. It is the profile's own: do not change it.
func (p *Profile) Section() awsconfig.Section { return p.config }

// Value returns the first of keys that has a value in the config file
// section, trimmed, or "".
func (p *Profile) Value(keys ...string) string {
	for _, k := range keys {
		if v := p.Config(k); v != "" {
			return v
		}
	}
	return ""
}

// get returns key's value as botocore merges the two files: the
// credentials file's section over the config file's.
func (p *Profile) get(key string) string {
	if v, ok := p.creds.Lookup(key); ok {
		return strings.TrimSpace(v)
	}
	return strings.TrimSpace(p.config.Get(key))
}

// has reports whether key is set in either file, even to "", as botocore
// tests a key's presence.
func (p *Profile) has(key string) bool {
	_, inCreds := p.creds.Lookup(key)
	_, inConfig := p.config.Lookup(key)
	return inCreds || inConfig
}

// Missing returns the settings of want that the profile's config section
// does not hold with that value, leaving out empty values: what a login
// still has to save.
func (p *Profile) Missing(want []awsconfig.KV) []awsconfig.KV {
	var set []awsconfig.KV
	for _, kv := range want {
		if kv.Value != "" && p.Config(kv.Key) != kv.Value {
			set = append(set, kv)
		}
	}
	return set
}

// IsAWSFed reports whether awsfed logs into the profile: its config
// section has an awsfed_* or google_config.* key other than the marker
// awsfed_sso_from (KeySSOFrom), which a standard SSO profile that the AWS
// CLI signs into carries.
func (p *Profile) IsAWSFed() bool {
	for _, kv := range p.config {
		if k := kv.Key; k != KeySSOFrom && strings.HasPrefix(k, "awsfed_") || strings.HasPrefix(k, googlePrefix) {
			return true
		}
	}
	return false
}

// HasGoogleConfig reports whether the profile has aws-google-auth's
// google_config.* settings.
func (p *Profile) HasGoogleConfig() bool {
	for _, kv := range p.config {
		if strings.HasPrefix(kv.Key, googlePrefix) {
			return true
		}
	}
	return false
}

// RoleARN is the role_arn the AWS CLI assumes for the profile; "" when the
// profile does not assume a role (it has no role_arn, or it assumes one
// with a web identity token instead).
func (p *Profile) RoleARN() string {
	if p.has(KeyWebIdentityTokenFile) {
		return ""
	}
	return p.get(KeyRoleARN)
}

// SourceProfile is the profile's source_profile, or "".
func (p *Profile) SourceProfile() string { return p.get(KeySourceProfile) }

// CredentialProcess is the profile's credential_process, or "".
func (p *Profile) CredentialProcess() string { return p.get(KeyCredentialProcess) }

// HasStaticKeys reports whether the profile holds access keys in either
// file, as botocore's _has_static_credentials tests it.
func (p *Profile) HasStaticKeys() bool {
	return p.has(KeyAccessKeyID) || p.has(KeySecretAccessKey)
}

// hasOwnCredentials reports whether the AWS CLI finds credentials for the
// profile without assuming its role_arn: static keys, a
// credential_process, SSO, or a web identity token.
func (p *Profile) hasOwnCredentials() bool {
	return p.HasStaticKeys() || p.CredentialProcess() != "" || p.has(KeySSOSession) || p.has(KeySSOStartURL) ||
		p.has(KeyWebIdentityTokenFile)
}

// Where names the profile's config section and file for a person:
// "[profile x] of PATH".
func Where(name, configPath string) string {
	return fmt.Sprintf("[%s] of %s", awsconfig.ConfigSection(name), configPath)
}

// ParseDuration reads a duration setting: a Go duration ("12h", "90m") or
// a number of seconds; it must be positive.
func ParseDuration(v string) (time.Duration, error) {
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

// CheckName refuses a profile name that cannot stand in a section header
// of the AWS files as itself: empty, with a control character (a line
// break would end the header), with [ or ], with space at either end
// (which readers trim), or DEFAULT, which Python's configparser, and so
// the AWS CLI, takes for the section of defaults.
func CheckName(name string) error {
	why := ""
	switch {
	case name == "":
		why = "it is empty"
	case strings.ContainsFunc(name, unicode.IsControl):
		why = "it holds a line break or another control character"
	case strings.ContainsAny(name, "[]"):
		why = "it holds [ or ]"
	case strings.TrimSpace(name) != name:
		why = "it starts or ends with space"
	case name == "DEFAULT":
		why = "the AWS CLI reads [DEFAULT] as defaults for every section"
	default:
		return nil
	}
	return Errorf("profile name %q cannot be used: %s; pick another --profile", name, why)
}

// ValidRegion reports whether r has a region name's shape, such as
// eu-west-1 or us-gov-west-1: lowercase letters, then dash-separated
// lowercase letters and digits.
func ValidRegion(r string) bool {
	parts := strings.Split(r, "-")
	if len(parts) < 2 || len(parts[0]) < 2 {
		return false
	}
	for i, p := range parts {
		if p == "" {
			return false
		}
		for _, c := range p {
			if !(c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
				return false
			}
		}
	}
	return true
}

// IsAccountID reports whether s is an AWS account id: 12 ASCII digits.
func IsAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
