package ssotest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/smithy-go"

	"github.com/seed-2d15385e/awsfed/sso/ssotest"
)

const startURL = "https://d-1234567890.awsapps.com/start"

// clock is a settable clock for Options.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fixture is a fake with a settable clock and SDK clients per region.
type fixture struct {
	t     *testing.T
	srv   *ssotest.Server
	clock *clock
}

// newFixture starts a fake serving us-east-1 and eu-west-1 with users alice
// and bob; mod may change the options first.
func newFixture(t *testing.T, mod func(*ssotest.Options)) *fixture {
	t.Helper()
	c := newClock()
	opts := ssotest.Options{
		Regions:  []string{"us-east-1", "eu-west-1"},
		StartURL: startURL,
		Users:    map[string]string{"alice": "alice@example.com", "bob": "bob@example.com"},
		Assignments: map[string]map[string][]string{
			"alice": {"111111111111": {"ReadOnly", "Admin"}},
			"bob":   {"222222222222": {"ReadOnly"}},
		},
		Now: c.Now,
	}
	if mod != nil {
		mod(&opts)
	}
	return &fixture{t: t, srv: ssotest.NewServer(t, opts), clock: c}
}

func (f *fixture) oidc(region string) *ssooidc.Client {
	return ssooidc.New(ssooidc.Options{
		Region:           region,
		BaseEndpoint:     aws.String(f.srv.OIDCURL(region)),
		RetryMaxAttempts: 1,
	})
}

func (f *fixture) portal(region string, attempts int) *sso.Client {
	return sso.New(sso.Options{
		Region:           region,
		BaseEndpoint:     aws.String(f.srv.PortalURL(region)),
		RetryMaxAttempts: attempts,
	})
}

// registration is a RegisterClient result.
type registration struct {
	region, id, secret string
}

// registerDevice registers as the CLI's device flow does; scopes as
// sso_registration_scopes gives them.
func (f *fixture) registerDevice(region string, scopes ...string) registration {
	f.t.Helper()
	in := &ssooidc.RegisterClientInput{ClientName: aws.String("botocore-client-s"), ClientType: aws.String("public")}
	if len(scopes) > 0 {
		in.Scopes = scopes
	}
	out, err := f.oidc(region).RegisterClient(context.Background(), in)
	if err != nil {
		f.t.Fatalf("RegisterClient: %v", err)
	}
	return registration{region, aws.ToString(out.ClientId), aws.ToString(out.ClientSecret)}
}

// registerPKCE registers as the CLI's authorization code flow does.
func (f *fixture) registerPKCE(region string) registration {
	f.t.Helper()
	out, err := f.oidc(region).RegisterClient(context.Background(), &ssooidc.RegisterClientInput{
		ClientName:   aws.String("botocore-client-s"),
		ClientType:   aws.String("public"),
		GrantTypes:   []string{"authorization_code", "refresh_token"},
		RedirectUris: []string{"http://127.0.0.1/oauth/callback"},
		IssuerUrl:    aws.String(startURL),
		Scopes:       []string{"sso:account:access"},
	})
	if err != nil {
		f.t.Fatalf("RegisterClient: %v", err)
	}
	return registration{region, aws.ToString(out.ClientId), aws.ToString(out.ClientSecret)}
}

func (f *fixture) startDevice(reg registration) *ssooidc.StartDeviceAuthorizationOutput {
	f.t.Helper()
	out, err := f.oidc(reg.region).StartDeviceAuthorization(context.Background(), &ssooidc.StartDeviceAuthorizationInput{
		ClientId: aws.String(reg.id), ClientSecret: aws.String(reg.secret), StartUrl: aws.String(startURL),
	})
	if err != nil {
		f.t.Fatalf("StartDeviceAuthorization: %v", err)
	}
	return out
}

func (f *fixture) pollDevice(region string, reg registration, deviceCode string) (*ssooidc.CreateTokenOutput, error) {
	return f.oidc(region).CreateToken(context.Background(), &ssooidc.CreateTokenInput{
		ClientId:     aws.String(reg.id),
		ClientSecret: aws.String(reg.secret),
		GrantType:    aws.String("urn:ietf:params:oauth:grant-type:device_code"),
		DeviceCode:   aws.String(deviceCode),
	})
}

func (f *fixture) refresh(region string, reg registration, token string) (*ssooidc.CreateTokenOutput, error) {
	return f.oidc(region).CreateToken(context.Background(), &ssooidc.CreateTokenInput{
		ClientId:     aws.String(reg.id),
		ClientSecret: aws.String(reg.secret),
		GrantType:    aws.String("refresh_token"),
		RefreshToken: aws.String(token),
	})
}

// deviceLogin runs a device login approved as user and returns the tokens.
func (f *fixture) deviceLogin(reg registration, user string) *ssooidc.CreateTokenOutput {
	f.t.Helper()
	da := f.startDevice(reg)
	if err := f.srv.Approve(aws.ToString(da.UserCode), user); err != nil {
		f.t.Fatal(err)
	}
	tok, err := f.pollDevice(reg.region, reg, aws.ToString(da.DeviceCode))
	if err != nil {
		f.t.Fatalf("CreateToken: %v", err)
	}
	return tok
}

// errorCode is the API error code of err, "" for nil, or the error text
// for an error that is not an API error.
func errorCode(err error) string {
	if err == nil {
		return ""
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return "not an API error: " + err.Error()
}

// raw sends a request by hand and returns status, headers and body.
func raw(t *testing.T, method, url, contentType, body string, header http.Header) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}
