package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/ui"
)

// defaultMinValid is how long stored credentials must stay valid for
// credential-process to hand them out without logging in (--min-valid).
const defaultMinValid = 5 * time.Minute

// credentialProcessOptions are the inputs of credential-process.
type credentialProcessOptions struct {
	deps     *Deps
	profile  string
	minValid string
	noPrompt bool
}

func newCredentialProcessCmd(deps *Deps, runF func(context.Context, *credentialProcessOptions) error) *cobra.Command {
	opts := &credentialProcessOptions{deps: deps}
	cmd := &cobra.Command{
		Use:   "credential-process --profile NAME",
		Short: "Print a profile's credentials as credential_process's JSON, logging in when they expire",
		Long: `Print the credentials of an awsfed profile on standard output as the Version 1
JSON that the AWS CLI and SDKs read from a credential_process, and nothing else
there. While the stored credentials stay valid for more than --min-valid, this
answers from them without any network traffic; otherwise it logs in as
"awsfed login --profile NAME" would: unattended when the password and second
factor can be had without a person (AWSFED_PASSWORD, awsfed_password_command,
AWSFED_TOTP_SECRET, awsfed_totp_secret_command, a kept Google session), else
by asking on the terminal (/dev/tty), else it fails with exit code 4 and says
what to do.

` + chainHelp + `Parallel runs for one profile make one login: the others wait for it and
print what it stored. Messages for the person (prompts, the phone wait, the
result line) go to the terminal, since the AWS CLI captures standard error;
an error goes to standard error as one line, which the AWS CLI shows.

"awsfed configure credential-process" writes the credential_process line.`,
		Example: `  # in ~/.aws/config, as "awsfed configure credential-process --profile jump" writes it:
  [profile jump]
  credential_process = /usr/local/bin/awsfed credential-process --profile jump`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.profile == "" {
				return usagef("credential-process needs --profile NAME: the awsfed profile whose credentials to print")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runCredentialProcess(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.profile, "profile", "", "the awsfed profile, or a profile chained on one through source_profile, whose credentials to print (required)")
	fl.StringVar(&opts.minValid, "min-valid", defaultMinValid.String(), "log in when the stored credentials expire within this time (e.g. 15m or 900)")
	fl.BoolVar(&opts.noPrompt, "no-prompt", false, "never prompt; when a login needs an input, exit 4")
	return cmd
}

// processCredentials is credential_process's output, Version 1:
// https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-sourcing-external.html
type processCredentials struct {
	Version         int    `json:"Version"`
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	SessionToken    string `json:"SessionToken"`
	Expiration      string `json:"Expiration"`
}

func runCredentialProcess(ctx context.Context, o *credentialProcessOptions) error {
	deps, closeTerminal := toTerminal(o.deps)
	defer closeTerminal()
	_, r, err := profileCredentials(ctx, deps, "credential-process", o.profile, o.minValid, o.noPrompt)
	if err != nil {
		return err
	}
	b, err := json.Marshal(processCredentials{Version: 1, AccessKeyID: r.creds.AccessKeyID, SecretAccessKey: r.creds.SecretAccessKey,
		SessionToken: r.creds.SessionToken, Expiration: r.creds.Expiration.UTC().Format(time.RFC3339)})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(o.deps.Streams.Out, "%s\n", b)
	return err
}

// profileCredentials returns the settings of the awsfed profile (resolved
// as login does when profile is "") and its credentials: the stored ones
// when they stay valid for minValid (a duration flag's value), else new
// ones from a login, whose result line it prints. A login that needs an
// input no one can give fails saying how to renew unattended. For a
// profile (--profile, else AWS_PROFILE) chained on an awsfed profile
// through source_profile, the root is renewed the same way and the chain's
// roles are then assumed, on every call (see chained); cmd names the
// command.
func profileCredentials(ctx context.Context, deps *Deps, cmd, profile, minValid string, noPrompt bool) (*settings, *renewal, error) {
	window, err := parseDuration(minValid)
	if err != nil {
		return nil, nil, usagef(fmt.Sprintf("--min-valid %q: %v", minValid, err))
	}
	paths := awsconfig.DefaultPaths(deps.Home, deps.Getenv)
	cfg, err := awsconfig.Load(paths.Config)
	if err != nil {
		return nil, nil, err
	}
	root, hops, err := resolveChain(cmp.Or(profile, envProfile(deps.Getenv)), cfg, paths.Config)
	if err != nil {
		return nil, nil, err
	}
	if hops != nil {
		profile = root
	}
	if env := envProfile(deps.Getenv); profile == "" && env != "" {
		// login falls back to "sts" here; handing out another identity
		// than the one AWS_PROFILE names would be a silent swap.
		if _, ok := awsfedRoot(env, cfg); !ok {
			return nil, nil, usagef(fmt.Sprintf("AWS_PROFILE (or AWS_DEFAULT_PROFILE) names profile %s, which is neither an awsfed profile nor chained on one; awsfed %s does not guess another: pass --profile NAME", env, cmd))
		}
	}
	name := resolveProfile(profile, deps.Getenv, cfg)
	if sec, _ := cfg.Profile(name); !isAWSFedProfile(sec) {
		return nil, nil, notAWSFedProfile(name, paths.Config, "")
	}
	lo := &loginOptions{deps: deps, flags: loginFlags{Profile: name, NoPrompt: noPrompt}}
	defer lo.close()
	s, err := resolveSettings(&lo.flags, deps.Getenv, paths, cfg)
	if err != nil {
		return nil, nil, err
	}
	r, err := lo.ensure(ctx, s, window, false)
	var input *ui.InputNeededError
	if errors.As(err, &input) {
		return nil, nil, &ui.InputNeededError{What: input.What, Hint: unattendedHint(input.What, s.Profile)}
	}
	if err != nil {
		return nil, nil, err
	}
	if r.fresh {
		if err := lo.report(s.Profile, r.role, r.sts); err != nil {
			return nil, nil, err
		}
	}
	if hops != nil {
		return lo.chained(ctx, s, r, hops)
	}
	return s, r, nil
}

// toTerminal returns deps whose ErrOut is the controlling terminal when
// stderr is not one and the terminal can be opened: the AWS CLI captures a
// credential_process's stderr and shows it only when the process fails, so
// that messages for the person (the phone wait, "waiting for another
// awsfed", the result line) would reach no one. Errors still go to the
// original stderr, where the AWS CLI shows them. The returned function
// closes the terminal.
func toTerminal(deps *Deps) (*Deps, func()) {
	if deps.Streams.ErrTTY || deps.OpenTerminal == nil {
		return deps, func() {}
	}
	tty, err := deps.OpenTerminal()
	if err != nil {
		return deps, func() {}
	}
	streams := *deps.Streams
	streams.ErrOut, streams.ErrTTY = tty, true
	d := *deps
	d.Streams = &streams
	return &d, func() { _ = tty.Close() }
}

// unattendedHint says what to do when a renewal needs an input and no one
// can be asked: log in on a terminal now, or give awsfed the secrets for
// unattended renewals.
func unattendedHint(what, profile string) string {
	hint := fmt.Sprintf("run `awsfed login --profile %s` in a terminal and try again", profile)
	sec := awsconfig.ConfigSection(profile)
	switch what {
	case "a password":
		hint += fmt.Sprintf("; for unattended renewals set AWSFED_PASSWORD, or %s in [%s]", keyPasswordCommand, sec)
	case "a one-time code":
		hint += fmt.Sprintf("; for unattended renewals set AWSFED_TOTP_SECRET, or %s in [%s]", keyTOTPSecretCommand, sec)
	}
	return hint
}
