package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// The watch between syncs (see Watcher). Like the rest of the daemon's
// state, these run on the loop's goroutine only; Watch runs on its own
// and reports on watchRun.changed and watchRun.done.

// watching reports whether the configuration asks for a watch and the
// Jobs can do it.
func (d *daemon) watching() bool {
	_, ok := d.jobs.Jobs.(Watcher)
	return d.cfg.Watch && ok
}

// planWatch starts the watch of freshly loaded Jobs at once, if any.
func (d *daemon) planWatch(now time.Time) {
	d.watchAt = time.Time{}
	if !d.cfg.Watch {
		return
	}
	if !d.watching() {
		d.log.Warn("watching for new mail asked for, but these jobs cannot watch; syncing every interval",
			slog.Duration("sync_interval", d.cfg.SyncInterval))
		return
	}
	d.watchAt = now
}

// startWatch runs the Jobs' Watch on a goroutine of its own.
func (d *daemon) startWatch(ctx context.Context, now time.Time) {
	d.watchAt = time.Time{}
	w, ok := d.jobs.Jobs.(Watcher)
	if !d.cfg.Watch || !ok {
		return
	}
	wctx, cancel := context.WithCancel(ctx)
	r := &watchRun{jobs: d.jobs, started: now, cancel: cancel, changed: make(chan struct{}, 1), done: make(chan struct{})}
	changed := func() {
		select {
		case r.changed <- struct{}{}:
		default: // one pending change stands for any number
		}
	}
	go func() {
		err := w.Watch(wctx, changed)
		if err == nil && wctx.Err() == nil {
			err = errors.New("the watch ended without an error")
		}
		r.err = err
		close(r.done)
	}()
	d.watch = r
	d.log.Debug("watch started", slog.Int("failed_before", d.watchFails))
}

func (d *daemon) watchChanged() <-chan struct{} {
	if d.watch == nil {
		return nil
	}
	return d.watch.changed
}

func (d *daemon) watchDone() <-chan struct{} {
	if d.watch == nil {
		return nil
	}
	return d.watch.done
}

// changeDue reports whether the sync for a reported change is due.
func (d *daemon) changeDue(now time.Time) bool {
	return !d.changeSync.IsZero() && !now.Before(d.changeSync)
}

// changed takes a change the watch reported: a sync WatchDebounce after
// the first change not yet synced, or after the running sync ends,
// whichever is later.
func (d *daemon) changed() {
	now := d.clock.Now()
	r := d.watch
	if !r.reported {
		r.reported = true
		if d.watchErr != nil {
			if !d.watchBackLogged {
				d.log.Info("watching for new mail again", slog.Int("failed", d.watchFails))
				d.watchBackLogged = true
			}
			d.watchErr = nil
			d.updateStatus(now)
		}
	}
	if d.changeSync.IsZero() {
		d.changeSync = now.Add(d.cfg.WatchDebounce)
	}
	d.log.Debug("change reported; sync soon", slog.Time("sync_at", d.changeSync),
		slog.Bool("sync_running", d.running != nil && d.running.kind == "sync"))
}

// watchEnded takes the watch that returned by itself: it is tried again
// after a wait that doubles with each failure in a row.
func (d *daemon) watchEnded(ctx context.Context) {
	r := d.watch
	if ctx.Err() != nil {
		d.watch = nil
		return // stopping: stop waits for the watches
	}
	select {
	case <-r.changed:
		d.changed() // reported before it ended: still worth a sync
	default:
	}
	d.watch = nil
	r.cancel()
	now := d.clock.Now()
	if now.Sub(r.started) >= d.cfg.SyncInterval {
		d.watchFails = 0 // it worked for a while: a new run of failures
	}
	d.watchFails++
	if d.watchFails == 1 {
		d.watchBackLogged = false
	}
	wait := d.cfg.WatchRetry
	for i := 1; i < d.watchFails && wait < d.cfg.SyncInterval; i++ {
		wait *= 2
	}
	wait = min(wait, d.cfg.SyncInterval)
	d.watchAt = now.Add(wait)
	d.watchErr = r.err
	attrs := []any{slog.Any("err", r.err), slog.Duration("watched_for", now.Sub(r.started)),
		slog.Duration("retry_in", wait), slog.Duration("sync_interval", d.cfg.SyncInterval)}
	if d.watchFails == 1 {
		d.log.Warn("watch for new mail stopped; syncing every interval until it is back", attrs...)
	} else {
		d.log.Debug("watch for new mail failed again", append(attrs, slog.Int("failed", d.watchFails))...)
	}
	d.updateStatus(now)
}

// retireWatch cancels the watch of Jobs a reload replaces; their Jobs
// are closed once it returned.
func (d *daemon) retireWatch() {
	r := d.watch
	if r == nil {
		return
	}
	d.watch = nil
	r.cancel()
	d.oldWatches = append(d.oldWatches, r)
	go func() {
		select {
		case <-r.done:
		case <-d.quit:
			return
		}
		select {
		case d.watchGone <- r:
		case <-d.quit:
		}
	}()
}

// watchStatus is the status's part about a watch that is down.
func (d *daemon) watchStatus() string {
	if d.watchErr == nil || !d.watching() {
		return ""
	}
	return fmt.Sprintf("watch for new mail down (%s), syncing every %s", oneLine(d.watchErr.Error()), short(d.cfg.SyncInterval))
}

// short writes a duration as people do: 15m, not 15m0s.
func short(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
