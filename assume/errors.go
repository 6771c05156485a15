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
	e := &Error{RoleARN: in.Role.RoleARN, Err: err}
	role, principal := in.Role.RoleARN, in.Role.PrincipalARN

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
		e.Message = oneLine(ae.ErrorMessage(), in.Assertion)
	}

	said := ""
	if e.Message != "" {
		said = " (STS: " + e.Message + ")"
	}
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
	case e.Code == "RegionDisabledException" || e.Code == "RegionDisabled":
		e.Reason = fmt.Sprintf("STS is not activated in this region for the account of %s%s", role, said)
		e.Hint = fmt.Sprintf("pass --region %s, or ask the account administrator to activate STS in this region", DefaultRegion(role))
	case isThrottle(e.Code):
		e.Reason = fmt.Sprintf("STS is throttling requests (%s)%s", e.Code, said)
		e.Hint = "wait a minute and try again"
	case e.Code != "":
		e.Reason = fmt.Sprintf("STS refused AssumeRoleWithSAML for %s: %s%s", role, e.Code, said)
		e.Hint = fmt.Sprintf("check the role and the SAML provider %s in IAM", principal)
	case re != nil:
		e.Reason = fmt.Sprintf("STS at %s answered HTTP %d with something that is not an STS reply%s",
			orUnknown(e.Endpoint), e.StatusCode, contentTypeNote(re))
		e.Hint = "check that AWS_ENDPOINT_URL_STS, if set, points at STS, and any proxy in between"
	default:
		var ue *url.Error
		if errors.As(err, &ue) {
			e.Endpoint = endpointOfString(ue.URL)
			e.Reason = fmt.Sprintf("could not reach STS at %s: %s", orUnknown(e.Endpoint), netCause(ue))
			e.Hint = "check the network and proxy settings, and AWS_ENDPOINT_URL_STS if it is set"
			break
		}
		e.Reason = fmt.Sprintf("AssumeRoleWithSAML for %s failed: %s", role, oneLine(err.Error(), in.Assertion))
		e.Hint = "run again; if it keeps failing, check the network and AWS_ENDPOINT_URL_STS if it is set"
	}
	return e
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
