package sso

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// SignOut ends s's portal session and deletes its cached token, as aws sso
// logout does: every profile of the session, the AWS CLI's included, then
// needs a sign-in. The portal is asked only while the token works; the
// registration is kept (it holds no sign-in). It reports whether there was
// a token to delete.
func (c *Client) SignOut(ctx context.Context, s Session) (bool, error) {
	tok, err := ReadToken(c.CacheDir, s)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err == nil && tok.Valid(c.now(), 0) {
		if err := c.Logout(ctx, tok); err != nil {
			return false, fmt.Errorf("end the portal session of sso-session %q: %w; its token was kept", s.Name, err)
		}
	}
	if err := os.Remove(TokenPath(c.CacheDir, s)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("delete the IAM Identity Center token: %w", err)
	}
	return true, nil
}
