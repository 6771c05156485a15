package profile

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/seed-2d15385e/awsfed/awsconfig"
)

// ConfigError is a mistake in the AWS files or on the command line, which
// a person mends by editing them or the command (exit code 2). Its message
// names the profile, the setting and the file.
type ConfigError struct {
	Msg string
	// Cycle holds the profiles of a cycle of source_profile settings, in
	// order, when that is the mistake.
	Cycle []string
	// at names the setting that is wrong, when a chain through it is what
	// fails: Problems reports it once, not for every chain through it.
	at string
}

func (e *ConfigError) Error() string { return e.Msg }

// Errorf returns a *ConfigError with the formatted message.
func Errorf(format string, args ...any) error {
	return &ConfigError{Msg: fmt.Sprintf(format, args...)}
}

// Graph is every profile of the config and credentials files. It is built
// once per command from the files as loaded and never changes.
type Graph struct {
	paths    awsconfig.Paths
	names    []string // config file order, then credentials-only sections
	profiles map[string]*Profile
	// ssoSessions are the config file's [sso-session NAME] sections.
	ssoSessions map[string]awsconfig.Section

	all     sync.Once
	results []result // Resolve of each of names, once all is done
}

// result is what Resolve returned.
type result struct {
	chain *Chain
	err   error
}

// resolveAll returns Resolve of every profile, in names' order, resolving
// each once per graph.
func (g *Graph) resolveAll() []result {
	g.all.Do(func() {
		g.results = make([]result, len(g.names))
		for i, n := range g.names {
			g.results[i].chain, g.results[i].err = g.Resolve(n)
		}
	})
	return g.results
}

// New builds the graph of the profiles in the config file cfg and the
// credentials file creds (either may be empty), found at paths, which
// messages name. A config section is a profile when it is [profile NAME],
// or [default] unless [profile default] is there too (the AWS SDK for Go
// prefers it); every credentials file section is a profile, as in the AWS
// CLI, which merges its keys over the config file's.
func New(cfg, creds *awsconfig.File, paths awsconfig.Paths) *Graph {
	n := cfg.Len()
	if creds != nil {
		n += creds.Len()
	}
	g := &Graph{paths: paths, names: make([]string, 0, n), profiles: make(map[string]*Profile, n)}
	cfg.Each(func(sec string, kv awsconfig.Section) {
		if session, ok := strings.CutPrefix(sec, SSOSessionPrefix); ok {
			if g.ssoSessions == nil {
				g.ssoSessions = map[string]awsconfig.Section{}
			}
			g.ssoSessions[session] = kv
			return
		}
		name, ok := strings.CutPrefix(sec, "profile ")
		if !ok && sec != "default" {
			return // [services x], …
		}
		if !ok {
			name = sec
		}
		if cfg.ProfileSection(name) != sec {
			return // [default] beside [profile default], which wins
		}
		g.names = append(g.names, name)
		g.profiles[name] = &Profile{Name: name, section: sec, config: kv}
	})
	if creds == nil {
		return g
	}
	creds.Each(func(name string, kv awsconfig.Section) {
		if p, ok := g.profiles[name]; ok {
			p.creds = kv
			return
		}
		g.names = append(g.names, name)
		g.profiles[name] = &Profile{Name: name, creds: kv}
	})
	return g
}

// SSOSessionPrefix starts the name of an [sso-session NAME] section of the
// config file.
const SSOSessionPrefix = "sso-session "

// SSOSession returns the keys of the config file's [sso-session name]
// (sso_start_url, sso_region, sso_registration_scopes), and whether it
// exists. It is the graph's own: do not change it.
func (g *Graph) SSOSession(name string) (awsconfig.Section, bool) {
	s, ok := g.ssoSessions[name]
	return s, ok
}

// SSOSessionNames returns the names of the config file's [sso-session]
// sections, sorted.
func (g *Graph) SSOSessionNames() []string {
	names := make([]string, 0, len(g.ssoSessions))
	for name := range g.ssoSessions {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Paths are the files the graph was read from.
func (g *Graph) Paths() awsconfig.Paths { return g.paths }

// Profile returns the named profile, and whether either file has it.
func (g *Graph) Profile(name string) (*Profile, bool) {
	p, ok := g.profiles[name]
	return p, ok
}

// Names returns the names of every profile, in the config file's order,
// then those only the credentials file has.
func (g *Graph) Names() []string { return slices.Clone(g.names) }

// Lookup returns the named profile, or an empty one when neither file has
// it.
func (g *Graph) Lookup(name string) *Profile {
	if p, ok := g.profiles[name]; ok {
		return p
	}
	return &Profile{Name: name}
}

// AWSFed returns the names of the awsfed profiles, in the config file's
// order.
func (g *Graph) AWSFed() []string {
	var out []string
	for _, n := range g.names {
		if g.profiles[n].IsAWSFed() {
			out = append(out, n)
		}
	}
	return out
}

// Hop is one role a chain assumes: RoleARN, with the credentials of the
// hop before it (or the chain's root), as profile Profile sets it up.
type Hop struct {
	Profile     string
	RoleARN     string
	SessionName string // role_session_name; "" for the root's session name
	ExternalID  string
	MFASerial   string
	Region      string        // the profile's region, or ""
	Duration    time.Duration // duration_seconds; 0 when unset
}

// Chain is how a profile gets its credentials, as the AWS CLI resolves it.
type Chain struct {
	// Name is the profile asked for.
	Name string
	// Root is the awsfed profile whose credentials the chain starts
	// with; "" when it does not start with an awsfed profile's.
	Root string
	// Base is the profile whose own credentials the chain starts with:
	// Root, or another profile (static keys, SSO, a credential_process);
	// "" when the first role is assumed with credential_source. A base
	// whose credential_process runs "awsfed credential-process --profile
	// P" starts with P's credentials: Root is then P's root, and Hops
	// begin with P's.
	Base string
	// CredentialSource is the credential_source the first role is
	// assumed with, or "".
	CredentialSource string
	// Hops are the roles assumed, in order, the last one Name's own; none
	// when Name uses its own credentials.
	Hops []Hop
}

// Resolve returns how profile name gets its credentials, by the AWS CLI's
// rule (botocore's AssumeRoleProvider):
//   - an awsfed profile is a chain's root: awsfed renews its credentials
//     (awsfed's one addition: it is a root even before its first login);
//   - a profile with role_arn (and no web_identity_token_file) assumes
//     that role with the credentials of its source_profile, or of its
//     credential_source; it must have exactly one of the two;
//   - a source profile with static keys, or without role_arn, gives its
//     own credentials (static keys, credential_process, SSO), and must
//     have some: source_profile without role_arn is ignored, as the AWS
//     CLI ignores it;
//   - source_profile must name a profile of either file, and following
//     source_profile must not come back to a profile already assumed,
//     except that a profile may name itself when it holds static keys,
//     which it then assumes its role with.
//
// A profile that does not exist resolves to itself, with no root. The
// error is a *ConfigError naming the profile, the setting and the file.
func (g *Graph) Resolve(name string) (*Chain, error) {
	return g.resolve(name, name, nil)
}

// resolve is Resolve for the profile top asked for; name is top itself, or
// the profile that the awsfed credential_process of each profile in via
// runs for, to stop a loop of them.
func (g *Graph) resolve(top, name string, via []string) (*Chain, error) {
	c := &Chain{Name: name}
	visited := []string{name}
	for cur := name; ; {
		p, ok := g.profiles[cur]
		if !ok { // only name itself: sources are checked below
			c.Base = cur
			return c, nil
		}
		if p.IsAWSFed() {
			c.Root, c.Base = cur, cur
			return c, nil
		}
		if p.RoleARN() == "" || cur != name && p.HasStaticKeys() {
			c.Base = cur
			if err := g.ownCredentials(top, c, p, via); err != nil {
				return nil, err
			}
			return c, nil
		}
		hop, err := g.hop(p)
		if err != nil {
			return nil, err
		}
		c.Hops = append([]Hop{hop}, c.Hops...)
		src, credSrc := p.SourceProfile(), p.get(KeyCredentialSource)
		switch {
		case src != "" && credSrc != "":
			return nil, Errorf("profile %s: %s has both source_profile and credential_source; the AWS CLI refuses that: keep one",
				top, Where(cur, g.paths.Config))
		case credSrc != "":
			c.CredentialSource = credSrc
			return c, nil
		case src == "":
			return nil, Errorf("profile %s: %s has role_arn but neither source_profile nor credential_source, so the AWS CLI cannot assume it: add source_profile = the profile whose credentials assume the role",
				top, Where(cur, g.paths.Config))
		}
		if _, ok := g.profiles[src]; !ok {
			return nil, &ConfigError{at: "source_profile of " + cur, Msg: fmt.Sprintf("profile %s: %s has source_profile = %s, which is not a profile in %s or %s",
				top, Where(cur, g.paths.Config), src, g.paths.Config, g.paths.Credentials)}
		}
		if i := slices.Index(visited, src); i >= 0 {
			if src == cur && p.HasStaticKeys() {
				c.Base = cur // assumes its role with its own keys
				return c, nil
			}
			path := strings.Join(append(slices.Clone(visited), src), " → ")
			return nil, &ConfigError{Cycle: slices.Clone(visited[i:]), Msg: fmt.Sprintf(
				"profile %s: its source_profile settings form a cycle (%s) in %s; no profile of a cycle can get credentials",
				top, path, g.paths.Config)}
		}
		visited = append(visited, src)
		cur = src
	}
}

// ownCredentials checks the base p of chain c, which gives its own
// credentials: one that something chains on must have some. A base whose
// credential_process runs awsfed credential-process for a profile takes
// that profile's chain.
func (g *Graph) ownCredentials(top string, c *Chain, p *Profile, via []string) error {
	if target, ok := AWSFedProcessTarget(p.CredentialProcess()); ok {
		if slices.Contains(via, p.Name) {
			return Errorf("profile %s: the credential_process settings of %s run awsfed credential-process for each other in a loop; no profile of a loop can get credentials",
				top, strings.Join(append(slices.Clone(via), p.Name), " → "))
		}
		tc, err := g.resolve(top, target, append(via, p.Name))
		if err != nil {
			return err
		}
		c.Root, c.Hops = tc.Root, append(tc.Hops, c.Hops...)
		return nil
	}
	if c.Name != p.Name && !p.hasOwnCredentials() {
		// c.Name is top, or the profile an awsfed credential_process runs for.
		msg := fmt.Sprintf("profile %s chains on %s (%s), which has neither a role_arn nor credentials of its own (keys, credential_process, SSO), so the AWS CLI cannot use it",
			top, p.Name, c.path())
		if src := p.SourceProfile(); src != "" {
			msg += fmt.Sprintf(" (without role_arn, the AWS CLI ignores its source_profile = %s)", src)
		}
		return &ConfigError{at: "credentials of " + p.Name, Msg: msg + fmt.Sprintf(": give %s a role_arn, or chain %s on an awsfed profile", p.Name, top)}
	}
	return nil
}

// path is the chain from Name down to its base: "x → y → keys".
func (c *Chain) path() string {
	names := make([]string, 0, len(c.Hops)+1)
	for i := len(c.Hops) - 1; i >= 0; i-- {
		names = append(names, c.Hops[i].Profile)
	}
	if c.Base != "" && (len(names) == 0 || names[len(names)-1] != c.Base) {
		names = append(names, c.Base)
	}
	return strings.Join(names, " → ")
}

// hop reads the role settings of profile p.
func (g *Graph) hop(p *Profile) (Hop, error) {
	h := Hop{
		Profile:     p.Name,
		RoleARN:     p.RoleARN(),
		SessionName: p.get(KeyRoleSessionName),
		ExternalID:  p.get(KeyExternalID),
		MFASerial:   p.get(KeyMFASerial),
		Region:      p.Config(KeyRegion),
	}
	if v := p.get(KeyDurationSeconds); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return h, Errorf("duration_seconds = %q in %s: use a number of seconds, 900 to 3600 for a chained role",
				v, Where(p.Name, g.paths.Config))
		}
		h.Duration = time.Duration(n) * time.Second
	}
	return h, nil
}

// AWSFedChain resolves name as Resolve does and also requires the chain to
// start with an awsfed profile's credentials, as the commands that hand
// out credentials do; the error says why it does not.
func (g *Graph) AWSFedChain(name string) (*Chain, error) {
	c, err := g.Resolve(name)
	if err != nil {
		return nil, err
	}
	if c.Root != "" {
		return c, nil
	}
	switch {
	case c.CredentialSource != "":
		return nil, Errorf("profile %s assumes its role with credential_source = %s, not with an awsfed profile's credentials; awsfed resolves chains that start at an awsfed profile only",
			name, c.CredentialSource)
	case len(c.Hops) > 0 && c.Base == name:
		return nil, Errorf("profile %s assumes its role with its own access keys (source_profile = itself), not with an awsfed profile's credentials; awsfed resolves chains that start at an awsfed profile only", name)
	case len(c.Hops) > 0:
		return nil, Errorf("profile %s chains on %s (%s), which is not an awsfed profile; awsfed resolves chains that start at an awsfed profile only",
			name, c.Base, c.path())
	}
	return nil, g.NotAWSFed(name)
}

// NotAWSFed is the error for a profile that is neither an awsfed profile
// nor chained on one.
func (g *Graph) NotAWSFed(name string) error {
	msg := fmt.Sprintf("profile %s is not an awsfed profile (no awsfed_* or google_config.* settings in %s): set it up with awsfed login --profile %s first",
		name, Where(name, g.paths.Config), name)
	if p, ok := g.profiles[name]; ok && p.SourceProfile() != "" && p.RoleARN() == "" {
		msg += fmt.Sprintf(", or give it a role_arn: the AWS CLI ignores its source_profile = %s without one", p.SourceProfile())
	}
	return &ConfigError{Msg: msg}
}

// Node is a profile chained on another, with the profiles chained on it.
type Node struct {
	Name    string
	RoleARN string
	// Source is its source_profile.
	Source string
	Chains []Node
}

// chainedRoot returns the awsfed profile the i-th profile of g.names is
// chained on through its own role_arn, and the chain; "" when it is not
// (an error, no awsfed root, no role of its own, or a credential_process
// that hands out another profile's chain).
func (g *Graph) chainedRoot(i int) (string, *Chain) {
	r := g.resolveAll()[i]
	if c := r.chain; r.err == nil && c.Root != "" && len(c.Hops) > 0 && c.Hops[len(c.Hops)-1].Profile == g.names[i] {
		return c.Root, c
	}
	return "", nil
}

// Trees returns, for every awsfed profile by its name, the profiles whose
// chains start at it, as a tree: each under the profile whose role it is
// assumed with, in the config file's order. Each profile is resolved once.
func (g *Graph) Trees() map[string][]Node {
	type key struct{ root, parent string }
	children := map[key][]string{}
	for i, n := range g.names {
		root, c := g.chainedRoot(i)
		if root == "" {
			continue
		}
		parent := c.Root
		if len(c.Hops) > 1 {
			parent = c.Hops[len(c.Hops)-2].Profile
		}
		k := key{c.Root, parent}
		children[k] = append(children[k], n)
	}
	var tree func(root, parent string) []Node
	tree = func(root, parent string) []Node {
		names := children[key{root, parent}]
		out := make([]Node, 0, len(names))
		for _, n := range names {
			p := g.profiles[n]
			out = append(out, Node{Name: n, RoleARN: p.RoleARN(), Source: p.SourceProfile(), Chains: tree(root, n)})
		}
		return out
	}
	trees := map[string][]Node{}
	for _, root := range g.AWSFed() {
		trees[root] = tree(root, root)
	}
	return trees
}

// ChainedNames returns the names of the profiles Trees()[root] holds, in
// the config file's order.
func (g *Graph) ChainedNames(root string) []string {
	var out []string
	for i, n := range g.names {
		if r, _ := g.chainedRoot(i); r == root {
			out = append(out, n)
		}
	}
	return out
}

// Problems describes, in the config file's order, the profiles the AWS CLI
// cannot get credentials for because of how they chain (each message as
// Resolve gives it; a cycle, or a wrong setting that several chains go
// through, once), and the awsfed profiles whose role_arn
// would make the AWS CLI assume a role instead of using the credentials
// awsfed writes.
func (g *Graph) Problems() []string {
	var out []string
	seen := map[string]bool{}
	all := g.resolveAll()
	for i, n := range g.names {
		p := g.profiles[n]
		if p.IsAWSFed() {
			if p.RoleARN() != "" {
				out = append(out, fmt.Sprintf("profile %s is an awsfed profile with role_arn in %s: the AWS CLI would assume that role instead of using the credentials awsfed writes; remove role_arn (awsfed_role_arn is the role awsfed signs into)",
					n, Where(n, g.paths.Config)))
			}
			continue
		}
		if p.RoleARN() == "" {
			continue
		}
		err := all[i].err
		if err == nil {
			continue
		}
		if ce, ok := err.(*ConfigError); ok && (ce.Cycle != nil || ce.at != "") {
			key := slices.Clone(ce.Cycle)
			slices.Sort(key)
			k := ce.at + "\x00" + strings.Join(key, "\x00")
			if seen[k] {
				continue
			}
			seen[k] = true
		}
		out = append(out, err.Error())
	}
	return out
}

// CycleThrough returns the profiles from name back to name when following
// source_profile from name leads back to it (name → … → name), else nil.
// planned gives the source_profile of profiles about to be written (as
// chained profiles, with a role_arn), which counts instead of the files'.
// Unlike Resolve it counts a profile naming itself even with static keys:
// awsfed never writes one.
func (g *Graph) CycleThrough(name string, planned map[string]string) []string {
	next := func(cur string) string {
		if src, ok := planned[cur]; ok {
			return src
		}
		if p := g.Lookup(cur); p.RoleARN() != "" && !p.IsAWSFed() {
			return p.SourceProfile()
		}
		return "" // the chain ends here
	}
	path := []string{name}
	for cur := next(name); cur != ""; cur = next(cur) {
		path = append(path, cur)
		if cur == name {
			return path
		}
		if slices.Contains(path[:len(path)-1], cur) {
			return nil // a cycle elsewhere, which status reports
		}
	}
	return nil
}

// LoginName returns the awsfed profile a login is for: flag when given;
// else, when env (AWS_PROFILE, else AWS_DEFAULT_PROFILE) names an awsfed
// profile or a chain that starts at one, that awsfed profile; else
// DefaultName. An env profile whose chain the AWS CLI cannot resolve is an
// error, as in every command, and so is a flag that CheckName refuses.
func (g *Graph) LoginName(flag, env string) (string, error) {
	if flag != "" {
		return flag, CheckName(flag)
	}
	if env != "" {
		c, err := g.Resolve(env)
		if err != nil {
			return "", Errorf("AWS_PROFILE (or AWS_DEFAULT_PROFILE) names profile %s, which cannot be used: %v; mend it, or pass --profile NAME", env, err)
		}
		if c.Root != "" {
			return c.Root, nil
		}
	}
	return DefaultName, nil
}

// CredentialsChain returns the chain whose credentials a command hands out
// (credential-process, exec, env, console): of flag when given, else of
// env (AWS_PROFILE, else AWS_DEFAULT_PROFILE), else of DefaultName. It
// must be an awsfed profile or start at one; cmd names the command in the
// error for an env profile that does not, since awsfed never swaps in
// another identity than the one the environment names.
func (g *Graph) CredentialsChain(flag, env, cmd string) (*Chain, error) {
	if flag == "" && env != "" {
		c, err := g.Resolve(env)
		if err != nil {
			return nil, err
		}
		if c.Root == "" {
			return nil, Errorf("AWS_PROFILE (or AWS_DEFAULT_PROFILE) names profile %s, which is neither an awsfed profile nor chained on one; awsfed %s does not guess another: pass --profile NAME", env, cmd)
		}
		return c, nil
	}
	if flag == "" {
		flag = DefaultName
	}
	return g.AWSFedChain(flag)
}

// Load reads the config and credentials files at paths into a Graph. A
// missing file is an empty one; one that does not parse is an
// *awsconfig.ParseError.
func Load(paths awsconfig.Paths) (*Graph, error) {
	cfg, err := awsconfig.Load(paths.Config)
	if err != nil {
		return nil, err
	}
	creds, err := awsconfig.Load(paths.Credentials)
	if err != nil {
		return nil, err
	}
	return New(cfg, creds, paths), nil
}
