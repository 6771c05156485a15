package keyring

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	gokeyring "github.com/zalando/go-keyring"
)

// memory is a keyring in memory; block, when set, makes every call wait
// for it to be closed.
type memory struct {
	mu    sync.Mutex
	items map[string]string
	calls int
	err   error
	block chan struct{}
}

func (m *memory) enter() error {
	m.mu.Lock()
	m.calls++
	block, err := m.block, m.err
	m.mu.Unlock()
	if block != nil {
		<-block
	}
	return err
}

// called returns how many calls reached the backend.
func (m *memory) called() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls
}

func (m *memory) Get(service, user string) (string, error) {
	if err := m.enter(); err != nil {
		return "", err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.items[service+"/"+user]
	if !ok {
		return "", gokeyring.ErrNotFound // as go-keyring says it
	}
	return v, nil
}

func (m *memory) Set(service, user, secret string) error {
	if err := m.enter(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.items == nil {
		m.items = map[string]string{}
	}
	m.items[service+"/"+user] = secret
	return nil
}

func (m *memory) Delete(service, user string) error {
	if err := m.enter(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.items[service+"/"+user]; !ok {
		return ErrNotFound
	}
	delete(m.items, service+"/"+user)
	return nil
}

func TestKeyring_GetSetDelete(t *testing.T) {
	m := &memory{}
	k := New("awsfed", m, time.Second)
	ctx := t.Context()
	if _, err := k.Get(ctx, "idp.example.com:alice"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get of a missing item: %v, want ErrNotFound", err)
	}
	if err := k.Set(ctx, "idp.example.com:alice", "s3cret"); err != nil {
		t.Fatal(err)
	}
	if got := m.items["awsfed/idp.example.com:alice"]; got != "s3cret" {
		t.Errorf("stored %q under service awsfed, want s3cret", got)
	}
	if got, err := k.Get(ctx, "idp.example.com:alice"); got != "s3cret" || err != nil {
		t.Errorf("Get = %q, %v; want s3cret", got, err)
	}
	if err := k.Delete(ctx, "idp.example.com:alice"); err != nil {
		t.Fatal(err)
	}
	if err := k.Delete(ctx, "idp.example.com:alice"); err != nil {
		t.Errorf("Delete of a missing item: %v, want nil", err)
	}
}

// TestKeyring_Timeout checks that a keyring that never answers is given up
// on after the time limit, and not asked again.
func TestKeyring_Timeout(t *testing.T) {
	m := &memory{block: make(chan struct{})}
	defer close(m.block)
	k := New("awsfed", m, 100*time.Millisecond)
	k.hint = " (no Secret Service running?)"
	start := time.Now()
	_, err := k.Get(t.Context(), "u")
	took := time.Since(start)
	var ke *Error
	if !errors.As(err, &ke) || !ke.TimedOut {
		t.Fatalf("Get = %v, want a timeout *Error", err)
	}
	if want := "the keyring did not answer within 100ms (no Secret Service running?)"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if took < 100*time.Millisecond || took > 600*time.Millisecond {
		t.Errorf("Get gave up after %s, want 100ms", took)
	}
	start = time.Now()
	if err := k.Set(t.Context(), "u", "pw"); !errors.Is(err, ke) {
		t.Errorf("Set after a timeout = %v, want the same timeout at once", err)
	}
	if d := time.Since(start); d > 50*time.Millisecond {
		t.Errorf("Set after a timeout took %s", d)
	}
	if m.called() != 1 {
		t.Errorf("the backend was called %d times, want once", m.called())
	}
}

func TestKeyring_ContextCancelled(t *testing.T) {
	m := &memory{block: make(chan struct{})}
	defer close(m.block)
	k := New("awsfed", m, time.Minute)
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, err := k.Get(ctx, "u"); !errors.Is(err, context.Canceled) {
		t.Errorf("Get = %v, want context.Canceled", err)
	}
}

// TestKeyring_ErrorsHideTheSecret checks that a backend error quoting the
// secret does not pass it on.
func TestKeyring_ErrorsHideTheSecret(t *testing.T) {
	m := &memory{err: fmt.Errorf("security: bad item data %q", "hunter2")}
	k := New("awsfed", m, time.Second)
	err := k.Set(t.Context(), "u", "hunter2")
	var ke *Error
	if !errors.As(err, &ke) || ke.TimedOut {
		t.Fatalf("Set = %v, want a failure *Error", err)
	}
	if strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "the keyring failed: security: bad item data") {
		t.Errorf("error %q", err)
	}
}
