package main

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/internal/credcache"
)

const keyCredentialProcess = "credential_process"

// conflictingKeys are the settings with which a profile gets credentials
// from elsewhere than credential_process: the AWS CLI or the Go SDK would
// use them first (role_arn chains, SSO, web identity, static keys in the
// config file, which the Go SDK prefers), or refuse the mix.
var conflictingKeys = []string{"role_arn", "source_profile", "credential_source", "web_identity_token_file",
	"sso_session", "sso_start_url", "aws_access_key_id"}

// configureCredentialProcessOptions are the inputs of configure
// credential-process.
type configureCredentialProcessOptions struct {
	deps    *Deps
	profile string
	name    string
}

func newConfigureCredentialProcessCmd(deps *Deps, runF func(context.Context, *configureCredentialProcessOptions) error) *cobra.Command {
	opts := &configureCredentialProcessOptions{deps: deps}
	cmd := &cobra.Command{
		Use:   "credential-process",
		Short: "Make a profile get its credentials from awsfed credential-process",
		Long: `Write into [profile NAME] of the AWS config file

  credential_process = /path/of/awsfed credential-process --profile PROFILE

so that the AWS CLI and the SDKs run awsfed whenever they need credentials for
NAME, or for a role_arn + source_profile = NAME chain, and awsfed logs in only
when the stored credentials are about to expire.

PROFILE must be an awsfed profile: log into it once with "awsfed login" first.
NAME is PROFILE by default; awsfed then keeps PROFILE's credentials in its own
cache (~/.cache/awsfed/credentials) instead of [PROFILE] of the credentials
file, because the AWS CLI would use keys there instead of running
credential_process: temporary keys already in [PROFILE] are moved to the cache.
With another NAME, [profile NAME] gets only credential_process (and PROFILE's
region when it has none), and PROFILE keeps its credentials where they are.

The path written is this awsfed's: run configure again after moving awsfed.
Running it again changes nothing.`,
		Example: `  awsfed configure credential-process --profile jump
  awsfed configure credential-process --profile jump --name jump-process`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runConfigureCredentialProcess(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.profile, "profile", "", `the awsfed profile to get credentials from (default: AWS_PROFILE if it names an awsfed profile or a chain built on one, else "sts")`)
	fl.StringVar(&opts.name, "name", "", "the profile to write credential_process into (default: the --profile)")
	return cmd
}

func runConfigureCredentialProcess(ctx context.Context, o *configureCredentialProcessOptions) error {
	paths := awsconfig.DefaultPaths(o.deps.Home, o.deps.Getenv)
	cfg, err := awsconfig.Load(paths.Config)
	if err != nil {
		return fmt.Errorf("nothing was changed: %w", err)
	}
	profile := resolveProfile(o.profile, o.deps.Getenv, cfg)
	name := cmp.Or(o.name, profile)
	psec, _ := cfg.Profile(profile)
	if !isAWSFedProfile(psec) {
		return notAWSFedProfile(profile, paths.Config, "; nothing was changed")
	}
	exe, err := o.deps.Executable()
	if err != nil {
		return fmt.Errorf("find the path of awsfed: %w; nothing was changed", err)
	}
	line, err := processCommand(exe, profile)
	if err != nil {
		return usagef(err.Error() + "; nothing was changed")
	}
	nsec, _ := cfg.Profile(name)
	if err := checkProcessTarget(name, profile, nsec, line); err != nil {
		return err
	}
	var set []awsconfig.KV
	if nsec[keyCredentialProcess] != line {
		set = append(set, awsconfig.KV{Key: keyCredentialProcess, Value: line})
	}
	region := strings.TrimSpace(psec[keyRegion])
	if name != profile && strings.TrimSpace(nsec[keyRegion]) == "" && region != "" {
		set = append(set, awsconfig.KV{Key: keyRegion, Value: region})
	}
	change := awsconfig.Change{Section: cfg.ProfileSection(name), Set: set}

	if name != profile {
		if err := checkNoKeys(paths.Credentials, name); err != nil {
			return err
		}
		return o.write(paths, change, name, profile, nil)
	}
	// [profile P] itself runs credential_process: its credentials move to
	// the cache, under the renewal lock so that no login writes [P]
	// meanwhile.
	cache := credcache.DefaultDir(o.deps.Home, o.deps.Getenv)
	unlock, err := lockRenewal(ctx, o.deps.Streams.ErrOut, cache, profile, lockWait)
	if err != nil {
		return err
	}
	defer unlock()
	m, err := keysToMove(paths.Credentials, profile)
	if err != nil {
		return err
	}
	if m != nil {
		m.cache = cache
	}
	return o.write(paths, change, name, profile, m)
}

// notAWSFedProfile is the error for a profile that awsfed does not log
// into, followed by suffix.
func notAWSFedProfile(profile, configPath, suffix string) error {
	return usagef(fmt.Sprintf("profile %s is not an awsfed profile (no awsfed_* or google_config.* settings in [%s] of %s): set it up with awsfed login --profile %s first%s",
		profile, awsconfig.ConfigSection(profile), configPath, profile, suffix))
}

// move is a profile's temporary credentials in the credentials file, to
// be moved into the cache.
type move struct {
	creds awsconfig.Credentials
	cache credcache.Dir
}

// keysToMove returns the temporary credentials in [profile] of the
// credentials file, nil if there are none, or an error for long-term keys,
// which awsfed did not write and must not take away.
func keysToMove(credsPath, profile string) (*move, error) {
	f, err := awsconfig.Load(credsPath)
	if err != nil {
		return nil, fmt.Errorf("nothing was changed: %w", err)
	}
	c, ok := awsconfig.ReadCredentials(f, profile)
	switch {
	case !ok:
		return nil, nil
	case c.SessionToken == "":
		return nil, usagef(fmt.Sprintf("[%s] of %s holds long-term access keys (no session token), which the AWS CLI would use instead of credential_process: move them to another profile, or pass --name NAME to write credential_process into another profile; nothing was changed",
			profile, credsPath))
	}
	return &move{creds: c}, nil
}

// checkNoKeys refuses a profile whose section in the credentials file holds
// keys: the AWS CLI would use them and never run credential_process.
func checkNoKeys(credsPath, name string) error {
	f, err := awsconfig.Load(credsPath)
	if err != nil {
		return fmt.Errorf("nothing was changed: %w", err)
	}
	if _, ok := awsconfig.ReadCredentials(f, name); ok {
		return usagef(fmt.Sprintf("[%s] of %s holds access keys, which the AWS CLI would use instead of credential_process: remove them, or choose another --name; nothing was changed", name, credsPath))
	}
	return nil
}

// write stores m's credentials in the cache, writes change into the config
// file, and then removes m's credentials from the credentials file: in this
// order, a failure half-way leaves every profile working as before or as
// after.
func (o *configureCredentialProcessOptions) write(paths awsconfig.Paths, change awsconfig.Change, name, profile string, m *move) error {
	if len(change.Set) == 0 && m == nil {
		fmt.Fprintf(o.deps.Streams.ErrOut, "Profile %s already gets its credentials from awsfed credential-process --profile %s; nothing changed.\n", name, profile)
		return nil
	}
	if m != nil {
		if old, ok, _ := m.cache.Load(profile); !ok || old.Expiration.Before(m.creds.Expiration) {
			if err := m.cache.Save(profile, m.creds); err != nil {
				return fmt.Errorf("nothing was changed in the AWS files: %w", err)
			}
		}
	}
	if len(change.Set) > 0 {
		notes, err := awsconfig.Update(paths.Config, []awsconfig.Change{change}, awsconfig.UpdateOptions{})
		o.notes(notes)
		if err != nil {
			return fmt.Errorf("nothing was changed in the AWS files: %w", err)
		}
		msg := fmt.Sprintf("Profile %s now gets its credentials from awsfed credential-process --profile %s", name, profile)
		for _, kv := range change.Set {
			if kv.Key == keyRegion {
				msg += fmt.Sprintf(" (region %s copied from profile %s)", kv.Value, profile)
			}
		}
		fmt.Fprintln(o.deps.Streams.ErrOut, msg+".")
	}
	if m == nil {
		return nil
	}
	_, notes, err := awsconfig.RemoveCredentials(paths.Credentials, profile)
	o.notes(notes)
	if err != nil {
		return fmt.Errorf("credential_process is set, but the AWS CLI will keep using the keys in [%s] of %s until they are removed: %w", profile, paths.Credentials, err)
	}
	fmt.Fprintf(o.deps.Streams.ErrOut, "Moved the credentials of profile %s from [%s] of %s to %s, where credential-process keeps them: the AWS CLI would use keys in [%s] instead of running it.\n",
		profile, profile, paths.Credentials, m.cache.Path(profile), profile)
	return nil
}

func (o *configureCredentialProcessOptions) notes(notes []string) {
	for _, n := range notes {
		fmt.Fprintf(o.deps.Streams.ErrOut, "awsfed: note: %s\n", n)
	}
}

// checkProcessTarget refuses to write line into [profile name] (whose
// settings are sec) when the profile gets credentials some other way, or
// is another awsfed profile, or runs another program's credential_process.
func checkProcessTarget(name, profile string, sec map[string]string, line string) error {
	if name != profile && isAWSFedProfile(sec) {
		return usagef(fmt.Sprintf("profile %s is an awsfed profile of its own: run awsfed configure credential-process --profile %s; nothing was changed", name, name))
	}
	for _, k := range conflictingKeys {
		if strings.TrimSpace(sec[k]) != "" {
			return usagef(fmt.Sprintf("profile %s already gets credentials through %s, which would conflict with credential_process: choose another --name; nothing was changed", name, k))
		}
	}
	if v := sec[keyCredentialProcess]; v != "" && v != line && !isAWSFedProcess(v) {
		return usagef(fmt.Sprintf("profile %s already runs another program's credential_process: remove it, or choose another --name; nothing was changed", name))
	}
	return nil
}

// isAWSFedProcess reports whether a credential_process value runs awsfed
// credential-process (from another path, or for another profile): configure
// replaces such a line, never another program's.
func isAWSFedProcess(v string) bool {
	i := strings.Index(v, " credential-process")
	return i > 0 && strings.Contains(filepath.Base(strings.Trim(v[:i], `'"`)), "awsfed")
}

// shellUnsafe finds a character that a POSIX shell, and Python's shlex,
// would not read literally outside quotes (shlex.quote's set).
var shellUnsafe = regexp.MustCompile(`[^A-Za-z0-9_@%+=:,./-]`)

// inlineComment is where the AWS SDK for Go cuts a value: white space
// followed by # or ;.
var inlineComment = regexp.MustCompile(`[ \t][#;]`)

// processCommand returns the credential_process value that runs exe
// credential-process --profile profile, read alike by the AWS CLI, which
// splits it into words as a POSIX shell would (Python's shlex) and runs no
// shell, and the AWS SDK for Go, which runs it with sh -c. A word with a
// character outside shlex.quote's safe set is put in single quotes (a '
// inside as '"'"'), which both read literally. Refused: a path that is not
// absolute, control characters, white space followed by # or ; (the Go
// SDK cuts the value there as an inline comment), and a value that starts
// and ends with a quote (the Go SDK removes the pair).
func processCommand(exe, profile string) (string, error) {
	if !filepath.IsAbs(exe) {
		return "", fmt.Errorf("the path of awsfed, %q, is not absolute", exe)
	}
	words := []string{exe, "credential-process", "--profile", profile}
	for i, w := range words {
		if !utf8.ValidString(w) || strings.ContainsFunc(w, unicode.IsControl) {
			return "", fmt.Errorf("%q has a control character or is not UTF-8: credential_process cannot carry it", w)
		}
		if shellUnsafe.MatchString(w) {
			words[i] = "'" + strings.ReplaceAll(w, "'", `'"'"'`) + "'"
		}
	}
	v := strings.Join(words, " ")
	if inlineComment.MatchString(v) {
		return "", fmt.Errorf("credential_process = %s would be cut at its # or ; by the AWS SDK for Go, which reads them after a space as a comment: install awsfed in a folder without them", v)
	}
	if v[0] == '\'' && v[len(v)-1] == '\'' {
		return "", fmt.Errorf("credential_process = %s starts and ends with a quote, which the AWS SDK for Go removes: install awsfed in a folder whose path has only letters, digits and @%%+=:,./_- in it", v)
	}
	return v, nil
}

// executablePath is the path configure writes into credential_process:
// the file on PATH that started awsfed when it is this very program (a
// package manager's link, which stays when an upgrade replaces the
// versioned file it points to), else the program's own absolute path.
func executablePath() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	if !strings.ContainsRune(os.Args[0], os.PathSeparator) {
		if p, err := exec.LookPath(os.Args[0]); err == nil && filepath.IsAbs(p) && sameFile(p, exe) {
			return p, nil
		}
	}
	return filepath.Abs(exe)
}

func sameFile(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}
