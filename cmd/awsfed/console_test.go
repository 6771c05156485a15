package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// consoleToken is the sign-in token the test federation endpoint hands out.
const consoleToken = "SIGNIN/tok+en=="

// consoleUser is a jumpUser whose IdP and STS are offline, with a test
// federation endpoint in AWSFED_SIGNIN_FEDERATION_URL.
type consoleUser struct {
	*jumpUser
	requests int
	opened   []string
}

// newConsoleUser answers getSigninToken with handler, or with
// consoleToken when handler is nil, after checking the request.
func newConsoleUser(t *testing.T, principal string, handler http.HandlerFunc) *consoleUser {
	t.Helper()
	u := &consoleUser{jumpUser: newJumpUser(t, jumpExpiry, "")}
	u.offline()
	if partition := strings.Split(principal, ":")[1]; partition != "aws" {
		// The stored credentials are for the profile's role, in partition.
		u.credsText = strings.Replace(u.credsText, jumpAssumed, principal, 1)
		u.write(u.creds, u.credsText)
		u.configText = strings.ReplaceAll(u.configText, "arn:aws:", "arn:"+partition+":")
		u.write(u.config, u.configText)
	}
	fed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.requests++
		q := r.URL.Query()
		if r.Method != http.MethodGet || r.URL.Path != "/federation" || q.Get("Action") != "getSigninToken" {
			t.Errorf("federation endpoint got %s %s Action=%q", r.Method, r.URL.Path, q.Get("Action"))
		}
		var session map[string]string
		if err := json.Unmarshal([]byte(q.Get("Session")), &session); err != nil {
			t.Errorf("Session is not JSON: %v", err)
		}
		want := map[string]string{"sessionId": "ASIASTORED", "sessionKey": "it's secret", "sessionToken": "stored/token+="}
		if len(session) != len(want) {
			t.Errorf("Session = %v, want the keys of %v", session, want)
		}
		for k, v := range want {
			if session[k] != v {
				t.Errorf("Session[%s] = %q, want %q", k, session[k], v)
			}
		}
		if q.Has("SessionDuration") {
			t.Errorf("SessionDuration sent: %q", q.Get("SessionDuration"))
		}
		if handler != nil {
			handler(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"SigninToken": consoleToken})
	}))
	t.Cleanup(fed.Close)
	u.env[envSigninFederationURL] = fed.URL + "/federation"
	u.deps.OpenURL = func(url string) error {
		u.opened = append(u.opened, url)
		return nil
	}
	return u
}

// assertNoSecrets checks that stderr holds neither the credentials' secret
// parts nor the sign-in token.
func (u *consoleUser) assertNoSecrets() {
	u.t.Helper()
	for _, s := range []string{"it's secret", "it%27s+secret", "stored/token+=", "stored%2Ftoken", consoleToken, url.QueryEscape(consoleToken)} {
		if strings.Contains(u.errOut.String(), s) {
			u.t.Errorf("stderr holds a secret %q: %s", s, u.errOut)
		}
	}
}

// loginURL is the sign-in URL for consoleToken on signin's endpoint.
func loginURL(signin, destination string) string {
	return "https://" + signin + "/federation?Action=login&Destination=" + url.QueryEscape(destination) +
		"&Issuer=awsfed&SigninToken=" + url.QueryEscape(consoleToken)
}

// TestConsolePrint checks the exact URL --print writes for each partition,
// region and destination, from stored credentials without any IdP or STS
// traffic, and that nothing but the URL reaches stdout.
func TestConsolePrint(t *testing.T) {
	tests := []struct {
		name, principal string
		args            []string
		env             map[string]string
		want            string
	}{
		{"aws front page", jumpAssumed, nil, nil,
			loginURL("signin.aws.amazon.com", "https://console.aws.amazon.com/")},
		{"aws region flag", jumpAssumed, []string{"--region", "eu-west-1"}, nil,
			loginURL("signin.aws.amazon.com", "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1")},
		{"aws region from environment", jumpAssumed, nil, map[string]string{"AWS_REGION": "ap-northeast-1"},
			loginURL("signin.aws.amazon.com", "https://ap-northeast-1.console.aws.amazon.com/console/home?region=ap-northeast-1")},
		{"destination", jumpAssumed, []string{"--region", "eu-west-1", "--destination", "https://console.aws.amazon.com/s3/home?x=1&y=2"}, nil,
			loginURL("signin.aws.amazon.com", "https://console.aws.amazon.com/s3/home?x=1&y=2")},
		{"china", "arn:aws-cn:sts::123456789012:assumed-role/Developer/alice", []string{"--region", "cn-north-1"}, nil,
			loginURL("signin.amazonaws.cn", "https://cn-north-1.console.amazonaws.cn/console/home?region=cn-north-1")},
		{"china front page", "arn:aws-cn:sts::123456789012:assumed-role/Developer/alice", nil, nil,
			loginURL("signin.amazonaws.cn", "https://console.amazonaws.cn/")},
		{"govcloud", "arn:aws-us-gov:sts::123456789012:assumed-role/Developer/alice", []string{"--region", "us-gov-west-1"}, nil,
			loginURL("signin.amazonaws-us-gov.com", "https://us-gov-west-1.console.amazonaws-us-gov.com/console/home?region=us-gov-west-1")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := newConsoleUser(t, tt.principal, nil)
			for k, v := range tt.env {
				u.env[k] = v
			}
			code := u.run(append([]string{"console", "--profile", "jump", "--print"}, tt.args...)...)
			if code != exitOK {
				t.Fatalf("exit %d, stderr: %s", code, u.errOut)
			}
			if got := u.out.String(); got != tt.want+"\n" {
				t.Errorf("stdout:\n got %s\nwant %s", got, tt.want)
			}
			if u.errOut.Len() != 0 {
				t.Errorf("stderr: %s", u.errOut)
			}
			if len(u.opened) != 0 || u.requests != 1 {
				t.Errorf("opened %d URLs, %d federation requests; want 0 and 1", len(u.opened), u.requests)
			}
			if got := u.read(u.creds); got != u.credsText {
				t.Errorf("credentials file changed:\n%s", got)
			}
		})
	}
}

// TestConsoleOpensBrowser checks that without --print the opener gets the
// URL and stdout stays empty.
func TestConsoleOpensBrowser(t *testing.T) {
	u := newConsoleUser(t, jumpAssumed, nil)
	if code := u.run("console", "--profile", "jump", "--region", "eu-west-1"); code != exitOK {
		t.Fatalf("exit %d, stderr: %s", code, u.errOut)
	}
	want := loginURL("signin.aws.amazon.com", "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1")
	if len(u.opened) != 1 || u.opened[0] != want {
		t.Errorf("opened %q, want [%s]", u.opened, want)
	}
	if u.out.Len() != 0 {
		t.Errorf("stdout: %s", u.out)
	}
	if got, want := u.errOut.String(), "Opened the AWS console as "+jumpAssumed+" in your browser\n"; got != want {
		t.Errorf("stderr = %q, want %q", got, want)
	}
	u.assertNoSecrets()
}

// TestConsoleOpenFails checks that a browser that cannot be opened gets one
// line on stderr, without the URL, and the URL on stdout.
func TestConsoleOpenFails(t *testing.T) {
	for _, name := range []string{"opener fails", "no opener"} {
		t.Run(name, func(t *testing.T) {
			u := newConsoleUser(t, jumpAssumed, nil)
			u.deps.OpenURL = nil
			if name == "opener fails" {
				u.deps.OpenURL = func(url string) error {
					return errors.New(`exec: "xdg-open ` + url + `": executable file not found in $PATH`)
				}
			}
			if code := u.run("console", "--profile", "jump"); code != exitOK {
				t.Fatalf("exit %d, stderr: %s", code, u.errOut)
			}
			if got, want := u.out.String(), loginURL("signin.aws.amazon.com", "https://console.aws.amazon.com/")+"\n"; got != want {
				t.Errorf("stdout = %q, want %q", got, want)
			}
			errText := u.errOut.String()
			if !strings.HasPrefix(errText, "awsfed: cannot open a browser (") || strings.Count(errText, "\n") != 1 {
				t.Errorf("stderr = %q, want one line saying the browser cannot be opened", errText)
			}
			u.assertNoSecrets()
		})
	}
}

// TestConsoleFederationErrors checks that a federation endpoint that
// refuses or answers nonsense ends awsfed with one clear line and no
// secret: exit 5 when AWS refused, else 1.
func TestConsoleFederationErrors(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		code    int
		want    string
	}{
		{"403", func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "<html>Access denied it's secret</html>", http.StatusForbidden)
		}, exitAWS, "refused a console sign-in token (HTTP 403)"},
		{"not JSON", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html>sign in</html>"))
		}, exitError, "answered without a sign-in token (text/html"},
		{"redirect", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/elsewhere?"+r.URL.RawQuery, http.StatusFound)
		}, exitAWS, "(HTTP 302)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := newConsoleUser(t, jumpAssumed, tt.handler)
			code := u.run("console", "--profile", "jump", "--print")
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, tt.code, u.errOut)
			}
			errText := u.errOut.String()
			if !strings.HasPrefix(errText, "awsfed: ") || !strings.Contains(errText, tt.want) || strings.Count(errText, "\n") != 1 {
				t.Errorf("stderr = %q, want one line with %q", errText, tt.want)
			}
			if u.out.Len() != 0 || len(u.opened) != 0 {
				t.Errorf("stdout %q, opened %q", u.out, u.opened)
			}
			u.assertNoSecrets()
		})
	}
}

// TestConsoleUnreachable checks that a federation endpoint that cannot be
// reached gives exit 1 and an error without the request's URL.
func TestConsoleUnreachable(t *testing.T) {
	u := newConsoleUser(t, jumpAssumed, nil)
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	u.env[envSigninFederationURL] = srv.URL + "/federation"
	if code := u.run("console", "--profile", "jump", "--print"); code != exitError {
		t.Errorf("exit %d, want 1; stderr: %s", code, u.errOut)
	}
	if !strings.Contains(u.errOut.String(), "cannot reach the AWS sign-in endpoint") || strings.Contains(u.errOut.String(), "Session") {
		t.Errorf("stderr: %s", u.errOut)
	}
	u.assertNoSecrets()
}

// TestConsoleBadDestination checks that --destination must be an absolute
// URL, before any credentials are read.
func TestConsoleBadDestination(t *testing.T) {
	u := newConsoleUser(t, jumpAssumed, nil)
	if code := u.run("console", "--profile", "jump", "--destination", "s3/home"); code != exitUsage {
		t.Errorf("exit %d, want 2; stderr: %s", code, u.errOut)
	}
	if u.requests != 0 {
		t.Errorf("%d federation requests", u.requests)
	}
}

// TestConsoleExpiredOffline checks that expired credentials with the IdP
// offline make no federation request.
func TestConsoleExpiredOffline(t *testing.T) {
	u := newConsoleUser(t, jumpAssumed, nil)
	u.credsText = strings.Replace(u.credsText, u.expiry.Format(time.RFC3339), time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), 1)
	u.write(u.creds, u.credsText)
	if code := u.run("console", "--profile", "jump", "--print", "--no-prompt"); code == exitOK {
		t.Errorf("exit 0 with expired credentials and the IdP offline; stdout: %s", u.out)
	}
	if u.requests != 0 || u.out.Len() != 0 {
		t.Errorf("%d federation requests, stdout %q", u.requests, u.out)
	}
	u.assertNoSecrets()
}
