package daemon

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

// waitTimer waits until the daemon sleeps until at: the fake clock has a
// timer set for it. The loop sets one timer at a time, for the earliest
// thing it has to do, after it has done what was due; so once it waits
// for at, nothing before at is pending.
func (h *harness) waitTimer(at time.Time) {
	h.t.Helper()
	deadline := time.Now().Add(patience)
	for {
		h.clk.mu.Lock()
		found := slices.ContainsFunc(h.clk.timers, func(t *manualTimer) bool { return t.at.Equal(at) })
		h.clk.mu.Unlock()
		if found {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("the daemon does not wait for %s after %v; calls:\n%s", at.Format(time.TimeOnly), patience, dump(h.calls.all()))
		}
		time.Sleep(time.Millisecond) // polling the fake clock's timers, not synchronising
	}
}

// methodCalls counts the calls of method.
func (h *harness) methodCalls(method string) int {
	n := 0
	for _, c := range h.calls.all() {
		if c.method == method {
			n++
		}
	}
	return n
}

// logCount counts the log records with message m.
func (h *harness) logCount(m string) int {
	n := 0
	for _, rec := range h.logs.all() {
		if rec["msg"] == m {
			n++
		}
	}
	return n
}

// waitLogCount waits until n records with message m were logged.
func (h *harness) waitLogCount(m string, n int) {
	h.t.Helper()
	from := 0
	for i := range n {
		j, _ := h.logs.wait(h.t, from, fmt.Sprintf("log %q number %d", m, i+1), msg(m))
		from = j + 1
	}
}

// change reports a change through changed and waits until the daemon
// took it.
func (h *harness) change(changed func()) {
	h.t.Helper()
	const took = "change reported; sync soon"
	n := h.logCount(took)
	changed()
	h.waitLogCount(took, n+1)
}

// watchUntilCancelled is a Watch that hands its changed to the test and
// watches until cancelled.
func watchUntilCancelled(got chan<- func()) func(ctx context.Context, changed func()) error {
	return func(ctx context.Context, changed func()) error {
		got <- changed
		<-ctx.Done()
		return ctx.Err()
	}
}

func watchConfig(t *testing.T) Config {
	cfg := dailyConfig(t)
	cfg.Watch = true
	return cfg
}

func TestWatchChangeSyncsAfterDebounce(t *testing.T) {
	noLeaks(t)
	t0 := at(14, 0)
	got := make(chan func(), 1)
	jobs := &fakeJobs{name: "A", watch: watchUntilCancelled(got)}
	h := start(t, t0, Options{}, loadResult{cfg: watchConfig(t), jobs: jobs})
	_, rec := h.logs.wait(t, 0, "start log", msg("rekindle daemon started"))
	if rec["watch"] != true {
		t.Errorf("start log: watch = %v, want true", rec["watch"])
	}
	h.waitCall(0, "Sync") // the first, at once
	changed := await(t, got)
	h.logs.wait(t, 0, "the first sync's end", msg("sync finished"))

	h.change(changed)
	// The daemon waits for the debounce, and syncs then.
	h.waitTimer(t0.Add(DefaultWatchDebounce))
	if n := h.methodCalls("Sync"); n != 1 {
		t.Fatalf("%d syncs before the debounce ended, want the first only", n)
	}
	h.clk.Set(t0.Add(DefaultWatchDebounce))
	_, c := h.calls.wait(t, 0, "the sync for the change", func(c call) bool { return c.method == "Sync" && c.now.After(t0) })
	if !c.now.Equal(t0.Add(DefaultWatchDebounce)) {
		t.Errorf("sync for the change at %s, want at %s", c.now.Format(time.TimeOnly), t0.Add(DefaultWatchDebounce).Format(time.TimeOnly))
	}
	h.logs.wait(t, 0, "the sync's start", func(rec map[string]any) bool {
		return rec["msg"] == "job started" && rec["trigger"] == "change"
	})
	// The interval counts from the last sync's start.
	h.waitLogCount("sync finished", 2)
	h.waitTimer(t0.Add(DefaultWatchDebounce + time.Minute)) // maxSleep: nothing due before
	h.clk.Set(t0.Add(DefaultWatchDebounce + 15*time.Minute))
	_, c = h.calls.wait(t, 0, "the interval sync", func(c call) bool { return c.method == "Sync" && c.now.After(t0.Add(DefaultWatchDebounce)) })
	if !c.now.Equal(t0.Add(DefaultWatchDebounce + 15*time.Minute)) {
		t.Errorf("interval sync at %s, want 15m after the sync for the change", c.now.Format(time.TimeOnly))
	}
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	if !jobs.closed.Load() {
		t.Error("Jobs not closed")
	}
}

// A burst of changes makes one sync, WatchDebounce after the first.
func TestWatchBurstOneSync(t *testing.T) {
	noLeaks(t)
	t0 := at(14, 0)
	got := make(chan func(), 1)
	cfg := watchConfig(t)
	cfg.WatchDebounce = 10 * time.Second
	h := start(t, t0, Options{}, loadResult{cfg: cfg, jobs: &fakeJobs{name: "A", watch: watchUntilCancelled(got)}})
	changed := await(t, got)
	h.logs.wait(t, 0, "the first sync's end", msg("sync finished"))
	for i := range 5 {
		h.clk.Set(t0.Add(time.Duration(i) * 2 * time.Second))
		h.change(changed)
		h.change(changed)
	}
	h.waitTimer(t0.Add(cfg.WatchDebounce))
	h.clk.Set(t0.Add(cfg.WatchDebounce))
	h.waitLogCount("sync finished", 2)
	// Up to a minute before the next interval sync, nothing more.
	h.clk.Set(t0.Add(cfg.WatchDebounce + 14*time.Minute))
	h.waitTimer(t0.Add(cfg.WatchDebounce + 15*time.Minute))
	if n := h.methodCalls("Sync"); n != 2 {
		t.Errorf("%d syncs, want 2: the first and one for the burst\n%s", n, dump(h.calls.all()))
	}
	h.stop()
}

// A change reported while a sync runs makes one more sync after it,
// never two at once (fakeJobs fails the test on overlap).
func TestWatchChangeDuringSync(t *testing.T) {
	noLeaks(t)
	t0 := at(14, 0)
	got := make(chan func(), 1)
	gate := make(chan struct{})
	var syncs atomic.Int32
	jobs := &fakeJobs{name: "A", watch: watchUntilCancelled(got), sync: func(ctx context.Context) (string, error) {
		if syncs.Add(1) == 1 {
			<-gate
		}
		return "synced", nil
	}}
	h := start(t, t0, Options{}, loadResult{cfg: watchConfig(t), jobs: jobs})
	h.waitCall(0, "Sync")
	changed := await(t, got)
	h.change(changed)
	h.clk.Set(t0.Add(5 * time.Second)) // past the debounce, the sync still running
	h.change(changed)
	close(gate)
	i, c := h.calls.wait(t, 0, "the sync after the running one", func(c call) bool { return c.method == "Sync" && c.now.After(t0) })
	if !c.now.Equal(t0.Add(5 * time.Second)) {
		t.Errorf("sync after the running one at %s, want as soon as it ended", c.now.Format(time.TimeOnly))
	}
	h.waitLogCount("sync finished", 2)
	h.clk.Set(t0.Add(5*time.Second + 14*time.Minute))
	h.waitTimer(t0.Add(5*time.Second + 15*time.Minute))
	if n := h.methodCalls("Sync"); n != 2 {
		t.Errorf("%d syncs, want 2\n%s", n, dump(h.calls.all()[i:]))
	}
	h.stop()
}

// A Watch that fails is logged once with its reason, the interval syncs
// go on, and it is tried again after 30s, then twice as long each time;
// once it reports a change again the log says it is back.
func TestWatchFailsPollingGoesOn(t *testing.T) {
	noLeaks(t)
	t0 := at(14, 0)
	got := make(chan func(), 1)
	var watches atomic.Int32
	watch := watchUntilCancelled(got)
	jobs := &fakeJobs{name: "A", watch: func(ctx context.Context, changed func()) error {
		if n := watches.Add(1); n <= 3 {
			return fmt.Errorf("account work: %w", errors.New("the server does not offer IMAP IDLE"))
		}
		changed() // watching: what arrived meanwhile needs a sync
		return watch(ctx, changed)
	}}
	h := start(t, t0, Options{}, loadResult{cfg: watchConfig(t), jobs: jobs})
	_, rec := h.logs.wait(t, 0, "the failure log", msg("watch for new mail stopped; syncing every interval until it is back"))
	if rec["level"] != "WARN" || rec["err"] != "account work: the server does not offer IMAP IDLE" || rec["retry_in"] != float64(30*time.Second) {
		t.Errorf("failure logged as %v", rec)
	}
	h.notes.wait(t, 0, "the status", status("watch for new mail down (account work: the server does not offer IMAP IDLE), syncing every 15m"))

	// Retried after 30s, then 1m later, then 2m later.
	for i, at := range []time.Duration{30 * time.Second, 90 * time.Second} {
		// The failure before is taken (at 14:00:30 the loop also sleeps
		// until 14:01:30, its longest sleep, while the watch runs).
		h.waitLogCount("watch for new mail failed again", i)
		h.waitTimer(t0.Add(at))
		h.clk.Set(t0.Add(at))
		h.calls.wait(t, 0, "Watch again", func(c call) bool { return c.method == "Watch" && c.now.Equal(t0.Add(at)) })
	}
	h.waitLogCount("watch for new mail failed again", 2)
	h.waitTimer(t0.Add(time.Minute + 90*time.Second)) // maxSleep comes first
	h.clk.Set(t0.Add(3 * time.Minute))
	h.waitTimer(t0.Add(3*time.Minute + 30*time.Second))
	if n := h.methodCalls("Watch"); n != 3 {
		t.Errorf("%d watches by 14:03, want 3", n)
	}

	// The interval syncs go on meanwhile.
	h.clk.Set(t0.Add(15 * time.Minute))
	h.calls.wait(t, 0, "the interval sync", func(c call) bool { return c.method == "Sync" && c.now.Equal(t0.Add(15*time.Minute)) })
	// The fourth watch (due at 14:03:30) works: it reports a change at
	// once, which makes a sync after the interval's.
	await(t, got)
	h.logs.wait(t, 0, "the back log", msg("watching for new mail again"))
	h.clk.Set(t0.Add(15*time.Minute + DefaultWatchDebounce))
	h.calls.wait(t, 0, "the sync for the change", func(c call) bool {
		return c.method == "Sync" && c.now.Equal(t0.Add(15*time.Minute+DefaultWatchDebounce))
	})
	if n := h.logCount("watch for new mail stopped; syncing every interval until it is back"); n != 1 {
		t.Errorf("failure logged %d times at WARN, want once", n)
	}
	h.stop()
}

// Stopping while Watch runs cancels it; Run returns as soon as it did.
func TestStopWhileWatching(t *testing.T) {
	noLeaks(t)
	got := make(chan func(), 1)
	returned := make(chan error, 1)
	jobs := &fakeJobs{name: "A", watch: func(ctx context.Context, changed func()) error {
		err := watchUntilCancelled(got)(ctx, changed)
		returned <- err
		return err
	}}
	cfg := watchConfig(t)
	cfg.ShutdownTimeout = time.Hour // the test's patience fails first
	h := start(t, at(9, 0), Options{}, loadResult{cfg: cfg, jobs: jobs})
	await(t, got)
	began := time.Now()
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	t.Logf("stopped in %v while watching", time.Since(began).Round(time.Microsecond))
	if err := await(t, returned); !errors.Is(err, context.Canceled) {
		t.Errorf("Watch returned %v, want context.Canceled", err)
	}
	if slices.ContainsFunc(h.logs.all(), msg("watch for new mail stopped; syncing every interval until it is back")) {
		t.Error("a watch cancelled for the stop was logged as failed")
	}
	if !jobs.closed.Load() {
		t.Error("Jobs not closed")
	}
}

// A Watch that ignores the cancellation is abandoned after
// ShutdownTimeout, and its Jobs are left open.
func TestStopAbandonsWatch(t *testing.T) {
	noLeaks(t)
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	jobs := &fakeJobs{name: "A", watch: func(ctx context.Context, changed func()) error {
		started <- struct{}{}
		<-release
		return ctx.Err()
	}}
	cfg := watchConfig(t)
	cfg.ShutdownTimeout = 200 * time.Millisecond
	h := start(t, at(9, 0), Options{}, loadResult{cfg: cfg, jobs: jobs})
	await(t, started)
	h.logs.wait(t, 0, "the first sync's end", msg("sync finished"))
	began := time.Now()
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(began); took < cfg.ShutdownTimeout || took > patience {
		t.Errorf("Run returned after %v, want after the %v bound", took, cfg.ShutdownTimeout)
	}
	h.logs.wait(t, 0, "the abandon log", msg("watch did not stop in time; abandoning it"))
	if jobs.closed.Load() {
		t.Error("Jobs closed under the abandoned watch")
	}
	close(release)
}

// A reload stops the old Jobs' watch and starts the new ones'; the old
// Jobs are closed once their watch returned.
func TestReloadRestartsWatch(t *testing.T) {
	noLeaks(t)
	gotA, gotB := make(chan func(), 1), make(chan func(), 1)
	cancelled := make(chan struct{})
	release := make(chan struct{})
	a := &fakeJobs{name: "A", watch: func(ctx context.Context, changed func()) error {
		gotA <- changed
		<-ctx.Done()
		close(cancelled)
		<-release // returns late
		return ctx.Err()
	}}
	b := &fakeJobs{name: "B", watch: watchUntilCancelled(gotB)}
	t0 := at(10, 0)
	h := start(t, t0, Options{}, loadResult{cfg: watchConfig(t), jobs: a}, loadResult{cfg: watchConfig(t), jobs: b})
	changedA := await(t, gotA)
	h.logs.wait(t, 0, "A's sync end", msg("sync finished"))
	h.reload <- struct{}{}
	changedB := await(t, gotB)
	await(t, cancelled)
	// B's sync, at once after the reload.
	h.calls.wait(t, 0, "B's sync", func(c call) bool { return c.jobs == "B" && c.method == "Sync" })
	if a.closed.Load() {
		t.Error("A closed while its watch runs")
	}
	close(release)
	deadline := time.Now().Add(patience)
	for !a.closed.Load() {
		if time.Now().After(deadline) {
			t.Fatal("A not closed after its watch returned")
		}
		time.Sleep(time.Millisecond) // polling the flag
	}
	// A's changed does nothing any more; B's makes a sync.
	changedA()
	h.waitLogCount("sync finished", 2)
	h.change(changedB)
	h.clk.Set(t0.Add(DefaultWatchDebounce))
	h.calls.wait(t, 0, "B's sync for the change", func(c call) bool { return c.jobs == "B" && c.method == "Sync" && c.now.After(t0) })
	h.stop()
	if !b.closed.Load() {
		t.Error("B not closed")
	}
}

// Config.Watch with Jobs that cannot watch: a warning, and interval syncs.
func TestWatchWithoutWatcher(t *testing.T) {
	noLeaks(t)
	h := start(t, at(10, 0), Options{}, loadResult{cfg: watchConfig(t), jobs: &fakeJobs{name: "A"}})
	_, rec := h.logs.wait(t, 0, "the warning", msg("watching for new mail asked for, but these jobs cannot watch; syncing every interval"))
	if rec["level"] != "WARN" {
		t.Errorf("logged as %v", rec)
	}
	h.waitCall(0, "Sync")
	h.stop()
}

// await waits for a value on c, failing the test after patience.
func await[T any](t *testing.T, c <-chan T) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(patience):
		t.Fatalf("nothing received after %v", patience)
		var zero T
		return zero
	}
}

// A change reported just before the watch failed still makes its sync,
// and a watch that keeps starting and failing is logged once, as is its
// first return.
func TestWatchFlapping(t *testing.T) {
	noLeaks(t)
	t0 := at(14, 0)
	jobs := &fakeJobs{name: "A", watch: func(ctx context.Context, changed func()) error {
		changed()
		return errors.New("connection reset by peer")
	}}
	h := start(t, t0, Options{}, loadResult{cfg: watchConfig(t), jobs: jobs})
	h.logs.wait(t, 0, "the failure", msg("watch for new mail stopped; syncing every interval until it is back"))
	h.waitTimer(t0.Add(DefaultWatchDebounce))
	h.clk.Set(t0.Add(DefaultWatchDebounce))
	h.calls.wait(t, 0, "the sync for the change", func(c call) bool { return c.method == "Sync" && c.now.Equal(t0.Add(DefaultWatchDebounce)) })
	// Retried at 14:00:30 and 14:01:30: each starts, reports (a sync 2s
	// later) and fails.
	for i, at := range []time.Duration{30 * time.Second, 90 * time.Second} {
		h.waitTimer(t0.Add(at))
		h.clk.Set(t0.Add(at))
		h.calls.wait(t, 0, "Watch again", func(c call) bool { return c.method == "Watch" && c.now.Equal(t0.Add(at)) })
		h.waitLogCount("watch for new mail failed again", i+1) // its failure taken before the clock moves
		at += DefaultWatchDebounce
		h.waitTimer(t0.Add(at))
		h.clk.Set(t0.Add(at))
		h.calls.wait(t, 0, "the sync for its change", func(c call) bool { return c.method == "Sync" && c.now.Equal(t0.Add(at)) })
	}
	h.waitLogCount("watch for new mail failed again", 2)
	for m, want := range map[string]int{
		"watch for new mail stopped; syncing every interval until it is back": 1,
		"watching for new mail again":                                         1,
	} {
		if n := h.logCount(m); n != want {
			t.Errorf("%q logged %d times, want %d", m, n, want)
		}
	}
	h.stop()
}
