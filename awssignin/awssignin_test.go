package awssignin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// samlValue is a SAMLResponse distinctive enough that finding it in an
// error message cannot be a coincidence.
const samlValue = "PHNhbWxwOlJlc3BvbnNlIFNFQ1JFVC1NQVJLRVItN2Y0Yz4="

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParsePage_Fixture(t *testing.T) {
	dir := os.Getenv("AWSFED_AWS_PAGES")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "fixtures", "aws-pages")
	}
	page, err := os.ReadFile(filepath.Join(dir, "signin-select-role.html"))
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("no captured page in %s (set AWSFED_AWS_PAGES): %v", dir, err)
	}
	if err != nil {
		t.Fatal(err)
	}

	got, err := ParsePage(page)
	if err != nil {
		t.Fatalf("ParsePage: %v", err)
	}
	want := []Account{
		{ID: "000000000001", Alias: "account-alias", Roles: []string{
			"arn:aws:iam::000000000001:role/Development",
			"arn:aws:iam::000000000001:role/Production",
		}},
		{ID: "000000000002", Roles: []string{
			"arn:aws:iam::000000000002:role/Production",
		}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParsePage:\n got %#v\nwant %#v", got, want)
	}
}

func TestParsePage(t *testing.T) {
	tests := []struct {
		name string
		file string
		want []Account
	}{
		{
			name: "no alias",
			file: "no-alias.html",
			want: []Account{{ID: "111122223333", Roles: []string{
				"arn:aws:iam::111122223333:role/ReadOnly",
				"arn:aws:iam::111122223333:role/path/to/Admin",
			}}},
		},
		{
			name: "alias with spaces and whitespace",
			file: "alias-spaces.html",
			want: []Account{{ID: "444455556666", Alias: "Data Platform - Prod", Roles: []string{
				"arn:aws:iam::444455556666:role/data-engineer",
			}}},
		},
		{
			name: "several accounts",
			file: "several-accounts.html",
			want: []Account{
				{ID: "210987654321", Alias: "acme-dev", Roles: []string{
					"arn:aws:iam::210987654321:role/Developer",
				}},
				{ID: "555566667777", Roles: []string{
					"arn:aws:iam::555566667777:role/Auditor",
					"arn:aws:iam::555566667777:role/Operator",
				}},
				{ID: "888899990000", Alias: "acme-prod-eu", Roles: []string{
					"arn:aws:iam::888899990000:role/Operator",
					"arn:aws:iam::888899990000:role/BreakGlass",
				}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePage(readTestdata(t, tt.file))
			if err != nil {
				t.Fatalf("ParsePage: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParsePage:\n got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

// rolePage builds a one-account page from a heading and role radio values.
func rolePage(heading string, arns ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "<html><body><fieldset><div class=\"saml-account\"><div class=\"saml-account-name\">%s</div>", heading)
	for _, arn := range arns {
		fmt.Fprintf(&b, "<div class=\"saml-role\"><input type=\"radio\" name=\"roleIndex\" value=\"%s\"><label class=\"saml-role-description\">x</label></div>", arn)
	}
	b.WriteString("</div></fieldset></body></html>")
	return []byte(b.String())
}

func TestParsePage_Headings(t *testing.T) {
	tests := []struct {
		name      string
		heading   string
		wantID    string
		wantAlias string
	}{
		{"alias", "Account: prod (123456789012)", "123456789012", "prod"},
		{"no alias", "Account: 123456789012", "123456789012", ""},
		{"alias with parentheses", "Account: Team (eu) (123456789012)", "123456789012", "Team (eu)"},
		{"alias with colon", "Account: a:b (123456789012)", "123456789012", "a:b"},
		{"translated label", "Konto: prod (123456789012)", "123456789012", "prod"},
		{"no label", "prod (123456789012)", "123456789012", "prod"},
		{"entity in alias", "Account: R&amp;D (123456789012)", "123456789012", "R&D"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePage(rolePage(tt.heading, "arn:aws:iam::123456789012:role/R"))
			if err != nil {
				t.Fatalf("ParsePage: %v", err)
			}
			if len(got) != 1 || got[0].ID != tt.wantID || got[0].Alias != tt.wantAlias {
				t.Errorf("ParsePage = %#v, want ID %q alias %q", got, tt.wantID, tt.wantAlias)
			}
		})
	}
}

func TestParsePage_Errors(t *testing.T) {
	tests := []struct {
		name        string
		page        []byte
		wantNotRole bool
		wantIn      []string
	}{
		{
			name:        "sign-in error page",
			page:        readTestdata(t, "error-page.html"),
			wantNotRole: true,
			wantIn:      []string{`title "Amazon Web Services Sign-In"`, "Your request included an invalid SAML response. To logout, click here."},
		},
		{
			name:        "not html",
			page:        readTestdata(t, "not-html.txt"),
			wantNotRole: true,
			wantIn:      []string{"no title"},
		},
		{
			name:        "empty",
			page:        nil,
			wantNotRole: true,
		},
		{
			name:   "heading without account id",
			page:   rolePage("Account: prod", "arn:aws:iam::123456789012:role/R"),
			wantIn: []string{`"Account: prod"`},
		},
		{
			name:   "role value not an arn",
			page:   rolePage("Account: 123456789012", "3"),
			wantIn: []string{`"3"`, "123456789012"},
		},
		{
			name:   "role of another account",
			page:   rolePage("Account: 123456789012", "arn:aws:iam::999999999999:role/R"),
			wantIn: []string{"arn:aws:iam::999999999999:role/R"},
		},
		{
			name:   "role before any heading",
			page:   []byte(`<input name="roleIndex" value="arn:aws:iam::123456789012:role/R"><div class="saml-account-name">Account: 123456789012</div>`),
			wantIn: []string{"before any account heading"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePage(tt.page)
			if err == nil {
				t.Fatalf("ParsePage = %#v, want an error", got)
			}
			if gotNotRole := errors.Is(err, ErrNotRolePage); gotNotRole != tt.wantNotRole {
				t.Errorf("errors.Is(%v, ErrNotRolePage) = %v, want %v", err, gotNotRole, tt.wantNotRole)
			}
			var npe *NotRolePageError
			if gotTyped := errors.As(err, &npe); gotTyped != tt.wantNotRole {
				t.Errorf("errors.As(%v, *NotRolePageError) = %v, want %v", err, gotTyped, tt.wantNotRole)
			}
			for _, s := range tt.wantIn {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
			if !strings.HasPrefix(err.Error(), "awssignin: ") {
				t.Errorf("error %q does not start with the package name", err)
			}
		})
	}
}

func TestParsePage_LongErrorTextShortened(t *testing.T) {
	page := "<html><head><title>Oops</title></head><body><div id=\"main_error\">" +
		strings.Repeat("very long text ", 1000) + "</div></body></html>"
	_, err := ParsePage([]byte(page))
	if err == nil {
		t.Fatal("ParsePage: want an error")
	}
	if got, max := len(err.Error()), 400; got > max {
		t.Errorf("error is %d bytes, want at most %d: %q", got, max, err)
	}
}

func TestAliases(t *testing.T) {
	accts := []Account{
		{ID: "111111111111", Alias: "one"},
		{ID: "222222222222"},
		{ID: "333333333333", Alias: "three and more"},
	}
	got := Aliases(accts)
	want := map[string]string{"111111111111": "one", "333333333333": "three and more"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Aliases = %v, want %v", got, want)
	}
	if got := Aliases(nil); got == nil || len(got) != 0 {
		t.Errorf("Aliases(nil) = %#v, want an empty map", got)
	}
}

// checkPost reports, with t.Errorf, anything wrong with how Accounts posted.
func checkPost(t *testing.T, r *http.Request) {
	t.Helper()
	if r.Method != http.MethodPost {
		t.Errorf("method = %s, want POST", r.Method)
	}
	if got, want := r.Header.Get("Content-Type"), "application/x-www-form-urlencoded"; got != want {
		t.Errorf("Content-Type = %q, want %q", got, want)
	}
	if err := r.ParseForm(); err != nil {
		t.Errorf("ParseForm: %v", err)
		return
	}
	want := url.Values{"SAMLResponse": {samlValue}, "RelayState": {""}}
	if !reflect.DeepEqual(r.PostForm, want) {
		t.Errorf("posted form = %v, want %v", r.PostForm, want)
	}
}

func TestAccounts(t *testing.T) {
	several := readTestdata(t, "several-accounts.html")
	errorPage := readTestdata(t, "error-page.html")
	wantSeveral, err := ParsePage(several)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		tls     bool
		handler func(t *testing.T) http.Handler
		want    []Account
		wantErr string
	}{
		{
			name: "select-a-role page",
			handler: func(t *testing.T) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					checkPost(t, r)
					w.Header().Set("Content-Type", "text/html;charset=UTF-8")
					w.Write(several)
				})
			},
			want: wantSeveral,
		},
		{
			name: "over tls",
			tls:  true,
			handler: func(t *testing.T) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					checkPost(t, r)
					w.Write(several)
				})
			},
			want: wantSeveral,
		},
		{
			name: "302 to the page",
			handler: func(t *testing.T) http.Handler {
				mux := http.NewServeMux()
				mux.HandleFunc("/saml", func(w http.ResponseWriter, r *http.Request) {
					checkPost(t, r)
					http.Redirect(w, r, "/saml/select?token=abc", http.StatusFound)
				})
				mux.HandleFunc("/saml/select", func(w http.ResponseWriter, r *http.Request) {
					if r.Method != http.MethodGet {
						t.Errorf("redirected method = %s, want GET", r.Method)
					}
					w.Write(several)
				})
				return mux
			},
			want: wantSeveral,
		},
		{
			name: "307 to plain http elsewhere refused",
			handler: func(t *testing.T) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, "http://signin.aws.example/saml?token=s3cr3t", http.StatusTemporaryRedirect)
				})
			},
			wantErr: "http://signin.aws.example/saml is plain http and not loopback",
		},
		{
			name: "500",
			handler: func(t *testing.T) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					// A server might echo what it was sent; Accounts must not pass it on.
					http.Error(w, "bad request: SAMLResponse="+samlValue, http.StatusInternalServerError)
				})
			},
			wantErr: "/saml answered 500 Internal Server Error",
		},
		{
			name: "sign-in error page",
			handler: func(t *testing.T) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Write(errorPage)
				})
			},
			wantErr: "invalid SAML response",
		},
		{
			name: "page too large",
			handler: func(t *testing.T) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Write([]byte(strings.Repeat("x", maxPageSize+1)))
				})
			},
			wantErr: "larger than",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var srv *httptest.Server
			if tt.tls {
				srv = httptest.NewTLSServer(tt.handler(t))
			} else {
				srv = httptest.NewServer(tt.handler(t))
			}
			defer srv.Close()

			got, err := Accounts(context.Background(), srv.Client(), srv.URL+"/saml", samlValue)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("Accounts = %#v, want an error containing %q", got, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %q does not contain %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), samlValue) {
					t.Errorf("error %q contains the SAML response", err)
				}
				if strings.Contains(err.Error(), "token=") {
					t.Errorf("error %q contains a URL query", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Accounts: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Accounts:\n got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

// failTransport fails the test if any request is sent.
type failTransport struct{ t *testing.T }

func (f failTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	f.t.Errorf("unexpected request to %s", r.URL)
	return nil, errors.New("no request expected")
}

func TestAccounts_RefusedBeforeSending(t *testing.T) {
	tests := []struct {
		name        string
		destination string
		saml        string
		wantErr     string
	}{
		{"plain http, not loopback", "http://signin.aws.amazon.com/saml", samlValue, "is plain http and not loopback"},
		{"plain http, private address", "http://10.1.2.3/saml", samlValue, "is plain http and not loopback"},
		{"other scheme", "ftp://signin.aws.amazon.com/saml", samlValue, "is not https"},
		{"no host", "https:///saml", samlValue, "has no host"},
		{"relative", "/saml", samlValue, "has no host"},
		{"unparsable", "https://signin.aws.amazon.com:port/saml", samlValue, "destination"},
		{"empty saml response", "https://signin.aws.amazon.com/saml", "", "empty saml response"},
	}
	c := &http.Client{Transport: failTransport{t}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Accounts(context.Background(), c, tt.destination, tt.saml)
			if err == nil {
				t.Fatalf("Accounts = %#v, want an error", got)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), samlValue) {
				t.Errorf("error %q contains the SAML response", err)
			}
		})
	}
}

func TestAccounts_NilClient(t *testing.T) {
	if _, err := Accounts(context.Background(), nil, "https://signin.aws.amazon.com/saml", samlValue); err == nil {
		t.Error("Accounts(nil client): want an error")
	}
}

func TestAccounts_LoopbackHosts(t *testing.T) {
	tests := []struct {
		name string
		host string
	}{
		{"127.0.0.1", "127.0.0.1"},
		{"other 127/8 address", "127.9.8.7"},
		{"localhost", "localhost"},
		{"ipv6", "[::1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var gotHost string
			c := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
				gotHost = r.URL.Host
				return nil, errors.New("stop here")
			})}
			_, err := Accounts(context.Background(), c, "http://"+tt.host+":8080/saml", samlValue)
			if err == nil || !strings.Contains(err.Error(), "stop here") {
				t.Errorf("Accounts error = %v, want the transport's error", err)
			}
			if want := tt.host + ":8080"; gotHost != want {
				t.Errorf("request sent to %q, want %q", gotHost, want)
			}
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestAccounts_ClientRedirectPolicyKept(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	}))
	defer srv.Close()
	c := srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	_, err := Accounts(context.Background(), c, srv.URL+"/saml", samlValue)
	if err == nil || !strings.Contains(err.Error(), "answered 302 Found") {
		t.Errorf("Accounts error = %v, want the 302 reported", err)
	}
}

func TestAccounts_Canceled(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("request sent despite a canceled context")
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	_, err := Accounts(ctx, srv.Client(), srv.URL+"/saml", samlValue)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Accounts error = %v, want context.Canceled", err)
	}
}

// accountHeadingRE is the pattern parseHeading replaced, kept here to check
// that the two agree.
var accountHeadingRE = regexp.MustCompile(`^(?:[^:()]*:)?\s*(?:(.*\S)\s*\((\d{12})\)|(\d{12}))$`)

var headings = []string{
	"", "Account: prod (123456789012)", "Account: 123456789012", "Account: Team (eu) (123456789012)",
	"Account: a:b (123456789012)", "Konto: prod (123456789012)", "prod (123456789012)", "123456789012",
	"Account: (123456789012)", "Account:(123456789012)", ": (123456789012)", "(123456789012)", " 123456789012 ",
	"Acc(ount): alias (123456789012)", "Acc)ount: 123456789012", "Account: 12345678901", "Account: 1234567890123",
	"Account: prod (12345678901)", "Account: prod(123456789012)", "Account:prod (123456789012)", "a:b:123456789012",
	"a: b: (123456789012)", "Account: prod (１２３４５６７８９０１２)", "Account:\u00a0prod\t(123456789012)\n",
	"Account: prod (123456789012) x", "Account: 123456789012 (123456789012)", "x:", ":", "::123456789012",
	"Compte : équipe (123456789012)", "a\xff: b (123456789012)",
}

// TestParseHeadingAgreesWithPattern checks parseHeading against the
// pattern it replaced.
func TestParseHeadingAgreesWithPattern(t *testing.T) {
	for _, h := range headings {
		checkHeading(t, h)
	}
}

func FuzzParseHeading(f *testing.F) {
	for _, h := range headings {
		f.Add(h)
	}
	f.Fuzz(checkHeading)
}

func checkHeading(t *testing.T, heading string) {
	got, err := parseHeading(heading)
	m := accountHeadingRE.FindStringSubmatch(strings.Join(strings.Fields(heading), " "))
	switch {
	case m == nil && err == nil:
		t.Errorf("parseHeading(%q) = %+v, the pattern finds no account", heading, got)
	case m == nil:
	case err != nil:
		t.Errorf("parseHeading(%q): %v; the pattern reads %q", heading, err, m)
	case m[3] != "" && (got.ID != m[3] || got.Alias != ""), m[3] == "" && (got.ID != m[2] || got.Alias != m[1]):
		t.Errorf("parseHeading(%q) = %+v, the pattern reads %q", heading, got, m)
	}
}

func TestIsAWS(t *testing.T) {
	for raw, want := range map[string]bool{
		"https://signin.aws.amazon.com/saml":              true,
		"https://us-east-1.signin.aws.amazon.com/saml":    true,
		"https://signin.amazonaws.cn/saml":                true,
		"https://signin.amazonaws-us-gov.com/saml":        true,
		"https://SIGNIN.AWS.AMAZON.COM:443/saml":          true,
		"http://signin.aws.amazon.com/saml":               false,
		"https://signin.aws.amazon.com.evil.example/saml": false,
		"https://evilsignin.aws.amazon.com/saml":          false,
		"https://signin.aws.amazon.com:8443/saml":         false,
		"https://127.0.0.1/saml":                          false,
		"https://attacker.example/saml":                   false,
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := IsAWS(u); got != want {
			t.Errorf("IsAWS(%s) = %v, want %v", raw, got, want)
		}
	}
}
