package ststest

import (
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
	"time"
)

// assertion is what the fake STS reads from a SAMLResponse.
type assertion struct {
	issuer       string
	nameID       string
	nameIDFormat string
	recipient    string
	// notOnOrAfter is the earliest of the Conditions' and the subject
	// confirmations' NotOnOrAfter; zero if none.
	notOnOrAfter        time.Time
	sessionNotOnOrAfter time.Time
	// roles holds each Role value as {role, principal}.
	roles          [][2]string
	sessionName    string
	hasSessionName bool
}

type xmlResponse struct {
	Issuer             string        `xml:"Issuer"`
	Assertion          *xmlAssertion `xml:"Assertion"`
	EncryptedAssertion *struct{}     `xml:"EncryptedAssertion"`
}

type xmlAssertion struct {
	Issuer  string `xml:"Issuer"`
	Subject struct {
		NameID struct {
			Format string `xml:"Format,attr"`
			Value  string `xml:",chardata"`
		} `xml:"NameID"`
		Confirmations []struct {
			Data struct {
				NotOnOrAfter string `xml:"NotOnOrAfter,attr"`
				Recipient    string `xml:"Recipient,attr"`
			} `xml:"SubjectConfirmationData"`
		} `xml:"SubjectConfirmation"`
	} `xml:"Subject"`
	Conditions struct {
		NotOnOrAfter string `xml:"NotOnOrAfter,attr"`
	} `xml:"Conditions"`
	AuthnStatements []struct {
		SessionNotOnOrAfter string `xml:"SessionNotOnOrAfter,attr"`
	} `xml:"AuthnStatement"`
	Attributes []struct {
		Name   string   `xml:"Name,attr"`
		Values []string `xml:"AttributeValue"`
	} `xml:"AttributeStatement>Attribute"`
}

var errUnreadable = errors.New("unreadable SAML response")

// parseAssertion reads a base64 SAMLResponse the way STS needs it. It checks
// no signature.
func parseAssertion(b64 string) (*assertion, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errUnreadable, err)
	}
	var r xmlResponse
	if err := xml.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("%w: %v", errUnreadable, err)
	}
	if r.Assertion == nil {
		return nil, fmt.Errorf("%w: no (unencrypted) Assertion", errUnreadable)
	}
	x := r.Assertion
	a := &assertion{
		issuer:       strings.TrimSpace(x.Issuer),
		nameID:       strings.TrimSpace(x.Subject.NameID.Value),
		nameIDFormat: x.Subject.NameID.Format,
	}
	if a.issuer == "" {
		a.issuer = strings.TrimSpace(r.Issuer)
	}
	limits := []string{x.Conditions.NotOnOrAfter}
	for _, c := range x.Subject.Confirmations {
		limits = append(limits, c.Data.NotOnOrAfter)
		if a.recipient == "" {
			a.recipient = c.Data.Recipient
		}
	}
	for _, l := range limits {
		t, err := parseSAMLTime(l)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errUnreadable, err)
		}
		if !t.IsZero() && (a.notOnOrAfter.IsZero() || t.Before(a.notOnOrAfter)) {
			a.notOnOrAfter = t
		}
	}
	for _, s := range x.AuthnStatements {
		t, err := parseSAMLTime(s.SessionNotOnOrAfter)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errUnreadable, err)
		}
		if !t.IsZero() && (a.sessionNotOnOrAfter.IsZero() || t.Before(a.sessionNotOnOrAfter)) {
			a.sessionNotOnOrAfter = t
		}
	}
	for _, at := range x.Attributes {
		switch {
		case strings.HasSuffix(at.Name, "/SAML/Attributes/Role"):
			for _, v := range at.Values {
				if pair, ok := splitRole(v); ok {
					a.roles = append(a.roles, pair)
				}
			}
		case strings.HasSuffix(at.Name, "/SAML/Attributes/RoleSessionName") && len(at.Values) > 0:
			a.sessionName = strings.TrimSpace(at.Values[0])
			a.hasSessionName = true
		}
	}
	return a, nil
}

// splitRole reads "role,principal" in either order, with stray spaces and
// empty parts.
func splitRole(v string) ([2]string, bool) {
	var pair [2]string
	for _, p := range strings.Split(v, ",") {
		p = strings.TrimSpace(p)
		switch {
		case p == "":
		case strings.Contains(p, ":role/") && pair[0] == "":
			pair[0] = p
		case strings.Contains(p, ":saml-provider/") && pair[1] == "":
			pair[1] = p
		default:
			return pair, false
		}
	}
	return pair, pair[0] != "" && pair[1] != ""
}

func parseSAMLTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339Nano, s)
}
