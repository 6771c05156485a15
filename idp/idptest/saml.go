// Package idptest builds SAMLResponses for tests, as an IdP would post them
// to AWS, so that IdP test servers and the fake STS speak of the same roles.
package idptest

import (
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"strings"
	"time"
)

// Default values of the assertions SAMLResponse builds.
const (
	// RoleARN and PrincipalARN are the role DefaultSAMLResponse grants.
	RoleARN      = "arn:aws:iam::123456789012:role/Developer"
	PrincipalARN = "arn:aws:iam::123456789012:saml-provider/TestIdP"
	// SessionName is the RoleSessionName attribute unless set otherwise.
	SessionName = "alice@example.com"
	// Issuer is the IdP entity ID in the assertions.
	Issuer = "https://idp.example.com/metadata"
)

// AssertionOptions shape a test SAMLResponse.
type AssertionOptions struct {
	// Roles are the Role attribute's values, "role,principal" in either
	// order; nil means one value granting RoleARN through PrincipalARN.
	Roles []string
	// SessionName is the RoleSessionName attribute (default SessionName).
	SessionName string
	// NoSessionName leaves the RoleSessionName attribute out.
	NoSessionName bool
	// SessionDuration is the SessionDuration attribute, if not 0.
	SessionDuration time.Duration
	// Now is the issue instant (default time.Now()).
	Now time.Time
	// NotOnOrAfter ends the assertion's validity (default Now + 5 minutes).
	NotOnOrAfter time.Time
	// SessionNotOnOrAfter, if set, is the AuthnStatement's limit on the
	// session, which caps what STS grants.
	SessionNotOnOrAfter time.Time
	// Destination is the Response's Destination (default AWS's sign-in
	// page, https://signin.aws.amazon.com/saml).
	Destination string
	// NameID is the subject (default "alice"), with NameIDFormat (default
	// persistent).
	NameID       string
	NameIDFormat string
}

// DefaultSAMLResponse returns a base64 SAMLResponse granting RoleARN through
// PrincipalARN, valid for five minutes.
func DefaultSAMLResponse() string { return SAMLResponse(AssertionOptions{}) }

// SAMLResponse returns an unsigned base64 SAMLResponse as an IdP posts it to
// AWS. The fake STS does not check signatures.
func SAMLResponse(o AssertionOptions) string {
	if o.Roles == nil {
		o.Roles = []string{RoleARN + "," + PrincipalARN}
	}
	if o.SessionName == "" {
		o.SessionName = SessionName
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.NotOnOrAfter.IsZero() {
		o.NotOnOrAfter = o.Now.Add(5 * time.Minute)
	}
	if o.NameID == "" {
		o.NameID = "alice"
	}
	if o.Destination == "" {
		o.Destination = "https://signin.aws.amazon.com/saml"
	}
	if o.NameIDFormat == "" {
		o.NameIDFormat = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
	}
	esc := func(s string) string {
		var b strings.Builder
		_ = xml.EscapeText(&b, []byte(s))
		return b.String()
	}
	ts := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

	var attrs strings.Builder
	if len(o.Roles) > 0 {
		attrs.WriteString(`<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role">`)
		for _, r := range o.Roles {
			fmt.Fprintf(&attrs, `<saml:AttributeValue>%s</saml:AttributeValue>`, esc(r))
		}
		attrs.WriteString(`</saml:Attribute>`)
	}
	if !o.NoSessionName {
		fmt.Fprintf(&attrs, `<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName"><saml:AttributeValue>%s</saml:AttributeValue></saml:Attribute>`, esc(o.SessionName))
	}
	if o.SessionDuration != 0 {
		fmt.Fprintf(&attrs, `<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/SessionDuration"><saml:AttributeValue>%d</saml:AttributeValue></saml:Attribute>`, int(o.SessionDuration/time.Second))
	}
	session := ""
	if !o.SessionNotOnOrAfter.IsZero() {
		session = fmt.Sprintf(` SessionNotOnOrAfter="%s"`, ts(o.SessionNotOnOrAfter))
	}
	doc := fmt.Sprintf(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r1" Version="2.0" IssueInstant="%[1]s" Destination="%[9]s">
<saml:Issuer>%[5]s</saml:Issuer>
<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
<saml:Assertion ID="_a1" Version="2.0" IssueInstant="%[1]s">
<saml:Issuer>%[5]s</saml:Issuer>
<saml:Subject><saml:NameID Format="%[7]s">%[6]s</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="%[3]s" Recipient="https://signin.aws.amazon.com/saml"/></saml:SubjectConfirmation></saml:Subject>
<saml:Conditions NotBefore="%[2]s" NotOnOrAfter="%[3]s"><saml:AudienceRestriction><saml:Audience>urn:amazon:webservices</saml:Audience></saml:AudienceRestriction></saml:Conditions>
<saml:AuthnStatement AuthnInstant="%[1]s"%[8]s SessionIndex="_s1"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>
<saml:AttributeStatement>%[4]s</saml:AttributeStatement>
</saml:Assertion>
</samlp:Response>`, ts(o.Now), ts(o.Now.Add(-30*time.Second)), ts(o.NotOnOrAfter), attrs.String(),
		esc(Issuer), esc(o.NameID), esc(o.NameIDFormat), session, esc(o.Destination))
	return base64.StdEncoding.EncodeToString([]byte(doc))
}
