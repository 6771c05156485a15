package renew

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed-2d15385e/awsfed/assume"
	"github.com/seed-2d15385e/awsfed/assume/ststest"
	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/idp"
	"github.com/seed-2d15385e/awsfed/idp/idptest"
	"github.com/seed-2d15385e/awsfed/internal/credcache"
	"github.com/seed-2d15385e/awsfed/profile"
)

const jumpRole = "arn:aws:iam::123456789012:role/jump"

// fakeSource hands out new credentials valid for an hour and counts the
// calls; wait, if set, is closed to let a call return.
type fakeSource struct {
	calls  atomic.Int32
	now    time.Time
	wait   chan struct{}
	err    error
	stored bool
}

func (f *fakeSource) Retrieve(context.Context) (*Retrieved, error) {
	n := f.calls.Add(1)
	if f.wait != nil {
		<-f.wait
	}
	if f.err != nil {
		return nil, f.err
	}
	return &Retrieved{Credentials: creds("ASIANEW"+string(rune('0'+n)), f.now.Add(time.Hour), "arn:aws:sts::123456789012:assumed-role/jump/alice"),
		RoleARN: jumpRole, Stored: func() error { f.stored = true; return nil }}, nil
}

func creds(key string, exp time.Time, principal string) awsconfig.Credentials {
	return awsconfig.Credentials{AccessKeyID: key, SecretAccessKey: "secret", SessionToken: "token", Expiration: exp.UTC().Truncate(time.Second), PrincipalARN: principal}
}

// newRenewer returns a renewer of profile jump whose store is a
// credentials file (or the cache) in a temporary folder holding stored.
func newRenewer(t *testing.T, inCache bool, stored *awsconfig.Credentials, src Source, now time.Time) *Renewer {
	t.Helper()
	dir := t.TempDir()
	st := Store{Profile: "jump", CredentialsFile: filepath.Join(dir, "credentials"), Cache: credcache.Dir(filepath.Join(dir, "cache")), InCache: inCache}
	if stored != nil {
		if _, err := st.Save(*stored); err != nil {
			t.Fatal(err)
		}
	}
	return &Renewer{Store: st, Source: src, RoleARN: jumpRole, Now: func() time.Time { return now }, Status: &strings.Builder{}}
}

func TestEnsure(t *testing.T) {
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	valid := creds("ASIAOLD", now.Add(30*time.Minute), "arn:aws:sts::123456789012:assumed-role/jump/alice")
	otherRole := creds("ASIAOTHER", now.Add(time.Hour), "arn:aws:sts::123456789012:assumed-role/admin/alice")
	for _, tt := range []struct {
		name      string
		inCache   bool
		stored    *awsconfig.Credentials
		minValid  time.Duration
		force     bool
		wantFresh bool
	}{
		{name: "valid long enough: no sign-in", stored: &valid, minValid: 5 * time.Minute},
		{name: "valid long enough, in the cache", inCache: true, stored: &valid, minValid: 5 * time.Minute},
		{name: "expiring within minValid", stored: &valid, minValid: time.Hour, wantFresh: true},
		{name: "another role", stored: &otherRole, minValid: 5 * time.Minute, wantFresh: true},
		{name: "nothing stored", minValid: 5 * time.Minute, wantFresh: true},
		{name: "forced", stored: &valid, force: true, wantFresh: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src := &fakeSource{now: now}
			r := newRenewer(t, tt.inCache, tt.stored, src, now)
			got, err := r.Ensure(t.Context(), tt.minValid, tt.force)
			if err != nil {
				t.Fatal(err)
			}
			if got.Fresh != tt.wantFresh || int(src.calls.Load()) != map[bool]int{false: 0, true: 1}[tt.wantFresh] {
				t.Fatalf("fresh = %v after %d sign-ins, want %v", got.Fresh, src.calls.Load(), tt.wantFresh)
			}
			want := valid
			if tt.wantFresh {
				want = creds("ASIANEW1", now.Add(time.Hour), "arn:aws:sts::123456789012:assumed-role/jump/alice")
				if !src.stored {
					t.Error("the source's Stored was not run")
				}
			}
			if got.Credentials != want {
				t.Errorf("credentials = %+v, want %+v", got.Credentials, want)
			}
			if back, ok, err := r.Store.Load(); err != nil || !ok || back != want {
				t.Errorf("stored = %+v, %v, %v; want %+v", back, ok, err, want)
			}
		})
	}
}

// TestEnsureParallel holds the lock-then-look-again rule: renewals of one
// profile that start together make one sign-in, and all get its
// credentials.
func TestEnsureParallel(t *testing.T) {
	now := time.Now()
	src := &fakeSource{now: now, wait: make(chan struct{})}
	base := newRenewer(t, false, nil, src, now)
	var wg sync.WaitGroup
	results := make([]*Renewal, 8)
	for i := range results {
		r := *base
		r.Status = &strings.Builder{}
		wg.Go(func() {
			got, err := r.Ensure(t.Context(), 5*time.Minute, false)
			if err != nil {
				t.Error(err)
			}
			results[i] = got
		})
	}
	time.Sleep(200 * time.Millisecond) // all of them at the lock
	close(src.wait)
	wg.Wait()
	if n := src.calls.Load(); n != 1 {
		t.Fatalf("%d sign-ins, want 1", n)
	}
	fresh := 0
	for _, r := range results {
		if r.Fresh {
			fresh++
		}
		if r.Credentials.AccessKeyID != "ASIANEW1" {
			t.Errorf("got %s, want the one sign-in's credentials", r.Credentials.AccessKeyID)
		}
	}
	if fresh != 1 {
		t.Errorf("%d renewals say they signed in, want 1", fresh)
	}
}

// TestEnsureFailure checks that a source's error is returned and nothing
// is stored.
func TestEnsureFailure(t *testing.T) {
	now := time.Now()
	src := &fakeSource{now: now, err: idp.ErrWrongPassword}
	r := newRenewer(t, false, nil, src, now)
	if _, err := r.Ensure(t.Context(), time.Minute, false); !errors.Is(err, idp.ErrWrongPassword) {
		t.Fatalf("error = %v, want the source's", err)
	}
	if _, ok, _ := r.Store.Load(); ok {
		t.Error("credentials were stored")
	}
}

// rootCredentials signs into the fake STS with SAML, as a login does.
func rootCredentials(t *testing.T, srv *ststest.Server) awsconfig.Credentials {
	t.Helper()
	a, err := idp.ParseAssertion(idptest.DefaultSAMLResponse())
	if err != nil {
		t.Fatal(err)
	}
	c, err := assume.WithSAML(t.Context(), assume.NewClient(assume.ClientOptions{Region: "us-east-1", Endpoint: srv.URL, HTTPClient: srv.Client()}),
		assume.SAMLInput{Role: idp.Role{RoleARN: idptest.RoleARN, PrincipalARN: idptest.PrincipalARN}, Assertion: a.Raw}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return *c
}

// fixedCodes hands out one code.
type fixedCodes string

func (c fixedCodes) Code(context.Context, string) (string, error) { return string(c), nil }

// TestAssumerChain assumes a chain of three roles on the fake STS: each
// hop signed with the one before's credentials, its settings sent, a
// duration above 1h lowered with one note.
func TestAssumerChain(t *testing.T) {
	srv := ststest.NewServer(t)
	root := rootCredentials(t, srv)
	var status strings.Builder
	a := &Assumer{Transport: func() http.RoundTripper { return srv.Client().Transport }, Endpoint: srv.URL, Status: &status, Codes: func(profile.Hop) idp.CodeSource { return fixedCodes("123456") }}
	hops := []profile.Hop{
		{Profile: "a", RoleARN: "arn:aws:iam::222222222222:role/A", Duration: 2 * time.Hour, ExternalID: "ext-1"},
		{Profile: "b", RoleARN: "arn:aws:iam::333333333333:role/B", SessionName: "bob", MFASerial: "arn:aws:iam::111111111111:mfa/bob"},
		{Profile: "c", RoleARN: "arn:aws:iam::444444444444:role/C", Region: "eu-west-1"},
	}
	got, err := a.Chain(t.Context(), root, "us-east-1", hops)
	if err != nil {
		t.Fatal(err)
	}
	issued := srv.Issued()
	if len(issued) != 4 {
		t.Fatalf("%d credentials issued, want 4 (the root and three hops)", len(issued))
	}
	last := issued[3]
	if got.AccessKeyID != last.AccessKeyID || got.PrincipalARN != last.PrincipalARN || last.RoleARN != hops[2].RoleARN {
		t.Errorf("got %+v, want the last hop's %+v", got, last)
	}
	reqs := srv.Requests()[1:]
	for i, r := range reqs {
		if r.Action != "AssumeRole" || r.SecurityToken != issued[i].SessionToken {
			t.Errorf("hop %d: %s signed with %q, want AssumeRole with the credentials of the one before", i, r.Action, r.SecurityToken)
		}
	}
	if reqs[0].DurationSeconds != 3600 || reqs[0].Form.Get("ExternalId") != "ext-1" || reqs[0].RoleSessionName != "alice@example.com" {
		t.Errorf("hop a sent %+v", reqs[0])
	}
	if reqs[1].RoleSessionName != "bob" || reqs[1].Form.Get("TokenCode") != "123456" || reqs[1].Form.Get("SerialNumber") != hops[1].MFASerial {
		t.Errorf("hop b sent %+v", reqs[1])
	}
	if want := "awsfed: note: duration_seconds of profile a (2h0m0s) exceeds AWS's 1h limit for chained roles; asked for 1h\n"; status.String() != want {
		t.Errorf("status = %q, want %q", status.String(), want)
	}
	if hops[0].Duration != 2*time.Hour {
		t.Error("Chain changed the caller's hops")
	}
}

// TestAssumerChainRefused names the hop STS refused.
func TestAssumerChainRefused(t *testing.T) {
	srv := ststest.NewServer(t, ststest.WithDeniedRole("arn:aws:iam::333333333333:role/B"))
	root := rootCredentials(t, srv)
	a := &Assumer{Transport: func() http.RoundTripper { return srv.Client().Transport }, Endpoint: srv.URL, Status: &strings.Builder{}}
	_, err := a.Chain(t.Context(), root, "us-east-1", []profile.Hop{
		{Profile: "a", RoleARN: "arn:aws:iam::222222222222:role/A"},
		{Profile: "b", RoleARN: "arn:aws:iam::333333333333:role/B"},
	})
	var sts *assume.Error
	if !errors.As(err, &sts) || !strings.HasPrefix(err.Error(), "chained profile b: ") {
		t.Errorf("error = %v, want an *assume.Error naming profile b", err)
	}
}

// TestEnsureFirstLookFromGraph checks that valid credentials in the files
// as the command read them are handed out without reading the credentials
// file again: the hot path of credential-process.
func TestEnsureFirstLookFromGraph(t *testing.T) {
	now := time.Now()
	r := newRenewer(t, false, nil, &fakeSource{now: now}, now)
	stored := creds("ASIAREAD", now.Add(time.Hour), "arn:aws:sts::123456789012:assumed-role/jump/alice")
	if _, err := r.Store.Save(stored); err != nil {
		t.Fatal(err)
	}
	g, err := profile.Load(awsconfig.Paths{Config: filepath.Join(t.TempDir(), "config"), Credentials: r.Store.CredentialsFile})
	if err != nil {
		t.Fatal(err)
	}
	// The file changes after the command read it: the first look does
	// not see that.
	if err := os.WriteFile(r.Store.CredentialsFile, []byte("not an ini file [[[\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r.Graph = g
	got, err := r.Ensure(t.Context(), 5*time.Minute, false)
	if err != nil || got.Fresh || got.Credentials != stored {
		t.Fatalf("Ensure = %+v, %v; want the credentials as read, no sign-in", got, err)
	}
}
