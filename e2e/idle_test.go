// The end-to-end tests of IMAP IDLE against Dovecot: imapsync.Watch on
// its own, and "rekindle run" with sync.idle: true. Helpers shared with
// the daemon benchmark are in daemon_bench_test.go.

package e2e

import (
	"context"
	"errors"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/rekindle/rekindle/imapsync"
	"github.com/rekindle/rekindle/synth"
)

// idleRe matches the client's IDLE commands.
var idleRe = regexp.MustCompile(`T[0-9]+ IDLE\r\n`)

// Watch against Dovecot: IDLE is refreshed (DONE answered, IDLE issued
// again) several times, an APPEND to INBOX is reported within seconds,
// and cancelling returns at once.
func TestWatchDovecot(t *testing.T) {
	t.Parallel()
	e := syStart(t)
	e.acct.CommandTimeout = 5 * time.Second
	wire := &syWire{}
	changed, watching := make(chan struct{}, 100), make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- imapsync.Watch(ctx, e.acct, imapsync.WatchOptions{
			Refresh:  300 * time.Millisecond,
			Changed:  func() { changed <- struct{}{} },
			Watching: func() { watching <- struct{}{} },
			Client:   &imapclient.Options{DebugWriter: wire},
		})
	}()
	select {
	case <-watching:
	case err := <-done:
		t.Fatalf("Watch returned before it idled: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("Watch did not idle within 20s")
	}
	deadline := time.Now().Add(20 * time.Second)
	for len(idleRe.FindAllString(wire.String(), -1)) < 4 {
		if time.Now().After(deadline) {
			t.Fatalf("fewer than 4 IDLE commands after 20s:\n%s", wire)
		}
		time.Sleep(50 * time.Millisecond) // polling the transcript
	}

	m := syMail("INBOX", "idle@e2e.example", "new", time.Now())
	m.Flags = nil
	if err := e.srv.Append("INBOX", m); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	select {
	case <-changed:
		t.Logf("APPEND to Changed: %v", time.Since(start).Round(time.Millisecond))
	case err := <-done:
		t.Fatalf("Watch returned: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatalf("no Changed within 5s of the APPEND; transcript:\n%s", wire)
	}

	cancel()
	start = time.Now()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Watch after cancel = %v", err)
		}
		t.Logf("cancel to return: %v", time.Since(start).Round(time.Microsecond))
	case <-time.After(2 * time.Second):
		t.Fatal("Watch did not return within 2s of the cancel")
	}
}

// "rekindle run" with sync.idle: true and an hourly interval: mail
// APPENDed to INBOX reaches the store in under 5 s, and SIGTERM while it
// idles stops it within its bound.
func TestDaemonIdle(t *testing.T) {
	t.Parallel()
	srv := syStart(t).srv
	if _, err := srv.LoadSynth(synth.Options{Seed: 3, Messages: 300}); err != nil {
		t.Fatal(err)
	}
	bin := buildRekindle(t)
	dir := t.TempDir()
	cfg := writeConfig(t, dir, srv)
	appendConfig(t, cfg, "sync: {interval: 1h, idle: true}")
	d := startDaemon(t, bin, cfg, dir)
	d.wait(t, "READY=1", 30*time.Second)
	// The sync at start and the one the watch asks for once it idles.
	d.waitLog(t, "sync finished", 2, time.Minute)

	for i, id := range []string{"daemon-idle-1@e2e.example", "daemon-idle-2@e2e.example"} {
		took := deliverAndWait(t, srv, filepath.Join(dir, "rekindle.db"), id, 5*time.Second)
		t.Logf("message %d: APPEND to store %v", i+1, took.Round(time.Millisecond))
		d.waitLog(t, "sync finished", 3+i, 10*time.Second)
	}
	stopped := d.stop(t)
	t.Logf("stopped in %v while idling", stopped.Round(time.Millisecond))
	if stopped > 2*time.Second {
		t.Errorf("stopping while idling took %v", stopped)
	}
	// (A warning says there is no smtp section: no digest.)
	if l := d.log(); regexp.MustCompile(`level=ERROR|watch for new mail stopped`).MatchString(l) {
		t.Errorf("the watch failed, or errors were logged:\n%s", l)
	}
}
