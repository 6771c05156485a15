package integration

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestChainRule holds awsfed's one chain rule (profile/graph.go, botocore's)
// against the AWS CLI itself and a strict moto_server: for every chain
// configuration, awsfed's login, status, exec, env and credential-process
// agree with each other and with `aws sts get-caller-identity`.
//
// Each case runs in a fresh HOME on one shared moto_server, whose strict-mode
// budget is reset before each case to what the case may send unsigned: the
// one AssumeRoleWithSAML of the login into jump when X's chain starts at
// jump, else nothing. A second login, or a hop assumed with anything but
// credentials moto issued, would fail. The static keys the non-awsfed
// chains use are those of an IAM user created in moto, so that moto checks
// the signatures of their requests too.
//
// For a profile X of each case:
//   - the AWS CLI gets credentials for X and acts as the expected role, or
//     fails;
//   - exec, env (evaluated by sh) and credential-process act as the same
//     role when X's chain starts at the awsfed profile jump; else each ends
//     with exit 2 and the same one line on stderr. awsfed hands out only
//     chains that start at its own profiles, so for a valid chain that
//     starts elsewhere (static keys, credential_source, another
//     credential_process) the AWS CLI succeeds where awsfed refuses, by
//     design;
//   - status shows X under jump, at its depth, when its chain starts at
//     jump, and warns on stderr exactly when the AWS CLI cannot use X
//     because of how it chains (a cycle, a missing source, a source without
//     credentials, role_arn with no source or with two);
//   - AWS_PROFILE=X awsfed login logs into jump when X's chain starts at
//     jump, and refuses a broken chain with the same message as the others.
//     For any other X (a valid chain that does not start at an awsfed
//     profile, or a profile of no chain) AWS_PROFILE names no awsfed
//     profile, so login falls back to the default profile "sts"
//     (profile.LoginName), which does not exist here: exit 2, "profile sts
//     has no IdP configured".
func TestChainRule(t *testing.T) {
	sso := peer(t, "SSP_SSO_URL", "SimpleSAMLphp")
	role := peer(t, "SSP_SINGLE_ROLE_ARN", "SimpleSAMLphp")
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("the AWS CLI is not installed (pip install awscli)")
	}
	roles := []string{roleName(role), "Rule1", "Rule2", "Rule3", "Rule4", "Rule5"}
	// Two IAM set-up requests per role, and CreateUser, PutUserPolicy and
	// CreateAccessKey for the static keys, pass unchecked.
	m := startMoto(t, 2*len(roles)+3, roles...)
	keyID, secret := chainRuleUserKeys(t, m)
	keys := "aws_access_key_id = " + keyID + "\naws_secret_access_key = " + secret + "\n"

	// rl is a profile that assumes Rule<n> with source's credentials. Each
	// sets role_session_name, which the AWS CLI would otherwise make up
	// (botocore-session-…), so that the two ARNs can be compared.
	rl := func(name string, n int, source string) string {
		return "\n[profile " + name + "]\nrole_arn = arn:aws:iam::123456789012:role/Rule" + strconv.Itoa(n) +
			"\nsource_profile = " + source + "\nrole_session_name = singleuser\nregion = us-east-1\n"
	}
	// cp is a profile whose credential_process runs awsfed for target.
	cp := func(name, target string) string {
		return "\n[profile " + name + "]\ncredential_process = " + bins.awsfed + " credential-process --profile " + target + " --no-prompt\nregion = us-east-1\n"
	}
	const onlyAWSFed = "; awsfed resolves chains that start at an awsfed profile only"
	const cycle = " in CONFIG; no profile of a cycle can get credentials"

	tests := []struct {
		name    string
		profile string // X
		config  string // the sections after jumpConfig's; HOMEDIR is the home's folder
		creds   string // the sections after userCredentials'
		env     []string
		// depth > 0: X's chain starts at jump, depth roles deep; X is at
		// that depth under jump in status's tree, and every command acts
		// as role.
		depth int
		// role is the role the AWS CLI acts as for X, "" when it fails.
		role string
		// awsfedErr is the message (after "awsfed: ") of exec, env and
		// credential-process when X's chain does not start at jump;
		// CONFIG and CREDENTIALS stand for the files' paths.
		awsfedErr string
		// broken: the AWS CLI cannot use X because of how it chains;
		// status warns with awsfedErr and login refuses with it.
		broken bool
	}{
		{name: "depth 1 on the awsfed root", profile: "d1", config: rl("d1", 1, "jump"), depth: 1, role: "Rule1"},
		{name: "depth 5", profile: "c5",
			config: rl("c1", 1, "jump") + rl("c2", 2, "c1") + rl("c3", 3, "c2") + rl("c4", 4, "c3") + rl("c5", 5, "c4"),
			depth:  5, role: "Rule5"},
		{name: "source without role_arn", profile: "deep",
			config: rl("deep", 1, "norole") + "\n[profile norole]\nsource_profile = jump\nregion = us-east-1\n",
			broken: true, awsfedErr: "profile deep chains on norole (deep → norole), which has neither a role_arn nor credentials of its own (keys, credential_process, SSO), so the AWS CLI cannot use it (without role_arn, the AWS CLI ignores its source_profile = jump): give norole a role_arn, or chain deep on an awsfed profile"},
		// The AWS CLI fails for self, which has no credentials at all, but
		// not because of a chain: without role_arn it ignores
		// source_profile. Hence no warning from status, and login falls
		// back to "sts".
		{name: "source_profile = itself without role_arn", profile: "self",
			config:    "\n[profile self]\nsource_profile = self\nregion = us-east-1\n",
			awsfedErr: "profile self is not an awsfed profile (no awsfed_* or google_config.* settings in [profile self] of CONFIG): set it up with awsfed login --profile self first, or give it a role_arn: the AWS CLI ignores its source_profile = self without one"},
		// A valid chain that starts at static keys: the AWS CLI succeeds,
		// awsfed refuses (awsfed hands out only chains that start at its
		// own profiles).
		{name: "self-source with role_arn and static keys", profile: "selfkeys",
			config: rl("selfkeys", 1, "selfkeys"), creds: "\n[selfkeys]\n" + keys, role: "Rule1",
			awsfedErr: "profile selfkeys assumes its role with its own access keys (source_profile = itself), not with an awsfed profile's credentials" + onlyAWSFed},
		{name: "self-source without keys", profile: "selfnokeys", config: rl("selfnokeys", 1, "selfnokeys"),
			broken: true, awsfedErr: "profile selfnokeys: its source_profile settings form a cycle (selfnokeys → selfnokeys)" + cycle},
		{name: "missing source", profile: "lost", config: rl("lost", 1, "nowhere"),
			broken: true, awsfedErr: "profile lost: [profile lost] of CONFIG has source_profile = nowhere, which is not a profile in CONFIG or CREDENTIALS"},
		{name: "cycle of 2", profile: "ring2a", config: rl("ring2a", 1, "ring2b") + rl("ring2b", 2, "ring2a"),
			broken: true, awsfedErr: "profile ring2a: its source_profile settings form a cycle (ring2a → ring2b → ring2a)" + cycle},
		{name: "cycle of 3", profile: "ring3a", config: rl("ring3a", 1, "ring3b") + rl("ring3b", 2, "ring3c") + rl("ring3c", 3, "ring3a"),
			broken: true, awsfedErr: "profile ring3a: its source_profile settings form a cycle (ring3a → ring3b → ring3c → ring3a)" + cycle},
		// status reports the cycle once, with the first profile of the
		// config file that runs into it.
		{name: "into a cycle", profile: "into", config: rl("into", 1, "ring2a") + rl("ring2a", 1, "ring2b") + rl("ring2b", 2, "ring2a"),
			broken: true, awsfedErr: "profile into: its source_profile settings form a cycle (into → ring2a → ring2b → ring2a)" + cycle},
		{name: "through awsfed's credential_process for jump", profile: "viacp",
			config: cp("cp", "jump") + rl("viacp", 1, "cp"), depth: 1, role: "Rule1"},
		// The AWS CLI runs awsfed credential-process for d1, then assumes
		// Rule2; awsfed assumes Rule1 and Rule2 itself. status shows viacpd1
		// under d1.
		{name: "through awsfed's credential_process for a chain", profile: "viacpd1",
			config: rl("d1", 1, "jump") + cp("cpd1", "d1") + rl("viacpd1", 2, "cpd1"), depth: 2, role: "Rule2"},
		{name: "through static keys of a non-awsfed profile", profile: "viakeys",
			config: rl("viakeys", 1, "keys"), creds: "\n[keys]\n" + keys, role: "Rule1",
			awsfedErr: "profile viakeys chains on keys (viakeys → keys), which is not an awsfed profile" + onlyAWSFed},
		// A source with static keys gives its keys even though it has a
		// role_arn chained on jump (the AWS CLI prefers the keys of a
		// source): viamid does not start at jump, while mid itself does.
		{name: "through a source with role_arn and static keys", profile: "viamid",
			config: rl("mid", 2, "jump") + rl("viamid", 1, "mid"), creds: "\n[mid]\n" + keys, role: "Rule1",
			awsfedErr: "profile viamid chains on mid (viamid → mid), which is not an awsfed profile" + onlyAWSFed},
		{name: "through another credential_process", profile: "viaext",
			config: "\n[profile ext]\ncredential_process = HOMEDIR/keys.sh\nregion = us-east-1\n" + rl("viaext", 1, "ext"), role: "Rule1",
			awsfedErr: "profile viaext chains on ext (viaext → ext), which is not an awsfed profile" + onlyAWSFed},
		{name: "credential_source = Environment", profile: "viaenv",
			config: "\n[profile viaenv]\nrole_arn = arn:aws:iam::123456789012:role/Rule1\ncredential_source = Environment\nrole_session_name = singleuser\nregion = us-east-1\n",
			env:    []string{"AWS_ACCESS_KEY_ID=" + keyID, "AWS_SECRET_ACCESS_KEY=" + secret}, role: "Rule1",
			awsfedErr: "profile viaenv assumes its role with credential_source = Environment, not with an awsfed profile's credentials" + onlyAWSFed},
		{name: "both source_profile and credential_source", profile: "both",
			config: rl("both", 1, "jump") + "credential_source = Environment\n",
			env:    []string{"AWS_ACCESS_KEY_ID=" + keyID, "AWS_SECRET_ACCESS_KEY=" + secret},
			broken: true, awsfedErr: "profile both: [profile both] of CONFIG has both source_profile and credential_source; the AWS CLI refuses that: keep one"},
		{name: "role_arn without a source", profile: "nosrc",
			config: "\n[profile nosrc]\nrole_arn = arn:aws:iam::123456789012:role/Rule1\nregion = us-east-1\n",
			broken: true, awsfedErr: "profile nosrc: [profile nosrc] of CONFIG has role_arn but neither source_profile nor credential_source, so the AWS CLI cannot assume it: add source_profile = the profile whose credentials assume the role"},
	}
	arn := func(role string) string { return "arn:aws:sts::123456789012:assumed-role/" + role + "/singleuser" }
	getID := []string{"sts", "get-caller-identity", "--query", "Arn", "--output", "text"}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			budget := 0
			if tt.depth > 0 {
				budget = 1 // the login into jump
			}
			chainRuleResetAuth(t, m, budget)
			h := newHome(t, m.URL)
			// The one profile without credentials must not make the AWS
			// CLI look for an instance's role off this machine.
			h.env = append(h.env, "AWS_EC2_METADATA_DISABLED=true")
			script := filepath.Join(h.dir, "keys.sh")
			h.write(script, "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \""+keyID+"\", \"SecretAccessKey\": \""+secret+"\"}'\n")
			if err := os.Chmod(script, 0o700); err != nil {
				t.Fatal(err)
			}
			h.write(h.config, jumpConfig(sso, "singleuser", role)+strings.ReplaceAll(tt.config, "HOMEDIR", h.dir))
			h.write(h.creds, userCredentials+tt.creds)
			env := append([]string{"AWSFED_PASSWORD=singlepass", "AWSFED=" + bins.awsfed, "X=" + tt.profile}, tt.env...)
			expand := strings.NewReplacer("CONFIG", h.config, "CREDENTIALS", h.creds).Replace
			wantErr := expand(tt.awsfedErr)
			ok := tt.depth > 0
			if ok != (tt.awsfedErr == "") || (tt.broken && tt.role != "") || (ok && tt.role == "") {
				t.Fatal("the case contradicts itself")
			}

			// login first: in jump's cases it is the one unsigned request.
			r := h.awsfed(append([]string{"AWS_PROFILE=" + tt.profile}, env...), "login", "--no-prompt")
			switch {
			case ok:
				if want := "Assumed " + arn(roleName(role)) + " into profile jump; expires "; r.code != 0 || !strings.Contains(r.stderr, want) {
					t.Errorf("AWS_PROFILE=%s awsfed login: exit %d, stderr %q; want a login into jump (%q)", tt.profile, r.code, r.stderr, want)
				}
			case tt.broken:
				want := "awsfed: AWS_PROFILE (or AWS_DEFAULT_PROFILE) names profile " + tt.profile + ", which cannot be used: " + wantErr + "; mend it, or pass --profile NAME\n"
				if r.code != 2 || r.stderr != want {
					t.Errorf("AWS_PROFILE=%s awsfed login: exit %d, stderr\n%q\nwant exit 2 and\n%q", tt.profile, r.code, r.stderr, want)
				}
			default:
				const want = "awsfed: profile sts has no IdP configured: pass --idp generic --url URL --username NAME (they are saved for next time)\n"
				if r.code != 2 || r.stderr != want {
					t.Errorf("AWS_PROFILE=%s awsfed login: exit %d, stderr %q; want exit 2 and %q", tt.profile, r.code, r.stderr, want)
				}
			}

			// The AWS CLI on its own, without AWSFED_PASSWORD: awsfed
			// credential-process, where X's chain runs it, must use what
			// the login stored.
			r = h.run(tt.env, "", "aws", append(getID, "--profile", tt.profile)...)
			if tt.role != "" {
				if r.code != 0 || strings.TrimSpace(r.stdout) != arn(tt.role) {
					t.Errorf("aws --profile %s: exit %d, stdout %q, want %s\n%s", tt.profile, r.code, r.stdout, arn(tt.role), r.stderr)
				}
			} else {
				if r.code == 0 {
					t.Errorf("aws --profile %s: exit 0, stdout %q; want a failure", tt.profile, r.stdout)
				}
				t.Logf("aws --profile %s: exit %d: %s", tt.profile, r.code, strings.TrimSpace(r.stderr))
			}

			// exec, env in sh, credential-process.
			refused := func(what string, r result) {
				t.Helper()
				if want := "awsfed: " + wantErr + "\n"; r.code != 2 || r.stdout != "" || r.stderr != want {
					t.Errorf("%s: exit %d, stdout %q, stderr\n%q\nwant exit 2 and\n%q", what, r.code, r.stdout, r.stderr, want)
				}
			}
			r = h.awsfed(env, append([]string{"exec", "--profile", tt.profile, "--no-prompt", "--", "aws"}, getID...)...)
			if !ok {
				refused("exec", r)
			} else if r.code != 0 || strings.TrimSpace(r.stdout) != arn(tt.role) {
				t.Errorf("exec: exit %d, stdout %q, want %s\n%s", r.code, r.stdout, arn(tt.role), r.stderr)
			}
			r = h.run(env, "", "sh", "-c", `out=$("$AWSFED" env --profile "$X" --no-prompt) && eval "$out" && aws sts get-caller-identity --query Arn --output text`)
			if !ok {
				refused("env in sh", r)
			} else if r.code != 0 || strings.TrimSpace(r.stdout) != arn(tt.role) {
				t.Errorf("env in sh: exit %d, stdout %q, want %s\n%s", r.code, r.stdout, arn(tt.role), r.stderr)
			}
			r = h.awsfed(env, "credential-process", "--profile", tt.profile, "--no-prompt")
			if !ok {
				refused("credential-process", r)
			} else {
				var c struct {
					Version                                    int
					AccessKeyId, SecretAccessKey, SessionToken string
				}
				if err := json.Unmarshal([]byte(r.stdout), &c); r.code != 0 || err != nil || c.Version != 1 {
					t.Errorf("credential-process: exit %d, stdout %q (%v)\n%s", r.code, r.stdout, err, r.stderr)
				} else {
					r = h.run([]string{"AWS_ACCESS_KEY_ID=" + c.AccessKeyId, "AWS_SECRET_ACCESS_KEY=" + c.SecretAccessKey, "AWS_SESSION_TOKEN=" + c.SessionToken},
						"", "aws", getID...)
					if r.code != 0 || strings.TrimSpace(r.stdout) != arn(tt.role) {
						t.Errorf("the AWS CLI with credential-process's keys: exit %d, stdout %q, want %s\n%s", r.code, r.stdout, arn(tt.role), r.stderr)
					}
				}
			}

			// status: the tree, and a warning exactly for a broken chain.
			r = h.awsfed(env, "status")
			if r.code != 0 {
				t.Fatalf("status: exit %d\n%s", r.code, r.stderr)
			}
			tree := chainRuleTree(r.stdout)
			if depth, in := tree[tt.profile]; in != ok || depth != tt.depth {
				t.Errorf("status shows %s under jump at depth %d (shown: %v), want depth %d (0: not shown)\n%s", tt.profile, depth, in, tt.depth, r.stdout)
			}
			wantWarn := ""
			if tt.broken {
				wantWarn = "awsfed: warning: " + wantErr + "\n"
			}
			if r.stderr != wantWarn {
				t.Errorf("status: stderr\n%q\nwant\n%q", r.stderr, wantWarn)
			}
		})
	}
}

// chainRuleTree returns the profiles status's table shows under jump, each
// with its depth (its indentation, two spaces a level).
func chainRuleTree(table string) map[string]int {
	depths := map[string]int{}
	under := false
	for _, line := range strings.Split(table, "\n") {
		rest := strings.TrimLeft(line, " ")
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			continue
		}
		if indent := len(line) - len(rest); indent == 0 {
			under = fields[0] == "jump"
		} else if under {
			depths[fields[0]] = indent / 2
		}
	}
	return depths
}

// chainRuleResetAuth sets moto's strict-mode budget anew: the next n
// requests pass unchecked, every later one must be signed with credentials
// moto issued. moto's state (roles, the user) stays.
func chainRuleResetAuth(t *testing.T, m *moto, n int) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, m.URL+"/moto-api/reset-auth", strings.NewReader(strconv.Itoa(n)))
	req.Header.Set("Content-Type", "text/plain")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("moto reset-auth: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("moto reset-auth: HTTP %d", resp.StatusCode)
	}
}

// chainRuleUserKeys creates an IAM user allowed everything, among moto's
// unchecked requests (three), and returns its access key: static keys whose
// signatures strict moto checks.
func chainRuleUserKeys(t *testing.T, m *moto) (id, secret string) {
	t.Helper()
	const user = "chainrule"
	m.iam(t, url.Values{"Action": {"CreateUser"}, "UserName": {user}})
	m.iam(t, url.Values{"Action": {"PutUserPolicy"}, "UserName": {user}, "PolicyName": {"all"},
		"PolicyDocument": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`}})
	var out struct {
		ID     string `xml:"CreateAccessKeyResult>AccessKey>AccessKeyId"`
		Secret string `xml:"CreateAccessKeyResult>AccessKey>SecretAccessKey"`
	}
	if b := m.iam(t, url.Values{"Action": {"CreateAccessKey"}, "UserName": {user}}); xml.Unmarshal(b, &out) != nil || out.ID == "" || out.Secret == "" {
		t.Fatalf("moto CreateAccessKey: no key in %s", b)
	}
	return out.ID, out.Secret
}
