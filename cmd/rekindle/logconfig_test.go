package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLogConfig: log.format and log.level in the config set the logger
// (they were accepted and ignored), and --log-format and --verbose win
// over them. The digest preview logs, at info, each template it reads
// from templates.dir.
func TestLogConfig(t *testing.T) {
	_, cfg := setup(t)
	if code, out, errOut := run(t, "--config", cfg, "sync"); code != 0 {
		t.Fatalf("sync: exit %d\n%s%s", code, out, errOut)
	}
	tdir := filepath.Join(t.TempDir(), "templates")
	if code, out, errOut := run(t, "templates", "init", tdir); code != 0 {
		t.Fatalf("templates init: exit %d\n%s%s", code, out, errOut)
	}
	base, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	digest := func(logYAML string, flags ...string) string {
		t.Helper()
		text := string(base) + "templates: {dir: " + tdir + "}\n" + logYAML
		if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		args := append(append([]string{"--config", cfg}, flags...), "digest", "--as-of", "2026-04-20")
		code, out, errOut := run(t, args...)
		if code != 0 {
			t.Fatalf("digest %v with %q: exit %d\n%s%s", flags, logYAML, code, out, errOut)
		}
		return errOut
	}
	const msg = "template from templates.dir"
	if got := digest(""); !strings.Contains(got, `msg="`+msg+`"`) {
		t.Errorf("default logging: want text lines with %q, got:\n%s", msg, got)
	}
	if got := digest("log: {format: json}\n"); !strings.Contains(got, `"msg":"`+msg+`"`) {
		t.Errorf("log.format json: want JSON lines, got:\n%s", got)
	}
	if got := digest("log: {level: warn}\n"); strings.Contains(got, msg) {
		t.Errorf("log.level warn: want no info lines, got:\n%s", got)
	}
	if got := digest("log: {format: json}\n", "--log-format", "text"); !strings.Contains(got, `msg="`+msg+`"`) {
		t.Errorf("--log-format text over log.format json: want text lines, got:\n%s", got)
	}
	if got := digest("log: {level: warn}\n", "-v"); !strings.Contains(got, msg) {
		t.Errorf("-v over log.level warn: want info lines, got:\n%s", got)
	}
}
