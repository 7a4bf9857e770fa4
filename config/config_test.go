package config

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rekindle/rekindle"
)

// fakeEnv returns a getenv that reads vars only, so tests never depend on
// the real environment.
func fakeEnv(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// testLoader is a Loader in a fixed environment: HOME=/home/jane.
func testLoader() Loader {
	return Loader{Getenv: fakeEnv(map[string]string{"HOME": "/home/jane"})}
}

// TestFixtures loads one fixture per rule. Each error must name the file,
// the line and the key.
func TestFixtures(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		wantErr string // substring of the error; "" for a valid file
	}{
		// Valid files.
		{"minimal", "minimal.yaml", ""},
		{"security none to loopback", "loopback-plaintext.yaml", ""},
		{"plaintext allowed", "plaintext-allowed.yaml", ""},
		{"xoauth2", "xoauth2.yaml", ""},
		{"smtp relay without auth", "smtp-relay.yaml", ""},
		{"relative paths and ~", "relative-paths.yaml", ""},
		{"empty sections keep defaults", "null-sections.yaml", ""},
		{"drafts maps", "drafts-partial.yaml", ""},
		{"unquoted numeric password", "unquoted-password.yaml", ""},
		{"anchors and aliases", "anchors.yaml", ""},
		{"sync.idle", "sync-idle.yaml", ""},

		// The document.
		{"syntax error", "syntax.yaml", "syntax.yaml:4: invalid YAML"},
		{"tab", "syntax-tab.yaml", "syntax-tab.yaml:2: invalid YAML: a tab; indent with spaces"},
		{"duplicate key", "duplicate-key.yaml", `duplicate-key.yaml:12: key "interval" is written twice (first at line 11)`},
		{"two documents", "two-documents.yaml", "two-documents.yaml:11: a second YAML document"},
		{"not a mapping", "not-a-mapping.yaml", "not-a-mapping.yaml:1: the configuration must be a mapping"},
		{"unknown key with suggestion", "unknown-key.yaml", `unknown-key.yaml:9: accounts[0].imap.pasword: unknown key; did you mean "password"?`},
		{"unknown top-level key", "unknown-top-key.yaml", `unknown-top-key.yaml:10: digests: unknown key; did you mean "digest"?`},
		{"unknown key lists the keys", "unknown-key-no-suggestion.yaml", "unknown-key-no-suggestion.yaml:11: log.colour: unknown key; the keys here are format, level"},
		{"wrong type", "wrong-type.yaml", `wrong-type.yaml:11: sync.batch_size: expected a whole number, got "many"`},
		{"quoted boolean", "quoted-bool.yaml", `quoted-bool.yaml:10: sync.idle: expected true or false, got "true"; remove the quotes`},
		{"merge overriding a key", "merge-override.yaml", "merge-override.yaml:12: accounts[1].imap.host: the key is also set by a merge (<<)"},
		{"string for a list", "wrong-type-list.yaml", "wrong-type-list.yaml:2: me.addresses: expected a list, got a string"},
		{"fraction for a whole number", "fraction.yaml", `fraction.yaml:11: digest.max_contacts: expected a whole number, got "2.5"`},
		{"password not a string", "password-not-string.yaml", "password-not-string.yaml:9: accounts[0].imap.password: expected a string; put the password in quotes"},
		{"number overflow", "port-overflow.yaml", "port-overflow.yaml:10: accounts[0].imap.port:"},

		// me.
		{"me.addresses required", "me-addresses-missing.yaml", "me.addresses: required"},
		{"me.addresses invalid", "me-address-invalid.yaml", `me-address-invalid.yaml:2: me.addresses[1]: "not-an-address" is not an email address`},
		{"me.target_companies empty", "me-target-company-empty.yaml", "me-target-company-empty.yaml:4: me.target_companies[1]: empty"},
		{"me.target_companies names and domains", "me-target-companies.yaml", ""},
		{"me.target_companies domains", "me-target-company-bad-domain.yaml", `me.target_companies[0].domains[0]: "initech" is not a domain`},
		{"me.target_companies keys", "me-target-company-unknown-key.yaml", "me-target-company-unknown-key.yaml:5: me.target_companies[0]"},

		// accounts.
		{"accounts required", "accounts-missing.yaml", "accounts: required"},
		{"account name required", "account-name-missing.yaml", "account-name-missing.yaml:5: accounts[0].name: required"},
		{"account name characters", "account-name-invalid.yaml", `accounts[0].name: "my work": use only letters, digits`},
		{"account names unique", "account-name-duplicate.yaml", `account-name-duplicate.yaml:7: accounts[1].name: "Work" is already the name of accounts[0]`},
		{"imap.host required", "imap-host-missing.yaml", "imap-host-missing.yaml:6: accounts[0].imap.host: required"},
		{"imap.host with a port", "imap-host-with-port.yaml", "accounts[0].imap.host: \"imap.example.com:993\": write the port under accounts[0].imap.port"},
		{"imap.host a URL", "imap-host-url.yaml", "accounts[0].imap.host: \"imaps://imap.example.com\": write the server's name only"},
		{"imap.port range", "imap-port-range.yaml", "imap-port-range.yaml:10: accounts[0].imap.port: 70000 is out of range 1..65535"},
		{"imap.port zero", "imap-port-zero.yaml", "accounts[0].imap.port: 0 is out of range 1..65535"},
		{"imap.port for another security", "imap-port-security-mismatch.yaml", "accounts[0].imap.port: 143 is the port for starttls or none, but security is tls"},
		{"imap.security enum", "imap-security-unknown.yaml", `accounts[0].imap.security: "ssl": write tls`},
		{"imap.compress enum", "imap-compress-unknown.yaml", `accounts[0].imap.compress: "yes": use auto, always or never`},
		{"imap.compress with starttls", "imap-compress-starttls.yaml", `imap-compress-starttls.yaml:11: accounts[0].imap.compress: "always": rekindle compresses only with security: tls (or none); with starttls, use auto or never`},
		{"imap.auth enum", "imap-auth-unknown.yaml", `accounts[0].imap.auth: "login": use plain, xoauth2 or oauthbearer`},
		{"imap.username required", "imap-username-missing.yaml", "accounts[0].imap.username: required"},
		{"imap password required", "no-password-source.yaml", "accounts[0].imap.password: no password: set one of password, password_file, password_command or password_env (under systemd, LoadCredential=work.password works too)"},
		{"imap one password source", "imap-password-two-sources.yaml", "accounts[0].imap.password_env: password is set too; keep only one"},
		{"imap token_command required", "imap-token-command-missing.yaml", "accounts[0].imap.token_command: required with auth: xoauth2"},
		{"imap password with a token", "imap-password-with-token.yaml", "accounts[0].imap.password_command: not used with auth: oauthbearer"},
		{"imap token_command with plain", "imap-token-command-with-plain.yaml", "accounts[0].imap.token_command: only used with auth: xoauth2 or oauthbearer"},
		{"imap password_env a name", "imap-password-env-invalid.yaml", `accounts[0].imap.password_env: "$WORK_PASSWORD" is not an environment variable name`},
		{"imap plaintext refused", "imap-plaintext.yaml", "imap-plaintext.yaml:10: accounts[0].imap.security: none would send your password in clear to imap.example.com; use tls or starttls, or set accounts[0].imap.allow_plaintext_auth: true"},
		{"~user not expanded", "imap-tilde-user.yaml", `accounts[0].imap.password_file: cannot expand "~bob/work.password": only ~ and ~/ are expanded`},
		{"folders entries", "folders-empty-entry.yaml", "folders-empty-entry.yaml:11: accounts[0].folders.exclude[1]: empty"},

		// store, sync.
		{"store.path empty", "store-path-empty.yaml", "store.path: empty; leave the key out for the default"},
		{"sync.interval minimum", "sync-interval-short.yaml", "sync-interval-short.yaml:11: sync.interval: 30s is out of range 1m..24h"},
		{"sync.interval unit", "sync-interval-no-unit.yaml", "sync.interval: 15 needs a unit, as in 15m, 15h or 15d"},
		{"sync.batch_size range", "sync-batch-size-range.yaml", "sync.batch_size: 10 is out of range 50..10000"},

		// smtp.
		{"smtp.host required", "smtp-host-missing.yaml", "smtp.host: required"},
		{"smtp password required", "smtp-password-missing.yaml", "smtp.password: no password"},
		{"smtp plaintext refused", "smtp-plaintext.yaml", "smtp.security: none would send your password in clear to smtp.example.com"},
		{"smtp token in clear refused", "smtp-token-plaintext.yaml", "smtp.security: none would send your access token in clear"},
		{"smtp.auth enum", "smtp-auth-unknown.yaml", `smtp.auth: "cram-md5": use plain, login, xoauth2, oauthbearer or none`},
		{"smtp auth none takes no password", "smtp-none-with-password.yaml", "smtp.password_file: not used with auth: none"},
		{"smtp.port for another security", "smtp-port-security-mismatch.yaml", "smtp.port: 587 is the port for starttls or none, but security is tls"},
		{"smtp.from valid", "smtp-from-invalid.yaml", `smtp.from: "rekindle" is not an address`},

		// digest.
		{"digest.to valid", "digest-to-invalid.yaml", `digest-to-invalid.yaml:11: digest.to: "jane at example.com" is not an email address`},
		{"digest.max_contacts range", "digest-max-contacts-range.yaml", "digest.max_contacts: 50 is out of range 1..20"},
		{"digest.schedule cron", "digest-schedule-invalid.yaml", `digest.schedule: end of range (25) above maximum (23): 25; write a cron expression such as "0 7 * * *"`},
		{"digest.schedule without TZ", "digest-schedule-tz.yaml", "digest.schedule: \"CRON_TZ=UTC 0 7 * * *\": set the time zone with digest.timezone"},
		{"digest.timezone IANA", "digest-timezone-unknown.yaml", `digest-timezone-unknown.yaml:11: digest.timezone: unknown time zone "Mars/Base"`},
		{"digest.grace range", "digest-grace-range.yaml", "digest.grace: 8d is out of range 0..7d"},
		{"digest.cooldown syntax", "digest-cooldown-invalid.yaml", `digest.cooldown: invalid duration "two weeks"`},
		{"digest.cooldown negative", "digest-cooldown-negative.yaml", `digest.cooldown: invalid duration "-1d": must not be negative`},
		{"digest.quiet_days range", "digest-quiet-days-range.yaml", "digest.quiet_days: -1 is out of range 0..365"},
		{"digest.followup_after_days range", "digest-followup-range.yaml", "digest.followup_after_days: 0 is out of range 1..90"},
		{"digest.drafts_by_status statuses", "digest-drafts-status-unknown.yaml", `digest.drafts_by_status.warm: unknown status "warm"; the statuses are cooling, cold, dormant`},
		{"digest draft kinds", "digest-drafts-kind-invalid.yaml", `digest.drafts_by_tag.jobsearch: "Referral Letter" is not a draft kind`},

		// ignore, log.
		{"ignore globs compile", "ignore-bad-glob.yaml", `ignore-bad-glob.yaml:10: ignore[1]: "[a-" is not a valid glob`},
		{"ignore entries not empty", "ignore-empty.yaml", "ignore[0]: empty"},
		{"ignore one @", "ignore-two-ats.yaml", `ignore[0]: "a@b@c.com" has more than one @`},
		{"log.format enum", "log-format.yaml", `log.format: "yaml": use text or json`},
		{"log.level enum", "log-level.yaml", `log.level: "verbose": use debug, info, warn or error`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := testLoader().Load(filepath.Join("testdata", tt.file))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				if cfg == nil {
					t.Fatal("Load returned no configuration and no error")
				}
				return
			}
			if err == nil {
				t.Fatalf("Load succeeded, want an error containing %q", tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error\n  %v\nwant it to contain\n  %s", err, tt.wantErr)
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is a %T, not an *Error", err, err)
			}
			if ce.File != filepath.Join("testdata", tt.file) || ce.Line == 0 {
				t.Errorf("error has File %q, Line %d; want the file and a line", ce.File, ce.Line)
			}
			if strings.Count(err.Error(), "\n") > 0 {
				t.Errorf("error spans several lines:\n%v", err)
			}
		})
	}
}

func TestDefaultsApplied(t *testing.T) {
	cfg, err := testLoader().Load("testdata/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	a := cfg.Accounts[0]
	if a.IMAP.Port != 993 || a.IMAP.Security != SecurityTLS || a.IMAP.Auth != AuthPlain {
		t.Errorf("imap = port %d, security %q, auth %q; want 993, tls, plain", a.IMAP.Port, a.IMAP.Security, a.IMAP.Auth)
	}
	if want := []string{"jane@example.com", "jane.doe@example.org"}; !reflect.DeepEqual(cfg.Me.Addresses, want) {
		t.Errorf("me.addresses = %q, want %q (lower-cased)", cfg.Me.Addresses, want)
	}
	if cfg.Digest.To != "jane@example.com" {
		t.Errorf("digest.to = %q, want the first address", cfg.Digest.To)
	}
	if cfg.SMTP != nil {
		t.Errorf("smtp = %+v, want nil when the section is absent", *cfg.SMTP)
	}
	if cfg.Store.Path != "/home/jane/.local/state/rekindle/rekindle.db" {
		t.Errorf("store.path = %q", cfg.Store.Path)
	}
	def := testLoader().Default()
	if cfg.Sync != def.Sync || cfg.Log != def.Log || cfg.Templates != def.Templates {
		t.Errorf("sync, log, templates = %+v %+v %+v; want the defaults %+v %+v %+v",
			cfg.Sync, cfg.Log, cfg.Templates, def.Sync, def.Log, def.Templates)
	}
	def.Digest.To = cfg.Digest.To
	if !reflect.DeepEqual(cfg.Digest, def.Digest) {
		t.Errorf("digest = %+v, want the defaults %+v", cfg.Digest, def.Digest)
	}
}

// sync.idle: true is taken (it was refused before rekindle could idle);
// the default is false.
func TestSyncIdle(t *testing.T) {
	for file, want := range map[string]bool{"sync-idle.yaml": true, "minimal.yaml": false} {
		cfg, err := testLoader().Load(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Sync.Idle != want {
			t.Errorf("%s: sync.idle = %v, want %v", file, cfg.Sync.Idle, want)
		}
	}
}

func TestNullSectionsKeepDefaults(t *testing.T) {
	cfg, err := testLoader().Load("testdata/null-sections.yaml")
	if err != nil {
		t.Fatal(err)
	}
	def := testLoader().Default()
	if cfg.Sync != def.Sync || cfg.Store != def.Store || cfg.Digest.MaxContacts != 5 || cfg.SMTP != nil {
		t.Errorf("empty sections: sync %+v store %+v digest.max_contacts %d smtp %v; want the defaults",
			cfg.Sync, cfg.Store, cfg.Digest.MaxContacts, cfg.SMTP)
	}
}

func TestPortDefaults(t *testing.T) {
	cfg, err := testLoader().Load("testdata/loopback-plaintext.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if p := cfg.Accounts[0].IMAP.Port; p != 143 {
		t.Errorf("imap port for security none = %d, want 143", p)
	}
	cfg, err = testLoader().Load("testdata/smtp-relay.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if p := cfg.SMTP.Port; p != 25 {
		t.Errorf("smtp port for security none = %d, want 25", p)
	}
	if want := `"Jane Doe" <jane@example.com>`; cfg.SMTP.From != want {
		t.Errorf("smtp.from = %q, want %q", cfg.SMTP.From, want)
	}
}

func TestDraftsMapsMergeWithDefaults(t *testing.T) {
	cfg, err := testLoader().Load("testdata/drafts-partial.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"cooling": "checkin", "cold": "reconnect", "dormant": "reconnect"}
	if !reflect.DeepEqual(cfg.Digest.DraftsByStatus, want) {
		t.Errorf("drafts_by_status = %v, want %v", cfg.Digest.DraftsByStatus, want)
	}
	if got := cfg.Digest.DraftsByTag["jobsearch"]; got != "referral" {
		t.Errorf("drafts_by_tag.jobsearch = %q, want referral", got)
	}
}

// TestDraftsByStatusStatuses walks rekindle's statuses: drafts_by_status
// takes exactly those other than warm, the defaults give each of them the
// status's default draft kind, and an unknown status's error lists them
// from warmest to coldest.
func TestDraftsByStatusStatuses(t *testing.T) {
	parse := func(status string) (*Config, error) {
		return testLoader().Parse([]byte("me: {addresses: [jane@example.com]}\n" +
			"accounts: [{name: w, imap: {host: h, username: u, password: p}}]\n" +
			"digest: {drafts_by_status: {" + status + ": congrats}}\n"))
	}
	var want []string
	for _, s := range rekindle.Statuses() {
		cfg, err := parse(string(s))
		if s == rekindle.StatusWarm {
			if err == nil {
				t.Errorf("drafts_by_status accepts %s", s)
			}
			continue
		}
		want = append(want, string(s))
		if err != nil {
			t.Errorf("drafts_by_status.%s: %v", s, err)
			continue
		}
		if got := cfg.Digest.DraftsByStatus[string(s)]; got != "congrats" {
			t.Errorf("drafts_by_status.%s = %q, want congrats", s, got)
		}
	}
	defaults := testLoader().Default().Digest.DraftsByStatus
	if got, want := slices.Sorted(maps.Keys(defaults)), slices.Sorted(slices.Values(want)); !slices.Equal(got, want) {
		t.Errorf("default drafts_by_status names %v, want %v", got, want)
	}
	for _, s := range want {
		if got, k := defaults[s], rekindle.Status(s).DefaultDraftKind(); got != k {
			t.Errorf("default drafts_by_status.%s = %q, want %q", s, got, k)
		}
	}
	_, err := parse("hot")
	if msg := `unknown status "hot"; the statuses are ` + strings.Join(want, ", "); err == nil || !strings.Contains(err.Error(), msg) {
		t.Errorf("error = %v, want %s", err, msg)
	}
}

func TestUnquotedPasswordKeepsItsDigits(t *testing.T) {
	cfg, err := testLoader().Load("testdata/unquoted-password.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// YAML would read 0123 as the number 83; a password must stay as written.
	if got := string(cfg.Accounts[0].IMAP.Password); got != "0123" {
		t.Errorf("password = %q, want 0123", got)
	}
}

func TestPathsExpandedAndRelativeToTheFile(t *testing.T) {
	cfg, err := testLoader().Load("testdata/relative-paths.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := filepath.Abs("testdata")
	imap := cfg.Accounts[0].IMAP
	for _, c := range []struct{ key, got, want string }{
		{"password_file", imap.PasswordFile, filepath.Join(dir, "secrets/work.password")},
		{"ca_file", imap.CAFile, "/home/jane/ca.pem"},
		{"store.path", cfg.Store.Path, filepath.Join(dir, "state/rekindle.db")},
		{"templates.dir", cfg.Templates.Dir, "/home/jane/templates"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.key, c.got, c.want)
		}
	}
}

func TestParseKeepsRelativePaths(t *testing.T) {
	cfg, err := testLoader().Parse([]byte(`
me: {addresses: [jane@example.com]}
accounts:
  - name: work
    imap: {host: imap.example.com, username: jane, password_file: work.password}
`))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Accounts[0].IMAP.PasswordFile; got != "work.password" {
		t.Errorf("password_file = %q, want it unchanged", got)
	}
}

func TestParseErrorHasLineButNoFile(t *testing.T) {
	_, err := testLoader().Parse([]byte("me:\n  addresses: [jane@example.com]\n  nmae: Jane\n"))
	want := `line 3: me.nmae: unknown key; did you mean "name"?`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

func TestEmptyDocument(t *testing.T) {
	for _, doc := range []string{"", "# nothing yet\n", "---\n"} {
		_, err := testLoader().Parse([]byte(doc))
		if err == nil || !strings.Contains(err.Error(), "me.addresses: required") {
			t.Errorf("Parse(%q) = %v, want me.addresses: required", doc, err)
		}
	}
}

func TestDefaultStorePath(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"systemd StateDirectory", map[string]string{"STATE_DIRECTORY": "/var/lib/rekindle:/var/lib/other", "XDG_STATE_HOME": "/x", "HOME": "/home/jane"}, "/var/lib/rekindle/rekindle.db"},
		{"XDG_STATE_HOME", map[string]string{"XDG_STATE_HOME": "/xdg/state", "HOME": "/home/jane"}, "/xdg/state/rekindle/rekindle.db"},
		{"relative XDG_STATE_HOME ignored", map[string]string{"XDG_STATE_HOME": "state", "HOME": "/home/jane"}, "/home/jane/.local/state/rekindle/rekindle.db"},
		{"HOME", map[string]string{"HOME": "/home/jane"}, "/home/jane/.local/state/rekindle/rekindle.db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (Loader{Getenv: fakeEnv(tt.env)}).Default().Store.Path; got != tt.want {
				t.Errorf("store.path = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestStorePathWithoutHome(t *testing.T) {
	_, err := Loader{Getenv: fakeEnv(nil)}.Load("testdata/minimal.yaml")
	if err == nil || !strings.Contains(err.Error(), "store.path: cannot expand") || !strings.Contains(err.Error(), "$HOME is not set") {
		t.Errorf("error = %v, want store.path: cannot expand ... $HOME is not set", err)
	}
}

// TestTargetCompanies reads the three forms of a target company.
func TestTargetCompanies(t *testing.T) {
	cfg, err := testLoader().Load(filepath.Join("testdata", "me-target-companies.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	want := []TargetCompany{
		{Name: "Acme"},
		{Domains: []string{"globex.com"}},
		{Name: "Initech", Domains: []string{"initech.com", "initech.co.uk"}},
	}
	if !reflect.DeepEqual(cfg.Me.TargetCompanies, want) {
		t.Errorf("target companies %+v, want %+v", cfg.Me.TargetCompanies, want)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := testLoader().Load("testdata/does-not-exist.yaml")
	if err == nil || !strings.Contains(err.Error(), "does-not-exist.yaml") {
		t.Errorf("error = %v, want one naming the file", err)
	}
}

func TestIsMe(t *testing.T) {
	cfg := &Config{Me: Me{Addresses: []string{"jane@example.com", "jane.doe@example.org"}}}
	tests := []struct {
		email string
		want  bool
	}{
		{"jane@example.com", true},
		{"Jane@Example.COM", true},
		{" jane@example.com ", true},
		{"jane+news@example.com", true},
		{"JANE+X@EXAMPLE.COM", true},
		{"jane.doe@example.org", true},
		{"jane.doe+a+b@example.org", true},
		{"jane@example.org", false},
		{"janet@example.com", false},
		{"bob+jane@example.com", false},
		{"jane", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := cfg.IsMe(tt.email); got != tt.want {
			t.Errorf("IsMe(%q) = %v, want %v", tt.email, got, tt.want)
		}
	}
	// A plus-address in the configuration stands for its mailbox too.
	cfg = &Config{Me: Me{Addresses: []string{"jane+work@example.com"}}}
	if !cfg.IsMe("jane@example.com") {
		t.Error("IsMe(jane@example.com) = false with jane+work@example.com configured")
	}
}

func TestIgnored(t *testing.T) {
	cfg := &Config{Ignore: []string{"*@linkedin.com", "*.example.net", "bob@x.org", "noreply.io", "news-?@shop.com"}}
	tests := []struct {
		email string
		want  bool
	}{
		{"jobs@linkedin.com", true},
		{"Jobs@LinkedIn.com", true},
		{"jobs@mail.linkedin.com", false}, // *@domain is that domain only
		{"a@mail.example.net", true},
		{"a@deep.mail.example.net", true},
		{"a@example.net", false}, // *.example.net is the subdomains
		{"bob@x.org", true},
		{"BOB@X.ORG", true},
		{"bobby@x.org", false},
		{"alice@x.org", false},
		{"a@noreply.io", true},      // a domain...
		{"a@eu.noreply.io", true},   // ...and its subdomains
		{"a@notnoreply.io", false},  // but not a longer name
		{"news-1@shop.com", true},   // globs in the local part
		{"news-12@shop.com", false}, // ? is one character
		{"", false},
	}
	for _, tt := range tests {
		if got := cfg.Ignored(tt.email); got != tt.want {
			t.Errorf("Ignored(%q) = %v, want %v", tt.email, got, tt.want)
		}
	}
}

func TestIgnoreLowerCasedOnLoad(t *testing.T) {
	cfg, err := testLoader().Parse([]byte(`
me: {addresses: [jane@example.com]}
accounts: [{name: w, imap: {host: h, username: u, password: p}}]
ignore: ["*@LinkedIn.com"]
`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Ignore[0] != "*@linkedin.com" || !cfg.Ignored("x@linkedin.com") {
		t.Errorf("ignore = %q", cfg.Ignore)
	}
}

func TestDigestNext(t *testing.T) {
	// Load parses digest.schedule and digest.timezone once, into Cron and
	// Zone; Next reads those.
	digestOf := func(schedule, zone string) Digest {
		t.Helper()
		cfg, err := Parse([]byte(fmt.Sprintf(`
me: {addresses: [jane@example.com]}
accounts: [{name: w, imap: {host: h, username: u, password: p}}]
digest: {schedule: %q, timezone: %q}
`, schedule, zone)))
		if err != nil {
			t.Fatal(err)
		}
		return cfg.Digest
	}
	d := digestOf("0 7 * * *", "Europe/Paris")
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC) // 09:00 in Paris
	got := d.Next(now)
	want := time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC) // 07:00 in Paris
	if !got.Equal(want) || got.Location().String() != "Europe/Paris" {
		t.Errorf("Next(%v) = %v, want %v in Europe/Paris", now, got, want)
	}
	// Six fields: seconds first.
	d = digestOf("30 0 7 * * *", "UTC")
	if got := d.Next(now); !got.Equal(time.Date(2026, 3, 2, 7, 0, 30, 0, time.UTC)) {
		t.Errorf("six-field Next = %v", got)
	}
	if loc := digestOf("0 7 * * *", "Local").Zone; loc != time.Local {
		t.Errorf("Zone(Local) = %v", loc)
	}
	// The defaults are parsed too: 07:00 local.
	def := Default().Digest
	if got := def.Next(time.Date(2026, 3, 1, 8, 0, 0, 0, time.Local)); !got.Equal(time.Date(2026, 3, 2, 7, 0, 0, 0, time.Local)) {
		t.Errorf("default Next = %v", got)
	}
}

func TestSlogLevel(t *testing.T) {
	for level, want := range map[string]string{"debug": "DEBUG", "info": "INFO", "warn": "WARN", "error": "ERROR"} {
		if got := (Log{Level: level}).SlogLevel().String(); got != want {
			t.Errorf("SlogLevel(%s) = %s, want %s", level, got, want)
		}
	}
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		err  Error
		want string
	}{
		{Error{File: "c.yaml", Line: 3, Key: "a.b", Msg: "bad"}, "c.yaml:3: a.b: bad"},
		{Error{File: "c.yaml", Key: "a.b", Msg: "bad"}, "c.yaml: a.b: bad"},
		{Error{Line: 3, Key: "a.b", Msg: "bad"}, "line 3: a.b: bad"},
		{Error{Msg: "bad"}, "bad"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}
