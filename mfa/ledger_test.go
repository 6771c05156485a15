package mfa

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLedger(t *testing.T) {
	now := time.Unix(1700000000, 0)
	dir := t.TempDir()
	l := NewLedger(dir, "arn:aws:iam::111111111111:mfa/alice", func() time.Time { return now }, nil)
	other := NewLedger(dir, "arn:aws:iam::111111111111:mfa/bob", func() time.Time { return now }, nil)
	claim := func(l *Ledger, code string) bool {
		t.Helper()
		ok, err := l.Claim(code)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !claim(l, "123456") {
		t.Fatal("a first code was refused")
	}
	if claim(l, "123456") {
		t.Error("a code was claimed twice")
	}
	if !claim(other, "123456") {
		t.Error("another device's ledger refused the code")
	}
	now = now.Add(codeMemory + time.Second)
	if !claim(l, "123456") {
		t.Error("a code was still refused after codeMemory")
	}
	fi, err := os.Stat(l.Path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("ledger %s: %v, %v; want mode 0600", l.Path, fi.Mode(), err)
	}
	if data, _ := os.ReadFile(l.Path); strings.Contains(string(data), "123456") {
		t.Errorf("the ledger holds the code itself: %s", data)
	}
}

// TestLedgerUnusable: a ledger that cannot be written says so once per
// code and lets the code go (STS still refuses a reused one).
func TestLedgerUnusable(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(dir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var status strings.Builder
	l := NewLedger(dir, "arn:aws:iam::111111111111:mfa/alice", time.Now, &status)
	if l.Sent("123456") {
		t.Error("an unusable ledger held a code back")
	}
	if !strings.Contains(status.String(), "awsfed: note: the record of MFA codes sent") || strings.Contains(status.String(), "123456") {
		t.Errorf("status %q", status.String())
	}
}
