package main

import (
	"flag"
	"runtime/debug"
	"strings"
	"testing"
)

func TestResolveVersion(t *testing.T) {
	vcs := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/rekindle/rekindle", Version: "v1.2.0"},
		Settings: []debug.BuildSetting{
			{Key: "-trimpath", Value: "true"},
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "4bcd3b9c0123456789abcdef0123456789abcdef"},
			{Key: "vcs.time", Value: "2026-11-30T12:00:00Z"},
			{Key: "vcs.modified", Value: "false"},
		},
	}
	modified := *vcs
	modified.Settings = append([]debug.BuildSetting{}, vcs.Settings...)
	modified.Settings[4].Value = "true"
	goInstall := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.3.0"}}

	for _, tc := range []struct {
		name                string
		ldV, ldC, ldD       string
		bi                  *debug.BuildInfo
		version, commit, at string
	}{
		{"build info from a git checkout", "", "", "", vcs,
			"v1.2.0", "4bcd3b9c0123456789abcdef0123456789abcdef", "2026-11-30T12:00:00Z"},
		{"uncommitted changes", "", "", "", &modified,
			"v1.2.0", "4bcd3b9c0123456789abcdef0123456789abcdef-dirty", "2026-11-30T12:00:00Z"},
		{"go install module@version: no vcs", "", "", "", goInstall,
			"v1.3.0", "unknown", "unknown"},
		{"ldflags win over the build info", "1.4.0", "abc123", "2026-12-01T08:00:00Z", vcs,
			"1.4.0", "abc123", "2026-12-01T08:00:00Z"},
		{"ldflags for some fields only", "1.4.0", "", "", vcs,
			"1.4.0", "4bcd3b9c0123456789abcdef0123456789abcdef", "2026-11-30T12:00:00Z"},
		{"nothing known", "", "", "", nil, "unknown", "unknown", "unknown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := resolveVersion(tc.ldV, tc.ldC, tc.ldD, tc.bi)
			if v.Version != tc.version || v.Commit != tc.commit || v.Date != tc.at {
				t.Errorf("got %q %q %q, want %q %q %q", v.Version, v.Commit, v.Date, tc.version, tc.commit, tc.at)
			}
			if !strings.HasPrefix(v.Go, "go") {
				t.Errorf("Go = %q", v.Go)
			}
		})
	}
}

func TestVersionOutput(t *testing.T) {
	var b strings.Builder
	buildVersion{Version: "1.4.0", Commit: "abc123", Date: "2026-12-01T08:00:00Z", Go: "go1.26.8 linux/amd64"}.write(&b)
	want := "rekindle 1.4.0\ncommit  abc123\ndate    2026-12-01T08:00:00Z\ngo      go1.26.8 linux/amd64\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

// TestVersionCommand: "rekindle --version" and "rekindle version" print
// the same lines, the first "rekindle VERSION", and need no configuration.
func TestVersionCommand(t *testing.T) {
	t.Setenv("REKINDLE_CONFIG", "/nonexistent/config.yaml")
	code, flagOut, errOut := run(t, "--version")
	if code != 0 || errOut != "" {
		t.Fatalf("--version: exit %d, stderr %q", code, errOut)
	}
	code, cmdOut, errOut := run(t, "version")
	if code != 0 || errOut != "" {
		t.Fatalf("version: exit %d, stderr %q", code, errOut)
	}
	if flagOut != cmdOut {
		t.Errorf("--version printed\n%s\nversion printed\n%s", flagOut, cmdOut)
	}
	lines := strings.Split(strings.TrimSuffix(cmdOut, "\n"), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "rekindle ") || !strings.HasPrefix(lines[1], "commit ") ||
		!strings.HasPrefix(lines[2], "date ") || !strings.HasPrefix(lines[3], "go ") {
		t.Errorf("version output:\n%s", cmdOut)
	}
	if code, _, _ := run(t, "version", "extra"); code != 2 {
		t.Errorf("version extra: exit %d, want 2", code)
	}
}

// TestGlobalFlagsDocumented keeps globalFlags, which the usage and the
// manual page print, in step with the flags Main parses.
func TestGlobalFlagsDocumented(t *testing.T) {
	var show bool
	fs := newGlobalFlags(&env{}, &show)
	documented := map[string]bool{}
	for _, g := range globalFlags {
		for _, word := range strings.Fields(strings.ReplaceAll(g.flag, ",", " ")) {
			if name, ok := strings.CutPrefix(word, "-"); ok {
				name = strings.TrimPrefix(name, "-")
				documented[name] = true
				if fs.Lookup(name) == nil {
					t.Errorf("globalFlags documents %s, which Main does not parse", word)
				}
			}
		}
	}
	fs.VisitAll(func(f *flag.Flag) {
		if !documented[f.Name] {
			t.Errorf("Main parses --%s, which globalFlags does not document", f.Name)
		}
	})
}
