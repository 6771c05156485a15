package googletest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	crand "crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// Credential is the account's registered WebAuthn credential, which the
// SecurityKey and Passkey challenges ask for (Options.Credential).
type Credential struct {
	// ID is the credential ID, PublicKey its ECDSA P-256 (ES256) key.
	ID        []byte
	PublicKey *ecdsa.PublicKey
	// SignCount is the signature counter last seen; assertions must carry
	// a higher one unless both are 0.
	SignCount uint32
	// UserHandle, if set, is the handle a discoverable credential returns;
	// an assertion that returns another one is refused.
	UserHandle []byte
}

// Key is a credential with its private key, for tests that answer the
// security-key challenge: install it in a browser's virtual authenticator
// (VirtualCredential) and register it with Options.Credential.
type Key struct {
	ID         []byte
	PrivateKey *ecdsa.PrivateKey
	UserHandle []byte
}

// NewKey generates a P-256 key pair with a random 32-byte credential ID and
// 16-byte user handle. A failure fails the test.
func NewKey(t testing.TB) *Key {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), crand.Reader)
	if err != nil {
		t.Fatalf("googletest: key: %v", err)
	}
	return &Key{ID: randomBytes(32), PrivateKey: priv, UserHandle: randomBytes(16)}
}

// Credential returns the key's registration, for Options.Credential.
func (k *Key) Credential() *Credential {
	return &Credential{ID: k.ID, PublicKey: &k.PrivateKey.PublicKey, UserHandle: k.UserHandle}
}

// VirtualCredential is the credential of the Chrome DevTools Protocol's
// WebAuthn.addCredential, binary fields in standard base64 as CDP takes
// them; its JSON is the protocol's.
type VirtualCredential struct {
	CredentialID         string `json:"credentialId"`
	IsResidentCredential bool   `json:"isResidentCredential"`
	RPID                 string `json:"rpId"`
	PrivateKey           string `json:"privateKey"` // PKCS#8 DER
	UserHandle           string `json:"userHandle,omitempty"`
	SignCount            int64  `json:"signCount"`
}

// VirtualCredential returns the key as WebAuthn.addCredential wants it, for
// the relying party accounts.google.com. A resident (discoverable)
// credential needs an authenticator with hasResidentKey; the challenge
// names the credential in allowCredentials, so either kind answers it.
func (k *Key) VirtualCredential(resident bool) VirtualCredential {
	der, err := x509.MarshalPKCS8PrivateKey(k.PrivateKey)
	if err != nil {
		panic(err) // a P-256 key always marshals
	}
	std := base64.StdEncoding.EncodeToString
	return VirtualCredential{
		CredentialID: std(k.ID), IsResidentCredential: resident, RPID: Host,
		PrivateKey: std(der), UserHandle: std(k.UserHandle),
	}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = crand.Read(b) // never fails
	return b
}

var b64url = base64.RawURLEncoding

// challengeUI is the data-challenge-ui JSON of the security-key and passkey
// pages: what the page's script passes to navigator.credentials.get (binary
// values in base64url), and for the security key the legacy U2F app ID the
// captured 2020 pages carry.
type challengeUI struct {
	AppID            string         `json:"appId,omitempty"`
	Challenge        string         `json:"challenge"`
	RPID             string         `json:"rpId"`
	AllowCredentials []allowedCreds `json:"allowCredentials"`
	UserVerification string         `json:"userVerification"`
	Timeout          int            `json:"timeout"`
}

type allowedCreds struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

func (s *Server) challengeUI(f *flow, k Factor) string {
	ui := challengeUI{Challenge: b64url.EncodeToString(f.challenge), RPID: Host,
		AllowCredentials: []allowedCreds{}, UserVerification: "preferred", Timeout: 60000}
	if k == SecurityKey {
		ui.AppID = "https://www.gstatic.com/securitykey/origins.json"
	} else {
		ui.UserVerification = "required"
	}
	if c := s.opts.Credential; c != nil {
		ui.AllowCredentials = append(ui.AllowCredentials, allowedCreds{Type: "public-key", ID: b64url.EncodeToString(c.ID)})
	}
	b, _ := json.Marshal(ui)
	return string(b)
}

// assertion is what the page's script posts in id-assertion: the
// PublicKeyCredential's rawId and response, in base64url without padding.
type assertion struct {
	CredentialID      string `json:"credentialId"`
	ClientDataJSON    string `json:"clientDataJSON"`
	AuthenticatorData string `json:"authenticatorData"`
	Signature         string `json:"signature"`
	UserHandle        string `json:"userHandle,omitempty"`
}

// Authenticator data flags (WebAuthn §6.1).
const (
	flagUP = 0x01 // user present
	flagUV = 0x04 // user verified
	flagAT = 0x40 // attested credential data included
	flagED = 0x80 // extension data included
)

// verify checks an assertion as a relying party does (WebAuthn §7.2) against
// the challenge issued for it and the registered credential, and returns
// the new signature counter or what is wrong with it.
func verify(raw string, challenge []byte, c *Credential, stored uint32, needUV bool) (uint32, string) {
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	var a assertion
	if err := dec.Decode(&a); err != nil {
		return 0, fmt.Sprintf("id-assertion is not the assertion JSON: %v", err)
	}
	field := func(name, v string) ([]byte, string) {
		b, err := b64url.DecodeString(v)
		if err != nil || len(b) == 0 {
			return nil, fmt.Sprintf("%s is not non-empty base64url", name)
		}
		return b, ""
	}
	id, problem := field("credentialId", a.CredentialID)
	if problem != "" {
		return 0, problem
	}
	if !bytes.Equal(id, c.ID) {
		return 0, "the credential is not the one in allowCredentials"
	}
	if a.UserHandle != "" {
		if h, err := b64url.DecodeString(a.UserHandle); err != nil || !bytes.Equal(h, c.UserHandle) {
			return 0, "userHandle is not the registered user's"
		}
	}
	cdj, problem := field("clientDataJSON", a.ClientDataJSON)
	if problem != "" {
		return 0, problem
	}
	authData, problem := field("authenticatorData", a.AuthenticatorData)
	if problem != "" {
		return 0, problem
	}
	sig, problem := field("signature", a.Signature)
	if problem != "" {
		return 0, problem
	}

	var cd struct {
		Type        string `json:"type"`
		Challenge   string `json:"challenge"`
		Origin      string `json:"origin"`
		CrossOrigin bool   `json:"crossOrigin"`
	}
	if err := json.Unmarshal(cdj, &cd); err != nil {
		return 0, fmt.Sprintf("clientDataJSON is not JSON: %v", err)
	}
	got, err := b64url.DecodeString(cd.Challenge)
	switch {
	case cd.Type != "webauthn.get":
		return 0, fmt.Sprintf("clientDataJSON type is %q, want webauthn.get", cd.Type)
	case err != nil || !bytes.Equal(got, challenge):
		return 0, "clientDataJSON challenge is not the one issued for this page (used, stale or another sign-in's)"
	case cd.Origin != Origin:
		return 0, fmt.Sprintf("clientDataJSON origin is %q, want %s", cd.Origin, Origin)
	case cd.CrossOrigin:
		return 0, "clientDataJSON crossOrigin is true"
	}

	if len(authData) < 37 {
		return 0, fmt.Sprintf("authenticatorData is %d bytes, want at least 37", len(authData))
	}
	rpIDHash := sha256.Sum256([]byte(Host))
	flags := authData[32]
	count := binary.BigEndian.Uint32(authData[33:37])
	switch {
	case !bytes.Equal(authData[:32], rpIDHash[:]):
		return 0, "authenticatorData rpIdHash is not sha256(" + Host + ")"
	case flags&flagUP == 0:
		return 0, "authenticatorData user-present flag is not set"
	case needUV && flags&flagUV == 0:
		return 0, "authenticatorData user-verified flag is not set, and the passkey requires it"
	case flags&flagAT != 0:
		return 0, "authenticatorData carries attested credential data, which an assertion must not"
	case flags&flagED == 0 && len(authData) != 37:
		return 0, "authenticatorData has trailing bytes without the extension-data flag"
	}
	hash := sha256.Sum256(cdj)
	signed := sha256.Sum256(append(append([]byte(nil), authData...), hash[:]...))
	if !ecdsa.VerifyASN1(c.PublicKey, signed[:], sig) {
		return 0, "the signature does not verify with the registered public key"
	}
	if (count != 0 || stored != 0) && count <= stored {
		return 0, fmt.Sprintf("sign count %d is not above %d (a cloned authenticator?)", count, stored)
	}
	return count, ""
}
