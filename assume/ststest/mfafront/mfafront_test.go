package mfafront_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"

	"github.com/seed-2d15385e/awsfed/assume/ststest"
	"github.com/seed-2d15385e/awsfed/assume/ststest/mfafront"
	"github.com/seed-2d15385e/awsfed/mfa"
)

const (
	aliceARN    = "arn:aws:iam::111111111111:user/alice"
	aliceSerial = "arn:aws:iam::111111111111:mfa/alice"
	aliceSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	bobARN      = "arn:aws:iam::111111111111:user/bob"
	bobSerial   = "arn:aws:iam::111111111111:mfa/bob"
	bobSecret   = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"
	mfaRole     = "arn:aws:iam::111111111111:role/NeedsMFA"
	openRole    = "arn:aws:iam::111111111111:role/Open"
)

var (
	alice = ststest.IAMUser{ARN: aliceARN, AccessKeyID: "AKIAALICEEXAMPLE0001", SecretAccessKey: "aliceSecretKeyEXAMPLEaliceSecretKeyEXAMP"}
	bob   = ststest.IAMUser{ARN: bobARN, AccessKeyID: "AKIABOBEXAMPLE000001", SecretAccessKey: "bobSecretKeyEXAMPLEbobSecretKeyEXAMPLEbo"}
	// now is the front's clock: the middle of a TOTP step.
	now = time.Date(2026, 3, 1, 10, 0, 15, 0, time.UTC)
)

// env is a front in front of ststest with alice and bob, each with a
// virtual MFA device.
type env struct {
	t        *testing.T
	upstream *ststest.Server
	front    *mfafront.Front
}

func newEnv(t *testing.T) *env {
	t.Helper()
	up := ststest.NewServer(t, ststest.WithIAMUser(alice), ststest.WithIAMUser(bob),
		ststest.WithMaxSessionDuration(mfaRole, 12*time.Hour), ststest.WithMaxSessionDuration(openRole, 12*time.Hour))
	front := mfafront.New(t, up.URL, mfafront.Options{
		Devices: []mfafront.Device{
			{Serial: aliceSerial, Secret: aliceSecret, UserARN: aliceARN, AccessKeyIDs: []string{alice.AccessKeyID}},
			{Serial: bobSerial, Secret: bobSecret, UserARN: bobARN, AccessKeyIDs: []string{bob.AccessKeyID}},
		},
		RequireMFA: []string{mfaRole},
		Now:        func() time.Time { return now },
	})
	return &env{t: t, upstream: up, front: front}
}

// code is the device's code offset steps from now.
func (e *env) code(secret string, offset int) string {
	e.t.Helper()
	c, err := mfa.TOTP(secret, now.Add(time.Duration(offset)*30*time.Second))
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *env) client(creds aws.Credentials) *sts.Client {
	return sts.New(sts.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(e.front.URL),
		RetryMaxAttempts: 1,
		Credentials:      aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return creds, nil }),
	})
}

func keys(u ststest.IAMUser) aws.Credentials {
	return aws.Credentials{AccessKeyID: u.AccessKeyID, SecretAccessKey: u.SecretAccessKey}
}

func temp(c *types.Credentials) aws.Credentials {
	return aws.Credentials{AccessKeyID: aws.ToString(c.AccessKeyId), SecretAccessKey: aws.ToString(c.SecretAccessKey), SessionToken: aws.ToString(c.SessionToken)}
}

func (e *env) gst(creds aws.Credentials, serial, code string) (*sts.GetSessionTokenOutput, error) {
	in := &sts.GetSessionTokenInput{}
	if serial != "" {
		in.SerialNumber = aws.String(serial)
	}
	if code != "" {
		in.TokenCode = aws.String(code)
	}
	return e.client(creds).GetSessionToken(context.Background(), in)
}

func (e *env) assume(creds aws.Credentials, role, serial, code string, d int32) (*sts.AssumeRoleOutput, error) {
	in := &sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("alice")}
	if serial != "" {
		in.SerialNumber = aws.String(serial)
	}
	if code != "" {
		in.TokenCode = aws.String(code)
	}
	if d != 0 {
		in.DurationSeconds = aws.Int32(d)
	}
	return e.client(creds).AssumeRole(context.Background(), in)
}

// mfaSession is alice's GetSessionToken credentials, with MFA or not.
func (e *env) mfaSession(withMFA bool) aws.Credentials {
	e.t.Helper()
	serial, code := "", ""
	if withMFA {
		serial, code = aliceSerial, e.code(aliceSecret, 0)
	}
	out, err := e.gst(keys(alice), serial, code)
	if err != nil {
		e.t.Fatalf("GetSessionToken: %v", err)
	}
	return temp(out.Credentials)
}

func TestFront(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// run makes the requests; the last one's error is checked.
		run         func(e *env) error
		wantCode    string
		wantMessage string
		wantStatus  int
		// wantUsed is the codes alice's device has accepted at the end
		// (offsets from now), nil for none.
		wantUsed []int
	}{
		{name: "GetSessionToken good code", wantUsed: []int{0}, run: func(e *env) error {
			out, err := e.gst(keys(alice), aliceSerial, e.code(aliceSecret, 0))
			if err != nil {
				return err
			}
			id, err := e.client(temp(out.Credentials)).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
			if err == nil && aws.ToString(id.Arn) != aliceARN {
				e.t.Errorf("GetCallerIdentity = %s, want %s", aws.ToString(id.Arn), aliceARN)
			}
			return err
		}},
		{name: "code reused", wantUsed: []int{0}, wantCode: "AccessDenied", wantMessage: mfafront.MsgBadCode, wantStatus: 403, run: func(e *env) error {
			if _, err := e.gst(keys(alice), aliceSerial, e.code(aliceSecret, 0)); err != nil {
				e.t.Fatal(err)
			}
			_, err := e.gst(keys(alice), aliceSerial, e.code(aliceSecret, 0))
			return err
		}},
		{name: "previous step", wantUsed: []int{-1}, run: func(e *env) error {
			_, err := e.gst(keys(alice), aliceSerial, e.code(aliceSecret, -1))
			return err
		}},
		{name: "next step", wantUsed: []int{1}, run: func(e *env) error {
			_, err := e.gst(keys(alice), aliceSerial, e.code(aliceSecret, 1))
			return err
		}},
		{name: "three steps in a row", wantUsed: []int{-1, 0, 1}, run: func(e *env) error {
			for _, off := range []int{-1, 0, 1} {
				if _, err := e.gst(keys(alice), aliceSerial, e.code(aliceSecret, off)); err != nil {
					return err
				}
			}
			return nil
		}},
		{name: "two steps back", wantCode: "AccessDenied", wantMessage: mfafront.MsgBadCode, wantStatus: 403, run: func(e *env) error {
			_, err := e.gst(keys(alice), aliceSerial, e.code(aliceSecret, -2))
			return err
		}},
		{name: "two steps ahead", wantCode: "AccessDenied", wantMessage: mfafront.MsgBadCode, wantStatus: 403, run: func(e *env) error {
			_, err := e.gst(keys(alice), aliceSerial, e.code(aliceSecret, 2))
			return err
		}},
		{name: "another user's device", wantCode: "AccessDenied", wantMessage: mfafront.MsgBadSerial, wantStatus: 403, run: func(e *env) error {
			_, err := e.gst(keys(alice), bobSerial, e.code(bobSecret, 0))
			return err
		}},
		{name: "unknown device", wantCode: "AccessDenied", wantMessage: mfafront.MsgBadSerial, wantStatus: 403, run: func(e *env) error {
			_, err := e.gst(keys(alice), "arn:aws:iam::111111111111:mfa/nobody", e.code(aliceSecret, 0))
			return err
		}},
		{name: "serial without code", wantCode: "AccessDenied", wantMessage: mfafront.MsgNeedBoth, wantStatus: 403, run: func(e *env) error {
			_, err := e.gst(keys(alice), aliceSerial, "")
			return err
		}},
		{name: "code without serial", wantCode: "AccessDenied", wantMessage: mfafront.MsgNeedBoth, wantStatus: 403, run: func(e *env) error {
			_, err := e.gst(keys(alice), "", e.code(aliceSecret, 0))
			return err
		}},
		{name: "five-digit code", wantCode: "ValidationError", wantStatus: 400,
			wantMessage: "1 validation error detected: Value '12345' at 'tokenCode' failed to satisfy constraint: Member must have length greater than or equal to 6",
			run: func(e *env) error {
				_, err := e.gst(keys(alice), aliceSerial, "12345")
				return err
			}},
		{name: "GetSessionToken 36h", wantUsed: []int{0}, run: func(e *env) error {
			_, err := e.client(keys(alice)).GetSessionToken(context.Background(), &sts.GetSessionTokenInput{
				SerialNumber: aws.String(aliceSerial), TokenCode: aws.String(e.code(aliceSecret, 0)), DurationSeconds: aws.Int32(129600)})
			return err
		}},
		{name: "GetSessionToken over 36h", wantCode: "ValidationError", wantStatus: 400,
			wantMessage: "1 validation error detected: Value '129601' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 129600",
			run: func(e *env) error {
				_, err := e.client(keys(alice)).GetSessionToken(context.Background(), &sts.GetSessionTokenInput{
					SerialNumber: aws.String(aliceSerial), TokenCode: aws.String(e.code(aliceSecret, 0)), DurationSeconds: aws.Int32(129601)})
				return err
			}},
		{name: "GetSessionToken with session credentials", wantUsed: []int{0}, wantCode: "AccessDenied", wantStatus: 403,
			wantMessage: "Cannot call GetSessionToken with session credentials",
			run: func(e *env) error {
				_, err := e.gst(e.mfaSession(true), "", "")
				return err
			}},
		{name: "MFA role without MFA", wantCode: "AccessDenied", wantStatus: 403,
			wantMessage: "User: " + aliceARN + " is not authorized to perform: sts:AssumeRole on resource: " + mfaRole,
			run: func(e *env) error {
				_, err := e.assume(keys(alice), mfaRole, "", "", 0)
				return err
			}},
		{name: "MFA role with MFA for 12h", wantUsed: []int{0}, run: func(e *env) error {
			_, err := e.assume(keys(alice), mfaRole, aliceSerial, e.code(aliceSecret, 0), 43200)
			return err
		}},
		{name: "MFA role from an MFA session for 1h", wantUsed: []int{0}, run: func(e *env) error {
			_, err := e.assume(e.mfaSession(true), mfaRole, "", "", 3600)
			return err
		}},
		{name: "MFA role from an MFA session for 12h: 1h at most", wantUsed: []int{0}, wantCode: "ValidationError", wantStatus: 400,
			wantMessage: "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
			run: func(e *env) error {
				_, err := e.assume(e.mfaSession(true), mfaRole, "", "", 43200)
				return err
			}},
		{name: "MFA role from a session without MFA", wantCode: "AccessDenied", wantStatus: 403,
			wantMessage: "User: " + aliceARN + " is not authorized to perform: sts:AssumeRole on resource: " + mfaRole,
			run: func(e *env) error {
				_, err := e.assume(e.mfaSession(false), mfaRole, "", "", 0)
				return err
			}},
		{name: "open role without MFA", run: func(e *env) error {
			_, err := e.assume(keys(alice), openRole, "", "", 43200)
			return err
		}},
		{name: "chained from an MFA role session", wantUsed: []int{0}, run: func(e *env) error {
			out, err := e.assume(keys(alice), mfaRole, aliceSerial, e.code(aliceSecret, 0), 0)
			if err != nil {
				e.t.Fatal(err)
			}
			_, err = e.assume(temp(out.Credentials), mfaRole, "", "", 3600)
			return err
		}},
		{name: "chained over 1h", wantUsed: []int{0}, wantCode: "ValidationError", wantStatus: 400,
			wantMessage: "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
			run: func(e *env) error {
				out, err := e.assume(keys(alice), mfaRole, aliceSerial, e.code(aliceSecret, 0), 0)
				if err != nil {
					e.t.Fatal(err)
				}
				_, err = e.assume(temp(out.Credentials), openRole, "", "", 7200)
				return err
			}},
		{name: "revoked key keeps the code unused", wantCode: "InvalidClientTokenId", wantStatus: 403,
			wantMessage: "The security token included in the request is invalid.",
			run: func(e *env) error {
				e.upstream.RevokeKey(alice.AccessKeyID)
				_, err := e.gst(keys(alice), aliceSerial, e.code(aliceSecret, 0))
				return err
			}},
		{name: "bad signature keeps the code usable", wantUsed: []int{0}, run: func(e *env) error {
			bad := keys(alice)
			bad.SecretAccessKey = "x" + bad.SecretAccessKey[1:]
			_, err := e.gst(bad, aliceSerial, e.code(aliceSecret, 0))
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != "SignatureDoesNotMatch" {
				e.t.Errorf("badly signed GetSessionToken error = %v, want SignatureDoesNotMatch", err)
			}
			_, err = e.gst(keys(alice), aliceSerial, e.code(aliceSecret, 0))
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			err := tt.run(e)
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("error = %v, want none", err)
				}
			} else {
				var ae smithy.APIError
				var re interface{ HTTPStatusCode() int }
				if !errors.As(err, &ae) || ae.ErrorCode() != tt.wantCode || ae.ErrorMessage() != tt.wantMessage ||
					!errors.As(err, &re) || re.HTTPStatusCode() != tt.wantStatus {
					t.Errorf("error = %v\nwant %d %s %q", err, tt.wantStatus, tt.wantCode, tt.wantMessage)
				}
			}
			var want []string
			for _, off := range tt.wantUsed {
				want = append(want, e.code(aliceSecret, off))
			}
			if got := e.front.UsedCodes(aliceSerial); !slices.Equal(got, want) {
				t.Errorf("UsedCodes(alice) = %q, want %q", got, want)
			}
			if got := e.front.UsedCodes(bobSerial); len(got) != 0 {
				t.Errorf("UsedCodes(bob) = %q, want none", got)
			}
		})
	}
}

// TestForwardedUnchanged: the upstream sees the client's own request, so
// its signature check passes, and the front records what it decided.
func TestForwardedUnchanged(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	code := e.code(aliceSecret, 0)
	if _, err := e.gst(keys(alice), aliceSerial, code); err != nil {
		t.Fatal(err)
	}
	if _, err := e.gst(keys(alice), aliceSerial, code); err == nil {
		t.Fatal("reused code accepted")
	}
	up := e.upstream.Requests()
	if len(up) != 1 {
		t.Fatalf("upstream got %d requests, want the first only", len(up))
	}
	if u := up[0]; u.Action != "GetSessionToken" || u.Form.Get("SerialNumber") != aliceSerial || u.Form.Get("TokenCode") != code ||
		u.SecurityToken != "" || u.Authorization == "" {
		t.Errorf("upstream request = %+v", u)
	}
	if is := e.upstream.Issued(); len(is) != 1 || is[0].Action != "GetSessionToken" || is[0].PrincipalARN != aliceARN {
		t.Errorf("upstream Issued() = %+v, want alice's session", is)
	}
	want := []mfafront.Request{
		{Action: "GetSessionToken", AccessKeyID: alice.AccessKeyID, Caller: aliceARN, SerialNumber: aliceSerial, TokenCode: code, MFA: true, Status: http.StatusOK},
		{Action: "GetSessionToken", AccessKeyID: alice.AccessKeyID, Caller: aliceARN, SerialNumber: aliceSerial, TokenCode: code, Refused: "AccessDenied", Status: http.StatusForbidden},
	}
	if got := e.front.Requests(); !slices.Equal(got, want) {
		t.Errorf("Requests() =\n%+v\nwant\n%+v", got, want)
	}
}

// TestConcurrentReuse: of requests sent at once with one code, exactly one
// gets through.
func TestConcurrentReuse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	code := e.code(aliceSecret, 0)
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = e.gst(keys(alice), aliceSerial, code)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		var ae smithy.APIError
		switch {
		case err == nil:
			ok++
		case !errors.As(err, &ae) || ae.ErrorMessage() != mfafront.MsgBadCode:
			t.Errorf("error = %v, want %q", err, mfafront.MsgBadCode)
		}
	}
	if ok != 1 {
		t.Errorf("%d of %d requests with one code got through, want 1", ok, n)
	}
	if got := e.front.UsedCodes(aliceSerial); !slices.Equal(got, []string{code}) {
		t.Errorf("UsedCodes = %q, want [%s]", got, code)
	}
}

// sessRole stands in for alice's GetSessionToken sessions.
const sessRole = "arn:aws:iam::111111111111:role/AliceSessions"

// newMintEnv is newEnv with alice's sessions minted through sessRole.
func newMintEnv(t *testing.T) *env {
	t.Helper()
	up := ststest.NewServer(t, ststest.WithIAMUser(alice), ststest.WithIAMUser(bob),
		ststest.WithMaxSessionDuration(sessRole, 12*time.Hour),
		ststest.WithMaxSessionDuration(mfaRole, 12*time.Hour), ststest.WithMaxSessionDuration(openRole, 12*time.Hour))
	front := mfafront.New(t, up.URL, mfafront.Options{
		Devices: []mfafront.Device{
			{Serial: aliceSerial, Secret: aliceSecret, UserARN: aliceARN, AccessKeyIDs: []string{alice.AccessKeyID}, SecretAccessKey: alice.SecretAccessKey},
			{Serial: bobSerial, Secret: bobSecret, UserARN: bobARN, AccessKeyIDs: []string{bob.AccessKeyID}},
		},
		RequireMFA:   []string{mfaRole},
		SessionRoles: map[string]string{aliceARN: sessRole},
		Now:          func() time.Time { return now },
	})
	return &env{t: t, upstream: up, front: front}
}

// recorder is an HTTP client that keeps the last answer's body.
type recorder struct{ body *[]byte }

func (r recorder) Do(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if *r.body, err = io.ReadAll(resp.Body); err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(*r.body))
	return resp, nil
}

// wantErr checks err is the API error code with message.
func wantErr(t *testing.T, what string, err error, code, message string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code || (message != "" && ae.ErrorMessage() != message) {
		t.Errorf("%s: error = %v, want %s %q", what, err, code, message)
	}
}

// TestMintedSession: with SessionRoles, alice's GetSessionToken is
// answered with credentials of her stand-in role that the upstream issued
// and checks; GetCallerIdentity with them says alice; the rules for
// GetSessionToken credentials hold.
func TestMintedSession(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("minted, used, chained", func(t *testing.T) {
		t.Parallel()
		e := newMintEnv(t)
		code := e.code(aliceSecret, 0)
		began := time.Now()
		var raw []byte
		out, err := e.client(keys(alice)).GetSessionToken(ctx, &sts.GetSessionTokenInput{
			SerialNumber: aws.String(aliceSerial), TokenCode: aws.String(code), DurationSeconds: aws.Int32(129600)},
			func(o *sts.Options) { o.HTTPClient = recorder{&raw} })
		if err != nil {
			t.Fatalf("GetSessionToken: %v", err)
		}
		is := e.upstream.Issued()
		if len(is) != 1 || is[0].Action != "AssumeRole" || is[0].RoleARN != sessRole || is[0].SessionName != "alice" || is[0].Chained {
			t.Fatalf("upstream Issued() = %+v, want one session of %s named alice, assumed with alice's keys", is, sessRole)
		}
		c := out.Credentials
		if aws.ToString(c.AccessKeyId) != is[0].AccessKeyID || aws.ToString(c.SecretAccessKey) != is[0].SecretAccessKey ||
			aws.ToString(c.SessionToken) != is[0].SessionToken || !aws.ToTime(c.Expiration).Equal(is[0].Expiration) {
			t.Errorf("GetSessionToken answered %+v, want the upstream's %+v", c, is[0])
		}
		// AWS's shape, element for element.
		var shape struct {
			XMLName xml.Name
			Result  struct {
				Credentials struct {
					Fields []struct{ XMLName xml.Name } `xml:",any"`
				}
			} `xml:"GetSessionTokenResult"`
			RequestID string `xml:"ResponseMetadata>RequestId"`
		}
		var names []string
		if err := xml.Unmarshal(raw, &shape); err == nil {
			for _, f := range shape.Result.Credentials.Fields {
				names = append(names, f.XMLName.Local)
			}
		}
		if shape.XMLName != (xml.Name{Space: "https://sts.amazonaws.com/doc/2011-06-15/", Local: "GetSessionTokenResponse"}) ||
			!slices.Equal(names, []string{"AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}) || shape.RequestID == "" {
			t.Errorf("GetSessionToken answer:\n%s\nwant AWS's GetSessionTokenResponse", raw)
		}
		// 36 hours asked; the role gives 12.
		if d := aws.ToTime(c.Expiration).Sub(began); d < 12*time.Hour-time.Minute || d > 12*time.Hour+time.Minute {
			t.Errorf("Expiration in %s, want 12h", d)
		}
		if got := e.front.UsedCodes(aliceSerial); !slices.Equal(got, []string{code}) {
			t.Errorf("UsedCodes = %q, want [%s]", got, code)
		}

		sess := temp(c)
		id, err := e.client(sess).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatalf("GetCallerIdentity with the session: %v", err)
		}
		own, err := e.client(keys(alice)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(id.Arn) != aliceARN || aws.ToString(id.UserId) != aws.ToString(own.UserId) ||
			!strings.HasPrefix(aws.ToString(id.UserId), "AIDA") || aws.ToString(id.Account) != "111111111111" {
			t.Errorf("GetCallerIdentity with the session = %s %s %s, want alice's %s %s",
				aws.ToString(id.Arn), aws.ToString(id.UserId), aws.ToString(id.Account), aliceARN, aws.ToString(own.UserId))
		}
		// The upstream saw, and checked, the session's request.
		var checked bool
		for _, q := range e.upstream.Requests() {
			checked = checked || q.Action == "GetCallerIdentity" && q.SecurityToken == aws.ToString(c.SessionToken)
		}
		if !checked {
			t.Error("the upstream got no GetCallerIdentity with the session")
		}

		_, err = e.gst(sess, "", "")
		wantErr(t, "GetSessionToken with the session", err, "AccessDenied", "Cannot call GetSessionToken with session credentials")
		_, err = e.assume(sess, mfaRole, "", "", 7200)
		wantErr(t, "AssumeRole for 2h with the session", err, "ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
		ar, err := e.assume(sess, mfaRole, "", "", 3600)
		if err != nil {
			t.Fatalf("AssumeRole of the MFA role with the MFA session: %v", err)
		}
		id, err = e.client(temp(ar.Credentials)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if want := "arn:aws:sts::111111111111:assumed-role/NeedsMFA/alice"; err != nil || aws.ToString(id.Arn) != want {
			t.Errorf("GetCallerIdentity with the role session = %v, %v; want %s", id, err, want)
		}

		want := []mfafront.Request{
			{Action: "GetSessionToken", AccessKeyID: alice.AccessKeyID, Caller: aliceARN, SerialNumber: aliceSerial, TokenCode: code, MFA: true, Status: 200, Emulated: true},
			{Action: "GetCallerIdentity", AccessKeyID: aws.ToString(c.AccessKeyId), Caller: aliceARN, Status: 200, Emulated: true},
			{Action: "GetCallerIdentity", AccessKeyID: alice.AccessKeyID, Caller: aliceARN, Status: 200},
			{Action: "GetSessionToken", AccessKeyID: aws.ToString(c.AccessKeyId), Caller: aliceARN, Refused: "AccessDenied", Status: 403},
			{Action: "AssumeRole", AccessKeyID: aws.ToString(c.AccessKeyId), Caller: aliceARN, Refused: "ValidationError", Status: 400},
			{Action: "AssumeRole", AccessKeyID: aws.ToString(c.AccessKeyId), Caller: aliceARN, Status: 200},
			{Action: "GetCallerIdentity", AccessKeyID: aws.ToString(ar.Credentials.AccessKeyId), Caller: "arn:aws:sts::111111111111:assumed-role/NeedsMFA/alice", Status: 200},
		}
		if got := e.front.Requests(); !slices.Equal(got, want) {
			t.Errorf("Requests() =\n%+v\nwant\n%+v", got, want)
		}
	})

	t.Run("without MFA: no MFA role", func(t *testing.T) {
		t.Parallel()
		e := newMintEnv(t)
		sess := e.mfaSession(false)
		_, err := e.assume(sess, mfaRole, "", "", 0)
		wantErr(t, "AssumeRole of the MFA role", err, "AccessDenied", "User: "+aliceARN+" is not authorized to perform: sts:AssumeRole on resource: "+mfaRole)
		if _, err := e.assume(sess, openRole, "", "", 0); err != nil {
			t.Errorf("AssumeRole of the open role: %v", err)
		}
	})

	t.Run("bad signature: refused, code kept", func(t *testing.T) {
		t.Parallel()
		e := newMintEnv(t)
		bad := keys(alice)
		bad.SecretAccessKey = "x" + bad.SecretAccessKey[1:]
		_, err := e.gst(bad, aliceSerial, e.code(aliceSecret, 0))
		wantErr(t, "badly signed GetSessionToken", err, "SignatureDoesNotMatch", "")
		if len(e.upstream.Requests()) != 0 || len(e.front.UsedCodes(aliceSerial)) != 0 {
			t.Errorf("upstream requests %+v, used codes %q; want none", e.upstream.Requests(), e.front.UsedCodes(aliceSerial))
		}
		// A minted session's requests are the upstream's to check.
		sess := e.mfaSession(true)
		sess.SecretAccessKey = "x" + sess.SecretAccessKey[1:]
		_, err = e.client(sess).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		wantErr(t, "badly signed GetCallerIdentity with the session", err, "SignatureDoesNotMatch", "")
	})

	t.Run("revoked key: the upstream's refusal, code kept", func(t *testing.T) {
		t.Parallel()
		e := newMintEnv(t)
		e.upstream.RevokeKey(alice.AccessKeyID)
		_, err := e.gst(keys(alice), aliceSerial, e.code(aliceSecret, 0))
		wantErr(t, "GetSessionToken with a revoked key", err, "InvalidClientTokenId", "The security token included in the request is invalid.")
		if got := e.front.UsedCodes(aliceSerial); len(got) != 0 {
			t.Errorf("UsedCodes = %q, want none", got)
		}
		if q := e.front.Requests(); len(q) != 1 || q[0].Status != 403 || q[0].MFA || q[0].Emulated {
			t.Errorf("Requests() = %+v", q)
		}
	})

	t.Run("bob, without a stand-in role: forwarded", func(t *testing.T) {
		t.Parallel()
		e := newMintEnv(t)
		if _, err := e.gst(keys(bob), bobSerial, e.code(bobSecret, 0)); err != nil {
			t.Fatal(err)
		}
		if is := e.upstream.Issued(); len(is) != 1 || is[0].Action != "GetSessionToken" || is[0].PrincipalARN != bobARN {
			t.Errorf("upstream Issued() = %+v, want bob's GetSessionToken", is)
		}
	})
}
