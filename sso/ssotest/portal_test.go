package ssotest_test

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"

	"github.com/seed-2d15385e/awsfed/sso/ssotest"
)

// sevenByThree assigns carol 7 accounts with 3 roles each.
func sevenByThree(o *ssotest.Options) {
	o.Users["carol"] = "carol@example.com"
	o.Assignments["carol"] = map[string][]string{}
	o.AccountNames = map[string]string{}
	for i := 1; i <= 7; i++ {
		id := fmt.Sprintf("%012d", 300000000000+i)
		o.Assignments["carol"][id] = []string{"Admin", "Billing", "ReadOnly"}
		o.AccountNames[id] = fmt.Sprintf("team-%d", i)
	}
}

func TestPortalPagination(t *testing.T) {
	t.Parallel()
	f := newFixture(t, sevenByThree)
	tok := f.deviceLogin(f.registerDevice("us-east-1", "sso:account:access"), "carol")
	ctx := context.Background()
	client := f.portal("us-east-1", 1)

	var got []string
	pages := 0
	p := sso.NewListAccountsPaginator(client, &sso.ListAccountsInput{AccessToken: tok.AccessToken, MaxResults: aws.Int32(100)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListAccounts page %d: %v", pages+1, err)
		}
		pages++
		for _, a := range out.AccountList {
			got = append(got, fmt.Sprintf("%s %s %s", aws.ToString(a.AccountId), aws.ToString(a.AccountName), aws.ToString(a.EmailAddress)))
			rp := sso.NewListAccountRolesPaginator(client, &sso.ListAccountRolesInput{AccessToken: tok.AccessToken, AccountId: a.AccountId})
			for rp.HasMorePages() {
				rout, err := rp.NextPage(ctx)
				if err != nil {
					t.Fatalf("ListAccountRoles %s: %v", aws.ToString(a.AccountId), err)
				}
				for _, r := range rout.RoleList {
					got = append(got, "  "+aws.ToString(r.AccountId)+" "+aws.ToString(r.RoleName))
				}
			}
		}
	}
	var want []string
	for i := 1; i <= 7; i++ {
		id := fmt.Sprintf("%012d", 300000000000+i)
		want = append(want, fmt.Sprintf("%s team-%d aws+%s@example.com", id, i, id))
		for _, r := range []string{"Admin", "Billing", "ReadOnly"} {
			want = append(want, "  "+id+" "+r)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("listing:\n got %q\nwant %q", got, want)
	}
	if pages != 4 {
		t.Errorf("ListAccounts took %d pages, want 4 (pages of 2)", pages)
	}
	// 4 account pages, and 2 role pages for each of 7 accounts.
	n := 0
	for _, r := range f.srv.Requests() {
		if r.Service == "portal" {
			n++
		}
	}
	if n != 4+7*2 {
		t.Errorf("%d portal requests, want %d", n, 4+7*2)
	}
}

func TestPortalNextTokenOfAnotherListing(t *testing.T) {
	t.Parallel()
	f := newFixture(t, sevenByThree)
	tok := f.deviceLogin(f.registerDevice("us-east-1", "sso:account:access"), "carol")
	ctx := context.Background()
	client := f.portal("us-east-1", 1)
	accounts, err := client.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: tok.AccessToken})
	if err != nil || accounts.NextToken == nil {
		t.Fatalf("ListAccounts: %v, next token %v", err, accounts.NextToken)
	}
	_, err = client.ListAccountRoles(ctx, &sso.ListAccountRolesInput{
		AccessToken: tok.AccessToken, AccountId: aws.String("300000000001"), NextToken: accounts.NextToken,
	})
	if got := errorCode(err); got != "InvalidRequestException" {
		t.Errorf("roles with the accounts' next token: %q, want InvalidRequestException", got)
	}
	// Another session of the same user cannot continue this one's listing.
	other := f.deviceLogin(f.registerDevice("us-east-1", "sso:account:access"), "carol")
	_, err = client.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: other.AccessToken, NextToken: accounts.NextToken})
	if got := errorCode(err); got != "InvalidRequestException" {
		t.Errorf("accounts with another session's next token: %q, want InvalidRequestException", got)
	}
}

func TestGetRoleCredentials(t *testing.T) {
	t.Parallel()
	var minted []string
	f := newFixture(t, func(o *ssotest.Options) {
		o.Mint = func(_ context.Context, account, role, user string) (ssotest.Credentials, error) {
			minted = append(minted, account+" "+role+" "+user)
			return ssotest.Credentials{AccessKeyID: "ASIAMINTED", SecretAccessKey: "s", SessionToken: "t",
				Expiration: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}, nil
		}
	})
	tok := f.deviceLogin(f.registerDevice("us-east-1", "sso:account:access"), "alice")
	out, err := f.portal("us-east-1", 1).GetRoleCredentials(context.Background(), &sso.GetRoleCredentialsInput{
		AccessToken: tok.AccessToken, AccountId: aws.String("111111111111"), RoleName: aws.String("Admin"),
	})
	if err != nil {
		t.Fatal(err)
	}
	rc := out.RoleCredentials
	if got, want := fmt.Sprint(aws.ToString(rc.AccessKeyId), rc.Expiration), fmt.Sprint("ASIAMINTED", time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC).UnixMilli()); got != want {
		t.Errorf("credentials %s, want %s (expiration in epoch ms)", got, want)
	}
	if fmt.Sprint(minted) != "[111111111111 Admin alice]" {
		t.Errorf("Mint called with %q", minted)
	}
}

func TestPortalErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// token returns the access token to use after any setup.
		token    func(f *fixture, tok *ssooidc.CreateTokenOutput) string
		region   string
		account  string
		role     string
		wantCode string
	}{
		{name: "assigned role", account: "111111111111", role: "ReadOnly"},
		{name: "role not assigned", account: "111111111111", role: "Billing", wantCode: "ForbiddenException"},
		{name: "account of another user", account: "222222222222", role: "ReadOnly", wantCode: "ForbiddenException"},
		{name: "unknown token", token: func(*fixture, *ssooidc.CreateTokenOutput) string { return "aoa-nothing" },
			account: "111111111111", role: "ReadOnly", wantCode: "UnauthorizedException"},
		{name: "expired token", token: func(f *fixture, tok *ssooidc.CreateTokenOutput) string {
			f.clock.Advance(time.Hour)
			return aws.ToString(tok.AccessToken)
		}, account: "111111111111", role: "ReadOnly", wantCode: "UnauthorizedException"},
		{name: "session ended", token: func(f *fixture, tok *ssooidc.CreateTokenOutput) string {
			f.srv.EndSession("alice")
			return aws.ToString(tok.AccessToken)
		}, account: "111111111111", role: "ReadOnly", wantCode: "UnauthorizedException"},
		{name: "token of another region", region: "eu-west-1", account: "111111111111", role: "ReadOnly", wantCode: "UnauthorizedException"},
		{name: "after Logout", token: func(f *fixture, tok *ssooidc.CreateTokenOutput) string {
			if _, err := f.portal("us-east-1", 1).Logout(context.Background(), &sso.LogoutInput{AccessToken: tok.AccessToken}); err != nil {
				f.t.Fatalf("Logout: %v", err)
			}
			return aws.ToString(tok.AccessToken)
		}, account: "111111111111", role: "ReadOnly", wantCode: "UnauthorizedException"},
		{name: "refreshed token after Logout of the old one", token: func(f *fixture, tok *ssooidc.CreateTokenOutput) string {
			if _, err := f.portal("us-east-1", 1).Logout(context.Background(), &sso.LogoutInput{AccessToken: tok.AccessToken}); err != nil {
				f.t.Fatalf("Logout: %v", err)
			}
			return "refresh:" + aws.ToString(tok.RefreshToken)
		}, account: "111111111111", role: "ReadOnly", wantCode: "InvalidGrantException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, nil)
			reg := f.registerDevice("us-east-1", "sso:account:access")
			tok := f.deviceLogin(reg, "alice")
			access := aws.ToString(tok.AccessToken)
			if tt.token != nil {
				access = tt.token(f, tok)
			}
			if rt, ok := strings.CutPrefix(access, "refresh:"); ok {
				_, err := f.refresh("us-east-1", reg, rt)
				if got := errorCode(err); got != tt.wantCode {
					t.Errorf("refresh: %q (%v), want %q", got, err, tt.wantCode)
				}
				return
			}
			region := tt.region
			if region == "" {
				region = "us-east-1"
			}
			_, err := f.portal(region, 1).GetRoleCredentials(context.Background(), &sso.GetRoleCredentialsInput{
				AccessToken: aws.String(access), AccountId: aws.String(tt.account), RoleName: aws.String(tt.role),
			})
			if got := errorCode(err); got != tt.wantCode {
				t.Errorf("error = %q (%v), want %q", got, err, tt.wantCode)
			}
		})
	}
}

func TestThrottle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		throttled int32 // requests answered 429 before the rest pass
		attempts  int   // the SDK's RetryMaxAttempts
		wantCode  string
		wantCalls int32
	}{
		{name: "retried by the SDK", throttled: 2, attempts: 3, wantCalls: 3},
		{name: "past the SDK's attempts", throttled: 5, attempts: 2, wantCode: "TooManyRequestsException", wantCalls: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			f := newFixture(t, func(o *ssotest.Options) {
				o.Throttle = func(r *http.Request) bool {
					return r.URL.Path == "/assignment/roles" && calls.Add(1) <= tt.throttled
				}
			})
			tok := f.deviceLogin(f.registerDevice("us-east-1", "sso:account:access"), "alice")
			out, err := f.portal("us-east-1", tt.attempts).ListAccountRoles(context.Background(), &sso.ListAccountRolesInput{
				AccessToken: tok.AccessToken, AccountId: aws.String("111111111111"),
			})
			if got := errorCode(err); got != tt.wantCode {
				t.Fatalf("error = %q (%v), want %q", got, err, tt.wantCode)
			}
			if got := calls.Load(); got != tt.wantCalls {
				t.Errorf("%d requests, want %d", got, tt.wantCalls)
			}
			if err == nil {
				var roles []string
				for _, r := range out.RoleList {
					roles = append(roles, aws.ToString(r.RoleName))
				}
				sort.Strings(roles)
				if fmt.Sprint(roles) != "[Admin ReadOnly]" {
					t.Errorf("roles %v", roles)
				}
			}
		})
	}
}

// TestPortalErrorWire checks the bytes of a portal error as AWS sends them.
func TestPortalErrorWire(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	tok := f.deviceLogin(f.registerDevice("us-east-1", "sso:account:access"), "alice")
	tests := []struct {
		name       string
		token      string
		wantStatus int
		wantType   string
		wantBody   string
	}{
		{name: "401", token: "aoa-unknown", wantStatus: 401, wantType: "UnauthorizedException",
			wantBody: `{"__type":"com.amazonaws.switchboard.portal#UnauthorizedException","message":"Session token not found or invalid"}`},
		{name: "403", token: aws.ToString(tok.AccessToken), wantStatus: 403, wantType: "ForbiddenException",
			wantBody: `{"__type":"com.amazonaws.switchboard.portal#ForbiddenException","message":"No access"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, header, body := raw(t, "GET", f.srv.PortalURL("us-east-1")+"/federation/credentials?role_name=Billing&account_id=111111111111", "", "",
				http.Header{"X-Amz-Sso_bearer_token": {tt.token}})
			if status != tt.wantStatus || body != tt.wantBody+"\n" {
				t.Errorf("answer %d %s, want %d %s", status, body, tt.wantStatus, tt.wantBody)
			}
			if got, want := header.Get("X-Amzn-ErrorType"), tt.wantType+":http://internal.amazon.com/coral/com.amazonaws.switchboard.portal/"; got != want {
				t.Errorf("X-Amzn-ErrorType = %q, want %q", got, want)
			}
		})
	}
}
