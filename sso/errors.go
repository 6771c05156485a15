package sso

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// ErrSignInExpired reports a sign-in the person did not finish in time:
// the device code expired, or the browser never came back.
var ErrSignInExpired = errors.New("the sign-in code expired; run the login again")

// ErrStateMismatch reports a browser callback that does not belong to
// this sign-in (its state differs): a stale tab, or a forged request.
var ErrStateMismatch = errors.New("the browser came back from a sign-in other than this one (state mismatch); run the login again")

// Error reports a request to IAM Identity Center that it refused or that
// did not reach it, in one line. Its message never holds a token, secret
// or code. The typed errors below wrap it when they apply.
type Error struct {
	// Op is the operation: "CreateToken", "ListAccounts", …
	Op string
	// Code is AWS's error code ("InvalidClientException"), "" when no
	// answer was read.
	Code string
	// Message is AWS's message on one line, or the transport's error,
	// with every secret of the request blotted out.
	Message string
	// StatusCode is the answer's HTTP status, 0 if there was none.
	StatusCode int
	// Err is the SDK's error.
	Err error
}

func (e *Error) Error() string {
	if e.StatusCode == 0 && e.Code == "" {
		return fmt.Sprintf("IAM Identity Center %s: %s", e.Op, e.Message)
	}
	code := e.Code
	if code == "" {
		code = fmt.Sprintf("HTTP %d", e.StatusCode)
	}
	msg := fmt.Sprintf("IAM Identity Center refused %s: %s", e.Op, code)
	if e.Message != "" {
		msg += " (" + e.Message + ")"
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// SessionEndedError reports that the portal session behind a refresh
// token has ended (signed out, or its time ran out), or that the client
// registration was revoked: only a person signing in again helps.
type SessionEndedError struct {
	// Session is the sso-session's name.
	Session string
	// Err is IAM Identity Center's refusal, an *Error.
	Err error
}

func (e *SessionEndedError) Error() string {
	return fmt.Sprintf("the IAM Identity Center portal session of sso-session %q has ended; sign in again", e.Session)
}

func (e *SessionEndedError) Unwrap() error { return e.Err }

// AccessDeniedError reports that the person refused the sign-in on the
// approval page. Callers map it to exit code 3.
type AccessDeniedError struct {
	// Session is the sso-session's name.
	Session string
	// Err is IAM Identity Center's refusal, nil when the browser brought
	// it back.
	Err error
}

func (e *AccessDeniedError) Error() string {
	return fmt.Sprintf("the sign-in to IAM Identity Center for sso-session %q was refused on the approval page; run the login again and allow access", e.Session)
}

func (e *AccessDeniedError) Unwrap() error { return e.Err }

// WrongRegionError reports IAM Identity Center's InvalidRequestRegion:
// the token or client was made in another region than the one asked.
type WrongRegionError struct {
	Session string
	// Region is the region asked; Want the one IAM Identity Center named,
	// if it did.
	Region, Want string
	// Err is IAM Identity Center's refusal, an *Error.
	Err error
}

func (e *WrongRegionError) Error() string {
	msg := fmt.Sprintf("IAM Identity Center in %s refused the request of sso-session %q: the token or the --sso-region does not match the session's region", e.Region, e.Session)
	if e.Want != "" && e.Want != e.Region {
		msg += fmt.Sprintf(" (IAM Identity Center names %s); set sso_region or --sso-region to it and sign in again", e.Want)
	} else {
		msg += "; check sso_region or --sso-region and sign in again"
	}
	return msg
}

func (e *WrongRegionError) Unwrap() error { return e.Err }

// UnknownStartURLError reports a start URL that IAM Identity Center in
// the session's region does not know.
type UnknownStartURLError struct {
	// StartURL and Region are the session's.
	StartURL, Region string
	// Err is IAM Identity Center's refusal.
	Err error
}

func (e *UnknownStartURLError) Error() string {
	return fmt.Sprintf("IAM Identity Center in %s does not know the start URL %s; check --start-url (the AWS access portal URL) and --sso-region", e.Region, e.StartURL)
}

func (e *UnknownStartURLError) Unwrap() error { return e.Err }

// ThrottledError reports a portal request still refused for too many
// requests (429) after every attempt.
type ThrottledError struct {
	// Op is the operation ("ListAccountRoles"), Attempts how many were
	// sent.
	Op       string
	Attempts int
	// Err is the last refusal, an *Error.
	Err error
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("IAM Identity Center kept refusing %s for too many requests (%d attempts); wait a minute and try again", e.Op, e.Attempts)
}

func (e *ThrottledError) Unwrap() error { return e.Err }

// TokenInvalidError reports a token the portal no longer accepts (401:
// expired, signed out, or revoked). The caller drops it and signs in
// again.
type TokenInvalidError struct {
	// Session names the token's sso-session, or its start URL.
	Session string
	// Err is the portal's refusal, nil when the token had expired here.
	Err error
}

func (e *TokenInvalidError) Error() string {
	return fmt.Sprintf("the IAM Identity Center token of %s is no longer accepted; sign in again", e.Session)
}

func (e *TokenInvalidError) Unwrap() error { return e.Err }

// RoleNotAssignedError reports a role the person may not use in an
// account (the portal's 403 ForbiddenException "No access", or 404).
type RoleNotAssignedError struct {
	// AccountID and RoleName are the pair asked for.
	AccountID, RoleName string
	// Err is the portal's refusal.
	Err error
}

func (e *RoleNotAssignedError) Error() string {
	return fmt.Sprintf("IAM Identity Center does not assign you the role %s in account %s; pass another --account-id and --role-name (awsfed roles lists yours)", e.RoleName, e.AccountID)
}

func (e *RoleNotAssignedError) Unwrap() error { return e.Err }

// describe turns an SDK error of op into an *Error, with secrets blotted
// out of every text it takes from the error, or returns ctx's error when
// ctx ended.
func describe(ctx context.Context, op string, err error, secrets ...string) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("IAM Identity Center %s: %w", op, ctxErr)
	}
	e := &Error{Op: op, Err: err, StatusCode: statusCode(err)}
	var ae smithy.APIError
	if errors.As(err, &ae) && e.StatusCode != 0 {
		e.Code = ae.ErrorCode()
		e.Message = scrub(cmp.Or(ae.ErrorMessage(), oauthDescription(ae)), secrets)
	} else {
		// The transport's error: it may quote the URL (never a secret
		// here: tokens go in headers and bodies), and the SDK's wrapping.
		var oe *smithy.OperationError
		inner := err
		if errors.As(err, &oe) {
			inner = oe.Err
		}
		var re *awshttp.ResponseError
		if errors.As(inner, &re) {
			inner = re.Err
		}
		e.Message = scrub(inner.Error(), secrets)
	}
	return e
}

// oauthDescription is the error_description of an sso-oidc error, which
// the SDK keeps in a field of each error type rather than in its message.
func oauthDescription(err error) string {
	v := reflect.ValueOf(err)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return ""
	}
	if f := v.Elem().FieldByName("Error_description"); f.IsValid() && f.Type() == reflect.TypeFor[*string]() && !f.IsNil() {
		return f.Elem().String()
	}
	return ""
}

// statusCode is the HTTP status of the answer err came from, 0 if none.
func statusCode(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.Response != nil && re.Response.Response != nil {
		return re.HTTPStatusCode()
	}
	return 0
}

// errorCode is AWS's code for err, "" if it has none.
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// scrub puts msg on one line without any of secrets.
func scrub(msg string, secrets []string) string {
	for _, s := range secrets {
		if len(s) >= 4 {
			msg = strings.ReplaceAll(msg, s, "[redacted]")
		}
	}
	return strings.Join(strings.Fields(msg), " ")
}

// The exit code classes of awsfed's errors (design.md §3): a refusal of
// the person (3), a mistake in the settings (2), a refusal by AWS (5).

// Refused reports a refusal of the person: exit code 3.
func (e *AccessDeniedError) Refused() bool { return true }

// Refused reports a refusal of the person: exit code 3.
func (e *RoleNotAssignedError) Refused() bool { return true }

// ConfigMistake reports a mistake in the settings: exit code 2.
func (e *WrongRegionError) ConfigMistake() bool { return true }

// ConfigMistake reports a mistake in the settings: exit code 2.
func (e *UnknownStartURLError) ConfigMistake() bool { return true }

// AWSRefused reports a refusal by AWS (exit code 5); a request that got
// no answer is not one.
func (e *Error) AWSRefused() bool { return e.StatusCode != 0 }

// AWSRefused reports a refusal by AWS: exit code 5.
func (e *ThrottledError) AWSRefused() bool { return true }
