package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/seed-2d15385e/awsfed/internal/federation"
)

// consoleMinValid is how long the credentials must stay valid for console
// to sign in with them rather than log in first.
const consoleMinValid = "5m"

// envSigninFederationURL overrides the federation endpoint that console
// asks for a sign-in token (tests, proxies). The URL console prints or
// opens keeps the partition's own endpoint.
const envSigninFederationURL = "AWSFED_SIGNIN_FEDERATION_URL"

type consoleOptions struct {
	deps        *Deps
	profile     string
	region      string
	destination string
	print       bool
	noPrompt    bool
}

func newConsoleCmd(deps *Deps, runF func(context.Context, *consoleOptions) error) *cobra.Command {
	opts := &consoleOptions{deps: deps}
	cmd := &cobra.Command{
		Use:   "console [--profile NAME] [--print] [--region REGION] [--destination URL]",
		Short: "Open the AWS console signed in with a profile's credentials",
		Long: `Sign into the AWS Management Console with the credentials of a profile and
open it in the browser: awsfed asks AWS's federation endpoint for a sign-in
token (getSigninToken) and builds a sign-in URL, as a custom identity broker
does. The credentials are the stored ones while they stay valid for 5 more
minutes; otherwise awsfed logs in first, as "awsfed login" would, asking on the
terminal (/dev/tty) if it must.

The sign-in endpoint and console are those of the partition of the role the
credentials act as: signin.aws.amazon.com and console.aws.amazon.com,
signin.amazonaws.cn and console.amazonaws.cn (China),
signin.amazonaws-us-gov.com and console.amazonaws-us-gov.com (GovCloud).
The console opens on the home page of --region, else of the region of the
profile (AWS_REGION, AWS_DEFAULT_REGION, the profile's region), else on the
console's front page; --destination opens another page instead.

The URL holds a sign-in token that signs anyone who has it into the console
for 15 minutes. --print writes it on standard output, and nothing else there,
instead of opening a browser; it is never written on standard error. When no
browser can be opened, awsfed says so and prints the URL on standard output.`,
		Example: `  awsfed console --profile jump
  awsfed console --profile jump --region eu-west-1
  awsfed console --profile jump --destination https://console.aws.amazon.com/s3/home
  awsfed console --profile jump --print | xclip -selection clipboard`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.destination != "" {
				if u, err := url.Parse(opts.destination); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
					return usagef("--destination %q: give an absolute https:// URL of a console page", opts.destination)
				}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runConsole(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.profile, "profile", "", `profile to sign in with (default: AWS_PROFILE if it names an awsfed profile, else "sts")`)
	fl.BoolVar(&opts.print, "print", false, "print the sign-in URL on standard output instead of opening a browser")
	fl.StringVar(&opts.region, "region", "", "region whose console home page to open (default: the profile's region)")
	fl.StringVar(&opts.destination, "destination", "", "console URL to open after signing in (default: the console home page of --region)")
	fl.BoolVar(&opts.noPrompt, "no-prompt", false, "never prompt; when a login needs an input, exit 4")
	return cmd
}

func runConsole(ctx context.Context, o *consoleOptions) error {
	r, err := credentials(ctx, o.deps, "console", o.profile, consoleMinValid, o.noPrompt)
	if err != nil {
		return err
	}
	region := cmp.Or(o.region, r.Region)
	p := federation.PartitionFor(r.Credentials.PrincipalARN, region)
	dest := o.destination
	if dest == "" {
		dest = p.Destination(region)
	}
	endpoint := o.deps.Getenv(envSigninFederationURL)
	if endpoint == "" {
		endpoint = p.FederationURL()
	}
	client := &http.Client{Transport: transport(o.deps)()}
	token, err := federation.SigninToken(ctx, client, endpoint, r.Credentials)
	if err != nil {
		return err
	}
	link := p.LoginURL(dest, token)
	streams := o.deps.Streams
	if o.print {
		_, err := fmt.Fprintln(streams.Out, link)
		return err
	}
	err = errors.New("no way to open a browser is known here")
	if o.deps.OpenURL != nil {
		err = o.deps.OpenURL(link)
	}
	if err != nil {
		// The opener's message might quote its command line.
		msg := oneLine(strings.NewReplacer(link, "<url>", token, "<token>").Replace(err.Error()))
		fmt.Fprintf(streams.ErrOut, "awsfed: cannot open a browser (%s); open the URL on standard output within 15 minutes\n", msg)
		_, err := fmt.Fprintln(streams.Out, link)
		return err
	}
	fmt.Fprintf(streams.ErrOut, "Opened the AWS console as %s in your browser\n", r.Credentials.PrincipalARN)
	return nil
}

// openBrowser opens url in the person's browser with the system's opener:
// open on macOS, rundll32's URL handler on Windows, xdg-open elsewhere. It
// waits a few seconds for the opener to fail, and leaves it running after.
func openBrowser(url string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.Command("xdg-open", url)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("%s: %w", cmd.Args[0], err)
		}
		return nil
	case <-time.After(5 * time.Second):
		return nil
	}
}
