package mfa

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/gofrs/flock"

	"github.com/seed-2d15385e/awsfed/internal/atomicfile"
	"github.com/seed-2d15385e/awsfed/ui"
)

// codeMemory is how long a sent code is remembered: STS takes a code
// within one 30-second step either side of its own, so a code is dead 90
// seconds after it was shown; the rest is room for a skewed clock.
const codeMemory = 3 * time.Minute

// Ledger remembers the MFA codes sent to STS for one device, across runs,
// in a file of awsfed's cache folder (0600), so that no run sends a code
// another sent: STS refuses a code it has seen, and the person would be
// told their code is wrong. It keeps only salted hashes of the codes, and
// only for codeMemory.
type Ledger struct {
	// Path is the ledger's file; Now the clock.
	Path string
	Now  func() time.Time
	// Status receives the note of a ledger that cannot be used.
	Status io.Writer
}

// NewLedger returns the ledger of the MFA device serial in cacheDir.
func NewLedger(cacheDir, serial string, now func() time.Time, status io.Writer) *Ledger {
	sum := sha256.Sum256([]byte("awsfed mfa device\x00" + serial))
	return &Ledger{Path: filepath.Join(cacheDir, "mfa", hex.EncodeToString(sum[:12])+".json"), Now: now, Status: status}
}

// Sent is Codes.Used for the ledger's device: it reports whether code
// was sent within codeMemory, and claims it otherwise. A ledger that
// cannot be used says so on Status and claims every code.
func (l *Ledger) Sent(code string) bool {
	ok, err := l.Claim(code)
	if err != nil {
		ui.Notes(l.Status, fmt.Sprintf("the record of MFA codes sent (%s) cannot be used: %v", l.Path, err))
	}
	return !ok
}

type ledgerEntry struct {
	Hash string    `json:"hash"`
	At   time.Time `json:"at"`
}

// Claim reports whether code may be sent: false when a run sent it within
// codeMemory; true after recording it as sent now. A ledger that cannot be
// read or written claims every code, with the error: the run goes on, as
// STS will still refuse a code it has seen.
func (l *Ledger) Claim(code string) (bool, error) {
	if err := os.MkdirAll(filepath.Dir(l.Path), 0o700); err != nil {
		return true, err
	}
	lock := flock.New(l.Path+".lock", flock.SetPermissions(0o600))
	if err := lock.Lock(); err != nil {
		return true, err
	}
	defer lock.Unlock()
	now := l.Now()
	var entries []ledgerEntry
	if data, err := os.ReadFile(l.Path); err == nil {
		_ = json.Unmarshal(data, &entries) // a damaged ledger is started again
	} else if !errors.Is(err, fs.ErrNotExist) {
		return true, err
	}
	entries = slices.DeleteFunc(entries, func(e ledgerEntry) bool { return now.Sub(e.At) > codeMemory || e.At.After(now.Add(codeMemory)) })
	h := l.hash(code)
	if slices.ContainsFunc(entries, func(e ledgerEntry) bool { return e.Hash == h }) {
		return false, nil
	}
	entries = append(entries, ledgerEntry{Hash: h, At: now})
	data, err := json.Marshal(entries)
	if err != nil {
		return true, err
	}
	return true, atomicfile.WritePrivate(l.Path, data)
}

// hash is the code's hash, salted with the ledger's path (the device).
func (l *Ledger) hash(code string) string {
	sum := sha256.Sum256([]byte(l.Path + "\x00" + code))
	return hex.EncodeToString(sum[:16])
}
