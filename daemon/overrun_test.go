package daemon

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// A sync still running when the digest comes due (a server that stopped
// answering) does not hold the digest back: the digest waits
// DigestSyncWait for it, then cancels it and is built from the store as
// it is, and the log and STATUS say so.
func TestDigestCancelsOverrunningSync(t *testing.T) {
	noLeaks(t)
	cfg := dailyConfig(t)
	cfg.DigestSyncWait = 2 * time.Minute
	var syncs atomic.Int32
	jobs := &fakeJobs{name: "A", sync: func(ctx context.Context) (string, error) {
		if syncs.Add(1) == 1 {
			<-ctx.Done() // hangs until cancelled
			return "", ctx.Err()
		}
		return "synced", nil
	}}
	h := start(t, at(6, 58), Options{}, loadResult{cfg: cfg, jobs: jobs})
	h.waitCall(0, "Sync")

	h.clk.Set(at(7, 0))
	h.logs.wait(t, 0, "the wait", msg("digest due while a sync runs; waiting for the sync"))
	h.notes.wait(t, 0, "waiting status", status("syncing since 06:58; the digest for 2026-11-23 waits for it until 07:02"))

	h.clk.Set(at(7, 2))
	_, rec := h.logs.wait(t, 0, "the cancel", msg("sync still running when the digest should go; cancelling it: the digest is built from the store as it is"))
	if rec["level"] != "WARN" {
		t.Errorf("cancel logged as %v", rec)
	}
	_, c := h.waitCall(0, "Digest")
	if c.syncFor != 0 || !c.now.Equal(at(7, 2)) {
		t.Errorf("digest after a cancelled sync: %+v; want no sync of its own, as of 07:02", c)
	}
	_, rec = h.logs.wait(t, 0, "digest log", msg("digest sent"))
	if b, _ := rec["built_from"].(string); !strings.Contains(b, "the store as it was") || !strings.Contains(b, "cancelled") {
		t.Errorf("digest log does not say what the digest was built from: %v", rec)
	}
	h.logs.wait(t, 0, "the sync's end", msg("sync cancelled; the next one resumes where it stopped"))
	h.notes.wait(t, 0, "digest status", status("digest for 2026-11-23 sent 07:02", "built from the store as it was (the sync running since 06:58 was still running 2m0s after the digest came due, and was cancelled)"))
	h.stop()
}

// A sync that ends while the digest waits for it serves as the digest's
// sync: the digest goes at once, without syncing again; built from the
// store as it was when that sync failed.
func TestDigestWaitsForSync(t *testing.T) {
	for _, fail := range []bool{false, true} {
		t.Run(map[bool]string{false: "sync ok", true: "sync failed"}[fail], func(t *testing.T) {
			noLeaks(t)
			release := make(chan struct{})
			var syncs atomic.Int32
			jobs := &fakeJobs{name: "A", sync: func(ctx context.Context) (string, error) {
				if syncs.Add(1) == 1 {
					<-release
					if fail {
						return "", errors.New("account work (imap.example.com:993): no answer to SELECT INBOX for 60s")
					}
				}
				return "synced", nil
			}}
			h := start(t, at(6, 58), Options{}, loadResult{cfg: dailyConfig(t), jobs: jobs})
			h.waitCall(0, "Sync")
			h.clk.Set(at(7, 0))
			h.logs.wait(t, 0, "the wait", msg("digest due while a sync runs; waiting for the sync"))
			h.clk.Set(at(7, 1))
			close(release)
			_, c := h.waitCall(0, "Digest")
			if c.syncFor != 0 {
				t.Errorf("the digest syncs again for %v after the sync it waited for", c.syncFor)
			}
			_, rec := h.logs.wait(t, 0, "digest log", msg("digest sent"))
			b, _ := rec["built_from"].(string)
			if fail != strings.Contains(b, "the sync before it failed") {
				t.Errorf("digest log built_from = %q after a sync that failed: %v", b, fail)
			}
			if slices.ContainsFunc(h.logs.all(), msg("sync still running when the digest should go; cancelling it: the digest is built from the store as it is")) {
				t.Error("a sync that ended within the wait was cancelled")
			}
			h.stop()
		})
	}
}

// With no sync running, the digest's own sync is bounded by
// DigestSyncWait; what Jobs say about a sync that did not finish is
// logged and shown.
func TestDigestOwnSyncBounded(t *testing.T) {
	noLeaks(t)
	cfg := dailyConfig(t)
	cfg.DigestSyncWait = 90 * time.Second
	jobs := &fakeJobs{name: "A", digest: func(ctx context.Context, day string, now time.Time) (DigestResult, error) {
		return DigestResult{Sent: true, To: "jane@example.com", People: 1, Stale: "the sync before it did not finish within 1m30s"}, nil
	}}
	h := start(t, at(6, 59), Options{}, loadResult{cfg: cfg, jobs: jobs})
	h.waitCall(0, "Sync")
	// The 06:59 sync over before 07:00: a digest that came due while it
	// ran would take it for its own sync and sync no more (SyncFor 0).
	h.logs.wait(t, 0, "the first sync's end", msg("sync finished"))
	h.clk.Set(at(7, 0))
	_, c := h.waitCall(0, "Digest")
	if c.syncFor != 90*time.Second {
		t.Errorf("digest SyncFor = %v, want DigestSyncWait 1m30s", c.syncFor)
	}
	_, rec := h.logs.wait(t, 0, "digest log", msg("digest sent"))
	if b, _ := rec["built_from"].(string); !strings.Contains(b, "did not finish within 1m30s") {
		t.Errorf("digest log: %v", rec)
	}
	h.notes.wait(t, 0, "digest status", status("built from the store as it was (the sync before it did not finish within 1m30s)"))
	h.stop()
}

// A job that overruns JobTimeout is cancelled; one that does not return
// then is stuck: it is left behind, no sync starts while it is, the
// digest still goes out (from the store as it is), the watchdog pings
// stop (once the digest is done) so that systemd restarts rekindle, and
// STATUS says why. If the job returns after all, everything resumes.
func TestStuckJobStopsWatchdog(t *testing.T) {
	noLeaks(t)
	cfg := dailyConfig(t)
	cfg.JobTimeout = 30 * time.Minute
	cfg.ShutdownTimeout = 100 * time.Millisecond
	release := make(chan struct{})
	var syncs atomic.Int32
	jobs := &fakeJobs{name: "A", overlap: true, sync: func(ctx context.Context) (string, error) {
		if syncs.Add(1) == 1 {
			<-release // ignores ctx: stuck in something that does not listen
			return "", errors.New("finally")
		}
		return "synced", nil
	}}
	h := start(t, at(6, 0), Options{Watchdog: 2 * time.Minute}, loadResult{cfg: cfg, jobs: jobs})
	first, _ := h.waitCall(0, "Sync")
	h.notes.wait(t, 0, "a first ping", line("WATCHDOG=1"))

	h.clk.Set(at(6, 30))
	h.logs.wait(t, 0, "the cancel", msg("job running longer than its bound; cancelling it"))
	_, rec := h.logs.wait(t, 0, "stuck", msg("job did not return after it was cancelled: it is stuck; leaving it behind, starting no sync until it returns, and withholding the watchdog pings so that systemd restarts rekindle"))
	if rec["level"] != "ERROR" {
		t.Errorf("stuck job logged as %v", rec)
	}
	h.notes.wait(t, 0, "stuck status", status("stuck: the sync started 06:00 did not return after it was cancelled (it ran longer than 30m0s); watchdog pings withheld"))

	// advance moves the clock minute by minute, waiting each time for
	// the loop's health check, and returns the notifications since.
	advance := func(to time.Time) []string {
		t.Helper()
		from := len(h.notes.all())
		for now := h.clk.Now().Add(time.Minute); !now.After(to); now = now.Add(time.Minute) {
			calls := len(h.calls.all())
			h.clk.Set(now)
			h.calls.wait(t, calls, "the health check at "+now.Format("15:04"), func(c call) bool { return c.method == "Healthy" && c.now.Equal(now) })
		}
		return h.notes.all()[from:]
	}
	if notes := advance(at(6, 50)); slices.ContainsFunc(notes, line("WATCHDOG=1")) {
		t.Errorf("watchdog pinged while a job is stuck: %q", notes)
	}
	if n := len(slices.DeleteFunc(h.calls.all(), func(c call) bool { return c.method != "Sync" })); n != 1 {
		t.Errorf("%d syncs started; none may start while one is stuck", n)
	}

	// The digest goes out all the same, from the store as it is.
	h.clk.Set(at(7, 0))
	_, c := h.waitCall(0, "Digest")
	if c.syncFor != 0 {
		t.Errorf("the digest syncs for %v while a sync is stuck", c.syncFor)
	}
	_, rec = h.logs.wait(t, 0, "digest log", msg("digest sent"))
	if b, _ := rec["built_from"].(string); !strings.Contains(b, "a sync is stuck") {
		t.Errorf("digest log: %v", rec)
	}
	if notes := advance(at(7, 5)); slices.ContainsFunc(notes, line("WATCHDOG=1")) {
		t.Errorf("watchdog pinged after the digest while a job is stuck: %q", notes)
	}

	// The stuck job returns after all: pings and syncs resume.
	close(release)
	h.logs.wait(t, 0, "the return", msg("stuck job returned after all"))
	h.waitCall(first+1, "Sync")
	if notes := advance(at(7, 8)); !slices.ContainsFunc(notes, line("WATCHDOG=1")) {
		t.Errorf("no watchdog ping after the stuck job returned: %q", notes)
	}
	h.stop()
}
