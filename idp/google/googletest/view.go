package googletest

import (
	crand "crypto/rand"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
)

// step is where a sign-in is.
type step int

const (
	stepIdentifier step = iota
	stepPassword
	stepFactor
	stepSelect
	step2SV
)

// The challenge ids: the password is 1, Options.Second[i] is
// firstFactorID+i, and the enforced-2SV backup-code page is firstFactorID.
const (
	passwordID    = 1
	firstFactorID = 2
)

// flow is one sign-in in progress, keyed by its __Host-GAPS cookie.
type flow struct {
	id, tl, at, gxf, ifkv, dsh, as, usi string
	start                               url.Values // the initsso query
	cont                                string     // the continue URL
	step                                step
	email                               string
	ctoken                              string // the CAPTCHA shown, if any
	captchaOK                           bool
	factor                              int // index into Options.Second
	sent                                bool
	posts                               int
	txID, txToken                       string
	approved                            bool
	challenge                           []byte // the WebAuthn challenge the page carries
}

func (f *flow) hl() string {
	if hl := f.start.Get("hl"); hl != "" {
		return hl
	}
	return "en"
}

func token() string { return crand.Text() }

// rule says what a POST must do with a field of the form it answers.
type rule int

const (
	fixed    rule = iota // hidden: must come back unchanged
	free                 // hidden: the client may change or drop it
	botguard             // hidden bgresponse: must come back as js_enabled
	same                 // shown, not to be edited: must come back unchanged
	need                 // the client fills it in: must be sent
	opt                  // may be sent: checkboxes, buttons, read-only inputs
)

type field struct {
	Name, Value, ID string
	rule            rule
}

// form is one form of a page, with what its POST must carry.
type form struct {
	Action string
	Fields []field
	// EntryID and Label are set on the 2020 selection page's entries.
	EntryID int
	Label   string
	entry   bool
	factor  int
}

// Hidden returns the fields the page renders as hidden inputs.
func (f *form) Hidden() []field {
	var out []field
	for _, fd := range f.Fields {
		if fd.rule == fixed || fd.rule == free || fd.rule == botguard {
			out = append(out, fd)
		}
	}
	return out
}

// Has reports whether the form has a field named name.
func (f *form) Has(name string) bool {
	for _, fd := range f.Fields {
		if fd.Name == name {
			return true
		}
	}
	return false
}

// option is one method on the 2024 selection page.
type option struct {
	ID, Type    int
	SendMethod  string
	Label       string
	Unavailable bool
}

// view is a page as the flow shows it.
type view struct {
	tmpl string
	// URL is where the page is shown (path and query).
	URL                   string
	Kind                  string
	Email, Error, Notice  string
	Captcha               string
	Locked                bool
	Number                string
	APIKey, TxID, GAPIURL string
	SecurityKeyUI         string
	// Retry makes the WebAuthn script wait for a click after a refusal.
	Retry         bool
	Prompt, PinID string
	Form, Skip    *form
	Entries       []*form
	Options       []option
}

// view builds the page the flow is on, with the forms its POSTs must match.
func (s *Server) view(f *flow) *view {
	v := &view{Email: f.email}
	old := s.opts.Generation == 2020
	if old {
		v.tmpl = "challenge-2020.html"
	} else {
		v.tmpl = "challenge-2024.html"
	}
	switch f.step {
	case stepIdentifier:
		s.identifierView(f, v)
	case stepPassword:
		v.Kind = "pwd"
		if old {
			v.URL = fmt.Sprintf("/signin/challenge/pwd/%d", passwordID)
			v.Form = &form{Action: v.URL, Fields: append(s.glifFields(f, passwordID, 1),
				field{Name: "Email", rule: opt}, field{Name: "Passwd", rule: need}, field{Name: "TrustDevice", rule: opt})}
		} else {
			v.URL = s.v3URL(f, "pwd", passwordID)
			v.Form = &form{Action: v.URL, Fields: []field{
				{Name: "bgresponse", Value: "js_disabled", ID: "bgresponse", rule: botguard},
				{Name: "identifier", Value: f.email, rule: same},
				{Name: "Passwd", rule: need},
				{Name: "TrustDevice", Value: "true", rule: free},
				{Name: "historicalPassword", Value: "false", rule: fixed},
				{Name: "at", Value: f.at, rule: fixed},
				{Name: "action", rule: opt},
			}}
		}
	case step2SV:
		if !old {
			v.tmpl, v.Kind, v.Notice = "policy-2024.html", "2sv", Require2SVPolicy
			v.URL = s.v3URL(f, "2sv", firstFactorID)
			return v
		}
		v.tmpl, v.Kind, v.Notice = "challenge-2020.html", "bc", Require2SVMsg
		v.Prompt, v.PinID = "Enter one of the backup codes you received from Google.", "backupCodePin"
		v.URL = fmt.Sprintf("/signin/challenge/bc/%d", firstFactorID)
		v.Form = &form{Action: v.URL, Fields: append(s.factorFields(f, firstFactorID, 8),
			field{Name: "Pin", rule: need}, field{Name: "TrustDevice", rule: opt})}
		v.Skip = &form{Action: "/signin/challenge/skip", Fields: s.factorFields(f, firstFactorID, 0)}
	case stepFactor:
		s.factorView(f, v)
	case stepSelect:
		s.selectionView(f, v)
	}
	return v
}

func (s *Server) identifierView(f *flow, v *view) {
	if f.ctoken != "" && !f.captchaOK {
		v.Captcha = f.ctoken
	}
	if s.opts.Generation == 2020 {
		v.tmpl = "identifier-2020.html"
		v.URL = "/ServiceLogin"
		fields := []field{
			{Name: "Page", Value: "PasswordSeparationSignIn", rule: fixed},
			{Name: "gxf", Value: f.gxf, ID: "gxf", rule: fixed},
			{Name: "continue", Value: f.cont, rule: fixed},
			{Name: "followup", Value: f.cont, rule: fixed},
			{Name: "ltmpl", Value: "popup", rule: fixed},
			{Name: "scc", Value: "1", rule: fixed},
			{Name: "sarp", Value: "1", rule: fixed},
			{Name: "oauth", Value: "1", rule: fixed},
			{Name: "faa", Value: "1", rule: fixed},
			{Name: "ProfileInformation", rule: fixed},
			{Name: "SessionState", rule: fixed},
			{Name: "PersistentCookie", Value: "yes", rule: free},
			{Name: "bgresponse", Value: "js_disabled", ID: "bgresponse", rule: botguard},
			{Name: "Email", rule: need},
			{Name: "signIn", rule: opt},
		}
		if v.Captcha != "" {
			fields = append(fields, field{Name: "identifier-token", Value: v.Captcha, rule: fixed},
				field{Name: "identifier-captcha-input", rule: need})
		}
		v.Form = &form{Action: "/signin/v1/lookup", Fields: fields}
		return
	}
	v.tmpl = "identifier-2024.html"
	v.URL = s.v3URL(f, "", 0)
	fields := []field{
		{Name: "identifier", rule: need},
		{Name: "hiddenPassword", rule: opt},
		{Name: "usi", Value: f.usi, rule: fixed},
		{Name: "domain", rule: fixed},
		{Name: "region", Value: "US", rule: fixed},
		{Name: "bgresponse", Value: "js_disabled", ID: "bgresponse", rule: botguard},
		{Name: "at", Value: f.at, rule: fixed},
		{Name: "action", rule: opt},
	}
	if v.Captcha != "" {
		fields = append(fields, field{Name: "ct", Value: v.Captcha, ID: "ct", rule: fixed}, field{Name: "ca", rule: need})
	}
	v.Form = &form{Action: v.URL, Fields: fields}
}

func (s *Server) factorView(f *flow, v *view) {
	k := s.opts.Second[f.factor]
	id := firstFactorID + f.factor
	v.Kind = string(k)
	var fields []field
	pin := func(prompt, pinID string) {
		v.Prompt, v.PinID = prompt, pinID
		fields = append(fields, field{Name: "Pin", rule: need})
	}
	switch k {
	case TOTP:
		pin("Get a verification code from the Google Authenticator app", "totpPin")
	case SMS:
		if f.sent {
			pin("A text message with a 6-digit verification code was just sent to your phone.", "idvPreregisteredPhonePin")
		} else {
			v.Kind = "ipp-send"
			fields = append(fields, field{Name: "SendMethod", rule: opt})
		}
	case BackupCode:
		pin("Enter one of your 8-digit backup codes", "backupCodePin")
	case SecurityCode:
		pin("Get a one-time security code at g.co/sc on a device where your security key works", "securityCodePin")
	case DevicePrompt:
		v.Number = s.number
	case GooglePrompt:
		v.APIKey, v.TxID, v.GAPIURL = s.apiKey, f.txID, "https://apis.google.com/js/base.js"
		fields = append(fields, field{Name: "token", ID: "authzenToken", rule: free})
		if s.opts.Generation == 2020 {
			fields = append(fields, field{Name: "action", Value: "VERIFY", ID: "azAction", rule: fixed})
		}
	case SecurityKey, Passkey:
		v.SecurityKeyUI = s.challengeUI(f, k)
		fields = append(fields, field{Name: "id-challenge", Value: b64url.EncodeToString(f.challenge), rule: fixed},
			field{Name: "id-assertion", rule: free})
	}
	if s.opts.Generation == 2020 {
		v.URL = fmt.Sprintf("/signin/challenge/%s/%d", k, id)
		v.Form = &form{Action: v.URL, Fields: append(append(s.factorFields(f, id, k.challengeType()), fields...),
			field{Name: "TrustDevice", rule: opt})}
		v.Skip = &form{Action: "/signin/challenge/skip", Fields: s.factorFields(f, id, 0)}
		return
	}
	v.URL = s.v3URL(f, string(k), id)
	v.Form = &form{Action: v.URL, Fields: append(fields,
		field{Name: "TrustDevice", Value: "true", rule: free},
		field{Name: "at", Value: f.at, rule: fixed},
		field{Name: "action", rule: opt})}
	// The 2024 pages' "Try another way" is a button of the main form
	// (action=3, as on the captured password page); the separate skip form
	// is the emulator's addition so that both generations have one.
	v.Skip = &form{Action: s.v3URL(f, "skip", id), Fields: []field{{Name: "at", Value: f.at, rule: fixed}}}
}

func (s *Server) selectionView(f *flow, v *view) {
	if s.opts.Generation == 2020 {
		v.tmpl = "selection-2020.html"
		v.URL = "/signin/selectchallenge/1"
		for i, k := range s.opts.Second {
			id := firstFactorID + i
			fields := append([]field{{Name: "subAction", Value: "startChallenge", rule: fixed}},
				s.factorFields(f, id, k.challengeType())...)
			if k == SMS {
				fields = append(fields, field{Name: "SendMethod", Value: "SMS", rule: fixed})
			}
			v.Entries = append(v.Entries, &form{
				Action: fmt.Sprintf("/signin/challenge/%s/%d", k, id), EntryID: id, Label: k.label(),
				Fields: append(fields, field{Name: "TrustDevice", rule: opt}), entry: true, factor: i,
			})
		}
		return
	}
	v.tmpl = "selection-2024.html"
	v.URL = s.v3URL(f, "selection", 0)
	for i, k := range s.opts.Second {
		o := option{ID: firstFactorID + i, Type: k.challengeType(), Label: k.label(), Unavailable: !s.available(k)}
		if k == SMS {
			o.SendMethod = "SMS"
		}
		v.Options = append(v.Options, o)
	}
	v.Form = &form{Action: v.URL, Fields: []field{
		{Name: "challengeListId", Value: "1", rule: fixed},
		{Name: "at", Value: f.at, rule: fixed},
		{Name: "selectedChallenge", rule: opt},
		{Name: "challenge", rule: opt},
	}}
}

// v3URL is a 2024 page's address: /v3/signin/identifier for kind "", else
// /v3/signin/challenge/<kind>, with TL, cid (if not 0) and the flow's
// parameters.
func (s *Server) v3URL(f *flow, kind string, cid int) string {
	q := url.Values{
		"TL": {f.tl}, "continue": {f.cont}, "followup": {f.cont}, "dsh": {f.dsh}, "faa": {"1"},
		"flowEntry": {"ServiceLogin"}, "flowName": {"WebLiteSignIn"}, "hl": {f.hl()}, "ifkv": {f.ifkv},
	}
	if cid != 0 {
		q.Set("cid", strconv.Itoa(cid))
	}
	if kind == "" {
		return "/v3/signin/identifier?" + q.Encode()
	}
	return "/v3/signin/challenge/" + kind + "?" + q.Encode()
}

// glifFields are the hidden fields of the 2020 password page
// (form-password-challengeid-1.html).
func (s *Server) glifFields(f *flow, id, typ int) []field {
	return []field{
		{Name: "challengeId", Value: strconv.Itoa(id), ID: "challengeId", rule: fixed},
		{Name: "challengeType", Value: strconv.Itoa(typ), ID: "challengeType", rule: fixed},
		{Name: "ifkv", Value: f.ifkv, rule: fixed},
		{Name: "continue", Value: f.cont, rule: fixed},
		{Name: "flowName", Value: "WEB_SETUP_GLIF", rule: fixed},
		{Name: "followup", Value: f.cont, rule: fixed},
		{Name: "faa", Value: "1", rule: fixed},
		{Name: "hl", Value: f.hl(), rule: fixed},
		{Name: "oauth", Value: "1", rule: fixed},
		{Name: "sarp", Value: "1", rule: fixed},
		{Name: "scc", Value: "1", rule: fixed},
		{Name: "ltmpl", Value: "popup", rule: fixed},
		{Name: "TL", Value: f.tl, rule: fixed},
		{Name: "gxf", Value: f.gxf, ID: "gxf", rule: fixed},
	}
}

// factorFields are the hidden fields of the 2020 second-factor pages
// (challenge-totp.html); typ 0 leaves challengeType out, as the skip form
// does.
func (s *Server) factorFields(f *flow, id, typ int) []field {
	fields := []field{{Name: "challengeId", Value: strconv.Itoa(id), ID: "challengeId", rule: fixed}}
	if typ != 0 {
		fields = append(fields, field{Name: "challengeType", Value: strconv.Itoa(typ), ID: "challengeType", rule: fixed})
	}
	return append(fields,
		field{Name: "continue", Value: f.cont, rule: fixed},
		field{Name: "scc", Value: "1", rule: fixed},
		field{Name: "sarp", Value: "1", rule: fixed},
		field{Name: "checkedDomains", Value: "youtube", rule: fixed},
		field{Name: "pstMsg", Value: "0", rule: fixed},
		field{Name: "TL", Value: f.tl, rule: fixed},
		field{Name: "gxf", Value: f.gxf, ID: "gxf", rule: fixed},
	)
}

// match finds the form of the page that a POST answers.
func (v *view) match(r *http.Request) (*form, string) {
	forms := append([]*form{}, v.Entries...)
	if v.Form != nil {
		forms = append(forms, v.Form)
	}
	if v.Skip != nil {
		forms = append(forms, v.Skip)
	}
	for _, fm := range forms {
		u, err := url.Parse(fm.Action)
		if err != nil || u.Path != r.URL.Path {
			continue
		}
		if problem := sameTarget(r, fm.Action); problem != "" {
			return nil, problem
		}
		return fm, ""
	}
	return nil, fmt.Sprintf("no form of the page the sign-in is on (%s) posts to %s", v.URL, r.URL.Path)
}

// sameTarget says what is wrong when r is not addressed to target: another
// path, or another TL or cid.
func sameTarget(r *http.Request, target string) string {
	u, err := url.Parse(target)
	if err != nil {
		return err.Error()
	}
	if u.Path != r.URL.Path {
		return fmt.Sprintf("the sign-in is at %s, not %s", u.Path, r.URL.Path)
	}
	want, got := u.Query(), r.URL.Query()
	for _, k := range []string{"TL", "cid"} {
		if want.Get(k) != got.Get(k) {
			return fmt.Sprintf("%s is %q, want %q", k, got.Get(k), want.Get(k))
		}
	}
	return ""
}

// browserBotguard is what the Botguard stand-in script sets bgresponse
// to in a browser.
const browserBotguard = "js_enabled;bg=42"

// check compares a POSTed form with the form it answers. rejected is set
// when bgresponse is neither js_enabled nor the script's answer, and also
// when it is js_enabled and strict is set (Options.Botguard: only a
// browser that ran the script gets through).
func check(vals url.Values, fields []field, strict bool) (problem string, rejected bool) {
	known := map[string]bool{}
	for _, fd := range fields {
		known[fd.Name] = true
		got, sent := vals[fd.Name]
		switch {
		case sent && len(got) != 1:
			return fmt.Sprintf("field %q sent %d times", fd.Name, len(got)), false
		case !sent && (fd.rule == fixed || fd.rule == same || fd.rule == botguard || fd.rule == need):
			return fmt.Sprintf("field %q missing", fd.Name), false
		case sent && (fd.rule == fixed || fd.rule == same) && got[0] != fd.Value:
			return fmt.Sprintf("field %q is %q, the page gave %q", fd.Name, got[0], fd.Value), false
		case sent && fd.rule == botguard && got[0] != browserBotguard && (strict || got[0] != "js_enabled"):
			rejected = true
		}
	}
	var unknown []string
	for name := range vals {
		if !known[name] {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Sprintf("fields %q are not in the form", unknown), false
	}
	return "", rejected
}

// challengeType is the number Google's method lists give the factor; 0 for
// an unknown factor.
func (k Factor) challengeType() int {
	switch k {
	case TOTP:
		return 6
	case SMS:
		return 9
	case DevicePrompt:
		return 39
	case GooglePrompt:
		return 4
	case BackupCode:
		return 8
	case SecurityCode:
		return 37
	case SecurityKey:
		return 2
	case Passkey:
		return 53
	}
	return 0
}

// available is false for the methods the 2024 selection page marks
// data-challengeunavailable: the WebAuthn ones, unless the account has a
// Credential.
func (s *Server) available(k Factor) bool {
	return k != SecurityKey && k != Passkey || s.opts.Credential != nil
}

func (k Factor) label() string {
	switch k {
	case TOTP:
		return "Get a verification code from the Google Authenticator app"
	case SMS:
		return "Get a verification code at (•••) •••-••55"
	case DevicePrompt:
		return "Tap Yes on your phone or tablet"
	case GooglePrompt:
		return "Get a Google prompt on your phone"
	case BackupCode:
		return "Enter one of your 8-digit backup codes"
	case SecurityCode:
		return "Get a one-time security code"
	case SecurityKey:
		return "Use your Security Key"
	case Passkey:
		return "Use your passkey"
	}
	return string(k)
}
