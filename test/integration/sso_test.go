package integration

import (
	"context"
	"crypto/sha1"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/seed-2d15385e/awsfed/sso/ssotest"
)

// The IAM Identity Center of TestSSO: alice may use one permission set in
// moto's account (strict mode knows no other).
const (
	ssoAccount = "123456789012"
	ssoRole    = "PowerUser"
	ssoUser    = "alice"
	ssoRegion  = "eu-west-1"
	// ssoIAMRole is the IAM role behind the permission set, as IAM
	// Identity Center names it; the fake's Mint assumes it in moto.
	ssoIAMRole = "AWSReservedSSO_" + ssoRole + "_0123456789abcdef"
	// ssoPrincipal is what the role credentials act as.
	ssoPrincipal = "arn:aws:sts::" + ssoAccount + ":assumed-role/" + ssoIAMRole + "/" + ssoUser
	// ssoTarget is the role the chain on corp assumes.
	ssoTarget = "arn:aws:sts::" + ssoAccount + ":assumed-role/SSOTarget/"
)

// ssoUserConfig is what the person had before awsfed: comments and
// another tool's profiles, which must stay byte for byte.
const ssoUserConfig = `# my AWS config — keep this comment
[default]
region = eu-west-1

; another tool's profile
[profile other]
region = us-west-2
output = json
`

// TestSSO checks awsfed's IAM Identity Center login against real
// consumers: the fake Identity Center (sso/ssotest) runs here, its role
// credentials are minted by strict moto's AssumeRole (so only what moto
// issued works afterwards), and the AWS CLI v2 and the Go SDK (sdkcheck)
// use what awsfed wrote:
//
//   - awsfed login --idp sso (PKCE; the "browser" is a script that
//     fetches the sign-in URL, which the fake approves at once) writes the
//     token into the shared cache and the role's credentials into [corp];
//   - the CLI and the SDK act as the role through [corp] (static
//     credentials), through a standard sso_session profile on awsfed's
//     token (they call the portal themselves), and through a role_arn +
//     source_profile chain on corp;
//   - both refresh awsfed's token with its refresh token (the CLI because
//     the 10-minute token is inside its 15-minute window; the SDK, which
//     refreshes only an expired token, after the file's expiresAt is set
//     back), and awsfed renews from each refreshed file without a sign-in,
//     the last time with the refresh token the SDK got (the fake rotates
//     refresh tokens: the earlier ones no longer work);
//   - awsfed's device code sign-in (the code approved as the terminal
//     shows it) works as well;
//   - the reverse: the CLI signs in (aws sso login, device code) and
//     awsfed login --no-prompt serves an awsfed profile on the same
//     sso-session from the CLI's token, with no sign-in;
//   - awsfed changes no other byte of the config and credentials files.
func TestSSO(t *testing.T) {
	cli := findAWSCLIv2(t)
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed: the test's browser is curl (apt-get install curl)")
	}
	// Two IAM set-up requests per role, and the user's three, pass
	// unchecked; every later request must be signed with keys moto issued.
	m := startMoto(t, 2*2+3, ssoIAMRole, "SSOTarget")
	keyID, secret := chainRuleUserKeys(t, m)
	mintSTS := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(m.URL),
		Credentials: credentials.NewStaticCredentialsProvider(keyID, secret, ""), RetryMaxAttempts: 1})

	var mu sync.Mutex
	var minted []string
	srv := ssotest.NewServer(t, ssotest.Options{
		Regions:     []string{ssoRegion},
		Users:       map[string]string{ssoUser: "alice@example.com"},
		Assignments: map[string]map[string][]string{ssoUser: {ssoAccount: {ssoRole}}},
		AutoApprove: ssoUser,
		// Inside the AWS CLI's 15-minute refresh window, outside awsfed's
		// one minute.
		AccessTokenLength: 10 * time.Minute,
		Mint: func(ctx context.Context, account, role, user string) (ssotest.Credentials, error) {
			out, err := mintSTS.AssumeRole(ctx, &sts.AssumeRoleInput{
				RoleArn:         aws.String("arn:aws:iam::" + account + ":role/AWSReservedSSO_" + role + "_0123456789abcdef"),
				RoleSessionName: aws.String(user),
			})
			if err != nil {
				return ssotest.Credentials{}, fmt.Errorf("moto AssumeRole: %w", err)
			}
			c := out.Credentials
			mu.Lock()
			minted = append(minted, aws.ToString(c.AccessKeyId))
			mu.Unlock()
			return ssotest.Credentials{AccessKeyID: aws.ToString(c.AccessKeyId), SecretAccessKey: aws.ToString(c.SecretAccessKey),
				SessionToken: aws.ToString(c.SessionToken), Expiration: aws.ToTime(c.Expiration)}, nil
		},
	})

	h := newHome(t, m.URL)
	h.env = append(h.env, "AWS_ENDPOINT_URL_SSO_OIDC="+srv.OIDCURL(ssoRegion), "AWS_ENDPOINT_URL_SSO="+srv.PortalURL(ssoRegion))
	ssoCLIModels(t, h, map[string]string{
		"sso-oidc/2019-06-10": srv.OIDCURL(ssoRegion),
		"sso/2019-06-10":      srv.PortalURL(ssoRegion),
		"sts/2011-06-15":      m.URL,
	})
	h.write(h.config, ssoUserConfig)
	h.write(h.creds, userCredentials)
	cache := filepath.Join(h.dir, ".aws", "sso", "cache")
	tokenFile := filepath.Join(cache, fmt.Sprintf("%x.json", sha1.Sum([]byte("idc"))))
	grants := func() ssoGrants { return countGrants(srv.Requests()) }
	mints := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(minted)
	}

	t.Run("awsfed login --idp sso", func(t *testing.T) {
		bin := filepath.Join(h.dir, "bin")
		if err := os.MkdirAll(bin, 0o700); err != nil {
			t.Fatal(err)
		}
		// awsfed opens the browser with xdg-open; this one fetches the
		// sign-in page, which redirects to awsfed's callback at once.
		if err := os.WriteFile(filepath.Join(bin, "xdg-open"), []byte("#!/bin/sh\nexec curl -fsSL --noproxy '*' -o /dev/null \"$1\"\n"), 0o700); err != nil {
			t.Fatal(err)
		}
		term := h.awsfedOnPTY([]string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"), "TERM=xterm"},
			"login", "--idp", "sso", "--start-url", srv.StartURL(), "--sso-region", ssoRegion, "--sso-session", "idc",
			"--sso-flow", "pkce", "--profile", "corp", "--account-id", ssoAccount, "--role-name", ssoRole)
		out := term.wantExit(0)
		if !strings.Contains(out, ssoPrincipal) {
			t.Errorf("the login did not name %s:\n%s", ssoPrincipal, out)
		}
		if g := grants(); g.code != 1 || g.device != 0 || g.refresh != 0 {
			t.Errorf("CreateToken grants %+v, want one authorization_code", g)
		}
		tok := readToken(t, tokenFile)
		if tok["refreshToken"] == nil || tok["clientSecret"] == nil {
			t.Errorf("awsfed's token cannot be refreshed: fields %v", slices.Sorted(maps.Keys(tok)))
		}

		config := h.read(h.config)
		wantConfig := ssoUserConfig + "\n[sso-session idc]\nsso_start_url = " + srv.StartURL() + "\nsso_region = " + ssoRegion + "\n"
		if !strings.HasPrefix(config, ssoUserConfig) || withoutSections(config, "sso-session idc", "profile corp") != ssoUserConfig {
			t.Errorf("the config's earlier text was changed; it is now:\n%s", config)
		}
		for _, want := range []string{wantConfig, "[profile corp]\n", "awsfed_idp = sso\n", "awsfed_sso_session = idc\n",
			"awsfed_sso_account_id = " + ssoAccount + "\n", "awsfed_sso_role_name = " + ssoRole + "\n", "region = " + ssoRegion + "\n"} {
			if !strings.Contains(config, want) {
				t.Errorf("config lacks %q:\n%s", want, config)
			}
		}
		creds := h.read(h.creds)
		if withoutSections(creds, "corp") != userCredentials || !strings.Contains(creds, "\n[corp]\naws_access_key_id = ") {
			t.Errorf("credentials file:\n%s", creds)
		}
	})
	if t.Failed() {
		t.FailNow()
	}

	// The person's own profiles on awsfed's login: a standard one on the
	// sso-session, a chain on corp.
	h.write(h.config, h.read(h.config)+"\n[profile std]\nsso_session = idc\nsso_account_id = "+ssoAccount+
		"\nsso_role_name = "+ssoRole+"\nregion = us-east-1\n"+
		"\n[profile target]\nrole_arn = arn:aws:iam::"+ssoAccount+":role/SSOTarget\nsource_profile = corp\nrole_session_name = chained\nregion = us-east-1\n")

	t.Run("corp, static credentials", func(t *testing.T) {
		wantIdentityV2(h, cli, "corp", ssoPrincipal)
	})
	t.Run("role_arn chain on corp", func(t *testing.T) {
		wantIdentityV2(h, cli, "target", ssoTarget+"chained")
	})

	// awsfed renews from the token in the file (which is left as it is).
	renew := func(t *testing.T, wantRefreshes int) {
		t.Helper()
		config, creds := h.read(h.config), h.read(h.creds)
		before, mintedBefore := grants(), mints()
		r := h.awsfed(nil, "login", "--profile", "corp", "--no-prompt", "--force")
		if r.code != 0 {
			t.Fatalf("awsfed login --profile corp --no-prompt --force: exit %d\n%s", r.code, r.stderr)
		}
		after := grants()
		if after.code != before.code || after.device != before.device || after.refresh-before.refresh != wantRefreshes {
			t.Errorf("CreateToken grants went from %+v to %+v; want no sign-in and %d refresh", before, after, wantRefreshes)
		}
		if n := mints() - mintedBefore; n != 1 {
			t.Errorf("the renewal got %d role credentials from the portal, want 1", n)
		}
		if got := h.read(h.config); got != config {
			t.Errorf("the renewal changed the config file:\n%s", got)
		}
		got := h.read(h.creds)
		if withoutSections(got, "corp") != withoutSections(creds, "corp") || got == creds {
			t.Errorf("credentials before the renewal:\n%s\nafter:\n%s", creds, got)
		}
		wantIdentityV2(h, cli, "corp", ssoPrincipal)
	}

	t.Run("standard profile: the AWS CLI refreshes awsfed's token", func(t *testing.T) {
		old, before, mintedBefore := readToken(t, tokenFile), grants(), mints()
		arn := cliIdentity(h, cli, "std")
		if arn != ssoPrincipal {
			t.Errorf("AWS CLI as std: %q, want %s", arn, ssoPrincipal)
		}
		if n := mints() - mintedBefore; n != 1 {
			t.Errorf("the AWS CLI got %d role credentials from the portal, want 1", n)
		}
		if g := grants(); g.refresh != before.refresh+1 || g.code != before.code || g.device != before.device {
			t.Errorf("CreateToken grants went from %+v to %+v; want one refresh", before, g)
		}
		refreshed := readToken(t, tokenFile)
		if refreshed["accessToken"] == old["accessToken"] || refreshed["refreshToken"] == old["refreshToken"] {
			t.Errorf("the AWS CLI did not refresh the token file")
		}
		renew(t, 0)
	})
	t.Run("standard profile: the Go SDK refreshes the expired token", func(t *testing.T) {
		mintedBefore := mints()
		arn := sdkIdentity(h, "std")
		if arn != ssoPrincipal {
			t.Errorf("Go SDK as std: %q, want %s", arn, ssoPrincipal)
		}
		if n := mints() - mintedBefore; n != 1 {
			t.Errorf("the Go SDK got %d role credentials from the portal, want 1", n)
		}
		// The SDK refreshes only an expired token.
		ageToken(t, tokenFile)
		old, before := readToken(t, tokenFile), grants()
		arn = sdkIdentity(h, "std")
		if arn != ssoPrincipal {
			t.Errorf("Go SDK as std with an expired token: %q, want %s", arn, ssoPrincipal)
		}
		if g := grants(); g.refresh != before.refresh+1 || g.code != before.code || g.device != before.device {
			t.Errorf("CreateToken grants went from %+v to %+v; want one refresh", before, g)
		}
		refreshed := readToken(t, tokenFile)
		if refreshed["accessToken"] == old["accessToken"] || refreshed["refreshToken"] == old["refreshToken"] {
			t.Errorf("the Go SDK did not refresh the token file")
		}
		// awsfed must refresh with the SDK's refresh token: the fake has
		// retired every earlier one.
		ageToken(t, tokenFile)
		renew(t, 1)
		if tok := readToken(t, tokenFile); tok["refreshToken"] == refreshed["refreshToken"] {
			t.Errorf("awsfed did not save its refresh")
		}
	})

	t.Run("the AWS CLI signs in, awsfed uses its token", func(t *testing.T) {
		h.write(h.config, h.read(h.config)+"\n[sso-session cli]\nsso_start_url = "+srv.StartURL()+"\nsso_region = "+ssoRegion+
			"\nsso_registration_scopes = sso:account:access\n"+
			"\n[profile p]\nsso_session = cli\nsso_account_id = "+ssoAccount+"\nsso_role_name = "+ssoRole+"\nregion = us-east-1\n"+
			"\n# awsfed's, by hand\n[profile fromcli]\nawsfed_idp = sso\nawsfed_sso_session = cli\nawsfed_sso_account_id = "+ssoAccount+
			"\nawsfed_sso_role_name = "+ssoRole+"\nregion = us-east-1\n")
		srv.CLILogin(t, cli.path, cli.minor, append(append([]string(nil), h.env...), "BROWSER=/bin/false"), "p", ssoUser)
		config, creds := h.read(h.config), h.read(h.creds)
		before := grants()
		r := h.awsfed(nil, "login", "--profile", "fromcli", "--no-prompt")
		if r.code != 0 {
			t.Fatalf("awsfed login --profile fromcli --no-prompt: exit %d\n%s", r.code, r.stderr)
		}
		if g := grants(); g != before {
			t.Errorf("CreateToken grants went from %+v to %+v; want none", before, g)
		}
		if got := h.read(h.config); got != config {
			t.Errorf("awsfed changed the config file:\n%s", got)
		}
		got := h.read(h.creds)
		if withoutSections(got, "fromcli") != creds || !strings.Contains(got, "\n[fromcli]\naws_access_key_id = ") {
			t.Errorf("credentials before:\n%s\nafter:\n%s", creds, got)
		}
		wantIdentityV2(h, cli, "fromcli", ssoPrincipal)

		// awsfed refreshes the CLI's expired token, and the CLI goes on
		// with what awsfed saved: its refresh token is the only one
		// that still works.
		cliToken := filepath.Join(cache, fmt.Sprintf("%x.json", sha1.Sum([]byte("cli"))))
		ageToken(t, cliToken)
		old, before := readToken(t, cliToken), grants()
		if r := h.awsfed(nil, "login", "--profile", "fromcli", "--no-prompt", "--force"); r.code != 0 {
			t.Fatalf("awsfed login --profile fromcli --no-prompt --force: exit %d\n%s", r.code, r.stderr)
		}
		if g := grants(); g.refresh != before.refresh+1 || g.code != before.code || g.device != before.device {
			t.Errorf("CreateToken grants went from %+v to %+v; want one refresh", before, g)
		}
		mid := readToken(t, cliToken)
		if mid["refreshToken"] == old["refreshToken"] || mid["accessToken"] == old["accessToken"] {
			t.Errorf("awsfed did not save its refresh of the CLI's token")
		}
		for _, k := range []string{"startUrl", "region", "clientId", "clientSecret", "registrationExpiresAt"} {
			if mid[k] != old[k] {
				t.Errorf("awsfed's refresh changed the CLI's %s from %v to %v", k, old[k], mid[k])
			}
		}
		before = grants()
		if arn := cliIdentity(h, cli, "p"); arn != ssoPrincipal {
			t.Errorf("AWS CLI as p after awsfed's refresh: %q, want %s", arn, ssoPrincipal)
		}
		if g := grants(); g.refresh != before.refresh+1 || g.code != before.code || g.device != before.device {
			t.Errorf("CreateToken grants went from %+v to %+v; want the CLI's refresh", before, g)
		}
	})

	t.Run("awsfed login --sso-flow device", func(t *testing.T) {
		config, creds, before := h.read(h.config), h.read(h.creds), grants()
		term := h.awsfedOnPTY([]string{"TERM=xterm"}, "login", "--idp", "sso", "--start-url", srv.StartURL(), "--sso-region", ssoRegion,
			"--sso-session", "dev", "--sso-flow", "device", "--profile", "devp", "--account-id", ssoAccount, "--role-name", ssoRole)
		term.expect("check that it shows the code ", ptyWait)
		term.expect("\n", ptyWait)
		code := regexp.MustCompile(`code ([A-Z]{4}-[A-Z]{4})\r?\n`).FindStringSubmatch(term.output())
		if code == nil {
			t.Fatalf("no user code on the terminal:\n%s", term.output())
		}
		if err := srv.Approve(code[1], ssoUser); err != nil {
			t.Fatal(err)
		}
		if out := term.wantExit(0); !strings.Contains(out, ssoPrincipal) {
			t.Errorf("the login did not name %s:\n%s", ssoPrincipal, out)
		}
		if g := grants(); g.device != before.device+1 || g.code != before.code || g.refresh != before.refresh {
			t.Errorf("CreateToken grants went from %+v to %+v; want one device code", before, g)
		}
		if got := h.read(h.config); withoutSections(got, "sso-session dev", "profile devp") != config {
			t.Errorf("config before:\n%s\nafter:\n%s", config, got)
		}
		if got := h.read(h.creds); withoutSections(got, "devp") != creds {
			t.Errorf("credentials before:\n%s\nafter:\n%s", creds, got)
		}
		wantIdentityV2(h, cli, "devp", ssoPrincipal)
	})

	for _, p := range srv.Requests() {
		t.Logf("%s %s %s %v → %d %s", p.Service, p.Operation, p.Path, p.Members, p.Status, p.ErrorType)
	}
	if got := h.read(h.config); !strings.HasPrefix(got, ssoUserConfig) {
		t.Errorf("the config's earlier text was not kept:\n%s", got)
	}
	if got := h.read(h.creds); !strings.HasPrefix(got, userCredentials) {
		t.Errorf("the credentials' earlier text was not kept:\n%s", got)
	}
}

// ssoGrants counts the successful CreateToken calls by grant.
type ssoGrants struct{ code, device, refresh int }

func countGrants(reqs []ssotest.Request) ssoGrants {
	var g ssoGrants
	for _, r := range reqs {
		if r.Operation != "CreateToken" || r.Status != 200 {
			continue
		}
		switch {
		case slices.Contains(r.Members, "refreshToken"):
			g.refresh++
		case slices.Contains(r.Members, "deviceCode"):
			g.device++
		case slices.Contains(r.Members, "code"):
			g.code++
		}
	}
	return g
}

// withoutSections is an INI file's text without the named sections (from
// the header to the next one) and the blank lines before them.
func withoutSections(text string, names ...string) string {
	var out []string
	skip := false
	for _, line := range strings.SplitAfter(text, "\n") {
		if trimmed := strings.TrimSpace(line); strings.HasPrefix(trimmed, "[") && strings.HasSuffix(trimmed, "]") {
			skip = slices.Contains(names, strings.TrimSpace(trimmed[1:len(trimmed)-1]))
			if skip {
				for len(out) > 0 && strings.TrimSpace(out[len(out)-1]) == "" {
					out = out[:len(out)-1]
				}
			}
		}
		if !skip {
			out = append(out, line)
		}
	}
	return strings.Join(out, "")
}

func readToken(t *testing.T, path string) map[string]any {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("no token file: %v", err)
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

// ageToken sets the token file's expiresAt a minute back, as if its
// access token had run out, keeping every other byte.
func ageToken(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`("expiresAt":\s*")[^"]*"`)
	if !re.Match(b) {
		t.Fatalf("no expiresAt in %s", b)
	}
	past := time.Now().Add(-time.Minute).UTC().Format("2006-01-02T15:04:05Z")
	if err := os.WriteFile(path, re.ReplaceAll(b, []byte("${1}"+past+`"`)), 0o600); err != nil {
		t.Fatal(err)
	}
}

// awsVersionRE reads `aws --version`: "aws-cli/2.9.19 Python/3.11.2 …".
var awsVersionRE = regexp.MustCompile(`^aws-cli/(\d+)\.(\d+)\.(\d+)`)

// cliV2 is an AWS CLI v2 found for the test.
type cliV2 struct {
	path  string
	minor int
}

// findAWSCLIv2 returns the AWS CLI named by AWSFED_TEST_AWS_CLI, else the
// first aws in PATH, else /usr/bin/aws, that is version 2.9 or later
// (sso-session support; v1 has no aws sso login). It skips the test
// otherwise, saying what it found.
func findAWSCLIv2(t *testing.T) cliV2 {
	t.Helper()
	var candidates []string
	if p := os.Getenv("AWSFED_TEST_AWS_CLI"); p != "" {
		candidates = []string{p}
	} else {
		for _, dir := range append(filepath.SplitList(os.Getenv("PATH")), "/usr/bin") {
			candidates = append(candidates, filepath.Join(dir, "aws"))
		}
	}
	var seen []string
	for _, p := range candidates {
		if fi, err := os.Stat(p); err != nil || !fi.Mode().IsRegular() || fi.Mode()&0o111 == 0 || slices.Contains(seen, p) {
			continue
		}
		cmd := exec.Command(p, "--version")
		cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
		out, _ := cmd.CombinedOutput()
		m := awsVersionRE.FindStringSubmatch(strings.TrimSpace(string(out)))
		if m != nil {
			major, _ := strconv.Atoi(m[1])
			minor, _ := strconv.Atoi(m[2])
			if major == 2 && minor >= 9 {
				t.Logf("AWS CLI %s at %s", strings.TrimPrefix(m[0], "aws-cli/"), p)
				return cliV2{path: p, minor: minor}
			}
		}
		seen = append(seen, p)
	}
	t.Skipf("no AWS CLI v2.9+ (sso-session support) found (looked at %q); install it (Debian: apt-get install awscli, as ./scripts/test does) or set AWSFED_TEST_AWS_CLI", seen)
	return cliV2{}
}

// ssoCLIModels points the AWS CLI at the fakes with endpoint rule sets in
// ~/.aws/models, which botocore searches before its own: how a CLI older
// than 2.13, which knows no AWS_ENDPOINT_URL_<SERVICE>, is sent to them.
// Each service's requests go to its URL in every region.
func ssoCLIModels(t *testing.T, h *home, urls map[string]string) {
	t.Helper()
	for model, url := range urls {
		b, _ := json.MarshalIndent(map[string]any{
			"version": "1.0",
			"parameters": map[string]any{
				"Region":       map[string]any{"builtIn": "AWS::Region", "required": false, "type": "String"},
				"UseDualStack": map[string]any{"builtIn": "AWS::UseDualStack", "required": true, "default": false, "type": "Boolean"},
				"UseFIPS":      map[string]any{"builtIn": "AWS::UseFIPS", "required": true, "default": false, "type": "Boolean"},
				"Endpoint":     map[string]any{"builtIn": "SDK::Endpoint", "required": false, "type": "String"},
			},
			"rules": []any{
				map[string]any{
					"conditions": []any{map[string]any{"fn": "isSet", "argv": []any{map[string]any{"ref": "Endpoint"}}}},
					"endpoint":   map[string]any{"url": map[string]any{"ref": "Endpoint"}, "properties": map[string]any{}, "headers": map[string]any{}},
					"type":       "endpoint",
				},
				map[string]any{
					"conditions": []any{},
					"endpoint":   map[string]any{"url": url, "properties": map[string]any{}, "headers": map[string]any{}},
					"type":       "endpoint",
				},
			},
		}, "", "  ")
		p := filepath.Join(h.dir, ".aws", "models", filepath.FromSlash(model), "endpoint-rule-set-1.json")
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		h.write(p, string(b))
	}
}

// cliIdentity is the ARN the AWS CLI v2 acts as through profile.
func cliIdentity(h *home, cli cliV2, profile string) string {
	h.t.Helper()
	r := h.run(nil, "", cli.path, "sts", "get-caller-identity", "--profile", profile, "--query", "Arn", "--output", "text")
	if r.code != 0 {
		h.t.Errorf("aws sts get-caller-identity --profile %s: exit %d: %s", profile, r.code, r.stderr)
	}
	return strings.TrimSpace(r.stdout)
}

// sdkIdentity is the ARN the Go SDK acts as through profile.
func sdkIdentity(h *home, profile string) string {
	h.t.Helper()
	r := h.run(nil, "", bins.sdkcheck, profile)
	if r.code != 0 {
		h.t.Errorf("Go SDK GetCallerIdentity for %s: exit %d: %s", profile, r.code, r.stderr)
	}
	return strings.TrimSpace(r.stdout)
}

// wantIdentityV2 checks that the AWS CLI v2 and the Go SDK both act as
// want through profile.
func wantIdentityV2(h *home, cli cliV2, profile, want string) {
	h.t.Helper()
	if c, s := cliIdentity(h, cli, profile), sdkIdentity(h, profile); c != want || s != want {
		h.t.Errorf("identity of profile %s: AWS CLI %q, Go SDK %q; want %s", profile, c, s, want)
	}
}
