package browser

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// ErrNoBrowser is wrapped by Find's error when no browser is installed where
// awsfed looks.
var ErrNoBrowser = errors.New("no Chrome, Chromium, Edge or Brave found; install one or set AWSFED_BROWSER to its path")

// Find returns the browser to run. override, from AWSFED_BROWSER or the
// profile key awsfed_browser, is a path or a name looked up in PATH, and wins
// when set; an override that is not found is an error, not a reason to look
// elsewhere. Otherwise Find tries this OS's usual places, Chrome and Chromium
// before Edge and Brave. A headless-only build (headless_shell) is returned
// only when headful is false and nothing else is installed, since it cannot
// show a window to a person.
func Find(override string, headful bool) (string, error) {
	home, _ := os.UserHomeDir()
	return findIn(runtime.GOOS, override, headful, system{
		lookPath: exec.LookPath,
		stat:     os.Stat,
		getenv:   os.Getenv,
		home:     home,
	})
}

// system is what the lookup reads of the machine, injected so that every
// OS's list is tested on any OS.
type system struct {
	lookPath func(name string) (string, error)
	stat     func(path string) (fs.FileInfo, error)
	getenv   func(key string) string
	home     string
}

// candidate is one place a browser may be: a name looked up in PATH, or an
// absolute path whose file must exist.
type candidate struct {
	name string // for lookPath
	path string // for stat
}

func findIn(goos, override string, headful bool, sys system) (string, error) {
	if override != "" {
		if p, ok := sys.try(candidateFor(goos, override)); ok {
			return p, nil
		}
		return "", fmt.Errorf("the browser %q (AWSFED_BROWSER or awsfed_browser) was not found or is not a file", override)
	}
	list := candidates(goos, sys.getenv, sys.home)
	if !headful {
		list = append(list, candidate{name: "headless_shell"}, candidate{name: "headless-shell"})
	}
	for _, c := range list {
		if p, ok := sys.try(c); ok {
			return p, nil
		}
	}
	return "", ErrNoBrowser
}

// candidateFor is how an override is looked for: as a path when it names a
// folder, else as a name in PATH.
func candidateFor(goos, s string) candidate {
	if strings.Contains(s, "/") || (goos == "windows" && strings.ContainsAny(s, `\:`)) {
		return candidate{path: s}
	}
	return candidate{name: s}
}

func (sys system) try(c candidate) (string, bool) {
	if c.name != "" {
		p, err := sys.lookPath(c.name)
		return p, err == nil && p != ""
	}
	fi, err := sys.stat(c.path)
	return c.path, err == nil && !fi.IsDir()
}

// candidates lists where goos keeps Chrome, Chromium, Edge and Brave, most
// likely first. home is the user's home folder ("" if unknown).
func candidates(goos string, getenv func(string) string, home string) []candidate {
	names := func(ns ...string) []candidate {
		var cs []candidate
		for _, n := range ns {
			cs = append(cs, candidate{name: n})
		}
		return cs
	}
	switch goos {
	case "darwin":
		apps := []string{
			"Google Chrome.app/Contents/MacOS/Google Chrome",
			"Chromium.app/Contents/MacOS/Chromium",
			"Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
			"Brave Browser.app/Contents/MacOS/Brave Browser",
		}
		var cs []candidate
		for _, a := range apps {
			cs = append(cs, candidate{path: "/Applications/" + a})
		}
		if home != "" {
			for _, a := range apps {
				cs = append(cs, candidate{path: strings.TrimSuffix(home, "/") + "/Applications/" + a})
			}
		}
		return cs
	case "windows":
		env := func(key, def string) string {
			if v := getenv(key); v != "" {
				return strings.TrimRight(v, `\`)
			}
			return def
		}
		local := env("LOCALAPPDATA", "")
		if local == "" && home != "" {
			local = strings.TrimRight(home, `\`) + `\AppData\Local`
		}
		pf := env("ProgramFiles", `C:\Program Files`)
		pf86 := env("ProgramFiles(x86)", `C:\Program Files (x86)`)
		var cs []candidate
		add := func(rel string, roots ...string) {
			for _, r := range roots {
				if r != "" {
					cs = append(cs, candidate{path: r + `\` + rel})
				}
			}
		}
		add(`Google\Chrome\Application\chrome.exe`, pf, pf86, local)
		add(`Chromium\Application\chrome.exe`, local, pf, pf86)
		add(`Microsoft\Edge\Application\msedge.exe`, pf86, pf, local)
		add(`BraveSoftware\Brave-Browser\Application\brave.exe`, pf, pf86, local)
		return append(cs, names("chrome", "msedge", "brave")...)
	default: // Linux and the BSDs
		return append(names(
			"google-chrome", "google-chrome-stable",
			"chromium", "chromium-browser",
			"microsoft-edge", "microsoft-edge-stable",
			"brave-browser",
		), candidate{path: "/snap/bin/chromium"})
	}
}
