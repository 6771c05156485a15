package awsconfig

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// bigConfig returns a config file of about size bytes: profiles of four
// keys, each after a comment line, as a large organisation's generated
// file looks.
func bigConfig(size int) string {
	var b strings.Builder
	b.Grow(size + 200)
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "# team %d account, owner ops\n[profile p%06d]\nregion = us-east-1\nrole_arn = arn:aws:iam::123456789012:role/r%d\nsource_profile = sts\n\n", i, i, i)
	}
	return b.String()
}

// allocated returns the bytes fn allocates.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestMemoryIsASmallMultipleOfTheFile reads and rewrites a 10 MB config
// file and checks what that allocates in all, garbage included: Load at
// most 3.2 times the file (its text, the line index while it scans, and
// the sections' keys and values, whose strings share the text), Update at
// most 4 times (the old text and the new, and their line indexes). Before the
// compact line index and sections they were 8.9 and 12.6 times.
func TestMemoryIsASmallMultipleOfTheFile(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 10 MB files; skipped with -short")
	}
	text := bigConfig(10 << 20)
	path := filepath.Join(t.TempDir(), "config")
	if err := writeFileErr(path, []byte(text)); err != nil {
		t.Fatal(err)
	}
	size := float64(len(text))
	var f *File
	load := allocated(func() {
		var err error
		if f, err = Load(path); err != nil {
			t.Fatal(err)
		}
	})
	if got := float64(load) / size; got > 3.2 {
		t.Errorf("Load allocated %.1f times the file, want at most 3.2", got)
	}
	if f.Len() < 70000 {
		t.Fatalf("%d sections, want over 70,000", f.Len())
	}
	update := allocated(func() {
		ch := Change{Section: "profile p000100", Set: []KV{{Key: "region", Value: "eu-west-1"}}}
		if _, err := Update(path, []Change{ch}, UpdateOptions{noSync: true}); err != nil {
			t.Fatal(err)
		}
	})
	if got := float64(update) / size; got > 4 {
		t.Errorf("Update allocated %.1f times the file, want at most 4", got)
	}
	t.Logf("10 MB file: Load allocates %.2f×, Update %.2f× its size", float64(load)/size, float64(update)/size)
}
