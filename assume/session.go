package assume

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// SessionTokenAPI is the one STS call SessionToken makes. *sts.Client
// satisfies it.
type SessionTokenAPI interface {
	GetSessionToken(ctx context.Context, in *sts.GetSessionTokenInput, optFns ...func(*sts.Options)) (*sts.GetSessionTokenOutput, error)
}

// SessionTokenInput is one GetSessionToken request.
type SessionTokenInput struct {
	// User names the IAM user (its ARN, or the profile) in messages.
	User string
	// Duration is the session length to ask for, 15m to 36h; 0 leaves it
	// to STS (12h).
	Duration time.Duration
	// SerialNumber and TokenCode are the user's MFA device and its
	// current code; empty for a session without MFA.
	SerialNumber string
	TokenCode    string
}

// Bounds of GetSessionToken's DurationSeconds for an IAM user.
const (
	MinSessionTokenDuration = 15 * time.Minute
	MaxSessionTokenDuration = 36 * time.Hour
)

// SessionToken gets temporary credentials for the IAM user whose long-term
// keys sign the client's requests, with one GetSessionToken call. Every
// failure is an *Error (IsMFACodeRejected and IsMFADeviceWrong tell the
// MFA refusals apart); a cancelled or expired ctx is returned as the
// context's error. PrincipalARN is left empty: STS does not say it.
func SessionToken(ctx context.Context, api SessionTokenAPI, in SessionTokenInput) (*Credentials, error) {
	req := &sts.GetSessionTokenInput{}
	if in.Duration > 0 {
		req.DurationSeconds = aws.Int32(int32(in.Duration / time.Second))
	}
	if in.SerialNumber != "" {
		req.SerialNumber = aws.String(in.SerialNumber)
		req.TokenCode = aws.String(in.TokenCode)
	}
	out, err := api.GetSessionToken(ctx, req)
	if err != nil {
		return nil, describeSessionToken(ctx, err, in)
	}
	creds, err := fromSTS(out.Credentials, nil)
	if err != nil {
		return nil, &Error{RoleARN: in.User, Err: err,
			Reason: "STS answered GetSessionToken without credentials",
			Hint:   "check that AWS_ENDPOINT_URL_STS, if set, points at STS"}
	}
	return creds, nil
}

// describeSessionToken turns an error from a GetSessionToken call into an
// *Error, or returns the context's error if ctx ended.
func describeSessionToken(ctx context.Context, err error, in SessionTokenInput) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("assume: %w", ctxErr)
	}
	e, re := newError(in.User, err, in.TokenCode)
	said := e.said()
	switch {
	case e.mfa(in.SerialNumber):
	case e.Code == "InvalidClientTokenId" || e.Code == "SignatureDoesNotMatch" || e.Code == "UnrecognizedClientException":
		e.Reason = fmt.Sprintf("STS did not accept the access key of %s (%s)%s", in.User, e.Code, said)
		e.Hint = "the key was deleted, deactivated or mistyped: store a current one with awsfed configure iam-user"
	case e.Code == "AccessDenied":
		e.Reason = fmt.Sprintf("STS refused GetSessionToken for %s: access denied%s", in.User, said)
		e.Hint = "check the user's policies, and that its long-term keys, not temporary ones, are stored"
	case e.Code == "ValidationError" && strings.Contains(strings.ToLower(e.Message), "duration"):
		e.Reason = fmt.Sprintf("STS rejected the duration %s%s", durationOrDefault(in.Duration), said)
		e.Hint = "pass a --duration between 15m and 36h"
	case e.regionOrThrottle("pass --region us-east-1"):
	case e.Code != "":
		e.Reason = fmt.Sprintf("STS refused GetSessionToken for %s: %s%s", in.User, e.Code, said)
		e.Hint = "check the profile's awsfed_mfa_serial and the stored keys"
	default:
		e.noAnswer(re, "GetSessionToken", in.TokenCode)
	}
	return e
}

// The two MFA refusals of STS, as AWS words them (AccessDenied, 403):
// a wrong or reused code, and a device that is not the caller's.
const (
	mfaCodeRejected = "invalid MFA one time pass code"
	mfaDeviceWrong  = "unable to validate MFA code"
)

// mfa explains STS's MFA refusals of a request that named serial, and
// reports whether e was one.
func (e *Error) mfa(serial string) bool {
	if serial == "" || e.Code != "AccessDenied" {
		return false
	}
	switch {
	case strings.Contains(e.Message, mfaCodeRejected):
		e.Reason = "STS refused the MFA code for " + serial + e.said()
		e.Hint = "a code is good for about a minute and once only: use the next code of the device"
	case strings.Contains(e.Message, mfaDeviceWrong):
		e.Reason = fmt.Sprintf("STS does not know the MFA device %s for this user%s", serial, e.said())
		e.Hint = "set awsfed_mfa_serial (or --mfa-serial) to the ARN of the user's own device, as IAM shows it under Security credentials"
	default:
		return false
	}
	return true
}

// IsMFACodeRejected reports whether err is STS refusing the one-time code
// (wrong, expired or used before); the next code may pass.
func IsMFACodeRejected(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == "AccessDenied" && strings.Contains(e.Message, mfaCodeRejected)
}

// IsMFADeviceWrong reports whether err is STS refusing the MFA device: it
// is not the caller's, or does not exist.
func IsMFADeviceWrong(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == "AccessDenied" && strings.Contains(e.Message, mfaDeviceWrong)
}
