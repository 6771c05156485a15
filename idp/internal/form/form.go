// Package form is the one place that reads HTML pages for the IdP flows: it
// finds forms and their inputs, resolves form actions, says which form is a
// login, one-time-code, SAMLResponse or auto-submitting relay form, and builds
// the request that submits a form as a browser would.
package form

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/PuerkitoBio/goquery"
)

// Page is a fetched HTML page with its forms.
type Page struct {
	// URL is the page's address after redirects; form actions resolve against it.
	URL *url.URL
	// Status is the HTTP status code.
	Status int
	// Title is the text of the page's <title>, trimmed.
	Title string
	// Forms are the page's forms in document order.
	Forms []*Form
	// Doc is the parsed document, for flow-specific markers.
	Doc *goquery.Document
}

// Form is one HTML form as a browser would submit it.
type Form struct {
	ID    string
	Name  string
	Class string
	// Method is "GET" or "POST".
	Method string
	// Action is the resolved absolute URL the form submits to.
	Action *url.URL
	// Inputs are the form's fields in document order, including those
	// outside the <form> element that name it with a form attribute.
	Inputs []*Input
	// Sel is the form element, for flow-specific markers.
	Sel *goquery.Selection
}

// Input is one field of a form.
type Input struct {
	// Tag is "input", "select", "textarea" or "button".
	Tag          string
	Name         string
	ID           string
	Type         string // lower case; "text" when absent for <input>
	Value        string
	Autocomplete string
	InputMode    string
	Checked      bool
	Disabled     bool
}

// Parse reads an HTML page fetched from u.
func Parse(u *url.URL, status int, body []byte) (*Page, error) {
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("read HTML of %s: %w", redact(u), err)
	}
	p := &Page{URL: u, Status: status, Doc: doc}
	p.Title = strings.TrimSpace(doc.Find("title").First().Text())
	doc.Find("form").Each(func(_ int, s *goquery.Selection) {
		p.Forms = append(p.Forms, newForm(p, s))
	})
	return p, nil
}

func newForm(p *Page, s *goquery.Selection) *Form {
	f := &Form{
		ID:     attr(s, "id"),
		Name:   attr(s, "name"),
		Class:  attr(s, "class"),
		Method: strings.ToUpper(strings.TrimSpace(attr(s, "method"))),
		Sel:    s,
	}
	if f.Method != "POST" {
		f.Method = "GET"
	}
	f.Action = ResolveAction(p.URL, attr(s, "action"))
	add := func(_ int, in *goquery.Selection) {
		// An input naming another form with its form attribute belongs there.
		if owner, ok := in.Attr("form"); ok && owner != f.ID {
			return
		}
		f.Inputs = append(f.Inputs, newInput(in))
	}
	s.Find("input, select, textarea, button").Each(add)
	if f.ID != "" {
		p.Doc.Find(fmt.Sprintf("[form=%q]", f.ID)).Each(func(_ int, in *goquery.Selection) {
			if in.Closest("form").IsSelection(s) {
				return // already counted
			}
			f.Inputs = append(f.Inputs, newInput(in))
		})
	}
	return f
}

func newInput(s *goquery.Selection) *Input {
	in := &Input{
		Tag:          goquery.NodeName(s),
		Name:         attr(s, "name"),
		ID:           attr(s, "id"),
		Type:         strings.ToLower(strings.TrimSpace(attr(s, "type"))),
		Autocomplete: strings.ToLower(attr(s, "autocomplete")),
		InputMode:    strings.ToLower(attr(s, "inputmode")),
	}
	_, in.Checked = s.Attr("checked")
	_, in.Disabled = s.Attr("disabled")
	switch in.Tag {
	case "input":
		if in.Type == "" {
			in.Type = "text"
		}
		in.Value = attr(s, "value")
	case "button":
		if in.Type == "" {
			in.Type = "submit"
		}
		in.Value = attr(s, "value")
	case "textarea":
		in.Type = "textarea"
		in.Value = s.Text()
	case "select":
		in.Type = "select"
		opt := s.Find("option[selected]").First()
		if opt.Length() == 0 {
			opt = s.Find("option").First()
		}
		if v, ok := opt.Attr("value"); ok {
			in.Value = v
		} else {
			in.Value = strings.TrimSpace(opt.Text())
		}
	}
	return in
}

func attr(s *goquery.Selection, name string) string {
	v, _ := s.Attr(name)
	return v
}

// ResolveAction resolves a form's action attribute against the page it is
// on, as browsers do: an empty action or "#…" submits to the page itself
// (query kept, fragment dropped), "?" to the page's path with an empty query,
// and relative and absolute references resolve normally.
func ResolveAction(page *url.URL, action string) *url.URL {
	action = strings.TrimSpace(action)
	if action == "" || strings.HasPrefix(action, "#") {
		u := *page
		u.Fragment = ""
		u.RawFragment = ""
		return &u
	}
	ref, err := url.Parse(action)
	if err != nil {
		u := *page
		u.Fragment = ""
		return &u
	}
	u := page.ResolveReference(ref)
	u.Fragment = ""
	u.RawFragment = ""
	return u
}

// Visible reports whether a person could type into the input.
func (in *Input) Visible() bool {
	if in.Disabled {
		return false
	}
	switch in.Type {
	case "text", "email", "tel", "number", "password", "search", "url", "textarea":
		return true
	}
	return false
}

// Input returns the first input with the given name, or nil.
func (f *Form) Input(name string) *Input {
	for _, in := range f.Inputs {
		if in.Name == name {
			return in
		}
	}
	return nil
}

// Set sets the value of every input named name, adding a hidden input if
// the form has none.
func (f *Form) Set(name, value string) {
	found := false
	for _, in := range f.Inputs {
		if in.Name == name {
			in.Value = value
			found = true
		}
	}
	if !found {
		f.Inputs = append(f.Inputs, &Input{Tag: "input", Type: "hidden", Name: name, Value: value})
	}
}

// Click makes the submission carry name=value as a browser does for the
// submit button clicked; buttons are otherwise not sent.
func (f *Form) Click(name, value string) {
	f.Inputs = append(f.Inputs, &Input{Tag: "input", Type: "hidden", Name: name, Value: value})
}

// Values returns what a browser sends when the form is submitted without
// clicking a named button: every named, enabled input with its value;
// checkboxes and radio buttons only when checked; no buttons, files or
// unnamed inputs.
func (f *Form) Values() url.Values {
	v := url.Values{}
	for _, in := range f.Inputs {
		if in.Name == "" || in.Disabled {
			continue
		}
		switch in.Type {
		case "submit", "button", "image", "reset", "file":
			continue
		case "checkbox", "radio":
			if !in.Checked {
				continue
			}
			if in.Value == "" {
				v.Add(in.Name, "on")
				continue
			}
		}
		v.Add(in.Name, in.Value)
	}
	return v
}

// Request builds the request that submits the form.
func (f *Form) Request(ctx context.Context) (*http.Request, error) {
	vals := f.Values().Encode()
	if f.Method == "GET" {
		u := *f.Action
		u.RawQuery = vals
		return http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.Action.String(), strings.NewReader(vals))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req, nil
}

// PasswordInput returns the form's first visible password input, or nil.
func (f *Form) PasswordInput() *Input {
	for _, in := range f.Inputs {
		if in.Type == "password" && in.Name != "" && !in.Disabled {
			return in
		}
	}
	return nil
}

// UsernameInput returns the input a login form expects the user name in:
// one marked autocomplete=username, else the first visible text or e-mail
// input before the password; nil if the form asks only for a password.
func (f *Form) UsernameInput() *Input {
	var first *Input
	for _, in := range f.Inputs {
		if in.Name == "" || in.Disabled {
			continue
		}
		if in.Type == "password" {
			break
		}
		if in.Autocomplete == "username" || in.Autocomplete == "email" {
			return in
		}
		if first == nil && (in.Type == "text" || in.Type == "email") {
			first = in
		}
	}
	return first
}

// codeNames are field names IdPs give one-time-code inputs.
var codeNames = []string{"otp", "totp", "code", "token", "pin", "passcode", "mfa", "verification", "twofactor", "2fa"}

// CodeInput returns the form's one-time-code input, or nil: an input with
// autocomplete=one-time-code, else one whose name looks like a code (otp,
// totp, code, token, pin…), else the form's single visible text, number or
// tel input. A form with a password input has no code input.
func (f *Form) CodeInput() *Input {
	if f.PasswordInput() != nil {
		return nil
	}
	var visible []*Input
	for _, in := range f.Inputs {
		if in.Name == "" || in.Disabled {
			continue
		}
		if in.Autocomplete == "one-time-code" && in.Type != "hidden" {
			return in
		}
		if in.Type == "text" || in.Type == "number" || in.Type == "tel" {
			visible = append(visible, in)
		}
	}
	for _, in := range visible {
		name := strings.ToLower(in.Name)
		for _, c := range codeNames {
			if strings.Contains(name, c) {
				return in
			}
		}
	}
	if len(visible) == 1 {
		return visible[0]
	}
	return nil
}

// Typeable reports whether the form has an input a person must fill in.
func (f *Form) Typeable() bool {
	for _, in := range f.Inputs {
		if in.Name != "" && in.Visible() {
			return true
		}
	}
	return false
}

// SAMLResponse returns the form carrying a SAMLResponse and its value,
// which may be empty: an IdP that posts an empty one has issued no
// assertion, and the form must not be relayed to AWS. A form with a
// non-empty value wins over one with an empty value.
func (p *Page) SAMLResponse() (*Form, string, bool) {
	var empty *Form
	for _, f := range p.Forms {
		in := f.Input("SAMLResponse")
		switch {
		case in == nil:
		case strings.TrimSpace(in.Value) != "":
			return f, in.Value, true
		case empty == nil:
			empty = f
		}
	}
	return empty, "", empty != nil
}

// LoginForm returns the first form with a password input, or nil.
func (p *Page) LoginForm() *Form {
	for _, f := range p.Forms {
		if f.PasswordInput() != nil {
			return f
		}
	}
	return nil
}

// CodeForm returns the first form asking for a one-time code, or nil.
func (p *Page) CodeForm() *Form {
	for _, f := range p.Forms {
		if f.CodeInput() != nil {
			return f
		}
	}
	return nil
}

// AutoSubmitForm returns a form a browser would submit without the person:
// a SAMLRequest relay, or the page's only form when it has no field to type
// into and the page submits it by script, by a "Continue" noscript button or
// by a body onload handler. It returns nil when no form qualifies.
func (p *Page) AutoSubmitForm() *Form {
	for _, f := range p.Forms {
		if f.Input("SAMLRequest") != nil {
			return f
		}
	}
	var candidates []*Form
	for _, f := range p.Forms {
		if !f.Typeable() && len(f.Values()) > 0 {
			candidates = append(candidates, f)
		}
	}
	if len(candidates) != 1 || len(p.Forms) != 1 {
		return nil
	}
	scripted := p.Doc.Find("noscript").Length() > 0 ||
		strings.Contains(strings.ToLower(attr(p.Doc.Find("body"), "onload")), "submit") ||
		strings.Contains(p.Doc.Find("script").Text(), "submit()")
	if !scripted {
		return nil
	}
	return candidates[0]
}

// errorSelectors find the elements IdPs put login errors in.
const errorSelectors = `[role=alert], .alert-danger, .alert-error, .message-negative, .error, .errors, ` +
	`.error-message, .errormsg, #error, #errorText, .form-error, .kc-feedback-text, #errorMessage, .message-error`

// ErrorText returns the error a page shows a person, trimmed and on one
// line, or "" if it shows none. It looks at the usual error elements and at
// a heading "Error" followed by text.
func (p *Page) ErrorText() string {
	var texts []string
	p.Doc.Find(errorSelectors).Each(func(_ int, s *goquery.Selection) {
		if t := oneLine(s.Text()); t != "" {
			texts = append(texts, t)
		}
	})
	if len(texts) == 0 {
		p.Doc.Find("h1, h2, h3").Each(func(_ int, s *goquery.Selection) {
			if len(texts) > 0 || !strings.EqualFold(strings.TrimSpace(s.Text()), "error") {
				return
			}
			if t := oneLine(s.NextFiltered("p, div").Text()); t != "" {
				texts = append(texts, t)
			}
		})
	}
	if len(texts) == 0 {
		return ""
	}
	t := texts[0]
	if len(t) > 200 {
		t = t[:200] + "…"
	}
	return t
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// redact returns u without its query and fragment, for messages.
func redact(u *url.URL) string {
	c := *u
	c.RawQuery = ""
	c.ForceQuery = false
	c.Fragment = ""
	c.User = nil
	return c.String()
}

// Redact returns u without user info, query and fragment, for messages that
// must not carry tokens from the query string.
func Redact(u *url.URL) string { return redact(u) }
