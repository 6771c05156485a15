package main

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/profile"
	"github.com/seed-2d15385e/awsfed/signin"
	"github.com/seed-2d15385e/awsfed/sources"
	"github.com/seed-2d15385e/awsfed/sso"
	"github.com/seed-2d15385e/awsfed/ui"
)

// defaultSSONameTemplate names a role's profile as the AWS access portal
// does: 111111111111_PowerUserAccess.
const defaultSSONameTemplate = "{account_id}_{role_name}"

// ssoNamePlaceholders are the placeholders of --name.
var ssoNamePlaceholders = []string{"account_id", "account_name", "role_name", "session"}

// ssoProfileKeys are the keys configure sso-profiles writes into a profile,
// in either mode: those a profile it wrote has and the mode does not want
// are removed; its other keys are the person's and stay.
var ssoProfileKeys = []string{profile.KeySSOSession, profile.KeySSOAccount, profile.KeySSORole,
	profile.KeyIdP, profile.KeyAWSFedSSOSession, profile.KeySSOAccountID, profile.KeySSORoleName,
	profile.KeyRegion, profile.KeyCredentialProcess, profile.KeySSOFrom}

// configureSSOOptions are the inputs of configure sso-profiles.
type configureSSOOptions struct {
	deps        *Deps
	profile     string
	all         bool
	accounts    []string
	roles       []string
	fromFile    string
	name        string
	region      string
	diff        bool
	prune       bool
	credProcess bool
	noPrompt    bool
}

func newConfigureSSOCmd(deps *Deps, runF func(context.Context, *configureSSOOptions) error) *cobra.Command {
	opts := &configureSSOOptions{deps: deps}
	cmd := &cobra.Command{
		Use:   "sso-profiles --profile PROFILE (--all | --accounts ID,… | --roles NAME,… | --from-file FILE)",
		Short: "Write a profile for each account and role of an IAM Identity Center profile",
		Long: `List the accounts and roles IAM Identity Center grants through the awsfed
profile PROFILE (as "awsfed roles" does, signing in if needed), and write one
standard profile per chosen role into the AWS config file, which the AWS CLI and
the SDKs read natively with the token "awsfed login --profile PROFILE" keeps:

  [profile 111111111111_PowerUserAccess]
  sso_session = SESSION        (PROFILE's [sso-session], which holds the URL)
  sso_account_id = 111111111111
  sso_role_name = PowerUserAccess
  region = eu-west-1           (--region, else PROFILE's)
  awsfed_sso_from = PROFILE

Choose the roles, or nothing is written: --all; --accounts and --roles (with
both, those roles in those accounts); or --from-file FILE with lines
"ACCOUNT_ID ROLE_NAME [NAME]" (# comments and blank lines skipped; NAME
overrides --name). A chosen role that is not granted is skipped with a note.

--name is the template of the names, with {account_id}, {account_name},
{role_name} and {session}; in the result, characters other than letters,
digits and _.@+=,:/~- become -, a run of them one -, none at either end. A
template that gives two roles one name is refused.

An existing profile of a name that is not marked awsfed_sso_from = PROFILE is
never changed: it is skipped with a note. Marked ones are brought up to date,
their other keys kept. --prune removes the marked ones whose role is no longer
granted or chosen. Everything else in the file stays byte for byte. The
changes are one locked write; running it again changes nothing. --diff prints
them instead and writes nothing.

With --credential-process, each profile is an awsfed IAM Identity Center
profile of its own (awsfed_idp = sso, awsfed_sso_session,
awsfed_sso_account_id, awsfed_sso_role_name, region) with

  credential_process = /path/of/awsfed credential-process --profile NAME

for tools that read credential_process but not sso_session; awsfed renews it
from the same token. The path written is this awsfed's.`,
		Example: `  awsfed configure sso-profiles --profile corp --all
  awsfed configure sso-profiles --profile corp --all --diff
  awsfed configure sso-profiles --profile corp --roles ReadOnly --name '{account_name}-ro'
  awsfed configure sso-profiles --profile corp --all --prune --no-prompt    # from cron`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runConfigureSSO(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.profile, "profile", "", "the awsfed IAM Identity Center profile whose roles to write (required)")
	fl.BoolVar(&opts.all, "all", false, "write every role granted")
	fl.StringSliceVar(&opts.accounts, "accounts", nil, "write the roles of these accounts (comma-separated account ids)")
	fl.StringSliceVar(&opts.roles, "roles", nil, "write these roles (permission sets), e.g. ReadOnly (comma-separated)")
	fl.StringVar(&opts.fromFile, "from-file", "", `write the roles of the "ACCOUNT_ID ROLE_NAME [NAME]" lines of this file`)
	fl.StringVar(&opts.name, "name", defaultSSONameTemplate, "template of the profile names")
	fl.StringVar(&opts.region, "region", "", "written as region (default: the --profile's region)")
	fl.BoolVar(&opts.diff, "diff", false, "print what would change; write nothing")
	fl.BoolVar(&opts.prune, "prune", false, "remove the profiles written for --profile whose role is no longer granted or chosen")
	fl.BoolVar(&opts.credProcess, "credential-process", false, "write awsfed profiles with credential_process instead of sso_session")
	fl.BoolVar(&opts.noPrompt, "no-prompt", false, "never sign in in a browser; when a sign-in is needed, exit 4")
	return cmd
}

// ssoChoice is a chosen role and the profile to write for it.
type ssoChoice struct {
	grant sources.Grant
	name  string // the profile's
	line  int    // of --from-file, else 0
}

// ssoPlan is what configure sso-profiles changes in the config file.
type ssoPlan struct {
	changes []awsconfig.Change
	// added, changed and removed are the profiles of changes, by name;
	// before holds the keys of the changed and removed ones.
	added, changed, removed []string
	before                  map[string]awsconfig.Section
	skipped                 []string // notes on profiles not ours
	stale                   []string // ours, no longer chosen, kept without --prune
	upToDate                int
}

func runConfigureSSO(ctx context.Context, o *configureSSOOptions) error {
	wanted, err := o.checkFlags()
	if err != nil {
		return err
	}
	g, err := loadGraph(o.deps)
	if err != nil {
		return fmt.Errorf("nothing was changed: %w", err)
	}
	name := o.profile
	if from := g.Lookup(name).Config(profile.KeySSOFrom); from != "" {
		return usagef("profile %s was written by awsfed configure sso-profiles for profile %s: pass --profile %s; nothing was changed", name, from, from)
	}
	if !sso.Uses("", g, name) {
		return usagef("profile %s is not an awsfed IAM Identity Center profile (awsfed_idp = sso in %s): sign in with awsfed login --idp sso --start-url URL --sso-region REGION --profile %s first; nothing was changed",
			name, profile.Where(name, g.Paths().Config), name)
	}
	s, err := sso.Resolve(sso.Flags{}, "", g, name)
	if err != nil {
		return err
	}
	exe := ""
	if o.credProcess {
		if exe, err = o.deps.Executable(); err != nil {
			return fmt.Errorf("find the path of awsfed: %w; nothing was changed", err)
		}
	}
	in := newInputs(o.deps, signin.Flags{Profile: name, NoPrompt: o.noPrompt}, sso.Flags{}, false)
	defer in.Signer.Close()
	grants, err := sources.Grants(ctx, in, g, name)
	if err != nil {
		return err
	}
	errOut := o.deps.Streams.ErrOut
	chosen, err := o.choose(grants, wanted, s.Session.Name, errOut)
	if err != nil {
		return err
	}
	// Read the files again: the listing may have taken a while.
	if g, err = loadGraph(o.deps); err != nil {
		return fmt.Errorf("nothing was changed: %w", err)
	}
	region := cmp.Or(o.region, s.Region)
	plan, err := planSSOProfiles(g, name, chosen, o.prune, func(c ssoChoice) ([]awsconfig.KV, error) {
		return ssoProfileWant(c, s.Session.Name, region, name, exe)
	})
	if err != nil {
		return err
	}
	ui.Notes(errOut, plan.skipped...)
	paths := g.Paths()
	if o.diff {
		plan.print(o.deps.Streams.Out)
		fmt.Fprintf(errOut, "Would add %s, change %d, remove %d; %d skipped (not ours); nothing was written to %s.\n",
			plural(len(plan.added), "profile"), len(plan.changed), len(plan.removed), len(plan.skipped), paths.Config)
		plan.noteStale(errOut, name)
		return nil
	}
	if len(plan.changes) > 0 {
		notes, err := awsconfig.Update(paths.Config, plan.changes, awsconfig.UpdateOptions{})
		ui.Notes(errOut, notes...)
		if err != nil {
			return fmt.Errorf("nothing was changed: %w", err)
		}
	}
	fmt.Fprintf(errOut, "%s added, %d changed, %d removed, %d skipped (not ours), %d already up to date in %s.\n",
		plural(len(plan.added), "profile"), len(plan.changed), len(plan.removed), len(plan.skipped), plan.upToDate, paths.Config)
	plan.noteStale(errOut, name)
	return nil
}

// plural is "1 profile" or "N profiles".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// checkFlags refuses flags that do not go together, or are not well
// formed, and reads --from-file.
func (o *configureSSOOptions) checkFlags() ([]ssoChoice, error) {
	filters := len(o.accounts) > 0 || len(o.roles) > 0
	n := 0
	for _, given := range []bool{o.all, filters, o.fromFile != ""} {
		if given {
			n++
		}
	}
	switch {
	case o.profile == "":
		return nil, usagef("pass --profile with the awsfed IAM Identity Center profile whose roles to write; nothing was changed")
	case n == 0:
		return nil, usagef("choose the roles to write: pass --all, --accounts ID,…, --roles NAME,… or --from-file FILE; nothing was changed")
	case n > 1:
		return nil, usagef("pass only one of --all, --accounts/--roles and --from-file; nothing was changed")
	case o.region != "" && !profile.ValidRegion(o.region):
		return nil, usagef("--region %q is not a region name such as eu-west-1; nothing was changed", o.region)
	}
	if err := profile.CheckName(o.profile); err != nil {
		return nil, err
	}
	if err := checkSSONameTemplate(o.name); err != nil {
		return nil, err
	}
	for _, a := range o.accounts {
		if !profile.IsAccountID(a) {
			return nil, usagef("--accounts: %q is not an AWS account id (12 digits); nothing was changed", a)
		}
	}
	for _, r := range o.roles {
		if !isRoleName(r) {
			return nil, usagef("--roles: %q is not a role name such as ReadOnly; nothing was changed", r)
		}
	}
	if o.fromFile == "" {
		return nil, nil
	}
	return readSSOFile(o.fromFile)
}

// isRoleName reports whether s is a permission set's name: 1 to 32
// letters, digits and _+=,.@-.
func isRoleName(s string) bool {
	return len(s) >= 1 && len(s) <= 32 && !strings.ContainsFunc(s, func(r rune) bool {
		return !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) || strings.ContainsRune("_+=,.@-", r))
	})
}

// readSSOFile reads the "ACCOUNT_ID ROLE_NAME [NAME]" lines of file.
func readSSOFile(file string) ([]ssoChoice, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, usagef("--from-file: %v; nothing was changed", err)
	}
	defer f.Close()
	var out []ssoChoice
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		c := ssoChoice{line: n}
		switch {
		case len(fields) < 2 || len(fields) > 3:
			return nil, usagef("%s line %d: want ACCOUNT_ID ROLE_NAME [NAME], got %d fields; nothing was changed", file, n, len(fields))
		case !profile.IsAccountID(fields[0]):
			return nil, usagef("%s line %d: %q is not an AWS account id (12 digits); nothing was changed", file, n, fields[0])
		case !isRoleName(fields[1]):
			return nil, usagef("%s line %d: %q is not a role name such as ReadOnly; nothing was changed", file, n, fields[1])
		case len(fields) == 3 && ssoProfileName(fields[2]) != fields[2]:
			return nil, usagef("%s line %d: profile name %q: use letters, digits and _.@+=,:/~-; nothing was changed", file, n, fields[2])
		case len(fields) == 3:
			c.name = fields[2]
		}
		c.grant = sources.Grant{AccountID: fields[0], RoleName: fields[1]}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		return nil, usagef("--from-file %s: %v; nothing was changed", file, err)
	}
	if len(out) == 0 {
		return nil, usagef("--from-file %s has no ACCOUNT_ID ROLE_NAME line; nothing was changed", file)
	}
	return out, nil
}

// checkSSONameTemplate refuses a --name with an unknown or unclosed
// placeholder.
func checkSSONameTemplate(t string) error {
	for rest := t; ; {
		i := strings.IndexAny(rest, "{}")
		if i < 0 {
			return nil
		}
		j := strings.IndexByte(rest[i:], '}')
		if rest[i] == '}' || j < 0 {
			return usagef("--name %q has a { or } that is not part of a placeholder; nothing was changed", t)
		}
		if ph := rest[i+1 : i+j]; !slices.Contains(ssoNamePlaceholders, ph) {
			return usagef("--name %q: unknown placeholder {%s}: use {account_id}, {account_name}, {role_name} and {session}; nothing was changed", t, ph)
		}
		rest = rest[i+j+1:]
	}
}

// ssoProfileName makes s a profile name every reader takes as itself, in
// a section header, in AWS_PROFILE and in a credential_process line:
// characters other than letters, digits and _.@+=,:/~- become -, a run of
// them one -, none at either end.
func ssoProfileName(s string) string {
	var b strings.Builder
	pending := false
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("_.@+=,:/~-", r) {
			if pending && b.Len() > 0 {
				b.WriteByte('-')
			}
			pending = false
			b.WriteRune(r)
		} else {
			pending = true
		}
	}
	return b.String()
}

// choose returns the granted roles the flags choose, named, in the order
// of grants (or of --from-file). A chosen role that is not granted is
// noted on errOut.
func (o *configureSSOOptions) choose(grants []sources.Grant, fromFile []ssoChoice, session string, errOut io.Writer) ([]ssoChoice, error) {
	var out []ssoChoice
	switch {
	case fromFile != nil:
		for _, c := range fromFile {
			i := slices.IndexFunc(grants, func(g sources.Grant) bool { return g.AccountID == c.grant.AccountID && g.RoleName == c.grant.RoleName })
			if i < 0 {
				ui.Notes(errOut, fmt.Sprintf("%s line %d: IAM Identity Center grants you no role %s in account %s; skipped (awsfed roles --profile %s lists yours)",
					o.fromFile, c.line, c.grant.RoleName, c.grant.AccountID, o.profile))
				continue
			}
			c.grant = grants[i]
			out = append(out, c)
		}
	default:
		for _, g := range grants {
			if (len(o.accounts) == 0 || slices.Contains(o.accounts, g.AccountID)) && (len(o.roles) == 0 || slices.Contains(o.roles, g.RoleName)) {
				out = append(out, ssoChoice{grant: g})
			}
		}
		for _, a := range o.accounts {
			if !slices.ContainsFunc(out, func(c ssoChoice) bool { return c.grant.AccountID == a }) {
				ui.Notes(errOut, fmt.Sprintf("--accounts %s: IAM Identity Center grants you no role there%s; skipped", a, rolesFilter(o.roles)))
			}
		}
		for _, r := range o.roles {
			if !slices.ContainsFunc(out, func(c ssoChoice) bool { return c.grant.RoleName == r }) {
				ui.Notes(errOut, fmt.Sprintf("--roles %s: IAM Identity Center grants you that role in no account%s; skipped", r, accountsFilter(o.accounts)))
			}
		}
	}
	byName := map[string]int{}
	for i := range out {
		c := &out[i]
		switch {
		case c.name != "":
			if err := profile.CheckName(c.name); err != nil {
				return nil, usagef("%s line %d: profile name %q cannot be used; nothing was changed", o.fromFile, c.line, c.name)
			}
		default:
			c.name = expandSSOName(o.name, c.grant, session)
			if err := profile.CheckName(c.name); err != nil {
				return nil, usagef("--name %q gives %q for %s %s, which cannot be a profile name; nothing was changed", o.name, c.name, c.grant.AccountID, c.grant.RoleName)
			}
		}
		if j, ok := byName[c.name]; ok {
			d := out[j]
			return nil, usagef("profile %s would be written for both %s %s and %s %s: use a --name with {account_id} and {role_name}; nothing was changed",
				c.name, d.grant.AccountID, d.grant.RoleName, c.grant.AccountID, c.grant.RoleName)
		}
		byName[c.name] = i
	}
	return out, nil
}

func rolesFilter(roles []string) string {
	if len(roles) == 0 {
		return ""
	}
	return " among --roles " + strings.Join(roles, ",")
}

func accountsFilter(accounts []string) string {
	if len(accounts) == 0 {
		return ""
	}
	return " among --accounts " + strings.Join(accounts, ",")
}

// expandSSOName fills template t in for grant g of session.
func expandSSOName(t string, g sources.Grant, session string) string {
	r := strings.NewReplacer("{account_id}", g.AccountID, "{account_name}", cmp.Or(g.AccountName, g.AccountID),
		"{role_name}", g.RoleName, "{session}", session)
	return ssoProfileName(r.Replace(t))
}

// ssoProfileWant returns the keys of the profile for c, of session and
// region, marked as written for profile from: the AWS CLI's SSO keys, or,
// when exe is not "", an awsfed profile that exe's credential-process
// renews.
func ssoProfileWant(c ssoChoice, session, region, from, exe string) ([]awsconfig.KV, error) {
	g := c.grant
	var kvs []awsconfig.KV
	if exe == "" {
		kvs = []awsconfig.KV{{Key: profile.KeySSOSession, Value: session}, {Key: profile.KeySSOAccount, Value: g.AccountID},
			{Key: profile.KeySSORole, Value: g.RoleName}}
	} else {
		kvs = []awsconfig.KV{{Key: profile.KeyIdP, Value: sso.IdP}, {Key: profile.KeyAWSFedSSOSession, Value: session},
			{Key: profile.KeySSOAccountID, Value: g.AccountID}, {Key: profile.KeySSORoleName, Value: g.RoleName}}
	}
	if region != "" {
		kvs = append(kvs, awsconfig.KV{Key: profile.KeyRegion, Value: region})
	}
	if exe != "" {
		line, err := profile.AWSFedProcess(exe, c.name)
		if err != nil {
			return nil, usagef("%s; nothing was changed", err)
		}
		kvs = append(kvs, awsconfig.KV{Key: profile.KeyCredentialProcess, Value: line})
	}
	return append(kvs, awsconfig.KV{Key: profile.KeySSOFrom, Value: from}), nil
}

// planSSOProfiles returns the changes that write the profiles chosen for
// profile from of g, each with the keys want gives: new ones added,
// those marked as from's brought up to date, others skipped; with prune,
// from's marked profiles that are not chosen removed.
func planSSOProfiles(g *profile.Graph, from string, chosen []ssoChoice, prune bool, want func(ssoChoice) ([]awsconfig.KV, error)) (*ssoPlan, error) {
	plan := &ssoPlan{before: map[string]awsconfig.Section{}}
	names := map[string]bool{}
	for _, c := range chosen {
		names[c.name] = true
		kvs, err := want(c)
		if err != nil {
			return nil, err
		}
		p, exists := g.Profile(c.name)
		if !exists {
			plan.changes = append(plan.changes, awsconfig.Change{Section: awsconfig.ConfigSection(c.name), Set: kvs})
			plan.added = append(plan.added, c.name)
			continue
		}
		if owner := p.Config(profile.KeySSOFrom); owner != from {
			why := "awsfed did not write it"
			if owner != "" {
				why = "awsfed wrote it for profile " + owner
			}
			plan.skipped = append(plan.skipped, fmt.Sprintf("skipped profile %s (%s %s): %s exists and %s",
				c.name, c.grant.AccountID, c.grant.RoleName, profile.Where(c.name, g.Paths().Config), why))
			continue
		}
		ch := awsconfig.Change{Section: p.ConfigSection(), Set: p.Missing(kvs)}
		for _, k := range ssoProfileKeys {
			if _, set := p.Section().Lookup(k); set && !slices.ContainsFunc(kvs, func(kv awsconfig.KV) bool { return kv.Key == k }) {
				ch.Unset = append(ch.Unset, k)
			}
		}
		if len(ch.Set)+len(ch.Unset) == 0 {
			plan.upToDate++
			continue
		}
		plan.changes = append(plan.changes, ch)
		plan.changed = append(plan.changed, c.name)
		plan.before[c.name] = p.Section()
	}
	for _, n := range g.Names() {
		p := g.Lookup(n)
		if names[n] || p.Config(profile.KeySSOFrom) != from {
			continue
		}
		if !prune {
			plan.stale = append(plan.stale, n)
			continue
		}
		ch := awsconfig.Change{Section: p.ConfigSection(), Prune: true}
		for _, kv := range p.Section() {
			ch.Unset = append(ch.Unset, kv.Key)
		}
		plan.changes = append(plan.changes, ch)
		plan.removed = append(plan.removed, n)
		plan.before[n] = p.Section()
	}
	return plan, nil
}

// print writes the plan as a diff of the config file's profiles: + for an
// added profile or key, - for a removed one, a changed key as both.
func (plan *ssoPlan) print(w io.Writer) {
	for _, ch := range plan.changes {
		name := ch.Section
		if n, ok := strings.CutPrefix(name, "profile "); ok {
			name = n
		}
		before, existed := plan.before[name]
		switch {
		case !existed:
			fmt.Fprintf(w, "+ [%s]\n", ch.Section)
		case ch.Prune:
			fmt.Fprintf(w, "- [%s]\n", ch.Section)
		default:
			fmt.Fprintf(w, "~ [%s]\n", ch.Section)
		}
		for _, k := range ch.Unset {
			fmt.Fprintf(w, "-   %s = %s\n", k, before.Get(k))
		}
		for _, kv := range ch.Set {
			if v, ok := before.Lookup(kv.Key); ok {
				fmt.Fprintf(w, "-   %s = %s\n", kv.Key, v)
			}
			fmt.Fprintf(w, "+   %s = %s\n", kv.Key, kv.Value)
		}
	}
}

// noteStale names, on w, the profiles written for from that are no longer
// chosen, kept since --prune was not given.
func (plan *ssoPlan) noteStale(w io.Writer, from string) {
	if len(plan.stale) == 0 {
		return
	}
	ui.Notes(w, fmt.Sprintf("kept %s written for profile %s whose role is no longer granted or chosen (--prune removes them): %s",
		plural(len(plan.stale), "profile"), from, strings.Join(plan.stale, ", ")))
}
