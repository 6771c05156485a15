package signin

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/net/publicsuffix"

	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/awssignin"
	"github.com/seed-2d15385e/awsfed/idp"
	"github.com/seed-2d15385e/awsfed/idp/generic"
	"github.com/seed-2d15385e/awsfed/idp/google"
	"github.com/seed-2d15385e/awsfed/internal/cookiestore"
	"github.com/seed-2d15385e/awsfed/internal/debugdump"
	"github.com/seed-2d15385e/awsfed/internal/secretcmd"
	"github.com/seed-2d15385e/awsfed/mfa"
	"github.com/seed-2d15385e/awsfed/profile"
	"github.com/seed-2d15385e/awsfed/ui"
)

// Signer signs a person into IdPs, asking through the terminal only when
// it must and may. It keeps what one command run learns (the open
// terminal, the secrets to mask in the debug dump, what the keyring did):
// use one per run and Close it.
type Signer struct {
	Streams *ui.Streams
	// Getenv reads the environment: AWSFED_PASSWORD, AWSFED_MFA_CODE,
	// AWSFED_TOTP_SECRET, AWSFED_GOOGLE_URL, AWSFED_AWS_SIGNIN_URL.
	Getenv func(string) string
	// Home is the user's home folder, for the kept IdP session.
	Home string
	Now  func() time.Time
	// Transport returns the HTTP transport for IdP and AWS traffic. It
	// bounds each request's time and answer's size (cmd wraps it with
	// internal/httplimit): the clients built on it set no timeout of
	// their own, so that AWSFED_NETWORK_TIMEOUT is the one setting.
	Transport func() http.RoundTripper
	// Prompter opens the terminal for questions; called only when a
	// question must be asked.
	Prompter func() (ui.Prompter, error)
	// Keyring is the OS keyring, a password source when the settings
	// turn it on; nil: there is none.
	Keyring Keyring
	// Flags are the run's inputs: --no-prompt, --password-stdin,
	// --mfa-code, --debug-dir, --no-session-cache, --mfa-timeout.
	Flags Flags
	// Unattended is set for renewals that a program started
	// (credential-process, exec, env, console): an input no one can give
	// then says how to log in at a terminal or renew without a person.
	Unattended bool

	prompter  ui.Prompter // opened on first use
	canPrompt *bool       // decided on first use
	secrets   debugdump.Secrets
	dump      *debugdump.Transport // with --debug-dir
	keyring   keyringUse
	// stdinPassword is the password --password-stdin read, once.
	stdinPassword string
}

// Close closes the terminal, if a prompt opened it, and finishes the
// debug dump.
func (o *Signer) Close() {
	if c, ok := o.prompter.(io.Closer); ok {
		c.Close()
	}
	if o.dump != nil {
		o.dump.Finish()
	}
}

// CanPrompt reports whether a question may be asked: not with
// --no-prompt, nor without a terminal. It is decided once per run.
func (o *Signer) CanPrompt() bool {
	if o.canPrompt == nil {
		can := !o.Flags.NoPrompt && o.Streams.CanPrompt()
		o.canPrompt = &can
	}
	return *o.canPrompt
}

// Ask returns the terminal prompter, opening it on first use, for a
// question of another credential source; callers check CanPrompt first.
func (o *Signer) Ask() (ui.Prompter, error) { return o.prompt() }

// prompt returns the terminal prompter, opening it on first use.
func (o *Signer) prompt() (ui.Prompter, error) {
	if o.prompter == nil {
		p, err := o.Prompter()
		if err != nil {
			return nil, fmt.Errorf("open the terminal for a prompt: %w", err)
		}
		o.prompter = p
	}
	return o.prompter, nil
}

// httpClient returns the client for IdP traffic: the cookie jar, and the
// debug dump when --debug-dir is set.
func (o *Signer) httpClient(jar http.CookieJar) (*http.Client, error) {
	rt := o.Transport()
	if o.Flags.DebugDir != "" {
		d, err := debugdump.New(o.Flags.DebugDir, rt, &o.secrets)
		if err != nil {
			return nil, err
		}
		rt, o.dump = d, d
	}
	return &http.Client{Transport: rt, Jar: jar}, nil
}

// SignIn signs into the IdP of s and returns its assertion. A Google
// session is kept between runs unless --no-session-cache; a browser
// sign-in keeps its IdP session in its browser profile. A Google sign-in
// that needs a browser goes on in one when the settings allow it.
func (o *Signer) SignIn(ctx context.Context, s *Settings) (*idp.Assertion, error) {
	var a *idp.Assertion
	var err error
	switch s.IdP {
	case "browser":
		a, err = o.browserSignIn(ctx, s, browserStartURL(s))
	case "google":
		a, err = o.googleSignIn(ctx, s)
	default:
		a, err = o.formSignIn(ctx, s)
	}
	err = loginRequired(s, o.masked(o.settleKeyring(ctx, s, err)))
	var needed *ui.InputNeededError
	if o.Unattended && errors.As(err, &needed) {
		err = o.unattended(s, needed)
	}
	if errors.Is(err, idp.ErrNoRoles) {
		return nil, fmt.Errorf("%w; ask your IdP administrator to grant you an AWS role", err)
	}
	return a, err
}

// formSignIn signs into the IdP of s through its HTML forms, keeping a
// Google session between runs unless --no-session-cache.
func (o *Signer) formSignIn(ctx context.Context, s *Settings) (*idp.Assertion, error) {
	var jar http.CookieJar
	var kept *cookiestore.Store
	if path := o.sessionPath(s); path != "" {
		st, err := cookiestore.Open(path, o.Now())
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
	prompt := o.CanPrompt()
	in := idp.LoginInput{
		Username: s.Username,
		Password: o.passwordSource(s, prompt),
		Codes:    &maskedCodes{src: o.codeSource(s, prompt), secrets: &o.secrets},
	}
	if prompt {
		in.Ask = func(ctx context.Context, question string) (string, error) {
			p, err := o.prompt()
			if err != nil {
				return "", err
			}
			return p.Input(ctx, question+": ")
		}
	}
	a, err := p.Authenticate(ctx, in)
	if err == nil && kept != nil {
		if serr := kept.Save(); serr != nil {
			ui.Notes(o.Streams.ErrOut, serr.Error()+"; the next login will sign in again")
		}
	}
	return a, err
}

// masked returns err, or, when its message quotes a secret of this run (a
// page that echoes the typed password, say), err with that message masked.
// errors.Is and errors.As still see err.
func (o *Signer) masked(err error) error {
	if err == nil {
		return nil
	}
	if msg := o.secrets.ScrubString(err.Error()); msg != err.Error() {
		return &maskedError{err: err, msg: msg}
	}
	return err
}

// maskedError is an error whose message had secrets masked.
type maskedError struct {
	err error
	msg string
}

func (e *maskedError) Error() string { return e.msg }
func (e *maskedError) Unwrap() error { return e.err }

// sessionPath is the file that keeps the IdP session of this user between
// runs (Google only), or "" with --no-session-cache.
func (o *Signer) sessionPath(s *Settings) string {
	if o.Flags.NoSessionCache {
		return ""
	}
	return SessionPath(s, o.Home, o.Getenv)
}

// SessionPath is the file that keeps the Google session of the settings'
// user between runs: in $XDG_CONFIG_HOME, else home/.config, as
// awsfed/google-session-USER.json. It is "" for another IdP, without a
// user name, or when neither names an absolute folder (then no session is
// kept, rather than one in the working folder). A sign-in keeps the
// session there and logout deletes it.
func SessionPath(s *Settings, home string, getenv func(string) string) string {
	dir := cmp.Or(getenv("XDG_CONFIG_HOME"), filepath.Join(home, ".config"))
	if s.IdP != "google" || s.Username == "" || !filepath.IsAbs(dir) {
		return ""
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
// Enter to check at once. Ctrl-C during the wait cancels the sign-in.
func (o *Signer) phoneWait(cancelLogin context.CancelCauseFunc) func(context.Context, time.Time, bool) (<-chan struct{}, func()) {
	return func(ctx context.Context, deadline time.Time, canNudge bool) (<-chan struct{}, func()) {
		nudge := make(chan struct{}, 1)
		var p ui.Prompter
		if canNudge && o.CanPrompt() {
			p, _ = o.prompt() // no terminal after all: no Enter
		}
		stopSpinner := o.Streams.StartSpinner(func() string {
			msg := "waiting, " + max(deadline.Sub(o.Now()), 0).Round(time.Second).String() + " left"
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
func (o *Signer) provider(s *Settings, c *http.Client, cancel context.CancelCauseFunc) (idp.Provider, error) {
	if s.IdP == "google" {
		prefer, err := google.ParsePreference(s.MFA)
		if err != nil {
			return nil, profile.Errorf("--mfa %q: %v", s.MFA, err)
		}
		p := &google.Provider{StartURL: s.URL, Client: c, Status: o.Streams.ErrOut, Prefer: prefer,
			PromptTimeout: o.Flags.MFATimeout, UserAgent: s.UserAgent, Wait: o.phoneWait(cancel)}
		if base := o.Getenv("AWSFED_GOOGLE_URL"); base != "" {
			// A stand-in for Google (tests, proxies) answers the prompt poll too.
			p.AwaitTxURL = strings.TrimRight(base, "/") + "/cryptauth/v1/authzen/awaittx"
		}
		return p, nil
	}
	p, err := generic.New(s.URL, c)
	if err != nil {
		return nil, profile.Errorf("%s; pass the IdP-initiated SSO URL with --url", err)
	}
	return p, nil
}

// passwordSource returns the password from, in order: --password-stdin,
// AWSFED_PASSWORD, awsfed_password_command, the OS keyring (when on), a
// prompt (when prompt is set and one can be asked).
func (o *Signer) passwordSource(s *Settings, prompt bool) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		pw, err := o.password(ctx, s, prompt)
		if err != nil {
			return "", err
		}
		o.secrets.Add(pw)
		return pw, nil
	}
}

func (o *Signer) password(ctx context.Context, s *Settings, prompt bool) (string, error) {
	switch {
	case o.Flags.PasswordStdin && o.stdinPassword != "":
		return o.stdinPassword, nil // a second sign-in of this run: the browser after the HTTP flow
	case o.Flags.PasswordStdin:
		line, err := bufio.NewReader(o.Streams.In).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read the password from standard input: %w", err)
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			return "", profile.Errorf("--password-stdin: standard input held no password")
		}
		o.stdinPassword = line
		return line, nil
	case o.Getenv("AWSFED_PASSWORD") != "":
		return o.Getenv("AWSFED_PASSWORD"), nil
	case s.PasswordCommand != "":
		out, err := secretcmd.Run(ctx, s.PasswordCommand, 0)
		if err != nil {
			return "", fmt.Errorf("%s of [%s]: %w", profile.KeyPasswordCommand, awsconfig.ConfigSection(s.Profile), err)
		}
		// Like pass(1), a password store may print notes after the
		// password's own first line.
		pw, _, _ := strings.Cut(out, "\n")
		return strings.TrimRight(pw, "\r"), nil
	}
	if pw, ok, err := o.keyringPassword(ctx, s); ok || err != nil {
		return pw, err
	}
	if prompt && o.CanPrompt() {
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
		Hint: fmt.Sprintf("set AWSFED_PASSWORD, pass --password-stdin, or set %s in [%s]", profile.KeyPasswordCommand, awsconfig.ConfigSection(s.Profile))})
}

// unattended is the error of an unattended renewal that needs the input
// e names: it says how to log in at a terminal or renew without a person.
func (o *Signer) unattended(s *Settings, e *ui.InputNeededError) *ui.InputNeededError {
	hint := fmt.Sprintf("run `awsfed login --profile %s` in a terminal and try again", s.Profile)
	switch e.What {
	case "a password":
		hint += fmt.Sprintf("; for unattended renewals set AWSFED_PASSWORD, or %s in [%s]", profile.KeyPasswordCommand, awsconfig.ConfigSection(s.Profile))
	case "a one-time code":
		hint += fmt.Sprintf("; for unattended renewals set AWSFED_TOTP_SECRET, or %s in [%s]", profile.KeyTOTPSecretCommand, awsconfig.ConfigSection(s.Profile))
	}
	return &ui.InputNeededError{What: e.What, Why: e.Why, Hint: hint}
}

// codeSource builds the one-time-code source: --mfa-code or
// AWSFED_MFA_CODE, a TOTP secret, a prompt (when prompt is set and one can
// be asked).
func (o *Signer) codeSource(s *Settings, prompt bool) idp.CodeSource {
	c := o.MFACodes(s.Profile, s.TOTPSecretCommand)
	if !prompt {
		c.Prompt = nil
	}
	return c
}

// MFACodes is the one-time-code source of awsfed profile name: --mfa-code
// or AWSFED_MFA_CODE, a TOTP secret (AWSFED_TOTP_SECRET, else the
// profile's totpSecretCommand), a prompt when one can be asked.
func (o *Signer) MFACodes(name, totpSecretCommand string) *mfa.Codes {
	c := &mfa.Codes{
		Fixed:  cmp.Or(o.Flags.MFACode, o.Getenv("AWSFED_MFA_CODE")),
		Status: o.Streams.ErrOut,
		Now:    o.Now,
		NoPromptHint: fmt.Sprintf("pass --mfa-code, set AWSFED_MFA_CODE or AWSFED_TOTP_SECRET, or set %s in [%s]",
			profile.KeyTOTPSecretCommand, awsconfig.ConfigSection(name)),
	}
	if secret := o.Getenv("AWSFED_TOTP_SECRET"); secret != "" {
		o.secrets.Add(secret)
		c.Secret = func(context.Context) (string, error) { return secret, nil }
	} else if totpSecretCommand != "" {
		c.Secret = func(ctx context.Context) (string, error) {
			v, err := secretcmd.Run(ctx, totpSecretCommand, 0)
			if err != nil {
				return "", fmt.Errorf("%s of [%s]: %w", profile.KeyTOTPSecretCommand, awsconfig.ConfigSection(name), err)
			}
			o.secrets.Add(v)
			return v, nil
		}
	}
	if o.CanPrompt() {
		c.Prompt = o.askCode
	}
	return c
}

// HopCodes is the source of the MFA code for a chained profile's
// mfa_serial: AWSFED_MFA_CODE, else a prompt on the terminal. The IdP's
// TOTP secret (AWSFED_TOTP_SECRET, awsfed_totp_secret_command) is not
// used: it belongs to the IdP account, not to the AWS MFA device.
func (o *Signer) HopCodes(h profile.Hop) *mfa.Codes {
	c := &mfa.Codes{
		Fixed:        o.Getenv("AWSFED_MFA_CODE"),
		Status:       o.Streams.ErrOut,
		Now:          o.Now,
		MaxAttempts:  1,
		NoPromptHint: fmt.Sprintf("profile %s has mfa_serial = %s: set AWSFED_MFA_CODE, or run on a terminal", h.Profile, h.MFASerial),
	}
	if o.CanPrompt() {
		c.Prompt = o.askCode
	}
	return c
}

// askCode asks on the terminal for the one-time code label names.
func (o *Signer) askCode(ctx context.Context, label string) (string, error) {
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

// ChooseRole picks the role to assume: the one asked for, else the only
// one, else the person's choice at a prompt.
func (o *Signer) ChooseRole(ctx context.Context, a *idp.Assertion, want string) (idp.Role, error) {
	if want != "" {
		for _, r := range a.Roles {
			if r.RoleARN == want {
				return r, nil
			}
		}
		return idp.Role{}, profile.Errorf("the IdP does not grant the role %s; it grants: %s", want, roleList(a.Roles))
	}
	if len(a.Roles) == 1 {
		return a.Roles[0], nil
	}
	if !o.CanPrompt() {
		return idp.Role{}, profile.Errorf("the IdP grants %d roles; pick one with --role-arn: %s", len(a.Roles), roleList(a.Roles))
	}
	p, err := o.prompt()
	if err != nil {
		return idp.Role{}, err
	}
	aliases := o.Aliases(ctx, a)
	labels := make([]string, len(a.Roles))
	for i, r := range a.Roles {
		labels[i] = fmt.Sprintf("%s  %s", ui.AccountLabel(r.AccountID(), aliases[r.AccountID()]), r.Name())
	}
	i, err := p.Select(ctx, "Role to assume", labels)
	if err != nil {
		return idp.Role{}, err
	}
	return a.Roles[i], nil
}

// Aliases asks AWS's sign-in page for the accounts' aliases, for a person
// choosing among roles. It gives up quietly after a few seconds: ids do too.
// The SAMLResponse goes to the assertion's Destination only when that is
// AWS's sign-in service (AWSFED_AWS_SIGNIN_URL, for tests, wins): an IdP
// page that names another host gets a warning and nothing.
func (o *Signer) Aliases(ctx context.Context, a *idp.Assertion) map[string]string {
	dest := o.Getenv("AWSFED_AWS_SIGNIN_URL") // tests point it at loopback
	if dest == "" && a.Destination != "" {
		u, err := url.Parse(a.Destination)
		if err != nil || !awssignin.IsAWS(u) {
			host := "an unreadable URL"
			if err == nil {
				host = u.Scheme + "://" + u.Host
			}
			fmt.Fprintf(o.Streams.ErrOut, "awsfed: warning: the assertion's Destination is not AWS's sign-in page but %s; awsfed sends the assertion to STS only, and shows no account aliases\n", host)
			return nil
		}
		dest = a.Destination
	}
	if dest == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c := &http.Client{Transport: o.Transport()}
	accts, err := awssignin.Accounts(ctx, c, dest, a.Raw)
	if err != nil {
		return nil
	}
	return awssignin.Aliases(accts)
}

func roleList(roles []idp.Role) string {
	arns := make([]string, len(roles))
	for i, r := range roles {
		arns[i] = r.RoleARN
	}
	return strings.Join(arns, ", ")
}

// capitalize upper-cases the first letter of a prompt label.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
