//go:build linux

package integration

import (
	"bytes"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/idp/google/googletest"
)

// The browser login (--idp browser, and the Google fallback) against real
// software: Debian's Chromium, installed by scripts/peers/chromium.sh,
// driven by the built awsfed; SimpleSAMLphp and LemonLDAP::NG, and the
// emulated Google over TLS, as IdPs; a strict moto_server as STS; the AWS
// CLI and the Go SDK as consumers.

// testBrowser returns the browser the tests run, or skips saying how to
// install one.
func testBrowser(t *testing.T) string {
	t.Helper()
	if b := os.Getenv("AWSFED_TEST_BROWSER"); b != "" {
		return b
	}
	if b, err := exec.LookPath("chromium"); err == nil {
		return b
	}
	t.Skip("no Chromium here: run scripts/peers/chromium.sh install (./scripts/test does)")
	return ""
}

// browserHome is a home without a display (as under cron or over SSH, so
// the browser runs headless) and the environment that names the browser.
func browserHome(t *testing.T, stsURL string) (*home, []string) {
	t.Helper()
	b := testBrowser(t)
	h := newHome(t, stsURL)
	h.env = slices.DeleteFunc(h.env, func(kv string) bool {
		return strings.HasPrefix(kv, "DISPLAY=") || strings.HasPrefix(kv, "WAYLAND_DISPLAY=")
	})
	return h, []string{"AWSFED_BROWSER=" + b}
}

// browserProfile is the browser profile folder of awsfed profile name.
func (h *home) browserProfile(name string) string {
	return filepath.Join(h.dir, ".config", "awsfed", "browser", name)
}

// samlMarkers are what a copy of a SAMLResponse looks like on disk: the
// start of its XML, as is and in base64 (the form field's value), and the
// field's name as a form body holds it.
var samlMarkers = [][]byte{[]byte("samlp:Response"), []byte("saml2p:Response"), []byte("PHNhbWxwOlJlc3BvbnNl"), []byte("PHNhbWwycDpSZXNwb25zZ"), []byte("SAMLResponse=")}

// checkBrowserProfile checks that the browser profile folder is private
// (0700) and holds no copy of a SAMLResponse.
func (h *home) checkBrowserProfile(dir string) {
	h.t.Helper()
	fi, err := os.Stat(dir)
	if err != nil {
		h.t.Fatalf("browser profile: %v", err)
	}
	if fi.Mode().Perm() != 0o700 {
		h.t.Errorf("browser profile mode %04o, want 0700", fi.Mode().Perm())
	}
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range samlMarkers {
			if bytes.Contains(b, m) {
				h.t.Errorf("%s holds %q: a copy of the SAMLResponse", strings.TrimPrefix(path, dir), m)
			}
		}
		return nil
	})
	if err != nil {
		h.t.Fatal(err)
	}
}

// expireCredentials makes the stored credentials of profile look expired,
// so that the next command that needs them renews them.
func (h *home) expireCredentials(profile string) {
	h.t.Helper()
	_, err := awsconfig.Update(h.creds, []awsconfig.Change{{Section: profile,
		Set: []awsconfig.KV{{Key: "x_security_token_expires", Value: "2001-01-01T00:00:00Z"}}}}, awsconfig.UpdateOptions{Private: true})
	if err != nil {
		h.t.Fatal(err)
	}
}

// oneLine checks that a failed command said one line, starting awsfed:.
func oneLine(t *testing.T, r result, want string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "awsfed: ") || !strings.Contains(lines[0], want) {
		t.Errorf("stderr = %q, want one line starting awsfed: with %q", r.stderr, want)
	}
}

// TestBrowserLoginThroughRealIdPs signs in with --idp browser, headless,
// awsfed filling in the IdP's forms from AWSFED_PASSWORD and
// AWSFED_TOTP_SECRET; renews on the kept IdP session without the password,
// through login and through credential-process; checks the profiles in
// the AWS CLI and the Go SDK, and that the browser profile is private and
// keeps no copy of the SAMLResponse; then logs out, after which a renewal
// without secrets and without a window exits 4 and writes nothing.
func TestBrowserLoginThroughRealIdPs(t *testing.T) {
	tests := []struct {
		name           string
		ssoVar         string
		user, password string
		totp           bool
		roleVar        string
		what           string
		// commands: also renew through exec, and check --skip-if-valid,
		// env and --also.
		commands bool
	}{
		{"SimpleSAMLphp password", "SSP_SSO_URL", "singleuser", "singlepass", false, "SSP_SINGLE_ROLE_ARN", "SimpleSAMLphp", true},
		{"SimpleSAMLphp password and TOTP", "SSP_SSO_URL", "mfasingle", "mfapass", true, "SSP_MFA_SINGLE_ROLE_ARN", "SimpleSAMLphp", false},
		{"LemonLDAP::NG password and TOTP", "LLNG_SSO_URL", "dwho", "dwho", true, "LLNG_ROLE_ARN", "LemonLDAP::NG", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sso := peer(t, tt.ssoVar, tt.what)
			role := peer(t, tt.roleVar, tt.what)
			// 4 IAM set-up requests and three unsigned AssumeRoleWithSAML;
			// with commands, exec's AssumeRoleWithSAML, AssumeRole and
			// GetCallerIdentity, and --also's AssumeRoleWithSAML come
			// before the checks of what awsfed wrote.
			noAuth := 7
			if tt.commands {
				noAuth += 4
			}
			m := startMoto(t, noAuth, roleName(role), "TargetRole")
			h, env := browserHome(t, m.URL)
			h.write(h.config, userConfig)
			h.write(h.creds, userCredentials)
			secrets := append([]string{"AWSFED_PASSWORD=" + tt.password}, env...)
			if tt.totp {
				secrets = append(secrets, "AWSFED_TOTP_SECRET="+totpSecret)
			}

			start := time.Now()
			r := h.awsfed(secrets, "login", "--idp", "browser", "--url", sso, "--username", tt.user,
				"--profile", "jump", "--region", "us-east-1", "--no-prompt")
			if r.code != 0 {
				t.Fatalf("first login: exit %d\n%s", r.code, r.stderr)
			}
			first := time.Since(start)
			if !strings.Contains(r.stderr, "into profile jump; expires ") {
				t.Errorf("no result line on stderr: %q", r.stderr)
			}
			if tt.password != tt.user && strings.Contains(r.stderr, tt.password) { // LemonLDAP::NG's demo users have their name as password
				t.Errorf("the password shows on stderr: %q", r.stderr)
			}
			if cfg := h.read(h.config); !strings.Contains(cfg, "awsfed_idp = browser") || !strings.Contains(cfg, "# my AWS config — keep this comment") {
				t.Errorf("config after the login:\n%s", cfg)
			}

			// A renewal on the kept IdP session: no password. SimpleSAMLphp
			// asks for the TOTP code at every sign-in to a service (its
			// filter runs per login), even on a kept session; LemonLDAP::NG
			// asks only at the portal's login.
			renew := env
			if tt.totp && tt.what == "SimpleSAMLphp" {
				renew = append([]string{"AWSFED_TOTP_SECRET=" + totpSecret}, env...)
			}
			start = time.Now()
			r = h.awsfed(renew, "login", "--profile", "jump", "--no-prompt")
			if r.code != 0 {
				t.Fatalf("renewal on the kept session: exit %d\n%s", r.code, r.stderr)
			}
			renewal := time.Since(start)
			t.Logf("first login %s, renewal on the kept session %s (whole awsfed process, browser start included)", first.Round(time.Millisecond), renewal.Round(time.Millisecond))

			// credential-process renews through the browser too.
			h.expireCredentials("jump")
			r = h.awsfed(renew, "credential-process", "--profile", "jump")
			if r.code != 0 || !strings.Contains(r.stdout, `"Version": 1`) && !strings.Contains(r.stdout, `"Version":1`) {
				t.Fatalf("credential-process on the kept session: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
			}

			if tt.commands {
				h.browserCommands(env)
			}
			wantJump := "arn:aws:sts::123456789012:assumed-role/" + roleName(role) + "/"
			h.wantIdentity("jump", wantJump)
			wantTarget := "arn:aws:sts::123456789012:assumed-role/TargetRole/"
			h.wantIdentity("target", wantTarget)
			if !strings.Contains(h.read(h.creds), "other#secret") {
				t.Errorf("the other profile's keys were lost:\n%s", h.read(h.creds))
			}
			h.checkBrowserProfile(h.browserProfile("jump"))

			r = h.awsfed(env, "logout", "--profile", "jump")
			if r.code != 0 || !strings.Contains(r.stderr, "browser profile") {
				t.Fatalf("logout: exit %d\n%s", r.code, r.stderr)
			}
			if _, err := os.Stat(h.browserProfile("jump")); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the browser profile is still there after logout: %v", err)
			}

			// No session, no secret, no window: exit 4, one line, nothing written.
			creds := h.read(h.creds)
			r = h.awsfed(env, "login", "--profile", "jump", "--no-prompt")
			if r.code != 4 {
				t.Fatalf("login without a session or secrets: exit %d, want 4\n%s", r.code, r.stderr)
			}
			oneLine(t, r, "awsfed login --profile jump")
			if got := h.read(h.creds); got != creds {
				t.Errorf("the credentials file changed:\n%s", got)
			}
		})
	}
}

// browserCommands checks the commands other than login on a profile jump
// that signs in through the browser, with [profile target] chained on it:
// --skip-if-valid starts no browser while the credentials are valid; exec
// renews expired ones through the browser on its kept session; env prints
// them; login --also writes target-static.
func (h *home) browserCommands(env []string) {
	h.t.Helper()
	// A browser that cannot start: the skip must not need one.
	r := h.awsfed([]string{"AWSFED_BROWSER=/nonexistent/chromium"}, "login", "--profile", "jump", "--skip-if-valid", "10m", "--no-prompt")
	if r.code != 0 {
		h.t.Errorf("login --skip-if-valid with valid credentials: exit %d\n%s", r.code, r.stderr)
	}
	h.expireCredentials("jump")
	r = h.awsfed(env, "exec", "--profile", "target", "--", "aws", "sts", "get-caller-identity", "--query", "Arn", "--output", "text")
	if r.code != 0 || !strings.Contains(r.stdout, "assumed-role/TargetRole/") {
		h.t.Errorf("exec on the chained profile after the jump credentials expired: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = h.awsfed(env, "env", "--profile", "jump")
	if r.code != 0 || !strings.Contains(r.stdout, "AWS_SESSION_TOKEN") {
		h.t.Errorf("env: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = h.awsfed(env, "login", "--profile", "jump", "--also", "target", "--no-prompt")
	if r.code != 0 || !strings.Contains(h.read(h.creds), "[target-static]") {
		h.t.Errorf("login --also target: exit %d\n%s\ncredentials:\n%s", r.code, r.stderr, h.read(h.creds))
	}
}

// googleBrowserEnv is the environment in which awsfed reaches the emulated
// Google g: the HTTP flow at g.URL, trusting its CA; the browser at
// https://accounts.google.com, mapped to g and trusting its certificate by
// its key.
func googleBrowserEnv(t *testing.T, h *home, g *googletest.Server) []string {
	t.Helper()
	ca := filepath.Join(h.dir, "google-emulator-ca.pem")
	h.write(ca, string(g.CAPEM()))
	if b, _ := pem.Decode(g.CAPEM()); b == nil {
		t.Fatal("the emulator's CA is not PEM")
	}
	return []string{"AWSFED_GOOGLE_URL=" + g.URL, "SSL_CERT_FILE=" + ca,
		fmt.Sprintf("AWSFED_BROWSER_FLAGS=--host-resolver-rules=%q --ignore-certificate-errors-spki-list=%s", g.HostResolverRule(), g.SPKIHash())}
}

// TestBrowserGoogleFallback signs into the emulated Google, which lets
// through only a browser that runs its Botguard script, as Google refuses
// sign-ins it sees as automated: the HTTP flow is refused, awsfed says so
// and goes on in a headless browser that it fills in (password and TOTP);
// the renewal goes to the browser first, on its kept session, with no
// secret. With --browser-fallback=false the refusal stands (exit 3).
func TestBrowserGoogleFallback(t *testing.T) {
	g := ptyGoogle(t, googletest.Options{Botguard: true, Second: []googletest.Factor{googletest.TOTP}})
	// 4 IAM set-up requests and two unsigned AssumeRoleWithSAML.
	m := startMoto(t, 6, "jump-sso", "from_fumidai")
	h, env := browserHome(t, m.URL)
	h.write(h.config, googleConfig)
	env = append(env, googleBrowserEnv(t, h, g)...)
	secrets := append([]string{"AWSFED_PASSWORD=" + googletest.DefaultPassword, "AWSFED_TOTP_SECRET=" + googletest.DefaultTOTPSecret}, env...)

	r := h.awsfed(append([]string{"AWSFED_BROWSER_FALLBACK=false"}, secrets...), "login", "--no-prompt")
	if r.code != 3 {
		t.Fatalf("login without the fallback: exit %d, want 3\n%s", r.code, r.stderr)
	}
	oneLine(t, r, "refused by Google as automated")

	r = h.awsfed(secrets, "login", "--no-prompt")
	if r.code != 0 {
		t.Fatalf("login with the fallback: exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"refused by Google as automated", "going on in a browser", "into profile sts; expires"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr, googletest.DefaultPassword) {
		t.Errorf("the password shows on stderr: %q", r.stderr)
	}

	r = h.awsfed(env, "login", "--no-prompt")
	if r.code != 0 {
		t.Fatalf("renewal on the browser's kept Google session: exit %d\n%s", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, "refused") {
		t.Errorf("the renewal tried the HTTP flow first:\n%s", r.stderr)
	}
	for profile, want := range map[string]string{
		"sts":          "arn:aws:sts::123456789012:assumed-role/jump-sso/",
		"from_fumidai": "arn:aws:sts::123456789012:assumed-role/from_fumidai/",
	} {
		h.wantIdentity(profile, want)
	}
	h.checkBrowserProfile(h.browserProfile("sts"))
	for _, rec := range g.Requests() {
		if rec.Problem != "" && !strings.Contains(rec.Problem, "bgresponse") {
			t.Errorf("the emulator saw a problem: %s %s: %s", rec.Method, rec.Path, rec.Problem)
		}
	}
}

// startXvfb starts an X server for a visible browser window and returns
// its DISPLAY, or skips when there is none.
func startXvfb(t *testing.T) string {
	t.Helper()
	xvfb, err := exec.LookPath("Xvfb")
	if err != nil {
		t.Skip("no Xvfb here: run scripts/peers/chromium.sh install (./scripts/test does)")
	}
	for n := 90; n < 110; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); err == nil {
			continue
		}
		cmd := exec.Command(xvfb, fmt.Sprintf(":%d", n), "-screen", "0", "1280x800x24", "-nolisten", "tcp")
		if err := cmd.Start(); err != nil {
			t.Fatalf("start Xvfb: %v", err)
		}
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
		for range 50 {
			if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); err == nil {
				return fmt.Sprintf(":%d", n)
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("Xvfb :%d did not start", n)
	}
	t.Skip("no free X display number")
	return ""
}

// browserProcesses returns the PIDs of the browser processes running on
// the profile folder dir.
func browserProcesses(dir string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscanf(e.Name(), "%d", &pid); err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(cmdline, []byte("--user-data-dir="+dir)) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// TestBrowserWindow runs awsfed as a person does, on a terminal with a
// display: with no kept session and no password it opens a browser window
// at the IdP. Pressing Ctrl-C, or closing the window, ends it with exit 130
// and nothing written; a window whose IdP session is alive posts at once
// and awsfed shows its own "signed in" page instead of AWS's.
func TestBrowserWindow(t *testing.T) {
	sso := peer(t, "SSP_SSO_URL", "SimpleSAMLphp")
	display := startXvfb(t)
	const windowOpen = "a browser window is open"

	for _, tt := range []struct {
		name string
		stop func(t *testing.T, s *ptySession, h *home)
	}{
		{"Ctrl-C", func(t *testing.T, s *ptySession, _ *home) { s.send("\x03") }},
		{"window closed", func(t *testing.T, _ *ptySession, h *home) {
			pids := browserProcesses(h.browserProfile("jump"))
			if len(pids) == 0 {
				t.Fatal("no browser process runs on the profile")
			}
			for _, pid := range pids {
				_ = syscall.Kill(pid, syscall.SIGTERM)
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, env := browserHome(t, "http://127.0.0.1:1") // nothing may reach STS
			env = append(env, "DISPLAY="+display, "TERM=xterm")
			term := h.awsfedOnPTY(env, "login", "--idp", "browser", "--url", sso, "--username", "singleuser", "--profile", "jump", "--region", "us-east-1")
			term.expect(windowOpen, ptyWait)
			time.Sleep(500 * time.Millisecond) // the page is up
			tt.stop(t, term, h)
			term.wantExit(130)
			if _, err := os.Stat(h.creds); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("credentials file after %s: %v; want none", tt.name, err)
			}
			deadline := time.Now().Add(5 * time.Second)
			for len(browserProcesses(h.browserProfile("jump"))) > 0 && time.Now().Before(deadline) {
				time.Sleep(100 * time.Millisecond)
			}
			if pids := browserProcesses(h.browserProfile("jump")); len(pids) > 0 {
				t.Errorf("browser processes left after awsfed exited: %v", pids)
			}
		})
	}

	t.Run("kept IdP session, new window", func(t *testing.T) {
		role := peer(t, "SSP_SINGLE_ROLE_ARN", "SimpleSAMLphp")
		m := startMoto(t, 4, roleName(role))
		h, env := browserHome(t, m.URL)
		r := h.awsfed(append([]string{"AWSFED_PASSWORD=singlepass"}, env...), "login", "--idp", "browser", "--url", sso,
			"--username", "singleuser", "--profile", "jump", "--region", "us-east-1", "--no-prompt")
		if r.code != 0 {
			t.Fatalf("first login: exit %d\n%s", r.code, r.stderr)
		}
		// Forget that the profile has a session, so that awsfed opens a
		// window rather than trying headless first; the IdP's cookies stay.
		if err := os.Remove(filepath.Join(h.browserProfile("jump"), "awsfed-session")); err != nil {
			t.Fatal(err)
		}
		term := h.awsfedOnPTY(append(env, "DISPLAY="+display, "TERM=xterm"), "login", "--profile", "jump")
		term.expect(windowOpen, ptyWait)
		if out := term.wantExit(0); !strings.Contains(out, "into profile jump; expires") {
			t.Errorf("no result line:\n%s", out)
		}
		h.checkBrowserProfile(h.browserProfile("jump"))
	})
}
