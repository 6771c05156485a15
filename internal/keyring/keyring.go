// Package keyring keeps secrets in the operating system's keyring: the
// Keychain on macOS, the Credential Manager on Windows, and a Secret Service
// (GNOME Keyring, KWallet, KeePassXC) over the D-Bus session bus elsewhere,
// through github.com/zalando/go-keyring.
//
// A keyring can hang: a Secret Service that waits for an unlock dialog no one
// sees, or a D-Bus that never answers (saml2aws #1380). So every call here
// gives up after a time limit, and once one call has failed in that way the
// Keyring answers every later call at once with the same error: the call
// still blocked may hold the D-Bus connection's lock. On Unix systems other
// than macOS, a call is not even tried when there is no session bus to reach,
// since the D-Bus library would otherwise start a bus of its own with
// dbus-launch, and with it a keyring daemon, which are left behind.
package keyring

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	gokeyring "github.com/zalando/go-keyring"
)

// Timeout is how long System waits for the keyring to answer a call.
const Timeout = 3 * time.Second

// ErrNotFound means the keyring works and holds no item for the service and
// user asked for.
var ErrNotFound = errors.New("no such item in the keyring")

// Error reports a keyring that could not be used: none is running, it
// refused, or it did not answer in time. Its text never holds a secret.
type Error struct {
	msg string
	// TimedOut is set when the keyring did not answer within the time limit.
	TimedOut bool
}

func (e *Error) Error() string { return e.msg }

// Backend is a keyring without a time limit: go-keyring's functions, or a
// stand-in in tests. Get returns ErrNotFound when there is no item.
type Backend interface {
	Get(service, user string) (string, error)
	Set(service, user, secret string) error
	Delete(service, user string) error
}

// Keyring is one service's items in a keyring, with a time limit on every
// call. It is safe for concurrent use.
type Keyring struct {
	service string
	backend Backend
	timeout time.Duration
	// check, when set, runs before every call and fails fast when the
	// keyring cannot be reached at all.
	check func() error
	// hint says in a timeout message what may be wrong.
	hint string

	mu     sync.Mutex
	failed *Error // the timeout that put the keyring out of use
}

// New returns the items of service in backend; each call gives up after
// timeout.
func New(service string, backend Backend, timeout time.Duration) *Keyring {
	return &Keyring{service: service, backend: backend, timeout: timeout}
}

// System returns the items of service in the operating system's keyring,
// with the time limit Timeout. getenv reads the environment (os.Getenv: the
// D-Bus library reads the process's own).
func System(service string, getenv func(string) string) *Keyring {
	k := New(service, goKeyring{}, Timeout)
	k.check, k.hint = systemCheck(getenv)
	return k
}

// Get returns the secret stored for user, or an error wrapping ErrNotFound
// when there is none, an *Error when the keyring cannot be used, or the
// context's error.
func (k *Keyring) Get(ctx context.Context, user string) (string, error) {
	return k.call(ctx, "", func() (string, error) { return k.backend.Get(k.service, user) })
}

// Set stores secret for user, replacing what was stored.
func (k *Keyring) Set(ctx context.Context, user, secret string) error {
	_, err := k.call(ctx, secret, func() (string, error) { return "", k.backend.Set(k.service, user, secret) })
	return err
}

// Delete removes the item of user; it is not an error if there is none.
func (k *Keyring) Delete(ctx context.Context, user string) error {
	_, err := k.call(ctx, "", func() (string, error) { return "", k.backend.Delete(k.service, user) })
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

type result struct {
	value string
	err   error
}

// call runs f with the time limit. secret is what f stores, to be kept out
// of error texts.
func (k *Keyring) call(ctx context.Context, secret string, f func() (string, error)) (string, error) {
	k.mu.Lock()
	failed := k.failed
	k.mu.Unlock()
	if failed != nil {
		return "", failed
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if k.check != nil {
		if err := k.check(); err != nil {
			return "", err
		}
	}
	done := make(chan result, 1) // f may finish after call has returned
	go func() {
		v, err := f()
		done <- result{v, err}
	}()
	timer := time.NewTimer(k.timeout)
	defer timer.Stop()
	select {
	case r := <-done:
		switch {
		case r.err == nil:
			return r.value, nil
		case errors.Is(r.err, ErrNotFound), errors.Is(r.err, gokeyring.ErrNotFound):
			return "", ErrNotFound
		}
		return "", &Error{msg: "the keyring failed: " + redact(r.err.Error(), secret, r.value)}
	case <-timer.C:
		e := &Error{msg: fmt.Sprintf("the keyring did not answer within %s%s", k.timeout, k.hint), TimedOut: true}
		k.mu.Lock()
		k.failed = e
		k.mu.Unlock()
		return "", e
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// redact replaces the secrets in an error text by stars.
func redact(msg string, secrets ...string) string {
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "********")
		}
	}
	return msg
}

// goKeyring is go-keyring's process-wide keyring.
type goKeyring struct{}

func (goKeyring) Get(service, user string) (string, error) { return gokeyring.Get(service, user) }
func (goKeyring) Set(service, user, secret string) error   { return gokeyring.Set(service, user, secret) }
func (goKeyring) Delete(service, user string) error        { return gokeyring.Delete(service, user) }
