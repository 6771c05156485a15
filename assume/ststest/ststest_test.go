package ststest_test

import (
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/seed-2d15385e/awsfed/assume/ststest"
	"github.com/seed-2d15385e/awsfed/idp/idptest"
)

type errorBody struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Type    string   `xml:"Error>Type"`
	Code    string   `xml:"Error>Code"`
	Message string   `xml:"Error>Message"`
	ReqID   string   `xml:"RequestId"`
}

func post(t *testing.T, srv *ststest.Server, form url.Values, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func samlForm(mod func(url.Values)) url.Values {
	f := url.Values{
		"Action":        {"AssumeRoleWithSAML"},
		"Version":       {"2011-06-15"},
		"RoleArn":       {idptest.RoleARN},
		"PrincipalArn":  {idptest.PrincipalARN},
		"SAMLAssertion": {idptest.DefaultSAMLResponse()},
	}
	if mod != nil {
		mod(f)
	}
	return f
}

func TestErrors(t *testing.T) {
	t.Parallel()
	now := time.Now()
	tests := []struct {
		name        string
		opts        []ststest.Option
		form        url.Values
		wantStatus  int
		wantCode    string
		wantMessage string
	}{
		{
			name:        "missing parameters",
			form:        samlForm(func(f url.Values) { f.Del("RoleArn"); f.Del("PrincipalArn") }),
			wantStatus:  400,
			wantCode:    "ValidationError",
			wantMessage: "2 validation errors detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null; Value null at 'principalArn' failed to satisfy constraint: Member must not be null",
		},
		{
			name:        "duration below 900",
			form:        samlForm(func(f url.Values) { f.Set("DurationSeconds", "600") }),
			wantStatus:  400,
			wantCode:    "ValidationError",
			wantMessage: "1 validation error detected: Value '600' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
		},
		{
			name:        "duration above 43200",
			form:        samlForm(func(f url.Values) { f.Set("DurationSeconds", "50000") }),
			wantStatus:  400,
			wantCode:    "ValidationError",
			wantMessage: "1 validation error detected: Value '50000' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200",
		},
		{
			name:        "above the role's MaxSessionDuration",
			opts:        []ststest.Option{ststest.WithMaxSessionDuration(idptest.RoleARN, 2*time.Hour)},
			form:        samlForm(func(f url.Values) { f.Set("DurationSeconds", "7201") }),
			wantStatus:  400,
			wantCode:    "ValidationError",
			wantMessage: "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
		},
		{
			name:        "principal does not match the role",
			form:        samlForm(func(f url.Values) { f.Set("PrincipalArn", "arn:aws:iam::123456789012:saml-provider/Other") }),
			wantStatus:  403,
			wantCode:    "AccessDenied",
			wantMessage: "Not authorized to perform sts:AssumeRoleWithSAML",
		},
		{
			name:        "expired by the server's clock",
			opts:        []ststest.Option{ststest.WithClock(func() time.Time { return now.Add(10 * time.Minute) })},
			form:        samlForm(nil),
			wantStatus:  400,
			wantCode:    "ExpiredTokenException",
			wantMessage: "Response has expired",
		},
		{
			name:        "not base64",
			form:        samlForm(func(f url.Values) { f.Set("SAMLAssertion", "<samlp:Response/>") }),
			wantStatus:  400,
			wantCode:    "InvalidIdentityToken",
			wantMessage: "Invalid SAML Response",
		},
		{
			name: "session name too long",
			form: samlForm(func(f url.Values) {
				f.Set("SAMLAssertion", idptest.SAMLResponse(idptest.AssertionOptions{SessionName: strings.Repeat("a", 65)}))
			}),
			wantStatus:  400,
			wantCode:    "InvalidIdentityToken",
			wantMessage: "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}",
		},
		{
			name:        "unknown action",
			form:        url.Values{"Action": {"GetFederationToken"}, "Version": {"2011-06-15"}},
			wantStatus:  400,
			wantCode:    "InvalidAction",
			wantMessage: "Could not find operation GetFederationToken for version 2011-06-15",
		},
		{
			name:        "forced failure",
			opts:        []ststest.Option{ststest.WithFailure("Throttling", "Rate exceeded", 400)},
			form:        samlForm(nil),
			wantStatus:  400,
			wantCode:    "Throttling",
			wantMessage: "Rate exceeded",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := ststest.NewServer(t, tt.opts...)
			resp, body := post(t, srv, tt.form, nil)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "text/xml" {
				t.Errorf("Content-Type = %q, want text/xml", ct)
			}
			var got errorBody
			if err := xml.Unmarshal(body, &got); err != nil {
				t.Fatalf("error body %s: %v", body, err)
			}
			if got.Code != tt.wantCode || got.Message != tt.wantMessage || got.Type != "Sender" || got.ReqID == "" {
				t.Errorf("error = %+v\nwant Sender %s %q with a RequestId", got, tt.wantCode, tt.wantMessage)
			}
			if !strings.HasPrefix(string(body), `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">`) {
				t.Errorf("body does not start like STS's: %.80s", body)
			}
			if len(srv.Issued()) != 0 {
				t.Errorf("credentials issued despite the error")
			}
		})
	}
}

func TestSAMLSuccessBody(t *testing.T) {
	t.Parallel()
	srv := ststest.NewServer(t)
	header := http.Header{"Authorization": {"AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=00"}}
	resp, body := post(t, srv, samlForm(func(f url.Values) { f.Set("DurationSeconds", "900") }), header)
	if resp.StatusCode != 200 {
		t.Fatalf("status = %d, body %s", resp.StatusCode, body)
	}
	var got struct {
		XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ AssumeRoleWithSAMLResponse"`
		R       struct {
			AccessKeyID   string `xml:"Credentials>AccessKeyId"`
			Secret        string `xml:"Credentials>SecretAccessKey"`
			Token         string `xml:"Credentials>SessionToken"`
			Expiration    string `xml:"Credentials>Expiration"`
			RoleID        string `xml:"AssumedRoleUser>AssumedRoleId"`
			Arn           string `xml:"AssumedRoleUser>Arn"`
			Subject       string `xml:"Subject"`
			SubjectType   string `xml:"SubjectType"`
			Issuer        string `xml:"Issuer"`
			Audience      string `xml:"Audience"`
			NameQualifier string `xml:"NameQualifier"`
		} `xml:"AssumeRoleWithSAMLResult"`
		RequestID string `xml:"ResponseMetadata>RequestId"`
	}
	if err := xml.Unmarshal(body, &got); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	r := got.R
	sum := sha1.Sum([]byte(idptest.Issuer + "123456789012/TestIdP"))
	checks := []struct {
		field, got string
		want       *regexp.Regexp
	}{
		{"AccessKeyId", r.AccessKeyID, regexp.MustCompile(`^ASIA[A-Z2-7]{16}$`)},
		{"SecretAccessKey", r.Secret, regexp.MustCompile(`^[A-Za-z0-9+/]{40}$`)},
		{"SessionToken", r.Token, regexp.MustCompile(`^[A-Za-z0-9+/=]{100,}$`)},
		{"Expiration", r.Expiration, regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)},
		{"AssumedRoleId", r.RoleID, regexp.MustCompile(`^AROA[A-Z2-7]{17}:alice@example\.com$`)},
		{"Arn", r.Arn, regexp.MustCompile(`^arn:aws:sts::123456789012:assumed-role/Developer/alice@example\.com$`)},
		{"Subject", r.Subject, regexp.MustCompile(`^alice$`)},
		{"SubjectType", r.SubjectType, regexp.MustCompile(`^persistent$`)},
		{"Issuer", r.Issuer, regexp.MustCompile("^" + regexp.QuoteMeta(idptest.Issuer) + "$")},
		{"Audience", r.Audience, regexp.MustCompile(`^https://signin\.aws\.amazon\.com/saml$`)},
		{"NameQualifier", r.NameQualifier, regexp.MustCompile("^" + regexp.QuoteMeta(base64.StdEncoding.EncodeToString(sum[:])) + "$")},
		{"RequestId", got.RequestID, regexp.MustCompile(`^[0-9a-f-]{36}$`)},
	}
	for _, c := range checks {
		if !c.want.MatchString(c.got) {
			t.Errorf("%s = %q, want match for %s", c.field, c.got, c.want)
		}
	}
	exp, err := time.Parse(time.RFC3339, r.Expiration)
	if err != nil || time.Until(exp) > 15*time.Minute+2*time.Second || time.Until(exp) < 14*time.Minute {
		t.Errorf("Expiration %s is not 15 minutes from now (%v)", r.Expiration, err)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Authorization != header.Get("Authorization") || !reqs[0].Signed() {
		t.Errorf("Requests() = %+v, want the signed request recorded", reqs)
	}
}

func sdkClient(srv *ststest.Server, creds aws.Credentials) *sts.Client {
	return sts.New(sts.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(srv.URL),
		HTTPClient:       srv.Client(),
		RetryMaxAttempts: 1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return creds, nil
		}),
	})
}

func samlCredentials(t *testing.T, srv *ststest.Server) ststest.Issued {
	t.Helper()
	resp, body := post(t, srv, samlForm(nil), nil)
	if resp.StatusCode != 200 {
		t.Fatalf("AssumeRoleWithSAML status %d: %s", resp.StatusCode, body)
	}
	issued := srv.Issued()
	return issued[len(issued)-1]
}

func TestGetCallerIdentity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		mod      func(*aws.Credentials)
		wantCode string
	}{
		{name: "issued credentials"},
		{name: "wrong secret", mod: func(c *aws.Credentials) { c.SecretAccessKey = "x" + c.SecretAccessKey[1:] }, wantCode: "SignatureDoesNotMatch"},
		{name: "truncated token", mod: func(c *aws.Credentials) { c.SessionToken = c.SessionToken[:50] }, wantCode: "InvalidClientTokenId"},
		{name: "unknown key", mod: func(c *aws.Credentials) { c.AccessKeyID = "ASIAAAAAAAAAAAAAAAAA" }, wantCode: "InvalidClientTokenId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := ststest.NewServer(t, ststest.WithTLS())
			is := samlCredentials(t, srv)
			creds := aws.Credentials{AccessKeyID: is.AccessKeyID, SecretAccessKey: is.SecretAccessKey, SessionToken: is.SessionToken}
			if tt.mod != nil {
				tt.mod(&creds)
			}
			out, err := sdkClient(srv, creds).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
			if tt.wantCode != "" {
				var ae smithy.APIError
				if !errors.As(err, &ae) || ae.ErrorCode() != tt.wantCode {
					t.Errorf("GetCallerIdentity error = %v, want %s", err, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatalf("GetCallerIdentity error = %v", err)
			}
			if got := aws.ToString(out.Arn); got != is.PrincipalARN || aws.ToString(out.Account) != "123456789012" || aws.ToString(out.UserId) != is.AssumedRoleID {
				t.Errorf("GetCallerIdentity = %s %s %s, want %s 123456789012 %s", got, aws.ToString(out.Account), aws.ToString(out.UserId), is.PrincipalARN, is.AssumedRoleID)
			}
		})
	}
}

func TestExpiredCredentials(t *testing.T) {
	t.Parallel()
	var offset atomic.Int64
	srv := ststest.NewServer(t, ststest.WithClock(func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }))
	is := samlCredentials(t, srv)
	offset.Store(int64(2 * time.Hour))
	creds := aws.Credentials{AccessKeyID: is.AccessKeyID, SecretAccessKey: is.SecretAccessKey, SessionToken: is.SessionToken}
	_, err := sdkClient(srv, creds).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ExpiredToken" {
		t.Errorf("GetCallerIdentity error = %v, want ExpiredToken", err)
	}
}

func TestUnsignedGetCallerIdentity(t *testing.T) {
	t.Parallel()
	srv := ststest.NewServer(t)
	resp, body := post(t, srv, url.Values{"Action": {"GetCallerIdentity"}, "Version": {"2011-06-15"}}, nil)
	var got errorBody
	_ = xml.Unmarshal(body, &got)
	if resp.StatusCode != 403 || got.Code != "MissingAuthenticationToken" {
		t.Errorf("unsigned GetCallerIdentity = %d %s, want 403 MissingAuthenticationToken", resp.StatusCode, got.Code)
	}
}

func TestAssumeRoleChain(t *testing.T) {
	t.Parallel()
	target := "arn:aws:iam::444455556666:role/TargetRole"
	srv := ststest.NewServer(t, ststest.WithMaxSessionDuration(target, 12*time.Hour))
	is := samlCredentials(t, srv)
	client := sdkClient(srv, aws.Credentials{AccessKeyID: is.AccessKeyID, SecretAccessKey: is.SecretAccessKey, SessionToken: is.SessionToken})
	ctx := context.Background()

	_, err := client.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(target), RoleSessionName: aws.String("hop"), DurationSeconds: aws.Int32(7200)})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorMessage() != "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining." {
		t.Errorf("AssumeRole for 2h error = %v, want the role chaining limit", err)
	}

	out, err := client.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(target), RoleSessionName: aws.String("hop")})
	if err != nil {
		t.Fatalf("AssumeRole error = %v", err)
	}
	wantARN := "arn:aws:sts::444455556666:assumed-role/TargetRole/hop"
	if got := aws.ToString(out.AssumedRoleUser.Arn); got != wantARN {
		t.Errorf("AssumeRole ARN = %s, want %s", got, wantARN)
	}
	c := out.Credentials
	chained := sdkClient(srv, aws.Credentials{AccessKeyID: aws.ToString(c.AccessKeyId), SecretAccessKey: aws.ToString(c.SecretAccessKey), SessionToken: aws.ToString(c.SessionToken)})
	id, err := chained.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Arn) != wantARN {
		t.Errorf("GetCallerIdentity with chained credentials = %v, %v; want %s", id, err, wantARN)
	}
	issued := srv.Issued()
	if len(issued) != 2 || !issued[1].Chained || issued[1].Action != "AssumeRole" {
		t.Errorf("Issued() = %+v, want the SAML session then a chained AssumeRole session", issued)
	}
}

func TestHTMLFailure(t *testing.T) {
	t.Parallel()
	srv := ststest.NewServer(t, ststest.WithHTMLFailure(500))
	resp, body := post(t, srv, samlForm(nil), nil)
	if resp.StatusCode != 500 || !strings.HasPrefix(string(body), "<!doctype html>") {
		t.Errorf("answer = %d %.40q, want a 500 HTML page", resp.StatusCode, body)
	}
}
