package main

import (
	"runtime/debug"
)

// versionString is what awsfed --version prints after "awsfed version ", from the
// build information of the binary (debug.ReadBuildInfo): the main module's
// version ("(devel)" when the build records none), then, when the build
// recorded them, the VCS revision it was built from and whether the work
// tree had changes: "v1.2.0", "(devel) (rev 0123abcd…, modified)".
func versionString(info *debug.BuildInfo, ok bool) string {
	version := "(devel)"
	if !ok || info == nil {
		return version
	}
	if info.Main.Version != "" {
		version = info.Main.Version
	}
	var revision string
	var modified bool
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	switch {
	case revision != "" && modified:
		version += " (rev " + revision + ", modified)"
	case revision != "":
		version += " (rev " + revision + ")"
	case modified:
		version += " (modified)"
	}
	return version
}
