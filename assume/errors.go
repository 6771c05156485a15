package assume

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/seed-2d15385e/awsfed/internal/httplimit"
)

var errNoCredentials = errors.New("STS answered without credentials")

// Error reports that STS refused a request, or could not be reached, in one
// line that names the cause and the next step. It never holds the SAML
// assertion or any credential. Callers map it to exit code 5.
type Error struct {
	// RoleARN is the role that was asked for.
	RoleARN string
	// Code is STS's error code ("AccessDenied", "ValidationError", …), or ""
	// when no STS answer was read.
	Code string
	// Message is STS's own message, on one line, if it sent one.
	Message string
	// StatusCode is the HTTP status of the answer, 0 if there was none.
	StatusCode int
	// RequestID is STS's request id, for AWS support, if there was one.
	RequestID string
	// Endpoint is the URL the request went to, when known.
	Endpoint string
	// Reason says what went wrong.
	Reason string
	// Hint says what the person can do next.
	Hint string
	// Err is the underlying error, if any.
	Err error
}

func (e *Error) Error() string {
	if e.Hint == "" {
		return e.Reason
	}
	return e.Reason + " — " + e.Hint
}

func (e *Error) Unwrap() error { return e.Err }

// isMaxSessionDuration reports whether err is STS's answer to a
// DurationSeconds above the role's MaxSessionDuration: a ValidationError
// "The requested DurationSeconds exceeds the MaxSessionDuration set for this
// role." (STS AssumeRoleWithSAML API reference). Only the word
// MaxSessionDuration is matched, in case AWS rewords the rest.
func isMaxSessionDuration(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "ValidationError" &&
		strings.Contains(ae.ErrorMessage(), "MaxSessionDuration")
}

// describe turns an error from an AssumeRoleWithSAML call that asked for d
// into an *Error, or returns the context's error if ctx ended.
func describe(ctx context.Context, err error, in SAMLInput, d time.Duration) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("assume: %w", ctxErr)
	}
	e, re := newError(in.Role.RoleARN, err, in.Assertion)
	role, principal := in.Role.RoleARN, in.Role.PrincipalARN
	said := e.said()
	switch {
	case errors.Is(err, errNoCredentials):
		e.Reason = fmt.Sprintf("STS answered AssumeRoleWithSAML for %s without credentials", role)
		e.Hint = "check that AWS_ENDPOINT_URL_STS, if set, points at STS"
	case e.Code == "AccessDenied":
		e.Reason = fmt.Sprintf("STS refused AssumeRoleWithSAML for %s: access denied%s", role, said)
		e.Hint = fmt.Sprintf("check the role's trust policy and that the SAML provider %s exists in that account", principal)
	case e.Code == "ExpiredTokenException" || e.Code == "ExpiredToken":
		e.Reason = "the SAML assertion has expired" + said
		e.Hint = "log in again (and check this machine's clock)"
	case e.Code == "InvalidIdentityToken":
		e.Reason = fmt.Sprintf("STS rejected the SAML assertion for %s%s", role, said)
		e.Hint = fmt.Sprintf("check the IdP's AWS application (RoleSessionName, signing certificate) and the metadata of the SAML provider %s in IAM", principal)
	case e.Code == "IDPRejectedClaim":
		e.Reason = fmt.Sprintf("the identity provider rejected the claim for %s%s", role, said)
		e.Hint = "log in again; if it keeps failing, check the IdP's AWS application"
	case e.Code == "ValidationError" && strings.Contains(e.Message, "MaxSessionDuration"):
		e.Reason = fmt.Sprintf("STS refused a %s session for %s%s", durationOrDefault(d), role, said)
		e.Hint = "pass a shorter --duration, or raise the role's maximum session duration in IAM"
	case e.Code == "ValidationError" && strings.Contains(strings.ToLower(e.Message), "durationseconds"):
		e.Reason = fmt.Sprintf("STS rejected the duration %s%s", durationOrDefault(d), said)
		e.Hint = "pass a --duration between 15m and 12h"
	case e.Code == "ValidationError":
		e.Reason = fmt.Sprintf("STS rejected the AssumeRoleWithSAML request for %s%s", role, said)
		e.Hint = "check --role-arn and the roles the assertion grants"
	case e.regionOrThrottle("pass --region " + DefaultRegion(role)):
	case e.Code != "":
		e.Reason = fmt.Sprintf("STS refused AssumeRoleWithSAML for %s: %s%s", role, e.Code, said)
		e.Hint = fmt.Sprintf("check the role and the SAML provider %s in IAM", principal)
	default:
		e.noAnswer(re, "AssumeRoleWithSAML", in.Assertion)
	}
	return e
}

// newError starts the *Error for err from a call about role: STS's code,
// message, status, request id and endpoint when it answered. It also
// returns the HTTP answer, nil when there was none. secret is blotted out
// of the message.
func newError(role string, err error, secret string) (*Error, *awshttp.ResponseError) {
	e := &Error{RoleARN: role, Err: err}
	// The SDK wraps transport failures in a ResponseError too; only one
	// with a status is an answer.
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.Response == nil || re.Response.Response == nil || re.HTTPStatusCode() == 0 {
		re = nil
	}
	if re != nil {
		e.StatusCode = re.HTTPStatusCode()
		e.RequestID = re.ServiceRequestID()
		if re.Response != nil && re.Response.Request != nil {
			e.Endpoint = endpointOf(re.Response.Request.URL)
		}
	}
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() != "UnknownError" && (re == nil || isXMLAnswer(re)) {
		e.Code = ae.ErrorCode()
		e.Message = oneLine(ae.ErrorMessage(), secret)
	}
	return e, re
}

// regionOrThrottle explains STS's codes for a region where STS is off and
// for throttling, whatever the call, and reports whether e.Code was one of
// them; otherRegion says how to use another region.
func (e *Error) regionOrThrottle(otherRegion string) bool {
	switch {
	case e.Code == "RegionDisabledException" || e.Code == "RegionDisabled":
		e.Reason = fmt.Sprintf("STS is not activated in this region for the account of %s%s", e.RoleARN, e.said())
		e.Hint = otherRegion + ", or ask the account administrator to activate STS in this region"
	case isThrottle(e.Code):
		e.Reason = fmt.Sprintf("STS is throttling requests (%s)%s", e.Code, e.said())
		e.Hint = "wait a minute and try again"
	default:
		return false
	}
	return true
}

// said is STS's message as a parenthesis to append, or "".
func (e *Error) said() string {
	if e.Message == "" {
		return ""
	}
	return " (STS: " + e.Message + ")"
}

// noAnswer explains a failure without an STS error code: an answer that is
// not STS's (re set), no answer at all, or something else; call names the
// STS action.
func (e *Error) noAnswer(re *awshttp.ResponseError, call, secret string) {
	var tooLarge *httplimit.TooLargeError
	if errors.As(e.Err, &tooLarge) {
		e.Reason = fmt.Sprintf("STS at %s: %v", orUnknown(e.Endpoint), tooLarge)
		e.Hint = "check that AWS_ENDPOINT_URL_STS, if set, points at STS, and any proxy in between"
		return
	}
	var timeout *httplimit.TimeoutError
	if errors.As(e.Err, &timeout) {
		e.Reason = fmt.Sprintf("STS at %s: %v", orUnknown(endpointOr(e.Endpoint, timeout.Host)), timeout)
		e.Hint = "check AWS_ENDPOINT_URL_STS if it is set"
		return
	}
	if re != nil {
		e.Reason = fmt.Sprintf("STS at %s answered HTTP %d with something that is not an STS reply%s",
			orUnknown(e.Endpoint), e.StatusCode, contentTypeNote(re))
		e.Hint = "check that AWS_ENDPOINT_URL_STS, if set, points at STS, and any proxy in between"
		return
	}
	var ue *url.Error
	if errors.As(e.Err, &ue) {
		e.Endpoint = endpointOfString(ue.URL)
		e.Reason = fmt.Sprintf("could not reach STS at %s: %s", orUnknown(e.Endpoint), netCause(ue))
		e.Hint = "check the network and proxy settings, and AWS_ENDPOINT_URL_STS if it is set"
		return
	}
	e.Reason = fmt.Sprintf("%s for %s failed: %s", call, e.RoleARN, oneLine(e.Err.Error(), secret))
	e.Hint = "run again; if it keeps failing, check the network and AWS_ENDPOINT_URL_STS if it is set"
}

// endpointOr is endpoint, or host when endpoint is not known.
func endpointOr(endpoint, host string) string {
	if endpoint != "" {
		return endpoint
	}
	return host
}

func durationOrDefault(d time.Duration) time.Duration {
	if d == 0 {
		return time.Hour
	}
	return d
}

// isXMLAnswer reports whether the response was XML, as every STS answer is;
// an HTML error page never counts as STS's word.
func isXMLAnswer(re *awshttp.ResponseError) bool {
	if re.Response == nil {
		return false
	}
	mt, _, err := mime.ParseMediaType(re.Response.Header.Get("Content-Type"))
	if err != nil {
		// STS always labels its answers; an unlabelled one passed the XML
		// parser, so take it as STS's.
		return re.Response.Header.Get("Content-Type") == ""
	}
	return mt == "text/xml" || mt == "application/xml"
}

func contentTypeNote(re *awshttp.ResponseError) string {
	if re.Response == nil {
		return ""
	}
	mt, _, err := mime.ParseMediaType(re.Response.Header.Get("Content-Type"))
	if err != nil {
		return ""
	}
	return " (" + mt + ")"
}

func isThrottle(code string) bool {
	switch code {
	case "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException":
		return true
	}
	return false
}

// endpointOf returns u without user info, query or fragment.
func endpointOf(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User, c.RawQuery, c.Fragment = nil, "", ""
	return c.String()
}

// endpointOfString is endpointOf for a URL in a string.
func endpointOfString(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return endpointOf(u)
}

func orUnknown(s string) string {
	if s == "" {
		return "(unknown endpoint)"
	}
	return s
}

// netCause names a transport failure in a few words.
func netCause(ue *url.Error) string {
	var dns *net.DNSError
	switch {
	case errors.Is(ue, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.As(ue, &dns):
		if dns.IsNotFound {
			return "no such host " + dns.Name
		}
		return "DNS lookup of " + dns.Name + " failed"
	case ue.Timeout():
		return "timed out"
	}
	return oneLine(ue.Err.Error(), "")
}

// oneLine flattens s to one line of at most 300 characters, with secret
// (the assertion) blotted out should a server echo it.
func oneLine(s, secret string) string {
	if secret != "" {
		s = strings.ReplaceAll(s, secret, "[SAML assertion]")
	}
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 300 {
		s = string(r[:300]) + "…"
	}
	return s
}

// Unreachable reports whether err is a request that got no answer (a
// refused connection, a failed DNS lookup, a timeout), with the endpoint
// it went to and the cause in a few words.
func Unreachable(err error) (endpoint, cause string, ok bool) {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return "", "", false
	}
	return endpointOfString(ue.URL), netCause(ue), true
}
