//go:build linux || freebsd || openbsd || netbsd || dragonfly

package keyring

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestSessionBus(t *testing.T) {
	withBus := t.TempDir()
	if err := os.WriteFile(filepath.Join(withBus, "bus"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		address    string
		runtimeDir string
		wantErr    bool
	}{
		{"address set", "unix:path=/tmp/bus", t.TempDir(), false},
		{"socket in the runtime dir", "", withBus, false},
		{"nothing", "", t.TempDir(), true},
		{"autolaunch", "autolaunch:", t.TempDir(), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == "DBUS_SESSION_BUS_ADDRESS" {
					return tt.address
				}
				return ""
			}
			err := sessionBus(getenv, tt.runtimeDir)
			if (err != nil) != tt.wantErr {
				t.Errorf("sessionBus = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

// TestKeyring_NoSessionBus checks that without a session bus no call
// reaches the keyring, which would start one with dbus-launch.
func TestKeyring_NoSessionBus(t *testing.T) {
	m := &memory{}
	k := New("awsfed", m, time.Second)
	dir := t.TempDir()
	k.check = func() error { return sessionBus(func(string) string { return "" }, dir) }
	_, err := k.Get(t.Context(), "u")
	if want := "there is no keyring to use: no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set) on which a Secret Service could run"; err == nil || err.Error() != want {
		t.Errorf("Get = %v, want %q", err, want)
	}
	if m.called() != 0 {
		t.Errorf("the backend was called")
	}
}

// TestSystem_HungBus checks the real keyring against a D-Bus session bus
// that accepts the connection and never answers: the call gives up after
// the time limit instead of hanging.
func TestSystem_HungBus(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "bus")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // held open, never answered
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close() // lets the abandoned call end
		}
	})
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+sock) // the D-Bus library reads the process's environment
	k := System("awsfed-test", os.Getenv)
	k.timeout = 300 * time.Millisecond
	start := time.Now()
	_, err = k.Get(t.Context(), "u")
	took := time.Since(start)
	var ke *Error
	if !errors.As(err, &ke) || !ke.TimedOut {
		t.Fatalf("Get = %v after %s, want a timeout", err, took)
	}
	if want := "the keyring did not answer within 300ms (no Secret Service running?)"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if took > 300*time.Millisecond+time.Second {
		t.Errorf("Get gave up after %s, want 300ms", took)
	}
	t.Logf("gave up after %s", took)
}
