//go:build linux

package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// processHome is a home whose [profile jump] signs into SimpleSAMLphp as
// mfasingle (the TOTP secret comes from the environment it returns), beside
// userConfig's target chained on jump, with credential_process set by
// awsfed configure. Every program runs without a controlling terminal,
// as under cron or CI, unless the test starts it on a pseudo-terminal.
func processHome(t *testing.T, noAuth int, roles ...string) (*home, string, []string) {
	t.Helper()
	sso := peer(t, "SSP_SSO_URL", "SimpleSAMLphp")
	role := peer(t, "SSP_MFA_SINGLE_ROLE_ARN", "SimpleSAMLphp")
	m := startMoto(t, noAuth, append([]string{roleName(role)}, roles...)...)
	h := newHome(t, m.URL)
	h.sysProcAttr = &syscall.SysProcAttr{Setsid: true}
	h.write(h.config, userConfig+"\n[profile jump]\nawsfed_idp = generic\nawsfed_url = "+sso+
		"\nawsfed_username = mfasingle\nawsfed_role_arn = "+role+"\nregion = us-east-1\n")
	h.write(h.creds, userCredentials)
	if r := h.awsfed(nil, "configure", "credential-process", "--profile", "jump"); r.code != 0 {
		t.Fatalf("configure credential-process: exit %d: %s", r.code, r.stderr)
	}
	want := "credential_process = " + bins.awsfed + " credential-process --profile jump\n"
	if cfg := h.read(h.config); !strings.HasSuffix(cfg, want) {
		t.Fatalf("config does not end with %q:\n%s", want, cfg)
	}
	return h, "arn:aws:sts::123456789012:assumed-role/" + roleName(role) + "/mfasingle", []string{"AWSFED_TOTP_SECRET=" + totpSecret}
}

// TestCredentialProcess runs awsfed as the credential_process of the AWS
// CLI and the Go SDK against SimpleSAMLphp and a strict moto_server: with
// no password and no terminal, both fail showing awsfed's one line; ten
// AWS CLI calls at once on an empty cache make exactly one login; the
// profile works directly and as a chain's source_profile, from the cache
// (the credentials file keeps no keys), and so does a second profile whose
// credential_process runs awsfed from a folder with a space in its name.
func TestCredentialProcess(t *testing.T) {
	// 4 IAM set-up requests and the one unsigned AssumeRoleWithSAML pass
	// unchecked; every later request must be signed with what awsfed gave.
	h, wantJump, env := processHome(t, 5, "TargetRole")

	// No password, no terminal: exit 4 and a message the person can act on.
	const wantLine = "awsfed: a password is needed and awsfed cannot prompt (no terminal, or --no-prompt): run `awsfed login --profile jump` in a terminal and try again"
	r := h.run(env, "", "aws", "sts", "get-caller-identity", "--profile", "jump")
	if r.code == 0 || !strings.Contains(r.stderr, "Error when retrieving credentials from custom-process: "+wantLine) {
		t.Errorf("AWS CLI without a password: exit %d, stderr %q; want awsfed's line", r.code, r.stderr)
	}
	r = h.run(env, "", bins.sdkcheck, "jump")
	if r.code == 0 || !strings.Contains(r.stderr, wantLine) || !strings.Contains(r.stderr, "exit status 4") {
		t.Errorf("Go SDK without a password: exit %d, stderr %q; want awsfed's line and exit status 4", r.code, r.stderr)
	}

	// A password command that counts its runs: one line per login.
	counter := filepath.Join(h.dir, "logins")
	script := filepath.Join(h.dir, "password.sh")
	h.write(script, fmt.Sprintf("#!/bin/sh\necho login >>'%s'\necho mfapass\n", counter))
	if err := os.Chmod(script, 0o700); err != nil {
		t.Fatal(err)
	}
	h.write(h.config, h.read(h.config)+"awsfed_password_command = "+script+"\n")

	const n = 10
	results := make([]result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			results[i] = h.run(env, "", "aws", "sts", "get-caller-identity", "--profile", "jump", "--query", "Arn", "--output", "text")
		})
	}
	wg.Wait()
	for i, r := range results {
		if r.code != 0 || !strings.HasPrefix(r.stdout, wantJump) {
			t.Errorf("AWS CLI call %d: exit %d, stdout %q, stderr %q", i, r.code, r.stdout, r.stderr)
		}
	}
	if b, _ := os.ReadFile(counter); string(b) != "login\n" {
		t.Errorf("%d parallel AWS CLI calls made %d logins, want 1", n, strings.Count(string(b), "\n"))
	}
	if got := h.read(h.creds); got != userCredentials {
		t.Errorf("the credentials file changed; the AWS CLI would prefer keys there:\n%s", got)
	}

	// A copy of awsfed in a folder whose name has a space, as the
	// credential_process of a second profile, with a chain on it.
	dir := filepath.Join(h.dir, "my tools")
	exe := filepath.Join(dir, "awsfed")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(bins.awsfed)
	if err == nil {
		err = os.WriteFile(exe, b, 0o700)
	}
	if err != nil {
		t.Fatal(err)
	}
	if r := h.run(nil, "", exe, "configure", "credential-process", "--profile", "jump", "--name", "spaced"); r.code != 0 {
		t.Fatalf("configure --name spaced: exit %d: %s", r.code, r.stderr)
	}
	want := "\n[profile spaced]\ncredential_process = '" + exe + "' credential-process --profile jump\nregion = us-east-1\n"
	if cfg := h.read(h.config); !strings.HasSuffix(cfg, want) {
		t.Errorf("config does not end with %q:\n%s", want, cfg)
	}
	h.write(h.config, h.read(h.config)+"\n[profile via-spaced]\nrole_arn = arn:aws:iam::123456789012:role/TargetRole\nsource_profile = spaced\nregion = us-east-1\n")

	// The AWS CLI ran jump's credential_process above; a chain runs its
	// source profile's too, so the AWS CLI needs only the chains.
	wantTarget := "arn:aws:sts::123456789012:assumed-role/TargetRole/"
	for profile, want := range map[string]string{"target": wantTarget, "via-spaced": wantTarget} {
		h.wantIdentity(profile, want)
	}
	for _, profile := range []string{"jump", "spaced"} {
		if r := h.run(nil, "", bins.sdkcheck, profile); r.code != 0 || !strings.HasPrefix(r.stdout, wantJump) {
			t.Errorf("Go SDK identity of profile %s: exit %d, %q, %s; want %s…", profile, r.code, r.stdout, r.stderr, wantJump)
		}
	}
	if b, _ := os.ReadFile(counter); string(b) != "login\n" {
		t.Errorf("%d logins in all, want 1: the cache was not used", strings.Count(string(b), "\n"))
	}
}

// TestCredentialProcessPromptsOnTerminal runs the AWS CLI on a
// pseudo-terminal with no password anywhere: awsfed, whose stdout and
// stderr the AWS CLI captures, asks for it on the terminal and shows its
// result line there.
func TestCredentialProcessPromptsOnTerminal(t *testing.T) {
	h, wantJump, env := processHome(t, 3)
	term := h.onPTY("aws", append(env, "TERM=xterm"), "sts", "get-caller-identity", "--profile", "jump", "--query", "Arn", "--output", "text")
	term.expect("Password for mfasingle: ", ptyWait)
	term.send("mfapass\r")
	term.expect("into profile jump; expires ", ptyWait)
	term.expect(wantJump, ptyWait)
	if out := term.wantExit(0); strings.Contains(out, "mfapass") {
		t.Errorf("the password shows on the terminal:\n%q", out)
	}
	term.wantCooked()
}
