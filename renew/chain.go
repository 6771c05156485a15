package renew

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/seed-2d15385e/awsfed/assume"
	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/idp"
	"github.com/seed-2d15385e/awsfed/profile"
	"github.com/seed-2d15385e/awsfed/ui"
)

// Assumer assumes the roles of chains with STS AssumeRole.
type Assumer struct {
	// Transport returns the round tripper of the STS requests, which
	// bounds their time and size (internal/httplimit); called only when
	// a role is assumed, so that a command that assumes none builds no
	// network client.
	Transport func() http.RoundTripper
	// Endpoint is the STS endpoint (AWS_ENDPOINT_URL_STS); "" for AWS's.
	Endpoint string
	// Codes returns the source of the MFA code for a hop with mfa_serial.
	Codes func(h profile.Hop) idp.CodeSource
	// Status receives notes for the person.
	Status io.Writer
}

// Chain assumes the roles of hops one after the other, the first with the
// root's credentials c, each next one with the credentials of the one
// before, and returns the last hop's credentials. Each hop's STS client
// uses the hop profile's region, else rootRegion, else the default of the
// role's partition. A duration_seconds above AWS's 1h limit for chained
// roles is lowered to 1h, with one note. Nothing is stored. An error names
// the hop's profile; an STS refusal, an *assume.Error, also names its role.
func (a *Assumer) Chain(ctx context.Context, c awsconfig.Credentials, rootRegion string, hops []profile.Hop) (awsconfig.Credentials, error) {
	hops = slices.Clone(hops)
	ui.Notes(a.Status, clampNote(clampHops(hops))...)
	return a.assume(ctx, c, rootRegion, hops, new(sync.Mutex))
}

// clampHops lowers each duration above AWS's 1h limit for chained roles to
// 1h and returns the profiles it lowered, with their settings.
func clampHops(hops []profile.Hop) []string {
	var clamped []string
	for i, h := range hops {
		if h.Duration > assume.MaxChainedDuration {
			clamped = append(clamped, fmt.Sprintf("%s (%s)", h.Profile, h.Duration))
			hops[i].Duration = assume.MaxChainedDuration
		}
	}
	return clamped
}

// clampNote is the one note that says which durations clampHops lowered.
func clampNote(clamped []string) []string {
	if len(clamped) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("duration_seconds of profile %s exceeds AWS's 1h limit for chained roles; asked for 1h",
		strings.Join(clamped, ", "))}
}

// assume does the AssumeRole calls of Chain. It is safe for concurrent use
// by calls that share codes, which serialises the MFA codes' prompts.
func (a *Assumer) assume(ctx context.Context, c awsconfig.Credentials, rootRegion string, hops []profile.Hop, codes *sync.Mutex) (awsconfig.Credentials, error) {
	session := cmp.Or(SessionName(c.PrincipalARN), "awsfed")
	httpClient := &http.Client{Transport: a.Transport()}
	prev := c
	for _, h := range hops {
		client := assume.NewSignedClient(assume.ClientOptions{
			Region:     cmp.Or(h.Region, rootRegion, assume.DefaultRegion(h.RoleARN)),
			Endpoint:   a.Endpoint,
			HTTPClient: httpClient,
			OneAttempt: h.MFASerial != "", // a code is never sent twice
		}, prev)
		in := assume.RoleInput{RoleARN: h.RoleARN, SessionName: cmp.Or(h.SessionName, session),
			ExternalID: h.ExternalID, Duration: h.Duration, SerialNumber: h.MFASerial}
		if h.MFASerial != "" {
			codes.Lock()
			code, err := a.Codes(h).Code(ctx, "MFA code for "+h.MFASerial)
			codes.Unlock()
			if err != nil {
				return awsconfig.Credentials{}, fmt.Errorf("chained profile %s (role %s): %w", h.Profile, h.RoleARN, err)
			}
			in.TokenCode = code
		}
		out, err := assume.Role(ctx, client, in)
		if err != nil {
			return awsconfig.Credentials{}, fmt.Errorf("chained profile %s: %w", h.Profile, err)
		}
		prev = *out
	}
	return prev, nil
}

// MaterializeParallel bounds the chains Materialize resolves at once:
// enough that 20 targets take one round (about one AssumeRole), few enough
// to stay far below STS's request rate quotas.
const MaterializeParallel = 20

// Materialize assumes the roles of the profiles names, each chained on the
// awsfed profile root of g whose credentials are c, at most
// MaterializeParallel at a time, and writes the credentials of those that
// worked into the credentials file as NAME+suffix, in one update, with a
// result line each on Status (times from now). A profile that fails is
// reported and does not stop the others; the returned error joins every
// failure. A name that does not chain on root is a *profile.ConfigError.
func (a *Assumer) Materialize(ctx context.Context, g *profile.Graph, root string, c awsconfig.Credentials, rootRegion string, names []string, suffix string, now time.Time) error {
	type job struct {
		name  string
		hops  []profile.Hop
		creds awsconfig.Credentials
		err   error
	}
	var (
		jobs    []*job
		errs    []error
		clamped []string
	)
	for _, name := range names {
		name = strings.TrimSpace(name)
		ch, err := g.Resolve(name)
		switch {
		case err != nil:
			errs = append(errs, err)
		case len(ch.Hops) == 0 || ch.Root != root:
			errs = append(errs, profile.Errorf("--also %s: profile %s does not chain on %s through source_profile", name, name, root))
		default:
			hops := slices.Clone(ch.Hops)
			clamped = append(clamped, clampHops(hops)...)
			jobs = append(jobs, &job{name: name, hops: hops})
		}
	}
	ui.Notes(a.Status, clampNote(clamped)...)

	sem := make(chan struct{}, MaterializeParallel)
	var wg sync.WaitGroup
	codes := new(sync.Mutex)
	for _, j := range jobs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			j.creds, j.err = a.assume(ctx, c, rootRegion, j.hops, codes)
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err // cancelled: write nothing
	}

	var changes []awsconfig.Change
	var written []*job
	for _, j := range jobs {
		if j.err != nil {
			errs = append(errs, j.err)
			continue
		}
		changes = append(changes, awsconfig.CredentialsChange(j.name+suffix, j.creds))
		written = append(written, j)
	}
	if len(changes) > 0 {
		path := g.Paths().Credentials
		notes, err := awsconfig.Update(path, changes, awsconfig.UpdateOptions{Private: true})
		ui.Notes(a.Status, notes...)
		if err != nil {
			return errors.Join(append([]error{fmt.Errorf("no chained credentials were written: %w", err)}, errs...)...)
		}
		for _, j := range written {
			ui.ResultLine(a.Status, now, j.creds.PrincipalARN, j.name+suffix+" of "+path, j.creds.Expiration)
		}
	}
	return errors.Join(errs...)
}
