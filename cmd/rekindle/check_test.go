package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	e := newDigestEnv(t)
	code, out, errOut := run(t, "--config", e.cfg, "check")
	if code != 0 {
		t.Fatalf("check: %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"ok    configuration", "ok    account home: logged in", "reads ", "sent mail: Sent",
		"skips: ", "drafts go to Drafts", "ok    smtp: logged in", "ok    templates", "ok    store", "ok    next digest", "All good."} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "imap-pw") || strings.Contains(out, "smtp-pw") {
		t.Error("check prints a password")
	}

	b, _ := os.ReadFile(e.cfg)
	os.WriteFile(e.cfg, []byte(strings.Replace(string(b), "password: smtp-pw", "password: wrong-smtp", 1)), 0o600)
	code, out, errOut = run(t, "--config", e.cfg, "check")
	if code != 1 || !strings.Contains(out, "FAIL  smtp:") || !strings.Contains(errOut, "1 problem found") || strings.Contains(out, "wrong-smtp") {
		t.Errorf("check with a wrong SMTP password (exit %d):\n%s%s", code, out, errOut)
	}
}

func TestInit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "rekindle", "config.yaml")
	args := []string{"init", "--path", path, "--name", "Jane Doe", "--email", "jane@gmail.com, jane@work.example",
		"--password-command", "pass show mail"}
	code, out, errOut := run(t, args...)
	if code != 0 {
		t.Fatalf("init: %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "app password") {
		t.Errorf("init does not explain Gmail's app passwords:\n%s", out)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"imap.gmail.com", "smtp.gmail.com", `password_command: "pass show mail"`, "templates"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("config lacks %q:\n%s", want, b)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "rekindle", "templates", "checkin.txt")); err != nil {
		t.Errorf("templates not written: %v", err)
	}
	// The written config works with the other commands.
	if code, _, errOut := run(t, "--config", path, "templates", "check"); code != 0 {
		t.Errorf("templates check on the written config: %d %s", code, errOut)
	}
	if code, _, errOut := run(t, args...); code != 1 || !strings.Contains(errOut, "--force") {
		t.Errorf("init over an existing config (exit %d): %s", code, errOut)
	}
	// Without a terminal, a missing answer is a usage error naming it.
	code, _, errOut = run(t, "init", "--path", filepath.Join(dir, "other.yaml"))
	if code != 2 || !strings.Contains(errOut, "Your name") {
		t.Errorf("init without answers (exit %d): %s", code, errOut)
	}
}
