package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/seed-2d15385e/awsfed/assume/ststest"
	"github.com/seed-2d15385e/awsfed/idp/generic/generictest"
	"github.com/seed-2d15385e/awsfed/idp/idptest"
	"github.com/seed-2d15385e/awsfed/sources"
	"github.com/seed-2d15385e/awsfed/ui"
	"github.com/seed-2d15385e/awsfed/ui/uitest"
)

// testEnv is one user with a test IdP, a fake STS and their own AWS files.
type testEnv struct {
	t             testing.TB
	deps          *Deps
	in            *bytes.Buffer
	out, errOut   *bytes.Buffer
	env           map[string]string
	config, creds string
	prompter      *uitest.Prompter
	idp           *generictest.Server
	sts           *ststest.Server
}

const (
	otherConfig = "# my config\n[default]\nregion = eu-west-1\n\n[profile target]\nrole_arn = arn:aws:iam::222222222222:role/Admin\nsource_profile = jump\n"
	otherCreds  = "# keys of another tool\n[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = x#y\n"
)

func newTestEnv(t testing.TB, idpOpts generictest.Options, stsOpts ...ststest.Option) *testEnv {
	t.Helper()
	dir := t.TempDir()
	streams, in, out, errOut := ui.Test()
	e := &testEnv{
		t: t, in: in, out: out, errOut: errOut,
		config:   filepath.Join(dir, "aws", "config"),
		creds:    filepath.Join(dir, "aws", "credentials"),
		prompter: uitest.New(t),
		idp:      generictest.NewServer(t, idpOpts),
		sts:      ststest.NewServer(t, stsOpts...),
	}
	signin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.PostFormValue("SAMLResponse") == "" {
			t.Errorf("the AWS sign-in page got %s without a SAMLResponse", r.Method)
		}
		fmt.Fprint(w, rolePage)
	}))
	t.Cleanup(signin.Close)
	e.env = map[string]string{
		"AWSFED_AWS_SIGNIN_URL":       signin.URL + "/saml",
		"AWS_CONFIG_FILE":             e.config,
		"AWS_SHARED_CREDENTIALS_FILE": e.creds,
		"AWS_ENDPOINT_URL_STS":        e.sts.URL,
	}
	if err := os.MkdirAll(filepath.Dir(e.config), 0o700); err != nil {
		t.Fatal(err)
	}
	e.write(e.config, otherConfig)
	e.write(e.creds, otherCreds)
	e.deps = &Deps{
		Streams: streams,
		Getenv:  func(k string) string { return e.env[k] },
		Home:    dir,
		Now:     time.Now,
		Transport: func() http.RoundTripper {
			return e.idp.Client().Transport.(*http.Transport).Clone()
		},
		Prompter: func() (ui.Prompter, error) { return e.prompter, nil },
	}
	return e
}

// terminal makes prompts possible, as on a terminal.
func (e *testEnv) terminal() { e.deps.Streams.TTYAvailable = func() bool { return true } }

func (e *testEnv) write(path, s string) {
	e.t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		e.t.Fatal(err)
	}
}

func (e *testEnv) read(path string) string {
	e.t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		e.t.Fatal(err)
	}
	return string(b)
}

func (e *testEnv) run(args ...string) int {
	e.t.Helper()
	e.out.Reset()
	e.errOut.Reset()
	return Run(e.t.Context(), args, e.deps)
}

// loginArgs logs into the test IdP as its user.
func (e *testEnv) loginArgs(extra ...string) []string {
	return append([]string{"login", "--idp", "generic", "--url", e.idp.SSOURL(), "--username", generictest.Username, "--profile", "jump"}, extra...)
}

// assertUnchanged checks that a failed command left both files as they were.
func (e *testEnv) assertUnchanged(config, creds string) {
	e.t.Helper()
	if got := e.read(e.config); got != config {
		e.t.Errorf("config changed:\n%s", got)
	}
	if got := e.read(e.creds); got != creds {
		e.t.Errorf("credentials changed:\n%s", got)
	}
}

func TestLoginWritesProfile(t *testing.T) {
	e := newTestEnv(t, generictest.Options{})
	e.env["AWSFED_PASSWORD"] = generictest.Password
	if code := e.run(e.loginArgs()...); code != 0 {
		t.Fatalf("exit %d: %s", code, e.errOut)
	}
	issued := e.sts.Issued()
	if len(issued) != 1 {
		t.Fatalf("STS issued %d credentials, want 1", len(issued))
	}
	c := issued[0]
	creds := e.read(e.creds)
	if !strings.HasPrefix(creds, otherCreds) {
		t.Errorf("the other profile was not kept:\n%s", creds)
	}
	for _, want := range []string{
		"[jump]",
		"aws_access_key_id = " + c.AccessKeyID,
		"aws_secret_access_key = " + c.SecretAccessKey,
		"aws_session_token = " + c.SessionToken,
		"aws_security_token = " + c.SessionToken,
		"x_security_token_expires = " + c.Expiration.UTC().Format(time.RFC3339),
		"x_principal_arn = " + c.PrincipalARN,
	} {
		if !strings.Contains(creds, want+"\n") {
			t.Errorf("credentials lack %q:\n%s", want, creds)
		}
	}
	cfg := e.read(e.config)
	wantCfg := otherConfig + "\n[profile jump]\nawsfed_idp = generic\nawsfed_url = " + e.idp.SSOURL() +
		"\nawsfed_username = alice\nawsfed_role_arn = " + generictest.RoleARN + "\nregion = us-east-1\n"
	if cfg != wantCfg {
		t.Errorf("config:\n%s\nwant:\n%s", cfg, wantCfg)
	}
	line := regexp.MustCompile(`^Assumed arn:aws:sts::123456789012:assumed-role/Developer/alice@example.com into profile jump; expires \d{4}-\d\d-\d\d \d\d:\d\d \S+ \(in 1h0m\)\n$`)
	if !line.MatchString(e.errOut.String()) {
		t.Errorf("stderr = %q, want the one result line", e.errOut)
	}
	if e.out.Len() != 0 {
		t.Errorf("stdout = %q, want nothing without --json", e.out)
	}
	if fi, _ := os.Stat(e.creds); fi.Mode().Perm() != 0o600 {
		t.Errorf("credentials mode %v, want 0600", fi.Mode().Perm())
	}
	if r := e.sts.Requests()[0]; r.Signed() {
		t.Errorf("AssumeRoleWithSAML was signed; it must be sent without credentials")
	}

	// The settings were saved: the next login needs only the profile, and
	// leaves the config file alone.
	if code := e.run("login", "--profile", "jump"); code != 0 {
		t.Fatalf("second login: exit %d: %s", code, e.errOut)
	}
	if got := e.read(e.config); got != wantCfg {
		t.Errorf("the second login changed the config:\n%s", got)
	}
	if n := len(e.sts.Issued()); n != 2 {
		t.Errorf("STS issued %d credentials, want 2", n)
	}
}

func TestLoginJSON(t *testing.T) {
	e := newTestEnv(t, generictest.Options{})
	e.env["AWSFED_PASSWORD"] = generictest.Password
	if code := e.run(e.loginArgs("--json")...); code != 0 {
		t.Fatalf("exit %d: %s", code, e.errOut)
	}
	var got loginResult
	if err := json.Unmarshal(e.out.Bytes(), &got); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, e.out)
	}
	c := e.sts.Issued()[0]
	want := loginResult{Profile: "jump", RoleARN: generictest.RoleARN, PrincipalARN: generictest.PrincipalARN,
		AssumedRoleARN: c.PrincipalARN, Expiration: c.Expiration.UTC()}
	if !got.Expiration.Equal(want.Expiration) {
		t.Errorf("expiration %v, want %v", got.Expiration, want.Expiration)
	}
	got.Expiration = want.Expiration
	if got != want {
		t.Errorf("JSON = %+v, want %+v", got, want)
	}
	if strings.Contains(e.out.String(), c.SecretAccessKey) || strings.Contains(e.out.String(), c.SessionToken) {
		t.Errorf("--json shows a secret")
	}
}

// rolePage is AWS's Select-a-role page for the two roles of twoRoles: one
// account has an alias, the other none.
const rolePage = `<html><head><title>Amazon Web Services Sign-In</title></head><body><form id="saml_form" method="post" action="/saml">
<fieldset><div class="saml-account"><div class="saml-account-name">Account: 123456789012</div>
<div class="saml-role"><input type="radio" name="roleIndex" value="arn:aws:iam::123456789012:role/Developer" class="saml-radio">
<label class="saml-role-description">Developer</label></div></div>
<div class="saml-account"><div class="saml-account-name">Account: audit-prod (210987654321)</div>
<div class="saml-role"><input type="radio" name="roleIndex" value="arn:aws:iam::210987654321:role/Auditor" class="saml-radio">
<label class="saml-role-description">Auditor</label></div></div></fieldset></form></body></html>`

const otherRole = "arn:aws:iam::210987654321:role/Auditor"
const otherPrincipal = "arn:aws:iam::210987654321:saml-provider/TestIdP"

func twoRoles() generictest.Options {
	return generictest.Options{SAMLResponse: idptest.SAMLResponse(idptest.AssertionOptions{
		Roles: []string{generictest.RoleARN + "," + generictest.PrincipalARN, otherPrincipal + "," + otherRole}})}
}

func TestLoginPicksRoleAtPrompt(t *testing.T) {
	e := newTestEnv(t, twoRoles())
	e.terminal()
	e.prompter.RegisterPassword("Password for alice:", generictest.Password)
	e.prompter.RegisterSelect("Role to assume", "audit-prod (210987654321)  Auditor")
	if code := e.run(e.loginArgs()...); code != 0 {
		t.Fatalf("exit %d: %s", code, e.errOut)
	}
	r := e.sts.Requests()[0]
	if got := r.Form.Get("RoleArn"); got != otherRole {
		t.Errorf("RoleArn = %s, want %s", got, otherRole)
	}
	if got := r.Form.Get("PrincipalArn"); got != otherPrincipal {
		t.Errorf("PrincipalArn = %s, want %s", got, otherPrincipal)
	}
	if !strings.Contains(e.read(e.config), "awsfed_role_arn = "+otherRole+"\n") {
		t.Errorf("the chosen role was not saved:\n%s", e.read(e.config))
	}
}

func TestLoginWithPasswordStdin(t *testing.T) {
	e := newTestEnv(t, generictest.Options{})
	e.in.WriteString(generictest.Password + "\n")
	if code := e.run(e.loginArgs("--password-stdin")...); code != 0 {
		t.Fatalf("exit %d: %s", code, e.errOut)
	}
}

func TestLoginRetriesAtOneHourOverMaxSessionDuration(t *testing.T) {
	e := newTestEnv(t, generictest.Options{}, ststest.WithMaxSessionDuration(generictest.RoleARN, time.Hour))
	e.env["AWSFED_PASSWORD"] = generictest.Password
	if code := e.run(e.loginArgs("--duration", "12h")...); code != 0 {
		t.Fatalf("exit %d: %s", code, e.errOut)
	}
	reqs := e.sts.Requests()
	if len(reqs) != 2 || reqs[0].Form.Get("DurationSeconds") != "43200" || reqs[1].Form.Get("DurationSeconds") != "3600" {
		t.Errorf("STS saw %d requests, want 43200 then 3600", len(reqs))
	}
	if !strings.Contains(e.errOut.String(), "1h") || strings.Count(e.errOut.String(), "\n") != 2 {
		t.Errorf("stderr = %q, want one notice of the retry and the result line", e.errOut)
	}
}

func TestLoginWithCodePrompt(t *testing.T) {
	e := newTestEnv(t, generictest.Options{MFA: true})
	e.terminal()
	e.env["AWSFED_PASSWORD"] = generictest.Password
	e.prompter.RegisterPassword("One-time code:", "000000")
	e.prompter.RegisterPassword("One-time code (the last one was rejected):", generictest.Code)
	if code := e.run(e.loginArgs()...); code != 0 {
		t.Fatalf("exit %d: %s", code, e.errOut)
	}
}

// TestLoginFailures checks each failure's exit code, its one line, and
// that neither file changed.
func TestLoginFailures(t *testing.T) {
	tests := []struct {
		name     string
		idp      generictest.Options
		sts      []ststest.Option
		setup    func(e *testEnv)
		args     []string // after loginArgs
		wantCode int
		wantText string
	}{
		{name: "wrong password", setup: password("nope"), wantCode: 3, wantText: `wrong username or password (the IdP says: "Incorrect username or password")`},
		{name: "wrong code three times", idp: generictest.Options{MFA: true}, setup: func(e *testEnv) {
			password(generictest.Password)(e)
			e.terminal()
			e.prompter.RegisterPassword("One-time code:", "111111")
			e.prompter.RegisterPassword("One-time code (the last one was rejected):", "222222")
			e.prompter.RegisterPassword("One-time code (the last one was rejected):", "333333")
		}, wantCode: 3, wantText: "rejected"},
		{name: "rejected --mfa-code and no other source", idp: generictest.Options{MFA: true}, setup: password(generictest.Password),
			args: []string{"--mfa-code", "999999"}, wantCode: 3, wantText: "rejected"},
		{name: "no password and --no-prompt", setup: func(e *testEnv) { e.terminal() }, args: []string{"--no-prompt"},
			wantCode: 4, wantText: "set AWSFED_PASSWORD, pass --password-stdin, or set awsfed_password_command in [profile jump]"},
		{name: "no password and no terminal", wantCode: 4, wantText: "AWSFED_PASSWORD"},
		{name: "no code and no terminal", idp: generictest.Options{MFA: true}, setup: password(generictest.Password),
			wantCode: 4, wantText: "AWSFED_TOTP_SECRET"},
		{name: "ctrl-c at the password prompt", setup: func(e *testEnv) {
			e.terminal()
			e.prompter.RegisterError(uitest.Password, "Password for alice:", fmt.Errorf("password: %w", ui.ErrCancelled))
		}, wantCode: 130, wantText: "cancelled; nothing was written"},
		{name: "several roles and no way to choose", idp: twoRoles(), setup: password(generictest.Password),
			wantCode: 2, wantText: "pick one with --role-arn: " + generictest.RoleARN + ", " + otherRole},
		{name: "--role-arn not granted", setup: password(generictest.Password), args: []string{"--role-arn", otherRole},
			wantCode: 2, wantText: "does not grant the role " + otherRole},
		{name: "no roles", idp: generictest.Options{SAMLResponse: idptest.SAMLResponse(idptest.AssertionOptions{Roles: []string{}})},
			setup: password(generictest.Password), wantCode: 3, wantText: "grants no AWS role"},
		{name: "assertion not yet valid", idp: generictest.Options{SAMLResponse: idptest.SAMLResponse(idptest.AssertionOptions{Now: time.Now().Add(time.Hour)})},
			setup: password(generictest.Password), wantCode: 5, wantText: "the SAML assertion is not valid before"},
		{name: "empty SAMLResponse", idp: generictest.Options{SAMLResponse: " "},
			setup: password(generictest.Password), wantCode: 3, wantText: "the IdP sent an empty SAMLResponse: it issued no assertion for AWS"},
		{name: "SAMLResponse not base64", idp: generictest.Options{SAMLResponse: "%%% not base64 %%%"},
			setup: password(generictest.Password), wantCode: 1, wantText: "not base64"},
		{name: "SAMLResponse not XML", idp: generictest.Options{SAMLResponse: "bm90IHhtbCBhdCBhbGw="},
			setup: password(generictest.Password), wantCode: 1, wantText: "not a SAML"},
		{name: "IdP answers 500", idp: generictest.Options{LoginStatus: 500, LoginPage: "error500.html"},
			setup: password(generictest.Password), wantCode: 1, wantText: "HTTP 500"},
		{name: "page with no form", idp: generictest.Options{FirstPage: "noform.html"},
			setup: password(generictest.Password), wantCode: 1, wantText: "--debug-dir"},
		{name: "STS access denied", sts: []ststest.Option{ststest.WithFailure("AccessDenied", "Not authorized to perform sts:AssumeRoleWithSAML", 403)},
			setup: password(generictest.Password), wantCode: 5, wantText: "trust policy"},
		{name: "duration not a duration", setup: password(generictest.Password), args: []string{"--duration", "soon"},
			wantCode: 2, wantText: "--duration"},
		{name: "unknown flag", args: []string{"--frobnicate"}, wantCode: 2, wantText: "unknown flag"},
		{name: "credentials file does not parse", setup: func(e *testEnv) {
			password(generictest.Password)(e)
			e.write(e.creds, "[jump\naws_access_key_id = x\n")
		}, wantCode: 2, wantText: "credentials"},
		{name: "config file does not parse", setup: func(e *testEnv) {
			password(generictest.Password)(e)
			e.write(e.config, "[profile jump\nregion = x\n")
		}, wantCode: 2, wantText: "config"},
		{name: "credentials file unwritable", setup: func(e *testEnv) {
			password(generictest.Password)(e)
			e.env["AWS_SHARED_CREDENTIALS_FILE"] = filepath.Join(e.config, "credentials") // under a file
		}, wantCode: 1, wantText: "credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t, tt.idp, tt.sts...)
			if tt.setup != nil {
				tt.setup(e)
			}
			config, creds := e.read(e.config), e.read(e.creds)
			code := e.run(e.loginArgs(tt.args...)...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d; stderr: %s", code, tt.wantCode, e.errOut)
			}
			stderr := e.errOut.String()
			t.Logf("exit %d: %s", code, stderr)
			if strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, tt.wantText) {
				t.Errorf("stderr = %q, want one line containing %q", stderr, tt.wantText)
			}
			if e.out.Len() != 0 {
				t.Errorf("stdout = %q, want nothing", e.out)
			}
			e.assertUnchanged(config, creds)
			if strings.Contains(stderr, generictest.Password) {
				t.Errorf("stderr shows the password")
			}
		})
	}
}

func password(pw string) func(*testEnv) {
	return func(e *testEnv) { e.env["AWSFED_PASSWORD"] = pw }
}

func TestLoginNeedsAnIdP(t *testing.T) {
	e := newTestEnv(t, generictest.Options{})
	if code := e.run("login"); code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if !strings.Contains(e.errOut.String(), "profile sts has no IdP configured: pass --idp generic --url URL --username NAME") {
		t.Errorf("stderr = %q", e.errOut)
	}
}

func TestProfileFromAWSProfile(t *testing.T) {
	e := newTestEnv(t, generictest.Options{})
	e.write(e.config, "[profile jump]\nawsfed_idp = generic\nawsfed_url = "+e.idp.SSOURL()+"\nawsfed_username = alice\nregion = us-east-1\n\n"+
		"[profile target]\nrole_arn = arn:aws:iam::222222222222:role/Admin\nsource_profile = jump\n\n"+
		"[profile deeper]\nrole_arn = arn:aws:iam::333333333333:role/Admin\nsource_profile = target\n")
	e.env["AWSFED_PASSWORD"] = generictest.Password
	e.env["AWS_PROFILE"] = "deeper"
	if code := e.run("login"); code != 0 {
		t.Fatalf("exit %d: %s", code, e.errOut)
	}
	if !strings.Contains(e.errOut.String(), "into profile jump;") {
		t.Errorf("AWS_PROFILE=deeper must log into the root of its chain, jump: %s", e.errOut)
	}
}

func TestRoles(t *testing.T) {
	e := newTestEnv(t, twoRoles())
	e.env["AWSFED_PASSWORD"] = generictest.Password
	if code := e.run("roles", "--idp", "generic", "--url", e.idp.SSOURL(), "--username", "alice"); code != 0 {
		t.Fatalf("exit %d: %s", code, e.errOut)
	}
	want := "Account 123456789012\n  Developer                " + generictest.RoleARN + "\n" +
		"Account audit-prod (210987654321)\n  Auditor                  " + otherRole + "\n"
	if e.out.String() != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", e.out, want)
	}
	if len(e.sts.Requests()) != 0 {
		t.Errorf("roles called STS")
	}
}

// TestLoginIgnoresBrokenAWSProfile checks that the user's current profile,
// even one that does not exist, neither stops a login nor lends it
// credentials.
func TestLoginIgnoresBrokenAWSProfile(t *testing.T) {
	e := newTestEnv(t, generictest.Options{})
	e.env["AWSFED_PASSWORD"] = generictest.Password
	e.env["AWS_PROFILE"] = "no-such-profile"
	e.env["AWS_ACCESS_KEY_ID"] = "AKIABROKEN"
	e.env["AWS_SECRET_ACCESS_KEY"] = "broken"
	if code := e.run(e.loginArgs()...); code != 0 {
		t.Fatalf("exit %d: %s", code, e.errOut)
	}
	if r := e.sts.Requests()[0]; r.Signed() {
		t.Errorf("AssumeRoleWithSAML was signed with the environment's keys")
	}
}

func TestLoginWithPasswordCommand(t *testing.T) {
	e := newTestEnv(t, generictest.Options{})
	script := filepath.Join(t.TempDir(), "pw")
	e.write(script, "#!/bin/sh\nprintf '%s\\nurl: https://idp.example.com\\n' '"+generictest.Password+"'\n")
	if err := os.Chmod(script, 0o700); err != nil {
		t.Fatal(err)
	}
	e.write(e.config, "[profile jump]\nawsfed_password_command = "+script+"\n")
	if code := e.run(e.loginArgs()...); code != 0 {
		t.Fatalf("exit %d: %s", code, e.errOut)
	}
	e.write(script, "#!/bin/sh\necho 'store locked' >&2\nexit 3\n")
	config, creds := e.read(e.config), e.read(e.creds)
	if code := e.run(e.loginArgs()...); code != 1 || !strings.Contains(e.errOut.String(), "awsfed_password_command of [profile jump]") ||
		!strings.Contains(e.errOut.String(), "store locked") {
		t.Errorf("failing password command: exit %d, stderr %q", code, e.errOut)
	}
	e.assertUnchanged(config, creds)
}

// TestRolesWithoutAliases checks that roles still lists the roles, by
// account id, when AWS's sign-in page cannot be had.
func TestRolesWithoutAliases(t *testing.T) {
	e := newTestEnv(t, twoRoles())
	e.env["AWSFED_PASSWORD"] = generictest.Password
	e.env["AWSFED_AWS_SIGNIN_URL"] = "http://127.0.0.1:9/saml"
	if code := e.run("roles", "--idp", "generic", "--url", e.idp.SSOURL(), "--username", "alice", "--json"); code != 0 {
		t.Fatalf("exit %d: %s", code, e.errOut)
	}
	var got []sources.Grant
	if err := json.Unmarshal(e.out.Bytes(), &got); err != nil {
		t.Fatalf("stdout is not JSON: %v", err)
	}
	want := []sources.Grant{
		{AccountID: "123456789012", RoleName: "Developer", RoleARN: generictest.RoleARN, PrincipalARN: generictest.PrincipalARN},
		{AccountID: "210987654321", RoleName: "Auditor", RoleARN: otherRole, PrincipalARN: otherPrincipal},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("roles = %+v, want %+v", got, want)
	}
}
