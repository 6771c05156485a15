package sso

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/seed-2d15385e/awsfed/ui"
)

// refreshRoute answers CreateToken's refresh_token grant with fn, after
// checking the request.
func refreshRoute(t *testing.T, fn func(w http.ResponseWriter)) route {
	return func(w http.ResponseWriter, r *http.Request, body map[string]any) {
		if body["grantType"] != "refresh_token" || body["refreshToken"] != "RT-old" || body["clientId"] != "CID" || body["clientSecret"] != "CSECRET" {
			t.Errorf("CreateToken %v: want the refresh grant with the cached client", body)
		}
		fn(w)
	}
}

func TestToken(t *testing.T) {
	refreshed := `{"startUrl": "https://d-1234567890.awsapps.com/start", "region": "eu-west-1", "accessToken": "AT-new", "expiresAt": "2026-11-01T20:00:00Z", "clientId": "CID", "clientSecret": "CSECRET", "registrationExpiresAt": "2027-01-30T12:00:00Z", "refreshToken": "RT-new", "x_other": [1]}`
	withExtra := cliToken[:len(cliToken)-1] + `, "x_other": [1]}`
	noRefresh := strings.Replace(cliToken, `, "refreshToken": "RT-old"`, "", 1)
	tests := []struct {
		name     string
		cached   string // token file; "" for none
		token    func(w http.ResponseWriter)
		o        TokenOptions
		wantTok  string // access token returned
		wantFile string // token file afterwards, if checked
		wantReq  []string
		check    func(t *testing.T, err error)
	}{
		{
			name: "valid for MinValid: the cached one, no request", cached: cliToken,
			o: TokenOptions{MinValid: 5 * time.Minute}, wantTok: "AT-old", wantFile: cliToken,
		},
		{
			name: "short of MinValid: refreshed, saved in the CLI's form, other fields kept", cached: withExtra,
			token: func(w http.ResponseWriter) {
				writeJSON(w, map[string]any{"accessToken": "AT-new", "expiresIn": 8 * 3600, "refreshToken": "RT-new", "tokenType": "Bearer"})
			},
			o: TokenOptions{MinValid: 15 * time.Minute}, wantTok: "AT-new", wantFile: refreshed, wantReq: []string{"POST /token"},
		},
		{
			name: "no new refresh token: the old one is kept", cached: cliToken,
			token: func(w http.ResponseWriter) { writeJSON(w, map[string]any{"accessToken": "AT-new", "expiresIn": 3600}) },
			o:     TokenOptions{MinValid: time.Hour}, wantTok: "AT-new", wantReq: []string{"POST /token"},
			wantFile: strings.NewReplacer("AT-old", "AT-new", "12:10:00Z", "13:00:00Z").Replace(cliToken),
		},
		{
			name: "portal session ended, not interactive: a person is needed", cached: cliToken,
			token: func(w http.ResponseWriter) {
				awsError(w, 400, "InvalidGrantException", "invalid_grant", "Invalid refresh token RT-old for CSECRET")
			},
			o: TokenOptions{MinValid: time.Hour, Profile: "corp"}, wantFile: cliToken, wantReq: []string{"POST /token"},
			check: func(t *testing.T, err error) {
				var in *ui.InputNeededError
				var ended *SessionEndedError
				if !errors.As(err, &in) || !errors.As(err, &ended) {
					t.Fatalf("error %v (%T): want a *ui.InputNeededError and a *SessionEndedError", err, err)
				}
				if in.What != "a sign-in to IAM Identity Center" || in.Hint != "run awsfed login --profile corp at a terminal" || !strings.Contains(in.Why, "portal session") {
					t.Errorf("InputNeededError %+v", in)
				}
			},
		},
		{
			name: "expired and not refreshable, not interactive", cached: noRefresh,
			o: TokenOptions{MinValid: time.Hour}, wantFile: noRefresh,
			check: wantInputNeeded("cannot be refreshed"),
		},
		{
			name: "no token, not interactive", o: TokenOptions{},
			check: wantInputNeeded("no token"),
		},
		{
			name: "broken token file, not interactive", cached: `{"accessToken": 1`, o: TokenOptions{},
			check: wantInputNeeded("is not one"),
		},
		{
			name: "token of another start URL: not used, not refreshed", cached: strings.Replace(cliToken, "/start", "/other", 1),
			o: TokenOptions{}, check: wantInputNeeded("another start URL"),
		},
		{
			name: "wrong region: said, not a sign-in", cached: cliToken,
			token: func(w http.ResponseWriter) {
				w.Header().Set("X-Amzn-ErrorType", "InvalidRequestRegionException")
				w.WriteHeader(400)
				writeJSON(w, map[string]string{"error": "invalid_request", "error_description": "wrong region", "region": "us-east-1", "endpoint": "https://oidc.us-east-1.amazonaws.com"})
			},
			o: TokenOptions{MinValid: time.Hour, Interactive: true}, wantReq: []string{"POST /token"},
			check: func(t *testing.T, err error) {
				var wr *WrongRegionError
				if !errors.As(err, &wr) || wr.Want != "us-east-1" || wr.Region != "eu-west-1" {
					t.Fatalf("error %v: want a *WrongRegionError naming us-east-1", err)
				}
				if !strings.Contains(err.Error(), "the token or the --sso-region does not match the session's region") {
					t.Errorf("message %q", err)
				}
			},
		},
		{
			name: "server error on refresh: returned, no sign-in", cached: cliToken,
			token: func(w http.ResponseWriter) { awsError(w, 500, "InternalServerException", "server_error", "boom") },
			o:     TokenOptions{MinValid: time.Hour, Interactive: true}, wantReq: []string{"POST /token"},
			check: func(t *testing.T, err error) {
				var e *Error
				if !errors.As(err, &e) || e.StatusCode != 500 || e.Code != "InternalServerException" {
					t.Fatalf("error %v: want an *Error of status 500", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			routes := map[string]route{}
			if tt.token != nil {
				routes["POST /token"] = refreshRoute(t, tt.token)
			}
			srv := newServer(t, routes)
			c, _, _ := testClient(t, srv, nil)
			if tt.cached != "" {
				writeFile(t, TokenPath(c.CacheDir, testSession), tt.cached)
			}
			tok, err := c.Token(context.Background(), testSession, tt.o)
			if tt.check != nil {
				tt.check(t, err)
			} else if err != nil {
				t.Fatal(err)
			} else if tok.AccessToken != tt.wantTok {
				t.Errorf("access token %q, want %q", tok.AccessToken, tt.wantTok)
			}
			if got := srv.requests(); !reflect.DeepEqual(got, tt.wantReq) {
				t.Errorf("requests %v, want %v", got, tt.wantReq)
			}
			if tt.wantFile != "" {
				if got := readFile(t, TokenPath(c.CacheDir, testSession)); got != tt.wantFile {
					t.Errorf("token file\n%s\nwant\n%s", got, tt.wantFile)
				}
			}
		})
	}
}

func wantInputNeeded(why string) func(t *testing.T, err error) {
	return func(t *testing.T, err error) {
		t.Helper()
		var in *ui.InputNeededError
		if !errors.As(err, &in) || !strings.Contains(in.Why, why) {
			t.Fatalf("error %v: want a *ui.InputNeededError saying %q", err, why)
		}
	}
}

// deviceRoutes is a device-flow server whose CreateToken answers are
// script, in turn; the last is repeated.
func deviceRoutes(t *testing.T, script []func(w http.ResponseWriter)) map[string]route {
	n := 0
	return map[string]route{
		"POST /client/register": registerOK(t, false),
		"POST /device_authorization": func(w http.ResponseWriter, r *http.Request, body map[string]any) {
			if body["clientId"] != "CID" || body["clientSecret"] != "CSECRET" || body["startUrl"] != testSession.StartURL {
				t.Errorf("StartDeviceAuthorization %v", body)
			}
			writeJSON(w, map[string]any{
				"deviceCode": "DEVICE-SECRET", "userCode": "ABCD-EFGH", "expiresIn": 600, "interval": 1,
				"verificationUri": "https://device.sso.eu-west-1.amazonaws.com/", "verificationUriComplete": "https://device.sso.eu-west-1.amazonaws.com/?user_code=ABCD-EFGH",
			})
		},
		"POST /token": func(w http.ResponseWriter, r *http.Request, body map[string]any) {
			if body["grantType"] != "urn:ietf:params:oauth:grant-type:device_code" || body["deviceCode"] != "DEVICE-SECRET" {
				t.Errorf("CreateToken %v: want the device grant", body)
			}
			script[min(n, len(script)-1)](w)
			n++
		},
	}
}

var (
	pending = func(w http.ResponseWriter) {
		awsError(w, 400, "AuthorizationPendingException", "authorization_pending", "")
	}
	slowDown = func(w http.ResponseWriter) { awsError(w, 400, "SlowDownException", "slow_down", "") }
	granted  = func(w http.ResponseWriter) {
		writeJSON(w, map[string]any{"accessToken": "AT-device", "expiresIn": 3600, "refreshToken": "RT-device", "tokenType": "Bearer"})
	}
)

func TestSignIn_Device(t *testing.T) {
	tests := []struct {
		name      string
		script    []func(w http.ResponseWriter)
		wantWaits []time.Duration
		check     func(t *testing.T, err error)
	}{
		{
			name:      "pending, slow_down (+5 s), pending, granted",
			script:    []func(w http.ResponseWriter){pending, slowDown, pending, granted},
			wantWaits: []time.Duration{time.Second, 6 * time.Second, 6 * time.Second},
		},
		{
			name:   "expired",
			script: []func(w http.ResponseWriter){pending, func(w http.ResponseWriter) { awsError(w, 400, "ExpiredTokenException", "expired_token", "") }},
			check: func(t *testing.T, err error) {
				if !errors.Is(err, ErrSignInExpired) || err.Error() != "the sign-in code expired; run the login again" {
					t.Fatalf("error %v, want ErrSignInExpired", err)
				}
			},
			wantWaits: []time.Duration{time.Second},
		},
		{
			name:   "denied",
			script: []func(w http.ResponseWriter){pending, func(w http.ResponseWriter) { awsError(w, 400, "AccessDeniedException", "access_denied", "") }},
			check: func(t *testing.T, err error) {
				var denied *AccessDeniedError
				if !errors.As(err, &denied) || denied.Session != "corp" {
					t.Fatalf("error %v, want an *AccessDeniedError", err)
				}
			},
			wantWaits: []time.Duration{time.Second},
		},
		{
			name:   "never approved: stops at expiresIn",
			script: []func(w http.ResponseWriter){pending},
			check: func(t *testing.T, err error) {
				if !errors.Is(err, ErrSignInExpired) {
					t.Fatalf("error %v, want ErrSignInExpired", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, deviceRoutes(t, tt.script))
			c, clk, status := testClient(t, srv, nil)
			var opened []string
			c.OpenBrowser = func(u string) error { opened = append(opened, u); return nil }
			tok, err := c.Token(context.Background(), testSession, TokenOptions{Interactive: true, Flow: FlowDevice})
			if tt.check != nil {
				tt.check(t, err)
			} else {
				if err != nil {
					t.Fatal(err)
				}
				if tok.AccessToken != "AT-device" || tok.RefreshToken != "RT-device" || tok.ClientID != "CID" || !tok.RegistrationExpiresAt.Equal(t0.Add(90*24*time.Hour)) {
					t.Errorf("token %+v", *tok)
				}
				saved, err := ReadToken(c.CacheDir, testSession)
				if err != nil || saved.AccessToken != "AT-device" || !saved.ExpiresAt.Equal(t0.Add(13*time.Second+time.Hour)) {
					t.Errorf("saved token %v, %v", saved, err)
				}
				// The device registration, as botocore writes it.
				reg := readFile(t, RegistrationPath(c.CacheDir, testSession))
				if want := `{"clientId": "CID", "clientSecret": "CSECRET", "expiresAt": "2027-01-30T12:00:00Z"}`; reg != want {
					t.Errorf("registration %s, want %s", reg, want)
				}
				checkMode(t, RegistrationPath(c.CacheDir, testSession), 0o600)
				checkMode(t, c.CacheDir, 0o700)
			}
			if got := clk.waits(); tt.wantWaits != nil && !reflect.DeepEqual(got, tt.wantWaits) {
				t.Errorf("waits %v, want %v", got, tt.wantWaits)
			}
			if n := srv.count("POST /token"); n > 700 {
				t.Errorf("%d polls", n)
			}
			lines := strings.Split(strings.TrimSpace(status.String()), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], "https://device.sso.eu-west-1.amazonaws.com/?user_code=ABCD-EFGH") || !strings.Contains(lines[0], "ABCD-EFGH") {
				t.Errorf("status %q: want one line with the URL and the code", status)
			}
			if len(opened) != 0 {
				t.Errorf("opened %v with no display", opened)
			}
		})
	}
}

func TestSignIn_DeviceReusesRegistration(t *testing.T) {
	routes := deviceRoutes(t, []func(w http.ResponseWriter){pending, granted})
	delete(routes, "POST /client/register")
	srv := newServer(t, routes)
	c, _, _ := testClient(t, srv, map[string]string{"DISPLAY": ":0"})
	writeFile(t, RegistrationPath(c.CacheDir, testSession), `{"clientId": "CID", "clientSecret": "CSECRET", "expiresAt": "2027-01-30T12:00:00Z"}`)
	var opened []string
	c.OpenBrowser = func(u string) error { opened = append(opened, u); return nil }
	if _, err := c.SignIn(context.Background(), testSession, TokenOptions{Flow: FlowDevice}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"POST /device_authorization", "POST /token", "POST /token"}; !reflect.DeepEqual(srv.requests(), want) {
		t.Errorf("requests %v, want %v", srv.requests(), want)
	}
	if len(opened) != 1 {
		t.Errorf("opened %v: want the verification URL opened on a display", opened)
	}
}

func TestSignIn_DeviceCancelled(t *testing.T) {
	srv := newServer(t, deviceRoutes(t, []func(w http.ResponseWriter){pending}))
	c, _, _ := testClient(t, srv, nil)
	ctx, cancel := context.WithCancel(context.Background())
	polls := 0
	c.Sleep = func(ctx context.Context, d time.Duration) error {
		if polls++; polls == 3 {
			cancel() // Ctrl-C
		}
		return ctx.Err()
	}
	_, err := c.SignIn(ctx, testSession, TokenOptions{Flow: FlowDevice})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}

// pkceServer serves RegisterClient, a browser's /authorize that sends it
// back to the redirect URI with answer's query, and the code exchange.
func pkceServer(t *testing.T, answer func(q url.Values) url.Values) *server {
	return pkceServerToken(t, answer, nil)
}

// pkceServerToken is pkceServer whose code exchange, once checked, is
// answered by exchange if set.
func pkceServerToken(t *testing.T, answer func(q url.Values) url.Values, exchange route) *server {
	var challenge, redirect string
	return newServer(t, map[string]route{
		"POST /client/register": registerOK(t, true),
		"GET /authorize": func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
			q := r.URL.Query()
			redirect, challenge = q.Get("redirect_uri"), q.Get("code_challenge")
			if q.Get("response_type") != "code" || q.Get("client_id") != "CID" || q.Get("code_challenge_method") != "S256" ||
				q.Get("scopes") != "sso:account:access" || q.Get("state") == "" || len(challenge) != 43 ||
				!strings.HasPrefix(redirect, "http://127.0.0.1:") || !strings.HasSuffix(redirect, "/oauth/callback") {
				t.Errorf("authorize query %v", q)
			}
			http.Redirect(w, r, redirect+"?"+answer(q).Encode(), http.StatusFound)
		},
		"POST /token": func(w http.ResponseWriter, r *http.Request, body map[string]any) {
			verifier, _ := body["codeVerifier"].(string)
			sum := sha256.Sum256([]byte(verifier))
			if body["grantType"] != "authorization_code" || body["code"] != "AUTH-CODE" || body["redirectUri"] != redirect ||
				base64.RawURLEncoding.EncodeToString(sum[:]) != challenge || len(verifier) != 64 {
				t.Errorf("CreateToken %v: want the code, the verifier of the challenge and the redirect URI", body)
			}
			if exchange != nil {
				exchange(w, r, body)
				return
			}
			writeJSON(w, map[string]any{"accessToken": "AT-pkce", "expiresIn": 3600, "refreshToken": "RT-pkce", "tokenType": "Bearer"})
		},
	})
}

func TestSignIn_PKCE(t *testing.T) {
	tests := []struct {
		name     string
		answer   func(q url.Values) url.Values
		wantPage string
		wantReq  []string
		check    func(t *testing.T, err error)
	}{
		{
			name:     "signed in",
			answer:   func(q url.Values) url.Values { return url.Values{"code": {"AUTH-CODE"}, "state": {q.Get("state")}} },
			wantPage: "You are signed in",
			wantReq:  []string{"POST /client/register", "GET /authorize", "POST /token"},
		},
		{
			name:     "state mismatch",
			answer:   func(q url.Values) url.Values { return url.Values{"code": {"AUTH-CODE"}, "state": {"forged"}} },
			wantPage: "does not belong",
			wantReq:  []string{"POST /client/register", "GET /authorize"},
			check: func(t *testing.T, err error) {
				if !errors.Is(err, ErrStateMismatch) {
					t.Fatalf("error %v, want ErrStateMismatch", err)
				}
			},
		},
		{
			name: "access denied",
			answer: func(q url.Values) url.Values {
				return url.Values{"error": {"access_denied"}, "state": {q.Get("state")}}
			},
			wantPage: "not completed",
			wantReq:  []string{"POST /client/register", "GET /authorize"},
			check: func(t *testing.T, err error) {
				var denied *AccessDeniedError
				if !errors.As(err, &denied) {
					t.Fatalf("error %v, want an *AccessDeniedError", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := pkceServer(t, tt.answer)
			c, _, status := testClient(t, srv, map[string]string{"DISPLAY": ":0"})
			var page string
			// The browser: follows /authorize's redirect to the listener.
			c.OpenBrowser = func(u string) error {
				if !strings.HasPrefix(u, srv.URL+"/authorize?response_type=code&client_id=CID&redirect_uri=http%3A%2F%2F127.0.0.1%3A") {
					t.Errorf("opened %s", u)
				}
				resp, err := srv.Client().Get(u)
				if err != nil {
					return err
				}
				defer resp.Body.Close()
				b := new(strings.Builder)
				_, _ = io.Copy(b, resp.Body)
				page = b.String()
				return nil
			}
			tok, err := c.Token(context.Background(), testSession, TokenOptions{Interactive: true})
			if tt.check != nil {
				tt.check(t, err)
			} else {
				if err != nil {
					t.Fatal(err)
				}
				if tok.AccessToken != "AT-pkce" {
					t.Errorf("token %v", tok)
				}
				reg := readFile(t, RegistrationPath(c.CacheDir, testSession))
				if want := `{"clientId": "CID", "clientSecret": "CSECRET", "expiresAt": "2027-01-30T12:00:00Z", "scopes": ["sso:account:access"], "grantTypes": ["authorization_code", "refresh_token"]}`; reg != want {
					t.Errorf("registration %s, want %s", reg, want)
				}
			}
			if !strings.Contains(page, tt.wantPage) {
				t.Errorf("browser page %q, want %q", page, tt.wantPage)
			}
			if !reflect.DeepEqual(srv.requests(), tt.wantReq) {
				t.Errorf("requests %v, want %v", srv.requests(), tt.wantReq)
			}
			if !strings.Contains(status.String(), srv.URL+"/authorize?") {
				t.Errorf("status %q: want the URL to open by hand", status)
			}
		})
	}
}

func TestSignIn_PKCECancelled(t *testing.T) {
	srv := pkceServer(t, func(url.Values) url.Values { return nil })
	c, _, _ := testClient(t, srv, nil)
	ctx, cancel := context.WithCancel(context.Background())
	c.OpenBrowser = func(string) error { cancel(); return nil } // Ctrl-C instead of a browser
	if _, err := c.SignIn(ctx, testSession, TokenOptions{Flow: FlowPKCE}); !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}

func TestFlowChoice(t *testing.T) {
	browser := func(string) error { return nil }
	tests := []struct {
		name    string
		env     map[string]string
		browser func(string) error
		asked   string
		want    string
	}{
		{"display and browser", map[string]string{"DISPLAY": ":0"}, browser, FlowAuto, FlowPKCE},
		{"wayland", map[string]string{"WAYLAND_DISPLAY": "wayland-0"}, browser, FlowAuto, FlowPKCE},
		{"ssh", map[string]string{"DISPLAY": ":0", "SSH_CONNECTION": "1 2 3 4"}, browser, FlowAuto, FlowDevice},
		{"ssh tty", map[string]string{"DISPLAY": ":0", "SSH_TTY": "/dev/pts/1"}, browser, FlowAuto, FlowDevice},
		{"no browser", map[string]string{"DISPLAY": ":0"}, nil, FlowAuto, FlowDevice},
		{"asked pkce over ssh", map[string]string{"SSH_TTY": "x"}, nil, FlowPKCE, FlowPKCE},
		{"asked device", map[string]string{"DISPLAY": ":0"}, browser, FlowDevice, FlowDevice},
	}
	if runtime.GOOS == "linux" {
		tests = append(tests, struct {
			name    string
			env     map[string]string
			browser func(string) error
			asked   string
			want    string
		}{"linux without display", nil, browser, FlowAuto, FlowDevice})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Client{Getenv: func(k string) string { return tt.env[k] }, OpenBrowser: tt.browser}
			if got := c.flow(tt.asked); got != tt.want {
				t.Errorf("flow = %s, want %s", got, tt.want)
			}
		})
	}
	if err := checkFlow("browser"); err == nil {
		t.Error("checkFlow accepted browser")
	}
}

func TestEndpoints(t *testing.T) {
	tests := []struct {
		name, region       string
		env                map[string]string
		wantOIDC, wantPort string
		wantErr            bool
	}{
		{name: "default", region: "eu-west-1", wantOIDC: "https://oidc.eu-west-1.amazonaws.com", wantPort: "https://portal.sso.eu-west-1.amazonaws.com"},
		{name: "china", region: "cn-north-1", wantOIDC: "https://oidc.cn-north-1.amazonaws.com.cn", wantPort: "https://portal.sso.cn-north-1.amazonaws.com.cn"},
		{name: "service variables first", region: "eu-west-1",
			env:      map[string]string{"AWS_ENDPOINT_URL": "http://g", "AWS_ENDPOINT_URL_SSO_OIDC": "http://o/", "AWS_ENDPOINT_URL_SSO": "http://p"},
			wantOIDC: "http://o", wantPort: "http://p"},
		{name: "generic fallback", region: "eu-west-1", env: map[string]string{"AWS_ENDPOINT_URL": "http://g"}, wantOIDC: "http://g", wantPort: "http://g"},
		{name: "ignored", region: "eu-west-1", env: map[string]string{"AWS_ENDPOINT_URL": "http://g", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"},
			wantOIDC: "https://oidc.eu-west-1.amazonaws.com", wantPort: "https://portal.sso.eu-west-1.amazonaws.com"},
		{name: "not a URL", region: "eu-west-1", env: map[string]string{"AWS_ENDPOINT_URL_SSO_OIDC": "oidc.local", "AWS_ENDPOINT_URL_SSO": "ftp://x"}, wantErr: true},
		{name: "not a region", region: "eu-west-1.evil.com/x", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string { return tt.env[k] }
			o, err1 := OIDCEndpoint(getenv, tt.region)
			p, err2 := PortalEndpoint(getenv, tt.region)
			if tt.wantErr {
				if err1 == nil || err2 == nil {
					t.Errorf("errors %v, %v; want both", err1, err2)
				}
				return
			}
			if err1 != nil || err2 != nil || o != tt.wantOIDC || p != tt.wantPort {
				t.Errorf("got %s, %s (%v, %v); want %s, %s", o, p, err1, err2, tt.wantOIDC, tt.wantPort)
			}
		})
	}
}

func TestSignIn_RefusedRegistrationDropped(t *testing.T) {
	routes := deviceRoutes(t, nil)
	delete(routes, "POST /client/register")
	routes["POST /device_authorization"] = func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
		awsError(w, 400, "InvalidClientException", "invalid_client", "client expired")
	}
	srv := newServer(t, routes)
	c, _, _ := testClient(t, srv, nil)
	path := RegistrationPath(c.CacheDir, testSession)
	writeFile(t, path, `{"clientId": "CID", "clientSecret": "CSECRET", "expiresAt": "2027-01-30T12:00:00Z"}`)
	_, err := c.SignIn(context.Background(), testSession, TokenOptions{Flow: FlowDevice})
	var e *Error
	if !errors.As(err, &e) || e.Code != "InvalidClientException" || !strings.HasSuffix(err.Error(), "run the login again") {
		t.Fatalf("error %v, want the refusal and what to do", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("registration still cached: %v", err)
	}
}

func TestToken_SessionEndedSignsInAgain(t *testing.T) {
	routes := deviceRoutes(t, []func(w http.ResponseWriter){granted})
	device := routes["POST /token"]
	routes["POST /token"] = func(w http.ResponseWriter, r *http.Request, body map[string]any) {
		if body["grantType"] == "refresh_token" {
			awsError(w, 400, "InvalidGrantException", "invalid_grant", "")
			return
		}
		device(w, r, body)
	}
	srv := newServer(t, routes)
	c, _, status := testClient(t, srv, nil)
	writeFile(t, TokenPath(c.CacheDir, testSession), cliToken[:len(cliToken)-1]+`, "x_other": true}`)
	tok, err := c.Token(context.Background(), testSession, TokenOptions{MinValid: time.Hour, Interactive: true})
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "AT-device" {
		t.Errorf("token %v", tok)
	}
	want := `{"startUrl": "https://d-1234567890.awsapps.com/start", "region": "eu-west-1", "accessToken": "AT-device", "expiresAt": "2026-11-01T13:00:00Z", "clientId": "CID", "clientSecret": "CSECRET", "registrationExpiresAt": "2027-01-30T12:00:00Z", "refreshToken": "RT-device", "x_other": true}`
	if got := readFile(t, TokenPath(c.CacheDir, testSession)); got != want {
		t.Errorf("token file\n%s\nwant\n%s", got, want)
	}
	if !strings.Contains(status.String(), "portal session of sso-session \"corp\" has ended; signing in again") {
		t.Errorf("status %q", status)
	}
	if want := []string{"POST /token", "POST /client/register", "POST /device_authorization", "POST /token"}; !reflect.DeepEqual(srv.requests(), want) {
		t.Errorf("requests %v, want %v", srv.requests(), want)
	}
}
