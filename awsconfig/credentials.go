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

// credentialsRemoval returns the change that removes from the credentials
// file section [profile] every key CredentialsChange writes or removes, and
// prunes the section if no other key is left.
func credentialsRemoval(profile string) Change {
	ch := CredentialsChange(profile, Credentials{}) // no field set: every key removed
	ch.Prune = true
	return ch
}

// RemoveCredentials removes the credentials of profile from the
// credentials file at path: from section [profile], the keys awsfed writes
// (aws_access_key_id, aws_secret_access_key, aws_session_token,
// aws_security_token, x_security_token_expires, x_principal_arn) and
// aws-google-auth's aws_session_expiration. If the section then holds no
// key at all, its header goes too, but not its comment lines (see
// Change.Prune). Any other key stays, and so does the section.
//
// It writes as Update does, with the same guarantees: under the lock,
// atomically, every byte it does not remove kept. It reports whether it
// removed anything; a missing file, a missing section or a section without
// those keys is nothing to remove, and then nothing is written or created.
// Like Update with UpdateOptions.Private, it tightens a mode that lets
// others read the file and says so in notices. A file that does not parse
// is left as it is and reported with a *ParseError.
func RemoveCredentials(path, profile string) (removed bool, notices []string, err error) {
	notices, removed, err = updateFile(path, []Change{credentialsRemoval(profile)}, UpdateOptions{Private: true, noCreate: true})
	return removed, notices, err
}

// ReadCredentials returns the credentials in the credentials file section
// [profile], and whether it holds both an access key ID and a secret. The
// session token is read from aws_session_token, else aws_security_token;
// the expiry from x_security_token_expires, else aws_session_expiration
// (aws-google-auth); an expiry in no known form is left zero.
func ReadCredentials(f *File, profile string) (Credentials, bool) {
	i, ok := f.at[profile]
	if !ok {
		return Credentials{}, false
	}
	return ParseCredentials(f.sections[i])
}

// ParseCredentials reads credentials from the keys of a credentials file
// section, as ReadCredentials does.
func ParseCredentials(s Section) (Credentials, bool) {
	c := Credentials{
		AccessKeyID:     s.Get(keyAccessKeyID),
		SecretAccessKey: s.Get(keySecretAccessKey),
		SessionToken:    s.Get(keySessionToken),
		PrincipalARN:    s.Get(keyPrincipalARN),
	}
	if c.SessionToken == "" {
		c.SessionToken = s.Get(keySecurityToken)
	}
	expires := s.Get(keyExpires)
	if expires == "" {
		expires = s.Get(keySessionExpiration)
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
