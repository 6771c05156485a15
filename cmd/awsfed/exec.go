package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/seed-2d15385e/awsfed/internal/launch"
)

type execOptions struct {
	deps    *Deps
	flags   envFlags
	command []string
}

func newExecCmd(deps *Deps, runF func(context.Context, *execOptions) error) *cobra.Command {
	opts := &execOptions{deps: deps}
	cmd := &cobra.Command{
		Use:   "exec [--profile NAME] [--] COMMAND [ARGS...]",
		Short: "Run a command with a profile's credentials in its environment, logging in when they expire",
		Long: `Run COMMAND with the credentials of an awsfed profile in its environment:
AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_SECURITY_TOKEN
(the same token, for old SDKs), AWS_REGION, AWS_DEFAULT_REGION and
AWS_CREDENTIAL_EXPIRATION (RFC 3339, UTC); AWS_PROFILE, AWS_DEFAULT_PROFILE and
AWS_SESSION_EXPIRATION are removed, since they would contradict them. The
credentials are never passed as arguments.

While the stored credentials stay valid for more than --min-valid, the command
starts without any network traffic; otherwise awsfed logs in first, as "awsfed
login" would, asking on the terminal (/dev/tty) if it must.

` + chainHelp + `Then awsfed becomes COMMAND (execve), as aws-vault exec does: the command gets
the terminal's signals (Ctrl-C, Ctrl-Z) and any signal sent to awsfed's process
itself, once, and its exit status is awsfed's. A command that is not found
exits 127, one that cannot be run 126, as in a shell.

The region is AWS_REGION, else AWS_DEFAULT_REGION, else the profile's region,
else the default of the role's partition (us-east-1, cn-north-1,
us-gov-west-1). The credentials are not renewed while the command runs:
raise --min-valid for long commands.`,
		Example: `  awsfed exec --profile jump -- aws sts get-caller-identity
  awsfed exec --profile jump --min-valid 1h -- terraform apply
  awsfed exec -- sh -c 'echo "$AWS_CREDENTIAL_EXPIRATION"'`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("exec needs a command to run: awsfed exec [--profile NAME] -- COMMAND [ARGS...]")
			}
			opts.command = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runExec(cmd.Context(), opts)
		},
	}
	addEnvFlags(cmd, &opts.flags)
	// Flags after COMMAND are COMMAND's, with or without "--".
	cmd.Flags().SetInterspersed(false)
	return cmd
}

func runExec(ctx context.Context, o *execOptions) error {
	// Like a shell, look for the command before anything else: a typo
	// should not cost a login.
	path, err := launch.LookPath(o.command[0])
	if err != nil {
		return err
	}
	e, err := credentialsEnv(ctx, o.deps, &o.flags, "exec")
	if err != nil {
		return err
	}
	environ := os.Environ
	if o.deps.Environ != nil {
		environ = o.deps.Environ
	}
	env := e.Apply(environ())
	if o.deps.Exec != nil {
		err := o.deps.Exec(path, o.command, env)
		return &launch.ExitError{Code: launch.ExitCannotRun, Msg: fmt.Sprintf("%s: cannot run: %v", o.command[0], err)}
	}
	return launch.Child(path, o.command, env, o.deps.Streams, o.deps.Signals)
}
