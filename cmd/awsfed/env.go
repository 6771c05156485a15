package main

import (
	"cmp"
	"context"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/seed-2d15385e/awsfed/assume"
	"github.com/seed-2d15385e/awsfed/awsenv"
)

// envFlags are the flags exec and env share.
type envFlags struct {
	profile  string
	minValid string
	noPrompt bool
}

func addEnvFlags(cmd *cobra.Command, f *envFlags) {
	fl := cmd.Flags()
	fl.StringVar(&f.profile, "profile", "", `awsfed profile whose credentials to use, or a profile chained on one through source_profile, whose roles awsfed then assumes (default: AWS_PROFILE if it names one of those, else "sts")`)
	fl.StringVar(&f.minValid, "min-valid", defaultMinValid.String(), "log in first when the stored credentials expire within this time (e.g. 15m or 900)")
	fl.BoolVar(&f.noPrompt, "no-prompt", false, "never prompt; when a login needs an input, exit 4")
}

// credentialsEnv returns the environment for the credentials of the
// profile that f names, as login resolves it: the stored credentials when
// they stay valid for --min-valid, else new ones from a login. cmd names the
// command in messages.
func credentialsEnv(ctx context.Context, deps *Deps, f *envFlags, cmd string) (*awsenv.Env, error) {
	r, err := credentials(ctx, deps, cmd, f.profile, f.minValid, f.noPrompt)
	if err != nil {
		return nil, err
	}
	// The region as the AWS CLI would pick it for the profile (the
	// environment, then the profile), else the one whose STS endpoint the
	// role's partition always has.
	region := cmp.Or(r.Region, assume.DefaultRegion(cmp.Or(r.RoleARN, r.Credentials.PrincipalARN)))
	return awsenv.New(r.Credentials, region), nil
}

type envOptions struct {
	deps   *Deps
	flags  envFlags
	format string
}

func newEnvCmd(deps *Deps, runF func(context.Context, *envOptions) error) *cobra.Command {
	opts := &envOptions{deps: deps}
	cmd := &cobra.Command{
		Use:   "env [--profile NAME] [--format sh|fish|powershell|dotenv|json]",
		Short: "Print a profile's credentials as environment variables, logging in when they expire",
		Long: `Print the credentials of an awsfed profile as the environment variables that
"awsfed exec" sets, for a shell to evaluate or a program to read:
AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_SECURITY_TOKEN
(the same token, for old SDKs), AWS_REGION, AWS_DEFAULT_REGION and
AWS_CREDENTIAL_EXPIRATION (RFC 3339, UTC). The shell formats also remove
AWS_PROFILE, AWS_DEFAULT_PROFILE and AWS_SESSION_EXPIRATION, which would
contradict them.

While the stored credentials stay valid for more than --min-valid, this prints
them without any network traffic; otherwise it logs in first, as "awsfed login"
would, asking on the terminal (/dev/tty) if it must. The variables go to
standard output and nothing else does; messages go to standard error.

` + chainHelp + `Formats:
  sh          export K='v' lines (bash, zsh, dash, ksh)
  fish        set -gx K 'v'; lines
  powershell  $Env:K = 'v' lines
  dotenv      K=v lines, as "docker run --env-file" reads them: no quotes
  json        one object of the variables

The region is AWS_REGION, else AWS_DEFAULT_REGION, else the profile's region,
else the default of the role's partition (us-east-1, cn-north-1,
us-gov-west-1).`,
		Example: `  out=$(awsfed env --profile jump) && eval "$out"
  awsfed env --profile jump --format fish | source
  awsfed env --profile jump --format powershell | Invoke-Expression
  awsfed env --profile jump --format dotenv > .aws.env && docker run --env-file .aws.env amazon/aws-cli sts get-caller-identity`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runEnv(cmd.Context(), opts)
		},
	}
	addEnvFlags(cmd, &opts.flags)
	cmd.Flags().StringVar(&opts.format, "format", "sh", "output format: "+awsenv.Formats)
	return cmd
}

func runEnv(ctx context.Context, o *envOptions) error {
	write := awsenv.Writer(o.format)
	if write == nil {
		return usagef("--format %q: use one of %s", o.format, awsenv.Formats)
	}
	e, err := credentialsEnv(ctx, o.deps, &o.flags, "env")
	if err != nil {
		return err
	}
	var b strings.Builder
	if err := write(&b, e); err != nil {
		return err
	}
	_, err = io.WriteString(o.deps.Streams.Out, b.String())
	return err
}
