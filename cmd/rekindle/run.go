package main

import (
	"context"
	"flag"
	"log/slog"

	"github.com/rekindle/rekindle/daemon"
	"github.com/rekindle/rekindle/internal/sdnotify"
)

func runCommand() *command {
	return &command{
		name:    "run",
		args:    "",
		summary: "run as a daemon: sync on an interval, send the digest on schedule",
		help: `
Syncs every account every sync.interval (15m) and sends the digest at
digest.schedule (cron, in digest.timezone), syncing right before. With
sync.idle: true it also waits in IMAP IDLE on each account's INBOX and
syncs about 2 seconds after new mail arrives there. A server without
IDLE leaves its account to the interval syncs; a dropped connection
leaves every account to them until the watch is back (tried again after
30s, then up to an interval apart); either is logged once. If the
machine was off at the scheduled time, the missed digest is sent at
start when still within digest.grace (6h); never two digests for one
day, even across restarts. SIGHUP reloads the configuration and
templates (a bad one is logged and the old one kept); SIGTERM or SIGINT
stop within seconds. Under systemd (Type=notify) it reports READY,
STATUS, RELOADING, STOPPING and pings the watchdog while the store
answers. Every wait is bounded: a digest waits at most 2 minutes for a
sync, then is built from the store as it is; a job running over an hour
is cancelled, and one that does not stop then withholds the watchdog
pings, so that systemd restarts rekindle. Logs go to stderr; without an
smtp section it only syncs.`,
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
		e.log.Warn("systemd notification disabled", slog.Any("err", err))
	}
	load := func(ctx context.Context) (daemon.Config, daemon.Jobs, error) {
		a, err := e.open(ctx)
		if err != nil {
			return daemon.Config{}, nil, err
		}
		// A reload with broken templates is refused here, not at 07:00.
		if _, err := a.Templates(); err != nil {
			a.Close()
			return daemon.Config{}, nil, err
		}
		dc := a.DaemonConfig()
		tuneDaemon(&dc)
		if dc.Schedule == nil {
			e.log.Warn("no smtp section: syncing only, no digest")
		}
		return dc, a.Jobs(), nil
	}
	return daemon.Run(ctx, load, e.reload, daemon.Options{Clock: e.clock, Notifier: n, Watchdog: n.WatchdogInterval(), Logger: e.log})
}

// tuneDaemon adjusts the daemon's bounds after they are read from the
// configuration; tests shorten them.
var tuneDaemon = func(*daemon.Config) {}
