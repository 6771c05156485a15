package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/seed-2d15385e/awsfed/assume"
	"github.com/seed-2d15385e/awsfed/awsconfig"
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

// envVar is one environment variable.
type envVar struct{ name, value string }

// awsEnv is what exec changes in its command's environment and env prints:
// variables to set, in this order, and variables to remove.
type awsEnv struct {
	set   []envVar
	unset []string
}

// newAWSEnv returns the variables that hand c over to a program:
// AWS_SECURITY_TOKEN repeats the session token for old SDKs (boto 2), as
// the credentials file's aws_security_token does. Removed are the
// variables that would contradict them: a profile name (the AWS CLI and
// several tools would read its region or settings), and the expiry that
// another tool (aws-vault before v7) set for other credentials.
func newAWSEnv(c awsconfig.Credentials, region string) *awsEnv {
	e := &awsEnv{unset: []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_EXPIRATION"}}
	for _, v := range []envVar{
		{"AWS_ACCESS_KEY_ID", c.AccessKeyID},
		{"AWS_SECRET_ACCESS_KEY", c.SecretAccessKey},
		{"AWS_SESSION_TOKEN", c.SessionToken},
		{"AWS_SECURITY_TOKEN", c.SessionToken},
		{"AWS_REGION", region},
		{"AWS_DEFAULT_REGION", region},
		{"AWS_CREDENTIAL_EXPIRATION", expirationValue(c.Expiration)},
	} {
		if v.value == "" {
			// Never hand on an old value of a variable that has none here.
			e.unset = append(e.unset, v.name)
			continue
		}
		e.set = append(e.set, v)
	}
	return e
}

func expirationValue(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// apply returns environ (KEY=VALUE entries) with e's variables set and
// the others it names removed.
func (e *awsEnv) apply(environ []string) []string {
	drop := map[string]bool{}
	for _, k := range e.unset {
		drop[k] = true
	}
	for _, v := range e.set {
		drop[v.name] = true
	}
	out := make([]string, 0, len(environ)+len(e.set))
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] {
			out = append(out, kv)
		}
	}
	for _, v := range e.set {
		out = append(out, v.name+"="+v.value)
	}
	return out
}

// credentialsEnv returns the environment for the credentials of the
// profile that f names, as login resolves it: the stored credentials when
// they stay valid for --min-valid, else new ones from a login. cmd names the
// command in messages.
func credentialsEnv(ctx context.Context, deps *Deps, f *envFlags, cmd string) (*awsEnv, error) {
	r, err := credentials(ctx, deps, cmd, f.profile, f.minValid, f.noPrompt)
	if err != nil {
		return nil, err
	}
	// The region as the AWS CLI would pick it for the profile (the
	// environment, then the profile), else the one whose STS endpoint the
	// role's partition always has.
	region := cmp.Or(r.Region, assume.DefaultRegion(cmp.Or(r.RoleARN, r.Credentials.PrincipalARN)))
	return newAWSEnv(r.Credentials, region), nil
}

// envFormats are the formats of awsfed env.
const envFormats = "sh, fish, powershell, dotenv, json"

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
	cmd.Flags().StringVar(&opts.format, "format", "sh", "output format: "+envFormats)
	return cmd
}

func runEnv(ctx context.Context, o *envOptions) error {
	write := envWriter(o.format)
	if write == nil {
		return usagef("--format %q: use one of %s", o.format, envFormats)
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

// envWriter returns the function that writes an awsEnv in format, or nil
// for an unknown format.
func envWriter(format string) func(*strings.Builder, *awsEnv) error {
	switch format {
	case "sh":
		return shellWriter("unset %s\n", "export %s=%s\n", shQuote)
	case "fish":
		// -g: never erase a universal variable, which would outlive this
		// shell. The test keeps a missing variable from setting $status,
		// which the following assignments would pass on to "source".
		return shellWriter("if set -q -g %[1]s; set -e -g %[1]s; end;\n", "set -gx %s %s;\n", fishQuote)
	case "powershell":
		return shellWriter("Remove-Item Env:%s -ErrorAction SilentlyContinue\n", "$Env:%s = %s\n", powershellQuote)
	case "dotenv":
		return writeDotenv
	case "json":
		return writeJSON
	}
	return nil
}

// shellWriter returns a writer of shell commands: unset is the format of
// the command that removes a variable (with its name), set of the one that
// sets it (with its name and its quoted value).
func shellWriter(unset, set string, quote func(string) string) func(*strings.Builder, *awsEnv) error {
	return func(b *strings.Builder, e *awsEnv) error {
		for _, k := range e.unset {
			fmt.Fprintf(b, unset, k)
		}
		for _, v := range e.set {
			fmt.Fprintf(b, set, v.name, quote(v.value))
		}
		return nil
	}
}

// writeDotenv writes KEY=VALUE lines. A docker env-file cannot remove a
// variable (a bare NAME line copies it from the host instead), and
// containers start without the host's environment anyway.
func writeDotenv(b *strings.Builder, e *awsEnv) error {
	for _, v := range e.set {
		if err := dotenvValue(v.value); err != nil {
			return fmt.Errorf("%s cannot be written in the dotenv format: its value %w", v.name, err)
		}
		fmt.Fprintf(b, "%s=%s\n", v.name, v.value)
	}
	return nil
}

// writeJSON writes one object of the variables, in their order.
func writeJSON(b *strings.Builder, e *awsEnv) error {
	b.WriteString("{")
	for i, v := range e.set {
		name, _ := json.Marshal(v.name)
		value, _ := json.Marshal(v.value)
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(b, "\n  %s: %s", name, value)
	}
	b.WriteString("\n}\n")
	return nil
}

// shQuote quotes s for a POSIX shell: within single quotes every character
// stands for itself, and a single quote is written as '\” (end the quotes,
// an escaped quote, quote again).
func shQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// fishQuote quotes s for fish, where single quotes take \' and \\ as
// their only escapes.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// powershellQuote quotes s for PowerShell: a single-quoted string takes no
// escapes and writes a quote twice. PowerShell also reads the typographic
// single quotes (U+2018 to U+201B) as quotes, so those are doubled too.
func powershellQuote(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\'', '\u2018', '\u2019', '\u201a', '\u201b':
			b.WriteRune(r)
		}
		b.WriteRune(r)
	}
	b.WriteByte('\'')
	return b.String()
}

// dotenvValue checks that a value reads back unchanged from a KEY=VALUE
// line of "docker run --env-file": docker takes the rest of the line as it
// is, without quotes or escapes, so a value cannot hold a line break. One
// that starts and ends with the same quote is refused too: docker compose's
// env_file strips such quotes, and docker itself may (docker/cli#3630).
func dotenvValue(v string) error {
	switch {
	case strings.ContainsAny(v, "\n\r\x00"):
		return errors.New("holds a line break or NUL")
	case len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0]:
		return errors.New("is wrapped in quotes, which docker and docker compose read differently")
	}
	return nil
}
