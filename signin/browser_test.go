package signin

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/seed-2d15385e/awsfed/idp"
	"github.com/seed-2d15385e/awsfed/idp/browser"
	"github.com/seed-2d15385e/awsfed/ui"
)

func TestNeedsBrowser(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"security key", &idp.RefusedError{Err: errors.New("the sign-in needs a security key"), NeedsBrowser: true}, true},
		{"wrapped", fmt.Errorf("sign in: %w", &idp.RefusedError{Err: errors.New("refused as automated"), NeedsBrowser: true}), true},
		{"unknown page", &idp.PageError{URL: "https://accounts.google.com/x"}, true},
		{"wrong password", &idp.RefusedError{Err: idp.ErrWrongPassword}, false},
		{"input needed", &ui.InputNeededError{What: "a password"}, false},
		{"network", errors.New("dial tcp: connection refused"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := needsBrowser(tt.err); got != tt.want {
				t.Errorf("needsBrowser(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestBrowserProfilePath(t *testing.T) {
	tests := []struct {
		name, home, xdg, profile, want string
	}{
		{"home", "/home/a", "", "jump", "/home/a/.config/awsfed/browser/jump"},
		{"XDG_CONFIG_HOME", "/home/a", "/cfg", "jump", "/cfg/awsfed/browser/jump"},
		{"a profile name that is no file name", "/home/a", "", "../x y", "/home/a/.config/awsfed/browser/.._x_y"},
		{"relative: none", "", "", "jump", ""},
		{"relative XDG_CONFIG_HOME: none", "/home/a", "cfg", "jump", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == "XDG_CONFIG_HOME" {
					return tt.xdg
				}
				return ""
			}
			if got := BrowserProfilePath(&Settings{Profile: tt.profile}, tt.home, getenv); got != tt.want {
				t.Errorf("BrowserProfilePath = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCanShowWindow(t *testing.T) {
	tests := []struct {
		name     string
		terminal bool
		noPrompt bool
		env      map[string]string
		want     bool
	}{
		{"terminal and X display", true, false, map[string]string{"DISPLAY": ":0"}, true},
		{"terminal and Wayland", true, false, map[string]string{"WAYLAND_DISPLAY": "wayland-0"}, true},
		{"no terminal", false, false, map[string]string{"DISPLAY": ":0"}, false},
		{"--no-prompt", true, true, map[string]string{"DISPLAY": ":0"}, false},
		{"terminal without a display", true, false, nil, runtime.GOOS == "darwin" || runtime.GOOS == "windows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := &Signer{Streams: &ui.Streams{TTYAvailable: func() bool { return tt.terminal }},
				Getenv: func(k string) string { return tt.env[k] }, Flags: Flags{NoPrompt: tt.noPrompt}}
			if got := o.canShowWindow(); got != tt.want {
				t.Errorf("canShowWindow = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestBrowserFallbackDeclines checks the cases in which a failed Google
// sign-in does not go on in a browser: err comes back as it was, and no
// browser is looked for (AWSFED_BROWSER names none that exists).
func TestBrowserFallbackDeclines(t *testing.T) {
	automated := &idp.RefusedError{Err: errors.New("the sign-in was refused by Google as automated"), NeedsBrowser: true}
	tests := []struct {
		name     string
		fallback bool
		err      error
		env      map[string]string
	}{
		{"turned off", false, automated, map[string]string{"AWSFED_PASSWORD": "pw", "DISPLAY": ":0"}},
		{"not a browser's matter", true, &idp.RefusedError{Err: idp.ErrWrongPassword}, map[string]string{"AWSFED_PASSWORD": "pw"}},
		{"no window, no password", true, automated, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr strings.Builder
			env := map[string]string{"AWSFED_BROWSER": filepath.Join(t.TempDir(), "no-browser")}
			for k, v := range tt.env {
				env[k] = v
			}
			o := &Signer{Streams: &ui.Streams{ErrOut: &stderr}, Getenv: func(k string) string { return env[k] }, Home: t.TempDir()}
			a, err := o.browserFallback(t.Context(), &Settings{Profile: "sts", IdP: "google", BrowserFallback: tt.fallback}, tt.err)
			if a != nil || err != tt.err {
				t.Errorf("browserFallback = %v, %v; want nil, the error as it was", a, err)
			}
			if stderr.Len() != 0 {
				t.Errorf("stderr = %q, want nothing", stderr.String())
			}
		})
	}
}

// TestBrowserFallbackWithoutBrowser: the fallback would run, but there is
// no browser; the error says both what failed and why no browser helped.
func TestBrowserFallbackWithoutBrowser(t *testing.T) {
	automated := &idp.RefusedError{Err: errors.New("the sign-in was refused by Google as automated"), NeedsBrowser: true}
	missing := filepath.Join(t.TempDir(), "no-browser")
	env := map[string]string{"AWSFED_PASSWORD": "pw"}
	o := &Signer{Streams: &ui.Streams{ErrOut: &strings.Builder{}}, Getenv: func(k string) string { return env[k] }, Home: t.TempDir()}
	_, err := o.browserFallback(t.Context(), &Settings{Profile: "sts", IdP: "google", BrowserFallback: true, Browser: missing}, automated)
	var refused *idp.RefusedError
	if !errors.As(err, &refused) || !strings.Contains(err.Error(), "refused by Google as automated") || !strings.Contains(err.Error(), "no browser to go on in") {
		t.Errorf("error = %v; want the refusal (exit 3) and why no browser helped", err)
	}
	if _, serr := os.Stat(missing); serr == nil {
		t.Fatal("the missing browser exists")
	}
}

// TestLoginRequired: a headless browser that met a login it cannot do is
// exit 4 naming the command to run, in the login's words and, for a
// renewal a program started, in the unattended ones, still saying why.
func TestLoginRequired(t *testing.T) {
	s := &Settings{Profile: "jump"}
	err := loginRequired(s, fmt.Errorf("capture: %w", browser.ErrLoginRequired))
	var needed *ui.InputNeededError
	if !errors.As(err, &needed) {
		t.Fatalf("error %T (%v), want *ui.InputNeededError (exit 4)", err, err)
	}
	for _, want := range []string{"a sign-in in a browser window is needed", "no window can be shown here", "`awsfed login --profile jump` in a terminal of a desktop session"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	un := (&Signer{}).unattended(s, needed)
	if !strings.Contains(un.Error(), "no window can be shown here") || !strings.Contains(un.Error(), "awsfed login --profile jump") {
		t.Errorf("unattended error %q lost why, or the command", un)
	}
	other := errors.New("dial tcp: refused")
	if got := loginRequired(s, other); got != other {
		t.Errorf("loginRequired(other) = %v, want it unchanged", got)
	}
}
