package main

import (
	"context"
	"errors"
	"strings"

	"github.com/seed-2d15385e/awsfed/assume"
	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/idp"
	"github.com/seed-2d15385e/awsfed/internal/federation"
	"github.com/seed-2d15385e/awsfed/internal/launch"
	"github.com/seed-2d15385e/awsfed/profile"
	"github.com/seed-2d15385e/awsfed/ui"
)

// Exit codes: a contract (design.md §3).
const (
	exitOK         = 0
	exitError      = 1
	exitUsage      = 2
	exitRefused    = 3
	exitNeedsInput = 4
	exitAWS        = 5
	exitCancelled  = 130
)

// usagef is a mistake in the command line: the libraries' mistakes in
// the configuration are of the same type, *profile.ConfigError.
func usagef(format string, args ...any) error { return profile.Errorf(format, args...) }

// exitCode maps an error to the exit code design.md §3 names for it.
func exitCode(err error) int {
	var (
		usage   *profile.ConfigError
		parse   *awsconfig.ParseError
		notFile *awsconfig.NotFileError
		access  *awsconfig.AccessError
		refused *idp.RefusedError
		input   *ui.InputNeededError
		sts     *assume.Error
		fed     *federation.Error
		status  *launch.ExitError
		// A credential source's errors say their class.
		refusal  interface{ Refused() bool }
		mistake  interface{ ConfigMistake() bool }
		rejected interface{ AWSRefused() bool }
	)
	switch {
	case errors.As(err, &status):
		return status.Code
	case errors.Is(err, ui.ErrCancelled), errors.Is(err, context.Canceled):
		return exitCancelled
	case errors.As(err, &input):
		return exitNeedsInput
	case errors.As(err, &refused), errors.Is(err, idp.ErrNoRoles), errors.As(err, &refusal) && refusal.Refused():
		return exitRefused
	case errors.As(err, &mistake) && mistake.ConfigMistake():
		return exitUsage
	case errors.As(err, &sts), errors.As(err, &fed) && fed.StatusCode != 0, errors.As(err, &rejected) && rejected.AWSRefused():
		return exitAWS
	case errors.As(err, &usage), errors.As(err, &parse), errors.As(err, &notFile), errors.As(err, &access), isFlagError(err):
		return exitUsage
	}
	return exitError
}

// isFlagError recognises cobra's and pflag's command-line errors, which
// carry no type of their own.
func isFlagError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown flag", "unknown shorthand flag", "flag needs an argument", "invalid argument", "unknown command", "accepts ", "requires at least", "bad flag syntax"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// oneLine folds a message onto one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
