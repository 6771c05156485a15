package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/seed-2d15385e/awsfed/assume"
	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/idp"
	"github.com/seed-2d15385e/awsfed/internal/credcache"
)

// credStore is where a profile's credentials live: section [P] of the
// credentials file, or, for a profile whose [profile P] itself runs a
// credential_process, the cache, because the AWS CLI would use static keys
// in [P] instead of running the process.
type credStore struct {
	profile   string
	credsFile string
	cache     credcache.Dir
	inCache   bool
}

// storeFor returns the store of profile, as its config section says.
func storeFor(profile string, paths awsconfig.Paths, cfg *awsconfig.File, cache credcache.Dir) credStore {
	sec, _ := cfg.Profile(profile)
	return credStore{profile: profile, credsFile: paths.Credentials, cache: cache,
		inCache: strings.TrimSpace(sec["credential_process"]) != ""}
}

// load returns the stored credentials, and whether there are any.
func (st credStore) load() (awsconfig.Credentials, bool, error) {
	if st.inCache {
		return st.cache.Load(st.profile)
	}
	f, err := awsconfig.Load(st.credsFile)
	if err != nil {
		return awsconfig.Credentials{}, false, err
	}
	c, ok := awsconfig.ReadCredentials(f, st.profile)
	return c, ok, nil
}

// save stores c and returns notices for the person.
func (st credStore) save(c awsconfig.Credentials) ([]string, error) {
	if st.inCache {
		return nil, st.cache.Save(st.profile, c)
	}
	return awsconfig.Update(st.credsFile, []awsconfig.Change{awsconfig.CredentialsChange(st.profile, c)}, awsconfig.UpdateOptions{Private: true})
}

// where names the store for a person.
func (st credStore) where() string {
	if st.inCache {
		return st.cache.Path(st.profile)
	}
	return fmt.Sprintf("[%s] of %s", st.profile, st.credsFile)
}

// timeLeft is how long c stays valid after now; zero or less when it has
// expired or its expiry is unknown.
func timeLeft(c awsconfig.Credentials, now time.Time) time.Duration {
	if c.Expiration.IsZero() {
		return 0
	}
	return c.Expiration.Sub(now)
}

// sameRole reports whether an assumed-role ARN
// (arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION) acts as the role ARN
// (arn:aws:iam::ACCOUNT:role/PATH/NAME). An empty role matches any.
func sameRole(assumedRoleARN, roleARN string) bool {
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

// lockWait bounds the wait for another awsfed renewing the same profile,
// which may be waiting for a person at a prompt.
const lockWait = 10 * time.Minute

// lockRenewal takes profile's renewal lock, saying on errOut when it waits
// for another awsfed, and giving up after wait with an error that says
// what to do.
func lockRenewal(ctx context.Context, errOut io.Writer, cache credcache.Dir, profile string, wait time.Duration) (unlock func(), err error) {
	lockCtx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	unlock, err = cache.Lock(lockCtx, profile, func() {
		fmt.Fprintf(errOut, "Waiting for another awsfed renewing profile %s…\n", profile)
	})
	if err != nil && ctx.Err() == nil && lockCtx.Err() != nil {
		return nil, fmt.Errorf("another awsfed has been renewing profile %s for %s (waiting at a prompt?); finish or stop it, then try again", profile, wait)
	}
	return unlock, err
}

// renewal is what ensure did.
type renewal struct {
	store credStore
	creds awsconfig.Credentials
	// fresh is set when this call logged in; role and the STS answer
	// are then set too.
	fresh bool
	role  idp.Role
	sts   *assume.Credentials
}

// cacheDir is the folder of the credentials cache and the renewal locks.
func (o *loginOptions) cacheDir() credcache.Dir {
	return credcache.DefaultDir(o.deps.Home, o.deps.Getenv)
}

// ensure returns credentials for the profile of s that stay valid for at
// least minValid: the stored ones if they do and act as the configured
// role (this reads two files and sends nothing), else new ones from a login.
// force always logs in. The login runs under the profile's renewal lock; an
// awsfed that waited for the lock first looks again at the store, which the
// holder has just renewed, so parallel renewals of a profile make one login.
func (o *loginOptions) ensure(ctx context.Context, s *settings, minValid time.Duration, force bool) (*renewal, error) {
	r := &renewal{store: storeFor(s.Profile, s.Paths, s.cfg, o.cacheDir())}
	valid := func() (bool, error) {
		if force {
			return false, nil
		}
		c, ok, err := r.store.load()
		if err != nil || !ok {
			return false, err
		}
		r.creds = c
		return timeLeft(c, o.deps.Now()) >= minValid && sameRole(c.PrincipalARN, s.RoleARN), nil
	}
	if ok, err := valid(); ok || err != nil {
		return r, err
	}
	unlock, err := lockRenewal(ctx, o.deps.Streams.ErrOut, r.store.cache, s.Profile, lockWait)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if ok, err := valid(); ok || err != nil {
		return r, err
	}
	if err := o.login(ctx, s, r); err != nil {
		return nil, err
	}
	return r, nil
}

// login signs in, assumes the role and stores the credentials, and saves
// the login's settings in the profile.
func (o *loginOptions) login(ctx context.Context, s *settings, r *renewal) error {
	a, err := o.authenticate(ctx, s)
	if err != nil {
		return err
	}
	role, err := o.chooseRole(ctx, a, s.RoleARN)
	if err != nil {
		return err
	}
	region := s.Region
	if region == "" {
		region = assume.DefaultRegion(role.RoleARN)
	}
	stsHTTP := &http.Client{Transport: o.deps.Transport(), Timeout: 60 * time.Second}
	client := assume.NewClient(assume.ClientOptions{Region: region, Endpoint: stsEndpoint(o.deps.Getenv), HTTPClient: stsHTTP})
	creds, err := assume.WithSAML(ctx, client, assume.SAMLInput{
		Role:      role,
		Assertion: a.Raw,
		Duration:  assume.ChooseDuration(flagDuration(s), profileDuration(s), a.SessionDuration),
	}, o.deps.Streams.ErrOut)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err // cancelled while STS answered: write nothing
	}
	c := awsconfig.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey,
		SessionToken: creds.SessionToken, Expiration: creds.Expiration, PrincipalARN: creds.AssumedRoleARN}
	notes, err := r.store.save(c)
	o.notes(notes)
	if err != nil {
		return fmt.Errorf("nothing was written: %w", err)
	}
	r.creds, r.fresh, r.role, r.sts = c, true, role, creds
	return o.saveSettings(s, role, region)
}
