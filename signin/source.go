package signin

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/seed-2d15385e/awsfed/assume"
	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/idp"
	"github.com/seed-2d15385e/awsfed/profile"
	"github.com/seed-2d15385e/awsfed/renew"
)

// Source is the SAML sign-in as a credential source for package renew:
// sign into the IdP, choose the role, AssumeRoleWithSAML; once the
// credentials are stored, save the settings used in the profile, so that a
// bare login repeats the sign-in.
type Source struct {
	Signer   *Signer
	Settings *Settings
}

// Retrieve signs in and assumes the role.
func (src *Source) Retrieve(ctx context.Context) (*renew.Retrieved, error) {
	o, s := src.Signer, src.Settings
	a, err := o.SignIn(ctx, s)
	if err != nil {
		return nil, err
	}
	role, err := o.ChooseRole(ctx, a, s.RoleARN)
	if err != nil {
		return nil, err
	}
	region := s.Region
	if region == "" {
		region = assume.DefaultRegion(role.RoleARN)
	}
	stsHTTP := &http.Client{Transport: o.Transport()}
	client := assume.NewClient(assume.ClientOptions{Region: region, Endpoint: assume.EndpointFromEnv(o.Getenv), HTTPClient: stsHTTP})
	var flagDuration, profileDuration time.Duration
	if s.durationFromFlag {
		flagDuration = s.Duration
	} else {
		profileDuration = s.Duration
	}
	creds, err := assume.WithSAML(ctx, client, assume.SAMLInput{
		Role:      role,
		Assertion: a.Raw,
		Duration:  assume.ChooseDuration(flagDuration, profileDuration, a.SessionDuration),
		NotBefore: a.NotBefore, NotOnOrAfter: a.NotOnOrAfter, Now: o.Now(),
	}, o.Streams.ErrOut)
	if err != nil {
		return nil, err
	}
	return &renew.Retrieved{Credentials: *creds, RoleARN: role.RoleARN, ProviderARN: role.PrincipalARN,
		Stored: func() error { return src.saveSettings(role, region) }}, nil
}

// saveSettings saves the settings of a sign-in in [profile P], so that a
// bare login repeats it; settings already there are left as they are.
func (src *Source) saveSettings(role idp.Role, region string) error {
	s, f := src.Settings, src.Settings.flags
	want := []awsconfig.KV{{Key: profile.KeyIdP, Value: s.IdP}}
	if s.urlFromIDs {
		want = append(want, awsconfig.KV{Key: profile.KeyGoogleIdPID, Value: s.GoogleIdPID}, awsconfig.KV{Key: profile.KeyGoogleSPID, Value: s.GoogleSPID})
	} else {
		want = append(want, awsconfig.KV{Key: profile.KeyURL, Value: s.URL})
	}
	want = append(want, awsconfig.KV{Key: profile.KeyUsername, Value: s.Username}, awsconfig.KV{Key: profile.KeyAWSFedRoleARN, Value: role.RoleARN})
	if s.durationFromFlag {
		want = append(want, awsconfig.KV{Key: profile.KeyDuration, Value: s.Duration.String()})
	}
	if f.MFA != "" {
		want = append(want, awsconfig.KV{Key: profile.KeyMFA, Value: f.MFA})
	}
	if f.UserAgent != "" {
		want = append(want, awsconfig.KV{Key: profile.KeyUserAgent, Value: f.UserAgent})
	}
	if f.Keyring.Given {
		want = append(want, awsconfig.KV{Key: profile.KeyKeyring, Value: strconv.FormatBool(f.Keyring.Value)})
	}
	if f.Region != "" || !s.regionInProfile {
		want = append(want, awsconfig.KV{Key: profile.KeyRegion, Value: region})
	}
	set := s.profile.Missing(want)
	if len(set) == 0 {
		return nil
	}
	return renew.SaveSettings(src.Signer.Streams.ErrOut, s.Paths.Config, []awsconfig.Change{{Section: awsconfig.ConfigSection(s.Profile), Set: set}})
}
