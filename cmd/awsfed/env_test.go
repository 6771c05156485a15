package main

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/seed-2d15385e/awsfed/idp/generic/generictest"
)

const (
	jumpAssumed = "arn:aws:sts::123456789012:assumed-role/Developer/alice@example.com"
	// jumpExpiry is when the stored credentials of the env and exec tests
	// expire, unless a test says otherwise.
	jumpExpiry = 2 * time.Hour
)

// jumpUser is a testEnv whose config has the awsfed profile jump
// (with extraConfig in its section) and whose credentials file holds
// credentials for it that expire in expiresIn (a past time when negative).
type jumpUser struct {
	*testEnv
	expiry time.Time
	// configText and credsText are what the two files hold.
	configText, credsText string
}

func newJumpUser(t *testing.T, expiresIn time.Duration, extraConfig string) *jumpUser {
	t.Helper()
	e := newTestEnv(t, generictest.Options{})
	u := &jumpUser{testEnv: e, expiry: time.Now().Add(expiresIn).UTC().Truncate(time.Second)}
	u.configText = otherConfig + "\n[profile jump]\nawsfed_idp = generic\nawsfed_url = " + e.idp.SSOURL() +
		"\nawsfed_username = alice\nawsfed_role_arn = " + generictest.RoleARN + "\n" + extraConfig
	u.credsText = otherCreds + "\n[jump]\naws_access_key_id = ASIASTORED\naws_secret_access_key = it's secret\naws_session_token = stored/token+=\n" +
		"x_security_token_expires = " + u.expiry.Format(time.RFC3339) + "\nx_principal_arn = " + jumpAssumed + "\n"
	e.write(e.config, u.configText)
	e.write(e.creds, u.credsText)
	return u
}

// offline stops the test IdP and STS: any login fails.
func (u *jumpUser) offline() {
	u.idp.Close()
	u.sts.Close()
}

// storedEnv is the sh output for the stored credentials of jump in region.
func (u *jumpUser) storedEnv(region string) string {
	return "unset AWS_PROFILE\nunset AWS_DEFAULT_PROFILE\nunset AWS_SESSION_EXPIRATION\n" +
		"export AWS_ACCESS_KEY_ID='ASIASTORED'\n" +
		"export AWS_SECRET_ACCESS_KEY='it'\\''s secret'\n" +
		"export AWS_SESSION_TOKEN='stored/token+='\n" +
		"export AWS_SECURITY_TOKEN='stored/token+='\n" +
		"export AWS_REGION='" + region + "'\n" +
		"export AWS_DEFAULT_REGION='" + region + "'\n" +
		"export AWS_CREDENTIAL_EXPIRATION='" + u.expiry.Format(time.RFC3339) + "'\n"
}

// TestEnvFormats checks every format's exact output for valid stored
// credentials, printed without any network traffic.
func TestEnvFormats(t *testing.T) {
	tests := []struct {
		format string
		want   string // $EXP is the expiry
	}{
		{"sh", `unset AWS_PROFILE
unset AWS_DEFAULT_PROFILE
unset AWS_SESSION_EXPIRATION
export AWS_ACCESS_KEY_ID='ASIASTORED'
export AWS_SECRET_ACCESS_KEY='it'\''s secret'
export AWS_SESSION_TOKEN='stored/token+='
export AWS_SECURITY_TOKEN='stored/token+='
export AWS_REGION='eu-central-1'
export AWS_DEFAULT_REGION='eu-central-1'
export AWS_CREDENTIAL_EXPIRATION='$EXP'
`},
		{"fish", `if set -q -g AWS_PROFILE; set -e -g AWS_PROFILE; end;
if set -q -g AWS_DEFAULT_PROFILE; set -e -g AWS_DEFAULT_PROFILE; end;
if set -q -g AWS_SESSION_EXPIRATION; set -e -g AWS_SESSION_EXPIRATION; end;
set -gx AWS_ACCESS_KEY_ID 'ASIASTORED';
set -gx AWS_SECRET_ACCESS_KEY 'it\'s secret';
set -gx AWS_SESSION_TOKEN 'stored/token+=';
set -gx AWS_SECURITY_TOKEN 'stored/token+=';
set -gx AWS_REGION 'eu-central-1';
set -gx AWS_DEFAULT_REGION 'eu-central-1';
set -gx AWS_CREDENTIAL_EXPIRATION '$EXP';
`},
		{"powershell", `Remove-Item Env:AWS_PROFILE -ErrorAction SilentlyContinue
Remove-Item Env:AWS_DEFAULT_PROFILE -ErrorAction SilentlyContinue
Remove-Item Env:AWS_SESSION_EXPIRATION -ErrorAction SilentlyContinue
$Env:AWS_ACCESS_KEY_ID = 'ASIASTORED'
$Env:AWS_SECRET_ACCESS_KEY = 'it''s secret'
$Env:AWS_SESSION_TOKEN = 'stored/token+='
$Env:AWS_SECURITY_TOKEN = 'stored/token+='
$Env:AWS_REGION = 'eu-central-1'
$Env:AWS_DEFAULT_REGION = 'eu-central-1'
$Env:AWS_CREDENTIAL_EXPIRATION = '$EXP'
`},
		{"dotenv", `AWS_ACCESS_KEY_ID=ASIASTORED
AWS_SECRET_ACCESS_KEY=it's secret
AWS_SESSION_TOKEN=stored/token+=
AWS_SECURITY_TOKEN=stored/token+=
AWS_REGION=eu-central-1
AWS_DEFAULT_REGION=eu-central-1
AWS_CREDENTIAL_EXPIRATION=$EXP
`},
		{"json", `{
  "AWS_ACCESS_KEY_ID": "ASIASTORED",
  "AWS_SECRET_ACCESS_KEY": "it's secret",
  "AWS_SESSION_TOKEN": "stored/token+=",
  "AWS_SECURITY_TOKEN": "stored/token+=",
  "AWS_REGION": "eu-central-1",
  "AWS_DEFAULT_REGION": "eu-central-1",
  "AWS_CREDENTIAL_EXPIRATION": "$EXP"
}
`},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			u := newJumpUser(t, jumpExpiry, "region = eu-central-1\n")
			u.offline()
			if code := u.run("env", "--profile", "jump", "--format", tt.format); code != 0 {
				t.Fatalf("exit %d: %s", code, u.errOut)
			}
			want := strings.ReplaceAll(tt.want, "$EXP", u.expiry.Format(time.RFC3339))
			if got := u.out.String(); got != want {
				t.Errorf("stdout:\n%s\nwant:\n%s", got, want)
			}
			if u.errOut.Len() != 0 {
				t.Errorf("stderr = %q, want nothing", u.errOut)
			}
			u.assertUnchanged(u.configText, u.credsText)
		})
	}
	t.Run("json is JSON", func(t *testing.T) {
		u := newJumpUser(t, jumpExpiry, "")
		u.offline()
		if code := u.run("env", "--profile", "jump", "--format", "json"); code != 0 {
			t.Fatalf("exit %d: %s", code, u.errOut)
		}
		var got map[string]string
		if err := json.Unmarshal(u.out.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		if got["AWS_SECRET_ACCESS_KEY"] != "it's secret" || len(got) != 7 {
			t.Errorf("got %v", got)
		}
	})
}

// TestEnvDotenvRefusesValue checks that a value docker would read back
// differently fails the command, and prints nothing.
func TestEnvDotenvRefusesValue(t *testing.T) {
	u := newJumpUser(t, jumpExpiry, "")
	u.write(u.creds, strings.Replace(u.credsText, "aws_secret_access_key = it's secret", "aws_secret_access_key = 'quoted'", 1))
	u.offline()
	if code := u.run("env", "--profile", "jump", "--format", "dotenv"); code != 1 {
		t.Errorf("exit %d, want 1: %s", code, u.errOut)
	}
	if u.out.Len() != 0 || !strings.Contains(u.errOut.String(), "AWS_SECRET_ACCESS_KEY cannot be written in the dotenv format") {
		t.Errorf("stdout %q, stderr %q", u.out, u.errOut)
	}
}

// TestEnvRegion checks where the region comes from: the environment, then
// the profile, then the role's partition.
func TestEnvRegion(t *testing.T) {
	tests := []struct {
		name    string
		profile string // region line of [profile jump]
		env     map[string]string
		china   bool // the role and the stored credentials are of aws-cn
		want    string
	}{
		{name: "profile", profile: "region = ap-northeast-1\n", want: "ap-northeast-1"},
		{name: "AWS_REGION beats the profile", profile: "region = ap-northeast-1\n", env: map[string]string{"AWS_REGION": "eu-west-3", "AWS_DEFAULT_REGION": "eu-west-2"}, want: "eu-west-3"},
		{name: "AWS_DEFAULT_REGION", env: map[string]string{"AWS_DEFAULT_REGION": "eu-west-2"}, want: "eu-west-2"},
		{name: "partition default", want: "us-east-1"},
		{name: "China's partition default", china: true, want: "cn-north-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := newJumpUser(t, jumpExpiry, tt.profile)
			u.offline()
			for k, v := range tt.env {
				u.env[k] = v
			}
			if tt.china {
				u.write(u.config, strings.ReplaceAll(u.configText, "arn:aws:", "arn:aws-cn:"))
				u.write(u.creds, strings.ReplaceAll(u.credsText, "arn:aws:", "arn:aws-cn:"))
			}
			if code := u.run("env", "--profile", "jump"); code != 0 {
				t.Fatalf("exit %d: %s", code, u.errOut)
			}
			if got, want := u.out.String(), u.storedEnv(tt.want); got != want {
				t.Errorf("stdout:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// TestEnvProfiles checks which profile env uses, and its refusal of a
// profile awsfed does not log into. Nothing is sent and no file changes.
// Chained profiles: chain_test.go.
func TestEnvProfiles(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantCode int
		wantText string
	}{
		{name: "--profile", args: []string{"--profile", "jump"}},
		{name: "AWS_PROFILE", env: map[string]string{"AWS_PROFILE": "jump"}},
		{name: "AWS_DEFAULT_PROFILE", env: map[string]string{"AWS_DEFAULT_PROFILE": "jump"}},
		{name: "--profile beats AWS_PROFILE", args: []string{"--profile", "jump"}, env: map[string]string{"AWS_PROFILE": "target"}},
		{name: "not an awsfed profile", args: []string{"--profile", "default"}, wantCode: 2,
			wantText: "awsfed: profile default is not an awsfed profile (no awsfed_* or google_config.* settings in [default] of "},
		{name: "no profile, no sts", wantCode: 2, wantText: "awsfed: profile sts is not an awsfed profile"},
		{name: "AWS_PROFILE of another tool", env: map[string]string{"AWS_PROFILE": "other"}, wantCode: 2,
			wantText: "awsfed: AWS_PROFILE (or AWS_DEFAULT_PROFILE) names profile other, which is neither an awsfed profile nor chained on one; awsfed env does not guess another"},
		{name: "AWS_DEFAULT_PROFILE of a plain profile", env: map[string]string{"AWS_DEFAULT_PROFILE": "default"}, wantCode: 2,
			wantText: "awsfed: AWS_PROFILE (or AWS_DEFAULT_PROFILE) names profile default, which is neither"},
		{name: "bad --format", args: []string{"--profile", "jump", "--format", "csh"}, wantCode: 2,
			wantText: `awsfed: --format "csh": use one of sh, fish, powershell, dotenv, json`},
		{name: "bad --min-valid", args: []string{"--profile", "jump", "--min-valid", "soon"}, wantCode: 2, wantText: `awsfed: --min-valid "soon": `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := newJumpUser(t, jumpExpiry, "")
			u.offline()
			for k, v := range tt.env {
				u.env[k] = v
			}
			code := u.run(append([]string{"env"}, tt.args...)...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d: %s", code, tt.wantCode, u.errOut)
			}
			if tt.wantCode == 0 {
				if got, want := u.out.String(), u.storedEnv("us-east-1"); got != want {
					t.Errorf("stdout:\n%s\nwant:\n%s", got, want)
				}
			} else {
				if u.out.Len() != 0 {
					t.Errorf("stdout = %q, want nothing", u.out)
				}
				if !strings.HasPrefix(u.errOut.String(), tt.wantText) || strings.Count(u.errOut.String(), "\n") != 1 {
					t.Errorf("stderr = %q, want one line starting %q", u.errOut, tt.wantText)
				}
			}
			u.assertUnchanged(u.configText, u.credsText)
		})
	}
}

// TestEnvRenewal checks --min-valid: credentials that expire within it are
// renewed by a login before they are printed, and the result line goes to
// stderr only.
func TestEnvRenewal(t *testing.T) {
	tests := []struct {
		name      string
		expiresIn time.Duration
		args      []string
		wantLogin bool
	}{
		{name: "valid for longer than the default 5m", expiresIn: 6 * time.Minute},
		{name: "within the default 5m", expiresIn: 4 * time.Minute, wantLogin: true},
		{name: "expired", expiresIn: -time.Hour, wantLogin: true},
		{name: "within --min-valid", expiresIn: 20 * time.Minute, args: []string{"--min-valid", "30m"}, wantLogin: true},
		{name: "--min-valid in seconds", expiresIn: 20 * time.Minute, args: []string{"--min-valid", "600"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := newJumpUser(t, tt.expiresIn, "")
			u.env["AWSFED_PASSWORD"] = generictest.Password
			if !tt.wantLogin {
				u.offline()
			}
			if code := u.run(append([]string{"env", "--profile", "jump", "--format", "json", "--no-prompt"}, tt.args...)...); code != 0 {
				t.Fatalf("exit %d: %s", code, u.errOut)
			}
			var got map[string]string
			if err := json.Unmarshal(u.out.Bytes(), &got); err != nil {
				t.Fatalf("stdout is not JSON: %v\n%s", err, u.out)
			}
			if !tt.wantLogin {
				if got["AWS_ACCESS_KEY_ID"] != "ASIASTORED" || u.errOut.Len() != 0 {
					t.Errorf("got %v, stderr %q; want the stored credentials and no message", got, u.errOut)
				}
				u.assertUnchanged(u.configText, u.credsText)
				return
			}
			issued := u.sts.Issued()
			if len(issued) != 1 {
				t.Fatalf("STS issued %d credentials, want 1", len(issued))
			}
			c := issued[0]
			want := map[string]string{
				"AWS_ACCESS_KEY_ID": c.AccessKeyID, "AWS_SECRET_ACCESS_KEY": c.SecretAccessKey,
				"AWS_SESSION_TOKEN": c.SessionToken, "AWS_SECURITY_TOKEN": c.SessionToken,
				"AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
				"AWS_CREDENTIAL_EXPIRATION": c.Expiration.UTC().Format(time.RFC3339),
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
			if !strings.HasPrefix(u.errOut.String(), "Assumed "+jumpAssumed+" into profile jump; expires ") {
				t.Errorf("stderr = %q, want the login's result line", u.errOut)
			}
			if creds := u.read(u.creds); !strings.Contains(creds, "aws_access_key_id = "+c.AccessKeyID+"\n") {
				t.Errorf("the renewed credentials were not stored:\n%s", creds)
			}
		})
	}
}

// TestEnvNeedsInput checks that a renewal that needs a password nobody
// can type fails with exit 4, saying how to renew.
func TestEnvNeedsInput(t *testing.T) {
	u := newJumpUser(t, -time.Hour, "")
	if code := u.run("env", "--profile", "jump", "--no-prompt"); code != 4 {
		t.Fatalf("exit %d, want 4: %s", code, u.errOut)
	}
	want := "awsfed: a password is needed and awsfed cannot prompt (no terminal, or --no-prompt): run `awsfed login --profile jump` in a terminal and try again; for unattended renewals set AWSFED_PASSWORD, or awsfed_password_command in [profile jump]\n"
	if u.errOut.String() != want || u.out.Len() != 0 {
		t.Errorf("stdout %q, stderr %q; want %q", u.out, u.errOut, want)
	}
	u.assertUnchanged(u.configText, u.credsText)
}

// TestEnvEvalInShells evaluates the whole output of env in each shell that
// is installed, with AWS_PROFILE set: the shell must end with the
// variables set, AWS_PROFILE removed, and a zero status for "&&" chains.
func TestEnvEvalInShells(t *testing.T) {
	shells := []struct {
		name, format string
		args         []string // the output follows as the script's first argument
	}{
		{"sh", "sh", []string{"-c", `eval "$1" && printf '%s|%s|%s' "${AWS_PROFILE-unset}" "$AWS_SECRET_ACCESS_KEY" "$AWS_REGION"`, "sh"}},
		{"bash", "sh", []string{"-c", `eval "$1" && printf '%s|%s|%s' "${AWS_PROFILE-unset}" "$AWS_SECRET_ACCESS_KEY" "$AWS_REGION"`, "bash"}},
		{"fish", "fish", []string{"--no-config", "-c", `echo $argv[1] | source; and printf '%s|%s|%s' (set -q AWS_PROFILE; and echo $AWS_PROFILE; or echo unset) $AWS_SECRET_ACCESS_KEY $AWS_REGION`}},
	}
	for _, sh := range shells {
		t.Run(sh.name, func(t *testing.T) {
			if _, err := exec.LookPath(sh.name); err != nil {
				t.Skipf("%s is not installed", sh.name)
			}
			u := newJumpUser(t, jumpExpiry, "region = eu-central-1\n")
			u.offline()
			if code := u.run("env", "--profile", "jump", "--format", sh.format); code != 0 {
				t.Fatalf("exit %d: %s", code, u.errOut)
			}
			cmd := exec.Command(sh.name, append(sh.args, u.out.String())...)
			cmd.Env = []string{"AWS_PROFILE=jump", "AWS_DEFAULT_PROFILE=jump"}
			out, err := cmd.CombinedOutput()
			if want := "unset|it's secret|eu-central-1"; err != nil || string(out) != want {
				t.Errorf("%s: %q (%v), want %q", sh.name, out, err, want)
			}
		})
	}
}

// TestEnvNoSilentSwap checks that an AWS_PROFILE naming another tool's
// profile is refused even where the default awsfed profile exists: env,
// exec and console never hand out another identity than the one
// AWS_PROFILE names.
func TestEnvNoSilentSwap(t *testing.T) {
	e := newTestEnv(t, generictest.Options{})
	config := otherConfig + "\n[profile sts]\nawsfed_idp = generic\nawsfed_url = " + e.idp.SSOURL() + "\nawsfed_username = alice\n"
	e.write(e.config, config)
	e.env["AWS_PROFILE"] = "someone-elses"
	for _, args := range [][]string{{"env"}, {"exec", "--", "true"}, {"console", "--print"}} {
		if code := e.run(args...); code != 2 || !strings.Contains(e.errOut.String(), "names profile someone-elses, which is neither") {
			t.Errorf("%v: exit %d, stderr %q; want 2 and the refusal", args, code, e.errOut)
		}
	}
	e.assertUnchanged(config, otherCreds)
}
