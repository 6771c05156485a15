//go:build linux || freebsd || openbsd || netbsd || dragonfly

package keyring

import (
	"os"
	"path/filepath"
	"strconv"
)

// systemCheck fails fast when there is no D-Bus session bus to reach a
// Secret Service on. Without one, the D-Bus library would run dbus-launch,
// which starts a bus daemon (and the bus a keyring daemon) at every call and
// leaves them running.
func systemCheck(getenv func(string) string) (func() error, string) {
	return func() error {
		return sessionBus(getenv, filepath.Join("/run/user", strconv.Itoa(os.Getuid())))
	}, " (no Secret Service running?)"
}

// sessionBus reports an error unless the D-Bus library can find a session
// bus the way it looks for one: DBUS_SESSION_BUS_ADDRESS, else the socket
// runtimeDir/bus or the address file runtimeDir/dbus-session.
func sessionBus(getenv func(string) string, runtimeDir string) error {
	if a := getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && a != "autolaunch:" {
		return nil
	}
	for _, name := range []string{"bus", "dbus-session"} {
		if _, err := os.Stat(filepath.Join(runtimeDir, name)); err == nil {
			return nil
		}
	}
	return &Error{msg: "there is no keyring to use: no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set) on which a Secret Service could run"}
}
