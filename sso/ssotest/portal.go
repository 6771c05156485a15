package ssotest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"time"
)

// bearerHeader carries the access token to the portal.
const bearerHeader = "X-Amz-Sso_bearer_token"

// pageToken is the state behind an opaque nextToken.
type pageToken struct {
	listing string // "accounts" or "roles:<account>"
	session *session
	region  string
	offset  int
}

type portalOp struct {
	name     string
	method   string
	query    []string // allowed query parameters
	required []string // required query parameters
}

var portalOps = map[string]portalOp{
	"/federation/credentials": {"GetRoleCredentials", http.MethodGet, []string{"role_name", "account_id"}, []string{"role_name", "account_id"}},
	"/assignment/accounts":    {"ListAccounts", http.MethodGet, []string{"max_result", "next_token"}, nil},
	"/assignment/roles":       {"ListAccountRoles", http.MethodGet, []string{"account_id", "max_result", "next_token"}, []string{"account_id"}},
	"/logout":                 {"Logout", http.MethodPost, nil, nil},
}

func (s *Server) servePortal(x *exchange) {
	op, ok := portalOps[x.r.URL.Path]
	if !ok || x.r.Method != op.method {
		x.unknownOperation()
		return
	}
	x.rec.Operation = op.name
	x.queryMembers()
	q := x.r.URL.Query()
	for name, vs := range q {
		switch {
		case !slices.Contains(op.query, name):
			x.problem("unknown query parameter %q", name)
		case len(vs) > 1:
			x.problem("query parameter %q given %d times", name, len(vs))
		}
	}
	if len(x.body) > 0 {
		x.problem("body on an operation that has none: %.80q", x.body)
	}
	if x.throttled() {
		return
	}
	var missing []string
	for _, name := range op.required {
		if q.Get(name) == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		x.problem("required query parameter(s) missing: %v", missing)
		x.fail(errPortalInvalidRequest(fmt.Sprintf("Missing required parameter(s): %v", missing)))
		return
	}
	maxResults := 0
	if v, ok := q["max_result"]; ok {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 1 || n > 100 {
			x.problem("max_result %q is not 1 to 100", v[0])
			x.fail(errPortalInvalidRequest("Invalid max_result"))
			return
		}
		maxResults = n
	}

	s.mu.Lock()
	at, err := s.bearerLocked(x)
	s.mu.Unlock()
	if err != nil {
		x.fail(err)
		return
	}
	var resp any
	switch op.name {
	case "GetRoleCredentials":
		resp, err = s.getRoleCredentials(x.r.Context(), at, q.Get("account_id"), q.Get("role_name"))
	case "ListAccounts":
		resp, err = s.listAccounts(at, maxResults, q.Get("next_token"))
	case "ListAccountRoles":
		resp, err = s.listAccountRoles(at, q.Get("account_id"), maxResults, q.Get("next_token"))
	case "Logout":
		s.mu.Lock()
		// Logout ends the sign-in session behind the token (the API
		// reference: "invalidate the corresponding server-side IAM
		// Identity Center sign in session"), so every access and refresh
		// token of that session stops working; role credentials already
		// handed out stay valid.
		at.loggedOut = true
		at.session.ended = true
		s.mu.Unlock()
	}
	if err != nil {
		x.fail(err)
		return
	}
	x.ok(resp)
}

// bearerLocked finds the request's live access token. A missing header is a
// problem; an unknown, expired, logged-out or other region's token is a 401
// (AWS's answer to a token from another region is assumed, not observed).
func (s *Server) bearerLocked(x *exchange) (*accessToken, *apiError) {
	vs := x.r.Header.Values(bearerHeader)
	if len(vs) != 1 || vs[0] == "" {
		x.problem("want one %s header, got %d", "x-amz-sso_bearer_token", len(vs))
		return nil, errUnauthorized
	}
	at, ok := s.access[vs[0]]
	if !ok || at.region != x.rec.Region || at.loggedOut || !s.now().Before(at.expires) || !at.session.live(s.now()) {
		return nil, errUnauthorized
	}
	return at, nil
}

type roleCredentials struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
	SessionToken    string `json:"sessionToken"`
	Expiration      int64  `json:"expiration"`
}

func (s *Server) assigned(user, account string) []string {
	roles := append([]string(nil), s.opts.Assignments[user][account]...)
	sort.Strings(roles)
	return roles
}

func (s *Server) getRoleCredentials(ctx context.Context, at *accessToken, account, role string) (any, *apiError) {
	user := at.session.user
	if !slices.Contains(s.assigned(user, account), role) {
		return nil, errForbidden
	}
	creds, err := s.opts.Mint(ctx, account, role, user)
	if err != nil {
		s.t.Errorf("ssotest: Mint(%s, %s, %s): %v", account, role, user, err)
		return nil, portalError(500, "InternalServerException", "Internal error")
	}
	return map[string]roleCredentials{"roleCredentials": {
		AccessKeyID:     creds.AccessKeyID,
		SecretAccessKey: creds.SecretAccessKey,
		SessionToken:    creds.SessionToken,
		Expiration:      creds.Expiration.UnixMilli(),
	}}, nil
}

// page returns the slice [from, to) of n items a request may have, and the
// next token if more remain. A token from another listing, session or
// region is refused.
func (s *Server) page(at *accessToken, listing string, n, maxResults int, token string) (from, to int, next string, err *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if token != "" {
		pt, ok := s.pages[token]
		if !ok || pt.listing != listing || pt.session != at.session || pt.region != at.region {
			return 0, 0, "", errPortalInvalidRequest("Invalid next token")
		}
		from = pt.offset
	}
	size := s.opts.PageSize
	if maxResults > 0 && maxResults < size {
		size = maxResults
	}
	to = min(from+size, n)
	if to < n {
		next = randomID(48)
		s.pages[next] = &pageToken{listing: listing, session: at.session, region: at.region, offset: to}
	}
	return from, to, next, nil
}

type accountInfo struct {
	AccountID    string `json:"accountId"`
	AccountName  string `json:"accountName"`
	EmailAddress string `json:"emailAddress"`
}

func (s *Server) listAccounts(at *accessToken, maxResults int, token string) (any, *apiError) {
	var ids []string
	for id := range s.opts.Assignments[at.session.user] {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	from, to, next, err := s.page(at, "accounts", len(ids), maxResults, token)
	if err != nil {
		return nil, err
	}
	list := []accountInfo{}
	for _, id := range ids[from:to] {
		name := s.opts.AccountNames[id]
		if name == "" {
			name = "account-" + id
		}
		list = append(list, accountInfo{id, name, "aws+" + id + "@example.com"})
	}
	return struct {
		AccountList []accountInfo `json:"accountList"`
		NextToken   string        `json:"nextToken,omitempty"`
	}{list, next}, nil
}

type roleInfo struct {
	RoleName  string `json:"roleName"`
	AccountID string `json:"accountId"`
}

// listAccountRoles lists the roles of account assigned to the user; for an
// account with none assigned the list is empty (AWS's answer there is not
// documented).
func (s *Server) listAccountRoles(at *accessToken, account string, maxResults int, token string) (any, *apiError) {
	roles := s.assigned(at.session.user, account)
	from, to, next, err := s.page(at, "roles:"+account, len(roles), maxResults, token)
	if err != nil {
		return nil, err
	}
	list := []roleInfo{}
	for _, r := range roles[from:to] {
		list = append(list, roleInfo{r, account})
	}
	return struct {
		RoleList  []roleInfo `json:"roleList"`
		NextToken string     `json:"nextToken,omitempty"`
	}{list, next}, nil
}

// defaultMint makes well-formed random credentials valid for an hour.
func defaultMint(now func() time.Time) func(context.Context, string, string, string) (Credentials, error) {
	return func(context.Context, string, string, string) (Credentials, error) {
		secret := make([]byte, 30)
		_, _ = rand.Read(secret)
		token := make([]byte, 240)
		_, _ = rand.Read(token)
		return Credentials{
			AccessKeyID:     "ASIA" + randomFrom("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16),
			SecretAccessKey: base64.StdEncoding.EncodeToString(secret),
			SessionToken:    "IQoJb3JpZ2luX2VjE" + base64.StdEncoding.EncodeToString(token),
			Expiration:      now().UTC().Add(time.Hour).Truncate(time.Second),
		}, nil
	}
}
