// Package cookiestore keeps an IdP's session cookies between runs in a
// 0600 file, so that a renewal whose IdP session is still alive signs in
// without a password or a second factor.
package cookiestore

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"sync"
	"time"

	"golang.org/x/net/publicsuffix"

	"github.com/seed-2d15385e/awsfed/internal/atomicfile"
)

// Store is a cookie jar that remembers every persistent cookie it is given
// (with its domain, path and expiry, which net/http/cookiejar does not
// expose) so that Save can write them out. It is safe for concurrent use.
type Store struct {
	jar  *cookiejar.Jar
	path string

	mu      sync.Mutex
	entries map[string]entry
}

// entry is one cookie as saved: the URL it was set from and the cookie.
type entry struct {
	URL    string       `json:"url"`
	Cookie *http.Cookie `json:"cookie"`
}

func key(u *url.URL, c *http.Cookie) string {
	domain := c.Domain
	if domain == "" {
		domain = u.Hostname()
	}
	return domain + ";" + c.Path + ";" + c.Name
}

// Open returns a Store backed by path, loaded with the cookies saved there
// that have not expired. A missing file is an empty store; a file that does
// not parse is ignored, as a lost session only costs a sign-in.
func Open(path string, now time.Time) (*Store, error) {
	jar, err := cookiejar.New(&cookiejar.Options{PublicSuffixList: publicsuffix.List})
	if err != nil {
		return nil, err
	}
	s := &Store{jar: jar, path: path, entries: map[string]entry{}}
	if fi, err := os.Stat(path); err == nil && (!fi.Mode().IsRegular() || fi.Size() > maxFileSize) {
		return s, nil // not a session awsfed kept: sign in afresh, and replace it
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the kept session %s: %w", path, err)
	}
	var saved []entry
	if json.Unmarshal(b, &saved) != nil {
		return s, nil
	}
	for _, e := range saved {
		u, err := url.Parse(e.URL)
		if err != nil || e.Cookie == nil || !e.Cookie.Expires.After(now) {
			continue
		}
		s.entries[key(u, e.Cookie)] = e
		jar.SetCookies(u, []*http.Cookie{e.Cookie})
	}
	return s, nil
}

// The bounds of a kept session, far above what an IdP sets (Google: about
// 30 cookies, a few kilobytes), so that a hostile server cannot make the
// file, or awsfed reading it, grow without end.
const (
	maxCookies  = 300
	maxFileSize = 1 << 20
)

// SetCookies hands the cookies to the jar and remembers the persistent
// ones, up to maxCookies.
func (s *Store) SetCookies(u *url.URL, cookies []*http.Cookie) {
	s.jar.SetCookies(u, cookies)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range cookies {
		k := key(u, c)
		if c.MaxAge < 0 || (!c.Expires.IsZero() && c.Expires.Before(time.Now())) {
			delete(s.entries, k) // the server deleted it
			continue
		}
		if c.MaxAge > 0 {
			cc := *c
			cc.Expires = time.Now().Add(time.Duration(c.MaxAge) * time.Second)
			cc.MaxAge = 0
			c = &cc
		}
		if c.Expires.IsZero() {
			continue // a session cookie ends with the run
		}
		if _, known := s.entries[k]; !known && len(s.entries) >= maxCookies {
			continue
		}
		s.entries[k] = entry{URL: (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/"}).String(), Cookie: c}
	}
}

// Cookies returns the cookies to send to u.
func (s *Store) Cookies(u *url.URL) []*http.Cookie { return s.jar.Cookies(u) }

// Save writes the persistent cookies to the store's file, 0600, through a
// temporary file and a rename; the folder is created 0700.
func (s *Store) Save() error {
	s.mu.Lock()
	saved := make([]entry, 0, len(s.entries))
	for _, e := range s.entries {
		saved = append(saved, e)
	}
	s.mu.Unlock()
	b, err := json.Marshal(saved)
	if err != nil {
		return err
	}
	if err := atomicfile.WritePrivate(s.path, b); err != nil {
		return fmt.Errorf("keep the session: %w", err)
	}
	return nil
}

// Remove deletes a kept session, and any temporary copy a killed write
// left, and reports whether there was one; a missing one is not an error.
// Call it under the renewal lock of a profile of the session's user, which
// the sign-ins that save the session hold.
func Remove(path string) (removed bool, err error) {
	if err := atomicfile.RemoveStale(path, 0); err != nil {
		return false, fmt.Errorf("delete the kept session %s: %w", path, err)
	}
	err = os.Remove(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("delete the kept session %s: %w", path, err)
	}
	return true, nil
}
