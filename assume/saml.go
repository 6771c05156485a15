package assume

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/idp"
)

// STS's bounds for DurationSeconds, whatever the role allows.
const (
	MinDuration = 15 * time.Minute
	MaxDuration = 12 * time.Hour
)

// fallbackDuration is what WithSAML asks for again when the role's
// MaxSessionDuration is shorter than the request; every role allows it.
const fallbackDuration = time.Hour

// SAMLAPI is the one STS call WithSAML makes. *sts.Client satisfies it.
type SAMLAPI interface {
	AssumeRoleWithSAML(ctx context.Context, in *sts.AssumeRoleWithSAMLInput, optFns ...func(*sts.Options)) (*sts.AssumeRoleWithSAMLOutput, error)
}

// Credentials are temporary AWS credentials from STS: the one credentials
// type of awsfed, stored as they are. Expiration is as STS reported it
// (whole seconds from AWS, microseconds from moto); PrincipalARN is the
// session's ARN, arn:<partition>:sts::<account>:assumed-role/<role>/<session>.
type Credentials = awsconfig.Credentials

// SAMLInput is one AssumeRoleWithSAML request.
type SAMLInput struct {
	// Role is the role to assume and the SAML provider that vouches for it;
	// the pair must be one of the assertion's roles.
	Role idp.Role
	// Assertion is the base64 SAMLResponse exactly as the IdP issued it.
	Assertion string
	// Duration is the session length to ask for; 0 leaves it to STS (1h).
	Duration time.Duration
	// NotBefore and NotOnOrAfter are the assertion's validity window
	// (zero: not stated), which WithSAML checks against Now, give or take
	// ClockSkew, before it sends anything; a zero Now skips the check.
	NotBefore, NotOnOrAfter, Now time.Time
}

// ClockSkew is how far this machine's clock may be from the IdP's before
// WithSAML refuses an assertion as not yet, or no longer, valid.
const ClockSkew = 5 * time.Minute

// checkWindow refuses an assertion that is not valid at in.Now, give or
// take ClockSkew, as STS would refuse it.
func checkWindow(in SAMLInput) error {
	at := func(t time.Time) string { return t.In(in.Now.Location()).Format("2006-01-02 15:04:05 MST") }
	switch {
	case in.Now.IsZero():
	case !in.NotBefore.IsZero() && in.Now.Add(ClockSkew).Before(in.NotBefore):
		return &Error{RoleARN: in.Role.RoleARN,
			Reason: fmt.Sprintf("the SAML assertion is not valid before %s, %s from now by this machine's clock", at(in.NotBefore), in.NotBefore.Sub(in.Now).Round(time.Second)),
			Hint:   "this machine's clock or the IdP's is wrong by more than 5 minutes: set the clock right, then log in again"}
	case !in.NotOnOrAfter.IsZero() && !in.Now.Add(-ClockSkew).Before(in.NotOnOrAfter):
		return &Error{RoleARN: in.Role.RoleARN,
			Reason: fmt.Sprintf("the SAML assertion has expired: it was valid until %s, %s ago by this machine's clock", at(in.NotOnOrAfter), in.Now.Sub(in.NotOnOrAfter).Round(time.Second)),
			Hint:   "log in again; if it happens again, check this machine's clock"}
	}
	return nil
}

// ChooseDuration returns the session length to ask STS for: the --duration
// flag if set, else the profile's setting, else the assertion's
// SessionDuration attribute, else one hour. Zero means unset.
func ChooseDuration(flag, profile, assertion time.Duration) time.Duration {
	for _, d := range []time.Duration{flag, profile, assertion} {
		if d > 0 {
			return d
		}
	}
	return time.Hour
}

// WithSAML exchanges a SAML assertion for credentials of in.Role with one
// unsigned AssumeRoleWithSAML call.
//
// An assertion outside its validity window (see SAMLInput) and a Duration
// outside 15m–12h are refused before any call. When STS answers
// that the duration exceeds the role's MaxSessionDuration, WithSAML asks once
// more for one hour and writes one line saying so to notices (which may be
// nil). A session STS ends earlier because of the assertion's
// SessionNotOnOrAfter is not an error: Expiration says when it ends.
//
// Every failure from STS, or on the way to it, is an *Error. A cancelled or
// expired ctx is returned as the context's error instead.
func WithSAML(ctx context.Context, api SAMLAPI, in SAMLInput, notices io.Writer) (*Credentials, error) {
	if in.Role.RoleARN == "" || in.Role.PrincipalARN == "" {
		return nil, errors.New("assume: role and principal ARN are required")
	}
	if in.Assertion == "" {
		return nil, errors.New("assume: SAML assertion is empty")
	}
	if err := checkWindow(in); err != nil {
		return nil, err
	}
	if in.Duration != 0 && (in.Duration < MinDuration || in.Duration > MaxDuration) {
		return nil, &Error{
			RoleARN: in.Role.RoleARN,
			Reason:  fmt.Sprintf("--duration %s is outside what STS allows (15m to 12h)", in.Duration),
			Hint:    "pass a --duration between 15m and 12h",
		}
	}

	creds, err := callSAML(ctx, api, in, in.Duration)
	if err != nil && in.Duration > fallbackDuration && isMaxSessionDuration(err) {
		if notices != nil {
			fmt.Fprintf(notices, "STS refused a %s session: %s allows less; asked STS again for %s\n",
				in.Duration, in.Role.RoleARN, fallbackDuration)
		}
		creds, err = callSAML(ctx, api, in, fallbackDuration)
		if err != nil {
			return nil, describe(ctx, err, in, fallbackDuration)
		}
		return creds, nil
	}
	if err != nil {
		return nil, describe(ctx, err, in, in.Duration)
	}
	return creds, nil
}

func callSAML(ctx context.Context, api SAMLAPI, in SAMLInput, d time.Duration) (*Credentials, error) {
	req := &sts.AssumeRoleWithSAMLInput{
		RoleArn:       aws.String(in.Role.RoleARN),
		PrincipalArn:  aws.String(in.Role.PrincipalARN),
		SAMLAssertion: aws.String(in.Assertion),
	}
	if d > 0 {
		req.DurationSeconds = aws.Int32(int32(d / time.Second))
	}
	out, err := api.AssumeRoleWithSAML(ctx, req)
	if err != nil {
		return nil, err
	}
	return fromSTS(out.Credentials, out.AssumedRoleUser)
}
