package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/idp"
	"github.com/seed-2d15385e/awsfed/internal/keyring"
	"github.com/seed-2d15385e/awsfed/ui"
)

// keyringService is the service of awsfed's items in the OS keyring.
const keyringService = "awsfed"

// Keyring is the OS keyring as login uses it: one item per IdP account, in
// awsfed's service. Get returns an error wrapping keyring.ErrNotFound when
// there is no item; every call gives up after a few seconds with a
// *keyring.Error (internal/keyring).
type Keyring interface {
	Get(ctx context.Context, user string) (string, error)
	Set(ctx context.Context, user, secret string) error
	Delete(ctx context.Context, user string) error
}

// optionalBool is a boolean flag that knows whether it was given, so that
// --keyring=false beats AWSFED_KEYRING and the profile.
type optionalBool struct{ set, value bool }

func (b *optionalBool) String() string { return strconv.FormatBool(b.value) }
func (b *optionalBool) Type() string   { return "bool" }

func (b *optionalBool) Set(s string) error {
	v, ok := parseBool(s)
	if !ok {
		return fmt.Errorf("use true or false")
	}
	b.set, b.value = true, v
	return nil
}

// parseBool reads a boolean setting: true, yes, on, 1 or false, no, off, 0.
func parseBool(s string) (value, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "on", "1":
		return true, true
	case "false", "no", "off", "0":
		return false, true
	}
	return false, false
}

func addKeyringFlag(cmd *cobra.Command, b *optionalBool) {
	cmd.Flags().Var(b, "keyring", "keep the password in the OS keyring: use the one stored there, and store one typed at the prompt once the IdP accepts it (or AWSFED_KEYRING; default: the profile's awsfed_keyring)")
	cmd.Flags().Lookup("keyring").NoOptDefVal = "true"
}

// keyringSetting says whether the OS keyring is a password source, and which
// setting said so, for messages.
type keyringSetting struct {
	on   bool
	from string // "--keyring", "AWSFED_KEYRING" or keyKeyring
}

// resolveKeyring reads --keyring, else AWSFED_KEYRING, else awsfed_keyring
// in the profile; off when none is set.
func resolveKeyring(flag optionalBool, getenv func(string) string, sec map[string]string, profile, configPath string) (keyringSetting, error) {
	if flag.set {
		return keyringSetting{on: flag.value, from: "--keyring"}, nil
	}
	if v := strings.TrimSpace(getenv("AWSFED_KEYRING")); v != "" {
		on, ok := parseBool(v)
		if !ok {
			return keyringSetting{}, usagef(fmt.Sprintf("AWSFED_KEYRING=%q: use true or false", v))
		}
		return keyringSetting{on: on, from: "AWSFED_KEYRING"}, nil
	}
	if v := strings.TrimSpace(sec[keyKeyring]); v != "" {
		on, ok := parseBool(v)
		if !ok {
			return keyringSetting{}, usagef(fmt.Sprintf("%s = %q in [%s] of %s: use true or false", keyKeyring, v, awsconfig.ConfigSection(profile), configPath))
		}
		return keyringSetting{on: on, from: keyKeyring}, nil
	}
	return keyringSetting{}, nil
}

// keyringUser names the keyring item of the settings' IdP account:
// "HOST:USERNAME", HOST being the host (and port, if any) of the IdP's
// sign-in URL in lower case, e.g. "accounts.google.com:alice@example.com"
// or "idp.example.com:alice". It is "" without a user name or a host.
func keyringUser(s *settings) string {
	u, err := url.Parse(s.URL)
	if err != nil || u.Host == "" || s.Username == "" {
		return ""
	}
	return strings.ToLower(u.Host) + ":" + s.Username
}

// keyringUse is what a login did with the keyring.
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
func (o *loginOptions) keyringPassword(ctx context.Context, s *settings) (string, bool, error) {
	if !o.keyringOn(s) {
		return "", false, nil
	}
	pw, err := o.deps.Keyring.Get(ctx, keyringUser(s))
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
func (o *loginOptions) keyringOn(s *settings) bool {
	switch {
	case !s.keyring.on || o.keyring.off:
		return false
	case o.deps.Keyring == nil:
		o.keyringFailed(s, "this awsfed has no keyring")
		return false
	case keyringUser(s) == "":
		o.keyringFailed(s, "the keyring item is named by the user name, and there is none (pass --username)")
		return false
	}
	return true
}

// keyringFailed warns that the keyring is not used in this run, and why.
func (o *loginOptions) keyringFailed(s *settings, why string) {
	o.keyring.off = true
	fmt.Fprintf(o.deps.Streams.ErrOut, "awsfed: warning: %s; %s is ignored for this login\n", why, s.keyring.from)
}

// typedPassword keeps a password typed at the prompt, to store it in the
// keyring once the IdP accepts it. Passwords from the other sources are not
// stored: each of them is already kept elsewhere, or given every time.
func (o *loginOptions) typedPassword(s *settings, pw string) {
	if s.keyring.on && !o.keyring.off {
		o.keyring.typed = pw
	}
}

// settleKeyring runs once the IdP has answered the sign-in (err is its
// error): it stores a typed password the IdP accepted, and removes a stored
// one the IdP refused as wrong, saying so in the error it returns.
func (o *loginOptions) settleKeyring(ctx context.Context, s *settings, err error) error {
	switch {
	case err == nil && o.keyring.typed != "" && o.keyringOn(s):
		if serr := o.deps.Keyring.Set(ctx, keyringUser(s), o.keyring.typed); serr != nil {
			fmt.Fprintf(o.deps.Streams.ErrOut, "awsfed: warning: the password was not stored in the keyring: %s\n", serr)
		}
	case errors.Is(err, idp.ErrWrongPassword) && o.keyring.fromStore && o.keyringOn(s):
		if derr := o.deps.Keyring.Delete(ctx, keyringUser(s)); derr != nil {
			return fmt.Errorf("%w; the password stored in the keyring could not be removed: %v", err, derr)
		}
		return fmt.Errorf("%w; the password stored in the keyring was removed", err)
	}
	o.keyring.typed = ""
	return err
}

// keyringHint adds to a missing password's hint that a login at a terminal
// stores the password in the keyring, which is on but holds none.
func (o *loginOptions) keyringHint(e *ui.InputNeededError) *ui.InputNeededError {
	if o.keyring.empty {
		e.Hint += "; or log in once at a terminal: the password typed there is stored in the keyring"
	}
	return e
}
