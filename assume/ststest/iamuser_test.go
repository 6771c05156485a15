package ststest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/seed-2d15385e/awsfed/assume/ststest"
)

var alice = ststest.IAMUser{
	ARN:             "arn:aws:iam::111111111111:user/alice",
	AccessKeyID:     "AKIAALICEEXAMPLE0001",
	SecretAccessKey: "aliceSecretKeyEXAMPLEaliceSecretKeyEXAMP",
}

func userCreds(u ststest.IAMUser) aws.Credentials {
	return aws.Credentials{AccessKeyID: u.AccessKeyID, SecretAccessKey: u.SecretAccessKey}
}

func stsCreds(c *sts.GetSessionTokenOutput) aws.Credentials {
	return aws.Credentials{AccessKeyID: aws.ToString(c.Credentials.AccessKeyId),
		SecretAccessKey: aws.ToString(c.Credentials.SecretAccessKey), SessionToken: aws.ToString(c.Credentials.SessionToken)}
}

func wantAPIError(t *testing.T, what string, err error, code, message string, status int) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code || (message != "" && ae.ErrorMessage() != message) {
		t.Errorf("%s error = %v, want %s %q", what, err, code, message)
		return
	}
	var re interface{ HTTPStatusCode() int }
	if status != 0 && (!errors.As(err, &re) || re.HTTPStatusCode() != status) {
		t.Errorf("%s error = %v, want HTTP %d", what, err, status)
	}
}

func TestGetSessionToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		duration    *int32
		want        time.Duration
		wantMessage string
	}{
		{name: "default 12h", want: 12 * time.Hour},
		{name: "36h", duration: aws.Int32(129600), want: 36 * time.Hour},
		{name: "15m", duration: aws.Int32(900), want: 15 * time.Minute},
		{name: "too long", duration: aws.Int32(129601),
			wantMessage: "1 validation error detected: Value '129601' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 129600"},
		{name: "too short", duration: aws.Int32(899),
			wantMessage: "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
			srv := ststest.NewServer(t, ststest.WithIAMUser(alice), ststest.WithClock(func() time.Time { return now }))
			ctx := context.Background()
			out, err := sdkClient(srv, userCreds(alice)).GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: tt.duration})
			if tt.wantMessage != "" {
				wantAPIError(t, "GetSessionToken", err, "ValidationError", tt.wantMessage, 400)
				return
			}
			if err != nil {
				t.Fatalf("GetSessionToken error = %v", err)
			}
			if got := aws.ToTime(out.Credentials.Expiration); !got.Equal(now.Add(tt.want)) {
				t.Errorf("Expiration = %v, want %v", got, now.Add(tt.want))
			}
			issued := srv.Issued()
			if len(issued) != 1 || issued[0].Action != "GetSessionToken" || issued[0].PrincipalARN != alice.ARN ||
				issued[0].AccessKeyID != aws.ToString(out.Credentials.AccessKeyId) || issued[0].AccessKeyID[:4] != "ASIA" {
				t.Errorf("Issued() = %+v, want one GetSessionToken session of alice", issued)
			}
			// The session is alice's, and cannot make another one.
			session := sdkClient(srv, stsCreds(out))
			id, err := session.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			if err != nil || aws.ToString(id.Arn) != alice.ARN || aws.ToString(id.Account) != "111111111111" ||
				aws.ToString(id.UserId)[:4] != "AIDA" {
				t.Errorf("GetCallerIdentity with the session = %+v, %v; want alice", id, err)
			}
			_, err = session.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
			wantAPIError(t, "GetSessionToken with session credentials", err, "AccessDenied", "Cannot call GetSessionToken with session credentials", 403)
		})
	}
}

func TestIAMUserKeys(t *testing.T) {
	t.Parallel()
	srv := ststest.NewServer(t, ststest.WithIAMUser(alice))
	ctx := context.Background()
	id, err := sdkClient(srv, userCreds(alice)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Arn) != alice.ARN || aws.ToString(id.Account) != "111111111111" {
		t.Fatalf("GetCallerIdentity with alice's keys = %+v, %v; want alice", id, err)
	}
	idAgain, _ := sdkClient(srv, userCreds(alice)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if aws.ToString(idAgain.UserId) != aws.ToString(id.UserId) {
		t.Errorf("UserId changed: %s then %s", aws.ToString(id.UserId), aws.ToString(idAgain.UserId))
	}

	bad := userCreds(alice)
	bad.SecretAccessKey = "x" + bad.SecretAccessKey[1:]
	_, err = sdkClient(srv, bad).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantAPIError(t, "GetCallerIdentity with a wrong secret", err, "SignatureDoesNotMatch", "", 403)

	withToken := userCreds(alice)
	withToken.SessionToken = "IQoJb3JpZ2luX2VjEXAMPLE"
	_, err = sdkClient(srv, withToken).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantAPIError(t, "GetCallerIdentity with long-term keys and a session token", err, "InvalidClientTokenId", "", 403)

	// A session made before the key is deleted outlives it.
	gst, err := sdkClient(srv, userCreds(alice)).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatalf("GetSessionToken error = %v", err)
	}
	srv.RevokeKey(alice.AccessKeyID)
	_, err = sdkClient(srv, userCreds(alice)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantAPIError(t, "GetCallerIdentity with a revoked key", err, "InvalidClientTokenId", "The security token included in the request is invalid.", 403)
	if _, err := sdkClient(srv, stsCreds(gst)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Errorf("GetCallerIdentity with a session of the revoked key: %v", err)
	}
	srv.RevokeKey(aws.ToString(gst.Credentials.AccessKeyId))
	_, err = sdkClient(srv, stsCreds(gst)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantAPIError(t, "GetCallerIdentity with revoked session credentials", err, "InvalidClientTokenId", "", 403)
}

// TestAssumeRoleDurationByCaller: role chaining's 1-hour cap applies to
// role credentials only; long-term keys and GetSessionToken credentials
// get the role's MaxSessionDuration.
func TestAssumeRoleDurationByCaller(t *testing.T) {
	t.Parallel()
	const role = "arn:aws:iam::111111111111:role/Admin"
	tests := []struct {
		name        string
		role        string // default role, whose MaxSessionDuration is 12h
		caller      func(t *testing.T, srv *ststest.Server) aws.Credentials
		duration    int32
		wantChained bool
		wantMessage string
	}{
		{name: "long-term keys 12h", caller: func(*testing.T, *ststest.Server) aws.Credentials { return userCreds(alice) }, duration: 43200},
		{name: "long-term keys over MaxSessionDuration", role: "arn:aws:iam::111111111111:role/Default", caller: func(*testing.T, *ststest.Server) aws.Credentials { return userCreds(alice) },
			duration: 7200, wantMessage: "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."},
		{name: "GetSessionToken credentials 12h: 1h at most, as for role chaining", caller: func(t *testing.T, srv *ststest.Server) aws.Credentials {
			out, err := sdkClient(srv, userCreds(alice)).GetSessionToken(context.Background(), &sts.GetSessionTokenInput{})
			if err != nil {
				t.Fatal(err)
			}
			return stsCreds(out)
		}, duration: 43200, wantMessage: "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."},
		{name: "GetSessionToken credentials 1h", caller: func(t *testing.T, srv *ststest.Server) aws.Credentials {
			out, err := sdkClient(srv, userCreds(alice)).GetSessionToken(context.Background(), &sts.GetSessionTokenInput{})
			if err != nil {
				t.Fatal(err)
			}
			return stsCreds(out)
		}, duration: 3600, wantChained: true},
		{name: "role credentials 2h", caller: func(t *testing.T, srv *ststest.Server) aws.Credentials {
			is := samlCredentials(t, srv)
			return aws.Credentials{AccessKeyID: is.AccessKeyID, SecretAccessKey: is.SecretAccessKey, SessionToken: is.SessionToken}
		}, duration: 7200, wantMessage: "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."},
		{name: "role credentials 1h", caller: func(t *testing.T, srv *ststest.Server) aws.Credentials {
			is := samlCredentials(t, srv)
			return aws.Credentials{AccessKeyID: is.AccessKeyID, SecretAccessKey: is.SecretAccessKey, SessionToken: is.SessionToken}
		}, duration: 3600, wantChained: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := ststest.NewServer(t, ststest.WithIAMUser(alice), ststest.WithMaxSessionDuration(role, 12*time.Hour))
			creds := tt.caller(t, srv)
			target := role
			if tt.role != "" {
				target = tt.role
			}
			out, err := sdkClient(srv, creds).AssumeRole(context.Background(), &sts.AssumeRoleInput{
				RoleArn: aws.String(target), RoleSessionName: aws.String("alice"), DurationSeconds: aws.Int32(tt.duration)})
			if tt.wantMessage != "" {
				wantAPIError(t, "AssumeRole", err, "ValidationError", tt.wantMessage, 400)
				return
			}
			if err != nil {
				t.Fatalf("AssumeRole error = %v", err)
			}
			issued := srv.Issued()
			last := issued[len(issued)-1]
			if last.AccessKeyID != aws.ToString(out.Credentials.AccessKeyId) || last.Chained != tt.wantChained {
				t.Errorf("last Issued = %+v, want Chained %v", last, tt.wantChained)
			}
		})
	}
}

func TestAssumeRoleMFAForm(t *testing.T) {
	t.Parallel()
	srv := ststest.NewServer(t, ststest.WithIAMUser(alice))
	_, err := sdkClient(srv, userCreds(alice)).AssumeRole(context.Background(), &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::111111111111:role/Admin"), RoleSessionName: aws.String("alice"),
		SerialNumber: aws.String("arn:aws:iam::111111111111:mfa/alice"), TokenCode: aws.String("12345")})
	wantAPIError(t, "AssumeRole with a 5-digit code", err, "ValidationError",
		"1 validation error detected: Value '12345' at 'tokenCode' failed to satisfy constraint: Member must have length greater than or equal to 6", 400)
	reqs := srv.Requests()
	if got := reqs[len(reqs)-1].Form.Get("SerialNumber"); got != "arn:aws:iam::111111111111:mfa/alice" {
		t.Errorf("recorded SerialNumber = %q", got)
	}
}
