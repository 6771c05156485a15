package browser

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"io/fs"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testBrowser returns the browser the tests run: AWSFED_TEST_BROWSER, else
// what Find finds. It skips the test when there is none.
func testBrowser(t *testing.T, headful bool) string {
	t.Helper()
	if p := os.Getenv("AWSFED_TEST_BROWSER"); p != "" {
		return p
	}
	p, err := Find("", headful)
	if err != nil {
		t.Skipf("no browser to test with (%v); install one with scripts/peers/chromium.sh install", err)
	}
	return p
}

// samlFor makes a base64 SAMLResponse-like value whose XML holds marker and
// pad bytes of padding, so that a copy of it can be searched for.
func samlFor(marker string, pad int) string {
	xml := `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="` + marker + `">` +
		`<Marker>` + marker + `</Marker><Pad>` + strings.Repeat("x", pad) + `</Pad></samlp:Response>`
	return base64.StdEncoding.EncodeToString([]byte(xml))
}

// testIdP is a small IdP: a login form (user name and password), an optional
// one-time-code page, then a page that posts the SAMLResponse to AWS's
// sign-in page. Its session cookie has no Expires, as SimpleSAMLphp's.
type testIdP struct {
	t   testing.TB
	srv *httptest.Server

	user, password, code string
	totp                 bool   // ask for a code after the password
	open                 bool   // no login: /start posts at once
	variant              string // "form" (default), "multipart", "popup", "none" (a page that never posts)
	action               string // where the form posts
	samlResponse         string
	relayState           string
	onLogin              func() // runs when the login form is posted

	mu        sync.Mutex
	sessions  map[string]bool
	loginGets int
	userAgent string
	seen      url.Values // what the pages reported through /seen
	starts    chan struct{}
}

func newTestIdP(t testing.TB, saml string) *testIdP {
	t.Helper()
	p := &testIdP{
		t: t, user: "alice", password: "pw-Секрет-42", code: "654321",
		action: "https://signin.aws.amazon.com/saml", samlResponse: saml, relayState: "https://console.aws.amazon.com/",
		sessions: map[string]bool{}, seen: url.Values{}, starts: make(chan struct{}, 100),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/start", p.start)
	mux.HandleFunc("/login", p.login)
	mux.HandleFunc("/totp", p.totpPage)
	mux.HandleFunc("/popup", p.postPage)
	mux.HandleFunc("/seen", func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		for k, v := range r.URL.Query() {
			p.seen[k] = append(p.seen[k], v...)
		}
		p.mu.Unlock()
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *testIdP) URL() string { return p.srv.URL + "/start" }

func (p *testIdP) loggedIn(r *http.Request) bool {
	c, err := r.Cookie("sid")
	p.mu.Lock()
	defer p.mu.Unlock()
	return err == nil && p.sessions[c.Value]
}

// revoke ends every session on the server, as an IdP's session timeout does.
func (p *testIdP) revoke() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sessions = map[string]bool{}
}

func (p *testIdP) logins() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.loginGets
}

func (p *testIdP) seenValue(k string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.seen.Get(k)
}

func (p *testIdP) start(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.userAgent = r.UserAgent()
	p.mu.Unlock()
	select {
	case p.starts <- struct{}{}:
	default:
	}
	if !p.open && !p.loggedIn(r) {
		http.Redirect(w, r, "/login", http.StatusFound)
		return
	}
	switch p.variant {
	case "popup":
		fmt.Fprint(w, `<!doctype html><title>Redirecting</title><p>Opening AWS…</p><script>window.open('/popup', 'awsfed_popup');</script>`)
	case "none":
		fmt.Fprint(w, `<!doctype html><title>Waiting</title><p>Nothing to see.</p>`)
	default:
		p.postPage(w, r)
	}
}

func (p *testIdP) postPage(w http.ResponseWriter, r *http.Request) {
	enctype := ""
	if p.variant == "multipart" {
		enctype = ` enctype="multipart/form-data"`
	}
	fmt.Fprintf(w, `<!doctype html><title>Posting</title>
<form method="post" action="%s"%s>
<input type="hidden" name="SAMLResponse" value="%s">
<input type="hidden" name="RelayState" value="%s">
<noscript><button>Continue</button></noscript>
</form>
<script>document.forms[0].submit();</script>`,
		html.EscapeString(p.action), enctype, html.EscapeString(p.samlResponse), html.EscapeString(p.relayState))
}

const reportScript = `<script>
fetch('/seen?webdriver=' + navigator.webdriver + '&ua=' + encodeURIComponent(navigator.userAgent));
const u = document.getElementById('username');
if (u) u.addEventListener('input', () => fetch('/seen?username=' + encodeURIComponent(u.value)));
</script>`

func (p *testIdP) login(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		p.mu.Lock()
		p.loginGets++
		p.mu.Unlock()
		fmt.Fprint(w, `<!doctype html><title>Sign in</title>
<form method="post" action="/login">
<label>User <input type="text" id="username" name="username" autocomplete="username"></label>
<label>Password <input type="password" id="password" name="password"></label>
<button type="submit" name="go" value="1">Sign in</button>
</form>`+reportScript)
		return
	}
	if p.onLogin != nil {
		p.onLogin()
	}
	if r.PostFormValue("username") != p.user || r.PostFormValue("password") != p.password {
		http.Redirect(w, r, "/login?error=1", http.StatusSeeOther)
		return
	}
	if p.totp {
		p.newSession(w, "pre")
		http.Redirect(w, r, "/totp", http.StatusSeeOther)
		return
	}
	p.newSession(w, "sid")
	http.Redirect(w, r, "/start", http.StatusSeeOther)
}

func (p *testIdP) totpPage(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie("pre")
	p.mu.Lock()
	ok := err == nil && p.sessions[c.Value]
	p.mu.Unlock()
	if !ok {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	if r.Method == http.MethodGet {
		fmt.Fprint(w, `<!doctype html><title>Two-step</title>
<form method="post" action="/totp">
<label>Code <input type="text" name="otp" autocomplete="one-time-code" inputmode="numeric"></label>
<input type="submit" value="Verify">
</form>`)
		return
	}
	if r.PostFormValue("otp") != p.code {
		http.Redirect(w, r, "/totp?error=1", http.StatusSeeOther)
		return
	}
	p.newSession(w, "sid")
	http.Redirect(w, r, "/start", http.StatusSeeOther)
}

// newSession sets a session cookie without Expires: a browser drops it at
// exit unless it restores the last session.
func (p *testIdP) newSession(w http.ResponseWriter, name string) {
	id := strconv.FormatInt(time.Now().UnixNano(), 36)
	p.mu.Lock()
	p.sessions[id] = true
	p.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: name, Value: id, Path: "/", HttpOnly: true})
}

// canary stands in for AWS: a TLS server on loopback, trusted by the browser
// through its SPKI, to which the browser resolves AWS's sign-in hosts. It
// counts TCP connections and HTTP requests; awsfed must cause none.
type canary struct {
	srv    *httptest.Server
	conns  atomic.Int64
	reqs   atomic.Int64
	mu     sync.Mutex
	bodies []string
	paths  []string
	flags  []string
}

type countingListener struct {
	net.Listener
	n *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

func newCanary(t testing.TB) *canary {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	hosts := []string{"signin.aws.amazon.com", "signin.amazonaws.cn", "signin.amazonaws-us-gov.com"}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: hosts[0]}, DNSNames: hosts,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	spki := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	c := &canary{}
	c.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.reqs.Add(1)
		b, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		c.bodies = append(c.bodies, string(b))
		c.paths = append(c.paths, r.Method+" "+r.URL.Path)
		c.mu.Unlock()
		fmt.Fprint(w, "canary")
	}))
	c.srv.Listener = countingListener{Listener: c.srv.Listener, n: &c.conns}
	c.srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	c.srv.StartTLS()
	t.Cleanup(c.srv.Close)
	port := c.srv.Listener.Addr().(*net.TCPAddr).Port
	var rules []string
	for _, h := range hosts {
		rules = append(rules, fmt.Sprintf("MAP %s 127.0.0.1:%d", h, port))
	}
	c.flags = []string{
		"--host-resolver-rules=" + strings.Join(rules, ", "),
		"--ignore-certificate-errors-spki-list=" + base64.StdEncoding.EncodeToString(spki[:]),
	}
	return c
}

// assertSilent fails the test if the canary saw a connection or a request.
func (c *canary) assertSilent(t *testing.T) {
	t.Helper()
	if n, r := c.conns.Load(), c.reqs.Load(); n != 0 || r != 0 {
		c.mu.Lock()
		defer c.mu.Unlock()
		t.Errorf("the AWS stand-in got %d connections and %d requests (%q); want 0 and 0", n, r, c.paths)
	}
}

// assertNoCopies fails the test if any file under dir holds one of needles.
func assertNoCopies(t *testing.T, dir string, needles ...string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil // a file the browser removed meanwhile
		}
		for _, n := range needles {
			if bytes.Contains(b, []byte(n)) {
				rel, _ := filepath.Rel(dir, path)
				t.Errorf("%s holds a copy of %.20q…", rel, n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// samlNeedles are what a copy of saml looks like in a file: its base64
// prefix, raw and form-encoded, and the marker in its XML.
func samlNeedles(saml, marker string) []string {
	prefix := saml[:48]
	return []string{prefix, url.QueryEscape(prefix), marker}
}

// browserProcesses lists the processes that run on the profile dir.
func browserProcesses(dir string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		if bytes.Contains(b, []byte("--user-data-dir="+dir+"\x00")) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// commandLinesWith lists the processes whose command line contains s.
func commandLinesWith(s string) []string {
	entries, _ := os.ReadDir("/proc")
	var found []string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err == nil && bytes.Contains(b, []byte(s)) {
			found = append(found, e.Name())
		}
	}
	return found
}
