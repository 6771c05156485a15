package sso

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"
)

// TestAccountRolesSpeed lists 300 accounts from a portal whose every page
// takes pageTime: the whole listing must take at most twice what
// DefaultInFlight requests at a time allow (the account pages one after
// the other, then the accounts' role pages DefaultInFlight at once).
// docs/performance.md has the figures.
func TestAccountRolesSpeed(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	const nAccounts, accountPage, pageTime = 300, 100, 20 * time.Millisecond
	var accounts []map[string]string
	for i := range nAccounts {
		accounts = append(accounts, map[string]string{"accountId": fmt.Sprintf("%012d", 100000000000+i), "accountName": fmt.Sprintf("acct%d", i)})
	}
	srv := newServer(t, map[string]route{
		"GET /assignment/accounts": func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
			time.Sleep(pageTime)
			list, next := page(accounts, r.URL.Query().Get("next_token"), accountPage)
			writeJSON(w, map[string]any{"accountList": list, "nextToken": next})
		},
		"GET /assignment/roles": func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
			time.Sleep(pageTime)
			id := r.URL.Query().Get("account_id")
			writeJSON(w, map[string]any{"roleList": []map[string]string{{"roleName": "ReadOnly", "accountId": id}, {"roleName": "Admin", "accountId": id}}})
		},
	})
	c, _, _ := testClient(t, srv, nil)
	start := time.Now()
	got, err := c.AccountRoles(context.Background(), portalToken(), 0)
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2*nAccounts {
		t.Fatalf("%d roles, want %d", len(got), 2*nAccounts)
	}
	accountPages := (nAccounts + accountPage - 1) / accountPage
	ideal := time.Duration(accountPages+(nAccounts+DefaultInFlight-1)/DefaultInFlight) * pageTime
	t.Logf("%d accounts, %d requests, %v a page, %d in flight: %v (ideal %v, %.2f×)",
		nAccounts, len(srv.requests()), pageTime, DefaultInFlight, elapsed.Round(time.Millisecond), ideal, float64(elapsed)/float64(ideal))
	if elapsed > 2*ideal {
		t.Errorf("listing took %v, more than twice the %v that %d requests at a time allow", elapsed, ideal, DefaultInFlight)
	}
}
