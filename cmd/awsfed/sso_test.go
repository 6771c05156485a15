package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seed-2d15385e/awsfed/idp/generic/generictest"
	"github.com/seed-2d15385e/awsfed/sso"
	"github.com/seed-2d15385e/awsfed/sso/ssotest"
)

// The IAM Identity Center of the SSO tests: alice may use two roles in one
// account and one in another.
const (
	ssoUser      = "alice"
	ssoAccount   = "111111111111"
	ssoAccount2  = "222222222222"
	ssoRole      = "PowerUserAccess"
	ssoRegion    = "eu-west-1"
	ssoOtherRole = "ReadOnly"
)

// ssoEnv is a testEnv with a fake IAM Identity Center whose role
// credentials the fake STS knows (so chains on them work), and a browser
// that approves every PKCE sign-in as alice.
type ssoEnv struct {
	*testEnv
	sso *ssotest.Server
}

func newSSOEnv(t testing.TB, opts ssotest.Options) *ssoEnv {
	t.Helper()
	opts.AutoApprove = cmpOr(opts.AutoApprove, ssoUser)
	return newManualSSOEnv(t, opts)
}

// newManualSSOEnv is newSSOEnv where each browser sign-in waits for the
// test's ApproveAuthorize or DenyAuthorize, unless opts.AutoApprove.
func newManualSSOEnv(t testing.TB, opts ssotest.Options) *ssoEnv {
	t.Helper()
	e := &ssoEnv{testEnv: newTestEnv(t, generictest.Options{})}
	if opts.Regions == nil {
		opts.Regions = []string{ssoRegion, "us-east-1"}
	}
	if opts.Users == nil {
		opts.Users = map[string]string{ssoUser: "alice@example.com"}
	}
	if opts.Assignments == nil {
		opts.Assignments = map[string]map[string][]string{ssoUser: {ssoAccount: {ssoRole, ssoOtherRole}, ssoAccount2: {ssoOtherRole}}}
	}
	if opts.Mint == nil {
		opts.Mint = func(_ context.Context, account, role, user string) (ssotest.Credentials, error) {
			is := e.sts.Issue("arn:aws:iam::"+account+":role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_"+role+"_0123456789abcdef", user, time.Hour)
			return ssotest.Credentials{AccessKeyID: is.AccessKeyID, SecretAccessKey: is.SecretAccessKey, SessionToken: is.SessionToken, Expiration: is.Expiration}, nil
		}
	}
	e.sso = ssotest.NewServer(t, opts)
	e.terminal()
	e.env["AWS_ENDPOINT_URL_SSO_OIDC"] = e.sso.OIDCURL(ssoRegion)
	e.env["AWS_ENDPOINT_URL_SSO"] = e.sso.PortalURL(ssoRegion)
	e.deps.OpenURL = func(u string) error {
		go func() {
			resp, err := http.Get(u)
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
		return nil
	}
	return e
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// ssoLoginArgs is the first login into profile dev.
func (e *ssoEnv) ssoLoginArgs(extra ...string) []string {
	return append([]string{"login", "--idp", "sso", "--start-url", e.sso.StartURL(), "--sso-region", ssoRegion,
		"--sso-flow", "pkce", "--profile", "dev"}, extra...)
}

// portalCalls counts the requests of the given operation.
func (e *ssoEnv) calls(op string) int {
	n := 0
	for _, r := range e.sso.Requests() {
		if r.Operation == op {
			n++
		}
	}
	return n
}

func TestSSOLoginRenewAndEnd(t *testing.T) {
	e := newSSOEnv(t, ssotest.Options{})
	if code := e.run(e.ssoLoginArgs("--account-id", ssoAccount, "--role-name", ssoRole, "--json")...); code != 0 {
		t.Fatalf("first login: exit %d: %s", code, e.errOut)
	}
	var res loginResult
	if err := json.Unmarshal(e.out.Bytes(), &res); err != nil {
		t.Fatalf("--json: %v (%s)", err, e.out)
	}
	wantPrincipal := "arn:aws:sts::" + ssoAccount + ":assumed-role/AWSReservedSSO_" + ssoRole + "_0123456789abcdef/" + ssoUser
	if res.AssumedRoleARN != wantPrincipal {
		t.Errorf("assumed role %q, want %q", res.AssumedRoleARN, wantPrincipal)
	}
	config := e.read(e.config)
	for _, want := range []string{"[sso-session dev]\nsso_start_url = " + e.sso.StartURL() + "\nsso_region = " + ssoRegion + "\n",
		"awsfed_idp = sso\n", "awsfed_sso_session = dev\n", "awsfed_sso_account_id = " + ssoAccount + "\n", "awsfed_sso_role_name = " + ssoRole + "\n",
		"region = " + ssoRegion + "\n", "# my config\n"} {
		if !strings.Contains(config, want) {
			t.Errorf("config lacks %q:\n%s", want, config)
		}
	}
	creds := e.read(e.creds)
	if !strings.Contains(creds, "[dev]\naws_access_key_id = ASIA") || !strings.Contains(creds, "x_principal_arn = "+wantPrincipal) || !strings.Contains(creds, "[other]") {
		t.Errorf("credentials file:\n%s", creds)
	}
	cache, _ := filepath.Glob(filepath.Join(e.deps.Home, ".aws", "sso", "cache", "*.json"))
	if len(cache) != 2 {
		t.Errorf("sso cache holds %v, want the token and the registration", cache)
	}
	for _, f := range cache {
		if fi, err := os.Stat(f); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, %v; want 0600", f, fi.Mode().Perm(), err)
		}
	}

	// A renewal from the cached token: one portal call, no STS, no OIDC.
	before, stsBefore, oidcBefore := e.calls("GetRoleCredentials"), len(e.sts.Requests()), e.calls("CreateToken")
	if code := e.run("login", "--profile", "dev", "--no-prompt"); code != 0 {
		t.Fatalf("renewal: exit %d: %s", code, e.errOut)
	}
	if got := e.calls("GetRoleCredentials") - before; got != 1 {
		t.Errorf("renewal made %d GetRoleCredentials calls, want 1", got)
	}
	if got := len(e.sts.Requests()) - stsBefore; got != 0 {
		t.Errorf("renewal made %d STS calls, want 0", got)
	}
	if got := e.calls("CreateToken") - oidcBefore; got != 0 {
		t.Errorf("renewal made %d CreateToken calls, want 0", got)
	}
	if !strings.Contains(e.errOut.String(), wantPrincipal) {
		t.Errorf("renewal said %q, want the principal", e.errOut)
	}

	// A chain on the SSO profile, through credential-process.
	e.write(e.config, e.read(e.config)+"\n[profile admin]\nrole_arn = arn:aws:iam::"+ssoAccount2+":role/Admin\nsource_profile = dev\n")
	if code := e.run("credential-process", "--profile", "admin"); code != 0 {
		t.Fatalf("credential-process on a chain: exit %d: %s", code, e.errOut)
	}
	if !strings.Contains(e.out.String(), `"AccessKeyId"`) {
		t.Errorf("credential-process printed %q", e.out)
	}

	// The portal session ends: unattended renewals say what to run.
	e.sso.EndSession(ssoUser)
	config, creds = e.read(e.config), e.read(e.creds)
	if code := e.run("login", "--profile", "dev", "--no-prompt", "--force"); code != exitNeedsInput {
		t.Fatalf("login after the session ended: exit %d, want %d: %s", code, exitNeedsInput, e.errOut)
	}
	if msg := strings.TrimSpace(e.errOut.String()); strings.Count(msg, "\n") != 0 || !strings.Contains(msg, "awsfed login --profile dev") {
		t.Errorf("message %q: want one line naming awsfed login --profile dev", msg)
	}
	e.assertUnchanged(config, creds)

	// At a terminal, the same renewal signs in again in the browser.
	signIns := e.calls("CreateToken")
	if code := e.run("login", "--profile", "dev", "--force"); code != 0 {
		t.Fatalf("login at a terminal after the session ended: exit %d: %s", code, e.errOut)
	}
	if e.calls("CreateToken") == signIns || !strings.Contains(e.errOut.String(), "Sign in to IAM Identity Center") {
		t.Errorf("no new sign-in after the session ended: %s", e.errOut)
	}
}

func TestSSOAllRoles(t *testing.T) {
	e := newSSOEnv(t, ssotest.Options{})
	// Keys pasted from the portal by hand are replaced; a profile of
	// another tool with a portal name is left alone.
	e.write(e.creds, e.read(e.creds)+"\n[222222222222_ReadOnly]\naws_access_key_id = ASIAPASTED\naws_secret_access_key = pasted\naws_session_token = pasted\n")
	foreign := "\n[profile 111111111111_ReadOnly]\nsso_session = theirs\nsso_account_id = 111111111111\nsso_role_name = ReadOnly\n"
	e.write(e.config, e.read(e.config)+foreign)

	if code := e.run(e.ssoLoginArgs("--account-id", ssoAccount, "--role-name", ssoRole, "--all-roles")...); code != 0 {
		t.Fatalf("login --all-roles: exit %d: %s", code, e.errOut)
	}
	if !strings.Contains(e.errOut.String(), "profile 111111111111_ReadOnly exists in the config file; it was left alone") {
		t.Errorf("no note on the foreign profile:\n%s", e.errOut)
	}
	config, creds := e.read(e.config), e.read(e.creds)
	if !strings.Contains(config, foreign) {
		t.Errorf("the foreign profile changed:\n%s", config)
	}
	for _, c := range []struct{ name, account, role string }{
		{"111111111111_PowerUserAccess", ssoAccount, ssoRole},
		{"222222222222_ReadOnly", ssoAccount2, ssoOtherRole},
	} {
		want := "[profile " + c.name + "]\nawsfed_idp = sso\nawsfed_sso_session = dev\nawsfed_sso_account_id = " + c.account +
			"\nawsfed_sso_role_name = " + c.role + "\nregion = " + ssoRegion + "\n"
		if !strings.Contains(config, want) {
			t.Errorf("config lacks\n%s\nin\n%s", want, config)
		}
		principal := "arn:aws:sts::" + c.account + ":assumed-role/AWSReservedSSO_" + c.role + "_0123456789abcdef/" + ssoUser
		if !strings.Contains(creds, "["+c.name+"]\naws_access_key_id = ASIA") || !strings.Contains(creds, "x_principal_arn = "+principal) {
			t.Errorf("credentials lack [%s] acting as %s:\n%s", c.name, principal, creds)
		}
	}
	if strings.Contains(creds, "ASIAPASTED") || !strings.Contains(creds, "[other]\naws_access_key_id = AKIAOTHER") {
		t.Errorf("credentials file:\n%s", creds)
	}

	// From cron: everything valid, nothing sent, nothing written.
	before := len(e.sso.Requests())
	if code := e.run("login", "--profile", "dev", "--all-roles", "--skip-if-valid", "30m", "--no-prompt"); code != 0 {
		t.Fatalf("second login --all-roles: exit %d: %s", code, e.errOut)
	}
	if got := e.calls("GetRoleCredentials"); got != 3 {
		t.Errorf("%d GetRoleCredentials calls in all, want 3 (the first login's)", got)
	}
	if !strings.Contains(e.errOut.String(), "2 role profiles of dev are valid for 30m more; skipped") {
		t.Errorf("second login said:\n%s", e.errOut)
	}
	t.Logf("a run with every copy valid made %d portal requests", len(e.sso.Requests())-before)
	e.assertUnchanged(config, creds)

	// Each copy is an awsfed profile: it renews on its own, and env
	// hands out its credentials.
	if code := e.run("login", "--profile", "222222222222_ReadOnly", "--no-prompt"); code != 0 {
		t.Fatalf("login --profile 222222222222_ReadOnly: exit %d: %s", code, e.errOut)
	}
	if code := e.run("env", "--profile", "222222222222_ReadOnly", "--format", "json"); code != 0 || !strings.Contains(e.out.String(), "ASIA") {
		t.Errorf("env on a copy: exit %d: %s %s", code, e.out, e.errOut)
	}
	if code := e.run("exec", "--profile", "222222222222_ReadOnly", "--", "sh", "-c", `case $AWS_ACCESS_KEY_ID in ASIA*) exit 0;; esac; exit 9`); code != 0 {
		t.Errorf("exec on a copy: exit %d: %s", code, e.errOut)
	}
	fed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("Action") != "getSigninToken" || !strings.Contains(r.URL.Query().Get("Session"), `"sessionId":"ASIA`) {
			t.Errorf("federation endpoint got %s", r.URL.Query().Get("Action"))
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"SigninToken":"tok"}`)
	}))
	defer fed.Close()
	e.env[envSigninFederationURL] = fed.URL + "/federation"
	if code := e.run("console", "--profile", "222222222222_ReadOnly", "--print"); code != 0 || !strings.Contains(e.out.String(), "Action=login") {
		t.Errorf("console on a copy: exit %d: %s %s", code, e.out, e.errOut)
	}
	if code := e.run("status"); code != 0 || !strings.Contains(e.out.String(), "222222222222_ReadOnly") {
		t.Errorf("status: exit %d:\n%s%s", code, e.out, e.errOut)
	}
	t.Logf("status:\n%s", e.out)
}

func TestSSOCopyRefusals(t *testing.T) {
	e := newSSOEnv(t, ssotest.Options{})
	if code := e.run(e.ssoLoginArgs("--account-id", ssoAccount, "--role-name", ssoRole)...); code != 0 {
		t.Fatalf("first login: exit %d: %s", code, e.errOut)
	}
	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"a role not granted", []string{"login", "--profile", "dev", "--also", "333333333333_Admin"}, exitUsage, "gives you no role 333333333333_Admin: awsfed roles --profile dev lists yours"},
		{"--all-roles on no profile", []string{"login", "--profile", "new", "--all-roles"}, exitUsage, "new is no awsfed profile yet: add --idp sso"},
		{"--all-roles on SAML", []string{"login", "--profile", "other-saml", "--idp", "generic", "--url", e.idp.SSOURL(), "--all-roles"}, exitUsage, "--all-roles is for IAM Identity Center profiles"},
	} {
		t.Run(c.name, func(t *testing.T) {
			config, creds := e.read(e.config), e.read(e.creds)
			code := e.run(c.args...)
			if code != c.code || !strings.Contains(e.errOut.String(), c.want) {
				t.Errorf("exit %d, want %d; stderr %q, want %q", code, c.code, e.errOut, c.want)
			}
			if c.code == exitUsage && strings.Contains(c.name, "SAML") {
				e.assertUnchanged(config, creds)
			}
		})
	}
}

// TestSSOCopiesSessionEnded: from cron, with dev still valid but the
// portal session ended, the copies cannot be renewed: exit 4 with the
// command to run, nothing written.
func TestSSOCopiesSessionEnded(t *testing.T) {
	e := newSSOEnv(t, ssotest.Options{})
	e.mustRun(e.ssoLoginArgs("--account-id", ssoAccount, "--role-name", ssoRole)...)
	e.sso.EndSession(ssoUser)
	config, creds := e.read(e.config), e.read(e.creds)
	code := e.run("login", "--profile", "dev", "--skip-if-valid", "30m", "--all-roles", "--no-prompt")
	msg := strings.TrimSpace(e.errOut.String())
	if code != exitNeedsInput || !strings.Contains(msg, "run awsfed login --profile dev at a terminal") || strings.Count(msg, "awsfed: ") != 1 {
		t.Errorf("exit %d, want %d:\n%s", code, exitNeedsInput, msg)
	}
	e.assertUnchanged(config, creds)
}

// TestSSOBadInputs checks each failure of a first login or a renewal: one
// line, the documented exit code, the AWS files and the token cache as
// they were.
func TestSSOBadInputs(t *testing.T) {
	const otherStart = "https://d-9999999999.awsapps.com/start"
	tests := []struct {
		name string
		// setup runs before the failing command; it may log in first.
		setup func(e *ssoEnv)
		args  func(e *ssoEnv) []string
		// during runs while the command waits for the browser.
		during func(e *ssoEnv, cancel context.CancelFunc)
		code   int
		want   string
	}{
		{
			name: "wrong start URL",
			args: func(e *ssoEnv) []string {
				return []string{"login", "--idp", "sso", "--start-url", otherStart, "--sso-region", ssoRegion, "--sso-flow", "pkce", "--profile", "dev"}
			},
			code: exitUsage, want: otherStart,
		},
		{
			name: "start URL not https",
			args: func(e *ssoEnv) []string {
				return []string{"login", "--idp", "sso", "--start-url", "http://d-0000000000.awsapps.com/start", "--sso-region", ssoRegion, "--profile", "dev"}
			},
			code: exitUsage, want: "is not an https URL",
		},
		{
			name: "no region",
			args: func(e *ssoEnv) []string {
				return []string{"login", "--idp", "sso", "--start-url", e.sso.StartURL(), "--profile", "dev"}
			},
			code: exitUsage, want: "pass --sso-region",
		},
		{
			name: "region other than the saved session's",
			setup: func(e *ssoEnv) {
				e.mustRun(e.ssoLoginArgs("--account-id", ssoAccount, "--role-name", ssoRole)...)
			},
			args: func(e *ssoEnv) []string {
				return []string{"login", "--profile", "dev", "--sso-region", "us-east-1"}
			},
			code: exitUsage, want: "has sso_region eu-west-1, not us-east-1",
		},
		{
			name: "account id not 12 digits",
			args: func(e *ssoEnv) []string { return e.ssoLoginArgs("--account-id", "1111", "--role-name", ssoRole) },
			code: exitUsage, want: "is not an AWS account id",
		},
		{
			name: "role not assigned",
			setup: func(e *ssoEnv) {
				e.mustRun(e.ssoLoginArgs("--account-id", ssoAccount, "--role-name", ssoRole)...)
			},
			args: func(e *ssoEnv) []string {
				return []string{"login", "--profile", "dev", "--account-id", ssoAccount2, "--role-name", "Admin"}
			},
			code: exitRefused, want: "Admin",
		},
		{
			name: "approval denied",
			args: func(e *ssoEnv) []string { return e.ssoLoginArgs("--account-id", ssoAccount, "--role-name", ssoRole) },
			during: func(e *ssoEnv, _ context.CancelFunc) {
				e.sso.DenyAuthorize()
			},
			code: exitRefused, want: "refused on the approval page",
		},
		{
			name: "Ctrl-C while waiting for the browser",
			args: func(e *ssoEnv) []string { return e.ssoLoginArgs("--account-id", ssoAccount, "--role-name", ssoRole) },
			during: func(e *ssoEnv, cancel context.CancelFunc) {
				cancel()
			},
			code: exitCancelled,
		},
		{
			name: "portal session revoked, unattended",
			setup: func(e *ssoEnv) {
				e.mustRun(e.ssoLoginArgs("--account-id", ssoAccount, "--role-name", ssoRole)...)
				e.sso.EndSession(ssoUser)
			},
			args: func(e *ssoEnv) []string {
				return []string{"credential-process", "--profile", "dev", "--min-valid", "2h"}
			},
			code: exitNeedsInput, want: "awsfed login --profile dev",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newManualSSOEnv(t, ssotest.Options{})
			if tt.during == nil {
				e.sso.ApproveAuthorize(ssoUser)
			}
			if tt.setup != nil {
				tt.setup(e)
			}
			config, creds, cache := e.read(e.config), e.read(e.creds), e.ssoCache()
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			if tt.during != nil {
				go func() {
					for e.sso.WaitingAuthorizations() == 0 && ctx.Err() == nil {
						time.Sleep(5 * time.Millisecond)
					}
					tt.during(e, cancel)
				}()
			}
			e.out.Reset()
			e.errOut.Reset()
			code := Run(ctx, tt.args(e), e.deps)
			msg := strings.TrimSpace(e.errOut.String())
			t.Logf("exit %d: %s", code, msg)
			if code != tt.code || !strings.Contains(msg, tt.want) {
				t.Errorf("exit %d, want %d; stderr %q, want it to hold %q", code, tt.code, msg, tt.want)
			}
			if lines := strings.Split(msg, "\n"); len(lines) > 1 && strings.HasPrefix(lines[len(lines)-1], "awsfed: ") && strings.Count(msg, "awsfed: ") > 1 {
				t.Errorf("more than one error line:\n%s", msg)
			}
			e.assertUnchanged(config, creds)
			if got := e.ssoCache(); got != cache {
				t.Errorf("the SSO cache changed:\n%s\nwas:\n%s", got, cache)
			}
		})
	}
}

// mustRun runs awsfed and fails the test unless it succeeds.
func (e *testEnv) mustRun(args ...string) {
	e.t.Helper()
	if code := e.run(args...); code != 0 {
		e.t.Fatalf("awsfed %s: exit %d: %s", strings.Join(args, " "), code, e.errOut)
	}
}

// ssoCache lists the token cache's files and their contents.
func (e *ssoEnv) ssoCache() string {
	files, _ := filepath.Glob(filepath.Join(e.deps.Home, ".aws", "sso", "cache", "*"))
	var b strings.Builder
	for _, f := range files {
		data, _ := os.ReadFile(f)
		b.WriteString(filepath.Base(f) + " " + string(data) + "\n")
	}
	return b.String()
}

// BenchmarkSSORenewal is a whole awsfed login --no-prompt --force of an
// IAM Identity Center profile from a valid cached token, in one process:
// settings, the token file under the session's lock, one GetRoleCredentials
// call, and the credentials file written with its fsyncs.
func BenchmarkSSORenewal(b *testing.B) {
	e := newSSOEnv(b, ssotest.Options{})
	if code := e.run(e.ssoLoginArgs("--account-id", ssoAccount, "--role-name", ssoRole)...); code != 0 {
		b.Fatalf("first login: exit %d: %s", code, e.errOut)
	}
	before, stsBefore := len(e.sso.Requests()), len(e.sts.Requests())
	b.ResetTimer()
	for b.Loop() {
		if code := e.run("login", "--profile", "dev", "--no-prompt", "--force"); code != 0 {
			b.Fatalf("renewal: exit %d: %s", code, e.errOut)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(len(e.sso.Requests())-before)/float64(b.N), "portal-requests/op")
	b.ReportMetric(float64(len(e.sts.Requests())-stsBefore)/float64(b.N), "sts-requests/op")
}

// TestSSORefreshUnattended renews with an access token about to expire:
// awsfed refreshes it with the refresh token, with no person and no
// browser, and writes the new token for the AWS CLI and the SDKs.
func TestSSORefreshUnattended(t *testing.T) {
	e := newSSOEnv(t, ssotest.Options{AccessTokenLength: 30 * time.Second}) // below TokenMinValid
	e.mustRun(e.ssoLoginArgs("--account-id", ssoAccount, "--role-name", ssoRole)...)
	refreshes := func() int {
		n := 0
		for _, r := range e.sso.Requests() {
			if r.Operation == "CreateToken" && slices.Contains(r.Members, "refreshToken") && r.Status == http.StatusOK {
				n++
			}
		}
		return n
	}
	tokenFile := func() string {
		files, _ := filepath.Glob(filepath.Join(e.deps.Home, ".aws", "sso", "cache", "*.json"))
		for _, f := range files {
			if data, _ := os.ReadFile(f); strings.Contains(string(data), `"accessToken"`) {
				return string(data)
			}
		}
		return ""
	}
	before, authorizes, tok := refreshes(), e.calls("Authorize"), tokenFile()
	e.deps.OpenURL = func(u string) error {
		t.Errorf("a renewal opened the browser at %s", u)
		return nil
	}
	if code := e.run("login", "--profile", "dev", "--no-prompt", "--force"); code != 0 {
		t.Fatalf("renewal: exit %d: %s", code, e.errOut)
	}
	if got := refreshes() - before; got != 1 {
		t.Errorf("%d refreshes, want 1", got)
	}
	if got := e.calls("Authorize") - authorizes; got != 0 {
		t.Errorf("%d browser sign-ins, want 0", got)
	}
	if tokenFile() == tok {
		t.Errorf("the token file was not rewritten after the refresh")
	}
}

// TestSSOLogout ends the portal session and deletes the token, keeping
// the registration and the profile's settings; the next unattended
// renewal then needs a person.
func TestSSOLogout(t *testing.T) {
	e := newSSOEnv(t, ssotest.Options{})
	e.mustRun(e.ssoLoginArgs("--account-id", ssoAccount, "--role-name", ssoRole)...)
	config := e.read(e.config)
	if code := e.run("logout", "--profile", "dev"); code != 0 {
		t.Fatalf("logout: exit %d: %s", code, e.errOut)
	}
	if got := e.calls("Logout"); got != 1 {
		t.Errorf("%d portal Logout calls, want 1", got)
	}
	if msg := e.errOut.String(); !strings.Contains(msg, "removed its credentials and the IAM Identity Center token of sso-session dev") {
		t.Errorf("logout said %q", msg)
	}
	if cache := e.ssoCache(); strings.Contains(cache, `"accessToken"`) || !strings.Contains(cache, `"clientId"`) {
		t.Errorf("after logout the cache holds:\n%s", cache)
	}
	if got := e.read(e.config); got != config {
		t.Errorf("logout changed the config file:\n%s", got)
	}
	if strings.Contains(e.read(e.creds), "[dev]") {
		t.Errorf("[dev] is still in the credentials file")
	}
	if code := e.run("login", "--profile", "dev", "--no-prompt"); code != exitNeedsInput {
		t.Errorf("login after logout: exit %d, want %d: %s", code, exitNeedsInput, e.errOut)
	}
	if code := e.run("logout", "--profile", "dev"); code != 0 || !strings.Contains(e.errOut.String(), "Nothing to remove for profile dev") {
		t.Errorf("second logout: exit %d: %s", code, e.errOut)
	}
}

// TestSSORoles lists every account and role of the session, in text and
// as JSON, from the cached token.
func TestSSORoles(t *testing.T) {
	e := newSSOEnv(t, ssotest.Options{AccountNames: map[string]string{ssoAccount: "prod"}})
	e.mustRun(e.ssoLoginArgs("--account-id", ssoAccount, "--role-name", ssoRole)...)
	config, creds := e.read(e.config), e.read(e.creds)
	if code := e.run("roles", "--profile", "dev", "--no-prompt"); code != 0 {
		t.Fatalf("roles: exit %d: %s", code, e.errOut)
	}
	wantText := "Account prod (111111111111)\n  PowerUserAccess\n  ReadOnly\nAccount account-222222222222 (222222222222)\n  ReadOnly\n"
	if got := e.out.String(); got != wantText {
		t.Errorf("roles printed:\n%q\nwant:\n%q", got, wantText)
	}
	if code := e.run("roles", "--profile", "dev", "--json", "--no-prompt"); code != 0 {
		t.Fatalf("roles --json: exit %d: %s", code, e.errOut)
	}
	var got []map[string]string
	if err := json.Unmarshal(e.out.Bytes(), &got); err != nil {
		t.Fatalf("roles --json: %v: %s", err, e.out)
	}
	want := []map[string]string{
		{"account_id": ssoAccount, "account_alias": "prod", "role_name": ssoRole},
		{"account_id": ssoAccount, "account_alias": "prod", "role_name": ssoOtherRole},
		{"account_id": ssoAccount2, "account_alias": "account-" + ssoAccount2, "role_name": ssoOtherRole},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("roles --json = %v, want %v", got, want)
	}
	e.assertUnchanged(config, creds)
}

// TestStatusSSOSessions: status reads each session's token from the cache,
// with no request, and says what it allows.
func TestStatusSSOSessions(t *testing.T) {
	const url = "https://d-0000000000.awsapps.com/start"
	now := time.Now().UTC()
	stamp := func(d time.Duration) string { return now.Add(d).Format("2006-01-02T15:04:05Z") }
	refreshable := `, "refreshToken": "r", "clientId": "c", "clientSecret": "s", "registrationExpiresAt": "` + stamp(24*time.Hour) + `"`
	tests := []struct{ name, token, want string }{
		{"no token", "", "none; sign in: awsfed login --profile dev"},
		{"valid, refreshable", `{"accessToken": "a", "expiresAt": "` + stamp(90*time.Minute) + `"` + refreshable + `}`, "1h29m left, refreshable"},
		{"valid, not refreshable", `{"accessToken": "a", "expiresAt": "` + stamp(30*time.Minute) + `"}`, "29m left, not refreshable"},
		{"expired, refreshable", `{"accessToken": "a", "expiresAt": "` + stamp(-time.Minute) + `"` + refreshable + `}`, "expired, refreshable while the portal session lasts"},
		{"expired", `{"accessToken": "a", "expiresAt": "` + stamp(-time.Minute) + `"}`, "expired; sign in: awsfed login --profile dev"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t, generictest.Options{})
			e.write(e.config, "[sso-session corp]\nsso_start_url = "+url+"\nsso_region = eu-west-1\n[profile dev]\nawsfed_idp = sso\nawsfed_sso_session = corp\n")
			if tt.token != "" {
				path := sso.TokenPath(sso.CacheDir(e.deps.Home), sso.Session{Name: "corp", StartURL: url, Region: "eu-west-1"})
				if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
					t.Fatal(err)
				}
				e.write(path, tt.token)
			}
			if code := e.run("status"); code != 0 {
				t.Fatalf("status: exit %d: %s", code, e.errOut)
			}
			want := "corp         " + url + "  eu-west-1  " + tt.want
			if !strings.Contains(e.out.String(), want) {
				t.Errorf("status:\n%s\nwant a line with %q", e.out, want)
			}
		})
	}
}
