package signin

import (
	"context"
	"errors"
	"io/fs"
	"os"

	"github.com/seed-2d15385e/awsfed/idp/browser"
	"github.com/seed-2d15385e/awsfed/internal/cookiestore"
)

// Forget deletes the IdP sessions that awsfed keeps for the settings'
// profile: the kept Google session of its user, and its browser profile.
// It returns what it removed, for a person ("the kept Google session of
// alice@example.com"), and stops at the first error.
func Forget(ctx context.Context, s *Settings, home string, getenv func(string) string) ([]string, error) {
	var removed []string
	if path := SessionPath(s, home, getenv); path != "" {
		ok, err := cookiestore.Remove(path)
		if err != nil {
			return removed, err
		}
		if ok {
			removed = append(removed, "the kept Google session of "+s.Username)
		}
	}
	if dir := BrowserProfilePath(s, home, getenv); dir != "" {
		if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
			return removed, nil
		}
		if err := browser.Remove(ctx, dir); err != nil {
			return removed, err
		}
		removed = append(removed, "its browser profile (the IdP's cookies)")
	}
	return removed, nil
}
