// Package daemon runs rekindle as a long-lived service: it syncs the
// accounts every sync interval, and seconds after new mail when the Jobs
// can watch for it between syncs (IMAP IDLE, see Watcher), sends the
// digest on its cron schedule (and a missed one at start, within a grace
// period), reloads its configuration on request, reports to systemd
// (READY, STATUS, RELOADING, STOPPING and a watchdog pinged only while
// the store answers and no job is stuck), and stops within a bound.
//
// Every wait is bounded. A digest that comes due while a sync runs waits
// for it at most Config.DigestSyncWait, then cancels it and is built from
// the store as it is; its own sync beforehand gets the same bound. A job
// running longer than Config.JobTimeout is cancelled. A cancelled job
// that does not return within Config.ShutdownTimeout is stuck: it is left
// behind, no sync starts until it returns, the digest still goes out, and
// the watchdog pings stop (once no digest is due or running), so that
// systemd restarts rekindle.
//
// The daemon knows nothing of IMAP, SMTP or SQLite: its work comes as
// Jobs, made by a load function the caller supplies, so tests run it
// whole with fakes. Nor does it touch signals: the caller cancels the
// context to stop it and sends on a channel to reload it.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/rekindle/rekindle/internal/sdnotify"
)

// Jobs is the work the daemon schedules. Its methods are called from one
// goroutine at a time, except Healthy, which may run while Sync or Digest
// does; Watch (when the Jobs implement Watcher), which runs on a
// goroutine of its own alongside all the others, from the load of the
// Jobs until they are replaced or the daemon stops; and a job left behind
// as stuck (cancelled, and not returning), which may still run while the
// next does. So Sync and Digest never overlap one another but for a stuck
// job, while Watch overlaps everything.
type Jobs interface {
	// Sync syncs every account once and returns a one-line summary for
	// the service status ("3 folders changed").
	Sync(ctx context.Context) (summary string, err error)
	// Digest builds and sends the digest r asks for, syncing first for
	// at most r.SyncFor. It says what it did: sent, to whom and with whom
	// in it, or nothing sent because nobody was due, and whether it was
	// built without a fresh sync (DigestResult.Stale). When that day's
	// digest was already sent it returns an error matching ErrAlreadySent,
	// which the daemon counts as success.
	Digest(ctx context.Context, r DigestRequest) (DigestResult, error)
	// DigestSent reports whether day's digest was sent; the daemon asks
	// before sending a missed digest at start.
	DigestSent(ctx context.Context, day string) (bool, error)
	// Healthy returns nil when the store answers; it should be quick.
	// The watchdog is pinged only after it returns nil.
	Healthy(ctx context.Context) error
}

// Watcher is implemented by Jobs that can tell, between syncs, when a
// sync would find something new: rekindle's watch INBOX with IMAP IDLE.
// With Config.Watch set, the daemon runs Watch from the start and after
// every reload, and a reported change starts a sync Config.WatchDebounce
// later: one sync for a burst of changes, and never two syncs at once (a
// change reported during a sync makes one more sync after it). The
// interval syncs go on all the same: they cover what Watch does not see
// (other folders), and they are all there is while Watch is down.
type Watcher interface {
	// Watch watches until ctx is cancelled or it fails, and calls
	// changed whenever a sync may find something new. It should also
	// call changed once it starts watching: what arrived before that
	// would otherwise wait for the next interval's sync. changed never
	// blocks and may be called from any goroutine, also after Watch
	// returned (it then does nothing).
	//
	// Watch runs on its own goroutine while Sync, Digest and Healthy run
	// (see Jobs). Once ctx is cancelled it must return promptly, within
	// Config.ShutdownTimeout; the error is then ignored. Any other return
	// ends the watch: the daemon logs why (once for failures in a row),
	// keeps syncing every interval, and calls Watch again after
	// Config.WatchRetry, then twice as long after each failure in a row,
	// up to SyncInterval. A Watch that ran for a sync interval or longer
	// before it failed starts the count again.
	Watch(ctx context.Context, changed func()) error
}

// DigestRequest is a digest the daemon asks Jobs to send.
type DigestRequest struct {
	// Day is the calendar day (YYYY-MM-DD) in the digest's time zone.
	Day string
	// Now is the moment the digest is built as of.
	Now time.Time
	// SyncFor is how long the digest may spend syncing first; past it,
	// the digest is built from the store as it is. 0 means no sync: a
	// sync just ran (or was cancelled for the digest), or one is stuck.
	SyncFor time.Duration
}

// DigestResult is what a digest run did, for the log and the service
// status.
type DigestResult struct {
	// Sent is true when a digest went out. It is false on a morning with
	// nobody due when empty digests are not sent (NotSent says so).
	Sent bool
	// To is the address the digest went to; People counts the people it
	// suggests and Followups the conversations it lists as waiting.
	To        string
	People    int
	Followups int
	// NotSent says why nothing was sent ("nobody due; digest.send_when_empty
	// is off"); empty when Sent.
	NotSent string
	// Note is anything else worth a line in the log ("8 drafts saved to
	// work/Drafts."); may be empty.
	Note string
	// Stale says why the digest was built from the store as it was,
	// without a fresh sync ("the sync before it did not finish within
	// 2m"); empty when it synced first.
	Stale string
}

// ErrAlreadySent is matched (errors.Is) by the error Jobs.Digest returns
// when the day's digest was already sent. An implementation over the
// store can join it with store.ErrDigestSent: errors.Join, or an error
// type whose Is reports both.
var ErrAlreadySent = errors.New("digest already sent")

// Config is what the daemon does and when. Load functions return one
// (app.App.DaemonConfig makes one from rekindle's configuration).
type Config struct {
	// SyncInterval is the time between the starts of two syncs; 0 means
	// 15 minutes.
	SyncInterval time.Duration
	// Schedule says when the digest is due; it is given times in
	// Location (a robfig/cron/v3 schedule). Nil means no digest.
	Schedule cron.Schedule
	// Location is the digest's time zone: days are counted and times
	// shown in it. Nil means time.Local.
	Location *time.Location
	// Grace is how late a digest may still be sent: at start, the last
	// scheduled digest is sent if it was due at most Grace ago and was
	// not sent. 0 means a missed digest is never sent late.
	Grace time.Duration
	// ShutdownTimeout bounds how long stopping waits for the running
	// job, and how long a job cancelled for overrunning gets to return
	// before it counts as stuck; 0 means 10 seconds.
	ShutdownTimeout time.Duration
	// DigestSyncWait is how long a digest waits for a sync: for the one
	// running when the digest comes due (which is then cancelled), or for
	// its own before it is built. Past it, the digest is built from the
	// store as it is. 0 means 2 minutes.
	DigestSyncWait time.Duration
	// JobTimeout bounds a job: one running longer is cancelled. 0 means
	// 1 hour.
	JobTimeout time.Duration
	// Watch runs the Jobs' Watch between syncs when they implement
	// Watcher; without it, or without a Watcher, the daemon syncs every
	// SyncInterval only.
	Watch bool
	// WatchDebounce is how long after a change reported by Watch the sync
	// starts; further changes meanwhile are covered by that sync. 0 means
	// 2 seconds.
	WatchDebounce time.Duration
	// WatchRetry is how long after a failed Watch it is first called
	// again; the wait doubles with each failure in a row, up to
	// SyncInterval. 0 means 30 seconds.
	WatchRetry time.Duration
}

// Defaults for the zero values of Config.
const (
	DefaultSyncInterval    = 15 * time.Minute
	DefaultShutdownTimeout = 10 * time.Second
	DefaultDigestSyncWait  = 2 * time.Minute
	DefaultJobTimeout      = time.Hour
	DefaultWatchDebounce   = 2 * time.Second
	DefaultWatchRetry      = 30 * time.Second
)

// withDefaults fills in the zero values.
func (c Config) withDefaults() Config {
	if c.SyncInterval <= 0 {
		c.SyncInterval = DefaultSyncInterval
	}
	if c.Location == nil {
		c.Location = time.Local
	}
	if c.Grace < 0 {
		c.Grace = 0
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = DefaultShutdownTimeout
	}
	if c.DigestSyncWait <= 0 {
		c.DigestSyncWait = DefaultDigestSyncWait
	}
	if c.JobTimeout <= 0 {
		c.JobTimeout = DefaultJobTimeout
	}
	if c.WatchDebounce <= 0 {
		c.WatchDebounce = DefaultWatchDebounce
	}
	if c.WatchRetry <= 0 {
		c.WatchRetry = DefaultWatchRetry
	}
	return c
}

// LoadFunc loads the configuration and makes the Jobs that go with it.
// Run calls it at start and on every reload; ctx is cancelled when Run is
// stopped.
//
// Run owns the Jobs it is given: when they implement io.Closer it closes
// them once it is done with them, after a reload replaced them (and the
// job using them finished) and when it returns. So LoadFunc must return
// new Jobs each time, or ones without Close.
type LoadFunc func(ctx context.Context) (Config, Jobs, error)

// Notifier sends states to the service manager; *sdnotify.Notifier is
// one.
type Notifier interface {
	Notify(states ...string) error
}

// Clock is the daemon's source of time for its schedule. Tests use a fake
// one; the bounds on stopping and on a health check are real time
// whatever the Clock.
type Clock interface {
	Now() time.Time
	// NewTimer returns a Timer that fires once the clock reaches at, at
	// once if it has.
	NewTimer(at time.Time) Timer
}

// Timer is a one-shot timer made by a Clock.
type Timer interface {
	C() <-chan time.Time
	// Stop stops the timer; it reports whether the timer had yet to fire.
	Stop() bool
}

// SystemClock is the Clock of time.Now and time.Timer.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// NewTimer returns a time.Timer firing at at.
func (SystemClock) NewTimer(at time.Time) Timer {
	return systemTimer{time.NewTimer(time.Until(at))}
}

type systemTimer struct{ t *time.Timer }

func (t systemTimer) C() <-chan time.Time { return t.t.C }
func (t systemTimer) Stop() bool          { return t.t.Stop() }

// Options are Run's collaborators; the zero value runs without systemd,
// logs nothing and uses the system clock.
type Options struct {
	// Clock defaults to SystemClock.
	Clock Clock
	// Notifier receives READY=1 and the rest; nil means none.
	Notifier Notifier
	// Watchdog is the interval systemd wants pings within
	// (sdnotify.Notifier.WatchdogInterval); the daemon pings at half of
	// it, while the store answers and no job is stuck. 0 means no
	// watchdog.
	Watchdog time.Duration
	// Logger defaults to one that discards.
	Logger *slog.Logger
}

// maxSleep bounds how long the loop sleeps without looking at the clock.
// Timers run on the monotonic clock, which stops while the machine is
// suspended; waking at least this often notices a due digest soon after
// a resume, or after the wall clock was set.
const maxSleep = time.Minute

// lateTolerance is how late the loop may notice a due digest and still
// send it when Grace is smaller: a busy or just-resumed machine.
const lateTolerance = 2 * maxSleep

// dayLayout is how a digest's day is written, as the store keys it.
const dayLayout = "2006-01-02"

// Run runs the daemon until ctx is cancelled. It calls load, reports
// READY=1, then syncs every Config.SyncInterval (the first time at once)
// and sends the digest on Config.Schedule, one job at a time. Each value
// received from reload makes it call load again: on success the new
// Config and Jobs replace the old ones, on failure the old ones keep
// running. reload may be nil.
//
// With Config.Watch and Jobs that implement Watcher, Watch runs besides,
// and a change it reports starts a sync soon (see Watcher).
//
// Run returns an error only when the first load fails. When ctx is
// cancelled it cancels the running job and the watch, waits for them at
// most Config.ShutdownTimeout, and returns nil; a job or a watch that
// outlives the wait is abandoned, with a log line saying so.
func Run(ctx context.Context, load LoadFunc, reload <-chan struct{}, opts Options) error {
	d := &daemon{
		clock:     opts.Clock,
		notifier:  opts.Notifier,
		log:       opts.Logger,
		load:      load,
		handled:   map[string]bool{},
		unstuck:   make(chan stuckReturn),
		quit:      make(chan struct{}),
		watchGone: make(chan *watchRun),
	}
	if d.clock == nil {
		d.clock = SystemClock{}
	}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if opts.Watchdog > 0 {
		d.pingEvery = opts.Watchdog / 2
	}
	return d.run(ctx, reload)
}

// daemon is Run's state. Only the goroutine running Run touches it; jobs
// run on their own goroutines and report on job.done.
type daemon struct {
	clock     Clock
	notifier  Notifier
	log       *slog.Logger
	load      LoadFunc
	pingEvery time.Duration

	cfg  Config
	jobs *jobsRef
	// retired are Jobs a reload replaced, to close once no job uses them.
	retired []*jobsRef

	nextSync   time.Time
	nextDigest time.Time // zero: no digest scheduled
	nextPing   time.Time
	// pending is a due digest waiting for the running job to finish.
	pending *digestRun
	// handled holds the days whose digest this process has tried to
	// send, so that none is tried twice; pruned to the last week.
	handled map[string]bool
	running *job
	// grace runs (in real time) while the running job has been cancelled
	// for overrunning: when it fires first, the job is stuck.
	grace *time.Timer
	// stuck are jobs cancelled that did not return; unstuck receives
	// them if they do after all. quit ends the goroutines waiting for
	// them.
	stuck   []*job
	unstuck chan stuckReturn
	quit    chan struct{}

	// watch is the running Watch of the current Jobs; nil when none runs.
	watch *watchRun
	// oldWatches are the watches of Jobs a reload replaced, cancelled and
	// not returned yet; watchGone receives them when they return.
	oldWatches []*watchRun
	watchGone  chan *watchRun
	// watchAt is when to start Watch (again); zero: not to.
	watchAt time.Time
	// watchFails counts the watches failed in a row; watchErr is the last
	// one's error until a watch reports a change again. watchBackLogged
	// is set once that was logged for this run of failures: a watch that
	// keeps failing after it started is logged once, as is its return.
	watchFails      int
	watchErr        error
	watchBackLogged bool
	// changeSync is when the sync for a change Watch reported is due;
	// zero when no change waits for a sync.
	changeSync time.Time

	// What STATUS= shows.
	lastSync   syncOutcome
	lastDigest digestOutcome
	reloadErr  error
	healthErr  error
	sentStatus string
	// notifyFailed silences repeated warnings about the notify socket.
	notifyFailed bool
}

// digestRun is a digest to send.
type digestRun struct {
	day       string
	scheduled time.Time
	// missed is set for the digest found missed at start: the daemon
	// first asks whether it was sent.
	missed bool
	// waitFrom is when the digest began to wait for a running sync;
	// afterSync is set once that sync ended, so the digest does not sync
	// again; stale is why it is built from the store as it is.
	waitFrom  time.Time
	afterSync bool
	stale     string
	// syncFor is the request's SyncFor, set when the digest starts.
	syncFor time.Duration
}

// jobsRef holds the Jobs of one load; the daemon compares these
// pointers, as the Jobs themselves may not be comparable.
type jobsRef struct{ Jobs }

// watchRun is a running Watch.
type watchRun struct {
	jobs    *jobsRef
	started time.Time
	cancel  context.CancelFunc
	// changed holds a change reported and not yet taken by the loop.
	changed chan struct{}
	// done is closed when Watch returned, err set.
	done chan struct{}
	err  error
	// reported is set once the loop took a change from it.
	reported bool
}

// job is the running Sync or Digest.
type job struct {
	kind    string // "sync" or "digest"
	trigger string // a sync's: "interval" or "change"
	digest  *digestRun
	jobs    *jobsRef
	started time.Time
	cancel  context.CancelFunc
	done    chan jobResult
	// cancelled is why the daemon cancelled the job before it returned
	// ("the digest came due"); empty until then. cancelledAt is when, in
	// real time.
	cancelled   string
	cancelledAt time.Time
}

// stuckReturn is a stuck job returning after all.
type stuckReturn struct {
	j *job
	r jobResult
}

// jobResult is what a job reports when it returns.
type jobResult struct {
	summary string       // Sync's
	digest  DigestResult // Digest's
	err     error
	// already is set when the digest had been sent before.
	already bool
	// elapsed is measured on the real clock, whatever the Clock: it is
	// the job's cost.
	elapsed time.Duration
}

type syncOutcome struct {
	at      time.Time
	summary string
	err     error
}

type digestOutcome struct {
	day     string
	at      time.Time
	err     error
	already bool
	result  DigestResult
	stale   string
}

func (d *daemon) run(ctx context.Context, reload <-chan struct{}) error {
	cfg, jobs, err := d.loadJobs(ctx)
	if err != nil {
		d.notify(sdnotify.Status("cannot start: " + oneLine(err.Error())))
		return fmt.Errorf("load configuration: %w", err)
	}
	d.cfg, d.jobs = cfg.withDefaults(), &jobsRef{jobs}
	now := d.clock.Now()
	d.nextSync = now
	d.nextPing = now
	d.planWatch(now)
	d.nextDigest = d.next(now)
	d.findMissed(now)
	// Ready as soon as the configuration is loaded, not after the first
	// sync: a sync can take minutes, and systemd holds dependent units
	// (and systemctl start) until READY=1.
	d.notifyStatus(now, sdnotify.Ready)
	d.log.Info("rekindle daemon started",
		slog.Duration("sync_interval", d.cfg.SyncInterval),
		slog.String("timezone", d.cfg.Location.String()),
		slog.Duration("grace", d.cfg.Grace),
		slog.Duration("watchdog_ping", d.pingEvery),
		slog.Bool("watch", d.watching()),
		d.nextDigestAttr(), d.inAttr(now))

	for {
		now := d.clock.Now()
		d.checkDigest(now)
		d.overrun(now)
		if d.running == nil {
			d.startJob(ctx, now)
		}
		if d.watch == nil && !d.watchAt.IsZero() && !now.Before(d.watchAt) {
			d.startWatch(ctx, now)
		}
		if d.pingEvery > 0 && !now.Before(d.nextPing) {
			d.ping(ctx)
			d.nextPing = now.Add(d.pingEvery)
		}
		timer := d.clock.NewTimer(d.wake(now))
		select {
		case <-ctx.Done():
			timer.Stop()
			return d.stop()
		case _, ok := <-reload:
			if !ok {
				reload = nil // a closed channel would spin the loop
				break
			}
			d.reload(ctx)
		case r := <-d.runningDone():
			d.finish(r, false)
		case <-d.graceC():
			d.markStuck()
		case u := <-d.unstuck:
			d.returned(u)
		case <-d.watchChanged():
			d.changed()
		case <-d.watchDone():
			d.watchEnded(ctx)
		case w := <-d.watchGone:
			d.oldWatches = slices.DeleteFunc(d.oldWatches, func(o *watchRun) bool { return o == w })
			d.closeRetired()
		case <-timer.C():
		}
		timer.Stop()
	}
}

// wake returns when the loop must next look at the clock.
func (d *daemon) wake(now time.Time) time.Time {
	wake := now.Add(maxSleep)
	earliest := func(t time.Time) {
		if !t.IsZero() && t.Before(wake) {
			wake = t
		}
	}
	earliest(d.nextDigest)
	if d.pingEvery > 0 {
		earliest(d.nextPing)
	}
	// A sync due while a job runs starts when that job finishes; none
	// starts while one is stuck.
	if d.running == nil && len(d.stuck) == 0 {
		earliest(d.nextSync)
		earliest(d.changeSync)
	}
	if d.watch == nil {
		earliest(d.watchAt)
	}
	if j := d.running; j != nil && j.cancelled == "" {
		earliest(j.started.Add(d.cfg.JobTimeout))
		if p := d.pending; p != nil && j.kind == "sync" && !p.waitFrom.IsZero() {
			earliest(p.waitFrom.Add(d.cfg.DigestSyncWait))
		}
	}
	return wake
}

// next returns the first digest time after t, zero for none.
func (d *daemon) next(t time.Time) time.Time {
	if d.cfg.Schedule == nil {
		return time.Time{}
	}
	n := d.cfg.Schedule.Next(t.In(d.cfg.Location))
	if !n.IsZero() && !n.After(t) {
		// A schedule going backwards would fire in a loop.
		d.log.Error("digest schedule returned a time not after now; no digest scheduled",
			slog.Time("now", t), slog.Time("next", n))
		return time.Time{}
	}
	return n
}

// findMissed queues the last scheduled digest when it was due at most
// Grace before now.
func (d *daemon) findMissed(now time.Time) {
	if d.cfg.Schedule == nil || d.cfg.Grace <= 0 {
		return
	}
	last := d.lastFire(now, d.cfg.Grace)
	if last.IsZero() {
		return
	}
	day := d.day(last)
	d.log.Info("last scheduled digest is within grace; sending it unless it was sent",
		slog.String("day", day), slog.Time("scheduled", last),
		slog.Duration("late", now.Sub(last)), slog.Duration("grace", d.cfg.Grace))
	d.queueDigest(now, &digestRun{day: day, scheduled: last, missed: true})
}

// lastFire returns the last digest time in [now-limit, now], zero for
// none. Schedules only give the next time after a given one, so it looks
// forward from ever earlier starts, a minute back at first: a schedule
// firing every second is not walked for hours, and a daily one is found
// in a dozen steps.
func (d *daemon) lastFire(now time.Time, limit time.Duration) time.Time {
	var last time.Time
	for w := time.Minute; ; w *= 2 {
		w = min(w, limit)
		// From 1ns before the window, so a time exactly limit ago counts.
		for t := d.cfg.Schedule.Next(now.Add(-w - 1).In(d.cfg.Location)); !t.IsZero() && !t.After(now); t = d.cfg.Schedule.Next(t) {
			last = t
		}
		if !last.IsZero() || w == limit {
			return last
		}
	}
}

// checkDigest queues the digest when its time has come. When the loop
// was kept from looking (a suspended machine, a clock set forward), the
// last time that passed is the one considered.
func (d *daemon) checkDigest(now time.Time) {
	if d.nextDigest.IsZero() || now.Before(d.nextDigest) {
		return
	}
	at := d.nextDigest
	d.nextDigest = d.next(now)
	skip := func(at time.Time) {
		d.log.Warn("digest time passed unnoticed; skipping it",
			slog.String("day", d.day(at)), slog.Time("scheduled", at), slog.Duration("late", now.Sub(at)),
			slog.Duration("grace", d.cfg.Grace), d.nextDigestAttr(), d.inAttr(now))
	}
	if last := d.lastFire(now, now.Sub(at)); last.After(at) {
		if d.day(at) != d.day(last) && !d.handled[d.day(at)] {
			skip(at)
		}
		at = last
	}
	if late := now.Sub(at); late > d.cfg.Grace && late > lateTolerance {
		skip(at)
		return
	}
	d.queueDigest(now, &digestRun{day: d.day(at), scheduled: at})
}

// day returns the day of t in the digest's time zone.
func (d *daemon) day(t time.Time) string { return t.In(d.cfg.Location).Format(dayLayout) }

// queueDigest makes r the next job, unless its day was handled.
func (d *daemon) queueDigest(now time.Time, r *digestRun) {
	if d.handled[r.day] || (d.pending != nil && d.pending.day == r.day) {
		d.log.Info("digest for this day already handled by this process; not sending another",
			slog.String("day", r.day), slog.Time("scheduled", r.scheduled),
			d.nextDigestAttr(), d.inAttr(now))
		return
	}
	if d.pending != nil {
		d.log.Warn("digest still waiting when the next one came due; skipping the older",
			slog.String("day", d.pending.day), slog.String("next_day", r.day))
	}
	d.pending = r
}

// overrun bounds the running job: a sync still running when a digest has
// waited DigestSyncWait for it is cancelled, and so is any job running
// longer than JobTimeout.
func (d *daemon) overrun(now time.Time) {
	j := d.running
	if j == nil || j.cancelled != "" {
		return
	}
	if p := d.pending; p != nil && j.kind == "sync" {
		if p.waitFrom.IsZero() {
			p.waitFrom = now
			d.log.Info("digest due while a sync runs; waiting for the sync",
				slog.String("day", p.day), slog.Duration("at_most", d.cfg.DigestSyncWait),
				slog.Duration("sync_running_for", now.Sub(j.started)))
			d.updateStatus(now)
		}
		if now.Sub(p.waitFrom) >= d.cfg.DigestSyncWait {
			p.stale = fmt.Sprintf("the sync running since %s was still running %s after the digest came due, and was cancelled",
				d.clockString(now, j.started), d.cfg.DigestSyncWait)
			d.log.Warn("sync still running when the digest should go; cancelling it: the digest is built from the store as it is",
				slog.String("day", p.day), slog.Duration("waited", now.Sub(p.waitFrom)),
				slog.Duration("sync_running_for", now.Sub(j.started)))
			d.cancelJob(now, j, "the digest came due")
		}
		return
	}
	if now.Sub(j.started) >= d.cfg.JobTimeout {
		d.log.Warn("job running longer than its bound; cancelling it",
			slog.String("job", j.kind), slog.String("day", j.day()),
			slog.Duration("running_for", now.Sub(j.started)), slog.Duration("job_timeout", d.cfg.JobTimeout))
		d.cancelJob(now, j, fmt.Sprintf("it ran longer than %s", d.cfg.JobTimeout))
	}
}

// cancelJob cancels the running job, which then has ShutdownTimeout (real
// time) to return before it counts as stuck.
func (d *daemon) cancelJob(now time.Time, j *job, why string) {
	j.cancelled, j.cancelledAt = why, time.Now()
	j.cancel()
	d.grace = time.NewTimer(d.cfg.ShutdownTimeout)
	d.updateStatus(now)
}

func (d *daemon) graceC() <-chan time.Time {
	if d.grace == nil {
		return nil
	}
	return d.grace.C
}

func (d *daemon) stopGrace() {
	if d.grace != nil {
		d.grace.Stop()
		d.grace = nil
	}
}

// markStuck leaves behind the running job, cancelled and not returning:
// the next job may start, no sync starts until it returns, and the
// watchdog pings stop once no digest is due or running, for systemd to
// restart rekindle.
func (d *daemon) markStuck() {
	d.grace = nil
	j := d.running
	if j == nil {
		return
	}
	d.running = nil
	d.stuck = append(d.stuck, j)
	now := d.clock.Now()
	d.log.Error("job did not return after it was cancelled: it is stuck; leaving it behind, starting no sync until it returns, "+
		"and withholding the watchdog pings so that systemd restarts rekindle",
		slog.String("job", j.kind), slog.String("day", j.day()), slog.String("cancelled", j.cancelled),
		slog.Duration("running_for", now.Sub(j.started)),
		slog.Duration("since_cancel", time.Since(j.cancelledAt).Round(time.Millisecond)))
	go func() {
		r := <-j.done
		select {
		case d.unstuck <- stuckReturn{j, r}:
		case <-d.quit:
		}
	}()
	d.updateStatus(now)
}

// returned takes back a stuck job that returned after all.
func (d *daemon) returned(u stuckReturn) {
	d.stuck = slices.DeleteFunc(d.stuck, func(j *job) bool { return j == u.j })
	d.log.Warn("stuck job returned after all", slog.String("job", u.j.kind), slog.String("day", u.j.day()),
		slog.Duration("elapsed", u.r.elapsed), slog.Any("err", u.r.err))
	if len(d.stuck) == 0 {
		d.log.Info("no job stuck any more; syncs and watchdog pings resume")
	}
	d.closeRetired()
	d.updateStatus(d.clock.Now())
}

// withholdPings reports whether the watchdog must not be pinged: a job
// is stuck, and no digest is due or running (a restart must not cut one
// off).
func (d *daemon) withholdPings() bool {
	if len(d.stuck) == 0 {
		return false
	}
	return d.pending == nil && (d.running == nil || d.running.kind != "digest")
}

// startJob starts the pending digest, or a sync when one is due.
func (d *daemon) startJob(ctx context.Context, now time.Time) {
	var (
		j   = &job{jobs: d.jobs, started: now, done: make(chan jobResult, 1)}
		run func(ctx context.Context) jobResult
	)
	switch {
	case d.pending != nil:
		r := d.pending
		d.pending = nil
		d.handled[r.day] = true
		d.pruneHandled(now)
		switch {
		case r.afterSync || r.stale != "":
			// The sync that just ran (or was cancelled) is the digest's.
		case len(d.stuck) > 0:
			r.stale = fmt.Sprintf("a %s is stuck", d.stuck[0].kind)
		default:
			r.syncFor = d.cfg.DigestSyncWait
		}
		j.kind, j.digest = "digest", r
		run = func(ctx context.Context) jobResult { return d.digest(ctx, j.jobs, r, now) }
	case (!now.Before(d.nextSync) || d.changeDue(now)) && len(d.stuck) == 0:
		j.kind, j.trigger = "sync", "interval"
		if d.changeDue(now) {
			j.trigger = "change"
		}
		// The next sync is due an interval after this one started; if this
		// one overruns, finish moves it on. This one covers every change
		// reported before it starts.
		d.nextSync = now.Add(d.cfg.SyncInterval)
		d.changeSync = time.Time{}
		run = func(ctx context.Context) jobResult {
			summary, err := j.jobs.Sync(ctx)
			return jobResult{summary: summary, err: err}
		}
	default:
		return
	}
	var jctx context.Context
	jctx, j.cancel = context.WithCancel(ctx)
	d.running = j
	d.log.Debug("job started", slog.String("job", j.kind), slog.String("day", j.day()), slog.String("trigger", j.trigger))
	go func() {
		start := time.Now()
		r := run(jctx)
		r.elapsed = time.Since(start)
		j.done <- r // buffered: an abandoned job still returns
	}()
	d.updateStatus(now)
}

// digest runs on the job's goroutine: it sends r's digest with jobs.
func (d *daemon) digest(ctx context.Context, jobs Jobs, r *digestRun, now time.Time) jobResult {
	if r.missed {
		sent, err := jobs.DigestSent(ctx, r.day)
		switch {
		case err != nil:
			// Sending anyway is safe: the store refuses a second digest
			// for the day.
			d.log.Warn("could not tell whether the missed digest was sent; sending it",
				slog.String("day", r.day), slog.Any("err", err))
		case sent:
			return jobResult{already: true}
		default:
			d.log.Info("sending missed digest", slog.String("day", r.day),
				slog.Time("scheduled", r.scheduled), slog.Duration("late", now.Sub(r.scheduled)))
		}
	}
	res, err := jobs.Digest(ctx, DigestRequest{Day: r.day, Now: now, SyncFor: r.syncFor})
	if errors.Is(err, ErrAlreadySent) {
		return jobResult{already: true}
	}
	return jobResult{digest: res, err: err}
}

// pruneHandled forgets days more than a week before now.
func (d *daemon) pruneHandled(now time.Time) {
	cutoff := d.day(now.In(d.cfg.Location).AddDate(0, 0, -7))
	for day := range d.handled {
		if day < cutoff {
			delete(d.handled, day)
		}
	}
}

func (j *job) day() string {
	if j.digest == nil {
		return ""
	}
	return j.digest.day
}

func (d *daemon) runningDone() <-chan jobResult {
	if d.running == nil {
		return nil
	}
	return d.running.done
}

// finish records the running job's result. While stopping it only logs.
func (d *daemon) finish(r jobResult, stopping bool) {
	j := d.running
	d.running = nil
	j.cancel()
	d.stopGrace()
	d.closeRetired()
	now := d.clock.Now()
	switch j.kind {
	case "sync":
		if j.cancelled != "" && r.err != nil {
			r.err = fmt.Errorf("cancelled: %s: %w", j.cancelled, r.err)
		}
		d.lastSync = syncOutcome{at: j.started, summary: r.summary, err: r.err}
		if stopping {
			d.log.Info("sync stopped", slog.Duration("elapsed", r.elapsed), slog.Any("err", r.err))
			return
		}
		if p := d.pending; p != nil && !p.waitFrom.IsZero() {
			// The digest waited for this sync: it does not sync again.
			p.afterSync = true
			if r.err != nil && p.stale == "" {
				p.stale = "the sync before it failed"
			}
		}
		// When the sync overran its interval, the next starts at the first
		// interval boundary not before now: once, not once per interval
		// missed.
		if iv := d.cfg.SyncInterval; d.nextSync.Before(now) {
			d.nextSync = d.nextSync.Add((now.Sub(d.nextSync) + iv - 1) / iv * iv)
		}
		switch {
		case j.cancelled != "" && r.err != nil:
			d.log.Warn("sync cancelled; the next one resumes where it stopped", slog.String("why", j.cancelled),
				slog.Duration("elapsed", r.elapsed), slog.Time("next_sync", d.nextSync))
		case r.err != nil:
			d.log.Error("sync failed; retrying at the next interval", slog.Any("err", r.err),
				slog.Duration("elapsed", r.elapsed), slog.Time("next_sync", d.nextSync))
		default:
			d.log.Info("sync finished", slog.String("summary", r.summary),
				slog.Duration("elapsed", r.elapsed), slog.Time("next_sync", d.nextSync))
		}
	case "digest":
		day := j.digest.day
		stale := j.digest.stale
		if stale == "" {
			stale = r.digest.Stale
		}
		if j.cancelled != "" && r.err != nil {
			r.err = fmt.Errorf("cancelled: %s: %w", j.cancelled, r.err)
		}
		d.lastDigest = digestOutcome{day: day, at: j.started, err: r.err, already: r.already, result: r.digest, stale: stale}
		var staleAttr slog.Attr
		if stale != "" {
			staleAttr = slog.String("built_from", "the store as it was: "+stale)
		}
		switch {
		case stopping:
			d.log.Info("digest stopped", slog.String("day", day), slog.Duration("elapsed", r.elapsed), slog.Any("err", r.err))
			return
		case r.already:
			d.log.Info("digest was already sent", slog.String("day", day))
		case r.err != nil:
			// Not retried by this process: a failure after the message left
			// would send it twice. A restart within grace tries again, and
			// the store refuses a second send.
			d.log.Error("digest failed", slog.String("day", day), slog.Any("err", r.err),
				slog.Duration("elapsed", r.elapsed), staleAttr)
		case r.digest.Sent:
			attrs := []any{slog.String("day", day), slog.String("to", r.digest.To),
				slog.Int("people", r.digest.People), slog.Int("followups", r.digest.Followups)}
			if r.digest.Note != "" {
				attrs = append(attrs, slog.String("note", r.digest.Note))
			}
			d.log.Info("digest sent", append(attrs, slog.Duration("elapsed", r.elapsed), staleAttr)...)
		default:
			why := r.digest.NotSent
			if why == "" {
				why = "nothing to send"
			}
			d.log.Info("no digest sent", slog.String("day", day), slog.String("reason", why),
				slog.Duration("elapsed", r.elapsed), staleAttr)
		}
		d.log.Info("next digest", d.nextDigestAttr(), d.inAttr(now))
	}
	d.updateStatus(now)
}

// reload loads the configuration again and, when that works, swaps it
// and the Jobs in.
func (d *daemon) reload(ctx context.Context) {
	d.notify(sdnotify.Reloading, sdnotify.MonotonicUsec(), sdnotify.Status("reloading configuration"))
	d.sentStatus = "reloading configuration"
	d.log.Info("reloading configuration")
	cfg, jobs, err := d.loadJobs(ctx)
	now := d.clock.Now()
	if err != nil {
		d.reloadErr = err
		d.log.Error("reload failed; keeping the previous configuration", slog.Any("err", err))
		d.notifyStatus(now, sdnotify.Ready)
		return
	}
	d.reloadErr = nil
	d.retired = append(d.retired, d.jobs)
	d.retireWatch()
	d.cfg, d.jobs = cfg.withDefaults(), &jobsRef{jobs}
	d.closeRetired()
	d.watchFails, d.watchErr = 0, nil
	d.planWatch(now)
	// Sync at once: a reload often adds an account or a folder, and its
	// result should show without waiting an interval.
	d.nextSync = now
	d.nextDigest = d.next(now)
	d.log.Info("configuration reloaded",
		slog.Duration("sync_interval", d.cfg.SyncInterval),
		slog.Bool("watch", d.watching()),
		slog.String("timezone", d.cfg.Location.String()),
		d.nextDigestAttr(), d.inAttr(now))
	d.notifyStatus(now, sdnotify.Ready)
}

// loadJobs calls load; on error it closes any Jobs that came with it.
func (d *daemon) loadJobs(ctx context.Context) (Config, Jobs, error) {
	cfg, jobs, err := d.load(ctx)
	if err == nil && jobs == nil {
		err = errors.New("load returned no Jobs")
	}
	if err != nil {
		closeJobs(jobs)
		return Config{}, nil, err
	}
	return cfg, jobs, nil
}

// closeRetired closes the retired Jobs unless the running job, or a
// stuck one, uses them.
func (d *daemon) closeRetired() {
	kept := d.retired[:0]
	for _, j := range d.retired {
		inUse := d.running != nil && d.running.jobs == j
		for _, s := range d.stuck {
			inUse = inUse || s.jobs == j
		}
		for _, w := range d.oldWatches {
			inUse = inUse || w.jobs == j
		}
		if inUse {
			kept = append(kept, j)
			continue
		}
		closeJobs(j.Jobs)
	}
	d.retired = kept
}

// closeJobs closes j if it is an io.Closer.
func closeJobs(j Jobs) {
	if c, ok := j.(io.Closer); ok {
		_ = c.Close() // the store's Close fails only when already closed
	}
}

// ping pings the watchdog if the store answers and no job is stuck. It
// runs on the loop's goroutine, so a stuck loop stops the pings too.
func (d *daemon) ping(ctx context.Context) {
	hctx, cancel := context.WithTimeout(ctx, d.pingEvery)
	err := d.jobs.Healthy(hctx)
	cancel()
	now := d.clock.Now()
	if err != nil {
		if d.healthErr == nil {
			d.log.Warn("store not answering; withholding the watchdog ping", slog.Any("err", err))
		}
		d.healthErr = err
		d.updateStatus(now)
		return
	}
	if d.healthErr != nil {
		d.log.Info("store answering again; watchdog pings resume")
		d.healthErr = nil
		d.updateStatus(now)
	}
	if d.withholdPings() {
		return
	}
	d.notify(sdnotify.Watchdog)
}

// stop cancels the running job and the watches and waits for them,
// within the bound.
func (d *daemon) stop() error {
	d.notify(sdnotify.Stopping, sdnotify.Status("stopping"))
	d.log.Info("stopping")
	close(d.quit)
	d.stopGrace()
	abandon := map[*jobsRef]bool{}
	for _, j := range d.stuck {
		abandon[j.jobs] = true
	}
	watches := d.oldWatches
	if d.watch != nil {
		watches = append(watches, d.watch)
	}
	for _, w := range watches {
		w.cancel()
	}
	// Real time, whatever the Clock: this bounds how long a stop takes,
	// the job and the watches together.
	timer := time.NewTimer(d.cfg.ShutdownTimeout)
	defer timer.Stop()
	expired := false
	if j := d.running; j != nil {
		j.cancel()
		select {
		case r := <-j.done:
			d.finish(r, true)
		case <-timer.C:
			expired = true
			abandon[j.jobs] = true
			d.log.Warn("job did not stop in time; abandoning it",
				slog.String("job", j.kind), slog.String("day", j.day()),
				slog.Duration("running_for", d.clock.Now().Sub(j.started)),
				slog.Duration("shutdown_timeout", d.cfg.ShutdownTimeout))
		}
	}
	for _, w := range watches {
		if !expired {
			select {
			case <-w.done:
			case <-timer.C:
				expired = true
			}
		}
		select {
		case <-w.done:
			continue
		default:
		}
		abandon[w.jobs] = true
		d.log.Warn("watch did not stop in time; abandoning it",
			slog.Duration("running_for", d.clock.Now().Sub(w.started)),
			slog.Duration("shutdown_timeout", d.cfg.ShutdownTimeout))
	}
	// The Jobs of an abandoned job or watch stay open: closing a store
	// under a running query helps no one, and the process is about to
	// exit.
	for _, j := range append(d.retired, d.jobs) {
		if !abandon[j] {
			closeJobs(j.Jobs)
		}
	}
	d.log.Info("stopped")
	return nil
}

// notify sends states to the service manager.
func (d *daemon) notify(states ...string) {
	if d.notifier == nil {
		return
	}
	if err := d.notifier.Notify(states...); err != nil {
		if !d.notifyFailed {
			d.log.Warn("cannot notify systemd", slog.Any("err", err))
		}
		d.notifyFailed = true
	}
}

// updateStatus sends STATUS= when it changed.
func (d *daemon) updateStatus(now time.Time) {
	if d.status(now) != d.sentStatus {
		d.notifyStatus(now)
	}
}

// notifyStatus sends states with STATUS=.
func (d *daemon) notifyStatus(now time.Time, states ...string) {
	d.sentStatus = d.status(now)
	d.notify(append(states, sdnotify.Status(d.sentStatus))...)
}

// status describes the daemon in one line for systemctl status, such as
// "last sync 07:01 (3 folders changed); next digest Mon 2026-11-23 07:00 CET".
func (d *daemon) status(now time.Time) string {
	loc := d.cfg.Location
	clock := func(t time.Time) string { return d.clockString(now, t) }
	var parts []string
	for _, j := range d.stuck {
		watchdog := "watchdog pings withheld"
		if !d.withholdPings() {
			watchdog = "watchdog pings withheld after the digest"
		}
		parts = append(parts, fmt.Sprintf("stuck: the %s started %s did not return after it was cancelled (%s); %s",
			j.kind, clock(j.started), j.cancelled, watchdog))
	}
	if d.healthErr != nil {
		parts = append(parts, "store not answering: "+oneLine(d.healthErr.Error()))
	}
	if d.reloadErr != nil {
		parts = append(parts, "reload failed, running the previous configuration: "+oneLine(d.reloadErr.Error()))
	}
	if w := d.watchStatus(); w != "" {
		parts = append(parts, w)
	}
	if j := d.running; j != nil && j.kind == "sync" {
		switch p := d.pending; {
		case j.cancelled != "":
			parts = append(parts, fmt.Sprintf("sync since %s cancelled: %s", clock(j.started), j.cancelled))
		case p != nil && !p.waitFrom.IsZero():
			parts = append(parts, fmt.Sprintf("syncing since %s; the digest for %s waits for it until %s",
				clock(j.started), p.day, clock(p.waitFrom.Add(d.cfg.DigestSyncWait))))
		default:
			parts = append(parts, "syncing since "+clock(j.started))
		}
	} else if s := d.lastSync; !s.at.IsZero() {
		switch {
		case s.err != nil:
			parts = append(parts, fmt.Sprintf("last sync %s failed: %s; retry at %s", clock(s.at), oneLine(s.err.Error()), clock(d.nextSync)))
		case s.summary != "":
			parts = append(parts, fmt.Sprintf("last sync %s (%s)", clock(s.at), oneLine(s.summary)))
		default:
			parts = append(parts, "last sync "+clock(s.at))
		}
	}
	if j := d.running; j != nil && j.kind == "digest" {
		if j.digest.stale != "" {
			parts = append(parts, "sending digest for "+j.digest.day+" from the store as it is ("+oneLine(j.digest.stale)+")")
		} else {
			parts = append(parts, "sending digest for "+j.digest.day)
		}
	} else if g := d.lastDigest; g.day != "" {
		n := len(parts)
		switch {
		case g.err != nil:
			parts = append(parts, fmt.Sprintf("digest for %s failed: %s", g.day, oneLine(g.err.Error())))
		case g.already:
			parts = append(parts, fmt.Sprintf("digest for %s already sent", g.day))
		case g.result.Sent && g.result.To != "":
			parts = append(parts, fmt.Sprintf("digest for %s sent %s to %s (%s, %s)", g.day, clock(g.at), oneLine(g.result.To),
				count(g.result.People, "person", "people"), count(g.result.Followups, "follow-up", "follow-ups")))
		case g.result.Sent:
			parts = append(parts, fmt.Sprintf("digest for %s sent %s", g.day, clock(g.at)))
		default:
			why := g.result.NotSent
			if why == "" {
				why = "nothing to send"
			}
			parts = append(parts, fmt.Sprintf("no digest for %s: %s", g.day, oneLine(why)))
		}
		if g.stale != "" && len(parts) > n {
			parts[n] += ", built from the store as it was (" + oneLine(g.stale) + ")"
		}
	}
	if d.nextDigest.IsZero() {
		parts = append(parts, "no digest scheduled")
	} else {
		parts = append(parts, "next digest "+d.nextDigest.In(loc).Format("Mon 2006-01-02 15:04 MST"))
	}
	return strings.Join(parts, "; ")
}

// clockString shows t as status does: the time today, else the date too.
func (d *daemon) clockString(now, t time.Time) string {
	loc := d.cfg.Location
	if n := now.In(loc); t.In(loc).YearDay() == n.YearDay() && t.In(loc).Year() == n.Year() {
		return t.In(loc).Format("15:04")
	}
	return t.In(loc).Format("Mon 2006-01-02 15:04")
}

// count says n things: "1 person", "4 people".
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// oneLine returns s on one line, shortened to fit a status.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:199]) + "…"
	}
	return s
}

func (d *daemon) nextDigestAttr() slog.Attr {
	if d.nextDigest.IsZero() {
		return slog.String("next_digest", "none")
	}
	return slog.Time("next_digest", d.nextDigest.In(d.cfg.Location))
}

func (d *daemon) inAttr(now time.Time) slog.Attr {
	if d.nextDigest.IsZero() {
		return slog.Attr{}
	}
	return slog.Duration("in", d.nextDigest.Sub(now).Round(time.Second))
}
