package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/rekindle/rekindle/actions"
	"github.com/rekindle/rekindle/digest"
	"github.com/rekindle/rekindle/relationship"
	"github.com/rekindle/rekindle/store"
)

// The digest's one-tap actions (package actions): the digest offers them
// as mailto: links to the user's own address (linker), and each sync
// applies the messages that carry them (ApplyActions).

// ApplyActions looks at every action message a sync has stored since the
// last call, and applies the genuine ones: signed by this store's secret,
// at most 30 days old, never applied before, from and to one of the
// user's addresses, and not marked forged by the user's own server.
// Everything else is recorded as ignored, with the reason, and logged;
// nothing here stops a sync. It returns what it looked at.
func (a *App) ApplyActions(ctx context.Context) ([]store.ActionRecord, error) {
	pending, err := a.db.PendingActions(ctx)
	if err != nil || len(pending) == 0 {
		return nil, err
	}
	secret, err := a.db.ActionSecret(ctx)
	if err != nil {
		return nil, err
	}
	now := a.now()
	var (
		out      []store.ActionRecord
		contacts []relationship.Contact // everyone, read once when needed
	)
	everyone := func() ([]relationship.Contact, error) {
		if contacts != nil {
			return contacts, nil
		}
		m, err := a.everyone(ctx, now)
		if err != nil {
			return nil, err
		}
		contacts = m.Contacts
		return contacts, nil
	}
	for i := range pending {
		p := &pending[i]
		r := store.ActionRecord{Key: p.Key, MessageID: p.MessageID, SeenAt: now, SentAt: p.When}
		if err := a.applyAction(ctx, secret, p, &r, everyone); err != nil {
			if ctx.Err() != nil {
				return out, ctx.Err()
			}
			r.Applied, r.Note = false, err.Error()
		}
		err := a.db.RecordAction(ctx, r)
		if errors.Is(err, store.ErrTokenUsed) {
			r.Applied, r.Note = false, "applied already, from another message"
			err = a.db.RecordAction(ctx, r)
		}
		if err != nil {
			return out, err
		}
		attrs := []any{slog.String("action", r.Kind), slog.String("about", r.Label), slog.Time("sent", r.SentAt), slog.String("message_id", r.MessageID)}
		if r.Applied {
			a.log.Info("digest action applied: "+r.Note, attrs...)
		} else {
			a.log.Warn("digest action ignored: "+r.Note, attrs...)
		}
		out = append(out, r)
	}
	return out, nil
}

// applyAction checks the action message p and carries it out, filling
// r; an error says why it is ignored.
func (a *App) applyAction(ctx context.Context, secret []byte, p *store.PendingAction, r *store.ActionRecord, everyone func() ([]relationship.Contact, error)) error {
	req, err := actions.Parse(p.Subject)
	if err != nil {
		return err
	}
	r.Kind, r.Target, r.Day, r.Token = string(req.Kind), req.Target, req.Day, req.Token
	r.Label = req.Target
	if len(p.From) != 1 || !a.isMe(p.From[0].Email) {
		from := "nobody"
		if len(p.From) > 0 {
			from = p.From[0].Email
		}
		return fmt.Errorf("sent by %s, not from one of your addresses (me.addresses)", from)
	}
	toMe := false
	for _, to := range p.To {
		toMe = toMe || a.isMe(to.Email)
	}
	if !toMe {
		return fmt.Errorf("not addressed to one of your addresses")
	}
	if t := relationship.TrustOf(&p.Header); t == relationship.TrustFail || t == relationship.TrustUnauthenticated {
		return fmt.Errorf("your mail server could not confirm it came from %s: treated as forged", p.From[0].Email)
	}
	if err := actions.Verify(secret, req, p.When); err != nil {
		return err
	}
	if used, err := a.db.TokenApplied(ctx, req.Token); err != nil {
		return err
	} else if used {
		return fmt.Errorf("applied already, from another message")
	}
	r.Applied = true
	zone := a.Zone()
	switch req.Kind {
	case actions.NoReplyNeeded:
		r.Label = "a follow-up"
		r.Note = "follow-up dismissed"
		return a.db.Dismiss(ctx, req.Target, p.When)
	case actions.Pause:
		r.Label = "your digests"
		until := p.When.Add(req.Kind.Snooze())
		r.Note = "digests paused until " + until.In(zone).Format("Monday 2 January")
		return a.db.PauseDigests(ctx, until)
	}
	cs, err := everyone()
	if err != nil {
		return err
	}
	key, name := req.Target, req.Target
	var cadence float64
	if c, err := FindContact(cs, req.Target); err == nil {
		key, name, cadence = c.Key, label(c), c.CadenceDays
	}
	r.Label = name
	switch req.Kind {
	case actions.Snooze30, actions.Snooze90:
		until := p.When.Add(req.Kind.Snooze())
		r.Note = fmt.Sprintf("%s snoozed until %s", name, until.In(zone).Format("2 January 2006"))
		return a.db.UpdateOverride(ctx, key, func(o *store.Override) { o.SnoozeUntil = until })
	case actions.Ignore:
		r.Note = name + " will not be suggested again"
		return a.db.UpdateOverride(ctx, key, func(o *store.Override) { o.Ignored = true })
	case actions.LessOften, actions.MoreOften:
		if cadence <= 0 {
			return fmt.Errorf("%s has no rhythm yet to change", name)
		}
		days := cadence * 2
		if req.Kind == actions.MoreOften {
			days = max(cadence/2, 1)
		}
		days = math.Round(days)
		r.Note = fmt.Sprintf("%s: every %g days now, was %g", name, days, math.Round(cadence))
		return a.db.UpdateOverride(ctx, key, func(o *store.Override) { o.CadenceDays = days })
	}
	return fmt.Errorf("%q is not an action rekindle applies", req.Kind)
}

// everyone is the model as of now with every contact, one-way and
// ignored ones included (as Find sees them).
func (a *App) everyone(ctx context.Context, now time.Time) (*Model, error) {
	opts, err := a.relationshipOptions(ctx, now, true)
	if err != nil {
		return nil, err
	}
	for k, o := range opts.Overrides {
		o.Ignore = false
		opts.Overrides[k] = o
	}
	return a.modelWith(ctx, opts, now)
}

// isMe reports whether addr is one of me.addresses.
func (a *App) isMe(addr string) bool {
	return slices.Contains(a.cfg.Me.Addresses, strings.ToLower(addr))
}

// label names a contact for people: "Name <address>", or the address.
func label(c *relationship.Contact) string {
	if c.Name == "" {
		return c.Email
	}
	return c.Name
}

// linker makes the digest's action links for the digest of day, signed
// with the store's secret: each a mailto: to the user's main address.
// Without a secret (a read-only store a sync has not yet given one) the
// digest offers no actions.
func (a *App) linker(ctx context.Context, day string) digest.Linker {
	secret, err := a.db.ActionSecret(ctx)
	if err != nil {
		a.log.Debug("the digest offers no actions", slog.Any("err", err))
		return nil
	}
	if len(a.cfg.Me.Addresses) == 0 {
		return nil
	}
	to := a.cfg.Me.Addresses[0]
	return func(kind actions.Kind, target, what string) string {
		if target == "" || strings.ContainsAny(target, " \t\r\n()") {
			return ""
		}
		subject := actions.Subject(secret, actions.Command{Kind: kind, Target: target, Day: day}, what)
		return digest.Mailto(to, subject, actions.Body(kind, what), "")
	}
}

// appliedLines says what the actions applied since the last digest did,
// one line each (the dismissed follow-ups counted in one).
func (a *App) appliedLines(ctx context.Context) ([]string, error) {
	since, err := a.db.LastDigestSent(ctx)
	if err != nil {
		return nil, err
	}
	recs, err := a.db.Actions(ctx, since, 0)
	if err != nil {
		return nil, err
	}
	var (
		lines     []string
		dismissed int
	)
	for i := len(recs) - 1; i >= 0; i-- { // oldest first
		r := recs[i]
		switch {
		case !r.Applied:
		case r.Kind == string(actions.NoReplyNeeded):
			dismissed++
		default:
			lines = append(lines, r.Note)
		}
	}
	if dismissed > 0 {
		lines = append(lines, Plural(dismissed, "follow-up", "follow-ups")+" dismissed")
	}
	return lines, nil
}

// Actions lists the digest action messages looked at, newest first, at
// most limit (0: all): applied, or ignored and why.
func (a *App) Actions(ctx context.Context, limit int) ([]store.ActionRecord, error) {
	return a.db.Actions(ctx, time.Time{}, limit)
}

// RotateActionSecret replaces the key that signs the digest's actions:
// every action link in an earlier digest stops working.
func (a *App) RotateActionSecret(ctx context.Context) error {
	_, err := a.db.RotateActionSecret(ctx)
	return err
}
