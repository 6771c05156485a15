package profile

import (
	"fmt"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/seed-2d15385e/awsfed/internal/secretcmd"
)

// shellUnsafe reports whether w has a character that a POSIX shell, and
// Python's shlex, would not read literally outside quotes (outside
// shlex.quote's safe set).
func shellUnsafe(w string) bool {
	return strings.ContainsFunc(w, func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune("_@%+=:,./-", r))
	})
}

// hasInlineComment reports whether v has what the AWS SDK for Go reads as
// the start of an inline comment: white space followed by # or ;.
func hasInlineComment(v string) bool {
	for i := 1; i < len(v); i++ {
		if (v[i] == '#' || v[i] == ';') && (v[i-1] == ' ' || v[i-1] == '\t') {
			return true
		}
	}
	return false
}

// AWSFedProcess returns the credential_process value that runs exe
// credential-process --profile profile, read alike by the AWS CLI, which
// splits it into words as a POSIX shell would (Python's shlex) and runs no
// shell, and the AWS SDK for Go, which runs it with sh -c. A word with a
// character outside shlex.quote's safe set is put in single quotes (a '
// inside as '"'"'), which both read literally. Refused: a path that is not
// absolute, control characters, white space followed by # or ; (the Go
// SDK cuts the value there as an inline comment), and a value that starts
// and ends with a quote (the Go SDK removes the pair).
func AWSFedProcess(exe, profile string) (string, error) {
	if !filepath.IsAbs(exe) {
		return "", fmt.Errorf("the path of awsfed, %q, is not absolute", exe)
	}
	words := []string{exe, "credential-process", "--profile", profile}
	for i, w := range words {
		if !utf8.ValidString(w) || strings.ContainsFunc(w, unicode.IsControl) {
			return "", fmt.Errorf("%q has a control character or is not UTF-8: credential_process cannot carry it", w)
		}
		if shellUnsafe(w) {
			words[i] = "'" + strings.ReplaceAll(w, "'", `'"'"'`) + "'"
		}
	}
	v := strings.Join(words, " ")
	if hasInlineComment(v) {
		return "", fmt.Errorf("credential_process = %s would be cut at its # or ; by the AWS SDK for Go, which reads them after a space as a comment: install awsfed in a folder without them", v)
	}
	if v[0] == '\'' && v[len(v)-1] == '\'' {
		return "", fmt.Errorf("credential_process = %s starts and ends with a quote, which the AWS SDK for Go removes: install awsfed in a folder whose path has only letters, digits and @%%+=:,./_- in it", v)
	}
	return v, nil
}

// AWSFedProcessTarget returns the profile that a credential_process value
// runs awsfed credential-process for ("/path/awsfed credential-process
// --profile P"), and whether it runs that at all.
func AWSFedProcessTarget(v string) (string, bool) {
	if v == "" {
		return "", false
	}
	words, err := secretcmd.Split(v)
	if err != nil || len(words) < 2 || words[1] != "credential-process" {
		return "", false
	}
	exe := words[0][strings.LastIndexAny(words[0], `/\`)+1:]
	if !strings.Contains(exe, "awsfed") {
		return "", false
	}
	for i := 2; i < len(words); i++ {
		if p, ok := strings.CutPrefix(words[i], "--profile="); ok {
			return p, p != ""
		}
		if words[i] == "--profile" && i+1 < len(words) {
			return words[i+1], true
		}
	}
	return "", false
}
