package awsconfig

import (
	"fmt"
	"path/filepath"
	"strings"
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

// BenchmarkLoad900 reads a config file of 900 sections from disk: 300
// awsfed profiles, each with two profiles chained on it (the config file of
// BenchmarkStatus300 in cmd/awsfed and of scripts/bench-renewals).
func BenchmarkLoad900(b *testing.B) {
	var c strings.Builder
	for i := range 300 {
		fmt.Fprintf(&c, "[profile p%03d]\nregion = us-east-1\nawsfed_idp = generic\nawsfed_url = https://idp.example.com/sso\nawsfed_username = user%03d\nawsfed_role_arn = arn:aws:iam::111111111111:role/r%03d\n\n", i, i, i)
		fmt.Fprintf(&c, "[profile p%03d-a]\nrole_arn = arn:aws:iam::222222222222:role/a%03d\nsource_profile = p%03d\n\n", i, i, i)
		fmt.Fprintf(&c, "[profile p%03d-b]\nrole_arn = arn:aws:iam::333333333333:role/b%03d\nsource_profile = p%03d-a\n\n", i, i, i)
	}
	benchmarkLoad(b, []byte(c.String()), 900)
}

// BenchmarkLoadCredentials300 reads a credentials file of 300 sections of
// six keys each.
func BenchmarkLoadCredentials300(b *testing.B) {
	benchmarkLoad(b, sections300(), 300)
}

func benchmarkLoad(b *testing.B, data []byte, sections int) {
	path := filepath.Join(b.TempDir(), "file")
	if err := writeFileErr(path, data); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		f, err := Load(path)
		if err != nil {
			b.Fatal(err)
		}
		if n := len(f.SectionNames()); n != sections {
			b.Fatalf("%d sections, want %d", n, sections)
		}
	}
}
