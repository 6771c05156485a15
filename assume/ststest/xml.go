package ststest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"time"
)

// apiError is an STS error answer.
type apiError struct {
	status  int
	code    string
	message string
}

// Errors whose code, message and status were checked against AWS's
// documentation or real answers quoted in public issue threads. The
// others in this package are marked where they are written.
var (
	// IAM User Guide, "Troubleshoot SAML federation with IAM".
	errAccessDenied = &apiError{403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithSAML"}
	// Code from the STS API model (the SDKs' ExpiredTokenException);
	// message as AWS sends it for an assertion past NotOnOrAfter
	// (Versent/saml2aws#759).
	errExpiredAssertion = &apiError{400, "ExpiredTokenException", "Response has expired"}
	// IAM User Guide, "Troubleshoot SAML federation with IAM".
	errNoSessionName  = &apiError{400, "InvalidIdentityToken", "RoleSessionName is required in AuthnResponse"}
	errBadSessionName = &apiError{400, "InvalidIdentityToken", "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}"}
	// STS AssumeRoleWithSAML API reference (DurationSeconds); quoted in
	// Nike-Inc/gimme-aws-creds#54.
	errMaxSessionDuration = &apiError{400, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."}
	// Role chaining, as quoted in aws/eks-anywhere#9485 and 99designs/aws-vault#263.
	errChainedDuration = &apiError{400, "ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."}
	// Answers to badly signed requests. From memory of real STS answers,
	// not checked against a source here.
	errMissingAuth       = &apiError{403, "MissingAuthenticationToken", "Request is missing Authentication Token"}
	errInvalidToken      = &apiError{403, "InvalidClientTokenId", "The security token included in the request is invalid."}
	errExpiredToken      = &apiError{403, "ExpiredToken", "The security token included in the request is expired"}
	errSignatureMismatch = &apiError{403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}
)

type errorResponse struct {
	XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ ErrorResponse"`
	Error   struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

type responseMetadata struct {
	RequestID string `xml:"RequestId"`
}

type credentialsXML struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

type assumedRoleUserXML struct {
	AssumedRoleID string `xml:"AssumedRoleId"`
	Arn           string `xml:"Arn"`
}

type samlResponseXML struct {
	XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ AssumeRoleWithSAMLResponse"`
	Result  struct {
		Issuer          string             `xml:"Issuer"`
		AssumedRoleUser assumedRoleUserXML `xml:"AssumedRoleUser"`
		Credentials     credentialsXML     `xml:"Credentials"`
		Audience        string             `xml:"Audience,omitempty"`
		SubjectType     string             `xml:"SubjectType,omitempty"`
		NameQualifier   string             `xml:"NameQualifier"`
		Subject         string             `xml:"Subject,omitempty"`
	} `xml:"AssumeRoleWithSAMLResult"`
	Metadata responseMetadata `xml:"ResponseMetadata"`
}

type assumeRoleResponseXML struct {
	XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ AssumeRoleResponse"`
	Result  struct {
		AssumedRoleUser assumedRoleUserXML `xml:"AssumedRoleUser"`
		Credentials     credentialsXML     `xml:"Credentials"`
	} `xml:"AssumeRoleResult"`
	Metadata responseMetadata `xml:"ResponseMetadata"`
}

type sessionTokenResponseXML struct {
	XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ GetSessionTokenResponse"`
	Result  struct {
		Credentials credentialsXML `xml:"Credentials"`
	} `xml:"GetSessionTokenResult"`
	Metadata responseMetadata `xml:"ResponseMetadata"`
}

type callerIdentityXML struct {
	XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ GetCallerIdentityResponse"`
	Result  struct {
		Arn     string `xml:"Arn"`
		UserID  string `xml:"UserId"`
		Account string `xml:"Account"`
	} `xml:"GetCallerIdentityResult"`
	Metadata responseMetadata `xml:"ResponseMetadata"`
}

func (r *samlResponseXML) setRequestID(id string)         { r.Metadata.RequestID = id }
func (r *assumeRoleResponseXML) setRequestID(id string)   { r.Metadata.RequestID = id }
func (r *callerIdentityXML) setRequestID(id string)       { r.Metadata.RequestID = id }
func (r *sessionTokenResponseXML) setRequestID(id string) { r.Metadata.RequestID = id }

// htmlErrorPage is what moto_server (Flask/werkzeug) sends when its code
// raises.
const htmlErrorPage = `<!doctype html>
<html lang=en>
<title>500 Internal Server Error</title>
<h1>Internal Server Error</h1>
<p>The server encountered an internal error and was unable to complete your request. Either the server is overloaded or there is an error in the application.</p>
`

func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[:8], h[8:12], h[12:16], h[16:20], h[20:])
}

func (s *Server) writeError(w http.ResponseWriter, e *apiError) {
	WriteError(w, e.status, e.code, e.message)
}

// WriteError answers with STS's XML error body for code and message and
// the HTTP status, as the fake STS writes its own errors: Type "Sender"
// (or "Receiver" for a status of 500 and above), a fresh RequestId, also in
// the X-Amzn-Requestid header. Other fakes in front of STS (package
// mfafront) answer with it.
func WriteError(w http.ResponseWriter, status int, code, message string) {
	var r errorResponse
	r.Error.Type = "Sender"
	if status >= 500 {
		r.Error.Type = "Receiver"
	}
	r.Error.Code = code
	r.Error.Message = message
	r.RequestID = newRequestID()
	// An errorResponse always marshals.
	_ = writeBody(w, status, r.RequestID, r)
}

func (s *Server) writeXML(w http.ResponseWriter, status int, v any) {
	id := newRequestID()
	if m, ok := v.(interface{ setRequestID(string) }); ok {
		m.setRequestID(id)
	}
	if err := writeBody(w, status, id, v); err != nil {
		s.t.Errorf("ststest: %v", err)
	}
}

func writeBody(w http.ResponseWriter, status int, requestID string, v any) error {
	b, err := xml.MarshalIndent(v, "", "  ")
	if err != nil {
		http.Error(w, "ststest: marshal failed", http.StatusInternalServerError)
		return fmt.Errorf("marshal %T: %w", v, err)
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", requestID)
	w.WriteHeader(status)
	_, _ = w.Write(b)
	_, _ = io.WriteString(w, "\n")
	return nil
}

func (s *Server) formatExpiration(t time.Time) string {
	if s.cfg.fractional {
		return t.UTC().Format("2006-01-02T15:04:05.000000Z")
	}
	return t.UTC().Format("2006-01-02T15:04:05Z")
}
