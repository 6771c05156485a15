package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/seed-2d15385e/awsfed/assume/ststest"
)

// TestLoginAlso checks that login --also writes NAME-static for each named
// chained profile, that a refused hop is named with its profile and role,
// exits 5 and does not keep the others from being written, and that a
// profile not chained on the awsfed profile is refused.
func TestLoginAlso(t *testing.T) {
	e := newChainEnv(t, chainConfig+chain("denied", "jump", "444444444444"),
		ststest.WithDeniedRole("arn:aws:iam::444444444444:role/denied"))
	code := e.run(e.loginArgs("--skip-if-valid", "30m", "--also", "from_fumidai,deep", "--also", "denied")...)
	if code != 5 {
		t.Fatalf("exit %d, want 5: %s", code, e.errOut)
	}
	if !strings.Contains(e.errOut.String(), "awsfed: chained profile denied: STS refused AssumeRole for arn:aws:iam::444444444444:role/denied: access denied") {
		t.Errorf("stderr = %q", e.errOut)
	}
	creds := e.read(e.creds)
	// deep's credentials come from its second hop, not from_fumidai's.
	for _, is := range e.sts.Issued() {
		if is.RoleARN == "arn:aws:iam::333333333333:role/deep" &&
			!strings.Contains(creds, "[deep-static]\naws_access_key_id = "+is.AccessKeyID+"\n") {
			t.Errorf("deep-static does not hold %s:\n%s", is.AccessKeyID, creds)
		}
	}
	for _, want := range []string{"[from_fumidai-static]\n", "[deep-static]\n", "x_principal_arn = arn:aws:sts::333333333333:assumed-role/deep/"} {
		if !strings.Contains(creds, want) {
			t.Errorf("credentials file lacks %q:\n%s", want, creds)
		}
	}
	if strings.Contains(creds, "denied-static") {
		t.Errorf("denied-static was written:\n%s", creds)
	}
	if !strings.Contains(e.errOut.String(), "Assumed arn:aws:sts::333333333333:assumed-role/deep/") {
		t.Errorf("no result line for deep: %s", e.errOut)
	}

	if code := e.run(e.loginArgs("--skip-if-valid", "30m", "--also", "default")...); code != 2 ||
		!strings.Contains(e.errOut.String(), "--also default: profile default does not chain on jump") {
		t.Errorf("--also default: exit %d: %s", code, e.errOut)
	}
}

// TestLoginAllChains checks --all-chains with --suffix: every profile
// chained on jump, at any depth, and nothing else.
func TestLoginAllChains(t *testing.T) {
	e := newChainEnv(t, chainConfig+chain("elsewhere", "default", "555555555555"))
	if code := e.run(e.loginArgs("--skip-if-valid", "30m", "--all-chains", "--suffix", "-s")...); code != 0 {
		t.Fatalf("exit %d: %s", code, e.errOut)
	}
	creds := e.read(e.creds)
	for _, name := range []string{"target", "from_fumidai", "deep"} {
		if !strings.Contains(creds, "["+name+"-s]\n") {
			t.Errorf("no [%s-s]:\n%s", name, creds)
		}
	}
	if strings.Contains(creds, "elsewhere") {
		t.Errorf("elsewhere was written:\n%s", creds)
	}
}

// TestLoginAlsoParallel measures login --also against a fake STS that
// answers after 50 ms: 8 chained profiles (one round of
// materializeParallel) must take less than twice as long as 1, and 20
// (three rounds) less than four times, where one after the other would
// take 8 and 20 times as long.
func TestLoginAlsoParallel(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	var extra strings.Builder
	var names []string
	for i := range 20 {
		name := fmt.Sprintf("p%02d", i)
		names = append(names, name)
		extra.WriteString(chain(name, "jump", "222222222222"))
	}
	e := newChainEnv(t, "\n"+extra.String(), ststest.WithLatency(50*time.Millisecond))
	measure := func(n int) time.Duration {
		best := time.Duration(1 << 62)
		for range 3 {
			start := time.Now()
			if code := e.run(e.loginArgs("--skip-if-valid", "30m", "--also", strings.Join(names[:n], ","))...); code != 0 {
				t.Fatalf("exit %d: %s", code, e.errOut)
			}
			best = min(best, time.Since(start))
		}
		return best
	}
	one, eight, twenty := measure(1), measure(8), measure(20)
	t.Logf("login --also with 50 ms STS latency: 1 profile %s, 8 profiles %s, 20 profiles %s", one, eight, twenty)
	if eight >= 2*one {
		t.Errorf("8 profiles took %s, one %s: want less than twice", eight, one)
	}
	if twenty >= 2*one {
		t.Errorf("20 profiles took %s, one %s: want less than twice", twenty, one)
	}
}
