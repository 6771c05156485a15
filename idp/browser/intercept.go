package browser

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"strings"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
)

// maxFormBody bounds a captured POST body that awsfed parses: a SAMLResponse
// is at most idp.MaxAssertionSize, and the form around it is small.
const maxFormBody = 16 << 20

// interceptPatterns are the URL patterns the browser pauses, one for each AWS
// partition's SAML sign-in endpoint, regional hosts included. They are wide
// (a query string naming the host matches too); isAWSSignIn decides.
func interceptPatterns() []*fetch.RequestPattern {
	var pats []*fetch.RequestPattern
	for _, p := range []string{
		"https://*signin.aws.amazon.com/saml*",
		"https://*signin.amazonaws.cn/saml*",
		"https://*signin.amazonaws-us-gov.com/saml*",
	} {
		pats = append(pats, &fetch.RequestPattern{URLPattern: p, RequestStage: fetch.RequestStageRequest})
	}
	return pats
}

// isAWSSignIn reports whether host (no port, any case) is one of AWS's SAML
// sign-in hosts: signin.aws.amazon.com or REGION.signin.aws.amazon.com,
// signin.amazonaws.cn, signin.amazonaws-us-gov.com.
func isAWSSignIn(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	switch host {
	case "signin.aws.amazon.com", "signin.amazonaws.cn", "signin.amazonaws-us-gov.com":
		return true
	}
	region, ok := strings.CutSuffix(host, ".signin.aws.amazon.com")
	return ok && isRegion(region)
}

// isRegion reports whether s looks like an AWS region name (us-east-2,
// ap-southeast-1, us-gov-west-1): letters, digits and dashes, a letter
// first, no empty part.
func isRegion(s string) bool {
	if s == "" || len(s) > 30 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for part := range strings.SplitSeq(s, "-") {
		if part == "" {
			return false
		}
		for _, r := range part {
			if (r < 'a' || r > 'z') && (r < '0' || r > '9') {
				return false
			}
		}
	}
	return true
}

// postTarget classifies a paused request: whether it is a POST to AWS's SAML
// sign-in (capture it), another request to an AWS sign-in host (stop it: the
// browser never talks to AWS), or anything else (let it go).
type postTarget int

const (
	targetOther postTarget = iota
	targetAWSOther
	targetAWSPost
)

func classify(method, rawURL string) postTarget {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "https" || !isAWSSignIn(u.Hostname()) {
		return targetOther
	}
	if method == "POST" && u.Path == "/saml" {
		return targetAWSPost
	}
	return targetAWSOther
}

// requestBody joins a paused request's body, which Chromium sends inline
// (already decoded from base64) in its postDataEntries. Network.getRequestPostData
// never answers for a paused navigation, so it is not used.
func requestBody(r *network.Request) []byte {
	var n int
	for _, e := range r.PostDataEntries {
		if e != nil {
			n += len(e.Bytes)
		}
	}
	b := make([]byte, 0, n)
	for _, e := range r.PostDataEntries {
		if e != nil {
			b = append(b, e.Bytes...)
		}
	}
	return b
}

// header returns a request header by name, whatever its case.
func header(h network.Headers, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			s, _ := v.(string)
			return s
		}
	}
	return ""
}

// parseForm reads an HTML form's fields from a POST body by its Content-Type:
// application/x-www-form-urlencoded or multipart/form-data. Only the first
// value of each field is kept.
func parseForm(contentType string, body []byte) (url.Values, error) {
	if len(body) > maxFormBody {
		return nil, fmt.Errorf("the posted form is over %d MiB", maxFormBody>>20)
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil && contentType != "" {
		return nil, fmt.Errorf("the posted form's Content-Type %q: %w", contentType, err)
	}
	switch mt {
	case "application/x-www-form-urlencoded", "":
		v, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, fmt.Errorf("the posted form: %w", err)
		}
		return v, nil
	case "multipart/form-data":
		boundary := params["boundary"]
		if boundary == "" {
			return nil, errors.New("the posted multipart form has no boundary")
		}
		return parseMultipart(body, boundary)
	default:
		return nil, fmt.Errorf("the posted form's Content-Type is %s, not a form", mt)
	}
}

func parseMultipart(body []byte, boundary string) (url.Values, error) {
	v := url.Values{}
	r := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		p, err := r.NextPart()
		if errors.Is(err, io.EOF) {
			return v, nil
		}
		if err != nil {
			return nil, fmt.Errorf("the posted multipart form: %w", err)
		}
		name := p.FormName()
		if name == "" || p.FileName() != "" {
			continue
		}
		b, err := io.ReadAll(p)
		if err != nil {
			return nil, fmt.Errorf("the posted multipart form: %w", err)
		}
		v.Add(name, string(b))
	}
}

// donePage is what a visible window shows instead of AWS's page: the POST
// never leaves the browser. The page lives at AWS's address, so it loads
// nothing: its icon is inline, or the browser would fetch /favicon.ico from
// AWS, and donePolicy forbids any other load.
const donePage = `<!doctype html>
<html><head><meta charset="utf-8"><title>awsfed: signed in</title><link rel="icon" href="data:,"></head>
<body style="font-family:sans-serif;margin:3em"><p>Signed in to AWS through awsfed. You can close this window.</p></body></html>
`

// donePolicy is donePage's Content-Security-Policy.
const donePolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
