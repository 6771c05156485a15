package idp

import (
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const (
	devARN      = "arn:aws:iam::123456789012:role/Dev"
	opsARN      = "arn:aws:iam::123456789012:role/Ops"
	idpARN      = "arn:aws:iam::123456789012:saml-provider/IdP"
	otherIdPARN = "arn:aws:iam::123456789012:saml-provider/Other"
	signinURL   = "https://signin.aws.amazon.com/saml"
)

var (
	dev = Role{RoleARN: devARN, PrincipalARN: idpARN}
	ops = Role{RoleARN: opsARN, PrincipalARN: idpARN}
)

// baseDoc is the Response the inline cases edit: one statement with
// ATTRIBUTES in it, a five-minute window, Destination and Recipient.
const baseDoc = `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r" Version="2.0" IssueInstant="2030-01-02T03:04:05Z" Destination="https://signin.aws.amazon.com/saml">
<saml:Issuer>https://idp.example.org/r</saml:Issuer>
<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
<saml:Assertion ID="_a" Version="2.0" IssueInstant="2030-01-02T03:04:05Z">
<saml:Issuer>https://idp.example.org</saml:Issuer>
<saml:Subject><saml:NameID>carol</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="2030-01-02T03:09:05Z" Recipient="https://signin.aws.amazon.com/saml"/></saml:SubjectConfirmation></saml:Subject>
<saml:Conditions NotBefore="2030-01-02T03:03:05Z" NotOnOrAfter="2030-01-02T03:09:05Z"/>
<saml:AuthnStatement AuthnInstant="2030-01-02T03:04:00Z"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>
<saml:AttributeStatement>ATTRIBUTES</saml:AttributeStatement>
</saml:Assertion>
</samlp:Response>`

// response returns baseDoc with attrs in its statement and each old, new
// pair of edits replaced.
func response(attrs string, edits ...string) []byte {
	doc := strings.Replace(baseDoc, "ATTRIBUTES", attrs, 1)
	for i := 0; i+1 < len(edits); i += 2 {
		if !strings.Contains(doc, edits[i]) {
			panic("edit target not in document: " + edits[i])
		}
		doc = strings.ReplaceAll(doc, edits[i], edits[i+1])
	}
	return []byte(doc)
}

// attribute returns a SAML Attribute named name with values.
func attribute(name string, values ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<saml:Attribute Name="%s">`, name)
	for _, v := range values {
		b.WriteString("<saml:AttributeValue>")
		_ = xml.EscapeText(&b, []byte(v))
		b.WriteString("</saml:AttributeValue>")
	}
	b.WriteString("</saml:Attribute>")
	return b.String()
}

func roles(values ...string) string { return attribute(roleAttribute, values...) }

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// base is what baseDoc yields with the dev role.
func base() Assertion {
	return Assertion{
		Roles:        []Role{dev},
		Destination:  signinURL,
		NotBefore:    date("2030-01-02T03:03:05Z"),
		NotOnOrAfter: date("2030-01-02T03:09:05Z"),
		Issuer:       "https://idp.example.org",
	}
}

// with returns base changed by f.
func with(f func(a *Assertion)) *Assertion {
	a := base()
	f(&a)
	return &a
}

// diff lists the fields of got that differ from want, Raw left aside.
func diff(got, want *Assertion) []string {
	var d []string
	if !reflect.DeepEqual(got.Roles, want.Roles) {
		d = append(d, fmt.Sprintf("Roles = %+v, want %+v", got.Roles, want.Roles))
	}
	if got.RoleSessionName != want.RoleSessionName {
		d = append(d, fmt.Sprintf("RoleSessionName = %q, want %q", got.RoleSessionName, want.RoleSessionName))
	}
	if got.SessionDuration != want.SessionDuration {
		d = append(d, fmt.Sprintf("SessionDuration = %v, want %v", got.SessionDuration, want.SessionDuration))
	}
	if got.Destination != want.Destination {
		d = append(d, fmt.Sprintf("Destination = %q, want %q", got.Destination, want.Destination))
	}
	if !got.NotBefore.Equal(want.NotBefore) || got.NotBefore.Location() != time.UTC {
		d = append(d, fmt.Sprintf("NotBefore = %v, want %v", got.NotBefore, want.NotBefore))
	}
	if !got.NotOnOrAfter.Equal(want.NotOnOrAfter) || got.NotOnOrAfter.Location() != time.UTC {
		d = append(d, fmt.Sprintf("NotOnOrAfter = %v, want %v", got.NotOnOrAfter, want.NotOnOrAfter))
	}
	if got.Issuer != want.Issuer {
		d = append(d, fmt.Sprintf("Issuer = %q, want %q", got.Issuer, want.Issuer))
	}
	return d
}

// checkErr fails t unless err is what want describes: a sentinel error
// (errors.Is), or a *RoleValueError or *FieldError whose non-empty fields
// equal err's (errors.As).
func checkErr(t *testing.T, err, want error) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v", want)
	}
	switch w := want.(type) {
	case *RoleValueError:
		var got *RoleValueError
		if !errors.As(err, &got) {
			t.Fatalf("got %v, want a *RoleValueError", err)
		}
		if w.Value != "" && got.Value != w.Value {
			t.Errorf("RoleValueError.Value = %q, want %q", got.Value, w.Value)
		}
		if w.Reason != "" && !strings.Contains(got.Reason, w.Reason) {
			t.Errorf("RoleValueError.Reason = %q, want it to contain %q", got.Reason, w.Reason)
		}
	case *FieldError:
		var got *FieldError
		if !errors.As(err, &got) {
			t.Fatalf("got %v, want a *FieldError", err)
		}
		if w.Field != "" && got.Field != w.Field {
			t.Errorf("FieldError.Field = %q, want %q", got.Field, w.Field)
		}
		if w.Value != "" && got.Value != w.Value {
			t.Errorf("FieldError.Value = %q, want %q", got.Value, w.Value)
		}
	default:
		if !errors.Is(err, want) {
			t.Fatalf("got %v, want an error wrapping %v", err, want)
		}
	}
}

func TestParseAssertionXML(t *testing.T) {
	tests := []struct {
		name    string
		doc     []byte
		want    *Assertion
		wantErr error
	}{
		{
			name: "one role with session name and duration",
			doc: response(roles(devARN+","+idpARN) +
				attribute(sessionNameAttribute, "carol@example.org") +
				attribute(sessionDurationAttribute, "3600")),
			want: with(func(a *Assertion) { a.RoleSessionName = "carol@example.org"; a.SessionDuration = time.Hour }),
		},
		{
			name: "principal first",
			doc:  response(roles(idpARN + "," + devARN)),
			want: with(func(*Assertion) {}),
		},
		{
			name: "stray spaces and extra commas",
			doc:  response(roles(" ,"+devARN+" ,, "+idpARN+" , ", "\n\t"+opsARN+",\n"+idpARN+",\n")),
			want: with(func(a *Assertion) { a.Roles = []Role{dev, ops} }),
		},
		{
			name: "duplicates removed, first order kept",
			doc:  response(roles(opsARN+","+idpARN, devARN+","+idpARN, idpARN+","+opsARN, opsARN+" , "+idpARN)),
			want: with(func(a *Assertion) { a.Roles = []Role{ops, dev} }),
		},
		{
			name: "same role through two providers is two roles",
			doc:  response(roles(devARN+","+idpARN, devARN+","+otherIdPARN)),
			want: with(func(a *Assertion) { a.Roles = []Role{dev, {RoleARN: devARN, PrincipalARN: otherIdPARN}} }),
		},
		{
			name: "several Role attributes in several statements are merged",
			doc: response(roles(devARN+","+idpARN),
				"</saml:AttributeStatement>", "</saml:AttributeStatement><saml:AttributeStatement>"+roles(opsARN+","+idpARN, devARN+","+idpARN)+"</saml:AttributeStatement>"),
			want: with(func(a *Assertion) { a.Roles = []Role{dev, ops} }),
		},
		{
			name: "empty values among good ones are skipped",
			doc:  response(roles("", " , ", devARN+","+idpARN)),
			want: with(func(*Assertion) {}),
		},
		{
			name: "xsi:type and FriendlyName",
			doc: response(`<saml:Attribute FriendlyName="Role" Name="https://aws.amazon.com/SAML/Attributes/Role" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">` +
				`<saml:AttributeValue xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="xs:anyType">` + devARN + "," + idpARN + `</saml:AttributeValue></saml:Attribute>`),
			want: with(func(*Assertion) {}),
		},
		{
			name: "aws-cn partition",
			doc:  response(roles("arn:aws-cn:iam::123456789012:role/Dev,arn:aws-cn:iam::123456789012:saml-provider/IdP")),
			want: with(func(a *Assertion) {
				a.Roles = []Role{{RoleARN: "arn:aws-cn:iam::123456789012:role/Dev", PrincipalARN: "arn:aws-cn:iam::123456789012:saml-provider/IdP"}}
			}),
		},
		{
			name: "aws-us-gov partition",
			doc:  response(roles("arn:aws-us-gov:iam::123456789012:saml-provider/IdP,arn:aws-us-gov:iam::123456789012:role/Dev")),
			want: with(func(a *Assertion) {
				a.Roles = []Role{{RoleARN: "arn:aws-us-gov:iam::123456789012:role/Dev", PrincipalARN: "arn:aws-us-gov:iam::123456789012:saml-provider/IdP"}}
			}),
		},
		{
			name: "role with a path and IAM's name characters",
			doc:  response(roles("arn:aws:iam::123456789012:role/team/ci/Deploy+Bot=1@x.y_z-w," + idpARN)),
			want: with(func(a *Assertion) {
				a.Roles = []Role{{RoleARN: "arn:aws:iam::123456789012:role/team/ci/Deploy+Bot=1@x.y_z-w", PrincipalARN: idpARN}}
			}),
		},
		{
			name: "no Destination: the Recipient",
			doc:  response(roles(devARN+","+idpARN), ` Destination="https://signin.aws.amazon.com/saml"`, "", `Recipient="https://signin.aws.amazon.com/saml"`, `Recipient="https://signin.amazonaws.cn/saml"`),
			want: with(func(a *Assertion) { a.Destination = "https://signin.amazonaws.cn/saml" }),
		},
		{
			name: "Destination wins over the Recipient",
			doc:  response(roles(devARN+","+idpARN), `Recipient="https://signin.aws.amazon.com/saml"`, `Recipient="https://elsewhere.example/saml"`),
			want: with(func(*Assertion) {}),
		},
		{
			name: "no Destination nor Recipient",
			doc:  response(roles(devARN+","+idpARN), ` Destination="https://signin.aws.amazon.com/saml"`, "", ` Recipient="https://signin.aws.amazon.com/saml"`, ""),
			want: with(func(a *Assertion) { a.Destination = "" }),
		},
		{
			name: "no Conditions: NotOnOrAfter from the SubjectConfirmationData",
			doc:  response(roles(devARN+","+idpARN), `<saml:Conditions NotBefore="2030-01-02T03:03:05Z" NotOnOrAfter="2030-01-02T03:09:05Z"/>`, ""),
			want: with(func(a *Assertion) { a.NotBefore = time.Time{} }),
		},
		{
			name: "no dates at all",
			doc: response(roles(devARN+","+idpARN), `<saml:Conditions NotBefore="2030-01-02T03:03:05Z" NotOnOrAfter="2030-01-02T03:09:05Z"/>`, "",
				` NotOnOrAfter="2030-01-02T03:09:05Z"`, ""),
			want: with(func(a *Assertion) { a.NotBefore, a.NotOnOrAfter = time.Time{}, time.Time{} }),
		},
		{
			name: "the earlier NotOnOrAfter wins: SubjectConfirmationData",
			doc:  response(roles(devARN+","+idpARN), `Conditions NotBefore="2030-01-02T03:03:05Z" NotOnOrAfter="2030-01-02T03:09:05Z"`, `Conditions NotBefore="2030-01-02T03:03:05Z" NotOnOrAfter="2030-01-02T04:04:05Z"`),
			want: with(func(*Assertion) {}),
		},
		{
			name: "the earlier NotOnOrAfter wins: Conditions",
			doc:  response(roles(devARN+","+idpARN), `SubjectConfirmationData NotOnOrAfter="2030-01-02T03:09:05Z"`, `SubjectConfirmationData NotOnOrAfter="2030-01-02T04:04:05Z"`),
			want: with(func(*Assertion) {}),
		},
		{
			name: "dates with an offset, fractions or no zone are read as UTC",
			doc: response(roles(devARN+","+idpARN),
				`NotBefore="2030-01-02T03:03:05Z"`, `NotBefore="2030-01-02T12:03:05.5+09:00"`,
				`NotOnOrAfter="2030-01-02T03:09:05Z"`, `NotOnOrAfter=" 2030-01-02T03:09:05.25 "`),
			want: with(func(a *Assertion) {
				a.NotBefore, a.NotOnOrAfter = date("2030-01-02T03:03:05.5Z"), date("2030-01-02T03:09:05.25Z")
			}),
		},
		{
			name: "unreadable dates awsfed does not use are ignored",
			doc: response(roles(devARN+","+idpARN),
				`IssueInstant="2030-01-02T03:04:05Z"`, `IssueInstant="yesterday"`,
				`AuthnInstant="2030-01-02T03:04:00Z"`, `AuthnInstant="2030-13-45T00:00:00Z" SessionNotOnOrAfter="never"`),
			want: with(func(*Assertion) {}),
		},
		{
			name: "session name and duration: first non-empty value, spaces trimmed",
			doc: response(roles(devARN+","+idpARN) +
				attribute(sessionNameAttribute, " ", "\n  carol \n", "other") +
				attribute(sessionDurationAttribute, "", " 900 ", "1800")),
			want: with(func(a *Assertion) { a.RoleSessionName = "carol"; a.SessionDuration = 15 * time.Minute }),
		},
		{
			name: "issuer from the Response when the Assertion has none",
			doc:  response(roles(devARN+","+idpARN), "<saml:Issuer>https://idp.example.org</saml:Issuer>", ""),
			want: with(func(a *Assertion) { a.Issuer = "https://idp.example.org/r" }),
		},
		{
			name: "elements without a namespace",
			doc: []byte(`<Response Destination="https://signin.aws.amazon.com/saml"><Issuer> https://idp.example.org </Issuer>
<Status><StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></Status>
<Assertion><Issuer>
  https://idp.example.org
</Issuer><Conditions NotBefore="2030-01-02T03:03:05Z" NotOnOrAfter="2030-01-02T03:09:05Z"/>
<AttributeStatement><Attribute Name="https://aws.amazon.com/SAML/Attributes/Role"><AttributeValue>
   ` + devARN + "," + idpARN + `
</AttributeValue></Attribute></AttributeStatement></Assertion></Response>`),
			want: with(func(*Assertion) {}),
		},
		{
			name: "byte order mark and XML declaration",
			doc:  append([]byte("\ufeff<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- from the IdP -->\n"), response(roles(devARN+","+idpARN))...),
			want: with(func(*Assertion) {}),
		},

		// Errors.
		{name: "empty", doc: nil, wantErr: ErrNotXML},
		{name: "only spaces", doc: []byte(" \n\t"), wantErr: ErrNotXML},
		{name: "plain text", doc: []byte("Service Unavailable"), wantErr: ErrNotXML},
		{name: "malformed XML", doc: []byte(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><a></b></samlp:Response>`), wantErr: ErrNotXML},
		{name: "cut short", doc: response(roles(devARN + "," + idpARN))[:400], wantErr: ErrNotXML},
		{name: "an HTML page", doc: []byte("<!DOCTYPE html>\n<html><head><title>Error</title></head><body><p>Try again</p></body></html>"), wantErr: ErrNotXML},
		{name: "a bare Assertion", doc: []byte(`<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"/>`), wantErr: ErrNotXML},
		{name: "a SAML 1.1 Response", doc: []byte(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:1.0:protocol"/>`), wantErr: ErrNotXML},
		{name: "too large", doc: []byte(strings.Repeat("<", MaxAssertionSize+1)), wantErr: ErrTooLarge},

		{name: "no Role attribute", doc: response(attribute(sessionNameAttribute, "carol")), wantErr: ErrNoRoles},
		{name: "empty Role attribute", doc: response(roles()), wantErr: ErrNoRoles},
		{name: "Role attribute with blank values", doc: response(roles("", " ", ",", " , ,")), wantErr: ErrNoRoles},
		{name: "no assertion", doc: []byte(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status></samlp:Response>`), wantErr: ErrNoRoles},
		{name: "refused by the IdP", doc: []byte(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder"><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"/></samlp:StatusCode><samlp:StatusMessage>user locked</samlp:StatusMessage></samlp:Status></samlp:Response>`), wantErr: ErrNoRoles},
		{name: "encrypted assertion", doc: []byte(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"><saml:EncryptedAssertion><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"/></saml:EncryptedAssertion></samlp:Response>`), wantErr: ErrNoRoles},

		{name: "role without principal", doc: response(roles(devARN+","+idpARN, devARN)), wantErr: &RoleValueError{Value: devARN, Reason: "1 comma-separated parts"}},
		{name: "three ARNs", doc: response(roles(devARN + "," + idpARN + "," + opsARN)), wantErr: &RoleValueError{Value: devARN + "," + idpARN + "," + opsARN, Reason: "3 comma-separated parts"}},
		{name: "two roles", doc: response(roles(devARN + "," + opsARN)), wantErr: &RoleValueError{Reason: "two role ARNs"}},
		{name: "two principals", doc: response(roles(idpARN + "," + otherIdPARN)), wantErr: &RoleValueError{Reason: "two saml-provider ARNs"}},
		{name: "not an ARN", doc: response(roles("Dev," + idpARN)), wantErr: &RoleValueError{Value: "Dev," + idpARN, Reason: `"Dev" is not an ARN`}},
		{name: "unknown partition", doc: response(roles("arn:aws-iso:iam::123456789012:role/Dev," + idpARN)), wantErr: &RoleValueError{Reason: `partition "aws-iso"`}},
		{name: "not IAM", doc: response(roles("arn:aws:sts::123456789012:assumed-role/Dev/carol," + idpARN)), wantErr: &RoleValueError{Reason: "not an IAM ARN"}},
		{name: "region in an IAM ARN", doc: response(roles("arn:aws:iam:us-east-1:123456789012:role/Dev," + idpARN)), wantErr: &RoleValueError{Reason: `region "us-east-1"`}},
		{name: "account with a lost leading zero", doc: response(roles("arn:aws:iam::12345678901:role/Dev,arn:aws:iam::12345678901:saml-provider/IdP")), wantErr: &RoleValueError{Reason: `account ID "12345678901", not 12 digits`}},
		{name: "account with letters", doc: response(roles("arn:aws:iam::12345678901x:role/Dev," + idpARN)), wantErr: &RoleValueError{Reason: "not 12 digits"}},
		{name: "no role name", doc: response(roles("arn:aws:iam::123456789012:role/," + idpARN)), wantErr: &RoleValueError{Reason: "role path or name"}},
		{name: "empty path segment", doc: response(roles("arn:aws:iam::123456789012:role/team//Dev," + idpARN)), wantErr: &RoleValueError{Reason: "role path or name"}},
		{name: "space in a role name", doc: response(roles("arn:aws:iam::123456789012:role/my role," + idpARN)), wantErr: &RoleValueError{Reason: "role path or name"}},
		{name: "provider with a path", doc: response(roles(devARN + ",arn:aws:iam::123456789012:saml-provider/a/b")), wantErr: &RoleValueError{Reason: "provider name"}},
		{name: "no provider name", doc: response(roles(devARN + ",arn:aws:iam::123456789012:saml-provider/")), wantErr: &RoleValueError{Reason: "provider name"}},
		{name: "a user, not a role", doc: response(roles("arn:aws:iam::123456789012:user/carol," + idpARN)), wantErr: &RoleValueError{Reason: "neither a role nor a saml-provider"}},

		{name: "unreadable Conditions NotOnOrAfter", doc: response(roles(devARN+","+idpARN), `NotOnOrAfter="2030-01-02T03:09:05Z"/>`, `NotOnOrAfter="tomorrow"/>`), wantErr: &FieldError{Field: "Conditions NotOnOrAfter", Value: "tomorrow"}},
		{name: "unreadable Conditions NotBefore", doc: response(roles(devARN+","+idpARN), `NotBefore="2030-01-02T03:03:05Z"`, `NotBefore="2030-01-02 03:03:05"`), wantErr: &FieldError{Field: "Conditions NotBefore"}},
		{name: "unreadable SubjectConfirmationData NotOnOrAfter", doc: response(roles(devARN+","+idpARN), `NotOnOrAfter="2030-01-02T03:09:05Z" Recipient`, `NotOnOrAfter="2030-01-02T25:09:05Z" Recipient`), wantErr: &FieldError{Field: "SubjectConfirmationData NotOnOrAfter"}},
		{name: "unreadable SubjectConfirmationData NotBefore", doc: response(roles(devARN+","+idpARN), `Recipient=`, `NotBefore="soon" Recipient=`), wantErr: &FieldError{Field: "SubjectConfirmationData NotBefore"}},
		{name: "empty NotOnOrAfter", doc: response(roles(devARN+","+idpARN), `NotOnOrAfter="2030-01-02T03:09:05Z"/>`, `NotOnOrAfter=""/>`), wantErr: &FieldError{Field: "Conditions NotOnOrAfter"}},
		{name: "SessionDuration with a unit", doc: response(roles(devARN+","+idpARN) + attribute(sessionDurationAttribute, "8h")), wantErr: &FieldError{Field: "SessionDuration attribute", Value: "8h"}},
		{name: "SessionDuration negative", doc: response(roles(devARN+","+idpARN) + attribute(sessionDurationAttribute, "-3600")), wantErr: &FieldError{Field: "SessionDuration attribute"}},
		{name: "SessionDuration zero", doc: response(roles(devARN+","+idpARN) + attribute(sessionDurationAttribute, "0")), wantErr: &FieldError{Field: "SessionDuration attribute"}},
		{name: "SessionDuration fraction", doc: response(roles(devARN+","+idpARN) + attribute(sessionDurationAttribute, "3600.5")), wantErr: &FieldError{Field: "SessionDuration attribute"}},
		{name: "SessionDuration huge", doc: response(roles(devARN+","+idpARN) + attribute(sessionDurationAttribute, "99999999999999")), wantErr: &FieldError{Field: "SessionDuration attribute"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseAssertionXML(tt.doc)
			if tt.wantErr != nil {
				checkErr(t, err, tt.wantErr)
				if got != nil {
					t.Errorf("got %+v with the error, want nil", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseAssertionXML: %v", err)
			}
			for _, d := range diff(got, tt.want) {
				t.Error(d)
			}
			if want := base64.StdEncoding.EncodeToString(tt.doc); got.Raw != want {
				t.Errorf("Raw = %.40q…, want the standard base64 of the document", got.Raw)
			}
		})
	}
}

func TestParseAssertionXMLErrorDetails(t *testing.T) {
	t.Run("syntax error stays reachable", func(t *testing.T) {
		_, err := ParseAssertionXML([]byte(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><a></b>`))
		var syn *xml.SyntaxError
		if !errors.As(err, &syn) {
			t.Errorf("got %v, want it to wrap an *xml.SyntaxError", err)
		}
	})
	t.Run("date error wraps the parse error", func(t *testing.T) {
		_, err := ParseAssertionXML(response(roles(devARN+","+idpARN), `NotOnOrAfter="2030-01-02T03:09:05Z"/>`, `NotOnOrAfter="tomorrow"/>`))
		var pe *time.ParseError
		if !errors.As(err, &pe) {
			t.Errorf("got %v, want it to wrap a *time.ParseError", err)
		}
	})
}

// TestErrorMessages checks that each message says what is wrong and what was
// expected, and never carries the document.
func TestErrorMessages(t *testing.T) {
	long := strings.Repeat("x", 5000)
	tests := []struct {
		name string
		err  func() error
		want []string // substrings
	}{
		{"not base64", func() error { _, err := ParseAssertion("PHNhbWw+\n<saml>"); return err },
			[]string{"the IdP's answer is not base64", `'<' at byte 9`, "looks like XML"}},
		{"url-encoded", func() error { _, err := ParseAssertion("PHNh%2BbWw"); return err },
			[]string{"not base64", "'%'", "URL-encoded"}},
		{"bad length", func() error { _, err := ParseAssertion("PHNhb"); return err },
			[]string{"not base64", "cut short"}},
		{"too large", func() error { _, err := ParseAssertion(strings.Repeat("A", MaxAssertionSize+1)); return err },
			[]string{"over 1 MiB", "1048577 bytes"}},
		{"plain text", func() error { _, err := ParseAssertionXML([]byte("Service Unavailable " + long)); return err },
			[]string{"not a SAML 2.0 response", "no XML element", `"Service Unavailable`}},
		{"html", func() error {
			_, err := ParseAssertionXML([]byte("<html><body>" + long + "</body></html>"))
			return err
		},
			[]string{"not a SAML 2.0 response", "root element is <html>, want a SAML 2.0 <Response>"}},
		{"wrong namespace", func() error {
			_, err := ParseAssertionXML([]byte(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:1.0:protocol"/>`))
			return err
		}, []string{"root element is <Response> in namespace urn:oasis:names:tc:SAML:1.0:protocol, want a SAML 2.0 <Response>"}},
		{"no Role attribute", func() error { _, err := ParseAssertionXML(response("")); return err },
			[]string{"grants no AWS role", "no https://aws.amazon.com/SAML/Attributes/Role attribute"}},
		{"status", func() error {
			_, err := ParseAssertionXML([]byte(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder"><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"/></samlp:StatusCode><samlp:StatusMessage>user locked</samlp:StatusMessage></samlp:Status></samlp:Response>`))
			return err
		}, []string{"grants no AWS role", "status Responder/AuthnFailed", `"user locked"`}},
		{"encrypted", func() error {
			_, err := ParseAssertionXML([]byte(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><EncryptedAssertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion"/></samlp:Response>`))
			return err
		}, []string{"encrypted", "turn off assertion encryption"}},
		{"role value", func() error {
			_, err := ParseAssertionXML(response(roles("arn:aws:iam::12345678901:role/Dev,arn:aws:iam::12345678901:saml-provider/IdP")))
			return err
		}, []string{`Role attribute value "arn:aws:iam::12345678901:role/Dev,arn:aws:iam::12345678901:saml-provider/IdP"`, "not a role/principal pair", `account ID "12345678901", not 12 digits`, "must send", "saml-provider/<name>"}},
		{"long role value is clipped", func() error { _, err := ParseAssertionXML(response(roles(devARN + long + "," + idpARN))); return err },
			[]string{"not a role/principal pair", "…"}},
		{"date", func() error {
			_, err := ParseAssertionXML(response(roles(devARN+","+idpARN), `NotOnOrAfter="2030-01-02T03:09:05Z" Recipient`, `NotOnOrAfter="`+long+`" Recipient`))
			return err
		}, []string{"the assertion's SubjectConfirmationData NotOnOrAfter", "is not a date like 2024-05-01T12:00:00Z", "…"}},
		{"duration", func() error {
			_, err := ParseAssertionXML(response(roles(devARN+","+idpARN) + attribute(sessionDurationAttribute, "12h")))
			return err
		}, []string{`SessionDuration attribute "12h" is not a whole number of seconds`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.err()
			if err == nil {
				t.Fatal("got no error")
			}
			msg := err.Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q lacks %q", msg, w)
				}
			}
			if len(msg) > 800 {
				t.Errorf("message is %d bytes long, want at most 800: %.200q…", len(msg), msg)
			}
			if msg != strings.TrimSpace(msg) || msg[:1] != strings.ToLower(msg[:1]) || strings.HasSuffix(msg, ".") {
				t.Errorf("message %q: want it lowercase, trimmed, without a final period", msg)
			}
		})
	}
}

func TestParseAssertion(t *testing.T) {
	// The comment's runs of '~' and '?' put '+' and '/' in the standard
	// encoding, '-' and '_' in the URL one, whatever their offset.
	var doc []byte
	for pad := ""; len(doc)%3 == 0; pad += " " {
		doc = response(roles(devARN+","+idpARN), "<saml:Issuer>https://idp.example.org</saml:Issuer>", "<saml:Issuer>https://idp.example.org</saml:Issuer><!--~~~~~~??????"+pad+"-->")
	}
	std := base64.StdEncoding.EncodeToString(doc)
	if !strings.ContainsAny(std, "+") || !strings.ContainsAny(std, "/") || !strings.HasSuffix(std, "=") {
		t.Fatalf("test document encodes as %q: want '+', '/' and padding in it", std)
	}
	url := base64.URLEncoding.EncodeToString(doc)
	wrap := func(s string, n int, sep string) string {
		var b strings.Builder
		for len(s) > n {
			b.WriteString(s[:n] + sep)
			s = s[n:]
		}
		b.WriteString(s)
		return b.String()
	}
	tests := []struct {
		name    string
		in      string
		wantErr error
	}{
		{name: "standard", in: std},
		{name: "standard without padding", in: strings.TrimRight(std, "=")},
		{name: "URL-safe", in: url},
		{name: "URL-safe without padding", in: strings.TrimRight(url, "=")},
		{name: "76-column lines", in: wrap(std, 76, "\n")},
		{name: "64-column CRLF lines and a final newline", in: wrap(std, 64, "\r\n") + "\r\n"},
		{name: "spaces, tabs, surrounding blanks", in: "  \t" + wrap(std, 10, " \t ") + "\n\n"},
		{name: "exactly the size limit", in: strings.Repeat("A", MaxAssertionSize), wantErr: ErrNotXML},
		{name: "empty: the IdP sent none", in: "", wantErr: ErrNoAssertion},
		{name: "blank: the IdP sent none", in: " \n", wantErr: ErrNoAssertion},
		{name: "raw XML", in: string(doc), wantErr: ErrNotBase64},
		{name: "URL-encoded", in: strings.ReplaceAll(std, "+", "%2B"), wantErr: ErrNotBase64},
		{name: "non-ASCII", in: "PHNhbWw+é", wantErr: ErrNotBase64},
		{name: "one character too many", in: std + "A", wantErr: ErrNotBase64},
		{name: "padding in the middle", in: std[:8] + "=" + std[8:], wantErr: ErrNotBase64},
		{name: "too large, checked before decoding", in: strings.Repeat("<", MaxAssertionSize+1), wantErr: ErrTooLarge},
		{name: "decodes to plain text", in: base64.StdEncoding.EncodeToString([]byte("Forbidden")), wantErr: ErrNotXML},
		{name: "decodes to an assertion without roles", in: base64.StdEncoding.EncodeToString(response("")), wantErr: ErrNoRoles},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseAssertion(tt.in)
			if tt.wantErr != nil {
				checkErr(t, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("ParseAssertion: %v", err)
			}
			if got.Raw != std {
				t.Errorf("Raw = %.40q…, want the standard padded encoding", got.Raw)
			}
			for _, d := range diff(got, with(func(*Assertion) {})) {
				t.Error(d)
			}
		})
	}
}

func TestParseAssertionRawKeepsCanonicalInput(t *testing.T) {
	in := base64.StdEncoding.EncodeToString(response(roles(devARN + "," + idpARN)))
	a, err := ParseAssertion(in)
	if err != nil {
		t.Fatal(err)
	}
	if a.Raw != in {
		t.Errorf("Raw = %.40q…, want the input", a.Raw)
	}
}

func TestParseAssertionTestdata(t *testing.T) {
	tests := []struct {
		file    string
		want    *Assertion
		wantErr error
	}{
		{file: "one-role.xml", want: &Assertion{
			Roles:           []Role{{RoleARN: "arn:aws:iam::314159265358:role/engineer", PrincipalARN: "arn:aws:iam::314159265358:saml-provider/staff-sso"}},
			RoleSessionName: "carol",
			SessionDuration: time.Hour,
			Destination:     signinURL,
			NotBefore:       date("2031-03-04T05:06:02Z"),
			NotOnOrAfter:    date("2031-03-04T05:11:07Z"),
			Issuer:          "https://sso.example.net/realms/staff",
		}},
		{file: "three-roles-two-accounts.xml", want: &Assertion{
			Roles: []Role{
				{RoleARN: "arn:aws:iam::111111111111:role/Admin", PrincipalARN: "arn:aws:iam::111111111111:saml-provider/CorpADFS"},
				{RoleARN: "arn:aws:iam::111111111111:role/ReadOnly", PrincipalARN: "arn:aws:iam::111111111111:saml-provider/CorpADFS"},
				{RoleARN: "arn:aws:iam::222222222222:role/ci/Deploy", PrincipalARN: "arn:aws:iam::222222222222:saml-provider/CorpADFS"},
			},
			RoleSessionName: "dave@corp.example",
			SessionDuration: 12 * time.Hour,
			Destination:     signinURL,
			NotBefore:       date("2031-05-06T07:08:04.123Z"),
			// The SubjectConfirmationData's, five minutes, not the Conditions' hour.
			NotOnOrAfter: date("2031-05-06T07:13:09.123Z"),
			Issuer:       "http://adfs.corp.example/adfs/services/trust",
		}},
		{file: "provider-first.xml", want: &Assertion{
			Roles: []Role{
				{RoleARN: "arn:aws:iam::271828182845:role/Billing", PrincipalARN: "arn:aws:iam::271828182845:saml-provider/Okta"},
				{RoleARN: "arn:aws:iam::271828182845:role/Support", PrincipalARN: "arn:aws:iam::271828182845:saml-provider/Okta"},
			},
			RoleSessionName: "erin@example.org",
			Destination:     signinURL,
			NotBefore:       date("2031-07-08T09:05:11.456Z"),
			NotOnOrAfter:    date("2031-07-08T09:15:11.456Z"),
			Issuer:          "http://www.okta.example/exk1a2b3c4",
		}},
		{file: "no-destination.xml", want: &Assertion{
			Roles:           []Role{{RoleARN: "arn:aws-cn:iam::161803398874:role/Operator", PrincipalARN: "arn:aws-cn:iam::161803398874:saml-provider/SimpleSAML"}},
			RoleSessionName: "frank",
			Destination:     "https://signin.amazonaws.cn/saml",
			NotBefore:       date("2031-09-10T11:11:43Z"),
			NotOnOrAfter:    date("2031-09-10T11:17:13Z"),
			Issuer:          "https://idp.example.cn/simplesaml/saml2/idp/metadata.php",
		}},
		{file: "expired.xml", want: &Assertion{
			Roles:        []Role{{RoleARN: "arn:aws-us-gov:iam::141421356237:role/Auditor", PrincipalARN: "arn:aws-us-gov:iam::141421356237:saml-provider/Shibboleth"}},
			Destination:  "https://signin.amazonaws-us-gov.com/saml",
			NotBefore:    date("2001-02-03T04:04:06Z"),
			NotOnOrAfter: date("2001-02-03T04:10:06Z"),
			Issuer:       "https://idp.agency.example/idp/shibboleth",
		}},
		{file: "not-xml.txt", wantErr: ErrNotXML},
		{file: "no-roles.xml", wantErr: ErrNoRoles},
		{file: "bad-role-value.xml", wantErr: &RoleValueError{Value: "arn:aws:iam::577215664901:role/Editor"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			doc, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseAssertion(base64.StdEncoding.EncodeToString(doc))
			if tt.wantErr != nil {
				checkErr(t, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("ParseAssertion: %v", err)
			}
			for _, d := range diff(got, tt.want) {
				t.Error(d)
			}
		})
	}
}

// fixtureWant is the expected outcome for one file of the shared SAML
// fixtures: an assertion (Raw aside) or an error.
type fixtureWant struct {
	want    *Assertion
	wantErr error
}

// TestSAMLFixtures runs the parser over every file of the shared fixture
// folder (assertions other tools' test suites use) and requires an entry
// below for each, so that a new fixture cannot go unchecked.
func TestSAMLFixtures(t *testing.T) {
	dir := os.Getenv("AWSFED_SAML_FIXTURES")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "fixtures", "saml")
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("no SAML fixtures at %s (set AWSFED_SAML_FIXTURES to a folder of them to run this test)", dir)
	}
	if err != nil {
		t.Fatal(err)
	}

	googleRoles := []Role{
		{RoleARN: "arn:aws:iam::123456789012:role/admin", PrincipalARN: "arn:aws:iam::123456789012:saml-provider/GoogleApps"},
		{RoleARN: "arn:aws:iam::123456789012:role/read-only", PrincipalARN: "arn:aws:iam::123456789012:saml-provider/GoogleApps"},
		{RoleARN: "arn:aws:iam::123456789012:role/test", PrincipalARN: "arn:aws:iam::123456789012:saml-provider/GoogleApps"},
	}
	// google returns the Google fixtures' assertion with the given window.
	// The files vary only the Conditions; their SubjectConfirmationData
	// always ends at 2017-07-24T10:36:41.125Z, and the earlier NotOnOrAfter
	// wins, as STS enforces both. So "no-expire" expires in 2017, and
	// "expired-before-valid" keeps its NotBefore after its NotOnOrAfter: the
	// parser reports the window, callers judge it against the clock.
	google := func(notBefore, notOnOrAfter string) *Assertion {
		return &Assertion{
			Roles:           googleRoles,
			RoleSessionName: "first.last@example.com",
			SessionDuration: 8 * time.Hour,
			Destination:     signinURL,
			NotBefore:       date(notBefore),
			NotOnOrAfter:    date(notOnOrAfter),
			Issuer:          "https://accounts.google.com/o/saml2?idpid=abcd12345",
		}
	}
	adfsRoles := []Role{
		{RoleARN: "arn:aws:iam::123123123123:role/AWS-Admin-CloudOPSBuild", PrincipalARN: "arn:aws:iam::123123123123:saml-provider/ExampleADFS"},
		{RoleARN: "arn:aws:iam::123123123123:role/AWS-Admin-CloudOPSNonProd", PrincipalARN: "arn:aws:iam::123123123123:saml-provider/ExampleADFS"},
	}
	adfs := &Assertion{
		Roles:           adfsRoles, // written principal first
		RoleSessionName: "wolfeidau@example.com",
		SessionDuration: 8 * time.Hour,
		Destination:     signinURL,
		NotBefore:       date("2016-09-10T02:54:39.371Z"),
		// The SubjectConfirmationData's 02:59:39.387, before the Conditions' 03:54:39.371.
		NotOnOrAfter: date("2016-09-10T02:59:39.387Z"),
		Issuer:       "http://id.example.com/adfs/services/trust",
	}

	// The gsts fixtures use 9-digit account IDs (and the GovCloud one a
	// region in an IAM ARN). AWS account IDs always have 12 digits and IAM
	// ARNs no region, so STS would refuse every one of these roles; the
	// parser says so up front, naming the value and the fault, instead of
	// handing on ARNs that end in a vague STS "not authorized". A real IdP
	// sends this when a spreadsheet drops an account's leading zeros.
	gsts := func(value string) fixtureWant {
		return fixtureWant{wantErr: &RoleValueError{Value: value}}
	}

	fixtures := map[string]fixtureWant{
		"google-valid-response.xml":                     {want: google("2017-07-24T10:26:41.125Z", "2017-07-24T10:36:41.125Z")},
		"google-too-many-commas.xml":                    {want: google("2017-07-24T10:26:41.125Z", "2017-07-24T10:36:41.125Z")},
		"google-saml-response-no-expire.xml":            {want: google("2010-07-24T10:26:41.125Z", "2017-07-24T10:36:41.125Z")},
		"google-saml-response-too-late.xml":             {want: google("2010-07-24T10:26:41.125Z", "2011-07-24T10:36:41.125Z")},
		"google-saml-response-too-soon.xml":             {want: google("2100-07-24T10:26:41.125Z", "2017-07-24T10:36:41.125Z")},
		"google-saml-response-expired-before-valid.xml": {want: google("2100-07-24T10:26:41.125Z", "2011-07-24T10:36:41.125Z")},

		"gsts-saml-session-basic.xml":                       gsts("arn:aws:iam::123456789:role/foobar,arn:aws:iam::123456789:saml-provider/GSuite"),
		"gsts-saml-session-basic-with-session-duration.xml": gsts("arn:aws:iam::123456789:role/foobar,arn:aws:iam::123456789:saml-provider/GSuite"),
		"gsts-saml-session-basic-with-multiple-roles.xml":   gsts("arn:aws:iam::987654321:role/Foobiz,arn:aws:iam::987654321:saml-provider/GSuite"),
		// The role is a valid aws-cn one; its principal has 9 digits (and
		// sits in the aws partition).
		"gsts-saml-session-basic-cn.xml":           gsts("arn:aws-cn:iam::123456789012:role/Foobar,arn:aws:iam::123456789:saml-provider/GSuite"),
		"gsts-saml-session-basic-gov-cloud-us.xml": gsts("arn:aws-us-gov:iam:us-gov-west-1:123456789012:role/Foobar,arn:aws:iam::123456789:saml-provider/GSuite"),

		"saml2aws-assertion.xml": {want: adfs},
		// No Response Destination: the SubjectConfirmationData's Recipient,
		// which is the same URL.
		"saml2aws-assertion_no_destination.xml": {want: adfs},
		// Its SubjectConfirmationData NotOnOrAfter is
		// "This-is-invalid-2016-09-10F32:59:39.387Z". That is an error, not
		// a zero time: STS enforces that date, and a zero NotOnOrAfter reads
		// as "no limit", so a caller checking expiry would wave through an
		// assertion STS refuses. The error names the attribute so the IdP
		// admin knows what to fix.
		"saml2aws-assertion_invalid_date.xml": {wantErr: &FieldError{Field: "SubjectConfirmationData NotOnOrAfter", Value: "This-is-invalid-2016-09-10F32:59:39.387Z"}},
		// PingFederate-style, with every element outside any namespace and
		// values padded with newlines and tabs; no SessionDuration.
		"saml2aws-assertion_pingfed.xml": {want: &Assertion{
			Roles: []Role{
				{RoleARN: "arn:aws:iam::456456456456:role/admin", PrincipalARN: "arn:aws:iam::456456456456:saml-provider/example-idp"},
				{RoleARN: "arn:aws:iam::456456456456:role/developer", PrincipalARN: "arn:aws:iam::456456456456:saml-provider/example-idp"},
				{RoleARN: "arn:aws:iam::789789789789:role/admin", PrincipalARN: "arn:aws:iam::789789789789:saml-provider/example-idp"},
				{RoleARN: "arn:aws:iam::123123123123:role/developer", PrincipalARN: "arn:aws:iam::123123123123:saml-provider/example-idp"},
				{RoleARN: "arn:aws:iam::123123123123:role/admin", PrincipalARN: "arn:aws:iam::123123123123:saml-provider/example-idp"},
			},
			RoleSessionName: "evan.mclean",
			Destination:     signinURL,
			NotBefore:       date("2016-09-23T23:24:25.315Z"),
			NotOnOrAfter:    date("2016-09-23T23:34:25.315Z"),
			Issuer:          "id:example:com:au:saml2",
		}},
		"saml2aws-notxml.xml": {wantErr: ErrNotXML},
	}

	seen := make(map[string]bool)
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		name := e.Name()
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			fw, ok := fixtures[name]
			if !ok {
				t.Fatalf("%s has no entry in the fixtures table: add its expected outcome to TestSAMLFixtures", filepath.Join(dir, name))
			}
			doc, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseAssertionXML(doc)
			if fw.wantErr != nil {
				checkErr(t, err, fw.wantErr)
			} else if err != nil {
				t.Fatalf("ParseAssertionXML: %v", err)
			} else {
				for _, d := range diff(got, fw.want) {
					t.Error(d)
				}
				if p := got.Roles[0].Partition(); p != "aws" {
					t.Errorf("Partition() = %q, want aws", p)
				}
			}
			// The base64 path must agree with the XML one.
			got64, err64 := ParseAssertion(base64.StdEncoding.EncodeToString(doc))
			if (err == nil) != (err64 == nil) || (err != nil && err.Error() != err64.Error()) {
				t.Errorf("ParseAssertion gives error %v, ParseAssertionXML %v", err64, err)
			}
			if got != nil && got64 != nil {
				if d := diff(got64, got); len(d) > 0 {
					t.Errorf("ParseAssertion and ParseAssertionXML differ: %v", d)
				}
			}
		})
	}
	for name := range fixtures {
		if !seen[name] {
			t.Errorf("the table expects %s, which is not in %s", name, dir)
		}
	}
}

func TestRoleAccessors(t *testing.T) {
	tests := []struct {
		arn                          string
		wantAccount, wantPart, wantN string
	}{
		{"arn:aws:iam::123456789012:role/Dev", "123456789012", "aws", "Dev"},
		{"arn:aws-cn:iam::123456789012:role/team/ci/Deploy", "123456789012", "aws-cn", "Deploy"},
		{"arn:aws-us-gov:iam::123456789012:role/Auditor", "123456789012", "aws-us-gov", "Auditor"},
		{"arn:aws:iam::123456789012:saml-provider/IdP", "123456789012", "aws", ""},
		{"not an arn", "", "", ""},
		{"", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.arn, func(t *testing.T) {
			r := Role{RoleARN: tt.arn, PrincipalARN: idpARN}
			if got := r.AccountID(); got != tt.wantAccount {
				t.Errorf("AccountID() = %q, want %q", got, tt.wantAccount)
			}
			if got := r.Partition(); got != tt.wantPart {
				t.Errorf("Partition() = %q, want %q", got, tt.wantPart)
			}
			if got := r.Name(); got != tt.wantN {
				t.Errorf("Name() = %q, want %q", got, tt.wantN)
			}
		})
	}
}

func BenchmarkParseAssertion3Roles(b *testing.B) {
	doc, err := os.ReadFile(filepath.Join("testdata", "three-roles-two-accounts.xml"))
	if err != nil {
		b.Fatal(err)
	}
	in := base64.StdEncoding.EncodeToString(doc)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		a, err := ParseAssertion(in)
		if err != nil || len(a.Roles) != 3 {
			b.Fatalf("ParseAssertion: %v, %d roles", err, len(a.Roles))
		}
	}
}

func FuzzParseAssertion(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		doc, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(doc)
		f.Add([]byte(base64.StdEncoding.EncodeToString(doc)))
	}
	f.Add(response(roles(" ,"+devARN+" ,, "+idpARN+" , ") + attribute(sessionDurationAttribute, "900")))
	f.Add([]byte("PHNhbWw+\n<saml>"))

	f.Fuzz(func(t *testing.T, in []byte) {
		for _, parse := range []func([]byte) (*Assertion, error){
			ParseAssertionXML,
			func(b []byte) (*Assertion, error) { return ParseAssertion(string(b)) },
		} {
			a, err := parse(in)
			if err != nil {
				var rv *RoleValueError
				var fe *FieldError
				if !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrNotBase64) && !errors.Is(err, ErrNotXML) && !errors.Is(err, ErrNoAssertion) &&
					!errors.Is(err, ErrNoRoles) && !errors.As(err, &rv) && !errors.As(err, &fe) {
					t.Fatalf("error of no documented kind: %v", err)
				}
				if n := len(err.Error()); n > 1200 {
					t.Fatalf("error message is %d bytes long", n)
				}
				if a != nil {
					t.Fatalf("got an assertion with error %v", err)
				}
				continue
			}
			if len(a.Roles) == 0 {
				t.Fatal("no error and no roles")
			}
			for _, r := range a.Roles {
				if r.Name() == "" || r.AccountID() == "" || r.Partition() == "" || !strings.Contains(r.PrincipalARN, ":saml-provider/") {
					t.Fatalf("malformed role accepted: %+v", r)
				}
			}
			if _, err := base64.StdEncoding.Strict().DecodeString(a.Raw); err != nil {
				t.Fatalf("Raw is not standard base64: %v", err)
			}
		}
	})
}
