//go:build linux

package integration

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/pquerna/otp/totp"
	"golang.org/x/sys/unix"

	"github.com/seed-2d15385e/awsfed/idp/google/googletest"
	"github.com/seed-2d15385e/awsfed/idp/idptest"
)

// The prompts are tested once for real: the built awsfed on a
// pseudo-terminal that is also its controlling terminal (/dev/tty), with no
// password or code in the environment and no --no-prompt, as a person runs
// it.

const (
	ptyJumpRole = "arn:aws:iam::123456789012:role/jump-sso"
	// ptyWait bounds every wait for awsfed: a prompt, the phone, the exit.
	ptyWait = 20 * time.Second
	// passwordPrompt is what awsfed asks for the password of the configured
	// user; the answer must not be echoed, so the line ends right after it.
	passwordPrompt = "Password for " + googletest.DefaultEmail + ": "
)

// TestGooglePTY_PasswordAndCode types the password and an authenticator
// code at awsfed's prompts, then checks that neither was echoed and that
// the profile written, and a role_arn + source_profile chain on it, work in
// the AWS CLI and the Go SDK against a strict moto_server.
func TestGooglePTY_PasswordAndCode(t *testing.T) {
	g := ptyGoogle(t, googletest.Options{Second: []googletest.Factor{googletest.TOTP}})
	m := startMoto(t, 5, "jump-sso", "from_fumidai")
	h, env := ptyHome(t, m.URL, g)

	term := h.awsfedOnPTY(env, "login")
	term.expect(passwordPrompt, ptyWait)
	term.send(googletest.DefaultPassword + "\r")
	term.expect("Authenticator code: ", ptyWait)
	code, err := totp.GenerateCode(googletest.DefaultTOTPSecret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	term.send(code + "\r")
	out := term.wantExit(0)

	if !strings.Contains(out, "assumed-role/jump-sso/alice@example.com into profile sts;") {
		t.Errorf("no result line on the terminal:\n%s", out)
	}
	for _, p := range []string{passwordPrompt, "Authenticator code: "} {
		if !strings.Contains(out, p+"\r\n") {
			t.Errorf("the answer to %q was echoed, or the line not ended:\n%q", p, out)
		}
	}
	if strings.Contains(out, googletest.DefaultPassword) {
		t.Errorf("the password shows on the terminal:\n%q", out)
	}
	term.wantCooked()

	for profile, want := range map[string]string{
		"sts":          "arn:aws:sts::123456789012:assumed-role/jump-sso/alice@example.com",
		"from_fumidai": "arn:aws:sts::123456789012:assumed-role/from_fumidai/",
	} {
		h.wantIdentity(profile, want)
	}
}

// TestGooglePTY_PhonePrompt waits on the terminal for the device prompt
// ("Check your phone"): the spinner counts down, and Enter pressed after
// the phone was answered makes awsfed check at once rather than after its
// back-off (1 s, 2 s, 4 s… between checks).
func TestGooglePTY_PhonePrompt(t *testing.T) {
	g := ptyGoogle(t, googletest.Options{Second: []googletest.Factor{googletest.DevicePrompt}, PromptManual: true})
	m := startMoto(t, 3, "jump-sso")
	h, env := ptyHome(t, m.URL, g)

	term := h.awsfedOnPTY(env, "login")
	term.expect(passwordPrompt, ptyWait)
	term.send(googletest.DefaultPassword + "\r")
	// Substrings only: the spinner redraws its line while awsfed waits.
	term.expect("Check your phone", ptyWait)
	term.expect("number "+g.PromptNumber(), ptyWait)
	term.expect("left; press Enter once you have answered", ptyWait)
	time.Sleep(3500 * time.Millisecond) // past two checks: the next is 4 s away
	g.Approve()
	pressed := time.Now()
	term.send("\r")
	out := term.wantExit(0)
	if d := time.Since(pressed); d > 2*time.Second {
		t.Errorf("awsfed took %s after Enter: it did not check at once", d)
	}
	if !strings.Contains(out, "into profile sts;") {
		t.Errorf("no result line on the terminal:\n%s", out)
	}
	term.wantCooked()
}

// TestGooglePTY_CtrlCWhileWaiting presses Ctrl-C while awsfed waits for the
// phone (the terminal is in raw mode then, so it is a key, not a signal):
// exit 130, no credentials, the terminal restored.
func TestGooglePTY_CtrlCWhileWaiting(t *testing.T) {
	g := ptyGoogle(t, googletest.Options{Second: []googletest.Factor{googletest.DevicePrompt}, PromptManual: true})
	h, env := ptyHome(t, "http://127.0.0.1:1", g)

	term := h.awsfedOnPTY(env, "login")
	term.expect(passwordPrompt, ptyWait)
	term.send(googletest.DefaultPassword + "\r")
	term.expect("press Enter once you have answered", ptyWait)
	term.send("\x03")
	term.wantExit(130)
	if _, err := os.Stat(h.creds); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("credentials file after Ctrl-C: %v; want none", err)
	}
	term.wantCooked()
}

// TestGooglePTY_CtrlC presses Ctrl-C at the password prompt: awsfed exits
// 130, writes no credentials and leaves the terminal as it found it.
func TestGooglePTY_CtrlC(t *testing.T) {
	g := ptyGoogle(t, googletest.Options{})
	// Nothing may reach STS; a closed port makes sure it would fail if it did.
	h, env := ptyHome(t, "http://127.0.0.1:1", g)

	term := h.awsfedOnPTY(env, "login")
	term.expect(passwordPrompt, ptyWait)
	term.send("correct hor\x03")
	if out := term.wantExit(130); !strings.Contains(out, passwordPrompt+"\r\n") {
		t.Errorf("the keys typed before Ctrl-C were echoed, or the line not ended:\n%q", out)
	}
	if _, err := os.Stat(h.creds); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("credentials file after Ctrl-C: %v; want none", err)
	}
	term.wantCooked()
}

// googleConfig is a config whose [profile sts] signs into the emulated
// Google, with a chained profile from_fumidai on it.
const googleConfig = `[profile sts]
region = us-east-1
awsfed_idp = google
awsfed_username = ` + googletest.DefaultEmail + `
awsfed_google_idp_id = C01abc234
awsfed_google_sp_id = 123456789012
awsfed_role_arn = ` + ptyJumpRole + `

[profile from_fumidai]
role_arn = arn:aws:iam::123456789012:role/from_fumidai
source_profile = sts
region = us-east-1
`

// ptyGoogle starts the emulated Google sign-in granting the jump role.
func ptyGoogle(t *testing.T, opts googletest.Options) *googletest.Server {
	t.Helper()
	opts.SAMLResponse = idptest.SAMLResponse(idptest.AssertionOptions{
		Roles:       []string{ptyJumpRole + ",arn:aws:iam::123456789012:saml-provider/GoogleApps"},
		SessionName: googletest.DefaultEmail,
	})
	return googletest.NewServer(t, opts)
}

// ptyHome is a home whose [profile sts] signs into the emulator g, with a
// chained profile from_fumidai on it, and the environment in which awsfed
// finds g and trusts its certificate.
func ptyHome(t *testing.T, stsURL string, g *googletest.Server) (*home, []string) {
	t.Helper()
	h := newHome(t, stsURL)
	certFile := filepath.Join(h.dir, "google-emulator.pem")
	h.write(certFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: g.Certificate().Raw})))
	h.write(h.config, googleConfig)
	return h, []string{"AWSFED_GOOGLE_URL=" + g.URL, "SSL_CERT_FILE=" + certFile, "TERM=xterm"}
}

// ptySession is awsfed running on a pseudo-terminal: its standard streams
// and its controlling terminal are the terminal's far end; the test holds
// the near end, as a person at the keyboard.
type ptySession struct {
	t       *testing.T
	pty     *os.File
	readEnd chan struct{} // closed when the terminal's output ends
	exited  chan struct{} // closed when awsfed has exited
	code    int           // awsfed's exit code, once exited

	mu      sync.Mutex
	out     bytes.Buffer
	changed chan struct{} // signalled when out grows
	seen    int           // how far expect has matched in out
}

// awsfedOnPTY starts awsfed on a new pseudo-terminal in the home's
// environment plus extra variables, or skips the test saying why there is
// no pseudo-terminal.
func (h *home) awsfedOnPTY(extra []string, args ...string) *ptySession {
	h.t.Helper()
	return h.onPTY(bins.awsfed, extra, args...)
}

// onPTY starts program on a new pseudo-terminal, as awsfedOnPTY does.
func (h *home) onPTY(program string, extra []string, args ...string) *ptySession {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*ptyWait)
	cmd := exec.CommandContext(ctx, program, args...)
	cmd.Env = append(append([]string(nil), h.env...), extra...)
	f, tty, err := pty.Open()
	if err != nil {
		cancel()
		h.t.Skipf("no pseudo-terminals here: %v", err)
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	// A session of its own whose controlling terminal (/dev/tty) is tty.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	err = pty.Setsize(f, &pty.Winsize{Rows: 24, Cols: 80})
	if err == nil {
		err = cmd.Start()
	}
	tty.Close() // awsfed holds it now; f reads EIO once awsfed closed it
	if err != nil {
		cancel()
		f.Close()
		h.t.Fatalf("start %s on a pseudo-terminal: %v", filepath.Base(program), err)
	}
	s := &ptySession{t: h.t, pty: f, readEnd: make(chan struct{}), exited: make(chan struct{}), changed: make(chan struct{}, 1)}
	go func() {
		defer close(s.readEnd)
		_, _ = io.Copy(s, f)
	}()
	go func() {
		defer close(s.exited)
		err := cmd.Wait()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			s.code = ee.ExitCode()
		} else if err != nil {
			s.code = -1
		}
	}()
	h.t.Cleanup(func() {
		cancel() // kills awsfed if a failed test left it running
		<-s.exited
		<-s.readEnd
		f.Close()
	})
	return s
}

// Write records what the terminal shows.
func (s *ptySession) Write(b []byte) (int, error) {
	s.mu.Lock()
	s.out.Write(b)
	s.mu.Unlock()
	select {
	case s.changed <- struct{}{}:
	default:
	}
	return len(b), nil
}

func (s *ptySession) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

// expect waits until the terminal shows want after what earlier expects
// matched, and fails the test with the output so far after timeout.
func (s *ptySession) expect(want string, timeout time.Duration) {
	s.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		if i := strings.Index(s.out.String()[s.seen:], want); i >= 0 {
			s.seen += i + len(want)
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		select {
		case <-s.changed:
		case <-s.readEnd:
			if !strings.Contains(s.output()[s.seen:], want) {
				s.t.Fatalf("awsfed closed the terminal without showing %q; it showed:\n%s", want, s.output())
			}
		case <-deadline.C:
			s.t.Fatalf("waited %s for %q on the terminal; it showed:\n%s", timeout, want, s.output())
		}
	}
}

// send types keys at the terminal.
func (s *ptySession) send(keys string) {
	s.t.Helper()
	if _, err := s.pty.WriteString(keys); err != nil {
		s.t.Fatalf("type %q: %v", keys, err)
	}
}

// wantExit waits for awsfed to exit with code and returns all it showed.
func (s *ptySession) wantExit(code int) string {
	s.t.Helper()
	select {
	case <-s.exited:
	case <-time.After(ptyWait):
		s.t.Fatalf("awsfed still runs after %s; the terminal shows:\n%s", ptyWait, s.output())
	}
	select {
	case <-s.readEnd:
	case <-time.After(ptyWait):
		s.t.Fatalf("the terminal stays open after awsfed exited; it shows:\n%s", s.output())
	}
	out := s.output()
	if s.code != code {
		s.t.Fatalf("awsfed exited %d, want %d; the terminal shows:\n%s", s.code, code, out)
	}
	return out
}

// wantCooked checks that awsfed left the terminal with echo, line editing
// and signals on, as a shell needs it.
func (s *ptySession) wantCooked() {
	s.t.Helper()
	var tio *unix.Termios
	var ioctlErr error
	rc, err := s.pty.SyscallConn()
	if err == nil {
		err = rc.Control(func(fd uintptr) {
			// On Linux, the near end reports the far end's mode.
			tio, ioctlErr = unix.IoctlGetTermios(int(fd), unix.TCGETS)
		})
	}
	if err = errors.Join(err, ioctlErr); err != nil {
		s.t.Fatalf("read the terminal's mode: %v", err)
	}
	const cooked = unix.ECHO | unix.ICANON | unix.ISIG
	if got := tio.Lflag & cooked; got != cooked {
		s.t.Errorf("awsfed left the terminal with local flags %#x; want ECHO, ICANON and ISIG (%#x) set", got, uint32(cooked))
	}
}
