package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"

	"github.com/rekindle/rekindle/config"
	"github.com/rekindle/rekindle/imapsync"
	"github.com/rekindle/rekindle/mailer"
	"github.com/rekindle/rekindle/store"
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

func openStore(ctx context.Context, cfg *config.Config) (*store.DB, error) {
	return store.Open(ctx, cfg.Store.Path)
}

// openStoreReadOnly opens the store for a command that only reads it:
// without writing to it, so that it works on a full disk and never
// migrates it behind a sync's back. A store not synced yet, or written by
// an older rekindle, is an error saying to run rekindle sync.
func openStoreReadOnly(ctx context.Context, cfg *config.Config) (*store.DB, error) {
	return store.OpenReadOnly(ctx, cfg.Store.Path)
}

// open loads the configuration and opens the store.
func (e *env) open(ctx context.Context) (*config.Config, *store.DB, error) {
	cfg, err := e.loadConfig()
	if err != nil {
		return nil, nil, err
	}
	db, err := openStore(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return cfg, db, nil
}

// openReadOnly loads the configuration and opens the store for reading
// only (openStoreReadOnly).
func (e *env) openReadOnly(ctx context.Context) (*config.Config, *store.DB, error) {
	cfg, err := e.loadConfig()
	if err != nil {
		return nil, nil, err
	}
	db, err := openStoreReadOnly(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return cfg, db, nil
}

// imapAccounts turns the configured accounts into what imapsync needs.
func imapAccounts(cfg *config.Config) ([]*imapsync.Account, error) {
	var out []*imapsync.Account
	for i := range cfg.Accounts {
		a := &cfg.Accounts[i]
		tlsCfg, err := tlsConfig(a.IMAP.CAFile, a.IMAP.TLSServerName, fmt.Sprintf("accounts[%d].imap.ca_file", i))
		if err != nil {
			return nil, err
		}
		imapCfg := a.IMAP
		security, err := imapSecurity(a.IMAP.Security)
		if err != nil {
			return nil, fmt.Errorf("accounts[%d].imap.security: %w", i, err)
		}
		mech, err := imapMechanism(a.IMAP.Auth)
		if err != nil {
			return nil, fmt.Errorf("accounts[%d].imap.auth: %w", i, err)
		}
		out = append(out, &imapsync.Account{
			Name:      a.Name,
			Addr:      net.JoinHostPort(a.IMAP.Host, strconv.Itoa(a.IMAP.Port)),
			Security:  security,
			TLS:       tlsCfg,
			Username:  a.IMAP.Username,
			Mechanism: mech,
			Secret:    func(ctx context.Context) (string, error) { return imapCfg.Resolve(ctx, a.Name) },
			Include:   a.Folders.Include,
			Exclude:   a.Folders.Exclude,
		})
	}
	return out, nil
}

// tlsConfig is the TLS configuration for a server: the system's roots plus
// caFile's CAs, verifying serverName (default: the host dialled). key names
// the config key in errors.
func tlsConfig(caFile, serverName, key string) (*tls.Config, error) {
	c := &tls.Config{ServerName: serverName}
	if caFile == "" {
		return c, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: %s holds no PEM certificate", key, caFile)
	}
	c.RootCAs = pool
	return c, nil
}

// smtpConfig turns the smtp section into what the mailer needs.
func smtpConfig(cfg *config.Config) (mailer.Config, error) {
	s := cfg.SMTP
	if s == nil {
		return mailer.Config{}, fmt.Errorf("no smtp section in the configuration: add one (see config.example.yaml) to send the digest")
	}
	tc, err := tlsConfig(s.CAFile, s.TLSServerName, "smtp.ca_file")
	if err != nil {
		return mailer.Config{}, err
	}
	security, err := smtpSecurity(s.Security)
	if err != nil {
		return mailer.Config{}, fmt.Errorf("smtp.security: %w", err)
	}
	auth, err := smtpAuth(s.Auth)
	if err != nil {
		return mailer.Config{}, fmt.Errorf("smtp.auth: %w", err)
	}
	return mailer.Config{
		Host: s.Host, Port: s.Port, Security: security, Username: s.Username, Auth: auth,
		Secret: s.Resolve, AllowPlaintextAuth: s.AllowPlaintextAuth, TLS: tc,
	}, nil
}
