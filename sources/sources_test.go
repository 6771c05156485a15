package sources

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/profile"
	"github.com/seed-2d15385e/awsfed/signin"
)

func TestRoot(t *testing.T) {
	dir := t.TempDir()
	paths := awsconfig.Paths{Config: filepath.Join(dir, "config"), Credentials: filepath.Join(dir, "credentials")}
	config := "[profile jump]\nregion = eu-west-1\nawsfed_idp = generic\nawsfed_url = https://idp.example.com/sso\nawsfed_username = alice\n" +
		"awsfed_role_arn = arn:aws:iam::111111111111:role/jump\n\n[profile empty]\nawsfed_username = bob\n"
	if err := os.WriteFile(paths.Config, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	g, err := profile.Load(paths)
	if err != nil {
		t.Fatal(err)
	}
	signer := &signin.Signer{Getenv: func(string) string { return "" }}
	root, err := Root(&Inputs{Signer: signer}, g, "jump")
	if err != nil {
		t.Fatal(err)
	}
	if src, ok := root.Source.(*signin.Source); !ok || src.Settings.URL != "https://idp.example.com/sso" ||
		root.RoleARN != "arn:aws:iam::111111111111:role/jump" || root.Region != "eu-west-1" {
		t.Errorf("Root(jump) = %+v, want the SAML sign-in with its role and region", root)
	}
	if _, err := Root(&Inputs{Signer: signer}, g, "empty"); err == nil {
		t.Error("Root(empty) found a way to sign in to a profile without an IdP")
	} else if _, ok := err.(*profile.ConfigError); !ok {
		t.Errorf("Root(empty) error %T (%v), want a *profile.ConfigError", err, err)
	}
}
