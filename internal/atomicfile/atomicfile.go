// Package atomicfile replaces files atomically: the new content goes to a
// temporary file beside the target, which is synced and renamed over it,
// so that a reader sees the old content or the new, never a part, and a
// crash leaves one of the two. It is the one writer of awsfed's files: the
// AWS CLI's files (through awsconfig, which keeps their mode and owner) and
// the files that hold secrets (WritePrivate).
package atomicfile

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Options say how Write writes.
type Options struct {
	// Perm is the new file's mode; 0 means 0600.
	Perm fs.FileMode
	// Like, if set, is the file being replaced: the new one gets its owner
	// and group where the process may change them (root editing another
	// user's files).
	Like fs.FileInfo
	// NoSync leaves out the two fsync calls (of the file before the
	// rename, and of the folder after it), for benchmarks.
	NoSync bool
}

// Write replaces target with data.
func Write(target string, data []byte, o Options) (err error) {
	dir := filepath.Dir(target)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(target)+".*.tmp") // mode 0600
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if o.Perm != 0 && o.Perm != 0o600 {
		if err := tmp.Chmod(o.Perm); err != nil {
			return err
		}
	}
	if o.Like != nil {
		keepOwner(tmp, o.Like)
	}
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if !o.NoSync {
		if err := tmp.Sync(); err != nil {
			return err
		}
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return err
	}
	if !o.NoSync {
		if err := syncDir(dir); err != nil {
			return fmt.Errorf("sync folder: %w", err)
		}
	}
	return nil
}

// WritePrivate replaces the file at path with data, for a file that holds
// secrets: mode 0600, its folder created with mode 0700 if needed.
func WritePrivate(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return Write(path, data, Options{Perm: 0o600})
}
