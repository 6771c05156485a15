package browser

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSplitFlags(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr bool
	}{
		{in: "", want: nil},
		{in: "--a --b=c", want: []string{"--a", "--b=c"}},
		{in: `--host-resolver-rules="MAP a 127.0.0.1:1, MAP b 127.0.0.1:1" --x`, want: []string{"--host-resolver-rules=MAP a 127.0.0.1:1, MAP b 127.0.0.1:1", "--x"}},
		{in: `--lang='en US'  --proxy-server=http://p:3128`, want: []string{"--lang=en US", "--proxy-server=http://p:3128"}},
		{in: `--a\ b`, want: []string{"--a b"}},
		{in: `--a="unclosed`, wantErr: true},
		{in: `--user-data-dir=/tmp/x`, wantErr: true},
		{in: `--remote-debugging-port=9222`, wantErr: true},
		{in: `not-a-switch`, wantErr: true},
	}
	for _, tt := range tests {
		got, err := SplitFlags(tt.in)
		if tt.wantErr {
			if err == nil {
				t.Errorf("SplitFlags(%q) = %q; want an error", tt.in, got)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("SplitFlags(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestFlagOptions(t *testing.T) {
	tests := []struct {
		flags   []string
		wantErr string
	}{
		{flags: []string{"--a", "--b=c", "-d", "--lang=en US"}},
		{flags: []string{"about:blank"}, wantErr: `browser flag "about:blank" is not a switch like --name or --name=value`},
		{flags: []string{"--"}, wantErr: `browser flag "--" is not a switch like --name or --name=value`},
		{flags: []string{"--user-data-dir=/tmp/x"}, wantErr: "browser flag --user-data-dir is set by awsfed and cannot be changed"},
		{flags: []string{"--remote-debugging-port=9222"}, wantErr: "browser flag --remote-debugging-port is set by awsfed and cannot be changed"},
		{flags: []string{"--Remote-Debugging-Address=0.0.0.0"}, wantErr: "browser flag --Remote-Debugging-Address is set by awsfed and cannot be changed"},
	}
	for _, tt := range tests {
		opts, err := flagOptions(tt.flags)
		if tt.wantErr == "" {
			if err != nil || len(opts) != len(tt.flags) {
				t.Errorf("flagOptions(%q) = %d options, %v; want %d", tt.flags, len(opts), err, len(tt.flags))
			}
			continue
		}
		if err == nil || err.Error() != tt.wantErr {
			t.Errorf("flagOptions(%q) error %v; want %q", tt.flags, err, tt.wantErr)
		}
	}
}

func TestNeedsDisplay(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	tests := []struct {
		goos string
		env  func(string) string
		want bool
	}{
		{"linux", env(), true},
		{"linux", env("DISPLAY", ":0"), false},
		{"linux", env("WAYLAND_DISPLAY", "wayland-0"), false},
		{"freebsd", env(), true},
		{"darwin", env(), false},
		{"windows", env(), false},
	}
	for _, tt := range tests {
		if got := needsDisplay(tt.goos, tt.env); got != tt.want {
			t.Errorf("needsDisplay(%s) = %v; want %v", tt.goos, got, tt.want)
		}
	}
}

// TestCaptureNoDisplay: with no display, a window is refused before
// anything starts or is created.
func TestCaptureNoDisplay(t *testing.T) {
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	dir := filepath.Join(t.TempDir(), "profile")
	_, err := Capture(context.Background(), Options{
		Exec: "/nonexistent/chrome", ProfileDir: dir, StartURL: "https://idp.example.com/sso", Headful: true,
	})
	if !errors.Is(err, ErrNoDisplay) {
		t.Fatalf("error %v; want ErrNoDisplay", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the profile folder was made (%v); want nothing done", err)
	}
}

func TestCaptureBadOptions(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{name: "no exec", o: Options{ProfileDir: "/p", StartURL: "https://a"}, want: "no browser to run"},
		{name: "no profile", o: Options{Exec: "chrome", StartURL: "https://a"}, want: "no browser profile folder"},
		{name: "bad URL", o: Options{Exec: "chrome", ProfileDir: "/p", StartURL: "file:///etc/passwd"}, want: `the IdP URL "file:///etc/passwd" is not an http(s) URL`},
		{name: "bad flag", o: Options{Exec: "chrome", ProfileDir: "/p", StartURL: "https://a", ExtraFlags: []string{"x"}}, want: `browser flag "x" is not a switch like --name or --name=value`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Capture(context.Background(), tt.o)
			if err == nil || err.Error() != tt.want {
				t.Errorf("error %v; want %q", err, tt.want)
			}
		})
	}
}

// TestCaptureCommandLine runs a stand-in browser that writes its arguments
// and fails, to check the command line awsfed starts the browser with.
func TestCaptureCommandLine(t *testing.T) {
	tests := []struct {
		name    string
		headful bool
		want    []string
		notWant []string
	}{
		{
			name: "headless",
			want: []string{"--headless", "--disable-gpu", "--no-first-run", "--disable-background-networking",
				"--disable-component-update", "--disable-sync", "--disable-quic", "--restore-last-session",
				"--disable-blink-features=AutomationControlled", "--password-store=basic", "--use-mock-keychain",
				"--remote-debugging-pipe", "--extra-flag=1 2"},
			notWant: []string{"--enable-automation", "--start-maximized"},
		},
		{
			name:    "headful",
			headful: true,
			want: []string{"--no-first-run", "--disable-background-networking", "--disable-component-update",
				"--disable-sync", "--disable-quic", "--restore-last-session", "--disable-blink-features=AutomationControlled",
				"--password-store=basic", "--remote-debugging-pipe", "--window-size=1024,800", "--extra-flag=1 2"},
			notWant: []string{"--headless", "--enable-automation", "--start-maximized", "--disable-gpu"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("DISPLAY", ":99")
			tmp := t.TempDir()
			out := filepath.Join(tmp, "args")
			exe := filepath.Join(tmp, "chrome")
			script := "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done >" + out + "\nexit 3\n"
			if err := os.WriteFile(exe, []byte(script), 0o700); err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(tmp, "profile")
			sessions := filepath.Join(dir, "Default", "Sessions")
			if err := os.MkdirAll(sessions, 0o700); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			_, err := Capture(ctx, Options{
				Exec: exe, ProfileDir: dir, StartURL: "https://idp.example.com/sso?token=s3cret",
				Headful: tt.headful, ExtraFlags: []string{"--extra-flag=1 2"},
				Fill: &Fill{Password: func(context.Context) (string, error) { return "pw", nil }},
			})
			if err == nil || !strings.HasPrefix(err.Error(), "start the browser "+exe+": ") {
				t.Fatalf("error %v; want one saying the browser did not start", err)
			}
			b, rerr := os.ReadFile(out)
			if rerr != nil {
				t.Fatal(rerr)
			}
			args := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
			for _, w := range append(tt.want, "--user-data-dir="+dir) {
				if !slices.Contains(args, w) {
					t.Errorf("command line has no %q: %q", w, args)
				}
			}
			for _, a := range args {
				for _, nw := range tt.notWant {
					if a == nw {
						t.Errorf("command line has %q", a)
					}
				}
				if strings.HasPrefix(a, "--remote-debugging-port") || strings.Contains(a, "s3cret") || strings.Contains(a, "idp.example.com") {
					t.Errorf("command line has %q", a)
				}
			}
			if _, err := os.Stat(sessions); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("Default/Sessions survived the run: %v", err)
			}
			if (Profile{Dir: dir}).HasSession() {
				t.Error("HasSession() = true after a failed start")
			}
		})
	}
}
