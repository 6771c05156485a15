package google

import (
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/seed-2d15385e/awsfed/idp/internal/form"
)

func classify(t *testing.T, pageURL string, html []byte) *Page {
	t.Helper()
	u, err := url.Parse(pageURL)
	if err != nil {
		t.Fatal(err)
	}
	p, err := form.Parse(u, 200, html)
	if err != nil {
		t.Fatal(err)
	}
	return Classify(p)
}

// want is what a page must be recognised as.
type want struct {
	kind       Kind
	v3         bool
	field      string // an input the answering form must have
	skip       bool   // a "Try another way" form
	number     string
	prompt     PromptTx
	captchaURL string
	options    []Kind
	// unavailable counts the options Google marks as unusable here.
	unavailable int
	// errText is the error the page shows a person ("" for none: hidden
	// error templates must not count).
	errText string
}

func check(t *testing.T, g *Page, w want) {
	t.Helper()
	if g.Kind != w.kind {
		t.Errorf("kind = %v, want %v", g.Kind, w.kind)
	}
	if got := errorText(g); got != w.errText {
		t.Errorf("error text = %q, want %q", got, w.errText)
	}
	if g.V3 != w.v3 {
		t.Errorf("v3 = %v, want %v", g.V3, w.v3)
	}
	if w.field != "" && (g.Form == nil || g.Form.Input(w.field) == nil) {
		t.Errorf("the answering form lacks %q", w.field)
	}
	if (g.Skip != nil) != w.skip {
		t.Errorf("skip form found = %v, want %v", g.Skip != nil, w.skip)
	}
	if g.Number != w.number {
		t.Errorf("number = %q, want %q", g.Number, w.number)
	}
	if g.Prompt != w.prompt {
		t.Errorf("prompt = %+v, want %+v", g.Prompt, w.prompt)
	}
	if g.CaptchaURL != w.captchaURL {
		t.Errorf("captcha URL = %q, want %q", g.CaptchaURL, w.captchaURL)
	}
	var kinds []Kind
	for _, o := range g.Options {
		kinds = append(kinds, o.Kind)
	}
	unavailable := 0
	for _, o := range g.Options {
		if o.Unavailable {
			unavailable++
		}
	}
	if unavailable != w.unavailable {
		t.Errorf("%d options unavailable, want %d", unavailable, w.unavailable)
	}
	if !reflect.DeepEqual(kinds, w.options) {
		t.Errorf("options = %v, want %v", kinds, w.options)
	}
}

// TestConformance runs the page recognition over every real capture in
// AWSFED_GOOGLE_FIXTURES; each capture must have an expectation here.
func TestConformance(t *testing.T) {
	dir := os.Getenv("AWSFED_GOOGLE_FIXTURES")
	if dir == "" {
		t.Skip("AWSFED_GOOGLE_FIXTURES is not set: ./scripts/test points it at ../shared/fixtures/google-pages")
	}
	expect := map[string]want{
		"2sv-required-backup-code.html": {kind: Kind2SVRequired, field: "Pin", skip: true},
		"captcha.html": {kind: KindCaptcha, v3: true, field: "ca",
			captchaURL: "https://accounts.google.com/Captcha?v=2&ctoken=super_long_captcha_string",
			errText:    "Please enter the characters you see in the image above"},
		"challenge-extra-number.html": {kind: KindDevicePrompt, skip: true, number: "89"},
		"challenge-prompt.html": {kind: KindPrompt, skip: true,
			prompt: PromptTx{APIKey: "XXXXXX", TxID: "XXXXXX-XXXXXX-XXXXXX=", GAPIURL: "https://apis.google.com/js/base.js"}},
		"challenge-selection-v3.html": {kind: KindSelection, v3: true, field: "challengeListId",
			options: []Kind{KindSecurityKey, KindSecurityCode, KindDevicePrompt, KindOfflineCode, KindTOTP, KindSMS, KindPasskey, KindSecurityKey}, unavailable: 1},
		"challenge-sms-send.html":          {kind: KindSMSSend, skip: true},
		"challenge-sms.html":               {kind: KindSMS, field: "Pin", skip: true, errText: "Enter a code"},
		"challenge-totp.html":              {kind: KindTOTP, field: "Pin", skip: true},
		"form-password-challengeid-1.html": {kind: KindPassword, field: "Passwd"},
		"form-password-challengeid-2.html": {kind: KindPassword, field: "Passwd"},
		"form-password-challengeid-3.html": {kind: KindPassword, v3: true, field: "Passwd"},
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.html"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no captures in %s (%v)", dir, err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		name := filepath.Base(f)
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			w, ok := expect[name]
			if !ok {
				t.Fatalf("no expectation for the capture %s: add one", name)
			}
			html, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			check(t, classify(t, "https://accounts.google.com/signin/v2/challenge", html), w)
		})
	}
	for name := range expect {
		if !seen[name] {
			t.Errorf("expectation for %s, but no such capture", name)
		}
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name, url, html string
		want            want
	}{
		{name: "SAMLResponse page", url: "https://accounts.google.com/o/saml2/initsso",
			html: `<form action="https://signin.aws.amazon.com/saml" method="post"><input type="hidden" name="SAMLResponse" value="PHg+"><input type="hidden" name="RelayState" value=""></form>`,
			want: want{kind: KindSAML}},
		{name: "rejected by URL", url: "https://accounts.google.com/signin/rejected?rrk=46",
			html: `<html><body>Couldn't sign you in</body></html>`, want: want{kind: KindRejected}},
		{name: "browser may not be secure", url: "https://accounts.google.com/v3/signin/rejected2",
			html: `<h1 id="headingText">Couldn’t sign you in</h1><p>This browser or app may not be secure.</p>`,
			want: want{kind: KindRejected, v3: true}},
		{name: "legacy identifier page", url: "https://accounts.google.com/ServiceLogin",
			html: `<form id="gaia_loginform" action="https://accounts.google.com/signin/v1/lookup" method="post"><input name="Email"><input type="hidden" name="Page" value="PasswordSeparationSignIn"></form>`,
			want: want{kind: KindIdentifier, field: "Email"}},
		{name: "v3 identifier page", url: "https://accounts.google.com/v3/signin/identifier?flowName=WebLiteSignIn",
			html: `<form action="/v3/signin/identifier?TL=x" method="POST"><input name="identifier"><input type="hidden" name="at" value="a"></form>`,
			want: want{kind: KindIdentifier, v3: true, field: "identifier"}},
		{name: "backup code", url: "https://accounts.google.com/signin/v2/challenge/bc",
			html: `<form id="challenge" method="POST" action="/signin/challenge/bc/3"><input name="Pin" id="backupCodePin"></form>`,
			want: want{kind: KindBackupCode, field: "Pin"}},
		{name: "security code", url: "https://accounts.google.com/v3/signin/challenge/skotp",
			html: `<form method="POST" action="/v3/signin/challenge/skotp?TL=x"><input name="Pin"></form>`,
			want: want{kind: KindSecurityCode, v3: true, field: "Pin"}},
		{name: "old selection list", url: "https://accounts.google.com/signin/selectchallenge/1",
			html: `<form action="/signin/challenge/totp/2" method="POST" data-challengeentry="2"><input type="hidden" name="challengeId" value="2"></form>` +
				`<form action="/signin/challenge/ipp/3" method="POST" data-challengeentry="3"><input type="hidden" name="challengeId" value="3"><input type="hidden" name="SendMethod" value="SMS"></form>`,
			want: want{kind: KindSelection, options: []Kind{KindTOTP, KindSMS}}},
		{name: "v3 password page of a locked account", url: "https://accounts.google.com/v3/signin/challenge/pwd?TL=x",
			html: `<form action="/v3/signin/challenge/pwd?TL=x" method="post"><section class="aN1Vld" aria-hidden="false" aria-live="assertive"><h2><span jsname="Ud7fr">Too many failed attempts</span></h2></section><input type="password" name="Passwd"></form>`,
			want: want{kind: KindTooManyAttempts, v3: true, errText: "Too many failed attempts"}},
		{name: "v3 password page with the hidden lock notice", url: "https://accounts.google.com/v3/signin/challenge/pwd?TL=x",
			html: `<form action="/v3/signin/challenge/pwd?TL=x" method="post"><section class="aN1Vld" aria-hidden="true" aria-live="assertive"><h2><span jsname="Ud7fr">Too many failed attempts</span></h2></section><input type="password" name="Passwd"></form>`,
			want: want{kind: KindPassword, v3: true, field: "Passwd"}},
		{name: "legacy password page of a locked account", url: "https://accounts.google.com/signin/v2/challenge/pwd",
			html: `<form id="challenge" method="post" action="/signin/challenge/pwd/1"><input type="password" name="Passwd"><div class="error-msg" id="passwordError">Too many failed attempts. Try again later.</div></form>`,
			want: want{kind: KindTooManyAttempts, errText: "Too many failed attempts. Try again later."}},
		{name: "v3 2-Step Verification policy", url: "https://accounts.google.com/v3/signin/challenge/2sv?TL=x",
			html: `<h1>2-Step Verification</h1><section class="aN1Vld "><div>Your sign-in settings don’t meet your organization’s 2-Step Verification policy.</div></section>`,
			want: want{kind: Kind2SVRequired, v3: true}},
		{name: "nothing known", url: "https://accounts.google.com/x", html: `<p>hello</p>`, want: want{kind: KindUnknown}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check(t, classify(t, tt.url, []byte(tt.html)), tt.want)
		})
	}
}
