// Package mfa hands out one-time codes for second factors: from a flag or
// environment value, computed from a TOTP secret, or asked at a prompt.
package mfa
