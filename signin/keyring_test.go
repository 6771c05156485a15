package signin

import (
	"testing"

	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/profile"
)

func TestResolveKeyring(t *testing.T) {
	tests := []struct {
		name     string
		flag     OptionalBool
		env      string
		config   string
		want     keyringSetting
		wantText string // of the error
	}{
		{name: "nothing set"},
		{name: "profile", config: "true", want: keyringSetting{on: true, from: "awsfed_keyring"}},
		{name: "environment beats profile", env: "no", config: "true", want: keyringSetting{on: false, from: "AWSFED_KEYRING"}},
		{name: "flag beats environment", flag: OptionalBool{Given: true, Value: true}, env: "false", want: keyringSetting{on: true, from: "--keyring"}},
		{name: "--keyring=false beats profile", flag: OptionalBool{Given: true}, config: "yes", want: keyringSetting{from: "--keyring"}},
		{name: "bad environment", env: "maybe", wantText: `AWSFED_KEYRING="maybe": use true or false`},
		{name: "bad profile", config: "sometimes", wantText: `awsfed_keyring = "sometimes" in [profile jump] of /c: use true or false`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == "AWSFED_KEYRING" {
					return tt.env
				}
				return ""
			}
			got, err := resolveKeyring(tt.flag, getenv, profile.NewProfile("jump", awsconfig.Section{{Key: profile.KeyKeyring, Value: tt.config}}, nil), "/c")
			if tt.wantText != "" {
				if _, ok := err.(*profile.ConfigError); !ok || err.Error() != tt.wantText {
					t.Errorf("error %v, want usage error %q", err, tt.wantText)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("resolveKeyring = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestKeyringUser(t *testing.T) {
	tests := []struct {
		url, user, want string
	}{
		{"https://idp.example.com/simplesaml/saml2/idp/SSOService.php?spentityid=urn:amazon:webservices", "alice", "idp.example.com:alice"},
		{"https://accounts.google.com/o/saml2/initsso?idpid=C01&spid=1&forceauthn=false", "alice@example.com", "accounts.google.com:alice@example.com"},
		{"http://IdP.Example.com:8080/sso", "Bob", "idp.example.com:8080:Bob"},
		{"https://idp.example.com/sso", "", ""},
	}
	for _, tt := range tests {
		if got := keyringUser(&Settings{URL: tt.url, Username: tt.user}); got != tt.want {
			t.Errorf("keyringUser(%s, %s) = %q, want %q", tt.url, tt.user, got, tt.want)
		}
	}
}
