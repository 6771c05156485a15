// Package iamuser is an IAM user's long-term access keys with an MFA device
// as a credential source of package renew: the keys live in the OS
// keyring, never in a file; a login sends one MFA code (never one sent
// before) with GetSessionToken, or with AssumeRole when the profile names
// a role, and stores the temporary credentials like every awsfed profile.
package iamuser

import (
	"cmp"
	"regexp"
	"strings"
	"time"

	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/profile"
)

// IdP is the value of --idp and awsfed_idp that names an IAM user.
const IdP = "iam-user"

// KeyKeysFrom names the profile whose keys a profile uses, when they are
// stored for another: one IAM user, several profiles (a session, a role).
const KeyKeysFrom = "awsfed_keys_from"

// KeyMFASerial is the profile's MFA device. It is not the AWS CLI's
// mfa_serial, which on a profile without role_arn the Go SDK and the CLI
// would misread.
const KeyMFASerial = "awsfed_mfa_serial"

// Default session lengths: STS's own.
const (
	DefaultSessionDuration = 12 * time.Hour
	DefaultRoleDuration    = time.Hour
	maxRoleDuration        = 12 * time.Hour
)

var (
	roleARNPattern   = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]+$`)
	mfaSerialPattern = regexp.MustCompile(`^[\w+=/:,.@-]{9,256}$`)
)

// Flags are the command line's inputs to a login as an IAM user. Empty
// means not given.
type Flags struct {
	// RoleARN (--role-arn), Duration (--duration) and Region (--region)
	// are login's flags of those names.
	RoleARN, Duration, Region string
	// MFASerial (--mfa-serial) is the ARN of the user's MFA device.
	MFASerial string
	// KeysFrom (--keys-from) is the profile whose stored keys to use.
	KeysFrom string
}

// Settings are the resolved inputs of a login into one awsfed profile as
// an IAM user: flags over the profile.
type Settings struct {
	Profile string
	// KeysProfile is the profile whose keys the keyring holds: Profile,
	// or the one awsfed_keys_from names.
	KeysProfile string
	// RoleARN is the role to assume with MFA; "" means GetSessionToken.
	RoleARN string
	// Duration is the session length asked for.
	Duration time.Duration
	// MFASerial is the user's MFA device; "" means no MFA.
	MFASerial string
	// Region is the STS region and the profile's: --region, else the
	// profile's; "" for the default.
	Region string
	// Username is the IAM user's name (awsfed_username, written by
	// configure iam-user): the session name of its roles.
	Username string
	// TOTPSecretCommand prints the device's TOTP secret
	// (awsfed_totp_secret_command).
	TOTPSecretCommand string
	Paths             awsconfig.Paths
	// Changed is set when the flags name another role or device than the
	// profile holds: its stored credentials must not be handed out.
	Changed bool
	// Principal is the ARN the stored credentials act as, when they are
	// for these settings.
	Principal string

	durationFlag bool
	regionFlag   bool
	keysSerial   string // the keys' profile's awsfed_mfa_serial
	profile      *profile.Profile
	graph        *profile.Graph // for the profiles chained on it, asked only by a renewal
}

// Uses reports whether profile name of g is an IAM user's: --idp iam-user
// (idpFlag), or awsfed_idp = iam-user.
func Uses(idpFlag string, g *profile.Graph, name string) bool {
	if idpFlag != "" {
		return idpFlag == IdP
	}
	return g.Lookup(name).Config(profile.KeyIdP) == IdP
}

// Resolve resolves the settings of a login into profile name of g. Its
// errors are *profile.ConfigError.
func Resolve(f Flags, g *profile.Graph, name string) (*Settings, error) {
	p := g.Lookup(name)
	where := profile.Where(name, g.Paths().Config)
	s := &Settings{Profile: name, Paths: g.Paths(), profile: p, KeysProfile: cmp.Or(f.KeysFrom, p.Config(KeyKeysFrom), name)}
	// The user's own settings come from the profile that holds the keys,
	// unless this one says otherwise.
	keys := p
	if s.KeysProfile != name {
		keys = g.Lookup(s.KeysProfile)
		if keys.Config(profile.KeyIdP) != IdP || keys.Config(KeyKeysFrom) != "" {
			return nil, profile.Errorf("--keys-from %s: profile %s is not one whose keys awsfed configure iam-user stored: run awsfed configure iam-user --profile %s first, or name that one", s.KeysProfile, s.KeysProfile, s.KeysProfile)
		}
	}
	own := func(key string) string { return cmp.Or(p.Config(key), keys.Config(key)) }
	s.keysSerial = keys.Config(KeyMFASerial)
	s.RoleARN = cmp.Or(f.RoleARN, p.Config(profile.KeyAWSFedRoleARN))
	s.MFASerial = cmp.Or(f.MFASerial, own(KeyMFASerial))
	s.Region, s.regionFlag = cmp.Or(f.Region, own(profile.KeyRegion)), f.Region != ""
	s.TOTPSecretCommand = own(profile.KeyTOTPSecretCommand)
	s.Username = own(profile.KeyUsername)
	if s.RoleARN != "" && !roleARNPattern.MatchString(s.RoleARN) {
		return nil, profile.Errorf("role %q is not a role ARN such as arn:aws:iam::111111111111:role/NAME: fix --role-arn or %s in %s", s.RoleARN, profile.KeyAWSFedRoleARN, where)
	}
	if s.MFASerial != "" && !mfaSerialPattern.MatchString(s.MFASerial) {
		return nil, profile.Errorf("MFA device %q is not an MFA serial such as arn:aws:iam::111111111111:mfa/alice: fix --mfa-serial or %s in %s", s.MFASerial, KeyMFASerial, where)
	}
	if s.Region != "" && !profile.ValidRegion(s.Region) {
		return nil, profile.Errorf("region %q is not a region name such as eu-west-1", s.Region)
	}
	raw, from := f.Duration, "--duration"
	if raw == "" {
		raw, from = p.Config(profile.KeyDuration), profile.KeyDuration+" in "+where
	}
	s.durationFlag = f.Duration != ""
	if raw != "" {
		d, err := profile.ParseDuration(raw)
		if err != nil {
			return nil, profile.Errorf("%s %q: %v", from, raw, err)
		}
		s.Duration = d
	}
	lo, hi, def := 15*time.Minute, 36*time.Hour, DefaultSessionDuration
	if s.RoleARN != "" {
		hi, def = maxRoleDuration, DefaultRoleDuration
	}
	switch {
	case s.Duration == 0:
		s.Duration = def
	case s.Duration < lo || s.Duration > hi:
		what := "a session of an IAM user"
		if s.RoleARN != "" {
			what = "a role session"
		}
		return nil, profile.Errorf("%s %q: AWS allows %s to %s for %s", from, raw, shortDuration(lo), shortDuration(hi), what)
	}
	s.graph = g
	s.Changed = s.RoleARN != p.Config(profile.KeyAWSFedRoleARN) || s.MFASerial != own(KeyMFASerial) || s.KeysProfile != cmp.Or(p.Config(KeyKeysFrom), name)
	if c, ok := p.Credentials(); ok && !s.Changed {
		s.Principal = c.PrincipalARN
	}
	return s, nil
}

// Changes returns the config file change that saves s in [profile P]:
// awsfed_idp, the role, the device, a duration given as a flag, the
// region. Values already there are left as they are.
func (s *Settings) Changes() []awsconfig.Change {
	want := []awsconfig.KV{{Key: profile.KeyIdP, Value: IdP}}
	if s.KeysProfile != s.Profile {
		// The user's settings stay with the keys' profile.
		want = append(want, awsconfig.KV{Key: KeyKeysFrom, Value: s.KeysProfile}, awsconfig.KV{Key: profile.KeyAWSFedRoleARN, Value: s.RoleARN})
		if s.regionFlag {
			want = append(want, awsconfig.KV{Key: profile.KeyRegion, Value: s.Region})
		}
		if s.MFASerial != s.keysSerial {
			want = append(want, awsconfig.KV{Key: KeyMFASerial, Value: s.MFASerial})
		}
	} else {
		want = append(want, awsconfig.KV{Key: profile.KeyUsername, Value: s.Username}, awsconfig.KV{Key: profile.KeyAWSFedRoleARN, Value: s.RoleARN},
			awsconfig.KV{Key: KeyMFASerial, Value: s.MFASerial}, awsconfig.KV{Key: profile.KeyRegion, Value: s.Region})
	}
	if s.durationFlag {
		want = append(want, awsconfig.KV{Key: profile.KeyDuration, Value: shortDuration(s.Duration)})
	}
	set := s.profile.Missing(want)
	if len(set) == 0 {
		return nil
	}
	return []awsconfig.Change{{Section: awsconfig.ConfigSection(s.Profile), Set: set}}
}

// shortDuration prints d as people write it: 8h, 1h30m, 15m.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// KeyringItem is the name of the keyring item holding the long-term keys
// of profile name.
func KeyringItem(name string) string { return "iam-user:" + name }
