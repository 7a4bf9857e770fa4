package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rekindle/rekindle/daemon"
	"github.com/rekindle/rekindle/internal/memimap"
	"github.com/rekindle/rekindle/store"
)

// idleConfig rewrites de's configuration for the daemon to sync only
// (no smtp section, so no digest comes in the way), every hour, and to
// watch INBOX with IMAP IDLE.
func idleConfig(t *testing.T, de *digestEnv) {
	t.Helper()
	b, err := os.ReadFile(de.cfg)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, l := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(l, "smtp:") && !strings.HasPrefix(l, "digest:") {
			kept = append(kept, l)
		}
	}
	cfg := strings.Join(kept, "\n") + "\nsync: {interval: 1h, idle: true}\n"
	if err := os.WriteFile(de.cfg, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
}

// deliver appends a new message to the server's INBOX and returns its
// UID.
func deliver(t *testing.T, de *digestEnv, id string) uint32 {
	t.Helper()
	raw := fmt.Sprintf("From: Bob Example <bob@example.com>\r\nTo: Jane Doe <jane@example.com>\r\nSubject: news\r\n"+
		"Date: %s\r\nMessage-ID: <%s>\r\n\r\nHello.\r\n", time.Now().Format(time.RFC1123Z), id)
	uid, err := de.imap.Append("INBOX", []byte(raw), nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return uint32(uid)
}

// storeHas waits until the store holds INBOX up to uid, at most d, and
// returns how long that took.
func storeHas(t *testing.T, db *store.DB, uid uint32, d time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	waitFor(t, fmt.Sprintf("UID %d of INBOX in the store", uid), d, func() bool {
		f, err := db.Folder(context.Background(), "home", "INBOX")
		return err == nil && f.LastUID >= uid
	})
	return time.Since(start)
}

// runDaemonIn runs the daemon of e until the test stops it with the
// function returned, which fails the test if that takes more than the
// daemon's shutdown bound, and returns how long it took.
func runDaemonIn(t *testing.T, e *env) (stop func() time.Duration) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runDaemon(ctx, e) }()
	stopped := false
	stop = func() time.Duration {
		t.Helper()
		stopped = true
		start := time.Now()
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run returned %v", err)
			}
		case <-time.After(daemon.DefaultShutdownTimeout):
			t.Fatalf("the daemon did not stop within its %v bound", daemon.DefaultShutdownTimeout)
		}
		return time.Since(start)
	}
	t.Cleanup(func() {
		if !stopped {
			cancel()
			<-done
		}
	})
	return stop
}

// With sync.idle, the daemon has new INBOX mail in the store within
// seconds though its interval is an hour, and stops at once while idling.
func TestRunDaemonIdle(t *testing.T) {
	de := newDigestEnv(t)
	idleConfig(t, de)
	db, err := store.OpenReadOnly(context.Background(), filepath.Join(de.dir, "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ns := listenNotify(t)
	logs := &syncBuf{}
	de.imap.Commands() // count from here
	stop := runDaemonIn(t, daemonEnv(de.cfg, ns, logs, nil))

	// The sync at start, and the one the watch asks for as it starts.
	waitFor(t, "two syncs", 10*time.Second, func() bool { return strings.Count(logs.String(), `msg="sync finished"`) >= 2 })
	idles := 0
	waitFor(t, "IDLE", 10*time.Second, func() bool { idles += de.imap.Commands()["IDLE"]; return idles > 0 })

	for i := range 2 {
		uid := deliver(t, de, fmt.Sprintf("idle-%d@example.com", i))
		took := storeHas(t, db, uid, 5*time.Second)
		t.Logf("message %d delivered to the store in %v (debounce %v)", i+1, took.Round(time.Millisecond), daemon.DefaultWatchDebounce)
	}
	took := stop()
	t.Logf("stopped in %v while idling", took.Round(time.Millisecond))
	if l := logs.String(); strings.Contains(l, "watch for new mail stopped") || strings.Contains(l, "level=ERROR") {
		t.Errorf("the watch failed, or errors were logged:\n%s", l)
	}
}

// Against a server without IDLE, sync.idle: true falls back to the
// interval syncs, and says so once.
func TestRunDaemonIdleFallback(t *testing.T) {
	de := newDigestEnvWith(t, memimap.Options{NoIdle: true})
	idleConfig(t, de)
	db, err := store.OpenReadOnly(context.Background(), filepath.Join(de.dir, "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ns := listenNotify(t)
	logs := &syncBuf{}
	e := daemonEnv(de.cfg, ns, logs, nil)
	t0 := time.Now().UTC().Truncate(time.Second)
	clk := daemon.NewManualClock(t0)
	e.clock = clk
	stop := runDaemonIn(t, e)

	const fallback = `msg="watch for new mail stopped; syncing every interval until it is back"`
	waitFor(t, "the fallback logged", 10*time.Second, func() bool { return strings.Contains(logs.String(), fallback) })
	if l := lineWith(logs.String(), fallback); !strings.Contains(l, "does not offer IMAP IDLE") || !strings.Contains(l, "account home") {
		t.Errorf("fallback logged as: %s", l)
	}
	waitFor(t, "the first sync", 10*time.Second, func() bool { return strings.Contains(logs.String(), `msg="sync finished"`) })
	waitFor(t, "the status", 10*time.Second, func() bool { return strings.Contains(ns.all(), "watch for new mail down") })

	uid := deliver(t, de, "poll@example.com")
	// An hour on: the interval sync brings it, and the watch is tried
	// again (one more connection each), without a second warning.
	conns := de.imap.Connections()
	clk.Set(t0.Add(time.Hour))
	storeHas(t, db, uid, 10*time.Second)
	waitFor(t, "the second sync", 10*time.Second, func() bool { return strings.Count(logs.String(), `msg="sync finished"`) >= 2 })
	waitFor(t, "the watch tried again", 10*time.Second, func() bool { return de.imap.Connections() >= conns+2 })
	if n := strings.Count(logs.String(), fallback); n != 1 {
		t.Errorf("the fallback logged %d times, want once", n)
	}
	stop()
}
