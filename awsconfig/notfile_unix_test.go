//go:build unix

package awsconfig

import (
	"errors"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestNotARegularFile checks that a FIFO or a folder in a file's place is
// refused at once, by Load and by Update, and left as it is.
func TestNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	symlink(t, fifo, link)
	for _, tt := range []struct{ path, what string }{
		{fifo, "a named pipe (FIFO)"},
		{link, "a named pipe (FIFO)"},
		{dir, "a folder"},
	} {
		done := make(chan error, 2)
		go func() {
			_, err := Load(tt.path)
			done <- err
			_, err = Update(tt.path, []Change{CredentialsChange("x", testCreds(1))}, UpdateOptions{Private: true})
			done <- err
		}()
		for _, op := range []string{"Load", "Update"} {
			select {
			case err := <-done:
				var nf *NotFileError
				if !errors.As(err, &nf) || nf.What != tt.what {
					t.Errorf("%s(%s) = %v, want a *NotFileError saying %q", op, tt.path, err, tt.what)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("%s(%s) hangs", op, tt.path)
			}
		}
	}
}
