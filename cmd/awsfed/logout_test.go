package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed-2d15385e/awsfed/idp/generic/generictest"
	"github.com/seed-2d15385e/awsfed/idp/google/googletest"
)

// Profiles and credentials for the logout tests, beside otherConfig and
// otherCreds.
const (
	googleConfig = "\n[profile sts]\nawsfed_idp = google\nawsfed_username = alice@example.com\n" +
		"awsfed_google_idp_id = C01abc234\nawsfed_google_sp_id = 123456789012\nregion = ap-northeast-1\n"
	genericConfig = "\n[profile jump]\nawsfed_idp = generic\nawsfed_url = https://idp.example.com/sso\nawsfed_username = alice\n"
	secretKey     = "tempsecret/tempsecret+tempsecret/tempse0001"
	sessionToken  = "IQoJb3JpZ2luX2VjEJr//////////wEaDmFwLW5vcnRoZWFzdC0xIkcwRQIhAN0001=="
	tempCreds     = "aws_access_key_id = ASIATEMPTEMPTEMP0001\naws_secret_access_key = " + secretKey +
		"\naws_session_token = " + sessionToken + "\naws_security_token = " + sessionToken +
		"\nx_security_token_expires = 2026-11-22T12:04:05Z\nx_principal_arn = arn:aws:sts::111111111111:assumed-role/jump-sso/alice@example.com\n"
)

// sessionFile is where login keeps alice@example.com's Google session.
func (e *testEnv) sessionFile() string {
	dir := e.env["XDG_CONFIG_HOME"]
	if dir == "" {
		dir = filepath.Join(e.deps.Home, ".config")
	}
	return filepath.Join(dir, "awsfed", "google-session-alice@example.com.json")
}

// keepSession writes a kept Google session for alice@example.com.
func (e *testEnv) keepSession() {
	e.t.Helper()
	if err := os.MkdirAll(filepath.Dir(e.sessionFile()), 0o700); err != nil {
		e.t.Fatal(err)
	}
	e.write(e.sessionFile(), `[{"url":"https://accounts.google.com/","cookie":{"Name":"SID"}}]`)
}

func (e *testEnv) sessionKept() bool {
	_, err := os.Stat(e.sessionFile())
	return !errors.Is(err, fs.ErrNotExist)
}

func TestLogout(t *testing.T) {
	tests := []struct {
		name        string
		config      string
		creds       string // "" for no credentials file
		session     bool   // whether alice@example.com has a kept Google session
		env         map[string]string
		args        []string // after "logout"
		wantCode    int
		wantStderr  string
		wantCreds   string
		wantSession bool
	}{
		{
			name:       "google profile: credentials and kept session",
			config:     otherConfig + googleConfig,
			creds:      otherCreds + "\n[sts]\n" + tempCreds,
			session:    true,
			wantStderr: "Logged out of profile sts: removed its credentials and the kept Google session of alice@example.com.\n",
			wantCreds:  otherCreds + "\n",
		},
		{
			name:       "aws-google-auth's config",
			config:     googletest.SeedConfig,
			creds:      otherCreds + "\n[sts]\n" + tempCreds,
			session:    true,
			wantStderr: "Logged out of profile sts: removed its credentials and the kept Google session of alice@example.com.\n",
			wantCreds:  otherCreds + "\n",
		},
		{
			name:       "the session under XDG_CONFIG_HOME",
			config:     otherConfig + googleConfig,
			creds:      otherCreds,
			session:    true,
			env:        map[string]string{"XDG_CONFIG_HOME": "elsewhere"},
			wantStderr: "Logged out of profile sts: removed the kept Google session of alice@example.com.\n",
			wantCreds:  otherCreds,
		},
		{
			name:        "kept session only",
			config:      otherConfig + googleConfig,
			creds:       otherCreds,
			session:     true,
			wantStderr:  "Logged out of profile sts: removed the kept Google session of alice@example.com.\n",
			wantCreds:   otherCreds,
			wantSession: false,
		},
		{
			name:        "generic profile: no Google session is touched",
			config:      otherConfig + genericConfig,
			creds:       "[jump]\n" + tempCreds + "\n" + otherCreds,
			session:     true,
			args:        []string{"--profile", "jump"},
			wantStderr:  "Logged out of profile jump: removed its credentials.\n",
			wantCreds:   "\n" + otherCreds, // the comment stays, with the blank line above it
			wantSession: true,
		},
		{
			name:       "AWS_PROFILE names a chained profile: its root is logged out",
			config:     otherConfig + genericConfig,
			creds:      otherCreds + "\n[jump]\n" + tempCreds + "\n# kept\n[target]\nregion = x\n",
			env:        map[string]string{"AWS_PROFILE": "target"},
			wantStderr: "Logged out of profile jump: removed its credentials.\n",
			wantCreds:  otherCreds + "\n\n# kept\n[target]\nregion = x\n",
		},
		{
			name:       "--profile beats AWS_PROFILE",
			config:     otherConfig + genericConfig + googleConfig,
			creds:      otherCreds + "\n[jump]\n" + tempCreds + "\n[sts]\n" + tempCreds,
			env:        map[string]string{"AWS_PROFILE": "target"},
			args:       []string{"--profile", "sts"},
			wantStderr: "Logged out of profile sts: removed its credentials.\n",
			wantCreds:  otherCreds + "\n[jump]\n" + tempCreds + "\n",
		},
		{
			name:       "--profile of a profile without credentials",
			config:     otherConfig + genericConfig,
			creds:      otherCreds,
			args:       []string{"--profile", "jump"},
			wantStderr: "Nothing to remove for profile jump.\n",
			wantCreds:  otherCreds,
		},
		{
			name:       "--profile of a profile without configuration",
			config:     otherConfig,
			creds:      otherCreds + "[nowhere]\n" + tempCreds,
			args:       []string{"--profile", "nowhere"},
			wantStderr: "Logged out of profile nowhere: removed its credentials.\n",
			wantCreds:  otherCreds,
		},
		{
			name:       "no credentials file",
			config:     otherConfig + googleConfig,
			wantStderr: "Nothing to remove for profile sts.\n",
		},
		{
			name:        "credentials file does not parse",
			config:      otherConfig + googleConfig,
			creds:       "[sts\n" + tempCreds,
			session:     true,
			wantCode:    2,
			wantStderr:  "does not parse",
			wantCreds:   "[sts\n" + tempCreds,
			wantSession: true,
		},
		{
			name:        "config file does not parse",
			config:      "[profile sts\nawsfed_idp = google\n",
			creds:       otherCreds + "\n[sts]\n" + tempCreds,
			session:     true,
			wantCode:    2,
			wantStderr:  "config does not parse",
			wantCreds:   otherCreds + "\n[sts]\n" + tempCreds,
			wantSession: true,
		},
		{
			name:       "long-term access keys are not removed",
			config:     otherConfig,
			creds:      otherCreds,
			args:       []string{"--profile", "other"},
			wantCode:   2,
			wantStderr: "[other] of CREDS holds long-term access keys (no session token), which awsfed did not write; nothing was removed",
			wantCreds:  otherCreds,
		},
		{
			name:       "an argument",
			config:     otherConfig,
			creds:      otherCreds,
			args:       []string{"sts"},
			wantCode:   2,
			wantStderr: `unknown command "sts" for "awsfed logout"`,
			wantCreds:  otherCreds,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t, generictest.Options{})
			e.write(e.config, tt.config)
			if tt.creds == "" {
				if err := os.Remove(e.creds); err != nil {
					t.Fatal(err)
				}
			} else {
				e.write(e.creds, tt.creds)
			}
			for k, v := range tt.env {
				if k == "XDG_CONFIG_HOME" {
					v = filepath.Join(e.deps.Home, v)
				}
				e.env[k] = v
			}
			if tt.session {
				e.keepSession()
			}

			code := e.run(append([]string{"logout"}, tt.args...)...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d; stderr: %s", code, tt.wantCode, e.errOut)
			}
			stderr := e.errOut.String()
			t.Logf("exit %d: %s", code, stderr)
			wantStderr := strings.ReplaceAll(tt.wantStderr, "CREDS", e.creds)
			if tt.wantCode == 0 && stderr != wantStderr {
				t.Errorf("stderr = %q, want %q", stderr, wantStderr)
			}
			if tt.wantCode != 0 && (strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, wantStderr)) {
				t.Errorf("stderr = %q, want one line containing %q", stderr, wantStderr)
			}
			if e.out.Len() != 0 {
				t.Errorf("stdout = %q, want nothing", e.out)
			}
			if strings.Contains(stderr, secretKey) || strings.Contains(stderr, sessionToken) {
				t.Errorf("stderr shows a secret")
			}
			if got := e.read(e.config); got != tt.config {
				t.Errorf("config changed:\n%s", got)
			}
			if tt.creds == "" {
				if _, err := os.Lstat(e.creds); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("a credentials file was created (%v)", err)
				}
			} else if got := e.read(e.creds); got != tt.wantCreds {
				t.Errorf("credentials:\n%q\nwant:\n%q", got, tt.wantCreds)
			}
			if got := e.sessionKept(); got != tt.wantSession {
				t.Errorf("kept session there = %v, want %v", got, tt.wantSession)
			}
		})
	}
}

// TestLogoutTwice checks that a second logout finds nothing to remove,
// exits 0 and leaves every byte as the first left it.
func TestLogoutTwice(t *testing.T) {
	e := newTestEnv(t, generictest.Options{})
	e.write(e.config, otherConfig+googleConfig)
	e.write(e.creds, otherCreds+"\n[sts]\n"+tempCreds)
	e.keepSession()
	if code := e.run("logout"); code != 0 {
		t.Fatalf("first logout: exit %d: %s", code, e.errOut)
	}
	config, creds := e.read(e.config), e.read(e.creds)
	if code := e.run("logout"); code != 0 {
		t.Errorf("second logout: exit %d: %s", code, e.errOut)
	}
	if got, want := e.errOut.String(), "Nothing to remove for profile sts.\n"; got != want {
		t.Errorf("stderr = %q, want %q", got, want)
	}
	e.assertUnchanged(config, creds)
}

// TestLoginThenLogout checks that logout undoes a login's credentials,
// keeps the settings it saved, and that the next login needs no more than
// the profile.
func TestLoginThenLogout(t *testing.T) {
	e := newTestEnv(t, generictest.Options{})
	e.env["AWSFED_PASSWORD"] = generictest.Password
	if code := e.run(e.loginArgs()...); code != 0 {
		t.Fatalf("login: exit %d: %s", code, e.errOut)
	}
	config := e.read(e.config)
	if code := e.run("logout", "--profile", "jump"); code != 0 {
		t.Fatalf("logout: exit %d: %s", code, e.errOut)
	}
	if got, want := e.errOut.String(), "Logged out of profile jump: removed its credentials.\n"; got != want {
		t.Errorf("stderr = %q, want %q", got, want)
	}
	// The blank line login wrote before [jump] stays, as the last line of
	// the section before it.
	e.assertUnchanged(config, otherCreds+"\n")
	if code := e.run("login", "--profile", "jump"); code != 0 {
		t.Fatalf("login after logout: exit %d: %s", code, e.errOut)
	}
}

// TestLogoutCachedCredentials checks that logout removes the credentials a
// credential_process profile keeps in the cache.
func TestLogoutCachedCredentials(t *testing.T) {
	e := newTestEnv(t, generictest.Options{})
	e.env["AWSFED_PASSWORD"] = generictest.Password
	e.write(e.config, otherConfig+"\n[profile jump]\ncredential_process = awsfed credential-process --profile jump\n")
	if code := e.run(e.loginArgs("--no-prompt")...); code != 0 {
		t.Fatalf("login: exit %d: %s", code, e.errOut)
	}
	cache := cacheDir(e.deps)
	if _, ok, _ := cache.Load("jump"); !ok {
		t.Fatal("login cached nothing")
	}
	if code := e.run("logout", "--profile", "jump"); code != 0 {
		t.Fatalf("logout: exit %d: %s", code, e.errOut)
	}
	if got, want := e.errOut.String(), "Logged out of profile jump: removed its credentials.\n"; got != want {
		t.Errorf("stderr = %q, want %q", got, want)
	}
	if _, ok, _ := cache.Load("jump"); ok {
		t.Error("the cached credentials are still there")
	}
	if got := e.read(e.creds); got != otherCreds {
		t.Errorf("the credentials file changed:\n%s", got)
	}
}

// TestLogoutLeavesNoTemporaries checks that the temporary copies a killed
// write left beside the credentials file and in the cache (each holding
// secret keys) are gone after logout.
func TestLogoutLeavesNoTemporaries(t *testing.T) {
	e := newTestEnv(t, generictest.Options{})
	e.env["AWSFED_PASSWORD"] = generictest.Password
	if code := e.run(e.loginArgs()...); code != 0 {
		t.Fatalf("login: exit %d: %s", code, e.errOut)
	}
	cached := cacheDir(e.deps).Path("jump")
	leftovers := []string{
		filepath.Join(filepath.Dir(e.creds), ".credentials.4242.tmp"),
		filepath.Join(filepath.Dir(cached), "."+filepath.Base(cached)+".4242.tmp"),
	}
	for _, p := range leftovers {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		e.write(p, "[jump]\naws_secret_access_key = SECRET\n")
	}
	if code := e.run("logout", "--profile", "jump"); code != 0 {
		t.Fatalf("logout: exit %d: %s", code, e.errOut)
	}
	for _, p := range leftovers {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s is still there", p)
		}
	}
}
