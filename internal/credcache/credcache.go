// Package credcache keeps a profile's temporary AWS credentials outside the
// AWS CLI's files, one private JSON file per profile, and holds the
// per-profile lock under which awsfed renews credentials, so that parallel
// renewals of one profile make one login.
//
// A profile whose [profile P] runs awsfed through credential_process keeps
// its credentials here: the AWS CLI prefers static keys in the credentials
// file's [P] over credential_process, so they must not live there.
package credcache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gofrs/flock"

	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/internal/atomicfile"
)

// Dir is a cache folder: credentials/<profile>.json (files 0600, folders
// 0700) and locks/<profile>.lock.
type Dir string

// DefaultDir is $XDG_CACHE_HOME/awsfed, else ~/.cache/awsfed.
func DefaultDir(home string, getenv func(string) string) Dir {
	if d := getenv("XDG_CACHE_HOME"); d != "" && filepath.IsAbs(d) {
		return Dir(filepath.Join(d, "awsfed"))
	}
	return Dir(filepath.Join(home, ".cache", "awsfed"))
}

// fileName turns a profile name into a file name: letters, digits, dot,
// dash, underscore and @ stay; anything else becomes %XX, so that two
// profiles never share a file.
func fileName(profile string) string {
	var b strings.Builder
	for i := 0; i < len(profile); i++ {
		c := profile[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '@' || c == '.' && i > 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// Path is the file that holds profile's credentials.
func (d Dir) Path(profile string) string {
	return filepath.Join(string(d), "credentials", fileName(profile)+".json")
}

// entry is the file's form: credential_process's Version 1 JSON
// (https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-sourcing-external.html)
// and the assumed-role ARN.
type entry struct {
	Version         int    `json:"Version"`
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	SessionToken    string `json:"SessionToken"`
	Expiration      string `json:"Expiration"`
	PrincipalARN    string `json:"PrincipalArn,omitempty"`
}

// newEntry is c in the file's form.
func newEntry(c awsconfig.Credentials) entry {
	return entry{Version: 1, AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey,
		SessionToken: c.SessionToken, Expiration: c.Expiration.UTC().Format(time.RFC3339), PrincipalARN: c.PrincipalARN}
}

// ProcessJSON returns c as a credential_process prints it: the Version 1
// JSON object on one line, without the assumed-role ARN.
func ProcessJSON(c awsconfig.Credentials) ([]byte, error) {
	e := newEntry(c)
	e.PrincipalARN = ""
	return json.Marshal(e)
}

// Load returns the credentials cached for profile, and whether there are
// any. A missing file is none; a file that does not parse is none too (a
// lost cache only costs a login), but an unreadable one is an error.
func (d Dir) Load(profile string) (awsconfig.Credentials, bool, error) {
	b, err := os.ReadFile(d.Path(profile))
	if errors.Is(err, fs.ErrNotExist) {
		return awsconfig.Credentials{}, false, nil
	}
	if err != nil {
		return awsconfig.Credentials{}, false, fmt.Errorf("read the cached credentials: %w", err)
	}
	var e entry
	if json.Unmarshal(b, &e) != nil || e.AccessKeyID == "" || e.SecretAccessKey == "" {
		return awsconfig.Credentials{}, false, nil
	}
	exp, _ := time.Parse(time.RFC3339, e.Expiration)
	return awsconfig.Credentials{AccessKeyID: e.AccessKeyID, SecretAccessKey: e.SecretAccessKey,
		SessionToken: e.SessionToken, Expiration: exp, PrincipalARN: e.PrincipalARN}, true, nil
}

// Save writes c as profile's credentials: a new 0600 file, synced and
// renamed over the old one, so a reader sees the old or the new, never a
// part.
func (d Dir) Save(profile string, c awsconfig.Credentials) error {
	b, err := json.MarshalIndent(newEntry(c), "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WritePrivate(d.Path(profile), append(b, '\n')); err != nil {
		return fmt.Errorf("cache the credentials: %w", err)
	}
	return nil
}

// Remove deletes profile's cached credentials, and any temporary copy a
// killed write left, and reports whether there were any. Call it under
// the profile's renewal lock, which every writer of the cache holds.
func (d Dir) Remove(profile string) (bool, error) {
	if err := atomicfile.RemoveStale(d.Path(profile), 0); err != nil {
		return false, fmt.Errorf("remove the cached credentials: %w", err)
	}
	err := os.Remove(d.Path(profile))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("remove the cached credentials: %w", err)
	}
	return true, nil
}

// Lock takes profile's renewal lock, waiting while another process holds
// it, until ctx is done. waiting, if not nil, is called once when the lock
// is held by another process. The returned function releases the lock.
func (d Dir) Lock(ctx context.Context, profile string, waiting func()) (unlock func(), err error) {
	path := filepath.Join(string(d), "locks", fileName(profile)+".lock")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("lock the renewal of profile %s: %w", profile, err)
	}
	l := flock.New(path, flock.SetPermissions(0o600))
	ok, err := l.TryLock()
	if err == nil && !ok {
		if waiting != nil {
			waiting()
		}
		ok, err = l.TryLockContext(ctx, 50*time.Millisecond)
	}
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, fmt.Errorf("wait for another awsfed renewing profile %s: %w", profile, ctxErr)
		}
		return nil, fmt.Errorf("lock the renewal of profile %s: %w", profile, err)
	}
	if !ok {
		return nil, fmt.Errorf("lock the renewal of profile %s: not acquired", profile)
	}
	return func() { _ = l.Unlock() }, nil
}
