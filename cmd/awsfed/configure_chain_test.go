package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed-2d15385e/awsfed/idp/generic/generictest"
)

// adminARN is the role of otherConfig's [profile target].
const adminARN = "arn:aws:iam::222222222222:role/Admin"

func TestConfigureChain(t *testing.T) {
	tests := []struct {
		name       string
		config     string // after otherConfig
		args       []string
		wantConfig string
		wantText   string
	}{
		{name: "new profile", config: jumpProfile, args: []string{"dev", "--role-arn", adminARN, "--source-profile", "jump"},
			wantConfig: otherConfig + jumpProfile + "\n[profile dev]\nrole_arn = " + adminARN + "\nsource_profile = jump\n",
			wantText:   "Profile dev: role_arn " + adminARN + " via jump\n"},
		{name: "every key", config: jumpProfile,
			args: []string{"dev", "--role-arn", "arn:aws-us-gov:iam::333333333333:role/team/ops/Deploy", "--source-profile", "jump",
				"--region", "us-gov-west-1", "--duration", "30m", "--external-id", "ext:id/1", "--session-name", "alice@example.com"},
			wantConfig: otherConfig + jumpProfile + "\n[profile dev]\nrole_arn = arn:aws-us-gov:iam::333333333333:role/team/ops/Deploy\nsource_profile = jump\n" +
				"region = us-gov-west-1\nduration_seconds = 1800\nexternal_id = ext:id/1\nrole_session_name = alice@example.com\n",
			wantText: "Profile dev: role_arn arn:aws-us-gov:iam::333333333333:role/team/ops/Deploy via jump\n"},
		{name: "long duration noted", config: jumpProfile, args: []string{"dev", "--role-arn", adminARN, "--source-profile", "jump", "--duration", "7200"},
			wantConfig: otherConfig + jumpProfile + "\n[profile dev]\nrole_arn = " + adminARN + "\nsource_profile = jump\nduration_seconds = 7200\n",
			wantText: "Profile dev: role_arn " + adminARN + " via jump\n" +
				"awsfed: note: AWS refuses sessions longer than 1h (3600 s) for a role assumed with another role's credentials (role chaining), as from an awsfed profile: duration_seconds = 7200 works only on top of long-term keys\n"},
		{name: "existing chain updated, other keys and comments kept", config: jumpProfile,
			args: []string{"target", "--role-arn", "arn:aws-cn:iam::444444444444:role/ReadOnly", "--source-profile", "jump", "--region", "cn-north-1"},
			wantConfig: strings.Replace(otherConfig, "role_arn = "+adminARN, "role_arn = arn:aws-cn:iam::444444444444:role/ReadOnly", 1) +
				"region = cn-north-1\n" + jumpProfile,
			wantText: "Profile target: role_arn arn:aws-cn:iam::444444444444:role/ReadOnly via jump\n"},
		{name: "plain profile becomes chained", config: jumpProfile + "\n[profile plain]\n# keep me\noutput = json\n",
			args:       []string{"plain", "--role-arn", adminARN, "--source-profile", "jump"},
			wantConfig: otherConfig + jumpProfile + "\n[profile plain]\n# keep me\noutput = json\nrole_arn = " + adminARN + "\nsource_profile = jump\n",
			wantText:   "Profile plain: role_arn " + adminARN + " via jump\n"},
		{name: "source in the credentials file", args: []string{"dev", "--role-arn", adminARN, "--source-profile", "other"},
			wantConfig: otherConfig + "\n[profile dev]\nrole_arn = " + adminARN + "\nsource_profile = other\n",
			wantText:   "Profile dev: role_arn " + adminARN + " via other\n"},
		{name: "source is the default profile", args: []string{"dev", "--role-arn", adminARN, "--source-profile", "default"},
			wantConfig: otherConfig + "\n[profile dev]\nrole_arn = " + adminARN + "\nsource_profile = default\n",
			wantText:   "Profile dev: role_arn " + adminARN + " via default\n"},
		{name: "same values again", config: jumpProfile + "\n[profile dev]\nrole_arn = " + adminARN + "\nsource_profile = jump\n",
			args:       []string{"dev", "--role-arn", adminARN, "--source-profile", "jump"},
			wantConfig: otherConfig + jumpProfile + "\n[profile dev]\nrole_arn = " + adminARN + "\nsource_profile = jump\n",
			wantText:   "Nothing changed: profile dev is already as given.\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t, generictest.Options{})
			e.write(e.config, otherConfig+tt.config)
			if code := e.run(append([]string{"configure", "chain"}, tt.args...)...); code != 0 {
				t.Fatalf("exit %d: %s", code, e.errOut)
			}
			if got := e.read(e.config); got != tt.wantConfig {
				t.Errorf("config:\n%s\nwant:\n%s", got, tt.wantConfig)
			}
			if got := e.read(e.creds); got != otherCreds {
				t.Errorf("credentials changed:\n%s", got)
			}
			if got := e.errOut.String(); got != tt.wantText {
				t.Errorf("stderr:\n%s\nwant:\n%s", got, tt.wantText)
			}
			if e.out.Len() != 0 {
				t.Errorf("stdout: %q, want nothing", e.out)
			}
		})
	}
}

func TestConfigureChainRefusals(t *testing.T) {
	const config = otherConfig + jumpProfile + "\n[profile proc]\ncredential_process = /bin/true\n" +
		"\n[profile sso]\nsso_session = corp\nsso_account_id = 222222222222\n\n[profile web]\nweb_identity_token_file = /t\nrole_arn = " + adminARN + "\n" +
		"\n[profile ec2]\ncredential_source = Ec2InstanceMetadata\nrole_arn = " + adminARN + "\n" +
		"\n[profile gauth]\ngoogle_config.google_username = alice\n" +
		"\n[profile b]\nrole_arn = " + adminARN + "\nsource_profile = a\n\n[profile a]\nrole_arn = " + adminARN + "\nsource_profile = jump\n"
	base := func(name string, extra ...string) []string {
		return append([]string{name, "--role-arn", adminARN, "--source-profile", "jump"}, extra...)
	}
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "missing source", args: []string{"dev", "--role-arn", adminARN, "--source-profile", "nope"}, wantErr: "source profile nope does not exist: it is neither a [profile nope] of "},
		{name: "config section without profile prefix is no source", args: []string{"dev", "--role-arn", adminARN, "--source-profile", "sso-session"}, wantErr: "source profile sso-session does not exist"},
		{name: "no source flag", args: []string{"dev", "--role-arn", adminARN}, wantErr: "pass --source-profile"},
		{name: "no role flag", args: []string{"dev", "--source-profile", "jump"}, wantErr: "pass --role-arn"},
		{name: "no name", args: []string{"--role-arn", adminARN, "--source-profile", "jump"}, wantErr: "name the profile to write"},
		{name: "arn: not iam", args: []string{"dev", "--role-arn", "arn:aws:sts::222222222222:role/Admin", "--source-profile", "jump"}, wantErr: `role ARN "arn:aws:sts::222222222222:role/Admin" is not an IAM role ARN`},
		{name: "arn: short account", args: []string{"dev", "--role-arn", "arn:aws:iam::22222222222:role/Admin", "--source-profile", "jump"}, wantErr: "is not an IAM role ARN"},
		{name: "arn: partition", args: []string{"dev", "--role-arn", "arn:aws-xx:iam::222222222222:role/Admin", "--source-profile", "jump"}, wantErr: "is not an IAM role ARN"},
		{name: "arn: user", args: []string{"dev", "--role-arn", "arn:aws:iam::222222222222:user/Admin", "--source-profile", "jump"}, wantErr: "is not an IAM role ARN"},
		{name: "arn: name too long", args: []string{"dev", "--role-arn", "arn:aws:iam::222222222222:role/" + strings.Repeat("a", 65), "--source-profile", "jump"}, wantErr: "is not an IAM role ARN"},
		{name: "arn: bad name character", args: []string{"dev", "--role-arn", "arn:aws:iam::222222222222:role/Ad#min", "--source-profile", "jump"}, wantErr: "is not an IAM role ARN"},
		{name: "bad profile name", args: base("dev ops"), wantErr: `profile name "dev ops"`},
		{name: "duration too short", args: base("dev", "--duration", "10m"), wantErr: `--duration "10m": must be between 15m (900) and 12h (43200)`},
		{name: "duration too long", args: base("dev", "--duration", "43201"), wantErr: "must be between"},
		{name: "duration fraction", args: base("dev", "--duration", "900.5s"), wantErr: "must be whole seconds"},
		{name: "duration not one", args: base("dev", "--duration", "soon"), wantErr: "not a duration"},
		{name: "session name", args: base("dev", "--session-name", "a b"), wantErr: `--session-name "a b" must be 2 to 64`},
		{name: "session name short", args: base("dev", "--session-name", "a"), wantErr: "--session-name"},
		{name: "external id", args: base("dev", "--external-id", "x"), wantErr: "--external-id must be 2 to 1224"},
		{name: "region", args: base("dev", "--region", "EU West"), wantErr: `--region "EU West"`},
		{name: "awsfed profile", args: base("jump"), wantErr: "profile jump is an awsfed profile"},
		{name: "aws-google-auth profile", args: base("gauth"), wantErr: "profile gauth is an awsfed profile"},
		{name: "credential_process", args: base("proc"), wantErr: "profile proc already gets credentials through credential_process"},
		{name: "sso", args: base("sso"), wantErr: "profile sso already gets credentials through sso_"},
		{name: "web identity", args: base("web"), wantErr: "through web_identity_token_file"},
		{name: "credential_source", args: base("ec2"), wantErr: "through credential_source"},
		{name: "cycle", args: []string{"a", "--role-arn", adminARN, "--source-profile", "b"}, wantErr: "profiles a → b → a: source_profile b would form a cycle"},
		{name: "self", args: []string{"a", "--role-arn", adminARN, "--source-profile", "a"}, wantErr: "profiles a → a: source_profile a would form a cycle"},
		{name: "from-file with a name", args: []string{"dev", "--from-file", "x", "--source-profile", "jump"}, wantErr: "pass neither NAME nor --role-arn"},
		{name: "from-file missing", args: []string{"--from-file", "/nonexistent/x", "--source-profile", "jump"}, wantErr: "--from-file: open /nonexistent/x"},
		{name: "two names", args: []string{"a", "b", "--role-arn", adminARN, "--source-profile", "jump"}, wantErr: "accepts at most 1 arg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t, generictest.Options{})
			e.write(e.config, config+"\n[sso-session]\nsso_region = us-east-1\n")
			before := e.read(e.config)
			code := e.run(append([]string{"configure", "chain"}, tt.args...)...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
			if got := e.errOut.String(); !strings.Contains(got, tt.wantErr) {
				t.Errorf("stderr:\n%s\nwant it to contain %q", got, tt.wantErr)
			}
			e.assertUnchanged(before, otherCreds)
		})
	}
}

func TestConfigureChainFromFile(t *testing.T) {
	var list, wantProfiles, wantText strings.Builder
	list.WriteString("# accounts\n\n")
	for i := range 20 {
		arn := fmt.Sprintf("arn:aws:iam::%012d:role/Admin", 100000000000+i)
		fmt.Fprintf(&list, "  acct%02d\t%s  \n", i, arn)
		if i == 9 {
			list.WriteString("   # half-way\n")
		}
		fmt.Fprintf(&wantProfiles, "\n[profile acct%02d]\nrole_arn = %s\nsource_profile = jump\nregion = eu-west-1\nduration_seconds = 3600\n", i, arn)
		fmt.Fprintf(&wantText, "Profile acct%02d: role_arn %s via jump\n", i, arn)
	}
	e := newTestEnv(t, generictest.Options{})
	e.write(e.config, otherConfig+jumpProfile)
	file := filepath.Join(t.TempDir(), "accounts.txt")
	e.write(file, list.String())
	args := []string{"configure", "chain", "--from-file", file, "--source-profile", "jump", "--region", "eu-west-1", "--duration", "1h"}
	if code := e.run(args...); code != 0 {
		t.Fatalf("exit %d: %s", code, e.errOut)
	}
	want := otherConfig + jumpProfile + wantProfiles.String()
	if got := e.read(e.config); got != want {
		t.Errorf("config:\n%s\nwant:\n%s", got, want)
	}
	if got := e.errOut.String(); got != wantText.String() {
		t.Errorf("stderr:\n%s\nwant:\n%s", got, wantText.String())
	}

	// Again: nothing changes.
	if code := e.run(args...); code != 0 {
		t.Fatalf("again: exit %d: %s", code, e.errOut)
	}
	if got := e.read(e.config); got != want {
		t.Errorf("again, config:\n%s", got)
	}
	if got, wantAgain := e.errOut.String(), "Nothing changed: the 20 profiles are already as given.\n"; got != wantAgain {
		t.Errorf("again, stderr: %q, want %q", got, wantAgain)
	}

	// One changed line among the same ones.
	e.write(file, strings.Replace(list.String(), "role/Admin  \n", "role/Other  \n", 1))
	if code := e.run(args...); code != 0 {
		t.Fatalf("one changed: exit %d: %s", code, e.errOut)
	}
	if got, wantOne := e.errOut.String(), "Profile acct00: role_arn arn:aws:iam::100000000000:role/Other via jump\n19 other profiles were already as given.\n"; got != wantOne {
		t.Errorf("one changed, stderr: %q, want %q", got, wantOne)
	}
}

func TestConfigureChainFromFileRefusals(t *testing.T) {
	const good = "# mine\na " + adminARN + "\n\nb arn:aws:iam::333333333333:role/Dev\n"
	tests := []struct {
		name, file, source string
		wantErr            string
	}{
		{name: "bad ARN", file: good + "c arn:aws:iam::3333:role/Dev\n", wantErr: `line 5: role ARN "arn:aws:iam::3333:role/Dev" is not an IAM role ARN`},
		{name: "three fields", file: good + "c " + adminARN + " extra\n", wantErr: "line 5: want NAME ROLE_ARN, got 3 fields"},
		{name: "one field", file: "c\n" + good, wantErr: "line 1: want NAME ROLE_ARN, got 1 fields"},
		{name: "bad name", file: good + "c[x] " + adminARN + "\n", wantErr: `line 5: profile name "c[x]"`},
		{name: "duplicate", file: good + "a " + adminARN + "\n", wantErr: "line 5: profile a is already on line 2"},
		{name: "awsfed profile", file: good + "jump " + adminARN + "\n", wantErr: "line 5: profile jump is an awsfed profile"},
		{name: "empty", file: "# nothing\n\n", wantErr: "has no NAME ROLE_ARN line"},
		// [profile x] chains on a; writing a with source x closes a → x → a.
		{name: "cycle through the config", file: good, source: "x", wantErr: "line 2: profiles a → x → a: source_profile x would form a cycle"},
		// The source is written by the same file: b → b.
		{name: "cycle within the file", file: good, source: "b", wantErr: "line 4: profiles b → b: source_profile b would form a cycle"},
		{name: "no source", file: good, source: "-", wantErr: "pass --source-profile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t, generictest.Options{})
			config := otherConfig + jumpProfile + "\n[profile x]\nrole_arn = " + adminARN + "\nsource_profile = a\n"
			e.write(e.config, config)
			file := filepath.Join(t.TempDir(), "list")
			e.write(file, tt.file)
			args := []string{"configure", "chain", "--from-file", file}
			switch tt.source {
			case "":
				args = append(args, "--source-profile", "jump")
			case "-":
			default:
				args = append(args, "--source-profile", tt.source)
			}
			if code := e.run(args...); code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
			if got := e.errOut.String(); !strings.Contains(got, tt.wantErr) {
				t.Errorf("stderr:\n%s\nwant it to contain %q", got, tt.wantErr)
			}
			e.assertUnchanged(config, otherCreds)
		})
	}
}

// TestConfigureChainAWSCLI checks that the AWS CLI reads a written profile.
func TestConfigureChainAWSCLI(t *testing.T) {
	aws, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("the AWS CLI (aws) is not on PATH: pip install awscli to run this test")
	}
	e := newTestEnv(t, generictest.Options{})
	e.write(e.config, otherConfig+jumpProfile)
	if code := e.run("configure", "chain", "dev", "--role-arn", adminARN, "--source-profile", "jump", "--duration", "1h", "--session-name", "alice"); code != 0 {
		t.Fatalf("exit %d: %s", code, e.errOut)
	}
	for key, want := range map[string]string{"role_arn": adminARN, "source_profile": "jump", "duration_seconds": "3600", "role_session_name": "alice"} {
		cmd := exec.Command(aws, "configure", "get", key, "--profile", "dev")
		cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "AWS_CONFIG_FILE="+e.config, "AWS_SHARED_CREDENTIALS_FILE="+e.creds)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aws configure get %s: %v: %s", key, err, out)
		}
		if got := strings.TrimSpace(string(out)); got != want {
			t.Errorf("aws configure get %s = %q, want %q", key, got, want)
		}
	}
}
