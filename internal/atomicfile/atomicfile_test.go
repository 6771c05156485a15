package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestWritePrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new", "secret.json")
	for _, data := range []string{"first", "second, longer"} {
		if err := WritePrivate(path, []byte(data)); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != data {
			t.Errorf("read back %q, %v; want %q", got, err, data)
		}
	}
	for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: %v %v, want mode %v", p, fi.Mode().Perm(), err, want)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "*")); len(left) != 1 {
		t.Errorf("folder holds %v, want only the file", left)
	}
}

// TestRemoveStale removes the temporary files a killed Write left, by age,
// and nothing else.
func TestRemoveStale(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "credentials")
	old := time.Now().Add(-2 * time.Minute)
	files := map[string]bool{ // name: whether it is target's temporary file
		"credentials": false, ".credentials.123.tmp": true, ".credentials.456.tmp": true,
		".config.789.tmp": false, "credentials.lock": false, ".credentials.tmp": false,
	}
	for name := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("secret"), 0o600); err != nil {
			t.Fatal(err)
		}
		if name != ".credentials.456.tmp" {
			if err := os.Chtimes(p, old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	left := func() map[string]bool {
		got := map[string]bool{}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			got[e.Name()] = true
		}
		return got
	}
	if err := RemoveStale(target, time.Minute); err != nil {
		t.Fatal(err)
	}
	if got := left(); got[".credentials.123.tmp"] || !got[".credentials.456.tmp"] || len(got) != len(files)-1 {
		t.Errorf("after RemoveStale(1m): %v; want only the old temporary file gone", got)
	}
	if err := RemoveStale(target, 0); err != nil {
		t.Fatal(err)
	}
	for name, temp := range files {
		if left()[name] == temp {
			t.Errorf("after RemoveStale(0): %s there: %v", name, !temp)
		}
	}
}
