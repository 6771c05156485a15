package awsenv

import (
	"os/exec"
	"strings"
	"testing"
)

// TestQuoting evaluates each shell format's line for values with quotes,
// spaces, line breaks and shell syntax in the shell itself, and checks
// PowerShell's exact lines.
func TestQuoting(t *testing.T) {
	values := []string{
		"plain", "with space", "it's", `two '' quotes`, `back\slash`, `trailing\`, `\'`, "new\nline", "tab\there",
		"$HOME `id` $(id) ${x} !! *", `"double"`, "‘typographic’", "ünïcödé", " leading and trailing ",
	}
	shells := []struct {
		name  string
		quote func(string) string
		run   func(script string) *exec.Cmd
		line  string // %s: the quoted value
	}{
		{"sh", shQuote, func(s string) *exec.Cmd { return exec.Command("sh", "-c", s) }, "export K=%s\nprintf '%%s' \"$K\""},
		{"bash", shQuote, func(s string) *exec.Cmd { return exec.Command("bash", "-c", s) }, "export K=%s\nprintf '%%s' \"$K\""},
		{"fish", fishQuote, func(s string) *exec.Cmd { return exec.Command("fish", "--no-config", "-c", s) }, "set -gx K %s;\nprintf '%%s' $K"},
	}
	for _, sh := range shells {
		t.Run(sh.name, func(t *testing.T) {
			if _, err := exec.LookPath(sh.name); err != nil {
				t.Skipf("%s is not installed", sh.name)
			}
			for _, v := range values {
				script := strings.Replace(sh.line, "%s", sh.quote(v), 1)
				script = strings.ReplaceAll(script, "%%", "%")
				out, err := sh.run(script).CombinedOutput()
				if err != nil || string(out) != v {
					t.Errorf("%s read %q back as %q (%v); script:\n%s", sh.name, v, out, err, script)
				}
			}
		})
	}
	t.Run("powershell", func(t *testing.T) {
		for v, want := range map[string]string{
			"plain":         `'plain'`,
			"it's":          `'it''s'`,
			"‘typographic’": `'‘‘typographic’’'`,
			"$x `n\"":       "'$x `n\"'",
			"new\nline":     "'new\nline'",
			"‚low‛ quotes'": `'‚‚low‛‛ quotes'''`,
		} {
			if got := powershellQuote(v); got != want {
				t.Errorf("powershellQuote(%q) = %s, want %s", v, got, want)
			}
		}
	})
}

func TestDotenvValue(t *testing.T) {
	tests := []struct {
		value string
		ok    bool
	}{
		{"ASIA/+=", true},
		{"it's", true},
		{`say "hi"`, true},
		{" spaces kept ", true},
		{"#not a comment", true},
		{`'`, true},
		{`'quoted'`, false},
		{`"quoted"`, false},
		{"two\nlines", false},
		{"cr\r", false},
		{"nul\x00", false},
	}
	for _, tt := range tests {
		if err := dotenvValue(tt.value); (err == nil) != tt.ok {
			t.Errorf("dotenvValue(%q) = %v, want ok %v", tt.value, err, tt.ok)
		}
	}
}
