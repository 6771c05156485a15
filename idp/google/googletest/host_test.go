package googletest_test

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"testing"

	"github.com/seed-2d15385e/awsfed/idp/google"
	"github.com/seed-2d15385e/awsfed/idp/google/googletest"
)

// hostClient knows of the server only what a browser is given: CAPEM to
// trust and HostResolverRule's mapping of accounts.google.com. It dials
// nothing else, and records the host of every redirect it follows.
func hostClient(t *testing.T, srv *googletest.Server, redirects *[]string) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(srv.CAPEM()) {
		t.Fatalf("CAPEM() = %q, want a PEM certificate", srv.CAPEM())
	}
	rule := strings.Fields(srv.HostResolverRule())
	if len(rule) != 3 || rule[0] != "MAP" || rule[1] != googletest.Host || !strings.HasPrefix(rule[2], "127.0.0.1:") {
		t.Fatalf("HostResolverRule() = %q, want MAP %s 127.0.0.1:PORT", srv.HostResolverRule(), googletest.Host)
	}
	var d net.Dialer
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool},
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if addr != googletest.Host+":443" {
				return nil, fmt.Errorf("dial %s: only %s is mapped", addr, googletest.Host)
			}
			return d.DialContext(ctx, network, rule[2])
		},
	}
	t.Cleanup(tr.CloseIdleConnections)
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	return &http.Client{Transport: tr, Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		mu.Lock()
		defer mu.Unlock()
		*redirects = append(*redirects, req.URL.Scheme+"://"+req.URL.Host)
		return nil
	}}
}

func TestAccountsGoogleCom(t *testing.T) {
	generations(t, func(t *testing.T, gen int) {
		srv := googletest.NewServer(t, googletest.Options{Generation: gen, Second: []googletest.Factor{googletest.TOTP}})
		var redirects []string
		b := &browser{t: t, c: hostClient(t, srv, &redirects)}

		start := srv.BrowserStartURL(idpID, spID)
		if want := "https://accounts.google.com/o/saml2/initsso?idpid=" + idpID + "&spid=" + spID + "&forceauthn=false"; start != want {
			t.Errorf("BrowserStartURL = %q, want %q", start, want)
		}
		resp, err := b.c.Get(start)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		sum := sha256.Sum256(resp.TLS.PeerCertificates[0].RawSubjectPublicKeyInfo)
		if got := base64.StdEncoding.EncodeToString(sum[:]); got != srv.SPKIHash() {
			t.Errorf("the served certificate's SPKI hash is %s, SPKIHash() = %s", got, srv.SPKIHash())
		}

		p := b.get(start + "&hl=en")
		b.want(google.KindIdentifier)
		b.submit(p.Form, emailField(p), googletest.DefaultEmail)
		p = b.password()
		b.want(google.KindTOTP)
		wantSAML(t, b.submit(p.Form, "Pin", srv.TOTPCode()))
		wantSAML(t, b.get(start)) // the session, kept for accounts.google.com

		if len(redirects) == 0 {
			t.Error("no redirects followed")
		}
		for _, r := range redirects {
			if r != googletest.Origin {
				t.Errorf("redirected to %s, want %s", r, googletest.Origin)
			}
		}
		for _, r := range srv.Requests() {
			if r.Host != googletest.Host || r.Problem != "" {
				t.Errorf("%s %s: host %q, problem %q", r.Method, r.Path, r.Host, r.Problem)
			}
			for _, c := range []string{r.Form.Get("continue"), r.Query.Get("continue")} {
				if c != "" && !strings.HasPrefix(c, googletest.Origin+"/") {
					t.Errorf("%s %s: continue = %q, want it on %s", r.Method, r.Path, c, googletest.Origin)
				}
			}
		}
	})
}

func TestStrictHost(t *testing.T) {
	rec := &errRecorder{TB: t}
	srv := googletest.NewServer(rec, googletest.Options{})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.InitSSOURL(idpID, spID), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "accounts.google.com.evil.example"
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(rec.all(), "host") {
		t.Errorf("status %d, reported %q; want 400 and a problem with the host", resp.StatusCode, rec.all())
	}
}

func TestSAMLPage(t *testing.T) {
	tests := []struct {
		name                  string
		opts                  googletest.Options
		wantAction, wantRelay string
	}{
		{name: "default", wantAction: googletest.DefaultACSURL},
		{
			name:       "ACS URL and RelayState set",
			opts:       googletest.Options{ACSURL: "https://signin.amazonaws.cn/saml", RelayState: "https://console.amazonaws.cn/?a=1&b=2"},
			wantAction: "https://signin.amazonaws.cn/saml", wantRelay: "https://console.amazonaws.cn/?a=1&b=2",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := googletest.NewServer(t, tt.opts)
			b := newBrowser(t, srv)
			b.start(srv)
			p := b.password()
			f, _, ok := p.Page.SAMLResponse()
			if !ok {
				t.Fatalf("page %s has no SAMLResponse form", p.URL)
			}
			if got := f.Action.String(); got != tt.wantAction {
				t.Errorf("form action = %q, want %q", got, tt.wantAction)
			}
			if got, _ := f.Sel.Attr("method"); !strings.EqualFold(got, "post") {
				t.Errorf("form method = %q, want post", got)
			}
			if in := f.Input("RelayState"); in == nil || in.Value != tt.wantRelay {
				t.Errorf("RelayState = %+v, want %q", in, tt.wantRelay)
			}
			script := p.Doc.Find("script").Text()
			if !strings.Contains(script, `addEventListener("load"`) || !strings.Contains(script, "document.forms[0].submit()") {
				t.Errorf("the page's script %q does not submit the form on load", script)
			}
		})
	}
}

// TestBrowserOwnRequests: what Chromium asks accounts.google.com for by
// itself is answered, not taken for a client's mistake.
func TestBrowserOwnRequests(t *testing.T) {
	tests := []struct {
		method, path string
		wantStatus   int
		wantBody     string
	}{
		{method: http.MethodGet, path: "/favicon.ico", wantStatus: http.StatusNoContent},
		{method: http.MethodPost, path: "/ListAccounts?gpsia=1&source=ChromiumBrowser&json=standard", wantStatus: http.StatusOK, wantBody: `["gaia.l.a.r",[]]`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			srv := googletest.NewServer(t, googletest.Options{})
			var redirects []string
			req, err := http.NewRequestWithContext(t.Context(), tt.method, googletest.Origin+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := hostClient(t, srv, &redirects).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus || string(body) != tt.wantBody {
				t.Errorf("%s %s = %d %q, want %d %q", tt.method, tt.path, resp.StatusCode, body, tt.wantStatus, tt.wantBody)
			}
			if p := srv.Requests()[0].Problem; p != "" {
				t.Errorf("recorded problem %q", p)
			}
		})
	}
}
