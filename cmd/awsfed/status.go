package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/internal/credcache"
)

// statusOptions are the inputs of status.
type statusOptions struct {
	deps *Deps
	json bool
}

func newStatusCmd(deps *Deps, runF func(context.Context, *statusOptions) error) *cobra.Command {
	opts := &statusOptions{deps: deps}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the profiles awsfed manages, the chains built on them and when they expire",
		Long: `List every profile awsfed logs into (a [profile NAME] of the AWS config file
with awsfed_* or aws-google-auth's google_config.* keys): its IdP, user, role,
the principal its stored credentials act as, when they expire and where they
are stored. Under each one, indented, the profiles that chain on it through
role_arn + source_profile, at any depth, with their roles.

Each chained row says the profile it chains on and whether it can be
reached now: "ready" when the awsfed profile at the root holds valid
credentials, "log in first" when not. Chained profiles that cannot be
reached at all, because their source_profile does not exist or the
source_profile settings form a cycle, are reported on standard error.

With --json, standard output is an array with an object per awsfed profile,
in the config file's order, with every key always present: name, idp,
username, role_arn, principal_arn (what the stored credentials act as),
expiration (RFC 3339 in UTC; null without credentials or a known expiry),
expired (true once the stored credentials' expiry has passed), seconds_left
(negative once expired, 0 without an expiry), store (the credentials file
section, or the cache file, that holds the credentials) and chains: the
profiles chained on it, each {name, role_arn, source (its source_profile),
ready (the awsfed profile at the root holds valid credentials, so the
chain is reached without a login), chains}. A value that is not set is ""
or [].

status reads the two AWS files and awsfed's credentials cache, and nothing
else: it never sends anything over the network.`,
		Example: `  awsfed status
  awsfed status --json | jq -r '.[] | select(.seconds_left < 1800) | .name'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runStatus(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, "print the profiles as JSON on standard output")
	return cmd
}

// profileStatus is one awsfed profile as status --json prints it.
type profileStatus struct {
	Name         string `json:"name"`
	IdP          string `json:"idp"`
	Username     string `json:"username"`
	RoleARN      string `json:"role_arn"`
	PrincipalARN string `json:"principal_arn"`
	// Expiration is nil without credentials or without a known expiry.
	Expiration *time.Time `json:"expiration"`
	// Expired is set for stored credentials whose expiry has passed.
	Expired bool `json:"expired"`
	// SecondsLeft is negative once expired, 0 without an expiry.
	SecondsLeft int64         `json:"seconds_left"`
	Store       string        `json:"store"`
	Chains      []chainStatus `json:"chains"`

	hasCreds bool
}

// chainStatus is a profile that chains on its parent through role_arn and
// source_profile.
type chainStatus struct {
	Name    string `json:"name"`
	RoleARN string `json:"role_arn"`
	// Source is the profile it chains on (its source_profile).
	Source string `json:"source"`
	// Ready is set when the awsfed profile at the root holds valid
	// credentials: the chain can be reached without a login.
	Ready  bool          `json:"ready"`
	Chains []chainStatus `json:"chains"`
}

func runStatus(_ context.Context, o *statusOptions) error {
	paths := awsconfig.DefaultPaths(o.deps.Home, o.deps.Getenv)
	cfg, err := awsconfig.Load(paths.Config)
	if err != nil {
		return err
	}
	creds, err := awsconfig.Load(paths.Credentials)
	if err != nil {
		return err
	}
	g := readProfileGraph(cfg, creds)
	cache := credcache.DefaultDir(o.deps.Home, o.deps.Getenv)
	now := o.deps.Now()
	list := make([]profileStatus, 0, len(g.managed))
	for _, name := range g.managed {
		p, err := managedStatus(name, paths, cfg, creds, cache, now)
		if err != nil {
			return err
		}
		p.Chains = g.chainsOn(name, p.hasCreds && !p.Expired)
		list = append(list, p)
	}
	for _, w := range g.problems() {
		fmt.Fprintf(o.deps.Streams.ErrOut, "awsfed: warning: %s\n", w)
	}
	if len(list) == 0 {
		fmt.Fprintf(o.deps.Streams.ErrOut, "No awsfed profiles in %s; create one with: awsfed login --profile NAME --username USER and --idp google --idp-id ID --sp-id ID, or --idp generic --url URL\n", paths.Config)
	}
	if o.json {
		enc := json.NewEncoder(o.deps.Streams.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(list)
	}
	if len(list) == 0 {
		return nil
	}
	return writeStatusTable(o.deps.Streams.Out, list, now)
}

// managedStatus reads what the files say of the awsfed profile name.
func managedStatus(name string, paths awsconfig.Paths, cfg, creds *awsconfig.File, cache credcache.Dir, now time.Time) (profileStatus, error) {
	s := profileSettings(&loginFlags{Profile: name}, func(string) string { return "" }, paths, cfg)
	p := profileStatus{Name: name, IdP: s.IdP, Username: s.Username, RoleARN: s.RoleARN}
	if p.IdP == "" && hasKeyPrefix(s.section, "google_config.") {
		p.IdP = "google" // aws-google-auth's settings
	}
	st := storeFor(name, paths, cfg, cache)
	p.Store = st.where()
	var c awsconfig.Credentials
	if st.inCache {
		var err error
		if c, p.hasCreds, err = st.load(); err != nil {
			return p, err
		}
	} else {
		// The file is read once for all profiles, not by st.load.
		c, p.hasCreds = awsconfig.ReadCredentials(creds, name)
	}
	if !p.hasCreds {
		return p, nil
	}
	p.PrincipalARN = c.PrincipalARN
	if !c.Expiration.IsZero() {
		exp := c.Expiration.UTC()
		left := timeLeft(c, now)
		p.Expiration, p.Expired, p.SecondsLeft = &exp, left <= 0, int64(left/time.Second)
	}
	return p, nil
}

// writeStatusTable prints the profiles as an aligned table, the chained
// profiles indented under the one they build on with only their role.
func writeStatusTable(w io.Writer, list []profileStatus, now time.Time) error {
	rows := [][]string{{"PROFILE", "IDP", "USER", "EXPIRES", "ROLE", "PRINCIPAL", "STORE"}}
	var chains func(cs []chainStatus, depth int)
	chains = func(cs []chainStatus, depth int) {
		for _, c := range cs {
			reach := "→ " + c.Source + ", log in first"
			if c.Ready {
				reach = "→ " + c.Source + ", ready"
			}
			rows = append(rows, []string{strings.Repeat("  ", depth) + c.Name, "", "", reach, c.RoleARN})
			chains(c.Chains, depth+1)
		}
	}
	for _, p := range list {
		rows = append(rows, []string{p.Name, orDash(p.IdP), orDash(p.Username), p.expires(now),
			orDash(p.RoleARN), orDash(p.PrincipalARN), p.Store})
		chains(p.Chains, 1)
	}
	return writeTable(w, rows)
}

// writeTable prints rows with their columns aligned, two spaces apart,
// without trailing space. Widths count runes.
func writeTable(w io.Writer, rows [][]string) error {
	var widths []int
	for _, r := range rows {
		for i, c := range r {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	const spaces = "                                                                "
	b := bufio.NewWriterSize(w, 32<<10)
	for _, r := range rows {
		for i, c := range r {
			b.WriteString(c)
			if i == len(r)-1 {
				break
			}
			for pad := widths[i] - utf8.RuneCountInString(c) + 2; pad > 0; pad -= len(spaces) {
				b.WriteString(spaces[:min(pad, len(spaces))])
			}
		}
		b.WriteByte('\n')
	}
	return b.Flush()
}

// expires says when the credentials expire, in now's time zone, and how
// long that is from now.
func (p *profileStatus) expires(now time.Time) string {
	switch {
	case !p.hasCreds:
		return "no credentials"
	case p.Expiration == nil:
		return "expiry unknown"
	}
	at := p.Expiration.In(now.Location()).Format("2006-01-02 15:04 MST")
	left := p.Expiration.Sub(now)
	switch {
	case p.Expired:
		return fmt.Sprintf("%s (expired %s ago)", at, agoDuration(-left))
	case left < time.Minute:
		return at + " (<1m left)"
	}
	// Whole minutes left, never more than there are.
	return fmt.Sprintf("%s (%s left)", at, humanDuration(left.Truncate(time.Minute)))
}

// agoDuration rounds d down to whole minutes under an hour, hours under
// two days, else days: "<1m", "12m", "2h", "3d".
func agoDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "<1m"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d/time.Hour))
	}
	return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
}

// hasKeyPrefix reports whether a section has a key that starts with prefix.
func hasKeyPrefix(sec map[string]string, prefix string) bool {
	for k := range sec {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// profileGraph is the config file's profiles as status sees them: the
// awsfed profiles, and the chained ones (role_arn + source_profile) by the
// profile they name as their source.
type profileGraph struct {
	managed []string // awsfed profiles, in file order
	chained []string // chained profiles, in file order
	// nodes has every profile of the two files, and every name a
	// source_profile gives.
	nodes map[string]profileNode
}

type profileNode struct {
	exists bool
	// source and role are the source_profile and role_arn of a chained
	// profile; source is empty for any other.
	source, role string
	on           []string // the chained profiles whose source this is, in file order
}

// readProfileGraph reads the profiles of a config file. An awsfed profile
// is never a chained one, even with role_arn and source_profile: it is
// where chains start. A section of the credentials file is a profile too,
// that source_profile may name, as in the AWS CLI.
func readProfileGraph(cfg, creds *awsconfig.File) *profileGraph {
	sections, credsSections := cfg.SectionNames(), creds.SectionNames()
	g := &profileGraph{nodes: make(map[string]profileNode, len(sections)+len(credsSections))}
	for _, name := range credsSections {
		g.nodes[name] = profileNode{exists: true}
	}
	for _, sec := range sections {
		name, ok := strings.CutPrefix(sec, "profile ")
		if !ok && sec != "default" {
			continue // [sso-session x], [services x], …
		}
		if cfg.ProfileSection(name) != sec {
			continue // [default] beside [profile default], which wins
		}
		kv, _ := cfg.Section(sec)
		n := g.nodes[name]
		n.exists = true
		role, src := strings.TrimSpace(kv["role_arn"]), strings.TrimSpace(kv["source_profile"])
		switch {
		case isAWSFedProfile(kv):
			g.managed = append(g.managed, name)
		case role != "" && src != "":
			n.source, n.role = src, role
			g.chained = append(g.chained, name)
		}
		g.nodes[name] = n
	}
	for _, name := range g.chained {
		src := g.nodes[name].source
		n := g.nodes[src]
		n.on = append(n.on, name)
		g.nodes[src] = n
	}
	return g
}

// chainsOn returns the tree of profiles that chain on name; ready It cannot loop:
// a profile below name has a source_profile path that ends at name, so it
// is on no cycle, and a profile whose source_profile is itself is left out.
// ready says whether the root's credentials are valid.
func (g *profileGraph) chainsOn(name string, ready bool) []chainStatus {
	on := g.nodes[name].on
	out := make([]chainStatus, 0, len(on))
	for _, c := range on {
		if c == name {
			continue // source_profile = itself: its own keys, not a chain
		}
		out = append(out, chainStatus{Name: c, RoleARN: g.nodes[c].role, Source: name, Ready: ready, Chains: g.chainsOn(c, ready)})
	}
	return out
}

// problems describes the chained profiles that cannot be reached: those
// whose source_profile does not exist, and the cycles of source_profile
// settings, each once. A profile whose source_profile is itself uses its
// own keys in the AWS CLI, and is no cycle.
func (g *profileGraph) problems() []string {
	var out, walk []string
	done := make(map[string]bool, len(g.chained))
	for _, name := range g.chained {
		if src := g.nodes[name].source; !g.nodes[src].exists {
			out = append(out, fmt.Sprintf("profile %s: its source_profile %s does not exist, so it cannot be used", name, src))
		}
		// Follow the sources from name until a profile that is not
		// chained, one seen from an earlier start, or one seen on this
		// walk: that is a cycle.
		walk = walk[:0]
		for cur := name; ; cur = g.nodes[cur].source {
			if src := g.nodes[cur].source; src == "" || src == cur || done[cur] {
				break
			}
			if i := slices.Index(walk, cur); i >= 0 {
				cycle := strings.Join(walk[i:], " → ") + " → " + cur
				out = append(out, fmt.Sprintf("profiles %s: their source_profile settings form a cycle, so they cannot be used", cycle))
				break
			}
			walk = append(walk, cur)
		}
		for _, p := range walk {
			done[p] = true
		}
	}
	return out
}
