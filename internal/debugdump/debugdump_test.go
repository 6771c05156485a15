package debugdump

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
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
	if len(files) != 2 {
		t.Fatalf("files = %v, want a request and a response", files)
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
