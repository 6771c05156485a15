package sso

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
)

// TestGoSDKUsesOurFile checks the Go SDK's side of the shared cache: it
// loads and refreshes a token file awsfed wrote, and awsfed reads what
// the SDK wrote back, the fields it does not know kept.
func TestGoSDKUsesOurFile(t *testing.T) {
	srv := newServer(t, map[string]route{
		"POST /token": func(w http.ResponseWriter, r *http.Request, body map[string]any) {
			if body["grantType"] != "refresh_token" || body["refreshToken"] != "RT-ours" {
				t.Errorf("the SDK's refresh %v", body)
			}
			writeJSON(w, map[string]any{"accessToken": "AT-sdk", "expiresIn": 3600, "refreshToken": "RT-sdk"})
		},
	})
	c, _, _ := testClient(t, srv, nil)
	// Expired by the real clock, which the SDK reads.
	expired := time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
	ours := &Token{StartURL: testSession.StartURL, Region: "eu-west-1", AccessToken: "AT-ours", ExpiresAt: expired,
		ClientID: "CID", ClientSecret: "CSECRET", RegistrationExpiresAt: t0.Add(90 * 24 * time.Hour), RefreshToken: "RT-ours"}
	if err := writeToken(c.CacheDir, testSession, ours); err != nil {
		t.Fatal(err)
	}

	api, err := c.oidc("eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	bearer, err := ssocreds.NewSSOTokenProvider(api, TokenPath(c.CacheDir, testSession)).RetrieveBearerToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if bearer.Value != "AT-sdk" {
		t.Errorf("the SDK's token %q, want AT-sdk", bearer.Value)
	}

	got, err := ReadToken(c.CacheDir, testSession)
	if err != nil {
		t.Fatal(err)
	}
	if got.AccessToken != "AT-sdk" || got.RefreshToken != "RT-sdk" || got.StartURL != testSession.StartURL || got.Region != "eu-west-1" ||
		!got.RegistrationExpiresAt.Equal(ours.RegistrationExpiresAt) || !got.Refreshable(t0) {
		t.Errorf("after the SDK's refresh: %+v", *got)
	}
}
