package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	// The tests' Europe/Paris must load without a zoneinfo database.
	_ "time/tzdata"

	"github.com/robfig/cron/v3"

	"github.com/rekindle/rekindle/internal/sdnotify"
)

// patience bounds every wait on the daemon: generous, for a loaded
// machine under -race; waits end as soon as their event comes.
const patience = 10 * time.Second

var paris = mustLoad("Europe/Paris")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// at returns a time on Monday 23 November 2026 in Paris (CET, UTC+1).
func at(hour, min int) time.Time { return time.Date(2026, 11, 23, hour, min, 0, 0, paris) }

func schedule(t *testing.T, spec string) cron.Schedule {
	t.Helper()
	s, err := cron.ParseStandard(spec)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// recorder collects values from the daemon's goroutines and lets a test
// wait for one.
type recorder[T any] struct {
	mu      sync.Mutex
	items   []T
	changed chan struct{}
}

func newRecorder[T any]() *recorder[T] { return &recorder[T]{changed: make(chan struct{})} }

func (r *recorder[T]) add(v T) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.items = append(r.items, v)
	close(r.changed)
	r.changed = make(chan struct{})
}

func (r *recorder[T]) all() []T {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.items)
}

// wait returns the index and value of the first item at index from or
// later that matches; it fails the test after patience.
func (r *recorder[T]) wait(t *testing.T, from int, what string, match func(T) bool) (int, T) {
	t.Helper()
	deadline := time.NewTimer(patience)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		for i := from; i < len(r.items); i++ {
			if match(r.items[i]) {
				v := r.items[i]
				r.mu.Unlock()
				return i, v
			}
		}
		changed := r.changed
		r.mu.Unlock()
		select {
		case <-changed:
		case <-deadline.C:
			var zero T
			t.Fatalf("no %s after %v; have %d items from %d:\n%s", what, patience, len(r.all()), from, dump(r.all()[min(from, len(r.all())):]))
			return 0, zero
		}
	}
}

func dump[T any](items []T) string {
	var b strings.Builder
	for i, v := range items {
		fmt.Fprintf(&b, "  %d: %v\n", i, v)
	}
	return b.String()
}

// fakeJobs are Jobs made of functions; nil ones succeed at once. Every
// call is recorded.
type fakeJobs struct {
	name    string
	sync    func(ctx context.Context) (string, error)
	digest  func(ctx context.Context, day string, now time.Time) (DigestResult, error)
	sent    func(ctx context.Context, day string) (bool, error)
	healthy func(ctx context.Context) error
	// watch, when set, makes the Jobs a Watcher.
	watch func(ctx context.Context, changed func()) error

	calls    *recorder[call]
	inFlight atomic.Int32
	closed   atomic.Bool
	// overlap allows two jobs at once (one left behind as stuck).
	overlap bool
}

// call is one call of a fakeJobs method.
type call struct {
	jobs    string
	method  string
	day     string
	now     time.Time     // the fake clock's time when called, or Digest's now
	syncFor time.Duration // Digest's SyncFor
}

func (c call) String() string {
	return fmt.Sprintf("%s.%s(%s) at %s", c.jobs, c.method, c.day, c.now.Format(time.DateTime))
}

func (f *fakeJobs) enter(t *testing.T) func() {
	if n := f.inFlight.Add(1); n > 1 && !f.overlap {
		t.Errorf("%d jobs at once", n)
	}
	return func() { f.inFlight.Add(-1) }
}

// bind returns Jobs recording calls to calls at clk's time.
func (f *fakeJobs) bind(t *testing.T, clk Clock, calls *recorder[call]) *boundJobs {
	f.calls = calls
	return &boundJobs{f: f, t: t, clk: clk}
}

type boundJobs struct {
	f   *fakeJobs
	t   *testing.T
	clk Clock
}

func (b *boundJobs) Sync(ctx context.Context) (string, error) {
	defer b.f.enter(b.t)()
	b.f.calls.add(call{jobs: b.f.name, method: "Sync", now: b.clk.Now()})
	if b.f.sync == nil {
		return b.f.name + " synced", nil
	}
	return b.f.sync(ctx)
}

func (b *boundJobs) Digest(ctx context.Context, r DigestRequest) (DigestResult, error) {
	defer b.f.enter(b.t)()
	b.f.calls.add(call{jobs: b.f.name, method: "Digest", day: r.Day, now: r.Now, syncFor: r.SyncFor})
	if b.f.digest == nil {
		return DigestResult{Sent: true, To: "jane@example.com", People: 2, Followups: 1}, nil
	}
	return b.f.digest(ctx, r.Day, r.Now)
}

func (b *boundJobs) DigestSent(ctx context.Context, day string) (bool, error) {
	b.f.calls.add(call{jobs: b.f.name, method: "DigestSent", day: day, now: b.clk.Now()})
	if b.f.sent == nil {
		return false, nil
	}
	return b.f.sent(ctx, day)
}

func (b *boundJobs) Healthy(ctx context.Context) error {
	b.f.calls.add(call{jobs: b.f.name, method: "Healthy", now: b.clk.Now()})
	if b.f.healthy == nil {
		return nil
	}
	return b.f.healthy(ctx)
}

func (b *boundJobs) Close() error {
	if b.f.closed.Swap(true) {
		b.t.Errorf("%s closed twice", b.f.name)
	}
	return nil
}

// watchingJobs are boundJobs that are a Watcher too.
type watchingJobs struct{ *boundJobs }

func (w watchingJobs) Watch(ctx context.Context, changed func()) error {
	w.f.calls.add(call{jobs: w.f.name, method: "Watch", now: w.clk.Now()})
	return w.f.watch(ctx, changed)
}

// notes records what the daemon tells systemd, one Notify call per item.
type notes struct{ *recorder[string] }

func (n notes) Notify(states ...string) error {
	n.add(strings.Join(slices.DeleteFunc(slices.Clone(states), func(s string) bool { return s == "" }), "\n"))
	return nil
}

// line matches a notification holding the line want, or one starting
// with it when want ends in '*'.
func line(want string) func(string) bool {
	return func(note string) bool {
		for l := range strings.SplitSeq(note, "\n") {
			if p, ok := strings.CutSuffix(want, "*"); ok && strings.HasPrefix(l, p) || l == want {
				return true
			}
		}
		return false
	}
}

// status matches a notification whose STATUS= holds all of parts.
func status(parts ...string) func(string) bool {
	return func(note string) bool {
		for l := range strings.SplitSeq(note, "\n") {
			if s, ok := strings.CutPrefix(l, "STATUS="); ok {
				for _, p := range parts {
					if !strings.Contains(s, p) {
						return false
					}
				}
				return true
			}
		}
		return false
	}
}

// logs records the daemon's log records, decoded from JSON.
type logs struct{ *recorder[map[string]any] }

func (l logs) Write(p []byte) (int, error) {
	var rec map[string]any
	if err := json.Unmarshal(p, &rec); err != nil {
		return 0, err
	}
	l.add(rec)
	return len(p), nil
}

func msg(m string) func(map[string]any) bool {
	return func(rec map[string]any) bool { return rec["msg"] == m }
}

// harness runs the daemon for one test.
type harness struct {
	t      *testing.T
	clk    *ManualClock
	calls  *recorder[call]
	notes  notes
	logs   logs
	reload chan struct{}
	cancel context.CancelFunc
	done   chan error
}

// loads returns a LoadFunc giving each of results in turn, the last one
// again when they run out.
type loadResult struct {
	cfg  Config
	jobs *fakeJobs
	err  error
}

// start runs the daemon with the fake clock at now; each load returns
// the next of results.
func start(t *testing.T, now time.Time, opts Options, results ...loadResult) *harness {
	t.Helper()
	h := &harness{
		t:      t,
		clk:    NewManualClock(now),
		calls:  newRecorder[call](),
		notes:  notes{newRecorder[string]()},
		logs:   logs{newRecorder[map[string]any]()},
		reload: make(chan struct{}),
		done:   make(chan error, 1),
	}
	var loaded atomic.Int32
	load := func(ctx context.Context) (Config, Jobs, error) {
		i := min(int(loaded.Add(1))-1, len(results)-1)
		r := results[i]
		if r.err != nil {
			return Config{}, nil, r.err
		}
		b := r.jobs.bind(t, h.clk, h.calls)
		if r.jobs.watch != nil {
			return r.cfg, watchingJobs{b}, nil
		}
		return r.cfg, b, nil
	}
	if opts.Clock == nil {
		opts.Clock = h.clk
	}
	if opts.Notifier == nil {
		opts.Notifier = h.notes
	}
	opts.Logger = slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.done <- Run(ctx, load, h.reload, opts) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-h.done:
		case <-time.After(patience):
			t.Errorf("Run did not return after the test")
		}
	})
	return h
}

// stop stops the daemon and waits for Run, failing on a deadlock.
func (h *harness) stop() error {
	h.t.Helper()
	h.cancel()
	return h.wait()
}

func (h *harness) wait() error {
	h.t.Helper()
	select {
	case err := <-h.done:
		h.done <- err // for the cleanup
		return err
	case <-time.After(patience):
		buf := make([]byte, 1<<20)
		h.t.Fatalf("Run did not return within %v: deadlock?\n%s", patience, buf[:runtime.Stack(buf, true)])
		return nil
	}
}

// waitCall waits for the call of method from index from.
func (h *harness) waitCall(from int, method string) (int, call) {
	h.t.Helper()
	return h.calls.wait(h.t, from, method, func(c call) bool { return c.method == method })
}

// noLeaks fails t when goroutines started during the test outlive it.
func noLeaks(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(patience)
		for runtime.NumGoroutine() > before {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				t.Errorf("%d goroutines before the test, %d after:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
				return
			}
			time.Sleep(10 * time.Millisecond) // polling the count, not synchronising
		}
	})
}

func dailyConfig(t *testing.T) Config {
	return Config{SyncInterval: 15 * time.Minute, Schedule: schedule(t, "0 7 * * *"), Location: paris, Grace: 6 * time.Hour}
}

func TestSyncsOnInterval(t *testing.T) {
	noLeaks(t)
	t0 := at(14, 0) // beyond the 07:00 digest's grace: syncs only
	release := make(chan struct{})
	var n atomic.Int32
	jobs := &fakeJobs{name: "A", sync: func(ctx context.Context) (string, error) {
		switch n.Add(1) {
		case 1:
			return "", errors.New("imap down")
		case 3: // runs over several intervals
			<-release
		}
		return "3 folders changed", nil
	}}
	h := start(t, t0, Options{}, loadResult{cfg: dailyConfig(t), jobs: jobs})
	syncAt := func(from int, want time.Time) int {
		t.Helper()
		i, c := h.waitCall(from, "Sync")
		if !c.now.Equal(want) {
			t.Errorf("sync at %s, want at %s", c.now.Format(time.TimeOnly), want.Format(time.TimeOnly))
		}
		return i
	}

	ready, _ := h.notes.wait(t, 0, "READY=1", line("READY=1"))
	i := syncAt(0, t0) // at once
	// A failed sync is logged, shown, and retried at the next interval.
	_, rec := h.logs.wait(t, 0, "sync failure log", msg("sync failed; retrying at the next interval"))
	if rec["err"] != "imap down" || rec["level"] != "ERROR" {
		t.Errorf("failure logged as %v", rec)
	}
	h.notes.wait(t, ready, "failed sync status", status("last sync 14:00 failed: imap down; retry at 14:15; next digest Tue 2026-11-24 07:00 CET"))

	h.clk.Set(at(14, 15))
	i = syncAt(i+1, at(14, 15))
	h.notes.wait(t, ready, "sync status", status("last sync 14:15 (3 folders changed); next digest Tue 2026-11-24 07:00 CET"))

	// The third sync runs from 14:30 to 15:10, over three intervals: no
	// sync starts meanwhile (fakeJobs fails the test on overlap), and
	// after it one sync at the next boundary, 15:15, not one per interval
	// missed.
	h.clk.Set(at(14, 30))
	i = syncAt(i+1, at(14, 30))
	h.notes.wait(t, ready, "syncing status", status("syncing since 14:30"))
	h.clk.Set(at(15, 10))
	close(release)
	h.notes.wait(t, ready, "status after the long sync", status("last sync 14:30 (3 folders changed)"))
	h.clk.Set(at(15, 15))
	i = syncAt(i+1, at(15, 15))
	h.clk.Set(at(15, 30))
	syncAt(i+1, at(15, 30))
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	if !jobs.closed.Load() {
		t.Error("Jobs not closed when Run returned")
	}
}

func TestStartLogsNextDigest(t *testing.T) {
	noLeaks(t)
	h := start(t, at(10, 0), Options{}, loadResult{cfg: dailyConfig(t), jobs: &fakeJobs{name: "A"}})
	_, rec := h.logs.wait(t, 0, "start log", msg("rekindle daemon started"))
	if got, want := rec["next_digest"], "2026-11-24T07:00:00+01:00"; got != want {
		t.Errorf("next_digest = %v, want %v", got, want)
	}
	if got, want := rec["in"], float64(21*time.Hour); got != want {
		t.Errorf("in = %v, want %v", got, want)
	}
	if got := rec["sync_interval"]; got != float64(15*time.Minute) {
		t.Errorf("sync_interval = %v", got)
	}
	h.stop()
}

func TestLoadFails(t *testing.T) {
	noLeaks(t)
	h := start(t, at(10, 0), Options{}, loadResult{err: errors.New("config.yaml:3: accounts: missing")})
	err := h.wait()
	if err == nil || !strings.Contains(err.Error(), "accounts: missing") {
		t.Fatalf("Run = %v, want the load error", err)
	}
	if notes := h.notes.all(); slices.ContainsFunc(notes, line("READY=1")) {
		t.Errorf("READY=1 sent though loading failed: %q", notes)
	}
}

func TestOneDigestPerDay(t *testing.T) {
	noLeaks(t)
	cfg := dailyConfig(t)
	cfg.Schedule = schedule(t, "0 7,8 * * *") // twice a day
	cfg.SyncInterval = 24 * time.Hour
	var digests atomic.Int32
	jobs := &fakeJobs{name: "A", digest: func(ctx context.Context, day string, now time.Time) (DigestResult, error) {
		if digests.Add(1) == 2 {
			// Sent by another process: counts as success.
			return DigestResult{}, fmt.Errorf("claim: %w", ErrAlreadySent)
		}
		return DigestResult{Sent: true, To: "jane@example.com", People: 3}, nil
	}}
	// Yesterday's 08:00 is 22h30 ago, beyond grace: nothing to catch up.
	h := start(t, at(9, 30).Add(-3*time.Hour), Options{}, loadResult{cfg: cfg, jobs: jobs})
	h.logs.wait(t, 0, "start log", msg("rekindle daemon started"))

	h.clk.Set(at(7, 0))
	i, c := h.waitCall(0, "Digest")
	if c.day != "2026-11-23" || !c.now.Equal(at(7, 0)) {
		t.Errorf("first digest: %v", c)
	}
	_, rec := h.logs.wait(t, 0, "next digest log", msg("next digest"))
	if got, want := rec["next_digest"], "2026-11-23T08:00:00+01:00"; got != want {
		t.Errorf("next_digest after the 07:00 digest = %v, want %v", got, want)
	}
	if _, ok := rec["in"]; !ok {
		t.Errorf("next digest log without in: %v", rec)
	}

	// 08:00 is on the schedule too, but the day has had its digest.
	h.clk.Set(at(8, 0))
	h.logs.wait(t, 0, "second digest of the day refused", msg("digest for this day already handled by this process; not sending another"))

	h.clk.Set(at(7, 0).AddDate(0, 0, 1))
	_, c = h.waitCall(i+1, "Digest")
	if c.day != "2026-11-24" {
		t.Errorf("digest after 2026-11-23's: %v", c)
	}
	h.notes.wait(t, 0, "already sent status", status("digest for 2026-11-24 already sent", "next digest Tue 2026-11-24 08:00 CET"))
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	if got := digests.Load(); got != 2 {
		t.Errorf("%d digests, want 2", got)
	}
}

// TestDigestLog checks that the log and the status say what a digest run
// did: sent, to whom and with how many people, or nothing sent and why.
// A morning with nobody due is not "digest sent".
func TestDigestLog(t *testing.T) {
	for _, tc := range []struct {
		name   string
		res    DigestResult
		msg    string
		attrs  map[string]any
		status string
	}{
		{
			name:   "sent",
			res:    DigestResult{Sent: true, To: "jane@example.com", People: 4, Followups: 1, Note: "5 drafts saved to work/Drafts."},
			msg:    "digest sent",
			attrs:  map[string]any{"day": "2026-11-24", "to": "jane@example.com", "people": 4.0, "followups": 1.0, "note": "5 drafts saved to work/Drafts."},
			status: "digest for 2026-11-24 sent 07:00 to jane@example.com (4 people, 1 follow-up)",
		},
		{
			name:   "nobody due",
			res:    DigestResult{NotSent: "nobody is due, and digest.send_when_empty is off"},
			msg:    "no digest sent",
			attrs:  map[string]any{"day": "2026-11-24", "reason": "nobody is due, and digest.send_when_empty is off"},
			status: "no digest for 2026-11-24: nobody is due, and digest.send_when_empty is off",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			noLeaks(t)
			cfg := dailyConfig(t)
			cfg.SyncInterval = 24 * time.Hour
			jobs := &fakeJobs{name: "A", digest: func(context.Context, string, time.Time) (DigestResult, error) {
				return tc.res, nil
			}}
			h := start(t, at(6, 0).AddDate(0, 0, 1), Options{}, loadResult{cfg: cfg, jobs: jobs})
			h.logs.wait(t, 0, "start log", msg("rekindle daemon started"))
			h.clk.Set(at(7, 0).AddDate(0, 0, 1))
			_, rec := h.logs.wait(t, 0, "digest log", func(rec map[string]any) bool {
				return rec["msg"] == "digest sent" || rec["msg"] == "no digest sent"
			})
			if rec["msg"] != tc.msg {
				t.Errorf("logged %q, want %q: %v", rec["msg"], tc.msg, rec)
			}
			for k, want := range tc.attrs {
				if got := rec[k]; got != want {
					t.Errorf("log %s = %v, want %v", k, got, want)
				}
			}
			h.notes.wait(t, 0, "digest status", status(tc.status))
			if err := h.stop(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestMissedMorning(t *testing.T) {
	for _, tc := range []struct {
		name  string
		start time.Time
		sent  bool
		// want is the day of the first digest sent.
		want string
		// asked is whether the daemon must ask whether 2026-11-23's was sent.
		asked bool
		// skipped is whether a digest is skipped as too late.
		skipped bool
	}{
		{name: "within grace", start: at(9, 0), want: "2026-11-23", asked: true},
		{name: "within grace, sent", start: at(9, 0), sent: true, want: "2026-11-24", asked: true},
		{name: "at the edge of grace", start: at(13, 0), want: "2026-11-23", asked: true},
		{name: "beyond grace", start: at(14, 0), want: "2026-11-24"},
		// Monday's 07:00 passes while the machine sleeps a day: skipped.
		{name: "before the time, then a day asleep", start: at(6, 0), want: "2026-11-24", skipped: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			noLeaks(t)
			cfg := dailyConfig(t)
			cfg.SyncInterval = 24 * time.Hour
			jobs := &fakeJobs{name: "A", sent: func(ctx context.Context, day string) (bool, error) { return tc.sent, nil }}
			h := start(t, tc.start, Options{}, loadResult{cfg: cfg, jobs: jobs})
			h.waitCall(0, "Sync")
			// Move to the next scheduled digest: the first digest sent must
			// be want's, and only once.
			h.clk.Set(at(7, 0).AddDate(0, 0, 1))
			i, c := h.waitCall(0, "Digest")
			if c.day != tc.want {
				t.Fatalf("first digest for %s, want %s", c.day, tc.want)
			}
			if c.day == "2026-11-23" {
				if !c.now.Equal(tc.start) {
					t.Errorf("missed digest sent at %v, want at start %v", c.now, tc.start)
				}
				_, c = h.waitCall(i+1, "Digest")
				if c.day != "2026-11-24" {
					t.Errorf("second digest for %s, want 2026-11-24", c.day)
				}
			}
			asked := slices.ContainsFunc(h.calls.all(), func(c call) bool { return c.method == "DigestSent" && c.day == "2026-11-23" })
			if asked != tc.asked {
				t.Errorf("asked whether 2026-11-23 was sent: %v, want %v", asked, tc.asked)
			}
			if skipped := slices.ContainsFunc(h.logs.all(), msg("digest time passed unnoticed; skipping it")); skipped != tc.skipped {
				t.Errorf("a digest skipped as too late: %v, want %v", skipped, tc.skipped)
			}
			h.stop()
		})
	}
}

func TestLastFireFastSchedule(t *testing.T) {
	// A schedule firing every second and a week of grace: the search for
	// the last time must not walk the week (the test would time out).
	every, err := cron.NewParser(cron.Second | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow).Parse("* * * * * *")
	if err != nil {
		t.Fatal(err)
	}
	d := &daemon{
		cfg:     Config{Schedule: every, Location: paris, Grace: 7 * 24 * time.Hour}.withDefaults(),
		log:     slog.New(slog.DiscardHandler),
		handled: map[string]bool{},
	}
	d.findMissed(at(9, 0).Add(500 * time.Millisecond))
	if d.pending == nil || !d.pending.scheduled.Equal(at(9, 0)) || d.pending.day != "2026-11-23" {
		t.Fatalf("pending = %+v, want 09:00:00 of 2026-11-23", d.pending)
	}
	// Daily, at the limit's edge, and outside it.
	d.cfg.Schedule = schedule(t, "0 7 * * *")
	for _, tc := range []struct {
		now   time.Time
		limit time.Duration
		want  time.Time
	}{
		{at(13, 0), 6 * time.Hour, at(7, 0)},
		{at(13, 0), 6*time.Hour - time.Second, time.Time{}},
		{at(7, 0), 0, at(7, 0)},
		{at(7, 0).AddDate(0, 0, 3), 5 * 24 * time.Hour, at(7, 0).AddDate(0, 0, 3)},
		{at(6, 0).AddDate(0, 0, 3), 5 * 24 * time.Hour, at(7, 0).AddDate(0, 0, 2)},
	} {
		if got := d.lastFire(tc.now, tc.limit); !got.Equal(tc.want) {
			t.Errorf("lastFire(%v, %v) = %v, want %v", tc.now, tc.limit, got, tc.want)
		}
	}
}

func TestReload(t *testing.T) {
	noLeaks(t)
	t0 := at(10, 0)
	gate := make(chan struct{})
	a := &fakeJobs{name: "A", sync: func(ctx context.Context) (string, error) {
		<-gate
		return "A synced", nil
	}}
	b := &fakeJobs{name: "B"}
	cfgB := dailyConfig(t)
	cfgB.SyncInterval = 5 * time.Minute
	cfgB.Schedule = schedule(t, "30 6 * * *")
	h := start(t, t0, Options{},
		loadResult{cfg: dailyConfig(t), jobs: a},
		loadResult{cfg: cfgB, jobs: b},
		loadResult{err: errors.New("config.yaml:7: sync.interval: 10s is out of range 1m..24h")},
	)
	h.waitCall(0, "Sync") // A's, held at the gate

	// Reload while A syncs: B takes over, A is closed once its sync ends.
	h.reload <- struct{}{}
	r, _ := h.notes.wait(t, 0, "RELOADING=1", line("RELOADING=1"))
	if !line("MONOTONIC_USEC=*")(h.notes.all()[r]) {
		t.Errorf("RELOADING=1 without MONOTONIC_USEC: %q", h.notes.all()[r])
	}
	r, _ = h.notes.wait(t, r+1, "READY=1 after reload", line("READY=1"))
	if a.closed.Load() {
		t.Error("A closed while its sync ran")
	}
	_, rec := h.logs.wait(t, 0, "reload log", msg("configuration reloaded"))
	if got, want := rec["next_digest"], "2026-11-24T06:30:00+01:00"; got != want {
		t.Errorf("next_digest after reload = %v, want %v", got, want)
	}
	close(gate)
	i, c := h.waitCall(0, "Sync")
	for c.jobs != "B" { // past A's
		i, c = h.waitCall(i+1, "Sync")
	}
	if !c.now.Equal(t0) {
		t.Errorf("B's first sync at %v, want at once", c.now)
	}
	if !a.closed.Load() {
		t.Error("A not closed after its sync ended")
	}
	h.clk.Set(t0.Add(5 * time.Minute)) // B's interval
	i, c = h.waitCall(i+1, "Sync")
	if c.jobs != "B" || !c.now.Equal(t0.Add(5*time.Minute)) {
		t.Errorf("sync after reload: %v, want B's at 10:05", c)
	}

	// A bad configuration: B keeps running, and the status says why.
	h.reload <- struct{}{}
	r, _ = h.notes.wait(t, r+1, "RELOADING=1", line("RELOADING=1"))
	r, _ = h.notes.wait(t, r+1, "READY=1 after failed reload", line("READY=1"))
	if !status("reload failed, running the previous configuration: config.yaml:7: sync.interval", "next digest Tue 2026-11-24 06:30 CET")(h.notes.all()[r]) {
		t.Errorf("READY=1 after failed reload: %q", h.notes.all()[r])
	}
	_, rec = h.logs.wait(t, 0, "failed reload log", msg("reload failed; keeping the previous configuration"))
	if !strings.Contains(fmt.Sprint(rec["err"]), "sync.interval") || rec["level"] != "ERROR" {
		t.Errorf("failed reload logged as %v", rec)
	}
	h.clk.Set(t0.Add(10 * time.Minute))
	_, c = h.waitCall(i+1, "Sync")
	if c.jobs != "B" || !c.now.Equal(t0.Add(10*time.Minute)) {
		t.Errorf("sync after failed reload: %v, want B's at 10:10", c)
	}
	if b.closed.Load() {
		t.Error("B closed by a failed reload")
	}
	h.stop()
	if !b.closed.Load() {
		t.Error("B not closed when Run returned")
	}
}

func TestStopWithinBound(t *testing.T) {
	noLeaks(t)
	release := make(chan struct{})
	stuck := &fakeJobs{name: "A", sync: func(ctx context.Context) (string, error) {
		<-release // ignores ctx
		return "", ctx.Err()
	}}
	cfg := dailyConfig(t)
	cfg.ShutdownTimeout = 200 * time.Millisecond
	h := start(t, at(10, 0), Options{}, loadResult{cfg: cfg, jobs: stuck})
	h.waitCall(0, "Sync")
	began := time.Now()
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(began); took < cfg.ShutdownTimeout {
		t.Errorf("Run returned after %v, before the job or the timeout", took)
	}
	if !slices.ContainsFunc(h.notes.all(), line("STOPPING=1")) {
		t.Error("no STOPPING=1")
	}
	_, rec := h.logs.wait(t, 0, "abandon log", msg("job did not stop in time; abandoning it"))
	if rec["job"] != "sync" || rec["shutdown_timeout"] != float64(cfg.ShutdownTimeout) {
		t.Errorf("abandon logged as %v", rec)
	}
	if stuck.closed.Load() {
		t.Error("Jobs closed under the abandoned job")
	}
	close(release) // lets noLeaks see the job's goroutine end
}

func TestStopCancelsJob(t *testing.T) {
	for _, tc := range []struct {
		name string
		jobs *fakeJobs
		wait string
	}{
		{"during sync", &fakeJobs{name: "A", sync: func(ctx context.Context) (string, error) {
			<-ctx.Done()
			return "", ctx.Err()
		}}, "Sync"},
		{"during digest", &fakeJobs{name: "A", digest: func(ctx context.Context, day string, now time.Time) (DigestResult, error) {
			<-ctx.Done()
			return DigestResult{}, ctx.Err()
		}}, "Digest"},
		{"idle", &fakeJobs{name: "A"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			noLeaks(t)
			cfg := dailyConfig(t)
			cfg.ShutdownTimeout = time.Hour // the test's patience fails first
			h := start(t, at(9, 0), Options{}, loadResult{cfg: cfg, jobs: tc.jobs})
			if tc.wait != "" {
				h.waitCall(0, tc.wait)
			} else {
				h.notes.wait(t, 0, "first sync", status("last sync 09:00"))
			}
			if err := h.stop(); err != nil {
				t.Fatal(err)
			}
			if slices.ContainsFunc(h.logs.all(), msg("job did not stop in time; abandoning it")) {
				t.Error("job abandoned though it honoured cancellation")
			}
			if !tc.jobs.closed.Load() {
				t.Error("Jobs not closed")
			}
		})
	}
}

func TestStopBeforeStart(t *testing.T) {
	noLeaks(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	done := make(chan error, 1)
	go func() {
		clk := NewManualClock(at(9, 0))
		done <- Run(ctx, func(context.Context) (Config, Jobs, error) {
			return Config{}, (&fakeJobs{name: "A"}).bind(t, clk, newRecorder[call]()), nil
		}, nil, Options{Clock: clk})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(patience):
		t.Fatal("Run did not return: deadlock?")
	}
}

// TestNotifySocket runs the daemon against a real notification socket,
// with the watchdog on, on the system clock.
func TestNotifySocket(t *testing.T) {
	noLeaks(t)
	sock := filepath.Join(t.TempDir(), "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	got := notes{newRecorder[string]()}
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		buf := make([]byte, 64<<10)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			got.add(strings.TrimSuffix(string(buf[:n]), "\n"))
		}
	}()
	defer func() { conn.Close(); <-readerDone }()

	t.Setenv("NOTIFY_SOCKET", sock)
	t.Setenv("WATCHDOG_USEC", "100000") // pings every 50ms
	t.Setenv("WATCHDOG_PID", "")
	n, err := sdnotify.FromEnv(nil)
	if err != nil {
		t.Fatal(err)
	}
	var sick atomic.Bool
	var healthChecks atomic.Int32
	checked := newRecorder[int32]()
	jobs := &fakeJobs{name: "A", healthy: func(ctx context.Context) error {
		checked.add(healthChecks.Add(1))
		if sick.Load() {
			return errors.New("database is locked")
		}
		return nil
	}}
	cfg := dailyConfig(t)
	cfg.SyncInterval = time.Hour
	h := start(t, time.Time{}, Options{Clock: SystemClock{}, Notifier: n, Watchdog: n.WatchdogInterval()},
		loadResult{cfg: cfg, jobs: jobs}, loadResult{cfg: cfg, jobs: &fakeJobs{name: "B"}})

	i, note := got.wait(t, 0, "READY=1", line("READY=1"))
	if !line("STATUS=*")(note) {
		t.Errorf("READY=1 without STATUS=: %q", note)
	}
	got.wait(t, i, "status after the first sync", status("last sync", "(A synced)", "next digest"))
	i, _ = got.wait(t, i, "WATCHDOG=1", line("WATCHDOG=1"))

	// The store stops answering: the pings stop until it answers again.
	sick.Store(true)
	sickAt, _ := got.wait(t, i, "unhealthy status", status("store not answering: database is locked"))
	after := healthChecks.Load()
	checked.wait(t, 0, "two more health checks", func(n int32) bool { return n >= after+2 })
	// A marker sent now arrives after everything the daemon sent so far.
	mark, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mark.Write([]byte("MARKER")); err != nil {
		t.Fatal(err)
	}
	mark.Close()
	markAt, _ := got.wait(t, sickAt, "marker", line("MARKER"))
	if pings := slices.ContainsFunc(got.all()[sickAt:markAt], line("WATCHDOG=1")); pings {
		t.Errorf("WATCHDOG=1 while the store did not answer:\n%s", dump(got.all()[sickAt:markAt]))
	}
	sick.Store(false)
	i, _ = got.wait(t, markAt, "WATCHDOG=1 once healthy", line("WATCHDOG=1"))

	h.reload <- struct{}{}
	i, note = got.wait(t, i, "RELOADING=1", line("RELOADING=1"))
	if !line("MONOTONIC_USEC=*")(note) {
		t.Errorf("RELOADING=1 without MONOTONIC_USEC=: %q", note)
	}
	i, _ = got.wait(t, i, "READY=1 after reload", line("READY=1"))
	got.wait(t, i, "status after B's sync", status("(B synced)"))

	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	got.wait(t, i, "STOPPING=1", line("STOPPING=1"))
}
