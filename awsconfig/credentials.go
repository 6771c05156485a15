package awsconfig

import (
	"time"
)

// Credentials are temporary AWS credentials as stored in a credentials file
// section.
type Credentials struct {
	AccessKeyID, SecretAccessKey, SessionToken string
	// Expiration is when the credentials stop working; zero if unknown.
	Expiration time.Time
	// PrincipalARN is the assumed-role ARN the credentials act as.
	PrincipalARN string
}

// Keys of a credentials section, in the order CredentialsChange writes them.
const (
	keyAccessKeyID     = "aws_access_key_id"
	keySecretAccessKey = "aws_secret_access_key"
	keySessionToken    = "aws_session_token"
	keySecurityToken   = "aws_security_token" // the same token, for old SDKs
	keyExpires         = "x_security_token_expires"
	keyPrincipalARN    = "x_principal_arn"
	// keySessionExpiration is aws-google-auth's expiry key.
	keySessionExpiration = "aws_session_expiration"
)

// CredentialsChange returns the change that stores c as the credentials
// file section [profile]: aws_access_key_id, aws_secret_access_key,
// aws_session_token, aws_security_token (the same token, for old SDKs),
// x_security_token_expires (RFC 3339, UTC, whole seconds) and
// x_principal_arn, in that order. A key whose field is empty (or a zero
// Expiration) is removed rather than written, so that no stale value from an
// earlier login stays beside new credentials; for the same reason
// aws-google-auth's aws_session_expiration is removed.
func CredentialsChange(profile string, c Credentials) Change {
	ch := Change{Section: profile}
	add := func(key, value string) {
		if value == "" {
			ch.Unset = append(ch.Unset, key)
			return
		}
		ch.Set = append(ch.Set, KV{key, value})
	}
	add(keyAccessKeyID, c.AccessKeyID)
	add(keySecretAccessKey, c.SecretAccessKey)
	add(keySessionToken, c.SessionToken)
	add(keySecurityToken, c.SessionToken)
	expires := ""
	if !c.Expiration.IsZero() {
		expires = c.Expiration.UTC().Format(time.RFC3339)
	}
	add(keyExpires, expires)
	add(keyPrincipalARN, c.PrincipalARN)
	ch.Unset = append(ch.Unset, keySessionExpiration)
	return ch
}

// ReadCredentials returns the credentials in the credentials file section
// [profile], and whether it holds both an access key ID and a secret. The
// session token is read from aws_session_token, else aws_security_token;
// the expiry from x_security_token_expires, else aws_session_expiration
// (aws-google-auth); an expiry in no known form is left zero.
func ReadCredentials(f *File, profile string) (Credentials, bool) {
	s, ok := f.Section(profile)
	if !ok {
		return Credentials{}, false
	}
	c := Credentials{
		AccessKeyID:     s[keyAccessKeyID],
		SecretAccessKey: s[keySecretAccessKey],
		SessionToken:    s[keySessionToken],
		PrincipalARN:    s[keyPrincipalARN],
	}
	if c.SessionToken == "" {
		c.SessionToken = s[keySecurityToken]
	}
	expires := s[keyExpires]
	if expires == "" {
		expires = s[keySessionExpiration]
	}
	c.Expiration = parseExpiration(expires)
	return c, c.AccessKeyID != "" && c.SecretAccessKey != ""
}

func parseExpiration(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	// RFC 3339 (awsfed, saml2aws), aws-google-auth's
	// strftime("%Y-%m-%dT%H:%M:%S%z"), and Python's str(datetime).
	for _, layout := range [...]string{time.RFC3339Nano, "2006-01-02T15:04:05-0700", "2006-01-02 15:04:05Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}
