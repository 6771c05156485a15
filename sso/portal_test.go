package sso

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// portalToken is a token the portal tests' server accepts.
func portalToken() *Token {
	return &Token{StartURL: testSession.StartURL, Region: "eu-west-1", AccessToken: "AT-portal", ExpiresAt: t0.Add(time.Hour), session: "corp"}
}

// checkBearer fails the test unless r carries the portal token.
func checkBearer(t *testing.T, r *http.Request) {
	if got := r.Header.Get("x-amz-sso_bearer_token"); got != "AT-portal" {
		t.Errorf("%s: bearer %q", r.URL.Path, got)
	}
}

// page returns items[from:from+size] and the next page's token, "" at
// the end; tokens are "p<offset>".
func page[T any](items []T, next string, size int) ([]T, string) {
	from, _ := strconv.Atoi(strings.TrimPrefix(next, "p"))
	to := min(from+size, len(items))
	if to == len(items) {
		return items[from:to], ""
	}
	return items[from:to], fmt.Sprintf("p%d", to)
}

// checkBackoff fails the test unless each wait is between half and all
// of the exponential backoff for its attempt.
func checkBackoff(t *testing.T, waits []time.Duration) {
	t.Helper()
	for i, w := range waits {
		full := min(backoffBase<<i, backoffCap)
		if w < full/2 || w > full {
			t.Errorf("wait %d: %v, want between %v and %v", i+1, w, full/2, full)
		}
	}
}

func TestAccountRoles(t *testing.T) {
	const nAccounts, limit = 23, 3
	var accounts []map[string]string
	for i := nAccounts - 1; i >= 0; i-- { // the portal's order is not ours
		id := fmt.Sprintf("%012d", 100000000000+i*7919)
		accounts = append(accounts, map[string]string{"accountId": id, "accountName": "acct" + strconv.Itoa(i), "emailAddress": "a@example.com"})
	}
	var (
		inFlight, maxInFlight atomic.Int32
		mu                    sync.Mutex
		throttled             = map[string]int{}
	)
	enter := func() func() {
		n := inFlight.Add(1)
		for {
			m := maxInFlight.Load()
			if n <= m || maxInFlight.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(2 * time.Millisecond) // let requests overlap
		return func() { inFlight.Add(-1) }
	}
	srv := newServer(t, map[string]route{
		"GET /assignment/accounts": func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
			defer enter()()
			checkBearer(t, r)
			list, next := page(accounts, r.URL.Query().Get("next_token"), 5)
			writeJSON(w, map[string]any{"accountList": list, "nextToken": next})
		},
		"GET /assignment/roles": func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
			defer enter()()
			checkBearer(t, r)
			q := r.URL.Query()
			id := q.Get("account_id")
			// Every third account is refused twice for too many requests.
			mu.Lock()
			n := throttled[id]
			throttled[id]++
			mu.Unlock()
			if id[len(id)-1]%3 == 0 && n < 2 {
				w.Header().Set("X-Amzn-ErrorType", "TooManyRequestsException")
				w.WriteHeader(http.StatusTooManyRequests)
				writeJSON(w, map[string]string{"message": "Too many requests"})
				return
			}
			roles := []map[string]string{{"roleName": "ReadOnly", "accountId": id}, {"roleName": "Admin", "accountId": id}, {"roleName": "PowerUser", "accountId": id}}
			list, next := page(roles, q.Get("next_token"), 2)
			writeJSON(w, map[string]any{"roleList": list, "nextToken": next})
		},
	})
	c, clk, _ := testClient(t, srv, nil)

	got, err := c.AccountRoles(context.Background(), portalToken(), limit)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3*nAccounts {
		t.Fatalf("%d roles, want %d", len(got), 3*nAccounts)
	}
	for i := 1; i < len(got); i++ {
		a, b := got[i-1], got[i]
		if a.Account.ID > b.Account.ID || a.Account.ID == b.Account.ID && a.RoleName >= b.RoleName {
			t.Errorf("not sorted at %d: %v, %v", i, a, b)
		}
	}
	if first := got[0]; first.Account.Name != "acct0" || first.RoleName != "Admin" || first.Account.Email != "a@example.com" {
		t.Errorf("first %+v", first)
	}
	if m := maxInFlight.Load(); m > limit {
		t.Errorf("%d requests at once, want at most %d", m, limit)
	}
	t.Logf("at most %d requests at once", maxInFlight.Load())
	// Every throttled account waited twice: 0.25–0.5 s, then 0.5–1 s.
	waits := clk.waits()
	if len(waits) == 0 {
		t.Fatal("no backoff")
	}
	for _, w := range waits {
		if w < backoffBase/2 || w > 2*backoffBase {
			t.Errorf("wait %v out of the first two steps' bounds", w)
		}
	}
	wantPages := 5 /* accounts */ + 2*nAccounts /* roles */ + len(waits)
	if n := len(srv.requests()); n != wantPages {
		t.Errorf("%d requests, want %d", n, wantPages)
	}
}

func TestAccountsAndRoles(t *testing.T) {
	srv := newServer(t, map[string]route{
		"GET /assignment/accounts": func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
			list, next := page([]map[string]string{{"accountId": "222"}, {"accountId": "111"}, {"accountId": "333"}}, r.URL.Query().Get("next_token"), 1)
			writeJSON(w, map[string]any{"accountList": list, "nextToken": next})
		},
		"GET /assignment/roles": func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
			if r.URL.Query().Get("account_id") != "111" {
				t.Errorf("roles of %s", r.URL.Query().Get("account_id"))
			}
			writeJSON(w, map[string]any{"roleList": []map[string]string{{"roleName": "B"}, {"roleName": "A"}}})
		},
	})
	c, _, _ := testClient(t, srv, nil)
	accounts, err := c.Accounts(context.Background(), portalToken())
	if err != nil {
		t.Fatal(err)
	}
	if want := []Account{{ID: "222"}, {ID: "111"}, {ID: "333"}}; !reflect.DeepEqual(accounts, want) {
		t.Errorf("Accounts = %v, want %v (every page, the portal's order)", accounts, want)
	}
	roles, err := c.Roles(context.Background(), portalToken(), "111")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"A", "B"}; !reflect.DeepEqual(roles, want) {
		t.Errorf("Roles = %v, want %v", roles, want)
	}
}

func TestThrottledAfterRetries(t *testing.T) {
	srv := newServer(t, map[string]route{
		"GET /assignment/accounts": func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
			w.Header().Set("X-Amzn-ErrorType", "TooManyRequestsException")
			w.WriteHeader(http.StatusTooManyRequests)
			writeJSON(w, map[string]string{"message": "slow down"})
		},
	})
	c, clk, _ := testClient(t, srv, nil)
	_, err := c.AccountRoles(context.Background(), portalToken(), 0)
	var th *ThrottledError
	if !errors.As(err, &th) || th.Attempts != maxAttempts || th.Op != "ListAccounts" {
		t.Fatalf("error %v, want a *ThrottledError after %d attempts", err, maxAttempts)
	}
	if n := srv.count("GET /assignment/accounts"); n != maxAttempts {
		t.Errorf("%d requests, want %d", n, maxAttempts)
	}
	waits := clk.waits()
	if len(waits) != maxAttempts-1 {
		t.Errorf("waits %v, want %d", waits, maxAttempts-1)
	}
	checkBackoff(t, waits)
}

func TestAccountRoles_StopsAtFirstError(t *testing.T) {
	var accounts []map[string]string
	for i := range 40 {
		accounts = append(accounts, map[string]string{"accountId": fmt.Sprint(1000 + i)})
	}
	srv := newServer(t, map[string]route{
		"GET /assignment/accounts": func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
			writeJSON(w, map[string]any{"accountList": accounts})
		},
		"GET /assignment/roles": func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
			awsError(w, 401, "UnauthorizedException", "", "Session token not found or invalid")
		},
	})
	c, _, _ := testClient(t, srv, nil)
	_, err := c.AccountRoles(context.Background(), portalToken(), 4)
	var inv *TokenInvalidError
	if !errors.As(err, &inv) {
		t.Fatalf("error %v, want a *TokenInvalidError", err)
	}
	if n := srv.count("GET /assignment/roles"); n > 8 {
		t.Errorf("%d role requests after the first 401, want a stop", n)
	}
}

func TestRoleCredentials(t *testing.T) {
	tests := []struct {
		name    string
		answer  func(w http.ResponseWriter)
		check   func(t *testing.T, err error)
		wantReq int
	}{
		{
			name: "credentials",
			answer: func(w http.ResponseWriter) {
				writeJSON(w, map[string]any{"roleCredentials": map[string]any{"accessKeyId": "ASIAEXAMPLE", "secretAccessKey": "SK", "sessionToken": "ST", "expiration": t0.Add(time.Hour).UnixMilli() + 250}})
			},
			wantReq: 1,
		},
		{
			name: "401: the token is no longer valid",
			answer: func(w http.ResponseWriter) {
				awsError(w, 401, "UnauthorizedException", "", "Session token not found or invalid")
			},
			check: func(t *testing.T, err error) {
				var inv *TokenInvalidError
				if !errors.As(err, &inv) || !strings.Contains(err.Error(), "sso-session \"corp\"") {
					t.Fatalf("error %v, want a *TokenInvalidError naming the session", err)
				}
			},
			wantReq: 1,
		},
		{
			name: "403 ForbiddenException: the role is not assigned",
			answer: func(w http.ResponseWriter) {
				w.Header().Set("X-Amzn-ErrorType", "ForbiddenException")
				w.WriteHeader(403)
				writeJSON(w, map[string]string{"message": "No access"})
			},
			check: func(t *testing.T, err error) {
				var na *RoleNotAssignedError
				if !errors.As(err, &na) || na.AccountID != "123456789012" || na.RoleName != "Admin" {
					t.Fatalf("error %v, want a *RoleNotAssignedError", err)
				}
				if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, "Admin") || !strings.Contains(msg, "123456789012") {
					t.Errorf("message %q: want one line naming role and account", msg)
				}
			},
			wantReq: 1,
		},
		{
			name:   "server errors: tried again, then said",
			answer: func(w http.ResponseWriter) { awsError(w, 503, "ServiceUnavailable", "", "down") },
			check: func(t *testing.T, err error) {
				var e *Error
				if !errors.As(err, &e) || e.StatusCode != 503 || e.Op != "GetRoleCredentials" {
					t.Fatalf("error %v, want an *Error of status 503", err)
				}
			},
			wantReq: maxAttempts,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, map[string]route{
				"GET /federation/credentials": func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
					checkBearer(t, r)
					if q := r.URL.Query(); q.Get("account_id") != "123456789012" || q.Get("role_name") != "Admin" {
						t.Errorf("query %v", q)
					}
					tt.answer(w)
				},
			})
			c, _, _ := testClient(t, srv, nil)
			creds, err := c.RoleCredentials(context.Background(), portalToken(), "123456789012", "Admin")
			if tt.check != nil {
				tt.check(t, err)
			} else if err != nil {
				t.Fatal(err)
			} else if creds.AccessKeyID != "ASIAEXAMPLE" || creds.SecretAccessKey != "SK" || creds.SessionToken != "ST" || !creds.Expiration.Equal(t0.Add(time.Hour+250*time.Millisecond)) {
				t.Errorf("credentials %+v", creds)
			}
			if n := srv.count("GET /federation/credentials"); n != tt.wantReq {
				t.Errorf("%d requests, want %d", n, tt.wantReq)
			}
		})
	}
}

func TestExpiredTokenNoRequest(t *testing.T) {
	srv := newServer(t, nil)
	c, _, _ := testClient(t, srv, nil)
	tok := portalToken()
	tok.ExpiresAt = t0
	var inv *TokenInvalidError
	if _, err := c.Accounts(context.Background(), tok); !errors.As(err, &inv) {
		t.Errorf("Accounts: %v, want a *TokenInvalidError", err)
	}
	if _, err := c.RoleCredentials(context.Background(), tok, "1", "r"); !errors.As(err, &inv) {
		t.Errorf("RoleCredentials: %v, want a *TokenInvalidError", err)
	}
	if err := c.Logout(context.Background(), tok); err != nil {
		t.Errorf("Logout of an expired token: %v", err)
	}
	if len(srv.requests()) != 0 {
		t.Errorf("requests %v", srv.requests())
	}
}

func TestLogout(t *testing.T) {
	for _, status := range []int{200, 401} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			srv := newServer(t, map[string]route{
				"POST /logout": func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
					checkBearer(t, r)
					if status != 200 {
						awsError(w, status, "UnauthorizedException", "", "Session token not found or invalid")
					}
				},
			})
			c, _, _ := testClient(t, srv, nil)
			if err := c.Logout(context.Background(), portalToken()); err != nil {
				t.Errorf("Logout: %v", err)
			}
			if n := srv.count("POST /logout"); n != 1 {
				t.Errorf("%d requests", n)
			}
		})
	}
}
