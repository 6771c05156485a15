package integration

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/seed-2d15385e/awsfed/awsconfig"
	"github.com/seed-2d15385e/awsfed/idp/generic/generictest"
)

// relScale is how hard the stress tests push: the short budget of
// ./scripts/test by default, the figures of docs/reliability.md with
// AWSFED_RELIABILITY=long (./scripts/reliability).
func relScale(short, long int) int {
	if os.Getenv("AWSFED_RELIABILITY") == "long" {
		return long
	}
	return short
}

// writerProfile is the awsfed profile of writer w.
func writerProfile(w int) string { return fmt.Sprintf("w%d", w) }

// TestReliabilityConcurrentWriters runs 8 writers at once against one
// 300-section config file and one 300-section credentials file, both with
// comments: each logs into a profile of its own again and again, writes a
// chained profile each round, and logs out every tenth round. No section
// may be lost or corrupted: every original section stays byte for byte,
// and every write is there at the end.
func TestReliabilityConcurrentWriters(t *testing.T) {
	const writers = 8
	rounds := relScale(10, 100)
	h := newRelHome(t, generictest.Options{})
	var cfg strings.Builder
	cfg.WriteString(relConfig)
	for w := range writers {
		fmt.Fprintf(&cfg, "\n# writer %d\n[profile %s]\nawsfed_idp = generic\nawsfed_url = %s\nawsfed_username = %s\nawsfed_role_arn = %s\n",
			w, writerProfile(w), h.idp.SSOURL(), generictest.Username, generictest.RoleARN)
	}
	h.write(h.config, cfg.String())
	start := time.Now()
	var wg sync.WaitGroup
	failures := make(chan string, writers*rounds*3)
	for w := range writers {
		wg.Go(func() {
			p := writerProfile(w)
			for i := range rounds {
				for _, args := range [][]string{
					{"login", "--profile", p, "--no-prompt"},
					{"configure", "chain", fmt.Sprintf("c%d-%03d", w, i), "--role-arn", generictest.RoleARN, "--source-profile", p},
				} {
					if r := h.awsfed(nil, args...); r.code != 0 {
						failures <- fmt.Sprintf("%s: exit %d: %s", strings.Join(args, " "), r.code, r.stderr)
					}
				}
				if i%10 == 9 {
					if r := h.awsfed(nil, "logout", "--profile", p); r.code != 0 {
						failures <- fmt.Sprintf("logout %s: exit %d: %s", p, r.code, r.stderr)
					}
				}
			}
		})
	}
	wg.Wait()
	close(failures)
	for f := range failures {
		t.Error(f)
	}
	took := time.Since(start)

	config, creds := h.read(h.config), h.read(h.creds)
	for _, sec := range strings.SplitAfter(strings.TrimPrefix(relConfig, "# my AWS config\n"), "\n\n") {
		if !strings.Contains(config, strings.TrimSuffix(sec, "\n")) {
			t.Fatalf("the config file lost or changed a section:\n%s", sec)
		}
	}
	for _, sec := range strings.SplitAfter(relCreds, "\n\n") {
		if !strings.Contains(creds, strings.TrimSuffix(sec, "\n")) {
			t.Fatalf("the credentials file lost or changed a section:\n%s", sec)
		}
	}
	cf, err := awsconfig.Load(h.config)
	if err != nil {
		t.Fatal(err)
	}
	kf, err := awsconfig.Load(h.creds)
	if err != nil {
		t.Fatal(err)
	}
	for w := range writers {
		for i := range rounds {
			name := fmt.Sprintf("c%d-%03d", w, i)
			if sec, ok := cf.Profile(name); !ok || sec["role_arn"] != generictest.RoleARN || sec["source_profile"] != writerProfile(w) {
				t.Errorf("profile %s is %v (there: %v)", name, sec, ok)
			}
		}
		// The last round logged out when rounds is a multiple of ten.
		if _, ok := awsconfig.ReadCredentials(kf, writerProfile(w)); ok == (rounds%10 == 0) {
			t.Errorf("credentials of %s there: %v after %d rounds", writerProfile(w), ok, rounds)
		}
	}
	logins := writers * rounds
	t.Logf("%d writers × %d rounds: %d logins, %d chained profiles written, %d logouts in %s; every original section intact",
		writers, rounds, logins, logins, writers*(rounds/10), took.Round(time.Millisecond))
}

// TestReliabilityKill kills awsfed with SIGKILL at random moments of
// logins, configure chain and logouts. After every kill both files must
// parse and hold every original section; at the end a login and a logout
// must work (no lock left blocks them) and no temporary file of awsfed's
// may be left.
func TestReliabilityKill(t *testing.T) {
	kills := relScale(20, 200)
	h := newRelHome(t, generictest.Options{})
	rng := rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano())))
	killed, runs, temps := 0, 0, 0
	for i := 0; killed < kills && i < 5*kills; i++ {
		runs++
		var args []string
		switch i % 3 {
		case 0:
			args = []string{"login", "--profile", "jump", "--no-prompt", "--force", "--skip-if-valid", "1m"}
		case 1:
			args = []string{"configure", "chain", "k" + strconv.Itoa(i), "--role-arn", generictest.RoleARN, "--source-profile", "jump"}
		default:
			args = []string{"logout", "--profile", "jump"}
		}
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		cmd := exec.CommandContext(ctx, bins.awsfed, args...)
		cmd.Env = h.env
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// A run takes 10 to 30 ms: most kills land in its middle.
		time.Sleep(time.Duration(rng.IntN(15_000)) * time.Microsecond)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		cancel()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			killed++ // else it had ended already
		}
		if left, _ := filepath.Glob(filepath.Join(filepath.Dir(h.creds), ".*.tmp")); len(left) > 0 {
			temps++ // killed between its temporary file and the rename: the next write removes it
		}
		for _, f := range []struct{ path, original string }{{h.config, relConfig}, {h.creds, relCreds}} {
			if _, err := awsconfig.Load(f.path); err != nil {
				t.Fatalf("after kill %d (%s): %v", i, strings.Join(args, " "), err)
			}
			text := h.read(f.path)
			for _, sec := range strings.SplitAfter(f.original, "\n\n") {
				if !strings.Contains(text, strings.TrimSuffix(sec, "\n")) {
					t.Fatalf("after kill %d (%s), %s lost or changed a section:\n%s", i, strings.Join(args, " "), f.path, sec)
				}
			}
		}
	}
	// The next runs are not blocked, and clean up after the killed ones.
	for _, args := range [][]string{{"login", "--profile", "jump", "--no-prompt"}, {"logout", "--profile", "jump"}, {"status"}} {
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		cmd := exec.CommandContext(ctx, bins.awsfed, args...)
		cmd.Env = h.env
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("%s after the kills: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(h.creds), ".*.tmp"))
	cache, _ := filepath.Glob(filepath.Join(h.dir, ".cache", "awsfed", "credentials", ".*.tmp"))
	if left = append(left, cache...); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	if killed < kills {
		t.Errorf("only %d of %d runs were killed before they ended", killed, runs)
	}
	t.Logf("%d runs killed with SIGKILL at random moments (of %d started; the others had ended); after %d a killed write had left its temporary copy, which the next write removed: files always parsed and kept every section; the next runs were not blocked; no temporary file left", killed, runs, temps)
}
