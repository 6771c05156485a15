package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/seed-2d15385e/awsfed/awsconfig"
)

// materializeParallel bounds the chains login --also resolves at once:
// enough that 20 targets take one round (about one AssumeRole), few enough
// to stay far below STS's request rate quotas.
const materializeParallel = 20

// defaultStaticSuffix names the credentials file section of a
// materialized chained profile: NAME-static.
const defaultStaticSuffix = "-static"

// materializeFlags are login's --also, --all-chains and --suffix.
type materializeFlags struct {
	also      []string
	allChains bool
	suffix    string
}

// addMaterializeFlags adds login's flags for writing chained profiles'
// credentials to the credentials file.
func addMaterializeFlags(cmd *cobra.Command, f *materializeFlags) {
	fl := cmd.Flags()
	fl.StringSliceVar(&f.also, "also", nil, "after the login, assume the roles of these profiles chained on the awsfed profile and write their credentials to the credentials file as NAME-static (comma-separated, repeatable)")
	fl.BoolVar(&f.allChains, "all-chains", false, "like --also, for every profile chained on the awsfed profile")
	fl.StringVar(&f.suffix, "suffix", defaultStaticSuffix, "suffix of the credentials file sections --also and --all-chains write")
}

// materialized is one chained profile's outcome.
type materialized struct {
	name  string
	creds awsconfig.Credentials
	err   error
}

// materialize assumes the roles of the profiles f names, chained on the
// awsfed profile of s whose credentials r holds, at most
// materializeParallel at a time, and writes the credentials of those that
// worked to the credentials file as NAME+suffix in one update. A profile
// that fails is reported and does not stop the others; the returned error
// joins every failure (an STS refusal makes the exit code 5).
func (o *loginOptions) materialize(ctx context.Context, s *settings, r *renewal, f *materializeFlags) error {
	cfg := s.cfg
	names := f.also
	if f.allChains {
		names = chainedOn(s.Profile, cfg)
		if len(names) == 0 {
			fmt.Fprintf(o.deps.Streams.ErrOut, "No profile chains on %s; nothing more to write\n", s.Profile)
			return nil
		}
	}
	type job struct {
		name string
		hops []chainHop
	}
	var (
		jobs    []job
		errs    []error
		clamped []string
	)
	for _, name := range names {
		name = strings.TrimSpace(name)
		root, hops, err := resolveChain(name, cfg, s.Paths.Config)
		switch {
		case err != nil:
			errs = append(errs, err)
		case hops == nil || root != s.Profile:
			errs = append(errs, usagef(fmt.Sprintf("--also %s: profile %s does not chain on %s through source_profile", name, name, s.Profile)))
		default:
			clamped = append(clamped, clampHops(hops)...)
			jobs = append(jobs, job{name, hops})
		}
	}
	o.clampNote(clamped)

	results := make([]materialized, len(jobs))
	sem := make(chan struct{}, materializeParallel)
	var wg sync.WaitGroup
	codes := new(sync.Mutex)
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			c, err := o.assumeHops(ctx, r.creds, s.Region, j.hops, codes)
			results[i] = materialized{name: j.name, creds: c, err: err}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err // cancelled: write nothing
	}

	var changes []awsconfig.Change
	var written []materialized
	for _, m := range results {
		if m.err != nil {
			errs = append(errs, m.err)
			continue
		}
		changes = append(changes, awsconfig.CredentialsChange(m.name+f.suffix, m.creds))
		written = append(written, m)
	}
	if len(changes) > 0 {
		notes, err := awsconfig.Update(s.Paths.Credentials, changes, awsconfig.UpdateOptions{Private: true})
		o.notes(notes)
		if err != nil {
			return errors.Join(append([]error{fmt.Errorf("no chained credentials were written: %w", err)}, errs...)...)
		}
		for _, m := range written {
			o.resultLine(m.creds.PrincipalARN, m.name+f.suffix+" of "+s.Paths.Credentials, m.creds.Expiration)
		}
	}
	return errors.Join(errs...)
}

// chainedOn returns the profiles of cfg that chain on root through
// source_profile, at any depth, in the file's order.
func chainedOn(root string, cfg *awsconfig.File) []string {
	var out []string
	for _, sec := range cfg.SectionNames() {
		name, ok := strings.CutPrefix(sec, "profile ")
		if !ok && sec != "default" {
			continue
		}
		if cfg.ProfileSection(name) != sec {
			continue
		}
		if r, hops, err := resolveChain(name, cfg, ""); err == nil && hops != nil && r == root {
			out = append(out, name)
		}
	}
	return out
}
