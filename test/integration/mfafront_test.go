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
// untouched.
func TestMFAFrontMoto(t *testing.T) {
	const (
		userName = "mfauser"
		userARN  = "arn:aws:iam::123456789012:user/" + userName
		role     = "arn:aws:iam::123456789012:role/NeedsMFA"
	)
	// Seven IAM set-up requests pass unchecked; every STS request is signed.
	m := startMoto(t, 7)
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

	now := time.Now()
	front := mfafront.New(t, m.URL, mfafront.Options{
		Devices:    []mfafront.Device{{Serial: dev.Serial, Secret: secret, UserARN: userARN, AccessKeyIDs: []string{key.ID}}},
		RequireMFA: []string{role},
		Now:        func() time.Time { return now },
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

	gst, err := user.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String(dev.Serial), TokenCode: aws.String(code(0))})
	if err != nil {
		t.Fatalf("GetSessionToken with a good code: %v", err)
	}
	// moto answers GetSessionToken with fixed example keys that strict
	// moto itself refuses (docs/sso-and-iam-user.md §4); say so rather
	// than fail, and check the identity if a later moto fixes it.
	id, err = client(temp(gst.Credentials)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	var ae smithy.APIError
	var re interface{ HTTPStatusCode() int }
	switch {
	case err == nil && aws.ToString(id.Arn) != userARN:
		t.Errorf("GetCallerIdentity with the session = %s, want %s", aws.ToString(id.Arn), userARN)
	case errors.As(err, &re) && re.HTTPStatusCode() == 403:
		// moto 5.2 answers 403 with a body the SDK reads as UnknownError.
		t.Logf("moto's GetSessionToken keys (%s) are refused by strict moto, as known: %v", aws.ToString(gst.Credentials.AccessKeyId), err)
	case err != nil:
		t.Errorf("GetCallerIdentity with the session: %v", err)
	}

	_, err = user.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String(dev.Serial), TokenCode: aws.String(code(0))})
	if !errors.As(err, &ae) || ae.ErrorMessage() != mfafront.MsgBadCode {
		t.Errorf("GetSessionToken with the same code again: %v, want %q", err, mfafront.MsgBadCode)
	}

	_, err = user.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String(userName)})
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" {
		t.Errorf("AssumeRole without MFA: %v, want AccessDenied", err)
	}
	ar, err := user.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String(userName),
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
