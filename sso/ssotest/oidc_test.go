package ssotest_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc/types"

	"github.com/seed-2d15385e/awsfed/sso/ssotest"
)

func TestRegisterClient(t *testing.T) {
	t.Parallel()
	pkce := func(mod func(*ssooidc.RegisterClientInput)) *ssooidc.RegisterClientInput {
		in := &ssooidc.RegisterClientInput{
			ClientName:   aws.String("botocore-client-s"),
			ClientType:   aws.String("public"),
			GrantTypes:   []string{"authorization_code", "refresh_token"},
			RedirectUris: []string{"http://127.0.0.1/oauth/callback"},
			IssuerUrl:    aws.String(startURL),
			Scopes:       []string{"sso:account:access"},
		}
		if mod != nil {
			mod(in)
		}
		return in
	}
	tests := []struct {
		name     string
		in       *ssooidc.RegisterClientInput
		wantCode string
	}{
		{name: "device, no scopes", in: &ssooidc.RegisterClientInput{ClientName: aws.String("botocore-client-s"), ClientType: aws.String("public")}},
		{name: "device, sso:account:access", in: &ssooidc.RegisterClientInput{ClientName: aws.String("c"), ClientType: aws.String("public"), Scopes: []string{"sso:account:access"}}},
		{name: "PKCE as the CLI registers", in: pkce(nil)},
		{name: "confidential client", in: pkce(func(in *ssooidc.RegisterClientInput) { in.ClientType = aws.String("confidential") }), wantCode: "InvalidClientMetadataException"},
		{name: "unknown scope", in: pkce(func(in *ssooidc.RegisterClientInput) { in.Scopes = []string{"openid"} }), wantCode: "InvalidScopeException"},
		{name: "redirect URI with a port", in: pkce(func(in *ssooidc.RegisterClientInput) {
			in.RedirectUris = []string{"http://127.0.0.1:8080/oauth/callback"}
		}), wantCode: "InvalidRedirectUriException"},
		{name: "redirect URI on localhost", in: pkce(func(in *ssooidc.RegisterClientInput) {
			in.RedirectUris = []string{"http://localhost/oauth/callback"}
		}), wantCode: "InvalidRedirectUriException"},
		{name: "no redirect URI", in: pkce(func(in *ssooidc.RegisterClientInput) { in.RedirectUris = nil }), wantCode: "InvalidRedirectUriException"},
		{name: "another issuer", in: pkce(func(in *ssooidc.RegisterClientInput) {
			in.IssuerUrl = aws.String("https://d-9999999999.awsapps.com/start")
		}), wantCode: "InvalidRequestException"},
		{name: "unknown grant type", in: pkce(func(in *ssooidc.RegisterClientInput) { in.GrantTypes = []string{"password"} }), wantCode: "InvalidClientMetadataException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, nil)
			out, err := f.oidc("eu-west-1").RegisterClient(context.Background(), tt.in)
			if got := errorCode(err); got != tt.wantCode {
				t.Fatalf("error = %q (%v), want %q", got, err, tt.wantCode)
			}
			if err != nil {
				return
			}
			// AWS's client IDs end in their region, base64url.
			if suffix := base64.RawURLEncoding.EncodeToString([]byte("eu-west-1")); !strings.HasSuffix(aws.ToString(out.ClientId), suffix) {
				t.Errorf("clientId %q does not end in %s", aws.ToString(out.ClientId), suffix)
			}
			if got, want := out.ClientIdIssuedAt, f.clock.Now().Unix(); got != want {
				t.Errorf("clientIdIssuedAt = %d, want %d", got, want)
			}
			if got, want := out.ClientSecretExpiresAt, f.clock.Now().Add(90*24*time.Hour).Unix(); got != want {
				t.Errorf("clientSecretExpiresAt = %d, want %d", got, want)
			}
			if aws.ToString(out.ClientSecret) == "" {
				t.Error("no clientSecret")
			}
		})
	}
}

func TestDeviceFlow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		scopes      []string
		wantRefresh bool
		wantExpires int32
	}{
		// Without sso_registration_scopes the CLI registers no scope and
		// gets a legacy token lasting to the end of the session (8h from
		// the approval, a second before the token), no refresh token.
		{name: "no scopes", wantExpires: 8*3600 - 1},
		{name: "sso:account:access", scopes: []string{"sso:account:access"}, wantRefresh: true, wantExpires: 3600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, nil)
			reg := f.registerDevice("us-east-1", tt.scopes...)
			da := f.startDevice(reg)
			if got, want := [2]int32{da.ExpiresIn, da.Interval}, [2]int32{600, 1}; got != want {
				t.Errorf("expiresIn, interval = %v, want %v", got, want)
			}
			userCode := aws.ToString(da.UserCode)
			if want := f.srv.OIDCURL("us-east-1") + "/device/?user_code=" + userCode; aws.ToString(da.VerificationUriComplete) != want {
				t.Errorf("verificationUriComplete = %q, want %q", aws.ToString(da.VerificationUriComplete), want)
			}
			_, err := f.pollDevice("us-east-1", reg, aws.ToString(da.DeviceCode))
			var pending *types.AuthorizationPendingException
			if !errors.As(err, &pending) || aws.ToString(pending.Error_) != "authorization_pending" {
				t.Fatalf("before approval: %v, want AuthorizationPendingException with error authorization_pending", err)
			}
			if err := f.srv.Approve(userCode, "alice"); err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(time.Second)
			tok, err := f.pollDevice("us-east-1", reg, aws.ToString(da.DeviceCode))
			if err != nil {
				t.Fatalf("after approval: %v", err)
			}
			if got := aws.ToString(tok.RefreshToken) != ""; got != tt.wantRefresh {
				t.Errorf("refresh token given = %v, want %v", got, tt.wantRefresh)
			}
			if tok.ExpiresIn != tt.wantExpires || aws.ToString(tok.TokenType) != "Bearer" || aws.ToString(tok.AccessToken) == "" {
				t.Errorf("token: expiresIn %d type %q, want %d Bearer", tok.ExpiresIn, aws.ToString(tok.TokenType), tt.wantExpires)
			}
			f.clock.Advance(time.Second)
			_, err = f.pollDevice("us-east-1", reg, aws.ToString(da.DeviceCode))
			if got := errorCode(err); got != "InvalidGrantException" {
				t.Errorf("second use of the device code: %q, want InvalidGrantException", got)
			}
			// What the SDK sent, member by member.
			var got []string
			for _, r := range f.srv.Requests() {
				got = append(got, r.Operation+fmt.Sprint(r.Members))
			}
			want := []string{
				"RegisterClient[clientName clientType scopes]", "StartDeviceAuthorization[clientId clientSecret startUrl]",
				"CreateToken[clientId clientSecret deviceCode grantType]", "CreateToken[clientId clientSecret deviceCode grantType]",
				"CreateToken[clientId clientSecret deviceCode grantType]",
			}
			if len(tt.scopes) == 0 {
				want[0] = "RegisterClient[clientName clientType]"
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("requests:\n got %q\nwant %q", got, want)
			}
		})
	}
}

func TestDeviceFlowErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// run drives the flow after StartDeviceAuthorization and returns
		// the last CreateToken's error.
		run      func(f *fixture, reg registration, da *ssooidc.StartDeviceAuthorizationOutput) error
		wantCode string
	}{
		{
			name: "polling faster than the interval",
			run: func(f *fixture, reg registration, da *ssooidc.StartDeviceAuthorizationOutput) error {
				f.pollDevice("us-east-1", reg, aws.ToString(da.DeviceCode))
				_, err := f.pollDevice("us-east-1", reg, aws.ToString(da.DeviceCode))
				return err
			},
			wantCode: "SlowDownException",
		},
		{
			name: "slow_down adds 5 s to the interval",
			run: func(f *fixture, reg registration, da *ssooidc.StartDeviceAuthorizationOutput) error {
				f.pollDevice("us-east-1", reg, aws.ToString(da.DeviceCode))
				f.pollDevice("us-east-1", reg, aws.ToString(da.DeviceCode)) // slow_down: 6 s now
				f.clock.Advance(5 * time.Second)
				_, err := f.pollDevice("us-east-1", reg, aws.ToString(da.DeviceCode))
				return err
			},
			wantCode: "SlowDownException",
		},
		{
			name: "polling at the grown interval",
			run: func(f *fixture, reg registration, da *ssooidc.StartDeviceAuthorizationOutput) error {
				f.pollDevice("us-east-1", reg, aws.ToString(da.DeviceCode))
				f.pollDevice("us-east-1", reg, aws.ToString(da.DeviceCode))
				f.clock.Advance(6 * time.Second)
				_, err := f.pollDevice("us-east-1", reg, aws.ToString(da.DeviceCode))
				return err
			},
			wantCode: "AuthorizationPendingException",
		},
		{
			name: "after expiresIn",
			run: func(f *fixture, reg registration, da *ssooidc.StartDeviceAuthorizationOutput) error {
				f.clock.Advance(600 * time.Second)
				if err := f.srv.Approve(aws.ToString(da.UserCode), "alice"); err == nil {
					f.t.Error("Approve of an expired user code succeeded")
				}
				_, err := f.pollDevice("us-east-1", reg, aws.ToString(da.DeviceCode))
				return err
			},
			wantCode: "ExpiredTokenException",
		},
		{
			name: "denied",
			run: func(f *fixture, reg registration, da *ssooidc.StartDeviceAuthorizationOutput) error {
				if err := f.srv.Deny(aws.ToString(da.UserCode)); err != nil {
					f.t.Fatal(err)
				}
				_, err := f.pollDevice("us-east-1", reg, aws.ToString(da.DeviceCode))
				return err
			},
			wantCode: "AccessDeniedException",
		},
		{
			name: "another client's device code",
			run: func(f *fixture, reg registration, da *ssooidc.StartDeviceAuthorizationOutput) error {
				f.srv.Approve(aws.ToString(da.UserCode), "alice")
				other := f.registerDevice("us-east-1", "sso:account:access")
				_, err := f.pollDevice("us-east-1", other, aws.ToString(da.DeviceCode))
				return err
			},
			wantCode: "InvalidGrantException",
		},
		{
			name: "unknown device code",
			run: func(f *fixture, reg registration, da *ssooidc.StartDeviceAuthorizationOutput) error {
				_, err := f.pollDevice("us-east-1", reg, "not-a-device-code")
				return err
			},
			wantCode: "InvalidGrantException",
		},
		{
			name: "wrong client secret",
			run: func(f *fixture, reg registration, da *ssooidc.StartDeviceAuthorizationOutput) error {
				reg.secret = "x" + reg.secret
				_, err := f.pollDevice("us-east-1", reg, aws.ToString(da.DeviceCode))
				return err
			},
			wantCode: "InvalidClientException",
		},
		{
			name: "at another region's endpoint",
			run: func(f *fixture, reg registration, da *ssooidc.StartDeviceAuthorizationOutput) error {
				f.srv.Approve(aws.ToString(da.UserCode), "alice")
				_, err := f.pollDevice("eu-west-1", reg, aws.ToString(da.DeviceCode))
				var re *types.InvalidRequestRegionException
				if !errors.As(err, &re) || aws.ToString(re.Region) != "us-east-1" || aws.ToString(re.Endpoint) != f.srv.OIDCURL("us-east-1") {
					f.t.Errorf("region error %v does not name us-east-1 and its endpoint", err)
				}
				return err
			},
			wantCode: "InvalidRequestRegionException",
		},
		{
			name: "registration expired",
			run: func(f *fixture, reg registration, da *ssooidc.StartDeviceAuthorizationOutput) error {
				f.srv.Approve(aws.ToString(da.UserCode), "alice")
				f.clock.Advance(90 * 24 * time.Hour)
				_, err := f.pollDevice("us-east-1", reg, aws.ToString(da.DeviceCode))
				return err
			},
			wantCode: "InvalidClientException",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, nil)
			reg := f.registerDevice("us-east-1", "sso:account:access")
			da := f.startDevice(reg)
			err := tt.run(f, reg, da)
			if got := errorCode(err); got != tt.wantCode {
				t.Errorf("error = %q (%v), want %q", got, err, tt.wantCode)
			}
		})
	}
}

func TestStartDeviceAuthorizationErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		reg      func(f *fixture) registration
		region   string
		startURL string
		wantCode string
	}{
		{name: "start URL with #/", reg: func(f *fixture) registration { return f.registerDevice("us-east-1") }, region: "us-east-1", startURL: startURL + "#/"},
		{name: "another start URL", reg: func(f *fixture) registration { return f.registerDevice("us-east-1") }, region: "us-east-1",
			startURL: "https://d-9999999999.awsapps.com/start", wantCode: "InvalidRequestException"},
		{name: "a PKCE registration", reg: func(f *fixture) registration { return f.registerPKCE("us-east-1") }, region: "us-east-1",
			startURL: startURL, wantCode: "UnauthorizedClientException"},
		{name: "client of another region", reg: func(f *fixture) registration { return f.registerDevice("eu-west-1") }, region: "us-east-1",
			startURL: startURL, wantCode: "InvalidRequestRegionException"},
		{name: "unknown client", reg: func(f *fixture) registration { return registration{id: "nobody", secret: "x"} }, region: "us-east-1",
			startURL: startURL, wantCode: "InvalidClientException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, nil)
			reg := tt.reg(f)
			_, err := f.oidc(tt.region).StartDeviceAuthorization(context.Background(), &ssooidc.StartDeviceAuthorizationInput{
				ClientId: aws.String(reg.id), ClientSecret: aws.String(reg.secret), StartUrl: aws.String(tt.startURL),
			})
			if got := errorCode(err); got != tt.wantCode {
				t.Errorf("error = %q (%v), want %q", got, err, tt.wantCode)
			}
		})
	}
}

// TestPendingWire checks the bytes of an AuthorizationPendingException as
// AWS sends them.
func TestPendingWire(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	reg := f.registerDevice("us-east-1")
	da := f.startDevice(reg)
	body, _ := json.Marshal(map[string]string{
		"clientId": reg.id, "clientSecret": reg.secret,
		"grantType": "urn:ietf:params:oauth:grant-type:device_code", "deviceCode": aws.ToString(da.DeviceCode),
	})
	status, header, got := raw(t, "POST", f.srv.OIDCURL("us-east-1")+"/token", "application/json", string(body), nil)
	if status != 400 {
		t.Errorf("status = %d, want 400", status)
	}
	if got, want := header.Get("X-Amzn-ErrorType"), "AuthorizationPendingException:http://internal.amazon.com/coral/com.amazonaws.sso.oidc/"; got != want {
		t.Errorf("X-Amzn-ErrorType = %q, want %q", got, want)
	}
	if want := `{"error":"authorization_pending","error_description":"Authorization is still pending"}` + "\n"; got != want {
		t.Errorf("body = %s, want %s", got, want)
	}
	if header.Get("Content-Type") != "application/json" || header.Get("X-Amzn-RequestId") == "" {
		t.Errorf("headers %v lack Content-Type application/json or a request ID", header)
	}
}

func TestRefresh(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts func(*ssotest.Options)
		// run returns the error of the refresh under test.
		run      func(f *fixture, reg registration, tok *ssooidc.CreateTokenOutput) error
		wantCode string
	}{
		{
			name: "before the session ends",
			run: func(f *fixture, reg registration, tok *ssooidc.CreateTokenOutput) error {
				f.clock.Advance(2 * time.Hour) // the access token has expired; the session has not
				out, err := f.refresh("us-east-1", reg, aws.ToString(tok.RefreshToken))
				if err == nil && (aws.ToString(out.AccessToken) == aws.ToString(tok.AccessToken) || aws.ToString(out.RefreshToken) == "" ||
					aws.ToString(out.RefreshToken) == aws.ToString(tok.RefreshToken) || out.ExpiresIn != 3600) {
					f.t.Errorf("refresh answered %+v: want a new access token for 3600 s and a new refresh token", out)
				}
				return err
			},
		},
		{
			name: "used refresh token",
			run: func(f *fixture, reg registration, tok *ssooidc.CreateTokenOutput) error {
				if _, err := f.refresh("us-east-1", reg, aws.ToString(tok.RefreshToken)); err != nil {
					f.t.Fatal(err)
				}
				_, err := f.refresh("us-east-1", reg, aws.ToString(tok.RefreshToken))
				return err
			},
			wantCode: "InvalidGrantException",
		},
		{
			name: "used refresh token, KeepRefreshTokens",
			opts: func(o *ssotest.Options) { o.KeepRefreshTokens = true },
			run: func(f *fixture, reg registration, tok *ssooidc.CreateTokenOutput) error {
				if _, err := f.refresh("us-east-1", reg, aws.ToString(tok.RefreshToken)); err != nil {
					f.t.Fatal(err)
				}
				_, err := f.refresh("us-east-1", reg, aws.ToString(tok.RefreshToken))
				return err
			},
		},
		{
			name: "after EndSession",
			run: func(f *fixture, reg registration, tok *ssooidc.CreateTokenOutput) error {
				if n := f.srv.EndSession("alice"); n != 1 {
					f.t.Errorf("EndSession ended %d sessions, want 1", n)
				}
				_, err := f.refresh("us-east-1", reg, aws.ToString(tok.RefreshToken))
				return err
			},
			wantCode: "InvalidGrantException",
		},
		{
			name: "after the session length",
			run: func(f *fixture, reg registration, tok *ssooidc.CreateTokenOutput) error {
				f.clock.Advance(8 * time.Hour)
				_, err := f.refresh("us-east-1", reg, aws.ToString(tok.RefreshToken))
				return err
			},
			wantCode: "InvalidGrantException",
		},
		{
			name: "another client",
			run: func(f *fixture, reg registration, tok *ssooidc.CreateTokenOutput) error {
				other := f.registerDevice("us-east-1", "sso:account:access")
				_, err := f.refresh("us-east-1", other, aws.ToString(tok.RefreshToken))
				return err
			},
			wantCode: "InvalidGrantException",
		},
		{
			name: "another region",
			run: func(f *fixture, reg registration, tok *ssooidc.CreateTokenOutput) error {
				other := f.registerDevice("eu-west-1", "sso:account:access")
				_, err := f.refresh("eu-west-1", other, aws.ToString(tok.RefreshToken))
				return err
			},
			wantCode: "InvalidRequestRegionException",
		},
		{
			name: "registration without refresh",
			run: func(f *fixture, reg registration, tok *ssooidc.CreateTokenOutput) error {
				legacy := f.registerDevice("us-east-1")
				_, err := f.refresh("us-east-1", legacy, aws.ToString(tok.RefreshToken))
				return err
			},
			wantCode: "UnauthorizedClientException",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, tt.opts)
			reg := f.registerDevice("us-east-1", "sso:account:access")
			tok := f.deviceLogin(reg, "alice")
			err := tt.run(f, reg, tok)
			if got := errorCode(err); got != tt.wantCode {
				t.Errorf("error = %q (%v), want %q", got, err, tt.wantCode)
			}
		})
	}
}
