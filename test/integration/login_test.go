package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const totpSecret = "JBSWY3DPEHPK3PXP"

// userConfig is a config file with what a real user has around the jump
// profile: comments, another profile, and the chained profile.
const userConfig = `# my AWS config — keep this comment
[default]
region = eu-west-1

[profile target]
role_arn = arn:aws:iam::123456789012:role/TargetRole
source_profile = jump
region = us-east-1
`

const userCredentials = `# static keys of another tool
[other]
aws_access_key_id = AKIAOTHER
aws_secret_access_key = other#secret
`

func roleName(arn string) string { return arn[strings.LastIndex(arn, "/")+1:] }

func TestLoginThroughRealIdPs(t *testing.T) {
	tests := []struct {
		name           string
		ssoVar         string
		user, password string
		totp           bool
		roleVar        string
		what           string
	}{
		{"SimpleSAMLphp password", "SSP_SSO_URL", "singleuser", "singlepass", false, "SSP_SINGLE_ROLE_ARN", "SimpleSAMLphp"},
		{"SimpleSAMLphp password and TOTP", "SSP_SSO_URL", "mfasingle", "mfapass", true, "SSP_MFA_SINGLE_ROLE_ARN", "SimpleSAMLphp"},
		{"LemonLDAP::NG password and TOTP", "LLNG_SSO_URL", "dwho", "dwho", true, "LLNG_ROLE_ARN", "LemonLDAP::NG"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sso := peer(t, tt.ssoVar, tt.what)
			role := peer(t, tt.roleVar, tt.what)
			// 4 IAM set-up requests and two unsigned AssumeRoleWithSAML
			// pass unchecked; every request after them must be signed
			// with what awsfed wrote.
			m := startMoto(t, 6, roleName(role), "TargetRole")
			h := newHome(t, m.URL)
			h.write(h.config, userConfig)
			h.write(h.creds, userCredentials)
			env := []string{"AWSFED_PASSWORD=" + tt.password}
			if tt.totp {
				env = append(env, "AWSFED_TOTP_SECRET="+totpSecret)
			}

			r := h.awsfed(env, "login", "--idp", "generic", "--url", sso, "--username", tt.user,
				"--profile", "jump", "--region", "us-east-1", "--no-prompt")
			if r.code != 0 {
				t.Fatalf("first login: exit %d\n%s", r.code, r.stderr)
			}
			if !strings.Contains(r.stderr, "into profile jump; expires ") {
				t.Errorf("no result line on stderr: %q", r.stderr)
			}
			// The settings were saved: a bare login needs no flags.
			r = h.awsfed(env, "login", "--profile", "jump", "--no-prompt")
			if r.code != 0 {
				t.Fatalf("second login with saved settings: exit %d\n%s", r.code, r.stderr)
			}

			wantJump := "arn:aws:sts::123456789012:assumed-role/" + roleName(role) + "/"
			h.wantIdentity("jump", wantJump)
			wantTarget := "arn:aws:sts::123456789012:assumed-role/TargetRole/"
			h.wantIdentity("target", wantTarget)

			creds := h.read(h.creds)
			if !strings.HasPrefix(creds, userCredentials) {
				t.Errorf("the other profile and its comment were not kept:\n%s", creds)
			}
			if fi, _ := os.Stat(h.creds); fi.Mode().Perm() != 0o600 {
				t.Errorf("credentials file mode %v, want 0600", fi.Mode().Perm())
			}
			cfg := h.read(h.config)
			if !strings.HasPrefix(cfg, userConfig) {
				t.Errorf("the config file's existing text was not kept:\n%s", cfg)
			}
			for _, want := range []string{"[profile jump]", "awsfed_idp = generic", "awsfed_username = " + tt.user, "awsfed_role_arn = " + role} {
				if !strings.Contains(cfg, want) {
					t.Errorf("config lacks %q:\n%s", want, cfg)
				}
			}
		})
	}
}

// TestLoginFailuresAgainstSimpleSAMLphp checks each refusal's exit code,
// its one line, and that no file changed.
func TestLoginFailuresAgainstSimpleSAMLphp(t *testing.T) {
	sso := peer(t, "SSP_SSO_URL", "SimpleSAMLphp")
	unknownSP := strings.Replace(sso, "urn:amazon:webservices", "urn:unknown", 1)
	unknownSP = strings.Replace(unknownSP, "urn%3Aamazon%3Awebservices", "urn:unknown", 1)
	tests := []struct {
		name     string
		env      []string
		args     []string
		wantCode int
		wantText string
	}{
		{"wrong password", []string{"AWSFED_PASSWORD=wrong-password"}, []string{"--url", sso, "--username", "singleuser"}, 3, "Incorrect username or password"},
		{"wrong one-time code", []string{"AWSFED_PASSWORD=mfapass", "AWSFED_MFA_CODE=000000"}, []string{"--url", sso, "--username", "mfasingle"}, 3, "code"},
		{"no roles", []string{"AWSFED_PASSWORD=norolepass"}, []string{"--url", sso, "--username", "noroleuser"}, 3, "role"},
		{"no password and no prompt", nil, []string{"--url", sso, "--username", "singleuser"}, 4, "AWSFED_PASSWORD"},
		{"page not recognised", []string{"AWSFED_PASSWORD=singlepass"}, []string{"--url", unknownSP, "--username", "singleuser"}, 1, "--debug-dir"},
		{"IdP down", []string{"AWSFED_PASSWORD=singlepass"}, []string{"--url", "http://127.0.0.1:9/sso", "--username", "singleuser"}, 1, "cannot reach the IdP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHome(t, "http://127.0.0.1:9") // STS must never be reached
			h.write(h.config, userConfig)
			h.write(h.creds, userCredentials)
			args := append([]string{"login", "--idp", "generic", "--profile", "jump", "--no-prompt"}, tt.args...)
			r := h.awsfed(tt.env, args...)
			if r.code != tt.wantCode {
				t.Errorf("exit %d, want %d; stderr: %s", r.code, tt.wantCode, r.stderr)
			}
			if lines := strings.Count(strings.TrimSpace(r.stderr), "\n") + 1; lines != 1 || !strings.Contains(r.stderr, tt.wantText) {
				t.Errorf("stderr = %q, want one line containing %q", r.stderr, tt.wantText)
			}
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
			if got := h.read(h.config); got != userConfig {
				t.Errorf("config changed:\n%s", got)
			}
			if got := h.read(h.creds); got != userCredentials {
				t.Errorf("credentials changed:\n%s", got)
			}
		})
	}
}

// TestNoSecretsInOutputOrDebugDir logs in with TOTP and --debug-dir and
// looks for the password, the codes and the session token everywhere.
func TestNoSecretsInOutputOrDebugDir(t *testing.T) {
	sso := peer(t, "SSP_SSO_URL", "SimpleSAMLphp")
	role := peer(t, "SSP_MFA_SINGLE_ROLE_ARN", "SimpleSAMLphp")
	m := startMoto(t, 100, roleName(role))
	h := newHome(t, m.URL)
	debug := filepath.Join(h.dir, "debug")
	const password = "mfapass"
	r := h.awsfed([]string{"AWSFED_PASSWORD=" + password, "AWSFED_TOTP_SECRET=" + totpSecret},
		"login", "--idp", "generic", "--url", sso, "--username", "mfasingle", "--profile", "jump",
		"--region", "us-east-1", "--debug-dir", debug, "--json")
	if r.code != 0 {
		t.Fatalf("login: exit %d: %s", r.code, r.stderr)
	}
	secrets := map[string]string{"password": password, "TOTP secret": totpSecret}
	for _, line := range strings.Split(h.read(h.creds), "\n") {
		if k, v, ok := strings.Cut(line, " = "); ok && (k == "aws_session_token" || k == "aws_secret_access_key") {
			secrets[k] = v
		}
	}
	files, _ := filepath.Glob(filepath.Join(debug, "*"))
	if len(files) < 4 {
		t.Fatalf("debug folder holds %d files, want every hop", len(files))
	}
	places := map[string]string{"stdout": r.stdout, "stderr": r.stderr}
	for _, f := range files {
		places[filepath.Base(f)] = h.read(f)
		if fi, _ := os.Stat(f); fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", f, fi.Mode().Perm())
		}
	}
	var sawCode bool
	for where, text := range places {
		for what, secret := range secrets {
			if strings.Contains(text, secret) {
				t.Errorf("%s shows the %s", where, what)
			}
		}
		if strings.Contains(text, "otp=********") {
			sawCode = true
		}
	}
	if !sawCode {
		t.Errorf("no debug file shows the masked code field otp=********")
	}
}
