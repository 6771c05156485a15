package renew

import (
	"cmp"
	"context"
	"io"
	"time"

	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/internal/credcache"
	"github.com/seed-2d15385e/awsfed/profile"
	"github.com/seed-2d15385e/awsfed/ui"
)

// Root is an awsfed profile as a Provider renews it.
type Root struct {
	// Source gets the profile new credentials.
	Source Source
	// RoleARN is the role its stored credentials must act as; "" any.
	RoleARN string
	// Region is its region as the AWS CLI would pick it: the
	// environment's, else the profile's; "" when neither has one.
	Region string
	// Force is set when the stored credentials are for other settings
	// than the ones given (another account or role): they are renewed
	// whatever their time left.
	Force bool
}

// Provider hands out the credentials of a chain (profile.Chain): those of
// its awsfed root, renewed through the root's Source when they would run
// out, then, for a chained profile, the roles of its hops assumed one by
// one on every call (those credentials are not stored: the AWS CLI and the
// SDKs keep their own cache).
type Provider struct {
	Graph *profile.Graph
	Cache credcache.Dir
	Now   func() time.Time
	// Status receives what a person should see: the lock's waiting line,
	// notes, and the result line of a renewal.
	Status io.Writer
	// Root returns how to renew the awsfed profile name.
	Root func(name string) (*Root, error)
	// Assumer assumes a chain's roles.
	Assumer *Assumer
	// EnvRegion is AWS_REGION, else AWS_DEFAULT_REGION, or "".
	EnvRegion string
}

// Result is what Provider.Credentials hands out.
type Result struct {
	Credentials awsconfig.Credentials
	// Region is the region for the credentials as the AWS CLI would pick
	// it for the profile: EnvRegion, else the profile's region (for a
	// chain, its last profile's, else its root's); "" when none is set.
	Region string
	// RoleARN is the role the credentials act as, when configured.
	RoleARN string
	// Renewal is what became of the root's credentials.
	Renewal *Renewal
}

// Renew returns the awsfed profile name's credentials, valid for at least
// minValid (force: new ones in any case), and how it renews them. It
// prints nothing of its own but the store's notes.
func (p *Provider) Renew(ctx context.Context, name string, minValid time.Duration, force bool) (*Renewal, *Root, error) {
	root, err := p.Root(name)
	if err != nil {
		return nil, nil, err
	}
	r := &Renewer{Store: StoreFor(p.Graph.Lookup(name), p.Graph.Paths(), p.Cache), Source: root.Source,
		RoleARN: root.RoleARN, Now: p.Now, Status: p.Status, Graph: p.Graph}
	ren, err := r.Ensure(ctx, minValid, force || root.Force)
	if err != nil {
		return nil, nil, err
	}
	return ren, root, nil
}

// Credentials returns the credentials of chain c, its root's valid for at
// least minValid, saying on Status when it renewed the root's.
func (p *Provider) Credentials(ctx context.Context, c *profile.Chain, minValid time.Duration) (*Result, error) {
	ren, root, err := p.Renew(ctx, c.Root, minValid, false)
	if err != nil {
		return nil, err
	}
	if ren.Fresh {
		ui.ResultLine(p.Status, p.Now(), ren.Credentials.PrincipalARN, "profile "+c.Root, ren.Credentials.Expiration)
	}
	out := &Result{Credentials: ren.Credentials, Region: root.Region, RoleARN: root.RoleARN, Renewal: ren}
	if len(c.Hops) == 0 {
		return out, nil
	}
	creds, err := p.Assumer.Chain(ctx, ren.Credentials, root.Region, c.Hops)
	if err != nil {
		return nil, err
	}
	last := c.Hops[len(c.Hops)-1]
	out.Credentials, out.RoleARN = creds, last.RoleARN
	out.Region = cmp.Or(p.EnvRegion, last.Region, root.Region)
	return out, nil
}
