// Package generictest serves a form-based SAML IdP for tests, in the shape of
// SimpleSAMLphp and LemonLDAP::NG, with knobs for the tricky pages a
// generic sign-in must handle.
package generictest

import (
	"embed"
	"html/template"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/seed-2d15385e/awsfed/idp/idptest"
)

//go:embed pages/*.html
var files embed.FS

var pages = template.Must(template.ParseFS(files, "pages/*.html"))

// The role the test IdP grants by default.
const (
	RoleARN      = idptest.RoleARN
	PrincipalARN = idptest.PrincipalARN
)

// The test IdP's one user.
const (
	Username = "alice"
	Password = "s3cret!pw"
	Code     = "123456"
)

// Options shape the test IdP.
type Options struct {
	// MFA asks for a one-time code after the password.
	MFA bool
	// DropFormOnBadCode answers a wrong code with an error page that has no
	// form, as LemonLDAP::NG does.
	DropFormOnBadCode bool
	// Relay starts with an auto-submitting SAMLRequest relay form.
	Relay bool
	// LoginStatus is the status of the login page (default 200).
	LoginStatus int
	// LoginPage is the template of the login page (default login.html).
	LoginPage string
	// FirstPage, when set, is served at the start URL instead of the flow.
	FirstPage string
	// SAMLResponse is the value of the SAMLResponse field (default:
	// idptest.DefaultSAMLResponse(), granting RoleARN).
	SAMLResponse string
	// EchoPassword makes the error of a wrong password quote the password
	// that was posted (HTML-escaped, as the page's text), as careless IdPs
	// do.
	EchoPassword bool
}

// Server is a running test IdP.
type Server struct {
	*httptest.Server
	t    testing.TB
	opts Options

	mu       sync.Mutex
	posts    []string
	requests int
	session  bool
}

// NewServer starts a TLS test IdP; it is closed when the test ends. Use
// srv.Client() (which trusts its certificate) with a cookie jar.
func NewServer(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.SAMLResponse == "" {
		opts.SAMLResponse = DefaultSAMLResponse()
	}
	s := &Server{t: t, opts: opts}
	s.Server = httptest.NewTLSServer(s.handler())
	t.Cleanup(s.Close)
	return s
}

// SSOURL is the IdP-initiated sign-in URL.
func (s *Server) SSOURL() string { return s.URL + "/sso" }

// Requests returns how many requests the IdP has received so far.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Posts returns the path and form body of every form posted so far.
func (s *Server) Posts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.posts...)
}

func (s *Server) render(w http.ResponseWriter, status int, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := pages.ExecuteTemplate(w, name, data); err != nil {
		s.t.Errorf("render %s: %v", name, err)
	}
}

func (s *Server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /sso", func(w http.ResponseWriter, r *http.Request) {
		if s.opts.FirstPage != "" {
			s.render(w, 200, s.opts.FirstPage, nil)
			return
		}
		s.mu.Lock()
		session := s.session
		s.mu.Unlock()
		if _, err := r.Cookie("idpsession"); err == nil && session {
			s.render(w, 200, "saml.html", s.opts.SAMLResponse)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "state", Value: "st-1", Path: "/"})
		if s.opts.Relay {
			s.render(w, 200, "relay.html", nil)
			return
		}
		http.Redirect(w, r, "/login?AuthState=abc%3Adef", http.StatusFound)
	})
	mux.HandleFunc("POST /relay-target", func(w http.ResponseWriter, r *http.Request) {
		if r.FormValue("SAMLRequest") != "UkVR" || r.FormValue("RelayState") != "rs" {
			s.t.Errorf("relay form posted %v", r.PostForm)
		}
		http.Redirect(w, r, "/login?AuthState=abc%3Adef", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		status := 200
		if s.opts.LoginStatus != 0 {
			status = s.opts.LoginStatus
		}
		s.render(w, status, s.loginTemplate(), map[string]string{"AuthState": r.URL.Query().Get("AuthState")})
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			s.t.Errorf("parse form: %v", err)
		}
		s.record(r)
		if c, err := r.Cookie("state"); err != nil || c.Value != "st-1" {
			s.render(w, 200, "lost.html", nil)
			return
		}
		if r.URL.RawQuery != "" || r.PostForm.Get("AuthState") != "abc:def" {
			s.t.Errorf("login posted to %q with AuthState %q", r.URL, r.PostForm.Get("AuthState"))
		}
		if r.PostForm.Get("username") != Username || r.PostForm.Get("password") != Password {
			msg := "Incorrect username or password"
			if s.opts.EchoPassword {
				msg += " (you typed " + r.PostForm.Get("password") + ")"
			}
			s.render(w, 200, s.loginTemplate(), map[string]string{"AuthState": "abc:def", "Error": msg})
			return
		}
		if s.opts.MFA {
			http.Redirect(w, r, "/otp?StateId=st%3A1", http.StatusSeeOther)
			return
		}
		s.finish(w)
		s.render(w, 200, "saml.html", s.opts.SAMLResponse)
	})
	mux.HandleFunc("GET /otp", func(w http.ResponseWriter, r *http.Request) {
		s.render(w, 200, "otp.html", map[string]string{"StateId": r.URL.Query().Get("StateId")})
	})
	mux.HandleFunc("POST /otp", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			s.t.Errorf("parse form: %v", err)
		}
		s.record(r)
		if r.PostForm.Get("otp") != Code {
			if s.opts.DropFormOnBadCode {
				s.render(w, 200, "badcode-noform.html", nil)
				return
			}
			s.render(w, 200, "otp.html", map[string]string{"StateId": r.PostForm.Get("StateId"), "Error": "Incorrect verification code"})
			return
		}
		s.finish(w)
		s.render(w, 200, "saml.html", s.opts.SAMLResponse)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests++
		s.mu.Unlock()
		mux.ServeHTTP(w, r)
	})
}

func (s *Server) loginTemplate() string {
	if s.opts.LoginPage != "" {
		return s.opts.LoginPage
	}
	return "login.html"
}

func (s *Server) record(r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.posts = append(s.posts, r.URL.Path+" "+r.PostForm.Encode())
}

func (s *Server) finish(w http.ResponseWriter) {
	s.mu.Lock()
	s.session = true
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: "idpsession", Value: "sess", Path: "/"})
}

// DefaultSAMLResponse is the SAMLResponse the test IdP sends by default,
// granting RoleARN.
func DefaultSAMLResponse() string { return idptest.DefaultSAMLResponse() }
