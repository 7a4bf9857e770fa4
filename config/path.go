package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErrNotFound is wrapped by the error Locate returns when no configuration
// file exists in any of the places it looks.
var ErrNotFound = errors.New("no configuration file")

// systemConfigPath is the system-wide configuration file.
const systemConfigPath = "/etc/rekindle/config.yaml"

// Locate returns the configuration file to load: flagPath (--config) when
// given, else $REKINDLE_CONFIG, else the first that exists of
// $CONFIGURATION_DIRECTORY/config.yaml (systemd's ConfigurationDirectory=),
// $XDG_CONFIG_HOME/rekindle/config.yaml (default ~/.config), and
// /etc/rekindle/config.yaml. A path given by the flag or the variable must
// exist. When nothing is found, the error wraps ErrNotFound, lists the
// places looked at and says to run "rekindle init". getenv reads the
// environment; nil means os.Getenv.
func Locate(flagPath string, getenv func(string) string) (string, error) {
	return locate(flagPath, orGetenv(getenv), systemConfigPath)
}

func locate(flagPath string, getenv func(string) string, system string) (string, error) {
	explicit := func(p, from string) (string, error) {
		p, err := expandHome(p, getenv)
		if err != nil {
			return "", fmt.Errorf("%s: %w", from, err)
		}
		fi, err := os.Stat(p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return "", fmt.Errorf("%w: %s (from %s) does not exist; run \"rekindle init\" to create one", ErrNotFound, p, from)
			}
			return "", fmt.Errorf("%s: %w", from, err)
		}
		if fi.IsDir() {
			return "", fmt.Errorf("%s: %s is a directory, not a configuration file", from, p)
		}
		return p, nil
	}
	if flagPath != "" {
		return explicit(flagPath, "--config")
	}
	if p := getenv("REKINDLE_CONFIG"); p != "" {
		return explicit(p, "$REKINDLE_CONFIG")
	}

	var candidates []string
	add := func(p string) {
		for _, c := range candidates {
			if c == p {
				return
			}
		}
		candidates = append(candidates, p)
	}
	for _, dir := range filepath.SplitList(getenv("CONFIGURATION_DIRECTORY")) {
		if dir != "" {
			add(filepath.Join(dir, "config.yaml"))
		}
	}
	if p, err := DefaultPath(getenv); err == nil {
		add(p)
	}
	add(system)

	for _, p := range candidates {
		fi, err := os.Stat(p)
		switch {
		case err == nil && !fi.IsDir():
			return p, nil
		case err != nil && !errors.Is(err, fs.ErrNotExist):
			// Unreadable is not absent: say so rather than silently
			// falling through to another file.
			return "", err
		}
	}
	return "", fmt.Errorf("%w: looked at %s; run \"rekindle init\" to create one, or pass --config PATH",
		ErrNotFound, strings.Join(candidates, ", "))
}

// DefaultPath returns the user's configuration file,
// $XDG_CONFIG_HOME/rekindle/config.yaml or ~/.config/rekindle/config.yaml:
// where "rekindle init" writes one. getenv reads the environment; nil
// means os.Getenv.
func DefaultPath(getenv func(string) string) (string, error) {
	getenv = orGetenv(getenv)
	// The XDG specification says to ignore a relative XDG_CONFIG_HOME.
	if x := getenv("XDG_CONFIG_HOME"); filepath.IsAbs(x) {
		return filepath.Join(x, "rekindle", "config.yaml"), nil
	}
	home := getenv("HOME")
	if home == "" {
		return "", errors.New("$HOME is not set")
	}
	return filepath.Join(home, ".config", "rekindle", "config.yaml"), nil
}

// defaultStorePath returns store.path's default: $STATE_DIRECTORY/rekindle.db
// under systemd's StateDirectory=, else $XDG_STATE_HOME/rekindle/rekindle.db,
// else ~/.local/state/rekindle/rekindle.db (left with its "~" when $HOME is
// not set, so that Load reports it).
func defaultStorePath(getenv func(string) string) string {
	// STATE_DIRECTORY lists one directory per StateDirectory= entry.
	if dirs := filepath.SplitList(getenv("STATE_DIRECTORY")); len(dirs) > 0 && dirs[0] != "" {
		return filepath.Join(dirs[0], "rekindle.db")
	}
	if x := getenv("XDG_STATE_HOME"); filepath.IsAbs(x) {
		return filepath.Join(x, "rekindle", "rekindle.db")
	}
	const p = "~/.local/state/rekindle/rekindle.db"
	if e, err := expandHome(p, getenv); err == nil {
		return e
	}
	return p
}

// expandHome replaces a leading "~" or "~/" in p with $HOME.
func expandHome(p string, getenv func(string) string) (string, error) {
	if !strings.HasPrefix(p, "~") {
		return p, nil
	}
	if p != "~" && !strings.HasPrefix(p, "~/") {
		return "", fmt.Errorf("cannot expand %q: only ~ and ~/ are expanded; write the full path", p)
	}
	home := getenv("HOME")
	if home == "" {
		return "", fmt.Errorf("cannot expand %q: $HOME is not set; write the full path", p)
	}
	return filepath.Join(home, p[1:]), nil
}

// orGetenv returns getenv, or os.Getenv when it is nil.
func orGetenv(getenv func(string) string) func(string) string {
	if getenv == nil {
		return os.Getenv
	}
	return getenv
}
