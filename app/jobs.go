package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/rekindle/rekindle/daemon"
	"github.com/rekindle/rekindle/imapsync"
	"github.com/rekindle/rekindle/store"
)

// DaemonConfig is the daemon's part of the configuration: the sync
// interval, whether to watch INBOX between syncs (sync.idle), the
// digest's schedule in its time zone, and the grace for a missed digest.
// Without an smtp section there is no schedule: the daemon only syncs.
func (a *App) DaemonConfig() daemon.Config {
	c := daemon.Config{
		SyncInterval: a.cfg.Sync.Interval.Std(),
		Watch:        a.cfg.Sync.Idle,
		Location:     a.Zone(),
		Grace:        a.cfg.Digest.Grace.Std(),
	}
	if a.cfg.SMTP != nil {
		c.Schedule = a.cfg.Digest.Cron
	}
	return c
}

// Jobs is the daemon's work done by an App: the daemon calls it, the App
// does it with its use cases. Close closes the App. Watch runs alongside
// the others (see daemon.Jobs): it reads only the accounts, which do not
// change, and uses neither the store nor the templates.
type Jobs struct{ *App }

var (
	_ daemon.Jobs    = Jobs{}
	_ daemon.Watcher = Jobs{}
)

// Jobs returns the daemon's work over a.
func (a *App) Jobs() Jobs { return Jobs{a} }

// Sync syncs every account once and sums it up in one line.
func (j Jobs) Sync(ctx context.Context) (string, error) {
	r, err := j.App.Sync(ctx, SyncOptions{})
	return r.Summary(), err
}

// Digest syncs for at most r.SyncFor, then sends r's digest from what
// the store holds, and says what happened; the daemon logs it ("digest
// sent" with to, people and follow-ups, or "no digest sent" with the
// reason, and what it was built from when the sync did not finish).
func (j Jobs) Digest(ctx context.Context, r daemon.DigestRequest) (daemon.DigestResult, error) {
	var stale string
	if r.SyncFor > 0 {
		sctx, cancel := context.WithTimeout(ctx, r.SyncFor)
		_, err := j.App.Sync(sctx, SyncOptions{})
		overran := sctx.Err() != nil
		cancel()
		switch {
		case ctx.Err() != nil:
			return daemon.DigestResult{}, ctx.Err()
		case overran:
			stale = fmt.Sprintf("the sync before it did not finish within %s", r.SyncFor)
			j.log.Warn("sync before the digest did not finish in time; building the digest from the store as it is",
				slog.String("day", r.Day), slog.Duration("waited", r.SyncFor))
		case err != nil:
			stale = "the sync before it failed"
			j.log.Warn("sync before the digest failed; building the digest from the store as it is",
				slog.String("day", r.Day), slog.Any("err", err))
		}
	}
	res, err := j.SendDigest(ctx, r.Now, SendOptions{})
	if errors.Is(err, store.ErrDigestSent) {
		return daemon.DigestResult{}, fmt.Errorf("%w: %w", daemon.ErrAlreadySent, err)
	}
	return daemon.DigestResult{
		Sent: res.Sent, To: res.To, People: res.People, Followups: res.Followups,
		NotSent: res.NotSent, Note: res.Note, Stale: stale,
	}, err
}

// DigestSent reports whether day's digest was sent.
func (j Jobs) DigestSent(ctx context.Context, day string) (bool, error) {
	sd, ok, err := j.db.Digest(ctx, day)
	return ok && !sd.SentAt.IsZero(), err
}

// Watch watches the INBOX of every account at once with IMAP IDLE
// (imapsync.Watch, one connection per account), and calls changed when
// one reports new or removed mail, and as each account's watch starts.
//
// An account whose server lacks IDLE is left to the interval syncs while
// the others go on watching: it is logged (once per configuration load)
// when others still watch, and Watch returns an error matching
// imapsync.ErrNoIdle only when no account can watch. Any other failure of
// one account (the connection dropped, the server silent) ends the watch
// of all, with that account's error: the daemon calls Watch again later,
// and connecting again to every account costs little. Watch returns
// ctx.Err() once ctx is cancelled, after every account's watch returned.
func (j Jobs) Watch(ctx context.Context, changed func()) error {
	accounts, err := j.Accounts()
	if err != nil {
		return err
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type ended struct {
		account string
		err     error
	}
	done := make(chan ended, len(accounts))
	for _, acct := range accounts {
		go func() {
			err := imapsync.Watch(wctx, acct.Account, imapsync.WatchOptions{Changed: changed, Watching: changed})
			done <- ended{acct.Name, err}
		}()
	}
	var (
		failed  error
		noIdle  []error
		running = len(accounts)
	)
	for running > 0 {
		e := <-done
		running--
		switch {
		case wctx.Err() != nil:
			// Cancelled, by the caller or after another account failed.
		case errors.Is(e.err, imapsync.ErrNoIdle):
			noIdle = append(noIdle, e.err)
			if running > 0 {
				if _, logged := j.noIdleLogged.LoadOrStore(e.account, true); !logged {
					j.log.Warn("the server has no IMAP IDLE: this account's new mail waits for the next interval sync; the other accounts are watched",
						slog.String("account", e.account), slog.Any("err", e.err))
				}
			}
		default:
			failed = e.err
			if failed == nil {
				failed = fmt.Errorf("account %s: the watch of INBOX ended", e.account)
			}
			cancel()
		}
	}
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case failed != nil:
		return failed
	}
	return errors.Join(noIdle...)
}

// Healthy returns nil when the store answers.
func (j Jobs) Healthy(ctx context.Context) error { return j.db.Ping(ctx) }
