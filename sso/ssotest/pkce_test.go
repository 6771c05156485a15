package ssotest_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"

	"github.com/seed-2d15385e/awsfed/sso/ssotest"
)

// callback is the client's loopback listener for the PKCE redirect, as the
// CLI runs one: http://127.0.0.1:PORT/oauth/callback.
type callback struct {
	uri string
	got chan url.Values
}

func newCallback(t *testing.T) *callback {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cb := &callback{uri: fmt.Sprintf("http://127.0.0.1:%d/oauth/callback", ln.Addr().(*net.TCPAddr).Port), got: make(chan url.Values, 1)}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/oauth/callback" {
			t.Errorf("callback listener got %s", r.URL)
			http.NotFound(w, r)
			return
		}
		cb.got <- r.URL.Query()
		fmt.Fprintln(w, "You may close this window.")
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return cb
}

// pkce is one authorization code login's client side.
type pkce struct {
	verifier, challenge, state string
}

func newPKCE() pkce {
	// As the CLI: 64 unreserved characters, challenge base64url without '='.
	const unreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
	b := make([]byte, 64)
	rand.Read(b)
	for i := range b {
		b[i] = unreserved[int(b[i])%len(unreserved)]
	}
	sum := sha256.Sum256(b)
	return pkce{verifier: string(b), challenge: base64.RawURLEncoding.EncodeToString(sum[:]), state: fmt.Sprintf("%x", sum[:8])}
}

// authorizeURL is the URL the CLI opens in the browser.
func (p pkce) authorizeURL(oidcURL, clientID, redirect string) string {
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {clientID},
		"redirect_uri":          {redirect},
		"state":                 {p.state},
		"code_challenge_method": {"S256"},
		"scopes":                {"sso:account:access"},
	}
	return oidcURL + "/authorize?" + q.Encode() + "&code_challenge=" + p.challenge
}

// browse opens u as a browser would, following the redirect to the
// callback listener, and returns what the callback received.
func browse(t *testing.T, u string, cb *callback) url.Values {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	resp.Body.Close()
	select {
	case q := <-cb.got:
		return q
	case <-time.After(5 * time.Second):
		t.Fatalf("browser: ended at %s (%s) without reaching the callback", resp.Request.URL, resp.Status)
		return nil
	}
}

func (f *fixture) codeToken(reg registration, code, verifier, redirect string) (*ssooidc.CreateTokenOutput, error) {
	return f.oidc(reg.region).CreateToken(context.Background(), &ssooidc.CreateTokenInput{
		ClientId:     aws.String(reg.id),
		ClientSecret: aws.String(reg.secret),
		GrantType:    aws.String("authorization_code"),
		Code:         aws.String(code),
		CodeVerifier: aws.String(verifier),
		RedirectUri:  aws.String(redirect),
	})
}

func TestPKCEApproval(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		autoApprove string
		// decide runs while the browser's request may be waiting.
		decide    func(f *fixture)
		wantError string // the callback's error parameter
	}{
		{name: "AutoApprove", autoApprove: "alice"},
		{name: "approved before the browser comes", decide: func(f *fixture) { f.srv.ApproveAuthorize("alice") }},
		{name: "approved while the browser waits", decide: func(f *fixture) {
			go func() {
				for f.srv.WaitingAuthorizations() == 0 {
					time.Sleep(time.Millisecond)
				}
				if err := f.srv.ApproveAuthorize("alice"); err != nil {
					f.t.Error(err)
				}
			}()
		}},
		{name: "denied", decide: func(f *fixture) { f.srv.DenyAuthorize() }, wantError: "access_denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, func(o *ssotest.Options) { o.AutoApprove = tt.autoApprove })
			reg := f.registerPKCE("us-east-1")
			cb := newCallback(t)
			p := newPKCE()
			if tt.decide != nil {
				tt.decide(f)
			}
			q := browse(t, p.authorizeURL(f.srv.OIDCURL("us-east-1"), reg.id, cb.uri), cb)
			if q.Get("state") != p.state {
				t.Errorf("callback state %q, want %q", q.Get("state"), p.state)
			}
			if got := q.Get("error"); got != tt.wantError {
				t.Fatalf("callback error %q (%v), want %q", got, q, tt.wantError)
			}
			if tt.wantError != "" {
				return
			}
			tok, err := f.codeToken(reg, q.Get("code"), p.verifier, cb.uri)
			if err != nil {
				t.Fatalf("CreateToken: %v", err)
			}
			if aws.ToString(tok.RefreshToken) == "" || tok.ExpiresIn != 3600 {
				t.Errorf("token expires in %d, refresh %q: want 3600 and a refresh token", tok.ExpiresIn, aws.ToString(tok.RefreshToken))
			}
			// The user is alice: her roles, and no one else's.
			if _, err := f.refresh("us-east-1", reg, aws.ToString(tok.RefreshToken)); err != nil {
				t.Errorf("refresh: %v", err)
			}
		})
	}
}

func TestPKCETokenErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// run gets a fresh code and returns the error of the CreateToken under test.
		run      func(f *fixture, reg registration, p pkce, code, redirect string) error
		wantCode string
	}{
		{name: "wrong verifier", run: func(f *fixture, reg registration, p pkce, code, redirect string) error {
			_, err := f.codeToken(reg, code, newPKCE().verifier, redirect)
			return err
		}, wantCode: "InvalidGrantException"},
		{name: "another redirect URI", run: func(f *fixture, reg registration, p pkce, code, redirect string) error {
			_, err := f.codeToken(reg, code, p.verifier, "http://127.0.0.1:1/oauth/callback")
			return err
		}, wantCode: "InvalidGrantException"},
		{name: "code used twice", run: func(f *fixture, reg registration, p pkce, code, redirect string) error {
			if _, err := f.codeToken(reg, code, p.verifier, redirect); err != nil {
				f.t.Fatal(err)
			}
			_, err := f.codeToken(reg, code, p.verifier, redirect)
			return err
		}, wantCode: "InvalidGrantException"},
		{name: "another client", run: func(f *fixture, reg registration, p pkce, code, redirect string) error {
			_, err := f.codeToken(f.registerPKCE("us-east-1"), code, p.verifier, redirect)
			return err
		}, wantCode: "InvalidGrantException"},
		{name: "code expired", run: func(f *fixture, reg registration, p pkce, code, redirect string) error {
			f.clock.Advance(5 * time.Minute)
			_, err := f.codeToken(reg, code, p.verifier, redirect)
			return err
		}, wantCode: "ExpiredTokenException"},
		{name: "device registration", run: func(f *fixture, reg registration, p pkce, code, redirect string) error {
			_, err := f.codeToken(f.registerDevice("us-east-1", "sso:account:access"), code, p.verifier, redirect)
			return err
		}, wantCode: "UnauthorizedClientException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, func(o *ssotest.Options) { o.AutoApprove = "bob" })
			reg := f.registerPKCE("us-east-1")
			cb := newCallback(t)
			p := newPKCE()
			q := browse(t, p.authorizeURL(f.srv.OIDCURL("us-east-1"), reg.id, cb.uri), cb)
			err := tt.run(f, reg, p, q.Get("code"), cb.uri)
			if got := errorCode(err); got != tt.wantCode {
				t.Errorf("error = %q (%v), want %q", got, err, tt.wantCode)
			}
		})
	}
}

func TestAuthorizeRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// mod changes the authorize URL's query.
		mod        func(q url.Values)
		wantStatus int    // 400 for a page shown to the user, 302 for a redirect
		wantError  string // the redirect's error parameter
	}{
		{name: "unknown client", mod: func(q url.Values) { q.Set("client_id", "nobody") }, wantStatus: 400},
		{name: "redirect to localhost", mod: func(q url.Values) {
			q.Set("redirect_uri", strings.Replace(q.Get("redirect_uri"), "127.0.0.1", "localhost", 1))
		}, wantStatus: 400},
		{name: "redirect without a port", mod: func(q url.Values) { q.Set("redirect_uri", "http://127.0.0.1/oauth/callback") }, wantStatus: 400},
		{name: "redirect to another path", mod: func(q url.Values) {
			q.Set("redirect_uri", strings.Replace(q.Get("redirect_uri"), "/oauth/callback", "/cb", 1))
		}, wantStatus: 400},
		{name: "plain challenge", mod: func(q url.Values) { q.Set("code_challenge_method", "plain") }, wantStatus: 302, wantError: "invalid_request"},
		{name: "token response type", mod: func(q url.Values) { q.Set("response_type", "token") }, wantStatus: 302, wantError: "unsupported_response_type"},
		{name: "unregistered scope", mod: func(q url.Values) { q.Set("scopes", "sso:account:access openid") }, wantStatus: 302, wantError: "invalid_scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, func(o *ssotest.Options) { o.AutoApprove = "alice" })
			reg := f.registerPKCE("us-east-1")
			p := newPKCE()
			u, _ := url.Parse(p.authorizeURL(f.srv.OIDCURL("us-east-1"), reg.id, "http://127.0.0.1:4444/oauth/callback"))
			q := u.Query()
			tt.mod(q)
			u.RawQuery = q.Encode()
			status, header, _ := raw(t, "GET", u.String(), "", "", nil)
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d", status, tt.wantStatus)
			}
			if status == 302 {
				loc, _ := url.Parse(header.Get("Location"))
				if got := loc.Query().Get("error"); got != tt.wantError || loc.Query().Get("state") != p.state {
					t.Errorf("redirected to %s: want error=%s and the state", loc, tt.wantError)
				}
			}
		})
	}
}
