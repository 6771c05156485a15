package integration

import (
	"os/exec"
	"strings"
	"testing"
)

// TestChainAgainstMoto resolves chains of depth 2 (mid on jump) and 3 (deep
// on mid) with exec, env and credential-process against strict moto: the
// first call logs jump in through SimpleSAMLphp (moto would refuse a second
// unsigned AssumeRoleWithSAML), every hop is an AssumeRole signed with the
// credentials of the one before, and the AWS CLI and the Go SDK see the
// deepest role.
func TestChainAgainstMoto(t *testing.T) {
	sso := peer(t, "SSP_SSO_URL", "SimpleSAMLphp")
	role := peer(t, "SSP_SINGLE_ROLE_ARN", "SimpleSAMLphp")
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("the AWS CLI is not installed (pip install awscli)")
	}
	// Two IAM set-up requests per role and one unsigned AssumeRoleWithSAML
	// pass unchecked.
	m := startMoto(t, 2*3+1, roleName(role), "Hop1", "Hop2")
	h := newHome(t, m.URL)
	h.write(h.config, jumpConfig(sso, "singleuser", role)+
		"\n[profile mid]\nrole_arn = arn:aws:iam::123456789012:role/Hop1\nsource_profile = jump\nduration_seconds = 7200\n"+
		"\n[profile deep]\nrole_arn = arn:aws:iam::123456789012:role/Hop2\nsource_profile = mid\nexternal_id = ext-1\n"+
		"\n[profile cpdeep]\ncredential_process = "+bins.awsfed+" credential-process --profile deep --no-prompt\nregion = us-east-1\n"+
		"\n[profile deep-static]\nregion = us-east-1\n")
	h.write(h.creds, userCredentials)
	env := []string{"AWSFED_PASSWORD=singlepass", "AWSFED=" + bins.awsfed}
	arn := func(role string) string { return "arn:aws:sts::123456789012:assumed-role/" + role + "/singleuser" }
	getID := []string{"--", "aws", "sts", "get-caller-identity", "--query", "Arn", "--output", "text"}

	t.Run("exec depth 2", func(t *testing.T) {
		r := h.awsfed(env, append([]string{"exec", "--profile", "mid", "--no-prompt"}, getID...)...)
		if r.code != 0 || strings.TrimSpace(r.stdout) != arn("Hop1") {
			t.Fatalf("exit %d, stdout %q, want %s\n%s", r.code, r.stdout, arn("Hop1"), r.stderr)
		}
		if !strings.Contains(r.stderr, "Assumed "+arn(roleName(role))+" into profile jump") ||
			!strings.Contains(r.stderr, "awsfed: note: duration_seconds of profile mid (2h0m0s) exceeds AWS's 1h limit for chained roles; asked for 1h") {
			t.Errorf("stderr = %q, want the login's result line and the duration note", r.stderr)
		}
	})
	t.Run("exec depth 3", func(t *testing.T) {
		r := h.awsfed(env, append([]string{"exec", "--profile", "deep", "--no-prompt"}, getID...)...)
		if r.code != 0 || strings.TrimSpace(r.stdout) != arn("Hop2") {
			t.Errorf("exit %d, stdout %q, want %s\n%s", r.code, r.stdout, arn("Hop2"), r.stderr)
		}
	})
	t.Run("env depth 3 in sh", func(t *testing.T) {
		r := h.run(env, "", "sh", "-c", `out=$("$AWSFED" env --profile deep --no-prompt) && eval "$out" && aws sts get-caller-identity --query Arn --output text`)
		if r.code != 0 || strings.TrimSpace(r.stdout) != arn("Hop2") {
			t.Errorf("exit %d, stdout %q, want %s\n%s", r.code, r.stdout, arn("Hop2"), r.stderr)
		}
	})
	t.Run("credential_process depth 3", func(t *testing.T) {
		cli, sdk := h.identity("cpdeep")
		if cli != arn("Hop2") || sdk != arn("Hop2") {
			t.Errorf("AWS CLI %q, Go SDK %q, want %s", cli, sdk, arn("Hop2"))
		}
	})
	if got := h.read(h.creds); strings.Contains(got, "[mid]") || strings.Contains(got, "[deep]") {
		t.Errorf("chained credentials were stored:\n%s", got)
	}
	t.Run("login --also deep", func(t *testing.T) {
		r := h.awsfed(env, "login", "--profile", "jump", "--skip-if-valid", "30m", "--no-prompt", "--also", "deep")
		if r.code != 0 || !strings.Contains(r.stderr, "Assumed "+arn("Hop2")+" into deep-static of ") {
			t.Fatalf("exit %d\n%s", r.code, r.stderr)
		}
		cli, sdk := h.identity("deep-static")
		if cli != arn("Hop2") || sdk != arn("Hop2") {
			t.Errorf("AWS CLI %q, Go SDK %q, want %s", cli, sdk, arn("Hop2"))
		}
	})
	t.Run("configure chain, then the AWS CLI and the Go SDK follow it", func(t *testing.T) {
		r := h.awsfed(env, "configure", "chain", "viacli", "--role-arn", "arn:aws:iam::123456789012:role/Hop1",
			"--source-profile", "jump", "--region", "us-east-1", "--session-name", "singleuser")
		if r.code != 0 {
			t.Fatalf("configure chain: exit %d\n%s", r.code, r.stderr)
		}
		cli, sdk := h.identity("viacli")
		if cli != arn("Hop1") || sdk != arn("Hop1") {
			t.Errorf("AWS CLI %q, Go SDK %q, want %s", cli, sdk, arn("Hop1"))
		}
	})
}
