package browser

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeFS is a machine for findIn: names in PATH and files that exist.
type fakeFS struct {
	path  map[string]string // name -> path
	files map[string]bool   // true: a file, false: a folder
	env   map[string]string
}

type fakeInfo struct{ dir bool }

func (fakeInfo) Name() string       { return "" }
func (fakeInfo) Size() int64        { return 0 }
func (fakeInfo) Mode() fs.FileMode  { return 0 }
func (fakeInfo) ModTime() time.Time { return time.Time{} }
func (i fakeInfo) IsDir() bool      { return i.dir }
func (fakeInfo) Sys() any           { return nil }

func (f fakeFS) system(home string) system {
	return system{
		lookPath: func(name string) (string, error) {
			if p, ok := f.path[name]; ok {
				return p, nil
			}
			return "", errors.New("not found")
		},
		stat: func(p string) (fs.FileInfo, error) {
			if isFile, ok := f.files[p]; ok {
				return fakeInfo{dir: !isFile}, nil
			}
			return nil, fs.ErrNotExist
		},
		getenv: func(k string) string { return f.env[k] },
		home:   home,
	}
}

func TestFindIn(t *testing.T) {
	tests := []struct {
		name     string
		goos     string
		override string
		headful  bool
		fs       fakeFS
		home     string
		want     string
		wantErr  string
	}{
		{
			name: "linux: Chrome before Chromium",
			goos: "linux",
			fs:   fakeFS{path: map[string]string{"chromium": "/usr/bin/chromium", "google-chrome-stable": "/usr/bin/google-chrome-stable"}},
			want: "/usr/bin/google-chrome-stable",
		},
		{
			name: "linux: Edge before Brave",
			goos: "linux",
			fs:   fakeFS{path: map[string]string{"brave-browser": "/usr/bin/brave-browser", "microsoft-edge": "/usr/bin/microsoft-edge"}},
			want: "/usr/bin/microsoft-edge",
		},
		{
			name: "linux: snap",
			goos: "linux",
			fs:   fakeFS{files: map[string]bool{"/snap/bin/chromium": true}},
			want: "/snap/bin/chromium",
		},
		{
			name: "linux: headless_shell only when headless",
			goos: "linux",
			fs:   fakeFS{path: map[string]string{"headless_shell": "/opt/hs/headless_shell"}},
			want: "/opt/hs/headless_shell",
		},
		{
			name: "linux: headless_shell after a real browser",
			goos: "linux",
			fs:   fakeFS{path: map[string]string{"headless_shell": "/opt/hs/headless_shell", "brave-browser": "/usr/bin/brave-browser"}},
			want: "/usr/bin/brave-browser",
		},
		{
			name:    "linux: never headless_shell for a window",
			goos:    "linux",
			headful: true,
			fs:      fakeFS{path: map[string]string{"headless_shell": "/opt/hs/headless_shell", "headless-shell": "/opt/hs/headless-shell"}},
			wantErr: ErrNoBrowser.Error(),
		},
		{
			name:    "linux: nothing",
			goos:    "linux",
			wantErr: "no Chrome, Chromium, Edge or Brave found; install one or set AWSFED_BROWSER to its path",
		},
		{
			name:     "override: name in PATH",
			goos:     "linux",
			override: "chromium",
			fs:       fakeFS{path: map[string]string{"chromium": "/usr/bin/chromium", "google-chrome": "/usr/bin/google-chrome"}},
			want:     "/usr/bin/chromium",
		},
		{
			name:     "override: path",
			goos:     "linux",
			override: "/opt/chrome/chrome",
			fs:       fakeFS{files: map[string]bool{"/opt/chrome/chrome": true}, path: map[string]string{"chromium": "/usr/bin/chromium"}},
			want:     "/opt/chrome/chrome",
		},
		{
			name:     "override: headless_shell when asked, even for a window",
			goos:     "linux",
			headful:  true,
			override: "headless_shell",
			fs:       fakeFS{path: map[string]string{"headless_shell": "/opt/hs/headless_shell"}},
			want:     "/opt/hs/headless_shell",
		},
		{
			name:     "override: missing is an error, not a search",
			goos:     "linux",
			override: "/opt/nothing/chrome",
			fs:       fakeFS{path: map[string]string{"chromium": "/usr/bin/chromium"}},
			wantErr:  `the browser "/opt/nothing/chrome" (AWSFED_BROWSER or awsfed_browser) was not found or is not a file`,
		},
		{
			name:     "override: a folder is not a browser",
			goos:     "linux",
			override: "/opt/chrome",
			fs:       fakeFS{files: map[string]bool{"/opt/chrome": false}},
			wantErr:  `the browser "/opt/chrome" (AWSFED_BROWSER or awsfed_browser) was not found or is not a file`,
		},
		{
			name: "darwin: Chrome in /Applications",
			goos: "darwin",
			home: "/Users/alice",
			fs: fakeFS{files: map[string]bool{
				"/Applications/Google Chrome.app/Contents/MacOS/Google Chrome": true,
				"/Applications/Chromium.app/Contents/MacOS/Chromium":           true,
			}},
			want: "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
		},
		{
			name: "darwin: /Applications before ~/Applications",
			goos: "darwin",
			home: "/Users/alice",
			fs: fakeFS{files: map[string]bool{
				"/Users/alice/Applications/Google Chrome.app/Contents/MacOS/Google Chrome": true,
				"/Applications/Brave Browser.app/Contents/MacOS/Brave Browser":             true,
			}},
			want: "/Applications/Brave Browser.app/Contents/MacOS/Brave Browser",
		},
		{
			name: "darwin: Edge in ~/Applications",
			goos: "darwin",
			home: "/Users/alice",
			fs: fakeFS{files: map[string]bool{
				"/Users/alice/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge": true,
			}},
			want: "/Users/alice/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
		},
		{
			name: "windows: Chrome per user",
			goos: "windows",
			home: `C:\Users\alice`,
			fs: fakeFS{
				env:   map[string]string{"LOCALAPPDATA": `C:\Users\alice\AppData\Local`},
				files: map[string]bool{`C:\Users\alice\AppData\Local\Google\Chrome\Application\chrome.exe`: true, `C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe`: true},
			},
			want: `C:\Users\alice\AppData\Local\Google\Chrome\Application\chrome.exe`,
		},
		{
			name: "windows: Edge from ProgramFiles(x86)",
			goos: "windows",
			fs: fakeFS{
				env:   map[string]string{"ProgramFiles(x86)": `D:\Apps86\`},
				files: map[string]bool{`D:\Apps86\Microsoft\Edge\Application\msedge.exe`: true},
			},
			want: `D:\Apps86\Microsoft\Edge\Application\msedge.exe`,
		},
		{
			name: "windows: Brave",
			goos: "windows",
			fs:   fakeFS{files: map[string]bool{`C:\Program Files\BraveSoftware\Brave-Browser\Application\brave.exe`: true}},
			want: `C:\Program Files\BraveSoftware\Brave-Browser\Application\brave.exe`,
		},
		{
			name: "windows: Chromium per user without LOCALAPPDATA",
			goos: "windows",
			home: `C:\Users\bob`,
			fs:   fakeFS{files: map[string]bool{`C:\Users\bob\AppData\Local\Chromium\Application\chrome.exe`: true}},
			want: `C:\Users\bob\AppData\Local\Chromium\Application\chrome.exe`,
		},
		{
			name:     "windows: override path with a drive",
			goos:     "windows",
			override: `E:\chrome\chrome.exe`,
			fs:       fakeFS{files: map[string]bool{`E:\chrome\chrome.exe`: true}},
			want:     `E:\chrome\chrome.exe`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := findIn(tt.goos, tt.override, tt.headful, tt.fs.system(tt.home))
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("findIn = %q, %v; want error %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("findIn = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestCandidates(t *testing.T) {
	tests := []struct {
		goos  string
		first string
		last  string
		n     int
	}{
		{goos: "linux", first: "google-chrome", last: "/snap/bin/chromium", n: 8},
		{goos: "freebsd", first: "google-chrome", last: "/snap/bin/chromium", n: 8},
		{goos: "darwin", first: "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome", last: "/Users/a/Applications/Brave Browser.app/Contents/MacOS/Brave Browser", n: 8},
		{goos: "windows", first: `C:\Program Files\Google\Chrome\Application\chrome.exe`, last: "brave", n: 15},
	}
	for _, tt := range tests {
		t.Run(tt.goos, func(t *testing.T) {
			home := "/Users/a"
			if tt.goos == "windows" {
				home = `C:\Users\a`
			}
			cs := candidates(tt.goos, func(string) string { return "" }, home)
			str := func(c candidate) string { return c.name + c.path }
			if len(cs) != tt.n || str(cs[0]) != tt.first || str(cs[len(cs)-1]) != tt.last {
				var all []string
				for _, c := range cs {
					all = append(all, str(c))
				}
				t.Errorf("candidates(%s) = %d: %s; want %d from %q to %q", tt.goos, len(cs), strings.Join(all, " | "), tt.n, tt.first, tt.last)
			}
		})
	}
}

// TestFind runs the real lookup: whatever it returns must exist.
func TestFind(t *testing.T) {
	p, err := Find("", false)
	if errors.Is(err, ErrNoBrowser) {
		t.Skip("no browser installed")
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil || !filepath.IsAbs(p) {
		t.Errorf("Find = %q (%v); want an existing absolute path", p, err)
	}
}
