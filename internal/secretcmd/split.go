package secretcmd

import (
	"errors"
	"fmt"
	"strings"
)

// Split cuts a command line into words the way a POSIX shell would for a
// simple command: blanks separate words; single quotes keep everything up
// to the next one; double quotes keep everything but a backslash before
// one of \ " $ ` or a new line; a backslash elsewhere keeps the next
// character. Whatever only a shell could do (pipes, lists, redirections,
// substitutions, variables, ~ for the home folder, comments, variable
// assignments) is refused, since the command runs without a shell.
func Split(line string) ([]string, error) {
	var (
		words []string
		word  strings.Builder
		// inWord is set once a word has begun, perhaps with an empty
		// quoted part such as ''.
		inWord bool
		// quotedAt is the length the word had when its first quote or
		// backslash came, or -1.
		quotedAt  = -1
		firstWord = ""
		firstAt   = -1
	)
	quoted := func() {
		if quotedAt < 0 {
			quotedAt = word.Len()
		}
		inWord = true
	}
	endWord := func() {
		if !inWord {
			return
		}
		if len(words) == 0 {
			firstWord, firstAt = word.String(), quotedAt
		}
		words = append(words, word.String())
		word.Reset()
		inWord, quotedAt = false, -1
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch c {
		case ' ', '\t', '\n':
			endWord()
		case '\'':
			end := strings.IndexByte(line[i+1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("the single quote at character %d is not closed", i+1)
			}
			quoted()
			word.WriteString(line[i+1 : i+1+end])
			i += end + 1
		case '"':
			start := i
			quoted()
			for i++; ; i++ {
				if i == len(line) {
					return nil, fmt.Errorf("the double quote at character %d is not closed", start+1)
				}
				c := line[i]
				if c == '"' {
					break
				}
				switch {
				case c == '\\' && i+1 < len(line) && strings.IndexByte("\\\"$`\n", line[i+1]) >= 0:
					i++
					if line[i] != '\n' {
						word.WriteByte(line[i])
					}
				case c == '$' || c == '`':
					return nil, needsShell(fmt.Sprintf("%q in double quotes", c), i, c)
				default:
					word.WriteByte(c)
				}
			}
		case '\\':
			if i+1 == len(line) {
				return nil, errors.New("the command line ends with a backslash")
			}
			i++
			if line[i] != '\n' { // a backslash and a new line join lines
				quoted()
				word.WriteByte(line[i])
			}
		case '|', '&', ';', '<', '>', '(', ')', '$', '`':
			return nil, needsShell(fmt.Sprintf("unquoted %q", c), i, c)
		case '~', '#':
			if !inWord {
				return nil, needsShell(fmt.Sprintf("unquoted %q at the start of a word", c), i, c)
			}
			word.WriteByte(c)
		default:
			word.WriteByte(c)
			inWord = true
		}
	}
	endWord()
	if len(words) == 0 {
		return nil, errors.New("the command line is empty")
	}
	if eq := strings.IndexByte(firstWord, '='); eq > 0 && (firstAt < 0 || eq < firstAt) && isName(firstWord[:eq]) {
		return nil, fmt.Errorf("%q sets a variable, which needs a shell, and the command runs without one; put the command in a script", firstWord)
	}
	return words, nil
}

// needsShell is the error of character c at index i, described by what.
func needsShell(what string, i int, c byte) error {
	var why string
	switch c {
	case '|':
		why = "pipes need a shell"
	case '&', ';':
		why = "command lists and background jobs need a shell"
	case '<', '>':
		why = "redirections need a shell"
	case '(', ')':
		why = "subshells need a shell"
	case '$', '`':
		why = "variables and command substitutions need a shell"
	case '~':
		why = "~ for the home folder needs a shell (write the full path)"
	case '#':
		why = "comments need a shell"
	}
	return fmt.Errorf("%s at character %d: %s, and the command runs without one; put the command in a script, or quote the character in single quotes to pass it on as it is", what, i+1, why)
}

// isName reports whether s is a shell variable name.
func isName(s string) bool {
	for i, r := range s {
		switch {
		case r == '_', 'A' <= r && r <= 'Z', 'a' <= r && r <= 'z':
		case i > 0 && '0' <= r && r <= '9':
		default:
			return false
		}
	}
	return s != ""
}
