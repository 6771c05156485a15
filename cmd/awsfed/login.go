package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/seed-2d15385e/awsfed/assume"
	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/internal/credcache"
	"github.com/seed-2d15385e/awsfed/internal/httplimit"
	"github.com/seed-2d15385e/awsfed/profile"
	"github.com/seed-2d15385e/awsfed/renew"
	"github.com/seed-2d15385e/awsfed/signin"
	"github.com/seed-2d15385e/awsfed/sources"
	"github.com/seed-2d15385e/awsfed/sso"
	"github.com/seed-2d15385e/awsfed/ui"
)

// loginOptions are the inputs of login and roles.
type loginOptions struct {
	deps        *Deps
	flags       signin.Flags
	sso         sso.Flags
	json        bool
	skipIfValid string
	force       bool
	also        []string // --also
	allChains   bool
	allRoles    bool
	suffix      string
	mfaSerial   string // --mfa-serial
	keysFrom    string // --keys-from
}

// defaultStaticSuffix names the credentials file section of a
// materialized chained profile: NAME-static.
const defaultStaticSuffix = "-static"

func addIdPFlags(cmd *cobra.Command, f *signin.Flags, s *sso.Flags, jsonOut *bool) {
	fl := cmd.Flags()
	fl.StringVar(&f.Profile, "profile", "", `profile to write (default: AWS_PROFILE if it names an awsfed profile or a chain built on one, else "sts")`)
	fl.StringVar(&f.IdP, "idp", "", "identity provider: google, generic, browser (any IdP, Google included, in a Chrome/Chromium window), sso (IAM Identity Center), or iam-user (an IAM user's keys from the keyring, with MFA) (default: the profile's awsfed_idp)")
	fl.StringVar(&f.URL, "url", "", "generic, browser: the IdP-initiated SSO URL; google: a full initsso URL instead of the two ids")
	fl.StringVar(&f.IdPID, "idp-id", "", "google, browser: the idpid of the Workspace SAML app")
	fl.StringVar(&f.SPID, "sp-id", "", "google, browser: the spid of the AWS app")
	fl.StringVar(&f.Username, "username", "", "IdP user name")
	fl.BoolVar(&f.PasswordStdin, "password-stdin", false, "read the password from standard input (one line)")
	fl.Var(&f.Keyring, "keyring", "keep the password in the OS keyring: use the one stored there, and store one typed at the prompt once the IdP accepts it (or AWSFED_KEYRING; default: the profile's awsfed_keyring)")
	fl.Lookup("keyring").NoOptDefVal = "true"
	fl.StringVar(&f.MFA, "mfa", "", "preferred second factors in order, e.g. totp,phone,sms")
	fl.StringVar(&f.MFACode, "mfa-code", "", "a one-time code for this run (or AWSFED_MFA_CODE)")
	fl.BoolVar(&f.NoPrompt, "no-prompt", false, "never prompt; a missing input is an error (exit 4)")
	fl.BoolVar(jsonOut, "json", false, "print the result as JSON on standard output")
	fl.StringVar(&f.DebugDir, "debug-dir", "", "save every request (secrets masked) and page into this folder")
	fl.BoolVar(&f.NoSessionCache, "no-session-cache", false, "google: do not keep the Google session between runs")
	fl.DurationVar(&f.MFATimeout, "mfa-timeout", 2*time.Minute, "google: how long to wait for a phone prompt to be approved")
	fl.Var(&f.BrowserFallback, "browser-fallback", "google: when the sign-in needs a browser (a security key, a passkey, a refusal as automated, a page awsfed does not know), go on in one (or AWSFED_BROWSER_FALLBACK; default: the profile's awsfed_browser_fallback, else true)")
	fl.Lookup("browser-fallback").NoOptDefVal = "true"
	fl.StringVar(&s.StartURL, "start-url", "", "sso: the AWS access portal URL, e.g. https://d-1234567890.awsapps.com/start")
	fl.StringVar(&s.Region, "sso-region", "", "sso: the region of the IAM Identity Center instance")
	fl.StringVar(&s.Session, "sso-session", "", "sso: the [sso-session NAME] to keep the portal settings in (default: the one with this start URL, else the profile's name)")
	fl.StringVar(&s.AccountID, "account-id", "", "sso: the account of the role (default: the profile's, else the only one, else a picker)")
	fl.StringVar(&s.RoleName, "role-name", "", "sso: the role (permission set) name, e.g. PowerUserAccess")
	fl.StringVar(&s.Flow, "sso-flow", "", "sso: pkce (a browser on this machine) or device (a code to enter anywhere) (default: device over SSH or without a display, else pkce)")
	fl.StringVar(&f.UserAgent, "user-agent", "", "google: the browser User-Agent to send (or AWSFED_USER_AGENT; default: a current desktop Chrome's)")
}

func newLoginCmd(deps *Deps, runF func(context.Context, *loginOptions) error) *cobra.Command {
	opts := &loginOptions{deps: deps}
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Sign in and write temporary credentials for the jump profile",
		Args:  cobra.NoArgs,
		Example: `  awsfed login --idp generic --url 'https://idp.example.com/sso?sp=urn:amazon:webservices' \
      --username alice --role-arn arn:aws:iam::111111111111:role/jump --profile jump
  awsfed login --profile jump      # later: the settings were saved in [profile jump]`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runLogin(cmd.Context(), opts)
		},
	}
	addIdPFlags(cmd, &opts.flags, &opts.sso, &opts.json)
	fl := cmd.Flags()
	fl.StringVar(&opts.flags.RoleARN, "role-arn", "", "role to assume (default: the only role, else a picker on a terminal; iam-user: none, a GetSessionToken session)")
	fl.StringVar(&opts.flags.Duration, "duration", "", "session length, e.g. 12h or 43200 (default: profile, else the IdP's SessionDuration, else 1h; iam-user: 12h for a session, up to 36h, 1h for a role)")
	fl.StringVar(&opts.flags.Region, "region", "", "region written to the profile and used for STS")
	fl.StringVar(&opts.skipIfValid, "skip-if-valid", "", "do nothing, without any network traffic, if the profile holds credentials for the same role valid for at least this long (e.g. 30m)")
	fl.BoolVar(&opts.force, "force", false, "log in even if --skip-if-valid finds valid credentials")
	fl.StringSliceVar(&opts.also, "also", nil, "after the login, assume the roles of these profiles chained on the awsfed profile and write their credentials to the credentials file as NAME-static; sso: an ACCOUNT_ROLE name (e.g. 111111111111_ReadOnly) keeps that role as a profile of its own, its keys in [ACCOUNT_ROLE] (comma-separated, repeatable)")
	fl.BoolVar(&opts.allChains, "all-chains", false, "like --also, for every profile chained on the awsfed profile")
	fl.StringVar(&opts.mfaSerial, "mfa-serial", "", "iam-user: the ARN of the user's MFA device (default: the profile's awsfed_mfa_serial)")
	fl.StringVar(&opts.keysFrom, "keys-from", "", "iam-user: use the keys stored for this profile by configure iam-user, e.g. for a profile of one role (saved as awsfed_keys_from)")
	fl.BoolVar(&opts.allRoles, "all-roles", false, "sso: like --also ACCOUNT_ROLE, for every account and role of the session")
	fl.StringVar(&opts.suffix, "suffix", defaultStaticSuffix, "suffix of the credentials file sections --also and --all-chains write")
	return cmd
}

// loginResult is what --json prints.
type loginResult struct {
	Profile        string    `json:"profile"`
	RoleARN        string    `json:"role_arn"`
	PrincipalARN   string    `json:"principal_arn"`
	AssumedRoleARN string    `json:"assumed_role_arn"`
	Expiration     time.Time `json:"expiration"`
	// Skipped is set when --skip-if-valid found the stored credentials
	// valid: nothing was renewed.
	Skipped bool `json:"skipped,omitempty"`
}

func runLogin(ctx context.Context, o *loginOptions) error {
	var minValid time.Duration
	if o.skipIfValid != "" {
		var err error
		if minValid, err = profile.ParseDuration(o.skipIfValid); err != nil {
			return usagef("--skip-if-valid %q: %v", o.skipIfValid, err)
		}
	}
	if len(o.also) > 0 && o.allChains {
		return usagef("pass --also NAME,… or --all-chains, not both")
	}
	g, name, err := o.profile()
	if err != nil {
		return err
	}
	in := newInputs(o.deps, o.flags, o.sso, false)
	if o.allRoles {
		if err := sources.CheckAllRoles(in, g, name); err != nil {
			return err
		}
	}
	in.MFASerial, in.KeysFrom = o.mfaSerial, o.keysFrom
	defer in.Signer.Close()
	p := newProvider(o.deps, g, in)
	ren, root, err := p.Renew(ctx, name, minValid, o.force || minValid == 0)
	if err != nil {
		return err
	}
	if err := o.report(name, ren); err != nil || (len(o.also) == 0 && !o.allChains && !o.allRoles) {
		return err
	}
	chains, copies := sources.SplitAlso(in, g, name, o.also)
	var errs []error
	if len(copies) > 0 || o.allRoles {
		// The login may have saved settings the copies build on.
		if g, err = loadGraph(o.deps); err != nil {
			return err
		}
		errs = append(errs, sources.CopyRoles(ctx, in, g, name, sources.CopyOptions{Names: copies, All: o.allRoles,
			MinValid: minValid, Force: o.force || minValid == 0, Now: o.deps.Now}))
	}
	if o.allChains {
		if chains = g.ChainedNames(name); len(chains) == 0 {
			fmt.Fprintf(o.deps.Streams.ErrOut, "No profile chains on %s; nothing more to write\n", name)
		}
	}
	if len(chains) > 0 {
		errs = append(errs, p.Assumer.Materialize(ctx, g, name, ren.Credentials, root.Region, chains, o.suffix, o.deps.Now()))
	}
	return errors.Join(errs...)
}

// report prints the result line on stderr, or says that the stored
// credentials are still valid, and prints JSON on stdout with --json.
func (o *loginOptions) report(name string, ren *renew.Renewal) error {
	c, now, errOut := ren.Credentials, o.deps.Now(), o.deps.Streams.ErrOut
	res := loginResult{Profile: name, AssumedRoleARN: c.PrincipalARN, Expiration: c.Expiration.UTC(), Skipped: !ren.Fresh}
	if ren.Fresh {
		ui.ResultLine(errOut, now, c.PrincipalARN, "profile "+name, c.Expiration)
		res.RoleARN, res.PrincipalARN = ren.Retrieved.RoleARN, ren.Retrieved.ProviderARN
	} else {
		fmt.Fprintf(errOut, "Profile %s: valid for %s more; skipped\n", name, ui.HumanDuration(renew.TimeLeft(c, now)))
	}
	if !o.json {
		return nil
	}
	enc := json.NewEncoder(o.deps.Streams.Out)
	enc.SetIndent("", "  ")
	return enc.Encode(res)
}

// profile reads the AWS files and picks the profile that login and roles
// are for.
func (o *loginOptions) profile() (*profile.Graph, string, error) {
	g, err := loadGraph(o.deps)
	if err != nil {
		return nil, "", err
	}
	name, err := g.LoginName(o.flags.Profile, envProfile(o.deps.Getenv))
	return g, name, err
}

// loadGraph reads the AWS files the environment names. Every command that
// reads or writes a file comes here first, so it refuses, before anything
// else, paths relative to the working folder (no home folder) and the
// settings checkEnvironment refuses.
func loadGraph(deps *Deps) (*profile.Graph, error) {
	paths := awsconfig.DefaultPaths(deps.Home, deps.Getenv)
	for _, p := range []string{paths.Config, paths.Credentials, string(cacheDir(deps))} {
		if !filepath.IsAbs(p) {
			return nil, usagef("HOME is not set, so awsfed cannot tell where the AWS files and its cache are: set HOME, or AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE and XDG_CACHE_HOME to absolute paths")
		}
	}
	if err := checkEnvironment(deps); err != nil {
		return nil, err
	}
	return profile.Load(paths)
}

// checkEnvironment refuses the environment's settings that would go wrong
// only after the person signed in: an STS endpoint that is no URL, a
// network timeout that is no duration.
func checkEnvironment(deps *Deps) error {
	if ep := assume.EndpointFromEnv(deps.Getenv); ep != "" {
		from := "AWS_ENDPOINT_URL_STS"
		if deps.Getenv(from) == "" {
			from = "AWS_ENDPOINT_URL"
		}
		if err := assume.CheckEndpoint(from, ep); err != nil {
			return usagef("%s", err)
		}
	}
	_, err := networkTimeout(deps)
	return err
}

// networkTimeout is how long one request may take: AWSFED_NETWORK_TIMEOUT
// (a Go duration or seconds), else httplimit.DefaultTimeout.
func networkTimeout(deps *Deps) (time.Duration, error) {
	v := deps.Getenv("AWSFED_NETWORK_TIMEOUT")
	if v == "" {
		return httplimit.DefaultTimeout, nil
	}
	d, err := profile.ParseDuration(v)
	if err != nil {
		return 0, usagef("AWSFED_NETWORK_TIMEOUT=%q: %v", v, err)
	}
	return d, nil
}

// envProfile is the profile the environment names, as the AWS CLI reads it.
func envProfile(getenv func(string) string) string {
	if name := getenv("AWS_PROFILE"); name != "" {
		return name
	}
	return getenv("AWS_DEFAULT_PROFILE")
}

// cacheDir is the folder of the credentials cache and the renewal locks.
func cacheDir(deps *Deps) credcache.Dir {
	return credcache.DefaultDir(deps.Home, deps.Getenv)
}

// transport returns deps.Transport with every request bounded in time
// (AWSFED_NETWORK_TIMEOUT, checked by loadGraph) and every answer in size:
// no IdP, STS or AWS server makes awsfed hang or read without end.
func transport(deps *Deps) func() http.RoundTripper {
	return func() http.RoundTripper {
		timeout, _ := networkTimeout(deps)
		return &httplimit.Transport{Base: deps.Transport(), Timeout: timeout}
	}
}

// newSigner returns the IdP sign-in of one command run.
func newSigner(deps *Deps, f signin.Flags, unattended bool) *signin.Signer {
	return &signin.Signer{Streams: deps.Streams, Getenv: deps.Getenv, Home: deps.Home, Now: deps.Now,
		Transport: transport(deps), Prompter: deps.Prompter, Keyring: deps.Keyring, Flags: f, Unattended: unattended}
}

// newInputs returns what the credential sources of one command run take
// from the person: terminal, environment, flags, browser.
func newInputs(deps *Deps, f signin.Flags, s sso.Flags, unattended bool) *sources.Inputs {
	return &sources.Inputs{Signer: newSigner(deps, f, unattended), SSO: s, Cache: cacheDir(deps), OpenURL: deps.OpenURL}
}

// newProvider returns what renews the awsfed profiles of g and assumes
// the roles of chains on them (STS at AWS_ENDPOINT_URL_STS, if set), a
// person's inputs (passwords, codes, a chained role's MFA code) coming
// through in.
func newProvider(deps *Deps, g *profile.Graph, in *sources.Inputs) *renew.Provider {
	return &renew.Provider{Graph: g, Cache: cacheDir(deps), Now: deps.Now, Status: deps.Streams.ErrOut,
		Assumer:   &renew.Assumer{Transport: transport(deps), Endpoint: assume.EndpointFromEnv(deps.Getenv), Codes: in.HopCodes, Status: deps.Streams.ErrOut},
		EnvRegion: cmp.Or(deps.Getenv("AWS_REGION"), deps.Getenv("AWS_DEFAULT_REGION")),
		Root:      func(name string) (*renew.Root, error) { return sources.Root(in, g, name) }}
}
