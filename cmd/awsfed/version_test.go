package main

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionString(t *testing.T) {
	const rev = "4a47e10c6f3b2d8e9a1b2c3d4e5f60718293a4b5"
	build := func(version string, settings ...string) *debug.BuildInfo {
		info := &debug.BuildInfo{Main: debug.Module{Path: "github.com/seed-2d15385e/awsfed", Version: version}}
		for i := 0; i+1 < len(settings); i += 2 {
			info.Settings = append(info.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
		}
		return info
	}
	tests := []struct {
		name string
		info *debug.BuildInfo
		ok   bool
		want string
	}{
		{"no build information", nil, false, "(devel)"},
		{"ok but nil", nil, true, "(devel)"},
		{"go install of a tag", build("v1.2.0", "-trimpath", "true"), true, "v1.2.0"},
		{"no version recorded", build(""), true, "(devel)"},
		{"devel", build("(devel)"), true, "(devel)"},
		{"from a clean work tree", build("v0.0.0-20261204164500-4a47e10c6f3b", "vcs", "git", "vcs.revision", rev, "vcs.modified", "false"),
			true, "v0.0.0-20261204164500-4a47e10c6f3b (rev " + rev + ")"},
		{"from a changed work tree", build("v0.0.0-20261204164500-4a47e10c6f3b+dirty", "vcs.revision", rev, "vcs.modified", "true"),
			true, "v0.0.0-20261204164500-4a47e10c6f3b+dirty (rev " + rev + ", modified)"},
		{"devel with a revision", build("(devel)", "vcs.revision", rev), true, "(devel) (rev " + rev + ")"},
		{"modified without a revision", build("(devel)", "vcs.modified", "true"), true, "(devel) (modified)"},
		{"other settings only", build("v1.0.0", "GOOS", "linux", "vcs.time", "2026-12-04T16:45:00Z"), true, "v1.0.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := versionString(tt.info, tt.ok); got != tt.want {
				t.Errorf("versionString() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestVersionFlag runs awsfed --version: one line, "awsfed version " and the
// version of the test binary's build.
func TestVersionFlag(t *testing.T) {
	e := newStatusEnv(t) // nothing to sign into: the IdP, STS and prompts fail the test
	if code := e.run("--version"); code != 0 {
		t.Fatalf("exit %d: %s", code, e.errOut)
	}
	want := "awsfed version " + versionString(debug.ReadBuildInfo()) + "\n"
	if got := e.out.String(); got != want {
		t.Errorf("awsfed --version printed %q, want %q", got, want)
	}
	if strings.Count(e.out.String(), "\n") != 1 || e.errOut.Len() != 0 {
		t.Errorf("awsfed --version: stdout %q, stderr %q; want one line on stdout only", e.out, e.errOut)
	}
}

// BenchmarkVersion is awsfed --version in process: cobra's command tree.
func BenchmarkVersion(b *testing.B) {
	e := newStatusEnv(b)
	for b.Loop() {
		e.out.Reset()
		e.run("--version")
	}
}
