package browser

import (
	"context"
	"crypto/x509"
	"testing"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/seed-2d15385e/awsfed/idp"
	"github.com/seed-2d15385e/awsfed/idp/google/googletest"
	"github.com/seed-2d15385e/awsfed/idp/idptest"
)

// TestGoogleWebAuthn signs into the emulated Google over TLS, reached as
// https://accounts.google.com (mapped to loopback, its certificate trusted
// by its key), through the identifier and password pages and a security
// key or passkey challenge that CDP's virtual authenticator answers: the
// emulator checks the assertion as a relying party does, so the capture
// proves the browser did the WebAuthn step, which the HTTP flow cannot.
func TestGoogleWebAuthn(t *testing.T) {
	exe := testBrowser(t, false)
	for _, tt := range []struct {
		name     string
		factor   googletest.Factor
		resident bool
	}{
		{"security key", googletest.SecurityKey, false},
		{"passkey", googletest.Passkey, true},
	} {
		for _, gen := range []int{2020, 2024} {
			t.Run(tt.name+"/"+map[int]string{2020: "2020", 2024: "2024"}[gen], func(t *testing.T) {
				key := googletest.NewKey(t)
				saml := idptest.SAMLResponse(idptest.AssertionOptions{})
				g := googletest.NewServer(t, googletest.Options{Generation: gen, Botguard: true,
					Second: []googletest.Factor{tt.factor}, Credential: key.Credential(), SAMLResponse: saml})
				o := Options{
					Exec: exe, ProfileDir: t.TempDir() + "/profile",
					StartURL: g.BrowserStartURL("C01abc234", "123456789012"),
					Username: googletest.DefaultEmail,
					Fill:     &Fill{Password: func(context.Context) (string, error) { return googletest.DefaultPassword, nil }},
					ExtraFlags: []string{"--host-resolver-rules=" + g.HostResolverRule(),
						"--ignore-certificate-errors-spki-list=" + g.SPKIHash()},
				}
				o.started = func(tab context.Context) { addAuthenticator(t, tab, key, tt.resident) }
				res, err := Capture(t.Context(), o)
				if err != nil {
					t.Fatalf("Capture: %v", err)
				}
				if res.SAMLResponse != saml {
					t.Errorf("captured another SAMLResponse than the emulator's")
				}
				a, err := idp.ParseAssertion(res.SAMLResponse)
				if err != nil || len(a.Roles) != 1 {
					t.Errorf("assertion: %v, %+v", err, a)
				}
				asked := false
				for _, r := range g.Requests() {
					if r.Problem != "" {
						t.Errorf("the emulator saw a problem: %s %s: %s", r.Method, r.Path, r.Problem)
					}
					asked = asked || r.Method == "POST" && r.Form.Get("id-assertion") != ""
				}
				if !asked {
					t.Errorf("no WebAuthn assertion was posted")
				}
			})
		}
	}
}

// addAuthenticator gives the tab a virtual authenticator (CTAP2, user
// verification, presence simulated) holding key's credential for
// accounts.google.com.
func addAuthenticator(t *testing.T, tab context.Context, key *googletest.Key, resident bool) {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(tab, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		t.Fatalf("WebAuthn.enable: %v", err)
	}
	auth, err := chromedp.Call(tab, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{Options: &webauthn.VirtualAuthenticatorOptions{
		Protocol: webauthn.AuthenticatorProtocolCtap2, Ctap2version: webauthn.Ctap2versionCtap21,
		Transport: webauthn.AuthenticatorTransportInternal, HasResidentKey: true, HasUserVerification: true,
		IsUserVerified: true, AutomaticPresenceSimulation: true}})
	if err != nil {
		t.Fatalf("WebAuthn.addVirtualAuthenticator: %v", err)
	}
	if _, err := chromedp.Call(tab, webauthn.AddCredential, webauthn.AddCredentialParams{AuthenticatorID: auth.AuthenticatorID,
		Credential: &webauthn.Credential{CredentialID: key.ID, IsResidentCredential: resident, RpID: googletest.Host,
			PrivateKey: der, UserHandle: key.UserHandle, SignCount: 0}}); err != nil {
		t.Fatalf("WebAuthn.addCredential: %v", err)
	}
}
