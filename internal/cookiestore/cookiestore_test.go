package cookiestore

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSaveAndOpen(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/login":
			http.SetCookie(w, &http.Cookie{Name: "SID", Value: "sid-value", Path: "/", Expires: time.Now().Add(24 * time.Hour), Secure: true, HttpOnly: true})
			http.SetCookie(w, &http.Cookie{Name: "LSID", Value: "ls", Path: "/", MaxAge: 3600})
			http.SetCookie(w, &http.Cookie{Name: "TEMP", Value: "session-only", Path: "/"})
			http.SetCookie(w, &http.Cookie{Name: "OLD", Value: "x", Path: "/", Expires: time.Now().Add(time.Hour)})
		case "/logout-old":
			http.SetCookie(w, &http.Cookie{Name: "OLD", Value: "", Path: "/", MaxAge: -1})
		case "/check":
			var names []string
			for _, c := range r.Cookies() {
				names = append(names, c.Name+"="+c.Value)
			}
			w.Write([]byte(strings.Join(names, ",")))
		}
	}))
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "awsfed", "google-alice.json")

	s, err := Open(path, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	c := srv.Client()
	c.Jar = s
	for _, p := range []string{"/login", "/logout-old"} {
		resp, err := c.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("session file mode %v, want 0600", fi.Mode().Perm())
	}
	if di, _ := os.Stat(filepath.Dir(path)); di.Mode().Perm() != 0o700 {
		t.Errorf("session folder mode %v, want 0700", di.Mode().Perm())
	}

	// A later run: only the live persistent cookies come back.
	s2, err := Open(path, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	c.Jar = s2
	resp, err := c.Get(srv.URL + "/check")
	if err != nil {
		t.Fatal(err)
	}
	body := make([]byte, 256)
	n, _ := resp.Body.Read(body)
	resp.Body.Close()
	got := string(body[:n])
	for _, want := range []string{"SID=sid-value", "LSID=ls"} {
		if !strings.Contains(got, want) {
			t.Errorf("cookies sent = %q, want %s", got, want)
		}
	}
	for _, gone := range []string{"TEMP", "OLD"} {
		if strings.Contains(got, gone) {
			t.Errorf("cookies sent = %q, %s should be gone", got, gone)
		}
	}

	// Expired by the next day: nothing is loaded.
	s3, err := Open(path, time.Now().Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(s3.entries) != 0 {
		t.Errorf("expired cookies were loaded: %v", s3.entries)
	}
}

func TestOpenIgnoresGarbage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	if err := os.WriteFile(path, []byte("not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, time.Now()); err != nil {
		t.Errorf("a damaged session file must only cost a sign-in: %v", err)
	}
	if removed, err := Remove(path); err != nil || !removed {
		t.Fatalf("Remove = %v, %v; want true", removed, err)
	}
	if removed, err := Remove(path); err != nil || removed {
		t.Errorf("removing a missing session: %v, %v; want false, no error", removed, err)
	}
}

// TestBounded keeps at most maxCookies cookies, however many a server
// sets, and ignores a kept session larger than maxFileSize.
func TestBounded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	s, err := Open(path, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse("https://accounts.google.com/")
	for i := range 2000 {
		s.SetCookies(u, []*http.Cookie{{Name: fmt.Sprintf("c%d", i), Value: "v", Expires: time.Now().Add(time.Hour)}})
	}
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
	again, err := Open(path, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(again.entries); n != maxCookies {
		t.Errorf("kept %d cookies, want %d", n, maxCookies)
	}
	if err := os.WriteFile(path, []byte(`[`+strings.Repeat(`{"URL":"https://x/","Cookie":{"Name":"a"}},`, maxFileSize/40)+`{}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	big, err := Open(path, time.Now())
	if err != nil || len(big.entries) != 0 {
		t.Errorf("a %d-byte session: %d cookies, %v; want it ignored", maxFileSize, len(big.entries), err)
	}
}
