package awsconfig

import (
	"path/filepath"
	"strings"
)

// Paths are the locations of the AWS config and credentials files.
type Paths struct {
	Config, Credentials string
}

// DefaultPaths returns where the AWS CLI looks for its files: the value of
// AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE when set and not empty,
// else home/.aws/config and home/.aws/credentials. Like botocore, it expands
// $NAME and ${NAME} in those values (a variable getenv reports empty is left
// as written) and then a leading ~ or ~/ to home; ~user is left as written.
func DefaultPaths(home string, getenv func(string) string) Paths {
	p := Paths{
		Config:      filepath.Join(home, ".aws", "config"),
		Credentials: filepath.Join(home, ".aws", "credentials"),
	}
	if v := getenv("AWS_CONFIG_FILE"); v != "" {
		p.Config = expandUser(expandVars(v, getenv), home)
	}
	if v := getenv("AWS_SHARED_CREDENTIALS_FILE"); v != "" {
		p.Credentials = expandUser(expandVars(v, getenv), home)
	}
	return p
}

// expandVars replaces $NAME and ${NAME} as Python's os.path.expandvars does
// on POSIX: NAME is ASCII letters, digits and underscores (any text but } in
// braces), and a variable without a value is left as written.
func expandVars(s string, getenv func(string) string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '$' {
			b.WriteByte(s[i])
			i++
			continue
		}
		var name string
		end := i + 1
		if end < len(s) && s[end] == '{' {
			closing := strings.IndexByte(s[end:], '}')
			if closing < 0 {
				b.WriteByte('$')
				i++
				continue
			}
			name, end = s[end+1:end+closing], end+closing+1
		} else {
			for end < len(s) && isWordByte(s[end]) {
				end++
			}
			name = s[i+1 : end]
		}
		if v := lookup(name, getenv); v != "" {
			b.WriteString(v)
		} else {
			b.WriteString(s[i:end])
		}
		i = end
	}
	return b.String()
}

func lookup(name string, getenv func(string) string) string {
	if name == "" {
		return ""
	}
	return getenv(name)
}

func isWordByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// expandUser replaces a leading ~ (alone or followed by a separator) with
// home, as Python's os.path.expanduser does.
func expandUser(s, home string) string {
	if home == "" || !strings.HasPrefix(s, "~") {
		return s
	}
	rest := s[1:]
	if rest != "" && !strings.HasPrefix(rest, "/") && !strings.HasPrefix(rest, string(filepath.Separator)) {
		return s // ~user
	}
	isSep := func(r rune) bool { return r == '/' || r == filepath.Separator }
	if out := strings.TrimRightFunc(home, isSep) + rest; out != "" {
		return out
	}
	return string(filepath.Separator)
}
