//go:build linux

package integration

import (
	"encoding/pem"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seed-2d15385e/awsfed/assume/ststest"
	"github.com/seed-2d15385e/awsfed/idp/generic/generictest"
)

// The OS keyring as a password source, against a real Secret Service:
// gnome-keyring-daemon on a private D-Bus session bus, started for each test
// by scripts/peers/keyring.sh, and looked into with secret-tool.

// keyringTimeout is how long awsfed waits for the keyring (internal/keyring).
const keyringTimeout = 3 * time.Second

// keyringPeer is one instance of scripts/peers/keyring.sh.
type keyringPeer struct {
	address   string // DBUS_SESSION_BUS_ADDRESS of its bus
	daemonPID int    // gnome-keyring-daemon; 0 with a bus alone
}

// startKeyring starts a private session bus with, unless busOnly, an
// unlocked gnome-keyring on it, or skips the test saying how to install it.
func startKeyring(t *testing.T, busOnly bool) *keyringPeer {
	t.Helper()
	for _, bin := range []string{"dbus-daemon", "dbus-send", "gnome-keyring-daemon", "secret-tool"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s is not installed: run scripts/peers/keyring.sh install as root (Debian: dbus gnome-keyring libsecret-tools)", bin)
		}
	}
	args := []string{"start"}
	if busOnly {
		args = append(args, "--bus-only")
	}
	script := filepath.Join(repoRoot, "scripts", "peers", "keyring.sh")
	cmd := exec.Command(script, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("keyring.sh start: %v\n%s", err, stderr.String())
	}
	env := parseEnv(string(out))
	t.Cleanup(func() {
		if b, err := exec.Command(script, "stop", env["KEYRING_DIR"]).CombinedOutput(); err != nil {
			t.Errorf("keyring.sh stop: %v\n%s", err, b)
		}
	})
	k := &keyringPeer{address: env["KEYRING_DBUS_ADDRESS"]}
	if k.address == "" {
		t.Fatalf("keyring.sh printed no KEYRING_DBUS_ADDRESS: %q", out)
	}
	fmt.Sscan(env["KEYRING_DAEMON_PID"], &k.daemonPID)
	return k
}

// secretTool runs secret-tool on the keyring's bus for awsfed's item of
// user; stdin is the secret to store.
func (k *keyringPeer) secretTool(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "secret-tool", args...)
	cmd.Env = append(os.Environ(), "DBUS_SESSION_BUS_ADDRESS="+k.address)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.Output()
	return string(out), err
}

// lookup returns awsfed's stored password for user, and whether there is one.
func (k *keyringPeer) lookup(t *testing.T, user string) (string, bool) {
	t.Helper()
	out, err := k.secretTool(t, "", "lookup", "service", "awsfed", "username", user)
	return out, err == nil
}

func (k *keyringPeer) store(t *testing.T, user, secret string) {
	t.Helper()
	if _, err := k.secretTool(t, secret, "store", "--label", "test", "service", "awsfed", "username", user); err != nil {
		t.Fatalf("secret-tool store: %v", err)
	}
}

// TestKeyringPTY_StoreReuseAndRemove logs into SimpleSAMLphp on a terminal
// with --keyring, typing the password once: it is stored in GNOME Keyring;
// the next login, without a terminal, needs no password; a wrong password
// put in the keyring is refused by the IdP and removed.
func TestKeyringPTY_StoreReuseAndRemove(t *testing.T) {
	sso := peer(t, "SSP_SSO_URL", "SimpleSAMLphp")
	role := peer(t, "SSP_SINGLE_ROLE_ARN", "SimpleSAMLphp")
	k := startKeyring(t, false)
	m := startMoto(t, 100, roleName(role))
	h := newHome(t, m.URL)
	h.write(h.config, "[profile jump]\nawsfed_idp = generic\nawsfed_url = "+sso+"\nawsfed_username = singleuser\nregion = us-east-1\n")
	u, err := url.Parse(sso)
	if err != nil {
		t.Fatal(err)
	}
	item := strings.ToLower(u.Host) + ":singleuser"
	env := []string{"DBUS_SESSION_BUS_ADDRESS=" + k.address, "TERM=xterm"}

	term := h.awsfedOnPTY(env, "login", "--profile", "jump", "--keyring")
	term.expect("Password for singleuser: ", ptyWait)
	term.send("singlepass\r")
	if out := term.wantExit(0); !strings.Contains(out, "into profile jump;") || strings.Contains(out, "warning") {
		t.Errorf("first login on the terminal showed:\n%s", out)
	}
	if pw, ok := k.lookup(t, item); !ok || pw != "singlepass" {
		t.Fatalf("after the first login the keyring holds %q (found: %v) for %s; want the typed password", pw, ok, item)
	}
	if cfg := h.read(h.config); !strings.Contains(cfg, "\nawsfed_keyring = true\n") {
		t.Errorf("--keyring was not saved:\n%s", cfg)
	}

	start := time.Now()
	r := h.awsfed(env, "login", "--profile", "jump", "--no-prompt")
	if r.code != 0 || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "into profile jump;") {
		t.Fatalf("second login, password from the keyring: exit %d\n%s", r.code, r.stderr)
	}
	t.Logf("second login, password from GNOME Keyring: %s", time.Since(start).Round(time.Millisecond))

	k.store(t, item, "wrong-password")
	config, creds := h.read(h.config), h.read(h.creds)
	r = h.awsfed(env, "login", "--profile", "jump", "--no-prompt")
	if r.code != 3 || strings.Count(r.stderr, "\n") != 1 ||
		!strings.Contains(r.stderr, "Incorrect username or password") ||
		!strings.HasSuffix(r.stderr, "; the password stored in the keyring was removed\n") {
		t.Errorf("login with a wrong stored password: exit %d, stderr %q; want 3 and one line saying the password was removed", r.code, r.stderr)
	}
	if pw, ok := k.lookup(t, item); ok {
		t.Errorf("the refused password is still in the keyring: %q", pw)
	}
	if h.read(h.config) != config || h.read(h.creds) != creds {
		t.Errorf("a refused login changed the AWS files")
	}
	if strings.Contains(r.stderr, "wrong-password") {
		t.Errorf("stderr shows the password")
	}

	r = h.awsfed(env, "login", "--profile", "jump", "--no-prompt")
	if r.code != 4 || !strings.Contains(r.stderr, "stored in the keyring") {
		t.Errorf("login with an empty keyring and no terminal: exit %d, stderr %q; want 4 and how to store the password", r.code, r.stderr)
	}
}

// TestKeyringPTY_NoService runs awsfed with awsfed_keyring = true where the
// keyring cannot answer: there is no session bus, or a bus without a Secret
// Service, or a Secret Service that hangs. Each time awsfed must warn and go
// on to the next source, the prompt, within the keyring's time limit and a
// second, and then log in without trying the keyring again.
func TestKeyringPTY_NoService(t *testing.T) {
	tests := []struct {
		name     string
		setup    func(t *testing.T) []string // returns the environment
		wantWarn string
		minWait  time.Duration // before the prompt
	}{
		{name: "no session bus", setup: noSessionBus,
			wantWarn: "awsfed: warning: there is no keyring to use: no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set) on which a Secret Service could run; awsfed_keyring is ignored for this login"},
		{name: "session bus without a Secret Service", setup: func(t *testing.T) []string {
			return []string{"DBUS_SESSION_BUS_ADDRESS=" + startKeyring(t, true).address}
		}, wantWarn: "awsfed: warning: the keyring failed: The name org.freedesktop.secrets was not provided by any .service files; awsfed_keyring is ignored for this login"},
		{name: "Secret Service that hangs", setup: func(t *testing.T) []string {
			k := startKeyring(t, false)
			// Frozen, it keeps its name on the bus and answers nothing;
			// keyring.sh stop resumes it before stopping it.
			if err := syscall.Kill(k.daemonPID, syscall.SIGSTOP); err != nil {
				t.Fatal(err)
			}
			return []string{"DBUS_SESSION_BUS_ADDRESS=" + k.address}
		}, wantWarn: "awsfed: warning: the keyring did not answer within 3s (no Secret Service running?); awsfed_keyring is ignored for this login",
			minWait: keyringTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := tt.setup(t)
			h, more := emulatedIdPHome(t)
			env = append(env, more...)

			start := time.Now()
			term := h.awsfedOnPTY(env, "login", "--profile", "jump")
			term.expect(tt.wantWarn+"\r\n", keyringTimeout+5*time.Second)
			term.expect("Password for "+generictest.Username+": ", ptyWait)
			waited := time.Since(start)
			term.send(generictest.Password + "\r")
			out := term.wantExit(0)
			total := time.Since(start)
			t.Logf("prompt after %s, whole login %s", waited.Round(time.Millisecond), total.Round(time.Millisecond))
			if waited < tt.minWait || waited > keyringTimeout+time.Second {
				t.Errorf("the prompt came %s after the start; want it within %s", waited, keyringTimeout+time.Second)
			}
			if total-waited > keyringTimeout {
				t.Errorf("the login took %s after the password was typed: did it wait for the keyring again?", total-waited)
			}
			if strings.Count(out, "warning") != 1 || !strings.Contains(out, "into profile jump;") {
				t.Errorf("want one warning and the result line; the terminal showed:\n%s", out)
			}
		})
	}
}

// noSessionBus is an environment without a D-Bus session bus, with a
// dbus-launch that fails the test if it is run: the D-Bus library would
// start a bus with it and leave it behind.
func noSessionBus(t *testing.T) []string {
	t.Helper()
	if _, err := os.Stat(fmt.Sprintf("/run/user/%d/bus", os.Getuid())); err == nil {
		t.Skipf("this machine has a session bus at /run/user/%d/bus, which the D-Bus library finds without DBUS_SESSION_BUS_ADDRESS", os.Getuid())
	}
	bin := t.TempDir()
	ran := filepath.Join(bin, "ran")
	if err := os.WriteFile(filepath.Join(bin, "dbus-launch"), []byte("#!/bin/sh\ntouch '"+ran+"'\nexit 1\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := os.Stat(ran); err == nil {
			t.Errorf("awsfed ran dbus-launch")
		}
	})
	return []string{"DBUS_SESSION_BUS_ADDRESS=", "PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH")}
}

// emulatedIdPHome is a home whose [profile jump] signs into the emulated
// generic IdP with awsfed_keyring = true, and gets credentials from the fake
// STS; it returns the environment awsfed needs for them.
func emulatedIdPHome(t *testing.T) (*home, []string) {
	t.Helper()
	idp := generictest.NewServer(t, generictest.Options{})
	sts := ststest.NewServer(t)
	h := newHome(t, sts.URL)
	certFile := filepath.Join(h.dir, "idp.pem")
	h.write(certFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: idp.Certificate().Raw})))
	h.write(h.config, "[profile jump]\nawsfed_idp = generic\nawsfed_url = "+idp.SSOURL()+
		"\nawsfed_username = "+generictest.Username+"\nawsfed_keyring = true\nregion = us-east-1\n")
	return h, []string{"SSL_CERT_FILE=" + certFile, "TERM=xterm"}
}
