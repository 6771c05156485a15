package credcache

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed-2d15385e/awsfed/awsconfig"
)

func TestSaveLoadRemove(t *testing.T) {
	d := Dir(filepath.Join(t.TempDir(), "cache"))
	want := awsconfig.Credentials{AccessKeyID: "ASIA1", SecretAccessKey: "s#cret", SessionToken: "tok",
		Expiration: time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC), PrincipalARN: "arn:aws:sts::123456789012:assumed-role/r/s"}
	if _, ok, err := d.Load("jump"); ok || err != nil {
		t.Fatalf("Load before Save = %v, %v; want none", ok, err)
	}
	if err := d.Save("jump", want); err != nil {
		t.Fatal(err)
	}
	got, ok, err := d.Load("jump")
	if err != nil || !ok || got != want {
		t.Errorf("Load = %+v, %v, %v; want %+v", got, ok, err, want)
	}
	for _, p := range []string{d.Path("jump"), filepath.Dir(d.Path("jump"))} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if wantMode := map[bool]os.FileMode{true: 0o700, false: 0o600}[fi.IsDir()]; fi.Mode().Perm() != wantMode {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode().Perm(), wantMode)
		}
	}
	if removed, err := d.Remove("jump"); !removed || err != nil {
		t.Errorf("Remove = %v, %v; want true, nil", removed, err)
	}
	if removed, err := d.Remove("jump"); removed || err != nil {
		t.Errorf("second Remove = %v, %v; want false, nil", removed, err)
	}
}

func TestPathsDoNotCollide(t *testing.T) {
	d := Dir("/c")
	seen := map[string]string{}
	for _, p := range []string{"a/b", "a_b", "a%2Fb", "..", ".x", "x.", "über", "a b", "A"} {
		path := d.Path(p)
		if other, dup := seen[path]; dup {
			t.Errorf("profiles %q and %q share %s", p, other, path)
		}
		seen[path] = p
		if filepath.Dir(path) != "/c/credentials" {
			t.Errorf("profile %q: %s is outside the folder", p, path)
		}
	}
}

func TestCorruptFileIsNone(t *testing.T) {
	d := Dir(t.TempDir())
	if err := os.MkdirAll(filepath.Dir(d.Path("p")), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{"", "{", `{"Version":1}`, "null"} {
		if err := os.WriteFile(d.Path("p"), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := d.Load("p"); ok || err != nil {
			t.Errorf("Load of %q = %v, %v; want none and no error", body, ok, err)
		}
	}
}

func TestLockSerialises(t *testing.T) {
	d := Dir(t.TempDir())
	unlock, err := d.Lock(t.Context(), "p", nil)
	if err != nil {
		t.Fatal(err)
	}
	var waited atomic.Bool
	got := make(chan error, 1)
	go func() {
		u, err := d.Lock(t.Context(), "p", func() { waited.Store(true) })
		if err == nil {
			u()
		}
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("second Lock returned %v while the first was held", err)
	case <-time.After(200 * time.Millisecond):
	}
	unlock()
	if err := <-got; err != nil || !waited.Load() {
		t.Errorf("second Lock = %v, waited %v; want nil after waiting", err, waited.Load())
	}

	// Another profile's lock is independent.
	u2, err := d.Lock(t.Context(), "other", nil)
	if err != nil {
		t.Fatal(err)
	}
	u2()
}

func TestLockGivesUpWithContext(t *testing.T) {
	d := Dir(t.TempDir())
	unlock, err := d.Lock(t.Context(), "p", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	if _, err := d.Lock(ctx, "p", nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Lock = %v, want the deadline", err)
	}
}

// FuzzLoad reads any bytes as a cached credentials file: never a panic,
// never credentials without both keys, and what Save wrote reads back.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(`{"Version":1,"AccessKeyId":"ASIA","SecretAccessKey":"s","SessionToken":"t","Expiration":"2026-01-01T00:00:00Z","PrincipalArn":"arn"}`))
	f.Add([]byte(`{"AccessKeyId":"","SecretAccessKey":null}`))
	f.Add([]byte("\x00\xff{"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d := Dir(t.TempDir())
		if err := os.MkdirAll(filepath.Dir(d.Path("p")), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(d.Path("p"), b, 0o600); err != nil {
			t.Fatal(err)
		}
		c, ok, err := d.Load("p")
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		if ok != (c.AccessKeyID != "" && c.SecretAccessKey != "") {
			t.Fatalf("Load = %+v, %v", c, ok)
		}
		if !ok {
			return
		}
		if err := d.Save("p", c); err != nil {
			t.Fatal(err)
		}
		back, ok2, err := d.Load("p")
		if err != nil || !ok2 || back.AccessKeyID != c.AccessKeyID || back.SecretAccessKey != c.SecretAccessKey ||
			back.SessionToken != c.SessionToken || back.PrincipalARN != c.PrincipalARN || !back.Expiration.Equal(c.Expiration.Truncate(time.Second)) {
			t.Fatalf("saved %+v, read back %+v, %v, %v", c, back, ok2, err)
		}
	})
}
