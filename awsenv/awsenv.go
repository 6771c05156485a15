// Package awsenv hands AWS credentials to another program through its
// environment: the AWS_* variables to set and to remove, applied to an
// environment (awsfed exec) or written for a shell or an env file to read
// (awsfed env).
package awsenv

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/seed-2d15385e/awsfed/awsconfig"
)

// Var is one environment variable.
type Var struct{ Name, Value string }

// Env is what awsfed exec changes in its command's environment and env prints:
// variables to set, in this order, and variables to remove.
type Env struct {
	Set   []Var
	Unset []string
}

// New returns the variables that hand c over to a program:
// AWS_SECURITY_TOKEN repeats the session token for old SDKs (boto 2), as
// the credentials file's aws_security_token does. Removed are the
// variables that would contradict them: a profile name (the AWS CLI and
// several tools would read its region or settings), and the expiry that
// another tool (aws-vault before v7) set for other credentials.
func New(c awsconfig.Credentials, region string) *Env {
	e := &Env{Unset: []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_EXPIRATION"}}
	for _, v := range []Var{
		{"AWS_ACCESS_KEY_ID", c.AccessKeyID},
		{"AWS_SECRET_ACCESS_KEY", c.SecretAccessKey},
		{"AWS_SESSION_TOKEN", c.SessionToken},
		{"AWS_SECURITY_TOKEN", c.SessionToken},
		{"AWS_REGION", region},
		{"AWS_DEFAULT_REGION", region},
		{"AWS_CREDENTIAL_EXPIRATION", expirationValue(c.Expiration)},
	} {
		if v.Value == "" {
			// Never hand on an old value of a variable that has none here.
			e.Unset = append(e.Unset, v.Name)
			continue
		}
		e.Set = append(e.Set, v)
	}
	return e
}

func expirationValue(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// Apply returns environ (KEY=VALUE entries) with e's variables set and
// the others it names removed.
func (e *Env) Apply(environ []string) []string {
	drop := map[string]bool{}
	for _, k := range e.Unset {
		drop[k] = true
	}
	for _, v := range e.Set {
		drop[v.Name] = true
	}
	out := make([]string, 0, len(environ)+len(e.Set))
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] {
			out = append(out, kv)
		}
	}
	for _, v := range e.Set {
		out = append(out, v.Name+"="+v.Value)
	}
	return out
}

// Formats names the formats Writer knows.
const Formats = "sh, fish, powershell, dotenv, json"

// Writer returns the function that writes an Env in format (one of
// Formats), or nil for an unknown format.
func Writer(format string) func(*strings.Builder, *Env) error {
	switch format {
	case "sh":
		return shellWriter("unset %s\n", "export %s=%s\n", shQuote)
	case "fish":
		// -g: never erase a universal variable, which would outlive this
		// shell. The test keeps a missing variable from setting $status,
		// which the following assignments would pass on to "source".
		return shellWriter("if set -q -g %[1]s; set -e -g %[1]s; end;\n", "set -gx %s %s;\n", fishQuote)
	case "powershell":
		return shellWriter("Remove-Item Env:%s -ErrorAction SilentlyContinue\n", "$Env:%s = %s\n", powershellQuote)
	case "dotenv":
		return writeDotenv
	case "json":
		return writeJSON
	}
	return nil
}

// shellWriter returns a writer of shell commands: unset is the format of
// the command that removes a variable (with its name), set of the one that
// sets it (with its name and its quoted value).
func shellWriter(unset, set string, quote func(string) string) func(*strings.Builder, *Env) error {
	return func(b *strings.Builder, e *Env) error {
		for _, k := range e.Unset {
			fmt.Fprintf(b, unset, k)
		}
		for _, v := range e.Set {
			fmt.Fprintf(b, set, v.Name, quote(v.Value))
		}
		return nil
	}
}

// writeDotenv writes KEY=VALUE lines. A docker env-file cannot remove a
// variable (a bare NAME line copies it from the host instead), and
// containers start without the host's environment anyway.
func writeDotenv(b *strings.Builder, e *Env) error {
	for _, v := range e.Set {
		if err := dotenvValue(v.Value); err != nil {
			return fmt.Errorf("%s cannot be written in the dotenv format: its value %w", v.Name, err)
		}
		fmt.Fprintf(b, "%s=%s\n", v.Name, v.Value)
	}
	return nil
}

// writeJSON writes one object of the variables, in their order.
func writeJSON(b *strings.Builder, e *Env) error {
	b.WriteString("{")
	for i, v := range e.Set {
		name, _ := json.Marshal(v.Name)
		value, _ := json.Marshal(v.Value)
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(b, "\n  %s: %s", name, value)
	}
	b.WriteString("\n}\n")
	return nil
}

// shQuote quotes s for a POSIX shell: within single quotes every character
// stands for itself, and a single quote is written as '\” (end the quotes,
// an escaped quote, quote again).
func shQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// fishQuote quotes s for fish, where single quotes take \' and \\ as
// their only escapes.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// powershellQuote quotes s for PowerShell: a single-quoted string takes no
// escapes and writes a quote twice. PowerShell also reads the typographic
// single quotes (U+2018 to U+201B) as quotes, so those are doubled too.
func powershellQuote(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\'', '\u2018', '\u2019', '\u201a', '\u201b':
			b.WriteRune(r)
		}
		b.WriteRune(r)
	}
	b.WriteByte('\'')
	return b.String()
}

// dotenvValue checks that a value reads back unchanged from a KEY=VALUE
// line of "docker run --env-file": docker takes the rest of the line as it
// is, without quotes or escapes, so a value cannot hold a line break. One
// that starts and ends with the same quote is refused too: docker compose's
// env_file strips such quotes, and docker itself may (docker/cli#3630).
func dotenvValue(v string) error {
	switch {
	case strings.ContainsAny(v, "\n\r\x00"):
		return errors.New("holds a line break or NUL")
	case len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0]:
		return errors.New("is wrapped in quotes, which docker and docker compose read differently")
	}
	return nil
}
