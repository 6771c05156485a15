package assume_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/seed-2d15385e/awsfed/assume"
	"github.com/seed-2d15385e/awsfed/assume/ststest"
	"github.com/seed-2d15385e/awsfed/idp"
	"github.com/seed-2d15385e/awsfed/idp/idptest"
)

var testRole = idp.Role{RoleARN: idptest.RoleARN, PrincipalARN: idptest.PrincipalARN}

func newClient(srv *ststest.Server) *sts.Client {
	return assume.NewClient(assume.ClientOptions{Region: "us-east-1", Endpoint: srv.URL, HTTPClient: srv.Client()})
}

func TestWithSAML(t *testing.T) {
	t.Parallel()
	otherRole := "arn:aws:iam::123456789012:role/Admin"
	tests := []struct {
		name      string
		opts      []ststest.Option
		assertion idptest.AssertionOptions
		// sessionCap, if set, is the assertion's SessionNotOnOrAfter
		// from the moment the subtest starts.
		sessionCap time.Duration
		role       idp.Role
		duration   time.Duration
		// wantDurations is the DurationSeconds of each request STS saw.
		wantDurations []int
		wantNotice    string
		// wantLifetime is how long the credentials last, give or take 5s.
		wantLifetime time.Duration
		// wantCode and wantErr describe the *assume.Error, if one is wanted.
		wantCode   string
		wantStatus int
		wantErr    []string
	}{
		{
			name:          "default duration is left to STS",
			wantDurations: []int{0},
			wantLifetime:  time.Hour,
		},
		{
			name:          "requested duration within the role's maximum",
			opts:          []ststest.Option{ststest.WithMaxSessionDuration(idptest.RoleARN, 4*time.Hour)},
			duration:      2 * time.Hour,
			wantDurations: []int{7200},
			wantLifetime:  2 * time.Hour,
		},
		{
			name:          "provider first in the Role value, among several roles",
			assertion:     idptest.AssertionOptions{Roles: []string{otherRole + "," + idptest.PrincipalARN, " " + idptest.PrincipalARN + " , " + idptest.RoleARN + ","}},
			duration:      15 * time.Minute,
			wantDurations: []int{900},
			wantLifetime:  15 * time.Minute,
		},
		{
			name:          "session capped by the assertion's SessionNotOnOrAfter",
			opts:          []ststest.Option{ststest.WithMaxSessionDuration(idptest.RoleARN, 12*time.Hour)},
			sessionCap:    30 * time.Minute,
			duration:      12 * time.Hour,
			wantDurations: []int{43200},
			wantLifetime:  30 * time.Minute,
		},
		{
			name:          "above MaxSessionDuration: one retry at 1h, with a notice",
			duration:      12 * time.Hour,
			wantDurations: []int{43200, 3600},
			wantNotice:    "STS refused a 12h0m0s session: " + idptest.RoleARN + " allows less; asked STS again for 1h0m0s\n",
			wantLifetime:  time.Hour,
		},
		{
			name:          "retry at 1h refused too",
			opts:          []ststest.Option{ststest.WithMaxSessionDuration(idptest.RoleARN, 30*time.Minute)},
			duration:      8 * time.Hour,
			wantDurations: []int{28800, 3600},
			wantNotice:    "STS refused a 8h0m0s session: " + idptest.RoleARN + " allows less; asked STS again for 1h0m0s\n",
			wantCode:      "ValidationError",
			wantStatus:    400,
			wantErr: []string{
				"STS refused a 1h0m0s session for " + idptest.RoleARN,
				"The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
				"pass a shorter --duration",
			},
		},
		{
			name:          "1h above the role's maximum is not retried",
			opts:          []ststest.Option{ststest.WithMaxSessionDuration(idptest.RoleARN, 30*time.Minute)},
			duration:      time.Hour,
			wantDurations: []int{3600},
			wantCode:      "ValidationError",
			wantStatus:    400,
			wantErr:       []string{"STS refused a 1h0m0s session for " + idptest.RoleARN},
		},
		{
			name:          "role not in the assertion",
			role:          idp.Role{RoleARN: otherRole, PrincipalARN: idptest.PrincipalARN},
			wantDurations: []int{0},
			wantCode:      "AccessDenied",
			wantStatus:    403,
			wantErr: []string{
				"STS refused AssumeRoleWithSAML for " + otherRole + ": access denied",
				"Not authorized to perform sts:AssumeRoleWithSAML",
				"— check the role's trust policy and that the SAML provider " + idptest.PrincipalARN + " exists in that account",
			},
		},
		{
			name:          "expired assertion",
			assertion:     idptest.AssertionOptions{Now: time.Now().Add(-10 * time.Minute), NotOnOrAfter: time.Now().Add(-5 * time.Minute)},
			wantDurations: []int{0},
			wantCode:      "ExpiredTokenException",
			wantStatus:    400,
			wantErr:       []string{"the SAML assertion has expired", "Response has expired", "log in again (and check this machine's clock)"},
		},
		{
			name:          "bad RoleSessionName",
			assertion:     idptest.AssertionOptions{SessionName: "alice smith"},
			wantDurations: []int{0},
			wantCode:      "InvalidIdentityToken",
			wantStatus:    400,
			wantErr:       []string{"STS rejected the SAML assertion for " + idptest.RoleARN, "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}"},
		},
		{
			name:          "missing RoleSessionName",
			assertion:     idptest.AssertionOptions{NoSessionName: true},
			wantDurations: []int{0},
			wantCode:      "InvalidIdentityToken",
			wantStatus:    400,
			wantErr:       []string{"RoleSessionName is required in AuthnResponse"},
		},
		{
			name:     "duration below 15m refused before calling",
			duration: 10 * time.Minute,
			wantErr:  []string{"--duration 10m0s is outside what STS allows (15m to 12h)", "pass a --duration between 15m and 12h"},
		},
		{
			name:     "duration above 12h refused before calling",
			duration: 13 * time.Hour,
			wantErr:  []string{"--duration 13h0m0s is outside"},
		},
		{
			name: "region disabled",
			opts: []ststest.Option{ststest.WithFailure("RegionDisabledException",
				"STS is not activated in this region for account:123456789012. Your account administrator can activate STS in this region using the IAM Console.", 403)},
			wantDurations: []int{0},
			wantCode:      "RegionDisabledException",
			wantStatus:    403,
			wantErr:       []string{"STS is not activated in this region", "pass --region us-east-1"},
		},
		{
			name:          "IdP rejected claim",
			opts:          []ststest.Option{ststest.WithFailure("IDPRejectedClaim", "Assertion rejected", 403)},
			wantDurations: []int{0},
			wantCode:      "IDPRejectedClaim",
			wantStatus:    403,
			wantErr:       []string{"the identity provider rejected the claim for " + idptest.RoleARN, "Assertion rejected"},
		},
		{
			name:          "moto-style HTML 500, retried by the SDK",
			opts:          []ststest.Option{ststest.WithHTMLFailure(500)},
			wantDurations: []int{0, 0, 0},
			wantStatus:    500,
			wantErr:       []string{"answered HTTP 500 with something that is not an STS reply (text/html)", "AWS_ENDPOINT_URL_STS"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := ststest.NewServer(t, tt.opts...)
			role := tt.role
			if role == (idp.Role{}) {
				role = testRole
			}
			if tt.sessionCap != 0 {
				tt.assertion.SessionNotOnOrAfter = time.Now().Add(tt.sessionCap)
			}
			assertion := idptest.SAMLResponse(tt.assertion)
			var notices bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()

			start := time.Now()
			got, err := assume.WithSAML(ctx, newClient(srv), assume.SAMLInput{Role: role, Assertion: assertion, Duration: tt.duration}, &notices)

			reqs := srv.Requests()
			var gotDurations []int
			for _, r := range reqs {
				gotDurations = append(gotDurations, r.DurationSeconds)
				if r.Action != "AssumeRoleWithSAML" || r.Version != "2011-06-15" || r.Method != "POST" {
					t.Errorf("request = %s %s version %s, want POST AssumeRoleWithSAML version 2011-06-15", r.Method, r.Action, r.Version)
				}
				if r.RoleARN != role.RoleARN || r.PrincipalARN != role.PrincipalARN || r.SAMLAssertion != assertion {
					t.Errorf("request RoleArn %q PrincipalArn %q (assertion sent as is: %v), want %q %q",
						r.RoleARN, r.PrincipalARN, r.SAMLAssertion == assertion, role.RoleARN, role.PrincipalARN)
				}
				if r.Signed() {
					t.Errorf("request carried credentials: Authorization %q, X-Amz-Security-Token %q", r.Authorization, r.SecurityToken)
				}
			}
			if !slices.Equal(gotDurations, tt.wantDurations) {
				t.Errorf("DurationSeconds sent = %v, want %v", gotDurations, tt.wantDurations)
			}
			if got := notices.String(); got != tt.wantNotice {
				t.Errorf("notices = %q, want %q", got, tt.wantNotice)
			}

			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("WithSAML() = %+v, want an error", got)
				}
				var ae *assume.Error
				if !errors.As(err, &ae) {
					t.Fatalf("WithSAML() error = %T %v, want *assume.Error", err, err)
				}
				msg := err.Error()
				for _, w := range tt.wantErr {
					if !strings.Contains(msg, w) {
						t.Errorf("error %q does not contain %q", msg, w)
					}
				}
				if strings.Contains(msg, "\n") || strings.Contains(msg, assertion) {
					t.Errorf("error %q is not one line or holds the assertion", msg)
				}
				if ae.Code != tt.wantCode || ae.StatusCode != tt.wantStatus {
					t.Errorf("Error.Code, StatusCode = %q, %d, want %q, %d", ae.Code, ae.StatusCode, tt.wantCode, tt.wantStatus)
				}
				return
			}
			if err != nil {
				t.Fatalf("WithSAML() error = %v", err)
			}
			issued := srv.Issued()
			if len(issued) != 1 {
				t.Fatalf("server issued %d credentials, want 1", len(issued))
			}
			want := assume.Credentials{
				AccessKeyID:     issued[0].AccessKeyID,
				SecretAccessKey: issued[0].SecretAccessKey,
				SessionToken:    issued[0].SessionToken,
				Expiration:      issued[0].Expiration,
				PrincipalARN:    "arn:aws:sts::123456789012:assumed-role/Developer/alice@example.com",
			}
			if !got.Expiration.Equal(want.Expiration) {
				t.Errorf("Expiration = %v, want %v", got.Expiration, want.Expiration)
			}
			got.Expiration = want.Expiration
			if *got != want {
				t.Errorf("WithSAML() = %+v, want %+v", *got, want)
			}
			if !strings.HasPrefix(got.AccessKeyID, "ASIA") {
				t.Errorf("AccessKeyID = %q, want ASIA…", got.AccessKeyID)
			}
			if life := got.Expiration.Sub(start); life < tt.wantLifetime-5*time.Second || life > tt.wantLifetime+5*time.Second {
				t.Errorf("credentials last %v, want about %v", life, tt.wantLifetime)
			}
		})
	}
}

func TestWithSAMLMicroseconds(t *testing.T) {
	t.Parallel()
	srv := ststest.NewServer(t, ststest.WithMicroseconds())
	got, err := assume.WithSAML(context.Background(), newClient(srv),
		assume.SAMLInput{Role: testRole, Assertion: idptest.DefaultSAMLResponse()}, nil)
	if err != nil {
		t.Fatalf("WithSAML() error = %v", err)
	}
	want := srv.Issued()[0].Expiration
	if !got.Expiration.Equal(want) {
		t.Errorf("Expiration = %v, want %v (microseconds kept)", got.Expiration, want)
	}
}

func TestWithSAMLConnectionRefused(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	endpoint := "http://" + ln.Addr().String()
	ln.Close()

	client := assume.NewClient(assume.ClientOptions{Region: "us-east-1", Endpoint: endpoint})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	_, err = assume.WithSAML(ctx, client, assume.SAMLInput{Role: testRole, Assertion: idptest.DefaultSAMLResponse()}, nil)
	if elapsed := time.Since(start); elapsed > 15*time.Second {
		t.Errorf("WithSAML took %v against a closed port, want well under 15s", elapsed)
	}
	var ae *assume.Error
	if !errors.As(err, &ae) {
		t.Fatalf("WithSAML() error = %T %v, want *assume.Error", err, err)
	}
	want := "could not reach STS at " + endpoint + "/: connection refused — check the network and proxy settings, and AWS_ENDPOINT_URL_STS if it is set"
	if got := err.Error(); got != want {
		t.Errorf("error = %q\nwant    %q", got, want)
	}
}

func TestWithSAMLCancelled(t *testing.T) {
	t.Parallel()
	srv := ststest.NewServer(t, ststest.WithLatency(10*time.Second))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := assume.WithSAML(ctx, newClient(srv), assume.SAMLInput{Role: testRole, Assertion: idptest.DefaultSAMLResponse()}, nil)
	var ae *assume.Error
	if !errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ae) {
		t.Errorf("WithSAML() error = %T %v, want the context's error and no *assume.Error", err, err)
	}
}

// stubSAML answers every call with out and err.
type stubSAML struct {
	out *sts.AssumeRoleWithSAMLOutput
	err error
}

func (s stubSAML) AssumeRoleWithSAML(context.Context, *sts.AssumeRoleWithSAMLInput, ...func(*sts.Options)) (*sts.AssumeRoleWithSAMLOutput, error) {
	return s.out, s.err
}

func TestWithSAMLNoCredentials(t *testing.T) {
	t.Parallel()
	_, err := assume.WithSAML(context.Background(), stubSAML{out: &sts.AssumeRoleWithSAMLOutput{}},
		assume.SAMLInput{Role: testRole, Assertion: "PHNhbWw+"}, nil)
	var ae *assume.Error
	if !errors.As(err, &ae) || !strings.Contains(err.Error(), "without credentials") {
		t.Errorf("WithSAML() error = %v, want an *assume.Error about missing credentials", err)
	}
}

// TestNewClientIgnoresEnvironment checks that a broken AWS setup in the
// environment neither stops the call nor leaks credentials or endpoints
// into it.
func TestNewClientIgnoresEnvironment(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "config")
	if err := os.WriteFile(broken, []byte("[profile broken\nregion = = =\n\x00garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", dir)
	t.Setenv("AWS_PROFILE", "does-not-exist")
	t.Setenv("AWS_CONFIG_FILE", broken)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", broken)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	t.Setenv("AWS_SESSION_TOKEN", "token-from-the-environment")
	t.Setenv("AWS_REGION", "xx-bogus-1")
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
	t.Setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:1")

	srv := ststest.NewServer(t)
	client := newClient(srv)
	if got := client.Options().Region; got != "us-east-1" {
		t.Errorf("client region = %q, want us-east-1", got)
	}
	_, err := assume.WithSAML(context.Background(), client,
		assume.SAMLInput{Role: testRole, Assertion: idptest.DefaultSAMLResponse()}, nil)
	if err != nil {
		t.Fatalf("WithSAML() error = %v", err)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("server saw %d requests, want 1", len(reqs))
	}
	if reqs[0].Signed() {
		t.Errorf("request carried credentials from the environment: Authorization %q, token %q", reqs[0].Authorization, reqs[0].SecurityToken)
	}
}

func TestNewClientDefaults(t *testing.T) {
	t.Parallel()
	o := assume.NewClient(assume.ClientOptions{}).Options()
	if o.Region != "us-east-1" || o.BaseEndpoint != nil {
		t.Errorf("NewClient(zero) region %q, endpoint %v; want us-east-1 and no endpoint", o.Region, o.BaseEndpoint)
	}
}

func TestChooseDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                     string
		flag, profile, assertion time.Duration
		want                     time.Duration
	}{
		{name: "flag wins", flag: 2 * time.Hour, profile: 3 * time.Hour, assertion: 4 * time.Hour, want: 2 * time.Hour},
		{name: "profile next", profile: 3 * time.Hour, assertion: 4 * time.Hour, want: 3 * time.Hour},
		{name: "assertion next", assertion: 4 * time.Hour, want: 4 * time.Hour},
		{name: "default 1h", want: time.Hour},
	}
	for _, tt := range tests {
		if got := assume.ChooseDuration(tt.flag, tt.profile, tt.assertion); got != tt.want {
			t.Errorf("%s: ChooseDuration(%v, %v, %v) = %v, want %v", tt.name, tt.flag, tt.profile, tt.assertion, got, tt.want)
		}
	}
}

func TestDefaultRegion(t *testing.T) {
	t.Parallel()
	tests := []struct{ arn, want string }{
		{"arn:aws:iam::123456789012:role/x", "us-east-1"},
		{"arn:aws-cn:iam::123456789012:role/x", "cn-north-1"},
		{"arn:aws-us-gov:iam::123456789012:role/x", "us-gov-west-1"},
		{"not an arn", "us-east-1"},
		{"", "us-east-1"},
	}
	for _, tt := range tests {
		if got := assume.DefaultRegion(tt.arn); got != tt.want {
			t.Errorf("DefaultRegion(%q) = %q, want %q", tt.arn, got, tt.want)
		}
	}
}

// TestWithSAMLWindow refuses an assertion outside its validity window,
// give or take ClockSkew, before anything is sent.
func TestWithSAMLWindow(t *testing.T) {
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name                    string
		notBefore, notOnOrAfter time.Time
		wantErr                 string
	}{
		{name: "valid", notBefore: now.Add(-time.Minute), notOnOrAfter: now.Add(5 * time.Minute)},
		{name: "issued slightly ahead of this clock", notBefore: now.Add(4 * time.Minute), notOnOrAfter: now.Add(9 * time.Minute)},
		{name: "not yet valid", notBefore: now.Add(time.Hour), notOnOrAfter: now.Add(time.Hour + 5*time.Minute),
			wantErr: "the SAML assertion is not valid before 2026-11-22 10:00:00 UTC, 1h0m0s from now by this machine's clock"},
		{name: "expired", notBefore: now.Add(-time.Hour), notOnOrAfter: now.Add(-10 * time.Minute),
			wantErr: "the SAML assertion has expired: it was valid until 2026-11-22 08:50:00 UTC, 10m0s ago"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := ststest.NewServer(t, ststest.WithClock(func() time.Time { return now }))
			a := idptest.SAMLResponse(idptest.AssertionOptions{Now: tt.notBefore, NotOnOrAfter: tt.notOnOrAfter})
			_, err := assume.WithSAML(t.Context(), newClient(srv), assume.SAMLInput{Role: testRole, Assertion: a,
				NotBefore: tt.notBefore, NotOnOrAfter: tt.notOnOrAfter, Now: now}, nil)
			var ae *assume.Error
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("error %v", err)
			case tt.wantErr != "" && (!errors.As(err, &ae) || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("error %v, want an *assume.Error containing %q", err, tt.wantErr)
			case tt.wantErr != "" && len(srv.Requests()) != 0:
				t.Errorf("%d requests sent", len(srv.Requests()))
			}
		})
	}
}
