package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/seed-2d15385e/awsfed/internal/credcache"
	"github.com/seed-2d15385e/awsfed/profile"
	"github.com/seed-2d15385e/awsfed/renew"
	"github.com/seed-2d15385e/awsfed/signin"
	"github.com/seed-2d15385e/awsfed/sso"
)

// defaultMinValid is how long stored credentials must stay valid for
// credential-process to hand them out without logging in (--min-valid).
const defaultMinValid = 5 * time.Minute

// chainHelp is the paragraph of exec's, env's and credential-process's
// help on chained profiles.
const chainHelp = `A profile chained on an awsfed profile through source_profile and role_arn,
at any depth, works too: awsfed renews the awsfed profile at the root of the
chain as above, then assumes each role of the chain with AssumeRole (honouring
duration_seconds, at most 1h for chained roles, external_id,
role_session_name and mfa_serial), on every call: those credentials are not
stored. Chains follow the AWS CLI's rules, and go through a profile whose
credential_process runs awsfed credential-process.

`

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

func runCredentialProcess(ctx context.Context, o *credentialProcessOptions) error {
	deps, closeTerminal := toTerminal(o.deps)
	defer closeTerminal()
	r, err := credentials(ctx, deps, "credential-process", o.profile, o.minValid, o.noPrompt)
	if err != nil {
		return err
	}
	b, err := credcache.ProcessJSON(r.Credentials)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(o.deps.Streams.Out, "%s\n", b)
	return err
}

// credentials returns the credentials of the profile that flag names, else
// AWS_PROFILE, else "sts": an awsfed profile's, the stored ones when they
// stay valid for minValid (a duration flag's value), else new ones from a
// sign-in whose result line it prints; or a chain's on one, whose roles it
// then assumes (see chainHelp). cmd names the command in messages.
func credentials(ctx context.Context, deps *Deps, cmd, flag, minValid string, noPrompt bool) (*renew.Result, error) {
	window, err := profile.ParseDuration(minValid)
	if err != nil {
		return nil, usagef("--min-valid %q: %v", minValid, err)
	}
	g, err := loadGraph(deps)
	if err != nil {
		return nil, err
	}
	c, err := g.CredentialsChain(flag, envProfile(deps.Getenv), cmd)
	if err != nil {
		return nil, err
	}
	f := signin.Flags{Profile: c.Root, NoPrompt: noPrompt}
	in := newInputs(deps, f, sso.Flags{}, true)
	defer in.Signer.Close()
	return newProvider(deps, g, in).Credentials(ctx, c, window)
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
