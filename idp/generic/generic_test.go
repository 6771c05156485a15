package generic

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/seed-2d15385e/awsfed/idp"
	"github.com/seed-2d15385e/awsfed/idp/generic/generictest"
)

// codes is a scripted idp.CodeSource.
type codes struct {
	list  []string
	asked int
}

func (c *codes) Code(context.Context, string) (string, error) {
	if c.asked >= len(c.list) {
		return "", &idp.RefusedError{Err: idp.ErrMFARejected}
	}
	c.asked++
	return c.list[c.asked-1], nil
}

func TestAuthenticate(t *testing.T) {
	tests := []struct {
		name        string
		opts        generictest.Options
		password    string
		codes       []string
		wantErr     error  // errors.Is target
		wantErrText string // substring of the error
		wantAsked   int    // codes asked
		wantPosts   int
	}{
		{name: "password", password: generictest.Password, wantPosts: 1},
		{name: "relay form first", opts: generictest.Options{Relay: true}, password: generictest.Password, wantPosts: 1},
		{name: "password and code", opts: generictest.Options{MFA: true}, password: generictest.Password, codes: []string{generictest.Code}, wantAsked: 1, wantPosts: 2},
		{name: "wrong code then right", opts: generictest.Options{MFA: true}, password: generictest.Password, codes: []string{"000000", generictest.Code}, wantAsked: 2, wantPosts: 3},
		{name: "wrong code three times", opts: generictest.Options{MFA: true}, password: generictest.Password, codes: []string{"1", "2", "3"},
			wantErr: idp.ErrMFARejected, wantAsked: 3, wantPosts: 4},
		{name: "wrong code drops the form, restart", opts: generictest.Options{MFA: true, DropFormOnBadCode: true}, password: generictest.Password,
			codes: []string{"000000", generictest.Code}, wantAsked: 2, wantPosts: 4},
		{name: "wrong password", password: "nope", wantErr: idp.ErrWrongPassword, wantErrText: "Incorrect username or password", wantPosts: 1},
		{name: "login page that is itself the error page", opts: generictest.Options{LoginPage: "login-error.html"}, password: "nope",
			wantErr: idp.ErrWrongPassword, wantErrText: "Your session has expired", wantPosts: 1},
		{name: "IdP answers 500", opts: generictest.Options{LoginStatus: 500, LoginPage: "error500.html"}, password: generictest.Password,
			wantErrText: "HTTP 500"},
		{name: "page with no form", opts: generictest.Options{FirstPage: "noform.html"}, wantErrText: `the page says "Metadata not found"`},
		{name: "odd actions: absolute, relative, #", opts: generictest.Options{LoginPage: "login-odd.html"}, password: generictest.Password, wantPosts: 1},
		{name: "two forms on the page", opts: generictest.Options{LoginPage: "login-twoforms.html"}, password: generictest.Password, wantPosts: 1},
		{name: "nested forms", opts: generictest.Options{LoginPage: "login-nested.html"}, password: generictest.Password, wantPosts: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := generictest.NewServer(t, tt.opts)
			c := srv.Client()
			c.Jar, _ = cookiejar.New(nil)
			p, err := New(srv.SSOURL(), c)
			if err != nil {
				t.Fatal(err)
			}
			passwordAsked := 0
			cs := &codes{list: tt.codes}
			a, err := p.Authenticate(t.Context(), idp.LoginInput{
				Username: generictest.Username,
				Password: func(context.Context) (string, error) { passwordAsked++; return tt.password, nil },
				Codes:    cs,
			})
			switch {
			case tt.wantErr == nil && tt.wantErrText == "":
				if err != nil {
					t.Fatalf("Authenticate: %v", err)
				}
				if len(a.Roles) != 1 || a.Roles[0].RoleARN != generictest.RoleARN {
					t.Errorf("roles = %+v, want %s", a.Roles, generictest.RoleARN)
				}
			default:
				if err == nil {
					t.Fatalf("Authenticate succeeded, want an error")
				}
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Errorf("error = %v, want %v", err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErrText) {
					t.Errorf("error = %q, want it to contain %q", err, tt.wantErrText)
				}
				if strings.Contains(err.Error(), tt.password) && tt.password != "" {
					t.Errorf("the error shows the password: %q", err)
				}
			}
			if cs.asked != tt.wantAsked {
				t.Errorf("codes asked = %d, want %d", cs.asked, tt.wantAsked)
			}
			if passwordAsked > 1 {
				t.Errorf("password asked %d times, want at most once", passwordAsked)
			}
			if posts := srv.Posts(); len(posts) != tt.wantPosts {
				t.Errorf("posts = %d %q, want %d", len(posts), posts, tt.wantPosts)
			}
		})
	}
}

// TestAuthenticateExistingSession checks that a live IdP session gives the
// SAMLResponse at the first hop without asking anything.
func TestAuthenticateExistingSession(t *testing.T) {
	srv := generictest.NewServer(t, generictest.Options{})
	c := srv.Client()
	c.Jar, _ = cookiejar.New(nil)
	p, _ := New(srv.SSOURL(), c)
	in := idp.LoginInput{Username: generictest.Username, Password: func(context.Context) (string, error) { return generictest.Password, nil }}
	if _, err := p.Authenticate(t.Context(), in); err != nil {
		t.Fatal(err)
	}
	in.Password = func(context.Context) (string, error) {
		return "", fmt.Errorf("asked for a password with a live session")
	}
	if _, err := p.Authenticate(t.Context(), in); err != nil {
		t.Fatal(err)
	}
}

func TestAuthenticateIdPDown(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c := &http.Client{}
	c.Jar, _ = cookiejar.New(nil)
	p, _ := New(url+"/sso", c)
	_, err := p.Authenticate(t.Context(), idp.LoginInput{})
	if err == nil || !strings.Contains(err.Error(), "cannot reach the IdP at 127.0.0.1") {
		t.Errorf("error = %v, want one saying the IdP cannot be reached", err)
	}
}

func TestNew(t *testing.T) {
	c := &http.Client{}
	c.Jar, _ = cookiejar.New(nil)
	for _, u := range []string{"", "idp.example.com/sso", "ftp://idp.example.com/", "https://"} {
		if _, err := New(u, c); err == nil {
			t.Errorf("New(%q) succeeded, want an error", u)
		}
	}
	if _, err := New("https://idp.example.com/sso", &http.Client{}); err == nil {
		t.Errorf("New without a cookie jar succeeded")
	}
}

// TestAuthenticateRedirectKinds walks 301, 302, 303 and 307 redirects: a 307
// keeps the POST and its body, the others turn it into a GET.
func TestAuthenticateRedirectKinds(t *testing.T) {
	saml := generictest.DefaultSAMLResponse()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /start", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/moved", http.StatusMovedPermanently)
	})
	mux.HandleFunc("GET /moved", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/login", http.StatusFound) })
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `<form method="post" action=""><input name="u"><input type="password" name="p"></form>`)
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/check", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("POST /check", func(w http.ResponseWriter, r *http.Request) {
		if r.PostFormValue("p") != generictest.Password {
			t.Errorf("the 307 redirect lost the posted password")
		}
		http.Redirect(w, r, "/done", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /done", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<form method="post" action="https://signin.aws.amazon.com/saml"><input type="hidden" name="SAMLResponse" value="%s"></form>`, saml)
	})
	srv := httptest.NewTLSServer(mux)
	defer srv.Close()
	c := srv.Client()
	c.Jar, _ = cookiejar.New(nil)
	p, _ := New(srv.URL+"/start", c)
	a, err := p.Authenticate(t.Context(), idp.LoginInput{Username: "u",
		Password: func(context.Context) (string, error) { return generictest.Password, nil }})
	if err != nil {
		t.Fatal(err)
	}
	if a.Roles[0].RoleARN != generictest.RoleARN {
		t.Errorf("role %s, want %s", a.Roles[0].RoleARN, generictest.RoleARN)
	}
}
