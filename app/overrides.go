package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rekindle/rekindle/relationship"
	"github.com/rekindle/rekindle/store"
)

// The user's overrides: what they tell rekindle about a contact that the
// mail does not say. Each use case names the contact as the user typed it
// (an address, or a name or part of one; see Find) and returns the contact
// it changed.

// Snooze keeps who out of digests until until (the zero time ends a
// snooze).
func (a *App) Snooze(ctx context.Context, who string, until time.Time) (*relationship.Contact, error) {
	return a.override(ctx, who, func(o *store.Override) { o.SnoozeUntil = until })
}

// Pin keeps who eligible for the digest whatever their rhythm (pin false
// undoes it).
func (a *App) Pin(ctx context.Context, who string, pin bool) (*relationship.Contact, error) {
	return a.override(ctx, who, func(o *store.Override) { o.Pinned = pin })
}

// SetCadence sets how often, in days, the user wants to be in touch with
// who; 0 returns to the rhythm learnt from the mail.
func (a *App) SetCadence(ctx context.Context, who string, days float64) (*relationship.Contact, error) {
	return a.override(ctx, who, func(o *store.Override) { o.CadenceDays = days })
}

// SetTagCadence sets the cadence, in days, of everyone tagged tag who has
// none of their own; 0 removes it.
func (a *App) SetTagCadence(ctx context.Context, tag string, days float64) error {
	return a.db.SetTagCadence(ctx, strings.ToLower(tag), days)
}

// Tag labels who with tags (one word each, lower-cased).
func (a *App) Tag(ctx context.Context, who string, tags []string) (*relationship.Contact, error) {
	for _, t := range tags {
		if err := CheckTag(t); err != nil {
			return nil, err
		}
	}
	tags = lower(tags)
	return a.override(ctx, who, func(o *store.Override) { o.Tags = append(o.Tags, tags...) })
}

// CheckTag says why t cannot be a tag, or returns nil.
func CheckTag(t string) error {
	if t == "" || strings.ContainsAny(t, " \t,") {
		return fmt.Errorf("tag %q: a tag is one word", t)
	}
	return nil
}

// Untag removes tags from who.
func (a *App) Untag(ctx context.Context, who string, tags []string) (*relationship.Contact, error) {
	tags = lower(tags)
	return a.override(ctx, who, func(o *store.Override) {
		o.Tags = slices.DeleteFunc(o.Tags, func(t string) bool { return slices.Contains(tags, t) })
	})
}

// The overrides that change who is a contact (Ignore, Merge, Split)
// refresh the contacts snapshot after them, so that address completion
// (Query) stays fast; the others leave it as it is.

// Merge declares addrs (two or more) to be one person.
func (a *App) Merge(ctx context.Context, addrs []string) error {
	if len(addrs) < 2 {
		return fmt.Errorf("want at least two addresses")
	}
	for _, addr := range addrs {
		if !strings.Contains(addr, "@") {
			return fmt.Errorf("%q is not an address", addr)
		}
	}
	if err := a.db.Merge(ctx, lower(addrs)); err != nil {
		return err
	}
	a.refreshContacts(ctx)
	return nil
}

// Split declares two addresses to be different people.
func (a *App) Split(ctx context.Context, x, y string) error {
	if !strings.Contains(x, "@") || !strings.Contains(y, "@") {
		return fmt.Errorf("want two addresses")
	}
	if err := a.db.Split(ctx, x, y); err != nil {
		return err
	}
	a.refreshContacts(ctx)
	return nil
}

// Ignored is what Ignore did.
type Ignored struct {
	// Pattern is the address or domain glob ignored, or no longer
	// ignored, when the user named one ("*@linkedin.com", "example.net");
	// Changed says whether that changed anything.
	Pattern string
	Changed bool
	// Contact is the contact ignored or no longer ignored, when the user
	// named one; nil for a pattern, or an address that is no contact.
	Contact *relationship.Contact
	// Address is the address ignored when it is no contact (yet).
	Address string
}

// Ignore makes rekindle never treat who as a contact (ignore false undoes
// it). who is a contact, an address not (yet) a contact, or an address or
// domain glob (IsPattern).
func (a *App) Ignore(ctx context.Context, who string, ignore bool) (Ignored, error) {
	res, err := a.ignore(ctx, who, ignore)
	if err == nil {
		a.refreshContacts(ctx)
	}
	return res, err
}

func (a *App) ignore(ctx context.Context, who string, ignore bool) (Ignored, error) {
	if IsPattern(who) {
		changed, err := a.db.SetIgnorePattern(ctx, who, ignore)
		return Ignored{Pattern: who, Changed: changed}, err
	}
	c, err := a.Find(ctx, who)
	if err != nil && strings.Contains(who, "@") && ignore {
		// Someone not (yet) a contact can be ignored by address.
		addr := strings.ToLower(who)
		return Ignored{Address: addr}, a.db.UpdateOverride(ctx, who, func(o *store.Override) { o.Ignored = true })
	} else if err != nil {
		return Ignored{}, err
	}
	for _, key := range append([]string{c.Key}, c.Addresses...) {
		if err := a.db.UpdateOverride(ctx, key, func(o *store.Override) { o.Ignored = ignore }); err != nil {
			return Ignored{}, err
		}
		if ignore {
			break // the key covers every address
		}
	}
	return Ignored{Contact: c}, nil
}

// IsPattern tells an address or domain glob ("*@linkedin.com",
// "example.net") from a name or a plain address.
func IsPattern(s string) bool {
	return strings.ContainsAny(s, "*?") || !strings.Contains(s, "@") && !strings.Contains(s, " ") && strings.Contains(s, ".")
}

// override finds who and changes their override with f.
func (a *App) override(ctx context.Context, who string, f func(*store.Override)) (*relationship.Contact, error) {
	c, err := a.Find(ctx, who)
	if err != nil {
		return nil, err
	}
	return c, a.db.UpdateOverride(ctx, c.Key, f)
}

func lower(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(s)
	}
	return out
}
