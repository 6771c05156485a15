package iamuser

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/seed-2d15385e/awsfed/assume"
	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/idp"
	"github.com/seed-2d15385e/awsfed/renew"
	"github.com/seed-2d15385e/awsfed/ui"
)

// Source is an IAM user's long-term keys with MFA as a credential source
// for package renew: the keys from the keyring, one MFA code, and one
// GetSessionToken, or AssumeRole when the settings name a role.
type Source struct {
	Settings *Settings
	Keyring  Keyring
	// Codes hands out the MFA codes, each never sent before; used only
	// when the settings name a device.
	Codes idp.CodeSource
	// Client says where STS is (Endpoint, HTTPClient); the region comes
	// from the settings.
	Client assume.ClientOptions
	// Principal asks STS which ARN creds act as, for a session of the
	// user (GetSessionToken does not say); asked only when the stored
	// credentials do not say. nil, or an error, leaves it unknown.
	Principal func(ctx context.Context, creds awsconfig.Credentials, region string) (string, error)
	// Status receives notes for the person.
	Status io.Writer
}

// Retrieve gets temporary credentials. A code STS refuses as wrong or
// used is followed by the next one Codes gives, until it gives up (an
// *idp.RefusedError); a device that is not the user's is a configuration
// mistake.
func (src *Source) Retrieve(ctx context.Context) (*renew.Retrieved, error) {
	s := src.Settings
	keys, err := LoadKeys(ctx, src.Keyring, s.KeysProfile)
	if err != nil {
		return nil, err
	}
	o := src.Client
	o.Region = cmp.Or(s.Region, assume.DefaultRegion(s.RoleARN))
	o.OneAttempt = s.MFASerial != ""
	client := assume.NewSignedClient(o, assume.Credentials{AccessKeyID: keys.AccessKeyID, SecretAccessKey: keys.SecretAccessKey})
	var creds *assume.Credentials
	for {
		code := ""
		if s.MFASerial != "" {
			if code, err = src.Codes.Code(ctx, "MFA code for "+s.MFASerial); err != nil {
				return nil, err
			}
		}
		if s.RoleARN == "" {
			creds, err = assume.SessionToken(ctx, client, assume.SessionTokenInput{User: "profile " + s.Profile,
				Duration: s.Duration, SerialNumber: s.MFASerial, TokenCode: code})
		} else {
			creds, err = assume.Role(ctx, client, assume.RoleInput{RoleARN: s.RoleARN, SessionName: sessionName(s),
				Duration: s.Duration, SerialNumber: s.MFASerial, TokenCode: code})
		}
		if s.MFASerial == "" || !assume.IsMFACodeRejected(err) {
			break
		}
		// Said only when there is a next one: a single code given for
		// the run is refused with one line, the error.
		if m, ok := src.Codes.(interface{ More() bool }); !ok || m.More() {
			ui.Notes(src.Status, "STS refused the MFA code (wrong, or used before); trying the next one")
		}
	}
	if assume.IsMFADeviceWrong(err) {
		return nil, &DeviceError{Err: err}
	}
	if err != nil {
		return nil, err
	}
	if chained := s.graph.ChainedNames(s.Profile); s.RoleARN == "" && len(chained) > 0 {
		ui.Notes(src.Status, fmt.Sprintf("the roles chained on %s (%s) get sessions of 1 hour at most, AWS's limit for roles assumed with session credentials; for a role's full duration, give it a profile of its own: awsfed login --idp iam-user --keys-from %s --role-arn ROLE --profile NAME",
			s.Profile, strings.Join(chained, ", "), s.KeysProfile))
	}
	c := awsconfig.Credentials(*creds)
	if c.PrincipalARN == "" {
		c.PrincipalARN = s.Principal
	}
	if c.PrincipalARN == "" && src.Principal != nil {
		c.PrincipalARN, _ = src.Principal(ctx, c, o.Region)
	}
	return &renew.Retrieved{Credentials: c, RoleARN: s.RoleARN, Stored: src.save}, nil
}

// save saves the settings the login used in the profile.
func (src *Source) save() error {
	return renew.SaveSettings(src.Status, src.Settings.Paths.Config, src.Settings.Changes())
}

var notSessionName = regexp.MustCompile(`[^\w+=,.@-]+`)

// sessionName is the RoleSessionName of an AssumeRole: the user's name
// when the profile or the stored credentials say it, else awsfed-PROFILE.
func sessionName(s *Settings) string {
	name := cmp.Or(notSessionName.ReplaceAllString(s.Username, "-"), renew.SessionName(s.Principal))
	if name == "" {
		name = "awsfed-" + notSessionName.ReplaceAllString(s.Profile, "-")
	}
	return strings.Trim(name[:min(len(name), 64)], "-")
}

// DeviceError reports that STS does not know the MFA device for this user:
// the profile names another user's device, or none that exists. It is a
// configuration mistake (exit 2).
type DeviceError struct{ Err error }

func (e *DeviceError) Error() string       { return e.Err.Error() }
func (e *DeviceError) Unwrap() error       { return e.Err }
func (e *DeviceError) ConfigMistake() bool { return true }
