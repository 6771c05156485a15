// Package ststest runs a fake AWS STS for tests. Unlike moto it behaves like
// the real service where awsfed depends on it: AssumeRoleWithSAML checks that
// the requested role/principal pair is in the assertion, rejects an expired
// assertion and a bad RoleSessionName, validates DurationSeconds, enforces a
// per-role MaxSessionDuration, and answers with AWS's XML bodies, error
// codes, messages and HTTP statuses.
//
// What is implemented:
//
//   - AssumeRoleWithSAML: fully, as above. Signatures on the assertion are
//     not checked. A signed request is answered as AWS does (the signature
//     is ignored), but its Authorization header is recorded for tests.
//   - GetCallerIdentity: for credentials this server issued and for the
//     long-term keys of IAM users WithIAMUser adds. The request's SigV4
//     signature is checked against the issued secret and session token
//     (or the user's secret, with no session token), so a wrongly stored
//     key fails as it would at AWS. A user's keys, and GetSessionToken
//     credentials, answer the user's ARN, UserId ("AIDA…") and account.
//   - GetSessionToken: signed with an IAM user's long-term keys only;
//     session credentials get AccessDenied. DurationSeconds is
//     900–129600 (default 43200). The credentials it issues (Action
//     "GetSessionToken") are the user's.
//   - AssumeRole: minimal. The caller must sign with issued credentials or
//     a user's long-term keys; every role trusts every caller, except
//     those WithDeniedRole names. Each role's MaxSessionDuration applies,
//     and a role assumed with temporary credentials (from AssumeRole,
//     AssumeRoleWithSAML, Issue or GetSessionToken) is limited to one
//     hour, as at AWS; only long-term keys get the role's
//     MaxSessionDuration.
//     No policies or tags; ExternalId is recorded (Request.Form), not
//     checked.
//   - MFA: SerialNumber and TokenCode are checked for their form only
//     (AWS's length and pattern constraints) and recorded; whether the
//     device is the caller's and the code is right is left to a front
//     such as package mfafront.
//   - Server.RevokeKey: a deleted access key; requests signed with it
//     answer InvalidClientTokenId.
//
// Any other action answers InvalidAction.
package ststest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// APIVersion is the only Version the fake STS accepts.
const APIVersion = "2011-06-15"

// DefaultMaxSessionDuration is a role's MaxSessionDuration unless
// WithMaxSessionDuration says otherwise; it is IAM's default.
const DefaultMaxSessionDuration = time.Hour

// Request is one request the server received, parsed.
type Request struct {
	Method  string
	Action  string
	Version string
	// RoleARN, PrincipalARN, SAMLAssertion and RoleSessionName are the
	// request's parameters of those names, "" when absent.
	RoleARN         string
	PrincipalARN    string
	SAMLAssertion   string
	RoleSessionName string
	// DurationSeconds is the DurationSeconds parameter, 0 when absent or
	// not a number.
	DurationSeconds int
	// Authorization is the request's Authorization header; AssumeRoleWithSAML
	// must be sent without one.
	Authorization string
	// SecurityToken is the X-Amz-Security-Token header.
	SecurityToken string
	// Form holds every parameter, from the body and the query string.
	Form url.Values
}

// Signed reports whether the request carried a signature or a session
// token, i.e. whether the client sent credentials.
func (r Request) Signed() bool {
	return r.Authorization != "" || r.SecurityToken != "" ||
		r.Form.Get("X-Amz-Signature") != "" || r.Form.Get("X-Amz-Credential") != ""
}

// Issued is a set of credentials the server handed out.
type Issued struct {
	// Action is the call that issued them.
	Action          string
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	// Expiration is exactly what the response said.
	Expiration time.Time
	// RoleARN is the role assumed; "" for GetSessionToken.
	RoleARN string
	// PrincipalARN and AssumedRoleID are the session's ARN and id
	// ("AROA…:<session name>"). For GetSessionToken they are the user's
	// ARN and id ("AIDA…"), as GetCallerIdentity answers them.
	PrincipalARN  string
	AssumedRoleID string
	SessionName   string
	// Chained is true for sessions made by AssumeRole with temporary
	// credentials (capped at one hour), not with long-term keys.
	Chained bool
}

// IAMUser is an IAM user with long-term access keys.
type IAMUser struct {
	// ARN is the user's, e.g. "arn:aws:iam::111111111111:user/alice".
	ARN string
	// AccessKeyID ("AKIA…") and SecretAccessKey are the user's keys.
	AccessKeyID     string
	SecretAccessKey string
}

// Option changes how the server behaves.
type Option func(*config)

type config struct {
	users      map[string]IAMUser // by access key id
	maxSession map[string]time.Duration
	denied     map[string]bool
	latency    time.Duration
	failure    *apiError
	htmlStatus int
	clock      func() time.Time
	tls        bool
	fractional bool
}

// WithMaxSessionDuration sets roleARN's MaxSessionDuration (default 1h).
// IAM allows 1h to 12h; shorter values are accepted here so that tests can
// make even a 1h request fail.
func WithMaxSessionDuration(roleARN string, d time.Duration) Option {
	return func(c *config) { c.maxSession[roleARN] = d }
}

// WithIAMUser adds an IAM user whose long-term keys sign requests
// (GetSessionToken, AssumeRole, GetCallerIdentity). A malformed ARN fails
// the test when the server starts.
func WithIAMUser(u IAMUser) Option {
	return func(c *config) { c.users[u.AccessKeyID] = u }
}

// WithDeniedRole makes AssumeRole of roleARN fail with AccessDenied, as
// when the role's trust policy does not name the caller.
func WithDeniedRole(roleARN string) Option {
	return func(c *config) { c.denied[roleARN] = true }
}

// WithLatency delays every answer by d (or until the client gives up).
func WithLatency(d time.Duration) Option {
	return func(c *config) { c.latency = d }
}

// WithFailure answers every request with STS's XML error body for code and
// message and the given HTTP status, e.g. ("RegionDisabledException",
// "STS is not activated in this region for account:123456789012. …", 403).
func WithFailure(code, message string, status int) Option {
	return func(c *config) { c.failure = &apiError{status: status, code: code, message: message} }
}

// WithHTMLFailure answers every request with an HTML error page and the given
// status, as moto_server does when its STS code crashes (HTTP 500).
func WithHTMLFailure(status int) Option {
	return func(c *config) { c.htmlStatus = status }
}

// WithClock sets the server's clock, used for assertion expiry, credential
// expiration and credential checks (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(c *config) { c.clock = now }
}

// WithTLS serves HTTPS with a test certificate; use Server.Client.
func WithTLS() Option {
	return func(c *config) { c.tls = true }
}

// WithMicroseconds writes Expiration with six fractional digits, as moto
// does, instead of AWS's whole seconds.
func WithMicroseconds() Option {
	return func(c *config) { c.fractional = true }
}

// Server is a running fake STS.
type Server struct {
	// URL is the endpoint, e.g. for AWS_ENDPOINT_URL_STS.
	URL string

	t   testing.TB
	hs  *httptest.Server
	cfg config

	mu       sync.Mutex
	requests []Request
	issued   []Issued
	revokedK map[string]bool
}

// NewServer starts a fake STS, plain HTTP unless WithTLS is given. It is
// closed when the test ends.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{t: t, revokedK: map[string]bool{}, cfg: config{
		users: map[string]IAMUser{}, maxSession: map[string]time.Duration{}, denied: map[string]bool{}, clock: time.Now}}
	for _, o := range opts {
		o(&s.cfg)
	}
	for _, u := range s.cfg.users {
		if _, ok := parseUserARN(u.ARN); !ok || u.AccessKeyID == "" || u.SecretAccessKey == "" {
			t.Fatalf("ststest: WithIAMUser(%+v): want a user ARN and both keys", u)
		}
	}
	if s.cfg.tls {
		s.hs = httptest.NewTLSServer(s)
	} else {
		s.hs = httptest.NewServer(s)
	}
	s.URL = s.hs.URL
	t.Cleanup(s.hs.Close)
	return s
}

// Client returns an HTTP client that trusts the server's certificate.
func (s *Server) Client() *http.Client { return s.hs.Client() }

// Close stops the server early; NewServer already closes it at the end of
// the test.
func (s *Server) Close() { s.hs.Close() }

// Requests returns a copy of every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		r.Form = cloneValues(r.Form)
		out[i] = r
	}
	return out
}

// RevokeKey deletes an access key, a user's long-term one or issued
// credentials': afterwards requests signed with it answer
// InvalidClientTokenId, as AWS answers for a deleted key. Credentials
// obtained with it earlier stay valid.
func (s *Server) RevokeKey(accessKeyID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.revokedK[accessKeyID] = true
}

func (s *Server) revoked(accessKeyID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.revokedK[accessKeyID]
}

// Issued returns a copy of every set of credentials handed out so far.
func (s *Server) Issued() []Issued {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Issued(nil), s.issued...)
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		s.t.Errorf("ststest: read request body: %v", err)
		return
	}
	form := r.URL.Query()
	if r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		bodyForm, err := url.ParseQuery(string(body))
		if err != nil {
			s.writeError(w, &apiError{status: 400, code: "MalformedQueryString", message: "The query string is malformed."})
			return
		}
		for k, v := range bodyForm {
			form[k] = append(form[k], v...)
		}
	}
	req := Request{
		Method:          r.Method,
		Action:          form.Get("Action"),
		Version:         form.Get("Version"),
		RoleARN:         form.Get("RoleArn"),
		PrincipalARN:    form.Get("PrincipalArn"),
		SAMLAssertion:   form.Get("SAMLAssertion"),
		RoleSessionName: form.Get("RoleSessionName"),
		Authorization:   r.Header.Get("Authorization"),
		SecurityToken:   r.Header.Get("X-Amz-Security-Token"),
		Form:            form,
	}
	req.DurationSeconds, _ = strconv.Atoi(form.Get("DurationSeconds"))
	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.mu.Unlock()

	if s.cfg.latency > 0 {
		select {
		case <-time.After(s.cfg.latency):
		case <-r.Context().Done():
			return
		}
	}
	if s.cfg.htmlStatus != 0 {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(s.cfg.htmlStatus)
		_, _ = io.WriteString(w, htmlErrorPage)
		return
	}
	if s.cfg.failure != nil {
		s.writeError(w, s.cfg.failure)
		return
	}

	var resp any
	var aerr *apiError
	switch {
	case req.Action == "":
		aerr = &apiError{status: 400, code: "MissingAction", message: "Missing Action"}
	case req.Version != APIVersion:
		aerr = &apiError{status: 400, code: "InvalidAction",
			message: fmt.Sprintf("Could not find operation %s for version %s", req.Action, req.Version)}
	case req.Action == "AssumeRoleWithSAML":
		resp, aerr = s.assumeRoleWithSAML(req)
	case req.Action == "GetCallerIdentity":
		resp, aerr = s.getCallerIdentity(requestWithBody{r, body})
	case req.Action == "AssumeRole":
		resp, aerr = s.assumeRole(requestWithBody{r, body}, req)
	case req.Action == "GetSessionToken":
		resp, aerr = s.getSessionToken(requestWithBody{r, body}, req)
	default:
		aerr = &apiError{status: 400, code: "InvalidAction",
			message: fmt.Sprintf("Could not find operation %s for version %s", req.Action, req.Version)}
	}
	if aerr != nil {
		s.writeError(w, aerr)
		return
	}
	s.writeXML(w, http.StatusOK, resp)
}

func (s *Server) now() time.Time { return s.cfg.clock().UTC() }

func (s *Server) maxSessionDuration(roleARN string) time.Duration {
	if d, ok := s.cfg.maxSession[roleARN]; ok {
		return d
	}
	return DefaultMaxSessionDuration
}

func (s *Server) record(is Issued) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.issued = append(s.issued, is)
}

func (s *Server) findIssued(accessKeyID string) (Issued, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, is := range s.issued {
		if is.AccessKeyID == accessKeyID {
			return is, true
		}
	}
	return Issued{}, false
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
