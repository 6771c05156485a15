package renew

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/internal/credcache"
	"github.com/seed-2d15385e/awsfed/profile"
	"github.com/seed-2d15385e/awsfed/ui"
)

// Source gets new credentials for an awsfed profile: a sign-in through
// the profile's IdP today (package signin), a browser, IAM Identity Center
// or an IAM user's keys later. Retrieve is called under the profile's
// renewal lock, at most once per renewal, and may ask a person through
// the prompter it was built with.
type Source interface {
	Retrieve(ctx context.Context) (*Retrieved, error)
}

// Retrieved is what a Source got.
type Retrieved struct {
	Credentials awsconfig.Credentials
	// RoleARN is the role the credentials act as, and ProviderARN the
	// identity provider STS trusted for it, when the Source knows them.
	RoleARN, ProviderARN string
	// Stored, if set, runs once the credentials are stored (the SAML
	// sign-in then saves the settings it used in the profile); its error
	// is the renewal's, though the credentials stay stored.
	Stored func() error
}

// LockWait bounds the wait for another awsfed renewing the same profile,
// which may be waiting for a person at a prompt.
const LockWait = 10 * time.Minute

// Lock takes profile's renewal lock in cache, saying on status when it
// waits for another awsfed, and giving up after wait with an error that
// says what to do. The returned function releases the lock.
func Lock(ctx context.Context, status io.Writer, cache credcache.Dir, profile string, wait time.Duration) (unlock func(), err error) {
	lockCtx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	unlock, err = cache.Lock(lockCtx, profile, func() {
		fmt.Fprintf(status, "Waiting for another awsfed renewing profile %s…\n", profile)
	})
	if err != nil && ctx.Err() == nil && lockCtx.Err() != nil {
		return nil, fmt.Errorf("another awsfed has been renewing profile %s for %s (waiting at a prompt?); finish or stop it, then try again", profile, wait)
	}
	return unlock, err
}

// Renewer renews one awsfed profile's credentials.
type Renewer struct {
	Store  Store
	Source Source
	// RoleARN is the role the stored credentials must act as to be
	// handed out; "" accepts any.
	RoleARN string
	Now     func() time.Time
	// Status receives the lock's waiting line and the store's notes.
	Status io.Writer
	// LockWait bounds the wait for another renewal; 0 means LockWait.
	LockWait time.Duration
	// Graph, if set, is the AWS files as the command read them: the first
	// look at the store reads the credentials file from it, not again
	// from disk (credential-process answers from it in milliseconds); the
	// look after the lock reads the store anew.
	Graph *profile.Graph
}

// Renewal is what Ensure did.
type Renewal struct {
	Credentials awsconfig.Credentials
	// Fresh is set when this call got new credentials from the Source;
	// Retrieved is then what the Source said.
	Fresh     bool
	Retrieved *Retrieved
}

// Ensure returns credentials that stay valid for at least minValid: the
// stored ones if they do and act as RoleARN (this reads files and sends
// nothing), else new ones from the Source, which it stores. force always
// asks the Source. The Source runs under the profile's renewal lock; an
// awsfed that waited for the lock first looks again at the store, which the
// holder has just renewed, so parallel renewals of a profile make one
// sign-in.
func (r *Renewer) Ensure(ctx context.Context, minValid time.Duration, force bool) (*Renewal, error) {
	out := &Renewal{}
	valid := func(first bool) (bool, error) {
		if force {
			return false, nil
		}
		load := r.Store.Load
		if first && r.Graph != nil {
			load = func() (awsconfig.Credentials, bool, error) { return r.Store.LoadFrom(r.Graph) }
		}
		c, ok, err := load()
		if err != nil || !ok {
			return false, err
		}
		out.Credentials = c
		return TimeLeft(c, r.Now()) >= minValid && SameRole(c.PrincipalARN, r.RoleARN), nil
	}
	if ok, err := valid(true); ok || err != nil {
		return out, err
	}
	wait := r.LockWait
	if wait == 0 {
		wait = LockWait
	}
	unlock, err := Lock(ctx, r.Status, r.Store.Cache, r.Store.Profile, wait)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if ok, err := valid(false); ok || err != nil {
		return out, err
	}
	got, err := r.Source.Retrieve(ctx)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err // cancelled while the source answered: store nothing
	}
	notes, err := r.Store.Save(got.Credentials)
	ui.Notes(r.Status, notes...)
	if err != nil {
		return nil, fmt.Errorf("nothing was written: %w", err)
	}
	out.Credentials, out.Fresh, out.Retrieved = got.Credentials, true, got
	if got.Stored != nil {
		if err := got.Stored(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// SaveSettings writes changes, the settings a Source's login used, into
// the config file at configPath, once the credentials are stored (a
// Retrieved.Stored step), saying the write's notes on status. Nothing to
// change writes nothing.
func SaveSettings(status io.Writer, configPath string, changes []awsconfig.Change) error {
	if len(changes) == 0 {
		return nil
	}
	notes, err := awsconfig.Update(configPath, changes, awsconfig.UpdateOptions{})
	ui.Notes(status, notes...)
	if err != nil {
		return fmt.Errorf("the credentials were written, but saving the login settings failed: %w", err)
	}
	return nil
}
