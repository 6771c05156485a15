package debugdump

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestTransportMasksSecrets(t *testing.T) {
	const password, code, cookie = "hunter2-pw", "493817", "GAPS=cookie-secret-value"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "SID", Value: "sid-secret-value", Path: "/"})
		io.WriteString(w, `<form><input type="hidden" name="SAMLResponse" value="PHNhbWw+c2VjcmV0"></form>`+
			`<form><input value="PHNhbWw+b3JkZXI=" name="SAMLResponse"></form><p>echo: `+password+`</p>`)
	}))
	defer srv.Close()
	dir := filepath.Join(t.TempDir(), "debug")
	secrets := &Secrets{}
	tr, err := New(dir, http.DefaultTransport, secrets)
	if err != nil {
		t.Fatal(err)
	}
	secrets.Add(password)
	secrets.Add(code)
	c := &http.Client{Transport: tr}
	body := url.Values{"username": {"alice"}, "Passwd": {password}, "Pin": {code}, "note": {"x " + password}}.Encode()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/login?pin="+code, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", cookie)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(got), password) {
		t.Fatalf("the caller must get the page unmasked; got %q", got)
	}

	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) != 3 {
		t.Fatalf("files = %v, want a request, a response and the log", files)
	}
	var all strings.Builder
	for _, f := range files {
		b, _ := os.ReadFile(f)
		all.Write(b)
		if fi, _ := os.Stat(f); fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", f, fi.Mode().Perm())
		}
	}
	dump := all.String()
	for _, secret := range []string{password, code, "cookie-secret-value", "sid-secret-value", "PHNhbWw+c2VjcmV0", "PHNhbWw+b3JkZXI="} {
		if strings.Contains(dump, secret) {
			t.Errorf("the dump shows %q:\n%s", secret, dump)
		}
	}
	for _, want := range []string{"username=alice", "Passwd=" + Mask, "Pin=" + Mask, "GAPS=" + Mask, "SID=" + Mask, "Path=/"} {
		if !strings.Contains(dump, want) {
			t.Errorf("the dump lacks %q:\n%s", want, dump)
		}
	}
}

// TestRequestLog checks requests.log: a line per exchange, without the
// query (it carries tokens), and the count at the end.
func TestRequestLog(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/next" {
			http.Redirect(w, r, "/page", http.StatusFound)
			return
		}
		io.WriteString(w, "<p>ok</p>")
	}))
	defer srv.Close()
	dir := t.TempDir()
	tr, err := New(dir, http.DefaultTransport, &Secrets{})
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Transport: tr}
	resp, err := c.Get(srv.URL + "/next?TL=token-in-query")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	tr.Finish()
	b, err := os.ReadFile(filepath.Join(dir, LogName))
	if err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(srv.URL, "http://")
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	want := []string{"01 GET " + host + "/next -> 302 in ", "02 GET " + host + "/page -> 200 in ", "total: 2 requests to the IdP in "}
	if len(lines) != len(want) {
		t.Fatalf("requests.log:\n%s\nwant %d lines", b, len(want))
	}
	for i := range want {
		if !strings.HasPrefix(lines[i], want[i]) {
			t.Errorf("line %d = %q, want it to start with %q", i+1, lines[i], want[i])
		}
	}
	if strings.Contains(string(b), "token-in-query") {
		t.Errorf("requests.log shows the query: %s", b)
	}
}

// secretFieldsRE is the pattern isSecretField replaced, kept here to check
// that the two agree.
var secretFieldsRE = regexp.MustCompile(`(?i)^(pass(word|wd)?|pin|otp|totp|code|token|passcode|.*secret.*|.*password.*|SAMLResponse|SAMLRequest)$`)

var secretFieldNames = []string{
	"", "pass", "PASS", "Passwd", "password", "passwords", "pin", "Pin", "pins", "otp", "TOTP", "code", "codes", "Code ",
	"token", "tokens", "passcode", "PassCode", "username", "user", "note", "client_secret", "SECRET", "secretive",
	"x-secret-y", "newPassword", "password_confirm", "samlresponse", "SAMLResponse", "SAMLRequest", "RelayState",
	"a\nsecret", "secret\n", "pass\n", "\u212Aey_\u017Fecret", "\u017Fecret", "pa\u017F\u017Fword", "to\u212Aen", "p\xffassword",
	"se\xffcret", "sécret", "client_Secret_id",
}

func TestIsSecretField(t *testing.T) {
	for _, name := range secretFieldNames {
		if got, want := isSecretField(name), secretFieldsRE.MatchString(name); got != want {
			t.Errorf("isSecretField(%q) = %v, want %v", name, got, want)
		}
	}
}

func FuzzIsSecretField(f *testing.F) {
	for _, name := range secretFieldNames {
		f.Add(name)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if got, want := isSecretField(name), secretFieldsRE.MatchString(name); got != want {
			t.Errorf("isSecretField(%q) = %v, want %v", name, got, want)
		}
	})
}

// TestScrubEscapedForms masks a secret however a page or a message quotes
// it: as is, URL-encoded, HTML-escaped in each server's style, or Go-quoted.
func TestScrubEscapedForms(t *testing.T) {
	var s Secrets
	s.Add(`p&<a>"s's`)
	for _, form := range []string{`p&<a>"s's`, "p%26%3Ca%3E%22s%27s", "p&amp;&lt;a&gt;&#34;s&#39;s", "p&amp;&lt;a&gt;&quot;s&#039;s",
		"p&amp;&lt;a&gt;&quot;s&apos;s", "p&amp;&lt;a&gt;&quot;s&#x27;s", `p&<a>\"s's`} {
		if got := s.ScrubString("before " + form + " after"); got != "before "+Mask+" after" {
			t.Errorf("Scrub(%q) = %q", form, got)
		}
	}
}
