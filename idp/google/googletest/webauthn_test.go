package googletest_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/seed-2d15385e/awsfed/idp"
	"github.com/seed-2d15385e/awsfed/idp/google"
	"github.com/seed-2d15385e/awsfed/idp/google/googletest"
)

var b64url = base64.RawURLEncoding

// authenticator answers navigator.credentials.get as a browser and its
// authenticator would, built here independently of the emulator; rows
// spoil its fields.
type authenticator struct {
	key    *ecdsa.PrivateKey
	credID []byte
	typ    string // clientDataJSON type
	origin string
	rpID   string
	flags  byte
	count  uint32
}

func newAuthenticator(k *googletest.Key, count uint32) *authenticator {
	return &authenticator{key: k.PrivateKey, credID: k.ID, typ: "webauthn.get", origin: googletest.Origin,
		rpID: googletest.Host, flags: 0x01 | 0x04, count: count}
}

// assert returns the id-assertion a browser's script posts for challenge.
func (a *authenticator) assert(t *testing.T, challenge []byte) string {
	t.Helper()
	cdj, err := json.Marshal(map[string]any{"type": a.typ, "challenge": b64url.EncodeToString(challenge), "origin": a.origin, "crossOrigin": false})
	if err != nil {
		t.Fatal(err)
	}
	rpIDHash := sha256.Sum256([]byte(a.rpID))
	authData := binary.BigEndian.AppendUint32(append(rpIDHash[:], a.flags), a.count)
	cdHash := sha256.Sum256(cdj)
	digest := sha256.Sum256(append(append([]byte(nil), authData...), cdHash[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, a.key, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(map[string]string{
		"credentialId": b64url.EncodeToString(a.credID), "clientDataJSON": b64url.EncodeToString(cdj),
		"authenticatorData": b64url.EncodeToString(authData), "signature": b64url.EncodeToString(sig),
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// challenge returns the challenge the security-key or passkey page issued,
// after checking that the page asks for it as a relying party should.
func challenge(t *testing.T, p *google.Page, k *googletest.Key, uv string) []byte {
	t.Helper()
	in := p.Form.Input("id-challenge")
	if in == nil {
		t.Fatalf("page %s has no id-challenge", p.URL.Path)
	}
	raw, ok := p.Doc.Find("[data-challenge-ui]").Attr("data-challenge-ui")
	var ui struct {
		Challenge        string `json:"challenge"`
		RPID             string `json:"rpId"`
		AllowCredentials []struct {
			Type, ID string
		} `json:"allowCredentials"`
		UserVerification string `json:"userVerification"`
	}
	if err := json.Unmarshal([]byte(raw), &ui); !ok || err != nil {
		t.Fatalf("data-challenge-ui %q: %v", raw, err)
	}
	if ui.Challenge != in.Value || ui.RPID != googletest.Host || ui.UserVerification != uv || len(ui.AllowCredentials) != 1 ||
		ui.AllowCredentials[0].Type != "public-key" || ui.AllowCredentials[0].ID != b64url.EncodeToString(k.ID) {
		t.Errorf("data-challenge-ui = %s; want challenge %s, rpId %s, the key in allowCredentials, userVerification %s",
			raw, in.Value, googletest.Host, uv)
	}
	if script := p.Doc.Find("script").Text(); !strings.Contains(script, "navigator.credentials.get") {
		t.Error("the page has no script calling navigator.credentials.get")
	}
	c, err := b64url.DecodeString(in.Value)
	if err != nil || len(c) < 16 {
		t.Fatalf("id-challenge %q is not a base64url challenge of 16 bytes or more", in.Value)
	}
	return c
}

// toKeyPage signs in over TLS as https://accounts.google.com with a client
// that trusts only CAPEM, up to the WebAuthn page.
func toKeyPage(t *testing.T, srv *googletest.Server, want google.Kind) *browser {
	t.Helper()
	var redirects []string
	b := &browser{t: t, c: hostClient(t, srv, &redirects)}
	p := b.get(srv.BrowserStartURL(idpID, spID) + "&hl=en")
	b.want(google.KindIdentifier)
	b.submit(p.Form, emailField(p), googletest.DefaultEmail)
	b.password()
	b.want(want)
	return b
}

func TestWebAuthn(t *testing.T) {
	other := googletest.NewKey(t)
	tests := []struct {
		name   string
		factor googletest.Factor // SecurityKey if empty
		// registered is the credential's sign count as registered.
		registered uint32
		spoil      func(a *authenticator)
		// stale signs over the page's first challenge after a post without
		// an assertion has used it up.
		stale bool
		want  string // in the recorded problem; "" for a sign-in
	}{
		{name: "security key"},
		{name: "passkey", factor: googletest.Passkey},
		{name: "sign count 0 on both sides", spoil: func(a *authenticator) { a.count = 0 }},
		{name: "sign count above the registered one", registered: 7, spoil: func(a *authenticator) { a.count = 8 }},
		{name: "security key without user verification", spoil: func(a *authenticator) { a.flags = 0x01 }},
		{name: "wrong origin", spoil: func(a *authenticator) { a.origin = "https://accounts.google.com.evil.example" }, want: "origin"},
		{name: "origin of the loopback address", spoil: func(a *authenticator) { a.origin = "https://127.0.0.1" }, want: "origin"},
		{name: "wrong type", spoil: func(a *authenticator) { a.typ = "webauthn.create" }, want: "type"},
		{name: "wrong rpId", spoil: func(a *authenticator) { a.rpID = "google.com" }, want: "rpIdHash"},
		{name: "bad signature", spoil: func(a *authenticator) { a.key = other.PrivateKey }, want: "signature"},
		{name: "user not present", spoil: func(a *authenticator) { a.flags = 0x04 }, want: "user-present"},
		{name: "passkey without user verification", factor: googletest.Passkey, spoil: func(a *authenticator) { a.flags = 0x01 }, want: "user-verified"},
		{name: "another credential", spoil: func(a *authenticator) { a.credID = other.ID }, want: "credential"},
		{name: "sign count not above the last", registered: 7, spoil: func(a *authenticator) { a.count = 7 }, want: "sign count"},
		{name: "replayed challenge", stale: true, want: "challenge"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			generations(t, func(t *testing.T, gen int) {
				factor, kind, uv := googletest.SecurityKey, google.KindSecurityKey, "preferred"
				if tt.factor == googletest.Passkey {
					factor, kind, uv = googletest.Passkey, google.KindPasskey, "required"
				}
				key := googletest.NewKey(t)
				cred := key.Credential()
				cred.SignCount = tt.registered
				srv := googletest.NewServer(t, googletest.Options{Generation: gen, Second: []googletest.Factor{factor}, Credential: cred})
				b := toKeyPage(t, srv, kind)
				c := challenge(t, b.page, key, uv)

				if tt.stale {
					b.submit(b.page.Form) // no assertion: the challenge is used up
					if got := errorText(b.want(kind)); got != googletest.CantUseMethod {
						t.Errorf("error = %q, want %q", got, googletest.CantUseMethod)
					}
					if next := challenge(t, b.page, key, uv); bytes.Equal(next, c) {
						t.Fatal("the page kept its challenge after a post")
					}
				}
				a := newAuthenticator(key, tt.registered+1)
				if tt.spoil != nil {
					tt.spoil(a)
				}
				p := b.submit(b.page.Form, "id-assertion", a.assert(t, c))
				if tt.want == "" {
					wantSAML(t, p)
				} else {
					if got := errorText(b.want(kind)); got != googletest.KeyRefused {
						t.Errorf("error = %q, want %q", got, googletest.KeyRefused)
					}
					reqs := srv.Requests()
					if got := reqs[len(reqs)-1].Problem; !strings.Contains(got, tt.want) {
						t.Errorf("recorded problem %q, want it to say %q", got, tt.want)
					}
					next := challenge(t, p, key, uv)
					if bytes.Equal(next, c) {
						t.Fatal("the page kept its challenge after a refused assertion")
					}
					if p.Doc.Find("#webauthnRetry").Length() != 1 {
						t.Error("the refused page has no Try again button")
					}
					// The right answer to the new challenge still signs in.
					wantSAML(t, b.submit(p.Form, "id-assertion", newAuthenticator(key, tt.registered+10).assert(t, next)))
				}
				for _, r := range srv.Requests() {
					if r.Host != googletest.Host {
						t.Errorf("%s %s reached the server as %s", r.Method, r.Path, r.Host)
					}
				}
			})
		})
	}
}

// TestWebAuthnReplay posts one sign-in's assertion in another.
func TestWebAuthnReplay(t *testing.T) {
	key := googletest.NewKey(t)
	srv := googletest.NewServer(t, googletest.Options{Second: []googletest.Factor{googletest.SecurityKey}, Credential: key.Credential()})
	first := toKeyPage(t, srv, google.KindSecurityKey)
	a := newAuthenticator(key, 1).assert(t, challenge(t, first.page, key, "preferred"))
	wantSAML(t, first.submit(first.page.Form, "id-assertion", a))

	second := toKeyPage(t, srv, google.KindSecurityKey)
	second.submit(second.page.Form, "id-assertion", a)
	if got := errorText(second.want(google.KindSecurityKey)); got != googletest.KeyRefused {
		t.Errorf("error = %q, want %q", got, googletest.KeyRefused)
	}
	reqs := srv.Requests()
	if got := reqs[len(reqs)-1].Problem; !strings.Contains(got, "challenge") {
		t.Errorf("recorded problem %q, want it to be about the challenge", got)
	}
}

func TestWebAuthnSelection(t *testing.T) {
	generations(t, func(t *testing.T, gen int) {
		key := googletest.NewKey(t)
		srv := googletest.NewServer(t, googletest.Options{Generation: gen,
			Second: []googletest.Factor{googletest.TOTP, googletest.SecurityKey}, Credential: key.Credential()})
		b := newBrowser(t, srv)
		b.start(srv)
		b.password()
		p := b.submit(b.want(google.KindTOTP).Skip)
		b.want(google.KindSelection)
		if p.V3 {
			if p.Options[1].Kind != google.KindSecurityKey || p.Options[1].Unavailable {
				t.Fatalf("option = %+v, want an available security key", p.Options[1])
			}
			b.submit(p.Form, "selectedChallenge", p.Options[1].ChallengeID)
		} else {
			b.submit(p.Options[1].Form)
		}
		c := challenge(t, b.want(google.KindSecurityKey), key, "preferred")
		wantSAML(t, b.submit(b.page.Form, "id-assertion", newAuthenticator(key, 1).assert(t, c)))
	})
}

// TestHTTPFlowSecurityKey: the HTTP flow, which has no authenticator, knows
// the page for what it is and says it needs a browser.
func TestHTTPFlowSecurityKey(t *testing.T) {
	generations(t, func(t *testing.T, gen int) {
		key := googletest.NewKey(t)
		srv := googletest.NewServer(t, googletest.Options{Generation: gen, Second: []googletest.Factor{googletest.SecurityKey}, Credential: key.Credential()})
		p := &google.Provider{StartURL: srv.InitSSOURL(idpID, spID), Client: srv.Client(), Status: io.Discard}
		_, err := p.Authenticate(t.Context(), idp.LoginInput{Username: googletest.DefaultEmail,
			Password: func(context.Context) (string, error) { return googletest.DefaultPassword, nil }})
		var refused *idp.RefusedError
		if !errors.As(err, &refused) || !strings.Contains(err.Error(), "security key") {
			t.Errorf("Authenticate: %v; want a refusal naming the security key", err)
		}
	})
}

func TestVirtualCredential(t *testing.T) {
	k := googletest.NewKey(t)
	got := k.VirtualCredential(true)
	raw, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	for _, name := range []string{"credentialId", "isResidentCredential", "rpId", "privateKey", "userHandle", "signCount"} {
		if _, ok := m[name]; !ok {
			t.Errorf("JSON %s has no %s", raw, name)
		}
	}
	if id, _ := base64.StdEncoding.DecodeString(got.CredentialID); !bytes.Equal(id, k.ID) || got.RPID != googletest.Host || !got.IsResidentCredential {
		t.Errorf("VirtualCredential = %+v", got)
	}
	der, _ := base64.StdEncoding.DecodeString(got.PrivateKey)
	priv, err := x509.ParsePKCS8PrivateKey(der)
	if ec, ok := priv.(*ecdsa.PrivateKey); err != nil || !ok || !ec.Equal(k.PrivateKey) {
		t.Errorf("privateKey is not the key in PKCS#8: %v", err)
	}
}
