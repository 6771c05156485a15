package main

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/seed-2d15385e/awsfed/assume"
	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/mfa"
)

// chainHelp is the paragraph of exec's, env's and credential-process's
// help on chained profiles.
const chainHelp = `A profile chained on an awsfed profile through source_profile and role_arn,
at any depth, works too: awsfed renews the awsfed profile at the root of the
chain as above, then assumes each role of the chain with AssumeRole (honouring
duration_seconds, at most 1h for chained roles, external_id,
role_session_name and mfa_serial), on every call: those credentials are not
stored.

`

// chainHop is one profile of a chain: role_arn assumed with the
// credentials of the profile it names as source_profile.
type chainHop struct {
	profile     string
	roleARN     string
	sessionName string // role_session_name; "" for the root's session name
	externalID  string
	mfaSerial   string
	region      string
	duration    time.Duration // duration_seconds; 0 when unset
}

// resolveChain follows source_profile from profile name down to the awsfed
// profile at its root. It returns that root and the hops from the root up
// to name, in the order they are assumed; no hops when name is not a
// chained profile (an awsfed profile, a profile without source_profile, or
// no profile at all), which the caller then handles as before. A
// source_profile that does not exist, a cycle, a hop without role_arn or
// a chain that does not end in an awsfed profile is a usage error.
func resolveChain(name string, cfg *awsconfig.File, configPath string) (string, []chainHop, error) {
	sec, ok := cfg.Profile(name)
	if !ok || isAWSFedProfile(sec) || strings.TrimSpace(sec["source_profile"]) == "" {
		return "", nil, nil
	}
	var hops []chainHop
	path := []string{name}
	seen := map[string]bool{name: true}
	for cur := name; ; {
		sec, _ := cfg.Profile(cur)
		hop, err := readHop(cur, sec, configPath)
		if err != nil {
			return "", nil, err
		}
		hops = append([]chainHop{hop}, hops...)
		src := strings.TrimSpace(sec["source_profile"])
		path = append(path, src)
		if seen[src] {
			return "", nil, usagef(fmt.Sprintf("profile %s: its source_profile settings form a cycle (%s) in %s; no profile of a cycle can get credentials",
				name, strings.Join(path, " → "), configPath))
		}
		seen[src] = true
		next, ok := cfg.Profile(src)
		switch {
		case !ok:
			return "", nil, usagef(fmt.Sprintf("profile %s: [%s] has source_profile = %s, which is not a profile in %s",
				name, awsconfig.ConfigSection(cur), src, configPath))
		case isAWSFedProfile(next):
			return src, hops, nil
		case strings.TrimSpace(next["source_profile"]) == "":
			return "", nil, usagef(fmt.Sprintf("profile %s chains on %s (%s), which is not an awsfed profile and has no source_profile; awsfed resolves chains that end in an awsfed profile only",
				name, src, strings.Join(path, " → ")))
		}
		cur = src
	}
}

// readHop reads the role settings of profile name from its config section.
func readHop(name string, sec map[string]string, configPath string) (chainHop, error) {
	at := fmt.Sprintf("in [%s] of %s", awsconfig.ConfigSection(name), configPath)
	h := chainHop{
		profile:     name,
		roleARN:     strings.TrimSpace(sec["role_arn"]),
		sessionName: strings.TrimSpace(sec["role_session_name"]),
		externalID:  strings.TrimSpace(sec["external_id"]),
		mfaSerial:   strings.TrimSpace(sec["mfa_serial"]),
		region:      strings.TrimSpace(sec[keyRegion]),
	}
	if h.roleARN == "" {
		return h, usagef(fmt.Sprintf("profile %s has a source_profile but no role_arn %s", name, at))
	}
	if v := strings.TrimSpace(sec["duration_seconds"]); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return h, usagef(fmt.Sprintf("duration_seconds = %q %s: use a number of seconds, 900 to 3600 for a chained role", v, at))
		}
		h.duration = time.Duration(n) * time.Second
	}
	return h, nil
}

// sessionNameOf returns the session part of an assumed-role ARN
// (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION), or "".
func sessionNameOf(assumedRoleARN string) string {
	_, rest, ok := strings.Cut(assumedRoleARN, ":assumed-role/")
	if !ok {
		return ""
	}
	_, session, _ := strings.Cut(rest, "/")
	return session
}

// assumeChain assumes the roles of hops one after the other, the first
// with the root's credentials c, each next one with the credentials of the
// one before, and returns the last hop's credentials. Each hop's STS client
// uses the hop profile's region, else root's region, else the default of
// the role's partition; AWS_ENDPOINT_URL_STS as login does. A
// duration_seconds above AWS's 1h limit for chained roles is lowered to 1h,
// with one note on stderr. Nothing is stored. An error names the hop's
// profile; an STS refusal, an *assume.Error, also names its role.
func (o *loginOptions) assumeChain(ctx context.Context, c awsconfig.Credentials, rootRegion string, hops []chainHop) (awsconfig.Credentials, error) {
	o.clampNote(clampHops(hops))
	return o.assumeHops(ctx, c, rootRegion, hops, new(sync.Mutex))
}

// clampHops lowers each duration_seconds above AWS's 1h limit for chained
// roles to 1h and returns the profiles it lowered, with their settings.
func clampHops(hops []chainHop) []string {
	var clamped []string
	for i, h := range hops {
		if h.duration > assume.MaxChainedDuration {
			clamped = append(clamped, fmt.Sprintf("%s (%s)", h.profile, h.duration))
			hops[i].duration = assume.MaxChainedDuration
		}
	}
	return clamped
}

// clampNote says, in one note, which durations clampHops lowered.
func (o *loginOptions) clampNote(clamped []string) {
	if len(clamped) > 0 {
		o.notes([]string{fmt.Sprintf("duration_seconds of profile %s exceeds AWS's 1h limit for chained roles; asked for 1h",
			strings.Join(clamped, ", "))})
	}
}

// assumeHops does the AssumeRole calls of assumeChain. It is safe for
// concurrent use by calls that share codes, which serialises the MFA
// codes' prompts.
func (o *loginOptions) assumeHops(ctx context.Context, c awsconfig.Credentials, rootRegion string, hops []chainHop, codes *sync.Mutex) (awsconfig.Credentials, error) {
	session := cmp.Or(sessionNameOf(c.PrincipalARN), "awsfed")
	stsHTTP := &http.Client{Transport: o.deps.Transport(), Timeout: 60 * time.Second}
	prev := assume.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
	var out *assume.Credentials
	for _, h := range hops {
		client := assume.NewSignedClient(assume.ClientOptions{
			Region:     cmp.Or(h.region, rootRegion, assume.DefaultRegion(h.roleARN)),
			Endpoint:   stsEndpoint(o.deps.Getenv),
			HTTPClient: stsHTTP,
		}, prev)
		in := assume.RoleInput{RoleARN: h.roleARN, SessionName: cmp.Or(h.sessionName, session),
			ExternalID: h.externalID, Duration: h.duration, SerialNumber: h.mfaSerial}
		if h.mfaSerial != "" {
			codes.Lock()
			code, err := o.hopCodes(h).Code(ctx, "MFA code for "+h.mfaSerial)
			codes.Unlock()
			if err != nil {
				return awsconfig.Credentials{}, fmt.Errorf("chained profile %s (role %s): %w", h.profile, h.roleARN, err)
			}
			in.TokenCode = code
		}
		var err error
		out, err = assume.Role(ctx, client, in)
		if err != nil {
			return awsconfig.Credentials{}, fmt.Errorf("chained profile %s: %w", h.profile, err)
		}
		prev = *out
	}
	return awsconfig.Credentials{AccessKeyID: out.AccessKeyID, SecretAccessKey: out.SecretAccessKey,
		SessionToken: out.SessionToken, Expiration: out.Expiration, PrincipalARN: out.AssumedRoleARN}, nil
}

// hopCodes is the source of the MFA code for a hop with mfa_serial:
// AWSFED_MFA_CODE, else a prompt on the terminal. The IdP's TOTP secret
// (AWSFED_TOTP_SECRET, awsfed_totp_secret_command) is not used: it belongs
// to the IdP account, not to the AWS MFA device.
func (o *loginOptions) hopCodes(h chainHop) *mfa.Codes {
	c := &mfa.Codes{
		Fixed:        o.deps.Getenv("AWSFED_MFA_CODE"),
		Status:       o.deps.Streams.ErrOut,
		Now:          o.deps.Now,
		MaxAttempts:  1,
		NoPromptHint: fmt.Sprintf("profile %s has mfa_serial = %s: set AWSFED_MFA_CODE, or run on a terminal", h.profile, h.mfaSerial),
	}
	if o.canPrompt() {
		c.Prompt = o.askCode
	}
	return c
}

// chained returns the settings and credentials of the last profile of
// hops, assumed from the root's renewal r: the region is AWS_REGION, else
// AWS_DEFAULT_REGION, else the last profile's region, else the root's. The
// credentials are not stored anywhere (the AWS CLI and SDKs keep their own
// cache), so every call assumes the roles again.
func (o *loginOptions) chained(ctx context.Context, s *settings, r *renewal, hops []chainHop) (*settings, *renewal, error) {
	c, err := o.assumeChain(ctx, r.creds, s.Region, hops)
	if err != nil {
		return nil, nil, err
	}
	cs, cr := *s, *r
	cs.Profile = hops[len(hops)-1].profile
	cs.RoleARN = hops[len(hops)-1].roleARN
	cs.Region = cmp.Or(o.deps.Getenv("AWS_REGION"), o.deps.Getenv("AWS_DEFAULT_REGION"), hops[len(hops)-1].region, s.Region)
	cr.creds = c
	return &cs, &cr, nil
}
