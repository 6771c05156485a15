package sso

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
)

const (
	// callbackPath is the redirect path IAM Identity Center accepts for
	// the CLI's registrations (sorah/mairu#17).
	callbackPath = "/oauth/callback"
	// defaultScope is what the CLI registers and asks for when
	// sso_registration_scopes is absent.
	defaultScope = "sso:account:access"
	// pkceWait bounds the wait for the browser, as the CLI's
	// AuthCodeFetcher does.
	pkceWait = 10 * time.Minute
)

// callback is what the browser brought back to the listener.
type callback struct {
	code, errCode string
	// stateOK is set when the callback's state is this sign-in's.
	stateOK bool
}

// pkceSignIn runs the authorization code grant with PKCE: a listener on
// 127.0.0.1, the browser sent to /authorize, the code it brings back
// exchanged for a token.
func (c *Client) pkceSignIn(ctx context.Context, api oidcAPI, s Session) (*Token, error) {
	base, err := OIDCEndpoint(c.getenv, s.Region)
	if err != nil {
		return nil, err
	}
	// Listen before anything opens the browser, so that a fast browser
	// never finds the port closed (aws-sso-cli#1441).
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for the browser's sign-in callback: %w", err)
	}
	defer ln.Close()
	redirect := fmt.Sprintf("http://127.0.0.1:%d%s", ln.Addr().(*net.TCPAddr).Port, callbackPath)

	r, err := c.registration(ctx, api, s, true)
	if err != nil {
		return nil, err
	}
	verifier, err := codeVerifier()
	if err != nil {
		return nil, err
	}
	state, err := newState()
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])
	scopes := defaultScope
	if len(s.Scopes) > 0 {
		scopes = strings.Join(s.Scopes, " ")
	}
	// The CLI's order and encoding (percent_encode_sequence), with the
	// challenge last.
	authorize := base + "/authorize?" + strings.Join([]string{
		"response_type=code",
		"client_id=" + percentEncode(r.ClientID),
		"redirect_uri=" + percentEncode(redirect),
		"state=" + percentEncode(state),
		"code_challenge_method=S256",
		"scopes=" + percentEncode(scopes),
		"code_challenge=" + challenge,
	}, "&")

	got := make(chan callback, 1)
	srv := &http.Server{Handler: callbackHandler(state, got), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		if srv.Shutdown(shutCtx) != nil {
			srv.Close()
		}
	}()

	fmt.Fprintf(c.status(), "Sign in to IAM Identity Center (sso-session %s) in your browser; if it does not open, open this URL on this machine:\n%s\n", s.Name, authorize)
	if c.OpenBrowser != nil {
		if err := c.OpenBrowser(authorize); err != nil {
			fmt.Fprintf(c.status(), "awsfed: note: could not open a browser (%v); open the URL above by hand\n", err)
		}
	}

	wait := time.NewTimer(pkceWait)
	defer wait.Stop()
	var cb callback
	select {
	case cb = <-got:
	case <-ctx.Done():
		return nil, fmt.Errorf("sign-in to IAM Identity Center: %w", ctx.Err())
	case <-wait.C:
		return nil, ErrSignInExpired
	}
	switch {
	case !cb.stateOK:
		return nil, ErrStateMismatch
	case cb.errCode == "access_denied":
		return nil, &AccessDeniedError{Session: s.Name}
	case cb.errCode != "":
		return nil, fmt.Errorf("the IAM Identity Center sign-in page answered %q; run the login again", scrub(cb.errCode, nil))
	case cb.code == "":
		return nil, errors.New("the browser came back from the IAM Identity Center sign-in without a code; run the login again")
	}

	out, err := api.CreateToken(ctx, &ssooidc.CreateTokenInput{
		GrantType:    aws.String("authorization_code"),
		ClientId:     aws.String(r.ClientID),
		ClientSecret: aws.String(r.ClientSecret),
		Code:         aws.String(cb.code),
		CodeVerifier: aws.String(verifier),
		RedirectUri:  aws.String(redirect),
	})
	if err != nil {
		if errorCode(err) == "ExpiredTokenException" {
			return nil, ErrSignInExpired
		}
		return nil, c.oidcError(ctx, s, "CreateToken", false, err, r.ClientSecret, cb.code, verifier)
	}
	return c.newToken(s, r, out)
}

// callbackHandler answers the browser's return to callbackPath: the
// first request that carries a code or an error is sent on got, and the
// browser gets a short page saying what happened.
func callbackHandler(state string, got chan<- callback) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+callbackPath, func(w http.ResponseWriter, req *http.Request) {
		q := req.URL.Query()
		cb := callback{
			code:    q.Get("code"),
			errCode: q.Get("error"),
			stateOK: subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(state)) == 1,
		}
		if cb.code == "" && cb.errCode == "" {
			http.Error(w, "not a sign-in callback", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Connection", "close")
		status, text := http.StatusOK, "You are signed in to IAM Identity Center. You can close this window and go back to awsfed."
		switch {
		case !cb.stateOK:
			status, text = http.StatusBadRequest, "This page does not belong to the sign-in awsfed is waiting for. Run the login again."
		case cb.errCode != "":
			status, text = http.StatusForbidden, "The sign-in was not completed. You can close this window; awsfed says what to do next."
		}
		w.WriteHeader(status)
		fmt.Fprintf(w, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>awsfed</title></head><body><p>%s</p></body></html>\n", text)
		select {
		case got <- cb:
		default: // a later request: the first one counts
		}
	})
	return mux
}

// codeVerifier returns a PKCE verifier as the CLI makes it: 64 characters
// of RFC 7636's unreserved set.
func codeVerifier() (string, error) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
	out := make([]byte, 0, 64)
	buf := make([]byte, 128)
	for len(out) < 64 {
		if _, err := rand.Read(buf); err != nil {
			return "", err
		}
		for _, b := range buf {
			// 66 letters: take bytes below 4×66 so every one is as likely.
			if int(b) < 4*len(alphabet) && len(out) < 64 {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out), nil
}

// newState returns a random state in the form of the CLI's (a UUID 4).
func newState() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

// percentEncode encodes s as botocore's percent_encode does: every byte
// but letters, digits and -._~ as %XX.
func percentEncode(s string) string {
	const upperhex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if 'A' <= ch && ch <= 'Z' || 'a' <= ch && ch <= 'z' || '0' <= ch && ch <= '9' || strings.IndexByte("-._~", ch) >= 0 {
			b.WriteByte(ch)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upperhex[ch>>4])
		b.WriteByte(upperhex[ch&15])
	}
	return b.String()
}
