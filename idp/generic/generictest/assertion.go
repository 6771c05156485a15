package generictest

import (
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"strings"
	"time"
)

// The role DefaultSAMLResponse grants.
const (
	RoleARN      = "arn:aws:iam::123456789012:role/Developer"
	PrincipalARN = "arn:aws:iam::123456789012:saml-provider/TestIdP"
)

// DefaultSAMLResponse returns a base64 SAMLResponse granting RoleARN
// (written provider first, as some IdPs do), valid for five minutes.
func DefaultSAMLResponse() string {
	return SAMLResponse(AssertionOptions{Roles: []string{PrincipalARN + "," + RoleARN}})
}

// AssertionOptions shape a test SAMLResponse.
type AssertionOptions struct {
	// Roles are the Role attribute's values, "role,principal" in either order.
	Roles []string
	// SessionName is the RoleSessionName (default alice@example.com).
	SessionName string
	// SessionDuration is the SessionDuration attribute in seconds, if not 0.
	SessionDuration int
	// NotOnOrAfter ends the validity (default: five minutes from now).
	NotOnOrAfter time.Time
}

// SAMLResponse returns an unsigned base64 SAMLResponse as an IdP would post it.
func SAMLResponse(o AssertionOptions) string {
	if o.SessionName == "" {
		o.SessionName = "alice@example.com"
	}
	now := time.Now().UTC()
	if o.NotOnOrAfter.IsZero() {
		o.NotOnOrAfter = now.Add(5 * time.Minute)
	}
	esc := func(s string) string {
		var b strings.Builder
		_ = xml.EscapeText(&b, []byte(s))
		return b.String()
	}
	var attrs strings.Builder
	if len(o.Roles) > 0 {
		attrs.WriteString(`<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role">`)
		for _, r := range o.Roles {
			fmt.Fprintf(&attrs, `<saml:AttributeValue>%s</saml:AttributeValue>`, esc(r))
		}
		attrs.WriteString(`</saml:Attribute>`)
	}
	fmt.Fprintf(&attrs, `<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName"><saml:AttributeValue>%s</saml:AttributeValue></saml:Attribute>`, esc(o.SessionName))
	if o.SessionDuration != 0 {
		fmt.Fprintf(&attrs, `<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/SessionDuration"><saml:AttributeValue>%d</saml:AttributeValue></saml:Attribute>`, o.SessionDuration)
	}
	ts := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
	doc := fmt.Sprintf(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r1" Version="2.0" IssueInstant="%[1]s" Destination="https://signin.aws.amazon.com/saml">
<saml:Issuer>https://idp.example.com/metadata</saml:Issuer>
<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
<saml:Assertion ID="_a1" Version="2.0" IssueInstant="%[1]s">
<saml:Issuer>https://idp.example.com/metadata</saml:Issuer>
<saml:Subject><saml:NameID>alice</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="%[3]s" Recipient="https://signin.aws.amazon.com/saml"/></saml:SubjectConfirmation></saml:Subject>
<saml:Conditions NotBefore="%[2]s" NotOnOrAfter="%[3]s"><saml:AudienceRestriction><saml:Audience>urn:amazon:webservices</saml:Audience></saml:AudienceRestriction></saml:Conditions>
<saml:AttributeStatement>%[4]s</saml:AttributeStatement>
</saml:Assertion>
</samlp:Response>`, ts(now), ts(now.Add(-30*time.Second)), ts(o.NotOnOrAfter), attrs.String())
	return base64.StdEncoding.EncodeToString([]byte(doc))
}
