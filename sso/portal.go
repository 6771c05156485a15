package sso

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"

	"github.com/seed-2d15385e/awsfed/awsconfig"
)

// Account is an AWS account the person may sign in to.
type Account struct {
	ID, Name, Email string
}

// AccountRole is a role the person may use in an account.
type AccountRole struct {
	Account  Account
	RoleName string
}

// DefaultInFlight is how many portal requests AccountRoles sends at once
// when not told: enough to list hundreds of accounts in seconds, few
// enough to stay under the portal's rate limit most of the time.
const DefaultInFlight = 8

// Backoff of portal requests refused for too many requests (429) or by a
// server error (5xx): waits of base·2ⁿ, at most backoffCap, each between
// half and all of it (jitter, so that parallel requests do not come back
// together), for at most maxAttempts attempts.
const (
	maxAttempts = 8
	backoffBase = 500 * time.Millisecond
	backoffCap  = 20 * time.Second
)

// tokenSession names tok's session in errors.
func tokenSession(tok *Token) string {
	if tok.session != "" {
		return fmt.Sprintf("sso-session %q", tok.session)
	}
	return tok.StartURL
}

// portalFor returns the portal client for tok, or a *TokenInvalidError
// when tok has no access token or has expired.
func (c *Client) portalFor(tok *Token) (*sso.Client, error) {
	if tok == nil || tok.AccessToken == "" || !tok.ExpiresAt.After(c.now()) {
		name := ""
		if tok != nil {
			name = tokenSession(tok)
		}
		return nil, &TokenInvalidError{Session: name}
	}
	if tok.Region == "" {
		return nil, &TokenInvalidError{Session: tokenSession(tok)}
	}
	return c.portal(tok.Region)
}

// call runs one portal request, again while it is refused for too many
// requests or by a server error, with backoff; the last error is
// described: a 401 as a *TokenInvalidError, a 429 as a *ThrottledError.
func (c *Client) call(ctx context.Context, tok *Token, op string, do func() error) error {
	for attempt := 1; ; attempt++ {
		err := do()
		if err == nil {
			return nil
		}
		status := statusCode(err)
		retry := status == 429 || status == 500 || status == 502 || status == 503 || status == 504
		if !retry || attempt == maxAttempts || ctx.Err() != nil {
			d := describe(ctx, op, err, tok.AccessToken)
			switch {
			case ctx.Err() != nil:
				return d
			case status == 401:
				return &TokenInvalidError{Session: tokenSession(tok), Err: d}
			case status == 429:
				return &ThrottledError{Op: op, Attempts: attempt, Err: d}
			}
			return d
		}
		if err := c.sleep(ctx, backoff(attempt)); err != nil {
			return describe(ctx, op, err)
		}
	}
}

// backoff is the wait after the attempt-th failed attempt.
func backoff(attempt int) time.Duration {
	d := backoffCap
	if attempt < 16 {
		d = min(backoffBase<<(attempt-1), backoffCap)
	}
	return d/2 + rand.N(d/2+1)
}

// Accounts lists every account tok may sign in to, every page, in the
// portal's order.
func (c *Client) Accounts(ctx context.Context, tok *Token) ([]Account, error) {
	api, err := c.portalFor(tok)
	if err != nil {
		return nil, err
	}
	return c.accounts(ctx, api, tok)
}

func (c *Client) accounts(ctx context.Context, api *sso.Client, tok *Token) ([]Account, error) {
	var accounts []Account
	var next *string
	seen := map[string]bool{}
	for {
		var out *sso.ListAccountsOutput
		err := c.call(ctx, tok, "ListAccounts", func() (err error) {
			out, err = api.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: aws.String(tok.AccessToken), NextToken: next})
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, a := range out.AccountList {
			accounts = append(accounts, Account{ID: aws.ToString(a.AccountId), Name: aws.ToString(a.AccountName), Email: aws.ToString(a.EmailAddress)})
		}
		if next = out.NextToken; aws.ToString(next) == "" {
			return accounts, nil
		}
		if seen[*next] {
			return nil, &Error{Op: "ListAccounts", Message: "answered a page token it gave before (a loop)"}
		}
		seen[*next] = true
	}
}

// Roles lists the names of the roles tok may use in accountID, every
// page, sorted.
func (c *Client) Roles(ctx context.Context, tok *Token, accountID string) ([]string, error) {
	api, err := c.portalFor(tok)
	if err != nil {
		return nil, err
	}
	return c.roles(ctx, api, tok, accountID)
}

func (c *Client) roles(ctx context.Context, api *sso.Client, tok *Token, accountID string) ([]string, error) {
	var roles []string
	var next *string
	seen := map[string]bool{}
	for {
		var out *sso.ListAccountRolesOutput
		err := c.call(ctx, tok, "ListAccountRoles", func() (err error) {
			out, err = api.ListAccountRoles(ctx, &sso.ListAccountRolesInput{AccessToken: aws.String(tok.AccessToken), AccountId: aws.String(accountID), NextToken: next})
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, r := range out.RoleList {
			roles = append(roles, aws.ToString(r.RoleName))
		}
		if next = out.NextToken; aws.ToString(next) == "" {
			slices.Sort(roles)
			return roles, nil
		}
		if seen[*next] {
			return nil, &Error{Op: "ListAccountRoles", Message: "answered a page token it gave before (a loop)"}
		}
		seen[*next] = true
	}
}

// AccountRoles lists every role tok may use in every account, sorted by
// account id then role name. It sends at most inFlight requests at once
// (DefaultInFlight if inFlight ≤ 0), waits and tries again when the
// portal refuses for too many requests, and stops at the first error.
func (c *Client) AccountRoles(ctx context.Context, tok *Token, inFlight int) ([]AccountRole, error) {
	api, err := c.portalFor(tok)
	if err != nil {
		return nil, err
	}
	accounts, err := c.accounts(ctx, api, tok)
	if err != nil {
		return nil, err
	}
	if inFlight <= 0 {
		inFlight = DefaultInFlight
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		result   []AccountRole
		jobs     = make(chan Account)
	)
	for range min(inFlight, len(accounts)) {
		wg.Go(func() {
			// Each worker sends one request at a time: the pages of an
			// account follow each other.
			for a := range jobs {
				roles, err := c.roles(ctx, api, tok, a.ID)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
					cancel()
				}
				for _, r := range roles {
					result = append(result, AccountRole{Account: a, RoleName: r})
				}
				mu.Unlock()
			}
		})
	}
feed:
	for _, a := range accounts {
		select {
		case jobs <- a:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(result, func(a, b AccountRole) int {
		return cmp.Or(cmp.Compare(a.Account.ID, b.Account.ID), cmp.Compare(a.RoleName, b.RoleName))
	})
	return result, nil
}

// RoleCredentials gets credentials for roleName in accountID. It returns
// a *TokenInvalidError when the portal no longer takes tok (the caller
// drops it and signs in again) and a *RoleNotAssignedError when the person
// may not use that role. PrincipalARN is left empty: the portal does not
// say it.
func (c *Client) RoleCredentials(ctx context.Context, tok *Token, accountID, roleName string) (awsconfig.Credentials, error) {
	api, err := c.portalFor(tok)
	if err != nil {
		return awsconfig.Credentials{}, err
	}
	var out *sso.GetRoleCredentialsOutput
	err = c.call(ctx, tok, "GetRoleCredentials", func() (err error) {
		out, err = api.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: aws.String(tok.AccessToken), AccountId: aws.String(accountID), RoleName: aws.String(roleName)})
		return err
	})
	var e *Error
	if errors.As(err, &e) && (e.StatusCode == 403 || e.StatusCode == 404) {
		return awsconfig.Credentials{}, &RoleNotAssignedError{AccountID: accountID, RoleName: roleName, Err: err}
	}
	if err != nil {
		return awsconfig.Credentials{}, err
	}
	rc := out.RoleCredentials
	if rc == nil || aws.ToString(rc.AccessKeyId) == "" || aws.ToString(rc.SecretAccessKey) == "" {
		return awsconfig.Credentials{}, &Error{Op: "GetRoleCredentials", Message: "answered without credentials"}
	}
	creds := awsconfig.Credentials{
		AccessKeyID:     aws.ToString(rc.AccessKeyId),
		SecretAccessKey: aws.ToString(rc.SecretAccessKey),
		SessionToken:    aws.ToString(rc.SessionToken),
	}
	if rc.Expiration > 0 {
		creds.Expiration = time.UnixMilli(rc.Expiration).UTC()
	}
	return creds, nil
}

// Logout ends the portal session tok belongs to, which ends every token
// and refresh token of it. A token the portal no longer takes, or one
// that has expired, has nothing left to end: that is no error.
func (c *Client) Logout(ctx context.Context, tok *Token) error {
	api, err := c.portalFor(tok)
	var invalid *TokenInvalidError
	if errors.As(err, &invalid) {
		return nil
	}
	if err != nil {
		return err
	}
	err = c.call(ctx, tok, "Logout", func() error {
		_, err := api.Logout(ctx, &sso.LogoutInput{AccessToken: aws.String(tok.AccessToken)})
		return err
	})
	if errors.As(err, &invalid) {
		return nil
	}
	return err
}

// portal returns an AWS access portal client for region, without the
// SDK's retries (call does them).
func (c *Client) portal(region string) (*sso.Client, error) {
	endpoint, err := PortalEndpoint(c.getenv, region)
	if err != nil {
		return nil, err
	}
	return sso.New(sso.Options{
		Region:       region,
		BaseEndpoint: aws.String(endpoint),
		HTTPClient:   c.httpClient(),
		Retryer:      aws.NopRetryer{},
	}), nil
}
