package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/seed-2d15385e/awsfed/sources"
	"github.com/seed-2d15385e/awsfed/sso/ssotest"
)

// newCorpEnv is an ssoEnv in which alice signed into the awsfed IAM
// Identity Center profile corp, whose [sso-session corp] holds the fake's
// start URL; base is the config file that login left.
func newCorpEnv(t *testing.T, opts ssotest.Options) (e *ssoEnv, base string) {
	t.Helper()
	e = newSSOEnv(t, opts)
	e.deps.Executable = func() (string, error) { return testExe, nil }
	if code := e.run("login", "--idp", "sso", "--start-url", e.sso.StartURL(), "--sso-region", ssoRegion, "--sso-flow", "pkce",
		"--profile", "corp", "--account-id", ssoAccount, "--role-name", ssoOtherRole); code != 0 {
		t.Fatalf("login corp: exit %d: %s", code, e.errOut)
	}
	return e, e.read(e.config)
}

// ssoSection is a profile configure sso-profiles writes for corp, as the
// config file holds it after a blank line.
func ssoSection(name, account, role, region string) string {
	return "\n[profile " + name + "]\nsso_session = corp\nsso_account_id = " + account + "\nsso_role_name = " + role +
		"\nregion = " + region + "\nawsfed_sso_from = corp\n"
}

// ssoProcessSection is ssoSection with --credential-process.
func ssoProcessSection(name, account, role, region string) string {
	return "\n[profile " + name + "]\nawsfed_idp = sso\nawsfed_sso_session = corp\nawsfed_sso_account_id = " + account +
		"\nawsfed_sso_role_name = " + role + "\nregion = " + region + "\ncredential_process = " + testExe +
		" credential-process --profile " + name + "\nawsfed_sso_from = corp\n"
}

var (
	power1 = ssoSection(ssoAccount+"_"+ssoRole, ssoAccount, ssoRole, ssoRegion)
	read1  = ssoSection(ssoAccount+"_"+ssoOtherRole, ssoAccount, ssoOtherRole, ssoRegion)
	read2  = ssoSection(ssoAccount2+"_"+ssoOtherRole, ssoAccount2, ssoOtherRole, ssoRegion)
)

func TestConfigureSSOProfiles(t *testing.T) {
	const foreign = "\n[profile 111111111111_ReadOnly]\n# mine, by hand\nregion = us-east-1\n"
	tests := []struct {
		name       string
		config     string // after login's config
		file       string // --from-file's content, FILE in args
		args       []string
		wantConfig string // after login's config
		wantText   []string
	}{
		{name: "all", args: []string{"--all"}, wantConfig: power1 + read1 + read2,
			wantText: []string{"3 profiles added, 0 changed, 0 removed, 0 skipped (not ours), 0 already up to date in CONFIG.\n"}},
		{name: "one account", args: []string{"--accounts", ssoAccount2}, wantConfig: read2, wantText: []string{"1 profile added, 0 changed"}},
		{name: "one role", args: []string{"--roles", ssoOtherRole}, wantConfig: read1 + read2},
		{name: "account and role", args: []string{"--accounts", ssoAccount + ",333333333333", "--roles", ssoOtherRole}, wantConfig: read1,
			wantText: []string{"awsfed: note: --accounts 333333333333: IAM Identity Center grants you no role there among --roles ReadOnly; skipped\n"}},
		{name: "unknown role", args: []string{"--roles", "Admin,ReadOnly"}, wantConfig: read1 + read2,
			wantText: []string{"awsfed: note: --roles Admin: IAM Identity Center grants you that role in no account; skipped\n"}},
		{name: "region", args: []string{"--accounts", ssoAccount2, "--region", "us-east-1"},
			wantConfig: ssoSection(ssoAccount2+"_"+ssoOtherRole, ssoAccount2, ssoOtherRole, "us-east-1")},
		{name: "name template", args: []string{"--all", "--name", "{session} {account_name} ({role_name})"},
			wantConfig: ssoSection("corp-account-111111111111-PowerUserAccess", ssoAccount, ssoRole, ssoRegion) +
				ssoSection("corp-account-111111111111-ReadOnly", ssoAccount, ssoOtherRole, ssoRegion) +
				ssoSection("corp-account-222222222222-ReadOnly", ssoAccount2, ssoOtherRole, ssoRegion)},
		{name: "from file", file: "# mine\n\n222222222222 ReadOnly ro2\n111111111111 PowerUserAccess\n333333333333 Admin\n", args: []string{"--from-file", "FILE"},
			wantConfig: ssoSection("ro2", ssoAccount2, ssoOtherRole, ssoRegion) + power1,
			wantText:   []string{"awsfed: note: FILE line 5: IAM Identity Center grants you no role Admin in account 333333333333; skipped (awsfed roles --profile corp lists yours)\n"}},
		{name: "a clashing profile not ours is kept", config: foreign, args: []string{"--all"}, wantConfig: foreign + power1 + read2,
			wantText: []string{"awsfed: note: skipped profile 111111111111_ReadOnly (111111111111 ReadOnly): [profile 111111111111_ReadOnly] of CONFIG exists and awsfed did not write it\n",
				"2 profiles added, 0 changed, 0 removed, 1 skipped (not ours), 0 already up to date"}},
		{name: "another profile's is kept", config: "\n[profile 222222222222_ReadOnly]\nsso_session = other\nawsfed_sso_from = other\n", args: []string{"--all"},
			wantConfig: "\n[profile 222222222222_ReadOnly]\nsso_session = other\nawsfed_sso_from = other\n" + power1 + read1,
			wantText:   []string{"exists and awsfed wrote it for profile other\n"}},
		{name: "ours brought up to date, comments and other keys kept",
			config:     "\n[profile 111111111111_ReadOnly]\n# ours\nsso_session = corp\nsso_account_id = 111111111111\n; old\nsso_role_name = ReadOnly\nregion = us-east-1\noutput = json\ncredential_process = /old/awsfed credential-process --profile 111111111111_ReadOnly\nawsfed_sso_from = corp\n",
			args:       []string{"--accounts", ssoAccount, "--roles", ssoOtherRole},
			wantConfig: "\n[profile 111111111111_ReadOnly]\n# ours\nsso_session = corp\nsso_account_id = 111111111111\n; old\nsso_role_name = ReadOnly\nregion = eu-west-1\noutput = json\nawsfed_sso_from = corp\n",
			wantText:   []string{"0 profiles added, 1 changed, 0 removed, 0 skipped (not ours), 0 already up to date"}},
		{name: "credential-process", args: []string{"--accounts", ssoAccount2, "--credential-process"},
			wantConfig: ssoProcessSection("222222222222_ReadOnly", ssoAccount2, ssoOtherRole, ssoRegion)},
		{name: "credential-process over a standard one", config: read2, args: []string{"--accounts", ssoAccount2, "--credential-process"},
			wantConfig: "\n[profile 222222222222_ReadOnly]\nregion = eu-west-1\nawsfed_sso_from = corp\nawsfed_idp = sso\nawsfed_sso_session = corp\nawsfed_sso_account_id = 222222222222\nawsfed_sso_role_name = ReadOnly\ncredential_process = " + testExe + " credential-process --profile 222222222222_ReadOnly\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, base := newCorpEnv(t, ssotest.Options{})
			file := filepath.Join(t.TempDir(), "roles.txt")
			e.write(file, tt.file)
			e.write(e.config, base+tt.config)
			creds := e.read(e.creds)
			args := []string{"configure", "sso-profiles", "--profile", "corp", "--no-prompt"}
			for _, a := range tt.args {
				args = append(args, strings.ReplaceAll(a, "FILE", file))
			}
			if code := e.run(args...); code != 0 {
				t.Fatalf("exit %d: %s", code, e.errOut)
			}
			if got, want := e.read(e.config), base+tt.wantConfig; got != want {
				t.Errorf("config:\n%s\nwant:\n%s", got, want)
			}
			if got := e.read(e.creds); got != creds {
				t.Errorf("credentials file changed:\n%s", got)
			}
			for _, want := range tt.wantText {
				want = strings.NewReplacer("CONFIG", e.config, "FILE", file).Replace(want)
				if !strings.Contains(e.errOut.String(), want) {
					t.Errorf("stderr = %q, want %q in it", e.errOut, want)
				}
			}
			if e.out.Len() != 0 {
				t.Errorf("stdout = %q, want nothing", e.out)
			}
		})
	}
}

// TestConfigureSSOProfilesRefuses checks each refusal: its exit code, one
// line, and no file changed.
func TestConfigureSSOProfilesRefuses(t *testing.T) {
	tests := []struct {
		name     string
		config   string // after login's config
		file     string // --from-file's content, $FILE in args
		args     []string
		endLogin bool // the portal session ended
		wantCode int
		wantText string
	}{
		{name: "no choice", args: []string{"--profile", "corp"},
			wantText: "choose the roles to write: pass --all, --accounts ID,…, --roles NAME,… or --from-file FILE; nothing was changed"},
		{name: "two choices", args: []string{"--profile", "corp", "--all", "--roles", "ReadOnly"}, wantText: "pass only one of --all, --accounts/--roles and --from-file"},
		{name: "no profile", args: []string{"--all"}, wantText: "pass --profile with the awsfed IAM Identity Center profile"},
		{name: "not an SSO profile", args: []string{"--profile", "target", "--all"},
			wantText: "profile target is not an awsfed IAM Identity Center profile (awsfed_idp = sso in [profile target] of CONFIG): sign in with awsfed login --idp sso --start-url URL --sso-region REGION --profile target first; nothing was changed"},
		{name: "a SAML awsfed profile", config: jumpProfile, args: []string{"--profile", "jump", "--all"}, wantText: "profile jump is not an awsfed IAM Identity Center profile"},
		{name: "a generated profile", config: read2, args: []string{"--profile", "222222222222_ReadOnly", "--all"},
			wantText: "profile 222222222222_ReadOnly was written by awsfed configure sso-profiles for profile corp: pass --profile corp; nothing was changed"},
		{name: "unknown placeholder", args: []string{"--profile", "corp", "--all", "--name", "{account}-{role_name}"},
			wantText: `--name "{account}-{role_name}": unknown placeholder {account}`},
		{name: "unclosed placeholder", args: []string{"--profile", "corp", "--all", "--name", "{role_name"}, wantText: "is not part of a placeholder"},
		{name: "duplicate names", args: []string{"--profile", "corp", "--all", "--name", "{account_id}"},
			wantText: "profile 111111111111 would be written for both 111111111111 PowerUserAccess and 111111111111 ReadOnly: use a --name with {account_id} and {role_name}; nothing was changed"},
		{name: "empty name", args: []string{"--profile", "corp", "--all", "--name", "()"}, wantText: `--name "()" gives "" for 111111111111 PowerUserAccess, which cannot be a profile name`},
		{name: "bad account", args: []string{"--profile", "corp", "--accounts", "1111"}, wantText: `--accounts: "1111" is not an AWS account id (12 digits)`},
		{name: "bad region", args: []string{"--profile", "corp", "--all", "--region", "Europe"}, wantText: `--region "Europe" is not a region name`},
		{name: "missing file", args: []string{"--profile", "corp", "--from-file", "/nonexistent/roles.txt"}, wantText: "--from-file: open /nonexistent/roles.txt"},
		{name: "DEFAULT from a file", file: "111111111111 ReadOnly DEFAULT\n", args: []string{"--profile", "corp", "--from-file", "$FILE"},
			wantText: `$FILE line 1: profile name "DEFAULT" cannot be used`},
		{name: "bad line", file: "111111111111\n", args: []string{"--profile", "corp", "--from-file", "$FILE"},
			wantText: "$FILE line 1: want ACCOUNT_ID ROLE_NAME [NAME], got 1 fields"},
		{name: "duplicate names in a file", file: "111111111111 ReadOnly x\n222222222222 ReadOnly x\n", args: []string{"--profile", "corp", "--from-file", "$FILE"},
			wantText: "profile x would be written for both 111111111111 ReadOnly and 222222222222 ReadOnly"},
		{name: "portal session ended", args: []string{"--profile", "corp", "--all", "--no-prompt"}, endLogin: true, wantCode: exitNeedsInput,
			wantText: "awsfed login --profile corp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, base := newCorpEnv(t, ssotest.Options{})
			if tt.endLogin {
				e.sso.EndSession(ssoUser)
			}
			e.write(e.config, base+tt.config)
			file := filepath.Join(t.TempDir(), "roles.txt")
			e.write(file, tt.file)
			config, creds := e.read(e.config), e.read(e.creds)
			args := []string{"configure", "sso-profiles"}
			for _, a := range tt.args {
				args = append(args, strings.ReplaceAll(a, "$FILE", file))
			}
			code := e.run(args...)
			if want := cmpOr2(tt.wantCode, exitUsage); code != want {
				t.Errorf("exit %d, want %d", code, want)
			}
			wantText := strings.NewReplacer("CONFIG", e.config, "$FILE", file).Replace(tt.wantText)
			if got := e.errOut.String(); strings.Count(got, "\n") != 1 || !strings.Contains(got, wantText) {
				t.Errorf("stderr = %q, want one line containing %q", got, wantText)
			}
			e.assertUnchanged(config, creds)
		})
	}
}

func cmpOr2(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

// fileState is a file's content and modification time.
type fileState struct {
	text  string
	mtime time.Time
}

// state returns path's state, after setting its mtime an hour back, so
// that any write shows.
func (e *ssoEnv) state(path string) fileState {
	e.t.Helper()
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(path, old, old); err != nil {
		e.t.Fatal(err)
	}
	return fileState{e.read(path), old}
}

func (e *ssoEnv) assertNotWritten(path string, before fileState) {
	e.t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		e.t.Fatal(err)
	}
	if got := e.read(path); got != before.text || !fi.ModTime().Equal(before.mtime) {
		e.t.Errorf("%s was written (mtime %v, was %v):\n%s", path, fi.ModTime(), before.mtime, got)
	}
}

// TestConfigureSSOProfilesAgain: a second run, in either mode, writes
// nothing at all.
func TestConfigureSSOProfilesAgain(t *testing.T) {
	for _, mode := range [][]string{nil, {"--credential-process"}} {
		t.Run(strings.Join(append([]string{"mode"}, mode...), " "), func(t *testing.T) {
			e, _ := newCorpEnv(t, ssotest.Options{})
			args := append([]string{"configure", "sso-profiles", "--profile", "corp", "--all"}, mode...)
			if code := e.run(args...); code != 0 {
				t.Fatalf("first run: exit %d: %s", code, e.errOut)
			}
			before := e.state(e.config)
			if code := e.run(args...); code != 0 {
				t.Fatalf("second run: exit %d: %s", code, e.errOut)
			}
			e.assertNotWritten(e.config, before)
			want := "0 profiles added, 0 changed, 0 removed, 0 skipped (not ours), 3 already up to date in " + e.config + ".\n"
			if got := e.errOut.String(); got != want {
				t.Errorf("stderr = %q, want %q", got, want)
			}
		})
	}
}

// TestConfigureSSOProfilesPrune: roles no longer granted, or no longer
// chosen, lose their profiles with --prune only; profiles not ours are
// never removed.
func TestConfigureSSOProfilesPrune(t *testing.T) {
	assignments := map[string]map[string][]string{ssoUser: {ssoAccount: {ssoRole, ssoOtherRole}, ssoAccount2: {ssoOtherRole}}}
	e, base := newCorpEnv(t, ssotest.Options{Assignments: assignments})
	const others = "\n# the team's\n[profile 333333333333_Admin]\nsso_session = corp\nsso_account_id = 333333333333\nsso_role_name = Admin\n" +
		"\n[profile 444444444444_Admin]\nsso_session = other\nawsfed_sso_from = other\n"
	e.write(e.config, base+others)
	run := func(args ...string) {
		t.Helper()
		if code := e.run(append([]string{"configure", "sso-profiles", "--profile", "corp"}, args...)...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, e.errOut)
		}
	}
	run("--all")
	if got, want := e.read(e.config), base+others+power1+read1+read2; got != want {
		t.Fatalf("config:\n%s\nwant:\n%s", got, want)
	}

	// The administrator takes account 222222222222 away.
	delete(assignments[ssoUser], ssoAccount2)
	before := e.state(e.config)
	run("--all")
	e.assertNotWritten(e.config, before)
	if want := "awsfed: note: kept 1 profile written for profile corp whose role is no longer granted or chosen (--prune removes them): 222222222222_ReadOnly\n"; !strings.Contains(e.errOut.String(), want) {
		t.Errorf("without --prune, stderr = %q, want %q", e.errOut, want)
	}
	// The blank line before the last section is the one before it's:
	// awsconfig keeps it.
	run("--all", "--prune")
	if got, want := e.read(e.config), base+others+power1+read1+"\n"; got != want {
		t.Errorf("after --prune, config:\n%s\nwant:\n%s", got, want)
	}
	if want := "0 profiles added, 0 changed, 1 removed, 0 skipped (not ours), 2 already up to date"; !strings.Contains(e.errOut.String(), want) {
		t.Errorf("stderr = %q, want %q", e.errOut, want)
	}

	// A narrower choice prunes what it no longer chooses.
	run("--roles", ssoRole, "--prune")
	if got, want := e.read(e.config), base+others+power1+"\n"; got != want {
		t.Errorf("after --roles %s --prune, config:\n%s\nwant:\n%s", ssoRole, got, want)
	}
}

// TestConfigureSSOProfilesDiff: --diff prints what would be added,
// changed and removed, and writes nothing.
func TestConfigureSSOProfilesDiff(t *testing.T) {
	e, base := newCorpEnv(t, ssotest.Options{})
	stale := ssoSection("333333333333_Admin", "333333333333", "Admin", ssoRegion)
	changed := strings.Replace(read2, "region = eu-west-1", "region = us-east-1", 1)
	e.write(e.config, base+power1+changed+stale+"\n[profile 111111111111_ReadOnly]\nregion = us-east-1\n")
	before, creds := e.state(e.config), e.read(e.creds)
	if code := e.run("configure", "sso-profiles", "--profile", "corp", "--all", "--prune", "--diff"); code != 0 {
		t.Fatalf("exit %d: %s", code, e.errOut)
	}
	e.assertNotWritten(e.config, before)
	if got := e.read(e.creds); got != creds {
		t.Errorf("credentials file changed:\n%s", got)
	}
	want := `~ [profile 222222222222_ReadOnly]
-   region = us-east-1
+   region = eu-west-1
- [profile 333333333333_Admin]
-   sso_session = corp
-   sso_account_id = 333333333333
-   sso_role_name = Admin
-   region = eu-west-1
-   awsfed_sso_from = corp
`
	if got := e.out.String(); got != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", got, want)
	}
	for _, w := range []string{"skipped profile 111111111111_ReadOnly", "Would add 0 profiles, change 1, remove 1; 1 skipped (not ours); nothing was written to " + e.config + ".\n"} {
		if !strings.Contains(e.errOut.String(), w) {
			t.Errorf("stderr = %q, want %q in it", e.errOut, w)
		}
	}

	// A new profile shows whole.
	e.write(e.config, base)
	if code := e.run("configure", "sso-profiles", "--profile", "corp", "--accounts", ssoAccount2, "--diff"); code != 0 {
		t.Fatalf("exit %d: %s", code, e.errOut)
	}
	want = "+ [profile 222222222222_ReadOnly]\n+   sso_session = corp\n+   sso_account_id = 222222222222\n+   sso_role_name = ReadOnly\n+   region = eu-west-1\n+   awsfed_sso_from = corp\n"
	if got := e.out.String(); got != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", got, want)
	}
	if got := e.read(e.config); got != base {
		t.Errorf("config written:\n%s", got)
	}
}

// TestConfigureSSOProfilesGoSDK: the Go SDK reads a generated profile as
// an SSO profile of corp's session, and gets the role's credentials with
// the token awsfed keeps.
func TestConfigureSSOProfilesGoSDK(t *testing.T) {
	e, _ := newCorpEnv(t, ssotest.Options{})
	if code := e.run("configure", "sso-profiles", "--profile", "corp", "--all"); code != 0 {
		t.Fatalf("exit %d: %s", code, e.errOut)
	}
	name := ssoAccount + "_" + ssoRole
	sc, err := config.LoadSharedConfigProfile(t.Context(), name, func(o *config.LoadSharedConfigOptions) {
		o.ConfigFiles, o.CredentialsFiles = []string{e.config}, []string{e.creds}
	})
	if err != nil {
		t.Fatal(err)
	}
	if sc.SSOSessionName != "corp" || sc.SSOAccountID != ssoAccount || sc.SSORoleName != ssoRole || sc.Region != ssoRegion ||
		sc.SSOSession == nil || sc.SSOSession.SSOStartURL != e.sso.StartURL() || sc.SSOSession.SSORegion != ssoRegion {
		t.Errorf("the Go SDK read %+v (session %+v)", sc, sc.SSOSession)
	}

	// The SDK's own SSO credential provider, with awsfed's cached token.
	t.Setenv("HOME", e.deps.Home)
	t.Setenv("AWS_ENDPOINT_URL_SSO", e.sso.PortalURL(ssoRegion))
	cfg, err := config.LoadDefaultConfig(t.Context(), config.WithSharedConfigProfile(name),
		config.WithSharedConfigFiles([]string{e.config}), config.WithSharedCredentialsFiles([]string{e.creds}))
	if err != nil {
		t.Fatal(err)
	}
	creds, err := cfg.Credentials.Retrieve(t.Context())
	if err != nil {
		t.Fatalf("the Go SDK's credentials: %v", err)
	}
	if !strings.HasPrefix(creds.AccessKeyID, "ASIA") || creds.SessionToken == "" {
		t.Errorf("the Go SDK got %+v", creds)
	}
}

// TestConfigureSSOProfilesCredentialProcess: a profile written with
// --credential-process is an awsfed profile that awsfed
// credential-process renews from corp's token.
func TestConfigureSSOProfilesCredentialProcess(t *testing.T) {
	e, _ := newCorpEnv(t, ssotest.Options{})
	if code := e.run("configure", "sso-profiles", "--profile", "corp", "--accounts", ssoAccount2, "--credential-process"); code != 0 {
		t.Fatalf("exit %d: %s", code, e.errOut)
	}
	creds := e.read(e.creds)
	name := ssoAccount2 + "_" + ssoOtherRole
	before := e.calls("CreateToken")
	if code := e.run("credential-process", "--profile", name, "--no-prompt"); code != 0 {
		t.Fatalf("credential-process: exit %d: %s", code, e.errOut)
	}
	if !strings.Contains(e.out.String(), `"AccessKeyId"`) {
		t.Errorf("credential-process printed %q", e.out)
	}
	if e.calls("CreateToken") != before {
		t.Errorf("credential-process signed in again; want corp's token used")
	}
	if got := e.read(e.creds); got != creds {
		t.Errorf("the credentials file was written; want the cache:\n%s", got)
	}
	if _, ok, _ := cacheDir(e.deps).Load(name); !ok {
		t.Errorf("the cache holds no credentials for %s", name)
	}
}

// TestConfigureSSOProfilesSignsInAgain: when the portal no longer takes
// the cached token, a run at a terminal signs in again and goes on.
func TestConfigureSSOProfilesSignsInAgain(t *testing.T) {
	e, base := newCorpEnv(t, ssotest.Options{})
	e.sso.EndSession(ssoUser)
	before := e.calls("CreateToken")
	if code := e.run("configure", "sso-profiles", "--profile", "corp", "--accounts", ssoAccount2); code != 0 {
		t.Fatalf("exit %d: %s", code, e.errOut)
	}
	if e.calls("CreateToken") == before {
		t.Error("no new sign-in")
	}
	if got, want := e.read(e.config), base+read2; got != want {
		t.Errorf("config:\n%s\nwant:\n%s", got, want)
	}
}

func TestSSOProfileName(t *testing.T) {
	g := sources.Grant{AccountID: "123456789012", AccountName: "Prod [EU] #1", RoleName: "AWSAdministratorAccess"}
	tests := []struct{ template, want string }{
		{defaultSSONameTemplate, "123456789012_AWSAdministratorAccess"},
		{"{account_name}", "Prod-EU-1"},
		{" {account_name} / {role_name} ", "Prod-EU-1-/-AWSAdministratorAccess"},
		{"{session}.{account_id}", "corp.123456789012"},
		{"Zürich {role_name}", "Zürich-AWSAdministratorAccess"},
		{"a\tb\nc;d", "a-b-c-d"},
		{"{role_name}{account_name}", "AWSAdministratorAccessProd-EU-1"},
	}
	for _, tt := range tests {
		if err := checkSSONameTemplate(tt.template); err != nil {
			t.Errorf("checkSSONameTemplate(%q): %v", tt.template, err)
		}
		if got := expandSSOName(tt.template, g, "corp"); got != tt.want {
			t.Errorf("expandSSOName(%q) = %q, want %q", tt.template, got, tt.want)
		}
	}
	if got := expandSSOName("{account_name}", sources.Grant{AccountID: "123456789012", AccountName: "{role_name}", RoleName: "R"}, "s"); got != "role_name" {
		t.Errorf("a name holding a placeholder = %q, want it taken literally (role_name)", got)
	}
	if got := expandSSOName("{account_name}", sources.Grant{AccountID: "123456789012", RoleName: "R"}, "s"); got != "123456789012" {
		t.Errorf("no account name = %q, want the account id", got)
	}
	for _, bad := range []string{"{", "}", "{x}", "{account_id", "a}{role_name}", "{{role_name}}"} {
		if err := checkSSONameTemplate(bad); err == nil {
			t.Errorf("checkSSONameTemplate(%q) accepted it", bad)
		}
	}
}
