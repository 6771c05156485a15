package main

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/idp/generic/generictest"
	"github.com/seed-2d15385e/awsfed/ui"
)

const processAssumed = "arn:aws:sts::123456789012:assumed-role/Developer/alice@example.com"

// processProfile is [profile jump] set up for a generic login, with
// credential_process when withProcess is set.
func (e *testEnv) processProfile(withProcess bool) string {
	config := otherConfig + "\n[profile jump]\nawsfed_idp = generic\nawsfed_url = " + e.idp.SSOURL() +
		"\nawsfed_username = alice\nawsfed_role_arn = " + generictest.RoleARN + "\nregion = us-east-1\n"
	if withProcess {
		config += "credential_process = /usr/local/bin/awsfed credential-process --profile jump\n"
	}
	e.write(e.config, config)
	return config
}

// cached stores credentials expiring at exp in the cache for profile jump.
func (e *testEnv) cached(exp time.Time) awsconfig.Credentials {
	e.t.Helper()
	c := awsconfig.Credentials{AccessKeyID: "ASIACACHED", SecretAccessKey: "cached/secret", SessionToken: "cachedtoken",
		Expiration: exp.UTC().Truncate(time.Second), PrincipalARN: processAssumed}
	if err := cacheDir(e.deps).Save("jump", c); err != nil {
		e.t.Fatal(err)
	}
	return c
}

// terminalBuffer stands for the controlling terminal.
type terminalBuffer struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	closed bool
}

func (b *terminalBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *terminalBuffer) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	return nil
}

func (b *terminalBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// withTerminal makes the controlling terminal a buffer, as when the AWS CLI
// runs awsfed from a terminal while it captures stderr.
func (e *testEnv) withTerminal() *terminalBuffer {
	tty := &terminalBuffer{}
	e.deps.OpenTerminal = func() (io.WriteCloser, error) { return tty, nil }
	return tty
}

func processJSON(c awsconfig.Credentials) string {
	return fmt.Sprintf(`{"Version":1,"AccessKeyId":%q,"SecretAccessKey":%q,"SessionToken":%q,"Expiration":%q}`+"\n",
		c.AccessKeyID, c.SecretAccessKey, c.SessionToken, c.Expiration.UTC().Format(time.RFC3339))
}

// TestCredentialProcessFromStore checks that valid stored credentials are
// printed as they are, with the IdP and STS stopped: no network traffic.
func TestCredentialProcessFromStore(t *testing.T) {
	tests := []struct {
		name    string
		process bool // [profile jump] runs credential_process: the cache
		left    time.Duration
		args    []string
	}{
		{name: "cache", process: true, left: 2 * time.Hour},
		{name: "credentials file", process: false, left: 2 * time.Hour},
		{name: "inside a shorter --min-valid", process: true, left: 4 * time.Minute, args: []string{"--min-valid", "3m"}},
		{name: "--min-valid in seconds", process: true, left: 4 * time.Minute, args: []string{"--min-valid", "180"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t, generictest.Options{})
			tty := e.withTerminal()
			config := e.processProfile(tt.process)
			var want awsconfig.Credentials
			if tt.process {
				want = e.cached(time.Now().Add(tt.left))
			} else {
				want = awsconfig.Credentials{AccessKeyID: "ASIAFILE", SecretAccessKey: "file/secret", SessionToken: "filetoken",
					Expiration: time.Now().Add(tt.left).UTC().Truncate(time.Second), PrincipalARN: processAssumed}
				e.write(e.creds, otherCreds+"\n[jump]\naws_access_key_id = ASIAFILE\naws_secret_access_key = file/secret\naws_session_token = filetoken\n"+
					"x_security_token_expires = "+want.Expiration.Format(time.RFC3339)+"\nx_principal_arn = "+processAssumed+"\n")
			}
			creds := e.read(e.creds)
			e.idp.Close()
			e.sts.Close()
			if code := e.run(append([]string{"credential-process", "--profile", "jump"}, tt.args...)...); code != 0 {
				t.Fatalf("exit %d: %s", code, e.errOut)
			}
			if got, want := e.out.String(), processJSON(want); got != want {
				t.Errorf("stdout = %s, want %s", got, want)
			}
			if e.errOut.Len() != 0 || tty.String() != "" {
				t.Errorf("stderr %q, terminal %q; want nothing", e.errOut, tty)
			}
			e.assertUnchanged(config, creds)
		})
	}
}

// TestCredentialProcessLogsIn checks that credentials that expire within
// the window, or none at all, make one login whose credentials are
// printed and stored, and that the result line goes to the terminal, not
// to stderr, which the AWS CLI captures.
func TestCredentialProcessLogsIn(t *testing.T) {
	tests := []struct {
		name string
		left time.Duration // 0: nothing cached
		args []string
	}{
		{name: "nothing cached"},
		{name: "expired", left: -time.Minute},
		{name: "inside the default 5m", left: 4 * time.Minute},
		{name: "inside --min-valid", left: 20 * time.Minute, args: []string{"--min-valid", "30m"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t, generictest.Options{})
			e.env["AWSFED_PASSWORD"] = generictest.Password
			tty := e.withTerminal()
			e.processProfile(true)
			if tt.left != 0 {
				e.cached(time.Now().Add(tt.left))
			}
			if code := e.run(append([]string{"credential-process", "--profile", "jump"}, tt.args...)...); code != 0 {
				t.Fatalf("exit %d: %s", code, e.errOut)
			}
			issued := e.sts.Issued()
			if len(issued) != 1 {
				t.Fatalf("STS issued %d credentials, want 1", len(issued))
			}
			is := issued[0]
			want := awsconfig.Credentials{AccessKeyID: is.AccessKeyID, SecretAccessKey: is.SecretAccessKey, SessionToken: is.SessionToken,
				Expiration: is.Expiration.UTC().Truncate(time.Second), PrincipalARN: is.PrincipalARN}
			if got, want := e.out.String(), processJSON(want); got != want {
				t.Errorf("stdout = %s, want %s", got, want)
			}
			if got, ok, err := cacheDir(e.deps).Load("jump"); err != nil || !ok || got != want {
				t.Errorf("cache = %+v, %v, %v; want %+v", got, ok, err, want)
			}
			if e.errOut.Len() != 0 {
				t.Errorf("stderr = %q, want nothing: the AWS CLI captures it", e.errOut)
			}
			if got := tty.String(); !strings.HasPrefix(got, "Assumed "+processAssumed+" into profile jump; expires ") || strings.Count(got, "\n") != 1 {
				t.Errorf("terminal = %q, want the one result line", got)
			}
			if !tty.closed {
				t.Errorf("the terminal was not closed")
			}
			if got := e.read(e.creds); got != otherCreds {
				t.Errorf("the credentials file changed:\n%s", got)
			}
		})
	}
}

// TestCredentialProcessMessagesWithoutTerminal checks that the result
// line goes to stderr when no terminal can be opened, and stays there
// when stderr is the terminal itself.
func TestCredentialProcessMessagesWithoutTerminal(t *testing.T) {
	for _, errTTY := range []bool{false, true} {
		t.Run(fmt.Sprintf("stderr a terminal: %v", errTTY), func(t *testing.T) {
			e := newTestEnv(t, generictest.Options{})
			e.env["AWSFED_PASSWORD"] = generictest.Password
			e.deps.Streams.ErrTTY = errTTY
			opened := false
			e.deps.OpenTerminal = func() (io.WriteCloser, error) {
				opened = true
				return nil, fmt.Errorf("open /dev/tty: no such device or address")
			}
			e.processProfile(true)
			if code := e.run("credential-process", "--profile", "jump"); code != 0 {
				t.Fatalf("exit %d: %s", code, e.errOut)
			}
			if !strings.HasPrefix(e.errOut.String(), "Assumed "+processAssumed) {
				t.Errorf("stderr = %q, want the result line", e.errOut)
			}
			if opened == errTTY {
				t.Errorf("opened the terminal: %v, want %v", opened, !errTTY)
			}
		})
	}
}

// TestCredentialProcessNeedsInput checks exit 4 when a login needs an
// input no one can give: one line on stderr, which the AWS CLI shows,
// saying what to do; nothing on stdout; no file changed.
func TestCredentialProcessNeedsInput(t *testing.T) {
	tests := []struct {
		name     string
		idp      generictest.Options
		setup    func(e *testEnv)
		args     []string
		wantLine string
	}{
		{name: "password, no terminal",
			wantLine: "awsfed: a password is needed and awsfed cannot prompt (no terminal, or --no-prompt): run `awsfed login --profile jump` in a terminal and try again; for unattended renewals set AWSFED_PASSWORD, or awsfed_password_command in [profile jump]\n"},
		{name: "password, --no-prompt on a terminal", setup: func(e *testEnv) { e.terminal() }, args: []string{"--no-prompt"},
			wantLine: "awsfed: a password is needed and awsfed cannot prompt (no terminal, or --no-prompt): run `awsfed login --profile jump` in a terminal and try again; for unattended renewals set AWSFED_PASSWORD, or awsfed_password_command in [profile jump]\n"},
		{name: "one-time code, no terminal", idp: generictest.Options{MFA: true}, setup: password(generictest.Password),
			wantLine: "awsfed: a one-time code is needed and awsfed cannot prompt (no terminal, or --no-prompt): run `awsfed login --profile jump` in a terminal and try again; for unattended renewals set AWSFED_TOTP_SECRET, or awsfed_totp_secret_command in [profile jump]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t, tt.idp)
			tty := e.withTerminal()
			if tt.setup != nil {
				tt.setup(e)
			}
			config := e.processProfile(true)
			e.cached(time.Now().Add(-time.Minute))
			cache := e.read(cacheDir(e.deps).Path("jump"))
			if code := e.run(append([]string{"credential-process", "--profile", "jump"}, tt.args...)...); code != 4 {
				t.Errorf("exit %d, want 4", code)
			}
			if got := e.errOut.String(); got != tt.wantLine {
				t.Errorf("stderr = %q\nwant     %q", got, tt.wantLine)
			}
			if e.out.Len() != 0 || tty.String() != "" {
				t.Errorf("stdout %q, terminal %q; want nothing", e.out, tty)
			}
			e.assertUnchanged(config, otherCreds)
			if got := e.read(cacheDir(e.deps).Path("jump")); got != cache {
				t.Errorf("the cache changed:\n%s", got)
			}
		})
	}
}

// TestCredentialProcessAsksOnTerminal checks that a login that needs the
// password asks for it at the terminal's prompt.
func TestCredentialProcessAsksOnTerminal(t *testing.T) {
	e := newTestEnv(t, generictest.Options{})
	e.terminal()
	tty := e.withTerminal()
	e.prompter.RegisterPassword("Password for alice:", generictest.Password)
	e.processProfile(true)
	if code := e.run("credential-process", "--profile", "jump"); code != 0 {
		t.Fatalf("exit %d: %s", code, e.errOut)
	}
	if !strings.HasPrefix(e.out.String(), `{"Version":1,"AccessKeyId":"`+e.sts.Issued()[0].AccessKeyID+`"`) {
		t.Errorf("stdout = %q", e.out)
	}
	if !strings.HasPrefix(tty.String(), "Assumed ") {
		t.Errorf("terminal = %q, want the result line", tty)
	}
}

// TestCredentialProcessParallel runs ten credential-process at once on an
// expired cache: one logs in, the others wait for it and print what it
// stored.
func TestCredentialProcessParallel(t *testing.T) {
	e := newTestEnv(t, generictest.Options{})
	e.env["AWSFED_PASSWORD"] = generictest.Password
	e.processProfile(true)
	e.cached(time.Now().Add(-time.Hour))
	const n = 10
	var wg sync.WaitGroup
	codes := make([]int, n)
	outs := make([]*bytes.Buffer, n)
	errOuts := make([]*bytes.Buffer, n)
	for i := range n {
		deps := *e.deps
		var streams *ui.Streams
		streams, _, outs[i], errOuts[i] = ui.Test()
		deps.Streams = streams
		wg.Go(func() { codes[i] = Run(t.Context(), []string{"credential-process", "--profile", "jump"}, &deps) })
	}
	wg.Wait()
	if got := len(e.sts.Issued()); got != 1 {
		t.Fatalf("STS issued %d credentials, want 1", got)
	}
	is := e.sts.Issued()[0]
	want := processJSON(awsconfig.Credentials{AccessKeyID: is.AccessKeyID, SecretAccessKey: is.SecretAccessKey,
		SessionToken: is.SessionToken, Expiration: is.Expiration})
	results := 0
	for i := range n {
		if codes[i] != 0 || outs[i].String() != want {
			t.Errorf("run %d: exit %d, stdout %q, stderr %q", i, codes[i], outs[i], errOuts[i])
		}
		if strings.HasPrefix(errOuts[i].String(), "Assumed ") {
			results++
		}
	}
	if results != 1 {
		t.Errorf("%d runs printed a result line, want 1", results)
	}
}

func TestCredentialProcessUsage(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantText string
	}{
		{"no --profile", nil, "credential-process needs --profile NAME"},
		{"bad --min-valid", []string{"--profile", "jump", "--min-valid", "soon"}, `--min-valid "soon"`},
		{"no such profile", []string{"--profile", "nope"}, "profile nope is not an awsfed profile"},
		{"an argument", []string{"--profile", "jump", "extra"}, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t, generictest.Options{})
			config := e.processProfile(true)
			if code := e.run(append([]string{"credential-process"}, tt.args...)...); code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if got := e.errOut.String(); strings.Count(got, "\n") != 1 || !strings.Contains(got, tt.wantText) {
				t.Errorf("stderr = %q, want one line containing %q", got, tt.wantText)
			}
			if e.out.Len() != 0 {
				t.Errorf("stdout = %q, want nothing", e.out)
			}
			e.assertUnchanged(config, otherCreds)
		})
	}
}

// BenchmarkCredentialProcessStored is credential-process answering from
// valid stored credentials, in process: what the command itself costs,
// without the process start-up that scripts/bench-renewals measures.
func BenchmarkCredentialProcessStored(b *testing.B) {
	e := newStatusEnv(b) // no IdP, STS, transport or prompter may be used
	e.write(e.config, "[profile sts]\nawsfed_idp = generic\nawsfed_url = https://idp.example.com/sso\nawsfed_username = u\n")
	e.write(e.creds, credsSection("sts", "arn:aws:sts::111111111111:assumed-role/r/u", time.Now().Add(time.Hour)))
	for b.Loop() {
		e.out.Reset()
		if code := e.run("credential-process", "--profile", "sts"); code != 0 {
			b.Fatal(e.errOut)
		}
	}
}

// TestCredentialProcessStoredBuildsNoClient checks that answering from
// an awsfed profile's valid stored credentials asks for no HTTP transport
// and no prompter: no network client, no CA pool, no terminal.
func TestCredentialProcessStoredBuildsNoClient(t *testing.T) {
	e := newStatusEnv(t) // fails the test on a transport or a prompter
	e.write(e.config, "[profile sts]\nawsfed_idp = generic\nawsfed_url = https://idp.example.com/sso\nawsfed_username = u\n")
	e.write(e.creds, credsSection("sts", "arn:aws:sts::111111111111:assumed-role/r/u", statusNow.Add(time.Hour)))
	if code := e.run("credential-process", "--profile", "sts"); code != 0 || !strings.Contains(e.out.String(), `"Version":1`) {
		t.Fatalf("exit %d, stdout %q: %s", code, e.out, e.errOut)
	}
}
