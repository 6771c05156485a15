package signin

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/seed-2d15385e/awsfed/idp"
	"github.com/seed-2d15385e/awsfed/internal/keyring"
	"github.com/seed-2d15385e/awsfed/profile"
	"github.com/seed-2d15385e/awsfed/ui"
)

// KeyringService is the service of awsfed's items in the OS keyring.
const KeyringService = "awsfed"

// Keyring is the OS keyring as a sign-in uses it: one item per IdP
// account, in awsfed's service. Get returns an error wrapping
// keyring.ErrNotFound when there is no item; every call gives up after a
// few seconds with a *keyring.Error (internal/keyring).
type Keyring interface {
	Get(ctx context.Context, user string) (string, error)
	Set(ctx context.Context, user, secret string) error
	Delete(ctx context.Context, user string) error
}

// OptionalBool is a boolean flag that knows whether it was given, so that
// --keyring=false beats AWSFED_KEYRING and the profile. It is a
// pflag.Value.
type OptionalBool struct{ Given, Value bool }

func (b *OptionalBool) String() string { return strconv.FormatBool(b.Value) }

// Type names the flag's type in help.
func (b *OptionalBool) Type() string { return "bool" }

// Set reads a flag value as parseBool does.
func (b *OptionalBool) Set(s string) error {
	v, ok := parseBool(s)
	if !ok {
		return fmt.Errorf("use true or false")
	}
	b.Given, b.Value = true, v
	return nil
}

// parseBool reads a boolean setting: true, yes, on, 1 or false, no, off, 0,
// in any case.
func parseBool(s string) (value, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "on", "1":
		return true, true
	case "false", "no", "off", "0":
		return false, true
	}
	return false, false
}

// isTrue reads a boolean setting as aws-google-auth writes them.
func isTrue(v string) bool {
	b, ok := parseBool(v)
	return ok && b
}

// keyringSetting says whether the OS keyring is a password source, and which
// setting said so, for messages.
type keyringSetting struct {
	on   bool
	from string // "--keyring", "AWSFED_KEYRING" or awsfed_keyring
}

// resolveKeyring reads --keyring, else AWSFED_KEYRING, else awsfed_keyring
// in the profile; off when none is set.
func resolveKeyring(flag OptionalBool, getenv func(string) string, p *profile.Profile, configPath string) (keyringSetting, error) {
	on, from, err := resolveBool(flag, "--keyring", "AWSFED_KEYRING", profile.KeyKeyring, getenv, p, configPath)
	return keyringSetting{on: on, from: from}, err
}

// resolveBool reads a boolean setting from its flag, else its environment
// variable, else its key in the profile. from names the one that set it;
// "" when none did (then on is false).
func resolveBool(flag OptionalBool, flagName, env, key string, getenv func(string) string, p *profile.Profile, configPath string) (on bool, from string, err error) {
	if flag.Given {
		return flag.Value, flagName, nil
	}
	if v := strings.TrimSpace(getenv(env)); v != "" {
		on, ok := parseBool(v)
		if !ok {
			return false, "", profile.Errorf("%s=%q: use true or false", env, v)
		}
		return on, env, nil
	}
	if v := p.Config(key); v != "" {
		on, ok := parseBool(v)
		if !ok {
			return false, "", profile.Errorf("%s = %q in %s: use true or false", key, v, profile.Where(p.Name, configPath))
		}
		return on, key, nil
	}
	return false, "", nil
}

// keyringUser names the keyring item of the settings' IdP account:
// "HOST:USERNAME", HOST being the host (and port, if any) of the IdP's
// sign-in URL in lower case, e.g. "accounts.google.com:alice@example.com"
// or "idp.example.com:alice". It is "" without a user name or a host.
func keyringUser(s *Settings) string {
	u, err := url.Parse(s.URL)
	if err != nil || u.Host == "" || s.Username == "" {
		return ""
	}
	return strings.ToLower(u.Host) + ":" + s.Username
}

// keyringUse is what a sign-in did with the keyring.
type keyringUse struct {
	off       bool   // it failed: not used again in this run
	empty     bool   // it was asked and held no password
	fromStore bool   // the password sent came from it
	typed     string // a password typed at the prompt, stored once the IdP accepts it
}

// keyringPassword returns the password stored in the keyring for the
// settings' IdP account, if the keyring is on and holds one. A keyring that
// fails is reported as a warning and left alone for the rest of the run;
// only a cancelled context is an error.
func (o *Signer) keyringPassword(ctx context.Context, s *Settings) (string, bool, error) {
	if !o.keyringOn(s) {
		return "", false, nil
	}
	pw, err := o.Keyring.Get(ctx, keyringUser(s))
	switch {
	case err == nil && pw != "":
		o.keyring.fromStore = true
		return pw, true, nil
	case err == nil, errors.Is(err, keyring.ErrNotFound):
		o.keyring.empty = true
	case ctx.Err() != nil:
		return "", false, ctx.Err()
	default:
		o.keyringFailed(s, err.Error())
	}
	return "", false, nil
}

// keyringOn reports whether the keyring is to be used for the settings'
// account, warning once why not when it is on but cannot be.
func (o *Signer) keyringOn(s *Settings) bool {
	switch {
	case !s.keyring.on || o.keyring.off:
		return false
	case o.Keyring == nil:
		o.keyringFailed(s, "this awsfed has no keyring")
		return false
	case keyringUser(s) == "":
		o.keyringFailed(s, "the keyring item is named by the user name, and there is none (pass --username)")
		return false
	}
	return true
}

// keyringFailed warns that the keyring is not used in this run, and why.
func (o *Signer) keyringFailed(s *Settings, why string) {
	o.keyring.off = true
	fmt.Fprintf(o.Streams.ErrOut, "awsfed: warning: %s; %s is ignored for this login\n", why, s.keyring.from)
}

// typedPassword keeps a password typed at the prompt, to store it in the
// keyring once the IdP accepts it. Passwords from the other sources are not
// stored: each of them is already kept elsewhere, or given every time.
func (o *Signer) typedPassword(s *Settings, pw string) {
	if s.keyring.on && !o.keyring.off {
		o.keyring.typed = pw
	}
}

// settleKeyring runs once the IdP has answered the sign-in (err is its
// error): it stores a typed password the IdP accepted, and removes a stored
// one the IdP refused as wrong, saying so in the error it returns.
func (o *Signer) settleKeyring(ctx context.Context, s *Settings, err error) error {
	switch {
	case err == nil && o.keyring.typed != "" && o.keyringOn(s):
		if serr := o.Keyring.Set(ctx, keyringUser(s), o.keyring.typed); serr != nil {
			fmt.Fprintf(o.Streams.ErrOut, "awsfed: warning: the password was not stored in the keyring: %s\n", serr)
		}
	case errors.Is(err, idp.ErrWrongPassword) && o.keyring.fromStore && o.keyringOn(s):
		if derr := o.Keyring.Delete(ctx, keyringUser(s)); derr != nil {
			return fmt.Errorf("%w; the password stored in the keyring could not be removed: %v", err, derr)
		}
		return fmt.Errorf("%w; the password stored in the keyring was removed", err)
	}
	o.keyring.typed = ""
	return err
}

// keyringHint adds to a missing password's hint that a login at a terminal
// stores the password in the keyring, which is on but holds none.
func (o *Signer) keyringHint(e *ui.InputNeededError) *ui.InputNeededError {
	if o.keyring.empty {
		e.Hint += "; or log in once at a terminal: the password typed there is stored in the keyring"
	}
	return e
}
