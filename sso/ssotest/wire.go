package ssotest

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sort"
	"strings"
)

// apiError is an error answer. The OIDC service writes it as
// {"error","error_description"} (RFC 6749 style), the portal as
// {"message","__type"}; both name the type in X-Amzn-ErrorType, which is
// where the SDKs read it first.
type apiError struct {
	status int
	typ    string // "InvalidGrantException"
	code   string // OIDC "error" member: "invalid_grant"
	msg    string // OIDC error_description, portal message
	// region and endpoint are InvalidRequestRegionException's members.
	region, endpoint string
}

func (e *apiError) Error() string { return e.typ + ": " + e.msg }

// OIDC errors. Types, statuses and "error" codes are the API model's; the
// descriptions AWS was seen to send are used where known ("Authorization is
// still pending", "Invalid refresh token provided"), the others are
// plausible wording.
func oidcError(status int, typ, code, msg string) *apiError {
	return &apiError{status: status, typ: typ, code: code, msg: msg}
}

func errInvalidRequest(format string, args ...any) *apiError {
	return oidcError(400, "InvalidRequestException", "invalid_request", fmt.Sprintf(format, args...))
}

func errInvalidClient(msg string) *apiError {
	return oidcError(401, "InvalidClientException", "invalid_client", msg)
}

func errInvalidGrant(msg string) *apiError {
	return oidcError(400, "InvalidGrantException", "invalid_grant", msg)
}

func errInvalidClientMetadata(format string, args ...any) *apiError {
	return oidcError(400, "InvalidClientMetadataException", "invalid_client_metadata", fmt.Sprintf(format, args...))
}

var (
	errPending       = oidcError(400, "AuthorizationPendingException", "authorization_pending", "Authorization is still pending")
	errSlowDown      = oidcError(400, "SlowDownException", "slow_down", "Client is polling too quickly")
	errExpiredDevice = oidcError(400, "ExpiredTokenException", "expired_token", "Device code has expired")
	errExpiredCode   = oidcError(400, "ExpiredTokenException", "expired_token", "Authorization code has expired")
	errAccessDenied  = oidcError(400, "AccessDeniedException", "access_denied", "Access denied")
)

// Portal errors, as AWS sends them (messages seen in the wild).
func portalError(status int, typ, msg string) *apiError {
	return &apiError{status: status, typ: typ, msg: msg}
}

var (
	errUnauthorized = portalError(401, "UnauthorizedException", "Session token not found or invalid")
	errForbidden    = portalError(403, "ForbiddenException", "No access")
	errThrottled    = &apiError{status: 429, typ: "TooManyRequestsException", code: "too_many_requests", msg: "HTTP 429 Unknown Code"}
)

func errPortalInvalidRequest(msg string) *apiError {
	return portalError(400, "InvalidRequestException", msg)
}

// exchange is one request being answered.
type exchange struct {
	s    *Server
	w    http.ResponseWriter
	r    *http.Request
	body []byte
	rec  Request
}

// queryMembers records the names of the query parameters.
func (x *exchange) queryMembers() {
	for name := range x.r.URL.Query() {
		x.rec.Members = append(x.rec.Members, name)
	}
	sort.Strings(x.rec.Members)
}

func (x *exchange) problem(format string, args ...any) {
	x.rec.Problems = append(x.rec.Problems, fmt.Sprintf(format, args...))
}

// handler wraps serve with reading the body, throttling and recording.
func (s *Server) handler(service, region string, serve func(*exchange)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x := &exchange{s: s, w: w, r: r, rec: Request{Service: service, Region: region, Method: r.Method, Path: r.URL.Path}}
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			s.t.Errorf("ssotest: read request body: %v", err)
			return
		}
		x.body = body
		r.Body = io.NopCloser(bytes.NewReader(body))
		if auth := r.Header.Get("Authorization"); auth != "" {
			// Every Identity Center OIDC and portal call is anonymous; a
			// signature here means the client leaked credentials to it.
			x.problem("Authorization header on an unsigned API: %.40s…", auth)
		}
		serve(x)
		s.mu.Lock()
		s.requests = append(s.requests, x.rec)
		s.mu.Unlock()
	})
}

// throttled answers 429 if Options.Throttle says so.
func (x *exchange) throttled() bool {
	if x.s.opts.Throttle == nil || !x.s.opts.Throttle(x.r) {
		return false
	}
	x.fail(errThrottled)
	return true
}

func (x *exchange) header(status int, errType string) {
	h := x.w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Amzn-Requestid", newRequestID())
	if errType != "" {
		ns := "com.amazonaws.sso.oidc"
		if x.rec.Service == "portal" {
			ns = "com.amazonaws.switchboard.portal"
		}
		h.Set("X-Amzn-Errortype", errType+":http://internal.amazon.com/coral/"+ns+"/")
	}
	x.rec.Status = status
	x.rec.ErrorType = errType
	x.w.WriteHeader(status)
}

func (x *exchange) fail(e *apiError) {
	var body map[string]string
	if x.rec.Service == "portal" {
		body = map[string]string{"message": e.msg, "__type": "com.amazonaws.switchboard.portal#" + e.typ}
	} else {
		body = map[string]string{"error": e.code, "error_description": e.msg}
		if e.region != "" {
			body["region"] = e.region
			body["endpoint"] = e.endpoint
		}
	}
	x.header(e.status, e.typ)
	_ = json.NewEncoder(x.w).Encode(body)
}

func (x *exchange) ok(v any) {
	x.header(http.StatusOK, "")
	if v != nil {
		_ = json.NewEncoder(x.w).Encode(v)
	}
}

// unknownOperation answers a method and path the API does not have.
func (x *exchange) unknownOperation() {
	x.problem("no operation is %s %s", x.r.Method, x.r.URL.Path)
	x.header(http.StatusNotFound, "UnknownOperationException")
	_, _ = io.WriteString(x.w, `{"message":"Unknown operation"}`+"\n")
}

// kind is the JSON type of a request member.
type kind int

const (
	kString kind = iota
	kStringList
)

type member struct {
	name     string
	kind     kind
	required bool
}

// input is a decoded JSON body: strings and lists of strings by member name.
type input struct {
	str  map[string]string
	list map[string][]string
}

func (in input) has(name string) bool {
	_, s := in.str[name]
	_, l := in.list[name]
	return s || l
}

// decodeJSON reads the body as the JSON object of a restJson1 operation
// with the given members. Unknown members, nulls and a wrong Content-Type
// are problems the request survives (AWS ignores unknown members); a body
// that is not an object, a member of the wrong type or a missing required
// member is also answered with InvalidRequestException.
func (x *exchange) decodeJSON(members []member) (input, *apiError) {
	in := input{str: map[string]string{}, list: map[string][]string{}}
	if mt, _, err := mime.ParseMediaType(x.r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		x.problem("Content-Type %q, want application/json", x.r.Header.Get("Content-Type"))
	}
	if len(x.r.URL.RawQuery) > 0 {
		x.problem("query string %q on an operation that has none", x.r.URL.RawQuery)
	}
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(x.body))
	if err := dec.Decode(&raw); err != nil || raw == nil {
		x.problem("body is not a JSON object: %.80q", x.body)
		return in, errInvalidRequest("Invalid request body")
	}
	if dec.More() {
		x.problem("data after the JSON object")
	}
	known := map[string]member{}
	for _, m := range members {
		known[m.name] = m
	}
	names := make([]string, 0, len(raw))
	for name := range raw {
		names = append(names, name)
	}
	sort.Strings(names)
	x.rec.Members = names
	for _, name := range names {
		v := raw[name]
		m, ok := known[name]
		if !ok {
			x.problem("unknown member %q", name)
			continue
		}
		if string(v) == "null" {
			x.problem("member %q is null", name)
			continue
		}
		switch m.kind {
		case kString:
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				x.problem("member %q is %s, want a string", name, v)
				return in, errInvalidRequest("Invalid value for %s", name)
			}
			in.str[name] = s
		case kStringList:
			var l []string
			if err := json.Unmarshal(v, &l); err != nil {
				x.problem("member %q is %s, want a list of strings", name, v)
				return in, errInvalidRequest("Invalid value for %s", name)
			}
			in.list[name] = l
		}
	}
	var missing []string
	for _, m := range members {
		if m.required && !in.has(m.name) {
			missing = append(missing, m.name)
		}
	}
	if len(missing) > 0 {
		x.problem("required member(s) missing: %s", strings.Join(missing, ", "))
		return in, errInvalidRequest("Missing required parameter(s): %s", strings.Join(missing, ", "))
	}
	return in, nil
}

// randomID is n random bytes, base64url without padding.
func randomID(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// randomFrom is n characters drawn from alphabet.
func randomFrom(alphabet string, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
