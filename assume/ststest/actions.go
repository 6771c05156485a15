package ststest

import (
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// sessionNameRE is STS's rule for role session names, [\w+=,.@-]{2,64}.
var sessionNameRE = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)

// sessionCharsRE is AssumeRole's pattern for RoleSessionName.
var sessionCharsRE = regexp.MustCompile(`^[\w+=,.@-]*$`)

// validation collects parameter errors and reports them the way STS does:
// "N validation error(s) detected: A; B".
type validation []string

func (v *validation) required(field, value string, minLen int) {
	switch {
	case value == "":
		*v = append(*v, fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", field))
	case len(value) < minLen:
		*v = append(*v, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must have length greater than or equal to %d", value, field, minLen))
	}
}

// maxAssumeDuration and maxSessionTokenDuration are the upper bounds of
// DurationSeconds in the STS API reference: 12 h for AssumeRole*, 36 h for
// GetSessionToken.
const (
	maxAssumeDuration       = 43200
	maxSessionTokenDuration = 129600
)

// duration checks DurationSeconds against 900..max; the wording for a
// value that is not a number is a guess.
func (v *validation) duration(raw string, max int) {
	if raw == "" {
		return
	}
	var n int
	if _, err := fmt.Sscan(raw, &n); err != nil || fmt.Sprint(n) != raw {
		*v = append(*v, fmt.Sprintf("Value '%s' at 'durationSeconds' failed to satisfy constraint: Member must be an integer", raw))
		return
	}
	switch {
	case n < 900:
		*v = append(*v, fmt.Sprintf("Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900", n))
	case n > max:
		*v = append(*v, fmt.Sprintf("Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to %d", n, max))
	}
}

// serialRE and tokenCodeRE are the STS API reference's patterns for
// SerialNumber and TokenCode.
var (
	serialRE    = regexp.MustCompile(`^[\w+=/:,.@-]*$`)
	tokenCodeRE = regexp.MustCompile(`^[\d]*$`)
)

// mfa checks the form of SerialNumber (9 to 256 characters) and TokenCode
// (6 digits) as the API reference constrains them; whether they are right
// is a front's business (package mfafront).
func (v *validation) mfa(form url.Values) {
	if sn, ok := form["SerialNumber"]; ok {
		switch n := sn[0]; {
		case len(n) < 9:
			*v = append(*v, fmt.Sprintf("Value '%s' at 'serialNumber' failed to satisfy constraint: Member must have length greater than or equal to 9", n))
		case len(n) > 256:
			*v = append(*v, fmt.Sprintf("Value '%s' at 'serialNumber' failed to satisfy constraint: Member must have length less than or equal to 256", n))
		case !serialRE.MatchString(n):
			*v = append(*v, fmt.Sprintf("Value '%s' at 'serialNumber' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=/:,.@-]*", n))
		}
	}
	if tc, ok := form["TokenCode"]; ok {
		switch c := tc[0]; {
		case len(c) < 6:
			*v = append(*v, fmt.Sprintf("Value '%s' at 'tokenCode' failed to satisfy constraint: Member must have length greater than or equal to 6", c))
		case len(c) > 6:
			*v = append(*v, fmt.Sprintf("Value '%s' at 'tokenCode' failed to satisfy constraint: Member must have length less than or equal to 6", c))
		case !tokenCodeRE.MatchString(c):
			*v = append(*v, fmt.Sprintf("Value '%s' at 'tokenCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\d]*", c))
		}
	}
}

func (v validation) err() *apiError {
	switch len(v) {
	case 0:
		return nil
	case 1:
		return &apiError{400, "ValidationError", "1 validation error detected: " + v[0]}
	}
	return &apiError{400, "ValidationError", fmt.Sprintf("%d validation errors detected: %s", len(v), strings.Join(v, "; "))}
}

func (s *Server) assumeRoleWithSAML(req Request) (any, *apiError) {
	var v validation
	v.required("roleArn", req.RoleARN, 20)
	v.required("principalArn", req.PrincipalARN, 20)
	if req.SAMLAssertion == "" {
		v.required("sAMLAssertion", "", 4)
	}
	v.duration(req.Form.Get("DurationSeconds"), maxAssumeDuration)
	if e := v.err(); e != nil {
		return nil, e
	}

	a, err := parseAssertion(req.SAMLAssertion)
	if err != nil {
		// The code is what AWS uses for assertions it cannot accept; the
		// message for one it cannot even read is a guess.
		return nil, &apiError{400, "InvalidIdentityToken", "Invalid SAML Response"}
	}
	now := s.now()
	if !a.notOnOrAfter.IsZero() && !now.Before(a.notOnOrAfter) {
		return nil, errExpiredAssertion
	}
	if !a.hasSessionName || a.sessionName == "" {
		return nil, errNoSessionName
	}
	if !sessionNameRE.MatchString(a.sessionName) {
		return nil, errBadSessionName
	}
	role, ok := parseRoleARN(req.RoleARN)
	if !ok || !grants(a.roles, req.RoleARN, req.PrincipalARN) {
		return nil, errAccessDenied
	}
	d := time.Hour
	if req.DurationSeconds > 0 {
		d = time.Duration(req.DurationSeconds) * time.Second
	}
	if d > s.maxSessionDuration(req.RoleARN) {
		return nil, errMaxSessionDuration
	}
	exp := now.Add(d)
	if !a.sessionNotOnOrAfter.IsZero() && a.sessionNotOnOrAfter.Before(exp) {
		exp = a.sessionNotOnOrAfter
	}
	is := s.issue("AssumeRoleWithSAML", role, a.sessionName, exp, false)

	resp := &samlResponseXML{}
	r := &resp.Result
	r.Issuer = a.issuer
	r.AssumedRoleUser = assumedRoleUserXML{AssumedRoleID: is.AssumedRoleID, Arn: is.PrincipalARN}
	r.Credentials = s.credentialsXML(is)
	r.Audience = a.recipient
	r.SubjectType = strings.TrimPrefix(a.nameIDFormat, "urn:oasis:names:tc:SAML:2.0:nameid-format:")
	r.Subject = a.nameID
	// NameQualifier is BASE64(SHA1(Issuer + account ID + "/" + provider
	// name)), per the IAM User Guide on SAML federation.
	provider := req.PrincipalARN[strings.LastIndex(req.PrincipalARN, "/")+1:]
	sum := sha1.Sum([]byte(a.issuer + role.account + "/" + provider))
	r.NameQualifier = base64.StdEncoding.EncodeToString(sum[:])
	return resp, nil
}

func (s *Server) getCallerIdentity(r requestWithBody) (any, *apiError) {
	caller, e := s.authenticate(r)
	if e != nil {
		return nil, e
	}
	resp := &callerIdentityXML{}
	resp.Result.Arn = caller.arn()
	resp.Result.UserID = caller.userID()
	resp.Result.Account = accountOf(caller.arn())
	return resp, nil
}

func (s *Server) getSessionToken(r requestWithBody, req Request) (any, *apiError) {
	var v validation
	v.duration(req.Form.Get("DurationSeconds"), maxSessionTokenDuration)
	v.mfa(req.Form)
	if e := v.err(); e != nil {
		return nil, e
	}
	caller, e := s.authenticate(r)
	if e != nil {
		return nil, e
	}
	if caller.user == nil {
		// IAM User Guide, "Comparing the AWS STS API operations"; AWS's
		// answer as quoted in aws/aws-sdk-net#1704 and aws/aws-sdk-php#1876.
		return nil, &apiError{403, "AccessDenied", "Cannot call GetSessionToken with session credentials"}
	}
	d := 43200 * time.Second
	if req.DurationSeconds > 0 {
		d = time.Duration(req.DurationSeconds) * time.Second
	}
	is := s.issueForUser(*caller.user, s.now().Add(d))
	resp := &sessionTokenResponseXML{}
	resp.Result.Credentials = s.credentialsXML(is)
	return resp, nil
}

func (s *Server) assumeRole(r requestWithBody, req Request) (any, *apiError) {
	var v validation
	v.required("roleArn", req.RoleARN, 20)
	v.required("roleSessionName", req.RoleSessionName, 2)
	if n := req.RoleSessionName; n != "" && len(n) > 64 {
		v = append(v, fmt.Sprintf("Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64", n))
	}
	if n := req.RoleSessionName; n != "" && !sessionCharsRE.MatchString(n) {
		v = append(v, fmt.Sprintf("Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*", n))
	}
	v.duration(req.Form.Get("DurationSeconds"), maxAssumeDuration)
	v.mfa(req.Form)
	if e := v.err(); e != nil {
		return nil, e
	}
	caller, e := s.authenticate(r)
	if e != nil {
		return nil, e
	}
	if s.cfg.denied[req.RoleARN] {
		// AWS's wording for a trust policy that does not name the caller.
		return nil, &apiError{403, "AccessDenied", fmt.Sprintf("User: %s is not authorized to perform: sts:AssumeRole on resource: %s", caller.arn(), req.RoleARN)}
	}
	role, ok := parseRoleARN(req.RoleARN)
	if !ok {
		// Wording for a malformed role ARN is a guess.
		return nil, &apiError{400, "ValidationError", "Request ARN is invalid"}
	}
	d := time.Hour
	if req.DurationSeconds > 0 {
		d = time.Duration(req.DurationSeconds) * time.Second
	}
	// Role chaining is AssumeRole with role credentials; long-term keys
	// and GetSessionToken credentials get the role's full
	// MaxSessionDuration (IAM User Guide, "Roles terms and concepts").
	chained := caller.roleSession()
	if chained && d > time.Hour {
		return nil, errChainedDuration
	}
	if d > s.maxSessionDuration(req.RoleARN) {
		return nil, errMaxSessionDuration
	}
	is := s.issue("AssumeRole", role, req.RoleSessionName, s.now().Add(d), chained)
	resp := &assumeRoleResponseXML{}
	resp.Result.AssumedRoleUser = assumedRoleUserXML{AssumedRoleID: is.AssumedRoleID, Arn: is.PrincipalARN}
	resp.Result.Credentials = s.credentialsXML(is)
	return resp, nil
}

// grants reports whether the assertion's roles include role with principal.
func grants(roles [][2]string, role, principal string) bool {
	for _, p := range roles {
		if p[0] == role && p[1] == principal {
			return true
		}
	}
	return false
}

type roleARN struct {
	arn, partition, account, name string
}

// parseRoleARN reads arn:<partition>:iam::<account>:role/<path/>name.
func parseRoleARN(s string) (roleARN, bool) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" || parts[3] != "" ||
		len(parts[4]) != 12 || !strings.HasPrefix(parts[5], "role/") {
		return roleARN{}, false
	}
	name := parts[5][strings.LastIndex(parts[5], "/")+1:]
	if name == "" {
		return roleARN{}, false
	}
	return roleARN{arn: s, partition: parts[1], account: parts[4], name: name}, true
}

// accountOf returns the account field of an ARN, "" if it has none.
func accountOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 {
		return ""
	}
	return parts[4]
}

// parseUserARN reads arn:<partition>:iam::<account>:user/<path/>name and
// returns the name.
func parseUserARN(s string) (string, bool) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" || parts[3] != "" ||
		len(parts[4]) != 12 || !strings.HasPrefix(parts[5], "user/") {
		return "", false
	}
	name := parts[5][strings.LastIndex(parts[5], "/")+1:]
	return name, name != ""
}

// userIDFor returns a stable user id, "AIDA" and 17 characters, as IAM
// gives each user.
func userIDFor(arn string) string {
	sum := sha256.Sum256([]byte(arn))
	return "AIDA" + base32.StdEncoding.EncodeToString(sum[:])[:17]
}

// issueForUser makes and records GetSessionToken credentials of u.
func (s *Server) issueForUser(u IAMUser, exp time.Time) Issued {
	is := Issued{
		Action:          "GetSessionToken",
		AccessKeyID:     "ASIA" + rand.Text()[:16],
		SecretAccessKey: randomBase64(30),
		SessionToken:    "IQoJb3JpZ2luX2VjE" + randomBase64(300),
		Expiration:      s.truncate(exp),
		PrincipalARN:    u.ARN,
		AssumedRoleID:   userIDFor(u.ARN),
	}
	s.record(is)
	return is
}

func (s *Server) truncate(exp time.Time) time.Time {
	if s.cfg.fractional {
		return exp.Truncate(time.Microsecond).UTC()
	}
	return exp.Truncate(time.Second).UTC()
}

// issue makes and records credentials for a session of role.
func (s *Server) issue(action string, role roleARN, session string, exp time.Time, chained bool) Issued {
	exp = s.truncate(exp)
	roleID := roleIDFor(role.arn)
	is := Issued{
		Action:          action,
		AccessKeyID:     "ASIA" + rand.Text()[:16],
		SecretAccessKey: randomBase64(30),
		SessionToken:    "IQoJb3JpZ2luX2VjE" + randomBase64(300),
		Expiration:      exp.UTC(),
		RoleARN:         role.arn,
		PrincipalARN:    fmt.Sprintf("arn:%s:sts::%s:assumed-role/%s/%s", role.partition, role.account, role.name, session),
		AssumedRoleID:   roleID + ":" + session,
		SessionName:     session,
		Chained:         chained,
	}
	s.record(is)
	return is
}

func (s *Server) credentialsXML(is Issued) credentialsXML {
	return credentialsXML{
		AccessKeyID:     is.AccessKeyID,
		SecretAccessKey: is.SecretAccessKey,
		SessionToken:    is.SessionToken,
		Expiration:      s.formatExpiration(is.Expiration),
	}
}

// roleIDFor returns a stable role id, "AROA" and 17 characters, as IAM gives
// each role.
func roleIDFor(arn string) string {
	sum := sha256.Sum256([]byte(arn))
	return "AROA" + base32.StdEncoding.EncodeToString(sum[:])[:17]
}

func randomBase64(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// Issue makes credentials for a session of roleARN lasting d, as another
// AWS service hands them out (IAM Identity Center's GetRoleCredentials,
// for its fake's Options.Mint): the server then takes them like the ones
// it issued itself (GetCallerIdentity, AssumeRole). A malformed roleARN
// fails the test.
func (s *Server) Issue(roleARN, session string, d time.Duration) Issued {
	role, ok := parseRoleARN(roleARN)
	if !ok {
		s.t.Errorf("ststest: Issue(%q): not a role ARN", roleARN)
	}
	return s.issue("Issue", role, session, s.cfg.clock().Add(d), false)
}
