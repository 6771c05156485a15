package integration

import (
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"

	"github.com/seed-2d15385e/awsfed/assume/ststest/mfafront"
	"github.com/seed-2d15385e/awsfed/mfa"
)

// TestMFAFrontMoto runs the MFA front (assume/ststest/mfafront) before a
// strict moto_server: an IAM user with keys and a virtual MFA device made
// in moto gets a session and a role through the front, which checks the
// codes moto ignores, while moto checks the signatures the front passes on
// untouched. The session is minted with a stand-in role
// (Options.SessionRoles), moto's own GetSessionToken keys being unusable.
func TestMFAFrontMoto(t *testing.T) {
	const (
		userName = "mfauser"
		userARN  = "arn:aws:iam::123456789012:user/" + userName
		role     = "arn:aws:iam::123456789012:role/NeedsMFA"
	)
	// Nine IAM set-up requests pass unchecked; every STS request is signed.
	m := startMoto(t, 9)
	m.iam(t, url.Values{"Action": {"CreateUser"}, "UserName": {userName}})
	m.iam(t, url.Values{"Action": {"PutUserPolicy"}, "UserName": {userName}, "PolicyName": {"all"},
		"PolicyDocument": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`}})
	var key struct {
		ID     string `xml:"CreateAccessKeyResult>AccessKey>AccessKeyId"`
		Secret string `xml:"CreateAccessKeyResult>AccessKey>SecretAccessKey"`
	}
	if b := m.iam(t, url.Values{"Action": {"CreateAccessKey"}, "UserName": {userName}}); xml.Unmarshal(b, &key) != nil || key.ID == "" {
		t.Fatalf("moto CreateAccessKey: no key in %s", b)
	}
	var dev struct {
		Serial string `xml:"CreateVirtualMFADeviceResult>VirtualMFADevice>SerialNumber"`
		Seed   string `xml:"CreateVirtualMFADeviceResult>VirtualMFADevice>Base32StringSeed"`
	}
	if b := m.iam(t, url.Values{"Action": {"CreateVirtualMFADevice"}, "VirtualMFADeviceName": {userName}}); xml.Unmarshal(b, &dev) != nil || dev.Serial == "" {
		t.Fatalf("moto CreateVirtualMFADevice: no device in %s", b)
	}
	// The API sends the seed base64-encoded (a blob); take it raw if not.
	secret := dev.Seed
	if b, err := base64.StdEncoding.DecodeString(dev.Seed); err == nil {
		if _, err := mfa.TOTP(string(b), time.Now()); err == nil {
			secret = string(b)
		}
	}
	// moto accepts any codes here.
	m.iam(t, url.Values{"Action": {"EnableMFADevice"}, "UserName": {userName}, "SerialNumber": {dev.Serial},
		"AuthenticationCode1": {"123456"}, "AuthenticationCode2": {"654321"}})
	m.iam(t, url.Values{"Action": {"CreateRole"}, "RoleName": {"NeedsMFA"},
		"AssumeRolePolicyDocument": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}`}})

	motoSessionRole(t, m, "MFAUserSessions")

	now := time.Now()
	front := mfafront.New(t, m.URL, mfafront.Options{
		Devices:      []mfafront.Device{{Serial: dev.Serial, Secret: secret, UserARN: userARN, AccessKeyIDs: []string{key.ID}, SecretAccessKey: key.Secret}},
		RequireMFA:   []string{role},
		SessionRoles: map[string]string{userARN: "arn:aws:iam::123456789012:role/MFAUserSessions"},
		Now:          func() time.Time { return now },
	})
	client := func(c aws.Credentials) *sts.Client {
		return sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(front.URL), RetryMaxAttempts: 1,
			Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return c, nil })})
	}
	code := func(offset int) string {
		c, err := mfa.TOTP(secret, now.Add(time.Duration(offset)*30*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	temp := func(c *types.Credentials) aws.Credentials {
		return aws.Credentials{AccessKeyID: aws.ToString(c.AccessKeyId), SecretAccessKey: aws.ToString(c.SecretAccessKey), SessionToken: aws.ToString(c.SessionToken)}
	}
	user := client(aws.Credentials{AccessKeyID: key.ID, SecretAccessKey: key.Secret})
	ctx := t.Context()

	id, err := user.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Arn) != userARN {
		t.Fatalf("GetCallerIdentity with the user's keys through the front = %v, %v; want %s", id, err, userARN)
	}
	// moto's user ids are its own ("alvia…"), and the session's is the same.
	userID := aws.ToString(id.UserId)

	gst, err := user.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String(dev.Serial), TokenCode: aws.String(code(0))})
	if err != nil {
		t.Fatalf("GetSessionToken with a good code: %v", err)
	}
	// moto issued the session (a session of the stand-in role) and checks
	// its signature; the front names the user, as AWS does.
	sess := client(temp(gst.Credentials))
	id, err = sess.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Arn) != userARN || aws.ToString(id.Account) != "123456789012" || aws.ToString(id.UserId) != userID {
		t.Errorf("GetCallerIdentity with the session = %s %s %s, %v; want %s %s", aws.ToString(id.Arn), aws.ToString(id.UserId), aws.ToString(id.Account), err, userARN, userID)
	}
	// With MFA: the role that requires it, for 1 hour at most.
	var ae smithy.APIError
	_, err = sess.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("viasess"), DurationSeconds: aws.Int32(7200)})
	if !errors.As(err, &ae) || ae.ErrorCode() != "ValidationError" {
		t.Errorf("AssumeRole for 2h with the session: %v, want ValidationError", err)
	}
	ar, err := sess.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("viasess")})
	if err != nil {
		t.Fatalf("AssumeRole with the session: %v", err)
	}
	id, err = client(temp(ar.Credentials)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if want := "arn:aws:sts::123456789012:assumed-role/NeedsMFA/viasess"; err != nil || aws.ToString(id.Arn) != want {
		t.Errorf("GetCallerIdentity with the role session assumed with the session = %v, %v; want %s", id, err, want)
	}

	_, err = user.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String(dev.Serial), TokenCode: aws.String(code(0))})
	if !errors.As(err, &ae) || ae.ErrorMessage() != mfafront.MsgBadCode {
		t.Errorf("GetSessionToken with the same code again: %v, want %q", err, mfafront.MsgBadCode)
	}

	_, err = user.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String(userName)})
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" {
		t.Errorf("AssumeRole without MFA: %v, want AccessDenied", err)
	}
	ar, err = user.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String(userName),
		SerialNumber: aws.String(dev.Serial), TokenCode: aws.String(code(1))})
	if err != nil {
		t.Fatalf("AssumeRole with MFA: %v", err)
	}
	want := "arn:aws:sts::123456789012:assumed-role/NeedsMFA/" + userName
	id, err = client(temp(ar.Credentials)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Arn) != want {
		t.Errorf("GetCallerIdentity with the role session = %v, %v; want %s", id, err, want)
	}
	if got := front.UsedCodes(dev.Serial); len(got) != 2 || got[0] != code(0) || got[1] != code(1) {
		t.Errorf("UsedCodes = %q, want the two accepted codes", got)
	}
}
