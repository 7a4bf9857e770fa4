package main

import (
	"context"
	"log/slog"

	"github.com/rekindle/rekindle/app"
	"github.com/rekindle/rekindle/config"
)

// loadConfig finds and loads the configuration, recording its path.
func (e *env) loadConfig() (*config.Config, error) {
	path, err := config.Locate(e.configPath, e.getenv)
	if err != nil {
		return nil, err
	}
	cfg, err := config.Loader{Getenv: e.getenv}.Load(path)
	if err != nil {
		return nil, err
	}
	e.configPath = path
	e.applyLogConfig(cfg.Log)
	return cfg, nil
}

// applyLogConfig makes the logger follow the config's log.format and
// log.level, except where --log-format or --verbose said otherwise. The
// logger is rebuilt only when they change something.
func (e *env) applyLogConfig(l config.Log) {
	format := e.logFormat
	if !e.logFormatFlag && l.Format != "" {
		format = l.Format
	}
	level, current := l.SlogLevel(), slog.LevelInfo
	if e.verbose {
		level, current = slog.LevelDebug, slog.LevelDebug
	}
	if e.stderr == nil || (format == e.logFormat && level == current) {
		return
	}
	journal := e.getenv != nil && e.getenv("JOURNAL_STREAM") != ""
	if log, err := newLevelLogger(e.stderr, format, level, journal); err == nil {
		e.log = log
	}
}

// options are what the App takes from the command line's environment.
func (e *env) options() app.Options {
	v := currentVersion()
	return app.Options{Logger: e.log, Now: e.now, Build: v.Version + " " + v.Commit + " " + v.Date}
}

// open loads the configuration and opens the application over it, its
// store open for reading and writing.
func (e *env) open(ctx context.Context) (*app.App, error) {
	cfg, err := e.loadConfig()
	if err != nil {
		return nil, err
	}
	return app.Open(ctx, cfg, e.options())
}

// openReadOnly is open for a command that only reads the store: without
// writing to it, so that it works on a full disk and never migrates it
// behind a sync's back. A store not synced yet, or written by an older
// rekindle, is an error saying to run rekindle sync.
func (e *env) openReadOnly(ctx context.Context) (*app.App, error) {
	cfg, err := e.loadConfig()
	if err != nil {
		return nil, err
	}
	return app.OpenReadOnly(ctx, cfg, e.options())
}
