// Package privatefile writes files that hold secrets: mode 0600 in a 0700
// folder, replaced atomically so that a reader sees the old content or the
// new, never a part.
package privatefile

import (
	"os"
	"path/filepath"
)

// Write replaces the file at path with data (mode 0600), creating its
// folder (mode 0700) if needed. The data is synced before the rename.
func Write(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return replace(path, data)
}
