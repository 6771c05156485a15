package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/seed-2d15385e/awsfed/assume/ststest"
	"github.com/seed-2d15385e/awsfed/idp/generic/generictest"
)

// chainConfig chains from_fumidai on jump (depth 2), deep on from_fumidai
// (depth 3); otherConfig already has target on jump.
var chainConfig = "\n" + chain("from_fumidai", "jump", "222222222222") + chain("deep", "from_fumidai", "333333333333")

// newChainEnv is a test user logged into jump, with extra profiles in the
// config file.
func newChainEnv(t *testing.T, extra string, stsOpts ...ststest.Option) *testEnv {
	t.Helper()
	e := newTestEnv(t, generictest.Options{}, stsOpts...)
	e.env["AWSFED_PASSWORD"] = generictest.Password
	if code := e.run(e.loginArgs()...); code != 0 {
		t.Fatalf("login: exit %d: %s", code, e.errOut)
	}
	e.write(e.config, e.read(e.config)+extra)
	return e
}

// assumeRoles returns the AssumeRole requests the fake STS received.
func assumeRoles(e *testEnv) []ststest.Request {
	var out []ststest.Request
	for _, r := range e.sts.Requests() {
		if r.Action == "AssumeRole" {
			out = append(out, r)
		}
	}
	return out
}

// TestChainCredentialProcess checks that credential-process on chained
// profiles of depth 2 and 3 prints the deepest role's credentials, each hop
// signed with the one before, the root not logged into again, with the
// SAML session name by default, and that nothing is stored.
func TestChainCredentialProcess(t *testing.T) {
	for _, tt := range []struct {
		profile string
		roles   []string
	}{
		{"from_fumidai", []string{"arn:aws:iam::222222222222:role/from_fumidai"}},
		{"deep", []string{"arn:aws:iam::222222222222:role/from_fumidai", "arn:aws:iam::333333333333:role/deep"}},
	} {
		t.Run(tt.profile, func(t *testing.T) {
			e := newChainEnv(t, chainConfig)
			config, creds := e.read(e.config), e.read(e.creds)
			if code := e.run("credential-process", "--profile", tt.profile); code != 0 {
				t.Fatalf("exit %d: %s", code, e.errOut)
			}
			if e.errOut.Len() != 0 {
				t.Errorf("stderr = %q, want nothing", e.errOut)
			}
			issued := e.sts.Issued()
			if len(issued) != 1+len(tt.roles) || issued[0].Action != "AssumeRoleWithSAML" {
				t.Fatalf("issued %+v", issued)
			}
			session := issued[0].SessionName
			for i, r := range assumeRoles(e) {
				if r.RoleARN != tt.roles[i] || r.RoleSessionName != session || r.DurationSeconds != 0 {
					t.Errorf("hop %d: role %s session %q duration %d, want %s %q 0", i, r.RoleARN, r.RoleSessionName, r.DurationSeconds, tt.roles[i], session)
				}
				// Each hop is signed with the credentials of the one before.
				if r.SecurityToken != issued[i].SessionToken {
					t.Errorf("hop %d was not signed with the credentials of %s", i, issued[i].RoleARN)
				}
			}
			last := issued[len(issued)-1]
			var got struct {
				AccessKeyID  string `json:"AccessKeyId"`
				SessionToken string
				Expiration   string
			}
			if err := json.Unmarshal(e.out.Bytes(), &got); err != nil {
				t.Fatalf("stdout %q: %v", e.out, err)
			}
			if got.AccessKeyID != last.AccessKeyID || got.SessionToken != last.SessionToken ||
				got.Expiration != last.Expiration.Format(time.RFC3339) || last.RoleARN != tt.roles[len(tt.roles)-1] {
				t.Errorf("printed %+v, want the credentials of %s", got, last.PrincipalARN)
			}
			e.assertUnchanged(config, creds)
		})
	}
}

// TestChainSettings checks that duration_seconds above 1h is lowered to 1h
// with one note, and that external_id, role_session_name and mfa_serial
// with AWSFED_MFA_CODE reach STS, through env on AWS_PROFILE.
func TestChainSettings(t *testing.T) {
	e := newChainEnv(t, "\n[profile a]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile = jump\nduration_seconds = 7200\nexternal_id = ext-123\n"+
		"[profile b]\nrole_arn = arn:aws:iam::333333333333:role/B\nsource_profile = a\nrole_session_name = bob-session\nmfa_serial = arn:aws:iam::111111111111:mfa/bob\nduration_seconds = 1800\nregion = eu-central-1\n")
	e.env["AWS_PROFILE"] = "b"
	e.env["AWSFED_MFA_CODE"] = "123456"
	if code := e.run("env", "--format", "json"); code != 0 {
		t.Fatalf("exit %d: %s", code, e.errOut)
	}
	if want := "awsfed: note: duration_seconds of profile a (2h0m0s) exceeds AWS's 1h limit for chained roles; asked for 1h\n"; e.errOut.String() != want {
		t.Errorf("stderr = %q, want %q", e.errOut, want)
	}
	// What each hop sends is renew's (TestAssumerChain); here, that the
	// profiles' settings reach it.
	hops := assumeRoles(e)
	if len(hops) != 2 || hops[0].Form.Get("ExternalId") != "ext-123" || hops[1].Form.Get("TokenCode") != "123456" ||
		!strings.Contains(hops[1].Authorization, "/eu-central-1/sts/") {
		t.Fatalf("AssumeRole calls %+v, want the two hops with their settings", hops)
	}
	var vars map[string]string
	if err := json.Unmarshal(e.out.Bytes(), &vars); err != nil {
		t.Fatal(err)
	}
	last := e.sts.Issued()[2]
	if vars["AWS_ACCESS_KEY_ID"] != last.AccessKeyID || vars["AWS_REGION"] != "eu-central-1" {
		t.Errorf("env %v, want the credentials of %s in eu-central-1", vars, last.PrincipalARN)
	}
}

// TestChainMFANoCode checks that a hop with mfa_serial and no code, with
// no terminal, exits 4 naming the profile and what to set.
func TestChainMFANoCode(t *testing.T) {
	e := newChainEnv(t, "\n[profile m]\nrole_arn = arn:aws:iam::222222222222:role/M\nsource_profile = jump\nmfa_serial = arn:aws:iam::111111111111:mfa/bob\n")
	if code := e.run("env", "--profile", "m"); code != 4 {
		t.Fatalf("exit %d, want 4: %s", code, e.errOut)
	}
	if !strings.Contains(e.errOut.String(), "chained profile m (role arn:aws:iam::222222222222:role/M)") ||
		!strings.Contains(e.errOut.String(), "AWSFED_MFA_CODE") {
		t.Errorf("stderr = %q", e.errOut)
	}
}

// TestChainAccessDenied checks that a refused hop exits 5 naming its
// profile and role, and that exec does not run the command.
func TestChainAccessDenied(t *testing.T) {
	e := newChainEnv(t, chainConfig, ststest.WithDeniedRole("arn:aws:iam::333333333333:role/deep"))
	e.deps.Exec = func(string, []string, []string) error {
		t.Error("exec ran the command")
		return nil
	}
	if code := e.run("exec", "--profile", "deep", "--", "sh"); code != 5 {
		t.Fatalf("exit %d, want 5: %s", code, e.errOut)
	}
	got := e.errOut.String()
	if !strings.HasPrefix(got, "awsfed: chained profile deep: STS refused AssumeRole for arn:aws:iam::333333333333:role/deep: access denied") ||
		strings.Count(got, "\n") != 1 {
		t.Errorf("stderr = %q", got)
	}
}

// TestChainExec checks that exec hands the deepest role's credentials to
// the command.
func TestChainExec(t *testing.T) {
	e := newChainEnv(t, chainConfig)
	var env []string
	e.deps.Environ = func() []string { return nil }
	e.deps.Exec = func(_ string, _ []string, e []string) error { env = e; return nil }
	e.run("exec", "--profile", "deep", "--", "sh")
	last := e.sts.Issued()[2]
	if len(env) == 0 || env[0] != "AWS_ACCESS_KEY_ID="+last.AccessKeyID || last.RoleARN != "arn:aws:iam::333333333333:role/deep" {
		t.Errorf("env %q, want the credentials of %s", env, last.PrincipalARN)
	}
}

// TestChainConfigErrors checks that the chain rule's errors (profile's
// TestResolve has them all) end credential-process with exit 2 and one
// line, nothing sent.
func TestChainConfigErrors(t *testing.T) {
	for _, tt := range []struct{ name, config, profile, want string }{
		{"cycle", chain("x", "y", "1") + chain("y", "x", "1"), "x", "awsfed: profile x: its source_profile settings form a cycle (x → y → x)"},
		{"missing deeper", chain("x", "y", "1") + chain("y", "nope", "1"), "x", "awsfed: profile x: [profile y] of "},
		{"not awsfed", "[profile keys]\naws_access_key_id = AKIA\naws_secret_access_key = s\n" + chain("x", "keys", "1"), "x", "awsfed: profile x chains on keys (x → keys), which is not an awsfed profile"},
		{"source without role_arn", chain("x", "norole", "1") + "[profile norole]\nsource_profile = jump\n", "x", "awsfed: profile x chains on norole (x → norole), which has neither"},
		{"bad duration", chain("x", "jump", "1") + "duration_seconds = 1h\n", "x", `awsfed: duration_seconds = "1h" in [profile x] of `},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newChainEnv(t, "\n"+tt.config)
			before := len(e.sts.Requests())
			if code := e.run("credential-process", "--profile", tt.profile); code != 2 {
				t.Fatalf("exit %d, want 2: %s", code, e.errOut)
			}
			if got := e.errOut.String(); !strings.HasPrefix(got, tt.want) || strings.Count(got, "\n") != 1 {
				t.Errorf("stderr = %q, want one line starting %q", got, tt.want)
			}
			if n := len(e.sts.Requests()); n != before {
				t.Errorf("%d requests sent", n-before)
			}
		})
	}
}
