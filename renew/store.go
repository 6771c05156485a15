// Package renew keeps a profile's credentials: where they are stored, the
// lock under which one awsfed at a time renews them, the renewal itself
// (look, lock, look again, then ask the profile's credential Source), the
// roles a chain assumes on top of them, and the static copies of chained
// profiles that login --also writes. Every command that hands out
// credentials goes through it, whatever signs the person in.
package renew

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/internal/credcache"
	"github.com/seed-2d15385e/awsfed/profile"
	"github.com/seed-2d15385e/awsfed/ui"
)

// Store is where an awsfed profile's credentials live: section [P] of the
// credentials file, or, for a profile whose [profile P] itself runs a
// credential_process, awsfed's cache, because the AWS CLI would use static
// keys in [P] instead of running the process.
type Store struct {
	Profile         string
	CredentialsFile string
	Cache           credcache.Dir
	// InCache is set when the credentials live in the cache.
	InCache bool
}

// StoreFor returns the store of profile p, as its config section says.
func StoreFor(p *profile.Profile, paths awsconfig.Paths, cache credcache.Dir) Store {
	return Store{Profile: p.Name, CredentialsFile: paths.Credentials, Cache: cache,
		InCache: p.Config(profile.KeyCredentialProcess) != ""}
}

// Load returns the stored credentials, and whether there are any.
func (st Store) Load() (awsconfig.Credentials, bool, error) {
	if st.InCache {
		return st.Cache.Load(st.Profile)
	}
	f, err := awsconfig.Load(st.CredentialsFile)
	if err != nil {
		return awsconfig.Credentials{}, false, err
	}
	c, ok := awsconfig.ReadCredentials(f, st.Profile)
	return c, ok, nil
}

// LoadFrom is Load with the credentials file as g read it, for a caller
// that reads many profiles' credentials.
func (st Store) LoadFrom(g *profile.Graph) (awsconfig.Credentials, bool, error) {
	if st.InCache {
		return st.Cache.Load(st.Profile)
	}
	c, ok := g.Lookup(st.Profile).Credentials()
	return c, ok, nil
}

// Save stores c and returns notes for the person.
func (st Store) Save(c awsconfig.Credentials) ([]string, error) {
	if st.InCache {
		return nil, st.Cache.Save(st.Profile, c)
	}
	return awsconfig.Update(st.CredentialsFile, []awsconfig.Change{awsconfig.CredentialsChange(st.Profile, c)}, awsconfig.UpdateOptions{Private: true})
}

// Where names the store for a person.
func (st Store) Where() string {
	if st.InCache {
		return st.Cache.Path(st.Profile)
	}
	return fmt.Sprintf("[%s] of %s", st.Profile, st.CredentialsFile)
}

// TimeLeft is how long c stays valid after now; zero or less when it has
// expired or its expiry is unknown.
func TimeLeft(c awsconfig.Credentials, now time.Time) time.Duration {
	if c.Expiration.IsZero() {
		return 0
	}
	return c.Expiration.Sub(now)
}

// SameRole reports whether an assumed-role ARN
// (arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION) acts as the role ARN
// (arn:aws:iam::ACCOUNT:role/PATH/NAME). An empty role matches any.
func SameRole(assumedRoleARN, roleARN string) bool {
	if roleARN == "" {
		return true
	}
	ap := strings.SplitN(assumedRoleARN, ":", 6)
	rp := strings.SplitN(roleARN, ":", 6)
	if len(ap) != 6 || len(rp) != 6 || ap[1] != rp[1] || ap[4] != rp[4] {
		return false
	}
	name, ok := strings.CutPrefix(ap[5], "assumed-role/")
	if !ok {
		return false
	}
	name, _, _ = strings.Cut(name, "/")
	path, ok := strings.CutPrefix(rp[5], "role/")
	return ok && path[strings.LastIndex(path, "/")+1:] == name
}

// longTerm reports whether c are long-term access keys: a key without a
// session token, which no login writes.
func longTerm(c awsconfig.Credentials) bool {
	return c.AccessKeyID != "" && c.SessionToken == ""
}

// SessionName returns the session part of an assumed-role ARN
// (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION), the user's name of an
// IAM user's ARN (arn:aws:iam::ACCOUNT:user/PATH/NAME), or "".
func SessionName(assumedRoleARN string) string {
	if _, user, ok := strings.Cut(assumedRoleARN, ":user/"); ok {
		// An IAM user's session (GetSessionToken): the user's name.
		return user[strings.LastIndexByte(user, '/')+1:]
	}
	_, rest, ok := strings.Cut(assumedRoleARN, ":assumed-role/")
	if !ok {
		return ""
	}
	_, session, _ := strings.Cut(rest, "/")
	return session
}

// ToCache makes the cache the store of the awsfed profile p, whose
// [profile P] is to run a credential_process from now on. Under P's
// renewal lock, so that no login writes meanwhile, it copies the
// temporary credentials in [P] of the credentials file into the cache
// (unless the cache holds newer ones), runs configure (which writes
// credential_process into the config file), and then removes them from
// [P]: in this order, a failure half-way leaves the profile working as
// before or as after. Long-term keys in [P] (no session token), which no
// login wrote, are refused before anything changes. It returns where the
// credentials went, or "" when [P] held none.
func ToCache(ctx context.Context, status io.Writer, p *profile.Profile, paths awsconfig.Paths, cache credcache.Dir, configure func() error) (string, error) {
	unlock, err := Lock(ctx, status, cache, p.Name, LockWait)
	if err != nil {
		return "", err
	}
	defer unlock()
	from := Store{Profile: p.Name, CredentialsFile: paths.Credentials}
	to := Store{Profile: p.Name, Cache: cache, InCache: true}
	c, ok, err := from.Load()
	switch {
	case err != nil:
		return "", fmt.Errorf("nothing was changed: %w", err)
	case !ok:
		return "", configure()
	case longTerm(c):
		return "", profile.Errorf("[%s] of %s holds long-term access keys (no session token), which the AWS CLI would use instead of credential_process: move them to another profile, or pass --name NAME to write credential_process into another profile; nothing was changed",
			p.Name, paths.Credentials)
	}
	if old, ok, _ := to.Load(); !ok || old.Expiration.Before(c.Expiration) {
		if _, err := to.Save(c); err != nil {
			return "", fmt.Errorf("nothing was changed in the AWS files: %w", err)
		}
	}
	if err := configure(); err != nil {
		return "", err
	}
	_, notes, err := awsconfig.RemoveCredentials(paths.Credentials, p.Name)
	ui.Notes(status, notes...)
	if err != nil {
		return "", fmt.Errorf("credential_process is set, but the AWS CLI will keep using the keys in [%s] of %s until they are removed: %w", p.Name, paths.Credentials, err)
	}
	return to.Where(), nil
}

// Remove removes the awsfed profile p's stored credentials, from [P] of
// the credentials file and from the cache, with any temporary copy a
// killed write left, under P's renewal lock, so that no renewal writes
// meanwhile; still under the lock it then runs also (the sign-in's kept
// session goes there). It reports whether there were credentials. Notes
// for the person go to status. Long-term keys in [P] (no session token),
// which no login wrote and none can bring back, are refused before
// anything is removed.
func Remove(ctx context.Context, status io.Writer, p *profile.Profile, paths awsconfig.Paths, cache credcache.Dir, also func(removed bool) error) (bool, error) {
	unlock, err := Lock(ctx, status, cache, p.Name, LockWait)
	if err != nil {
		return false, err
	}
	defer unlock()
	c, _, err := Store{Profile: p.Name, CredentialsFile: paths.Credentials}.Load()
	if err != nil {
		return false, fmt.Errorf("nothing was removed: %w", err)
	}
	if longTerm(c) {
		return false, profile.Errorf("[%s] of %s holds long-term access keys (no session token), which awsfed did not write; nothing was removed: remove them by hand if you mean to", p.Name, paths.Credentials)
	}
	inFile, notes, err := awsconfig.RemoveCredentials(paths.Credentials, p.Name)
	ui.Notes(status, notes...)
	if err != nil {
		return false, fmt.Errorf("nothing was removed: %w", err)
	}
	cached, err := cache.Remove(p.Name)
	if err != nil {
		return inFile, fmt.Errorf("nothing more was removed: %w", err)
	}
	return inFile || cached, also(inFile || cached)
}
