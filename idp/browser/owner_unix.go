//go:build unix

package browser

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// checkOwner refuses a profile folder another user owns: its cookies would
// be theirs, or they could read ours.
func checkOwner(dir string, fi fs.FileInfo) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("the browser profile %s belongs to another user (uid %d); remove it or choose another folder", dir, st.Uid)
	}
	return nil
}
