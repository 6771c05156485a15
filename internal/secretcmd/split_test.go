package secretcmd

import (
	"slices"
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		want    []string
		wantErr string // part of the error expected
	}{
		{name: "words", line: "pass show aws/totp", want: []string{"pass", "show", "aws/totp"}},
		{name: "blanks", line: " \tpass  show\n aws/totp  ", want: []string{"pass", "show", "aws/totp"}},
		{name: "macOS keychain", line: "/usr/bin/security find-generic-password -w -s 'awsfed totp'", want: []string{"/usr/bin/security", "find-generic-password", "-w", "-s", "awsfed totp"}},
		{name: "single quotes keep everything", line: `printf '%s|$HOME\n' x`, want: []string{"printf", `%s|$HOME\n`, "x"}},
		{name: "double quotes", line: `op read "op://Private/AWS TOTP/one-time password"`, want: []string{"op", "read", "op://Private/AWS TOTP/one-time password"}},
		{name: "double quote escapes", line: `echo "a \"b\" \\ \$ \x"`, want: []string{"echo", `a "b" \ $ \x`}},
		{name: "backslashes", line: `echo a\ b \'c\' \|`, want: []string{"echo", "a b", "'c'", "|"}},
		{name: "joined quotes", line: `echo a'b c'"d e"f`, want: []string{"echo", "ab cd ef"}},
		{name: "empty quoted word", line: `cmd '' ""`, want: []string{"cmd", "", ""}},
		{name: "line continuation", line: "pass \\\nshow x", want: []string{"pass", "show", "x"}},
		{name: "~ and # inside a word", line: "cmd a~b c#d", want: []string{"cmd", "a~b", "c#d"}},
		{name: "= in an argument", line: "cmd --key=value", want: []string{"cmd", "--key=value"}},
		{name: "quoted assignment-like program", line: `'A=b' x`, want: []string{"A=b", "x"}},

		{name: "empty", line: "  ", wantErr: "the command line is empty"},
		{name: "pipe", line: "pass show aws | head -n 1", wantErr: `unquoted '|' at character 15: pipes need a shell, and the command runs without one`},
		{name: "list", line: "pass show aws; true", wantErr: `unquoted ';' at character 14: command lists`},
		{name: "background", line: "pass show aws &", wantErr: `unquoted '&'`},
		{name: "redirection", line: "pass show aws 2>/dev/null", wantErr: `unquoted '>' at character 16: redirections need a shell`},
		{name: "command substitution", line: "echo $(cat x)", wantErr: `unquoted '$' at character 6: variables and command substitutions need a shell`},
		{name: "variable", line: "pass show $NAME", wantErr: `unquoted '$'`},
		{name: "variable in double quotes", line: `pass show "$NAME"`, wantErr: `'$' in double quotes at character 12`},
		{name: "backquotes", line: "echo `id`", wantErr: "unquoted '`'"},
		{name: "home folder", line: "~/bin/totp", wantErr: `unquoted '~' at the start of a word at character 1: ~ for the home folder needs a shell (write the full path)`},
		{name: "comment", line: "pass show x # the TOTP", wantErr: `unquoted '#' at the start of a word at character 13: comments need a shell`},
		{name: "assignment", line: "PASSWORD_STORE_DIR=/x pass show aws", wantErr: `"PASSWORD_STORE_DIR=/x" sets a variable`},
		{name: "open single quote", line: "echo 'abc", wantErr: "the single quote at character 6 is not closed"},
		{name: "open double quote", line: `echo "abc`, wantErr: "the double quote at character 6 is not closed"},
		{name: "trailing backslash", line: `echo \`, wantErr: "the command line ends with a backslash"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Split(tt.line)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("split(%q) = %q, %v; want an error containing %q", tt.line, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("split(%q) = %q, %v; want %q, nil", tt.line, got, err, tt.want)
			}
		})
	}
}
