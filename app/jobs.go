package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/rekindle/rekindle/daemon"
	"github.com/rekindle/rekindle/store"
)

// DaemonConfig is the daemon's part of the configuration: the sync
// interval, the digest's schedule in its time zone, and the grace for a
// missed digest. Without an smtp section there is no schedule: the daemon
// only syncs.
func (a *App) DaemonConfig() daemon.Config {
	c := daemon.Config{
		SyncInterval: a.cfg.Sync.Interval.Std(),
		Location:     a.Zone(),
		Grace:        a.cfg.Digest.Grace.Std(),
	}
	if a.cfg.SMTP != nil {
		c.Schedule = a.cfg.Digest.Cron
	}
	return c
}

// Jobs is the daemon's work done by an App: the daemon calls it, the App
// does it with its use cases. Close closes the App.
type Jobs struct{ *App }

var _ daemon.Jobs = Jobs{}

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

// Healthy returns nil when the store answers.
func (j Jobs) Healthy(ctx context.Context) error { return j.db.Ping(ctx) }
