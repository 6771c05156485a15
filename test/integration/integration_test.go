// Package integration drives the awsfed binary against real software on
// loopback: SimpleSAMLphp and LemonLDAP::NG as IdPs, moto_server as STS in
// strict mode, and the AWS CLI and the AWS SDK for Go as the consumers of the
// profiles awsfed writes. ./scripts/test starts the IdPs and exports their
// addresses; each test starts its own moto_server. The SSO test runs the fake
// IAM Identity Center (sso/ssotest) in the test process and needs the AWS
// CLI v2 (AWSFED_TEST_AWS_CLI, which ./scripts/test sets).
package integration

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

var bins struct{ awsfed, sdkcheck string }

var repoRoot = func() string {
	wd, _ := os.Getwd()
	return filepath.Clean(filepath.Join(wd, "..", ".."))
}()

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "awsfed-integration-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bins.awsfed = filepath.Join(dir, "awsfed")
	bins.sdkcheck = filepath.Join(dir, "sdkcheck")
	for out, pkg := range map[string]string{bins.awsfed: "./cmd/awsfed", bins.sdkcheck: "./test/integration/sdkcheck"} {
		cmd := exec.Command("go", "build", "-o", out, pkg)
		cmd.Dir = repoRoot
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0") // as the README installs it
		if b, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "build %s: %v\n%s", pkg, err, b)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// peer returns the environment variable a peer script exported, or skips
// the test saying how to get it.
func peer(t *testing.T, name, what string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		t.Skipf("%s is not running (%s unset): run ./scripts/test, which installs and starts it", what, name)
	}
	return v
}

// moto is a moto_server started for one test.
type moto struct {
	URL string
}

// startMoto starts a moto_server in strict mode: the first noAuth requests
// pass unchecked, every later one must be signed with credentials moto
// issued. It creates the given roles (two requests each) first.
func startMoto(t *testing.T, noAuth int, roles ...string) *moto {
	t.Helper()
	if _, err := exec.LookPath("moto_server"); err != nil {
		t.Skip("moto_server is not installed (pip install 'moto[server]')")
	}
	cmd := exec.Command(filepath.Join(repoRoot, "scripts", "peers", "moto.sh"), "start")
	cmd.Env = append(os.Environ(), fmt.Sprintf("INITIAL_NO_AUTH_ACTION_COUNT=%d", noAuth))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("start moto_server: %v\n%s", err, stderr.String())
	}
	env := parseEnv(string(out))
	t.Cleanup(func() {
		_ = exec.Command(filepath.Join(repoRoot, "scripts", "peers", "moto.sh"), "stop", env["MOTO_DIR"]).Run()
	})
	m := &moto{URL: env["MOTO_URL"]}
	if m.URL == "" {
		t.Fatalf("moto.sh printed no MOTO_URL: %q", out)
	}
	for _, r := range roles {
		m.iam(t, url.Values{"Action": {"CreateRole"}, "RoleName": {r},
			"AssumeRolePolicyDocument": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:*"}]}`}})
		m.iam(t, url.Values{"Action": {"PutRolePolicy"}, "RoleName": {r}, "PolicyName": {"all"},
			"PolicyDocument": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`}})
	}
	return m
}

// iam sends an IAM request among moto's unchecked first ones and returns
// the answer's body; the Authorization header only tells moto which
// service is meant.
func (m *moto) iam(t *testing.T, v url.Values) []byte {
	t.Helper()
	v.Set("Version", "2010-05-08")
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, m.URL+"/", strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIASETUPONLY/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=00")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("moto %s: %v", v.Get("Action"), err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("moto %s: HTTP %d, %v: %s", v.Get("Action"), resp.StatusCode, err, b)
	}
	return b
}

// parseEnv reads KEY='value' lines.
func parseEnv(s string) map[string]string {
	env := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		line := strings.TrimPrefix(strings.TrimSpace(sc.Text()), "export ")
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		env[k] = strings.Trim(v, `'"`)
	}
	return env
}

// home is an isolated user: its own HOME (awscli caches chained
// credentials there), AWS files and environment.
type home struct {
	t             *testing.T
	dir           string
	config, creds string
	env           []string
	// sysProcAttr, if set, starts every program run (e.g. in a session of
	// its own, without the controlling terminal).
	sysProcAttr *syscall.SysProcAttr
}

func newHome(t *testing.T, stsURL string) *home {
	t.Helper()
	dir := t.TempDir()
	h := &home{t: t, dir: dir, config: filepath.Join(dir, ".aws", "config"), creds: filepath.Join(dir, ".aws", "credentials")}
	if err := os.MkdirAll(filepath.Dir(h.config), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_") || strings.HasPrefix(k, "AWSFED_") || k == "HOME" {
			continue
		}
		h.env = append(h.env, kv)
	}
	h.env = append(h.env, "HOME="+dir, "AWS_CONFIG_FILE="+h.config, "AWS_SHARED_CREDENTIALS_FILE="+h.creds,
		"AWS_ENDPOINT_URL_STS="+stsURL, "AWS_MAX_ATTEMPTS=1", "AWS_PAGER=")
	return h
}

func (h *home) write(path, content string) {
	h.t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		h.t.Fatal(err)
	}
}

func (h *home) read(path string) string {
	h.t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		h.t.Fatal(err)
	}
	return string(b)
}

// result is how a command ended.
type result struct {
	code           int
	stdout, stderr string
}

// run runs a program in the home's environment plus extra variables.
func (h *home) run(extra []string, stdin string, name string, args ...string) result {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(h.t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(append([]string(nil), h.env...), extra...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.SysProcAttr = h.sysProcAttr
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		h.t.Fatalf("run %s: %v", name, err)
	}
	return r
}

func (h *home) awsfed(extra []string, args ...string) result {
	h.t.Helper()
	return h.run(extra, "", bins.awsfed, args...)
}

// wantIdentity checks that the AWS CLI and the Go SDK both act, through
// profile, as an ARN that starts with want.
func (h *home) wantIdentity(profile, want string) {
	h.t.Helper()
	cli, sdk := h.identity(profile)
	if !strings.HasPrefix(cli, want) || !strings.HasPrefix(sdk, want) {
		h.t.Errorf("identity of profile %s: AWS CLI %q, Go SDK %q; want %s…", profile, cli, sdk, want)
	}
}

// identity returns the ARN the AWS CLI and the Go SDK each see for profile.
func (h *home) identity(profile string) (cli, sdk string) {
	h.t.Helper()
	if _, err := exec.LookPath("aws"); err != nil {
		h.t.Skip("the AWS CLI is not installed (pip install awscli)")
	}
	r := h.run(nil, "", "aws", "sts", "get-caller-identity", "--profile", profile, "--query", "Arn", "--output", "text")
	if r.code != 0 {
		h.t.Errorf("aws sts get-caller-identity --profile %s: exit %d: %s", profile, r.code, r.stderr)
	}
	s := h.run(nil, "", bins.sdkcheck, profile)
	if s.code != 0 {
		h.t.Errorf("Go SDK GetCallerIdentity for %s: exit %d: %s", profile, s.code, s.stderr)
	}
	return strings.TrimSpace(r.stdout), strings.TrimSpace(s.stdout)
}
