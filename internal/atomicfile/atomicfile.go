// Package atomicfile replaces files atomically: the new content goes to a
// temporary file beside the target, which is synced and renamed over it,
// so that a reader sees the old content or the new, never a part, and a
// crash leaves one of the two. It is the one writer of awsfed's files: the
// AWS CLI's files (through awsconfig, which keeps their mode and owner) and
// the files that hold secrets (WritePrivate).
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
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

// tempPattern is the name of Write's temporary files beside target, as
// os.CreateTemp takes it: ".NAME.*.tmp".
func tempPattern(target string) string { return "." + filepath.Base(target) + ".*.tmp" }

// RemoveStale removes the temporary files a Write of target left behind
// when its process was killed (each a full copy of what was written,
// secrets included) that are older than age. With age 0 it removes all of
// them: only when the caller holds the lock that every writer of target
// takes, so that no write is under way.
func RemoveStale(target string, age time.Duration) error {
	dir := filepath.Dir(target)
	names, err := filepath.Glob(filepath.Join(dir, tempPattern(target)))
	if err != nil {
		return err
	}
	var errs []error
	for _, n := range names {
		fi, err := os.Lstat(n)
		if err != nil || !fi.Mode().IsRegular() || time.Since(fi.ModTime()) < age {
			continue
		}
		if err := os.Remove(n); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Write replaces target with data. It takes a string as well as bytes, so
// that a writer holding its content as a string (a large config file) does
// not copy it.
func Write[T string | []byte](target string, data T, o Options) (err error) {
	dir := filepath.Dir(target)
	tmp, err := os.CreateTemp(dir, tempPattern(target)) // mode 0600
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
	switch d := any(data).(type) {
	case string:
		_, err = tmp.WriteString(d)
	case []byte:
		_, err = tmp.Write(d)
	}
	if err != nil {
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
// secrets: mode 0600, its folder created with mode 0700 if needed. It
// first removes temporary files of path that a killed write left more than
// a minute ago.
func WritePrivate(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	_ = RemoveStale(path, time.Minute) // best effort: the write matters
	return Write(path, data, Options{Perm: 0o600})
}
