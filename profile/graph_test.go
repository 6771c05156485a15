package profile

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/seed-2d15385e/awsfed/awsconfig"
)

const (
	stsProfile = "[profile sts]\nawsfed_idp = generic\nawsfed_url = https://idp.example.com/sso\nawsfed_username = alice\n\n"
	roleA      = "arn:aws:iam::222222222222:role/A"
	roleB      = "arn:aws:iam::333333333333:role/B"
)

// chain is a config section for a profile that assumes role with source's
// credentials.
func chain(name, role, source string) string {
	return "[profile " + name + "]\nrole_arn = " + role + "\nsource_profile = " + source + "\n\n"
}

// newGraph writes the two files into a temporary folder and reads them.
func newGraph(t *testing.T, config, creds string) *Graph {
	t.Helper()
	dir := t.TempDir()
	paths := awsconfig.Paths{Config: filepath.Join(dir, "config"), Credentials: filepath.Join(dir, "credentials")}
	for path, text := range map[string]string{paths.Config: config, paths.Credentials: creds} {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := awsconfig.Load(paths.Config)
	if err != nil {
		t.Fatal(err)
	}
	cr, err := awsconfig.Load(paths.Credentials)
	if err != nil {
		t.Fatal(err)
	}
	return New(cfg, cr, paths)
}

// hops lists the profiles of a chain's hops, in the order they are assumed.
func hops(c *Chain) []string {
	var out []string
	for _, h := range c.Hops {
		out = append(out, h.Profile)
	}
	return out
}

const keys = "aws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = secret\n"

// TestResolve holds the one chain rule (botocore's) over the configs that
// used to make awsfed's commands disagree with each other and with the AWS
// CLI. wantErr is a part of the *ConfigError's message; wantAWSFedErr a
// part of AWSFedChain's error when the chain resolves but not to an awsfed
// profile.
func TestResolve(t *testing.T) {
	for _, tt := range []struct {
		name, config, creds, profile string
		wantRoot, wantBase           string
		wantHops                     []string
		wantCredentialSource         string
		wantErr, wantAWSFedErr       string
		wantCycle                    []string
	}{
		{name: "awsfed profile", config: stsProfile, profile: "sts", wantRoot: "sts", wantBase: "sts"},
		{name: "aws-google-auth profile", config: "[profile old]\ngoogle_config.google_username = a@example.com\n", profile: "old", wantRoot: "old", wantBase: "old"},
		{name: "one hop", config: stsProfile + chain("a", roleA, "sts"), profile: "a", wantRoot: "sts", wantBase: "sts", wantHops: []string{"a"}},
		{name: "depth 5", config: stsProfile + chain("c5", roleA, "c4") + chain("c4", roleA, "c3") + chain("c3", roleA, "c2") + chain("c2", roleA, "c1") + chain("c1", roleB, "sts"),
			profile: "c5", wantRoot: "sts", wantBase: "sts", wantHops: []string{"c1", "c2", "c3", "c4", "c5"}},
		{name: "chain on the default profile", config: "[default]\nawsfed_idp = generic\n\n" + chain("a", roleA, "default"), profile: "a", wantRoot: "default", wantBase: "default", wantHops: []string{"a"}},
		{name: "source without role_arn (issue 9, first case)", config: stsProfile + chain("deep", roleA, "norole") + "[profile norole]\nsource_profile = sts\n",
			profile: "deep", wantErr: "profile deep chains on norole (deep → norole), which has neither a role_arn nor credentials of its own (keys, credential_process, SSO), so the AWS CLI cannot use it (without role_arn, the AWS CLI ignores its source_profile = sts): give norole a role_arn, or chain deep on an awsfed profile"},
		{name: "source_profile without role_arn named itself", config: stsProfile + "[profile norole]\nsource_profile = sts\n", profile: "norole", wantBase: "norole",
			wantAWSFedErr: "profile norole is not an awsfed profile (no awsfed_* or google_config.* settings in [profile norole] of CONFIG): set it up with awsfed login --profile norole first, or give it a role_arn: the AWS CLI ignores its source_profile = sts without one"},
		{name: "source_profile = itself without role_arn (issue 9, second case)", config: "[profile self]\nsource_profile = self\n", profile: "self", wantBase: "self",
			wantAWSFedErr: "profile self is not an awsfed profile"},
		{name: "self-source with its own keys", config: "[profile self]\nrole_arn = " + roleA + "\nsource_profile = self\n", creds: "[self]\n" + keys, profile: "self",
			wantBase: "self", wantHops: []string{"self"}, wantAWSFedErr: "profile self assumes its role with its own access keys (source_profile = itself)"},
		{name: "self-source without keys", config: chain("x", roleA, "x"), profile: "x", wantCycle: []string{"x"},
			wantErr: "profile x: its source_profile settings form a cycle (x → x) in CONFIG; no profile of a cycle can get credentials"},
		{name: "missing source", config: chain("x", roleA, "nope"), profile: "x",
			wantErr: "profile x: [profile x] of CONFIG has source_profile = nope, which is not a profile in CONFIG or CREDENTIALS"},
		{name: "missing source deeper", config: stsProfile + chain("x", roleA, "y") + chain("y", roleB, "nope"), profile: "x",
			wantErr: "profile x: [profile y] of CONFIG has source_profile = nope"},
		{name: "cycle of 2", config: chain("a", roleA, "b") + chain("b", roleB, "a"), profile: "a", wantCycle: []string{"a", "b"},
			wantErr: "profile a: its source_profile settings form a cycle (a → b → a)"},
		{name: "cycle of 3", config: chain("a", roleA, "b") + chain("b", roleB, "c") + chain("c", roleB, "a"), profile: "b", wantCycle: []string{"b", "c", "a"},
			wantErr: "profile b: its source_profile settings form a cycle (b → c → a → b)"},
		{name: "into a cycle", config: chain("in", roleA, "a") + chain("a", roleA, "b") + chain("b", roleB, "a"), profile: "in", wantCycle: []string{"a", "b"},
			wantErr: "(in → a → b → a)"},
		{name: "cycle with keys elsewhere", config: chain("a", roleA, "b") + chain("b", roleB, "a"), creds: "[a]\n" + keys, profile: "a", wantCycle: []string{"a", "b"},
			wantErr: "form a cycle (a → b → a)"},
		{name: "source with keys and role_arn gives its keys", config: stsProfile + chain("x", roleA, "mid") + chain("mid", roleB, "sts"), creds: "[mid]\n" + keys, profile: "x",
			wantBase: "mid", wantHops: []string{"x"}, wantAWSFedErr: "profile x chains on mid (x → mid), which is not an awsfed profile"},
		{name: "through static keys", config: chain("x", roleA, "keys"), creds: "[keys]\n" + keys, profile: "x",
			wantBase: "keys", wantHops: []string{"x"}, wantAWSFedErr: "profile x chains on keys (x → keys), which is not an awsfed profile; awsfed resolves chains that start at an awsfed profile only"},
		{name: "through keys in the config file", config: "[profile keys]\n" + keys + "\n" + chain("x", roleA, "keys"), profile: "x", wantBase: "keys", wantHops: []string{"x"},
			wantAWSFedErr: "which is not an awsfed profile"},
		{name: "through awsfed's credential_process", config: stsProfile + "[profile cp]\ncredential_process = /usr/local/bin/awsfed credential-process --profile sts\n\n" + chain("x", roleA, "cp"),
			profile: "x", wantRoot: "sts", wantBase: "cp", wantHops: []string{"x"}},
		{name: "through awsfed's credential_process for a chain", config: stsProfile + chain("a", roleA, "sts") + "[profile cp]\ncredential_process = '/opt/my tools/awsfed' credential-process --profile=a\n\n" + chain("x", roleB, "cp"),
			profile: "x", wantRoot: "sts", wantBase: "cp", wantHops: []string{"a", "x"}},
		{name: "through another credential_process", config: "[profile cp]\ncredential_process = /usr/bin/get-creds --account 1\n\n" + chain("x", roleA, "cp"), profile: "x",
			wantBase: "cp", wantHops: []string{"x"}, wantAWSFedErr: "profile x chains on cp (x → cp), which is not an awsfed profile"},
		{name: "credential_process loop", config: "[profile p]\ncredential_process = awsfed credential-process --profile q\n\n[profile q]\ncredential_process = awsfed credential-process --profile p\n\n" + chain("x", roleA, "p"),
			profile: "x", wantErr: "profile x: the credential_process settings of p → q → p run awsfed credential-process for each other in a loop"},
		{name: "credential_source", config: "[profile x]\nrole_arn = " + roleA + "\ncredential_source = Ec2InstanceMetadata\n", profile: "x",
			wantHops: []string{"x"}, wantCredentialSource: "Ec2InstanceMetadata", wantAWSFedErr: "profile x assumes its role with credential_source = Ec2InstanceMetadata"},
		{name: "both source_profile and credential_source", config: stsProfile + chain("x", roleA, "sts") + "credential_source = Environment\n", profile: "x",
			wantErr: "profile x: [profile x] of CONFIG has both source_profile and credential_source"},
		{name: "role_arn without a source", config: "[profile x]\nrole_arn = " + roleA + "\n", profile: "x", wantErr: "has role_arn but neither source_profile nor credential_source"},
		{name: "web identity is no hop", config: "[profile x]\nrole_arn = " + roleA + "\nweb_identity_token_file = /tmp/t\nsource_profile = sts\n", profile: "x", wantBase: "x",
			wantAWSFedErr: "profile x is not an awsfed profile"},
		{name: "no such profile", config: stsProfile, profile: "nope", wantBase: "nope", wantAWSFedErr: "profile nope is not an awsfed profile"},
		{name: "an awsfed profile in the middle is the root", config: stsProfile + chain("x", roleA, "mid") + "[profile mid]\nawsfed_idp = generic\nrole_arn = " + roleB + "\nsource_profile = sts\n",
			profile: "x", wantRoot: "mid", wantBase: "mid", wantHops: []string{"x"}},
		{name: "bad duration_seconds", config: stsProfile + chain("x", roleA, "sts") + "duration_seconds = 1h\n", profile: "x",
			wantErr: `duration_seconds = "1h" in [profile x] of CONFIG: use a number of seconds`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := newGraph(t, tt.config, tt.creds)
			expand := strings.NewReplacer("CONFIG", g.paths.Config, "CREDENTIALS", g.paths.Credentials).Replace
			got, err := g.Resolve(tt.profile)
			if tt.wantErr != "" {
				ce, ok := err.(*ConfigError)
				if !ok || !strings.Contains(err.Error(), expand(tt.wantErr)) {
					t.Fatalf("Resolve(%q) = %+v, %v; want a *ConfigError containing %q", tt.profile, got, err, expand(tt.wantErr))
				}
				if !reflect.DeepEqual(ce.Cycle, tt.wantCycle) {
					t.Errorf("Cycle = %q, want %q", ce.Cycle, tt.wantCycle)
				}
				if _, err2 := g.AWSFedChain(tt.profile); err2 == nil || err2.Error() != err.Error() {
					t.Errorf("AWSFedChain error = %v, want Resolve's", err2)
				}
				return
			}
			if err != nil {
				t.Fatalf("Resolve(%q): %v", tt.profile, err)
			}
			if got.Root != tt.wantRoot || got.Base != tt.wantBase || got.CredentialSource != tt.wantCredentialSource || !reflect.DeepEqual(hops(got), tt.wantHops) {
				t.Errorf("Resolve(%q) = root %q, base %q, credential_source %q, hops %q; want %q, %q, %q, %q", tt.profile,
					got.Root, got.Base, got.CredentialSource, hops(got), tt.wantRoot, tt.wantBase, tt.wantCredentialSource, tt.wantHops)
			}
			c, err := g.AWSFedChain(tt.profile)
			switch {
			case tt.wantAWSFedErr == "" && err != nil:
				t.Errorf("AWSFedChain: %v", err)
			case tt.wantAWSFedErr != "" && (err == nil || !strings.Contains(err.Error(), expand(tt.wantAWSFedErr))):
				t.Errorf("AWSFedChain = %+v, %v; want an error containing %q", c, err, expand(tt.wantAWSFedErr))
			}
		})
	}
}

func TestHopSettings(t *testing.T) {
	g := newGraph(t, stsProfile+chain("a", roleA, "sts")+"duration_seconds = 7200\nexternal_id = ext-123\nregion = eu-west-1\n\n"+
		chain("b", roleB, "a")+"role_session_name = bob\nmfa_serial = arn:aws:iam::111111111111:mfa/bob\n", "")
	c, err := g.Resolve("b")
	if err != nil {
		t.Fatal(err)
	}
	want := []Hop{
		{Profile: "a", RoleARN: roleA, ExternalID: "ext-123", Region: "eu-west-1", Duration: 2 * time.Hour},
		{Profile: "b", RoleARN: roleB, SessionName: "bob", MFASerial: "arn:aws:iam::111111111111:mfa/bob"},
	}
	if !reflect.DeepEqual(c.Hops, want) {
		t.Errorf("hops = %+v\nwant %+v", c.Hops, want)
	}
}

func TestTrees(t *testing.T) {
	g := newGraph(t, stsProfile+chain("a", roleA, "sts")+chain("b", roleB, "a")+chain("c", roleB, "sts")+
		"[profile cp]\ncredential_process = awsfed credential-process --profile sts\n\n"+chain("viacp", roleA, "cp")+
		"[profile cpa]\ncredential_process = awsfed credential-process --profile a\n\n"+
		chain("broken", roleA, "norole")+"[profile norole]\nsource_profile = sts\n\n"+chain("self", roleA, "self"), "")
	want := []Node{
		{Name: "a", RoleARN: roleA, Source: "sts", Chains: []Node{{Name: "b", RoleARN: roleB, Source: "a", Chains: []Node{}}}},
		{Name: "c", RoleARN: roleB, Source: "sts", Chains: []Node{}},
		{Name: "viacp", RoleARN: roleA, Source: "cp", Chains: []Node{}},
	}
	if got := g.Trees()["sts"]; !reflect.DeepEqual(got, want) {
		t.Errorf("Trees()[sts] = %+v\nwant %+v", got, want)
	}
	if got, want := g.ChainedNames("sts"), []string{"a", "b", "c", "viacp"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ChainedNames = %q, want %q", got, want)
	}
}

func TestProblems(t *testing.T) {
	g := newGraph(t, stsProfile+chain("a", roleA, "b")+chain("b", roleA, "c")+chain("c", roleA, "a")+chain("into", roleA, "a")+
		chain("orphan", roleA, "nope")+chain("orphan2", roleA, "orphan")+chain("deep", roleA, "norole")+"[profile norole]\nsource_profile = sts\n\n[profile self]\nsource_profile = self\n\n"+
		"[profile both]\nawsfed_idp = generic\nrole_arn = "+roleA+"\n", "")
	p := g.Paths()
	want := []string{
		"profile a: its source_profile settings form a cycle (a → b → c → a) in " + p.Config + "; no profile of a cycle can get credentials",
		"profile orphan: [profile orphan] of " + p.Config + " has source_profile = nope, which is not a profile in " + p.Config + " or " + p.Credentials,
		"profile deep chains on norole (deep → norole), which has neither a role_arn nor credentials of its own (keys, credential_process, SSO), so the AWS CLI cannot use it (without role_arn, the AWS CLI ignores its source_profile = sts): give norole a role_arn, or chain deep on an awsfed profile",
		"profile both is an awsfed profile with role_arn in [profile both] of " + p.Config + ": the AWS CLI would assume that role instead of using the credentials awsfed writes; remove role_arn (awsfed_role_arn is the role awsfed signs into)",
	}
	if got := g.Problems(); !reflect.DeepEqual(got, want) {
		t.Errorf("Problems =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestCycleThrough(t *testing.T) {
	g := newGraph(t, stsProfile+chain("a", roleA, "b")+chain("b", roleA, "a")+chain("c", roleA, "sts")+chain("d", roleA, "a"), "")
	for name, want := range map[string][]string{"a": {"a", "b", "a"}, "c": nil, "d": nil, "nope": nil} {
		if got := g.CycleThrough(name, nil); !reflect.DeepEqual(got, want) {
			t.Errorf("CycleThrough(%q) = %q, want %q", name, got, want)
		}
	}
	// Planned sources count instead of the files'.
	if got, want := g.CycleThrough("c", map[string]string{"c": "d", "new": "c"}), []string(nil); !reflect.DeepEqual(got, want) {
		t.Errorf("CycleThrough(c, planned) = %q, want %q", got, want)
	}
	if got, want := g.CycleThrough("new", map[string]string{"new": "x", "x": "new"}), []string{"new", "x", "new"}; !reflect.DeepEqual(got, want) {
		t.Errorf("CycleThrough(new, planned) = %q, want %q", got, want)
	}
}

func TestAWSFedProcessTarget(t *testing.T) {
	for _, tt := range []struct {
		value, want string
		ok          bool
	}{
		{"/usr/local/bin/awsfed credential-process --profile sts", "sts", true},
		{"/usr/local/bin/awsfed-dev credential-process --profile x", "x", true},
		{"granted credential-process --profile jump", "", false},
		{"/opt/awsfed/bin/tool credential-process --profile jump", "", false},
		{"awsfed credential-process --profile=jump --min-valid 10m", "jump", true},
		{"'/home/a b/bin/awsfed' credential-process --no-prompt --profile x", "x", true},
		{"/usr/bin/awsfed login --profile sts", "", false},
		{"/usr/bin/aws-vault export --format=json x", "", false},
		{"awsfed credential-process", "", false},
		{"awsfed credential-process --profile $(id)", "", false},
		{"", "", false},
	} {
		if got, ok := AWSFedProcessTarget(tt.value); got != tt.want || ok != tt.ok {
			t.Errorf("AWSFedProcessTarget(%q) = %q, %v; want %q, %v", tt.value, got, ok, tt.want, tt.ok)
		}
	}
}

func TestAWSFedProcess(t *testing.T) {
	tests := []struct {
		exe, profile string
		want         string
		wantErr      string
	}{
		{exe: "/usr/local/bin/awsfed", profile: "jump", want: "/usr/local/bin/awsfed credential-process --profile jump"},
		{exe: "/home/a/go/bin/awsfed", profile: "team.prod-1@x_y", want: "/home/a/go/bin/awsfed credential-process --profile team.prod-1@x_y"},
		{exe: "/Users/Jane Doe/bin/awsfed", profile: "jump", want: "'/Users/Jane Doe/bin/awsfed' credential-process --profile jump"},
		{exe: "/opt/O'Brien/awsfed", profile: "jump", want: `'/opt/O'"'"'Brien/awsfed' credential-process --profile jump`},
		{exe: "/opt/$HOME/`x`/awsfed", profile: "jump", want: "'/opt/$HOME/`x`/awsfed' credential-process --profile jump"},
		{exe: "/opt/awsfed", profile: "my jump", want: "/opt/awsfed credential-process --profile 'my jump'"},
		{exe: "/opt/awsfed", profile: "~jump", want: "/opt/awsfed credential-process --profile '~jump'"},
		{exe: "/opt/tools#1/awsfed", profile: "jump", want: "'/opt/tools#1/awsfed' credential-process --profile jump"},
		{exe: "/opt/tools #1/awsfed", profile: "jump", wantErr: "would be cut at its # or ;"},
		{exe: "/opt/tools ;1/awsfed", profile: "jump", wantErr: "would be cut at its # or ;"},
		{exe: "/opt/a b/awsfed", profile: "my jump", wantErr: "starts and ends with a quote"},
		{exe: "/opt/a\nb/awsfed", profile: "jump", wantErr: "control character"},
		{exe: "/opt/awsfed", profile: "a\tb", wantErr: "control character"},
		{exe: "awsfed", profile: "jump", wantErr: "not absolute"},
	}
	for _, tt := range tests {
		got, err := AWSFedProcess(tt.exe, tt.profile)
		switch {
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("AWSFedProcess(%q, %q) = %q, %v; want an error containing %q", tt.exe, tt.profile, got, err, tt.wantErr)
		case tt.wantErr == "" && (err != nil || got != tt.want):
			t.Errorf("AWSFedProcess(%q, %q) = %q, %v; want %q", tt.exe, tt.profile, got, err, tt.want)
		}
	}
}

func TestCheckName(t *testing.T) {
	for name, ok := range map[string]bool{"sts": true, "prod-admin": true, "a.b@c": true, "default": true, "x y": true,
		"": false, "[": false, "x]y": false, "a\nb": false, " lead": false, "trail ": false, "DEFAULT": false, "tab\t": false} {
		err := CheckName(name)
		if _, isConfig := err.(*ConfigError); (err == nil) != ok || (err != nil && !isConfig) {
			t.Errorf("CheckName(%q) = %v, want ok %v", name, err, ok)
		}
	}
}

func TestValidRegion(t *testing.T) {
	for r, want := range map[string]bool{"eu-west-1": true, "us-gov-west-1": true, "cn-north-1": true, "ap-southeast-3": true,
		"": false, "eu": false, "eu-": false, "EU-west-1": false, "eu west 1": false, "eu-west-1\n": false, "1u-west-1": false, "e-west-1": false} {
		if got := ValidRegion(r); got != want {
			t.Errorf("ValidRegion(%q) = %v, want %v", r, got, want)
		}
	}
}

// TestSSOSession: [sso-session NAME] sections are read as sessions, not
// profiles, with their keys.
func TestSSOSession(t *testing.T) {
	g := newGraph(t, "[sso-session corp]\nsso_start_url = https://d-1.awsapps.com/start\nsso_region = eu-west-1\n\n[profile corp]\nregion = eu-west-1\n", "")
	s, ok := g.SSOSession("corp")
	if !ok || s.Get(KeySSOStartURL) != "https://d-1.awsapps.com/start" || s.Get(KeySSORegion) != "eu-west-1" {
		t.Errorf("SSOSession(corp) = %v, %v", s, ok)
	}
	if _, ok := g.SSOSession("other"); ok {
		t.Error("SSOSession(other) exists")
	}
	if _, ok := g.Profile("sso-session corp"); ok {
		t.Error("the session is also a profile")
	}
}

// TestIsAWSFed: the marker of a profile that configure sso-profiles wrote
// does not make it an awsfed profile; every other awsfed_* key does.
func TestIsAWSFed(t *testing.T) {
	const gen = "[profile gen]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = ReadOnly\nawsfed_sso_from = corp\n\n"
	g := newGraph(t, stsProfile+gen+
		"[profile genproc]\nawsfed_idp = sso\nawsfed_sso_session = corp\ncredential_process = /bin/awsfed credential-process --profile genproc\nawsfed_sso_from = corp\n\n"+
		"[profile google]\ngoogle_config.google_username = alice\n\n[profile plain]\nregion = eu-west-1\n", "")
	tests := []struct {
		name string
		want bool
	}{
		{"sts", true}, {"gen", false}, {"genproc", true}, {"google", true}, {"plain", false}, {"missing", false},
	}
	for _, tt := range tests {
		if got := g.Lookup(tt.name).IsAWSFed(); got != tt.want {
			t.Errorf("IsAWSFed(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
	c, err := g.Resolve("gen")
	if err != nil || c.Root != "" || c.Base != "gen" {
		t.Errorf("Resolve(gen) = %+v, %v; want a base of its own (SSO) and no awsfed root", c, err)
	}
	if got, want := g.AWSFed(), []string{"sts", "genproc", "google"}; !reflect.DeepEqual(got, want) {
		t.Errorf("AWSFed() = %v, want %v", got, want)
	}
}
