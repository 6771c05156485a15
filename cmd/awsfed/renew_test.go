package main

import (
	"strings"
	"testing"
	"time"

	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/idp/generic/generictest"
)

// TestSkipIfValid checks login --skip-if-valid: valid credentials for the
// same role skip the login with the IdP and STS stopped; anything else
// logs in.
func TestSkipIfValid(t *testing.T) {
	const assumed = "arn:aws:sts::123456789012:assumed-role/Developer/alice@example.com"
	in := func(d time.Duration) string { return time.Now().Add(d).UTC().Format(time.RFC3339) }
	tests := []struct {
		name      string
		creds     string // the [jump] section
		args      []string
		wantLogin bool
		wantText  string
	}{
		{name: "valid for longer", creds: "x_security_token_expires = " + in(2*time.Hour) + "\nx_principal_arn = " + assumed,
			args: []string{"--skip-if-valid", "30m"}, wantText: "Profile jump: valid for 2h0m more; skipped\n"},
		{name: "valid in seconds", creds: "x_security_token_expires = " + in(2*time.Hour) + "\nx_principal_arn = " + assumed,
			args: []string{"--skip-if-valid", "1800"}, wantText: "skipped"},
		{name: "aws-google-auth's expiry key", creds: "aws_session_expiration = " + time.Now().Add(2*time.Hour).Format("2006-01-02T15:04:05-0700") + "\nx_principal_arn = " + assumed,
			args: []string{"--skip-if-valid", "30m"}, wantText: "skipped"},
		{name: "valid, but not long enough", creds: "x_security_token_expires = " + in(20*time.Minute) + "\nx_principal_arn = " + assumed,
			args: []string{"--skip-if-valid", "30m"}, wantLogin: true},
		{name: "expired", creds: "x_security_token_expires = " + in(-time.Minute) + "\nx_principal_arn = " + assumed,
			args: []string{"--skip-if-valid", "30m"}, wantLogin: true},
		{name: "another role", creds: "x_security_token_expires = " + in(2*time.Hour) + "\nx_principal_arn = arn:aws:sts::123456789012:assumed-role/Operator/alice",
			args: []string{"--skip-if-valid", "30m"}, wantLogin: true},
		{name: "no expiry", creds: "x_principal_arn = " + assumed, args: []string{"--skip-if-valid", "30m"}, wantLogin: true},
		{name: "--force", creds: "x_security_token_expires = " + in(2*time.Hour) + "\nx_principal_arn = " + assumed,
			args: []string{"--skip-if-valid", "30m", "--force"}, wantLogin: true},
		{name: "without --skip-if-valid", creds: "x_security_token_expires = " + in(2*time.Hour) + "\nx_principal_arn = " + assumed, wantLogin: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t, generictest.Options{})
			e.env["AWSFED_PASSWORD"] = generictest.Password
			config := otherConfig + "\n[profile jump]\nawsfed_idp = generic\nawsfed_url = " + e.idp.SSOURL() +
				"\nawsfed_username = alice\nawsfed_role_arn = " + generictest.RoleARN + "\nregion = us-east-1\n"
			creds := otherCreds + "\n[jump]\naws_access_key_id = ASIAOLD\naws_secret_access_key = old\naws_session_token = oldtoken\n" + tt.creds + "\n"
			e.write(e.config, config)
			e.write(e.creds, creds)
			if !tt.wantLogin {
				// No network traffic at all: nothing answers.
				e.idp.Close()
				e.sts.Close()
			}
			code := e.run(append([]string{"login", "--profile", "jump", "--no-prompt"}, tt.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, e.errOut)
			}
			if got := len(e.sts.Issued()) == 1; got != tt.wantLogin {
				t.Errorf("logged in: %v, want %v (stderr %q)", got, tt.wantLogin, e.errOut)
			}
			if !tt.wantLogin {
				if !strings.Contains(e.errOut.String(), tt.wantText) || strings.Count(e.errOut.String(), "\n") != 1 {
					t.Errorf("stderr = %q, want the one line %q", e.errOut, tt.wantText)
				}
				e.assertUnchanged(config, creds)
			}
		})
	}
}

func TestSkipIfValidBadValue(t *testing.T) {
	for _, args := range [][]string{{"login", "--skip-if-valid", "soon"}, {"login", "--skip-if-valid", "-5m", "--profile", "jump"}} {
		e := newTestEnv(t, generictest.Options{})
		// The flag is checked first, even in a profile with no IdP yet.
		if code := e.run(args...); code != 2 || !strings.HasPrefix(e.errOut.String(), "awsfed: --skip-if-valid ") {
			t.Errorf("%v: exit %d, stderr %q; want 2 naming the flag", args, code, e.errOut)
		}
		e.assertUnchanged(otherConfig, otherCreds)
	}
}

// TestCredentialProcessProfileUsesCache checks where a login stores the
// credentials of a profile that itself runs credential_process: the cache,
// never its credentials file section, which the AWS CLI would prefer.
func TestCredentialProcessProfileUsesCache(t *testing.T) {
	e := newTestEnv(t, generictest.Options{})
	e.env["AWSFED_PASSWORD"] = generictest.Password
	config := otherConfig + "\n[profile jump]\ncredential_process = awsfed credential-process --profile jump\n"
	e.write(e.config, config)
	if code := e.run(e.loginArgs("--no-prompt")...); code != 0 {
		t.Fatalf("exit %d: %s", code, e.errOut)
	}
	if got := e.read(e.creds); got != otherCreds {
		t.Errorf("the credentials file changed:\n%s", got)
	}
	c, ok, err := cacheDir(e.deps).Load("jump")
	if err != nil || !ok || c != (awsconfig.Credentials{AccessKeyID: e.sts.Issued()[0].AccessKeyID, SecretAccessKey: e.sts.Issued()[0].SecretAccessKey,
		SessionToken: e.sts.Issued()[0].SessionToken, Expiration: e.sts.Issued()[0].Expiration.UTC().Truncate(time.Second), PrincipalARN: e.sts.Issued()[0].PrincipalARN}) {
		t.Errorf("cache = %+v, %v, %v; want the issued credentials", c, ok, err)
	}
}
