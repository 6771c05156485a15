package sso

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/profile"
)

const settingsURL = "https://d-1234567890.awsapps.com/start"

func settingsGraph(t *testing.T, config, creds string) *profile.Graph {
	t.Helper()
	dir := t.TempDir()
	paths := awsconfig.Paths{Config: filepath.Join(dir, "config"), Credentials: filepath.Join(dir, "credentials")}
	for p, text := range map[string]string{paths.Config: config, paths.Credentials: creds} {
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	g, err := profile.Load(paths)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestResolveSettings(t *testing.T) {
	saved := "[sso-session corp]\nsso_start_url = " + settingsURL + "\nsso_region = eu-west-1\n" +
		"[profile dev]\nawsfed_idp = sso\nawsfed_sso_session = corp\nawsfed_sso_account_id = 111111111111\nawsfed_sso_role_name = ReadOnly\n"
	creds := "[dev]\naws_access_key_id = ASIAX\naws_secret_access_key = s\naws_session_token = t\nx_principal_arn = arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_ReadOnly_1/alice\n"
	tests := []struct {
		name, config, profile string
		f                     Flags
		region                string
		// want is Session.Name, AccountID/RoleName, Region, Changed,
		// Principal known, LoginCommand.
		want    string
		wantErr string
	}{
		{name: "saved", config: saved, profile: "dev",
			want: "corp 111111111111/ReadOnly eu-west-1 changed=false principal=true awsfed login --profile dev"},
		{name: "another role", config: saved, profile: "dev", f: Flags{RoleName: "Admin"},
			want: "corp 111111111111/Admin eu-west-1 changed=true principal=false awsfed login --profile dev"},
		{name: "--region", config: saved, profile: "dev", region: "us-east-1",
			want: "corp 111111111111/ReadOnly us-east-1 changed=false principal=true awsfed login --profile dev"},
		{name: "new profile: the session holding the start URL", config: saved, profile: "new", f: Flags{StartURL: settingsURL},
			want: "corp / eu-west-1 changed=false principal=false awsfed login --idp sso --start-url " + settingsURL + " --sso-region eu-west-1 --sso-session corp --profile new"},
		{name: "two sessions hold the URL: the profile's name", profile: "new", f: Flags{StartURL: settingsURL, Region: "eu-west-1"},
			config: saved + "[sso-session corp2]\nsso_start_url = " + settingsURL + "\nsso_region = eu-west-1\n",
			want:   "new / eu-west-1 changed=false principal=false awsfed login --idp sso --start-url " + settingsURL + " --sso-region eu-west-1 --profile new"},
		{name: "another URL than the session's", config: saved, profile: "dev", f: Flags{StartURL: "https://d-9.awsapps.com/start"},
			wantErr: "has sso_start_url " + settingsURL + ", not https://d-9.awsapps.com/start"},
		{name: "a session name the file cannot hold", config: saved, profile: "new", f: Flags{Session: "a]b", StartURL: settingsURL, Region: "eu-west-1"},
			wantErr: `--sso-session "a]b" is not a name the config file can hold`},
		{name: "no start URL", profile: "new", wantErr: "profile new has no IAM Identity Center start URL"},
		{name: "bad flow", config: saved, profile: "dev", f: Flags{Flow: "browser"}, wantErr: "browser"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Resolve(tt.f, tt.region, settingsGraph(t, tt.config, creds), tt.profile)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := fmt.Sprintf("%s %s/%s %s changed=%v principal=%v %s", s.Session.Name, s.AccountID, s.RoleName, s.Region, s.Changed, s.Principal != "", s.LoginCommand())
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestSettingsChanges(t *testing.T) {
	g := settingsGraph(t, "# mine\n[profile dev]\nregion = eu-central-1\n", "")
	s, err := Resolve(Flags{StartURL: settingsURL, Region: "eu-west-1", Session: "corp"}, "", g, "dev")
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(s.Changes("111111111111", "ReadOnly"))
	want := fmt.Sprint([]awsconfig.Change{
		{Section: "sso-session corp", Set: []awsconfig.KV{{Key: "sso_start_url", Value: settingsURL}, {Key: "sso_region", Value: "eu-west-1"}}},
		{Section: "profile dev", Set: []awsconfig.KV{{Key: "awsfed_idp", Value: "sso"}, {Key: "awsfed_sso_session", Value: "corp"},
			{Key: "awsfed_sso_account_id", Value: "111111111111"}, {Key: "awsfed_sso_role_name", Value: "ReadOnly"}}},
	})
	if got != want {
		t.Errorf("Changes =\n%s\nwant\n%s", got, want)
	}
	c := s.Copy(g, "111111111111_Admin", "111111111111", "Admin")
	if c.Profile != "111111111111_Admin" || !c.Changed || c.Region != "eu-central-1" || c.Principal != "" {
		t.Errorf("Copy = %+v", c)
	}
}
