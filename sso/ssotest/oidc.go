package ssotest

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// client is a registration.
type client struct {
	id, secret   string
	name         string
	region       string
	scopes       []string
	grantTypes   []string
	redirectURIs []string
	issued       time.Time
	expires      time.Time
}

// refreshable reports whether tokens issued to the client come with a
// refresh token. At AWS a registration gets refresh tokens when it asks for
// the sso:account:access scope, which is how the CLI's device flow asks for
// them (sso_registration_scopes; it sends no grantTypes); a registration
// that names grantTypes must also name refresh_token.
func (c *client) refreshable() bool {
	return slices.Contains(c.scopes, Scope) &&
		(len(c.grantTypes) == 0 || slices.Contains(c.grantTypes, GrantRefreshToken))
}

// allows reports whether the client may use grant. A registration without
// grantTypes (the CLI's device registration) may use the device code grant
// and, if refreshable, the refresh token grant.
func (c *client) allows(grant string) bool {
	if len(c.grantTypes) == 0 {
		return grant == GrantDeviceCode || (grant == GrantRefreshToken && c.refreshable())
	}
	return slices.Contains(c.grantTypes, grant)
}

// deviceAuth is a device authorization (RFC 8628).
type deviceAuth struct {
	deviceCode, userCode string
	clientID, region     string
	expires              time.Time
	interval             time.Duration
	lastPoll             time.Time // zero until the first CreateToken
	session              *session  // set by Approve
	denied               bool
	used                 bool
}

// authorizeRequest is a browser's GET /authorize waiting for a decision.
type authorizeRequest struct{ decided chan decision }

// decision is ApproveAuthorize (user set) or DenyAuthorize.
type decision struct{ user string }

// authCode is a PKCE authorization code.
type authCode struct {
	clientID, region string
	redirectURI      string
	challenge        string
	session          *session
	expires          time.Time
	used             bool
}

type accessToken struct {
	clientID, region string
	session          *session
	expires          time.Time
	loggedOut        bool
}

type refreshToken struct {
	clientID, region string
	session          *session
	used             bool
}

// authCodeLength is how long an authorization code may wait for CreateToken
// (not documented by AWS; RFC 6749 recommends at most 10 minutes).
const authCodeLength = 5 * time.Minute

func (s *Server) serveOIDC(x *exchange) {
	switch p := x.r.URL.Path; {
	case p == "/client/register":
		x.rec.Operation = "RegisterClient"
	case p == "/device_authorization":
		x.rec.Operation = "StartDeviceAuthorization"
	case p == "/token" && x.r.URL.RawQuery == "aws_iam=t":
		x.rec.Operation = "CreateTokenWithIAM"
	case p == "/token":
		x.rec.Operation = "CreateToken"
	case p == "/authorize":
		x.rec.Operation = "Authorize"
	case strings.HasPrefix(p, "/device"):
		x.rec.Operation = "VerificationPage"
	}
	want := http.MethodPost
	if x.rec.Operation == "Authorize" || x.rec.Operation == "VerificationPage" {
		want = http.MethodGet
	}
	if x.rec.Operation == "" || x.r.Method != want {
		x.unknownOperation()
		return
	}
	if x.throttled() {
		return
	}
	var resp any
	var err *apiError
	switch x.rec.Operation {
	case "RegisterClient":
		resp, err = s.registerClient(x)
	case "StartDeviceAuthorization":
		resp, err = s.startDeviceAuthorization(x)
	case "CreateToken":
		resp, err = s.createToken(x)
	case "CreateTokenWithIAM":
		x.problem("CreateTokenWithIAM is for IAM-authenticated applications, not a CLI")
		err = oidcError(400, "UnauthorizedClientException", "unauthorized_client", "Client is not authorized to use this grant")
	case "Authorize":
		s.authorize(x)
		return
	case "VerificationPage":
		x.w.Header().Set("Content-Type", "text/html; charset=utf-8")
		x.rec.Status = http.StatusOK
		_, _ = io.WriteString(x.w, "<!doctype html><title>Authorize request</title><p>Enter the code shown by your application.\n")
		return
	}
	if err != nil {
		x.fail(err)
		return
	}
	x.ok(resp)
}

// errWrongRegion answers a client, code or token from another region.
func (s *Server) errWrongRegion(region string) *apiError {
	e := oidcError(400, "InvalidRequestRegionException", "invalid_request",
		"The token or client was issued in region "+region+" and can be used only there")
	e.region = region
	e.endpoint = s.oidc[region].URL
	return e
}

// clientLocked authenticates a client at region's listener.
func (s *Server) clientLocked(region, id, secret string) (*client, *apiError) {
	c, ok := s.clients[id]
	switch {
	case !ok:
		return nil, errInvalidClient("Invalid client provided")
	case c.region != region:
		return nil, s.errWrongRegion(c.region)
	case c.secret != secret:
		return nil, errInvalidClient("Invalid client secret provided")
	case !s.now().Before(c.expires):
		return nil, errInvalidClient("Client registration has expired")
	}
	return c, nil
}

type registerClientResponse struct {
	ClientID              string `json:"clientId"`
	ClientSecret          string `json:"clientSecret"`
	ClientIDIssuedAt      int64  `json:"clientIdIssuedAt"`
	ClientSecretExpiresAt int64  `json:"clientSecretExpiresAt"`
}

func (s *Server) registerClient(x *exchange) (any, *apiError) {
	in, err := x.decodeJSON([]member{
		{"clientName", kString, true},
		{"clientType", kString, true},
		{"scopes", kStringList, false},
		{"redirectUris", kStringList, false},
		{"grantTypes", kStringList, false},
		{"issuerUrl", kString, false},
		{"entitledApplicationArn", kString, false},
	})
	if err != nil {
		return nil, err
	}
	if in.has("entitledApplicationArn") {
		x.problem("entitledApplicationArn: the fake has no applications")
		return nil, errInvalidRequest("Invalid application ARN")
	}
	if in.str["clientType"] != "public" {
		return nil, errInvalidClientMetadata("Invalid client type: %s", in.str["clientType"])
	}
	if in.str["clientName"] == "" {
		return nil, errInvalidClientMetadata("Client name must not be empty")
	}
	for _, sc := range in.list["scopes"] {
		if sc != Scope {
			return nil, oidcError(400, "InvalidScopeException", "invalid_scope", "Invalid scope requested: "+sc)
		}
	}
	grants := in.list["grantTypes"]
	for _, g := range grants {
		if g != GrantAuthorizationCode && g != GrantRefreshToken && g != GrantDeviceCode {
			return nil, errInvalidClientMetadata("Invalid grant type: %s", g)
		}
	}
	if slices.Contains(grants, GrantAuthorizationCode) {
		uris := in.list["redirectUris"]
		if len(uris) == 0 {
			return nil, oidcError(400, "InvalidRedirectUriException", "invalid_redirect_uri", "Redirect URIs are required for the authorization code grant")
		}
		for _, u := range uris {
			if u != RedirectURI {
				return nil, oidcError(400, "InvalidRedirectUriException", "invalid_redirect_uri", "Invalid redirect URI: "+u)
			}
		}
		if !s.isStartURL(in.str["issuerUrl"]) {
			return nil, errInvalidRequest("Invalid issuer URL: %s", in.str["issuerUrl"])
		}
	}
	now := s.now()
	region := x.rec.Region
	c := &client{
		// AWS's client IDs end in the base64url of their region.
		id:           randomID(16) + base64.RawURLEncoding.EncodeToString([]byte(region)),
		secret:       fakeJWT(),
		name:         in.str["clientName"],
		region:       region,
		scopes:       in.list["scopes"],
		grantTypes:   grants,
		redirectURIs: in.list["redirectUris"],
		issued:       now,
		expires:      now.Add(s.opts.RegistrationLength).Truncate(time.Second),
	}
	s.mu.Lock()
	s.clients[c.id] = c
	s.mu.Unlock()
	return registerClientResponse{c.id, c.secret, now.Unix(), c.expires.Unix()}, nil
}

// isStartURL reports whether u is the instance's start URL. A trailing "/",
// "#" or "#/" is tolerated (people paste the portal's address with them);
// whether AWS tolerates them too is not documented.
func (s *Server) isStartURL(u string) bool {
	want := strings.TrimRight(s.opts.StartURL, "/#")
	return u == s.opts.StartURL || (u != "" && strings.TrimRight(u, "/#") == want &&
		slices.Contains([]string{want, want + "/", want + "#", want + "#/"}, u))
}

// fakeJWT looks like AWS's client secrets (a JWS), but is random.
func fakeJWT() string {
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"kid":"key-1564028099","alg":"HS384"}`))
	return header + "." + randomID(300) + "." + randomID(48)
}

type startDeviceAuthorizationResponse struct {
	DeviceCode              string `json:"deviceCode"`
	ExpiresIn               int    `json:"expiresIn"`
	Interval                int    `json:"interval"`
	UserCode                string `json:"userCode"`
	VerificationURI         string `json:"verificationUri"`
	VerificationURIComplete string `json:"verificationUriComplete"`
}

// userCodeAlphabet avoids vowels and look-alikes, as user codes usually do.
const userCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ"

func (s *Server) startDeviceAuthorization(x *exchange) (any, *apiError) {
	in, err := x.decodeJSON([]member{
		{"clientId", kString, true},
		{"clientSecret", kString, true},
		{"startUrl", kString, true},
	})
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.clientLocked(x.rec.Region, in.str["clientId"], in.str["clientSecret"])
	if err != nil {
		return nil, err
	}
	if !c.allows(GrantDeviceCode) {
		return nil, oidcError(400, "UnauthorizedClientException", "unauthorized_client", "Client is not authorized to use the device code grant")
	}
	if !s.isStartURL(in.str["startUrl"]) {
		return nil, errInvalidRequest("Invalid start URL: %s", in.str["startUrl"])
	}
	d := &deviceAuth{
		deviceCode: randomID(64),
		clientID:   c.id,
		region:     c.region,
		expires:    s.now().Add(s.opts.DeviceCodeLength),
		interval:   s.opts.Interval,
	}
	for d.userCode == "" || s.userCodes[d.userCode] != nil {
		d.userCode = randomFrom(userCodeAlphabet, 4) + "-" + randomFrom(userCodeAlphabet, 4)
	}
	s.devices[d.deviceCode] = d
	s.userCodes[d.userCode] = d
	verify := s.oidc[c.region].URL + "/device/"
	return startDeviceAuthorizationResponse{
		DeviceCode:              d.deviceCode,
		ExpiresIn:               int(s.opts.DeviceCodeLength / time.Second),
		Interval:                int(s.opts.Interval / time.Second),
		UserCode:                d.userCode,
		VerificationURI:         verify,
		VerificationURIComplete: verify + "?user_code=" + d.userCode,
	}, nil
}

// Approve approves the device authorization of userCode as user, beginning
// a portal session for user: the next CreateToken with its device code
// gets tokens. It fails for an unknown user, an unknown, expired, denied or
// already decided code.
func (s *Server) Approve(userCode, user string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.opts.Users[user]; !ok {
		return fmt.Errorf("ssotest: approve %s: no user %q", userCode, user)
	}
	d, err := s.pendingDeviceLocked(userCode)
	if err != nil {
		return err
	}
	d.session = s.newSessionLocked(user, d.region)
	return nil
}

// Deny refuses the device authorization of userCode, as a user clicking
// "Deny": CreateToken with its device code answers AccessDeniedException.
func (s *Server) Deny(userCode string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.pendingDeviceLocked(userCode)
	if err != nil {
		return err
	}
	d.denied = true
	return nil
}

func (s *Server) pendingDeviceLocked(userCode string) (*deviceAuth, error) {
	d, ok := s.userCodes[userCode]
	switch {
	case !ok:
		return nil, fmt.Errorf("ssotest: no device authorization has user code %q", userCode)
	case !s.now().Before(d.expires):
		return nil, fmt.Errorf("ssotest: user code %s has expired", userCode)
	case d.denied || d.session != nil:
		return nil, fmt.Errorf("ssotest: user code %s was already approved or denied", userCode)
	}
	return d, nil
}

type createTokenResponse struct {
	AccessToken  string `json:"accessToken"`
	TokenType    string `json:"tokenType"`
	ExpiresIn    int    `json:"expiresIn"`
	RefreshToken string `json:"refreshToken,omitempty"`
}

// grantMembers are the CreateToken members each grant needs; members of
// other grants are problems.
var grantMembers = map[string][]string{
	GrantDeviceCode:        {"deviceCode"},
	GrantAuthorizationCode: {"code", "codeVerifier", "redirectUri"},
	GrantRefreshToken:      {"refreshToken"},
}

func (s *Server) createToken(x *exchange) (any, *apiError) {
	in, err := x.decodeJSON([]member{
		{"clientId", kString, true},
		{"clientSecret", kString, true},
		{"grantType", kString, true},
		{"deviceCode", kString, false},
		{"code", kString, false},
		{"refreshToken", kString, false},
		{"scope", kStringList, false},
		{"redirectUri", kString, false},
		{"codeVerifier", kString, false},
	})
	if err != nil {
		return nil, err
	}
	grant := in.str["grantType"]
	if _, known := grantMembers[grant]; !known {
		return nil, oidcError(400, "UnsupportedGrantTypeException", "unsupported_grant_type", "Unsupported grant type: "+grant)
	}
	var missing []string
	for g, members := range grantMembers {
		for _, m := range members {
			switch {
			case g == grant && !in.has(m):
				missing = append(missing, m)
			case g != grant && in.has(m):
				x.problem("member %q sent with grant type %s", m, grant)
			}
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		x.problem("grant type %s without %s", grant, strings.Join(missing, ", "))
		return nil, errInvalidRequest("Missing required parameter(s) for %s: %s", grant, strings.Join(missing, ", "))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.clientLocked(x.rec.Region, in.str["clientId"], in.str["clientSecret"])
	if err != nil {
		return nil, err
	}
	if !c.allows(grant) {
		return nil, oidcError(400, "UnauthorizedClientException", "unauthorized_client", "Client is not authorized to use the "+grant+" grant")
	}
	switch grant {
	case GrantDeviceCode:
		return s.deviceGrantLocked(c, in.str["deviceCode"])
	case GrantAuthorizationCode:
		return s.codeGrantLocked(x, c, in.str["code"], in.str["codeVerifier"], in.str["redirectUri"])
	default:
		return s.refreshGrantLocked(c, in.str["refreshToken"])
	}
}

func (s *Server) deviceGrantLocked(c *client, code string) (any, *apiError) {
	now := s.now()
	d, ok := s.devices[code]
	switch {
	case !ok:
		return nil, errInvalidGrant("Invalid device code provided")
	case d.region != c.region:
		return nil, s.errWrongRegion(d.region)
	case d.clientID != c.id:
		return nil, errInvalidGrant("Device code was issued to another client")
	case d.used:
		return nil, errInvalidGrant("Device code has already been used")
	case !now.Before(d.expires):
		return nil, errExpiredDevice
	case d.denied:
		return nil, errAccessDenied
	}
	tooSoon := !d.lastPoll.IsZero() && now.Sub(d.lastPoll) < d.interval
	d.lastPoll = now
	if tooSoon {
		d.interval += 5 * time.Second
		return nil, errSlowDown
	}
	if d.session == nil {
		return nil, errPending
	}
	d.used = true
	return s.issueLocked(c, d.session), nil
}

// verifierRE is RFC 7636's code_verifier: 43 to 128 unreserved characters.
var verifierRE = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

func (s *Server) codeGrantLocked(x *exchange, c *client, code, verifier, redirectURI string) (any, *apiError) {
	ac, ok := s.codes[code]
	switch {
	case !ok:
		return nil, errInvalidGrant("Invalid authorization code provided")
	case ac.region != c.region:
		return nil, s.errWrongRegion(ac.region)
	case ac.clientID != c.id:
		return nil, errInvalidGrant("Authorization code was issued to another client")
	case ac.used:
		return nil, errInvalidGrant("Authorization code has already been used")
	case !s.now().Before(ac.expires):
		return nil, errExpiredCode
	case redirectURI != ac.redirectURI:
		return nil, errInvalidGrant("Redirect URI does not match the authorization request")
	case !verifierRE.MatchString(verifier):
		x.problem("codeVerifier %q is not 43-128 unreserved characters (RFC 7636)", verifier)
		return nil, errInvalidRequest("Invalid code verifier")
	case s256(verifier) != ac.challenge:
		return nil, errInvalidGrant("Code verifier does not match the code challenge")
	}
	ac.used = true
	return s.issueLocked(c, ac.session), nil
}

func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func (s *Server) refreshGrantLocked(c *client, token string) (any, *apiError) {
	rt, ok := s.refresh[token]
	switch {
	case !ok:
		return nil, errInvalidGrant("Invalid refresh token provided")
	case rt.region != c.region:
		return nil, s.errWrongRegion(rt.region)
	case rt.clientID != c.id:
		return nil, errInvalidGrant("Invalid refresh token provided")
	case rt.used && !s.opts.KeepRefreshTokens:
		return nil, errInvalidGrant("Invalid refresh token provided")
	case !rt.session.live(s.now()):
		return nil, errInvalidGrant("Invalid refresh token provided")
	}
	rt.used = true
	return s.issueLocked(c, rt.session), nil
}

// issueLocked makes an access token for the session, with a refresh token
// if the client is refreshable.
func (s *Server) issueLocked(c *client, ss *session) createTokenResponse {
	now := s.now()
	resp := createTokenResponse{AccessToken: "aoa" + randomID(96), TokenType: "Bearer"}
	at := &accessToken{clientID: c.id, region: c.region, session: ss}
	if c.refreshable() {
		at.expires = now.Add(s.opts.AccessTokenLength)
		resp.RefreshToken = "aor" + randomID(96)
		s.refresh[resp.RefreshToken] = &refreshToken{clientID: c.id, region: c.region, session: ss}
	} else {
		at.expires = ss.end
	}
	resp.ExpiresIn = int(at.expires.Sub(now) / time.Second)
	s.access[resp.AccessToken] = at
	return resp
}

// authorize serves the browser's GET /authorize of the PKCE flow: it checks
// the request, waits for the user's decision (AutoApprove, ApproveAuthorize
// or DenyAuthorize) and redirects to the client's loopback listener with
// code and state, or with error=access_denied.
func (s *Server) authorize(x *exchange) {
	x.queryMembers()
	q := x.r.URL.Query()
	allowed := []string{"response_type", "client_id", "redirect_uri", "state", "code_challenge_method", "code_challenge", "scopes"}
	for name, vs := range q {
		switch {
		case !slices.Contains(allowed, name):
			x.problem("unknown query parameter %q", name)
		case len(vs) > 1:
			x.problem("query parameter %q given %d times", name, len(vs))
		}
	}
	page := func(status int, msg string) {
		x.w.Header().Set("Content-Type", "text/html; charset=utf-8")
		x.rec.Status = status
		x.rec.ErrorType = "invalid_request"
		x.w.WriteHeader(status)
		_, _ = fmt.Fprintf(x.w, "<!doctype html><title>Error</title><p>%s\n", msg)
	}
	// Until client and redirect URI are known good, errors are shown, not
	// redirected (RFC 6749, 4.1.2.1).
	s.mu.Lock()
	c, ok := s.clients[q.Get("client_id")]
	s.mu.Unlock()
	if !ok || c.region != x.rec.Region {
		page(http.StatusBadRequest, "Invalid client")
		return
	}
	redirect := q.Get("redirect_uri")
	if !loopbackRedirect(redirect, c.redirectURIs) {
		page(http.StatusBadRequest, "Invalid redirect URI")
		return
	}
	back := func(params url.Values) {
		if st := q.Get("state"); st != "" {
			params.Set("state", st)
		}
		x.w.Header().Set("Location", redirect+"?"+params.Encode())
		x.rec.Status = http.StatusFound
		x.w.WriteHeader(http.StatusFound)
	}
	fail := func(code, desc string) {
		x.rec.ErrorType = code
		back(url.Values{"error": {code}, "error_description": {desc}})
	}
	challenge := q.Get("code_challenge")
	switch {
	case q.Get("response_type") != "code":
		fail("unsupported_response_type", "response_type must be code")
		return
	case !slices.Contains(c.grantTypes, GrantAuthorizationCode):
		fail("unauthorized_client", "client is not registered for the authorization code grant")
		return
	case q.Get("code_challenge_method") != "S256":
		fail("invalid_request", "code_challenge_method must be S256")
		return
	case !challengeRE.MatchString(challenge):
		x.problem("code_challenge %q is not an unpadded base64url SHA-256", challenge)
		fail("invalid_request", "invalid code_challenge")
		return
	}
	if q.Get("state") == "" {
		x.problem("no state parameter (the CLI always sends one)")
	}
	for _, sc := range strings.Fields(q.Get("scopes")) {
		if !slices.Contains(c.scopes, sc) {
			fail("invalid_scope", "scope "+sc+" was not registered")
			return
		}
	}

	user := s.opts.AutoApprove
	if user == "" {
		var ok bool
		if user, ok = s.awaitDecision(x.r); !ok {
			x.rec.Status = 0 // the browser went away
			return
		}
	}
	if user == "" {
		fail("access_denied", "The user denied the request")
		return
	}
	code := randomID(48)
	s.mu.Lock()
	s.codes[code] = &authCode{
		clientID:    c.id,
		region:      c.region,
		redirectURI: redirect,
		challenge:   challenge,
		session:     s.newSessionLocked(user, c.region),
		expires:     s.now().Add(authCodeLength),
	}
	s.mu.Unlock()
	back(url.Values{"code": {code}})
}

// challengeRE is an S256 code challenge: 32 bytes, base64url, no padding.
var challengeRE = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// loopbackRedirect reports whether u is one of the registered URIs with a
// port added: http://127.0.0.1:PORT/oauth/callback (RFC 8252, 7.3).
func loopbackRedirect(u string, registered []string) bool {
	p, err := url.Parse(u)
	if err != nil || p.Scheme != "http" || p.Hostname() != "127.0.0.1" || p.RawQuery != "" || p.Fragment != "" {
		return false
	}
	port, err := strconv.Atoi(p.Port())
	if err != nil || port < 1 || port > 65535 {
		return false
	}
	return slices.Contains(registered, "http://127.0.0.1"+p.EscapedPath())
}

// awaitDecision waits for ApproveAuthorize or DenyAuthorize, or takes one
// given before the request came. It returns the approving user ("" for a
// denial), or false if the request or the test ended first.
func (s *Server) awaitDecision(r *http.Request) (string, bool) {
	s.mu.Lock()
	if len(s.decisions) > 0 {
		d := s.decisions[0]
		s.decisions = s.decisions[1:]
		s.mu.Unlock()
		return d.user, true
	}
	ar := &authorizeRequest{decided: make(chan decision, 1)}
	s.authorizes = append(s.authorizes, ar)
	s.mu.Unlock()
	select {
	case d := <-ar.decided:
		return d.user, true
	case <-r.Context().Done():
	case <-s.done:
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.authorizes = slices.DeleteFunc(s.authorizes, func(a *authorizeRequest) bool { return a == ar })
	select {
	case d := <-ar.decided: // decided while we were leaving
		s.decisions = append([]decision{d}, s.decisions...)
	default:
	}
	return "", false
}

// ApproveAuthorize approves the oldest PKCE authorize request waiting for a
// decision as user, who gets a new portal session; the browser is
// redirected to the client with a code. If none is waiting, the next one to
// come is approved at once. It fails for a user not in Options.Users.
func (s *Server) ApproveAuthorize(user string) error {
	if _, ok := s.opts.Users[user]; !ok || user == "" {
		return fmt.Errorf("ssotest: approve authorize request: no user %q", user)
	}
	s.decide(decision{user: user})
	return nil
}

// DenyAuthorize denies the oldest PKCE authorize request waiting for a
// decision (or the next one to come): the browser is redirected to the
// client with error=access_denied.
func (s *Server) DenyAuthorize() { s.decide(decision{}) }

func (s *Server) decide(d decision) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.authorizes) == 0 {
		s.decisions = append(s.decisions, d)
		return
	}
	ar := s.authorizes[0]
	s.authorizes = s.authorizes[1:]
	ar.decided <- d
}

// WaitingAuthorizations is how many PKCE authorize requests are waiting for
// a decision.
func (s *Server) WaitingAuthorizations() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.authorizes)
}
