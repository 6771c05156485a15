package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/net/publicsuffix"

	"github.com/seed-2d15385e/awsfed/assume"
	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/awssignin"
	"github.com/seed-2d15385e/awsfed/idp"
	"github.com/seed-2d15385e/awsfed/idp/generic"
	"github.com/seed-2d15385e/awsfed/idp/google"
	"github.com/seed-2d15385e/awsfed/internal/cookiestore"
	"github.com/seed-2d15385e/awsfed/internal/debugdump"
	"github.com/seed-2d15385e/awsfed/internal/secretcmd"
	"github.com/seed-2d15385e/awsfed/mfa"
	"github.com/seed-2d15385e/awsfed/ui"
)

// loginOptions are the inputs of login and roles.
type loginOptions struct {
	deps  *Deps
	flags loginFlags

	prompter ui.Prompter // opened on first use
	secrets  debugdump.Secrets
	dump     *debugdump.Transport // with --debug-dir
	keyring  keyringUse           // the OS keyring as a password source (keyring.go)
	chains   materializeFlags     // --also, --all-chains, --suffix (materialize.go)
}

func addIdPFlags(cmd *cobra.Command, f *loginFlags) {
	fl := cmd.Flags()
	fl.StringVar(&f.Profile, "profile", "", `profile to write (default: AWS_PROFILE if it names an awsfed profile or a chain built on one, else "sts")`)
	fl.StringVar(&f.IdP, "idp", "", "identity provider: google or generic (default: the profile's awsfed_idp)")
	fl.StringVar(&f.URL, "url", "", "generic: the IdP-initiated SSO URL; google: a full initsso URL instead of the two ids")
	fl.StringVar(&f.IdPID, "idp-id", "", "google: the idpid of the Workspace SAML app")
	fl.StringVar(&f.SPID, "sp-id", "", "google: the spid of the AWS app")
	fl.StringVar(&f.Username, "username", "", "IdP user name")
	fl.BoolVar(&f.PasswordStdin, "password-stdin", false, "read the password from standard input (one line)")
	addKeyringFlag(cmd, &f.Keyring)
	fl.StringVar(&f.MFA, "mfa", "", "preferred second factors in order, e.g. totp,phone,sms")
	fl.StringVar(&f.MFACode, "mfa-code", "", "a one-time code for this run (or AWSFED_MFA_CODE)")
	fl.BoolVar(&f.NoPrompt, "no-prompt", false, "never prompt; a missing input is an error (exit 4)")
	fl.BoolVar(&f.JSON, "json", false, "print the result as JSON on standard output")
	fl.StringVar(&f.DebugDir, "debug-dir", "", "save every request (secrets masked) and page into this folder")
	fl.BoolVar(&f.NoSessionCache, "no-session-cache", false, "google: do not keep the Google session between runs")
	fl.DurationVar(&f.MFATimeout, "mfa-timeout", 2*time.Minute, "google: how long to wait for a phone prompt to be approved")
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
	addIdPFlags(cmd, &opts.flags)
	fl := cmd.Flags()
	fl.StringVar(&opts.flags.RoleARN, "role-arn", "", "role to assume (default: the only role, else a picker on a terminal)")
	fl.StringVar(&opts.flags.Duration, "duration", "", "session length, e.g. 12h or 43200 (default: profile, else the IdP's SessionDuration, else 1h)")
	fl.StringVar(&opts.flags.Region, "region", "", "region written to the profile and used for STS")
	fl.StringVar(&opts.flags.SkipIfValid, "skip-if-valid", "", "do nothing, without any network traffic, if the profile holds credentials for the same role valid for at least this long (e.g. 30m)")
	fl.BoolVar(&opts.flags.Force, "force", false, "log in even if --skip-if-valid finds valid credentials")
	addMaterializeFlags(cmd, &opts.chains)
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
	defer o.close()
	var minValid time.Duration
	if o.flags.SkipIfValid != "" {
		var err error
		if minValid, err = parseDuration(o.flags.SkipIfValid); err != nil {
			return usagef(fmt.Sprintf("--skip-if-valid %q: %v", o.flags.SkipIfValid, err))
		}
	}
	if len(o.chains.also) > 0 && o.chains.allChains {
		return usagef("pass --also NAME,… or --all-chains, not both")
	}
	s, err := o.settings()
	if err != nil {
		return err
	}
	r, err := o.ensure(ctx, s, minValid, o.flags.Force || minValid == 0)
	if err != nil {
		return err
	}
	if !r.fresh {
		err = o.reportSkipped(s.Profile, r.creds)
	} else {
		err = o.report(s.Profile, r.role, r.sts)
	}
	if err != nil || (len(o.chains.also) == 0 && !o.chains.allChains) {
		return err
	}
	return o.materialize(ctx, s, r, &o.chains)
}

func flagDuration(s *settings) time.Duration {
	if s.durationFromFlag {
		return s.Duration
	}
	return 0
}

func profileDuration(s *settings) time.Duration {
	if s.durationFromFlag {
		return 0
	}
	return s.Duration
}

// stsEndpoint returns the STS endpoint the AWS CLI would use from the
// environment, or "" for AWS's own.
func stsEndpoint(getenv func(string) string) string {
	if strings.EqualFold(getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true") {
		return ""
	}
	if v := getenv("AWS_ENDPOINT_URL_STS"); v != "" {
		return v
	}
	return getenv("AWS_ENDPOINT_URL")
}

func (o *loginOptions) close() {
	if c, ok := o.prompter.(io.Closer); ok {
		c.Close()
	}
	if o.dump != nil {
		o.dump.Finish()
	}
}

// settings loads the config file and resolves the login settings.
func (o *loginOptions) settings() (*settings, error) {
	paths := awsconfig.DefaultPaths(o.deps.Home, o.deps.Getenv)
	cfg, err := awsconfig.Load(paths.Config)
	if err != nil {
		return nil, err
	}
	return resolveSettings(&o.flags, o.deps.Getenv, paths, cfg)
}

// canPrompt reports whether a question may be asked.
func (o *loginOptions) canPrompt() bool {
	return !o.flags.NoPrompt && o.deps.Streams.CanPrompt()
}

// prompt returns the terminal prompter, opening it on first use.
func (o *loginOptions) prompt() (ui.Prompter, error) {
	if o.prompter == nil {
		p, err := o.deps.Prompter()
		if err != nil {
			return nil, fmt.Errorf("open the terminal for a prompt: %w", err)
		}
		o.prompter = p
	}
	return o.prompter, nil
}

// httpClient returns the client for IdP traffic: a fresh cookie jar, and
// the debug dump when --debug-dir is set.
func (o *loginOptions) httpClient(jar http.CookieJar) (*http.Client, error) {
	rt := o.deps.Transport()
	if o.flags.DebugDir != "" {
		d, err := debugdump.New(o.flags.DebugDir, rt, &o.secrets)
		if err != nil {
			return nil, err
		}
		rt, o.dump = d, d
	}
	return &http.Client{Transport: rt, Jar: jar, Timeout: 60 * time.Second}, nil
}

// signIn resolves the settings and signs into the IdP.
func (o *loginOptions) signIn(ctx context.Context) (*settings, *idp.Assertion, error) {
	s, err := o.settings()
	if err != nil {
		return nil, nil, err
	}
	a, err := o.authenticate(ctx, s)
	return s, a, err
}

// authenticate signs into the IdP and returns its assertion.
func (o *loginOptions) authenticate(ctx context.Context, s *settings) (*idp.Assertion, error) {
	var jar http.CookieJar
	var kept *cookiestore.Store
	if path := o.sessionPath(s); path != "" {
		st, err := cookiestore.Open(path, o.deps.Now())
		if err != nil {
			return nil, err
		}
		jar, kept = st, st
	} else {
		j, err := cookiejar.New(&cookiejar.Options{PublicSuffixList: publicsuffix.List})
		if err != nil {
			return nil, err
		}
		jar = j
	}
	c, err := o.httpClient(jar)
	if err != nil {
		return nil, err
	}
	// Ctrl-C while waiting for the phone arrives as a key, not a signal.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	p, err := o.provider(s, c, cancel)
	if err != nil {
		return nil, err
	}
	in := idp.LoginInput{
		Username: s.Username,
		Password: o.passwordSource(s),
		Codes:    &maskedCodes{src: o.codeSource(s), secrets: &o.secrets},
	}
	if o.canPrompt() {
		in.Ask = func(ctx context.Context, question string) (string, error) {
			p, err := o.prompt()
			if err != nil {
				return "", err
			}
			return p.Input(ctx, question+": ")
		}
	}
	a, err := p.Authenticate(ctx, in)
	err = o.settleKeyring(ctx, s, err)
	if errors.Is(err, idp.ErrNoRoles) {
		return nil, fmt.Errorf("%w; ask your IdP administrator to grant you an AWS role", err)
	}
	if err == nil && kept != nil {
		if serr := kept.Save(); serr != nil {
			o.notes([]string{serr.Error() + "; the next login will sign in again"})
		}
	}
	return a, err
}

// sessionPath is the file that keeps the IdP session of this user between
// runs (Google only), or "" with --no-session-cache.
func (o *loginOptions) sessionPath(s *settings) string {
	if o.flags.NoSessionCache {
		return ""
	}
	return googleSessionPath(s, o.deps.Home, o.deps.Getenv)
}

// googleSessionPath is the file that keeps the Google session of the
// settings' user between runs: in $XDG_CONFIG_HOME, else home/.config, as
// awsfed/google-session-USER.json. It is "" for another IdP or without a
// user name. Login keeps the session there and logout deletes it.
func googleSessionPath(s *settings, home string, getenv func(string) string) string {
	if s.IdP != "google" || s.Username == "" {
		return ""
	}
	dir := getenv("XDG_CONFIG_HOME")
	if dir == "" {
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "awsfed", "google-session-"+safeName(s.Username)+".json")
}

// safeName turns a user name into a file name part.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_' || r == '@' {
			return r
		}
		return '_'
	}, s)
}

// phoneWait shows a wait for the person's phone: a spinner with the time
// left on stderr when it is a terminal, and, when a terminal can be asked,
// Enter to check at once. Ctrl-C during the wait cancels the login.
func (o *loginOptions) phoneWait(cancelLogin context.CancelCauseFunc) func(context.Context, time.Time, bool) (<-chan struct{}, func()) {
	return func(ctx context.Context, deadline time.Time, canNudge bool) (<-chan struct{}, func()) {
		nudge := make(chan struct{}, 1)
		var p ui.Prompter
		if canNudge && o.canPrompt() {
			p, _ = o.prompt() // no terminal after all: no Enter
		}
		stopSpinner := o.deps.Streams.StartSpinner(func() string {
			msg := "waiting, " + max(deadline.Sub(o.deps.Now()), 0).Round(time.Second).String() + " left"
			if p != nil {
				msg += "; press Enter once you have answered"
			}
			return msg
		})
		if p == nil {
			return nudge, stopSpinner
		}
		rctx, stopReading := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				err := p.WaitEnter(rctx)
				switch {
				case rctx.Err() != nil:
					return
				case errors.Is(err, ui.ErrCancelled):
					cancelLogin(err)
					return
				case err != nil:
					return // the terminal is gone: wait without Enter
				}
				select {
				case nudge <- struct{}{}:
				default:
				}
			}
		}()
		return nudge, func() {
			stopReading()
			<-done
			stopSpinner()
		}
	}
}

// provider builds the IdP flow the settings name.
func (o *loginOptions) provider(s *settings, c *http.Client, cancel context.CancelCauseFunc) (idp.Provider, error) {
	if s.IdP == "google" {
		prefer, err := google.ParsePreference(s.MFA)
		if err != nil {
			return nil, usagef(fmt.Sprintf("--mfa %q: %v", s.MFA, err))
		}
		p := &google.Provider{StartURL: s.URL, Client: c, Status: o.deps.Streams.ErrOut, Prefer: prefer,
			PromptTimeout: o.flags.MFATimeout, UserAgent: s.UserAgent, Wait: o.phoneWait(cancel)}
		if base := o.deps.Getenv("AWSFED_GOOGLE_URL"); base != "" {
			// A stand-in for Google (tests, proxies) answers the prompt poll too.
			p.AwaitTxURL = strings.TrimRight(base, "/") + "/cryptauth/v1/authzen/awaittx"
		}
		return p, nil
	}
	p, err := generic.New(s.URL, c)
	if err != nil {
		return nil, usagef(err.Error() + "; pass the IdP-initiated SSO URL with --url")
	}
	return p, nil
}

// passwordSource returns the password from, in order: --password-stdin,
// AWSFED_PASSWORD, awsfed_password_command, the OS keyring (when on), a
// prompt.
func (o *loginOptions) passwordSource(s *settings) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		pw, err := o.password(ctx, s)
		if err != nil {
			return "", err
		}
		o.secrets.Add(pw)
		return pw, nil
	}
}

func (o *loginOptions) password(ctx context.Context, s *settings) (string, error) {
	switch {
	case o.flags.PasswordStdin:
		line, err := bufio.NewReader(o.deps.Streams.In).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read the password from standard input: %w", err)
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			return "", usagef("--password-stdin: standard input held no password")
		}
		return line, nil
	case o.deps.Getenv("AWSFED_PASSWORD") != "":
		return o.deps.Getenv("AWSFED_PASSWORD"), nil
	case s.PasswordCommand != "":
		out, err := secretcmd.Run(ctx, s.PasswordCommand, 0)
		if err != nil {
			return "", fmt.Errorf("%s of [%s]: %w", keyPasswordCommand, awsconfig.ConfigSection(s.Profile), err)
		}
		// Like pass(1), a password store may print notes after the
		// password's own first line.
		pw, _, _ := strings.Cut(out, "\n")
		return strings.TrimRight(pw, "\r"), nil
	}
	if pw, ok, err := o.keyringPassword(ctx, s); ok || err != nil {
		return pw, err
	}
	if o.canPrompt() {
		p, err := o.prompt()
		if err != nil {
			return "", err
		}
		label := "Password"
		if s.Username != "" {
			label = fmt.Sprintf("Password for %s", s.Username)
		}
		pw, err := p.Password(ctx, label+": ")
		if err == nil {
			o.typedPassword(s, pw)
		}
		return pw, err
	}
	return "", o.keyringHint(&ui.InputNeededError{What: "a password",
		Hint: fmt.Sprintf("set AWSFED_PASSWORD, pass --password-stdin, or set %s in [%s]", keyPasswordCommand, awsconfig.ConfigSection(s.Profile))})
}

// codeSource builds the one-time-code source: --mfa-code or
// AWSFED_MFA_CODE, a TOTP secret, a prompt.
func (o *loginOptions) codeSource(s *settings) idp.CodeSource {
	c := &mfa.Codes{
		Fixed:  o.flags.MFACode,
		Status: o.deps.Streams.ErrOut,
		Now:    o.deps.Now,
		NoPromptHint: fmt.Sprintf("pass --mfa-code, set AWSFED_MFA_CODE or AWSFED_TOTP_SECRET, or set %s in [%s]",
			keyTOTPSecretCommand, awsconfig.ConfigSection(s.Profile)),
	}
	if c.Fixed == "" {
		c.Fixed = o.deps.Getenv("AWSFED_MFA_CODE")
	}
	if secret := o.deps.Getenv("AWSFED_TOTP_SECRET"); secret != "" {
		o.secrets.Add(secret)
		c.Secret = func(context.Context) (string, error) { return secret, nil }
	} else if s.TOTPSecretCommand != "" {
		c.Secret = func(ctx context.Context) (string, error) {
			v, err := secretcmd.Run(ctx, s.TOTPSecretCommand, 0)
			if err != nil {
				return "", fmt.Errorf("%s of [%s]: %w", keyTOTPSecretCommand, awsconfig.ConfigSection(s.Profile), err)
			}
			o.secrets.Add(v)
			return v, nil
		}
	}
	if o.canPrompt() {
		c.Prompt = o.askCode
	}
	return c
}

// askCode asks on the terminal for the one-time code label names.
func (o *loginOptions) askCode(ctx context.Context, label string) (string, error) {
	p, err := o.prompt()
	if err != nil {
		return "", err
	}
	return p.Password(ctx, capitalize(label)+": ")
}

// maskedCodes registers every code handed out as a secret for the debug dump.
type maskedCodes struct {
	src     idp.CodeSource
	secrets *debugdump.Secrets
}

func (m *maskedCodes) Code(ctx context.Context, label string) (string, error) {
	c, err := m.src.Code(ctx, label)
	if err == nil {
		m.secrets.Add(c)
	}
	return c, err
}

// chooseRole picks the role to assume: the one asked for, else the only
// one, else the person's choice at a prompt.
func (o *loginOptions) chooseRole(ctx context.Context, a *idp.Assertion, want string) (idp.Role, error) {
	if want != "" {
		for _, r := range a.Roles {
			if r.RoleARN == want {
				return r, nil
			}
		}
		return idp.Role{}, usagef(fmt.Sprintf("the IdP does not grant the role %s; it grants: %s", want, roleList(a.Roles)))
	}
	if len(a.Roles) == 1 {
		return a.Roles[0], nil
	}
	if !o.canPrompt() {
		return idp.Role{}, usagef(fmt.Sprintf("the IdP grants %d roles; pick one with --role-arn: %s", len(a.Roles), roleList(a.Roles)))
	}
	p, err := o.prompt()
	if err != nil {
		return idp.Role{}, err
	}
	aliases := o.aliases(ctx, a)
	labels := make([]string, len(a.Roles))
	for i, r := range a.Roles {
		labels[i] = fmt.Sprintf("%s  %s", accountLabel(r.AccountID(), aliases), r.Name())
	}
	i, err := p.Select(ctx, "Role to assume", labels)
	if err != nil {
		return idp.Role{}, err
	}
	return a.Roles[i], nil
}

// aliases asks AWS's sign-in page for the accounts' aliases, for a person
// choosing among roles. It gives up quietly after a few seconds: ids do too.
func (o *loginOptions) aliases(ctx context.Context, a *idp.Assertion) map[string]string {
	dest := o.deps.Getenv("AWSFED_AWS_SIGNIN_URL") // tests point it at loopback
	if dest == "" {
		dest = a.Destination
	}
	if dest == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c := &http.Client{Transport: o.deps.Transport(), Timeout: 5 * time.Second}
	accts, err := awssignin.Accounts(ctx, c, dest, a.Raw)
	if err != nil {
		return nil
	}
	return awssignin.Aliases(accts)
}

// accountLabel shows an account as "alias (id)", or its id alone.
func accountLabel(id string, aliases map[string]string) string {
	if alias := aliases[id]; alias != "" {
		return fmt.Sprintf("%s (%s)", alias, id)
	}
	return id
}

func roleList(roles []idp.Role) string {
	arns := make([]string, len(roles))
	for i, r := range roles {
		arns[i] = r.RoleARN
	}
	return strings.Join(arns, ", ")
}

// save writes the credentials, then the settings used, each file
// atomically under its lock.
// saveSettings saves the settings of a login in [profile P], so that a
// bare login repeats it; settings already there are left as they are.
func (o *loginOptions) saveSettings(s *settings, role idp.Role, region string) error {
	want := []awsconfig.KV{{Key: keyIdP, Value: s.IdP}}
	if s.urlFromIDs {
		want = append(want, awsconfig.KV{Key: keyGoogleIdPID, Value: s.GoogleIdPID}, awsconfig.KV{Key: keyGoogleSPID, Value: s.GoogleSPID})
	} else {
		want = append(want, awsconfig.KV{Key: keyURL, Value: s.URL})
	}
	want = append(want, []awsconfig.KV{
		{Key: keyUsername, Value: s.Username},
		{Key: keyRoleARN, Value: role.RoleARN},
	}...)
	if s.durationFromFlag {
		want = append(want, awsconfig.KV{Key: keyDuration, Value: s.Duration.String()})
	}
	if o.flags.MFA != "" {
		want = append(want, awsconfig.KV{Key: keyMFA, Value: o.flags.MFA})
	}
	if o.flags.UserAgent != "" {
		want = append(want, awsconfig.KV{Key: keyUserAgent, Value: o.flags.UserAgent})
	}
	if o.flags.Keyring.set {
		want = append(want, awsconfig.KV{Key: keyKeyring, Value: strconv.FormatBool(o.flags.Keyring.value)})
	}
	if o.flags.Region != "" || !s.regionInProfile {
		want = append(want, awsconfig.KV{Key: keyRegion, Value: region})
	}
	var set []awsconfig.KV
	for _, kv := range want {
		if kv.Value != "" && s.section[kv.Key] != kv.Value {
			set = append(set, kv)
		}
	}
	if len(set) == 0 {
		return nil
	}
	notes, err := awsconfig.Update(s.Paths.Config, []awsconfig.Change{{Section: awsconfig.ConfigSection(s.Profile), Set: set}}, awsconfig.UpdateOptions{})
	o.notes(notes)
	if err != nil {
		return fmt.Errorf("the credentials were written, but saving the login settings failed: %w", err)
	}
	return nil
}

func (o *loginOptions) notes(notes []string) {
	for _, n := range notes {
		fmt.Fprintf(o.deps.Streams.ErrOut, "awsfed: note: %s\n", n)
	}
}

// report prints the result line on stderr, and JSON on stdout with --json.
func (o *loginOptions) report(profile string, role idp.Role, c *assume.Credentials) error {
	o.resultLine(c.AssumedRoleARN, "profile "+profile, c.Expiration)
	if !o.flags.JSON {
		return nil
	}
	enc := json.NewEncoder(o.deps.Streams.Out)
	enc.SetIndent("", "  ")
	return enc.Encode(loginResult{
		Profile:        profile,
		RoleARN:        role.RoleARN,
		PrincipalARN:   role.PrincipalARN,
		AssumedRoleARN: c.AssumedRoleARN,
		Expiration:     c.Expiration.UTC(),
	})
}

// resultLine says on stderr that credentials acting as assumedRoleARN went
// into where, and when they expire.
func (o *loginOptions) resultLine(assumedRoleARN, where string, exp time.Time) {
	fmt.Fprintf(o.deps.Streams.ErrOut, "Assumed %s into %s; expires %s (in %s)\n",
		assumedRoleARN, where, exp.Local().Format("2006-01-02 15:04 MST"), humanDuration(exp.Sub(o.deps.Now())))
}

// reportSkipped says that the stored credentials are still valid, and
// prints them as login --json does.
func (o *loginOptions) reportSkipped(profile string, c awsconfig.Credentials) error {
	fmt.Fprintf(o.deps.Streams.ErrOut, "Profile %s: valid for %s more; skipped\n", profile, humanDuration(timeLeft(c, o.deps.Now())))
	if !o.flags.JSON {
		return nil
	}
	enc := json.NewEncoder(o.deps.Streams.Out)
	enc.SetIndent("", "  ")
	return enc.Encode(loginResult{Profile: profile, AssumedRoleARN: c.PrincipalARN, Expiration: c.Expiration.UTC(), Skipped: true})
}

// humanDuration prints d rounded to the minute as "1h0m" or "12m".
func humanDuration(d time.Duration) string {
	if d < 0 {
		return "expired"
	}
	d = d.Round(time.Minute)
	h := int(d / time.Hour)
	m := int((d % time.Hour) / time.Minute)
	if h == 0 {
		return fmt.Sprintf("%dm", m)
	}
	return fmt.Sprintf("%dh%dm", h, m)
}

// capitalize upper-cases the first letter of a prompt label.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
