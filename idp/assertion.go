package idp

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/crewjam/saml"
)

// MaxAssertionSize is the largest input, in bytes, that ParseAssertion (base64)
// and ParseAssertionXML (XML) accept. Real SAMLResponses stay far below it,
// even with hundreds of roles.
const MaxAssertionSize = 1 << 20

// Errors the assertion parser wraps; test for them with errors.Is.
var (
	// ErrTooLarge means the SAMLResponse is over MaxAssertionSize; it was not decoded.
	ErrTooLarge = errors.New("the IdP's answer is over 1 MiB, too large for a SAMLResponse")
	// ErrNotBase64 means the SAMLResponse is not base64 text.
	ErrNotBase64 = errors.New("the IdP's answer is not base64")
	// ErrNotXML means the decoded SAMLResponse is not XML, or not a SAML 2.0 Response.
	ErrNotXML = errors.New("the IdP's answer is not a SAML 2.0 response")
	// ErrNoRoles means the response grants no AWS role: it has no assertion,
	// no Role attribute, or an empty one.
	ErrNoRoles = errors.New("the IdP's assertion grants no AWS role")
)

// RoleValueError reports a value of the Role attribute that is not a pair of
// one IAM role ARN and one SAML provider ARN.
type RoleValueError struct {
	// Value is the attribute value as the IdP sent it, spaces trimmed.
	Value string
	// Reason says what is wrong with it, if known.
	Reason string
}

func (e *RoleValueError) Error() string {
	msg := fmt.Sprintf("the IdP's Role attribute value %q is not a role/principal pair", clip(e.Value, 300))
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg + `; the IdP's AWS app must send "arn:aws:iam::<12-digit account>:role/<name>,arn:aws:iam::<12-digit account>:saml-provider/<name>"`
}

// FieldError reports a value in the assertion that awsfed relies on and
// cannot read: a validity date or the SessionDuration attribute.
type FieldError struct {
	// Field names the value, such as "Conditions NotOnOrAfter",
	// "SubjectConfirmationData NotOnOrAfter" or "SessionDuration attribute".
	Field string
	// Value is the value as the IdP sent it.
	Value string
	// Want describes a readable value.
	Want string
	// Err is the parse error, if any.
	Err error
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("the assertion's %s %q is not %s; the IdP's SAML settings need fixing", e.Field, clip(e.Value, 100), e.Want)
}

func (e *FieldError) Unwrap() error { return e.Err }

// AccountID returns the 12-digit AWS account of the role, or "" if RoleARN is
// not an IAM ARN.
func (r Role) AccountID() string {
	if f, ok := arnFields(r.RoleARN); ok {
		return f[4]
	}
	return ""
}

// Partition returns the AWS partition of the role ("aws", "aws-cn" or
// "aws-us-gov"), or "" if RoleARN is not an ARN.
func (r Role) Partition() string {
	if f, ok := arnFields(r.RoleARN); ok {
		return f[1]
	}
	return ""
}

// Name returns the role's name without its path ("admin" for
// "arn:aws:iam::123456789012:role/ops/admin"), or "" if RoleARN is not a
// role ARN.
func (r Role) Name() string {
	f, ok := arnFields(r.RoleARN)
	if !ok || !strings.HasPrefix(f[5], "role/") {
		return ""
	}
	return f[5][strings.LastIndexByte(f[5], '/')+1:]
}

// arnFields splits an ARN into its six fields: "arn", partition, service,
// region, account and resource.
func arnFields(arn string) ([]string, bool) {
	f := strings.SplitN(arn, ":", 6)
	return f, len(f) == 6 && f[0] == "arn"
}

// ParseAssertion parses a base64 SAMLResponse as an IdP posts it. It accepts
// the standard and the URL-safe alphabet, with or without padding, and
// ignores spaces and line breaks. The returned Assertion's Raw is the
// response in standard padded base64, which STS accepts: the input itself
// when it already is, else the same bytes re-encoded.
//
// Errors wrap ErrTooLarge, ErrNotBase64, ErrNotXML or ErrNoRoles, or are a
// *RoleValueError or *FieldError; see ParseAssertionXML. An empty (or
// blank) SAMLResponse is a *RefusedError wrapping ErrNoAssertion: the IdP
// chose to send none.
func ParseAssertion(b64 string) (*Assertion, error) {
	if strings.TrimSpace(b64) == "" {
		return nil, &RefusedError{Err: ErrNoAssertion, Hint: "ask your IdP administrator whether your account may sign into AWS"}
	}
	if len(b64) > MaxAssertionSize {
		return nil, fmt.Errorf("%w (%d bytes of base64)", ErrTooLarge, len(b64))
	}
	doc, raw, err := decodeBase64(b64)
	if err != nil {
		return nil, err
	}
	a, err := parseResponse(doc)
	if err != nil {
		return nil, err
	}
	a.Raw = raw
	return a, nil
}

// ParseAssertionXML parses a SAML 2.0 Response document; Raw is set to its
// standard base64 encoding. It does not check the signature (STS does) nor
// compare the validity window with the clock (callers do, with NotBefore and
// NotOnOrAfter).
//
// Roles come from every https://aws.amazon.com/SAML/Attributes/Role attribute,
// in document order without duplicates; each value is "role ARN,principal
// ARN" in either order, spaces and extra commas ignored. NotOnOrAfter is the
// earliest of the Conditions' and the SubjectConfirmationData's, as STS
// enforces both. Elements written without a namespace are read as SAML ones.
//
// Errors: ErrTooLarge (over MaxAssertionSize), ErrNotXML (not XML, or its root
// is not a SAML 2.0 Response), ErrNoRoles (no assertion, or no or an empty Role
// attribute), *RoleValueError (a Role value that is not a role/principal
// pair), *FieldError (an unreadable validity date in Conditions or
// SubjectConfirmationData, or an unreadable SessionDuration).
func ParseAssertionXML(doc []byte) (*Assertion, error) {
	if len(doc) > MaxAssertionSize {
		return nil, fmt.Errorf("%w (%d bytes of XML)", ErrTooLarge, len(doc))
	}
	a, err := parseResponse(doc)
	if err != nil {
		return nil, err
	}
	a.Raw = base64.StdEncoding.EncodeToString(doc)
	return a, nil
}

// decodeBase64 decodes s leniently and returns the bytes with their standard
// padded encoding.
func decodeBase64(s string) (doc []byte, canonical string, err error) {
	// Fast path: what a form post carries. The decoder skips line breaks,
	// which must not reach Raw.
	if !strings.ContainsAny(s, "\r\n") {
		if doc, err := base64.StdEncoding.Strict().DecodeString(s); err == nil {
			return doc, s, nil
		}
	}
	clean := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '+', c == '/', c == '=':
			clean = append(clean, c)
		case c == '-':
			clean = append(clean, '+')
		case c == '_':
			clean = append(clean, '/')
		case c == ' ', c == '\t', c == '\r', c == '\n':
		default:
			r, _ := utf8.DecodeRuneInString(s[i:])
			hint := ""
			switch c {
			case '<':
				hint = " (it looks like XML or HTML, not a base64 SAMLResponse)"
			case '%':
				hint = " (it looks URL-encoded; decode the form value first)"
			}
			return nil, "", fmt.Errorf("%w: it has %q at byte %d%s", ErrNotBase64, r, i, hint)
		}
	}
	clean = bytes.TrimRight(clean, "=")
	doc = make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
	n, err := base64.RawStdEncoding.Decode(doc, clean)
	if err != nil {
		return nil, "", &wrapError{
			msg:  ErrNotBase64.Error() + ": it is cut short or padded in the middle",
			errs: []error{ErrNotBase64, err},
		}
	}
	doc = doc[:n]
	return doc, base64.StdEncoding.EncodeToString(doc), nil
}

// SAML 2.0 namespaces and the attribute names AWS reads.
const (
	protocolNS               = "urn:oasis:names:tc:SAML:2.0:protocol"
	assertionNS              = "urn:oasis:names:tc:SAML:2.0:assertion"
	roleAttribute            = "https://aws.amazon.com/SAML/Attributes/Role"
	sessionNameAttribute     = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
	sessionDurationAttribute = "https://aws.amazon.com/SAML/Attributes/SessionDuration"
	successStatus            = "urn:oasis:names:tc:SAML:2.0:status:Success"
)

func parseResponse(doc []byte) (*Assertion, error) {
	if len(bytes.TrimSpace(doc)) == 0 {
		return nil, fmt.Errorf("%w: it is empty", ErrNotXML)
	}
	d := xml.NewTokenDecoder(samlTokens{xml.NewDecoder(bytes.NewReader(doc))})
	var start xml.StartElement
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil, fmt.Errorf("%w: it holds no XML element (it starts %q)", ErrNotXML, clip(string(bytes.TrimSpace(doc)), 40))
		}
		if err != nil {
			return nil, xmlError(err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			start = se
			break
		}
	}
	if start.Name.Space != protocolNS || start.Name.Local != "Response" {
		where := ""
		if start.Name.Space != "" {
			where = " in namespace " + clip(start.Name.Space, 80)
		}
		return nil, fmt.Errorf("%w: its root element is <%s>%s, want a SAML 2.0 <Response>", ErrNotXML, clip(start.Name.Local, 80), where)
	}
	var resp saml.Response
	if err := d.DecodeElement(&resp, &start); err != nil {
		return nil, xmlError(err)
	}
	return fromResponse(&resp)
}

// xmlError maps a decoding error to one wrapping ErrNotXML, keeping the
// *FieldError of an unreadable date as it is.
func xmlError(err error) error {
	var fe *FieldError
	if errors.As(err, &fe) {
		return fe
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("%w: it ends early", ErrNotXML)
	}
	return &wrapError{msg: ErrNotXML.Error() + ": " + clip(err.Error(), 200), errs: []error{ErrNotXML, err}}
}

// fromResponse extracts what AWS reads.
func fromResponse(r *saml.Response) (*Assertion, error) {
	sa := r.Assertion
	if sa == nil {
		return nil, noAssertion(r)
	}
	a := &Assertion{
		Destination: strings.TrimSpace(r.Destination),
		Issuer:      strings.TrimSpace(sa.Issuer.Value),
	}
	if a.Issuer == "" && r.Issuer != nil {
		a.Issuer = strings.TrimSpace(r.Issuer.Value)
	}
	if c := sa.Conditions; c != nil {
		a.NotBefore, a.NotOnOrAfter = c.NotBefore.UTC(), c.NotOnOrAfter.UTC()
	}
	if s := sa.Subject; s != nil {
		for _, sc := range s.SubjectConfirmations {
			d := sc.SubjectConfirmationData
			if d == nil {
				continue
			}
			if a.Destination == "" {
				a.Destination = strings.TrimSpace(d.Recipient)
			}
			// STS refuses the assertion after either NotOnOrAfter, so the
			// earlier one is what callers must go by.
			if !d.NotOnOrAfter.IsZero() && (a.NotOnOrAfter.IsZero() || d.NotOnOrAfter.Before(a.NotOnOrAfter)) {
				a.NotOnOrAfter = d.NotOnOrAfter.UTC()
			}
		}
	}

	hasRoleAttr := false
	seen := make(map[Role]bool)
	for _, st := range sa.AttributeStatements {
		for _, at := range st.Attributes {
			switch strings.TrimSpace(at.Name) {
			case roleAttribute:
				hasRoleAttr = true
				for _, v := range at.Values {
					role, ok, err := parseRoleValue(v.Value)
					if err != nil {
						return nil, err
					}
					if ok && !seen[role] {
						seen[role] = true
						a.Roles = append(a.Roles, role)
					}
				}
			case sessionNameAttribute:
				if a.RoleSessionName == "" {
					a.RoleSessionName = firstValue(at)
				}
			case sessionDurationAttribute:
				if a.SessionDuration != 0 {
					continue
				}
				if v := firstValue(at); v != "" {
					n, err := strconv.ParseUint(v, 10, 32)
					if err != nil || n == 0 {
						return nil, &FieldError{Field: "SessionDuration attribute", Value: v, Want: "a whole number of seconds like 3600", Err: err}
					}
					a.SessionDuration = time.Duration(n) * time.Second
				}
			}
		}
	}
	if len(a.Roles) == 0 {
		if hasRoleAttr {
			return nil, fmt.Errorf("%w: its %s attribute is empty; the IdP's AWS app gives this user no role", ErrNoRoles, roleAttribute)
		}
		return nil, fmt.Errorf("%w: it has no %s attribute; the IdP's AWS app must send one", ErrNoRoles, roleAttribute)
	}
	return a, nil
}

// noAssertion explains a response without a readable assertion.
func noAssertion(r *saml.Response) error {
	if r.EncryptedAssertion != nil {
		return fmt.Errorf("%w: the assertion is encrypted, so its roles cannot be read; turn off assertion encryption in the IdP's AWS app", ErrNoRoles)
	}
	if code := r.Status.StatusCode.Value; code != "" && code != successStatus {
		status := strings.TrimPrefix(code, "urn:oasis:names:tc:SAML:2.0:status:")
		if sub := r.Status.StatusCode.StatusCode; sub != nil && sub.Value != "" {
			status += "/" + strings.TrimPrefix(sub.Value, "urn:oasis:names:tc:SAML:2.0:status:")
		}
		msg := ""
		if m := r.Status.StatusMessage; m != nil && strings.TrimSpace(m.Value) != "" {
			msg = fmt.Sprintf(" (%q)", clip(strings.TrimSpace(m.Value), 200))
		}
		return fmt.Errorf("%w: the IdP answered with status %s%s and no assertion", ErrNoRoles, clip(status, 120), msg)
	}
	return fmt.Errorf("%w: the response holds no assertion", ErrNoRoles)
}

func firstValue(at saml.Attribute) string {
	for _, v := range at.Values {
		if s := strings.TrimSpace(v.Value); s != "" {
			return s
		}
	}
	return ""
}

// parseRoleValue reads one Role value. ok is false for a value with no ARN
// at all, which is skipped.
func parseRoleValue(value string) (role Role, ok bool, err error) {
	value = strings.TrimSpace(value)
	var arns []string
	for part := range strings.SplitSeq(value, ",") {
		if part = strings.TrimSpace(part); part != "" {
			arns = append(arns, part)
		}
	}
	if len(arns) == 0 {
		return Role{}, false, nil
	}
	if len(arns) != 2 {
		return Role{}, false, &RoleValueError{Value: value, Reason: fmt.Sprintf("it has %d comma-separated parts, not 2", len(arns))}
	}
	for _, arn := range arns {
		kind, reason := checkARN(arn)
		switch {
		case reason != "":
			return Role{}, false, &RoleValueError{Value: value, Reason: reason}
		case kind == "role" && role.RoleARN == "":
			role.RoleARN = arn
		case kind == "saml-provider" && role.PrincipalARN == "":
			role.PrincipalARN = arn
		default:
			return Role{}, false, &RoleValueError{Value: value, Reason: "it has two " + kind + " ARNs"}
		}
	}
	return role, true, nil
}

// checkARN says whether arn is an IAM "role" or "saml-provider" ARN, or why
// it is neither.
func checkARN(arn string) (kind, reason string) {
	q := strconv.Quote(clip(arn, 120))
	f, ok := arnFields(arn)
	if !ok {
		return "", q + " is not an ARN"
	}
	switch f[1] {
	case "aws", "aws-cn", "aws-us-gov":
	default:
		return "", fmt.Sprintf("%s is in partition %q, not aws, aws-cn or aws-us-gov", q, clip(f[1], 40))
	}
	if f[2] != "iam" {
		return "", fmt.Sprintf("%s is not an IAM ARN", q)
	}
	if f[3] != "" {
		return "", fmt.Sprintf("%s names region %q, which IAM ARNs leave empty", q, clip(f[3], 40))
	}
	if len(f[4]) != 12 || strings.Trim(f[4], "0123456789") != "" {
		return "", fmt.Sprintf("%s has account ID %q, not 12 digits", q, clip(f[4], 40))
	}
	kind, name, _ := strings.Cut(f[5], "/")
	switch kind {
	case "role":
		// An optional path, then the name: "role/name" or "role/a/b/name".
		// IAM allows paths up to 512 characters and names up to 64.
		last := name[strings.LastIndexByte(name, '/')+1:]
		if len(name) > 512+64 || len(last) > 64 {
			return "", fmt.Sprintf("%s has a role path or name longer than IAM allows", q)
		}
		for seg := range strings.SplitSeq(name, "/") {
			if !printable(seg) {
				return "", fmt.Sprintf("%s has an empty or malformed role path or name", q)
			}
		}
	case "saml-provider":
		if len(name) > 128 || !printable(name) || strings.Contains(name, "/") {
			return "", fmt.Sprintf("%s has an empty, malformed or overlong provider name", q)
		}
	default:
		return "", fmt.Sprintf("%s is neither a role nor a saml-provider", q)
	}
	return kind, ""
}

// printable reports whether s is non-empty printable ASCII without spaces,
// the characters IAM allows in paths and names.
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return s != ""
}

// samlTokens reads a SAML document's tokens. It puts elements written without
// a namespace into the SAML namespace they belong to, and checks dates on
// the way so that an unreadable one is reported with its name.
type samlTokens struct{ d *xml.Decoder }

func (s samlTokens) Token() (xml.Token, error) {
	tok, err := s.d.Token()
	switch t := tok.(type) {
	case xml.StartElement:
		t.Name.Space = samlSpace(t.Name)
		if err := checkDates(&t); err != nil {
			return nil, err
		}
		return t, err
	case xml.EndElement:
		t.Name.Space = samlSpace(t.Name)
		return t, err
	}
	return tok, err
}

// samlSpace returns the namespace of an element or, if it has none and its
// local name is that of a SAML element awsfed reads, the SAML namespace the
// name belongs to.
func samlSpace(n xml.Name) string {
	if n.Space != "" {
		return n.Space
	}
	switch n.Local {
	case "Response", "Status", "StatusCode", "StatusMessage", "StatusDetail":
		return protocolNS
	case "Assertion", "EncryptedAssertion", "Issuer", "Subject", "NameID",
		"SubjectConfirmation", "SubjectConfirmationData", "Conditions",
		"AudienceRestriction", "Audience", "OneTimeUse", "ProxyRestriction",
		"AuthnStatement", "AuthnContext", "AuthnContextClassRef", "SubjectLocality",
		"AttributeStatement", "Attribute", "AttributeValue":
		return assertionNS
	}
	return ""
}

// checkDates checks the date attributes of a SAML element. The validity
// window (Conditions and SubjectConfirmationData) must be readable: callers
// and STS rely on it, and a silently zero NotOnOrAfter would make an
// assertion look valid forever. Other dates (IssueInstant, AuthnInstant,
// SessionNotOnOrAfter) are not used by awsfed, so an unreadable one is
// dropped instead of failing the login. Readable dates without a time zone
// are rewritten in RFC 3339, as UTC, for the saml package.
func checkDates(t *xml.StartElement) error {
	if t.Name.Space != assertionNS && t.Name.Space != protocolNS {
		return nil
	}
	window := t.Name.Space == assertionNS && (t.Name.Local == "Conditions" || t.Name.Local == "SubjectConfirmationData")
	for i := 0; i < len(t.Attr); i++ {
		at := &t.Attr[i]
		if at.Name.Space != "" {
			continue
		}
		switch at.Name.Local {
		case "NotBefore", "NotOnOrAfter", "IssueInstant", "AuthnInstant", "SessionNotOnOrAfter":
		default:
			continue
		}
		v, err := samlDate(at.Value)
		switch {
		case err == nil:
			at.Value = v
		case window:
			return &FieldError{Field: t.Name.Local + " " + at.Name.Local, Value: at.Value, Want: "a date like 2024-05-01T12:00:00Z", Err: err}
		default:
			t.Attr = append(t.Attr[:i], t.Attr[i+1:]...)
			i--
		}
	}
	return nil
}

// samlDate returns an xs:dateTime in RFC 3339; one without a time zone is
// taken as UTC.
func samlDate(v string) (string, error) {
	s := strings.TrimSpace(v)
	_, err := time.Parse(time.RFC3339, s)
	if err == nil {
		return s, nil
	}
	if t, err2 := time.Parse("2006-01-02T15:04:05.999999999", s); err2 == nil {
		return t.Format(time.RFC3339Nano), nil
	}
	return "", err
}

// wrapError is an error with its own message that wraps several errors.
type wrapError struct {
	msg  string
	errs []error
}

func (e *wrapError) Error() string   { return e.msg }
func (e *wrapError) Unwrap() []error { return e.errs }

// clip shortens s to at most n bytes, on a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
