package signin

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/idp/google/googletest"
	"github.com/seed-2d15385e/awsfed/profile"
)

// uaConfig is the seed config with a User-Agent in [profile sts].
var uaConfig = strings.Replace(googletest.SeedConfig, "[profile sts]\n", "[profile sts]\nawsfed_user_agent = UA-config\n", 1)

// seedWithUA is what the seed config resolves to with User-Agent ua.
func seedWithUA(ua string) Settings {
	return Settings{Profile: "sts", BrowserFallback: true, IdP: "google", Username: "alice@example.com", UserAgent: ua,
		URL:         "https://accounts.google.com/o/saml2/initsso?forceauthn=false&hl=en&idpid=C01abc234&spid=123456789012",
		GoogleIdPID: "C01abc234", GoogleSPID: "123456789012", urlFromIDs: true,
		RoleARN: "arn:aws:iam::111111111111:role/jump-sso", Duration: 12 * time.Hour, Region: "ap-northeast-1", regionInProfile: true}
}

func TestResolveSettings(t *testing.T) {
	tests := []struct {
		name    string
		config  string
		flags   Flags
		env     map[string]string
		want    Settings
		wantErr string
	}{
		{
			name:   "aws-google-auth config, bare login",
			config: googletest.SeedConfig,
			env:    map[string]string{"AWSFED_GOOGLE_URL": "https://127.0.0.1:8443"},
			want: Settings{Profile: "sts", BrowserFallback: true, IdP: "google", Username: "alice@example.com",
				URL:         "https://127.0.0.1:8443/o/saml2/initsso?forceauthn=false&hl=en&idpid=C01abc234&spid=123456789012",
				GoogleIdPID: "C01abc234", GoogleSPID: "123456789012", urlFromIDs: true,
				RoleARN: "arn:aws:iam::111111111111:role/jump-sso", Duration: 12 * time.Hour, Region: "ap-northeast-1", regionInProfile: true},
		},
		{
			name:   "AWS_PROFILE names the chained profile: its root is logged into",
			config: googletest.SeedConfig,
			env:    map[string]string{"AWS_PROFILE": "from_fumidai"},
			want: Settings{Profile: "sts", BrowserFallback: true, IdP: "google", Username: "alice@example.com",
				URL:         "https://accounts.google.com/o/saml2/initsso?forceauthn=false&hl=en&idpid=C01abc234&spid=123456789012",
				GoogleIdPID: "C01abc234", GoogleSPID: "123456789012", urlFromIDs: true,
				RoleARN: "arn:aws:iam::111111111111:role/jump-sso", Duration: 12 * time.Hour, Region: "ap-northeast-1", regionInProfile: true},
		},
		{
			name:   "flags beat the profile",
			config: googletest.SeedConfig,
			flags:  Flags{Username: "bob@example.com", RoleARN: "arn:aws:iam::111111111111:role/other", Duration: "1h", Region: "eu-west-1"},
			want: Settings{Profile: "sts", BrowserFallback: true, IdP: "google", Username: "bob@example.com",
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
			flags:  Flags{UserAgent: "UA-flag"},
			want:   seedWithUA("UA-flag"),
		},
		{name: "User-Agent from the profile", config: uaConfig, want: seedWithUA("UA-config")},
		{
			name:   "ask_role shows the picker despite a saved role",
			config: strings.Replace(googletest.SeedConfig, "google_config.ask_role = False", "google_config.ask_role = True", 1),
			want: Settings{Profile: "sts", BrowserFallback: true, IdP: "google", Username: "alice@example.com",
				URL:         "https://accounts.google.com/o/saml2/initsso?forceauthn=false&hl=en&idpid=C01abc234&spid=123456789012",
				GoogleIdPID: "C01abc234", GoogleSPID: "123456789012", urlFromIDs: true,
				Duration: 12 * time.Hour, Region: "ap-northeast-1", regionInProfile: true},
		},
		{
			name:   "browser, at an IdP-initiated URL",
			flags:  Flags{IdP: "browser", URL: "https://idp.example.com/sso", Username: "alice"},
			env:    map[string]string{"AWSFED_BROWSER": "/opt/chrome/chrome"},
			config: "[profile sts]\n",
			want: Settings{Profile: "sts", BrowserFallback: true, IdP: "browser", URL: "https://idp.example.com/sso", Username: "alice",
				Browser: "/opt/chrome/chrome"},
		},
		{
			name:   "browser, at Google's initsso URL (not AWSFED_GOOGLE_URL's stand-in)",
			config: strings.Replace(googletest.SeedConfig, "[profile sts]\n", "[profile sts]\nawsfed_idp = browser\nawsfed_browser = brave-browser\n", 1),
			env:    map[string]string{"AWSFED_GOOGLE_URL": "http://127.0.0.1:1"},
			want: Settings{Profile: "sts", BrowserFallback: true, IdP: "browser", Username: "alice@example.com", Browser: "brave-browser",
				URL:         "https://accounts.google.com/o/saml2/initsso?forceauthn=false&hl=en&idpid=C01abc234&spid=123456789012",
				GoogleIdPID: "C01abc234", GoogleSPID: "123456789012", urlFromIDs: true,
				RoleARN: "arn:aws:iam::111111111111:role/jump-sso", Duration: 12 * time.Hour, Region: "ap-northeast-1", regionInProfile: true},
		},
		{
			name:   "browser fallback off in the profile",
			config: strings.Replace(uaConfig, "[profile sts]\n", "[profile sts]\nawsfed_browser_fallback = no\n", 1),
			want:   func() Settings { s := seedWithUA("UA-config"); s.BrowserFallback = false; return s }(),
		},
		{
			name:   "browser fallback: the environment beats the profile",
			config: strings.Replace(uaConfig, "[profile sts]\n", "[profile sts]\nawsfed_browser_fallback = no\n", 1),
			env:    map[string]string{"AWSFED_BROWSER_FALLBACK": "true"},
			want:   seedWithUA("UA-config"),
		},
		{
			name:   "browser fallback: the flag beats the environment",
			config: uaConfig,
			env:    map[string]string{"AWSFED_BROWSER_FALLBACK": "true"},
			flags:  Flags{BrowserFallback: OptionalBool{Given: true, Value: false}},
			want:   func() Settings { s := seedWithUA("UA-config"); s.BrowserFallback = false; return s }(),
		},
		{
			name:    "browser fallback: not a boolean",
			config:  uaConfig,
			env:     map[string]string{"AWSFED_BROWSER_FALLBACK": "sometimes"},
			wantErr: `AWSFED_BROWSER_FALLBACK="sometimes": use true or false`,
		},
		{
			name:    "browser without a URL",
			flags:   Flags{IdP: "browser"},
			wantErr: "no IdP URL for profile sts: pass --url with the IdP-initiated SSO URL, or --idp-id and --sp-id for Google",
		},
		{
			name:    "not an http URL",
			flags:   Flags{IdP: "generic", URL: "file:///etc/passwd"},
			wantErr: `the IdP URL "file:///etc/passwd" of profile sts is not an http or https URL: pass the IdP-initiated SSO URL with --url`,
		},
		{
			name:    "google without ids",
			flags:   Flags{IdP: "google"},
			wantErr: "profile sts has no Google SAML app: pass --idp-id and --sp-id",
		},
		{
			name:    "unknown IdP",
			flags:   Flags{IdP: "okta"},
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
			getenv := func(k string) string { return tt.env[k] }
			g := profile.New(cfg, nil, paths)
			name, err := g.LoginName(tt.flags.Profile, getenv("AWS_PROFILE"))
			if err != nil {
				t.Fatal(err)
			}
			got, err := Resolve(tt.flags, getenv, g, name)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got.profile, got.flags = nil, Flags{}
			tt.want.Paths = paths
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("settings:\n got %+v\nwant %+v", *got, tt.want)
			}
		})
	}
}
