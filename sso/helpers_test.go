package sso

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// t0 is the tests' clock at the start.
var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// route answers one request to the test server; body is the request's
// JSON body, decoded (nil for GET).
type route func(w http.ResponseWriter, r *http.Request, body map[string]any)

// server is a small sso-oidc and portal stand-in: the routes a test gives
// ("POST /token"), each request recorded; any other request fails the
// test.
type server struct {
	*httptest.Server
	mu    sync.Mutex
	calls []string
}

func newServer(t *testing.T, routes map[string]route) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Method + " " + r.URL.Path
		s.mu.Lock()
		s.calls = append(s.calls, key)
		s.mu.Unlock()
		var body map[string]any
		if r.Method == http.MethodPost {
			data, _ := io.ReadAll(r.Body)
			if len(bytes.TrimSpace(data)) > 0 {
				if err := json.Unmarshal(data, &body); err != nil {
					t.Errorf("%s: body %q is not JSON: %v", key, data, err)
				}
			}
		}
		fn, ok := routes[key]
		if !ok {
			t.Errorf("unexpected request %s", key)
			http.NotFound(w, r)
			return
		}
		fn(w, r, body)
	}))
	t.Cleanup(s.Close)
	return s
}

// requests returns the requests so far.
func (s *server) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.calls...)
}

// count returns how many requests were key.
func (s *server) count(key string) int {
	n := 0
	for _, c := range s.requests() {
		if c == key {
			n++
		}
	}
	return n
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// awsError answers as AWS's restJson1 services do: the code in
// X-Amzn-ErrorType, and sso-oidc's OAuth body.
func awsError(w http.ResponseWriter, status int, code, oauthError, msg string) {
	w.Header().Set("X-Amzn-ErrorType", code)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": oauthError, "error_description": msg, "message": msg})
}

// clock is the tests' time: Sleep moves it on and records the wait.
type clock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return ctx.Err()
}

func (c *clock) waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// testClient returns a Client for srv (both services), its clock, and
// its Status buffer. The cache folder does not exist yet.
func testClient(t *testing.T, srv *server, env map[string]string) (*Client, *clock, *syncBuffer) {
	t.Helper()
	clk := &clock{now: t0}
	status := &syncBuffer{}
	e := map[string]string{"AWS_ENDPOINT_URL_SSO_OIDC": srv.URL, "AWS_ENDPOINT_URL_SSO": srv.URL}
	for k, v := range env {
		e[k] = v
	}
	return &Client{
		HTTP:     srv.Client(),
		Now:      clk.Now,
		CacheDir: filepath.Join(t.TempDir(), "sso", "cache"),
		Getenv:   func(k string) string { return e[k] },
		Status:   status,
		Sleep:    clk.Sleep,
	}, clk, status
}

// syncBuffer is a bytes.Buffer safe for the callback server's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// registerOK answers RegisterClient with a client that lasts 90 days.
func registerOK(t *testing.T, wantPKCE bool) route {
	return func(w http.ResponseWriter, r *http.Request, body map[string]any) {
		if body["clientType"] != "public" || body["clientName"] != "botocore-client-corp" {
			t.Errorf("RegisterClient %v: want clientType public, clientName botocore-client-corp", body)
		}
		_, pkce := body["grantTypes"]
		if pkce != wantPKCE {
			t.Errorf("RegisterClient grantTypes %v, want PKCE %v", body["grantTypes"], wantPKCE)
		}
		if pkce {
			uris, _ := body["redirectUris"].([]any)
			if len(uris) != 1 || uris[0] != "http://127.0.0.1/oauth/callback" || body["issuerUrl"] != testSession.StartURL {
				t.Errorf("RegisterClient %v: want the CLI's redirect URI and issuer", body)
			}
		}
		writeJSON(w, map[string]any{"clientId": "CID", "clientSecret": "CSECRET", "clientIdIssuedAt": t0.Unix(), "clientSecretExpiresAt": t0.Add(90 * 24 * time.Hour).Unix()})
	}
}
