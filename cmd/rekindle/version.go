package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// Set with -ldflags "-X main.version=... -X main.commit=... -X main.date=..."
// by packaged builds (the Makefile's deb and rpm targets). Left empty, the
// values come from the build information Go records in the binary.
var (
	version string
	commit  string
	date    string
)

// buildVersion is what "rekindle version" prints.
type buildVersion struct {
	Version string // "1.2.0", a module version "v1.2.0", or "(devel)"
	Commit  string // a revision, "-dirty" appended when the tree was modified
	Date    string // RFC 3339: the commit's time (the Makefile passes it too, so packages rebuild identically)
	Go      string // the toolchain and platform, "go1.26.8 linux/amd64"
}

// currentVersion is this binary's version: the -X values where set, else
// the build information.
func currentVersion() buildVersion {
	bi, _ := debug.ReadBuildInfo()
	return resolveVersion(version, commit, date, bi)
}

// resolveVersion fills each field from its -X value when that is set, else
// from bi (nil when the binary has no build information): the main
// module's version (v1.2.0 from "go install ...@v1.2.0", "(devel)" from a
// plain "go build") and the vcs.* settings that "go build" records in a
// Git checkout. What neither says is "unknown".
func resolveVersion(ldVersion, ldCommit, ldDate string, bi *debug.BuildInfo) buildVersion {
	v := buildVersion{Version: ldVersion, Commit: ldCommit, Date: ldDate,
		Go: runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH}
	if bi != nil {
		if bi.GoVersion != "" {
			v.Go = bi.GoVersion + " " + runtime.GOOS + "/" + runtime.GOARCH
		}
		if v.Version == "" {
			v.Version = bi.Main.Version
		}
		var rev, when string
		var modified bool
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if v.Commit == "" && rev != "" {
			v.Commit = rev
			if modified {
				v.Commit += "-dirty"
			}
		}
		if v.Date == "" {
			v.Date = when
		}
	}
	for _, f := range []*string{&v.Version, &v.Commit, &v.Date} {
		if *f == "" {
			*f = "unknown"
		}
	}
	return v
}

// write prints v: the version on the first line, for scripts, then one
// line each for the commit, the date and the toolchain.
func (v buildVersion) write(w io.Writer) {
	fmt.Fprintf(w, "rekindle %s\ncommit  %s\ndate    %s\ngo      %s\n", v.Version, v.Commit, v.Date, v.Go)
}

func versionCommand() *command {
	return &command{
		name:    "version",
		args:    "",
		summary: "print the version, the commit and the date it was built from",
		help: `
Prints rekindle's version on the first line, then the commit it was built
from ("-dirty" when the source had uncommitted changes), that commit's date,
and the Go toolchain. "rekindle --version" prints the same.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			return func(_ context.Context, e *env, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected argument %q", args[0])
				}
				currentVersion().write(e.stdout)
				return nil
			}
		},
	}
}
