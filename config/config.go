// Package config loads rekindle's YAML configuration.
//
// Loading starts from Default and decodes the file strictly over it:
// unknown keys, values of the wrong type and missing required values are
// errors. Validation runs as part of loading, and every error is an *Error
// naming the key path (accounts[0].imap.host) and the line. Passwords
// written inline are Secrets, which print as "<secret>" everywhere; the
// other secret sources (a file, a command, an environment variable, a
// systemd credential) are only read by Resolve, when a connection needs
// them.
package config

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	// The digest's time zone must load on machines without a zoneinfo
	// database (containers, Windows).
	_ "time/tzdata"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/rekindle/rekindle"
	"github.com/robfig/cron/v3"
)

// Config is rekindle's whole configuration.
type Config struct {
	// Me describes the user.
	Me Me `yaml:"me" json:"me"`
	// Accounts are the mailboxes whose headers are read; at least one.
	Accounts []Account `yaml:"accounts" json:"accounts"`
	// Store is where the headers are kept.
	Store Store `yaml:"store" json:"store"`
	// Sync says how often and how the accounts are read.
	Sync Sync `yaml:"sync" json:"sync"`
	// SMTP is the server digests are sent through; nil when the file has
	// no smtp section (nothing can be sent then).
	SMTP *SMTP `yaml:"smtp,omitempty" json:"smtp,omitempty"`
	// Digest says what the morning digest holds, to whom and when it goes.
	Digest Digest `yaml:"digest" json:"digest"`
	// Ignore lists addresses and domains never treated as contacts; see
	// Ignored for the syntax.
	Ignore []string `yaml:"ignore" json:"ignore"`
	// AddressBook is the user's address book: vCard files and a CardDAV
	// server, which name people and group their addresses.
	AddressBook AddressBook `yaml:"address_book" json:"address_book"`
	// Templates locates the user's draft and digest templates.
	Templates Templates `yaml:"templates" json:"templates"`
	// Log configures logging.
	Log Log `yaml:"log" json:"log"`
	// Timeouts bound the waits on things outside rekindle.
	Timeouts Timeouts `yaml:"timeouts" json:"timeouts"`
	// Notify lists where a short push goes after each digest (ntfy, a
	// webhook); empty means none.
	Notify []Notify `yaml:"notify" json:"notify"`
}

// Timeouts bound the waits on things outside rekindle.
type Timeouts struct {
	// SecretCommand is how long a password_command or token_command may
	// run before it is killed, with every process it started; 1s to 1h,
	// default 30s.
	SecretCommand Duration `yaml:"secret_command" json:"secret_command"`
}

// Me describes the user: who they are, and what they are after.
type Me struct {
	// Name is the user's name, used to sign drafts and in smtp.from's
	// default. Optional.
	Name string `yaml:"name" json:"name"`
	// Addresses are every address of the user, aliases included: mail
	// from them is the user's. Bare addresses, lower-cased on load.
	// Required, at least one.
	Addresses []string `yaml:"addresses" json:"addresses"`
	// Pitch is one or two sentences about what the user does or offers,
	// for job-search drafts. Optional.
	Pitch string `yaml:"pitch" json:"pitch"`
	// LookingFor is the role the user is looking for. Optional.
	LookingFor string `yaml:"looking_for" json:"looking_for"`
	// TargetCompanies are the companies the user would like to work at:
	// each a name (Acme), a domain (acme.com), or both with several
	// domains ({name: Globex, domains: [globex.com, globex.co.uk]}).
	// Optional.
	TargetCompanies []TargetCompany `yaml:"target_companies" json:"target_companies"`
}

// TargetCompany is a company the user would like to work at: the name
// drafts call it by and the domains its people write from. In YAML it is
// a plain string, a name ("Acme") or a domain ("globex.com"), or a
// mapping with name and domains.
type TargetCompany struct {
	Name    string   `yaml:"name" json:"name,omitempty"`
	Domains []string `yaml:"domains" json:"domains,omitempty"`
}

// UnmarshalYAML reads a plain string (a domain when it has a dot, else a
// name) or a {name, domains} mapping.
func (t *TargetCompany) UnmarshalYAML(n ast.Node) error {
	switch v := n.(type) {
	case *ast.StringNode:
		s := strings.TrimSpace(v.Value)
		if strings.Contains(s, ".") && !strings.Contains(s, " ") {
			*t = TargetCompany{Domains: []string{s}}
		} else {
			*t = TargetCompany{Name: s}
		}
		return nil
	case *ast.MappingNode, *ast.MappingValueNode:
		type plain TargetCompany
		var p plain
		if err := yaml.NodeToValue(n, &p, yaml.DisallowUnknownField()); err != nil {
			msg, _, _ := strings.Cut(err.Error(), "\n")
			if i := strings.Index(msg, "] "); strings.HasPrefix(msg, "[") && i > 0 {
				msg = msg[i+2:] // the position: the error names the line itself
			}
			return &nodeError{node: n, msg: msg + "; write {name: Globex, domains: [globex.com]}"}
		}
		*t = TargetCompany(p)
		return nil
	}
	return &nodeError{node: n, msg: "expected a company name (Acme), a domain (acme.com) or {name: Globex, domains: [globex.com, globex.co.uk]}"}
}

// Account is one IMAP mailbox.
type Account struct {
	// Name identifies the account in the store, in messages and in the
	// systemd credential <name>.password; made of [A-Za-z0-9._-], unique.
	Name string `yaml:"name" json:"name"`
	// IMAP is how to reach and log in to the server.
	IMAP IMAP `yaml:"imap" json:"imap"`
	// Folders narrows which folders are read.
	Folders Folders `yaml:"folders" json:"folders"`
	// Drafts, when true, appends drafted messages to the account's
	// \Drafts folder.
	Drafts bool `yaml:"drafts" json:"drafts"`
}

// Security is how a connection to a mail server is protected.
type Security string

// The three ways to connect.
const (
	// SecurityTLS is TLS from the first byte (IMAP port 993, SMTP 465).
	SecurityTLS Security = "tls"
	// SecurityStartTLS upgrades a plain connection with STARTTLS (IMAP
	// port 143, SMTP 587).
	SecurityStartTLS Security = "starttls"
	// SecurityNone sends everything in clear; meant for loopback.
	SecurityNone Security = "none"
)

// Securities returns every security, the default (tls) first.
func Securities() []Security {
	return []Security{SecurityTLS, SecurityStartTLS, SecurityNone}
}

// Compression is when an IMAP connection is compressed (IMAP COMPRESS,
// RFC 4978), if the server offers it.
type Compression string

// The three choices.
const (
	// CompressAuto compresses a server that is not on this machine or
	// its local network (its address is not loopback, private or
	// link-local): across the internet, where the link is slow.
	CompressAuto Compression = "auto"
	// CompressAlways compresses whenever the server offers it.
	CompressAlways Compression = "always"
	// CompressNever never compresses.
	CompressNever Compression = "never"
)

// Compressions returns every choice, the default (auto) first.
func Compressions() []Compression {
	return []Compression{CompressAuto, CompressAlways, CompressNever}
}

// Auth is how rekindle logs in to a mail server.
type Auth string

// The login mechanisms. IMAP takes plain, xoauth2 and oauthbearer; SMTP
// takes all five.
const (
	// AuthPlain logs in with a username and password (IMAP LOGIN or SASL
	// PLAIN; SMTP AUTH PLAIN).
	AuthPlain Auth = "plain"
	// AuthLogin is SMTP AUTH LOGIN with a username and password.
	AuthLogin Auth = "login"
	// AuthXOAuth2 is Google's and Microsoft's SASL XOAUTH2 with an access
	// token printed by token_command.
	AuthXOAuth2 Auth = "xoauth2"
	// AuthOAuthBearer is RFC 7628 OAUTHBEARER with an access token printed
	// by token_command.
	AuthOAuthBearer Auth = "oauthbearer"
	// AuthNone does not authenticate (SMTP only: a local relay).
	AuthNone Auth = "none"
)

// IMAPAuths returns the mechanisms an IMAP account may use, the default
// (plain) first.
func IMAPAuths() []Auth {
	return []Auth{AuthPlain, AuthXOAuth2, AuthOAuthBearer}
}

// SMTPAuths returns the mechanisms the smtp section may use, the default
// (plain) first.
func SMTPAuths() []Auth {
	return []Auth{AuthPlain, AuthLogin, AuthXOAuth2, AuthOAuthBearer, AuthNone}
}

// password reports whether a logs in with a password.
func (a Auth) password() bool { return a == AuthPlain || a == AuthLogin || a == "" }

// token reports whether a logs in with an access token.
func (a Auth) token() bool { return a == AuthXOAuth2 || a == AuthOAuthBearer }

// IMAP is how to reach and log in to an IMAP server.
type IMAP struct {
	// Host is the server's name. Required.
	Host string `yaml:"host" json:"host"`
	// Port defaults to 993 for tls, 143 for starttls and none.
	Port int `yaml:"port" json:"port"`
	// Security defaults to tls.
	Security Security `yaml:"security" json:"security"`
	// Username is the login name. Required.
	Username string `yaml:"username" json:"username"`
	// SecretSource holds the password for auth plain.
	SecretSource `yaml:",inline"`
	// Auth is plain (the default), xoauth2 or oauthbearer.
	Auth Auth `yaml:"auth" json:"auth"`
	// TokenCommand prints an access token; required for xoauth2 and
	// oauthbearer. Run with /bin/sh -c at every login.
	TokenCommand string `yaml:"token_command,omitempty" json:"token_command,omitempty"`
	// CAFile is a PEM file of extra certificate authorities to trust.
	CAFile string `yaml:"ca_file,omitempty" json:"ca_file,omitempty"`
	// TLSServerName overrides the name verified in the server's
	// certificate; empty means Host.
	TLSServerName string `yaml:"tls_server_name,omitempty" json:"tls_server_name,omitempty"`
	// AllowPlaintextAuth permits sending a password or token over
	// security: none to a host that is not loopback.
	AllowPlaintextAuth bool `yaml:"allow_plaintext_auth" json:"allow_plaintext_auth"`
	// Compress is auto (the default), always or never: when to ask a
	// server that offers COMPRESS=DEFLATE to compress the connection.
	Compress Compression `yaml:"compress" json:"compress"`
}

// Folders narrows the folders of an account that are read. Entries are
// folder names or globs in which '*' matches any run of characters,
// hierarchy delimiters included ("Lists/*" matches "Lists/go/nuts"), and
// '?' matches one character; INBOX matches in any case. Include, when not
// empty, keeps only the folders it matches (the Sent folder is always
// read); Exclude wins over everything.
type Folders struct {
	// Include lists the folders to read; empty means all.
	Include []string `yaml:"include" json:"include"`
	// Exclude lists folders never to read.
	Exclude []string `yaml:"exclude" json:"exclude"`
}

// Store is where rekindle keeps the headers it has read.
type Store struct {
	// Path is the SQLite database file. Default: $STATE_DIRECTORY/rekindle.db
	// under systemd, else $XDG_STATE_HOME/rekindle/rekindle.db, else
	// ~/.local/state/rekindle/rekindle.db.
	Path string `yaml:"path" json:"path"`
}

// Sync says how often and how the accounts are read.
type Sync struct {
	// Interval is the time between syncs; 1m to 24h, default 15m.
	Interval Duration `yaml:"interval" json:"interval"`
	// BatchSize is how many fetched messages are written to the store at
	// a time (each batch is where an interrupted sync resumes, and a step
	// of the progress line); 50 to 10000,
	// default 1000.
	BatchSize int `yaml:"batch_size" json:"batch_size"`
	// Idle makes the daemon (rekindle run) keep one connection per
	// account waiting in IMAP IDLE on INBOX between syncs, and sync
	// seconds after new mail arrives there; the interval syncs go on, for
	// the other folders and whenever a server lacks IDLE or the
	// connection drops. Default false: sync every Interval only.
	Idle bool `yaml:"idle" json:"idle"`
}

// SMTP is how to reach and log in to the server digests are sent
// through.
type SMTP struct {
	// Host is the server's name. Required.
	Host string `yaml:"host" json:"host"`
	// Port defaults to 465 for tls, 587 for starttls and 25 for none.
	Port int `yaml:"port" json:"port"`
	// Security defaults to tls.
	Security Security `yaml:"security" json:"security"`
	// Username is the login name; required unless auth is none.
	Username string `yaml:"username" json:"username"`
	// SecretSource holds the password for auth plain and login.
	SecretSource `yaml:",inline"`
	// Auth is plain (the default), login, xoauth2, oauthbearer or none.
	Auth Auth `yaml:"auth" json:"auth"`
	// TokenCommand prints an access token; required for xoauth2 and
	// oauthbearer.
	TokenCommand string `yaml:"token_command,omitempty" json:"token_command,omitempty"`
	// CAFile is a PEM file of extra certificate authorities to trust.
	CAFile string `yaml:"ca_file,omitempty" json:"ca_file,omitempty"`
	// TLSServerName overrides the name verified in the server's
	// certificate; empty means Host.
	TLSServerName string `yaml:"tls_server_name,omitempty" json:"tls_server_name,omitempty"`
	// AllowPlaintextAuth permits sending a password or token over
	// security: none to a host that is not loopback.
	AllowPlaintextAuth bool `yaml:"allow_plaintext_auth" json:"allow_plaintext_auth"`
	// From is the digest's From address. Default: me.name <first of
	// me.addresses>.
	From string `yaml:"from" json:"from"`
}

// draftStatuses are the relationship statuses drafts_by_status may name,
// from warmest to coldest: all but warm, as only pinned contacts are
// picked warm.
func draftStatuses() []string {
	var out []string
	for _, s := range rekindle.Statuses() {
		if s != rekindle.StatusWarm {
			out = append(out, string(s))
		}
	}
	return out
}

// defaultDraftsByStatus maps each of draftStatuses to its default draft
// kind.
func defaultDraftsByStatus() map[string]string {
	m := map[string]string{}
	for _, s := range draftStatuses() {
		m[s] = rekindle.Status(s).DefaultDraftKind()
	}
	return m
}

// Digest says what the morning digest holds, to whom and when it goes.
type Digest struct {
	// To is the digest's recipient. Default: the first of me.addresses.
	To string `yaml:"to" json:"to"`
	// MaxContacts is the most people in one digest; 1 to 20, default 5.
	MaxContacts int `yaml:"max_contacts" json:"max_contacts"`
	// Schedule is a cron expression: five fields, or six with seconds
	// first, or a descriptor such as @daily. Default "0 7 * * *".
	Schedule string `yaml:"schedule" json:"schedule"`
	// Timezone is the IANA zone Schedule is read in; default "Local".
	Timezone string `yaml:"timezone" json:"timezone"`
	// Grace is how late a missed digest may still be sent at start;
	// 0 to 7d, default 6h.
	Grace Duration `yaml:"grace" json:"grace"`
	// Cooldown is how long before the same person is suggested again;
	// 0 to 365d, default 14d.
	Cooldown Duration `yaml:"cooldown" json:"cooldown"`
	// QuietDays skips anyone contacted within that many days; 0 to 365,
	// default 14.
	QuietDays int `yaml:"quiet_days" json:"quiet_days"`
	// SendWhenEmpty sends a short "nothing due" digest instead of none.
	SendWhenEmpty bool `yaml:"send_when_empty" json:"send_when_empty"`
	// DraftsByStatus maps a relationship status (cooling, cold, dormant)
	// to the kind of draft written for it. Statuses left out keep their
	// defaults: cooling and cold checkin, dormant reconnect.
	DraftsByStatus map[string]string `yaml:"drafts_by_status" json:"drafts_by_status"`
	// DraftsByTag maps a contact tag to the kind of draft written for it,
	// e.g. jobsearch: referral; it wins over DraftsByStatus.
	DraftsByTag map[string]string `yaml:"drafts_by_tag" json:"drafts_by_tag"`
	// FollowupAfterDays is when an unanswered thread counts as awaiting a
	// reply or owing one; 1 to 90, default 5.
	FollowupAfterDays int `yaml:"followup_after_days" json:"followup_after_days"`

	// Cron is Schedule parsed, and Zone is Timezone loaded: Load sets
	// both, once, so nothing parses them again. Cron is given times in
	// Zone (Cron.Next(t.In(Zone))).
	Cron cron.Schedule  `yaml:"-" json:"-"`
	Zone *time.Location `yaml:"-" json:"-"`
}

// AddressBook is the user's address book. Each card's addresses are one
// person, its name names them and its categories tag them; the user's
// own merges, splits and tags come first.
type AddressBook struct {
	// Files are vCard files, or directories of them (as vdirsyncer and
	// khard keep them), read with their subdirectories at every model
	// build. Paths as for every path: ~/ expanded, relative to the
	// configuration file.
	Files []string `yaml:"files" json:"files"`
	// CardDAV is an address book on a CardDAV server, read at every sync
	// and kept in the store; nil when the file has no carddav section.
	CardDAV *CardDAV `yaml:"carddav,omitempty" json:"carddav,omitempty"`
}

// CardDAV is how to reach and log in to a CardDAV address book.
type CardDAV struct {
	// URL is the address book's own URL (the collection holding the
	// cards), https or http. Required.
	URL string `yaml:"url" json:"url"`
	// Username is the login name. Required.
	Username string `yaml:"username" json:"username"`
	// SecretSource holds the password; with none set, the systemd
	// credential carddav.password.
	SecretSource `yaml:",inline"`
	// CAFile is a PEM file of extra certificate authorities to trust.
	CAFile string `yaml:"ca_file,omitempty" json:"ca_file,omitempty"`
	// TLSServerName overrides the name verified in the server's
	// certificate; empty means the URL's host.
	TLSServerName string `yaml:"tls_server_name,omitempty" json:"tls_server_name,omitempty"`
	// AllowPlaintextAuth permits an http URL to a host that is not
	// loopback, which sends the password in clear.
	AllowPlaintextAuth bool `yaml:"allow_plaintext_auth" json:"allow_plaintext_auth"`
	// Timeout bounds a whole read of the address book, from connecting
	// to the last card; 1s to 10m, default 1m.
	Timeout Duration `yaml:"timeout" json:"timeout"`
}

// DefaultCardDAVTimeout is address_book.carddav.timeout's default.
const DefaultCardDAVTimeout = time.Minute

// Templates locates the user's templates.
type Templates struct {
	// Dir holds templates that replace the embedded defaults of the same
	// file name; empty means the defaults only.
	Dir string `yaml:"dir" json:"dir"`
}

// Log configures logging.
type Log struct {
	// Format is text (the default) or json.
	Format string `yaml:"format" json:"format"`
	// Level is debug, info (the default), warn or error.
	Level string `yaml:"level" json:"level"`
}

// SlogLevel returns Level as a slog.Level; info when it is not one.
func (l Log) SlogLevel() slog.Level {
	switch l.Level {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// Next returns the first time after t at which the digest is due, in
// Zone; the zero time when the schedule never fires.
func (d *Digest) Next(t time.Time) time.Time {
	return d.Cron.Next(t.In(d.Zone))
}

// cronParser reads five fields, or six with seconds first, and
// descriptors such as @daily.
var cronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour |
	cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// defaultCron is the default digest.schedule, 07:00 every day.
var defaultCron = must(parseSchedule("0 7 * * *"))

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// parseSchedule parses a digest.schedule value.
func parseSchedule(spec string) (cron.Schedule, error) {
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		return nil, fmt.Errorf("%q: set the time zone with digest.timezone, not in the schedule", spec)
	}
	return cronParser.Parse(spec)
}

// loadLocation loads an IANA zone; "" and "Local" are the local zone.
func loadLocation(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return time.Local, nil
	}
	return time.LoadLocation(name)
}

// Loader loads configuration in a given environment. Its zero value uses
// the process environment; tests set Getenv.
type Loader struct {
	// Getenv reads an environment variable: HOME, STATE_DIRECTORY,
	// XDG_STATE_HOME and CREDENTIALS_DIRECTORY while loading, and the
	// variables named by password_env when resolving. Nil means os.Getenv.
	Getenv func(string) string
}

// Default returns the configuration used for every key a file leaves
// out. It has no account and no address, so it is not valid by itself.
func Default() *Config { return Loader{}.Default() }

// Load reads, parses and validates the configuration file at path.
// Relative paths in it are taken relative to the file's directory.
func Load(path string) (*Config, error) { return Loader{}.Load(path) }

// Parse parses and validates a configuration. Relative paths in it stay
// relative to the working directory.
func Parse(data []byte) (*Config, error) { return Loader{}.Parse(data) }

// Default returns the configuration used for every key a file leaves
// out, with store.path computed from l's environment.
func (l Loader) Default() *Config {
	return &Config{
		Store: Store{Path: defaultStorePath(orGetenv(l.Getenv))},
		Sync: Sync{
			Interval:  Duration(15 * time.Minute),
			BatchSize: 1000,
		},
		Digest: Digest{
			MaxContacts:       5,
			Schedule:          "0 7 * * *",
			Timezone:          "Local",
			Grace:             Duration(6 * time.Hour),
			Cooldown:          Duration(14 * day),
			QuietDays:         14,
			DraftsByStatus:    defaultDraftsByStatus(),
			DraftsByTag:       map[string]string{},
			FollowupAfterDays: 5,
			Cron:              defaultCron,
			Zone:              time.Local,
		},
		Log:      Log{Format: "text", Level: "info"},
		Timeouts: Timeouts{SecretCommand: Duration(DefaultSecretCommandTimeout)},
	}
}

// Load reads, parses and validates the configuration file at path.
// Relative paths in it are taken relative to the file's directory.
func (l Loader) Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read configuration: %w", err)
	}
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("read configuration: %w", err)
	}
	return l.parse(data, path, dir)
}

// Parse parses and validates a configuration. Relative paths in it stay
// relative to the working directory.
func (l Loader) Parse(data []byte) (*Config, error) {
	return l.parse(data, "", "")
}

func (l Loader) parse(data []byte, file, dir string) (*Config, error) {
	cfg := l.Default()
	d, err := parseDoc(data, file)
	if err != nil {
		return nil, err
	}
	if d.body != nil {
		dropNulls(d.body)
		if err := d.decode(cfg); err != nil {
			return nil, err
		}
		if err := d.checkWholeNumbers(); err != nil {
			return nil, err
		}
	}
	c := &checker{doc: d, getenv: orGetenv(l.Getenv), custom: l.Getenv, dir: dir}
	if err := c.config(cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

// checker validates a decoded configuration and fills the defaults that
// depend on other keys.
type checker struct {
	*doc
	getenv func(string) string
	custom func(string) string // Loader.Getenv as given, nil for os.Getenv
	dir    string              // relative paths are taken from here; "" keeps them
}

// accountName is what an account name may be made of: it becomes a store
// key and a file name.
var accountName = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// envName is a portable environment variable name.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (c *checker) config(cfg *Config) error {
	steps := []func(*Config) error{c.me, c.accounts, c.store, c.sync, c.smtp, c.digest, c.ignore, c.addressBook, c.templates, c.log, c.timeouts, c.notify}
	for _, step := range steps {
		if err := step(cfg); err != nil {
			return err
		}
	}
	return nil
}

func (c *checker) me(cfg *Config) error {
	m := &cfg.Me
	m.Name = strings.TrimSpace(m.Name)
	if len(m.Addresses) == 0 {
		return c.errorf("me.addresses", "required: list every address you send mail from, aliases included")
	}
	seen := map[string]bool{}
	var addrs []string
	for i, a := range m.Addresses {
		key := fmt.Sprintf("me.addresses[%d]", i)
		addr, err := parseAddress(a)
		if err != nil {
			return c.errorf(key, "%v", err)
		}
		if !seen[addr] {
			seen[addr] = true
			addrs = append(addrs, addr)
		}
	}
	m.Addresses = addrs
	for i := range m.TargetCompanies {
		t := &m.TargetCompanies[i]
		key := fmt.Sprintf("me.target_companies[%d]", i)
		t.Name = strings.TrimSpace(t.Name)
		for j, d := range t.Domains {
			d = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "@"))
			if d == "" || strings.ContainsAny(d, " @/") || !strings.Contains(d, ".") {
				return c.errorf(fmt.Sprintf("%s.domains[%d]", key, j), "%q is not a domain; write one such as globex.com", t.Domains[j])
			}
			t.Domains[j] = d
		}
		if t.Name == "" && len(t.Domains) == 0 {
			return c.errorf(key, "empty; write a company name, a domain, or {name: Globex, domains: [globex.com]}")
		}
	}
	return nil
}

// parseAddress parses an address ("jane@example.com" or "Jane
// <jane@example.com>") and returns its bare, lower-cased address.
func parseAddress(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("empty; write an address such as jane@example.com")
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return "", fmt.Errorf("%q is not an email address: %v", s, err)
	}
	return strings.ToLower(a.Address), nil
}

func (c *checker) accounts(cfg *Config) error {
	if len(cfg.Accounts) == 0 {
		return c.errorf("accounts", "required: add at least one account with a name and an imap section")
	}
	names := map[string]int{}
	for i := range cfg.Accounts {
		a := &cfg.Accounts[i]
		key := fmt.Sprintf("accounts[%d]", i)
		a.Name = strings.TrimSpace(a.Name)
		switch {
		case a.Name == "":
			return c.errorf(key+".name", "required: a short name such as work or personal")
		case !accountName.MatchString(a.Name):
			return c.errorf(key+".name", "%q: use only letters, digits, '.', '_' and '-' (it becomes a file name)", a.Name)
		}
		if j, dup := names[strings.ToLower(a.Name)]; dup {
			return c.errorf(key+".name", "%q is already the name of accounts[%d]; names must be unique", a.Name, j)
		}
		names[strings.ToLower(a.Name)] = i
		if err := c.server(server{
			key: key + ".imap", host: &a.IMAP.Host, port: &a.IMAP.Port, security: &a.IMAP.Security,
			username: &a.IMAP.Username, secret: &a.IMAP.SecretSource, auth: &a.IMAP.Auth,
			tokenCommand: &a.IMAP.TokenCommand, caFile: &a.IMAP.CAFile,
			allowPlaintext: a.IMAP.AllowPlaintextAuth, credential: a.Name + ".password",
			ports: map[Security]int{SecurityTLS: 993, SecurityStartTLS: 143, SecurityNone: 143},
			auths: IMAPAuths(),
		}); err != nil {
			return err
		}
		switch cmp := a.IMAP.Compress; {
		case cmp == "":
			a.IMAP.Compress = CompressAuto
		case !slices.Contains(Compressions(), cmp):
			return c.errorf(key+".imap.compress", "%q: use %s", cmp, orList(stringsOf(Compressions())))
		case cmp == CompressAlways && a.IMAP.Security == SecurityStartTLS:
			return c.errorf(key+".imap.compress", "%q: rekindle compresses only with security: tls (or none); with starttls, use auto or never", cmp)
		}
		for _, f := range []struct {
			list []string
			name string
		}{{a.Folders.Include, "include"}, {a.Folders.Exclude, "exclude"}} {
			for j, g := range f.list {
				if strings.TrimSpace(g) == "" {
					return c.errorf(fmt.Sprintf("%s.folders.%s[%d]", key, f.name, j), "empty; write a folder name or glob such as Lists/*")
				}
			}
		}
	}
	return nil
}

// server is what IMAP and SMTP have in common, for validation.
type server struct {
	key                          string // "accounts[0].imap", "smtp"
	host, username, tokenCommand *string
	caFile                       *string
	port                         *int
	security                     *Security
	auth                         *Auth
	secret                       *SecretSource
	allowPlaintext               bool
	credential                   string           // systemd credential file name
	ports                        map[Security]int // default port per security
	auths                        []Auth           // accepted mechanisms, the first is the default
}

func (c *checker) server(s server) error {
	k := s.key + "."
	*s.host = strings.TrimSpace(*s.host)
	host := *s.host
	switch {
	case host == "":
		return c.errorf(k+"host", "required: the server's name, e.g. mail.example.com")
	case strings.Contains(host, "://"):
		return c.errorf(k+"host", "%q: write the server's name only, without a scheme", host)
	}
	if h, p, err := net.SplitHostPort(host); err == nil {
		return c.errorf(k+"host", "%q: write the port under %sport: %s, and only %s here", host, k, p, h)
	}

	switch sec := *s.security; {
	case sec == "":
		*s.security = SecurityTLS
	case slices.Contains(Securities(), sec):
	case sec == "ssl" || sec == "SSL":
		return c.errorf(k+"security", "%q: write tls (TLS from the first byte) or starttls", sec)
	default:
		return c.errorf(k+"security", "%q: use %s", sec, orList(stringsOf(Securities())))
	}

	if c.has(k+"port") || *s.port != 0 {
		if *s.port < 1 || *s.port > 65535 {
			return c.errorf(k+"port", "%d is out of range 1..65535", *s.port)
		}
	} else {
		*s.port = s.ports[*s.security]
	}
	if err := c.portMatchesSecurity(s); err != nil {
		return err
	}

	if *s.auth == "" {
		*s.auth = s.auths[0]
	}
	if !slices.Contains(s.auths, *s.auth) {
		return c.errorf(k+"auth", "%q: use %s", *s.auth, orList(stringsOf(s.auths)))
	}
	auth := *s.auth

	*s.username = strings.TrimSpace(*s.username)
	if auth != AuthNone && *s.username == "" {
		return c.errorf(k+"username", "required: the name you log in with")
	}

	s.secret.PasswordFile = strings.TrimSpace(s.secret.PasswordFile)
	s.secret.PasswordCommand = strings.TrimSpace(s.secret.PasswordCommand)
	s.secret.PasswordEnv = strings.TrimSpace(s.secret.PasswordEnv)
	*s.tokenCommand = strings.TrimSpace(*s.tokenCommand)
	set := s.secret.setKeys()
	switch {
	case auth.password():
		if *s.tokenCommand != "" {
			return c.errorf(k+"token_command", "only used with auth: xoauth2 or oauthbearer; remove it or change auth")
		}
		if len(set) > 1 {
			return c.errorf(k+set[1], "%s is set too; keep only one of password, password_file, password_command, password_env", set[0])
		}
		if len(set) == 0 && !c.hasCredential(s.credential) {
			return c.errorf(k+"password", "no password: set one of password, password_file, password_command or password_env"+
				" (under systemd, LoadCredential=%s works too)", s.credential)
		}
	case auth.token():
		if len(set) > 0 {
			return c.errorf(k+set[0], "not used with auth: %s, which logs in with token_command; remove it", auth)
		}
		if *s.tokenCommand == "" {
			return c.errorf(k+"token_command", "required with auth: %s: a command that prints an access token", auth)
		}
	case auth == AuthNone:
		if len(set) > 0 {
			return c.errorf(k+set[0], "not used with auth: none; remove it or set auth: plain")
		}
		if *s.tokenCommand != "" {
			return c.errorf(k+"token_command", "not used with auth: none; remove it")
		}
	}
	if s.secret.PasswordEnv != "" && !envName.MatchString(s.secret.PasswordEnv) {
		return c.errorf(k+"password_env", "%q is not an environment variable name; write the name only, without $", s.secret.PasswordEnv)
	}
	s.secret.getenv = c.custom

	if *s.security == SecurityNone && auth != AuthNone && !s.allowPlaintext && !isLoopback(host) {
		return c.errorf(k+"security", "none would send your %s in clear to %s; use tls or starttls, "+
			"or set %sallow_plaintext_auth: true to accept that", credentialWord(auth), host, k)
	}

	var err error
	if s.secret.PasswordFile, err = c.path(k+"password_file", s.secret.PasswordFile); err != nil {
		return err
	}
	if *s.caFile, err = c.path(k+"ca_file", *s.caFile); err != nil {
		return err
	}
	return nil
}

// portMatchesSecurity refuses the well-known ports used with the wrong
// security, a mistake that otherwise shows up as a hanging connection.
func (c *checker) portMatchesSecurity(s server) error {
	implicit := map[int]bool{993: true, 465: true}
	plain := map[int]bool{143: true, 587: true, 25: true}
	k := s.key + "."
	switch {
	case *s.security == SecurityTLS && plain[*s.port]:
		return c.errorf(k+"port", "%d is the port for starttls or none, but security is tls; set %ssecurity: starttls, or the TLS port", *s.port, k)
	case *s.security != SecurityTLS && implicit[*s.port]:
		return c.errorf(k+"port", "%d is the port for tls, but security is %s; set %ssecurity: tls, or another port", *s.port, *s.security, k)
	}
	return nil
}

// credentialWord names what an auth mechanism sends.
func credentialWord(a Auth) string {
	if a.token() {
		return "access token"
	}
	return "password"
}

// hasCredential reports whether the systemd credential name exists.
func (c *checker) hasCredential(name string) bool {
	dir := c.getenv("CREDENTIALS_DIRECTORY")
	if dir == "" {
		return false
	}
	_, err := os.Stat(filepath.Join(dir, name))
	return err == nil
}

// isLoopback reports whether host is "localhost" itself or a literal
// loopback address (127.0.0.0/8, ::1). A name under .localhost is not:
// rekindle resolves it like any other name, through /etc/hosts or DNS,
// which may send it anywhere.
func isLoopback(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// path expands "~" in p and, when loading from a file, makes it relative
// to the file's directory.
func (c *checker) path(key, p string) (string, error) {
	if p == "" {
		return "", nil
	}
	e, err := expandHome(p, c.getenv)
	if err != nil {
		return "", c.errorf(key, "%v", err)
	}
	if c.dir != "" && !filepath.IsAbs(e) {
		e = filepath.Join(c.dir, e)
	}
	return e, nil
}

func (c *checker) store(cfg *Config) error {
	if strings.TrimSpace(cfg.Store.Path) == "" {
		return c.errorf("store.path", "empty; leave the key out for the default")
	}
	p, err := c.path("store.path", cfg.Store.Path)
	if err != nil {
		return err
	}
	cfg.Store.Path = p
	return nil
}

func (c *checker) sync(cfg *Config) error {
	if d := cfg.Sync.Interval.Std(); d < time.Minute || d > day {
		return c.errorf("sync.interval", "%s is out of range 1m..24h", cfg.Sync.Interval)
	}
	if n := cfg.Sync.BatchSize; n < 50 || n > 10000 {
		return c.errorf("sync.batch_size", "%d is out of range 50..10000", n)
	}
	return nil
}

func (c *checker) smtp(cfg *Config) error {
	s := cfg.SMTP
	if s == nil {
		return nil
	}
	if err := c.server(server{
		key: "smtp", host: &s.Host, port: &s.Port, security: &s.Security,
		username: &s.Username, secret: &s.SecretSource, auth: &s.Auth,
		tokenCommand: &s.TokenCommand, caFile: &s.CAFile,
		allowPlaintext: s.AllowPlaintextAuth, credential: "smtp.password",
		ports: map[Security]int{SecurityTLS: 465, SecurityStartTLS: 587, SecurityNone: 25},
		auths: SMTPAuths(),
	}); err != nil {
		return err
	}
	s.From = strings.TrimSpace(s.From)
	if s.From == "" {
		s.From = (&mail.Address{Name: cfg.Me.Name, Address: cfg.Me.Addresses[0]}).String()
		return nil
	}
	if _, err := mail.ParseAddress(s.From); err != nil {
		return c.errorf("smtp.from", "%q is not an address such as \"rekindle <jane@example.com>\": %v", s.From, err)
	}
	return nil
}

func (c *checker) digest(cfg *Config) error {
	d := &cfg.Digest
	d.To = strings.TrimSpace(d.To)
	if d.To == "" {
		d.To = cfg.Me.Addresses[0]
	} else if _, err := mail.ParseAddress(d.To); err != nil {
		return c.errorf("digest.to", "%q is not an email address: %v", d.To, err)
	}
	if n := d.MaxContacts; n < 1 || n > 20 {
		return c.errorf("digest.max_contacts", "%d is out of range 1..20", n)
	}
	d.Schedule = strings.TrimSpace(d.Schedule)
	var err error
	if d.Cron, err = parseSchedule(d.Schedule); err != nil {
		return c.errorf("digest.schedule", "%v; write a cron expression such as \"0 7 * * *\" (07:00 every day)", err)
	}
	if d.Timezone == "" {
		d.Timezone = "Local"
	}
	if d.Zone, err = loadLocation(d.Timezone); err != nil {
		return c.errorf("digest.timezone", "unknown time zone %q; use an IANA name such as Europe/Paris, or Local", d.Timezone)
	}
	if g := d.Grace.Std(); g > 7*day {
		return c.errorf("digest.grace", "%s is out of range 0..7d", d.Grace)
	}
	if g := d.Cooldown.Std(); g > 365*day {
		return c.errorf("digest.cooldown", "%s is out of range 0..365d", d.Cooldown)
	}
	if n := d.QuietDays; n < 0 || n > 365 {
		return c.errorf("digest.quiet_days", "%d is out of range 0..365", n)
	}
	if n := d.FollowupAfterDays; n < 1 || n > 90 {
		return c.errorf("digest.followup_after_days", "%d is out of range 1..90", n)
	}
	if d.DraftsByStatus == nil {
		d.DraftsByStatus = map[string]string{}
	}
	statuses := draftStatuses()
	for _, status := range sortedKeys(d.DraftsByStatus) {
		key := "digest.drafts_by_status." + status
		if !slices.Contains(statuses, status) {
			return c.errorf(key, "unknown status %q; the statuses are %s", status, strings.Join(statuses, ", "))
		}
		if err := c.checkDraftKind(key, d.DraftsByStatus); err != nil {
			return err
		}
	}
	for status, kind := range defaultDraftsByStatus() {
		if _, ok := d.DraftsByStatus[status]; !ok {
			d.DraftsByStatus[status] = kind
		}
	}
	if d.DraftsByTag == nil {
		d.DraftsByTag = map[string]string{}
	}
	for _, tag := range sortedKeys(d.DraftsByTag) {
		key := "digest.drafts_by_tag." + tag
		if strings.TrimSpace(tag) == "" {
			return c.errorf("digest.drafts_by_tag", "a tag is empty")
		}
		if err := c.checkDraftKind(key, d.DraftsByTag); err != nil {
			return err
		}
	}
	return nil
}

// checkDraftKind checks the draft kind at key, the last element of which is
// its key in m.
func (c *checker) checkDraftKind(key string, m map[string]string) error {
	k := m[key[strings.LastIndexByte(key, '.')+1:]]
	if !rekindle.ValidDraftKind(k) {
		return c.errorf(key, "%q is not a draft kind: write a template name such as checkin, reconnect or referral", k)
	}
	return nil
}

func (c *checker) ignore(cfg *Config) error {
	for i, p := range cfg.Ignore {
		key := fmt.Sprintf("ignore[%d]", i)
		p = strings.ToLower(strings.TrimSpace(p))
		cfg.Ignore[i] = p
		if p == "" {
			return c.errorf(key, "empty; write an address, a domain or a glob such as *@linkedin.com")
		}
		if strings.Count(p, "@") > 1 {
			return c.errorf(key, "%q has more than one @", p)
		}
		if _, err := path.Match(p, ""); err != nil {
			return c.errorf(key, "%q is not a valid glob: %v", p, err)
		}
	}
	return nil
}

func (c *checker) addressBook(cfg *Config) error {
	ab := &cfg.AddressBook
	for i, p := range ab.Files {
		key := fmt.Sprintf("address_book.files[%d]", i)
		p = strings.TrimSpace(p)
		if p == "" {
			return c.errorf(key, "empty; write a vCard file, or a directory of them such as ~/.contacts/")
		}
		var err error
		if ab.Files[i], err = c.path(key, p); err != nil {
			return err
		}
	}
	d := ab.CardDAV
	if d == nil {
		return nil
	}
	const k = "address_book.carddav."
	d.URL = strings.TrimSpace(d.URL)
	if d.URL == "" {
		return c.errorf(k+"url", "required: the address book's URL, such as https://dav.example.com/addressbooks/jane/contacts/")
	}
	u, err := url.Parse(d.URL)
	switch {
	case err != nil:
		return c.errorf(k+"url", "%q is not a URL: %v", d.URL, err)
	case u.Scheme != "https" && u.Scheme != "http":
		return c.errorf(k+"url", "%q: write an https:// URL (or http://)", d.URL)
	case u.Host == "" || u.Hostname() == "":
		return c.errorf(k+"url", "%q has no host", d.URL)
	case u.User != nil:
		return c.errorf(k+"url", "%q has a login in it: write the name under %susername and the password with one of the password keys", redactURL(u), k)
	}
	d.Username = strings.TrimSpace(d.Username)
	if d.Username == "" {
		return c.errorf(k+"username", "required: the name you log in with")
	}
	s := &d.SecretSource
	s.PasswordFile = strings.TrimSpace(s.PasswordFile)
	s.PasswordCommand = strings.TrimSpace(s.PasswordCommand)
	s.PasswordEnv = strings.TrimSpace(s.PasswordEnv)
	set := s.setKeys()
	if len(set) > 1 {
		return c.errorf(k+set[1], "%s is set too; keep only one of password, password_file, password_command, password_env", set[0])
	}
	if len(set) == 0 && !c.hasCredential("carddav.password") {
		return c.errorf(k+"password", "no password: set one of password, password_file, password_command or password_env"+
			" (under systemd, LoadCredential=carddav.password works too)")
	}
	if s.PasswordEnv != "" && !envName.MatchString(s.PasswordEnv) {
		return c.errorf(k+"password_env", "%q is not an environment variable name; write the name only, without $", s.PasswordEnv)
	}
	s.getenv = c.custom
	if u.Scheme == "http" && !d.AllowPlaintextAuth && !isLoopback(u.Hostname()) {
		return c.errorf(k+"url", "http:// would send your password in clear to %s; use https://, "+
			"or set %sallow_plaintext_auth: true to accept that", u.Hostname(), k)
	}
	if s.PasswordFile, err = c.path(k+"password_file", s.PasswordFile); err != nil {
		return err
	}
	if d.CAFile, err = c.path(k+"ca_file", d.CAFile); err != nil {
		return err
	}
	d.TLSServerName = strings.TrimSpace(d.TLSServerName)
	if !c.has(k+"timeout") && d.Timeout == 0 {
		d.Timeout = Duration(DefaultCardDAVTimeout)
	}
	if t := d.Timeout.Std(); t < time.Second || t > 10*time.Minute {
		return c.errorf(k+"timeout", "%s is out of range 1s..10m", d.Timeout)
	}
	return nil
}

// redactURL is u with its password, if any, replaced.
func redactURL(u *url.URL) string {
	if _, ok := u.User.Password(); ok {
		v := *u
		v.User = url.UserPassword(u.User.Username(), "xxxxx")
		return v.String()
	}
	return u.String()
}

// Resolve returns the CardDAV password, from the secret source or from
// the systemd credential carddav.password. A password command is bounded
// as for IMAP.
func (c *CardDAV) Resolve(ctx context.Context) (string, error) {
	return c.SecretSource.resolve(ctx, "address_book.carddav", "carddav.password")
}

func (c *checker) templates(cfg *Config) error {
	p, err := c.path("templates.dir", cfg.Templates.Dir)
	if err != nil {
		return err
	}
	cfg.Templates.Dir = p
	return nil
}

func (c *checker) log(cfg *Config) error {
	switch cfg.Log.Format {
	case "text", "json":
	default:
		return c.errorf("log.format", "%q: use text or json", cfg.Log.Format)
	}
	switch cfg.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return c.errorf("log.level", "%q: use debug, info, warn or error", cfg.Log.Level)
	}
	return nil
}

// orList joins names as "a, b or c".
func orList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// stringsOf returns vs as plain strings.
func stringsOf[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}
