package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/mail"
	"strings"
	"time"

	"github.com/rekindle/rekindle"
	"github.com/rekindle/rekindle/digest"
	"github.com/rekindle/rekindle/imapsync"
	"github.com/rekindle/rekindle/mailer"
	"github.com/rekindle/rekindle/notify"
	"github.com/rekindle/rekindle/relationship"
	"github.com/rekindle/rekindle/store"
)

// Composed is a digest built and rendered, with the message that carries
// it.
type Composed struct {
	Digest   *digest.Digest
	Rendered digest.Rendered
	Message  *mailer.Message
	// Day is the digest's calendar day (YYYY-MM-DD) in digest.timezone.
	Day   string
	model *Model
}

// Day is now's calendar day (YYYY-MM-DD) in the digest's time zone: one
// digest a day is counted in it.
func (a *App) Day(now time.Time) string {
	return now.In(a.Zone()).Format("2006-01-02")
}

// Compose builds the digest as of now and the email that carries it. It
// changes nothing.
func (a *App) Compose(ctx context.Context, now time.Time) (*Composed, error) {
	set, err := a.Templates()
	if err != nil {
		return nil, err
	}
	m, err := a.Model(ctx, now, false)
	if err != nil {
		return nil, err
	}
	local := now.In(a.Zone())
	day := a.Day(now)
	applied, err := a.appliedLines(ctx)
	if err != nil {
		return nil, err
	}
	d, err := digest.Build(digest.Input{
		Actions:     a.linker(ctx, day),
		Applied:     applied,
		Now:         local,
		Me:          a.me,
		Suggestions: a.Suggestions(m),
		Followups:   m.builder.Followups(now, days(float64(a.cfg.Digest.FollowupAfterDays))),
		Contacts:    m.Contacts,
		Rules:       a.rules,
		Templates:   set,
	})
	if err != nil {
		return nil, err
	}
	r, err := d.Render(set)
	if err != nil {
		return nil, err
	}
	from, err := a.digestFrom()
	if err != nil {
		return nil, err
	}
	to, err := mail.ParseAddress(a.cfg.Digest.To)
	if err != nil {
		return nil, fmt.Errorf("digest.to %q: %w", a.cfg.Digest.To, err)
	}
	msg := &mailer.Message{
		From: from, To: rekindle.Address{Name: to.Name, Email: to.Address},
		Subject: r.Subject, Text: r.Text, HTML: r.HTML, Date: now,
		// Auto-Submitted (RFC 3834) says a machine sent it: a sync never
		// reads a digest back as conversation, and an out-of-office
		// reply does not answer it. X-Rekindle-Digest names the day, for
		// the user's filters.
		Headers: map[string]string{"Auto-Submitted": "auto-generated", "X-Rekindle-Digest": day},
	}
	return &Composed{Digest: d, Rendered: r, Message: msg, Day: day, model: m}, nil
}

// digestFrom is the digest's sender: smtp.from, else the user.
func (a *App) digestFrom() (rekindle.Address, error) {
	if s := a.cfg.SMTP; s != nil && s.From != "" {
		addr, err := mail.ParseAddress(s.From)
		if err != nil {
			return rekindle.Address{}, fmt.Errorf("smtp.from %q: %w", s.From, err)
		}
		return rekindle.Address{Name: addr.Name, Email: addr.Address}, nil
	}
	from := rekindle.Address{Name: "rekindle"}
	if len(a.cfg.Me.Addresses) > 0 {
		from.Email = a.cfg.Me.Addresses[0]
	}
	return from, nil
}

// SendOptions change how SendDigest goes about it.
type SendOptions struct {
	// Force sends even when the day's digest was sent.
	Force bool
	// Sync syncs every account first; a failed sync is logged and the
	// digest built from what the store holds.
	Sync bool
	// Composed, when set, is given the digest once it is built and before
	// it is sent; an error stops the send (the CLI writes --html and --eml
	// there).
	Composed func(*Composed) error
	// Retry overrides the mailer's retry policy, and NotifyRetry the
	// pushes' (tests).
	Retry       mailer.Retry
	NotifyRetry notify.Retry
}

// Sent is what SendDigest did.
type Sent struct {
	// Day is the digest's calendar day (YYYY-MM-DD).
	Day string
	// Sent is true when a digest went out; false on a morning with nobody
	// due when empty digests are not sent (NotSent says so).
	Sent bool
	// To is the address the digest went to; People counts the people it
	// suggests and Followups the conversations it lists as waiting.
	To        string
	People    int
	Followups int
	// NotSent says why nothing was sent; empty when Sent.
	NotSent string
	// Note is anything else worth saying ("8 drafts saved to
	// work/Drafts."); may be empty.
	Note string
}

// String is a one-line account for people: "Sent the digest for
// 2026-03-02 to jane@example.com: 4 people, 2 follow-ups. 6 drafts saved to
// work/Drafts." or "No digest sent for 2026-03-02: nobody is due, and
// digest.send_when_empty is off."
func (s Sent) String() string {
	if !s.Sent {
		return fmt.Sprintf("No digest sent for %s: %s.", s.Day, s.NotSent)
	}
	msg := fmt.Sprintf("Sent the digest for %s to %s: %s, %s.", s.Day, s.To,
		Plural(s.People, "person", "people"), Plural(s.Followups, "follow-up", "follow-ups"))
	if s.Note != "" {
		msg += " " + s.Note
	}
	return msg
}

// ErrDigestSent is matched (errors.Is) by SendDigest's error when the
// day's digest was already sent and Force is off.
var ErrDigestSent = store.ErrDigestSent

// SendDigest syncs (with o.Sync), builds and sends the digest for now's
// day, at most once a day, appends the drafts to the accounts with
// drafts: true, and records whom it suggested, for the cool-down and the
// weekly dormant slot. A day claimed and not sent (an error on the way)
// is released, so that a later try may send it.
func (a *App) SendDigest(ctx context.Context, now time.Time, o SendOptions) (Sent, error) {
	smtp, err := a.SMTP()
	if err != nil {
		return Sent{}, err
	}
	if _, err := a.Templates(); err != nil {
		return Sent{}, err
	}
	day := a.Day(now)
	if err := a.db.ClaimDigest(ctx, day, o.Force); err != nil {
		if errors.Is(err, store.ErrDigestSent) {
			return Sent{}, fmt.Errorf("%w (use --force to send it again)", err)
		}
		return Sent{}, err
	}
	done := false
	defer func() {
		if !done {
			// Let a later try (the daemon's next run, or --send again) have it.
			a.db.ReleaseDigest(context.WithoutCancel(ctx), day)
		}
	}()
	if o.Sync {
		if _, err := a.Sync(ctx, SyncOptions{}); err != nil {
			a.log.Warn("sync before the digest failed; building it from what the store has", "err", err)
		}
	}
	if paused, err := a.db.DigestsPausedUntil(ctx); err != nil {
		return Sent{}, err
	} else if now.Before(paused) && !o.Force {
		// The day is done: the user asked for quiet.
		if err := a.db.DigestSent(ctx, day, "", 0); err != nil {
			return Sent{}, err
		}
		done = true
		return Sent{Day: day, NotSent: "digests are paused until " + paused.In(a.Zone()).Format("Monday 2 January") +
			" (a digest's \"Pause digests for a week\")"}, nil
	}
	c, err := a.Compose(ctx, now)
	if err != nil {
		return Sent{}, err
	}
	if o.Composed != nil {
		if err := o.Composed(c); err != nil {
			return Sent{}, err
		}
	}
	if c.Digest.Empty && !a.cfg.Digest.SendWhenEmpty {
		// The day is done: the daemon must not try again.
		if err := a.db.DigestSent(ctx, day, "", 0); err != nil {
			return Sent{}, err
		}
		done = true
		return Sent{Day: day, NotSent: "nobody is due, and digest.send_when_empty is off"}, nil
	}
	if err := mailer.SendWithRetry(ctx, smtp, c.Message, o.Retry); err != nil {
		return Sent{}, fmt.Errorf("send the digest to %s: %w", c.Message.To.Email, err)
	}
	n := len(c.Digest.People)
	if err := a.db.DigestSent(ctx, day, c.Message.MessageID, n); err != nil {
		return Sent{}, err
	}
	done = true
	if err := a.db.RecordSuggestions(ctx, now, picksOf(c)); err != nil {
		return Sent{}, err
	}
	note := strings.TrimSpace(a.appendDrafts(ctx, c) + " " + a.pushes(ctx, c, o.NotifyRetry))
	return Sent{
		Day: day, Sent: true, To: c.Message.To.Email, People: n,
		Followups: len(c.Digest.AwaitingReply) + len(c.Digest.OwesReply),
		Note:      note,
	}, nil
}

// picksOf are the people c suggests, as the suggestion history records
// them.
func picksOf(c *Composed) []store.Suggested {
	var picks []store.Suggested
	for _, p := range c.Digest.People {
		if ct, ok := contactByKey(c.model.Contacts, p.Key); ok && p.Status != "" {
			picks = append(picks, store.Suggested{Key: ct.Key, Addresses: ct.Addresses, Dormant: ct.Status == rekindle.StatusDormant})
		}
	}
	return picks
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
// accounts with drafts: true, and says how that went. A failure is
// reported, not fatal: the digest went out and carries the drafts too.
func (a *App) appendDrafts(ctx context.Context, c *Composed) string {
	var drafts [][]byte
	from := rekindle.Address{Name: a.cfg.Me.Name}
	if len(a.cfg.Me.Addresses) > 0 {
		from.Email = a.cfg.Me.Addresses[0]
	}
	all := append(append(append([]digest.Person(nil), c.Digest.People...), c.Digest.AwaitingReply...), c.Digest.OwesReply...)
	for _, p := range all {
		d := p.Draft
		if d.To == "" || d.Body == "" {
			continue
		}
		m := &mailer.Message{From: from, To: rekindle.Address{Name: p.Name, Email: d.To}, Subject: d.Subject, Text: d.Body,
			InReplyTo: d.InReplyTo, References: d.References, Date: c.Message.Date}
		b, err := m.Bytes()
		if err != nil {
			a.log.Warn("draft not built", "to", d.To, "err", err)
			continue
		}
		drafts = append(drafts, b)
	}
	if len(drafts) == 0 {
		return ""
	}
	accounts, err := a.Accounts()
	if err != nil {
		return "Drafts not saved: " + err.Error()
	}
	var notes []string
	for _, acct := range accounts {
		if !acct.Drafts {
			continue
		}
		folder, err := imapsync.AppendDrafts(ctx, acct.Account, drafts, imapsync.DraftOptions{})
		if err != nil {
			a.log.Warn("drafts not saved", "account", acct.Name, "err", err)
			notes = append(notes, fmt.Sprintf("Drafts not saved to %s: %v.", acct.Name, err))
			continue
		}
		notes = append(notes, fmt.Sprintf("%d drafts saved to %s/%s.", len(drafts), acct.Name, folder))
	}
	return strings.Join(notes, " ")
}

// pushes sends the short push of each notify target after a digest went
// out, and says how that went; a failure is a note, never a stop.
func (a *App) pushes(ctx context.Context, c *Composed, retry notify.Retry) string {
	if len(a.cfg.Notify) == 0 {
		return ""
	}
	var names []string
	for _, p := range c.Digest.People {
		n := p.FirstName
		if n == "" {
			n = p.Name
		}
		if n == "" {
			n = p.Email
		}
		names = append(names, n)
	}
	waiting := len(c.Digest.AwaitingReply) + len(c.Digest.OwesReply)
	var text string
	switch {
	case len(names) > 0:
		text = fmt.Sprintf("%s to reconnect with today: %s", Plural(len(names), "person", "people"), strings.Join(names, ", "))
		if waiting > 0 {
			text += fmt.Sprintf("; %s waiting", Plural(waiting, "reply", "replies"))
		}
	case waiting > 0:
		text = Plural(waiting, "conversation", "conversations") + " waiting on a reply"
	default:
		text = "Nobody is due today."
	}
	js, err := json.Marshal(c.Digest)
	if err != nil {
		return "Pushes not sent: " + err.Error() + "."
	}
	push := notify.Push{Title: "rekindle", Text: text, Tags: []string{"handshake"}, JSON: js}
	var notes []string
	for _, t := range a.notifyTargets(c.Message.To.Email) {
		if err := notify.Send(ctx, t, push, notify.Options{Retry: retry}); err != nil {
			a.log.Warn("push not sent", slog.String("to", t.Name()), slog.Any("err", err))
			notes = append(notes, fmt.Sprintf("Push to %s not sent: %v.", t.Name(), err))
			continue
		}
		notes = append(notes, "Pushed to "+t.Name()+".")
	}
	return strings.Join(notes, " ")
}

// notifyTargets are the configuration's notify entries as the notify
// package takes them; an ntfy push opens a mail to to unless click says
// otherwise.
func (a *App) notifyTargets(to string) []notify.Target {
	var out []notify.Target
	for i := range a.cfg.Notify {
		n := &a.cfg.Notify[i]
		t := notify.Target{Ntfy: n.Ntfy, Webhook: n.Webhook, Click: n.Click}
		if t.Ntfy != "" && t.Click == "" {
			t.Click = "mailto:" + to
		}
		if len(n.Headers) > 0 {
			key := fmt.Sprintf("notify[%d]", i)
			t.Headers = func(ctx context.Context) (http.Header, error) {
				h := http.Header{}
				for name, v := range n.Headers {
					value, err := v.Resolve(ctx, key+".headers."+name)
					if err != nil {
						return nil, err
					}
					h.Set(name, value)
				}
				return h, nil
			}
		}
		out = append(out, t)
	}
	return out
}
