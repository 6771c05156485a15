package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/idp/generic/generictest"
	"github.com/seed-2d15385e/awsfed/internal/credcache"
	"github.com/seed-2d15385e/awsfed/profile"
	"github.com/seed-2d15385e/awsfed/ui"
)

// statusNow is the fixed clock of the status tests, in a zone of its own
// so that the table's local times are checked too.
var statusNow = time.Date(2026, 11, 22, 9, 0, 0, 0, time.FixedZone("JST", 9*3600))

// newStatusEnv is a testEnv whose clock stands at statusNow, and in which
// any network traffic or prompt fails the test: its IdP and STS are
// stopped, and no transport or prompter may be asked for.
func newStatusEnv(t testing.TB) *testEnv {
	t.Helper()
	e := newTestEnv(t, generictest.Options{})
	e.idp.Close()
	e.sts.Close()
	e.deps.Now = func() time.Time { return statusNow }
	e.deps.Transport = func() http.RoundTripper {
		t.Error("status asked for an HTTP transport")
		return nil
	}
	e.deps.Prompter = func() (ui.Prompter, error) {
		t.Error("status asked for a prompter")
		return nil, fmt.Errorf("no prompts")
	}
	return e
}

// cache is the credentials cache of e's user.
func (e *testEnv) cache() credcache.Dir { return credcache.DefaultDir(e.deps.Home, e.deps.Getenv) }

// expand replaces $CREDS and $CACHE in want with e's credentials file and
// cache folder.
func (e *testEnv) expand(want string) string {
	return strings.NewReplacer("$CREDS", e.creds, "$CACHE", string(e.cache()), "$CONFIG", e.config).Replace(want)
}

// credsSection is a credentials file section as a login writes it,
// expiring at exp (none if zero).
func credsSection(name, principal string, exp time.Time) string {
	s := "[" + name + "]\naws_access_key_id = ASIA" + strings.ToUpper(name) + "\naws_secret_access_key = secret\naws_session_token = token\naws_security_token = token\n"
	if !exp.IsZero() {
		s += "x_security_token_expires = " + exp.UTC().Format(time.RFC3339) + "\n"
	}
	if principal != "" {
		s += "x_principal_arn = " + principal + "\n"
	}
	return s
}

const (
	stsProfile = `[profile sts]
region = ap-northeast-1
awsfed_idp = google
awsfed_username = alice@example.com
awsfed_google_idp_id = C01abc234
awsfed_google_sp_id = 123456789012
awsfed_role_arn = arn:aws:iam::111111111111:role/jump-sso
`
	stsPrincipal = "arn:aws:sts::111111111111:assumed-role/jump-sso/alice@example.com"
)

// chain is a [profile name] that chains on source with a role in account.
func chain(name, source, account string) string {
	return fmt.Sprintf("[profile %s]\nrole_arn = arn:aws:iam::%s:role/%s\nsource_profile = %s\n", name, account, name, source)
}

func TestStatus(t *testing.T) {
	tests := []struct {
		name          string
		config, creds string
		cached        map[string]awsconfig.Credentials // the cache, by profile
		json          bool
		wantOut       string // $CREDS and $CACHE stand for the paths
		wantErr       string
	}{
		{
			name: "chains of depth 2 and 3",
			config: stsProfile + chain("from_fumidai", "sts", "222222222222") + chain("deep", "from_fumidai", "333333333333") +
				"[default]\nregion = eu-west-1\n" + chain("deeper", "deep", "444444444444") + chain("billing", "sts", "555555555555"),
			creds: credsSection("sts", stsPrincipal, statusNow.Add(3*time.Hour+12*time.Minute+30*time.Second)),
			wantOut: `PROFILE         IDP     USER               EXPIRES                            ROLE                                         PRINCIPAL                                                          STORE
sts             google  alice@example.com  2026-11-22 12:12 JST (3h12m left)  arn:aws:iam::111111111111:role/jump-sso      arn:aws:sts::111111111111:assumed-role/jump-sso/alice@example.com  [sts] of $CREDS
  from_fumidai                             → sts, ready                       arn:aws:iam::222222222222:role/from_fumidai
    deep                                   → from_fumidai, ready              arn:aws:iam::333333333333:role/deep
      deeper                               → deep, ready                      arn:aws:iam::444444444444:role/deeper
  billing                                  → sts, ready                       arn:aws:iam::555555555555:role/billing
`,
		},
		{
			name:   "chains of depth 2 and 3 as JSON",
			config: stsProfile + chain("from_fumidai", "sts", "222222222222") + chain("deep", "from_fumidai", "333333333333") + chain("deeper", "deep", "444444444444"),
			creds:  credsSection("sts", stsPrincipal, statusNow.Add(3*time.Hour+12*time.Minute+30*time.Second)),
			json:   true,
			wantOut: `[
  {
    "name": "sts",
    "idp": "google",
    "username": "alice@example.com",
    "role_arn": "arn:aws:iam::111111111111:role/jump-sso",
    "principal_arn": "arn:aws:sts::111111111111:assumed-role/jump-sso/alice@example.com",
    "expiration": "2026-11-22T03:12:30Z",
    "expired": false,
    "seconds_left": 11550,
    "store": "[sts] of $CREDS",
    "chains": [
      {
        "name": "from_fumidai",
        "role_arn": "arn:aws:iam::222222222222:role/from_fumidai",
        "source": "sts",
        "ready": true,
        "chains": [
          {
            "name": "deep",
            "role_arn": "arn:aws:iam::333333333333:role/deep",
            "source": "from_fumidai",
            "ready": true,
            "chains": [
              {
                "name": "deeper",
                "role_arn": "arn:aws:iam::444444444444:role/deeper",
                "source": "deep",
                "ready": true,
                "chains": []
              }
            ]
          }
        ]
      }
    ],
    "sso_session": "",
    "account_id": "",
    "role_name": ""
  }
]
`,
		},
		{
			name: "a cycle and a missing source are reported, not followed",
			config: stsProfile + chain("good", "sts", "222222222222") + chain("a", "b", "1") + chain("b", "c", "1") + chain("c", "a", "1") +
				chain("hanger", "b", "1") + chain("orphan", "jump", "1") + chain("orphan2", "orphan", "1"),
			creds: credsSection("sts", stsPrincipal, statusNow.Add(time.Hour)),
			wantOut: `PROFILE  IDP     USER               EXPIRES                           ROLE                                     PRINCIPAL                                                          STORE
sts      google  alice@example.com  2026-11-22 10:00 JST (1h0m left)  arn:aws:iam::111111111111:role/jump-sso  arn:aws:sts::111111111111:assumed-role/jump-sso/alice@example.com  [sts] of $CREDS
  good                              → sts, ready                      arn:aws:iam::222222222222:role/good
`,
			wantErr: `awsfed: warning: profile a: its source_profile settings form a cycle (a → b → c → a) in $CONFIG; no profile of a cycle can get credentials
awsfed: warning: profile orphan: [profile orphan] of $CONFIG has source_profile = jump, which is not a profile in $CONFIG or $CREDS
`,
		},
		{
			// As in the AWS CLI: a profile that names itself without keys
			// of its own is a cycle, and a source without role_arn must
			// have credentials of its own.
			name: "sources that are no chain: itself, a credentials file profile, a static profile",
			config: stsProfile + chain("self", "self", "1") + chain("fromkeys", "keys", "1") + chain("fromdefault", "default", "1") +
				"[default]\nregion = eu-west-1\n" + chain("selfkeys", "selfkeys", "1"),
			creds: credsSection("sts", stsPrincipal, statusNow.Add(time.Hour)) + "[keys]\naws_access_key_id = AKIA\naws_secret_access_key = s\n" +
				"[selfkeys]\naws_access_key_id = AKIA\naws_secret_access_key = s\n",
			wantErr: `awsfed: warning: profile self: its source_profile settings form a cycle (self → self) in $CONFIG; no profile of a cycle can get credentials
awsfed: warning: profile fromdefault chains on default (fromdefault → default), which has neither a role_arn nor credentials of its own (keys, credential_process, SSO), so the AWS CLI cannot use it: give default a role_arn, or chain fromdefault on an awsfed profile
`,
			wantOut: `PROFILE  IDP     USER               EXPIRES                           ROLE                                     PRINCIPAL                                                          STORE
sts      google  alice@example.com  2026-11-22 10:00 JST (1h0m left)  arn:aws:iam::111111111111:role/jump-sso  arn:aws:sts::111111111111:assumed-role/jump-sso/alice@example.com  [sts] of $CREDS
`,
		},
		{
			name: "expired, none, unknown expiry, cached, aws-google-auth",
			config: stsProfile + chain("dev", "cp", "222222222222") +
				"[profile gone]\nawsfed_idp = generic\nawsfed_url = https://idp.example.com/sso\nawsfed_username = bob\n" +
				"[profile cp]\nawsfed_idp = generic\nawsfed_url = https://idp.example.com/sso\nawsfed_username = carol\ncredential_process = awsfed credential-process --profile cp\n" +
				"[profile noexp]\nawsfed_url = https://accounts.google.com/o/saml2/initsso?idpid=X&spid=Y\n" +
				"[profile old]\ngoogle_config.google_username = dave@example.com\ngoogle_config.role_arn = arn:aws:iam::111111111111:role/old\n",
			creds: credsSection("sts", stsPrincipal, statusNow.Add(-2*time.Hour-10*time.Minute)) + credsSection("noexp", "", time.Time{}) +
				// In [cp] too, but awsfed stores cp's credentials in the cache.
				credsSection("cp", "arn:aws:sts::111111111111:assumed-role/wrong/carol", statusNow.Add(time.Hour)) +
				"[old]\naws_access_key_id = ASIAOLD\naws_secret_access_key = s\naws_session_token = t\naws_session_expiration = 2026-11-22T08:59:40+0900\n",
			cached: map[string]awsconfig.Credentials{"cp": {AccessKeyID: "ASIACP", SecretAccessKey: "s", SessionToken: "t",
				Expiration: statusNow.Add(11*time.Hour + 59*time.Minute), PrincipalARN: "arn:aws:sts::111111111111:assumed-role/dev/carol"}},
			wantOut: `PROFILE  IDP      USER               EXPIRES                                 ROLE                                     PRINCIPAL                                                          STORE
sts      google   alice@example.com  2026-11-22 06:50 JST (expired 2h ago)   arn:aws:iam::111111111111:role/jump-sso  arn:aws:sts::111111111111:assumed-role/jump-sso/alice@example.com  [sts] of $CREDS
gone     generic  bob                no credentials                          -                                        -                                                                  [gone] of $CREDS
cp       generic  carol              2026-11-22 20:59 JST (11h59m left)      -                                        arn:aws:sts::111111111111:assumed-role/dev/carol                   $CACHE/credentials/cp.json
  dev                                → cp, ready                             arn:aws:iam::222222222222:role/dev
noexp    google   -                  expiry unknown                          -                                        -                                                                  [noexp] of $CREDS
old      google   dave@example.com   2026-11-22 08:59 JST (expired <1m ago)  arn:aws:iam::111111111111:role/old       -                                                                  [old] of $CREDS
`,
		},
		{
			name:   "expired, none, cached as JSON",
			config: "[profile gone]\nawsfed_idp = generic\nawsfed_url = https://idp.example.com/sso\n" + stsProfile + "[profile cp]\nawsfed_idp = generic\ncredential_process = awsfed credential-process --profile cp\n",
			creds:  credsSection("sts", stsPrincipal, statusNow.Add(-2*time.Hour-10*time.Minute)),
			cached: map[string]awsconfig.Credentials{"cp": {AccessKeyID: "ASIACP", SecretAccessKey: "s", SessionToken: "t",
				Expiration: statusNow.Add(20 * time.Second)}},
			json: true,
			wantOut: `[
  {
    "name": "gone",
    "idp": "generic",
    "username": "",
    "role_arn": "",
    "principal_arn": "",
    "expiration": null,
    "expired": false,
    "seconds_left": 0,
    "store": "[gone] of $CREDS",
    "chains": [],
    "sso_session": "",
    "account_id": "",
    "role_name": ""
  },
  {
    "name": "sts",
    "idp": "google",
    "username": "alice@example.com",
    "role_arn": "arn:aws:iam::111111111111:role/jump-sso",
    "principal_arn": "arn:aws:sts::111111111111:assumed-role/jump-sso/alice@example.com",
    "expiration": "2026-11-21T21:50:00Z",
    "expired": true,
    "seconds_left": -7800,
    "store": "[sts] of $CREDS",
    "chains": [],
    "sso_session": "",
    "account_id": "",
    "role_name": ""
  },
  {
    "name": "cp",
    "idp": "generic",
    "username": "",
    "role_arn": "",
    "principal_arn": "",
    "expiration": "2026-11-22T00:00:20Z",
    "expired": false,
    "seconds_left": 20,
    "store": "$CACHE/credentials/cp.json",
    "chains": [],
    "sso_session": "",
    "account_id": "",
    "role_name": ""
  }
]
`,
		},
		{
			name:   "the default profile, and [profile default] before [default]",
			config: "[default]\nawsfed_idp = generic\nawsfed_username = old\n[profile default]\nawsfed_idp = generic\nawsfed_username = eve\n" + chain("prod", "default", "666666666666"),
			wantOut: `PROFILE  IDP      USER  EXPIRES                  ROLE                                 PRINCIPAL  STORE
default  generic  eve   no credentials           -                                    -          [default] of $CREDS
  prod                  → default, log in first  arn:aws:iam::666666666666:role/prod
`,
		},
		{
			name:    "no awsfed profiles",
			config:  otherConfig,
			creds:   otherCreds,
			wantErr: "awsfed: warning: profile target: [profile target] of $CONFIG has source_profile = jump, which is not a profile in $CONFIG or $CREDS\nNo awsfed profiles in $CONFIG; create one with: awsfed login --profile NAME --username USER and --idp google --idp-id ID --sp-id ID, or --idp generic --url URL, or --idp sso --start-url URL --sso-region REGION\n",
		},
		{
			name:    "no awsfed profiles as JSON",
			config:  "",
			json:    true,
			wantOut: "[]\n",
			wantErr: "No awsfed profiles in $CONFIG; create one with: awsfed login --profile NAME --username USER and --idp google --idp-id ID --sp-id ID, or --idp generic --url URL, or --idp sso --start-url URL --sso-region REGION\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newStatusEnv(t)
			e.write(e.config, tt.config)
			e.write(e.creds, tt.creds)
			for p, c := range tt.cached {
				if err := e.cache().Save(p, c); err != nil {
					t.Fatal(err)
				}
			}
			args := []string{"status"}
			if tt.json {
				args = append(args, "--json")
			}
			if code := e.run(args...); code != 0 {
				t.Fatalf("exit %d: %s", code, e.errOut)
			}
			if got, want := e.out.String(), e.expand(tt.wantOut); got != want {
				t.Errorf("stdout:\n%s\nwant:\n%s", got, want)
			}
			wantErr := e.expand(tt.wantErr)
			if got := e.errOut.String(); got != wantErr {
				t.Errorf("stderr:\n%s\nwant:\n%s", got, wantErr)
			}
			e.assertUnchanged(tt.config, tt.creds)
		})
	}
}

func TestStatusParseError(t *testing.T) {
	const bad = "[profile sts]\nawsfed_idp = google\nnot a key\n"
	tests := []struct {
		name          string
		config, creds string
		wantFile      func(*testEnv) string
	}{
		{name: "config", config: bad, creds: otherCreds, wantFile: func(e *testEnv) string { return e.config }},
		{name: "credentials", config: stsProfile, creds: "[sts]\naws_access_key_id = A\n[sts]\n", wantFile: func(e *testEnv) string { return e.creds }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newStatusEnv(t)
			e.write(e.config, tt.config)
			e.write(e.creds, tt.creds)
			for _, args := range [][]string{{"status"}, {"status", "--json"}} {
				if code := e.run(args...); code != exitUsage {
					t.Errorf("%s: exit %d, want %d", args, code, exitUsage)
				}
				if want := "awsfed: " + tt.wantFile(e) + " does not parse: line 3: "; !strings.HasPrefix(e.errOut.String(), want) {
					t.Errorf("%s: stderr = %q, want it to start with %q", args, e.errOut, want)
				}
				if e.out.Len() != 0 {
					t.Errorf("%s: stdout = %q, want nothing", args, e.out)
				}
			}
			e.assertUnchanged(tt.config, tt.creds)
		})
	}
}

func TestNewStatusCmd(t *testing.T) {
	tests := []struct {
		args     []string
		wantJSON bool
		wantCode int
	}{
		{args: nil},
		{args: []string{"--json"}, wantJSON: true},
		{args: []string{"sts"}, wantCode: exitUsage},
		{args: []string{"--profile", "sts"}, wantCode: exitUsage},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			streams, _, _, _ := ui.Test()
			var got *statusOptions
			cmd := newStatusCmd(&Deps{Streams: streams}, func(_ context.Context, o *statusOptions) error {
				got = o
				return nil
			})
			cmd.SetArgs(tt.args)
			cmd.SetOut(streams.Out)
			cmd.SetErr(streams.ErrOut)
			err := cmd.Execute()
			if code := exitCodeOf(err); code != tt.wantCode {
				t.Fatalf("exit %d (%v), want %d", code, err, tt.wantCode)
			}
			if tt.wantCode == 0 && got.json != tt.wantJSON {
				t.Errorf("json = %v, want %v", got.json, tt.wantJSON)
			}
		})
	}
}

func exitCodeOf(err error) int {
	if err == nil {
		return exitOK
	}
	return exitCode(err)
}

// BenchmarkStatus300 runs status over 300 awsfed profiles, each with
// credentials and a chain of depth 2 (900 config sections), in the process:
// what the command adds to awsfed's start-up.
func BenchmarkStatus300(b *testing.B) {
	for _, json := range []bool{false, true} {
		b.Run(fmt.Sprintf("json=%v", json), func(b *testing.B) {
			e := newStatusEnv(b)
			config, creds := status300()
			e.write(e.config, config)
			e.write(e.creds, creds)
			args := []string{"status"}
			if json {
				args = append(args, "--json")
			}
			b.ReportAllocs()
			for b.Loop() {
				if code := e.run(args...); code != 0 {
					b.Fatalf("exit %d: %s", code, e.errOut)
				}
			}
		})
	}
}

// status300 is a config file of 300 awsfed profiles, each with two
// profiles chained on it, one on the other, and a credentials file with
// each profile's credentials: the files scripts/bench-renewals generates.
func status300() (config, creds string) {
	var c, k strings.Builder
	for i := range 300 {
		fmt.Fprintf(&c, "[profile p%03d]\nregion = us-east-1\nawsfed_idp = generic\nawsfed_url = https://idp.example.com/sso\nawsfed_username = user%03d\nawsfed_role_arn = arn:aws:iam::111111111111:role/r%03d\n\n", i, i, i)
		fmt.Fprintf(&c, "[profile p%03d-a]\nrole_arn = arn:aws:iam::222222222222:role/a%03d\nsource_profile = p%03d\n\n", i, i, i)
		fmt.Fprintf(&c, "[profile p%03d-b]\nrole_arn = arn:aws:iam::333333333333:role/b%03d\nsource_profile = p%03d-a\n\n", i, i, i)
		k.WriteString(credsSection(fmt.Sprintf("p%03d", i), fmt.Sprintf("arn:aws:sts::111111111111:assumed-role/r%03d/user%03d", i, i), statusNow.Add(time.Duration(i)*time.Minute)))
		k.WriteString("\n")
	}
	return c.String(), k.String()
}

// TestStatus300 checks the benchmark's files: 300 rows and 600 chains.
func TestStatus300(t *testing.T) {
	e := newStatusEnv(t)
	config, creds := status300()
	e.write(e.config, config)
	e.write(e.creds, creds)
	if code := e.run("status"); code != 0 {
		t.Fatalf("exit %d: %s", code, e.errOut)
	}
	lines := strings.Split(strings.TrimSuffix(e.out.String(), "\n"), "\n")
	if len(lines) != 1+900 || e.errOut.Len() != 0 {
		t.Fatalf("%d lines, stderr %q; want 901 and nothing", len(lines), e.errOut)
	}
	if want := "    p299-b"; !strings.HasPrefix(lines[900], want) {
		t.Errorf("last line %q, want it to start with %q", lines[900], want)
	}
}

func TestStatusExpires(t *testing.T) {
	tests := []struct {
		left time.Duration // from statusNow; 0: no expiry
		none bool          // no credentials at all
		want string
	}{
		{none: true, want: "no credentials"},
		{want: "expiry unknown"},
		{left: 12*time.Hour + 59*time.Second, want: "2026-11-22 21:00 JST (12h0m left)"},
		{left: 3*time.Hour + 12*time.Minute + 59*time.Second, want: "2026-11-22 12:12 JST (3h12m left)"},
		{left: 59 * time.Second, want: "2026-11-22 09:00 JST (<1m left)"},
		{left: -time.Nanosecond, want: "2026-11-22 08:59 JST (expired <1m ago)"},
		{left: -12*time.Minute - 30*time.Second, want: "2026-11-22 08:47 JST (expired 12m ago)"},
		{left: -47 * time.Hour, want: "2026-11-20 10:00 JST (expired 47h ago)"},
		{left: -3*24*time.Hour - 5*time.Hour, want: "2026-11-19 04:00 JST (expired 3d ago)"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			text := ""
			if !tt.none {
				exp := time.Time{}
				if tt.left != 0 {
					exp = statusNow.Add(tt.left)
				}
				text = credsSection("sts", stsPrincipal, exp)
			}
			dir := t.TempDir()
			paths := awsconfig.Paths{Config: filepath.Join(dir, "config"), Credentials: filepath.Join(dir, "credentials")}
			if err := os.WriteFile(paths.Credentials, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			g, err := profile.Load(paths) // no config file: an empty one
			if err != nil {
				t.Fatal(err)
			}
			p, err := managedStatus(g, "sts", credcache.Dir(dir), statusNow)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.expires(statusNow); got != tt.want {
				t.Errorf("expires() = %q, want %q", got, tt.want)
			}
			if wantExpired := !tt.none && tt.left < 0; p.Expired != wantExpired {
				t.Errorf("Expired = %v, want %v", p.Expired, wantExpired)
			}
		})
	}
}
