package browser

import (
	"bufio"
	"context"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkRenewal measures a headless renewal on a kept IdP session, as
// awsfed runs it: lock, browser start, navigation to the capture, graceful
// close and scrub. It reports each phase and the browser's memory.
//
//	go test -run '^$' -bench Renewal -benchtime 10x ./idp/browser
func BenchmarkRenewal(b *testing.B) {
	exe := os.Getenv("AWSFED_TEST_BROWSER")
	if exe == "" {
		var err error
		if exe, err = Find("", false); err != nil {
			b.Skip(err)
		}
	}
	p := newTestIdP(b, samlFor("mBench", 7000))
	c := newCanary(b)
	dir := filepath.Join(b.TempDir(), "profile")
	ctx := context.Background()
	first := Options{Exec: exe, ProfileDir: dir, StartURL: p.URL(), Username: p.user, Fill: fillFor(p), ExtraFlags: c.flags}
	if _, err := Capture(ctx, first); err != nil {
		b.Fatal(err)
	}
	var start, capture, closing time.Duration
	var pss int64
	for b.Loop() {
		var t0, tStarted, tCaptured time.Time
		o := Options{Exec: exe, ProfileDir: dir, StartURL: p.URL(), ExtraFlags: c.flags,
			started: func(context.Context) { tStarted = time.Now() },
			afterCapture: func(context.Context) {
				tCaptured = time.Now()
				pss += browserPSS(dir)
			},
		}
		t0 = time.Now()
		if _, err := Capture(ctx, o); err != nil {
			b.Fatal(err)
		}
		end := time.Now()
		start += tStarted.Sub(t0)
		capture += tCaptured.Sub(tStarted)
		closing += end.Sub(tCaptured)
	}
	if p.logins() != 1 {
		b.Errorf("the renewals showed the login form (%d login pages)", p.logins())
	}
	if c.conns.Load() != 0 || c.reqs.Load() != 0 {
		b.Errorf("the AWS stand-in got %d connections, %d requests", c.conns.Load(), c.reqs.Load())
	}
	n := float64(b.N)
	b.ReportMetric(float64(start.Milliseconds())/n, "start-ms/op")
	b.ReportMetric(float64(capture.Milliseconds())/n, "capture-ms/op")
	b.ReportMetric(float64(closing.Milliseconds())/n, "close-ms/op")
	b.ReportMetric(float64(pss)/n/1024, "PSS-MiB")
}

// browserPSS sums the proportional set size, in KiB, of the browser's
// processes on dir.
func browserPSS(dir string) int64 {
	var kb int64
	for _, pid := range browserProcesses(dir) {
		f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/smaps_rollup")
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "Pss:"); ok {
				v, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
				kb += v
			}
		}
		f.Close()
	}
	return kb
}

// TestOnlyThisPackageImportsChromedp keeps chromedp out of the rest of
// awsfed, so that commands that do not use a browser pay nothing for it.
func TestOnlyThisPackageImportsChromedp(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	self, _ := filepath.Abs(".")
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path == self || strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return nil // not ours to judge
		}
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); strings.HasPrefix(p, "github.com/chromedp/") {
				rel, _ := filepath.Rel(root, path)
				t.Errorf("%s imports %s; only idp/browser may", rel, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
