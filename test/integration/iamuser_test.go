//go:build linux

package integration

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/seed-2d15385e/awsfed/assume/ststest/mfafront"
	"github.com/seed-2d15385e/awsfed/mfa"
)

// An IAM user with MFA (--idp iam-user) through the real awsfed binary:
// the long-term keys in a real GNOME Keyring (scripts/peers/keyring.sh),
// STS a strict moto_server behind the TOTP-checking front
// (assume/ststest/mfafront; moto ignores SerialNumber and TokenCode), and
// the AWS CLI and the Go SDK (sdkcheck) as the consumers.
//
// GetSessionToken is emulated: moto 5.2 answers every GetSessionToken
// with the same example keys (AKIAIOSFODNN7EXAMPLE), which strict moto
// then refuses, so the front mints alice's sessions itself
// (mfafront.Options.SessionRoles): after its MFA checks it assumes the
// role AliceSessions in moto with alice's keys and answers awsfed a
// GetSessionTokenResponse with those credentials. They are real moto
// credentials, which moto checks on every request signed with them; the
// front only rewrites GetCallerIdentity's answer to alice's identity, as
// AWS answers it for a GetSessionToken session, once moto has answered
// it 200.
//
// moto also ignores an access key's Inactive status, so a revoked key is
// one deleted in moto; and moto's refusals come as XML labelled text/html
// in a shape the Go SDK cannot read (UnknownError), which awsfed reports as
// an answer that is not STS's (exit 5 all the same) where AWS would say
// InvalidClientTokenId.

// iamMoto is moto with the IAM users of the test, behind the front.
type iamMoto struct {
	*moto
	front               *mfafront.Front
	userARN, keyID, key string          // alice's
	serial, totp        string          // alice's device
	bobSerial           string          // bob's device
	needsMFA, hop       string          // roles
	given               map[string]bool // codes handed out by code
}

// motoDevice creates a virtual MFA device for user in moto, enables it,
// and returns its serial and base32 TOTP secret (3 requests).
func motoDevice(t *testing.T, m *moto, user string) (serial, secret string) {
	t.Helper()
	var dev struct {
		Serial string `xml:"CreateVirtualMFADeviceResult>VirtualMFADevice>SerialNumber"`
		Seed   string `xml:"CreateVirtualMFADeviceResult>VirtualMFADevice>Base32StringSeed"`
	}
	if b := m.iam(t, url.Values{"Action": {"CreateVirtualMFADevice"}, "VirtualMFADeviceName": {user}}); xml.Unmarshal(b, &dev) != nil || dev.Serial == "" {
		t.Fatalf("moto CreateVirtualMFADevice: no device in %s", b)
	}
	// The API sends the seed base64-encoded (a blob); take it raw if not.
	secret = dev.Seed
	if b, err := base64.StdEncoding.DecodeString(dev.Seed); err == nil {
		if _, err := mfa.TOTP(string(b), time.Now()); err == nil {
			secret = string(b)
		}
	}
	// moto accepts any codes here.
	m.iam(t, url.Values{"Action": {"EnableMFADevice"}, "UserName": {user}, "SerialNumber": {dev.Serial},
		"AuthenticationCode1": {"123456"}, "AuthenticationCode2": {"654321"}})
	return dev.Serial, secret
}

// startIAMMoto starts strict moto with alice (keys, a device, allowed
// everything), bob (a device only), the role NeedsMFA, whose trust the
// front makes require MFA, the role Hop, and AliceSessions, which stands
// in for alice's GetSessionToken sessions, and the front before it.
func startIAMMoto(t *testing.T) *iamMoto {
	t.Helper()
	// 2 requests per role, 5 for alice, 3 for bob pass unchecked; every
	// request after them, starting with configure's, must be signed.
	m := startMoto(t, 3*2+5+3, "NeedsMFA", "Hop")
	motoSessionRole(t, m, "AliceSessions")
	x := &iamMoto{moto: m, userARN: "arn:aws:iam::123456789012:user/alice",
		needsMFA: "arn:aws:iam::123456789012:role/NeedsMFA", hop: "arn:aws:iam::123456789012:role/Hop", given: map[string]bool{}}
	m.iam(t, url.Values{"Action": {"CreateUser"}, "UserName": {"alice"}})
	m.iam(t, url.Values{"Action": {"PutUserPolicy"}, "UserName": {"alice"}, "PolicyName": {"all"},
		"PolicyDocument": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`}})
	var key struct {
		ID     string `xml:"CreateAccessKeyResult>AccessKey>AccessKeyId"`
		Secret string `xml:"CreateAccessKeyResult>AccessKey>SecretAccessKey"`
	}
	if b := m.iam(t, url.Values{"Action": {"CreateAccessKey"}, "UserName": {"alice"}}); xml.Unmarshal(b, &key) != nil || key.ID == "" {
		t.Fatalf("moto CreateAccessKey: no key in %s", b)
	}
	x.keyID, x.key = key.ID, key.Secret
	x.serial, x.totp = motoDevice(t, m, "alice")
	m.iam(t, url.Values{"Action": {"CreateUser"}, "UserName": {"bob"}})
	var bobTOTP string
	x.bobSerial, bobTOTP = motoDevice(t, m, "bob")
	x.front = mfafront.New(t, m.URL, mfafront.Options{
		Devices: []mfafront.Device{
			{Serial: x.serial, Secret: x.totp, UserARN: x.userARN, AccessKeyIDs: []string{x.keyID}, SecretAccessKey: x.key},
			{Serial: x.bobSerial, Secret: bobTOTP, UserARN: "arn:aws:iam::123456789012:user/bob"},
		},
		RequireMFA:   []string{x.needsMFA},
		SessionRoles: map[string]string{x.userARN: "arn:aws:iam::123456789012:role/AliceSessions"},
	})
	return x
}

// motoSessionRole creates a role for mfafront to mint a user's
// GetSessionToken sessions with (Options.SessionRoles): 12-hour sessions,
// allowed everything (2 requests).
func motoSessionRole(t *testing.T, m *moto, name string) {
	t.Helper()
	m.iam(t, url.Values{"Action": {"CreateRole"}, "RoleName": {name}, "MaxSessionDuration": {"43200"},
		"AssumeRolePolicyDocument": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}`}})
	m.iam(t, url.Values{"Action": {"PutRolePolicy"}, "RoleName": {name}, "PolicyName": {"all"},
		"PolicyDocument": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`}})
}

// code returns a code of alice's device that the front accepts for 2
// seconds at least and that neither the front nor this test has seen.
// Codes of three steps are good at any time (the front takes one step
// either side), so the test need not wait for the clock.
func (x *iamMoto) code(t *testing.T) string {
	t.Helper()
	for {
		now := time.Now()
		cur := now.Unix() / 30
		left := time.Unix((cur+1)*30, 0).Sub(now)
		used := x.front.UsedCodes(x.serial)
		for _, st := range []int64{cur + 1, cur, cur - 1} {
			if st == cur-1 && left < 2*time.Second {
				continue
			}
			c, err := mfa.TOTP(x.totp, time.Unix(st*30, 0))
			if err != nil {
				t.Fatal(err)
			}
			if !x.given[c] && !slices.Contains(used, c) {
				x.given[c] = true
				return c
			}
		}
		time.Sleep(left)
	}
}

// wrongCode is a code the front refuses now and for a minute and more.
func (x *iamMoto) wrongCode(t *testing.T) string {
	t.Helper()
	for _, c := range []string{"000000", "999999"} {
		ok := true
		for st := time.Now().Unix()/30 - 1; st <= time.Now().Unix()/30+3; st++ {
			if good, _ := mfa.TOTP(x.totp, time.Unix(st*30, 0)); good == c {
				ok = false
			}
		}
		if ok {
			return c
		}
	}
	t.Fatal("both wrong codes are good codes")
	return ""
}

// iamSigned sends an IAM request to moto signed with alice's keys.
func (x *iamMoto) iamSigned(t *testing.T, v url.Values) (int, string) {
	t.Helper()
	v.Set("Version", "2010-05-08")
	body := v.Encode()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, x.URL+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(t.Context(), aws.Credentials{AccessKeyID: x.keyID, SecretAccessKey: x.key},
		req, hex.EncodeToString(sum[:]), "iam", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("moto %s: %v", v.Get("Action"), err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// filesHolding lists the files under dir that contain s.
func filesHolding(t *testing.T, dir, s string) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if b, err := os.ReadFile(path); err == nil && bytes.Contains(b, []byte(s)) {
			found = append(found, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// TestIAMUserMoto configures an IAM user's keys into the real keyring and
// logs in with them through the real binary: with a role (AssumeRole with
// MFA) and without one (GetSessionToken, emulated by the front) the AWS
// CLI and the Go SDK use the profile, a chain on it and awsfed
// credential-process on the chain; and each bad input fails with one
// line, its exit code and the files as they were.
func TestIAMUserMoto(t *testing.T) {
	start := time.Now()
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("the AWS CLI is not installed (pip install awscli)")
	}
	k := startKeyring(t, false)
	x := startIAMMoto(t)
	h := newHome(t, x.front.URL)
	h.env = append(h.env, "DBUS_SESSION_BUS_ADDRESS="+k.address)
	const otherConfig = "# mine\n[profile other]\nregion = eu-west-1\n"
	const otherCreds = "# keys of another tool\n[other]\naws_access_key_id = AKIAOTHER00000000000\naws_secret_access_key = other/secret/other/secret/other/secret0\n"
	h.write(h.config, otherConfig)
	h.write(h.creds, "# alice's keys, pasted\n[sess]\naws_access_key_id = "+x.keyID+"\naws_secret_access_key = "+x.key+"\n\n"+otherCreds)
	noSecret := func(where, text string) {
		t.Helper()
		for _, s := range []string{x.key, x.totp} {
			if strings.Contains(text, s) {
				t.Errorf("%s shows a secret:\n%s", where, text)
			}
		}
	}
	keyring := func(profile string) string {
		t.Helper()
		v, _ := k.lookup(t, "iam-user:"+profile)
		return v
	}
	// oneLine checks that r failed with code and one line holding want.
	oneLine := func(what string, r result, code int, want string) {
		t.Helper()
		if r.code != code || strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, "awsfed: ") ||
			strings.HasPrefix(r.stderr, "awsfed: note: ") || !strings.Contains(r.stderr, want) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d and one line holding %q", what, r.code, r.stderr, code, want)
		}
		noSecret(what, r.stdout+r.stderr)
	}
	const roleARN = "arn:aws:sts::123456789012:assumed-role/"

	ok := t.Run("configure stores the keys in the keyring only", func(t *testing.T) {
		r := h.run(nil, x.key+"\n", bins.awsfed, "configure", "iam-user", "--profile", "base", "--access-key-id", x.keyID,
			"--secret-stdin", "--mfa-serial", x.serial, "--region", "us-east-1")
		if want := "Stored the access key " + x.keyID + " of " + x.userARN + " in the OS keyring for profile base; log in with: awsfed login --profile base\n"; r.code != 0 || r.stderr != want {
			t.Fatalf("configure iam-user: exit %d, stderr %q; want %q", r.code, r.stderr, want)
		}
		noSecret("configure", r.stdout+r.stderr)
		// --move-keys: the same keys, from [sess] of the credentials file.
		r = h.awsfed(nil, "configure", "iam-user", "--profile", "sess", "--move-keys", "--mfa-serial", x.serial, "--region", "us-east-1")
		if r.code != 0 || !strings.Contains(r.stderr, "for profile sess and removed it from "+h.creds+";") {
			t.Fatalf("configure iam-user --move-keys: exit %d: %s", r.code, r.stderr)
		}
		if got, want := h.read(h.creds), "# alice's keys, pasted\n\n"+otherCreds; got != want {
			t.Errorf("credentials file after --move-keys:\n%s\nwant:\n%s", got, want)
		}
		section := func(p string) string {
			return "\n[profile " + p + "]\nawsfed_idp = iam-user\nawsfed_username = alice\nawsfed_mfa_serial = " + x.serial + "\nregion = us-east-1\n"
		}
		if got, want := h.read(h.config), otherConfig+section("base")+section("sess"); got != want {
			t.Errorf("config file:\n%s\nwant:\n%s", got, want)
		}
		for _, p := range []string{"base", "sess"} {
			var got struct{ AccessKeyId, SecretAccessKey string }
			if err := json.Unmarshal([]byte(keyring(p)), &got); err != nil || got.AccessKeyId != x.keyID || got.SecretAccessKey != x.key {
				t.Errorf("GNOME Keyring item iam-user:%s does not hold alice's keys (%v)", p, err)
			}
		}
		if f := filesHolding(t, h.dir, x.key); len(f) > 0 {
			t.Errorf("files under HOME hold the secret access key: %s", f)
		}
		// moto checked the keys: both GetCallerIdentity calls were signed
		// with them and answered.
		var checked int
		for _, q := range x.front.Requests() {
			if q.Action == "GetCallerIdentity" && q.AccessKeyID == x.keyID && q.Status == 200 {
				checked++
			}
		}
		if checked != 2 {
			t.Errorf("%d GetCallerIdentity calls with alice's key answered by moto, want 2: %+v", checked, x.front.Requests())
		}
	})
	if !ok {
		return
	}

	ok = t.Run("a role with MFA, used by the AWS CLI, the Go SDK, a chain and credential-process", func(t *testing.T) {
		r := h.awsfed([]string{"AWSFED_TOTP_SECRET=" + x.totp}, "login", "--profile", "base", "--no-prompt", "--role-arn", x.needsMFA)
		want := roleARN + "NeedsMFA/alice"
		if r.code != 0 || !strings.HasPrefix(r.stderr, "Assumed "+want+" into profile base; expires ") || strings.Count(r.stderr, "\n") != 1 {
			t.Fatalf("login --role-arn: exit %d: %s", r.code, r.stderr)
		}
		noSecret("login --role-arn", r.stdout+r.stderr)
		var ar []mfafront.Request
		for _, q := range x.front.Requests() {
			if q.Action == "AssumeRole" {
				ar = append(ar, q)
			}
		}
		if len(ar) != 1 || !ar[0].MFA || ar[0].SerialNumber != x.serial || ar[0].AccessKeyID != x.keyID || ar[0].Status != 200 {
			t.Errorf("AssumeRole requests %+v; want one with alice's key and a code the front accepted", ar)
		}
		if !strings.Contains(h.read(h.config), "region = us-east-1\nawsfed_role_arn = "+x.needsMFA+"\n") {
			t.Errorf("the role was not saved in [profile base]:\n%s", h.read(h.config))
		}
		if c := h.read(h.creds); !strings.Contains(c, "\n[base]\naws_access_key_id = ASIA") || !strings.Contains(c, "x_principal_arn = "+want+"\n") {
			t.Errorf("[base] of the credentials file:\n%s", c)
		}
		if cli, sdk := h.identity("base"); cli != want || sdk != want {
			t.Errorf("profile base: AWS CLI %q, Go SDK %q; want %s", cli, sdk, want)
		}

		h.write(h.config, h.read(h.config)+"\n[profile hop]\nrole_arn = "+x.hop+"\nsource_profile = base\nregion = us-east-1\n"+
			"\n[profile cphop]\ncredential_process = "+bins.awsfed+" credential-process --profile hop\nregion = us-east-1\n")
		// The AWS CLI and the SDK name their own sessions.
		h.wantIdentity("hop", roleARN+"Hop/")
		r = h.awsfed(nil, "credential-process", "--profile", "hop")
		var out struct {
			Version                                    int
			AccessKeyId, SecretAccessKey, SessionToken string
		}
		if err := json.Unmarshal([]byte(r.stdout), &out); r.code != 0 || err != nil || out.Version != 1 ||
			!strings.HasPrefix(out.AccessKeyId, "ASIA") || out.SessionToken == "" || r.stderr != "" {
			t.Errorf("credential-process --profile hop: exit %d, %v, stdout %q, stderr %q", r.code, err, r.stdout, r.stderr)
		}
		if cli, sdk := h.identity("cphop"); cli != roleARN+"Hop/alice" || sdk != roleARN+"Hop/alice" {
			t.Errorf("credential_process on hop: AWS CLI %q, Go SDK %q; want %sHop/alice", cli, sdk, roleARN)
		}
		if got := x.front.UsedCodes(x.serial); len(got) != 1 {
			t.Errorf("%d MFA codes accepted, want 1: the chain needs none", len(got))
		}
		if c := h.read(h.creds); strings.Contains(c, "[hop]") || strings.Contains(c, "[cphop]") {
			t.Errorf("chained credentials were stored:\n%s", c)
		}
	})
	if !ok {
		return
	}

	var sessionCode string
	ok = t.Run("a session with MFA (GetSessionToken), used by the AWS CLI, the Go SDK, chains and credential-process", func(t *testing.T) {
		// role_session_name: the AWS CLI caches an AssumeRole by role and
		// session name, not by source profile; without it, it would hand
		// out hop's cached session rather than assume with [sess].
		h.write(h.config, h.read(h.config)+"\n[profile sesshop]\nrole_arn = "+x.hop+"\nsource_profile = sess\nrole_session_name = viasess\nregion = us-east-1\n"+
			"\n[profile longhop]\nrole_arn = "+x.hop+"\nsource_profile = sess\nrole_session_name = longsess\nduration_seconds = 7200\nregion = us-east-1\n"+
			"\n[profile cplonghop]\ncredential_process = "+bins.awsfed+" credential-process --profile longhop\nregion = us-east-1\n")
		sessionCode = x.code(t)
		r := h.awsfed(nil, "login", "--profile", "sess", "--no-prompt", "--mfa-code", sessionCode)
		lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
		if r.code != 0 || len(lines) != 2 || !strings.HasPrefix(lines[0], "awsfed: note: the roles chained on sess (sesshop, longhop) get sessions of 1 hour at most") ||
			!strings.HasPrefix(lines[1], "Got a session of "+x.userARN+" into profile sess; expires ") || !strings.HasSuffix(lines[1], " (in 12h0m)") {
			t.Fatalf("login without a role: exit %d, stderr:\n%s", r.code, r.stderr)
		}
		noSecret("login without a role", r.stdout+r.stderr)
		var gst []mfafront.Request
		for _, q := range x.front.Requests() {
			if q.Action == "GetSessionToken" {
				gst = append(gst, q)
			}
		}
		if len(gst) != 1 || !gst[0].MFA || gst[0].TokenCode != sessionCode || gst[0].AccessKeyID != x.keyID || gst[0].Status != 200 || !gst[0].Emulated {
			t.Errorf("GetSessionToken requests %+v; want one with alice's key and the code, which the front accepted and minted", gst)
		}
		c, found := readSection(t, h.creds, "sess")
		if !found || !strings.HasPrefix(c["aws_access_key_id"], "ASIA") || c["aws_session_token"] == "" || c["x_security_token_expires"] == "" ||
			c["x_principal_arn"] != x.userARN {
			t.Fatalf("[sess] of the credentials file: %v", c)
		}
		sessKey := c["aws_access_key_id"]
		// sent runs a consumer and returns the requests signed with the
		// session's key that moto answered (the front saw them all).
		sent := func(run func() result) (result, []mfafront.Request) {
			before := len(x.front.Requests())
			r := run()
			var signed []mfafront.Request
			for _, q := range x.front.Requests()[before:] {
				if q.AccessKeyID == sessKey {
					signed = append(signed, q)
				}
			}
			return r, signed
		}

		var signed []mfafront.Request
		var cli, sdk string
		_, signed = sent(func() result { cli, sdk = h.identity("sess"); return result{} })
		if cli != x.userARN || sdk != x.userARN {
			t.Errorf("profile sess: AWS CLI %q, Go SDK %q; want %s", cli, sdk, x.userARN)
		}
		if len(signed) != 2 || signed[0].Action != "GetCallerIdentity" || !signed[0].Emulated || signed[1].Action != "GetCallerIdentity" || !signed[1].Emulated {
			t.Errorf("profile sess: requests signed with the session key %+v; want two GetCallerIdentity that moto answered", signed)
		}

		_, signed = sent(func() result { cli, sdk = h.identity("sesshop"); return result{} })
		if want := roleARN + "Hop/viasess"; cli != want || sdk != want {
			t.Errorf("profile sesshop: AWS CLI %q, Go SDK %q; want %s", cli, sdk, want)
		}
		if len(signed) != 2 || signed[0].Action != "AssumeRole" || signed[0].Status != 200 || signed[1].Action != "AssumeRole" || signed[1].Status != 200 {
			t.Errorf("profile sesshop: requests signed with the session key %+v; want two AssumeRole that moto answered", signed)
		}

		// duration_seconds = 7200 on a chain: AWS refuses it (as the
		// front does), the AWS CLI and the SDK pass the refusal on,
		// awsfed asks 1 hour and says so.
		const chained = "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
		for _, tc := range []struct {
			consumer string
			run      func() result
		}{
			{"AWS CLI", func() result {
				return h.run(nil, "", "aws", "sts", "get-caller-identity", "--profile", "longhop", "--query", "Arn", "--output", "text")
			}},
			{"Go SDK", func() result { return h.run(nil, "", bins.sdkcheck, "longhop") }},
		} {
			r, signed := sent(tc.run)
			if r.code == 0 || !strings.Contains(r.stderr, "ValidationError") || !strings.Contains(r.stderr, chained) {
				t.Errorf("%s with profile longhop: exit %d, stderr %q; want the refusal of the 2h chained session", tc.consumer, r.code, r.stderr)
			}
			if len(signed) != 1 || signed[0].Action != "AssumeRole" || signed[0].Refused != "ValidationError" {
				t.Errorf("%s with profile longhop: requests signed with the session key %+v; want one AssumeRole the front refused", tc.consumer, signed)
			}
		}
		r, signed = sent(func() result { return h.awsfed(nil, "credential-process", "--profile", "longhop") })
		var out struct {
			Version                                    int
			AccessKeyId, SecretAccessKey, SessionToken string
		}
		if err := json.Unmarshal([]byte(r.stdout), &out); r.code != 0 || err != nil || out.Version != 1 || !strings.HasPrefix(out.AccessKeyId, "ASIA") || out.SessionToken == "" ||
			r.stderr != "awsfed: note: duration_seconds of profile longhop (2h0m0s) exceeds AWS's 1h limit for chained roles; asked for 1h\n" {
			t.Errorf("credential-process --profile longhop: exit %d, %v, stdout %q, stderr %q", r.code, err, r.stdout, r.stderr)
		}
		if len(signed) != 1 || signed[0].Action != "AssumeRole" || signed[0].Status != 200 || signed[0].Refused != "" {
			t.Errorf("credential-process --profile longhop: requests signed with the session key %+v; want one AssumeRole that moto answered", signed)
		}
		if cli, sdk := h.identity("cplonghop"); cli != roleARN+"Hop/longsess" || sdk != roleARN+"Hop/longsess" {
			t.Errorf("credential_process on longhop: AWS CLI %q, Go SDK %q; want %sHop/longsess", cli, sdk, roleARN)
		}
		if got := x.front.UsedCodes(x.serial); len(got) != 2 || got[1] != sessionCode {
			t.Errorf("MFA codes accepted %q, want the role's and the session's: the chains need none", got)
		}
		if c := h.read(h.creds); strings.Contains(c, "[sesshop]") || strings.Contains(c, "[longhop]") || strings.Contains(c, "[cplonghop]") {
			t.Errorf("chained credentials were stored:\n%s", c)
		}
	})
	if !ok {
		return
	}

	t.Run("bad inputs: one line, the exit code, nothing changed", func(t *testing.T) {
		config, creds, base, sess := h.read(h.config), h.read(h.creds), keyring("base"), keyring("sess")
		unchanged := func(what string) {
			t.Helper()
			if h.read(h.config) != config || h.read(h.creds) != creds {
				t.Errorf("%s changed the AWS files", what)
			}
			if keyring("base") != base || keyring("sess") != sess {
				t.Errorf("%s changed the keyring", what)
			}
			if v, found := k.lookup(t, "iam-user:new"); found {
				t.Errorf("%s stored keys for profile new: %q", what, v)
			}
		}
		run := func(what string, env []string, code int, want string, args ...string) []mfafront.Request {
			t.Helper()
			before := len(x.front.Requests())
			r := h.awsfed(env, args...)
			oneLine(what, r, code, want)
			unchanged(what)
			return x.front.Requests()[before:]
		}

		wrong := x.wrongCode(t)
		sent := run("a wrong code", nil, 3, "the code given for this run was rejected; run again with a fresh one",
			"login", "--profile", "base", "--no-prompt", "--mfa-code", wrong)
		if len(sent) != 1 || sent[0].TokenCode != wrong || sent[0].Refused != "AccessDenied" {
			t.Errorf("a wrong code: the front saw %+v; want one AssumeRole it refused", sent)
		}

		sent = run("the code of an earlier run", nil, 3, "the code given for this run was sent before, and a code is good once",
			"login", "--profile", "sess", "--no-prompt", "--mfa-code", sessionCode)
		if len(sent) != 0 {
			t.Errorf("the code of an earlier run was sent again: %+v", sent)
		}

		sent = run("another user's device", nil, 2, "STS does not know the MFA device "+x.bobSerial+" for this user",
			"login", "--profile", "base", "--no-prompt", "--mfa-serial", x.bobSerial, "--mfa-code", "123456")
		if len(sent) != 1 || sent[0].SerialNumber != x.bobSerial || sent[0].Refused != "AccessDenied" {
			t.Errorf("another user's device: the front saw %+v; want one request it refused", sent)
		}

		// In a subtest of its own: noSessionBus skips where the machine
		// has a session bus at a well-known place.
		t.Run("no keyring", func(t *testing.T) {
			env := noSessionBus(t)
			began := time.Now()
			sent := run("no keyring (no D-Bus session bus)", env, 1,
				"read the access keys of profile base from the OS keyring: there is no keyring to use",
				"login", "--profile", "base", "--no-prompt", "--mfa-code", "123456")
			if took := time.Since(began); took > keyringTimeout+2*time.Second {
				t.Errorf("no keyring: awsfed took %s", took)
			}
			if len(sent) != 0 {
				t.Errorf("no keyring: the front saw %+v; want nothing", sent)
			}
		})

		// Revoke alice's key. moto 5.2 does not check an access key's
		// status, so an Inactive key still works there; a deleted one
		// does not.
		if st, b := x.iamSigned(t, url.Values{"Action": {"UpdateAccessKey"}, "UserName": {"alice"}, "AccessKeyId": {x.keyID}, "Status": {"Inactive"}}); st != 200 {
			t.Fatalf("moto UpdateAccessKey: HTTP %d: %s", st, b)
		}
		if _, err := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(x.URL), RetryMaxAttempts: 1,
			Credentials: credentials.NewStaticCredentialsProvider(x.keyID, x.key, "")}).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{}); err == nil {
			t.Logf("moto accepts the Inactive key %s; deleting it instead", x.keyID)
			if st, b := x.iamSigned(t, url.Values{"Action": {"DeleteAccessKey"}, "UserName": {"alice"}, "AccessKeyId": {x.keyID}}); st != 200 {
				t.Fatalf("moto DeleteAccessKey: HTTP %d: %s", st, b)
			}
		}
		code := x.code(t)
		// moto's 403 is no STS reply to awsfed (see credential-process
		// above); at AWS this is "STS did not accept the access key".
		sent = run("a revoked key", nil, 5, "answered HTTP 403",
			"login", "--profile", "base", "--no-prompt", "--mfa-code", code)
		// The front passed the request on (its code was good) and, as
		// moto refused it, did not count the code as used.
		if len(sent) != 1 || sent[0].TokenCode != code || sent[0].Refused != "" || sent[0].Status != http.StatusForbidden ||
			slices.Contains(x.front.UsedCodes(x.serial), code) {
			t.Errorf("a revoked key: the front saw %+v; want one AssumeRole with a good code, passed on to moto, which refused it", sent)
		}
		r := h.run(nil, x.key+"\n", bins.awsfed, "configure", "iam-user", "--profile", "new", "--access-key-id", x.keyID, "--secret-stdin")
		oneLine("configure with a revoked key", r, 5, "STS does not accept the access key "+x.keyID)
		unchanged("configure with a revoked key")
	})
	for what, secret := range map[string]string{"secret access key": x.key, "TOTP secret": x.totp} {
		if f := filesHolding(t, h.dir, secret); len(f) > 0 {
			t.Errorf("files under HOME hold the %s: %s", what, f)
		}
	}
	t.Logf("whole test: %s", time.Since(start).Round(time.Millisecond))
}

// readSection returns the keys of [name] of the credentials file at path.
func readSection(t *testing.T, path, name string) (map[string]string, bool) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var kv map[string]string
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			if kv != nil {
				break
			}
			if line == "["+name+"]" {
				kv = map[string]string{}
			}
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok && kv != nil {
			kv[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return kv, kv != nil
}
