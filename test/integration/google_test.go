package integration

import (
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed-2d15385e/awsfed/idp/google/googletest"
	"github.com/seed-2d15385e/awsfed/idp/idptest"
)

// TestGoogleSeedUser is the seed user's day: an aws-google-auth config
// ([profile sts] with google_config.* keys, [profile from_fumidai] built on
// it), a bare `awsfed login` against the emulated Google sign-in (password
// and authenticator code), then the chained profile in the AWS CLI and the
// Go SDK against a strict moto_server; a second bare login rides on the
// kept Google session and asks nothing.
func TestGoogleSeedUser(t *testing.T) {
	const jump = "arn:aws:iam::123456789012:role/jump-sso"
	const provider = "arn:aws:iam::123456789012:saml-provider/GoogleApps"
	g := googletest.NewServer(t, googletest.Options{
		Second:       []googletest.Factor{googletest.TOTP},
		SAMLResponse: idptest.SAMLResponse(idptest.AssertionOptions{Roles: []string{jump + "," + provider}, SessionName: googletest.DefaultEmail}),
	})
	m := startMoto(t, 6, "jump-sso", "from_fumidai")
	h := newHome(t, m.URL)
	certFile := filepath.Join(h.dir, "google-emulator.pem")
	h.write(certFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: g.Certificate().Raw})))
	h.write(h.config, `[profile sts]
region = us-east-1
google_config.ask_role = False
google_config.keyring = False
google_config.duration = 3600
google_config.google_idp_id = C01abc234
google_config.role_arn = `+jump+`
google_config.google_sp_id = 123456789012
google_config.u2f_disabled = False
google_config.google_username = `+googletest.DefaultEmail+`
google_config.bg_response = None

[profile from_fumidai]
role_arn = arn:aws:iam::123456789012:role/from_fumidai
source_profile = sts
region = us-east-1
`)
	env := []string{"AWSFED_GOOGLE_URL=" + g.URL, "SSL_CERT_FILE=" + certFile}
	r := h.awsfed(append(env, "AWSFED_PASSWORD="+googletest.DefaultPassword, "AWSFED_TOTP_SECRET="+googletest.DefaultTOTPSecret), "login", "--no-prompt")
	if r.code != 0 {
		t.Fatalf("awsfed login: exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "assumed-role/jump-sso/alice@example.com into profile sts;") {
		t.Errorf("result line: %q", r.stderr)
	}
	session, _ := filepath.Glob(filepath.Join(h.dir, ".config", "awsfed", "google-session-*"))
	if len(session) != 1 {
		t.Fatalf("kept Google session files: %v, want one", session)
	}
	if fi, _ := os.Stat(session[0]); fi.Mode().Perm() != 0o600 {
		t.Errorf("session file mode %v, want 0600", fi.Mode().Perm())
	}

	// The kept session: no password, no code, no prompt.
	r = h.awsfed(env, "login", "--no-prompt")
	if r.code != 0 {
		t.Fatalf("second login on the kept session: exit %d\n%s", r.code, r.stderr)
	}

	want := "arn:aws:sts::123456789012:assumed-role/from_fumidai/"
	cli := h.run([]string{"AWS_PROFILE=from_fumidai"}, "", "aws", "sts", "get-caller-identity", "--query", "Arn", "--output", "text")
	if cli.code != 0 || !strings.HasPrefix(strings.TrimSpace(cli.stdout), want) {
		t.Errorf("AWS_PROFILE=from_fumidai aws sts get-caller-identity: exit %d %q %s", cli.code, cli.stdout, cli.stderr)
	}
	if _, sdk := h.identity("from_fumidai"); !strings.HasPrefix(sdk, want) {
		t.Errorf("Go SDK identity of from_fumidai: %q, want %s…", sdk, want)
	}
	cfg := h.read(h.config)
	if strings.Contains(cfg, "= None\n[") || strings.Count(cfg, "None") != 1 {
		t.Errorf("the config gained a None:\n%s", cfg)
	}

	// Logout: the credentials and the kept session go, the settings stay,
	// and the next login asks again (here: needs the secrets again).
	r = h.awsfed(env, "logout")
	if r.code != 0 || !strings.Contains(r.stderr, "Logged out of profile sts: removed its credentials and the kept Google session") {
		t.Fatalf("awsfed logout: exit %d\n%s", r.code, r.stderr)
	}
	if left, _ := filepath.Glob(filepath.Join(h.dir, ".config", "awsfed", "google-session-*")); len(left) != 0 {
		t.Errorf("session files after logout: %v", left)
	}
	if creds := h.read(h.creds); strings.Contains(creds, "[sts]") {
		t.Errorf("[sts] still in the credentials file after logout:\n%s", creds)
	}
	if h.read(h.config) != cfg {
		t.Errorf("logout changed the config file")
	}
	if r = h.awsfed(env, "login", "--no-prompt"); r.code != 4 {
		t.Errorf("login after logout without secrets: exit %d, want 4 (the password is needed again)\n%s", r.code, r.stderr)
	}
}
