package awsconfig

import (
	"maps"
	"path/filepath"
	"testing"
)

// FuzzScanAgreesWithLoader checks the premise Update rests on: every file
// the line scanner accepts, gopkg.in/ini.v1 reads with the same sections
// and keys and the same values.
func FuzzScanAgreesWithLoader(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.ini"))
	for _, s := range seeds {
		f.Add(readFile(f, s))
	}
	for _, s := range []string{
		"[a]\nx = 1\n", "[a]\ns3 =\n  x = 1\n\n  y = 2\nz = 3\n", "[ a ]\r\nx=\"q\"\r\n", "[a]\n  x = 1\n  y = 2\n",
		"[a]\nx = `v`\n", "[a]\nx = \"\"\"v\"\"\"\n", "[a] # c\nx: 1 ; c\n", "[a]\n\tx\t=\t\\\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := scan(string(data)); err != nil {
			return
		}
		if _, err := parse("fuzz", string(data)); err != nil {
			t.Errorf("scan accepts %q, the loader says: %v", data, err)
		}
	})
}

// FuzzEdit checks that every edit of a file the scanner accepts reads back
// as asked: verify never finds the editor wrong.
func FuzzEdit(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.ini"))
	for _, s := range seeds {
		f.Add(readFile(f, s), "profile sts", "region", "v", "s3")
		f.Add(readFile(f, s), "default", "s3", "flat", "region")
	}
	f.Add([]byte("[a]\n  x = 1\n  y =\n    z = 2\n"), "a", "w", "3", "y")
	f.Fuzz(func(t *testing.T, data []byte, section, key, value, unset string) {
		d, err := scan(string(data))
		if err != nil {
			return
		}
		ch := Change{Section: section, Set: []KV{{key, value}}, Unset: []string{unset}}
		if ch.validate() != nil {
			ch.Unset = nil
			if ch.validate() != nil {
				return
			}
		}
		changes := []Change{ch, {Section: "other", Set: []KV{{"k", "v"}}}}
		out, err := edit(d, changes)
		if err != nil {
			t.Fatalf("edit %q: %v", data, err)
		}
		if err := verify("fuzz", d, out, changes); err != nil {
			t.Errorf("edit of %q with %+v gave %q: %v", data, changes, out, err)
		}
	})
}

// FuzzRemoveCredentials checks that removing a profile's credentials from
// any file the scanner accepts reads back as asked, whether or not the
// section is pruned: verify never finds the editor wrong.
func FuzzRemoveCredentials(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.ini"))
	for _, s := range seeds {
		f.Add(readFile(f, s), "sts", "region")
		f.Add(readFile(f, s), "default", "s3")
	}
	f.Add([]byte("[a]\ns3 =\n  x = 1\n[sts]\n\t# c\n \naws_access_key_id = A\n"), "sts", "region")
	f.Fuzz(func(t *testing.T, data []byte, section, unset string) {
		d, err := scan(string(data))
		if err != nil {
			return
		}
		ch := credentialsRemoval(section)
		ch.Unset = append(ch.Unset, unset)
		if ch.validate() != nil {
			ch.Unset = ch.Unset[:len(ch.Unset)-1]
			if ch.validate() != nil {
				return
			}
		}
		changes := []Change{ch}
		out, err := edit(d, changes)
		if err != nil {
			t.Fatalf("edit %q: %v", data, err)
		}
		if err := verify("fuzz", d, out, changes); err != nil {
			t.Errorf("edit of %q with %+v gave %q: %v", data, changes, out, err)
		}
	})
}

// FuzzPlainSectionsAgreeWithLoader checks the premise Load's speed rests
// on: for every file the line scanner accepts, gopkg.in/ini.v1 reads every
// section as the scanner does (loaderView checks the keys, and the values
// the scanner reads as not empty), so that a plain section (see
// plainValues) can take the scanner's values without reading it with
// ini.v1.
func FuzzPlainSectionsAgreeWithLoader(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.ini"))
	for _, s := range seeds {
		f.Add(readFile(f, s))
	}
	for _, s := range []string{
		"[a]\nx = 1\n", "[a]\nx = \"q\n", "[a]\nx = 'q\ny = \"\"\n", "[a]\nx = \"a\" b\n", "[a]\nx = `\n", "[a]\nx = a\\\ny = 2\n",
		"[a]\nx = ;c\n[b]\ny = #c\n", "[a]\n[b] x\nk: v = w\n", "[a]\nx = \\\"\"\"\n", "[ a ]\r\nx=\"q\"\r\n", "[a]\ns3 =\n  x = 1\nz = 3\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := scan(string(data))
		if err != nil {
			return
		}
		all := make([]int, len(d.sections))
		for i := range all {
			all[i] = i
		}
		values, err := d.loaderView(all)
		if err != nil {
			t.Fatalf("scan accepts %q, the loader says: %v", data, err)
		}
		for i, s := range d.sections {
			if kvs, ok := d.plainValues(i, nil); ok && !maps.Equal(Section(kvs).Map(), values[i]) {
				t.Errorf("in %q, section [%s] reads %q to the scanner, %q to the loader", data, s.name, kvs, values[i])
			}
		}
	})
}
