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
//   - GetCallerIdentity: for credentials this server issued. The request's
//     SigV4 signature is checked against the issued secret and session
//     token, so a wrongly stored key fails as it would at AWS.
//   - AssumeRole: minimal. The caller must sign with issued credentials;
//     every role trusts every caller, except those WithDeniedRole names;
//     role chaining is limited to one hour and each role's
//     MaxSessionDuration applies. No policies or tags; ExternalId,
//     SerialNumber and TokenCode are recorded (Request.Form), not checked.
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
	// RoleARN is the role assumed.
	RoleARN string
	// PrincipalARN and AssumedRoleID are the session's ARN and id
	// ("AROA…:<session name>").
	PrincipalARN  string
	AssumedRoleID string
	SessionName   string
	// Chained is true for sessions made by AssumeRole with issued credentials.
	Chained bool
}

// Option changes how the server behaves.
type Option func(*config)

type config struct {
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
}

// NewServer starts a fake STS, plain HTTP unless WithTLS is given. It is
// closed when the test ends.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{t: t, cfg: config{maxSession: map[string]time.Duration{}, denied: map[string]bool{}, clock: time.Now}}
	for _, o := range opts {
		o(&s.cfg)
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
