package iamuser

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/profile"
)

// graph loads a config file text (and credentials text) as a Graph.
func graph(t *testing.T, config, creds string) *profile.Graph {
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

func TestResolve(t *testing.T) {
	const (
		role   = "arn:aws:iam::222222222222:role/handsonrole"
		serial = "arn:aws:iam::111111111111:mfa/alice"
	)
	saved := "[profile base]\nawsfed_idp = iam-user\nawsfed_mfa_serial = " + serial + "\nregion = eu-west-1\n"
	creds := "[base]\naws_access_key_id = ASIAX\naws_secret_access_key = s\naws_session_token = t\nx_principal_arn = arn:aws:iam::111111111111:user/alice\n"
	tests := []struct {
		name, config string
		f            Flags
		want         Settings
		wantErr      string
	}{
		{name: "saved, no role: a 12h session", config: saved,
			want: Settings{MFASerial: serial, Region: "eu-west-1", Duration: 12 * time.Hour, Principal: "arn:aws:iam::111111111111:user/alice"}},
		{name: "a role: 1h by default, settings changed", config: saved, f: Flags{RoleARN: role},
			want: Settings{RoleARN: role, MFASerial: serial, Region: "eu-west-1", Duration: time.Hour, Changed: true}},
		{name: "36h session", config: saved, f: Flags{Duration: "36h"},
			want: Settings{MFASerial: serial, Region: "eu-west-1", Duration: 36 * time.Hour, Principal: "arn:aws:iam::111111111111:user/alice"}},
		{name: "37h session", config: saved, f: Flags{Duration: "37h"}, wantErr: "AWS allows 15m to 36h for a session of an IAM user"},
		{name: "13h role", config: saved, f: Flags{RoleARN: role, Duration: "13h"}, wantErr: "AWS allows 15m to 12h for a role session"},
		{name: "duration in seconds from the profile", config: saved + "awsfed_duration = 3600\n",
			want: Settings{MFASerial: serial, Region: "eu-west-1", Duration: time.Hour, Principal: "arn:aws:iam::111111111111:user/alice"}},
		{name: "bad role", config: saved, f: Flags{RoleARN: "handsonrole"}, wantErr: `role "handsonrole" is not a role ARN`},
		{name: "bad serial", config: saved, f: Flags{MFASerial: "my phone"}, wantErr: `MFA device "my phone" is not an MFA serial`},
		{name: "bad region", config: saved, f: Flags{Region: "Europe"}, wantErr: `region "Europe" is not a region name`},
		{name: "another device: changed", config: saved, f: Flags{MFASerial: "arn:aws:iam::111111111111:mfa/bob"},
			want: Settings{MFASerial: "arn:aws:iam::111111111111:mfa/bob", Region: "eu-west-1", Duration: 12 * time.Hour, Changed: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Resolve(tt.f, graph(t, tt.config, creds), "base")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := Settings{RoleARN: s.RoleARN, MFASerial: s.MFASerial, Region: s.Region, Duration: s.Duration, Changed: s.Changed, Principal: s.Principal}
			if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestChanges(t *testing.T) {
	g := graph(t, "[profile base]\nregion = eu-west-1\n", "")
	s, err := Resolve(Flags{MFASerial: "arn:aws:iam::111111111111:mfa/alice", Duration: "8h"}, g, "base")
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(s.Changes())
	want := fmt.Sprint([]awsconfig.Change{{Section: "profile base", Set: []awsconfig.KV{{Key: "awsfed_idp", Value: "iam-user"},
		{Key: KeyMFASerial, Value: "arn:aws:iam::111111111111:mfa/alice"}, {Key: "awsfed_duration", Value: "8h"}}}})
	if got != want {
		t.Errorf("Changes() = %s\nwant %s", got, want)
	}
}

func TestKeysCheck(t *testing.T) {
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	tests := []struct {
		keys    Keys
		wantErr string
	}{
		{Keys{"AKIAIOSFODNN7EXAMPLE", secret}, ""},
		{Keys{"ASIAIOSFODNN7EXAMPLE", secret}, "is a temporary key"},
		{Keys{"akia", secret}, "is not an access key id"},
		{Keys{"AIDAIOSFODNN7EXAMPLE", secret}, "is not an IAM user's long-term access key id"},
		{Keys{"AKIAIOSFODNN7EXAMPLE", "short"}, "is 5 characters long"},
		{Keys{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI K7MDENG/bPxRfiCYEXAMPLEKEY"}, "holds a space"},
		{Keys{"", secret}, "empty"},
	}
	for _, tt := range tests {
		err := tt.keys.Check()
		if (tt.wantErr == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: error %v, want %q", tt.keys.AccessKeyID, err, tt.wantErr)
		}
		if err != nil && strings.Contains(err.Error(), tt.keys.SecretAccessKey) {
			t.Errorf("the error holds the secret: %v", err)
		}
	}
	if s := fmt.Sprintf("%v %+v %#v", Keys{"AKIAIOSFODNN7EXAMPLE", secret}, Keys{"AKIAIOSFODNN7EXAMPLE", secret}, Keys{"AKIAIOSFODNN7EXAMPLE", secret}); strings.Contains(s, secret) {
		t.Errorf("printing Keys shows the secret: %s", s)
	}
}

func TestSessionName(t *testing.T) {
	for _, tt := range []struct{ principal, profile, want string }{
		{"arn:aws:iam::111111111111:user/team/alice", "base", "alice"},
		{"", "base", "awsfed-base"},
		{"", "my base!", "awsfed-my-base"},
	} {
		if got := sessionName(&Settings{Principal: tt.principal, Profile: tt.profile}); got != tt.want {
			t.Errorf("sessionName(%q, %q) = %q, want %q", tt.principal, tt.profile, got, tt.want)
		}
	}
}

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{8 * time.Hour: "8h", 90 * time.Minute: "1h30m", 15 * time.Minute: "15m", 90 * time.Second: "1m30s", 36 * time.Hour: "36h"} {
		if got := shortDuration(d); got != want {
			t.Errorf("shortDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestResolveKeysFrom(t *testing.T) {
	const serial = "arn:aws:iam::111111111111:mfa/alice"
	config := "[profile base]\nawsfed_idp = iam-user\nawsfed_username = alice\nawsfed_mfa_serial = " + serial + "\nregion = eu-west-1\n" +
		"[profile role]\nawsfed_idp = iam-user\nawsfed_keys_from = base\nawsfed_role_arn = arn:aws:iam::222222222222:role/r\n" +
		"[profile chained]\nawsfed_idp = iam-user\nawsfed_keys_from = role\n"
	g := graph(t, config, "")
	s, err := Resolve(Flags{}, g, "role")
	if err != nil {
		t.Fatal(err)
	}
	if s.KeysProfile != "base" || s.MFASerial != serial || s.Username != "alice" || s.Region != "eu-west-1" || s.Duration != time.Hour || s.Changed {
		t.Errorf("got %+v", s)
	}
	if ch := s.Changes(); ch != nil {
		t.Errorf("Changes() = %v, want none", ch)
	}
	if _, err := Resolve(Flags{}, g, "chained"); err == nil || !strings.Contains(err.Error(), "profile role is not one whose keys") {
		t.Errorf("keys from a profile that takes them from another: %v", err)
	}
}
