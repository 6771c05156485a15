package awsconfig

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"unicode"

	"gopkg.in/ini.v1"
)

// ParseError reports a file that cannot be read as the AWS CLI reads it.
// Update never rewrites such a file: it is left exactly as it was.
type ParseError struct {
	// Path is the file.
	Path string
	// Err says what is wrong and, where known, on which line. It never
	// quotes the file's content, which may hold secrets.
	Err error
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%s does not parse: %v; fix it by hand", e.Path, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// NotFileError reports a path that is there but is no regular file (a
// FIFO, a device, a folder): awsfed neither reads nor replaces it, so that
// it never blocks on a FIFO nor swaps a device for a file.
type NotFileError struct {
	Path string
	// What it is instead: "a folder", "a named pipe (FIFO)", "a device", …
	What string
}

func (e *NotFileError) Error() string {
	return fmt.Sprintf("%s is %s, not a regular file; point AWS_CONFIG_FILE or AWS_SHARED_CREDENTIALS_FILE at a file", e.Path, e.What)
}

// AccessError reports a file, or its folder, that the user awsfed runs as
// may not read or write (permission denied). Nothing was written: callers
// say so in their own words.
type AccessError struct {
	Path string
	// Op is what was refused: "read" the file, "write" it, or "create"
	// a file in its folder.
	Op  string
	Err error
}

func (e *AccessError) Error() string {
	switch e.Op {
	case "write":
		return fmt.Sprintf("cannot write %s: permission denied: this user may not write it; fix its owner or mode", e.Path)
	case "create":
		return fmt.Sprintf("cannot write %s: permission denied: this user may not create files in its folder; fix the folder's owner or mode", e.Path)
	}
	return fmt.Sprintf("cannot read %s: permission denied: this user may not read it; fix its owner or mode", e.Path)
}

func (e *AccessError) Unwrap() error { return e.Err }

// checkRegular returns a *NotFileError when path (its target, for a
// symbolic link) exists and is not a regular file, without opening it.
func checkRegular(path string) error {
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().IsRegular() {
		return nil // a missing file is empty; other errors show on reading
	}
	what := "a special file"
	switch m := fi.Mode(); {
	case m.IsDir():
		what = "a folder"
	case m&fs.ModeNamedPipe != 0:
		what = "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		what = "a socket"
	case m&fs.ModeDevice != 0:
		what = "a device"
	}
	return &NotFileError{Path: path, What: what}
}

// File is the parsed content of a config or credentials file: sections in
// file order, each its keys (lowercased) and values. A File is not changed
// by Update; load the file again to see a write. Its strings share the
// file's text, and its sections one array of keys, so that a large file
// takes little more memory than its text.
type File struct {
	names    []string
	sections []Section
	at       map[string]int32 // name -> index in names and sections
}

// Section is the keys (lowercased) and values of one section, in file
// order; keys are not repeated.
type Section []KV

// Lookup returns key's value, and whether the section has the key.
func (s Section) Lookup(key string) (string, bool) {
	for _, kv := range s {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return "", false
}

// Get returns key's value, or "" when the section has no such key.
func (s Section) Get(key string) string {
	v, _ := s.Lookup(key)
	return v
}

// Map returns the section as a new map from key to value.
func (s Section) Map() map[string]string {
	m := make(map[string]string, len(s))
	for _, kv := range s {
		m[kv.Key] = kv.Value
	}
	return m
}

// loadOptions read a file as botocore's configparser does, as far as
// gopkg.in/ini.v1 allows: full-line comments start with # or ; (after any
// indentation), a # or ; inside a value is part of the value (botocore sets
// no inline comment prefixes), quotes are kept, a trailing backslash is
// kept, key names are case-insensitive and section names are not, and an
// indented block under a key with an empty value is that key's nested value.
func loadOptions() ini.LoadOptions {
	return ini.LoadOptions{
		InsensitiveKeys:         true,
		IgnoreContinuation:      true,
		IgnoreInlineComment:     true,
		PreserveSurroundedQuote: true,
		AllowNestedValues:       true,
		KeyValueDelimiters:      "=:",
	}
}

// Load reads the config or credentials file at path. A missing file is an
// empty File. A file that does not parse gives a *ParseError naming it; a
// path that is no regular file, a *NotFileError, at once.
func Load(path string) (*File, error) {
	if err := checkRegular(path); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &File{}, nil
	case errors.Is(err, fs.ErrPermission):
		return nil, &AccessError{Path: path, Op: "read", Err: fs.ErrPermission}
	case err != nil:
		return nil, err
	}
	defer f.Close()
	var size int64
	if info, err := f.Stat(); err == nil {
		size = info.Size()
	}
	text, err := readString(f, size)
	if err != nil {
		return nil, err
	}
	return parse(path, text)
}

// parse reads data with the line scanner (structure, and the AWS CLI's
// refusals). A plain section, whose every key has a value on its own line
// (no empty value, so no nested block: the sections awsfed and the AWS CLI
// write), takes the scanner's values, which are gopkg.in/ini.v1's for every
// file the scanner accepts (FuzzPlainSectionsAgreeWithLoader); the other
// sections are read with ini.v1, and checked against the scanner, by
// loaderView. Reading every section with ini.v1 costs three times as much
// (BenchmarkLoad900: 3.3 ms against 0.8 ms) and three times the memory.
func parse(path string, text string) (*File, error) {
	d, err := scan(text)
	if err != nil {
		return nil, &ParseError{Path: path, Err: err}
	}
	keys := 0
	for _, ln := range d.lines {
		if ln.kind == lineKey {
			keys++
		}
	}
	f := &File{
		names:    make([]string, len(d.sections)),
		sections: make([]Section, len(d.sections)),
		at:       make(map[string]int32, len(d.sections)),
	}
	all := make([]KV, 0, keys) // every section's keys, in file order
	var others []int
	for i, s := range d.sections {
		f.names[i] = s.name
		f.at[s.name] = int32(i)
		from := len(all)
		var plain bool
		all, plain = d.plainValues(i, all)
		f.sections[i] = all[from:len(all):len(all)]
		if !plain {
			others = append(others, i)
		}
	}
	values, err := d.loaderView(others)
	if err != nil {
		return nil, &ParseError{Path: path, Err: err}
	}
	for n, i := range others {
		// The same keys as the scanner's (checkSection), in file order.
		sec := f.sections[i]
		for k := range sec {
			sec[k].Value = values[n][sec[k].Key]
		}
	}
	return f, nil
}

// plainValues appends the keys and values of section i, as the scanner
// reads them, to kvs, and reports whether the section is plain: every key
// has a value that is not empty (a key with a nested block has an empty
// one). The values of a section that is not plain are to be read again.
func (d *doc) plainValues(i int, kvs []KV) ([]KV, bool) {
	s := d.sections[i]
	plain := true
	for j := s.header + 1; j < s.end; j++ {
		if d.lines[j].kind != lineKey {
			continue
		}
		k := d.key(j)
		v := trimRightSpace(d.text[k.valueStart:d.end(j)])
		plain = plain && v != ""
		kvs = append(kvs, KV{Key: k.name, Value: v})
	}
	return kvs, plain
}

// loaderChunk is the most sections loaderView gives gopkg.in/ini.v1 at
// once. ini.v1 checks each new section against a list of all sections
// before it, so one read of a whole file costs the square of its sections
// (900 sections: ≈ 4.4 ms, half of it in that check); in runs of at
// most 64 that check is a small, fixed cost per section, and each run's
// fixed cost (a 4 KB read buffer among others) is spread over many. Sections
// are independent (every parser resets at a header), so the values are
// those of reading the whole file.
const loaderChunk = 64

// loaderView reads the sections of d at the given indexes (in increasing
// order) with gopkg.in/ini.v1 and returns their keys and values, in the
// same order. It checks that ini.v1 finds the same keys as the scanner,
// with the same values (but for nested blocks, which the scanner does not
// read).
func (d *doc) loaderView(idx []int) ([]map[string]string, error) {
	out := make([]map[string]string, 0, len(idx))
	for len(idx) > 0 {
		// A run of adjacent sections is one span of the text.
		n := 1
		for n < len(idx) && n < loaderChunk && idx[n] == idx[n-1]+1 {
			n++
		}
		first, last := idx[0], idx[n-1]
		src := d.text[d.lines[d.sections[first].header].start:d.sectionEnd(last)]
		raw, err := ini.LoadSources(loadOptions(), strings.NewReader(src))
		if err != nil {
			// gopkg.in/ini.v1's messages quote lines, which may be secrets.
			return nil, errors.New("unsupported syntax (an unclosed quote?)")
		}
		for i := first; i <= last; i++ {
			m, err := d.checkSection(raw, i)
			if err != nil {
				return nil, err
			}
			out = append(out, m)
		}
		idx = idx[n:]
	}
	return out, nil
}

// checkSection returns the keys and values that raw, gopkg.in/ini.v1's
// reading of a span of d, gives section i, after checking that they are
// the keys the scanner found, with the same values.
func (d *doc) checkSection(raw *ini.File, i int) (map[string]string, error) {
	s := d.sections[i]
	sec, err := raw.GetSection(d.headerName(s.header))
	if err != nil {
		return nil, &lineError{s.header + 1, "unsupported section header"}
	}
	keys := sec.Keys()
	m := make(map[string]string, len(keys))
	for _, k := range keys {
		m[k.Name()] = keyValue(k)
	}
	count := 0
	for j := s.header + 1; j < s.end; j++ {
		if d.lines[j].kind != lineKey {
			continue
		}
		count++
		if v, ok := m[d.key(j).name]; !ok || d.value(j) != "" && v != d.value(j) {
			return nil, &lineError{j + 1, "unsupported syntax"}
		}
	}
	if count != len(m) {
		return nil, &lineError{s.header + 1, "unsupported syntax in this section"}
	}
	return m, nil
}

// sectionEnd returns the offset where section i ends: the start of the next
// header, or the end of the file.
func (d *doc) sectionEnd(i int) int {
	if e := d.sections[i].end; e < len(d.lines) {
		return int(d.lines[e].start)
	}
	return len(d.text)
}

// headerName returns the raw text between a header's brackets, as
// gopkg.in/ini.v1 names the section.
func (d *doc) headerName(i int) string {
	t := strings.TrimLeftFunc(d.content(i), unicode.IsSpace)
	return t[1:strings.LastIndexByte(t, ']')]
}

// keyValue returns a key's value. A nested block (s3 =\n  max = 10) is given
// as botocore's configparser gives it: a newline, then the block's lines
// without their indentation, comments and blank lines left out.
func keyValue(k *ini.Key) string {
	nested := k.NestedValues()
	if k.Value() != "" || len(nested) == 0 {
		return k.Value()
	}
	var b strings.Builder
	for _, v := range nested {
		if v == "" || v[0] == '#' || v[0] == ';' {
			continue
		}
		b.WriteByte('\n')
		b.WriteString(v)
	}
	return b.String()
}

// Section returns a copy of the named section's keys and values, and whether
// the section exists. Names are matched after the file's header is trimmed
// and inner runs of space made one: "[ profile  x ]" is "profile x".
func (f *File) Section(name string) (map[string]string, bool) {
	i, ok := f.at[name]
	if !ok {
		return nil, false
	}
	return f.sections[i].Map(), true
}

// Each calls fn with every section's name and keys, in file order. The
// Section is the File's own, not a copy: fn must not change it. It spares
// a reader of every section (a graph of the profiles) a copy of the file.
func (f *File) Each(fn func(name string, keys Section)) {
	for i, n := range f.names {
		fn(n, f.sections[i])
	}
}

// Len returns the number of sections.
func (f *File) Len() int { return len(f.names) }

// SectionNames returns the names of the file's sections in file order.
func (f *File) SectionNames() []string {
	return slices.Clone(f.names)
}

// ConfigSection returns the config-file section name of a profile:
// "default" for the default profile, "profile NAME" for any other.
func ConfigSection(profile string) string {
	if profile == "default" {
		return "default"
	}
	return "profile " + profile
}

// ProfileSection returns the section of this config file that holds the
// named profile: for the default profile "profile default" if the file has
// it (the AWS SDK for Go prefers it over [default]), else "default"; for any
// other profile "profile NAME". Writers that want to change the section a
// reader will use pass this to Update.
func (f *File) ProfileSection(name string) string {
	if name == "default" {
		if _, ok := f.at["profile default"]; ok {
			return "profile default"
		}
	}
	return ConfigSection(name)
}

// Profile returns the settings of the named profile in a config file, found
// as ProfileSection says, and whether the profile exists. Sections such as
// [NAME] without the "profile " prefix are not profiles in a config file.
func (f *File) Profile(name string) (map[string]string, bool) {
	return f.Section(f.ProfileSection(name))
}
