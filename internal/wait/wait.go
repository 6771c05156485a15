// Package wait holds the one way awsfed waits: for a time, or until its
// context ends, whichever comes first.
package wait

import (
	"context"
	"time"
)

// Sleep waits d, and returns nil; or returns ctx's error as soon as ctx
// ends first (Ctrl-C, a deadline).
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
