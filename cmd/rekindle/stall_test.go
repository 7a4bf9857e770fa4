package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rekindle/rekindle/daemon"
)

// rewriteConfig replaces old by new in the config file at path, failing when
// old is not there.
func rewriteConfig(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s does not hold %q", path, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), old, new, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
}

// rekindle check names the account and the key of a password command
// that does not finish, and gives up on it after timeouts.secret_command.
func TestCheckSlowPasswordCommand(t *testing.T) {
	e := newDigestEnv(t)
	rewriteConfig(t, e.cfg, "password: imap-pw", `password_command: "sleep 1000"`)
	rewriteConfig(t, e.cfg, "digest: {to: jane@example.com}", "digest: {to: jane@example.com}\ntimeouts: {secret_command: 1s}")
	start := time.Now()
	code, out, errOut := run(t, "--config", e.cfg, "check")
	took := time.Since(start)
	if code != 1 {
		t.Fatalf("check: exit %d\n%s%s", code, out, errOut)
	}
	line := lineWith(out, "FAIL")
	for _, want := range []string{`account "home"`, "accounts[0].imap.password_command", "within 1s", "timeouts.secret_command"} {
		if !strings.Contains(line, want) {
			t.Errorf("check's failure does not say %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, `account home: account "home"`) {
		t.Errorf("the account is named twice: %s", line)
	}
	if !strings.Contains(out, "ok    smtp: logged in") {
		t.Errorf("the other checks did not run:\n%s", out)
	}
	if took > 30*time.Second {
		t.Errorf("check took %v with a 1s secret_command timeout", took)
	}
}

// The daemon with an IMAP server that answers LOGIN and then nothing: the
// sync hangs, yet the digest goes out on schedule, from the store as it
// is, through SMTP; the log and the STATUS line say so; and the daemon
// stops within its bound.
func TestRunDaemonStalledIMAP(t *testing.T) {
	de := newDigestEnv(t)
	// A digest every second, none missed at start (so that the sync runs
	// first), and no drafts (the IMAP server would not take them).
	rewriteConfig(t, de.cfg, "digest: {to: jane@example.com}", `digest: {to: jane@example.com, schedule: "* * * * * *", timezone: UTC, grace: 0s}`)
	rewriteConfig(t, de.cfg, "drafts: true", "drafts: false")
	const wait = time.Second
	tuneDaemon = func(c *daemon.Config) { c.DigestSyncWait = wait }
	t.Cleanup(func() { tuneDaemon = func(*daemon.Config) {} })
	de.imap.StallAfterLogin(true)

	ns := listenNotify(t)
	logs := &syncBuf{}
	e := daemonEnv(de.cfg, ns, logs, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	// Start early in a second, so that the first sync has most of it to
	// begin before the digest comes due.
	time.Sleep(time.Second + 50*time.Millisecond - time.Duration(time.Now().Nanosecond()))
	start := time.Now()
	go func() { done <- runDaemon(ctx, e) }()

	waitFor(t, "the digest", 30*time.Second, func() bool { return len(de.smtp.Messages()) == 1 })
	took := time.Since(start)
	checkDigestMessage(t, de.smtp.Messages()[0].Data)
	waitFor(t, "the digest's log line", 10*time.Second, func() bool { return strings.Contains(logs.String(), `msg="digest sent"`) })
	// Usually the first sync is running when the digest comes due, and is
	// cancelled for it. A daemon that starts within a moment of the
	// second's end finds the digest due first, and the digest's own sync
	// is the one that hangs, bounded the same way.
	switch {
	case strings.Contains(logs.String(), "digest due while a sync runs"):
		if !strings.Contains(logs.String(), "sync still running when the digest should go; cancelling it") {
			t.Errorf("the log does not say the sync was cancelled for the digest:\n%s", logs)
		}
	case !strings.Contains(logs.String(), "sync before the digest did not finish in time"):
		t.Errorf("the log says neither that the sync was cancelled for the digest nor that the digest's own sync did not finish:\n%s", logs)
	}
	if l := lineWith(logs.String(), `msg="digest sent"`); !strings.Contains(l, "built_from=") {
		t.Errorf("the digest's log line does not say what it was built from: %s", l)
	}
	waitFor(t, "the STATUS line", 10*time.Second, func() bool { return strings.Contains(ns.all(), "built from the store as it was") })
	t.Logf("digest sent %v after the daemon started, the sync hanging (digest sync wait %v)", took.Round(time.Millisecond), wait)

	stop := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run returned %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the daemon did not stop within 15s")
	}
	t.Logf("stopped in %v", time.Since(stop).Round(time.Millisecond))
}
