package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/seed-2d15385e/awsfed/assume"
	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/profile"
	"github.com/seed-2d15385e/awsfed/ui"
)

// The bounds of duration_seconds.
const (
	minChainDurationS   = 900
	maxChainDurationS   = 43200
	chainDurationBounds = "between 15m (900) and 12h (43200)"
)

// chainPatterns are the shapes configure chain checks its inputs against,
// compiled when it runs rather than when awsfed starts.
type chainPatterns struct {
	// roleARN is an IAM role ARN: partition, 12-digit account, an
	// optional path, and a name as IAM allows it.
	roleARN *regexp.Regexp
	// sessionName and externalID are STS AssumeRole's rules; an external
	// ID is 2 to 1224 characters long (more than a Go regexp may count).
	sessionName, externalID *regexp.Regexp
	// profileName keeps names that every reader takes literally in a
	// section header and in a source_profile value.
	profileName *regexp.Regexp
}

func newChainPatterns() *chainPatterns {
	return &chainPatterns{
		roleARN:     regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):iam::[0-9]{12}:role/([\x21-\x7E]{0,510}/)?[\w+=,.@-]{1,64}$`),
		sessionName: regexp.MustCompile(`^[\w+=,.@-]{2,64}$`),
		externalID:  regexp.MustCompile(`^[\w+=,.@:/-]+$`),
		profileName: regexp.MustCompile(`^[A-Za-z0-9_.@+=,:/~-]{1,128}$`),
	}
}

// configureChainOptions are the inputs of configure chain.
type configureChainOptions struct {
	deps          *Deps
	name          string
	roleARN       string
	sourceProfile string
	region        string
	duration      string
	externalID    string
	sessionName   string
	fromFile      string

	pat *chainPatterns
}

func newConfigureChainCmd(deps *Deps, runF func(context.Context, *configureChainOptions) error) *cobra.Command {
	opts := &configureChainOptions{deps: deps}
	cmd := &cobra.Command{
		Use:   "chain NAME --role-arn ARN --source-profile PROFILE",
		Short: "Write a profile that assumes a role with another profile's credentials",
		Long: `Write [profile NAME] of the AWS config file with the AWS CLI's own keys

  role_arn = ARN
  source_profile = PROFILE

plus region, duration_seconds, external_id and role_session_name when their
flags are given, so that the AWS CLI and the SDKs assume ARN with PROFILE's
credentials, typically those of an awsfed profile.

PROFILE must exist (a profile of the config file or a section of the
credentials file) and must not chain, through source_profile, back to NAME.
An existing NAME that is a plain or chained profile keeps its other keys,
and the keys whose flags are not given; an awsfed profile, or one that gets
credentials through credential_process, sso_*, credential_source or
web_identity_token_file, is refused.

With --from-file FILE, every line "NAME ROLE_ARN" of FILE (# comments and
blank lines skipped) is written with --source-profile and the other flags,
all in one write: one bad line, and nothing is written.

AWS limits a role session assumed with another role's credentials (role
chaining, as from an awsfed profile) to 1 hour: a longer --duration is
written, with a note. Running it again with the same values changes nothing.`,
		Example: `  awsfed configure chain prod-admin --role-arn arn:aws:iam::222222222222:role/Admin --source-profile sts --region eu-west-1
  awsfed configure chain --from-file accounts.txt --source-profile sts --duration 1h`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.name = args[0]
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runConfigureChain(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.roleARN, "role-arn", "", "the role to assume (arn:aws:iam::ACCOUNT:role/NAME)")
	fl.StringVar(&opts.sourceProfile, "source-profile", "", "the profile whose credentials assume the role (required)")
	fl.StringVar(&opts.region, "region", "", "written as region")
	fl.StringVar(&opts.duration, "duration", "", "session duration, Go duration or seconds (15m to 12h), written as duration_seconds")
	fl.StringVar(&opts.externalID, "external-id", "", "written as external_id")
	fl.StringVar(&opts.sessionName, "session-name", "", "written as role_session_name")
	fl.StringVar(&opts.fromFile, "from-file", "", `write a profile for every "NAME ROLE_ARN" line of this file`)
	return cmd
}

// chainProfile is one profile to write.
type chainProfile struct {
	name, roleARN string
	line          int // in --from-file, else 0
}

func runConfigureChain(_ context.Context, o *configureChainOptions) error {
	o.pat = newChainPatterns()
	common, err := o.commonKeys()
	if err != nil {
		return err
	}
	profiles, err := o.profiles()
	if err != nil {
		return err
	}
	g, err := loadGraph(o.deps)
	if err != nil {
		return fmt.Errorf("nothing was changed: %w", err)
	}
	paths := g.Paths()
	src := o.sourceProfile
	// The sources as they will be once every profile is written.
	planned := make(map[string]string, len(profiles))
	for _, p := range profiles {
		planned[p.name] = src
	}
	if _, ok := g.Profile(src); !ok && planned[src] == "" {
		return usagef("source profile %s does not exist: it is neither a [%s] of %s nor a [%s] of %s; nothing was changed",
			src, awsconfig.ConfigSection(src), paths.Config, src, paths.Credentials)
	}
	var changes []awsconfig.Change
	for _, p := range profiles {
		target := g.Lookup(p.name)
		sec := target.Section()
		if err := checkChainTarget(p, target); err != nil {
			return err
		}
		if cycle := g.CycleThrough(p.name, planned); cycle != nil {
			return usagef("%sprofiles %s: source_profile %s would form a cycle; nothing was changed",
				p.where(), strings.Join(cycle, " → "), src)
		}
		want := append([]awsconfig.KV{{Key: profile.KeyRoleARN, Value: p.roleARN}, {Key: profile.KeySourceProfile, Value: src}}, common...)
		var set []awsconfig.KV
		for _, kv := range want {
			if sec.Get(kv.Key) != kv.Value {
				set = append(set, kv)
			}
		}
		if len(set) > 0 {
			changes = append(changes, awsconfig.Change{Section: target.ConfigSection(), Set: set})
		}
	}
	errOut := o.deps.Streams.ErrOut
	if len(changes) == 0 {
		what := "profile " + profiles[0].name + " is"
		if len(profiles) > 1 {
			what = fmt.Sprintf("the %d profiles are", len(profiles))
		}
		fmt.Fprintf(errOut, "Nothing changed: %s already as given.\n", what)
		return nil
	}
	notes, err := awsconfig.Update(paths.Config, changes, awsconfig.UpdateOptions{})
	ui.Notes(errOut, notes...)
	if err != nil {
		return fmt.Errorf("nothing was changed: %w", err)
	}
	for _, p := range profiles {
		if slices.ContainsFunc(changes, func(c awsconfig.Change) bool { return c.Section == g.Lookup(p.name).ConfigSection() }) {
			fmt.Fprintf(errOut, "Profile %s: role_arn %s via %s\n", p.name, p.roleARN, src)
		}
	}
	switch n := len(profiles) - len(changes); {
	case n == 1:
		fmt.Fprintln(errOut, "1 other profile was already as given.")
	case n > 1:
		fmt.Fprintf(errOut, "%d other profiles were already as given.\n", n)
	}
	for _, kv := range common {
		if s, _ := strconv.Atoi(kv.Value); kv.Key == profile.KeyDurationSeconds && time.Duration(s)*time.Second > assume.MaxChainedDuration {
			ui.Notes(errOut, fmt.Sprintf("AWS refuses sessions longer than 1h (3600 s) for a role assumed with another role's credentials (role chaining), as from an awsfed profile: duration_seconds = %d works only on top of long-term keys", s))
		}
	}
	return nil
}

// where names the --from-file line a profile comes from.
func (p chainProfile) where() string {
	if p.line == 0 {
		return ""
	}
	return fmt.Sprintf("line %d: ", p.line)
}

// commonKeys checks the flags and returns the keys that every profile gets
// besides role_arn and source_profile.
func (o *configureChainOptions) commonKeys() ([]awsconfig.KV, error) {
	switch {
	case o.fromFile != "" && (o.name != "" || o.roleARN != ""):
		return nil, usagef("--from-file takes the names and role ARNs from the file: pass neither NAME nor --role-arn with it")
	case o.fromFile == "" && o.name == "":
		return nil, usagef("name the profile to write: awsfed configure chain NAME --role-arn ARN --source-profile PROFILE, or pass --from-file FILE")
	case o.fromFile == "" && o.roleARN == "":
		return nil, usagef("pass --role-arn with the role that profile %s assumes", o.name)
	case o.sourceProfile == "":
		return nil, usagef("pass --source-profile with the profile whose credentials assume the role, such as your awsfed profile")
	case !o.pat.profileName.MatchString(o.sourceProfile):
		return nil, usagef("--source-profile %q is not a profile name awsfed writes: use letters, digits and _.@+=,:/~-", o.sourceProfile)
	}
	var kvs []awsconfig.KV
	if o.region != "" {
		if !profile.ValidRegion(o.region) {
			return nil, usagef("--region %q is not a region name such as eu-west-1", o.region)
		}
		kvs = append(kvs, awsconfig.KV{Key: profile.KeyRegion, Value: o.region})
	}
	if o.duration != "" {
		s, err := chainDurationSeconds(o.duration)
		if err != nil {
			return nil, usagef("--duration %q: %v", o.duration, err)
		}
		kvs = append(kvs, awsconfig.KV{Key: profile.KeyDurationSeconds, Value: strconv.Itoa(s)})
	}
	if o.externalID != "" {
		if n := len(o.externalID); n < 2 || n > 1224 || !o.pat.externalID.MatchString(o.externalID) {
			return nil, usagef("--external-id must be 2 to 1224 letters, digits or _+=,.@:/-")
		}
		kvs = append(kvs, awsconfig.KV{Key: profile.KeyExternalID, Value: o.externalID})
	}
	if o.sessionName != "" {
		if !o.pat.sessionName.MatchString(o.sessionName) {
			return nil, usagef("--session-name %q must be 2 to 64 letters, digits or _+=,.@-", o.sessionName)
		}
		kvs = append(kvs, awsconfig.KV{Key: profile.KeyRoleSessionName, Value: o.sessionName})
	}
	return kvs, nil
}

// chainDurationSeconds reads a duration as login does and returns it in
// whole seconds within the bounds of duration_seconds.
func chainDurationSeconds(v string) (int, error) {
	d, err := profile.ParseDuration(v)
	if err != nil {
		return 0, err
	}
	if d%time.Second != 0 {
		return 0, fmt.Errorf("must be whole seconds")
	}
	s := int(d / time.Second)
	if s < minChainDurationS || s > maxChainDurationS {
		return 0, fmt.Errorf("must be %s", chainDurationBounds)
	}
	return s, nil
}

// profiles returns the profile of the command line, or those of
// --from-file, checked.
func (o *configureChainOptions) profiles() ([]chainProfile, error) {
	if o.fromFile == "" {
		p := chainProfile{name: o.name, roleARN: o.roleARN}
		return []chainProfile{p}, p.check(o.pat)
	}
	f, err := os.Open(o.fromFile)
	if err != nil {
		return nil, usagef("--from-file: %v; nothing was changed", err)
	}
	defer f.Close()
	var list []chainProfile
	seen := map[string]int{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 2 {
			return nil, usagef("%s line %d: want NAME ROLE_ARN, got %d fields; nothing was changed", o.fromFile, n, len(fields))
		}
		p := chainProfile{name: fields[0], roleARN: fields[1], line: n}
		if err := p.check(o.pat); err != nil {
			return nil, usagef("%s %s", o.fromFile, err)
		}
		if first, ok := seen[p.name]; ok {
			return nil, usagef("%s line %d: profile %s is already on line %d; nothing was changed", o.fromFile, n, p.name, first)
		}
		seen[p.name] = n
		list = append(list, p)
	}
	if err := sc.Err(); err != nil {
		return nil, usagef("--from-file %s: %v; nothing was changed", o.fromFile, err)
	}
	if len(list) == 0 {
		return nil, usagef("--from-file %s has no NAME ROLE_ARN line; nothing was changed", o.fromFile)
	}
	return list, nil
}

// check refuses a name or role ARN that is not well formed.
func (p chainProfile) check(pat *chainPatterns) error {
	if !pat.profileName.MatchString(p.name) {
		return usagef("%sprofile name %q: use 1 to 128 letters, digits and _.@+=,:/~-; nothing was changed", p.where(), p.name)
	}
	if !pat.roleARN.MatchString(p.roleARN) {
		return usagef("%srole ARN %q is not an IAM role ARN such as arn:aws:iam::123456789012:role/NAME (partition aws, aws-cn or aws-us-gov; a 12-digit account; a role name of up to 64 letters, digits and _+=,.@-); nothing was changed", p.where(), p.roleARN)
	}
	return nil
}

// checkChainTarget refuses to turn an existing profile, whose settings are
// sec, into a chained one when it gets its credentials another way.
func checkChainTarget(p chainProfile, target *profile.Profile) error {
	sec := target.Section()
	if target.IsAWSFed() {
		return usagef("%sprofile %s is an awsfed profile, which awsfed login writes: choose another name; nothing was changed", p.where(), p.name)
	}
	for _, kv := range sec {
		if k := kv.Key; k == profile.KeyCredentialProcess || k == profile.KeyCredentialSource || k == profile.KeyWebIdentityTokenFile || strings.HasPrefix(k, "sso_") {
			return usagef("%sprofile %s already gets credentials through %s, which would conflict with source_profile: choose another name; nothing was changed", p.where(), p.name, k)
		}
	}
	return nil
}
