package ssotest_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/seed-2d15385e/awsfed/sso/ssotest"
)

// recorder is a testing.TB that keeps what the server reports, so that a
// test can check the server fails tests when it should.
type recorder struct {
	testing.TB // nil: methods not defined here must not be used
	mu         sync.Mutex
	errs       []string
	cleanups   []func()
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

func (r *recorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }

// finish runs the cleanups as the testing package would and returns the
// errors reported.
func (r *recorder) finish() []string {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
	return r.errs
}

func TestProblems(t *testing.T) {
	t.Parallel()
	const device = `"clientId":"x","clientSecret":"y","grantType":"urn:ietf:params:oauth:grant-type:device_code","deviceCode":"z"`
	tests := []struct {
		name        string
		service     string // "oidc" or "portal"
		method      string
		path        string
		contentType string
		body        string
		header      http.Header
		wantStatus  int
		wantProblem string
		alsoProblem string // a second problem the request has, if any
	}{
		{name: "unknown member", service: "oidc", method: "POST", path: "/client/register", contentType: "application/json",
			body: `{"clientName":"c","clientType":"public","clientID":"x"}`, wantStatus: 200, wantProblem: `unknown member "clientID"`},
		{name: "missing member", service: "oidc", method: "POST", path: "/client/register", contentType: "application/json",
			body: `{"clientName":"c"}`, wantStatus: 400, wantProblem: "required member(s) missing: clientType"},
		{name: "member of the wrong type", service: "oidc", method: "POST", path: "/client/register", contentType: "application/json",
			body: `{"clientName":"c","clientType":"public","scopes":"sso:account:access"}`, wantStatus: 400, wantProblem: `member "scopes" is "sso:account:access", want a list of strings`},
		{name: "null member", service: "oidc", method: "POST", path: "/client/register", contentType: "application/json",
			body: `{"clientName":"c","clientType":"public","scopes":null}`, wantStatus: 200, wantProblem: `member "scopes" is null`},
		{name: "form body", service: "oidc", method: "POST", path: "/token", contentType: "application/x-www-form-urlencoded",
			body: "grant_type=refresh_token", wantStatus: 400, wantProblem: "body is not a JSON object",
			alsoProblem: `Content-Type "application/x-www-form-urlencoded", want application/json`},
		{name: "wrong Content-Type", service: "oidc", method: "POST", path: "/client/register", contentType: "text/plain",
			body: `{"clientName":"c","clientType":"public"}`, wantStatus: 200, wantProblem: `Content-Type "text/plain"`},
		{name: "wrong method", service: "oidc", method: "GET", path: "/token", wantStatus: 404, wantProblem: "no operation is GET /token"},
		{name: "signed request", service: "oidc", method: "POST", path: "/client/register", contentType: "application/json",
			body:       `{"clientName":"c","clientType":"public"}`,
			header:     http.Header{"Authorization": {"AWS4-HMAC-SHA256 Credential=AKIA/20260301/us-east-1/sso-oauth/aws4_request"}},
			wantStatus: 200, wantProblem: "Authorization header on an unsigned API"},
		{name: "member of another grant", service: "oidc", method: "POST", path: "/token", contentType: "application/json",
			body: `{` + device + `,"code":"c"}`, wantStatus: 401, wantProblem: `member "code" sent with grant type urn:ietf:params:oauth:grant-type:device_code`},
		{name: "grant without its member", service: "oidc", method: "POST", path: "/token", contentType: "application/json",
			body: `{"clientId":"x","clientSecret":"y","grantType":"refresh_token"}`, wantStatus: 400, wantProblem: "grant type refresh_token without refreshToken"},
		{name: "portal: unknown query parameter", service: "portal", method: "GET", path: "/assignment/accounts?maxResults=5",
			header: http.Header{"X-Amz-Sso_bearer_token": {"t"}}, wantStatus: 401, wantProblem: `unknown query parameter "maxResults"`},
		{name: "portal: no bearer token", service: "portal", method: "GET", path: "/assignment/accounts",
			wantStatus: 401, wantProblem: "want one x-amz-sso_bearer_token header, got 0"},
		{name: "portal: Authorization instead of the bearer header", service: "portal", method: "GET", path: "/assignment/accounts",
			header: http.Header{"Authorization": {"Bearer t"}}, wantStatus: 401, wantProblem: "want one x-amz-sso_bearer_token header",
			alsoProblem: "Authorization header on an unsigned API"},
		{name: "portal: missing account_id", service: "portal", method: "GET", path: "/federation/credentials?role_name=r",
			header: http.Header{"X-Amz-Sso_bearer_token": {"t"}}, wantStatus: 400, wantProblem: "required query parameter(s) missing: [account_id]"},
		{name: "portal: max_result out of range", service: "portal", method: "GET", path: "/assignment/accounts?max_result=1000",
			header: http.Header{"X-Amz-Sso_bearer_token": {"t"}}, wantStatus: 400, wantProblem: `max_result "1000" is not 1 to 100`},
		{name: "portal: GET logout", service: "portal", method: "GET", path: "/logout", wantStatus: 404, wantProblem: "no operation is GET /logout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, expect := range []bool{false, true} {
				rec := &recorder{}
				srv := ssotest.NewServer(rec, ssotest.Options{})
				want := []string{tt.wantProblem}
				if tt.alsoProblem != "" {
					want = append(want, tt.alsoProblem)
				}
				if expect {
					for _, w := range want {
						srv.ExpectProblem(w)
					}
				}
				base := srv.OIDCURL("us-east-1")
				if tt.service == "portal" {
					base = srv.PortalURL("us-east-1")
				}
				status, _, body := raw(t, tt.method, base+tt.path, tt.contentType, tt.body, tt.header)
				if status != tt.wantStatus {
					t.Errorf("status %d (%s), want %d", status, body, tt.wantStatus)
				}
				problems := srv.Problems()
				if !containsAll(problems, want) {
					t.Errorf("problems %q, want %d containing %q", problems, len(want), want)
				}
				errs := rec.finish()
				switch {
				case expect && len(errs) != 0:
					t.Errorf("with ExpectProblem, the test failed: %q", errs)
				case !expect && !containsAll(errs, want):
					t.Errorf("without ExpectProblem, the test failed with %q, want one error naming each of %q", errs, want)
				}
			}
		})
	}
}

func TestExpectedProblemMissing(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	srv := ssotest.NewServer(rec, ssotest.Options{})
	srv.ExpectProblem("unknown member")
	errs := rec.finish()
	if len(errs) != 1 || !strings.Contains(errs[0], `expected a problem containing "unknown member"; none occurred`) {
		t.Errorf("errors %q, want one saying the expected problem did not occur", errs)
	}
}

// containsAll reports whether got has one item containing each of want, and
// no other.
func containsAll[T any](got []T, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || strings.Contains(fmt.Sprint(g), w)
		}
		if !found {
			return false
		}
	}
	return true
}
