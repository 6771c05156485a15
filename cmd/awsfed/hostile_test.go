package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed-2d15385e/awsfed/idp/generic/generictest"
	"github.com/seed-2d15385e/awsfed/idp/idptest"
)

// endless is a server whose every answer is a body without end (it stops
// when the client stops reading): prefix, then text.
func endless(t *testing.T, contentType, prefix string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		if _, err := w.Write([]byte(prefix)); err != nil {
			return
		}
		chunk := []byte(strings.Repeat("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", 1000))
		for {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// hung is a server that accepts every request and never answers; it
// counts the requests.
func hung(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	n := new(atomic.Int32)
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		select {
		case <-stop:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(stop); srv.Close() })
	return srv, n
}

// TestHostileServers checks that an IdP or an STS that answers without end
// stops awsfed with one line and its exit code, having read a bounded
// amount, with --debug-dir too, and writes nothing.
func TestHostileServers(t *testing.T) {
	for _, tt := range []struct {
		name     string
		setup    func(e *testEnv) []string // the login's extra flags
		wantCode int
		want     string
	}{
		{name: "IdP answers without end", setup: func(e *testEnv) []string {
			return []string{"--url", endless(t, "text/html", "<html><body><p>").URL + "/sso"}
		}, wantCode: 1, want: "larger than 8 MiB"},
		{name: "IdP answers without end, --debug-dir", setup: func(e *testEnv) []string {
			return []string{"--url", endless(t, "text/html", "<html><body><p>").URL + "/sso", "--debug-dir", filepath.Join(t.TempDir(), "dump")}
		}, wantCode: 1, want: "larger than 8 MiB"},
		{name: "STS answers without end", setup: func(e *testEnv) []string {
			e.env["AWS_ENDPOINT_URL_STS"] = endless(t, "text/xml", `<AssumeRoleWithSAMLResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithSAMLResult><Credentials><AccessKeyId>`).URL
			return nil
		}, wantCode: 5, want: "larger than 8 MiB"},
		{name: "IdP never answers", setup: func(e *testEnv) []string {
			e.env["AWSFED_NETWORK_TIMEOUT"] = "300ms"
			srv, _ := hung(t)
			return []string{"--url", srv.URL + "/sso"}
		}, wantCode: 1, want: "did not answer within 300ms: check that it is up and reachable"},
		{name: "STS never answers, and is asked once", setup: func(e *testEnv) []string {
			e.env["AWSFED_NETWORK_TIMEOUT"] = "300ms"
			srv, n := hung(t)
			t.Cleanup(func() {
				if got := n.Load(); got != 1 {
					t.Errorf("STS was asked %d times, want once", got)
				}
			})
			e.env["AWS_ENDPOINT_URL_STS"] = srv.URL
			return nil
		}, wantCode: 5, want: "did not answer within 300ms"},
		{name: "AWSFED_NETWORK_TIMEOUT not a duration", setup: func(e *testEnv) []string {
			e.env["AWSFED_NETWORK_TIMEOUT"] = "soon"
			return nil
		}, wantCode: 2, want: `AWSFED_NETWORK_TIMEOUT="soon": not a duration`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t, generictest.Options{})
			e.env["AWSFED_PASSWORD"] = generictest.Password
			config, creds := e.read(e.config), e.read(e.creds)
			extra := tt.setup(e)
			start := time.Now()
			code := e.run(e.loginArgs(extra...)...)
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("took %s", d)
			}
			if got := e.errOut.String(); code != tt.wantCode || !strings.Contains(got, tt.want) || strings.Count(got, "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want exit %d and one line with %q", code, got, tt.wantCode, tt.want)
			}
			e.assertUnchanged(config, creds)
			for i, a := range extra {
				if a == "--debug-dir" {
					var size int64
					filepath.Walk(extra[i+1], func(_ string, fi os.FileInfo, err error) error {
						if err == nil {
							size += fi.Size()
						}
						return nil
					})
					if size > 9<<20 {
						t.Errorf("the debug dump holds %d bytes", size)
					}
				}
			}
		})
	}
}

// TestEchoedPasswordMasked checks that a password the IdP echoes on its
// error page, HTML-escaped, shows neither in awsfed's message nor in the
// --debug-dir dump.
func TestEchoedPasswordMasked(t *testing.T) {
	const pw = `p&<a>"s's` // escaped differently by every server
	e := newTestEnv(t, generictest.Options{EchoPassword: true})
	e.env["AWSFED_PASSWORD"] = pw
	dump := filepath.Join(t.TempDir(), "dump")
	if code := e.run(e.loginArgs("--debug-dir", dump)...); code != 3 {
		t.Fatalf("exit %d, want 3: %s", code, e.errOut)
	}
	if got := e.errOut.String(); strings.Contains(got, pw) || !strings.Contains(got, "(you typed ********)") {
		t.Errorf("stderr %q: want the echoed password masked", got)
	}
	entries, err := os.ReadDir(dump)
	if err != nil || len(entries) == 0 {
		t.Fatalf("dump: %v", err)
	}
	for _, en := range entries {
		b, err := os.ReadFile(filepath.Join(dump, en.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, form := range []string{pw, "p&amp;&lt;a&gt;&#34;s&#39;s", "p%26%3Ca%3E%22s%27s"} {
			if strings.Contains(string(b), form) {
				t.Errorf("%s holds the password as %q", en.Name(), form)
			}
		}
	}
}

// TestWrongDestination checks that an assertion whose Destination is not
// AWS's sign-in page is never posted there (it is a credential for STS):
// roles lists the roles without aliases, and warns.
func TestWrongDestination(t *testing.T) {
	var posted atomic.Int32
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { posted.Add(1) }))
	defer attacker.Close()
	e := newTestEnv(t, generictest.Options{SAMLResponse: idptest.SAMLResponse(idptest.AssertionOptions{Destination: attacker.URL + "/saml"})})
	e.env["AWSFED_PASSWORD"] = generictest.Password
	delete(e.env, "AWSFED_AWS_SIGNIN_URL")
	if code := e.run("roles", "--idp", "generic", "--url", e.idp.SSOURL(), "--username", "alice"); code != 0 {
		t.Fatalf("exit %d: %s", code, e.errOut)
	}
	if n := posted.Load(); n != 0 {
		t.Errorf("the assertion was posted %d times to its Destination, %s", n, attacker.URL)
	}
	if !strings.Contains(e.out.String(), generictest.RoleARN) ||
		!strings.Contains(e.errOut.String(), "awsfed: warning: the assertion's Destination is not AWS's sign-in page but "+attacker.URL+";") {
		t.Errorf("stdout %q, stderr %q", e.out, e.errOut)
	}
}
