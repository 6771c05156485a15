package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/seed-2d15385e/awsfed/awsconfig"
)

// seedConfig is an aws-google-auth user's config, as the seed user has it.
const seedConfig = `[profile sts]
region = ap-northeast-1
google_config.ask_role = False
google_config.keyring = False
google_config.duration = 43200
google_config.google_idp_id = C01abc234
google_config.role_arn = arn:aws:iam::111111111111:role/jump-sso
google_config.google_sp_id = 123456789012
google_config.u2f_disabled = False
google_config.google_username = alice@example.com
google_config.bg_response = None

[profile from_fumidai]
role_arn = arn:aws:iam::222222222222:role/from_fumidai
source_profile = sts
region = ap-northeast-1
`

// uaConfig is the seed config with a User-Agent in [profile sts].
var uaConfig = strings.Replace(seedConfig, "[profile sts]\n", "[profile sts]\nawsfed_user_agent = UA-config\n", 1)

// seedWithUA is what the seed config resolves to with User-Agent ua.
func seedWithUA(ua string) settings {
	return settings{Profile: "sts", IdP: "google", Username: "alice@example.com", UserAgent: ua,
		URL:         "https://accounts.google.com/o/saml2/initsso?forceauthn=false&hl=en&idpid=C01abc234&spid=123456789012",
		GoogleIdPID: "C01abc234", GoogleSPID: "123456789012", urlFromIDs: true,
		RoleARN: "arn:aws:iam::111111111111:role/jump-sso", Duration: 12 * time.Hour, Region: "ap-northeast-1", regionInProfile: true}
}

func TestResolveSettings(t *testing.T) {
	tests := []struct {
		name    string
		config  string
		flags   loginFlags
		env     map[string]string
		want    settings
		wantErr string
	}{
		{
			name:   "aws-google-auth config, bare login",
			config: seedConfig,
			env:    map[string]string{"AWSFED_GOOGLE_URL": "https://127.0.0.1:8443"},
			want: settings{Profile: "sts", IdP: "google", Username: "alice@example.com",
				URL:         "https://127.0.0.1:8443/o/saml2/initsso?forceauthn=false&hl=en&idpid=C01abc234&spid=123456789012",
				GoogleIdPID: "C01abc234", GoogleSPID: "123456789012", urlFromIDs: true,
				RoleARN: "arn:aws:iam::111111111111:role/jump-sso", Duration: 12 * time.Hour, Region: "ap-northeast-1", regionInProfile: true},
		},
		{
			name:   "AWS_PROFILE names the chained profile: its root is logged into",
			config: seedConfig,
			env:    map[string]string{"AWS_PROFILE": "from_fumidai"},
			want: settings{Profile: "sts", IdP: "google", Username: "alice@example.com",
				URL:         "https://accounts.google.com/o/saml2/initsso?forceauthn=false&hl=en&idpid=C01abc234&spid=123456789012",
				GoogleIdPID: "C01abc234", GoogleSPID: "123456789012", urlFromIDs: true,
				RoleARN: "arn:aws:iam::111111111111:role/jump-sso", Duration: 12 * time.Hour, Region: "ap-northeast-1", regionInProfile: true},
		},
		{
			name:   "flags beat the profile",
			config: seedConfig,
			flags:  loginFlags{Username: "bob@example.com", RoleARN: "arn:aws:iam::111111111111:role/other", Duration: "1h", Region: "eu-west-1"},
			want: settings{Profile: "sts", IdP: "google", Username: "bob@example.com",
				URL:         "https://accounts.google.com/o/saml2/initsso?forceauthn=false&hl=en&idpid=C01abc234&spid=123456789012",
				GoogleIdPID: "C01abc234", GoogleSPID: "123456789012", urlFromIDs: true,
				RoleARN: "arn:aws:iam::111111111111:role/other", Duration: time.Hour, durationFromFlag: true, Region: "eu-west-1", regionInProfile: true},
		},
		{
			name:   "User-Agent: the environment beats the profile",
			config: uaConfig,
			env:    map[string]string{"AWSFED_USER_AGENT": "UA-env"},
			want:   seedWithUA("UA-env"),
		},
		{
			name:   "User-Agent: the flag beats the environment",
			config: uaConfig,
			env:    map[string]string{"AWSFED_USER_AGENT": "UA-env"},
			flags:  loginFlags{UserAgent: "UA-flag"},
			want:   seedWithUA("UA-flag"),
		},
		{name: "User-Agent from the profile", config: uaConfig, want: seedWithUA("UA-config")},
		{
			name:   "ask_role shows the picker despite a saved role",
			config: strings.Replace(seedConfig, "google_config.ask_role = False", "google_config.ask_role = True", 1),
			want: settings{Profile: "sts", IdP: "google", Username: "alice@example.com",
				URL:         "https://accounts.google.com/o/saml2/initsso?forceauthn=false&hl=en&idpid=C01abc234&spid=123456789012",
				GoogleIdPID: "C01abc234", GoogleSPID: "123456789012", urlFromIDs: true,
				Duration: 12 * time.Hour, Region: "ap-northeast-1", regionInProfile: true},
		},
		{
			name:    "google without ids",
			flags:   loginFlags{IdP: "google"},
			wantErr: "profile sts has no Google SAML app: pass --idp-id and --sp-id",
		},
		{
			name:    "unknown IdP",
			flags:   loginFlags{IdP: "okta"},
			wantErr: `unknown IdP "okta"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config")
			if err := os.WriteFile(path, []byte(tt.config), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := awsconfig.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			paths := awsconfig.Paths{Config: path}
			got, err := resolveSettings(&tt.flags, func(k string) string { return tt.env[k] }, paths, cfg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got.section, got.cfg = nil, nil
			tt.want.Paths = paths
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("settings:\n got %+v\nwant %+v", *got, tt.want)
			}
		})
	}
}
