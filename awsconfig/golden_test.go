package awsconfig

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// testCreds are fake credentials in the shapes STS returns.
func testCreds(n int) Credentials {
	return Credentials{
		AccessKeyID:     fmt.Sprintf("ASIANEWNEWNEWNEW%04d", n),
		SecretAccessKey: fmt.Sprintf("newsecret/newsecret+newsecret/newse%04d", n),
		SessionToken:    fmt.Sprintf("IQoJb3JpZ2luX2VjEJr//////////wEaDmFwLW5vcnRoZWFzdC0xIkcwRQIhAN%04d==", n),
		Expiration:      time.Date(2026, 11, 22, 12, 4, 5, 0, time.UTC),
		PrincipalARN:    "arn:aws:sts::111111111111:assumed-role/jump-sso/alice@example.com",
	}
}

// sections300 is a credentials file of 300 sections, p000 to p299, each
// with the six keys awsfed writes.
func sections300() []byte {
	var b bytes.Buffer
	for i := range 300 {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "[p%03d]\n", i)
		for _, kv := range CredentialsChange("", Credentials{
			AccessKeyID:     fmt.Sprintf("ASIAOLD%013d", i),
			SecretAccessKey: fmt.Sprintf("oldsecret%031d", i),
			SessionToken:    fmt.Sprintf("OLDTOKEN%056d", i),
			Expiration:      time.Date(2020, 1, 1, 0, 0, i, 0, time.UTC),
			PrincipalARN:    fmt.Sprintf("arn:aws:sts::111111111111:assumed-role/r/u%03d", i),
		}).Set {
			fmt.Fprintf(&b, "%s = %s\n", kv.Key, kv.Value)
		}
	}
	return b.Bytes()
}

// TestUpdateGolden updates testdata/NAME.ini (or generated input) and
// compares the result with testdata/NAME.golden. Run with -update to
// rewrite the golden files; review them before committing.
func TestUpdateGolden(t *testing.T) {
	tests := []struct {
		name    string
		input   []byte // nil: read testdata/NAME.ini
		changes []Change
	}{
		{
			name:    "comments",
			changes: []Change{CredentialsChange("sts", testCreds(1))},
		},
		{
			name: "spacing",
			changes: []Change{{
				Section: "profile sts",
				Set: []KV{
					{"region", "ap-northeast-1"},
					{"awsfed_duration", "12h"},
					{"awsfed_role_arn", "arn:aws:iam::111111111111:role/jump-sso"},
				},
				Unset: []string{"awsfed_mfa"},
			}},
		},
		{
			name: "config",
			changes: []Change{
				{Section: "profile y", Set: []KV{{"region", "ap-northeast-1"}, {"awsfed_idp", "google"}}},
				{Section: "default", Set: []KV{{"region", "eu-central-1"}}, Unset: []string{"s3"}},
				{Section: "profile sts", Set: []KV{{"region", "ap-northeast-1"}, {"awsfed_username", "alice@example.com"}}},
			},
		},
		{
			name:    "crlf",
			changes: []Change{CredentialsChange("sts", testCreds(2)), CredentialsChange("new", testCreds(3))},
		},
		{
			name:    "no-final-newline",
			changes: []Change{{Section: "profile sts", Set: []KV{{"awsfed_idp", "google"}}}},
		},
		{
			name:    "no-final-newline-new-section",
			changes: []Change{{Section: "profile sts", Set: []KV{{"region", "ap-northeast-1"}}}},
		},
		{
			name: "nested",
			changes: []Change{
				{Section: "profile sts", Set: []KV{{"s3", "flat"}, {"awsfed_idp", "google"}}},
				{Section: "profile b", Set: []KV{{"awsfed_idp", "generic"}}, Unset: []string{"output"}},
			},
		},
		{
			name:    "new-file",
			input:   []byte{},
			changes: []Change{CredentialsChange("sts", testCreds(4))},
		},
		{
			name:    "sections300",
			input:   sections300(),
			changes: []Change{CredentialsChange("p150", testCreds(5))},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := tt.input
			if input == nil {
				input = readFile(t, filepath.Join("testdata", tt.name+".ini"))
			}
			path := filepath.Join(t.TempDir(), "file")
			if len(input) > 0 || tt.input == nil {
				writeFile(t, path, input, 0o600)
			}
			if _, err := Update(path, tt.changes, UpdateOptions{}); err != nil {
				t.Fatalf("Update: %v", err)
			}
			got := readFile(t, path)
			checkGolden(t, tt.name, got)
			checkUntouched(t, input, got, tt.changes)
		})
	}
}

// checkGolden compares got with testdata/NAME.golden, which -update first
// rewrites from got.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden := filepath.Join("testdata", name+".golden")
	if *update {
		writeFile(t, golden, got, 0o644)
	}
	if want := readFile(t, golden); !bytes.Equal(got, want) {
		t.Errorf("result differs from %s (run go test -update to see the change in git diff)\ngot:\n%s\nwant:\n%s", golden, got, want)
	}
}

// checkUntouched checks with bytes.Equal that the regions of input outside
// the changed sections are in got unchanged: the text before the first
// changed section, between changed sections, and after the last. Where
// sections were added at the end, the last region may only have gained a
// final newline and the blank line before them.
func checkUntouched(t *testing.T, input, got []byte, changes []Change) {
	t.Helper()
	in, inNames := regions(input, changes)
	out, _ := regions(got, changes)
	if len(in) != len(out) {
		t.Fatalf("input has %d untouched regions, output %d", len(in), len(out))
	}
	added := false
	for _, ch := range changes {
		added = added || !inNames[ch.Section]
	}
	for i, r := range in {
		o := out[i]
		if i == len(in)-1 && added {
			if !bytes.HasPrefix(o, r) {
				t.Errorf("last untouched region changed:\ngot:\n%q\nwant it to start with:\n%q", o, r)
			}
			continue
		}
		if !bytes.Equal(o, r) {
			t.Errorf("untouched region %d changed:\ngot:\n%q\nwant:\n%q", i, o, r)
		}
	}
}

// regions splits data at the sections named in changes, found by a plain
// reading of header lines independent of the package's scanner, and returns
// the text outside them, and the names of all sections.
func regions(data []byte, changes []Change) (untouched [][]byte, names map[string]bool) {
	changed := map[string]bool{}
	for _, ch := range changes {
		changed[ch.Section] = true
	}
	var out [][]byte
	names = map[string]bool{}
	start, in := 0, false
	for off := 0; off < len(data); {
		end := bytes.IndexByte(data[off:], '\n')
		if end < 0 {
			end = len(data)
		} else {
			end += off + 1
		}
		l := strings.TrimSpace(string(data[off:end]))
		if strings.HasPrefix(l, "[") && strings.HasSuffix(l, "]") {
			name := strings.Join(strings.Fields(l[1:len(l)-1]), " ")
			names[name] = true
			switch {
			case changed[name] && !in:
				out = append(out, data[start:off])
				in = true
			case !changed[name] && in:
				start, in = off, false
			}
		}
		off = end
	}
	if !in {
		out = append(out, data[start:])
	}
	return out, names
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t *testing.T, path string, data []byte, perm os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, data, perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil {
		t.Fatal(err)
	}
}

func writeFileErr(path string, data []byte) error {
	return os.WriteFile(path, data, 0o600)
}
