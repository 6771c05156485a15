package main

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/profile"
	"github.com/seed-2d15385e/awsfed/renew"
	"github.com/seed-2d15385e/awsfed/ui"
)

// conflictingKeys are the settings with which a profile gets credentials
// from elsewhere than credential_process: the AWS CLI or the Go SDK would
// use them first (role_arn chains, SSO, web identity, static keys in the
// config file, which the Go SDK prefers), or refuse the mix.
var conflictingKeys = []string{profile.KeyRoleARN, profile.KeySourceProfile, profile.KeyCredentialSource, profile.KeyWebIdentityTokenFile,
	profile.KeySSOSession, profile.KeySSOStartURL, profile.KeyAccessKeyID}

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
	g, err := loadGraph(o.deps)
	if err != nil {
		return fmt.Errorf("nothing was changed: %w", err)
	}
	name, err := g.LoginName(o.profile, envProfile(o.deps.Getenv))
	if err != nil {
		return err
	}
	if err := profile.CheckName(cmp.Or(o.name, name)); err != nil {
		return err
	}
	p := g.Lookup(name)
	if !p.IsAWSFed() {
		return usagef("%s; nothing was changed", g.NotAWSFed(name))
	}
	exe, err := o.deps.Executable()
	if err != nil {
		return fmt.Errorf("find the path of awsfed: %w; nothing was changed", err)
	}
	line, err := profile.AWSFedProcess(exe, name)
	if err != nil {
		return usagef("%s; nothing was changed", err)
	}
	target := g.Lookup(cmp.Or(o.name, name))
	if err := checkProcessTarget(target, name, line); err != nil {
		return err
	}
	var set []awsconfig.KV
	if target.Config(profile.KeyCredentialProcess) != line {
		set = append(set, awsconfig.KV{Key: profile.KeyCredentialProcess, Value: line})
	}
	if region := p.Config(profile.KeyRegion); target != p && target.Config(profile.KeyRegion) == "" && region != "" {
		set = append(set, awsconfig.KV{Key: profile.KeyRegion, Value: region})
	}
	change := awsconfig.Change{Section: target.ConfigSection(), Set: set}

	paths, errOut := g.Paths(), o.deps.Streams.ErrOut
	configure := func() error {
		if len(change.Set) == 0 {
			return nil
		}
		notes, err := awsconfig.Update(paths.Config, []awsconfig.Change{change}, awsconfig.UpdateOptions{})
		ui.Notes(errOut, notes...)
		if err != nil {
			return fmt.Errorf("nothing was changed in the AWS files: %w", err)
		}
		msg := fmt.Sprintf("Profile %s now gets its credentials from awsfed credential-process --profile %s", target.Name, name)
		for _, kv := range change.Set {
			if kv.Key == profile.KeyRegion {
				msg += fmt.Sprintf(" (region %s copied from profile %s)", kv.Value, name)
			}
		}
		fmt.Fprintln(errOut, msg+".")
		return nil
	}
	moved := ""
	if target != p {
		// The AWS CLI would use keys in [NAME] and never run the process.
		if _, ok := target.Credentials(); ok {
			return usagef("[%s] of %s holds access keys, which the AWS CLI would use instead of credential_process: remove them, or choose another --name; nothing was changed", target.Name, paths.Credentials)
		}
		err = configure()
	} else {
		// [profile P] itself runs credential_process: the AWS CLI
		// would use keys in [P] instead, so they move to the cache.
		moved, err = renew.ToCache(ctx, errOut, p, paths, cacheDir(o.deps), configure)
	}
	switch {
	case err != nil:
		return err
	case moved != "":
		fmt.Fprintf(errOut, "Moved the credentials of profile %s from [%s] of %s to %s, where credential-process keeps them: the AWS CLI would use keys in [%s] instead of running it.\n",
			name, name, paths.Credentials, moved, name)
	case len(change.Set) == 0:
		fmt.Fprintf(errOut, "Profile %s already gets its credentials from awsfed credential-process --profile %s; nothing changed.\n", target.Name, name)
	}
	return nil
}

// checkProcessTarget refuses to write line into target's config section
// when the profile gets credentials some other way, or is another awsfed
// profile, or runs another program's credential_process.
func checkProcessTarget(target *profile.Profile, root, line string) error {
	name := target.Name
	if name != root && target.IsAWSFed() {
		return usagef("profile %s is an awsfed profile of its own: run awsfed configure credential-process --profile %s; nothing was changed", name, name)
	}
	for _, k := range conflictingKeys {
		if target.Config(k) != "" {
			return usagef("profile %s already gets credentials through %s, which would conflict with credential_process: choose another --name; nothing was changed", name, k)
		}
	}
	if v := target.Section().Get(profile.KeyCredentialProcess); v != "" && v != line {
		if _, ok := profile.AWSFedProcessTarget(v); !ok {
			return usagef("profile %s already runs another program's credential_process: remove it, or choose another --name; nothing was changed", name)
		}
	}
	return nil
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
