package awsconfig

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file holds the line model that Update edits. It classifies every line
// of a file the way the loader (gopkg.in/ini.v1 with the options in load.go)
// reads it, and it rejects what the AWS CLI's configparser rejects and what
// botocore and the AWS SDKs read differently, so that a file accepted here is
// read alike by the loader, botocore and the Go SDK in everything that
// matters to a writer: which lines are section headers, which are keys, and
// which indented lines belong to which key.

type lineKind uint8

const (
	lineBlank   lineKind = iota // empty or only white space
	lineComment                 // first non-space character is # or ;
	lineHeader                  // [section]
	lineKey                     // key = value or key: value
	lineNested                  // indented line after a key with an empty value (s3 =\n  max_concurrent_requests = 10)
)

// line is one line of a file: where it starts in doc.text, and its kind.
// It is 8 bytes, so that the lines of a large file take a fraction of its
// text; the rest (where it ends, a key's name and value) is read again from
// the text when needed (see doc.end, doc.key). scan refuses files of 2 GiB
// or more, so offsets fit in int32.
type line struct {
	start int32
	kind  lineKind
}

// section is one [section] of a file: its header line and the lines up to
// the next header.
type section struct {
	name        string // canonical name
	header, end int    // line indexes: header, and one past the section's last line
}

// doc is a scanned file.
type doc struct {
	text     string
	lines    []line
	sections []section
}

// lineError is a syntax error on one line. Its text never quotes the line:
// credentials files hold secrets.
type lineError struct {
	line int // 1-based
	msg  string
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

// canonicalSection turns the text between a header's brackets into the
// section's name: surrounding space removed and inner runs of space turned
// into one, which is how the AWS SDK for Go names "[ profile  x ]". (botocore
// keeps the spaces, and so ignores "[ profile x ]" as a profile.)
func canonicalSection(raw string) string {
	if raw != "" && !isSpaceByte(raw[0]) && !isSpaceByte(raw[len(raw)-1]) &&
		!strings.Contains(raw, "  ") && !strings.ContainsAny(raw, "\t\v\f\r\n") && isASCII(raw) {
		return raw // the usual case, without allocating
	}
	return strings.Join(strings.Fields(raw), " ")
}

// trimLeftSpace is strings.TrimLeftFunc(s, unicode.IsSpace), faster for
// ASCII.
func trimLeftSpace(s string) string {
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if !isSpaceByte(c) {
				return s[i:]
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsSpace(r) {
			return s[i:]
		}
		i += size
	}
	return ""
}

// trimRightSpace is strings.TrimRightFunc(s, unicode.IsSpace), faster for
// ASCII.
func trimRightSpace(s string) string {
	for len(s) > 0 {
		if c := s[len(s)-1]; c < utf8.RuneSelf {
			if !isSpaceByte(c) {
				return s
			}
			s = s[:len(s)-1]
			continue
		}
		r, size := utf8.DecodeLastRuneInString(s)
		if !unicode.IsSpace(r) {
			return s
		}
		s = s[:len(s)-size]
	}
	return s
}

// indexDelimiter returns the index of the first = or : in s, or -1.
func indexDelimiter(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '=' || s[i] == ':' {
			return i
		}
	}
	return -1
}

// isIndented reports whether a line starts with the white space that makes
// it part of a nested value after a key with an empty value (as
// gopkg.in/ini.v1 reads it).
func isIndented(c string) bool {
	return c != "" && (c[0] == ' ' || c[0] == '\t')
}

func isSpaceByte(c byte) bool {
	return c == ' ' || '\t' <= c && c <= '\r'
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// scan splits data into lines and classifies them. It follows
// gopkg.in/ini.v1's reading with AllowNestedValues (an indented line after a
// key whose value is empty belongs to that key; any other line stands on its
// own) and refuses, like the AWS CLI, duplicate sections, duplicate keys in
// a section, keys before the first section and lines that are neither
// headers nor key = value.
func scan(text string) (*doc, error) {
	if len(text) >= math.MaxInt32 {
		return nil, errors.New("the file is too large")
	}
	d := &doc{
		text:  text,
		lines: make([]line, 0, strings.Count(text, "\n")+1),
		// Headers usually start their line: room for those, so that a
		// large file's sections are not copied as they grow.
		sections: make([]section, 0, strings.Count(text, "\n[")+1),
	}
	if strings.HasPrefix(text, "\ufeff") {
		return nil, &lineError{1, "the file starts with a byte-order mark, which the AWS CLI cannot read"}
	}
	if !utf8.ValidString(text) {
		n := 1 + strings.Count(text[:firstInvalidUTF8(text)], "\n")
		return nil, &lineError{n, "not valid UTF-8, which the AWS CLI cannot read"}
	}

	err := d.scanLines()
	// A repeated section is looked for once all are known (a map of every
	// name, as it goes, would take more memory than the lines); it is
	// reported if it comes before the line that stopped the scan.
	if rep := d.repeatedSection(); rep != nil && (err == nil || rep.line < err.line) {
		return nil, rep
	}
	if err != nil {
		return nil, err
	}
	return d, nil
}

// scanLines classifies the lines of d.text, appending them and the
// sections to d, up to the first line it refuses.
func (d *doc) scanLines() *lineError {
	text := d.text
	var keys []sectionKey // the current section's keys
	lastEmpty := false    // whether the section's last key has an empty value
	keyIndent := -1       // that key's indentation, in characters
	cur := -1             // current section

	for start := 0; start < len(text); {
		end, next := len(text), len(text)
		if i := strings.IndexByte(text[start:], '\n'); i >= 0 {
			end, next = start+i, start+i+1
			if end > start && text[end-1] == '\r' {
				end--
			}
		}
		ln := line{start: int32(start)}
		n := len(d.lines) + 1
		c := text[start:end]

		t := trimLeftSpace(c)
		indent := utf8.RuneCountInString(c[:len(c)-len(t)])
		switch {
		case lastEmpty && isIndented(c):
			// configparser makes a line part of the key's value only if
			// it is indented deeper than the key.
			if t != "" && t[0] != '#' && t[0] != ';' && indent <= keyIndent {
				return &lineError{n, "indented no deeper than the key above it, which has no value: the AWS SDKs read this line as part of that key's value, the AWS CLI as a line of its own; indent it deeper, or not at all"}
			}
			ln.kind = lineNested
		case t == "":
			ln.kind = lineBlank
		case t[0] == '#' || t[0] == ';':
			ln.kind = lineComment
		case keyIndent >= 0 && indent > keyIndent:
			return &lineError{n, "indented deeper than the key above it: the AWS CLI reads this line as part of that key's value, the AWS SDKs as a line of its own; indent it as that key is"}
		case t[0] == '[':
			closing := strings.LastIndexByte(t, ']')
			if closing < 0 {
				return &lineError{n, "section header without a closing ]"}
			}
			name := canonicalSection(t[1:closing])
			if name == "" {
				return &lineError{n, "section header without a name"}
			}
			if name == "DEFAULT" {
				return &lineError{n, "section [DEFAULT] gives its keys to every other section in the AWS CLI but not in the AWS SDKs; rename it"}
			}
			if cur >= 0 {
				d.sections[cur].end = len(d.lines)
			}
			d.sections = append(d.sections, section{name: name, header: len(d.lines)})
			cur = len(d.sections) - 1
			lastEmpty, keyIndent = false, -1
			keys = keys[:0]
			ln.kind = lineHeader
		case cur < 0:
			return &lineError{n, "key outside any [section]"}
		default:
			delim := indexDelimiter(t)
			switch {
			case delim < 0:
				return &lineError{n, "neither a [section] header nor a key = value line"}
			case delim == 0 || strings.TrimSpace(t[:delim]) == "":
				return &lineError{n, "key name missing before the = sign"}
			case t[0] == '"' || t[0] == '`':
				return &lineError{n, "quoted key names are not supported"}
			}
			k := parseKey(c, start)
			value := trimRightSpace(text[k.valueStart:end])
			name := k.name
			if name == "-" {
				return &lineError{n, "a key named - is not supported"}
			}
			if strings.HasPrefix(value, `"""`) || strings.HasPrefix(value, "`") {
				return &lineError{n, "values starting with \"\"\" or ` are not supported"}
			}
			for _, sk := range keys {
				if sk.name == name {
					return &lineError{n, fmt.Sprintf("key %s appears again in [%s] (first on line %d); the AWS CLI refuses repeated keys", name, d.sections[cur].name, sk.line+1)}
				}
			}
			keys = append(keys, sectionKey{name, len(d.lines)})
			ln.kind = lineKey
			lastEmpty, keyIndent = value == "", indent
		}
		d.lines = append(d.lines, ln)
		start = next
	}
	if cur >= 0 {
		d.sections[cur].end = len(d.lines)
	}
	return nil
}

// repeatedSection returns the error for the first header that repeats a
// section before it, or nil.
func (d *doc) repeatedSection() *lineError {
	order := make([]int32, len(d.sections))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		return cmp.Or(strings.Compare(d.sections[a].name, d.sections[b].name), cmp.Compare(a, b))
	})
	again := -1 // index of the first repeating header's section
	first := -1
	for k := 1; k < len(order); k++ {
		a, b := int(order[k-1]), int(order[k])
		if d.sections[a].name == d.sections[b].name && (k < 2 || d.sections[order[k-2]].name != d.sections[a].name) && (again < 0 || b < again) {
			again, first = b, a
		}
	}
	if again < 0 {
		return nil
	}
	name := d.sections[again].name
	return &lineError{d.sections[again].header + 1, fmt.Sprintf("section [%s] appears again (first on line %d); the AWS CLI refuses repeated sections", name, d.sections[first].header+1)}
}

func firstInvalidUTF8(s string) int {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(s)
}

// find returns the index of the section with the given canonical name, or -1.
func (d *doc) find(name string) int {
	for i, s := range d.sections {
		if s.name == name {
			return i
		}
	}
	return -1
}

// sectionKey is a key of the section scan is in, for its check of
// repeated keys.
type sectionKey struct {
	name string
	line int
}

// keyLine is what a key line holds, as offsets of doc.text.
type keyLine struct {
	// name is the key's name, lowercased.
	name string
	// nameEnd is the end of the name as written (before any space and the
	// delimiter); valueStart the start of the value (after the delimiter
	// and any space).
	nameEnd, valueStart int
}

// parseKey reads the key line c, which starts at offset start of the text
// and which scan accepted as a key line.
func parseKey(c string, start int) keyLine {
	t := trimLeftSpace(c)
	offset := len(c) - len(t) // indentation
	delim := indexDelimiter(t)
	rawName := trimRightSpace(t[:delim])
	rest := t[delim+1:]
	return keyLine{
		name:       strings.ToLower(rawName),
		nameEnd:    start + offset + len(rawName),
		valueStart: start + offset + delim + 1 + (len(rest) - len(trimLeftSpace(rest))),
	}
}

// key returns what key line i holds.
func (d *doc) key(i int) keyLine {
	return parseKey(d.content(i), int(d.lines[i].start))
}

// next returns where the line after line i starts: the end of line i and
// its terminator.
func (d *doc) next(i int) int {
	if i+1 < len(d.lines) {
		return int(d.lines[i+1].start)
	}
	return len(d.text)
}

// end returns where line i's content ends, before its "\n" or "\r\n".
func (d *doc) end(i int) int {
	start, e := int(d.lines[i].start), d.next(i)
	if e > start && d.text[e-1] == '\n' {
		e--
		if e > start && d.text[e-1] == '\r' {
			e--
		}
	}
	return e
}

// blockEnd returns the index of key line i's nested block's last line, or
// i when it has none. Blank and comment lines between nested lines belong
// to the block (scan goes on reading indented lines as the key's after
// them); those after its last nested line do not.
func (d *doc) blockEnd(i int) int {
	last := i
	for j := i + 1; j < len(d.lines); j++ {
		switch d.lines[j].kind {
		case lineNested:
			last = j
		case lineBlank, lineComment:
		default:
			return last
		}
	}
	return last
}

// value returns the trimmed value of key line i.
func (d *doc) value(i int) string {
	return trimRightSpace(d.text[d.key(i).valueStart:d.end(i)])
}

// content returns a line's text without its terminator.
func (d *doc) content(i int) string {
	return d.text[d.lines[i].start:d.end(i)]
}

// span returns the text of lines [from, to) from the first one's start to
// the end of the last one that is not blank, without its terminator; "" if
// all are blank.
func (d *doc) span(from, to int) string {
	for j := to - 1; j >= from; j-- {
		if d.lines[j].kind != lineBlank {
			return d.text[d.lines[from].start:d.end(j)]
		}
	}
	return ""
}

// spanOf is span for the given lines, in order, which need not be
// adjacent: each with its terminator, but the last that is not blank
// without it, and the blank lines after it left out.
func (d *doc) spanOf(lines []int) string {
	last := len(lines) - 1
	for last >= 0 && d.lines[lines[last]].kind == lineBlank {
		last--
	}
	var b strings.Builder
	for n, i := range lines[:last+1] {
		if n == last {
			b.WriteString(d.content(i))
		} else {
			b.WriteString(d.text[d.lines[i].start:d.next(i)])
		}
	}
	return b.String()
}

// firstHeader returns the index of the first section's header line, or the
// number of lines in a file without sections.
func (d *doc) firstHeader() int {
	if len(d.sections) > 0 {
		return d.sections[0].header
	}
	return len(d.lines)
}
