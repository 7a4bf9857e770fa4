package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLocate(t *testing.T) {
	root := t.TempDir()
	mk := func(rel string) string {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("me: {}\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	flagFile := mk("flag.yaml")
	envFile := mk("env.yaml")
	homeFile := mk("home/.config/rekindle/config.yaml")
	xdgFile := mk("xdg/rekindle/config.yaml")
	systemdFile := mk("systemd/config.yaml")
	systemFile := mk("etc/rekindle/config.yaml")
	home := filepath.Join(root, "home")
	empty := filepath.Join(root, "empty")

	tests := []struct {
		name    string
		flag    string
		env     map[string]string
		system  string
		want    string
		wantErr string
	}{
		{"flag first", flagFile, map[string]string{"REKINDLE_CONFIG": envFile, "HOME": home}, systemFile, flagFile, ""},
		{"flag with ~", "~/.config/rekindle/config.yaml", map[string]string{"HOME": home}, systemFile, homeFile, ""},
		{"missing flag file is an error", filepath.Join(root, "nope.yaml"), map[string]string{"HOME": home}, systemFile, "", `nope.yaml (from --config) does not exist; run "rekindle init" to create one`},
		{"directory is not a file", root, nil, systemFile, "", "is a directory"},
		{"REKINDLE_CONFIG", "", map[string]string{"REKINDLE_CONFIG": envFile, "HOME": home}, systemFile, envFile, ""},
		{"missing REKINDLE_CONFIG is an error", "", map[string]string{"REKINDLE_CONFIG": filepath.Join(root, "nope.yaml"), "HOME": home}, systemFile, "", "(from $REKINDLE_CONFIG) does not exist"},
		{"systemd CONFIGURATION_DIRECTORY", "", map[string]string{"CONFIGURATION_DIRECTORY": filepath.Join(root, "systemd"), "HOME": home}, systemFile, systemdFile, ""},
		{"CONFIGURATION_DIRECTORY without the file", "", map[string]string{"CONFIGURATION_DIRECTORY": empty, "HOME": home}, systemFile, homeFile, ""},
		{"XDG_CONFIG_HOME", "", map[string]string{"XDG_CONFIG_HOME": filepath.Join(root, "xdg"), "HOME": home}, systemFile, xdgFile, ""},
		{"~/.config", "", map[string]string{"HOME": home}, systemFile, homeFile, ""},
		{"/etc", "", map[string]string{"HOME": empty}, systemFile, systemFile, ""},
		{"nothing found", "", map[string]string{"HOME": empty, "CONFIGURATION_DIRECTORY": empty}, filepath.Join(empty, "etc.yaml"),
			"", "no configuration file: looked at " + filepath.Join(empty, "config.yaml") + ", " +
				filepath.Join(empty, ".config/rekindle/config.yaml") + ", " + filepath.Join(empty, "etc.yaml") +
				`; run "rekindle init" to create one`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := locate(tt.flag, fakeEnv(tt.env), tt.system)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("locate = %q, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("locate = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestLocateNotFoundIsErrNotFound(t *testing.T) {
	empty := t.TempDir()
	_, err := locate("", fakeEnv(map[string]string{"HOME": empty}), filepath.Join(empty, "etc.yaml"))
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("error %v does not wrap ErrNotFound", err)
	}
}

func TestDefaultPath(t *testing.T) {
	tests := []struct {
		env     map[string]string
		want    string
		wantErr bool
	}{
		{map[string]string{"XDG_CONFIG_HOME": "/xdg", "HOME": "/home/jane"}, "/xdg/rekindle/config.yaml", false},
		{map[string]string{"XDG_CONFIG_HOME": "relative", "HOME": "/home/jane"}, "/home/jane/.config/rekindle/config.yaml", false},
		{map[string]string{"HOME": "/home/jane"}, "/home/jane/.config/rekindle/config.yaml", false},
		{nil, "", true},
	}
	for _, tt := range tests {
		got, err := DefaultPath(fakeEnv(tt.env))
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("DefaultPath(%v) = %q, %v; want %q", tt.env, got, err, tt.want)
		}
	}
}

func TestExpandHome(t *testing.T) {
	env := fakeEnv(map[string]string{"HOME": "/home/jane"})
	tests := []struct {
		in, want, wantErr string
	}{
		{"~", "/home/jane", ""},
		{"~/x/y", "/home/jane/x/y", ""},
		{"/abs/~/x", "/abs/~/x", ""},
		{"rel/x", "rel/x", ""},
		{"~bob/x", "", "only ~ and ~/ are expanded"},
	}
	for _, tt := range tests {
		got, err := expandHome(tt.in, env)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("expandHome(%q) = %q, %v; want error %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("expandHome(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := expandHome("~/x", fakeEnv(nil)); err == nil || !strings.Contains(err.Error(), "$HOME is not set") {
		t.Errorf("expandHome without HOME: %v", err)
	}
}
