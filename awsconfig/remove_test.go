package awsconfig

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRemoveCredentialsGolden removes the credentials of the named profiles
// from testdata/NAME.ini and compares the result with testdata/NAME.golden.
// Run with -update to rewrite the golden files; review them before
// committing. The golden files show what happens to the comments around a
// removed section: they all stay.
func TestRemoveCredentialsGolden(t *testing.T) {
	tests := []struct {
		name     string
		profiles []string
	}{
		// [sts] holds only credentials and comments: its header goes, the
		// comment above it, the one below it and the one above [other]
		// stay.
		{name: "remove-comments", profiles: []string{"sts"}},
		// [sts] holds only credentials (aws-google-auth's expiry
		// included) and blank lines: it goes with its blank lines, the
		// blank line above it stays.
		{name: "remove-blank-lines", profiles: []string{"sts"}},
		// [sts] holds other keys too: it stays with them.
		{name: "remove-other-keys", profiles: []string{"sts"}},
		// CRLF, no final newline, key names in capitals: the first and
		// the last sections go; the file keeps lacking a final newline.
		{name: "remove-first-and-last", profiles: []string{"sts", "last"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := readFile(t, filepath.Join("testdata", tt.name+".ini"))
			path := filepath.Join(t.TempDir(), "credentials")
			writeFile(t, path, input, 0o600)
			for _, p := range tt.profiles {
				removed, notices, err := RemoveCredentials(path, p)
				if err != nil || !removed || len(notices) != 0 {
					t.Fatalf("RemoveCredentials(%s) = %v, %q, %v; want true, no notices, no error", p, removed, notices, err)
				}
			}
			got := readFile(t, path)
			checkGolden(t, tt.name, got)
			checkKept(t, input, got, tt.profiles)
			f, err := Load(path)
			if err != nil {
				t.Fatalf("the result does not load: %v", err)
			}
			for _, p := range tt.profiles {
				if s, _ := f.Section(p); hasCredentialKey(s) {
					t.Errorf("[%s] still holds credentials: %v", p, s)
				}
			}
		})
	}
}

// checkKept checks that the text outside the sections of profiles is in got
// byte for byte, in order: the first region at the start, the last at the
// end (less its final line terminator where the input has no final
// newline and that terminator was the file's last). What the sections left
// in between is for the golden files to show.
func checkKept(t *testing.T, input, got []byte, profiles []string) {
	t.Helper()
	var changes []Change
	for _, p := range profiles {
		changes = append(changes, Change{Section: p})
	}
	in, _ := regions(input, changes)
	endsInRegion := bytes.HasSuffix(input, in[len(in)-1])
	rest := got
	for i, r := range in {
		at := bytes.Index(rest, r)
		last := i == len(in)-1
		if at < 0 && last && !endsInRegion && !bytes.HasSuffix(input, []byte("\n")) {
			r = bytes.TrimSuffix(bytes.TrimSuffix(r, []byte("\n")), []byte("\r"))
			if at = bytes.LastIndex(rest, r); at+len(r) != len(rest) {
				at = -1
			}
		}
		switch {
		case at < 0:
			t.Errorf("untouched region %d is not in the result:\n%q", i, r)
			return
		case i == 0 && at != 0:
			t.Errorf("the result does not start with the untouched region 0:\n%q", r)
		}
		rest = rest[at+len(r):]
	}
	if endsInRegion && len(rest) != 0 {
		t.Errorf("the result goes on after the last untouched region: %q", rest)
	}
}

func hasCredentialKey(s map[string]string) bool {
	for _, k := range credentialsRemoval("x").Unset {
		if _, ok := s[k]; ok {
			return true
		}
	}
	return false
}

func TestRemoveCredentials(t *testing.T) {
	const creds = "aws_access_key_id = ASIAOLD\naws_secret_access_key = old\naws_session_token = tok\naws_security_token = tok\n" +
		"x_security_token_expires = 2020-01-01T00:00:00Z\nx_principal_arn = arn:aws:sts::111111111111:assumed-role/r/alice\n"
	tests := []struct {
		name        string
		text        string
		profile     string
		want        string
		wantRemoved bool
	}{
		{
			name:        "only section: the file is left empty",
			text:        "[sts]\n" + creds,
			profile:     "sts",
			want:        "",
			wantRemoved: true,
		},
		{
			name:        "last section: the blank line above it stays",
			text:        "[a]\nx = 1\n\n[sts]\n" + creds,
			profile:     "sts",
			want:        "[a]\nx = 1\n\n",
			wantRemoved: true,
		},
		{
			name:        "section written by a login at the end of a file",
			text:        "[a]\nx = 1\n\n[sts]\n" + creds + "\n[b]\ny = 2\n",
			profile:     "sts",
			want:        "[a]\nx = 1\n\n[b]\ny = 2\n",
			wantRemoved: true,
		},
		{
			name:        "comments above, inside and below stay",
			text:        "[a]\nx = 1\n# above\n[sts]\n# inside\n" + creds + "# below\n[b]\ny = 2\n",
			profile:     "sts",
			want:        "[a]\nx = 1\n# above\n# inside\n# below\n[b]\ny = 2\n",
			wantRemoved: true,
		},
		{
			name:        "blank lines among kept comments stay",
			text:        "[a]\nx = 1\n\n[sts]\n" + creds + "\n; about b\n\n[b]\ny = 2\n",
			profile:     "sts",
			want:        "[a]\nx = 1\n\n\n; about b\n\n[b]\ny = 2\n",
			wantRemoved: true,
		},
		{
			name:        "first section: its comments join the lines before the first section",
			text:        "; file comment\n[sts]\n" + creds + "; about b\n[b]\ny = 2\n",
			profile:     "sts",
			want:        "; file comment\n; about b\n[b]\ny = 2\n",
			wantRemoved: true,
		},
		{
			name:        "other keys keep the section",
			text:        "[sts]\nregion = eu-west-1\n" + creds + "output = json\n",
			profile:     "sts",
			want:        "[sts]\nregion = eu-west-1\noutput = json\n",
			wantRemoved: true,
		},
		{
			name:        "aws-google-auth's keys",
			text:        "[sts]\naws_access_key_id = ASIAOLD\naws_secret_access_key = old\naws_session_token = tok\naws_security_token = tok\naws_session_expiration = 2020-01-01T09:00:00+0900\n",
			profile:     "sts",
			want:        "",
			wantRemoved: true,
		},
		{
			name:        "keys in capitals, a spaced header",
			text:        "[ sts ]\nAWS_ACCESS_KEY_ID = ASIAOLD\nAws_Secret_Access_Key = old\n[b]\ny = 2\n",
			profile:     "sts",
			want:        "[b]\ny = 2\n",
			wantRemoved: true,
		},
		{
			name:        "a nested block under a removed key goes with it",
			text:        "[sts]\naws_session_token =\n  tok\nregion = x\n",
			profile:     "sts",
			want:        "[sts]\nregion = x\n",
			wantRemoved: true,
		},
		{
			name:        "no final newline",
			text:        "[a]\nx = 1\n[sts]\n# note\naws_access_key_id = ASIAOLD",
			profile:     "sts",
			want:        "[a]\nx = 1\n# note",
			wantRemoved: true,
		},
		{
			name:        "an indented comment keeps the header: it would join a nested value above",
			text:        "[a]\ns3 =\n  x = 1\n[sts]\n  # indented\naws_access_key_id = A\n",
			profile:     "sts",
			want:        "[a]\ns3 =\n  x = 1\n[sts]\n  # indented\n",
			wantRemoved: true,
		},
		{
			name:    "missing section",
			text:    "[a]\nx = 1\n",
			profile: "sts",
			want:    "[a]\nx = 1\n",
		},
		{
			name:    "section without credentials",
			text:    "[sts]\nregion = x\n",
			profile: "sts",
			want:    "[sts]\nregion = x\n",
		},
		{
			name:    "empty section is left alone",
			text:    "[sts]\n# nothing here\n\n[a]\nx = 1\n",
			profile: "sts",
			want:    "[sts]\n# nothing here\n\n[a]\nx = 1\n",
		},
		{
			name:    "the name is matched exactly",
			text:    "[profile sts]\naws_access_key_id = A\n[sts2]\naws_access_key_id = B\n",
			profile: "sts",
			want:    "[profile sts]\naws_access_key_id = A\n[sts2]\naws_access_key_id = B\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, tt.text)
			old := time.Now().Add(-time.Hour).Truncate(time.Second)
			if err := os.Chtimes(path, old, old); err != nil {
				t.Fatal(err)
			}
			removed, _, err := RemoveCredentials(path, tt.profile)
			if err != nil {
				t.Fatalf("RemoveCredentials: %v", err)
			}
			if removed != tt.wantRemoved {
				t.Errorf("removed = %v, want %v", removed, tt.wantRemoved)
			}
			if got := readFile(t, path); string(got) != tt.want {
				t.Errorf("got:\n%q\nwant:\n%q", got, tt.want)
			}
			if info, _ := os.Stat(path); !removed && !info.ModTime().Equal(old) {
				t.Errorf("nothing was removed, but the file was written")
			}
		})
	}
}

func TestRemoveCredentialsMissingFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), ".aws")
	path := filepath.Join(dir, "credentials")
	removed, notices, err := RemoveCredentials(path, "sts")
	if removed || len(notices) != 0 || err != nil {
		t.Errorf("RemoveCredentials = %v, %q, %v; want nothing removed and no error", removed, notices, err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the folder was created (%v)", err)
	}

	// A dangling symlink is a missing file too.
	link := filepath.Join(t.TempDir(), "link")
	symlink(t, path, link)
	if removed, _, err := RemoveCredentials(link, "sts"); removed || err != nil {
		t.Errorf("through a dangling link: %v, %v; want nothing removed and no error", removed, err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the link's target folder was created (%v)", err)
	}
}

func TestRemoveCredentialsLeavesUnparsableFileUntouched(t *testing.T) {
	const text = "[sts]\naws_access_key_id = A\n[sts]\naws_secret_access_key = B\n"
	path := writeTemp(t, text)
	_, _, err := RemoveCredentials(path, "sts")
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Path != path {
		t.Fatalf("RemoveCredentials error = %v, want a *ParseError for %s", err, path)
	}
	if got := readFile(t, path); string(got) != text {
		t.Errorf("content changed to %q", got)
	}
}

func TestRemoveCredentialsTightensMode(t *testing.T) {
	path := writeTemp(t, "[sts]\naws_access_key_id = A\n")
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	removed, notices, err := RemoveCredentials(path, "sts")
	if err != nil || !removed {
		t.Fatalf("RemoveCredentials = %v, %v", removed, err)
	}
	if got := mode(t, path); got != 0o600 || len(notices) != 1 || !strings.Contains(notices[0], "0644 to 0600") {
		t.Errorf("mode = %04o, notices = %q; want 0600 and one notice", got, notices)
	}
}

func TestUpdatePrune(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		changes []Change
		want    string
	}{
		{
			name:    "without Prune the header stays",
			text:    "[a]\nx = 1\n[b]\ny = 2\n",
			changes: []Change{{Section: "a", Unset: []string{"x"}}},
			want:    "[a]\n[b]\ny = 2\n",
		},
		{
			name:    "Set keeps the section",
			text:    "[a]\nx = 1\n[b]\ny = 2\n",
			changes: []Change{{Section: "a", Set: []KV{{"z", "3"}}, Unset: []string{"x"}, Prune: true}},
			want:    "[a]\nz = 3\n[b]\ny = 2\n",
		},
		{
			name:    "pruned, then set again: the section comes back at the end",
			text:    "[a]\nx = 1\n[b]\ny = 2\n",
			changes: []Change{{Section: "a", Unset: []string{"x"}, Prune: true}, {Section: "a", Set: []KV{{"x", "2"}}}},
			want:    "[b]\ny = 2\n\n[a]\nx = 2\n",
		},
		{
			name: "two sections in a row pruned",
			text: "[a]\nw = 0\n\n[b]\n# b\nx = 1\n\n[c]\n; c\ny = 2\n\n[d]\nz = 3\n",
			changes: []Change{
				{Section: "b", Unset: []string{"x"}, Prune: true},
				{Section: "c", Unset: []string{"y"}, Prune: true},
			},
			want: "[a]\nw = 0\n\n# b\n\n; c\n\n[d]\nz = 3\n",
		},
		{
			name:    "every section pruned",
			text:    "# file\n[a]\nx = 1\n\n[b]\ny = 2\n",
			changes: []Change{{Section: "b", Unset: []string{"y"}, Prune: true}, {Section: "a", Unset: []string{"x"}, Prune: true}},
			want:    "# file\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkUpdate(t, tt.text, tt.changes, tt.want) })
	}
}

func TestVerifyCatchesWrongPrunes(t *testing.T) {
	checkVerify(t, "# top\n[a]\nx = 1\n\n# about b\n[b]\n# b\ny = 2\n; about c\n[c]\nz = 3\n",
		[]Change{{Section: "b", Unset: []string{"y"}, Prune: true}},
		"# top\n[a]\nx = 1\n\n# about b\n# b\n; about c\n[c]\nz = 3\n", []namedEdit{
			{"not pruned", "# top\n[a]\nx = 1\n\n# about b\n[b]\n# b\n; about c\n[c]\nz = 3\n"},
			{"a kept comment lost", "# top\n[a]\nx = 1\n\n# about b\n# b\n[c]\nz = 3\n"},
			{"a key of the section before changed", "# top\n[a]\nx = 2\n\n# about b\n# b\n; about c\n[c]\nz = 3\n"},
			{"the section before gained a key", "# top\n[a]\nx = 1\n\n# about b\n# b\nw = 0\n; about c\n[c]\nz = 3\n"},
			{"the section before lost a line", "# top\n[a]\n\n# about b\n# b\n; about c\n[c]\nz = 3\n"},
			{"the lines before the first section changed", "[a]\nx = 1\n\n# about b\n# b\n; about c\n[c]\nz = 3\n"},
			{"the section after changed", "# top\n[a]\nx = 1\n\n# about b\n# b\n; about c\n[c]\n# new\nz = 3\n"},
			{"another section pruned", "# top\n[a]\nx = 1\n\n# about b\n# b\n; about c\n"},
		})
}
