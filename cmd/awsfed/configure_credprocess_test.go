package main

import (
	"cmp"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/idp/generic/generictest"
)

const (
	testExe = "/opt/awsfed/bin/awsfed"
	// jumpProfile is an awsfed profile as a login leaves it.
	jumpProfile = "\n[profile jump]\nawsfed_idp = generic\nawsfed_url = https://idp.example.com/sso\nawsfed_username = alice\nregion = us-east-1\n"
	// jumpKeys are temporary credentials in [jump] as a login leaves them.
	jumpKeys = "\n[jump]\naws_access_key_id = ASIAJUMP\naws_secret_access_key = jump/secret\naws_session_token = jumptoken\n" +
		"aws_security_token = jumptoken\nx_security_token_expires = 2099-01-02T03:04:05Z\nx_principal_arn = " + processAssumed + "\n"
)

// configureEnv is a test env whose awsfed lives at exe.
func configureEnv(t *testing.T, exe string) *testEnv {
	t.Helper()
	e := newTestEnv(t, generictest.Options{})
	e.deps.Executable = func() (string, error) { return exe, nil }
	return e
}

func TestConfigureCredentialProcess(t *testing.T) {
	const jumpLine = "credential_process = " + testExe + " credential-process --profile jump\n"
	tests := []struct {
		name          string
		exe           string
		config, creds string // after otherConfig, otherCreds
		args          []string
		wantConfig    string
		wantCreds     string // after otherCreds
		wantCache     bool   // jumpKeys moved to the cache
		wantText      string
	}{
		{name: "in place, keys moved", config: jumpProfile, creds: jumpKeys, args: []string{"--profile", "jump"},
			wantConfig: otherConfig + jumpProfile + jumpLine, wantCreds: "\n", wantCache: true, // the blank line before [jump] is [other]'s
			wantText: "Profile jump now gets its credentials from awsfed credential-process --profile jump.\n" +
				"Moved the credentials of profile jump from [jump] of CREDS to CACHE, where credential-process keeps them: the AWS CLI would use keys in [jump] instead of running it.\n"},
		{name: "in place, no keys", config: jumpProfile, args: []string{"--profile", "jump"},
			wantConfig: otherConfig + jumpProfile + jumpLine,
			wantText:   "Profile jump now gets its credentials from awsfed credential-process --profile jump.\n"},
		{name: "in place, other sections kept", config: jumpProfile, creds: jumpKeys + "[later]\naws_access_key_id = AKIALATER\naws_secret_access_key = later\n",
			args: []string{"--profile", "jump"}, wantConfig: otherConfig + jumpProfile + jumpLine, wantCache: true,
			wantCreds: "\n[later]\naws_access_key_id = AKIALATER\naws_secret_access_key = later\n", wantText: "Moved the credentials"},
		{name: "profile from AWS_PROFILE's chain", config: jumpProfile, wantConfig: otherConfig + jumpProfile + jumpLine, wantText: "Profile jump now gets"},
		{name: "new profile, region copied", config: jumpProfile, creds: jumpKeys, args: []string{"--profile", "jump", "--name", "cp"},
			wantConfig: otherConfig + jumpProfile + "\n[profile cp]\n" + jumpLine + "region = us-east-1\n", wantCreds: jumpKeys,
			wantText: "Profile cp now gets its credentials from awsfed credential-process --profile jump (region us-east-1 copied from profile jump).\n"},
		{name: "existing profile keeps its region", config: jumpProfile + "\n[profile cp]\n# mine\nregion = eu-west-1\n", args: []string{"--profile", "jump", "--name", "cp"},
			wantConfig: otherConfig + jumpProfile + "\n[profile cp]\n# mine\nregion = eu-west-1\n" + jumpLine,
			wantText:   "Profile cp now gets its credentials from awsfed credential-process --profile jump.\n"},
		{name: "default profile", config: jumpProfile, args: []string{"--profile", "jump", "--name", "default"},
			wantConfig: strings.Replace(otherConfig, "region = eu-west-1\n", "region = eu-west-1\n"+jumpLine, 1) + jumpProfile, wantText: "Profile default now gets"},
		{name: "path with a space", exe: "/Users/Jane Doe/go/bin/awsfed", config: jumpProfile, args: []string{"--profile", "jump"},
			wantConfig: otherConfig + jumpProfile + "credential_process = '/Users/Jane Doe/go/bin/awsfed' credential-process --profile jump\n", wantText: "now gets"},
		{name: "an earlier awsfed path replaced", config: jumpProfile + "credential_process = /old/bin/awsfed credential-process --profile jump\n",
			args: []string{"--profile", "jump"}, wantConfig: otherConfig + jumpProfile + jumpLine, wantText: "now gets"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := configureEnv(t, cmp.Or(tt.exe, testExe))
			e.env["AWS_PROFILE"] = "target" // chains on jump
			e.write(e.config, otherConfig+tt.config)
			e.write(e.creds, otherCreds+tt.creds)
			cache := cacheDir(e.deps)
			args := append([]string{"configure", "credential-process"}, tt.args...)
			if code := e.run(args...); code != 0 {
				t.Fatalf("exit %d: %s", code, e.errOut)
			}
			if got := e.read(e.config); got != tt.wantConfig {
				t.Errorf("config:\n%s\nwant:\n%s", got, tt.wantConfig)
			}
			if got, want := e.read(e.creds), otherCreds+tt.wantCreds; got != want {
				t.Errorf("credentials:\n%s\nwant:\n%s", got, want)
			}
			got, ok, err := cache.Load("jump")
			want := awsconfig.Credentials{AccessKeyID: "ASIAJUMP", SecretAccessKey: "jump/secret", SessionToken: "jumptoken",
				Expiration: time.Date(2099, 1, 2, 3, 4, 5, 0, time.UTC), PrincipalARN: processAssumed}
			if err != nil || ok != tt.wantCache || ok && got != want {
				t.Errorf("cache = %+v, %v, %v; want %+v: %v", got, ok, err, want, tt.wantCache)
			}
			wantText := strings.NewReplacer("CREDS", e.creds, "CACHE", cache.Path("jump")).Replace(tt.wantText)
			if !strings.Contains(e.errOut.String(), wantText) {
				t.Errorf("stderr = %q, want %q", e.errOut, wantText)
			}
			if e.out.Len() != 0 {
				t.Errorf("stdout = %q, want nothing", e.out)
			}

			// Again: nothing changes.
			config, creds := e.read(e.config), e.read(e.creds)
			if code := e.run(args...); code != 0 {
				t.Fatalf("second run: exit %d: %s", code, e.errOut)
			}
			if !strings.HasSuffix(e.errOut.String(), " already gets its credentials from awsfed credential-process --profile jump; nothing changed.\n") {
				t.Errorf("second run: stderr = %q, want that nothing changed", e.errOut)
			}
			e.assertUnchanged(config, creds)
		})
	}
}

// TestConfigureCredentialProcessKeepsNewerCache checks that moving the
// keys of [jump] never replaces newer credentials in the cache.
func TestConfigureCredentialProcessKeepsNewerCache(t *testing.T) {
	e := configureEnv(t, testExe)
	e.write(e.config, otherConfig+jumpProfile)
	e.write(e.creds, otherCreds+strings.Replace(jumpKeys, "2099-01-02T03:04:05Z", "2020-01-02T03:04:05Z", 1))
	newer := e.cached(time.Now().Add(time.Hour))
	if code := e.run("configure", "credential-process", "--profile", "jump"); code != 0 {
		t.Fatalf("exit %d: %s", code, e.errOut)
	}
	if got, _, _ := cacheDir(e.deps).Load("jump"); got != newer {
		t.Errorf("cache = %+v, want the newer %+v", got, newer)
	}
	if got := e.read(e.creds); got != otherCreds+"\n" {
		t.Errorf("credentials:\n%s", got)
	}
}

// TestConfigureCredentialProcessRefuses checks each refusal: exit 2, one
// line, and no file changed.
func TestConfigureCredentialProcessRefuses(t *testing.T) {
	tests := []struct {
		name          string
		exe           string
		exeErr        error
		config, creds string // after otherConfig, otherCreds
		args          []string
		wantCode      int
		wantText      string
	}{
		{name: "not an awsfed profile", args: []string{"--profile", "target"},
			wantText: "profile target is not an awsfed profile (no awsfed_* or google_config.* settings in [profile target] of CONFIG): set it up with awsfed login --profile target first; nothing was changed"},
		{name: "no such profile", args: []string{"--profile", "nope"}, wantText: "profile nope is not an awsfed profile"},
		{name: "default profile sts missing", wantText: "profile sts is not an awsfed profile"},
		{name: "name has role_arn", config: jumpProfile, args: []string{"--profile", "jump", "--name", "target"},
			wantText: "profile target already gets credentials through role_arn, which would conflict with credential_process: choose another --name; nothing was changed"},
		{name: "name has source_profile only", config: jumpProfile + "\n[profile cp]\nsource_profile = jump\n", args: []string{"--profile", "jump", "--name", "cp"},
			wantText: "through source_profile"},
		{name: "name has static keys in the config", config: jumpProfile + "\n[profile cp]\naws_access_key_id = AKIA\naws_secret_access_key = x\n", args: []string{"--profile", "jump", "--name", "cp"},
			wantText: "through aws_access_key_id"},
		{name: "name has keys in the credentials file", config: jumpProfile, creds: "\n[cp]\naws_access_key_id = AKIA\naws_secret_access_key = x\n",
			args: []string{"--profile", "jump", "--name", "cp"}, wantText: "[cp] of CREDS holds access keys, which the AWS CLI would use instead of credential_process: remove them, or choose another --name; nothing was changed"},
		{name: "name is an awsfed profile", config: jumpProfile + "\n[profile other]\nawsfed_idp = google\n", args: []string{"--profile", "jump", "--name", "other"},
			wantText: "profile other is an awsfed profile of its own: run awsfed configure credential-process --profile other; nothing was changed"},
		{name: "another program's credential_process", config: jumpProfile + "\n[profile cp]\ncredential_process = aws-vault export --format=json x\n",
			args: []string{"--profile", "jump", "--name", "cp"}, wantText: "profile cp already runs another program's credential_process: remove it, or choose another --name; nothing was changed"},
		{name: "another program's credential_process in place", config: jumpProfile + "credential_process = granted credential-process --profile jump\n",
			args: []string{"--profile", "jump"}, wantText: "profile jump already runs another program's credential_process"},
		{name: "long-term keys in place", config: jumpProfile, creds: "\n[jump]\naws_access_key_id = AKIA\naws_secret_access_key = x\n", args: []string{"--profile", "jump"},
			wantText: "[jump] of CREDS holds long-term access keys (no session token), which the AWS CLI would use instead of credential_process"},
		{name: "path cut by the Go SDK", exe: "/opt/my #1/awsfed", config: jumpProfile, args: []string{"--profile", "jump"},
			wantText: "would be cut at its # or ; by the AWS SDK for Go"},
		{name: "path and profile both quoted", exe: "/opt/my tools/awsfed", config: "\n[profile my jump]\nawsfed_idp = generic\n", args: []string{"--profile", "my jump"},
			wantText: "starts and ends with a quote"},
		{name: "relative path", exe: "bin/awsfed", config: jumpProfile, args: []string{"--profile", "jump"}, wantText: `the path of awsfed, "bin/awsfed", is not absolute`},
		{name: "path unknown", exeErr: errors.New("not supported"), config: jumpProfile, args: []string{"--profile", "jump"}, wantCode: 1,
			wantText: "find the path of awsfed: not supported; nothing was changed"},
		{name: "config does not parse", config: "[profile jump\n", args: []string{"--profile", "jump"}, wantText: "config"},
		{name: "credentials file does not parse", config: jumpProfile, creds: "[jump\n", args: []string{"--profile", "jump"}, wantText: "credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := configureEnv(t, cmp.Or(tt.exe, testExe))
			if tt.exeErr != nil {
				e.deps.Executable = func() (string, error) { return "", tt.exeErr }
			}
			e.write(e.config, otherConfig+tt.config)
			e.write(e.creds, otherCreds+tt.creds)
			config, creds := e.read(e.config), e.read(e.creds)
			code := e.run(append([]string{"configure", "credential-process"}, tt.args...)...)
			if want := cmp.Or(tt.wantCode, 2); code != want {
				t.Errorf("exit %d, want %d", code, want)
			}
			wantText := strings.NewReplacer("CONFIG", e.config, "CREDS", e.creds).Replace(tt.wantText)
			if got := e.errOut.String(); strings.Count(got, "\n") != 1 || !strings.Contains(got, wantText) {
				t.Errorf("stderr = %q, want one line containing %q", got, wantText)
			}
			e.assertUnchanged(config, creds)
			if _, ok, _ := cacheDir(e.deps).Load("jump"); ok {
				t.Errorf("the cache was written")
			}
		})
	}
}
