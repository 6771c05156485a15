//go:build !unix

package browser

import "io/fs"

// checkOwner accepts any folder where there are no Unix owners; on Windows
// the folder under the user's own AppData inherits the user's access list.
func checkOwner(string, fs.FileInfo) error { return nil }
