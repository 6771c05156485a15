// Package assume calls STS: AssumeRoleWithSAML for the jump account, with
// AWS's duration rules and errors turned into messages a person can act on.
package assume
