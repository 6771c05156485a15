package sso

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/seed-2d15385e/awsfed/internal/atomicfile"
	"github.com/seed-2d15385e/awsfed/ui"
)

// Token is an IAM Identity Center access token as the AWS CLI caches it
// in CacheDir/<sha1 of the session name>.json. The AWS CLI v2 and the Go
// SDK use and refresh the file awsfed writes, and awsfed the files they
// write; fields of the file this package does not know are kept.
//
// Its String and GoString methods leave the secrets out, so that printing
// a Token by mistake shows none.
type Token struct {
	// StartURL and Region are the session's, as the file names them
	// (empty in files written by tools that leave them out).
	StartURL, Region string
	// AccessToken is the bearer token for the AWS access portal.
	AccessToken string
	// ExpiresAt is when AccessToken stops working, to the second.
	ExpiresAt time.Time
	// ClientID and ClientSecret are the OIDC client registration the
	// token came from, needed to refresh it.
	ClientID, ClientSecret string
	// RegistrationExpiresAt is when that registration ends: past it the
	// AWS CLI no longer refreshes the token, and neither does awsfed.
	RegistrationExpiresAt time.Time
	// RefreshToken gets a new AccessToken without a person, until the
	// portal session ends; empty if IAM Identity Center gave none.
	RefreshToken string

	// session is the sso-session the token was read or made for, for
	// error messages; "" if unknown.
	session string
	// extra are the file's other members, in file order, as they were.
	extra []member
	// newRegistration is the registration a sign-in made for the token,
	// cached with the token only once the sign-in succeeds.
	newRegistration *registration
}

// member is one member of a JSON object, its value as it was written.
type member struct {
	key   string
	value json.RawMessage
}

func (t *Token) String() string {
	if t == nil {
		return "<nil>"
	}
	return fmt.Sprintf("IAM Identity Center token for %s (%s), expires %s", t.StartURL, t.Region, t.ExpiresAt.UTC().Format(time.RFC3339))
}

// GoString is String, so that %#v shows no secret either.
func (t *Token) GoString() string { return t.String() }

// Valid reports whether the token is present and will still work for at
// least minValid after now.
func (t *Token) Valid(now time.Time, minValid time.Duration) bool {
	return t != nil && t.AccessToken != "" && !t.ExpiresAt.IsZero() && t.ExpiresAt.Sub(now) >= minValid && t.ExpiresAt.After(now)
}

// Refreshable reports whether the token can be refreshed without a
// person at now, by the AWS CLI's rule (botocore tokens.py): a refresh
// token, the client's id and secret, and a registration that has not
// ended. Whether the portal session still lasts only IAM Identity Center
// knows.
func (t *Token) Refreshable(now time.Time) bool {
	return t != nil && t.RefreshToken != "" && t.ClientID != "" && t.ClientSecret != "" && t.RegistrationExpiresAt.After(now)
}

// matches reports whether the token was made for s; files that leave out
// the start URL or region are taken as s's (the name says whose they are).
func (t *Token) matches(s Session) bool {
	return (t.StartURL == "" || t.StartURL == s.StartURL) && (t.Region == "" || t.Region == s.Region)
}

// CacheDir is the folder where the AWS CLI, the SDKs and awsfed keep
// IAM Identity Center tokens and registrations, for the home folder home:
// ~/.aws/sso/cache (no setting moves it).
func CacheDir(home string) string { return filepath.Join(home, ".aws", "sso", "cache") }

// cacheKey is botocore's name for a token file without ".json": the SHA-1
// of the session name, or of the start URL for a profile without
// sso_session (SSOTokenLoader._generate_cache_key).
func cacheKey(s string) string {
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TokenPath is where the AWS CLI keeps s's token in cacheDir:
// sha1hex(s.Name).json, or sha1hex(s.StartURL).json when s has no name
// (a legacy profile's).
func TokenPath(cacheDir string, s Session) string {
	name := s.Name
	if name == "" {
		name = s.StartURL
	}
	return filepath.Join(cacheDir, cacheKey(name)+".json")
}

// RegistrationPath is where the AWS CLI keeps the OIDC client registration
// of s in cacheDir, named as botocore's _registration_cache_key does:
//
//	sha1(json.dumps({"tool": "botocore", "startUrl": …, "region": …,
//	    "scopes": …, "session_name": …}, sort_keys=True))
//
// with Python's default separators and ensure_ascii, and scopes null when
// sso_registration_scopes is absent. The device and PKCE flows share it;
// grantTypes in the file tells which made it.
func RegistrationPath(cacheDir string, s Session) string {
	var o pyObject // keys in sorted order, as sort_keys=True writes them
	o.str("region", s.Region)
	o.list("scopes", s.Scopes)
	o.str("session_name", s.Name)
	o.str("startUrl", s.StartURL)
	o.str("tool", "botocore")
	return filepath.Join(cacheDir, cacheKey(string(o.bytes()))+".json")
}

// ReadToken reads s's token from cacheDir, as the AWS CLI, the Go SDK or
// awsfed wrote it. An absent file gives an error wrapping fs.ErrNotExist;
// a file without accessToken or expiresAt, or not JSON, is an error, as it
// is for the CLI and the SDK (Token replaces such a file by signing in).
func ReadToken(cacheDir string, s Session) (*Token, error) {
	path := TokenPath(cacheDir, s)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read IAM Identity Center token: %w", err)
	}
	t, err := parseToken(data)
	if err != nil {
		return nil, fmt.Errorf("IAM Identity Center token %s: %w", path, err)
	}
	t.session = s.Name
	return t, nil
}

// errNotToken is wrapped by the errors of a token file that is not one:
// not a JSON object, fields of the wrong type, no accessToken or
// expiresAt. Token then signs in again and replaces it.
var errNotToken = errors.New("not a token file")

func parseToken(data []byte) (*Token, error) {
	members, err := parseObject(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errNotToken, err)
	}
	t := &Token{}
	for _, m := range members {
		var dst *string
		var when *time.Time
		switch m.key {
		case "startUrl":
			dst = &t.StartURL
		case "region":
			dst = &t.Region
		case "accessToken":
			dst = &t.AccessToken
		case "clientId":
			dst = &t.ClientID
		case "clientSecret":
			dst = &t.ClientSecret
		case "refreshToken":
			dst = &t.RefreshToken
		case "expiresAt":
			when = &t.ExpiresAt
		case "registrationExpiresAt":
			when = &t.RegistrationExpiresAt
		default:
			t.extra = append(t.extra, m)
			continue
		}
		var v string
		if err := json.Unmarshal(m.value, &v); err != nil {
			return nil, fmt.Errorf("%w: %s is not a string", errNotToken, m.key)
		}
		if dst != nil {
			*dst = v
			continue
		}
		if *when, err = parseCacheTime(v); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", errNotToken, m.key, err)
		}
	}
	if t.AccessToken == "" || t.ExpiresAt.IsZero() {
		return nil, fmt.Errorf("%w: it needs accessToken and expiresAt", errNotToken)
	}
	return t, nil
}

// parseObject reads a JSON object's members in order; a later member of
// the same name replaces an earlier one, as in Python and Go.
func parseObject(data []byte) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	var members []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("not JSON: %w", err)
		}
		key, _ := tok.(string)
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, fmt.Errorf("not JSON: %w", err)
		}
		members = slices.DeleteFunc(members, func(m member) bool { return m.key == key })
		members = append(members, member{key, value})
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	return members, nil
}

// marshal writes the token as the AWS CLI does (tokens.py, utils.py
// SSOTokenFetcher*: json.dumps of startUrl, region, accessToken,
// expiresAt, clientId, clientSecret, registrationExpiresAt, refreshToken
// in that order), then the members it did not know, as they were. Empty
// fields are left out, as the CLI leaves out a refresh token it did not
// get.
func (t *Token) marshal() []byte {
	var o pyObject
	str := func(k, v string) {
		if v != "" {
			o.str(k, v)
		}
	}
	when := func(k string, v time.Time) {
		if !v.IsZero() {
			o.time(k, v)
		}
	}
	str("startUrl", t.StartURL)
	str("region", t.Region)
	str("accessToken", t.AccessToken)
	when("expiresAt", t.ExpiresAt)
	str("clientId", t.ClientID)
	str("clientSecret", t.ClientSecret)
	when("registrationExpiresAt", t.RegistrationExpiresAt)
	str("refreshToken", t.RefreshToken)
	for _, m := range t.extra {
		o.raw(m.key, m.value)
	}
	return o.bytes()
}

// writeToken replaces s's token file with t, keeping the members of the
// file there now that t does not know (another tool's), mode 0600.
func writeToken(cacheDir string, s Session, t *Token) error {
	path := TokenPath(cacheDir, s)
	if t.extra == nil {
		if data, err := os.ReadFile(path); err == nil {
			if members, err := parseObject(data); err == nil {
				t.extra = slices.DeleteFunc(members, func(m member) bool { return slices.Contains(knownTokenFields, m.key) })
			}
		}
	}
	if err := atomicfile.WritePrivate(path, t.marshal()); err != nil {
		return fmt.Errorf("save IAM Identity Center token: %w", err)
	}
	return nil
}

var knownTokenFields = []string{"startUrl", "region", "accessToken", "expiresAt", "clientId", "clientSecret", "registrationExpiresAt", "refreshToken"}

// registration is an OIDC client registration as the AWS CLI caches it.
type registration struct {
	ClientID, ClientSecret string
	ExpiresAt              time.Time
	// Scopes is nil when the file has none (a device registration made
	// without sso_registration_scopes).
	Scopes []string
	// GrantTypes is nil for device registrations: botocore writes it only
	// for PKCE ones, and reads its absence as a device registration.
	GrantTypes []string
	// new is set on a registration not cached yet.
	new bool
}

// forPKCE reports whether the registration is for the authorization code
// flow (botocore _is_registration_for_auth_code).
func (r *registration) forPKCE() bool {
	return slices.Contains(r.GrantTypes, "authorization_code")
}

// registrationWindow is how long a cached registration must still last
// to be used (botocore BaseSSOTokenFetcher._EXPIRY_WINDOW).
const registrationWindow = 15 * time.Minute

// usable reports whether botocore would reuse the registration at now for
// the flow pkce says.
func (r *registration) usable(now time.Time, pkce bool) bool {
	return r.ClientID != "" && r.ClientSecret != "" && r.ExpiresAt.Sub(now) >= registrationWindow && r.forPKCE() == pkce
}

func readRegistration(cacheDir string, s Session) (*registration, error) {
	data, err := os.ReadFile(RegistrationPath(cacheDir, s))
	if err != nil {
		return nil, err
	}
	var raw struct {
		ClientID     string   `json:"clientId"`
		ClientSecret string   `json:"clientSecret"`
		ExpiresAt    string   `json:"expiresAt"`
		Scopes       []string `json:"scopes"`
		GrantTypes   []string `json:"grantTypes"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, errors.New("not a client registration")
	}
	r := &registration{ClientID: raw.ClientID, ClientSecret: raw.ClientSecret, Scopes: raw.Scopes, GrantTypes: raw.GrantTypes}
	if r.ExpiresAt, err = parseCacheTime(raw.ExpiresAt); err != nil {
		return nil, err
	}
	return r, nil
}

// marshal writes the registration as botocore does: clientId,
// clientSecret, expiresAt, then scopes and grantTypes when set.
func (r *registration) marshal() []byte {
	var o pyObject
	o.str("clientId", r.ClientID)
	o.str("clientSecret", r.ClientSecret)
	o.time("expiresAt", r.ExpiresAt)
	if r.Scopes != nil {
		o.list("scopes", r.Scopes)
	}
	if r.GrantTypes != nil {
		o.list("grantTypes", r.GrantTypes)
	}
	return o.bytes()
}

func writeRegistration(cacheDir string, s Session, r *registration) error {
	if err := atomicfile.WritePrivate(RegistrationPath(cacheDir, s), r.marshal()); err != nil {
		return fmt.Errorf("save IAM Identity Center client registration: %w", err)
	}
	return nil
}

// TokenState says, for a person, what s's token in cacheDir allows at now:
// renewals with no person, or a sign-in first with login (a command). It
// reads the file only.
func TokenState(cacheDir string, s Session, login string, now time.Time) string {
	t, err := ReadToken(cacheDir, s)
	left := func() string { return ui.HumanDuration(t.ExpiresAt.Sub(now).Truncate(time.Minute)) }
	switch {
	case err != nil:
		return "none; sign in: " + login
	case t.Valid(now, 0) && t.Refreshable(now):
		return left() + " left, refreshable"
	case t.Valid(now, 0):
		return left() + " left, not refreshable"
	case t.Refreshable(now):
		return "expired, refreshable while the portal session lasts"
	}
	return "expired; sign in: " + login
}
