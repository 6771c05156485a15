package main

import (
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seed-2d15385e/awsfed/idp/generic/generictest"
	"github.com/seed-2d15385e/awsfed/idp/google/googletest"
	"github.com/seed-2d15385e/awsfed/ui"
	"github.com/seed-2d15385e/awsfed/ui/uitest"
)

// googleEnv is a testEnv whose Google is the emulator: AWSFED_GOOGLE_URL
// points at it and the transport trusts it.
func googleEnv(t testing.TB, opts googletest.Options) (*testEnv, *googletest.Server) {
	t.Helper()
	e := newTestEnv(t, generictest.Options{})
	g := googletest.NewServer(t, opts)
	e.env["AWSFED_GOOGLE_URL"] = g.URL
	roots := x509.NewCertPool()
	roots.AddCert(g.Certificate())
	roots.AddCert(e.idp.Certificate())
	e.deps.Transport = func() http.RoundTripper {
		tr := e.idp.Client().Transport.(*http.Transport).Clone()
		tr.TLSClientConfig.RootCAs = roots
		return tr
	}
	return e, g
}

func googleLoginArgs(extra ...string) []string {
	return append([]string{"login", "--idp", "google", "--idp-id", "C01abc234", "--sp-id", "123456789012",
		"--username", googletest.DefaultEmail, "--profile", "jump", "--mfa-timeout", "20s"}, extra...)
}

// TestGooglePhonePromptOnTerminal drives the phone prompt through the
// injected prompter: the password is asked, the person presses Enter once
// they have tapped Yes, and the login goes on at once.
func TestGooglePhonePromptOnTerminal(t *testing.T) {
	// The first check finds the prompt unanswered; the next would come
	// after a second's back-off, but Enter makes it come at once.
	e, _ := googleEnv(t, googletest.Options{Second: []googletest.Factor{googletest.DevicePrompt}, PromptApproveAfter: 1})
	e.terminal()
	e.prompter.RegisterPassword("Password for "+googletest.DefaultEmail+": ", googletest.DefaultPassword)
	e.prompter.RegisterEnter()
	start := time.Now()
	if code := e.run(googleLoginArgs()...); code != 0 {
		t.Fatalf("exit %d: %s", code, e.errOut)
	}
	if d := time.Since(start); d > 900*time.Millisecond {
		t.Errorf("login took %s: Enter did not cut the wait short", d)
	}
	if !strings.Contains(e.errOut.String(), "Check your phone: tap Yes") {
		t.Errorf("stderr %q does not tell the person to check their phone", e.errOut)
	}
	if !strings.Contains(e.read(e.creds), "[jump]") {
		t.Errorf("no credentials written")
	}
}

// TestGoogleCtrlCWhileWaiting checks that Ctrl-C during the phone wait (a
// key on the raw terminal, not a signal) cancels: exit 130, nothing written.
func TestGoogleCtrlCWhileWaiting(t *testing.T) {
	e, _ := googleEnv(t, googletest.Options{Second: []googletest.Factor{googletest.DevicePrompt}, PromptManual: true})
	e.terminal()
	e.prompter.RegisterPassword("Password for "+googletest.DefaultEmail+": ", googletest.DefaultPassword)
	e.prompter.RegisterError(uitest.Enter, "", fmt.Errorf("%w at prompt %q", ui.ErrCancelled, "Enter"))
	if code := e.run(googleLoginArgs()...); code != 130 {
		t.Fatalf("exit %d, want 130: %s", code, e.errOut)
	}
	e.assertUnchanged(otherConfig, otherCreds)
}

// TestGoogleUnattendedAndKeptSession logs in with --no-prompt from the
// environment's secrets, then again with none: the kept session (a 0600
// file) answers, and --no-session-cache opts out.
func TestGoogleUnattendedAndKeptSession(t *testing.T) {
	e, g := googleEnv(t, googletest.Options{Second: []googletest.Factor{googletest.TOTP}})
	e.env["AWSFED_PASSWORD"] = googletest.DefaultPassword
	e.env["AWSFED_TOTP_SECRET"] = googletest.DefaultTOTPSecret
	if code := e.run(googleLoginArgs("--no-prompt")...); code != 0 {
		t.Fatalf("exit %d: %s", code, e.errOut)
	}
	session := filepath.Join(e.deps.Home, ".config", "awsfed", "google-session-"+googletest.DefaultEmail+".json")
	if fi, err := os.Stat(session); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("kept session %s: %v %v, want a 0600 file", session, fi, err)
	}
	delete(e.env, "AWSFED_PASSWORD")
	delete(e.env, "AWSFED_TOTP_SECRET")
	before := len(g.Requests())
	if code := e.run(googleLoginArgs("--no-prompt")...); code != 0 {
		t.Fatalf("renewal on the kept session: exit %d: %s", code, e.errOut)
	}
	if n := len(g.Requests()) - before; n != 1 {
		t.Errorf("renewal sent %d requests to Google, want 1", n)
	}
	if code := e.run(googleLoginArgs("--no-prompt", "--no-session-cache")...); code != 4 {
		t.Errorf("--no-session-cache without secrets: exit %d, want 4 (a password is needed): %s", code, e.errOut)
	}
}

// BenchmarkGoogleLogin is a whole unattended Google login in-process
// against the emulator and the fake STS (password + authenticator code,
// STS, both file writes), and a renewal on the kept session; it reports
// the requests sent to Google per login.
func BenchmarkGoogleLogin(b *testing.B) {
	for _, bc := range []struct {
		name string
		gen  int
		kept bool
	}{{"2020/password+TOTP", 2020, false}, {"2024/password+TOTP", 2024, false}, {"2024/kept-session", 2024, true}} {
		b.Run(bc.name, func(b *testing.B) {
			e, g := googleEnv(b, googletest.Options{Generation: bc.gen, Second: []googletest.Factor{googletest.TOTP}})
			e.env["AWSFED_PASSWORD"] = googletest.DefaultPassword
			e.env["AWSFED_TOTP_SECRET"] = googletest.DefaultTOTPSecret
			args := googleLoginArgs("--no-prompt")
			if !bc.kept {
				args = append(args, "--no-session-cache")
			} else if code := e.run(args...); code != 0 {
				b.Fatalf("first login: exit %d: %s", code, e.errOut)
			}
			before := len(g.Requests())
			b.ResetTimer()
			for b.Loop() {
				if code := e.run(args...); code != 0 {
					b.Fatalf("exit %d: %s", code, e.errOut)
				}
			}
			b.ReportMetric(float64(len(g.Requests())-before)/float64(b.N), "requests/op")
		})
	}
}

// TestGooglePromptLongPollOutlastsTimeout checks that the Google Prompt's
// long poll, which waits for the person's tap, may outlast the per-request
// deadline (AWSFED_NETWORK_TIMEOUT): a poll cut at the deadline is asked
// again until --mfa-timeout, not taken for an unreachable Google.
func TestGooglePromptLongPollOutlastsTimeout(t *testing.T) {
	e, g := googleEnv(t, googletest.Options{Second: []googletest.Factor{googletest.GooglePrompt}, PromptManual: true})
	e.env["AWSFED_PASSWORD"] = googletest.DefaultPassword
	e.env["AWSFED_NETWORK_TIMEOUT"] = "200ms"
	time.AfterFunc(time.Second, g.Approve)
	if code := e.run(googleLoginArgs("--no-prompt")...); code != 0 {
		t.Fatalf("exit %d: %s", code, e.errOut)
	}
	if !strings.Contains(e.read(e.creds), "[jump]") {
		t.Errorf("no credentials written")
	}
}
