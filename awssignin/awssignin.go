// Package awssignin learns the account aliases and role ARNs that the AWS
// sign-in page shows for a SAML assertion.
//
// The SAML assertion lists role and principal ARNs only, so account aliases
// are not in it. Like aws-google-auth and saml2aws, this package posts the
// assertion to the AWS SAML endpoint and reads the "Select a role" page
// that AWS renders in reply. The page is HTML meant for people; its markup
// may change, so callers should treat every error as "no aliases known" and
// go on with account IDs.
package awssignin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/PuerkitoBio/goquery"

	"github.com/seed-2d15385e/awsfed/profile"
)

// maxPageSize bounds how much of the sign-in page is read. The real page is
// a few kilobytes per account.
const maxPageSize = 4 << 20

// maxRedirects is the limit net/http applies when a client has no
// CheckRedirect of its own.
const maxRedirects = 10

// Account is one AWS account on the "Select a role" page.
type Account struct {
	// ID is the 12-digit account ID.
	ID string
	// Alias is the account alias AWS shows, or "" when the account has none.
	Alias string
	// Roles are the role ARNs offered for the account, in page order.
	Roles []string
}

// ErrNotRolePage means a page is not the AWS "Select a role" page: for
// example the sign-in error page AWS shows for an invalid or expired SAML
// response.
var ErrNotRolePage = errors.New("not the aws select-a-role page")

// NotRolePageError describes a page that is not the "Select a role" page.
// It matches ErrNotRolePage with errors.Is.
type NotRolePageError struct {
	// Title is the page's <title>, or "" if it has none.
	Title string
	// AWSText is the error text AWS showed on the page, shortened, or "".
	AWSText string
}

// Error says what the page was instead: its title and AWS's error text.
func (e *NotRolePageError) Error() string {
	msg := ErrNotRolePage.Error()
	if e.Title != "" {
		msg += fmt.Sprintf(" (title %q)", e.Title)
	} else {
		msg += " (no title)"
	}
	if e.AWSText != "" {
		msg += fmt.Sprintf(": aws says %q", e.AWSText)
	}
	return msg
}

// Unwrap returns ErrNotRolePage.
func (e *NotRolePageError) Unwrap() error { return ErrNotRolePage }

// maxQuoted bounds page text quoted in errors, so that an unexpected page
// is summarised rather than dumped.
const maxQuoted = 200

// ParsePage returns the accounts and role ARNs of the AWS "Select a role"
// page, in page order. A page without account headings, such as AWS's
// sign-in error page or a non-HTML body, gives a *NotRolePageError (which
// matches ErrNotRolePage). A heading or role ARN that cannot be read gives
// another error, as that means the page's markup changed.
func ParsePage(html []byte) ([]Account, error) {
	accts, err := parsePage(html)
	if err != nil {
		return nil, fmt.Errorf("awssignin: %w", err)
	}
	return accts, nil
}

func parsePage(html []byte) ([]Account, error) {
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(html))
	if err != nil {
		return nil, fmt.Errorf("parse html: %w", err)
	}
	if doc.Find("div.saml-account-name").Length() == 0 {
		return nil, &NotRolePageError{
			Title:   shorten(doc.Find("title").First().Text()),
			AWSText: shorten(doc.Find("#main_error, .error, #error").First().Text()),
		}
	}

	// Headings and radios are taken in document order, each radio belonging
	// to the heading before it. This holds whether the role blocks are
	// nested in the heading's div.saml-account (as on the real page) or are
	// its siblings, so it does not depend on the exact nesting.
	var accts []Account
	var failed error
	doc.Find("div.saml-account-name, input[name=roleIndex]").EachWithBreak(func(_ int, s *goquery.Selection) bool {
		if s.Is("div.saml-account-name") {
			a, err := parseHeading(s.Text())
			if err != nil {
				failed = err
				return false
			}
			accts = append(accts, a)
			return true
		}
		arn := strings.TrimSpace(s.AttrOr("value", ""))
		if len(accts) == 0 {
			failed = fmt.Errorf("role %q comes before any account heading", arn)
			return false
		}
		a := &accts[len(accts)-1]
		id, ok := arnAccount(arn)
		if !ok {
			failed = fmt.Errorf("account %s: role value %q is not a role arn", a.ID, arn)
			return false
		}
		if id != a.ID {
			failed = fmt.Errorf("account %s: role %q belongs to another account", a.ID, arn)
			return false
		}
		a.Roles = append(a.Roles, arn)
		return true
	})
	if failed != nil {
		return nil, failed
	}
	return accts, nil
}

// parseHeading reads "Account: alias (id)" or "Account: id", the text of
// div.saml-account-name. The label before the first colon is not checked,
// as AWS translates it; a heading whose label has parentheses, or whose
// text after the label is no alias and id, is read whole as "alias (id)".
func parseHeading(text string) (Account, error) {
	norm := strings.Join(strings.Fields(text), " ")
	if label, rest, ok := strings.Cut(norm, ":"); ok && !strings.ContainsAny(label, "()") {
		if a, ok := aliasAndID(strings.TrimLeft(rest, " ")); ok {
			return a, nil
		}
	}
	if a, ok := aliasAndID(norm); ok {
		return a, nil
	}
	return Account{}, fmt.Errorf("account heading %q has no 12-digit account id", shorten(norm))
}

// aliasAndID reads "alias (123456789012)" or "123456789012" from s, whose
// white space is single spaces.
func aliasAndID(s string) (Account, bool) {
	if profile.IsAccountID(s) {
		return Account{ID: s}, true
	}
	n := len(s)
	if n < len("(123456789012)") || s[n-14] != '(' || s[n-1] != ')' || !profile.IsAccountID(s[n-13:n-1]) {
		return Account{}, false
	}
	alias := strings.TrimRight(s[:n-14], " ")
	if alias == "" {
		return Account{}, false
	}
	return Account{ID: s[n-13 : n-1], Alias: alias}, true
}

// arnAccount returns the account field of an IAM role ARN
// (arn:partition:iam::account:role/name).
func arnAccount(arn string) (string, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" || !strings.HasPrefix(parts[5], "role/") {
		return "", false
	}
	return parts[4], true
}

// shorten collapses whitespace and cuts s to maxQuoted runes.
func shorten(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > maxQuoted {
		return string(r[:maxQuoted]) + "…"
	}
	return s
}

// Aliases maps account ID to alias for the accounts that have an alias.
func Aliases(accts []Account) map[string]string {
	m := make(map[string]string, len(accts))
	for _, a := range accts {
		if a.Alias != "" {
			m[a.ID] = a.Alias
		}
	}
	return m
}

// Accounts posts samlResponse (the base64 SAMLResponse form value, as the
// IdP sent it) to destination, the assertion's Destination such as
// https://signin.aws.amazon.com/saml, and returns ParsePage of the page AWS
// answers with.
//
// destination must be https; plain http is accepted only for loopback
// hosts (127.0.0.0/8, ::1, localhost), for tests. Redirects are followed
// with c, under c's own redirect policy, but none to a destination that
// would be refused. At most 4 MiB of the page is read. A status other than
// 200 is an error naming it. Errors never contain samlResponse; of the
// page they quote only its title and AWS's error text, shortened.
//
// Accounts sets no deadline of its own: callers should bound ctx (a few
// seconds is plenty), since the result is only cosmetic.
func Accounts(ctx context.Context, c *http.Client, destination, samlResponse string) ([]Account, error) {
	if c == nil {
		return nil, errors.New("awssignin: nil http client")
	}
	if samlResponse == "" {
		return nil, errors.New("awssignin: empty saml response")
	}
	u, err := url.Parse(destination)
	if err != nil {
		// url.Parse's error quotes destination, which is not secret.
		return nil, fmt.Errorf("awssignin: destination: %w", err)
	}
	if err := checkURL(u); err != nil {
		return nil, fmt.Errorf("awssignin: destination: %w", err)
	}

	form := url.Values{"SAMLResponse": {samlResponse}, "RelayState": {""}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("awssignin: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")

	resp, err := guarded(c).Do(req)
	if err != nil {
		// A *url.Error quotes the URL in full, and a redirect's query may
		// hold a token: name it without the query.
		var ue *url.Error
		if errors.As(err, &ue) {
			where := ue.URL
			if u, perr := url.Parse(ue.URL); perr == nil {
				where = redact(u)
			}
			return nil, fmt.Errorf("awssignin: %s %s: %w", ue.Op, where, ue.Err)
		}
		return nil, fmt.Errorf("awssignin: %w", err)
	}
	defer resp.Body.Close()

	where := redact(resp.Request.URL)
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("awssignin: %s answered %s", where, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxPageSize+1))
	if err != nil {
		return nil, fmt.Errorf("awssignin: read %s: %w", where, err)
	}
	if len(body) > maxPageSize {
		return nil, fmt.Errorf("awssignin: page from %s is larger than %d bytes", where, maxPageSize)
	}
	accts, err := parsePage(body)
	if err != nil {
		return nil, fmt.Errorf("awssignin: page from %s: %w", where, err)
	}
	return accts, nil
}

// guarded returns a shallow copy of c whose redirect policy also refuses
// URLs that checkURL refuses. A 307 or 308 redirect re-sends the form, and
// with it the SAML response, so it must not go to plain http.
func guarded(c *http.Client) *http.Client {
	g := *c
	next := c.CheckRedirect
	g.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if err := checkURL(req.URL); err != nil {
			return fmt.Errorf("redirect: %w", err)
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= maxRedirects {
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		return nil
	}
	return &g
}

// checkURL accepts https URLs, and http URLs whose host is loopback.
// IsAWS reports whether u is an https URL of AWS's sign-in service, in any
// partition: signin.aws.amazon.com, signin.amazonaws.cn,
// signin.amazonaws-us-gov.com, or a regional host of theirs such as
// us-east-1.signin.aws.amazon.com. A SAMLResponse is a credential: it goes
// to no other host an assertion may name as its Destination.
func IsAWS(u *url.URL) bool {
	if u.Scheme != "https" || u.Port() != "" && u.Port() != "443" {
		return false
	}
	host := strings.ToLower(u.Hostname())
	for _, h := range []string{"signin.aws.amazon.com", "signin.amazonaws.cn", "signin.amazonaws-us-gov.com"} {
		if host == h || strings.HasSuffix(host, "."+h) {
			return true
		}
	}
	return false
}

func checkURL(u *url.URL) error {
	if u.Host == "" {
		return fmt.Errorf("%q has no host", redact(u))
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("%s is plain http and not loopback", redact(u))
	default:
		return fmt.Errorf("%s is not https", redact(u))
	}
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// redact gives u without its query, fragment and user info, which may hold
// tokens.
func redact(u *url.URL) string {
	r := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	return r.String()
}
