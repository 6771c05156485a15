package main

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seed-2d15385e/awsfed/idp/generic/generictest"
	"github.com/seed-2d15385e/awsfed/internal/keyring"
	"github.com/seed-2d15385e/awsfed/signin"
)

// fakeKeyring is the OS keyring in memory; err, when set, is what every
// call returns.
type fakeKeyring struct {
	items                 map[string]string
	err                   error
	gets, sets, deletions int
}

func (k *fakeKeyring) Get(_ context.Context, user string) (string, error) {
	k.gets++
	if k.err != nil {
		return "", k.err
	}
	if v, ok := k.items[user]; ok {
		return v, nil
	}
	return "", keyring.ErrNotFound
}

func (k *fakeKeyring) Set(_ context.Context, user, secret string) error {
	k.sets++
	if k.err != nil {
		return k.err
	}
	k.items[user] = secret
	return nil
}

func (k *fakeKeyring) Delete(_ context.Context, user string) error {
	k.deletions++
	if k.err != nil {
		return k.err
	}
	delete(k.items, user)
	return nil
}

// withKeyring gives the test user a keyring holding items.
func (e *testEnv) withKeyring(items map[string]string) *fakeKeyring {
	if items == nil {
		items = map[string]string{}
	}
	k := &fakeKeyring{items: items}
	e.deps.Keyring = k
	return k
}

// keyringItem is the name of the test IdP's item for its user.
func (e *testEnv) keyringItem() string {
	u, err := url.Parse(e.idp.SSOURL())
	if err != nil {
		e.t.Fatal(err)
	}
	return u.Host + ":" + generictest.Username
}

// TestKeyring_StoresTypedPasswordAndUsesIt types the password once with
// --keyring: it is stored, the setting is saved, and the next login, with no
// terminal, needs no password.
func TestKeyring_StoresTypedPasswordAndUsesIt(t *testing.T) {
	e := newTestEnv(t, generictest.Options{})
	k := e.withKeyring(nil)
	e.terminal()
	e.prompter.RegisterPassword("Password for alice:", generictest.Password)
	if code := e.run(e.loginArgs("--keyring")...); code != 0 {
		t.Fatalf("exit %d: %s", code, e.errOut)
	}
	if got := k.items[e.keyringItem()]; got != generictest.Password {
		t.Errorf("keyring item %s = %q, want the typed password", e.keyringItem(), got)
	}
	if !strings.Contains(e.read(e.config), "\nawsfed_keyring = true\n") {
		t.Errorf("--keyring was not saved in the profile:\n%s", e.read(e.config))
	}
	if strings.Count(e.errOut.String(), "\n") != 1 {
		t.Errorf("stderr = %q, want the result line alone", e.errOut)
	}

	e.deps.Streams.TTYAvailable = nil // no terminal: the keyring must do
	if code := e.run("login", "--profile", "jump"); code != 0 {
		t.Fatalf("second login: exit %d: %s", code, e.errOut)
	}
	if k.sets != 1 {
		t.Errorf("the keyring was written %d times, want once: a password read from it is not stored again", k.sets)
	}
	if n := len(e.sts.Issued()); n != 2 {
		t.Errorf("STS issued %d credentials, want 2", n)
	}
}

// TestKeyring_WrongStoredPasswordRemoved checks that a stored password the
// IdP refuses is deleted, and that the error says so.
func TestKeyring_WrongStoredPasswordRemoved(t *testing.T) {
	e := newTestEnv(t, generictest.Options{})
	k := e.withKeyring(map[string]string{e.keyringItem(): "old-password"})
	config, creds := e.read(e.config), e.read(e.creds)
	code := e.run(e.loginArgs("--keyring", "--no-prompt")...)
	if code != 3 {
		t.Errorf("exit %d, want 3", code)
	}
	stderr := e.errOut.String()
	want := `awsfed: wrong username or password (the IdP says: "Incorrect username or password"); check the username and password and try again; the password stored in the keyring was removed` + "\n"
	if stderr != want {
		t.Errorf("stderr = %q\nwant     %q", stderr, want)
	}
	if _, ok := k.items[e.keyringItem()]; ok || k.deletions != 1 {
		t.Errorf("the refused password is still in the keyring (%d deletions)", k.deletions)
	}
	if strings.Contains(stderr, "old-password") {
		t.Errorf("stderr shows the password")
	}
	e.assertUnchanged(config, creds)

	// Now the keyring is empty: without a terminal the hint says how to fill it.
	if code := e.run(e.loginArgs("--keyring", "--no-prompt")...); code != 4 ||
		!strings.Contains(e.errOut.String(), "or log in once at a terminal: the password typed there is stored in the keyring") {
		t.Errorf("exit %d, stderr %q; want 4 and how to store a password", code, e.errOut)
	}
}

// TestKeyring_Order checks that the keyring comes after --password-stdin,
// AWSFED_PASSWORD and awsfed_password_command: it is not read when one of
// them gives the password, and what they give is not stored.
func TestKeyring_Order(t *testing.T) {
	script := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho '"+generictest.Password+"'\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		setup func(e *testEnv)
		args  []string
	}{
		{"--password-stdin", func(e *testEnv) { e.in.WriteString(generictest.Password + "\n") }, []string{"--password-stdin"}},
		{"AWSFED_PASSWORD", password(generictest.Password), nil},
		{"awsfed_password_command", func(e *testEnv) {
			e.write(e.config, "[profile jump]\nawsfed_password_command = "+script+"\n")
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t, generictest.Options{})
			k := e.withKeyring(map[string]string{e.keyringItem(): "stale"})
			e.terminal()
			tt.setup(e)
			if code := e.run(e.loginArgs(append(tt.args, "--keyring")...)...); code != 0 {
				t.Fatalf("exit %d: %s", code, e.errOut)
			}
			if k.gets+k.sets+k.deletions != 0 {
				t.Errorf("the keyring was used (%d reads, %d writes, %d deletions)", k.gets, k.sets, k.deletions)
			}
		})
	}
}

// TestKeyring_Unavailable checks that a keyring that does not answer is a
// warning: the login goes on to the prompt and stores nothing.
func TestKeyring_Unavailable(t *testing.T) {
	e := newTestEnv(t, generictest.Options{})
	e.write(e.config, "[profile jump]\nawsfed_keyring = true\n")
	k := e.withKeyring(nil)
	k.err = timeoutError(t)
	e.terminal()
	e.prompter.RegisterPassword("Password for alice:", generictest.Password)
	if code := e.run(e.loginArgs()...); code != 0 {
		t.Fatalf("exit %d: %s", code, e.errOut)
	}
	lines := strings.SplitAfter(e.errOut.String(), "\n")
	want := "awsfed: warning: the keyring did not answer within 10ms; awsfed_keyring is ignored for this login\n"
	if len(lines) != 3 || lines[0] != want || !strings.HasPrefix(lines[1], "Assumed ") {
		t.Errorf("stderr = %q, want the warning %q and the result line", e.errOut, want)
	}
	if k.gets != 1 || k.sets != 0 {
		t.Errorf("the keyring was read %d times and written %d times; want one read and no write after it failed", k.gets, k.sets)
	}

	// Without a terminal, the next source is "no password": exit 4.
	e.deps.Streams.TTYAvailable = nil
	if code := e.run(e.loginArgs("--no-prompt")...); code != 4 || !strings.HasPrefix(e.errOut.String(), "awsfed: warning: the keyring did not answer") {
		t.Errorf("exit %d, stderr %q; want 4 after the warning", code, e.errOut)
	}
}

// timeoutError is what the keyring says when it does not answer.
func timeoutError(t *testing.T) error {
	t.Helper()
	block := make(chan struct{})
	t.Cleanup(func() { close(block) })
	_, err := keyring.New("awsfed", blocked(block), 10*time.Millisecond).Get(t.Context(), "u")
	var ke *keyring.Error
	if !errors.As(err, &ke) || !ke.TimedOut {
		t.Fatalf("the blocked keyring said %v", err)
	}
	return err
}

// blocked is a keyring backend whose calls wait until the channel closes.
type blocked chan struct{}

func (b blocked) Get(string, string) (string, error) { <-b; return "", nil }
func (b blocked) Set(string, string, string) error   { <-b; return nil }
func (b blocked) Delete(string, string) error        { <-b; return nil }

// TestKeyring_StoreFails checks that a password that cannot be stored is a
// warning, not a failed login.
func TestKeyring_StoreFails(t *testing.T) {
	e := newTestEnv(t, generictest.Options{})
	k := e.withKeyring(nil)
	e.terminal()
	e.prompter.RegisterPassword("Password for alice:", generictest.Password)
	// Reading finds nothing; writing fails.
	e.deps.Keyring = &failingSet{fakeKeyring: k}
	if code := e.run(e.loginArgs("--keyring")...); code != 0 {
		t.Fatalf("exit %d: %s", code, e.errOut)
	}
	if !strings.HasPrefix(e.errOut.String(), "awsfed: warning: the password was not stored in the keyring: the keyring is locked\nAssumed ") {
		t.Errorf("stderr = %q", e.errOut)
	}
}

type failingSet struct{ *fakeKeyring }

func (f *failingSet) Set(context.Context, string, string) error {
	return errors.New("the keyring is locked")
}

// TestKeyring_WrongTypedPassword checks that a wrong password typed at the
// prompt is neither stored nor makes awsfed touch the keyring's item.
func TestKeyring_WrongTypedPassword(t *testing.T) {
	e := newTestEnv(t, generictest.Options{})
	k := e.withKeyring(nil)
	e.terminal()
	e.prompter.RegisterPassword("Password for alice:", "typo")
	if code := e.run(e.loginArgs("--keyring")...); code != 3 {
		t.Fatalf("exit %d, want 3: %s", code, e.errOut)
	}
	if k.sets != 0 || k.deletions != 0 || strings.Contains(e.errOut.String(), "keyring") {
		t.Errorf("%d writes, %d deletions, stderr %q; want no keyring change or mention", k.sets, k.deletions, e.errOut)
	}
}

// TestKeyring_Off checks that without the setting the keyring is never
// asked, and that --keyring=false beats the profile.
func TestKeyring_Off(t *testing.T) {
	for _, tt := range []struct {
		name, config string
		args         []string
	}{
		{"not set", "", nil},
		{"--keyring=false over the profile", "[profile jump]\nawsfed_keyring = true\n", []string{"--keyring=false"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t, generictest.Options{})
			if tt.config != "" {
				e.write(e.config, tt.config)
			}
			k := e.withKeyring(map[string]string{e.keyringItem(): generictest.Password})
			e.terminal()
			e.prompter.RegisterPassword("Password for alice:", generictest.Password)
			if code := e.run(e.loginArgs(tt.args...)...); code != 0 {
				t.Fatalf("exit %d: %s", code, e.errOut)
			}
			if k.gets+k.sets+k.deletions != 0 {
				t.Errorf("the keyring was used")
			}
		})
	}
}

func TestKeyringFlag(t *testing.T) {
	for _, tt := range []struct {
		args     []string
		want     signin.OptionalBool
		wantCode int
	}{
		{nil, signin.OptionalBool{}, 0},
		{[]string{"--keyring"}, signin.OptionalBool{Given: true, Value: true}, 0},
		{[]string{"--keyring=false"}, signin.OptionalBool{Given: true}, 0},
		{[]string{"--keyring=perhaps"}, signin.OptionalBool{}, exitUsage},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			e := newTestEnv(t, generictest.Options{})
			var got signin.OptionalBool
			cmd := newLoginCmd(e.deps, func(_ context.Context, o *loginOptions) error {
				got = o.flags.Keyring
				return nil
			})
			cmd.SetArgs(tt.args)
			cmd.SetOut(e.out)
			cmd.SetErr(e.errOut)
			if err := cmd.Execute(); err != nil || tt.wantCode != exitOK {
				if code := exitCode(err); err == nil || code != tt.wantCode {
					t.Fatalf("error %v, want exit %d", err, tt.wantCode)
				}
				return
			}
			if got != tt.want {
				t.Errorf("--keyring = %+v, want %+v", got, tt.want)
			}
		})
	}
}
