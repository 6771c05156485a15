package assume

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"
)

// MaxChainedDuration is the longest session AWS grants to a role assumed
// with role credentials (role chaining), whatever the role allows.
const MaxChainedDuration = time.Hour

// RoleAPI is the one STS call Role makes. *sts.Client satisfies it.
type RoleAPI interface {
	AssumeRole(ctx context.Context, in *sts.AssumeRoleInput, optFns ...func(*sts.Options)) (*sts.AssumeRoleOutput, error)
}

// RoleInput is one AssumeRole request.
type RoleInput struct {
	// RoleARN is the role to assume.
	RoleARN string
	// SessionName is the RoleSessionName, [\w+=,.@-]{2,64}.
	SessionName string
	// ExternalID is the role's external id, if its trust policy wants one.
	ExternalID string
	// Duration is the session length to ask for; 0 leaves it to STS (1h).
	Duration time.Duration
	// SerialNumber and TokenCode are the MFA device and its current code,
	// when the trust policy wants MFA.
	SerialNumber string
	TokenCode    string
}

// NewSignedClient is NewClient for calls signed with c, such as AssumeRole
// from the credentials of the previous hop of a chain.
func NewSignedClient(o ClientOptions, c Credentials) *sts.Client {
	return sts.New(o.stsOptions(credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)))
}

// Role assumes in.RoleARN with one AssumeRole call, signed with the
// client's credentials. Every failure from STS, or on the way to it, is an
// *Error naming the role; a cancelled or expired ctx is returned as the
// context's error instead.
func Role(ctx context.Context, api RoleAPI, in RoleInput) (*Credentials, error) {
	if in.RoleARN == "" {
		return nil, errors.New("assume: role ARN is required")
	}
	req := &sts.AssumeRoleInput{
		RoleArn:         aws.String(in.RoleARN),
		RoleSessionName: aws.String(in.SessionName),
	}
	if in.Duration > 0 {
		req.DurationSeconds = aws.Int32(int32(in.Duration / time.Second))
	}
	if in.ExternalID != "" {
		req.ExternalId = aws.String(in.ExternalID)
	}
	if in.SerialNumber != "" {
		req.SerialNumber = aws.String(in.SerialNumber)
	}
	if in.TokenCode != "" {
		req.TokenCode = aws.String(in.TokenCode)
	}
	out, err := api.AssumeRole(ctx, req)
	if err != nil {
		return nil, describeRole(ctx, err, in)
	}
	creds, err := fromSTS(out.Credentials, out.AssumedRoleUser)
	if err != nil {
		return nil, &Error{RoleARN: in.RoleARN, Err: err,
			Reason: fmt.Sprintf("STS answered AssumeRole for %s without credentials", in.RoleARN),
			Hint:   "check that AWS_ENDPOINT_URL_STS, if set, points at STS"}
	}
	return creds, nil
}

// fromSTS converts the credentials of an STS answer, or returns
// errNoCredentials when a part is missing.
func fromSTS(c *types.Credentials, user *types.AssumedRoleUser) (*Credentials, error) {
	if c == nil || aws.ToString(c.AccessKeyId) == "" || aws.ToString(c.SecretAccessKey) == "" ||
		aws.ToString(c.SessionToken) == "" || c.Expiration == nil {
		return nil, errNoCredentials
	}
	creds := &Credentials{
		AccessKeyID:     aws.ToString(c.AccessKeyId),
		SecretAccessKey: aws.ToString(c.SecretAccessKey),
		SessionToken:    aws.ToString(c.SessionToken),
		Expiration:      *c.Expiration,
	}
	if user != nil {
		creds.PrincipalARN = aws.ToString(user.Arn)
	}
	return creds, nil
}

// describeRole turns an error from an AssumeRole call into an *Error, or
// returns the context's error if ctx ended.
func describeRole(ctx context.Context, err error, in RoleInput) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("assume: %w", ctxErr)
	}
	e, re := newError(in.RoleARN, err, in.TokenCode)
	role, said := in.RoleARN, e.said()
	switch {
	case e.mfa(in.SerialNumber):
	case e.Code == "AccessDenied":
		e.Reason = fmt.Sprintf("STS refused AssumeRole for %s: access denied%s", role, said)
		e.Hint = "check that the role's trust policy allows the source profile's role"
		if in.ExternalID != "" {
			e.Hint += ", its external_id"
		}
		if in.SerialNumber != "" {
			e.Hint += ", and the MFA code"
		}
	case e.Code == "ExpiredToken" || e.Code == "ExpiredTokenException":
		e.Reason = fmt.Sprintf("the credentials used to assume %s have expired%s", role, said)
		e.Hint = "log in again"
	case e.Code == "InvalidClientTokenId" || e.Code == "SignatureDoesNotMatch" || e.Code == "UnrecognizedClientException":
		e.Reason = fmt.Sprintf("STS did not accept the credentials used to assume %s (%s)%s", role, e.Code, said)
		e.Hint = "log in again with --force"
	case e.Code == "ValidationError" && strings.Contains(strings.ToLower(e.Message), "duration"):
		e.Reason = fmt.Sprintf("STS rejected the duration %s for %s%s", durationOrDefault(in.Duration), role, said)
		e.Hint = "set duration_seconds between 900 and 3600 (AWS's limit for chained roles)"
	case e.regionOrThrottle("set region = " + DefaultRegion(role) + " in the profile"):
	case e.Code != "":
		e.Reason = fmt.Sprintf("STS refused AssumeRole for %s: %s%s", role, e.Code, said)
		e.Hint = "check role_arn, role_session_name, external_id and mfa_serial of the profile"
	default:
		e.noAnswer(re, "AssumeRole", in.TokenCode)
	}
	return e
}
