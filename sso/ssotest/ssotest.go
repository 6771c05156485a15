// Package ssotest runs a fake AWS IAM Identity Center for tests: the OIDC
// service (sso-oidc: RegisterClient, StartDeviceAuthorization, CreateToken,
// and the browser-facing /authorize of the PKCE flow) and the access portal
// (sso: GetRoleCredentials, ListAccounts, ListAccountRoles, Logout), one
// listener of each per region, speaking restJson1 as AWS does.
//
// It keeps state and is strict where AWS is: registrations expire, device
// codes follow RFC 8628 (pending, slow_down, expiry, denial, single use,
// bound to their client), PKCE codes are checked against their S256
// challenge and redirect URI, refresh tokens end with the portal session,
// and every client, code and token works only at the region that issued it.
// Requests are checked against the API model (method, path, JSON member
// names and types, query parameters, required headers); anything a correct
// client would not send is recorded as a Problem, and the test fails at
// cleanup on any problem it did not expect (ExpectProblem).
//
// Where AWS's behaviour is not documented and could not be observed, the
// choice made is said at the option or method concerned.
package ssotest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// Scope is the only registration scope the fake knows: access to the
// accounts assigned to the user. Registrations asking for it get refresh
// tokens (see Options).
const Scope = "sso:account:access"

// RedirectURI is the only redirect URI a PKCE registration may name; the
// authorize request adds the port of the client's listener.
const RedirectURI = "http://127.0.0.1/oauth/callback"

// Grant types, as CreateToken and RegisterClient spell them.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
	GrantDeviceCode        = "urn:ietf:params:oauth:grant-type:device_code"
)

// Credentials are the role credentials GetRoleCredentials hands out.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	// Expiration is sent in epoch milliseconds.
	Expiration time.Time
}

// Options configure a Server. The zero value is usable: one region
// (us-east-1), no users, AWS's lifetimes.
type Options struct {
	// Regions are the regions served, one OIDC and one portal listener
	// each; default ["us-east-1"].
	Regions []string
	// StartURL is the only start URL the instance accepts, default
	// "https://d-0000000000.awsapps.com/start"; the same URL ending in "/",
	// "#" or "#/" is accepted too. StartDeviceAuthorization with another
	// URL, and a PKCE registration whose issuerUrl is another URL, fail
	// with InvalidRequestException (what AWS answers for an unknown start
	// URL could not be observed; this is a choice).
	StartURL string
	// Users maps each user name to the user's e-mail address. Only these
	// users can approve a login.
	Users map[string]string
	// Assignments maps a user to account IDs to the names of the
	// permission sets (roles) assigned in that account.
	Assignments map[string]map[string][]string
	// AccountNames maps an account ID to its name in ListAccounts, default
	// "account-<ID>". Each account's e-mail is "aws+<ID>@example.com".
	AccountNames map[string]string
	// PageSize is the most items a listing page holds, whatever max_result
	// asks for (AWS may return fewer than asked); default 2, so that every
	// client meets pagination.
	PageSize int
	// Now is the server's clock, default time.Now.
	Now func() time.Time
	// SessionLength is how long a portal session lasts after the user
	// approves a login; refresh tokens stop working when it ends
	// (InvalidGrantException), and so do its access tokens. Default 8h,
	// the Identity Center default.
	SessionLength time.Duration
	// AccessTokenLength is the lifetime of access tokens issued with a
	// refresh token, default 1h. Registrations that get no refresh token
	// get tokens that last to the end of the session, as AWS's legacy
	// non-refreshable tokens do.
	AccessTokenLength time.Duration
	// RegistrationLength is how long a registration (client ID and secret)
	// stays valid, default 90 days; afterwards InvalidClientException.
	RegistrationLength time.Duration
	// DeviceCodeLength is StartDeviceAuthorization's expiresIn, default 10
	// minutes as at AWS.
	DeviceCodeLength time.Duration
	// Interval is StartDeviceAuthorization's interval, whole seconds,
	// default 1s as at AWS. CreateToken with a device code sooner than the
	// interval after the previous one for that code answers
	// SlowDownException, and the code's interval grows by 5 s (RFC 8628,
	// 3.5). The first CreateToken of a code is never too soon.
	Interval time.Duration
	// KeepRefreshTokens keeps a refresh token valid after it was used. By
	// default a refresh answers a new refresh token and the used one stops
	// working (InvalidGrantException). AWS answers a new refresh token; if
	// it also honours the old one is not documented, so the fake takes the
	// stricter reading unless this is set.
	KeepRefreshTokens bool
	// AutoApprove, if set, approves every PKCE authorize request at once as
	// this user. Otherwise the request waits for ApproveAuthorize or
	// DenyAuthorize.
	AutoApprove string
	// Mint makes the role credentials for GetRoleCredentials; user is the
	// user name (Options.Users has the e-mail). Default: well-formed random
	// keys valid for an hour. An error answers HTTP 500 and fails the test.
	Mint func(ctx context.Context, account, role, user string) (Credentials, error)
	// Throttle, if it returns true for a request, answers it with HTTP 429
	// TooManyRequestsException before anything else happens (after the
	// method and path are checked). The portal's answer is AWS's
	// ({"message":"HTTP 429 Unknown Code","__type":…}); the OIDC service
	// has no modelled throttling error, so its body there is a guess.
	Throttle func(r *http.Request) bool
}

// Server is a running fake Identity Center.
type Server struct {
	t    testing.TB
	opts Options
	// done is closed when the test ends, releasing waiting authorize requests.
	done chan struct{}

	oidc   map[string]*httptest.Server
	portal map[string]*httptest.Server

	mu         sync.Mutex
	clients    map[string]*client
	devices    map[string]*deviceAuth // by device code
	userCodes  map[string]*deviceAuth
	authorizes []*authorizeRequest // waiting for a decision, oldest first
	decisions  []decision          // given before the request came
	codes      map[string]*authCode
	access     map[string]*accessToken
	refresh    map[string]*refreshToken
	sessions   []*session
	pages      map[string]*pageToken
	requests   []Request
	expected   map[string]bool // ExpectProblem substrings -> seen
}

// Request is one request a listener received, as the fake understood it.
type Request struct {
	// Service is "oidc" or "portal".
	Service string
	Region  string
	// Operation is the API operation ("CreateToken", "ListAccounts", …),
	// "Authorize" for the browser's GET /authorize, or "" when the method
	// and path name none.
	Operation string
	Method    string
	Path      string
	// Members are the names of the JSON members (OIDC) or query parameters
	// (portal and /authorize) the request carried, sorted.
	Members []string
	// Status is the HTTP status answered.
	Status int
	// ErrorType is the error answered ("AuthorizationPendingException"),
	// "" on success.
	ErrorType string
	// Problems are what was wrong with the request's shape.
	Problems []string
}

// Problem is something a correct client would not have sent.
type Problem struct {
	Service, Region, Operation string
	// Text says what was wrong, e.g. `unknown member "clientID"`.
	Text string
}

func (p Problem) String() string {
	op := p.Operation
	if op == "" {
		op = "unknown operation"
	}
	return fmt.Sprintf("%s %s %s: %s", p.Service, p.Region, op, p.Text)
}

// NewServer starts the listeners for every region in opts.Regions; they
// are closed when the test ends. At cleanup the test fails for every
// Problem not expected with ExpectProblem, and for every expected problem
// that did not occur.
func NewServer(t testing.TB, opts Options) *Server {
	t.Helper()
	if len(opts.Regions) == 0 {
		opts.Regions = []string{"us-east-1"}
	}
	if opts.StartURL == "" {
		opts.StartURL = "https://d-0000000000.awsapps.com/start"
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 2
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SessionLength <= 0 {
		opts.SessionLength = 8 * time.Hour
	}
	if opts.AccessTokenLength <= 0 {
		opts.AccessTokenLength = time.Hour
	}
	if opts.RegistrationLength <= 0 {
		opts.RegistrationLength = 90 * 24 * time.Hour
	}
	if opts.DeviceCodeLength <= 0 {
		opts.DeviceCodeLength = 10 * time.Minute
	}
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	if opts.Interval%time.Second != 0 {
		t.Fatalf("ssotest: Interval %v is not whole seconds", opts.Interval)
	}
	if opts.Mint == nil {
		opts.Mint = defaultMint(opts.Now)
	}
	if opts.AutoApprove != "" {
		if _, ok := opts.Users[opts.AutoApprove]; !ok {
			t.Fatalf("ssotest: AutoApprove names %q, who is not in Users", opts.AutoApprove)
		}
	}
	s := &Server{
		t:         t,
		opts:      opts,
		done:      make(chan struct{}),
		oidc:      map[string]*httptest.Server{},
		portal:    map[string]*httptest.Server{},
		clients:   map[string]*client{},
		devices:   map[string]*deviceAuth{},
		userCodes: map[string]*deviceAuth{},
		codes:     map[string]*authCode{},
		access:    map[string]*accessToken{},
		refresh:   map[string]*refreshToken{},
		pages:     map[string]*pageToken{},
		expected:  map[string]bool{},
	}
	for _, region := range opts.Regions {
		if _, dup := s.oidc[region]; dup {
			t.Fatalf("ssotest: region %s given twice", region)
		}
		s.oidc[region] = httptest.NewServer(s.handler("oidc", region, s.serveOIDC))
		s.portal[region] = httptest.NewServer(s.handler("portal", region, s.servePortal))
		t.Cleanup(s.oidc[region].Close)
		t.Cleanup(s.portal[region].Close)
	}
	// Cleanups run last-registered first: release waiting handlers before
	// the listeners wait for them, and check problems after the last request.
	t.Cleanup(s.checkProblems)
	t.Cleanup(func() { close(s.done) })
	return s
}

// OIDCURL is the OIDC endpoint of region (for AWS_ENDPOINT_URL_SSO_OIDC or
// ssooidc.Options.BaseEndpoint). It fails the test for a region not served.
func (s *Server) OIDCURL(region string) string {
	s.t.Helper()
	hs, ok := s.oidc[region]
	if !ok {
		s.t.Fatalf("ssotest: region %s is not served", region)
	}
	return hs.URL
}

// PortalURL is the portal endpoint of region (for AWS_ENDPOINT_URL_SSO or
// sso.Options.BaseEndpoint). It fails the test for a region not served.
func (s *Server) PortalURL(region string) string {
	s.t.Helper()
	hs, ok := s.portal[region]
	if !ok {
		s.t.Fatalf("ssotest: region %s is not served", region)
	}
	return hs.URL
}

// StartURL is the start URL the instance accepts.
func (s *Server) StartURL() string { return s.opts.StartURL }

// Requests returns every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		r.Problems = append([]string(nil), r.Problems...)
		r.Members = append([]string(nil), r.Members...)
		out[i] = r
	}
	return out
}

// Problems returns every problem found in the requests so far, in order,
// expected or not.
func (s *Server) Problems() []Problem {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Problem
	for _, r := range s.requests {
		for _, p := range r.Problems {
			out = append(out, Problem{Service: r.Service, Region: r.Region, Operation: r.Operation, Text: p})
		}
	}
	return out
}

// ExpectProblem declares that the test sends a request with a problem whose
// text contains substr: such problems do not fail the test, and the test
// fails if none occurs.
func (s *Server) ExpectProblem(substr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expected[substr] = false
}

func (s *Server) checkProblems() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.requests {
		for _, p := range r.Problems {
			if !s.expectedLocked(p) {
				s.t.Errorf("ssotest: %s %s %s %s: %s", r.Service, r.Region, r.Method, r.Path, p)
			}
		}
	}
	var missing []string
	for substr, seen := range s.expected {
		if !seen {
			missing = append(missing, substr)
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		s.t.Errorf("ssotest: expected a problem containing %q; none occurred", m)
	}
}

func (s *Server) expectedLocked(problem string) bool {
	ok := false
	for substr := range s.expected {
		if strings.Contains(problem, substr) {
			s.expected[substr] = true
			ok = true
		}
	}
	return ok
}

func (s *Server) now() time.Time { return s.opts.Now().UTC() }

// session is a user's portal session, begun by an approved login.
type session struct {
	id     string
	user   string
	region string
	end    time.Time
	ended  bool // EndSession or Logout
}

func (s *session) live(now time.Time) bool { return !s.ended && now.Before(s.end) }

// EndSession ends every portal session of user, as an administrator
// revoking them or the session length running out would: their access
// tokens are refused at the portal (401) and their refresh tokens at
// CreateToken (InvalidGrantException). It returns how many live sessions
// it ended.
func (s *Server) EndSession(user string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	now := s.now()
	for _, ss := range s.sessions {
		if ss.user == user && ss.live(now) {
			ss.ended = true
			n++
		}
	}
	return n
}

func (s *Server) newSessionLocked(user, region string) *session {
	ss := &session{id: randomID(16), user: user, region: region, end: s.now().Add(s.opts.SessionLength)}
	s.sessions = append(s.sessions, ss)
	return ss
}
