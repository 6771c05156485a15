package ststest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// requestWithBody is a request whose body has already been read.
type requestWithBody struct {
	*http.Request
	body []byte
}

// authenticate checks a SigV4-signed request against the credentials this
// server issued and returns the caller's session.
func (s *Server) authenticate(r requestWithBody) (Issued, *apiError) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return Issued{}, errMissingAuth
	}
	const algo = "AWS4-HMAC-SHA256 "
	if !strings.HasPrefix(auth, algo) {
		return Issued{}, errIncompleteSignature
	}
	fields := map[string]string{}
	for _, f := range strings.Split(strings.TrimPrefix(auth, algo), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(f), "=")
		fields[k] = v
	}
	cred, signed, sig := fields["Credential"], fields["SignedHeaders"], fields["Signature"]
	scope := strings.Split(cred, "/")
	amzDate := r.Header.Get("X-Amz-Date")
	if len(scope) != 5 || scope[4] != "aws4_request" || signed == "" || sig == "" ||
		len(amzDate) < 8 || amzDate[:8] != scope[1] {
		return Issued{}, errIncompleteSignature
	}
	caller, ok := s.findIssued(scope[0])
	if !ok || r.Header.Get("X-Amz-Security-Token") != caller.SessionToken {
		return Issued{}, errInvalidToken
	}

	canonical := canonicalRequest(r, strings.Split(signed, ";"))
	sum := sha256.Sum256([]byte(canonical))
	stringToSign := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + strings.Join(scope[1:], "/") + "\n" + hex.EncodeToString(sum[:])
	key := []byte("AWS4" + caller.SecretAccessKey)
	for _, part := range scope[1:] {
		key = hmacSHA256(key, part)
	}
	want := hex.EncodeToString(hmacSHA256(key, stringToSign))
	if !hmac.Equal([]byte(want), []byte(sig)) {
		return Issued{}, errSignatureMismatch
	}
	if !s.now().Before(caller.Expiration) {
		return Issued{}, errExpiredToken
	}
	return caller, nil
}

// errIncompleteSignature's wording is a guess.
var errIncompleteSignature = &apiError{400, "IncompleteSignature", "The request signature does not conform to AWS standards."}

func canonicalRequest(r requestWithBody, signedHeaders []string) string {
	var b strings.Builder
	b.WriteString(r.Method + "\n")
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	b.WriteString(path + "\n")
	b.WriteString(canonicalQuery(r.URL.Query()) + "\n")
	for _, h := range signedHeaders {
		var vals []string
		switch h {
		case "host":
			vals = []string{r.Host}
		case "content-length":
			vals = []string{strconv.FormatInt(r.ContentLength, 10)}
		default:
			for _, v := range r.Header.Values(h) {
				vals = append(vals, strings.Join(strings.Fields(v), " "))
			}
		}
		b.WriteString(h + ":" + strings.Join(vals, ",") + "\n")
	}
	b.WriteString("\n" + strings.Join(signedHeaders, ";") + "\n")
	payload := r.Header.Get("X-Amz-Content-Sha256")
	if payload == "" {
		sum := sha256.Sum256(r.body)
		payload = hex.EncodeToString(sum[:])
	}
	b.WriteString(payload)
	return b.String()
}

func canonicalQuery(q url.Values) string {
	var parts []string
	for k, vs := range q {
		for _, v := range vs {
			parts = append(parts, sigEscape(k)+"="+sigEscape(v))
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, "&")
}

func sigEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}
