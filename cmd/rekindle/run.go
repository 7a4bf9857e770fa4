package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"

	"github.com/rekindle/rekindle/config"
	"github.com/rekindle/rekindle/daemon"
	"github.com/rekindle/rekindle/internal/sdnotify"
	"github.com/rekindle/rekindle/store"
	"github.com/rekindle/rekindle/templates"
)

func runCommand() *command {
	return &command{
		name:    "run",
		args:    "",
		summary: "run as a daemon: sync on an interval, send the digest on schedule",
		help: `
Syncs every account every sync.interval (15m) and sends the digest at
digest.schedule (cron, in digest.timezone), syncing right before. If the
machine was off at the scheduled time, the missed digest is sent at start
when still within digest.grace (6h); never two digests for one day, even
across restarts. SIGHUP reloads the configuration and templates (a bad one
is logged and the old one kept); SIGTERM or SIGINT stop within seconds.
Under systemd (Type=notify) it reports READY, STATUS, RELOADING, STOPPING
and pings the watchdog while the store answers. Every wait is bounded: a
digest waits at most 2 minutes for a sync, then is built from the store as
it is; a job running over an hour is cancelled, and one that does not stop
then withholds the watchdog pings, so that systemd restarts rekindle. Logs
go to stderr; without an smtp section it only syncs.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected argument %q", args[0])
				}
				return runDaemon(ctx, e)
			}
		},
	}
}

func runDaemon(ctx context.Context, e *env) error {
	n, err := sdnotify.FromEnv(e.getenv)
	if err != nil {
		e.log.Warn("systemd notification disabled", slog.Any("error", err))
	}
	load := func(ctx context.Context) (daemon.Config, daemon.Jobs, error) {
		cfg, err := e.loadConfig()
		if err != nil {
			return daemon.Config{}, nil, err
		}
		set, err := loadTemplates(cfg, e.log)
		if err != nil {
			return daemon.Config{}, nil, err
		}
		db, err := openStore(ctx, cfg)
		if err != nil {
			return daemon.Config{}, nil, err
		}
		dc := daemon.FromConfig(cfg)
		tuneDaemon(&dc)
		if cfg.SMTP == nil {
			e.log.Warn("no smtp section: syncing only, no digest")
			dc.Schedule = nil
		}
		return dc, &jobs{e: e, cfg: cfg, db: db, set: set}, nil
	}
	return daemon.Run(ctx, load, e.reload, daemon.Options{Notifier: n, Watchdog: n.WatchdogInterval(), Logger: e.log})
}

// tuneDaemon adjusts the daemon's bounds after they are read from the
// configuration; tests shorten them.
var tuneDaemon = func(*daemon.Config) {}

// jobs is the daemon's work, over one loaded configuration and store; a
// reload makes a new one and the daemon closes the old.
type jobs struct {
	e   *env
	cfg *config.Config
	db  *store.DB
	set *templates.Set
}

func (j *jobs) Sync(ctx context.Context) (string, error) { return syncAll(ctx, j.e, j.cfg, j.db) }

// Digest syncs for at most r.SyncFor, then sends r's digest from what
// the store holds, and says what happened; the daemon logs it ("digest
// sent" with to, people and follow-ups, or "no digest sent" with the
// reason, and what it was built from when the sync did not finish).
func (j *jobs) Digest(ctx context.Context, r daemon.DigestRequest) (daemon.DigestResult, error) {
	var stale string
	if r.SyncFor > 0 {
		sctx, cancel := context.WithTimeout(ctx, r.SyncFor)
		_, err := syncAll(sctx, j.e, j.cfg, j.db)
		overran := sctx.Err() != nil
		cancel()
		switch {
		case ctx.Err() != nil:
			return daemon.DigestResult{}, ctx.Err()
		case overran:
			stale = fmt.Sprintf("the sync before it did not finish within %s", r.SyncFor)
			j.e.log.Warn("sync before the digest did not finish in time; building the digest from the store as it is",
				slog.String("day", r.Day), slog.Duration("waited", r.SyncFor))
		case err != nil:
			stale = "the sync before it failed"
			j.e.log.Warn("sync before the digest failed; building the digest from the store as it is",
				slog.String("day", r.Day), slog.Any("error", err))
		}
	}
	res, err := sendDigestWith(ctx, j.e, j.cfg, j.db, j.set, r.Now, sendOptions{})
	if errors.Is(err, store.ErrDigestSent) {
		return daemon.DigestResult{}, fmt.Errorf("%w: %w", daemon.ErrAlreadySent, err)
	}
	res.Stale = stale
	return res.DigestResult, err
}

func (j *jobs) DigestSent(ctx context.Context, day string) (bool, error) {
	sd, ok, err := j.db.Digest(ctx, day)
	return ok && !sd.SentAt.IsZero(), err
}

func (j *jobs) Healthy(ctx context.Context) error { return j.db.Ping(ctx) }

func (j *jobs) Close() error { return j.db.Close() }

var _ daemon.Jobs = (*jobs)(nil)
