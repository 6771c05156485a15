package main

import (
	"strings"
	"testing"
	"time"

	"github.com/seed-2d15385e/awsfed/assume/ststest"
	"github.com/seed-2d15385e/awsfed/assume/ststest/mfafront"
	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/iamuser"
	"github.com/seed-2d15385e/awsfed/idp/generic/generictest"
	"github.com/seed-2d15385e/awsfed/internal/keyring"
	"github.com/seed-2d15385e/awsfed/mfa"
)

// The IAM user of the tests: alice, with a virtual MFA device; bob's
// device exists too. handsonrole wants MFA and allows 12-hour sessions.
const (
	iamUserARN    = "arn:aws:iam::111111111111:user/alice"
	iamKeyID      = "AKIAALICE0000000EXAM"
	iamSecret     = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	iamSerial     = "arn:aws:iam::111111111111:mfa/alice"
	iamTOTPSecret = "JBSWY3DPEHPK3PXP"
	bobSerial     = "arn:aws:iam::111111111111:mfa/bob"
	handsonRole   = "arn:aws:iam::222222222222:role/handsonrole"
)

// iamEnv is a testEnv whose STS knows alice's keys, behind the TOTP
// checking front, and whose keyring is in memory.
type iamEnv struct {
	*testEnv
	front   *mfafront.Front
	keyring *fakeKeyring
	// ahead moves awsfed's and the front's clocks: nextCode moves it to
	// the next TOTP step, rather than waiting for it.
	ahead time.Duration
}

func (e *iamEnv) now() time.Time { return time.Now().Add(e.ahead) }

// nextCode moves the clocks to the next TOTP step.
func (e *iamEnv) nextCode() { e.ahead += 30 * time.Second }

func newIAMEnv(t testing.TB) *iamEnv {
	t.Helper()
	e := &iamEnv{testEnv: newTestEnv(t, generictest.Options{},
		ststest.WithIAMUser(ststest.IAMUser{ARN: iamUserARN, AccessKeyID: iamKeyID, SecretAccessKey: iamSecret}),
		ststest.WithMaxSessionDuration(handsonRole, 12*time.Hour))}
	e.front = mfafront.New(t, e.sts.URL, mfafront.Options{
		Devices: []mfafront.Device{
			{Serial: iamSerial, Secret: iamTOTPSecret, UserARN: iamUserARN, AccessKeyIDs: []string{iamKeyID}},
			{Serial: bobSerial, Secret: "KRSXG5CTMVRXEZLU", UserARN: "arn:aws:iam::111111111111:user/bob"},
		},
		RequireMFA: []string{handsonRole},
		Now:        func() time.Time { return e.now() },
	})
	e.deps.Now = e.now
	e.env["AWS_ENDPOINT_URL_STS"] = e.front.URL
	e.keyring = e.withKeyring(nil)
	return e
}

// configure stores alice's keys for profile base, as a person would.
func (e *iamEnv) configure(extra ...string) {
	e.t.Helper()
	e.in.WriteString(iamSecret + "\n")
	args := append([]string{"configure", "iam-user", "--profile", "base", "--access-key-id", iamKeyID, "--mfa-serial", iamSerial, "--secret-stdin"}, extra...)
	if code := e.run(args...); code != 0 {
		e.t.Fatalf("configure iam-user: exit %d: %s", code, e.errOut)
	}
}

// code is alice's current TOTP code.
func (e *iamEnv) code() string {
	e.t.Helper()
	c, err := mfa.TOTP(iamTOTPSecret, e.now())
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// assertNoSecret fails if the secret key or the TOTP secret shows in
// the output or the files.
func (e *iamEnv) assertNoSecret() {
	e.t.Helper()
	for where, text := range map[string]string{"stdout": e.out.String(), "stderr": e.errOut.String(), "config": e.read(e.config), "credentials": e.read(e.creds)} {
		for _, secret := range []string{iamSecret, iamTOTPSecret} {
			if strings.Contains(text, secret) {
				e.t.Errorf("%s holds a secret:\n%s", where, text)
			}
		}
	}
}

func TestIAMUserConfigureLoginChain(t *testing.T) {
	e := newIAMEnv(t)
	e.configure()
	if got := e.keyring.items[iamuser.KeyringItem("base")]; !strings.Contains(got, iamKeyID) || !strings.Contains(got, iamSecret) {
		t.Errorf("keyring item %s = %q, want alice's keys", iamuser.KeyringItem("base"), got)
	}
	config := e.read(e.config)
	if want := "[profile base]\nawsfed_idp = iam-user\nawsfed_username = alice\nawsfed_mfa_serial = " + iamSerial + "\n"; !strings.Contains(config, want) {
		t.Errorf("config lacks\n%s\nin\n%s", want, config)
	}
	if !strings.Contains(e.errOut.String(), "Stored the access key "+iamKeyID+" of "+iamUserARN+" in the OS keyring for profile base") {
		t.Errorf("configure said %q", e.errOut)
	}
	e.assertNoSecret()

	// A session: GetSessionToken with the code, 12 hours.
	e.env["AWSFED_TOTP_SECRET"] = iamTOTPSecret
	if code := e.run("login", "--profile", "base", "--no-prompt"); code != 0 {
		t.Fatalf("login: exit %d: %s", code, e.errOut)
	}
	creds := e.read(e.creds)
	if !strings.Contains(creds, "[base]\naws_access_key_id = ASIA") || !strings.Contains(creds, "x_principal_arn = "+iamUserARN) {
		t.Errorf("credentials file:\n%s", creds)
	}
	var gst []mfafront.Request
	for _, r := range e.front.Requests() {
		if r.Action == "GetSessionToken" {
			gst = append(gst, r)
		}
	}
	if len(gst) != 1 || !gst[0].MFA || gst[0].SerialNumber != iamSerial {
		t.Errorf("GetSessionToken requests %+v, want one with alice's device", gst)
	}
	for _, r := range e.sts.Requests() {
		if r.Action == "GetSessionToken" && r.Form.Get("DurationSeconds") != "43200" {
			t.Errorf("DurationSeconds = %q, want 43200", r.Form.Get("DurationSeconds"))
		}
	}
	e.assertNoSecret()

	// env and status on it.
	if code := e.run("env", "--profile", "base", "--format", "json"); code != 0 || !strings.Contains(e.out.String(), "ASIA") {
		t.Errorf("env: exit %d: %s %s", code, e.out, e.errOut)
	}
	if code := e.run("status"); code != 0 || !strings.Contains(e.out.String(), "base     iam-user  alice") {
		t.Errorf("status: exit %d:\n%s%s", code, e.out, e.errOut)
	}

	// The console refuses a user's session, without a request.
	e.env[envSigninFederationURL] = "http://127.0.0.1:1/federation"
	config, creds = e.read(e.config), e.read(e.creds)
	if code := e.run("console", "--profile", "base", "--print"); code != exitUsage || !strings.Contains(e.errOut.String(), "the AWS console takes a role's credentials, and these are a session of the IAM user "+iamUserARN) {
		t.Errorf("console on a user's session: exit %d: %s", code, e.errOut)
	}
	e.assertUnchanged(config, creds)

	// Still valid: nothing sent, the keyring not asked.
	gets, sent := e.keyring.gets, len(e.front.Requests())
	if code := e.run("login", "--profile", "base", "--no-prompt", "--skip-if-valid", "30m"); code != 0 {
		t.Fatalf("login --skip-if-valid: exit %d: %s", code, e.errOut)
	}
	if e.keyring.gets != gets || len(e.front.Requests()) != sent {
		t.Errorf("--skip-if-valid read the keyring %d times and sent %d requests, want none", e.keyring.gets-gets, len(e.front.Requests())-sent)
	}

	// A chain on it: one MFA session, then a 1-hour hop.
	e.write(e.config, e.read(e.config)+"\n[profile hop]\nrole_arn = "+handsonRole+"\nsource_profile = base\n")
	if code := e.run("credential-process", "--profile", "hop"); code != 0 || !strings.Contains(e.out.String(), `"AccessKeyId":"ASIA`) {
		t.Fatalf("credential-process on the chain: exit %d: %s %s", code, e.out, e.errOut)
	}
	e.nextCode()
	if code := e.run("login", "--profile", "base", "--no-prompt", "--force", "--also", "hop"); code != 0 {
		t.Fatalf("login --also hop: exit %d: %s", code, e.errOut)
	}
	if !strings.Contains(e.errOut.String(), "the roles chained on base (hop) get sessions of 1 hour at most") {
		t.Errorf("no note on the 1-hour limit:\n%s", e.errOut)
	}
	if !strings.Contains(e.read(e.creds), "[hop-static]\naws_access_key_id = ASIA") {
		t.Errorf("no [hop-static]:\n%s", e.read(e.creds))
	}

	// One role, directly with MFA: its full 8 hours.
	e.nextCode()
	before := e.now()
	if code := e.run("login", "--profile", "base", "--no-prompt", "--role-arn", handsonRole, "--duration", "8h"); code != 0 {
		t.Fatalf("login --role-arn: exit %d: %s", code, e.errOut)
	}
	c, ok := readCreds(t, e.creds, "base")
	if !ok || !strings.HasPrefix(c.PrincipalARN, "arn:aws:sts::222222222222:assumed-role/handsonrole/alice") || c.Expiration.Sub(before) < 7*time.Hour+50*time.Minute {
		t.Errorf("credentials %v expiring %v, want handsonrole's for 8h", c.PrincipalARN, c.Expiration)
	}
	if !strings.Contains(e.read(e.config), "awsfed_role_arn = "+handsonRole+"\nawsfed_duration = 8h\n") {
		t.Errorf("the role was not saved:\n%s", e.read(e.config))
	}
	e.assertNoSecret()
}

// TestIAMUserCodeNeverTwice sends a code once: a second run given the same
// code refuses it without asking STS.
func TestIAMUserCodeNeverTwice(t *testing.T) {
	e := newIAMEnv(t)
	e.configure()
	code := e.code()
	if c := e.run("login", "--profile", "base", "--no-prompt", "--mfa-code", code); c != 0 {
		t.Fatalf("first login: exit %d: %s", c, e.errOut)
	}
	sent := len(e.front.Requests())
	config, creds := e.read(e.config), e.read(e.creds)
	if c := e.run("login", "--profile", "base", "--no-prompt", "--force", "--mfa-code", code); c != exitRefused {
		t.Errorf("second login with the same code: exit %d, want %d: %s", c, exitRefused, e.errOut)
	}
	if msg := e.errOut.String(); !strings.Contains(msg, "the code given for this run was sent before") || strings.Contains(msg, code) {
		t.Errorf("message %q", msg)
	}
	if got := len(e.front.Requests()); got != sent {
		t.Errorf("%d more STS requests, want none", got-sent)
	}
	e.assertUnchanged(config, creds)
}

// TestIAMUserBadInputs checks each failure: one line, its exit code, the
// files as they were.
func TestIAMUserBadInputs(t *testing.T) {
	tests := []struct {
		name  string
		setup func(e *iamEnv)
		args  []string
		code  int
		want  string
	}{
		{name: "wrong code", args: []string{"login", "--profile", "base", "--no-prompt", "--mfa-code", "000000"},
			code: exitRefused, want: "the code given for this run was rejected"},
		{name: "another user's device", args: []string{"login", "--profile", "base", "--no-prompt", "--mfa-serial", bobSerial},
			setup: func(e *iamEnv) { e.env["AWSFED_TOTP_SECRET"] = iamTOTPSecret },
			code:  exitUsage, want: "STS does not know the MFA device " + bobSerial + " for this user"},
		{name: "keys revoked", args: []string{"login", "--profile", "base", "--no-prompt"},
			setup: func(e *iamEnv) { e.env["AWSFED_TOTP_SECRET"] = iamTOTPSecret; e.sts.RevokeKey(iamKeyID) },
			code:  exitAWS, want: "STS did not accept the access key of profile base (InvalidClientTokenId)"},
		{name: "keyring absent", args: []string{"login", "--profile", "base", "--no-prompt", "--mfa-code", "123456"},
			setup: func(e *iamEnv) { e.keyring.err = &keyring.Error{} },
			code:  exitError, want: "read the access keys of profile base from the OS keyring"},
		{name: "no keys stored", args: []string{"login", "--profile", "base", "--no-prompt", "--mfa-code", "123456"},
			setup: func(e *iamEnv) { delete(e.keyring.items, iamuser.KeyringItem("base")) },
			code:  exitUsage, want: "the OS keyring holds no access keys for profile base: store them with awsfed configure iam-user"},
		{name: "no code and no terminal", args: []string{"credential-process", "--profile", "base", "--min-valid", "2h"},
			code: exitNeedsInput, want: "run awsfed login --profile base at a terminal"},
		{name: "37h session", args: []string{"login", "--profile", "base", "--duration", "37h", "--mfa-code", "123456"},
			code: exitUsage, want: "AWS allows 15m to 36h for a session of an IAM user"},
		{name: "configure: STS refuses the key", args: []string{"configure", "iam-user", "--profile", "other2", "--access-key-id", "AKIAUNKNOWN000000000", "--secret-stdin"},
			setup: func(e *iamEnv) { e.in.WriteString(iamSecret + "\n") },
			code:  exitAWS, want: "STS does not accept the access key AKIAUNKNOWN000000000"},
		{name: "configure: STS unreachable", args: []string{"configure", "iam-user", "--profile", "other2", "--access-key-id", iamKeyID, "--secret-stdin"},
			setup: func(e *iamEnv) {
				e.in.WriteString(iamSecret + "\n")
				e.env["AWS_ENDPOINT_URL_STS"] = "http://127.0.0.1:1"
			},
			code: exitError, want: "could not reach STS at http://127.0.0.1:1/ to check the access key " + iamKeyID + ": connection refused"},
		{name: "configure: keyring absent", args: []string{"configure", "iam-user", "--profile", "other2", "--access-key-id", iamKeyID, "--secret-stdin"},
			setup: func(e *iamEnv) { e.in.WriteString(iamSecret + "\n"); e.keyring.err = &keyring.Error{} },
			code:  exitError, want: "store the access keys of profile other2 in the OS keyring"},
		{name: "configure: a temporary key", args: []string{"configure", "iam-user", "--profile", "other2", "--access-key-id", "ASIAUNKNOWN000000000", "--secret-stdin"},
			setup: func(e *iamEnv) { e.in.WriteString(iamSecret + "\n") },
			code:  exitUsage, want: "is a temporary key"},
		{name: "configure: no secret", args: []string{"configure", "iam-user", "--profile", "other2", "--access-key-id", iamKeyID, "--secret-stdin"},
			code: exitUsage, want: "standard input held no secret access key"},
		{name: "configure: long-term keys in the file", args: []string{"configure", "iam-user", "--profile", "other", "--access-key-id", iamKeyID, "--secret-stdin"},
			setup: func(e *iamEnv) { e.in.WriteString(iamSecret + "\n") },
			code:  exitUsage, want: "pass --move-keys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newIAMEnv(t)
			e.configure()
			if tt.setup != nil {
				tt.setup(e)
			}
			config, creds := e.read(e.config), e.read(e.creds)
			items := len(e.keyring.items)
			code := e.run(tt.args...)
			msg := strings.TrimSpace(e.errOut.String())
			if code != tt.code || !strings.Contains(msg, tt.want) {
				t.Errorf("exit %d, want %d; stderr %q, want it to hold %q", code, tt.code, msg, tt.want)
			}
			if strings.Count(msg, "\n") != 0 || !strings.HasPrefix(msg, "awsfed: ") || strings.HasPrefix(msg, "awsfed: note: ") {
				t.Errorf("want one line, the error:\n%s", msg)
			}
			e.assertUnchanged(config, creds)
			if len(e.keyring.items) != items {
				t.Errorf("the keyring changed: %d items, was %d", len(e.keyring.items), items)
			}
			e.assertNoSecret()
		})
	}
}

// TestIAMUserMoveKeys moves long-term keys from the credentials file into
// the keyring, keeping every other byte.
func TestIAMUserMoveKeys(t *testing.T) {
	e := newIAMEnv(t)
	e.write(e.creds, "# my keys\n[base]\naws_access_key_id = "+iamKeyID+"\naws_secret_access_key = "+iamSecret+"\n\n"+otherCreds)
	if code := e.run("configure", "iam-user", "--profile", "base", "--move-keys", "--mfa-serial", iamSerial); code != 0 {
		t.Fatalf("configure --move-keys: exit %d: %s", code, e.errOut)
	}
	if got, want := e.read(e.creds), "# my keys\n\n"+otherCreds; got != want {
		t.Errorf("credentials file:\n%s\nwant:\n%s", got, want)
	}
	if got := e.keyring.items[iamuser.KeyringItem("base")]; !strings.Contains(got, iamSecret) {
		t.Errorf("keyring item = %q", got)
	}
	e.env["AWSFED_TOTP_SECRET"] = iamTOTPSecret
	if code := e.run("login", "--profile", "base", "--no-prompt"); code != 0 {
		t.Fatalf("login after the move: exit %d: %s", code, e.errOut)
	}
	e.assertNoSecret()
}

// readCreds reads section name of the credentials file at path.
func readCreds(t *testing.T, path, name string) (awsconfig.Credentials, bool) {
	t.Helper()
	f, err := awsconfig.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return awsconfig.ReadCredentials(f, name)
}

// TestIAMUserPrompt types a wrong code, then the right one, at the
// terminal: the second is asked for and the login succeeds.
func TestIAMUserPrompt(t *testing.T) {
	e := newIAMEnv(t)
	e.configure()
	e.terminal()
	e.prompter.RegisterPassword("MFA code for "+iamSerial+": ", "000000")
	e.prompter.RegisterPassword("MFA code for "+iamSerial+": ", e.code())
	if code := e.run("login", "--profile", "base"); code != 0 {
		t.Fatalf("login: exit %d: %s", code, e.errOut)
	}
	if !strings.Contains(e.errOut.String(), "STS refused the MFA code (wrong, or used before); trying the next one") {
		t.Errorf("stderr:\n%s", e.errOut)
	}
	e.assertNoSecret()
}

// BenchmarkIAMUserLogin is a whole awsfed login --no-prompt of an IAM
// user's session in one process: settings, the keys from the keyring, a
// TOTP code claimed in the ledger, one GetSessionToken through the front,
// and the credentials file written with its fsyncs. Each run takes the
// next TOTP step (the clock moves), since a code is never sent twice.
func BenchmarkIAMUserLogin(b *testing.B) {
	e := newIAMEnv(b)
	e.configure()
	e.env["AWSFED_TOTP_SECRET"] = iamTOTPSecret
	if code := e.run("login", "--profile", "base", "--no-prompt"); code != 0 {
		b.Fatalf("first login: exit %d: %s", code, e.errOut)
	}
	before := len(e.front.Requests())
	b.ResetTimer()
	for b.Loop() {
		e.nextCode()
		if code := e.run("login", "--profile", "base", "--no-prompt", "--force"); code != 0 {
			b.Fatalf("login: exit %d: %s", code, e.errOut)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(len(e.front.Requests())-before)/float64(b.N), "sts-requests/op")
}

// TestHopCodeNeverTwice: a chained profile's own mfa_serial code goes
// through the same ledger as the IAM user's: a second run given the same
// code refuses it without asking STS.
func TestHopCodeNeverTwice(t *testing.T) {
	e := newIAMEnv(t)
	e.configure()
	e.env["AWSFED_TOTP_SECRET"] = iamTOTPSecret
	e.mustRun("login", "--profile", "base", "--no-prompt")
	delete(e.env, "AWSFED_TOTP_SECRET")
	e.write(e.config, e.read(e.config)+"\n[profile mfahop]\nrole_arn = "+handsonRole+"\nsource_profile = base\nmfa_serial = "+iamSerial+"\n")
	e.nextCode()
	e.env["AWSFED_MFA_CODE"] = e.code()
	if code := e.run("credential-process", "--profile", "mfahop"); code != 0 {
		t.Fatalf("credential-process with the hop's code: exit %d: %s", code, e.errOut)
	}
	sent := len(e.front.Requests())
	if code := e.run("credential-process", "--profile", "mfahop"); code != exitRefused || !strings.Contains(e.errOut.String(), "sent before") {
		t.Errorf("the same hop code again: exit %d: %s", code, e.errOut)
	}
	if got := len(e.front.Requests()) - sent; got != 0 {
		t.Errorf("%d STS requests for a code sent before, want 0", got)
	}
}

// TestIAMUserKeysFrom gives one role a profile of its own with the keys
// stored for base: the role keeps its full duration, base its session.
func TestIAMUserKeysFrom(t *testing.T) {
	e := newIAMEnv(t)
	e.configure()
	e.env["AWSFED_TOTP_SECRET"] = iamTOTPSecret
	e.mustRun("login", "--profile", "base", "--no-prompt")
	base, _ := readCreds(t, e.creds, "base")
	e.nextCode()
	e.mustRun("login", "--idp", "iam-user", "--profile", "handson", "--keys-from", "base", "--role-arn", handsonRole, "--duration", "8h", "--no-prompt")
	if want := "[profile handson]\nawsfed_idp = iam-user\nawsfed_keys_from = base\nawsfed_role_arn = " + handsonRole + "\nawsfed_duration = 8h\n"; !strings.Contains(e.read(e.config), want) {
		t.Errorf("config lacks\n%s\nin\n%s", want, e.read(e.config))
	}
	c, ok := readCreds(t, e.creds, "handson")
	if !ok || !strings.HasPrefix(c.PrincipalARN, "arn:aws:sts::222222222222:assumed-role/handsonrole/alice") || c.Expiration.Sub(e.now()) < 7*time.Hour+50*time.Minute {
		t.Errorf("[handson] acts as %s until %v, want handsonrole for 8h", c.PrincipalARN, c.Expiration)
	}
	if got, _ := readCreds(t, e.creds, "base"); got != base {
		t.Errorf("[base] changed")
	}
	e.nextCode()
	e.mustRun("login", "--profile", "handson", "--no-prompt", "--force")

	config, creds := e.read(e.config), e.read(e.creds)
	if code := e.run("login", "--idp", "iam-user", "--profile", "x", "--keys-from", "nobody", "--no-prompt"); code != exitUsage || !strings.Contains(e.errOut.String(), "--keys-from nobody: profile nobody is not one whose keys awsfed configure iam-user stored") {
		t.Errorf("--keys-from nobody: exit %d: %s", code, e.errOut)
	}
	e.assertUnchanged(config, creds)
}
