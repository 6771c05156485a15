package renew

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/internal/credcache"
	"github.com/seed-2d15385e/awsfed/profile"
)

func TestSameRole(t *testing.T) {
	tests := []struct {
		assumed, role string
		want          bool
	}{
		{"arn:aws:sts::123456789012:assumed-role/Developer/alice", "arn:aws:iam::123456789012:role/Developer", true},
		{"arn:aws:sts::123456789012:assumed-role/Developer/alice", "arn:aws:iam::123456789012:role/team/Developer", true},
		{"arn:aws:sts::123456789012:assumed-role/Developer/alice", "", true},
		{"arn:aws:sts::123456789012:assumed-role/Developer/alice", "arn:aws:iam::123456789012:role/Operator", false},
		{"arn:aws:sts::123456789012:assumed-role/Developer/alice", "arn:aws:iam::210987654321:role/Developer", false},
		{"arn:aws-cn:sts::123456789012:assumed-role/Developer/alice", "arn:aws:iam::123456789012:role/Developer", false},
		{"arn:aws:sts::123456789012:assumed-role/Dev/alice", "arn:aws:iam::123456789012:role/Developer", false},
		{"", "arn:aws:iam::123456789012:role/Developer", false},
		{"arn:aws:iam::123456789012:user/alice", "arn:aws:iam::123456789012:role/alice", false},
	}
	for _, tt := range tests {
		if got := SameRole(tt.assumed, tt.role); got != tt.want {
			t.Errorf("SameRole(%q, %q) = %v, want %v", tt.assumed, tt.role, got, tt.want)
		}
	}
}

// TestLockGivesUp checks the wait for another awsfed renewing the
// same profile: it is said once, and ends after the wait with an error
// that says what to do.
func TestLockGivesUp(t *testing.T) {
	cache := credcache.Dir(t.TempDir())
	unlock, err := cache.Lock(t.Context(), "jump", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	var errOut strings.Builder
	_, err = Lock(t.Context(), &errOut, cache, "jump", 100*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "another awsfed has been renewing profile jump for 100ms (waiting at a prompt?); finish or stop it") {
		t.Errorf("error = %v, want the one that says what to do", err)
	}
	if got, want := errOut.String(), "Waiting for another awsfed renewing profile jump…\n"; got != want {
		t.Errorf("errOut = %q, want %q", got, want)
	}
}

// TestToCache moves a profile's temporary credentials from the
// credentials file to the cache around configure, keeps newer cached
// ones, and refuses long-term keys before anything changes.
func TestToCache(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	temp := awsconfig.Credentials{AccessKeyID: "ASIAFILE", SecretAccessKey: "s", SessionToken: "t", Expiration: now.Add(time.Hour)}
	newer := awsconfig.Credentials{AccessKeyID: "ASIACACHE", SecretAccessKey: "s", SessionToken: "t", Expiration: now.Add(2 * time.Hour)}
	longTerm := awsconfig.Credentials{AccessKeyID: "AKIALONG", SecretAccessKey: "s"}
	for _, tt := range []struct {
		name       string
		file       *awsconfig.Credentials
		cached     *awsconfig.Credentials
		wantCache  string // the access key cached after
		wantErr    string
		wantMoved  bool
		configured bool
	}{
		{name: "temporary keys move", file: &temp, wantCache: "ASIAFILE", wantMoved: true, configured: true},
		{name: "newer ones in the cache stay", file: &temp, cached: &newer, wantCache: "ASIACACHE", wantMoved: true, configured: true},
		{name: "nothing to move", configured: true},
		{name: "long-term keys", file: &longTerm, wantErr: "holds long-term access keys (no session token)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			paths := awsconfig.Paths{Config: filepath.Join(dir, "config"), Credentials: filepath.Join(dir, "credentials")}
			cache := credcache.Dir(filepath.Join(dir, "cache"))
			file := Store{Profile: "jump", CredentialsFile: paths.Credentials}
			if tt.file != nil {
				if _, err := file.Save(*tt.file); err != nil {
					t.Fatal(err)
				}
			}
			if tt.cached != nil {
				if err := cache.Save("jump", *tt.cached); err != nil {
					t.Fatal(err)
				}
			}
			configured := false
			moved, err := ToCache(t.Context(), &strings.Builder{}, profile.NewProfile("jump", nil, nil), paths, cache, func() error { configured = true; return nil })
			if tt.wantErr != "" {
				if _, ok := err.(*profile.ConfigError); !ok || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want a *profile.ConfigError containing %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if configured != tt.configured || (moved != "") != tt.wantMoved {
				t.Errorf("configured %v, moved to %q; want %v, %v", configured, moved, tt.configured, tt.wantMoved)
			}
			c, ok, _ := cache.Load("jump")
			if got := map[bool]string{true: c.AccessKeyID}[ok]; got != tt.wantCache {
				t.Errorf("cache holds %q, want %q", got, tt.wantCache)
			}
			if _, inFile, _ := file.Load(); inFile != (tt.file != nil && !tt.wantMoved) {
				t.Errorf("credentials file holds keys: %v", inFile)
			}
		})
	}
}
