package mfafront

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/seed-2d15385e/awsfed/assume/ststest"
)

// maxRoleSession is the longest session a stand-in role gives (IAM's
// largest MaxSessionDuration, which Options.SessionRoles asks of it), in
// seconds.
const maxRoleSession = 43200

// defaultSessionToken is GetSessionToken's default DurationSeconds.
const defaultSessionToken = 43200

// credentialsXML is the Credentials element of STS's answers.
type credentialsXML struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

// sessionTokenResponse is AWS's GetSessionToken answer.
type sessionTokenResponse struct {
	XMLName     xml.Name       `xml:"https://sts.amazonaws.com/doc/2011-06-15/ GetSessionTokenResponse"`
	Credentials credentialsXML `xml:"GetSessionTokenResult>Credentials"`
	RequestID   string         `xml:"ResponseMetadata>RequestId"`
}

// callerIdentityResponse is AWS's GetCallerIdentity answer.
type callerIdentityResponse struct {
	XMLName   xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ GetCallerIdentityResponse"`
	Arn       string   `xml:"GetCallerIdentityResult>Arn"`
	UserID    string   `xml:"GetCallerIdentityResult>UserId"`
	Account   string   `xml:"GetCallerIdentityResult>Account"`
	RequestID string   `xml:"ResponseMetadata>RequestId"`
}

// regionRE finds the region of the credential scope in an Authorization
// header.
var regionRE = regexp.MustCompile(`Credential=[^/,\s]+/[^/]+/([^/]+)/`)

// durationParses reports whether DurationSeconds is absent or a number;
// a GetSessionToken with another value is forwarded for the upstream to
// refuse.
func durationParses(form url.Values) bool {
	d := form.Get("DurationSeconds")
	_, err := strconv.Atoi(d)
	return d == "" || err == nil
}

// capture is an HTTP client for the SDK that keeps the last answer's
// status, headers and body, to be passed on to the front's client as the
// upstream gave them.
type capture struct {
	client *http.Client
	last   *upstreamAnswer
}

func (c *capture) Do(r *http.Request) (*http.Response, error) {
	resp, err := c.client.Do(r)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	c.last = &upstreamAnswer{status: resp.StatusCode, header: resp.Header.Clone(), raw: b, plain: b}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}

// mint answers a GetSessionToken that passed the front's checks with
// credentials of the user's stand-in role: it checks the request's
// signature with the user's secret key (the upstream does not see the
// request), learns the user's identity from the upstream once
// (GetCallerIdentity with the long-term keys), assumes role with the same
// keys and answers a GetSessionTokenResponse with the credentials the
// upstream gave. It returns the status it answered.
func (f *Front) mint(w http.ResponseWriter, r *http.Request, body []byte, form url.Values, keyID string, who caller, role string, withMFA bool) int {
	secret := f.secrets[keyID]
	if secret == "" {
		f.t.Errorf("mfafront: GetSessionToken of %s signed with the access key %s, whose SecretAccessKey the front was not given: it mints sessions only with the user's first key", who.user, keyID)
		ststest.WriteError(w, http.StatusInternalServerError, "InternalFailure", "mfafront: no secret access key for "+keyID)
		return http.StatusInternalServerError
	}
	if status, code, msg := ststest.CheckSignature(r, body, secret); status != 0 {
		ststest.WriteError(w, status, code, msg)
		return status
	}
	region := "us-east-1"
	if m := regionRE.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		region = m[1]
	}
	// As a real client would: the SDK's STS client, the user's keys, the
	// upstream as endpoint.
	cp := &capture{client: f.client}
	client := sts.New(sts.Options{
		Region:           region,
		BaseEndpoint:     aws.String(f.upstream),
		HTTPClient:       cp,
		RetryMaxAttempts: 1,
		Credentials:      credentials.NewStaticCredentialsProvider(keyID, secret, ""),
	})
	// refused passes on the upstream's refusal, or answers 502 if there
	// was no answer.
	refused := func(what string, err error) int {
		if cp.last == nil || cp.last.status == http.StatusOK {
			if r.Context().Err() == nil {
				f.t.Errorf("mfafront: %s for %s: %v", what, who.user, err)
			}
			http.Error(w, "mfafront: "+what+" failed", http.StatusBadGateway)
			return http.StatusBadGateway
		}
		cp.last.writeTo(w)
		return cp.last.status
	}

	f.mu.Lock()
	id, ok := f.identities[who.user]
	f.mu.Unlock()
	if !ok {
		out, err := client.GetCallerIdentity(r.Context(), &sts.GetCallerIdentityInput{})
		if err != nil {
			return refused("GetCallerIdentity with the long-term keys", err)
		}
		id = identity{Arn: aws.ToString(out.Arn), UserID: aws.ToString(out.UserId), Account: aws.ToString(out.Account)}
		if id.Arn != who.user {
			f.t.Errorf("mfafront: the upstream says the access key %s is %s's, not %s's", keyID, id.Arn, who.user)
		}
		f.mu.Lock()
		f.identities[who.user] = id
		f.mu.Unlock()
	}

	d := defaultSessionToken
	if s := form.Get("DurationSeconds"); s != "" {
		d, _ = strconv.Atoi(s) // durationParses; check kept it in 900–129600
	}
	// Over 12 hours the emulated session is shorter than asked: the
	// stand-in role gives 12 hours at most, where GetSessionToken gives up
	// to 36. The answer says the Expiration the upstream gave.
	d = min(d, maxRoleSession)
	name := who.user[strings.LastIndex(who.user, "/")+1:]
	cp.last = nil
	if _, err := client.AssumeRole(r.Context(), &sts.AssumeRoleInput{
		RoleArn:         aws.String(role),
		RoleSessionName: aws.String(name),
		DurationSeconds: aws.Int32(int32(d)),
	}); err != nil {
		return refused("AssumeRole of the stand-in role "+role, err)
	}
	// The upstream's own strings, Expiration as it wrote it.
	var got struct {
		Credentials credentialsXML `xml:"AssumeRoleResult>Credentials"`
		RequestID   string         `xml:"ResponseMetadata>RequestId"`
	}
	if err := xml.Unmarshal(cp.last.plain, &got); err != nil || got.Credentials.AccessKeyID == "" {
		f.t.Errorf("mfafront: no credentials in the upstream's AssumeRole answer (%v): %s", err, cp.last.plain)
		http.Error(w, "mfafront: AssumeRole answer unreadable", http.StatusBadGateway)
		return http.StatusBadGateway
	}
	f.mu.Lock()
	f.callers[got.Credentials.AccessKeyID] = caller{arn: who.arn, user: who.user, session: true, mfa: withMFA, minted: true}
	f.mu.Unlock()
	rid := requestID(got.RequestID)
	f.writeXML(w, sessionTokenResponse{Credentials: got.Credentials, RequestID: rid}, rid)
	return http.StatusOK
}

// mintedIdentity answers a GetCallerIdentity signed with minted
// credentials as AWS answers it for a GetSessionToken session, the user's
// identity, once the upstream has answered the request 200: it checks
// the signature and the credentials, and its answer names the stand-in
// role's session. Any other answer is passed on.
func (f *Front) mintedIdentity(w http.ResponseWriter, r *http.Request, body []byte, who caller) int {
	a, ok := f.roundTrip(w, r, body)
	if !ok {
		return http.StatusBadGateway
	}
	if a.status != http.StatusOK {
		a.writeTo(w)
		return a.status
	}
	var up struct {
		Arn       string `xml:"GetCallerIdentityResult>Arn"`
		RequestID string `xml:"ResponseMetadata>RequestId"`
	}
	if err := xml.Unmarshal(a.plain, &up); err != nil || !strings.Contains(up.Arn, ":assumed-role/") {
		f.t.Errorf("mfafront: GetCallerIdentity with minted credentials: the upstream answered %s (%v), want a session of the stand-in role", a.plain, err)
	}
	f.mu.Lock()
	id := f.identities[who.user]
	f.mu.Unlock()
	rid := requestID(up.RequestID)
	f.writeXML(w, callerIdentityResponse{Arn: id.Arn, UserID: id.UserID, Account: id.Account, RequestID: rid}, rid)
	return http.StatusOK
}

// writeXML answers 200 with v, as STS writes its answers, requestID in
// the X-Amzn-Requestid header as in v.
func (f *Front) writeXML(w http.ResponseWriter, v any, requestID string) {
	b, err := xml.Marshal(v)
	if err != nil {
		f.t.Errorf("mfafront: marshal %T: %v", v, err)
		http.Error(w, "mfafront: marshal failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", requestID)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// requestID is id, the upstream's, or a fresh one if it gave none.
func requestID(id string) string {
	if id != "" {
		return id
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[:8], h[8:12], h[12:16], h[16:20], h[20:])
}
