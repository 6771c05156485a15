// Package google signs into Google Workspace's SAML IdP over plain HTTP, page
// by page, for both generations of Google's sign-in pages (the 2020–2023
// form#challenge pages and the 2024 /v3/signin pages).
package google

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/PuerkitoBio/goquery"

	"github.com/seed-2d15385e/awsfed/idp/internal/form"
)

// Kind is what a Google sign-in page asks for.
type Kind int

// The kinds of page. The String of each is what a person would call it.
const (
	KindUnknown Kind = iota
	KindSAML
	KindIdentifier
	KindPassword
	KindCaptcha
	KindTOTP
	KindSMSSend
	KindSMS
	KindPrompt
	KindDevicePrompt
	KindBackupCode
	KindSecurityCode
	KindSecurityKey
	KindPasskey
	KindPhoneRegistration
	KindOfflineCode
	KindSelection
	KindRejected
	Kind2SVRequired
	KindNoApp
	KindTooManyAttempts
)

// String names the kind in messages: "password page", "authenticator code".
func (k Kind) String() string {
	switch k {
	case KindUnknown:
		return "unrecognised page"
	case KindSAML:
		return "SAMLResponse page"
	case KindIdentifier:
		return "e-mail page"
	case KindPassword:
		return "password page"
	case KindCaptcha:
		return "CAPTCHA"
	case KindTOTP:
		return "authenticator code"
	case KindSMSSend:
		return "send-a-text page"
	case KindSMS:
		return "text message code"
	case KindPrompt:
		return "Google Prompt"
	case KindDevicePrompt:
		return "phone prompt"
	case KindBackupCode:
		return "backup code"
	case KindSecurityCode:
		return "one-time security code"
	case KindSecurityKey:
		return "security key"
	case KindPasskey:
		return "passkey"
	case KindPhoneRegistration:
		return "phone number registration"
	case KindOfflineCode:
		return "offline phone code"
	case KindSelection:
		return "choice of sign-in method"
	case KindRejected:
		return "sign-in rejected"
	case Kind2SVRequired:
		return "2-Step Verification required"
	case KindNoApp:
		return "AWS app not enabled for the account"
	case KindTooManyAttempts:
		return "too many failed attempts"
	}
	return ""
}

// challengePath returns the kind of the challenge segment of a form action
// (/signin/challenge/<seg>/<n> or /v3/signin/challenge/<seg>).
func challengePath(seg string) Kind {
	switch seg {
	case "pwd", "sl": // sl: /signin/challenge/sl/password
		return KindPassword
	case "totp":
		return KindTOTP
	case "ipp":
		return KindSMS
	case "az":
		return KindPrompt
	case "dp":
		return KindDevicePrompt
	case "bc":
		return KindBackupCode
	case "skotp":
		return KindSecurityCode
	case "sk":
		return KindSecurityKey
	case "pk":
		return KindPasskey
	case "iap":
		return KindPhoneRegistration
	case "ootp":
		return KindOfflineCode
	case "selection", "selectchallenge":
		return KindSelection
	}
	return KindUnknown
}

// challengeType returns the kind of a challengeType number of the method
// lists.
func challengeType(n int) Kind {
	switch n {
	case 1:
		return KindPassword
	case 2:
		return KindSecurityKey
	case 4:
		return KindPrompt
	case 5:
		return KindOfflineCode
	case 6:
		return KindTOTP
	case 8:
		return KindBackupCode
	case 9:
		return KindSMS
	case 37:
		return KindSecurityCode
	case 39:
		return KindDevicePrompt
	case 53:
		return KindPasskey
	}
	return KindUnknown
}

// Option is one sign-in method offered on a selection page.
type Option struct {
	Kind        Kind
	ChallengeID string
	// Unavailable is set when Google says the method cannot be used here.
	Unavailable bool
	// SendMethod is "SMS" or "VOICE" for phone codes, if given.
	SendMethod string
	// Form is the form that picks this option on the old selection pages;
	// nil on v3 pages, whose options are not forms.
	Form *form.Form
}

// PromptTx is what the Google Prompt page gives for its long poll.
type PromptTx struct {
	APIKey, TxID, GAPIURL string
}

// Page is a Google sign-in page as the flow sees it: its kind and the parts
// of it the next step needs. It is decided in one place, Classify.
type Page struct {
	*form.Page
	Kind Kind
	// V3 is set for the 2024 /v3/signin pages.
	V3 bool
	// Form is the form that answers the page (nil for KindSAML and the
	// dead ends).
	Form *form.Form
	// Skip is the "Try another way" form, if the page has one.
	Skip *form.Form
	// Number is the number to tap on the phone, if the page shows one.
	Number string
	// Prompt holds the Google Prompt long-poll parameters.
	Prompt PromptTx
	// CaptchaURL is the absolute URL of the CAPTCHA image.
	CaptchaURL string
	// Options are the methods a selection page offers, in its order.
	Options []Option
	// SAMLResponse is the base64 SAMLResponse on KindSAML pages.
	SAMLResponse string
}

// Classify decides what a fetched page is. The kind comes from the page's
// own form actions and URL path and the markers Google puts on dead ends;
// nothing depends on the page's language.
func Classify(p *form.Page) *Page {
	g := &Page{Page: p, V3: strings.HasPrefix(p.URL.Path, "/v3/")}
	if _, v, ok := p.SAMLResponse(); ok {
		g.Kind, g.SAMLResponse = KindSAML, v
		return g
	}
	if strings.Contains(p.URL.Path, "/signin/rejected") {
		g.Kind = KindRejected
		return g
	}
	byID := false
	for _, f := range p.Forms {
		path := f.Action.Path
		_, entry := f.Sel.Attr("data-challengeentry")
		switch {
		case strings.HasSuffix(path, "/challenge/skip"):
			g.Skip = f
		case f.ID == "challenge" || f.ID == "gaia_loginform":
			if !byID {
				g.Form, byID = f, true
			}
		case !entry && g.Form == nil && strings.Contains(path, "/signin/"):
			g.Form = f // the 2024 pages' forms have no id
		}
		if strings.HasPrefix(path, "/v3/") {
			g.V3 = true
		}
	}
	doc := p.Doc
	switch {
	case strings.TrimSpace(doc.Find("#contactAdminMessage").Text()) != "" ||
		shownText(doc, "section.aN1Vld", "2-step verification policy") != "":
		g.Kind = Kind2SVRequired
		return g
	case shownText(doc, "h1, h2, [jsname=Ud7fr], [jsname=B34EJ], #passwordError, .error-msg, span#errorMsg", "too many failed attempts") != "":
		g.Kind = KindTooManyAttempts
		return g
	case doc.Find("#captchaimg, #identifier-captcha-input, #logincaptcha, input[name=identifier-captcha-input]").Length() > 0:
		g.Kind = KindCaptcha
		if src, ok := doc.Find("#captchaimg, div.captcha-img img").First().Attr("src"); ok {
			if ref, err := url.Parse(src); err == nil {
				g.CaptchaURL = p.URL.ResolveReference(ref).String()
			}
		}
		return g
	case strings.Contains(doc.Text(), "app_not_configured_for_user"):
		g.Kind = KindNoApp
		return g
	case notSecureBrowser(doc):
		g.Kind = KindRejected
		return g
	}
	if g.Form == nil {
		if opts := oldOptions(p); len(opts) > 0 {
			g.Kind, g.Options = KindSelection, opts
		}
		return g
	}
	g.Kind = formKind(g.Form)
	switch g.Kind {
	case KindSMS:
		if g.Form.Input("Pin") == nil && doc.Find("[name=SendMethod]").Length() > 0 {
			g.Kind = KindSMSSend
		}
	case KindDevicePrompt, KindPrompt:
		g.Number = strings.TrimSpace(doc.Find("[jsname=feLNVc], [jsname=EKvSSd]").First().Text())
		if g.Kind == KindPrompt {
			tx := doc.Find("[data-api-key][data-tx-id]").First()
			g.Prompt = PromptTx{APIKey: attr(tx, "data-api-key"), TxID: attr(tx, "data-tx-id"), GAPIURL: attr(tx, "data-gapi-url")}
		}
	case KindSelection:
		g.Options = v3Options(doc)
		if len(g.Options) == 0 {
			g.Options = oldOptions(p)
		}
	}
	return g
}

// formKind reads the kind from a challenge form's action.
func formKind(f *form.Form) Kind {
	path := f.Action.Path
	if f.ID == "gaia_loginform" && f.Input("Passwd") == nil || strings.HasSuffix(path, "/signin/v1/lookup") ||
		strings.HasSuffix(path, "/signin/identifier") {
		return KindIdentifier
	}
	_, rest, ok := strings.Cut(path, "/challenge/")
	if !ok {
		if f.Input("Passwd") != nil {
			return KindPassword
		}
		return KindUnknown
	}
	seg, _, _ := strings.Cut(rest, "/")
	return challengePath(seg)
}

// v3Options reads the method list of a /v3/signin/challenge/selection page.
func v3Options(doc *goquery.Document) []Option {
	var opts []Option
	doc.Find("[data-challengetype]").Each(func(_ int, s *goquery.Selection) {
		n, err := strconv.Atoi(attr(s, "data-challengetype"))
		if err != nil {
			return
		}
		opts = append(opts, Option{
			Kind:        challengeType(n),
			ChallengeID: attr(s, "data-challengeid"),
			Unavailable: attr(s, "data-challengeunavailable") == "true",
			SendMethod:  attr(s, "data-sendmethod"),
		})
	})
	return opts
}

// oldOptions reads the 2020–2023 method list: one form per method.
func oldOptions(p *form.Page) []Option {
	var opts []Option
	for _, f := range p.Forms {
		if _, ok := f.Sel.Attr("data-challengeentry"); !ok {
			continue
		}
		opt := Option{Kind: formKind(f), Form: f}
		if in := f.Input("challengeId"); in != nil {
			opt.ChallengeID = in.Value
		}
		if in := f.Input("SendMethod"); in != nil {
			opt.SendMethod = in.Value
		}
		opts = append(opts, opt)
	}
	return opts
}

// notSecureBrowser recognises Google's "This browser or app may not be
// secure" refusal.
func notSecureBrowser(doc *goquery.Document) bool {
	text := strings.ToLower(doc.Find("h1, h2, [role=heading], #headingText").Text())
	return strings.Contains(text, "browser or app may not be secure") || strings.Contains(text, "couldn't sign you in") ||
		strings.Contains(text, "couldn’t sign you in")
}

// shown reports whether an element is shown to a person: neither it nor an
// ancestor is aria-hidden or display:none. Google's pages carry hidden
// templates of their errors ("Too many failed attempts" is on every 2024
// password page), which only a script reveals.
func shown(s *goquery.Selection) bool {
	return s.Closest(`[aria-hidden=true], [style*="display:none"], [style*="display: none"], [hidden]`).Length() == 0
}

// shownText returns the text, spaces collapsed, of the first shown element
// matching sel whose text contains marker (in any case; curly quotes read
// as straight ones), or "".
func shownText(doc *goquery.Document, sel, marker string) string {
	found := ""
	doc.Find(sel).EachWithBreak(func(_ int, s *goquery.Selection) bool {
		t := strings.Join(strings.Fields(s.Text()), " ")
		if t != "" && shown(s) && strings.Contains(strings.ToLower(strings.ReplaceAll(t, "’", "'")), marker) {
			found = t
			return false
		}
		return true
	})
	return found
}

func attr(s *goquery.Selection, name string) string {
	v, _ := s.Attr(name)
	return v
}
