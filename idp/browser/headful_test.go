package browser

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/seed-2d15385e/awsfed/ui"
)

// startXvfb starts a virtual display for the test and sets DISPLAY to it;
// it skips the test when Xvfb is not installed.
func startXvfb(t *testing.T) {
	t.Helper()
	xvfb, err := exec.LookPath("Xvfb")
	if err != nil {
		t.Skip("Xvfb is not installed (scripts/peers/chromium.sh install); skipping the window tests")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	// -displayfd: Xvfb picks a free display and writes its number when ready.
	cmd := exec.Command(xvfb, "-displayfd", "3", "-nolisten", "tcp", "-screen", "0", "1280x1024x24")
	cmd.ExtraFiles = []*os.File{w}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	got := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		got <- strings.TrimSpace(line)
		r.Close()
	}()
	select {
	case n := <-got:
		if n == "" {
			t.Fatal("Xvfb did not say its display")
		}
		t.Setenv("DISPLAY", ":"+n)
		t.Setenv("WAYLAND_DISPLAY", "")
	case <-time.After(10 * time.Second):
		t.Fatal("Xvfb did not start in 10 s")
	}
}

func TestCaptureHeadful(t *testing.T) {
	exe := testBrowser(t, true)
	startXvfb(t)
	saml := samlFor("mHeadfulQ7", 0)
	p := newTestIdP(t, saml)
	p.open = true
	c := newCanary(t)
	dir := filepath.Join(t.TempDir(), "profile")
	var status strings.Builder
	var shown string
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	got, err := Capture(ctx, Options{
		Exec: exe, ProfileDir: dir, StartURL: p.URL(), Headful: true, ExtraFlags: c.flags, Status: &status,
		afterCapture: func(tab context.Context) {
			// The POST was answered in the window by awsfed's own page.
			for range 50 {
				tctx, cancel := context.WithTimeout(tab, 2*time.Second)
				shown, _ = chromedp.Run(tctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
				cancel()
				if strings.Contains(shown, "Signed in") {
					return
				}
				time.Sleep(100 * time.Millisecond)
			}
		},
	})
	if err != nil {
		t.Fatalf("Capture: %v", err)
	}
	if got.SAMLResponse != saml || got.RelayState != p.relayState {
		t.Errorf("Capture = %.30q… %q; want %.30q… %q", got.SAMLResponse, got.RelayState, saml, p.relayState)
	}
	if want := "Signed in to AWS through awsfed. You can close this window."; strings.TrimSpace(shown) != want {
		t.Errorf("the window showed %q; want %q", shown, want)
	}
	wantStatus := "awsfed: a browser window is open at " + strings.TrimPrefix(p.srv.URL, "http://") + "; sign in there\n"
	if status.String() != wantStatus {
		t.Errorf("status %q; want %q", status.String(), wantStatus)
	}
	c.assertSilent(t)
	assertNoCopies(t, dir, samlNeedles(saml, "mHeadfulQ7")...)
}

// TestCaptureHeadfulClosed: the person closes the window (or the browser
// dies) while the login form is shown, after awsfed typed the user name.
func TestCaptureHeadfulClosed(t *testing.T) {
	exe := testBrowser(t, true)
	startXvfb(t)
	tests := []struct {
		name  string
		close func(t *testing.T, tab context.Context, dir string)
	}{
		{
			name: "window closed",
			close: func(t *testing.T, tab context.Context, _ string) {
				id := chromedp.FromContext(tab).Target.TargetID
				ctx, cancel := context.WithTimeout(tab, 5*time.Second)
				defer cancel()
				if _, err := chromedp.CallBrowser(ctx, target.CloseTarget, target.CloseTargetParams{TargetID: id}); err != nil {
					t.Errorf("close the window: %v", err)
				}
			},
		},
		{
			name: "browser killed",
			close: func(t *testing.T, _ context.Context, dir string) {
				pids := browserProcesses(dir)
				if len(pids) == 0 {
					t.Error("no browser process to kill")
				}
				for _, pid := range pids {
					_ = syscall.Kill(pid, syscall.SIGKILL)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newTestIdP(t, samlFor("mClosed", 0))
			dir := filepath.Join(t.TempDir(), "profile")
			tabs := make(chan context.Context, 1)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			errc := make(chan error, 1)
			go func() {
				_, err := Capture(ctx, Options{
					Exec: exe, ProfileDir: dir, StartURL: p.URL(), Headful: true, Username: p.user,
					started: func(tab context.Context) { tabs <- tab },
				})
				errc <- err
			}()
			tab := <-tabs
			// Wait until awsfed typed the user name into the login form.
			deadline := time.Now().Add(20 * time.Second)
			for p.seenValue("username") != p.user && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
			if got := p.seenValue("username"); got != p.user {
				t.Errorf("the user name field holds %q; want %q typed by awsfed", got, p.user)
			}
			tt.close(t, tab, dir)
			var err error
			select {
			case err = <-errc:
			case <-time.After(15 * time.Second):
				t.Fatal("Capture did not return 15 s after the browser closed")
			}
			if !errors.Is(err, ui.ErrCancelled) {
				t.Errorf("error %v; want one wrapping ui.ErrCancelled", err)
			}
			if want := "the browser window was closed before the sign-in finished"; err == nil || !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %v; want it to start with %q", err, want)
			}
			if (Profile{Dir: dir}).HasSession() {
				t.Error("HasSession() = true after a closed window")
			}
			if pids := browserProcesses(dir); len(pids) != 0 {
				t.Errorf("browser processes left: %v", pids)
			}
		})
	}
}
