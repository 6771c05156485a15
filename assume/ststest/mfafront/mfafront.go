// Package mfafront runs, for tests, an STS front that checks MFA the way
// AWS does and forwards every request it lets through, byte for byte, to
// an upstream STS: strict moto_server in integration tests (moto ignores
// SerialNumber and TokenCode), ststest in unit tests. It does not re-sign,
// so the upstream's SigV4 check still sees the client's own signature;
// the one exception, GetSessionToken minted through a stand-in role when
// Options.SessionRoles asks for it, is described below.
//
// What is checked, for GetSessionToken and AssumeRole:
//
//   - SerialNumber and TokenCode come together; one without the other is
//     AccessDenied "MultiFactorAuthentication failed, must provide both
//     MFA serial number and one time pass code." (AWS's text as quoted in
//     y13i/sgviz#9).
//   - TokenCode is 6 digits (else the ValidationError of the STS API's
//     constraint, as ststest words it).
//   - SerialNumber is a device of the caller: the IAM user owning the
//     long-term access key that signed, or the user behind GetSessionToken
//     credentials the front saw issued. Otherwise AccessDenied
//     "MultiFactorAuthentication failed, unable to validate MFA code.
//     Please verify your MFA serial number is valid and associated with
//     this user." (two spaces after "code.", as AWS writes it).
//   - TokenCode is the device's RFC 6238 code at Now or one 30-second step
//     before or after, and that step's code was never accepted for the
//     device; otherwise AccessDenied "MultiFactorAuthentication failed with
//     invalid MFA one time pass code.". A code counts as used only once
//     the upstream has answered 200: a request the upstream refuses (a bad
//     signature, a deleted key) does not burn it, as AWS checks the
//     signature before the code.
//   - AssumeRole of a role in Options.RequireMFA needs a valid code in the
//     request or credentials obtained with one (GetSessionToken or
//     AssumeRole with MFA, or a role session assumed with such
//     credentials); otherwise AccessDenied "User: <caller> is not
//     authorized to perform: sts:AssumeRole on resource: <role>".
//   - DurationSeconds: GetSessionToken 900–129600; AssumeRole with
//     temporary credentials the front saw issued (GetSessionToken's too,
//     as at AWS) at most 3600.
//     moto checks neither.
//   - GetSessionToken with session credentials the front saw issued:
//     AccessDenied "Cannot call GetSessionToken with session credentials".
//
// The front learns about temporary credentials by reading the
// GetSessionToken, AssumeRole and AssumeRoleWithSAML answers it forwards.
//
// Minted sessions (Options.SessionRoles), an emulation: moto 5.2 answers
// every GetSessionToken with the same example keys, which strict moto then
// refuses, so its sessions cannot be used. For a user given a stand-in
// role, the front does not forward a GetSessionToken that passed its
// checks (signed with one of the user's long-term keys, MFA and
// DurationSeconds as above). It checks the request's signature itself
// with the user's SecretAccessKey, then, with the AWS SDK's STS client,
// the same keys and the upstream as endpoint, asks the upstream for the
// user's GetCallerIdentity (once) and assumes the stand-in role
// (RoleSessionName the user's name, DurationSeconds as asked but at most
// the role's 12 hours: over 12 hours the emulated session is shorter than
// asked, and the answer's Expiration says so). It answers a
// GetSessionTokenResponse, in AWS's shape, with the credentials the
// upstream issued, and holds them as the user's GetSessionToken
// credentials: the rules above apply to them (no GetSessionToken; an
// AssumeRole at most 1 hour, with MFA if they were obtained with it). So
// the credentials are real upstream credentials of a session of the
// stand-in role, and the upstream checks every request signed with them.
// The front rewrites one answer only: a GetCallerIdentity signed with
// them is forwarded and, once the upstream has answered it 200, answered
// as AWS answers it for a GetSessionToken session (the user's Arn and
// UserId, as the upstream gave them for the long-term keys, and
// Account) in place of the stand-in role's session. Everything else
// signed with them (AssumeRole of another role) is forwarded unchanged,
// and the upstream sees the stand-in role's session as the caller.
// A refusal of the upstream (a deleted key) is passed on as it came, and
// the code is not used.
// The MFA checks come before the upstream's signature check, so a request
// both badly signed and with a bad code gets the MFA error here, where
// AWS would name the signature. Not modelled: what GetSessionToken
// credentials without MFA may not call besides STS (IAM APIs).
package mfafront

import (
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed-2d15385e/awsfed/assume/ststest"
	"github.com/seed-2d15385e/awsfed/mfa"
)

// Messages AWS answers, see the package comment for their sources.
const (
	MsgBadSerial  = "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user."
	MsgBadCode    = "MultiFactorAuthentication failed with invalid MFA one time pass code."
	MsgNeedBoth   = "MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code."
	msgSessionGST = "Cannot call GetSessionToken with session credentials"
	msgChained    = "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
)

// step is the TOTP time step.
const step = 30

// Device is a virtual MFA device and the IAM user it is assigned to.
type Device struct {
	// Serial is the device's ARN, e.g. "arn:aws:iam::111111111111:mfa/alice".
	Serial string
	// Secret is the base32 TOTP seed.
	Secret string
	// UserARN is the owner, e.g. "arn:aws:iam::111111111111:user/alice".
	UserARN string
	// AccessKeyIDs are the owner's long-term access key ids ("AKIA…").
	AccessKeyIDs []string
	// SecretAccessKey is the secret of AccessKeyIDs[0], needed only when
	// Options.SessionRoles names the owner: the front checks the
	// signature of GetSessionToken with it and signs the upstream
	// AssumeRole that mints the session.
	SecretAccessKey string
}

// User is an IAM user without an MFA device, so the front can name it.
type User struct {
	ARN          string
	AccessKeyIDs []string
	// SecretAccessKey is as Device's.
	SecretAccessKey string
}

// Options configures a Front.
type Options struct {
	Devices []Device
	Users   []User
	// RequireMFA lists role ARNs whose trust policy requires
	// aws:MultiFactorAuthPresent.
	RequireMFA []string
	// Now is the front's clock for TOTP codes (default time.Now).
	Now func() time.Time
	// Client sends requests upstream, e.g. an ststest Server's Client when
	// it serves TLS (default: a client of its own).
	Client *http.Client
	// SessionRoles maps a user's ARN to the ARN of a role in the upstream
	// that stands in for the user's GetSessionToken sessions: the front
	// mints them with AssumeRole of that role rather than forwarding
	// GetSessionToken (see the package comment). The role must trust the
	// user and allow sessions of 12 hours (MaxSessionDuration 43200);
	// the user needs a SecretAccessKey.
	SessionRoles map[string]string
}

// Request is one request the front received.
type Request struct {
	Action string
	// AccessKeyID is the key that signed, "" if unsigned.
	AccessKeyID string
	// Caller is the caller's ARN, "" if the front does not know the key.
	Caller       string
	SerialNumber string
	TokenCode    string
	// MFA reports whether the front accepted the TokenCode.
	MFA bool
	// Refused is the error code the front answered with itself, "" when it
	// forwarded the request.
	Refused string
	// Status is the HTTP status of the answer, the front's or the
	// upstream's.
	Status int
	// Emulated reports an answer the front made itself from the
	// upstream's answer to what it sent: a GetSessionToken minted with
	// AssumeRole of the user's stand-in role, or a GetCallerIdentity with
	// such credentials (Options.SessionRoles).
	Emulated bool
}

// Front is a running MFA-checking STS front.
type Front struct {
	// URL is the endpoint, e.g. for AWS_ENDPOINT_URL_STS.
	URL string

	t          testing.TB
	upstream   string
	client     *http.Client
	now        func() time.Time
	requireMFA map[string]bool
	devices    map[string]Device
	// sessionRoles and secrets are Options.SessionRoles and the users'
	// secret access keys by access key id.
	sessionRoles map[string]string
	secrets      map[string]string

	mu       sync.Mutex
	callers  map[string]caller // by access key id
	used     map[string]map[int64]bool
	codes    map[string][]string
	requests []Request
	// identities are the users' GetCallerIdentity answers, by user ARN,
	// as the upstream gave them for their long-term keys.
	identities map[string]identity
}

// identity is a GetCallerIdentity answer.
type identity struct {
	Arn     string `xml:"GetCallerIdentityResult>Arn"`
	UserID  string `xml:"GetCallerIdentityResult>UserId"`
	Account string `xml:"GetCallerIdentityResult>Account"`
}

// caller is who holds an access key.
type caller struct {
	arn string
	// user is the IAM user behind long-term keys or GetSessionToken
	// credentials; "" for a role session.
	user string
	// session is true for temporary credentials, roleSession for those of
	// a role (AssumeRole*).
	session, roleSession bool
	// mfa reports whether the credentials were obtained with MFA.
	mfa bool
	// minted is true for GetSessionToken credentials the front minted
	// with the user's stand-in role (Options.SessionRoles).
	minted bool
}

// New starts a front forwarding to upstream (a base URL such as an ststest
// Server's URL or moto_server's). It is closed when the test ends.
func New(t testing.TB, upstream string, opts Options) *Front {
	t.Helper()
	f := &Front{
		t:          t,
		upstream:   strings.TrimSuffix(upstream, "/"),
		client:     opts.Client,
		now:        opts.Now,
		requireMFA: map[string]bool{},
		devices:    map[string]Device{},
		callers:    map[string]caller{},
		used:       map[string]map[int64]bool{},
		codes:      map[string][]string{},
		identities: map[string]identity{},

		sessionRoles: map[string]string{},
		secrets:      map[string]string{},
	}
	if f.now == nil {
		f.now = time.Now
	}
	if f.client == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		t.Cleanup(tr.CloseIdleConnections)
		f.client = &http.Client{Transport: tr}
	}
	for _, r := range opts.RequireMFA {
		f.requireMFA[r] = true
	}
	users := slices.Clone(opts.Users)
	for _, d := range opts.Devices {
		if _, err := mfa.TOTP(d.Secret, f.now()); err != nil {
			t.Fatalf("mfafront: device %s: %v", d.Serial, err)
		}
		f.devices[d.Serial] = d
		users = append(users, User{ARN: d.UserARN, AccessKeyIDs: d.AccessKeyIDs, SecretAccessKey: d.SecretAccessKey})
	}
	for _, u := range users {
		for _, k := range u.AccessKeyIDs {
			f.callers[k] = caller{arn: u.ARN, user: u.ARN}
		}
		if u.SecretAccessKey != "" && len(u.AccessKeyIDs) > 0 {
			f.secrets[u.AccessKeyIDs[0]] = u.SecretAccessKey
		}
	}
	for u, role := range opts.SessionRoles {
		var withSecret bool
		for _, o := range users {
			withSecret = withSecret || o.ARN == u && o.SecretAccessKey != "" && len(o.AccessKeyIDs) > 0
		}
		if !withSecret {
			t.Fatalf("mfafront: SessionRoles[%s] = %s, but the user has no access key with a SecretAccessKey", u, role)
		}
		f.sessionRoles[u] = role
	}
	hs := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(hs.Close)
	f.URL = hs.URL
	return f
}

// Requests returns a copy of every request received so far, in order.
func (f *Front) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Request(nil), f.requests...)
}

// UsedCodes returns the codes accepted for the device serial, in order.
func (f *Front) UsedCodes(serial string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.codes[serial]...)
}

// credentialRE finds the access key id in an Authorization header.
var credentialRE = regexp.MustCompile(`Credential=([^/,\s]+)/`)

// refusal is an answer the front gives itself.
type refusal struct {
	status        int
	code, message string
}

func (f *Front) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		f.t.Errorf("mfafront: read request body: %v", err)
		return
	}
	form := r.URL.Query()
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		if bf, err := url.ParseQuery(string(body)); err == nil {
			for k, v := range bf {
				form[k] = append(form[k], v...)
			}
		}
	}
	req := Request{Action: form.Get("Action"), SerialNumber: form.Get("SerialNumber"), TokenCode: form.Get("TokenCode")}
	if m := credentialRE.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		req.AccessKeyID = m[1]
	} else if c := form.Get("X-Amz-Credential"); c != "" {
		req.AccessKeyID, _, _ = strings.Cut(c, "/")
	}
	f.mu.Lock()
	who, known := f.callers[req.AccessKeyID]
	f.mu.Unlock()
	req.Caller = who.arn

	var serial string
	var stepUsed int64
	var refuse *refusal
	if req.Action == "GetSessionToken" || req.Action == "AssumeRole" {
		serial, stepUsed, refuse = f.check(form, req.AccessKeyID, who, known)
		req.MFA = serial != ""
	}
	if refuse != nil {
		req.Refused, req.Status = refuse.code, refuse.status
		f.record(req)
		ststest.WriteError(w, refuse.status, refuse.code, refuse.message)
		return
	}
	role := f.sessionRoles[who.user]
	if req.Action == "GetSessionToken" && known && !who.session && role != "" && durationParses(form) {
		req.Status = f.mint(w, r, body, form, req.AccessKeyID, who, role, req.MFA)
		req.Emulated = req.Status == http.StatusOK
		if serial != "" && req.Status != http.StatusOK {
			f.release(serial, stepUsed, req.TokenCode)
			req.MFA = false
		}
		f.record(req)
		return
	}
	if req.Action == "GetCallerIdentity" && who.minted {
		req.Status = f.mintedIdentity(w, r, body, who)
		req.Emulated = req.Status == http.StatusOK
		f.record(req)
		return
	}

	status, respBody, ok := f.forward(w, r, body)
	req.Status = status
	if serial != "" && status != http.StatusOK {
		f.release(serial, stepUsed, req.TokenCode)
		req.MFA = false
	}
	if ok && status == http.StatusOK {
		f.learn(req.Action, respBody, who, req.MFA)
	}
	f.record(req)
}

// check applies the MFA, duration and RequireMFA rules. It returns the
// device whose code it accepted (and reserved) with the code's step, or
// the refusal to answer.
func (f *Front) check(form url.Values, keyID string, who caller, known bool) (string, int64, *refusal) {
	action := form.Get("Action")
	_, hasSN := form["SerialNumber"]
	_, hasTC := form["TokenCode"]
	sn, tc := form.Get("SerialNumber"), form.Get("TokenCode")

	if d := form.Get("DurationSeconds"); d != "" {
		n, err := strconv.Atoi(d)
		switch {
		case err != nil:
			// Left to the upstream.
		case action == "GetSessionToken" && n < 900:
			return "", 0, &refusal{400, "ValidationError", fmt.Sprintf("1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900", n)}
		case action == "GetSessionToken" && n > 129600:
			return "", 0, &refusal{400, "ValidationError", fmt.Sprintf("1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 129600", n)}
		case action == "AssumeRole" && who.session && n > 3600:
			return "", 0, &refusal{400, "ValidationError", msgChained}
		}
	}
	if hasTC && len(tc) != 6 {
		rel := "greater"
		if len(tc) > 6 {
			rel = "less"
		}
		return "", 0, &refusal{400, "ValidationError", fmt.Sprintf("1 validation error detected: Value '%s' at 'tokenCode' failed to satisfy constraint: Member must have length %s than or equal to 6", tc, rel)}
	}
	if hasTC && strings.Trim(tc, "0123456789") != "" {
		return "", 0, &refusal{400, "ValidationError", fmt.Sprintf("1 validation error detected: Value '%s' at 'tokenCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\d]*", tc)}
	}
	if known && who.session && action == "GetSessionToken" {
		return "", 0, &refusal{403, "AccessDenied", msgSessionGST}
	}
	if hasSN != hasTC {
		return "", 0, &refusal{403, "AccessDenied", MsgNeedBoth}
	}

	var accepted string
	var at int64
	if hasSN {
		d, ok := f.devices[sn]
		if !ok || who.user == "" || d.UserARN != who.user {
			return "", 0, &refusal{403, "AccessDenied", MsgBadSerial}
		}
		st, ok := f.accept(d, tc)
		if !ok {
			return "", 0, &refusal{403, "AccessDenied", MsgBadCode}
		}
		accepted, at = sn, st
	}
	if role := form.Get("RoleArn"); action == "AssumeRole" && f.requireMFA[role] && accepted == "" && !who.mfa {
		name := who.arn
		if !known {
			// Not AWS's: the front cannot name a caller it does not know.
			name = "unknown caller with access key " + keyID
		}
		return "", 0, &refusal{403, "AccessDenied", fmt.Sprintf("User: %s is not authorized to perform: sts:AssumeRole on resource: %s", name, role)}
	}
	return accepted, at, nil
}

// accept finds the step, within one of Now's, whose code is tc and
// reserves it unless it was accepted before.
func (f *Front) accept(d Device, tc string) (int64, bool) {
	now := f.now().Unix() / step
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, st := range []int64{now, now - 1, now + 1} {
		code, err := mfa.TOTP(d.Secret, time.Unix(st*step, 0))
		if err != nil || code != tc {
			continue
		}
		if f.used[d.Serial][st] {
			return 0, false
		}
		if f.used[d.Serial] == nil {
			f.used[d.Serial] = map[int64]bool{}
		}
		f.used[d.Serial][st] = true
		f.codes[d.Serial] = append(f.codes[d.Serial], tc)
		return st, true
	}
	return 0, false
}

// release gives back a step reserved for a request the upstream refused.
func (f *Front) release(serial string, st int64, code string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.used[serial], st)
	c := f.codes[serial]
	for i := len(c) - 1; i >= 0; i-- {
		if c[i] == code {
			f.codes[serial] = append(c[:i:i], c[i+1:]...)
			break
		}
	}
}

func (f *Front) record(r Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r)
}

// hopHeaders are not forwarded (RFC 9110 §7.6.1).
var hopHeaders = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Connection": true, "Te": true,
	"Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
}

// forward sends the request upstream unchanged (method, path, query,
// headers, Host and body) and copies the answer back. It returns the
// status and the answer's body, decompressed if need be.
func (f *Front) forward(w http.ResponseWriter, r *http.Request, body []byte) (int, []byte, bool) {
	resp, ok := f.roundTrip(w, r, body)
	if !ok {
		return http.StatusBadGateway, nil, false
	}
	resp.writeTo(w)
	return resp.status, resp.plain, resp.plain != nil
}

// upstreamAnswer is an answer of the upstream, read.
type upstreamAnswer struct {
	status int
	header http.Header
	// raw is the body as sent, plain the same decompressed (nil if it
	// could not be).
	raw, plain []byte
}

// writeTo copies the answer to w.
func (a upstreamAnswer) writeTo(w http.ResponseWriter) {
	for k, vs := range a.header {
		if !hopHeaders[k] && k != "Content-Length" {
			w.Header()[k] = vs
		}
	}
	w.WriteHeader(a.status)
	_, _ = w.Write(a.raw)
}

// roundTrip sends the request upstream unchanged and reads the answer. If
// there is none it answers 502 itself and returns false.
func (f *Front) roundTrip(w http.ResponseWriter, r *http.Request, body []byte) (upstreamAnswer, bool) {
	out, err := http.NewRequestWithContext(r.Context(), r.Method, f.upstream+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		f.t.Errorf("mfafront: %v", err)
		http.Error(w, "mfafront: bad upstream request", http.StatusBadGateway)
		return upstreamAnswer{}, false
	}
	for k, vs := range r.Header {
		if !hopHeaders[k] {
			out.Header[k] = append([]string(nil), vs...)
		}
	}
	// The signature covers the host the client addressed: the front's.
	out.Host = r.Host
	out.ContentLength = int64(len(body))
	resp, err := f.client.Do(out)
	if err != nil {
		if r.Context().Err() == nil {
			f.t.Errorf("mfafront: upstream: %v", err)
		}
		http.Error(w, "mfafront: upstream unreachable", http.StatusBadGateway)
		return upstreamAnswer{}, false
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Errorf("mfafront: read upstream answer: %v", err)
		http.Error(w, "mfafront: upstream answer unreadable", http.StatusBadGateway)
		return upstreamAnswer{}, false
	}
	a := upstreamAnswer{status: resp.StatusCode, header: resp.Header, raw: raw, plain: raw}
	if strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") {
		a.plain = nil
		if zr, err := gzip.NewReader(bytes.NewReader(raw)); err == nil {
			if p, err := io.ReadAll(zr); err == nil {
				a.plain = p
			}
		}
	}
	return a, true
}

// answer is what the front reads of a successful answer: the issued
// credentials and, for a role, the session's ARN. Elements are matched by
// local name, so any Result wrapper works.
type answer struct {
	AccessKeyID string `xml:"Credentials>AccessKeyId"`
	RoleARN     string `xml:"AssumedRoleUser>Arn"`
}

// learn records the credentials in a forwarded answer and who holds them.
func (f *Front) learn(action string, body []byte, who caller, withMFA bool) {
	var env struct {
		GST  answer `xml:"GetSessionTokenResult"`
		AR   answer `xml:"AssumeRoleResult"`
		SAML answer `xml:"AssumeRoleWithSAMLResult"`
	}
	if err := xml.Unmarshal(body, &env); err != nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch action {
	case "GetSessionToken":
		if k := env.GST.AccessKeyID; k != "" {
			f.callers[k] = caller{arn: who.arn, user: who.user, session: true, mfa: withMFA}
		}
	case "AssumeRole":
		// MFA carries over into a role session assumed with MFA
		// credentials (an assumption; AWS documents it for the console).
		if k := env.AR.AccessKeyID; k != "" {
			f.callers[k] = caller{arn: env.AR.RoleARN, session: true, roleSession: true, mfa: withMFA || who.mfa}
		}
	case "AssumeRoleWithSAML":
		if k := env.SAML.AccessKeyID; k != "" {
			f.callers[k] = caller{arn: env.SAML.RoleARN, session: true, roleSession: true}
		}
	}
}
