package ststest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// requestWithBody is a request whose body has already been read.
type requestWithBody struct {
	*http.Request
	body []byte
}

// principal is who signed a request: a session this server issued, or an
// IAM user with long-term keys (WithIAMUser).
type principal struct {
	// session is the issued session; zero for long-term keys.
	session Issued
	// user is the IAM user whose long-term keys signed, nil for a session.
	user *IAMUser
}

// arn is the caller's identity as GetCallerIdentity answers it.
func (p principal) arn() string {
	if p.user != nil {
		return p.user.ARN
	}
	return p.session.PrincipalARN
}

// userID is GetCallerIdentity's UserId: "AIDA…" for a user, "AROA…:<session>"
// for a role session.
func (p principal) userID() string {
	if p.user != nil {
		return userIDFor(p.user.ARN)
	}
	return p.session.AssumedRoleID
}

// roleSession reports whether the caller holds temporary credentials
// (from AssumeRole, AssumeRoleWithSAML, Issue or GetSessionToken): AWS
// limits a role assumed with them to 1 hour, as for role chaining ("Users
// that use MFA with the AWS CLI use temporary credentials to assume
// another role. The temporary credentials use the AWS STS GetSessionToken
// API and are limited to 1 hour", AWS knowledge center,
// iam-role-chaining-limit). Only long-term keys get the role's
// MaxSessionDuration.
func (p principal) roleSession() bool {
	return p.user == nil
}

// authenticate checks a SigV4-signed request against the credentials this
// server issued and the IAM users' long-term keys, and returns the caller.
func (s *Server) authenticate(r requestWithBody) (principal, *apiError) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return principal{}, errMissingAuth
	}
	const algo = "AWS4-HMAC-SHA256 "
	if !strings.HasPrefix(auth, algo) {
		return principal{}, errIncompleteSignature
	}
	fields := map[string]string{}
	for _, f := range strings.Split(strings.TrimPrefix(auth, algo), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(f), "=")
		fields[k] = v
	}
	cred, signed, sig := fields["Credential"], fields["SignedHeaders"], fields["Signature"]
	scope := strings.Split(cred, "/")
	amzDate := r.Header.Get("X-Amz-Date")
	if len(scope) != 5 || scope[4] != "aws4_request" || signed == "" || sig == "" ||
		len(amzDate) < 8 || amzDate[:8] != scope[1] {
		return principal{}, errIncompleteSignature
	}
	if s.revoked(scope[0]) {
		return principal{}, errInvalidToken
	}
	var caller principal
	var secret string
	token := r.Header.Get("X-Amz-Security-Token")
	if u, ok := s.cfg.users[scope[0]]; ok {
		// Long-term keys carry no session token; one sent along is not
		// theirs.
		if token != "" {
			return principal{}, errInvalidToken
		}
		caller.user, secret = &u, u.SecretAccessKey
	} else {
		is, ok := s.findIssued(scope[0])
		if !ok || token != is.SessionToken {
			return principal{}, errInvalidToken
		}
		caller.session, secret = is, is.SecretAccessKey
	}

	if !signatureMatches(r, secret, amzDate, scope, signed, sig) {
		return principal{}, errSignatureMismatch
	}
	if caller.user == nil && !s.now().Before(caller.session.Expiration) {
		return principal{}, errExpiredToken
	}
	return caller, nil
}

// signatureMatches reports whether sig is the SigV4 signature of r with
// secret, for the credential scope and signed headers given.
func signatureMatches(r requestWithBody, secret, amzDate string, scope []string, signed, sig string) bool {
	canonical := canonicalRequest(r, strings.Split(signed, ";"))
	sum := sha256.Sum256([]byte(canonical))
	stringToSign := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + strings.Join(scope[1:], "/") + "\n" + hex.EncodeToString(sum[:])
	key := []byte("AWS4" + secret)
	for _, part := range scope[1:] {
		key = hmacSHA256(key, part)
	}
	want := hex.EncodeToString(hmacSHA256(key, stringToSign))
	return hmac.Equal([]byte(want), []byte(sig))
}

// CheckSignature checks the SigV4 signature in r's Authorization header
// against secretAccessKey, as the fake STS checks a request signed with
// long-term keys; body is r's body, already read. It returns 0 when the
// signature matches, else the HTTP status, error code and message the fake
// STS answers (MissingAuthenticationToken, IncompleteSignature,
// SignatureDoesNotMatch). Whether the key is known or revoked is not
// checked. For fakes in front of STS (package mfafront) that answer a
// request themselves.
func CheckSignature(r *http.Request, body []byte, secretAccessKey string) (status int, code, message string) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return errMissingAuth.status, errMissingAuth.code, errMissingAuth.message
	}
	const algo = "AWS4-HMAC-SHA256 "
	fields := map[string]string{}
	for _, f := range strings.Split(strings.TrimPrefix(auth, algo), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(f), "=")
		fields[k] = v
	}
	scope := strings.Split(fields["Credential"], "/")
	amzDate := r.Header.Get("X-Amz-Date")
	if !strings.HasPrefix(auth, algo) || len(scope) != 5 || scope[4] != "aws4_request" || fields["SignedHeaders"] == "" ||
		fields["Signature"] == "" || len(amzDate) < 8 || amzDate[:8] != scope[1] {
		return errIncompleteSignature.status, errIncompleteSignature.code, errIncompleteSignature.message
	}
	if !signatureMatches(requestWithBody{r, body}, secretAccessKey, amzDate, scope, fields["SignedHeaders"], fields["Signature"]) {
		return errSignatureMismatch.status, errSignatureMismatch.code, errSignatureMismatch.message
	}
	return 0, "", ""
}

// errIncompleteSignature's wording is a guess.
var errIncompleteSignature = &apiError{400, "IncompleteSignature", "The request signature does not conform to AWS standards."}

func canonicalRequest(r requestWithBody, signedHeaders []string) string {
	var b strings.Builder
	b.WriteString(r.Method + "\n")
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	b.WriteString(path + "\n")
	b.WriteString(canonicalQuery(r.URL.Query()) + "\n")
	for _, h := range signedHeaders {
		var vals []string
		switch h {
		case "host":
			vals = []string{r.Host}
		case "content-length":
			vals = []string{strconv.FormatInt(r.ContentLength, 10)}
		default:
			for _, v := range r.Header.Values(h) {
				vals = append(vals, strings.Join(strings.Fields(v), " "))
			}
		}
		b.WriteString(h + ":" + strings.Join(vals, ",") + "\n")
	}
	b.WriteString("\n" + strings.Join(signedHeaders, ";") + "\n")
	payload := r.Header.Get("X-Amz-Content-Sha256")
	if payload == "" {
		sum := sha256.Sum256(r.body)
		payload = hex.EncodeToString(sum[:])
	}
	b.WriteString(payload)
	return b.String()
}

func canonicalQuery(q url.Values) string {
	var parts []string
	for k, vs := range q {
		for _, v := range vs {
			parts = append(parts, sigEscape(k)+"="+sigEscape(v))
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, "&")
}

func sigEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}
