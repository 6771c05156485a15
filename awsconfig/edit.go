package awsconfig

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// KV is one key and its value.
type KV struct {
	Key, Value string
}

// Change is what Update does to one section: set keys (replacing the value
// of a key that exists, in its place, and adding the others in order at the
// end of the section) and remove keys. Section is the section's name as
// written between the brackets, e.g. "sts" in a credentials file or
// "profile sts" in a config file (see ConfigSection).
//
// A section that does not exist is added at the end of the file if Set is
// not empty. Removing a key that does not exist, or from a section that does
// not exist, does nothing. Removing or replacing a key removes its nested
// block too. With Prune, a section that Unset leaves without any key is
// removed as well (see Prune).
//
// So that botocore, the AWS SDK for Go and Load all read back exactly what
// was set, Update refuses: key names other than lowercase letters, digits,
// _ and (not first) . or -; section names with [ ] # ; or control
// characters, surrounding or repeated spaces, or named DEFAULT; and values
// that are empty (use Unset), are not UTF-8, hold a line break or a control
// character other than tab, start or end with white space, start with # or
// ; or have one after white space (the Go SDK's inline comments), are
// wrapped in a pair of quotes (which the Go SDK drops), or start with ` or
// """ (quotes to gopkg.in/ini.v1).
type Change struct {
	Section string
	Set     []KV
	Unset   []string
	// Prune removes the section's header too when Unset removes at least
	// one key and leaves the section without any key. Its comment lines
	// stay where they are, with the blank lines among them: a comment may
	// describe what follows it or the whole file, and is never removed.
	// Without a comment line, the section's blank lines go with it. A
	// section that had no key to remove is left alone.
	Prune bool
}

// validate refuses what could not be written so that every reader (botocore,
// the AWS SDK for Go, and Load) reads back exactly the value given. Its
// messages name keys, never values: values may be secrets.
func (ch Change) validate() error {
	if err := validSection(ch.Section); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, kv := range ch.Set {
		if err := validKey(kv.Key); err != nil {
			return fmt.Errorf("[%s]: %w", ch.Section, err)
		}
		if seen[kv.Key] {
			return fmt.Errorf("[%s]: key %s set twice", ch.Section, kv.Key)
		}
		seen[kv.Key] = true
		if err := validValue(kv.Value); err != nil {
			return fmt.Errorf("[%s]: value of %s %w", ch.Section, kv.Key, err)
		}
	}
	for _, k := range ch.Unset {
		if err := validKey(k); err != nil {
			return fmt.Errorf("[%s]: %w", ch.Section, err)
		}
		if seen[k] {
			return fmt.Errorf("[%s]: key %s both set and removed", ch.Section, k)
		}
	}
	return nil
}

func validSection(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("empty section name")
	case name != canonicalSection(name):
		return fmt.Errorf("section name %q has leading, trailing or repeated spaces", name)
	case name == "DEFAULT":
		// configparser copies [DEFAULT]'s keys into every other section.
		return fmt.Errorf("section name DEFAULT is special to the AWS CLI")
	case strings.ContainsAny(name, "[]#;") || hasControl(name) || !utf8.ValidString(name):
		return fmt.Errorf("section name %q has a character that cannot be written in a header ([ ] # ; or a control character)", name)
	}
	return nil
}

func validKey(k string) error {
	if k == "" {
		return fmt.Errorf("empty key name")
	}
	for i, c := range []byte(k) {
		ok := 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || i > 0 && (c == '.' || c == '-')
		if !ok {
			return fmt.Errorf("key name %q: use lowercase letters, digits, _ and (not first) . or -", k)
		}
	}
	return nil
}

// validValue refuses values that some reader would not read back as given:
// configparser and the Go SDK trim surrounding space and cut lines at line
// breaks; the Go SDK cuts a value at " #" or " ;" (an inline comment) and
// drops one pair of surrounding quotes; gopkg.in/ini.v1 reads a value that
// starts with """ or ` as quoted; an empty value would take the indented
// lines after it as a nested block. Its messages complete "value of KEY ".
func validValue(v string) error {
	switch {
	case v == "":
		return fmt.Errorf("is empty (remove the key with Unset instead)")
	case !utf8.ValidString(v):
		return fmt.Errorf("is not valid UTF-8")
	case strings.ContainsAny(v, "\r\n"):
		return fmt.Errorf("contains a line break")
	case hasControl(strings.ReplaceAll(v, "\t", "")):
		return fmt.Errorf("contains a control character")
	case strings.TrimFunc(v, isSpaceOrSeparator) != v:
		return fmt.Errorf("starts or ends with white space, which readers trim")
	case v[0] == '#' || v[0] == ';' || strings.Contains(v, " #") || strings.Contains(v, " ;") ||
		strings.Contains(v, "\t#") || strings.Contains(v, "\t;"):
		return fmt.Errorf("has # or ; after white space or at its start, which the AWS SDK for Go reads as a comment")
	case len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0]:
		return fmt.Errorf("is wrapped in quotes, which the AWS SDK for Go removes")
	case strings.HasPrefix(v, "`") || strings.HasPrefix(v, `"""`):
		return fmt.Errorf("starts with ` or \"\"\", which is read as a quote")
	}
	return nil
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

// isSpaceOrSeparator is what Python's str.strip() removes: Unicode white
// space plus the ASCII separators \x1c to \x1f.
func isSpaceOrSeparator(r rune) bool {
	return unicode.IsSpace(r) || 0x1c <= r && r <= 0x1f
}

// newline returns the line terminator the file uses: that of its first line,
// or "\n".
func newline(text string) string {
	if i := strings.IndexByte(text, '\n'); i > 0 && text[i-1] == '\r' {
		return "\r\n"
	}
	return "\n"
}

// apply edits d (whose last line must end with a terminator, if d is not
// empty) for one change and returns the new content. Lines it does not
// change are copied byte for byte.
func apply(d *doc, ch Change, nl string) string {
	data := d.text
	si := d.find(ch.Section)
	if si < 0 {
		if len(ch.Set) == 0 {
			return data
		}
		var b strings.Builder
		b.Grow(len(data) + 64*len(ch.Set) + len(ch.Section) + 4)
		b.WriteString(data)
		if len(d.lines) > 0 && d.lines[len(d.lines)-1].kind != lineBlank {
			b.WriteString(nl)
		}
		b.WriteString("[" + ch.Section + "]" + nl)
		for _, kv := range ch.Set {
			b.WriteString(kv.Key + " = " + kv.Value + nl)
		}
		return b.String()
	}

	s := d.sections[si]
	keys := map[string]int{} // key -> line index
	last := s.header         // the section's last key or nested line
	for i := s.header + 1; i < s.end; i++ {
		switch d.lines[i].kind {
		case lineKey:
			keys[d.key(i).name] = i
			last = i
		case lineNested:
			last = i
		}
	}

	// drop holds the lines to leave out: removed keys with their nested
	// blocks, and the nested blocks of replaced keys, each with any blank
	// or comment lines inside the block.
	drop := map[int]bool{}
	dropBlock := func(from, to int) {
		for j := from; j <= to; j++ {
			drop[j] = true
		}
	}
	replace := map[int]string{} // key line -> new content
	var added []KV              // keys to add after line last
	for _, k := range ch.Unset {
		if i, ok := keys[k]; ok {
			dropBlock(i, d.blockEnd(i))
		}
	}
	for _, kv := range ch.Set {
		i, ok := keys[kv.Key]
		if !ok {
			added = append(added, kv)
			continue
		}
		replace[i] = d.replaced(i, kv.Value)
		dropBlock(i+1, d.blockEnd(i))
	}
	if ch.Prune && len(ch.Set) == 0 && len(drop) > 0 {
		d.prune(s, drop)
	}
	indent, sep := d.style(s)

	var b strings.Builder
	b.Grow(len(data) + 64*len(added))
	b.WriteString(data[:d.lines[s.header].start])
	for i := s.header; i < s.end; i++ {
		switch {
		case drop[i]:
		case replace[i] != "":
			b.WriteString(replace[i])
			b.WriteString(data[d.end(i):d.next(i)])
		default:
			b.WriteString(data[d.lines[i].start:d.next(i)])
		}
		if i == last {
			for _, kv := range added {
				b.WriteString(indent + kv.Key + sep + kv.Value + nl)
			}
		}
	}
	if s.end < len(d.lines) {
		b.WriteString(data[d.lines[s.end].start:])
	}
	return b.String()
}

// prune adds to drop the lines that pruning section s removes (see
// Change.Prune) if drop leaves s without keys: the header, and the blank
// lines too if no comment line stays. The comment lines that stay join the
// section before (or the lines before the first section). Should one of
// the lines that stay be indented, the header stays too: after a key with
// an empty value, the AWS SDKs would read that line as part of the key's
// value.
func (d *doc) prune(s section, drop map[int]bool) {
	comment, indented := false, false
	for i := s.header + 1; i < s.end; i++ {
		if drop[i] {
			continue
		}
		switch d.lines[i].kind {
		case lineKey:
			return
		case lineComment:
			comment = true
		}
		indented = indented || isIndented(d.content(i))
	}
	switch {
	case !comment:
		for i := s.header; i < s.end; i++ {
			drop[i] = true
		}
	case !indented:
		drop[s.header] = true
	}
}

// replaced returns key line i with its value replaced, keeping everything
// before the value as written.
func (d *doc) replaced(i int, value string) string {
	k := d.key(i)
	prefix := d.text[d.lines[i].start:k.valueStart]
	if d.value(i) == "" && !strings.HasSuffix(prefix, " ") && !strings.HasSuffix(prefix, "\t") {
		// "key =" becomes "key = value", "key=" stays "key=value".
		if before := d.text[k.nameEnd:k.valueStart]; len(before) > 1 {
			prefix += " "
		}
	}
	return prefix + value
}

// style returns the indentation and the text between key and value for keys
// added to section s, copied from its last key with a value. The AWS CLI
// reads a line indented deeper than the key above it as part of that key's
// value, so keys are added as indented as the section's last key (which
// scan ensures is its least indented), not indented at all after a key
// with a nested block (which would take them in), and in a section without
// keys as indented as the header that follows. Without keys to copy the
// spacing from, it is " = ".
func (d *doc) style(s section) (indent, sep string) {
	sep = " = "
	last := -1
	for i := s.header + 1; i < s.end; i++ {
		if d.lines[i].kind == lineKey {
			last = i
			if d.value(i) != "" {
				k := d.key(i)
				sep = d.text[k.nameEnd:k.valueStart]
			}
		}
	}
	switch {
	case last >= 0 && d.value(last) == "":
		return "", sep
	case last >= 0:
		c := d.content(last)
		return c[:len(c)-len(trimLeftSpace(c))], sep
	case s.end < len(d.lines):
		c := d.content(s.end)
		return c[:len(c)-len(trimLeftSpace(c))], sep
	}
	return "", sep
}
