package awsconfig

import (
	"errors"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestDefaultPaths(t *testing.T) {
	const home = "/home/alice"
	tests := []struct {
		name string
		env  map[string]string
		want Paths
	}{
		{
			name: "no environment",
			want: Paths{Config: "/home/alice/.aws/config", Credentials: "/home/alice/.aws/credentials"},
		},
		{
			name: "absolute paths",
			env:  map[string]string{"AWS_CONFIG_FILE": "/etc/aws/config", "AWS_SHARED_CREDENTIALS_FILE": "/run/creds"},
			want: Paths{Config: "/etc/aws/config", Credentials: "/run/creds"},
		},
		{
			name: "tilde",
			env:  map[string]string{"AWS_CONFIG_FILE": "~/aws/config", "AWS_SHARED_CREDENTIALS_FILE": "~"},
			want: Paths{Config: "/home/alice/aws/config", Credentials: "/home/alice"},
		},
		{
			name: "variables, then tilde",
			env: map[string]string{
				"AWS_CONFIG_FILE":             "$XDG_CONFIG_HOME/aws/config",
				"AWS_SHARED_CREDENTIALS_FILE": "${WHERE}/creds",
				"XDG_CONFIG_HOME":             "/home/alice/.config",
				"WHERE":                       "~/secret",
			},
			want: Paths{Config: "/home/alice/.config/aws/config", Credentials: "/home/alice/secret/creds"},
		},
		{
			name: "unknown variables and ~user stay as written",
			env:  map[string]string{"AWS_CONFIG_FILE": "$NOPE/config", "AWS_SHARED_CREDENTIALS_FILE": "~bob/creds"},
			want: Paths{Config: "$NOPE/config", Credentials: "~bob/creds"},
		},
		{
			name: "relative paths stay relative",
			env:  map[string]string{"AWS_CONFIG_FILE": "aws/config", "AWS_SHARED_CREDENTIALS_FILE": "$/creds"},
			want: Paths{Config: "aws/config", Credentials: "$/creds"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DefaultPaths(home, func(k string) string { return tt.env[k] })
			if got != tt.want {
				t.Errorf("DefaultPaths() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	f, err := Load(filepath.Join(t.TempDir(), "nope"))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got := f.SectionNames(); len(got) != 0 {
		t.Errorf("SectionNames() = %q, want none", got)
	}
	if _, ok := f.Section("default"); ok {
		t.Error("Section(default) found in a missing file")
	}
}

func TestLoad(t *testing.T) {
	tests := []struct {
		name string
		text string
		want map[string]map[string]string // in file order: see names
		// names is the wanted SectionNames.
		names []string
	}{
		{
			name:  "comments and blank lines",
			text:  "# top\n; also\n\n[a]\n# inside\n  ; indented\nx = 1\n\n",
			names: []string{"a"},
			want:  map[string]map[string]string{"a": {"x": "1"}},
		},
		{
			name:  "hash and semicolon in values are kept",
			text:  "[a]\nx = v # not a comment ;nor this\ny = a#b;c\n[b] # a header comment\nz=1\n",
			names: []string{"a", "b"},
			want:  map[string]map[string]string{"a": {"x": "v # not a comment ;nor this", "y": "a#b;c"}, "b": {"z": "1"}},
		},
		{
			name:  "odd spacing, colons, case",
			text:  "[a]\n  y  =  2  \n\tz\t=\t3\nx=1\nw: 4\nUPPER = 5\nempty =\n",
			names: []string{"a"},
			want:  map[string]map[string]string{"a": {"x": "1", "y": "2", "z": "3", "w": "4", "upper": "5", "empty": ""}},
		},
		{
			name:  "quotes and backslashes are kept",
			text:  "[a]\nx = \"q\"\ny = 'q'\nz = ends with \\\n",
			names: []string{"a"},
			want:  map[string]map[string]string{"a": {"x": `"q"`, "y": "'q'", "z": `ends with \`}},
		},
		{
			name:  "nested values",
			text:  "[default]\ns3 =\n  max_concurrent_requests = 10\n  # comment\n\n  max_queue_size = 1000\nregion = x\n",
			names: []string{"default"},
			want: map[string]map[string]string{"default": {
				"s3":     "\nmax_concurrent_requests = 10\nmax_queue_size = 1000",
				"region": "x",
			}},
		},
		{
			name:  "section names are trimmed",
			text:  "\t[default]\nc = 3\n[ profile x ]\na = 1\n[profile   y]\nb = 2\n",
			names: []string{"default", "profile x", "profile y"},
			want:  map[string]map[string]string{"profile x": {"a": "1"}, "profile y": {"b": "2"}, "default": {"c": "3"}},
		},
		{
			name:  "CRLF and no final newline",
			text:  "[a]\r\nx = 1\r\n\r\n[b]\r\ny = 2",
			names: []string{"a", "b"},
			want:  map[string]map[string]string{"a": {"x": "1"}, "b": {"y": "2"}},
		},
		{
			name:  "empty section",
			text:  "[a]\n[b]\nx=1\n",
			names: []string{"a", "b"},
			want:  map[string]map[string]string{"a": {}, "b": {"x": "1"}},
		},
		{
			name:  "empty file",
			text:  "",
			names: nil,
			want:  map[string]map[string]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := parse("file", tt.text)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if got := f.SectionNames(); !slices.Equal(got, tt.names) {
				t.Errorf("SectionNames() = %q, want %q", got, tt.names)
			}
			for name, want := range tt.want {
				got, ok := f.Section(name)
				if !ok || !maps.Equal(got, want) {
					t.Errorf("Section(%q) = %q, %v; want %q", name, got, ok, want)
				}
			}
		})
	}
}

func TestLoadParseError(t *testing.T) {
	tests := []struct {
		name string
		text string
		want string // in the error
	}{
		{"repeated section", "[a]\nx=1\n[b]\n[a]\ny=2\n", "line 4: section [a] appears again (first on line 1)"},
		{"repeated section, other spacing", "[profile a]\n[ profile  a ]\n", "line 2: section [profile a] appears again"},
		{"two repeated sections: the first repeat", "[b]\n[a]\n[c]\n[a]\n[b]\n[a]\n", "line 4: section [a] appears again (first on line 2)"},
		{"repeated section before a bad line", "[a]\n[a]\nnonsense\n", "line 2: section [a] appears again (first on line 1)"},
		{"bad line before a repeated section", "[a]\nnonsense\n[a]\n", "line 2: neither a [section] header nor a key = value line"},
		{"repeated key", "[a]\nx=1\nX = 2\n", "line 3: key x appears again in [a] (first on line 2)"},
		{"key before any section", "x = 1\n[a]\n", "line 1: key outside any [section]"},
		{"line without =", "[a]\nx = 1\nsecretvalue\n", "line 3: neither a [section] header nor a key = value line"},
		{"no key name", "[a]\n= 1\n", "line 2: key name missing"},
		{"unclosed header", "[a]\n[b\n", "line 2: section header without a closing ]"},
		{"empty header", "[a]\n[ ]\n", "line 2: section header without a name"},
		{"byte-order mark", "\ufeff[a]\n", "line 1: the file starts with a byte-order mark"},
		{"not UTF-8", "[a]\nx = 1\ny = \xff\n", "line 3: not valid UTF-8"},
		{"triple quotes", "[a]\nx = \"\"\"one\ny = 2\"\"\"\n", "line 2: values starting with"},
		{"DEFAULT section", "[DEFAULT]\nregion = x\n[a]\n", "line 1: section [DEFAULT] gives its keys to every other section"},
		{"quoted key", "[a]\n\"x\" = 1\n", "line 2: quoted key names"},
		{"continuation line of a value", "[a]\nx = 1\n   more text\n", "line 3: indented deeper than the key above it"},
		{"indented key after a key with a value", "[a]\nx = 1\n\n  y = 2\n", "line 4: indented deeper than the key above it"},
		{"indented header after a key", "[a]\nx = 1\n  [b]\n", "line 3: indented deeper"},
		{"nested block not deeper than its key", "[a]\n  s3 =\n  max = 1\n", "line 3: indented no deeper than the key above it"},
		{"nested block with a tab, less indented", "[a]\n  s3 =\n\tmax = 1\n", "line 3: indented no deeper"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(writeTemp(t, tt.text))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Load error = %v, want a *ParseError", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) {
				t.Errorf("error %q does not contain %q", msg, tt.want)
			}
			if !strings.Contains(msg, pe.Path) || !strings.Contains(msg, "fix it by hand") {
				t.Errorf("error %q does not name the file and say to fix it by hand", msg)
			}
			if strings.Contains(msg, "secretvalue") {
				t.Errorf("error %q quotes the file's content", msg)
			}
		})
	}
}

func TestProfile(t *testing.T) {
	tests := []struct {
		name        string
		text        string
		profile     string
		wantSection string
		want        map[string]string
		wantOK      bool
	}{
		{"default", "[default]\nregion = a\n", "default", "default", map[string]string{"region": "a"}, true},
		{"profile default wins", "[profile default]\nregion = b\n[default]\nregion = a\n", "default", "profile default", map[string]string{"region": "b"}, true},
		{"named profile", "[profile x]\nregion = c\n", "x", "profile x", map[string]string{"region": "c"}, true},
		{"spaced header", "[ profile  x ]\nregion = c\n", "x", "profile x", map[string]string{"region": "c"}, true},
		{"bare name is not a profile in config", "[x]\nregion = c\n", "x", "profile x", nil, false},
		{"missing", "[default]\n", "sts", "profile sts", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := parse("config", tt.text)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.ProfileSection(tt.profile); got != tt.wantSection {
				t.Errorf("ProfileSection(%q) = %q, want %q", tt.profile, got, tt.wantSection)
			}
			got, ok := f.Profile(tt.profile)
			if ok != tt.wantOK || !maps.Equal(got, tt.want) {
				t.Errorf("Profile(%q) = %q, %v; want %q, %v", tt.profile, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestConfigSection(t *testing.T) {
	for profile, want := range map[string]string{"default": "default", "sts": "profile sts", "from_fumidai": "profile from_fumidai"} {
		if got := ConfigSection(profile); got != want {
			t.Errorf("ConfigSection(%q) = %q, want %q", profile, got, want)
		}
	}
}

func TestSectionReturnsACopy(t *testing.T) {
	f, err := parse("f", "[a]\nx = 1\n")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := f.Section("a")
	m["x"] = "changed"
	if got, _ := f.Section("a"); got["x"] != "1" {
		t.Errorf("changing the returned map changed the File: x = %q", got["x"])
	}
}

func writeTemp(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "file")
	writeFile(t, path, []byte(text), 0o600)
	return path
}
