package awsconfig

import (
	"path/filepath"
	"testing"
)

// BenchmarkUpdateCredentials300 writes one profile's six credentials keys
// into a credentials file of 300 sections: lock, read, parse, edit, verify,
// temporary file, fsync, rename, folder fsync. The nosync variant leaves out
// the two fsync calls to show what they cost.
func BenchmarkUpdateCredentials300(b *testing.B) {
	for _, bb := range []struct {
		name   string
		noSync bool
	}{{"fsync", false}, {"nosync", true}} {
		b.Run(bb.name, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "credentials")
			if err := writeFileErr(path, sections300()); err != nil {
				b.Fatal(err)
			}
			opts := UpdateOptions{Private: true, noSync: bb.noSync}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				// A new value each time, so that every run writes.
				ch := CredentialsChange("p150", testCreds(i%10000))
				if _, err := Update(path, []Change{ch}, opts); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
