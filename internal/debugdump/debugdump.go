// Package debugdump saves every HTTP exchange of a sign-in to a folder, with
// secrets masked, so that a page awsfed does not recognise can be turned into
// a bug report and a test fixture.
package debugdump

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Mask replaces secret values in what is saved.
const Mask = "********"

// isSecretField reports whether a form field's value is masked whatever it
// holds: a field named, in any case, pass, password, passwd, pin, otp,
// totp, code, token, passcode, SAMLResponse or SAMLRequest, or whose name
// (of one line) contains secret or password.
func isSecretField(name string) bool {
	for _, s := range [...]string{"pass", "password", "passwd", "pin", "otp", "totp", "code", "token", "passcode", "SAMLResponse", "SAMLRequest"} {
		if strings.EqualFold(name, s) {
			return true
		}
	}
	return !strings.Contains(name, "\n") && (containsFold(name, "secret") || containsFold(name, "password"))
}

// containsFold reports whether s contains sub under Unicode simple case
// folding, as strings.EqualFold compares (so "K", the Kelvin sign, is a k).
func containsFold(s, sub string) bool {
	for i := 0; i < len(s); {
		if hasPrefixFold(s[i:], sub) {
			return true
		}
		_, n := utf8.DecodeRuneInString(s[i:])
		i += n
	}
	return false
}

// hasPrefixFold reports whether s starts with prefix under Unicode simple
// case folding.
func hasPrefixFold(s, prefix string) bool {
	for _, p := range prefix {
		if s == "" {
			return false
		}
		r, n := utf8.DecodeRuneInString(s)
		if !strings.EqualFold(string(r), string(p)) {
			return false
		}
		s = s[n:]
	}
	return true
}

// sensitiveHeaders are headers whose values are masked.
var sensitiveHeaders = []string{"Cookie", "Set-Cookie", "Authorization", "Proxy-Authorization"}

// Secrets is a set of values that must never be written. It is safe for
// concurrent use.
type Secrets struct {
	mu     sync.Mutex
	values []string
}

// Add registers a secret value; empty and very short values are ignored,
// since masking them would garble unrelated text.
func (s *Secrets) Add(v string) {
	if len(v) < 3 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q := strconv.Quote(v) // as a message quotes it with %q
	s.values = append(s.values, v, url.QueryEscape(v), url.PathEscape(v), q[1:len(q)-1])
	// As a page quotes it: HTML-escaped in the styles servers use.
	for _, r := range htmlEscapers {
		if e := r.Replace(v); e != v {
			s.values = append(s.values, e)
		}
	}
}

// htmlEscapers escape text for HTML as servers do: Go's html package, PHP's
// htmlspecialchars (ENT_QUOTES, and HTML5), and hexadecimal references.
var htmlEscapers = []*strings.Replacer{
	strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;"),
	strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#039;"),
	strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;"),
	strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#x27;"),
}

// ScrubString is Scrub for text.
func (s *Secrets) ScrubString(v string) string {
	return string(s.Scrub([]byte(v)))
}

// Scrub returns b with every registered secret replaced by Mask.
func (s *Secrets) Scrub(b []byte) []byte {
	if s == nil {
		return b
	}
	s.mu.Lock()
	vals := append([]string(nil), s.values...)
	s.mu.Unlock()
	// Longest first, so that an escaped form is not half-replaced.
	sort.Slice(vals, func(i, j int) bool { return len(vals[i]) > len(vals[j]) })
	for _, v := range vals {
		b = bytes.ReplaceAll(b, []byte(v), []byte(Mask))
	}
	return b
}

// LogName is the file in Dir that lists the exchanges, one line each
// ("NN METHOD host/path -> status in 12ms"), and their count at the end.
const LogName = "requests.log"

// Transport is an http.RoundTripper that saves each request and response
// to Dir as NN-request.txt and NN-response.txt (headers and body), and
// lists them in LogName.
type Transport struct {
	Base    http.RoundTripper
	Dir     string
	Secrets *Secrets

	mu    sync.Mutex
	n     int
	start time.Time
}

// New returns a Transport saving into dir, which is created 0700.
func New(dir string, base http.RoundTripper, secrets *Secrets) (*Transport, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create the debug folder: %w", err)
	}
	return &Transport{Base: base, Dir: dir, Secrets: secrets}, nil
}

// RoundTrip sends req through Base and saves both sides.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.mu.Lock()
	t.n++
	n := t.n
	if t.start.IsZero() {
		t.start = time.Now()
	}
	t.mu.Unlock()
	began := time.Now()
	// The path only: queries carry tokens, and the request file has them.
	where := req.URL.Host + req.URL.Path

	var reqBody []byte
	if req.Body != nil && req.GetBody != nil {
		if rc, err := req.GetBody(); err == nil {
			reqBody, _ = io.ReadAll(rc)
			rc.Close()
		}
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "%s %s\n", req.Method, req.URL.String())
	writeHeaders(&buf, req.Header)
	buf.WriteString("\n")
	buf.Write(maskForm(reqBody, req.Header.Get("Content-Type")))
	t.save(fmt.Sprintf("%02d-request.txt", n), buf.Bytes())

	resp, err := t.Base.RoundTrip(req)
	if err != nil {
		t.save(fmt.Sprintf("%02d-error.txt", n), []byte(err.Error()+"\n"))
		t.log(fmt.Sprintf("%02d %s %s -> error in %s\n", n, req.Method, where, since(began)))
		return nil, err
	}
	t.log(fmt.Sprintf("%02d %s %s -> %d in %s\n", n, req.Method, where, resp.StatusCode, since(began)))
	body, rerr := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if rerr != nil {
		return nil, rerr
	}
	buf.Reset()
	fmt.Fprintf(&buf, "%s %s\n", resp.Proto, resp.Status)
	writeHeaders(&buf, resp.Header)
	buf.WriteString("\n")
	buf.Write(maskHTMLValues(body))
	t.save(fmt.Sprintf("%02d-response.txt", n), buf.Bytes())
	return resp, nil
}

// Finish ends LogName with the number of exchanges and the time from the
// first request.
func (t *Transport) Finish() {
	t.mu.Lock()
	n, start := t.n, t.start
	t.mu.Unlock()
	total := time.Duration(0)
	if !start.IsZero() {
		total = since(start)
	}
	t.log(fmt.Sprintf("total: %d requests to the IdP in %s\n", n, total))
}

func since(t time.Time) time.Duration { return time.Since(t).Round(time.Millisecond) }

// log appends a line to LogName.
func (t *Transport) log(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f, err := os.OpenFile(filepath.Join(t.Dir, LogName), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return // as save: the dump must not break the sign-in
	}
	defer f.Close()
	_, _ = f.Write(t.Secrets.Scrub([]byte(line)))
}

func (t *Transport) save(name string, b []byte) {
	// A failure to save must not break the sign-in; the folder was
	// checked when the Transport was made.
	_ = os.WriteFile(filepath.Join(t.Dir, name), t.Secrets.Scrub(b), 0o600)
}

func writeHeaders(w io.Writer, h http.Header) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			for _, s := range sensitiveHeaders {
				if strings.EqualFold(k, s) {
					v = maskCookie(v)
				}
			}
			fmt.Fprintf(w, "%s: %s\n", k, v)
		}
	}
}

// maskCookie keeps cookie names and attributes but masks values.
func maskCookie(v string) string {
	parts := strings.Split(v, ";")
	for i, p := range parts {
		name, _, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		lower := strings.ToLower(strings.TrimSpace(name))
		switch lower {
		case "path", "domain", "expires", "max-age", "samesite":
			continue
		}
		parts[i] = name + "=" + Mask
	}
	return strings.Join(parts, ";")
}

func maskForm(body []byte, contentType string) []byte {
	if !strings.HasPrefix(contentType, "application/x-www-form-urlencoded") {
		return body
	}
	vals, err := url.ParseQuery(string(body))
	if err != nil {
		return []byte("(form body not shown: it does not parse)")
	}
	var out []string
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range vals[k] {
			if isSecretField(k) && v != "" {
				v = Mask
			}
			out = append(out, k+"="+v)
		}
	}
	return []byte(strings.Join(out, "\n") + "\n")
}

// samlInputs finds the value attributes of inputs named SAMLResponse or
// SAMLRequest: [0] where the name comes first, [1] where the value does.
// They are compiled on the first response saved, not at start-up: awsfed
// saves none unless asked (--debug-dir), and then every response of a
// login uses them, so compiling them once there beats compiling them per
// response. A compiled regexp is immutable and safe for concurrent use.
var samlInputs = sync.OnceValue(func() [2]*regexp.Regexp {
	return [2]*regexp.Regexp{
		regexp.MustCompile(`(?is)(<input[^>]*name=["']?(SAMLResponse|SAMLRequest)["']?[^>]*value=["'])([^"']*)`),
		regexp.MustCompile(`(?is)(<input[^>]*value=["'])([^"']*)(["'][^>]*name=["']?(SAMLResponse|SAMLRequest)["']?)`),
	}
})

// maskHTMLValues masks SAML messages in pages: an assertion is a bearer
// credential for its few minutes of validity.
func maskHTMLValues(b []byte) []byte {
	re := samlInputs()
	b = re[0].ReplaceAll(b, []byte("${1}"+Mask))
	return re[1].ReplaceAll(b, []byte("${1}"+Mask+"${3}"))
}
