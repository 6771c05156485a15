package awsconfig

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gofrs/flock"
)

func TestUpdateCreates(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "home", ".aws")
	path := filepath.Join(dir, "credentials")
	notices, err := Update(path, []Change{CredentialsChange("sts", testCreds(1))}, UpdateOptions{Private: true})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if len(notices) != 0 {
		t.Errorf("notices = %q, want none", notices)
	}
	if got := mode(t, path); got != 0o600 {
		t.Errorf("file mode = %04o, want 0600", got)
	}
	if got := mode(t, dir); got != 0o700 {
		t.Errorf("folder mode = %04o, want 0700", got)
	}
	if got := mode(t, path+".lock"); got != 0o600 {
		t.Errorf("lock file mode = %04o, want 0600", got)
	}
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := ReadCredentials(f, "sts")
	if want := testCreds(1); !ok || got != want {
		t.Errorf("ReadCredentials = %+v, %v; want %+v", got, ok, want)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func TestUpdateModes(t *testing.T) {
	tests := []struct {
		name       string
		perm       fs.FileMode
		private    bool
		wantPerm   fs.FileMode
		wantNotice string
	}{
		{"private file loose mode is tightened", 0o644, true, 0o600, "from 0644 to 0600"},
		{"private file group-readable is tightened", 0o640, true, 0o600, "from 0640 to 0600"},
		{"private file 0600 stays", 0o600, true, 0o600, ""},
		{"private file stricter mode stays", 0o400, true, 0o400, ""},
		{"config file keeps its mode", 0o644, false, 0o644, ""},
		{"config file keeps a strict mode", 0o600, false, 0o600, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.perm&0o200 == 0 && os.Getuid() != 0 {
				t.Skip("the file is read-only, which only root may replace")
			}
			path := writeTemp(t, "[a]\nx = 1\n")
			if err := os.Chmod(path, tt.perm); err != nil {
				t.Fatal(err)
			}
			notices, err := Update(path, []Change{{Section: "a", Set: []KV{{"x", "2"}}}}, UpdateOptions{Private: tt.private})
			if err != nil {
				t.Fatalf("Update: %v", err)
			}
			if got := mode(t, path); got != tt.wantPerm {
				t.Errorf("mode = %04o, want %04o", got, tt.wantPerm)
			}
			switch {
			case tt.wantNotice == "" && len(notices) != 0:
				t.Errorf("notices = %q, want none", notices)
			case tt.wantNotice != "" && (len(notices) != 1 || !strings.Contains(notices[0], tt.wantNotice) || !strings.Contains(notices[0], path)):
				t.Errorf("notices = %q, want one naming %s and saying %q", notices, path, tt.wantNotice)
			}
		})
	}
}

func TestUpdateTightensWithoutContentChange(t *testing.T) {
	path := writeTemp(t, "[a]\nx = 1\n")
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	notices, err := Update(path, []Change{{Section: "a", Set: []KV{{"x", "1"}}}}, UpdateOptions{Private: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := mode(t, path); got != 0o600 || len(notices) != 1 {
		t.Errorf("mode = %04o, notices = %q; want 0600 and one notice", got, notices)
	}
}

func TestUpdateNoChangeDoesNotWrite(t *testing.T) {
	path := writeTemp(t, "[a]\nx = 1\n")
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Stat(path)
	changes := []Change{
		{Section: "a", Set: []KV{{"x", "1"}}, Unset: []string{"nope"}},
		{Section: "missing", Unset: []string{"y"}},
	}
	if _, err := Update(path, changes, UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(path)
	if !os.SameFile(before, after) || !after.ModTime().Equal(old) {
		t.Error("a no-op update replaced the file")
	}
}

func TestUpdateSymlinks(t *testing.T) {
	tests := []struct {
		name string
		// setup makes the link at dir/link and returns the file it finally
		// points to.
		setup func(t *testing.T, dir string) string
	}{
		{"absolute", func(t *testing.T, dir string) string {
			target := filepath.Join(dir, "real", "credentials")
			mkdir(t, filepath.Dir(target))
			writeFile(t, target, []byte("[keep]\nx = 1\n"), 0o600)
			symlink(t, target, filepath.Join(dir, "link"))
			return target
		}},
		{"relative, in a chain", func(t *testing.T, dir string) string {
			target := filepath.Join(dir, "dotfiles", "aws", "credentials")
			mkdir(t, filepath.Dir(target))
			writeFile(t, target, []byte("[keep]\nx = 1\n"), 0o600)
			symlink(t, "aws/credentials", filepath.Join(dir, "dotfiles", "middle"))
			symlink(t, "dotfiles/middle", filepath.Join(dir, "link"))
			return target
		}},
		{"dangling", func(t *testing.T, dir string) string {
			target := filepath.Join(dir, "elsewhere", "credentials")
			symlink(t, target, filepath.Join(dir, "link"))
			return target
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			target := tt.setup(t, dir)
			link := filepath.Join(dir, "link")
			if _, err := Update(link, []Change{CredentialsChange("sts", testCreds(1))}, UpdateOptions{Private: true}); err != nil {
				t.Fatalf("Update: %v", err)
			}
			info, err := os.Lstat(link)
			if err != nil || info.Mode()&fs.ModeSymlink == 0 {
				t.Fatalf("%s is no longer a symlink (%v)", link, err)
			}
			f, err := Load(target)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := ReadCredentials(f, "sts"); !ok {
				t.Errorf("the credentials were not written to the target %s", target)
			}
			if _, err := os.Stat(target + ".lock"); err != nil {
				t.Errorf("no lock file beside the target: %v", err)
			}
			if _, err := os.Lstat(link + ".lock"); err == nil {
				t.Errorf("a lock file beside the link")
			}
		})
	}
}

func TestUpdateLeavesUnparsableFileUntouched(t *testing.T) {
	const text = "[a]\nx = 1\n[a]\ny = 2\n"
	path := writeTemp(t, text)
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Stat(path)

	_, err := Update(path, []Change{CredentialsChange("sts", testCreds(1))}, UpdateOptions{Private: true})
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Path != path {
		t.Fatalf("Update error = %v, want a *ParseError for %s", err, path)
	}
	after, _ := os.Stat(path)
	if got := readFile(t, path); string(got) != text {
		t.Errorf("content changed to %q", got)
	}
	if !os.SameFile(before, after) || after.Mode() != before.Mode() || !after.ModTime().Equal(old) {
		t.Errorf("file replaced or its mode or time changed: mode %v, mtime %v", after.Mode(), after.ModTime())
	}
}

func TestUpdateRefuses(t *testing.T) {
	tests := []struct {
		name   string
		change Change
		want   string
	}{
		{"newline in value", Change{Section: "a", Set: []KV{{"x", "one\ntwo"}}}, "value of x contains a line break"},
		{"carriage return", Change{Section: "a", Set: []KV{{"x", "one\rtwo"}}}, "line break"},
		{"control character", Change{Section: "a", Set: []KV{{"x", "a\x00b"}}}, "control character"},
		{"leading space", Change{Section: "a", Set: []KV{{"x", " v"}}}, "white space"},
		{"trailing tab", Change{Section: "a", Set: []KV{{"x", "v\t"}}}, "white space"},
		{"trailing no-break space", Change{Section: "a", Set: []KV{{"x", "v\u00a0"}}}, "white space"},
		{"empty value", Change{Section: "a", Set: []KV{{"x", ""}}}, "Unset"},
		{"inline comment for Go SDK", Change{Section: "a", Set: []KV{{"x", "cmd # note"}}}, "comment"},
		{"leading semicolon", Change{Section: "a", Set: []KV{{"x", ";v"}}}, "comment"},
		{"quoted", Change{Section: "a", Set: []KV{{"x", `"v"`}}}, "quotes"},
		{"backquote", Change{Section: "a", Set: []KV{{"x", "`v"}}}, "quote"},
		{"not UTF-8", Change{Section: "a", Set: []KV{{"x", "\xff"}}}, "UTF-8"},
		{"bad key", Change{Section: "a", Set: []KV{{"X", "v"}}}, "key name"},
		{"key with =", Change{Section: "a", Set: []KV{{"x=y", "v"}}}, "key name"},
		{"key set twice", Change{Section: "a", Set: []KV{{"x", "1"}, {"x", "2"}}}, "set twice"},
		{"set and unset", Change{Section: "a", Set: []KV{{"x", "1"}}, Unset: []string{"x"}}, "both set and removed"},
		{"empty section", Change{Section: "", Set: []KV{{"x", "1"}}}, "empty section"},
		{"bracket in section", Change{Section: "a]b", Set: []KV{{"x", "1"}}}, "header"},
		{"spaced section", Change{Section: " a", Set: []KV{{"x", "1"}}}, "spaces"},
		{"DEFAULT", Change{Section: "DEFAULT", Set: []KV{{"x", "1"}}}, "DEFAULT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const text = "[a]\nx = 1\n"
			path := writeTemp(t, text)
			_, err := Update(path, []Change{tt.change}, UpdateOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Update error = %v, want one containing %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file", err)
			}
			if got := readFile(t, path); string(got) != text {
				t.Errorf("file changed to %q", got)
			}
		})
	}
}

func TestUpdateValuesReadBack(t *testing.T) {
	values := []string{
		"a#b", "a;b", "x = y", "key: value", "[not a section]", `C:\Users\alice`, `ends with \`,
		`"/path with space/helper" --flag`, "it's", "tab\tinside", "ユーザー@example.com", "%(interp)s",
		"arn:aws:iam::111111111111:role/a,arn:aws:iam::111111111111:saml-provider/b",
	}
	path := writeTemp(t, "[a]\nx = 1\n")
	var set []KV
	for i, v := range values {
		set = append(set, KV{Key: "k" + string(rune('a'+i)), Value: v})
	}
	if _, err := Update(path, []Change{{Section: "a", Set: set}}, UpdateOptions{}); err != nil {
		t.Fatalf("Update: %v", err)
	}
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := f.Section("a")
	for _, kv := range set {
		if got[kv.Key] != kv.Value {
			t.Errorf("%s = %q, want %q", kv.Key, got[kv.Key], kv.Value)
		}
	}
}

func TestUpdateErrorsNamePathAndReason(t *testing.T) {
	dir := t.TempDir()
	notADir := filepath.Join(dir, "file")
	writeFile(t, notADir, []byte("x"), 0o600)
	tests := []struct {
		name       string
		path       string
		wantReason string
		rootless   bool // only without root, which may write anywhere
	}{
		{"folder is a file", filepath.Join(notADir, "credentials"), "not a directory", false},
		{"target is a folder", dir, "not a regular file", false},
		{"folder not writable", readOnlyDir(t, false), "permission denied", true},
		{"file not writable", readOnlyFile(t), "permission denied", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.rootless && os.Getuid() == 0 {
				t.Skip("root may write anyway; TestUpdateAsOtherUser covers this as nobody")
			}
			_, err := Update(tt.path, []Change{{Section: "a", Set: []KV{{"x", "1"}}}}, UpdateOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.path) || !strings.Contains(err.Error(), tt.wantReason) {
				t.Errorf("Update error = %v, want one naming %s and saying %q", err, tt.path, tt.wantReason)
			}
		})
	}
}

// readOnlyDir returns a path in a folder no one but root may write to. With
// open, others may enter it.
func readOnlyDir(t *testing.T, open bool) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "ro")
	mkdir(t, dir)
	writeFile(t, filepath.Join(dir, "credentials"), []byte("[a]\nx = 0\n"), 0o666)
	perm := fs.FileMode(0o500)
	if open {
		perm = 0o555
	}
	if err := os.Chmod(dir, perm); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
	return filepath.Join(dir, "credentials")
}

func readOnlyFile(t *testing.T) string {
	t.Helper()
	path := writeTemp(t, "[a]\nx = 0\n")
	if err := os.Chmod(path, 0o400); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestUpdateLockTimeout(t *testing.T) {
	path := writeTemp(t, "[a]\nx = 1\n")
	held := flock.New(path + ".lock")
	if err := held.Lock(); err != nil {
		t.Fatal(err)
	}
	defer held.Unlock()
	start := time.Now()
	_, err := Update(path, []Change{{Section: "a", Set: []KV{{"x", "2"}}}}, UpdateOptions{LockTimeout: 100 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "still held") {
		t.Fatalf("Update error = %v, want a lock timeout", err)
	}
	if d := time.Since(start); d < 100*time.Millisecond || d > 5*time.Second {
		t.Errorf("gave up after %v, want about 100ms", d)
	}
	if got := readFile(t, path); string(got) != "[a]\nx = 1\n" {
		t.Errorf("file changed to %q without the lock", got)
	}
}

func TestUpdateSeveralChangesToOneSection(t *testing.T) {
	path := writeTemp(t, "[a]\nx = 1\ny = 2\n")
	changes := []Change{
		{Section: "a", Set: []KV{{"z", "3"}}},
		{Section: "a", Set: []KV{{"x", "10"}}, Unset: []string{"y"}},
		{Section: "b", Set: []KV{{"w", "4"}}},
		{Section: "b", Set: []KV{{"w", "5"}}},
	}
	if _, err := Update(path, changes, UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	const want = "[a]\nx = 10\nz = 3\n\n[b]\nw = 5\n"
	if got := readFile(t, path); string(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestEditStyle(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		change Change
		want   string
	}{
		{
			name:   "empty value gets a space after =",
			text:   "[a]\nx =\ny=\n",
			change: Change{Section: "a", Set: []KV{{"x", "1"}, {"y", "2"}}},
			want:   "[a]\nx = 1\ny=2\n",
		},
		{
			name:   "added keys copy the section's spacing",
			text:   "[a]\nx=1\n",
			change: Change{Section: "a", Set: []KV{{"y", "2"}}},
			want:   "[a]\nx=1\ny=2\n",
		},
		{
			name:   "added keys copy indentation",
			text:   "[a]\n    x = 1\n\n[b]\n",
			change: Change{Section: "a", Set: []KV{{"y", "2"}}},
			want:   "[a]\n    x = 1\n    y = 2\n\n[b]\n",
		},
		{
			name:   "added keys are not indented after a nested block",
			text:   "[a]\ns3 =\n  max = 1\n",
			change: Change{Section: "a", Set: []KV{{"y", "2"}}},
			want:   "[a]\ns3 =\n  max = 1\ny = 2\n",
		},
		{
			name:   "added keys go before trailing comments and blank lines",
			text:   "[a]\nx = 1\n\n# about b\n[b]\ny = 2\n",
			change: Change{Section: "a", Set: []KV{{"z", "3"}}},
			want:   "[a]\nx = 1\nz = 3\n\n# about b\n[b]\ny = 2\n",
		},
		{
			name:   "key in a section without keys goes after the header",
			text:   "[a]\n# note\n\n[b]\n",
			change: Change{Section: "a", Set: []KV{{"z", "3"}}},
			want:   "[a]\nz = 3\n# note\n\n[b]\n",
		},
		{
			name:   "uppercase key replaced in place",
			text:   "[a]\nAWS_ACCESS_KEY_ID = old\n",
			change: Change{Section: "a", Set: []KV{{"aws_access_key_id", "new"}}},
			want:   "[a]\nAWS_ACCESS_KEY_ID = new\n",
		},
		{
			name:   "unset removes the nested block and what is inside it",
			text:   "[a]\ns3 =\n  x = 1\n\n  # c\n  y = 2\nz = 3\n",
			change: Change{Section: "a", Unset: []string{"s3"}},
			want:   "[a]\nz = 3\n",
		},
		{
			name:   "new section after a blank last line adds no second blank line",
			text:   "[a]\nx = 1\n\n",
			change: Change{Section: "b", Set: []KV{{"y", "2"}}},
			want:   "[a]\nx = 1\n\n[b]\ny = 2\n",
		},
		{
			name:   "section with spaces in its header is updated in place",
			text:   "[ profile x ]\nregion = a\n",
			change: Change{Section: "profile x", Set: []KV{{"region", "b"}}},
			want:   "[ profile x ]\nregion = b\n",
		},
		{
			name:   "unset the only line of a file without final newline",
			text:   "[a]\nx = 1",
			change: Change{Section: "a", Unset: []string{"x"}},
			want:   "[a]",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkUpdate(t, tt.text, []Change{tt.change}, tt.want) })
	}
}

// checkUpdate writes text to a file, applies changes with Update and checks
// that the file then holds want.
func checkUpdate(t *testing.T, text string, changes []Change, want string) {
	t.Helper()
	path := writeTemp(t, text)
	if _, err := Update(path, changes, UpdateOptions{}); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if got := readFile(t, path); string(got) != want {
		t.Errorf("got:\n%q\nwant:\n%q", got, want)
	}
}

func TestVerifyCatchesWrongEdits(t *testing.T) {
	checkVerify(t, "[a]\nx = 1\n[b]\ny = 2\n", []Change{{Section: "a", Set: []KV{{"x", "2"}}}},
		"[a]\nx = 2\n[b]\ny = 2\n", []namedEdit{
			{"changed key not written", "[a]\nx = 1\n[b]\ny = 2\n"},
			{"other section changed", "[a]\nx = 2\n[b]\ny = 3\n"},
			{"extra key", "[a]\nx = 2\nw = 0\n[b]\ny = 2\n"},
			{"section lost", "[a]\nx = 2\n"},
			{"sections reordered", "[b]\ny = 2\n[a]\nx = 2\n"},
			{"does not parse", "[a]\nx = 2\n[a]\n"},
			{"untouched section changed in a way values do not show", "[a]\nx = 2\n[b]\n# new comment\ny = 2\n"},
		})
}

// namedEdit is the content of a file after an edit, named for a subtest.
type namedEdit struct{ name, data string }

// checkVerify checks that verify accepts right as text edited with
// changes, and refuses every one of wrong.
func checkVerify(t *testing.T, text string, changes []Change, right string, wrong []namedEdit) {
	t.Helper()
	old, err := scan(text)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range wrong {
		t.Run(tt.name, func(t *testing.T) {
			if err := verify("f", old, tt.data, changes); err == nil {
				t.Error("verify accepted a wrong edit")
			}
		})
	}
	if err := verify("f", old, right, changes); err != nil {
		t.Errorf("verify refused the right edit: %v", err)
	}
}

func TestUpdateKeepsBytesAroundEdit(t *testing.T) {
	// Every byte outside section [sts] of a file full of oddities survives.
	head := "# top comment\r\n;\tanother\n\n[default]\n  aws_secret_access_key  =  s e c r e t  \naws_access_key_id=AKIA#1;x\n\t\n"
	tail := "\n; about other\n[ other ]\nkey: value # kept\n\n\n[profile x]\ns3 =\n  a = 1\n# end, no final newline"
	path := writeTemp(t, head+"[sts]\naws_access_key_id = old\n"+tail)
	if _, err := Update(path, []Change{CredentialsChange("sts", testCreds(9))}, UpdateOptions{Private: true}); err != nil {
		t.Fatal(err)
	}
	got := readFile(t, path)
	if !bytes.HasPrefix(got, []byte(head+"[sts]\n")) || !bytes.HasSuffix(got, []byte(tail)) {
		t.Errorf("bytes outside [sts] changed:\n%q", got)
	}
}

func mode(t *testing.T, path string) fs.FileMode {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Mode().Perm()
}

func mkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, oldname, newname string) {
	t.Helper()
	if err := os.Symlink(oldname, newname); err != nil {
		t.Skipf("symlinks not available: %v", err)
	}
}
