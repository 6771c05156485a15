package ssotest_test

import (
	"context"
	"crypto/sha1"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed-2d15385e/awsfed/sso/ssotest"
)

// awsCLI is an AWS CLI v2 found for the test.
type awsCLI struct {
	path         string
	major, minor int
	version      string
}

// awsVersionRE reads `aws --version`: "aws-cli/2.9.19 Python/3.11.2 …".
var awsVersionRE = regexp.MustCompile(`^aws-cli/(\d+)\.(\d+)\.(\d+)`)

// findAWSCLI returns the AWS CLI named by AWSFED_TEST_AWS_CLI, else the
// first `aws` in PATH that is version 2.9 or later (sso-session support);
// the AWS CLI v1 has no `aws sso login`. It skips the test otherwise,
// saying what it found.
func findAWSCLI(t *testing.T) awsCLI {
	t.Helper()
	var candidates []string
	if p := os.Getenv("AWSFED_TEST_AWS_CLI"); p != "" {
		candidates = []string{p}
	} else {
		for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
			if p := filepath.Join(dir, "aws"); isExecutable(p) {
				candidates = append(candidates, p)
			}
		}
	}
	var seen []string
	for _, p := range candidates {
		cmd := exec.Command(p, "--version")
		cmd.Env = append(cleanEnv(), "HOME="+t.TempDir())
		out, err := cmd.CombinedOutput()
		m := awsVersionRE.FindStringSubmatch(strings.TrimSpace(string(out)))
		if err != nil || m == nil {
			seen = append(seen, fmt.Sprintf("%s (no version: %v)", p, err))
			continue
		}
		major, _ := strconv.Atoi(m[1])
		minor, _ := strconv.Atoi(m[2])
		version := strings.TrimPrefix(m[0], "aws-cli/")
		if major == 2 && minor >= 9 {
			return awsCLI{path: p, major: major, minor: minor, version: version}
		}
		seen = append(seen, p+" "+version)
	}
	if len(seen) == 0 {
		t.Skip("no aws on PATH; install the AWS CLI v2 (Debian: apt-get install awscli) or set AWSFED_TEST_AWS_CLI")
	}
	t.Skipf("no AWS CLI v2.9+ (sso-session support) found, only %s; install it (Debian: apt-get install awscli) or set AWSFED_TEST_AWS_CLI", strings.Join(seen, ", "))
	return awsCLI{}
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// cleanEnv is the environment without anything that would steer the CLI
// to other credentials, files or endpoints.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "AWS_") || strings.HasPrefix(kv, "HOME=") || strings.HasPrefix(kv, "BROWSER=") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// endpointRules is an endpoint rule set sending every request of a service
// to its fake URL for each region: how an AWS CLI older than 2.13, which
// knows no AWS_ENDPOINT_URL_<SERVICE>, is pointed at the fake. The CLI
// reads it from ~/.aws/models, which botocore searches before its own
// models. An endpoint given by AWS_ENDPOINT_URL_* wins, as in AWS's rules.
func endpointRules(urls map[string]string) string {
	rules := []any{map[string]any{
		"conditions": []any{map[string]any{"fn": "isSet", "argv": []any{map[string]any{"ref": "Endpoint"}}}},
		"endpoint":   map[string]any{"url": map[string]any{"ref": "Endpoint"}, "properties": map[string]any{}, "headers": map[string]any{}},
		"type":       "endpoint",
	}}
	regions := make([]string, 0, len(urls))
	for r := range urls {
		regions = append(regions, r)
	}
	sort.Strings(regions)
	for _, r := range regions {
		rules = append(rules, map[string]any{
			"conditions": []any{
				map[string]any{"fn": "isSet", "argv": []any{map[string]any{"ref": "Region"}}},
				map[string]any{"fn": "stringEquals", "argv": []any{map[string]any{"ref": "Region"}, r}},
			},
			"endpoint": map[string]any{"url": urls[r], "properties": map[string]any{}, "headers": map[string]any{}},
			"type":     "endpoint",
		})
	}
	rules = append(rules, map[string]any{"conditions": []any{}, "error": "the fake does not serve this region", "type": "error"})
	b, _ := json.MarshalIndent(map[string]any{
		"version": "1.0",
		"parameters": map[string]any{
			"Region":       map[string]any{"builtIn": "AWS::Region", "required": false, "type": "String"},
			"UseDualStack": map[string]any{"builtIn": "AWS::UseDualStack", "required": true, "default": false, "type": "Boolean"},
			"UseFIPS":      map[string]any{"builtIn": "AWS::UseFIPS", "required": true, "default": false, "type": "Boolean"},
			"Endpoint":     map[string]any{"builtIn": "SDK::Endpoint", "required": false, "type": "String"},
		},
		"rules": rules,
	}, "", "  ")
	return string(b)
}

// cliHome is a HOME for the CLI with a config for the fake.
type cliHome struct {
	dir string
	env []string
}

func newCLIHome(t *testing.T, srv *ssotest.Server, region string) cliHome {
	t.Helper()
	home := t.TempDir()
	config := fmt.Sprintf(`[sso-session s]
sso_start_url = %s
sso_region = %s
sso_registration_scopes = sso:account:access

[profile p]
sso_session = s
sso_account_id = 111111111111
sso_role_name = ReadOnly
region = %s
`, srv.StartURL(), region, region)
	write := func(rel, content string) {
		p := filepath.Join(home, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(".aws/config", config)
	write(".aws/models/sso-oidc/2019-06-10/endpoint-rule-set-1.json", endpointRules(map[string]string{region: srv.OIDCURL(region)}))
	write(".aws/models/sso/2019-06-10/endpoint-rule-set-1.json", endpointRules(map[string]string{region: srv.PortalURL(region)}))
	env := append(cleanEnv(),
		"HOME="+home,
		"AWS_ENDPOINT_URL_SSO_OIDC="+srv.OIDCURL(region),
		"AWS_ENDPOINT_URL_SSO="+srv.PortalURL(region),
		"AWS_PAGER=",
		"BROWSER=/bin/false",
	)
	return cliHome{dir: home, env: env}
}

func (h cliHome) run(t *testing.T, cli awsCLI, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, cli.path, args...)
	cmd.Env = h.env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("aws %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out, stderr.String())
	}
	return string(out)
}

// readJSON reads a cache file, checking its mode is 0600.
func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("the CLI wrote no %s: %v", filepath.Base(path), err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", filepath.Base(path), fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

// redacted is m with secrets cut, for the test log.
func redacted(m map[string]any) string {
	c := map[string]any{}
	for k, v := range m {
		if s, ok := v.(string); ok && (k == "accessToken" || k == "refreshToken" || k == "clientSecret") {
			v = s[:6] + "…(" + strconv.Itoa(len(s)) + " chars)"
		}
		c[k] = v
	}
	b, _ := json.Marshal(c)
	return string(b)
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestAWSCLI logs in with the real AWS CLI's device flow against the fake,
// checks the files it writes, has it refresh the token and get role
// credentials through Options.Mint, then log out.
func TestAWSCLI(t *testing.T) {
	t.Parallel()
	cli := findAWSCLI(t)
	t.Logf("AWS CLI %s at %s", cli.version, cli.path)

	var mu sync.Mutex
	var minted []ssotest.Credentials
	srv := ssotest.NewServer(t, ssotest.Options{
		StartURL:    startURL,
		Users:       map[string]string{"alice": "alice@example.com"},
		Assignments: map[string]map[string][]string{"alice": {"111111111111": {"ReadOnly"}}},
		// Shorter than the CLI's 15-minute refresh window: its next
		// command refreshes the token.
		AccessTokenLength: 10 * time.Minute,
		Mint: func(_ context.Context, account, role, user string) (ssotest.Credentials, error) {
			c := ssotest.Credentials{
				AccessKeyID: "ASIAFAKE" + fmt.Sprintf("%012d", len(minted)), SecretAccessKey: "secret-" + account + "-" + role,
				SessionToken: "token-for-" + user, Expiration: time.Now().Add(time.Hour).Truncate(time.Second),
			}
			mu.Lock()
			minted = append(minted, c)
			mu.Unlock()
			return c, nil
		},
	})
	home := newCLIHome(t, srv, "us-east-1")

	// aws sso login, in the background; approve the code it prints.
	printed := srv.CLILogin(t, cli.path, cli.minor, home.env, "p", "alice")
	t.Logf("aws sso login printed:\n%s", printed)
	if want := "Successfully logged into Start URL: " + startURL; !strings.Contains(printed, want) {
		t.Errorf("login output lacks %q", want)
	}

	// The files: the token under sha1(session name), the registration under
	// sha1 of Python's json.dumps of its key, sort_keys=True.
	cache := filepath.Join(home.dir, ".aws", "sso", "cache")
	tokenName := fmt.Sprintf("%x.json", sha1.Sum([]byte("s")))
	regKey := fmt.Sprintf(`{"region": "us-east-1", "scopes": ["sso:account:access"], "session_name": "s", "startUrl": %q, "tool": "botocore"}`, startURL)
	regName := fmt.Sprintf("%x.json", sha1.Sum([]byte(regKey)))
	entries, _ := os.ReadDir(cache)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{regName, tokenName}; fmt.Sprint(names) != fmt.Sprint(sortedStrings(want)) {
		t.Errorf("sso/cache holds %q, want %q (token %s, registration %s)", names, sortedStrings(want), tokenName, regName)
	}
	token := readJSON(t, filepath.Join(cache, tokenName))
	reg := readJSON(t, filepath.Join(cache, regName))
	t.Logf("token file %s: %s", tokenName, redacted(token))
	t.Logf("registration file %s: %s", regName, redacted(reg))
	if got, want := keys(token), []string{"accessToken", "clientId", "clientSecret", "expiresAt", "refreshToken", "region", "registrationExpiresAt", "startUrl"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("token fields %q, want %q", got, want)
	}
	timeRE := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)
	for _, k := range []string{"expiresAt", "registrationExpiresAt"} {
		if s, _ := token[k].(string); !timeRE.MatchString(s) {
			t.Errorf("token %s = %q, not %%Y-%%m-%%dT%%H:%%M:%%SZ", k, s)
		}
	}
	if token["startUrl"] != startURL || token["region"] != "us-east-1" || token["clientId"] != reg["clientId"] {
		t.Errorf("token startUrl/region/clientId = %v/%v/%v", token["startUrl"], token["region"], token["clientId"])
	}
	if got := keys(reg); fmt.Sprint(got) != "[clientId clientSecret expiresAt scopes]" {
		t.Errorf("registration fields %q, want [clientId clientSecret expiresAt scopes]", got)
	}

	// The next command refreshes (10 minutes left) and gets role credentials.
	out := home.run(t, cli, "configure", "export-credentials", "--profile", "p")
	var exported struct {
		Version                                   int
		AccessKeyID                               string `json:"AccessKeyId"`
		SecretAccessKey, SessionToken, Expiration string
	}
	if err := json.Unmarshal([]byte(out), &exported); err != nil {
		t.Fatalf("export-credentials printed %q: %v", out, err)
	}
	mu.Lock()
	if len(minted) != 1 || exported.AccessKeyID != minted[0].AccessKeyID || exported.SecretAccessKey != minted[0].SecretAccessKey ||
		exported.SessionToken != minted[0].SessionToken {
		t.Errorf("export-credentials gave %+v; Mint made %+v", exported, minted)
	}
	mu.Unlock()
	refreshed := readJSON(t, filepath.Join(cache, tokenName))
	if refreshed["accessToken"] == token["accessToken"] || refreshed["refreshToken"] == token["refreshToken"] {
		t.Errorf("the token file was not refreshed: %s", redacted(refreshed))
	}
	t.Logf("token file after the refresh: %s", redacted(refreshed))

	// Logout calls the portal and removes the token; the refresh token
	// dies with the session.
	home.run(t, cli, "sso", "logout", "--profile", "p")
	if _, err := os.Stat(filepath.Join(cache, tokenName)); !os.IsNotExist(err) {
		t.Errorf("token file still there after logout: %v", err)
	}

	var ops []string
	for _, r := range srv.Requests() {
		op := r.Operation + strings.TrimSuffix(" "+r.ErrorType, " ")
		if r.ErrorType == "" || len(ops) == 0 || ops[len(ops)-1] != op {
			ops = append(ops, op)
		}
		t.Logf("%s %s %s %v → %d %s", r.Service, r.Method, r.Path, r.Members, r.Status, r.ErrorType)
	}
	want := []string{
		"RegisterClient", "StartDeviceAuthorization",
		"CreateToken AuthorizationPendingException", // the CLI's first try, before it prints the code
		"CreateToken SlowDownException",             // its loop polls again at once
		"CreateToken",
		"CreateToken", // the refresh
		"GetRoleCredentials", "Logout",
	}
	if fmt.Sprint(ops) != fmt.Sprint(want) {
		t.Errorf("operations (repeated errors folded):\n got %q\nwant %q", ops, want)
	}
}

func sortedStrings(s []string) []string {
	s = append([]string(nil), s...)
	sort.Strings(s)
	return s
}
