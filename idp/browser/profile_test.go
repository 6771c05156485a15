package browser

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestProfilePrepareSeeds(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "profile")
	p := Profile{Dir: dir}
	unlock, err := p.lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	if err := p.prepare(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o700 {
		t.Errorf("profile mode %v; want 0700", got)
	}
	b, err := os.ReadFile(filepath.Join(dir, "Default", "Preferences"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"net":{"network_prediction_options":2},"session":{"restore_on_startup":1}}`; got != want {
		t.Errorf("Preferences = %s; want %s", got, want)
	}
	if p.HasSession() {
		t.Error("HasSession() = true for a new profile")
	}

	// An existing profile keeps what the browser wrote.
	if err := os.WriteFile(filepath.Join(dir, "Default", "Preferences"), []byte(`{"browser":1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := p.prepare(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "Default", "Preferences")); string(b) != `{"browser":1}` {
		t.Errorf("prepare rewrote an existing profile's Preferences: %s", b)
	}
}

func TestProfilePrepareScrubs(t *testing.T) {
	dir := t.TempDir()
	p := Profile{Dir: dir}
	keep := []string{"Default/Cookies", "Default/Preferences", "Local State"}
	gone := []string{"Default/Sessions/Session_1", "Default/Sessions_Encrypted/Tabs_1", "Default/Cache/Cache_Data/f_0001", "Default/Code Cache/js/index"}
	for _, f := range append(keep, gone...) {
		path := filepath.Join(dir, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := p.prepare(); err != nil {
		t.Fatal(err)
	}
	for _, f := range keep {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v; want it kept", f, err)
		}
	}
	for _, f := range gone {
		if _, err := os.Stat(filepath.Join(dir, filepath.Dir(f))); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still there (%v); want its folder removed", filepath.Dir(f), err)
		}
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("profile mode %v after prepare; want 0700", fi.Mode().Perm())
	}
}

func TestProfilePrepareRefuses(t *testing.T) {
	tmp := t.TempDir()
	file := filepath.Join(tmp, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(tmp, "link")
	if err := os.Symlink(t.TempDir(), link); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, dir, want string
	}{
		{name: "a file", dir: file, want: "the browser profile " + file + " is not a folder"},
		{name: "a symlink", dir: link, want: "the browser profile " + link + " is not a folder"},
	}
	if os.Geteuid() == 0 {
		other := filepath.Join(tmp, "other")
		if err := os.Mkdir(other, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(other, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		tests = append(tests, struct{ name, dir, want string }{
			name: "another user's", dir: other,
			want: "the browser profile " + other + " belongs to another user (uid 65534); remove it or choose another folder",
		})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Profile{Dir: tt.dir}.prepare()
			if err == nil || err.Error() != tt.want {
				t.Errorf("prepare error %v; want %q", err, tt.want)
			}
		})
	}
}

func TestProfileLock(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "profile")
	p := Profile{Dir: dir}
	unlock, err := p.lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	// A second awsfed waits until its deadline, then says why.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = p.lock(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "is in use by another awsfed") {
		t.Errorf("second lock: %v; want an error saying the profile is in use, wrapping DeadlineExceeded", err)
	}
	if took := time.Since(start); took < 250*time.Millisecond {
		t.Errorf("second lock gave up after %v; want it to wait for the deadline", took)
	}

	// It gets the lock once the first lets go.
	got := make(chan error, 1)
	go func() {
		u, err := p.lock(context.Background())
		if err == nil {
			u()
		}
		got <- err
	}()
	time.Sleep(150 * time.Millisecond)
	unlock()
	select {
	case err := <-got:
		if err != nil {
			t.Errorf("lock after unlock: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting lock was not granted after the unlock")
	}
}

func TestProfileSessionMarker(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "profile")
	p := Profile{Dir: dir}
	if err := p.prepare(); err != nil {
		t.Fatal(err)
	}
	if p.HasSession() {
		t.Fatal("HasSession() = true before any capture")
	}
	if err := p.markSession(); err != nil {
		t.Fatal(err)
	}
	if !p.HasSession() {
		t.Fatal("HasSession() = false after markSession")
	}
	if err := p.prepare(); err != nil {
		t.Fatal(err)
	}
	if !p.HasSession() {
		t.Error("HasSession() = false after another prepare; want the marker kept")
	}
	p.forgetSession()
	if p.HasSession() {
		t.Error("HasSession() = true after forgetSession")
	}
	if err := p.markSession(); err != nil {
		t.Fatal(err)
	}
	if err := Remove(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("profile still there after Remove: %v", err)
	}
	if p.HasSession() {
		t.Error("HasSession() = true after Remove")
	}
	if err := Remove(context.Background(), dir); err != nil {
		t.Errorf("Remove of a missing profile: %v; want nil", err)
	}
}

func TestRemoveWaitsForTheBrowser(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "profile")
	p := Profile{Dir: dir}
	if err := p.prepare(); err != nil {
		t.Fatal(err)
	}
	unlock, err := p.lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := Remove(ctx, dir); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Remove while locked: %v; want DeadlineExceeded", err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Errorf("Remove deleted a profile in use: %v", err)
	}
}
