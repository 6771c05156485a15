// Package mfa hands out one-time codes for second factors: from a flag or
// environment value, computed from a TOTP secret, or asked at a prompt.
package mfa

import (
	"context"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/seed-2d15385e/awsfed/idp"
	"github.com/seed-2d15385e/awsfed/internal/wait"
	"github.com/seed-2d15385e/awsfed/ui"
)

const (
	// period is the TOTP time step (RFC 6238's default, used by every
	// authenticator app).
	period = 30
	// defaultMaxAttempts is how many codes Codes hands out when MaxAttempts
	// is not set.
	defaultMaxAttempts = 3
	// promptTries is how many answers a prompt gets to be a code of digits.
	promptTries = 2
)

// ErrInvalidSecret is wrapped by the error of a TOTP secret that is not
// base32. Such errors never contain the secret.
var ErrInvalidSecret = errors.New("invalid TOTP secret")

// errNotBase32 is the error of a secret that is not base32.
func errNotBase32() error {
	return fmt.Errorf("%w: it is not base32 (letters A to Z, digits 2 to 7)", ErrInvalidSecret)
}

// TOTP returns the 6-digit RFC 6238 code (SHA-1, 30-second steps) of the
// base32 secret at time t. The secret may be written as people paste it:
// lower case, in groups separated by spaces, without its "=" padding; or it
// may be an otpauth://totp/ URI that carries it. An error never contains
// the secret.
func TOTP(secret string, t time.Time) (string, error) {
	s, err := normalizeSecret(secret)
	if err != nil {
		return "", err
	}
	return totpCode(s, t)
}

// totpCode computes the code of a secret normalizeSecret accepted.
func totpCode(secret string, t time.Time) (string, error) {
	c, err := totp.GenerateCodeCustom(secret, t, totp.ValidateOpts{
		Period:    period,
		Digits:    otp.DigitsSix,
		Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		// The library's only error is a base32 one, without the secret.
		return "", errNotBase32()
	}
	return c, nil
}

// normalizeSecret returns the secret in upper case without spaces, dashes
// or padding, after checking that it is base32.
func normalizeSecret(secret string) (string, error) {
	s := strings.TrimSpace(secret)
	if len(s) >= len("otpauth://") && strings.EqualFold(s[:len("otpauth://")], "otpauth://") {
		return secretFromURI(s)
	}
	if strings.ContainsAny(s, "\r\n") {
		// Joining the lines could make a valid but wrong secret, as when a
		// command prints a pass entry with more than the secret in it.
		return "", fmt.Errorf("%w: it has several lines; give the secret alone", ErrInvalidSecret)
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '-' {
			return -1
		}
		return unicode.ToUpper(r)
	}, s)
	s = strings.TrimRight(s, "=")
	if s == "" {
		return "", fmt.Errorf("%w: it is empty", ErrInvalidSecret)
	}
	// Lengths of 1, 3 or 6 characters past a multiple of 8 are no whole
	// bytes, though the unpadded decoder lets some pass.
	switch len(s) % 8 {
	case 1, 3, 6:
		return "", errNotBase32()
	}
	// Errors of the decoder would quote the offending character.
	if _, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s); err != nil {
		return "", errNotBase32()
	}
	return s, nil
}

// secretFromURI takes the secret from an otpauth:// URI, as password
// managers store it, if the URI asks for codes TOTP computes.
func secretFromURI(uri string) (string, error) {
	// url's errors quote the URI, secret included; they are not wrapped.
	u, err := url.Parse(uri)
	var q url.Values
	if err == nil {
		q, err = url.ParseQuery(u.RawQuery)
	}
	if err != nil {
		return "", fmt.Errorf("%w: it looks like an otpauth URI but does not parse as one", ErrInvalidSecret)
	}
	if !strings.EqualFold(u.Host, "totp") {
		return "", fmt.Errorf("%w: the otpauth URI is not for TOTP codes", ErrInvalidSecret)
	}
	for _, p := range []struct{ key, want string }{
		{"algorithm", "SHA1"},
		{"digits", "6"},
		{"period", "30"},
	} {
		if v := q.Get(p.key); v != "" && !strings.EqualFold(v, p.want) {
			return "", fmt.Errorf("%w: the otpauth URI asks for %s=%.10q; awsfed computes codes with %s=%s only", ErrInvalidSecret, p.key, v, p.key, p.want)
		}
	}
	secret := q.Get("secret")
	if strings.TrimSpace(secret) == "" {
		return "", fmt.Errorf("%w: the otpauth URI has no secret", ErrInvalidSecret)
	}
	return normalizeSecret(secret)
}

// Codes hands out one-time codes from the sources it is given: a code given
// for this run, then codes computed from a TOTP secret, or else codes asked
// at a prompt. It implements idp.CodeSource: every call after the first
// means the IdP rejected the code before. It is not safe for concurrent use.
type Codes struct {
	// Fixed is a code given for this run (--mfa-code, AWSFED_MFA_CODE). It
	// is handed out first, and once.
	Fixed string
	// Secret returns the base32 TOTP secret; nil when none is configured.
	// It is called at most once, when a code is first needed.
	Secret func(ctx context.Context) (string, error)
	// Prompt asks a person for the code label names; nil when no one can
	// be asked. It is used only when there is no Secret.
	Prompt func(ctx context.Context, label string) (string, error)
	// Status receives the one line said while waiting for a new TOTP code
	// (stderr); nil discards it.
	Status io.Writer
	// Now and Sleep are the clock; nil means the real one. Sleep returns
	// early with ctx's error when ctx is done.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// MaxAttempts is how many codes are handed out before a further call
	// reports the refusal; 0 means 3.
	MaxAttempts int
	// NoPromptHint tells how to provide a code without a prompt; it ends the
	// message of the *ui.InputNeededError returned when no code can be had.
	NoPromptHint string
	// Used, if set, reports whether code was sent before, by this run or
	// another, for a factor whose server refuses a code it has seen (AWS
	// STS), and may record it as sent when it was not: Code hands out only
	// codes Used said false to, each asked once. A code from the secret
	// that was sent is replaced by the next step's, a typed one is asked
	// for again, and a Fixed one gives way to the other sources. nil:
	// codes are only not repeated within this Codes.
	Used func(code string) bool

	sent       int
	fixedSent  bool
	fixedUsed  bool // Fixed was sent before (Used)
	lastSource source

	secretRead bool
	secret     string
	secretErr  error
	// lastStep is the TOTP step of the last code computed, if stepUsed.
	lastStep int64
	stepUsed bool
}

type source int

const (
	fromNothing source = iota
	fromFixed
	fromSecret
	fromPrompt
)

var _ idp.CodeSource = (*Codes)(nil)

// Code returns the next code for the factor label names ("authenticator
// code"). The first call returns Fixed if set, else a code computed from
// the secret, else the answer to a prompt; with none of them it returns a
// *ui.InputNeededError. Each further call returns a code not handed out
// before: a rejected Fixed code gives way to the secret or the prompt, and
// a code from the secret is never repeated: Code waits, saying so on
// Status, until the next 30-second step when the current one was used.
// Once MaxAttempts codes were handed out, or the rejected Fixed code has no
// successor, it returns an *idp.RefusedError wrapping idp.ErrMFARejected.
// Codes never appear in errors or on Status.
func (c *Codes) Code(ctx context.Context, label string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	maxAttempts := c.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = defaultMaxAttempts
	}
	if c.sent >= maxAttempts {
		return "", c.refused()
	}
	var (
		code string
		err  error
	)
	fixed := strings.Join(strings.Fields(c.Fixed), "")
	switch {
	case fixed != "" && !c.fixedSent && c.used(fixed):
		c.fixedSent, c.fixedUsed = true, true
		return c.Code(ctx, label)
	case fixed != "" && !c.fixedSent:
		c.fixedSent = true
		code, c.lastSource = fixed, fromFixed
	case c.Secret != nil:
		code, err = c.fromSecret(ctx)
		c.lastSource = fromSecret
	case c.Prompt != nil:
		code, err = c.fromPrompt(ctx, label)
		c.lastSource = fromPrompt
	case c.sent == 0 && !c.fixedUsed:
		return "", &ui.InputNeededError{What: "a one-time code", Hint: c.NoPromptHint}
	default:
		return "", c.refused()
	}
	if err != nil {
		return "", err
	}
	c.sent++
	return code, nil
}

// More reports whether Code may hand out another code: one more is
// allowed, and a source is left (an unsent Fixed code, the secret or the
// prompt). False means the next Code call reports the refusal.
func (c *Codes) More() bool {
	maxAttempts := c.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = defaultMaxAttempts
	}
	if c.sent >= maxAttempts {
		return false
	}
	fixed := strings.Join(strings.Fields(c.Fixed), "") != "" && !c.fixedSent
	return fixed || c.Secret != nil || c.Prompt != nil
}

// used reports whether Used says code was sent before.
func (c *Codes) used(code string) bool { return c.Used != nil && c.Used(code) }

func (c *Codes) refused() error {
	hint := ""
	switch {
	case c.fixedUsed && c.sent == 0:
		hint = "the code given for this run was sent before, and a code is good once: run again with the next one"
		return &idp.RefusedError{Err: idp.ErrMFARejected, Hint: hint}
	}
	switch c.lastSource {
	case fromFixed:
		hint = "the code given for this run was rejected; run again with a fresh one"
	case fromSecret:
		hint = rejected(c.sent, "computed from the TOTP secret") + "; check this computer's clock and that the secret belongs to this account"
	case fromPrompt:
		hint = rejected(c.sent, "") + "; check the authenticator's clock and that its codes are for this account"
	}
	return &idp.RefusedError{Err: idp.ErrMFARejected, Hint: hint}
}

// rejected says that n codes, described by what, were rejected.
func rejected(n int, what string) string {
	s := fmt.Sprintf("%d codes", n)
	verb := "were"
	if n == 1 {
		s, verb = "the code", "was"
	}
	if what != "" {
		s += " " + what
	}
	return s + " " + verb + " rejected"
}

func (c *Codes) fromSecret(ctx context.Context) (string, error) {
	if !c.secretRead {
		c.secretRead = true
		s, err := c.Secret(ctx)
		if err == nil {
			c.secret, err = normalizeSecret(s)
		} else {
			err = fmt.Errorf("get the TOTP secret: %w", err)
		}
		c.secretErr = err
	}
	if c.secretErr != nil {
		return "", c.secretErr
	}
	// A code another run sent (Used) is skipped like one of this run;
	// the loop ends since each turn waits for a later step.
	for range 3 {
		now := c.now()
		step := now.Unix() / period
		if c.stepUsed && step <= c.lastStep {
			next := time.Unix((c.lastStep+1)*period, 0)
			wait := next.Sub(now)
			shown := max((wait + time.Second - 1).Truncate(time.Second), time.Second)
			fmt.Fprintf(c.status(), "waiting %s for the next authenticator code…\n", shown)
			if err := c.sleep(ctx, wait); err != nil {
				return "", fmt.Errorf("wait for the next authenticator code: %w", err)
			}
			// A clock that did not quite get there still gets the next code.
			if now = c.now(); now.Before(next) {
				now = next
			}
			step = now.Unix() / period
		}
		code, err := totpCode(c.secret, now)
		if err != nil {
			return "", err
		}
		c.lastStep, c.stepUsed = step, true
		if !c.used(code) {
			return code, nil
		}
	}
	return "", errors.New("no one-time code: the authenticator codes of three steps in a row were sent before by another run")
}

func (c *Codes) fromPrompt(ctx context.Context, label string) (string, error) {
	ask := label
	for try := 1; ; try++ {
		answer, err := c.Prompt(ctx, ask)
		if err != nil {
			return "", err
		}
		// People type "123 456" as some apps show it.
		code := strings.Join(strings.Fields(answer), "")
		digits := code != "" && strings.Trim(code, "0123456789") == ""
		if digits && !c.used(code) {
			return code, nil
		}
		if try == promptTries {
			if digits {
				return "", errors.New("no one-time code: the codes typed were sent before, and a code is good once")
			}
			return "", errors.New("no one-time code: the answers given were not digits")
		}
		ask = label + " (digits only)"
		if digits {
			ask = label + " (that one was sent before; the next code)"
		}
	}
}

func (c *Codes) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Codes) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	return wait.Sleep(ctx, d)
}

func (c *Codes) status() io.Writer {
	if c.Status != nil {
		return c.Status
	}
	return io.Discard
}
