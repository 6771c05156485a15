package browser

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
)

// seedPreferences is written as Default/Preferences when awsfed creates a
// profile: no network prediction (Chromium otherwise preconnects to the AWS
// sign-in host while the POST is paused, a metadata leak), and "continue
// where you left off", which keeps session cookies across restarts
// (docs/browser.md; --restore-last-session does the same for browsers that
// reset edited preferences).
const seedPreferences = `{"net":{"network_prediction_options":2},"session":{"restore_on_startup":1}}`

// sessionMarker is the file whose presence means a capture succeeded in the
// profile and its IdP session may still be alive.
const sessionMarker = "awsfed-session"

// scrubDirs hold copies of the SAMLResponse, and are deleted before each
// start and after each exit: Chromium's saved tabs keep the POST's body, and
// its HTTP cache keeps the IdP's page that posted it unless the IdP said
// no-store (the compiled-script cache goes too, in case the page's script
// held it). Cookies and the rest of the profile stay.
var scrubDirs = []string{
	filepath.Join("Default", "Sessions"),
	filepath.Join("Default", "Sessions_Encrypted"),
	filepath.Join("Default", "Cache"),
	filepath.Join("Default", "Code Cache"),
}

// lockRetry is how often a locked profile is tried again.
const lockRetry = 100 * time.Millisecond

// Profile is a browser profile folder that awsfed owns, one per awsfed
// profile. It keeps the IdP's cookies between runs, so treat it as a secret:
// it is created with mode 0700, and never the person's everyday profile.
type Profile struct {
	// Dir is the profile folder.
	Dir string
}

// HasSession reports whether a capture succeeded in this profile since it
// was created, and no later headless run found the IdP asking for a login
// again: whether a headless renewal is worth a try.
func (p Profile) HasSession() bool {
	fi, err := os.Lstat(filepath.Join(p.Dir, sessionMarker))
	return err == nil && fi.Mode().IsRegular()
}

// Remove deletes the profile folder dir and everything in it (the IdP's
// cookies), for a logout. It waits for a browser running on it to finish,
// up to ctx's deadline. A missing folder is not an error.
func Remove(ctx context.Context, dir string) error {
	p := Profile{Dir: dir}
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	unlock, err := p.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove the browser profile: %w", err)
	}
	return nil
}

// lockPath is the lock file, beside the folder so that Remove can delete the
// folder while holding the lock. It is never deleted: deleting a lock file
// lets two processes hold locks on two files of the same name.
func (p Profile) lockPath() string {
	return filepath.Clean(p.Dir) + ".lock"
}

// lock takes the profile's exclusive lock, waiting while another awsfed holds
// it until ctx is done. Chromium refuses a second browser on one profile, so
// every use of the folder is under this lock.
func (p Profile) lock(ctx context.Context) (unlock func(), err error) {
	if err := os.MkdirAll(filepath.Dir(filepath.Clean(p.Dir)), 0o700); err != nil {
		return nil, fmt.Errorf("create the browser profile's folder: %w", err)
	}
	fl := flock.New(p.lockPath(), flock.SetPermissions(0o600))
	ok, err := fl.TryLockContext(ctx, lockRetry)
	if !ok {
		_ = fl.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("the browser profile %s is in use by another awsfed, which did not finish in time: %w", p.Dir, ctx.Err())
		}
		return nil, fmt.Errorf("lock the browser profile: %w", err)
	}
	return func() { _ = fl.Close() }, nil
}

// prepare makes sure the folder exists, is a folder of ours with mode 0700,
// and seeds a new one; then it clears the tab state a previous run may have
// left.
func (p Profile) prepare() error {
	fi, err := os.Lstat(p.Dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := p.create(); err != nil {
			return err
		}
	case err != nil:
		return fmt.Errorf("browser profile: %w", err)
	case !fi.IsDir():
		return fmt.Errorf("the browser profile %s is not a folder", p.Dir)
	default:
		if err := checkOwner(p.Dir, fi); err != nil {
			return err
		}
		if fi.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(p.Dir, 0o700); err != nil {
				return fmt.Errorf("browser profile: %w", err)
			}
		}
	}
	return p.scrub()
}

func (p Profile) create() error {
	if err := os.Mkdir(p.Dir, 0o700); err != nil {
		return fmt.Errorf("create the browser profile: %w", err)
	}
	def := filepath.Join(p.Dir, "Default")
	if err := os.Mkdir(def, 0o700); err != nil {
		return fmt.Errorf("create the browser profile: %w", err)
	}
	if err := os.WriteFile(filepath.Join(def, "Preferences"), []byte(seedPreferences), 0o600); err != nil {
		return fmt.Errorf("create the browser profile: %w", err)
	}
	return nil
}

// scrub deletes the folders that may hold a copy of the SAMLResponse
// (scrubDirs).
func (p Profile) scrub() error {
	var errs []error
	for _, d := range scrubDirs {
		if err := os.RemoveAll(filepath.Join(p.Dir, d)); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("clear the browser profile's saved tabs and cache: %w", err)
	}
	return nil
}

// markSession records a successful capture (see HasSession).
func (p Profile) markSession() error {
	stamp := time.Now().UTC().Format(time.RFC3339) + "\n"
	if err := os.WriteFile(filepath.Join(p.Dir, sessionMarker), []byte(stamp), 0o600); err != nil {
		return fmt.Errorf("browser profile: %w", err)
	}
	return nil
}

// forgetSession removes the marker when the IdP asked for a login again.
func (p Profile) forgetSession() {
	_ = os.Remove(filepath.Join(p.Dir, sessionMarker))
}
