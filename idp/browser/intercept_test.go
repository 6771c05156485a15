package browser

import (
	"bytes"
	"errors"
	"mime/multipart"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"

	"github.com/seed-2d15385e/awsfed/idp"
)

func TestIsAWSSignIn(t *testing.T) {
	tests := []struct {
		host string
		want bool
	}{
		{"signin.aws.amazon.com", true},
		{"SIGNIN.AWS.AMAZON.COM", true},
		{"signin.aws.amazon.com.", true},
		{"us-east-2.signin.aws.amazon.com", true},
		{"ap-southeast-1.signin.aws.amazon.com", true},
		{"us-gov-west-1.signin.aws.amazon.com", true},
		{"signin.amazonaws.cn", true},
		{"signin.amazonaws-us-gov.com", true},
		{"evilsignin.aws.amazon.com", false},
		{"a.b.signin.aws.amazon.com", false},
		{"-x.signin.aws.amazon.com", false},
		{"us--east.signin.aws.amazon.com", false},
		{".signin.aws.amazon.com", false},
		{"signin.aws.amazon.com.example.com", false},
		{"cn-north-1.signin.amazonaws.cn", false},
		{"console.aws.amazon.com", false},
		{"aws.amazon.com", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := isAWSSignIn(tt.host); got != tt.want {
			t.Errorf("isAWSSignIn(%q) = %v; want %v", tt.host, got, tt.want)
		}
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		method, url string
		want        postTarget
	}{
		{"POST", "https://signin.aws.amazon.com/saml", targetAWSPost},
		{"POST", "https://us-east-2.signin.aws.amazon.com/saml?x=1", targetAWSPost},
		{"POST", "https://signin.amazonaws.cn/saml", targetAWSPost},
		{"POST", "https://signin.amazonaws-us-gov.com/saml", targetAWSPost},
		{"POST", "https://signin.aws.amazon.com:443/saml", targetAWSPost},
		{"GET", "https://signin.aws.amazon.com/saml", targetAWSOther},
		{"POST", "https://signin.aws.amazon.com/samlx", targetAWSOther},
		{"POST", "https://signin.aws.amazon.com/saml/acs", targetAWSOther},
		{"POST", "https://idp.example.com/?next=https://signin.aws.amazon.com/saml", targetOther},
		{"POST", "https://xsignin.aws.amazon.com/saml", targetOther},
		{"POST", "http://signin.aws.amazon.com/saml", targetOther},
		{"POST", "::", targetOther},
	}
	for _, tt := range tests {
		if got := classify(tt.method, tt.url); got != tt.want {
			t.Errorf("classify(%s %s) = %v; want %v", tt.method, tt.url, got, tt.want)
		}
	}
}

// TestInterceptPatterns checks the patterns the browser pauses: one for each
// partition, at the request stage, and that every sign-in host matches its
// pattern as Chromium's wildcards do.
func TestInterceptPatterns(t *testing.T) {
	pats := interceptPatterns()
	var got []string
	for _, p := range pats {
		if p.RequestStage != fetch.RequestStageRequest {
			t.Errorf("pattern %s pauses at stage %q; want Request", p.URLPattern, p.RequestStage)
		}
		got = append(got, p.URLPattern)
	}
	want := []string{
		"https://*signin.aws.amazon.com/saml*",
		"https://*signin.amazonaws.cn/saml*",
		"https://*signin.amazonaws-us-gov.com/saml*",
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("patterns %q; want %q", got, want)
	}
	for _, u := range []string{
		"https://signin.aws.amazon.com/saml",
		"https://eu-west-1.signin.aws.amazon.com/saml",
		"https://signin.aws.amazon.com/saml?SAMLart=1",
		"https://signin.amazonaws.cn/saml",
		"https://signin.amazonaws-us-gov.com/saml",
	} {
		matched := false
		for _, p := range got {
			matched = matched || wildcard(p, u)
		}
		if !matched {
			t.Errorf("%s matches no pattern", u)
		}
	}
}

// wildcard matches s against a pattern where * is any run of characters,
// as Fetch.RequestPattern.urlPattern does.
func wildcard(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for i, p := range parts[1:] {
		if i == len(parts)-2 {
			return strings.HasSuffix(s, p)
		}
		j := strings.Index(s, p)
		if j < 0 {
			return false
		}
		s = s[j+len(p):]
	}
	return s == ""
}

func multipartBody(t *testing.T, fields map[string]string, file bool) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if file {
		fw, err := w.CreateFormFile("SAMLResponse", "a.txt")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write([]byte("from a file"))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), b.Bytes()
}

func TestParseForm(t *testing.T) {
	saml := samlFor("mParse", 100)
	big := samlFor("mBig", 1<<20)
	mpType, mpBody := multipartBody(t, map[string]string{"SAMLResponse": saml, "RelayState": "rs"}, false)
	mpFileType, mpFileBody := multipartBody(t, map[string]string{"RelayState": "rs"}, true)
	tests := []struct {
		name        string
		contentType string
		body        []byte
		wantSAML    string
		wantRelay   string
		wantErr     string
	}{
		{
			name:        "urlencoded",
			contentType: "application/x-www-form-urlencoded",
			body:        []byte("SAMLResponse=" + url.QueryEscape(saml) + "&RelayState=rs"),
			wantSAML:    saml, wantRelay: "rs",
		},
		{
			name:        "urlencoded with charset",
			contentType: "application/x-www-form-urlencoded; charset=UTF-8",
			body:        []byte("RelayState=a%20b&SAMLResponse=" + url.QueryEscape(saml)),
			wantSAML:    saml, wantRelay: "a b",
		},
		{
			name:        "urlencoded, 1 MB",
			contentType: "application/x-www-form-urlencoded",
			body:        []byte("SAMLResponse=" + url.QueryEscape(big)),
			wantSAML:    big,
		},
		{
			name:     "no content type",
			body:     []byte("SAMLResponse=" + url.QueryEscape(saml)),
			wantSAML: saml,
		},
		{
			name:        "multipart",
			contentType: mpType,
			body:        mpBody,
			wantSAML:    saml, wantRelay: "rs",
		},
		{
			name:        "multipart file part ignored",
			contentType: mpFileType,
			body:        mpFileBody,
			wantRelay:   "rs",
		},
		{
			name:        "multipart without boundary",
			contentType: "multipart/form-data",
			body:        mpBody,
			wantErr:     "the posted multipart form has no boundary",
		},
		{
			// No part is found: an empty form, hence ErrNoAssertion later.
			name:        "multipart, wrong boundary",
			contentType: "multipart/form-data; boundary=nope",
			body:        mpBody,
		},
		{
			name:        "json",
			contentType: "application/json",
			body:        []byte(`{"SAMLResponse":"x"}`),
			wantErr:     "the posted form's Content-Type is application/json, not a form",
		},
		{
			name:        "bad escape",
			contentType: "application/x-www-form-urlencoded",
			body:        []byte("SAMLResponse=%zz"),
			wantErr:     `the posted form: invalid URL escape "%zz"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseForm(tt.contentType, tt.body)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("parseForm error %v; want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Get("SAMLResponse") != tt.wantSAML || got.Get("RelayState") != tt.wantRelay {
				t.Errorf("parseForm = SAMLResponse %.20q… (len %d), RelayState %q; want %.20q… (len %d), %q",
					got.Get("SAMLResponse"), len(got.Get("SAMLResponse")), got.Get("RelayState"),
					tt.wantSAML, len(tt.wantSAML), tt.wantRelay)
			}
		})
	}
}

func TestReadPost(t *testing.T) {
	saml := samlFor("mRead", 0)
	body := "SAMLResponse=" + url.QueryEscape(saml) + "&RelayState=r"
	// Chromium may split a body into several entries.
	req := &network.Request{
		Method:  "POST",
		URL:     "https://signin.aws.amazon.com/saml",
		Headers: network.Headers{"content-type": "application/x-www-form-urlencoded"},
		PostDataEntries: []*network.PostDataEntry{
			{Bytes: []byte(body[:10])}, nil, {Bytes: []byte(body[10:])},
		},
	}
	got := readPost(req)
	want := Result{SAMLResponse: saml, RelayState: "r", ACSURL: "https://signin.aws.amazon.com/saml"}
	if got.err != nil || *got.res != want {
		t.Errorf("readPost = %+v, %v; want %+v", got.res, got.err, want)
	}

	req.PostDataEntries = []*network.PostDataEntry{{Bytes: []byte("SAMLResponse=&RelayState=r")}}
	got = readPost(req)
	var refused *idp.RefusedError
	if !errors.As(got.err, &refused) || !errors.Is(got.err, idp.ErrNoAssertion) {
		t.Errorf("empty SAMLResponse: error %v; want a RefusedError wrapping ErrNoAssertion", got.err)
	}
}

func TestHeader(t *testing.T) {
	h := network.Headers{"Content-Type": "a", "x": 3}
	if got := header(h, "content-type"); got != "a" {
		t.Errorf("header = %q; want a", got)
	}
	if got := header(h, "x"); got != "" {
		t.Errorf("header of a number = %q; want \"\"", got)
	}
}
