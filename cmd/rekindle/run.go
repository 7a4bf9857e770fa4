package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"time"

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
and pings the watchdog while the store answers. Logs go to stderr; without
an smtp section it only syncs.`,
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
		if cfg.SMTP == nil {
			e.log.Warn("no smtp section: syncing only, no digest")
			dc.Schedule = nil
		}
		return dc, &jobs{e: e, cfg: cfg, db: db, set: set}, nil
	}
	return daemon.Run(ctx, load, e.reload, daemon.Options{Notifier: n, Watchdog: n.WatchdogInterval(), Logger: e.log})
}

// jobs is the daemon's work, over one loaded configuration and store; a
// reload makes a new one and the daemon closes the old.
type jobs struct {
	e   *env
	cfg *config.Config
	db  *store.DB
	set *templates.Set
}

func (j *jobs) Sync(ctx context.Context) (string, error) { return syncAll(ctx, j.e, j.cfg, j.db) }

// Digest sends day's digest and says what happened; the daemon logs it
// ("digest sent" with to, people and follow-ups, or "no digest sent" with
// the reason).
func (j *jobs) Digest(ctx context.Context, day string, now time.Time) (daemon.DigestResult, error) {
	res, err := sendDigestWith(ctx, j.e, j.cfg, j.db, j.set, now, sendOptions{sync: true})
	if errors.Is(err, store.ErrDigestSent) {
		return daemon.DigestResult{}, fmt.Errorf("%w: %w", daemon.ErrAlreadySent, err)
	}
	return res.DigestResult, err
}

func (j *jobs) DigestSent(ctx context.Context, day string) (bool, error) {
	sd, ok, err := j.db.Digest(ctx, day)
	return ok && !sd.SentAt.IsZero(), err
}

func (j *jobs) Healthy(ctx context.Context) error { return j.db.Ping(ctx) }

func (j *jobs) Close() error { return j.db.Close() }

var _ daemon.Jobs = (*jobs)(nil)
