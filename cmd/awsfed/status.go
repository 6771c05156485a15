package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/seed-2d15385e/awsfed/internal/credcache"
	"github.com/seed-2d15385e/awsfed/profile"
	"github.com/seed-2d15385e/awsfed/renew"
	"github.com/seed-2d15385e/awsfed/sources"
	"github.com/seed-2d15385e/awsfed/sso"
	"github.com/seed-2d15385e/awsfed/ui"
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

Below the table, the IAM Identity Center sessions the profiles use: the
portal's start URL and region, how long the cached token lasts and whether
it can be refreshed with no person (while the portal session lasts), and
the profiles that use it.

With --json, standard output is an array with an object per awsfed profile,
in the config file's order, with every key always present: name, idp,
username, role_arn, principal_arn (what the stored credentials act as),
expiration (RFC 3339 in UTC; null without credentials or a known expiry),
expired (true once the stored credentials' expiry has passed), seconds_left
(negative once expired, 0 without an expiry), store (the credentials file
section, or the cache file, that holds the credentials), sso_session,
account_id and role_name (an IAM Identity Center profile's) and chains: the
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
	// SSOSession, AccountID and RoleName are an IAM Identity Center
	// profile's; "" for the others.
	SSOSession string `json:"sso_session"`
	AccountID  string `json:"account_id"`
	RoleName   string `json:"role_name"`

	hasCreds bool
	role     string // the role as the table names it
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
	g, err := loadGraph(o.deps)
	if err != nil {
		return err
	}
	cache := cacheDir(o.deps)
	now := o.deps.Now()
	trees := g.Trees()
	managed := g.AWSFed()
	list := make([]profileStatus, 0, len(managed))
	for _, name := range managed {
		p, err := managedStatus(g, name, cache, now)
		if err != nil {
			return err
		}
		p.Chains = chainsStatus(trees[name], p.hasCreds && !p.Expired)
		list = append(list, p)
	}
	for _, w := range g.Problems() {
		fmt.Fprintf(o.deps.Streams.ErrOut, "awsfed: warning: %s\n", w)
	}
	if len(list) == 0 {
		fmt.Fprintf(o.deps.Streams.ErrOut, "No awsfed profiles in %s; create one with: awsfed login --profile NAME --username USER and --idp google --idp-id ID --sp-id ID, or --idp generic --url URL, or --idp sso --start-url URL --sso-region REGION\n", g.Paths().Config)
	}
	if o.json {
		enc := json.NewEncoder(o.deps.Streams.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(list)
	}
	if len(list) == 0 {
		return nil
	}
	if err := writeStatusTable(o.deps.Streams.Out, list, now); err != nil {
		return err
	}
	return writeSessionsTable(o.deps.Streams.Out, g, sso.CacheDir(o.deps.Home), list, now)
}

// chainsStatus is the tree of chained profiles as status shows it; ready
// says whether the root's credentials are valid.
func chainsStatus(nodes []profile.Node, ready bool) []chainStatus {
	out := make([]chainStatus, 0, len(nodes))
	for _, n := range nodes {
		out = append(out, chainStatus{Name: n.Name, RoleARN: n.RoleARN, Source: n.Source, Ready: ready, Chains: chainsStatus(n.Chains, ready)})
	}
	return out
}

// managedStatus reads what the files say of the awsfed profile name.
func managedStatus(g *profile.Graph, name string, cache credcache.Dir, now time.Time) (profileStatus, error) {
	d := sources.Describe(g, name)
	p := profileStatus{Name: name, IdP: d.IdP, Username: d.Username, RoleARN: d.RoleARN,
		SSOSession: d.SSOSession, AccountID: d.AccountID, RoleName: d.RoleName, role: d.Role()}
	st := renew.StoreFor(g.Lookup(name), g.Paths(), cache)
	p.Store = st.Where()
	c, ok, err := st.LoadFrom(g)
	if err != nil {
		return p, err
	}
	if p.hasCreds = ok; !ok {
		return p, nil
	}
	p.PrincipalARN = c.PrincipalARN
	if p.Username == "" {
		// Role sessions are named after the user (IAM Identity Center's,
		// awsfed's), and an IAM user's session is the user's.
		p.Username = renew.SessionName(c.PrincipalARN)
	}
	if !c.Expiration.IsZero() {
		exp := c.Expiration.UTC()
		left := renew.TimeLeft(c, now)
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
			orDash(p.role), orDash(p.PrincipalARN), p.Store})
		chains(p.Chains, 1)
	}
	return writeTable(w, rows)
}

// writeSessionsTable prints the IAM Identity Center sessions the profiles
// of list use: their portal, and what the cached token allows, read from
// the AWS CLI's cache without any request.
func writeSessionsTable(w io.Writer, g *profile.Graph, cacheDir string, list []profileStatus, now time.Time) error {
	var names []string
	uses := map[string][]string{}
	for _, p := range list {
		if p.SSOSession == "" {
			continue
		}
		if _, ok := uses[p.SSOSession]; !ok {
			names = append(names, p.SSOSession)
		}
		uses[p.SSOSession] = append(uses[p.SSOSession], p.Name)
	}
	if len(names) == 0 {
		return nil
	}
	rows := [][]string{{"SSO SESSION", "START URL", "REGION", "TOKEN", "PROFILES"}}
	for _, name := range names {
		s := sso.ReadSession(g, name)
		state := sso.TokenState(cacheDir, s, "awsfed login --profile "+uses[name][0], now)
		rows = append(rows, []string{name, orDash(s.StartURL), orDash(s.Region), state, strings.Join(uses[name], ", ")})
	}
	fmt.Fprintln(w)
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
	return fmt.Sprintf("%s (%s left)", at, ui.HumanDuration(left.Truncate(time.Minute)))
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

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
