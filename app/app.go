// Package app is rekindle's application: the use cases the command line,
// the daemon and the demo share, over one configuration, one store, the
// templates and a clock.
//
// An App is opened from a loaded configuration (config.Load). It converts
// the configuration once into what each adapter and pure package takes
// (imapsync.Account, mailer.Config, relationship.Options, digest.Me and
// DraftRules): no package below app sees a config type. Its methods are
// the use cases:
//
//   - Sync reads every account's new headers into the store, and the
//     CardDAV address book's cards (ReadCardDAV).
//   - Model builds the relationship model as of a moment, with the
//     user's address book (address_book: its files read then, its CardDAV
//     cards as the last sync kept them); Find resolves what the user
//     typed to one contact.
//   - Query completes addresses for mail clients from the contacts
//     snapshot, which Sync and the overrides that change who is a
//     contact bring up to date (RefreshContacts).
//   - Compose builds a digest and the message that carries it;
//     SendDigest sends today's, at most once a day, and records it.
//   - Replay shows the digests past mornings would have had.
//   - Snooze, Ignore, Pin, SetCadence, Tag, Merge, Split and their
//     opposites change the user's overrides.
//   - Check logs in everywhere and sends nothing; Status reads what the
//     store holds.
//   - Jobs runs the daemon's work (package daemon) through the same use
//     cases, and watches every account's INBOX for new mail between
//     syncs (IMAP IDLE).
//
// cmd/rekindle parses flags, calls these and prints their results.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/rekindle/rekindle/addressbook"
	"github.com/rekindle/rekindle/config"
	"github.com/rekindle/rekindle/digest"
	"github.com/rekindle/rekindle/imapsync"
	"github.com/rekindle/rekindle/mailer"
	"github.com/rekindle/rekindle/relationship"
	"github.com/rekindle/rekindle/store"
	"github.com/rekindle/rekindle/templates"
)

// Options are what an App takes besides the configuration.
type Options struct {
	// Logger receives the use cases' warnings; nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Build names the rekindle that runs, as "rekindle version" gives it
	// (a packaged build's version and commit); empty, Go's build
	// information names it. The contacts snapshot is kept for one build: a
	// new rekindle may work contacts out anew.
	Build string
}

// App is rekindle's application over one configuration and one open
// store. Its methods may be called from one goroutine at a time, except
// Healthy and Watch (see Jobs).
type App struct {
	cfg *config.Config
	db  *store.DB
	log *slog.Logger
	now func() time.Time
	// build is Options.Build, or else what Go's build information says
	// (buildID).
	build string
	// The accounts and the SMTP server as the adapters take them; a
	// conversion that failed (an unreadable ca_file) is an error only
	// for the use cases that need it.
	accounts    []Account
	accountsErr error
	smtp        *mailer.Config // nil without an smtp section
	smtpErr     error
	me          digest.Me
	rules       digest.DraftRules
	targets     []relationship.Target
	// carddav is the CardDAV address book as addressbook takes it (nil
	// without one); carddavErr why it cannot be reached (an unreadable
	// address_book.carddav.ca_file).
	carddav    *addressbook.CardDAV
	carddavErr error

	tmplOnce sync.Once
	tmpl     *templates.Set
	tmplErr  error

	// noIdleLogged holds the accounts Jobs.Watch said lack IDLE, so that
	// it says so once.
	noIdleLogged sync.Map
}

// Account is one configured IMAP account as the sync and the drafts take
// it.
type Account struct {
	*imapsync.Account
	// Drafts says whether drafted messages go to the account's Drafts
	// folder (accounts[].drafts).
	Drafts bool
}

// Open opens the store of cfg for reading and writing (creating or
// migrating it) and returns the App over both. Close closes the store.
func Open(ctx context.Context, cfg *config.Config, o Options) (*App, error) {
	return open(ctx, cfg, o, store.Open)
}

// OpenReadOnly is Open for the commands that only read: the store is not
// written, so they work on a full disk and never migrate it behind a
// sync's back. A store not created yet is an error matching
// store.ErrNoStore; one written by an older rekindle says to run
// rekindle sync.
func OpenReadOnly(ctx context.Context, cfg *config.Config, o Options) (*App, error) {
	return open(ctx, cfg, o, store.OpenReadOnly)
}

func open(ctx context.Context, cfg *config.Config, o Options, openStore func(context.Context, string) (*store.DB, error)) (*App, error) {
	a, err := New(cfg, o)
	if err != nil {
		return nil, err
	}
	if a.db, err = openStore(ctx, cfg.Store.Path); err != nil {
		return nil, err
	}
	return a, nil
}

// New returns an App over cfg without a store, for the use cases that
// need none (Check opens it itself). Open and OpenReadOnly call it.
func New(cfg *config.Config, o Options) (*App, error) {
	if cfg == nil {
		return nil, fmt.Errorf("app: no configuration")
	}
	a := &App{cfg: cfg, log: o.Logger, now: o.Now, build: o.Build}
	if a.build == "" {
		a.build = buildID()
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.now == nil {
		a.now = time.Now
	}
	a.accounts, a.accountsErr = accounts(cfg)
	if cfg.SMTP == nil {
		a.smtpErr = errNoSMTP
	} else if sc, err := smtpConfig(cfg.SMTP); err != nil {
		a.smtpErr = err
	} else {
		a.smtp = &sc
	}
	a.me, a.rules, a.targets = digestSettings(cfg)
	a.carddav, a.carddavErr = cardDAV(cfg)
	return a, nil
}

// Close closes the store.
func (a *App) Close() error {
	if a.db == nil {
		return nil
	}
	return a.db.Close()
}

// Config is the configuration the App was opened with; callers must not
// change it.
func (a *App) Config() *config.Config { return a.cfg }

// Accounts are the configured accounts, in the configuration's order,
// or why they cannot be reached (an accounts[].imap.ca_file that does not
// read).
func (a *App) Accounts() ([]Account, error) { return a.accounts, a.accountsErr }

// SMTP is the server digests are sent through, or why there is none (no
// smtp section, or an smtp.ca_file that does not read).
func (a *App) SMTP() (mailer.Config, error) {
	if a.smtpErr != nil {
		return mailer.Config{}, a.smtpErr
	}
	return *a.smtp, nil
}

// Templates loads the templates (templates.dir over the embedded
// defaults) once, and checks that every draft kind the configuration
// names has one.
func (a *App) Templates() (*templates.Set, error) {
	a.tmplOnce.Do(func() {
		set, err := templates.Load(a.cfg.Templates.Dir, a.log)
		if err != nil {
			a.tmplErr = fmt.Errorf("templates: %w", err)
			return
		}
		if err := digest.CheckRules(set, a.rules); err != nil {
			a.tmplErr = err
			return
		}
		a.tmpl = set
	})
	return a.tmpl, a.tmplErr
}

// digestSettings is the digest's and the model's view of the user: who
// they are, which draft each status and tag gets, and the companies they
// would like to work at.
func digestSettings(cfg *config.Config) (digest.Me, digest.DraftRules, []relationship.Target) {
	var targets []relationship.Target
	for _, t := range cfg.Me.TargetCompanies {
		targets = append(targets, relationship.Target{Name: t.Name, Domains: t.Domains})
	}
	me := digest.Me{
		Name:       cfg.Me.Name,
		Pitch:      cfg.Me.Pitch,
		LookingFor: cfg.Me.LookingFor,
	}
	for _, t := range targets {
		me.TargetCompanies = append(me.TargetCompanies, relationship.TargetName(t))
	}
	if len(cfg.Me.Addresses) > 0 {
		me.Email = cfg.Me.Addresses[0]
	}
	return me.Normalised(), digest.DraftRules{ByStatus: cfg.Digest.DraftsByStatus, ByTag: cfg.Digest.DraftsByTag}, targets
}

// accounts turns the configured accounts into what imapsync needs.
func accounts(cfg *config.Config) ([]Account, error) {
	var out []Account
	for i := range cfg.Accounts {
		a := &cfg.Accounts[i]
		key := fmt.Sprintf("accounts[%d].imap", i)
		tlsCfg, err := tlsConfig(a.IMAP.CAFile, a.IMAP.TLSServerName, a.IMAP.Host, key+".ca_file")
		if err != nil {
			return nil, err
		}
		security, err := imapSecurity(a.IMAP.Security)
		if err != nil {
			return nil, fmt.Errorf("%s.security: %w", key, err)
		}
		mech, err := imapMechanism(a.IMAP.Auth)
		if err != nil {
			return nil, fmt.Errorf("%s.auth: %w", key, err)
		}
		compress, err := imapCompression(a.IMAP.Compress)
		if err != nil {
			return nil, fmt.Errorf("%s.compress: %w", key, err)
		}
		imapCfg := a.IMAP
		name := a.Name
		out = append(out, Account{
			Account: &imapsync.Account{
				Name:      a.Name,
				Addr:      net.JoinHostPort(a.IMAP.Host, strconv.Itoa(a.IMAP.Port)),
				Security:  security,
				TLS:       tlsCfg,
				Username:  a.IMAP.Username,
				Mechanism: mech,
				Compress:  compress,
				Secret:    func(ctx context.Context) (string, error) { return imapCfg.Resolve(ctx, name) },
				Include:   a.Folders.Include,
				Exclude:   a.Folders.Exclude,
			},
			Drafts: a.Drafts,
		})
	}
	return out, nil
}

// smtpConfig turns the smtp section into what the mailer needs.
func smtpConfig(s *config.SMTP) (mailer.Config, error) {
	tc, err := tlsConfig(s.CAFile, s.TLSServerName, s.Host, "smtp.ca_file")
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

// cardDAV turns the address_book.carddav section into what addressbook
// needs; nil without one.
func cardDAV(cfg *config.Config) (*addressbook.CardDAV, error) {
	cd := cfg.AddressBook.CardDAV
	if cd == nil {
		return nil, nil
	}
	host := ""
	if u, err := url.Parse(cd.URL); err == nil {
		host = u.Hostname()
	}
	tc, err := tlsConfig(cd.CAFile, cd.TLSServerName, host, "address_book.carddav.ca_file")
	if err != nil {
		return nil, err
	}
	secret := *cd
	return &addressbook.CardDAV{
		URL: cd.URL, Username: cd.Username, Password: secret.Resolve, TLS: tc, Timeout: cd.Timeout.Std(),
	}, nil
}

// errNoSMTP is why nothing can be sent without an smtp section.
var errNoSMTP = fmt.Errorf("no smtp section in the configuration: add one (see config.example.yaml) to send the digest")
