package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/mail"
	"os"
	"strings"
	"time"

	"github.com/rekindle/rekindle"
	"github.com/rekindle/rekindle/config"
	"github.com/rekindle/rekindle/daemon"
	"github.com/rekindle/rekindle/digest"
	"github.com/rekindle/rekindle/imapsync"
	"github.com/rekindle/rekindle/mailer"
	"github.com/rekindle/rekindle/relationship"
	"github.com/rekindle/rekindle/store"
	"github.com/rekindle/rekindle/templates"
)

func digestCommand() *command {
	return &command{
		name:    "digest",
		args:    "[--as-of DATE] [--html FILE] [--eml FILE] [--json] [--send [--force]]",
		summary: "preview the morning digest, or send it",
		help: `
Without --send this is a preview: it prints the plain-text digest and
changes nothing (no sync, nothing recorded). --html and --eml also write the
HTML part and the whole message to files; --json prints the digest's
content instead of the text.

With --send it syncs every account, then builds today's digest and mails it
to digest.to over SMTP, appends each drafted message to the Drafts folder of
the accounts that have drafts: true (never sending a draft to anyone), and
records the day: a second --send the same day says so and sends nothing,
unless --force.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			asOf := fs.String("as-of", "", "preview as of `DATE` (YYYY-MM-DD, end of that day) or an RFC 3339 time")
			htmlFile := fs.String("html", "", "write the HTML part to `FILE`")
			emlFile := fs.String("eml", "", "write the whole message (RFC 5322) to `FILE`")
			asJSON := fs.Bool("json", false, "print the digest's content as JSON")
			send := fs.Bool("send", false, "sync, then send today's digest and record it")
			force := fs.Bool("force", false, "with --send: send even if today's digest was sent")
			noSync := fs.Bool("no-sync", false, "with --send: do not sync first")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected argument %q", args[0])
				}
				if *send && *asOf != "" {
					return usagef("--send sends today's digest; --as-of is for previews")
				}
				if *force && !*send {
					return usagef("--force goes with --send")
				}
				if *send {
					res, err := sendDigest(ctx, e, e.now(), sendOptions{force: *force, sync: !*noSync, htmlFile: *htmlFile, emlFile: *emlFile})
					if err != nil {
						return err
					}
					fmt.Fprintln(e.stdout, res)
					return nil
				}
				return previewDigest(ctx, e, *asOf, *htmlFile, *emlFile, *asJSON)
			}
		},
	}
}

// composed is a digest built and rendered, with the message that carries it.
type composed struct {
	digest   *digest.Digest
	rendered digest.Rendered
	message  *mailer.Message
	model    *model
	day      string
}

// loadTemplates loads the templates and checks that the config's draft
// kinds all have one.
func loadTemplates(cfg *config.Config, log *slog.Logger) (*templates.Set, error) {
	set, err := templates.Load(cfg.Templates.Dir, log)
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	_, rules := digest.Settings(cfg)
	if err := digest.CheckRules(set, rules); err != nil {
		return nil, err
	}
	return set, nil
}

// compose builds the digest as of now and the email that carries it.
func compose(ctx context.Context, cfg *config.Config, db *store.DB, set *templates.Set, now time.Time) (*composed, error) {
	m, err := buildModel(ctx, cfg, db, now, false)
	if err != nil {
		return nil, err
	}
	local := now.In(cfg.Digest.Location())
	me, rules := digest.Settings(cfg)
	d, err := digest.Build(digest.Input{
		Now:         local,
		Me:          me,
		Suggestions: relationship.Pick(m.contacts, now, pickOptions(cfg, m.history)),
		Followups:   m.builder.Followups(now, days(float64(cfg.Digest.FollowupAfterDays))),
		Contacts:    m.contacts,
		Rules:       rules,
		Templates:   set,
	})
	if err != nil {
		return nil, err
	}
	r, err := d.Render(set)
	if err != nil {
		return nil, err
	}
	day := local.Format("2006-01-02")
	from, err := digestFrom(cfg)
	if err != nil {
		return nil, err
	}
	to, err := mail.ParseAddress(cfg.Digest.To)
	if err != nil {
		return nil, fmt.Errorf("digest.to %q: %w", cfg.Digest.To, err)
	}
	msg := &mailer.Message{
		From: from, To: rekindle.Address{Name: to.Name, Email: to.Address},
		Subject: r.Subject, Text: r.Text, HTML: r.HTML, Date: now,
		// Marks rekindle's own digests, so a sync never reads one back as
		// conversation.
		Headers: map[string]string{"X-Rekindle-Digest": day},
	}
	return &composed{digest: d, rendered: r, message: msg, model: m, day: day}, nil
}

// digestFrom is the digest's sender: smtp.from, else the user.
func digestFrom(cfg *config.Config) (rekindle.Address, error) {
	if cfg.SMTP != nil && cfg.SMTP.From != "" {
		a, err := mail.ParseAddress(cfg.SMTP.From)
		if err != nil {
			return rekindle.Address{}, fmt.Errorf("smtp.from %q: %w", cfg.SMTP.From, err)
		}
		return rekindle.Address{Name: a.Name, Email: a.Address}, nil
	}
	a := rekindle.Address{Name: "rekindle"}
	if len(cfg.Me.Addresses) > 0 {
		a.Email = cfg.Me.Addresses[0]
	}
	return a, nil
}

func previewDigest(ctx context.Context, e *env, asOfFlag, htmlFile, emlFile string, asJSON bool) error {
	asOf, err := parseAsOf(asOfFlag, e.now())
	if err != nil {
		return err
	}
	cfg, db, err := e.openReadOnly(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	set, err := loadTemplates(cfg, e.log)
	if err != nil {
		return err
	}
	c, err := compose(ctx, cfg, db, set, asOf)
	if err != nil {
		return err
	}
	if err := writeParts(c, htmlFile, emlFile); err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false) // mailto: links keep their '&'
		return enc.Encode(c.digest)
	}
	fmt.Fprintf(e.stdout, "Subject: %s\n\n%s", c.rendered.Subject, c.rendered.Text)
	return nil
}

func writeParts(c *composed, htmlFile, emlFile string) error {
	if htmlFile != "" {
		if err := os.WriteFile(htmlFile, []byte(c.rendered.HTML), 0o600); err != nil {
			return fmt.Errorf("--html: %w", err)
		}
	}
	if emlFile != "" {
		b, err := c.message.Bytes()
		if err != nil {
			return fmt.Errorf("build the digest message: %w", err)
		}
		if err := os.WriteFile(emlFile, b, 0o600); err != nil {
			return fmt.Errorf("--eml: %w", err)
		}
	}
	return nil
}

type sendOptions struct {
	force, sync       bool
	htmlFile, emlFile string
	// retry overrides the mailer's retry policy (tests).
	retry mailer.Retry
}

// sent is what sendDigest did: the daemon logs it, the CLI prints it
// (String).
type sent struct {
	day string
	daemon.DigestResult
}

// String is a one-line account for people: "Sent the digest for
// 2026-03-02 to jane@example.com: 4 people, 2 follow-ups. 6 drafts saved to
// work/Drafts." or "No digest sent for 2026-03-02: nobody is due, and
// digest.send_when_empty is off."
func (s sent) String() string {
	if !s.Sent {
		return fmt.Sprintf("No digest sent for %s: %s.", s.day, s.NotSent)
	}
	msg := fmt.Sprintf("Sent the digest for %s to %s: %s, %s.", s.day, s.To,
		plural(s.People, "person", "people"), plural(s.Followups, "follow-up", "follow-ups"))
	if s.Note != "" {
		msg += " " + s.Note
	}
	return msg
}

// sendDigest syncs, builds and sends the digest for now's day, at most
// once a day, appends the drafts where configured, and records what it
// suggested. It returns an account of what it did.
func sendDigest(ctx context.Context, e *env, now time.Time, o sendOptions) (sent, error) {
	cfg, db, err := e.open(ctx)
	if err != nil {
		return sent{}, err
	}
	defer db.Close()
	set, err := loadTemplates(cfg, e.log)
	if err != nil {
		return sent{}, err
	}
	return sendDigestWith(ctx, e, cfg, db, set, now, o)
}

// sendDigestWith is sendDigest with the configuration, store and templates
// already loaded, as the daemon holds them.
func sendDigestWith(ctx context.Context, e *env, cfg *config.Config, db *store.DB, set *templates.Set, now time.Time, o sendOptions) (sent, error) {
	smtp, err := smtpConfig(cfg)
	if err != nil {
		return sent{}, err
	}
	day := now.In(cfg.Digest.Location()).Format("2006-01-02")
	if err := db.ClaimDigest(ctx, day, o.force); err != nil {
		if errors.Is(err, store.ErrDigestSent) {
			return sent{}, fmt.Errorf("%w (use --force to send it again)", err)
		}
		return sent{}, err
	}
	done := false
	defer func() {
		if !done {
			// Let a later try (the daemon's next run, or --send again) have it.
			db.ReleaseDigest(context.WithoutCancel(ctx), day)
		}
	}()
	if o.sync {
		if _, err := syncAll(ctx, e, cfg, db); err != nil {
			e.log.Warn("sync before the digest failed; building it from what the store has", "err", err)
		}
	}
	c, err := compose(ctx, cfg, db, set, now)
	if err != nil {
		return sent{}, err
	}
	if err := writeParts(c, o.htmlFile, o.emlFile); err != nil {
		return sent{}, err
	}
	if c.digest.Empty && !cfg.Digest.SendWhenEmpty {
		// The day is done: the daemon must not try again.
		if err := db.DigestSent(ctx, day, "", 0); err != nil {
			return sent{}, err
		}
		done = true
		return sent{day: day, DigestResult: daemon.DigestResult{NotSent: "nobody is due, and digest.send_when_empty is off"}}, nil
	}
	if err := mailer.SendWithRetry(ctx, smtp, c.message, o.retry); err != nil {
		return sent{}, fmt.Errorf("send the digest to %s: %w", c.message.To.Email, err)
	}
	n := len(c.digest.People)
	if err := db.DigestSent(ctx, day, c.message.MessageID, n); err != nil {
		return sent{}, err
	}
	done = true
	// The cool-down and the weekly dormant pick read this.
	var picks []store.Suggested
	for _, p := range c.digest.People {
		if c, ok := contactByKey(c.model.contacts, p.Key); ok && p.Status != "" {
			picks = append(picks, store.Suggested{Key: c.Key, Addresses: c.Addresses, Dormant: c.Status == rekindle.StatusDormant})
		}
	}
	if err := db.RecordSuggestions(ctx, now, picks); err != nil {
		return sent{}, err
	}
	return sent{day: day, DigestResult: daemon.DigestResult{
		Sent: true, To: c.message.To.Email, People: n,
		Followups: len(c.digest.AwaitingReply) + len(c.digest.OwesReply),
		Note:      appendDrafts(ctx, e, cfg, c),
	}}, nil
}

func contactByKey(cs []relationship.Contact, key string) (*relationship.Contact, bool) {
	for i := range cs {
		if cs[i].Key == key {
			return &cs[i], true
		}
	}
	return nil, false
}

// appendDrafts puts each drafted message in the Drafts folder of the
// accounts with drafts: true. A failure is reported, not fatal: the digest
// went out and carries the drafts too.
func appendDrafts(ctx context.Context, e *env, cfg *config.Config, c *composed) string {
	var drafts [][]byte
	from := rekindle.Address{Name: cfg.Me.Name}
	if len(cfg.Me.Addresses) > 0 {
		from.Email = cfg.Me.Addresses[0]
	}
	all := append(append(append([]digest.Person(nil), c.digest.People...), c.digest.AwaitingReply...), c.digest.OwesReply...)
	for _, p := range all {
		d := p.Draft
		if d.To == "" || d.Body == "" {
			continue
		}
		m := &mailer.Message{From: from, To: rekindle.Address{Name: p.Name, Email: d.To}, Subject: d.Subject, Text: d.Body,
			InReplyTo: d.InReplyTo, References: d.References, Date: c.message.Date}
		b, err := m.Bytes()
		if err != nil {
			e.log.Warn("draft not built", "to", d.To, "err", err)
			continue
		}
		drafts = append(drafts, b)
	}
	if len(drafts) == 0 {
		return ""
	}
	accounts, err := imapAccounts(cfg)
	if err != nil {
		return "Drafts not saved: " + err.Error()
	}
	var notes []string
	for i, a := range accounts {
		if !cfg.Accounts[i].Drafts {
			continue
		}
		folder, err := imapsync.AppendDrafts(ctx, a, drafts, imapsync.DraftOptions{})
		if err != nil {
			e.log.Warn("drafts not saved", "account", a.Name, "err", err)
			notes = append(notes, fmt.Sprintf("Drafts not saved to %s: %v.", a.Name, err))
			continue
		}
		notes = append(notes, fmt.Sprintf("%d drafts saved to %s/%s.", len(drafts), a.Name, folder))
	}
	return strings.Join(notes, " ")
}

// syncAll syncs every account once and sums it up in one line.
func syncAll(ctx context.Context, e *env, cfg *config.Config, db *store.DB) (string, error) {
	accounts, err := imapAccounts(cfg)
	if err != nil {
		return "", err
	}
	var (
		errs                    []error
		changed, added, removed int
	)
	for _, a := range accounts {
		res, err := imapsync.Sync(ctx, a, db, imapsync.Options{BatchSize: cfg.Sync.BatchSize, Logger: e.log})
		if err == nil {
			err = res.Err()
		}
		if err != nil {
			errs = append(errs, err)
		}
		full := errors.Is(err, store.ErrDiskFull)
		if res != nil {
			for _, f := range res.Folders {
				if !f.Unchanged {
					changed++
				}
				added += f.Added
				removed += f.Removed
			}
		}
		if full {
			break // every other account would fail the same way after downloading
		}
	}
	return fmt.Sprintf("%s changed, +%d -%d messages", plural(changed, "folder", "folders"), added, removed), errors.Join(errs...)
}
