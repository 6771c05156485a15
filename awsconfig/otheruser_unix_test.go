//go:build unix

package awsconfig

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestUpdateAsOtherUser checks, when run as root, the errors a user gets for
// a folder or file they may not write: it runs the test binary again as
// nobody (uid 65534).
func TestUpdateAsOtherUser(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to run a process as nobody; TestUpdateErrorsNamePathAndReason covers this without root")
	}
	// A world-readable copy of the test binary, in folders nobody may enter.
	base, err := os.MkdirTemp("", "awsconfig-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(filepath.Join(base, "ro"), 0o755); os.RemoveAll(base) })
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(base, "awsconfig.test")
	copyFile(t, os.Args[0], bin, 0o755)

	roDir := filepath.Join(base, "ro")
	mkdir(t, roDir)
	inRODir := filepath.Join(roDir, "credentials")
	writeFile(t, inRODir, []byte("[a]\nx = 0\n"), 0o666)
	if err := os.Chmod(roDir, 0o555); err != nil {
		t.Fatal(err)
	}
	openDir := filepath.Join(base, "open")
	mkdir(t, openDir)
	if err := os.Chmod(openDir, 0o777); err != nil {
		t.Fatal(err)
	}
	roFile := filepath.Join(openDir, "credentials")
	writeFile(t, roFile, []byte("[a]\nx = 0\n"), 0o444)

	tests := []struct {
		name, path, want string
	}{
		{"folder not writable", inRODir, "this user may not create files in its folder; fix the folder's owner or mode"},
		{"file not writable", roFile, "this user may not write it; fix its owner or mode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(bin, "-test.run=^TestHelperProcess$", "-test.count=1")
			cmd.Env = append(os.Environ(), helperEnv+"=update", helperFileEnv+"="+tt.path)
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Skipf("cannot run as nobody: %v: %s", err, out)
			}
			msg := string(out)
			if !strings.HasPrefix(msg, "cannot write "+tt.path+": permission denied: ") || !strings.Contains(msg, tt.want) {
				t.Errorf("error = %q, want one naming %s and saying %q", msg, tt.path, tt.want)
			}
			if got := readFile(t, tt.path); string(got) != "[a]\nx = 0\n" {
				t.Errorf("file changed to %q", got)
			}
		})
	}
}

func copyFile(t *testing.T, from, to string, perm os.FileMode) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, perm)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}
