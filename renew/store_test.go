package renew

import (
	"strings"
	"testing"
	"time"

	"github.com/seed-2d15385e/awsfed/internal/credcache"
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
