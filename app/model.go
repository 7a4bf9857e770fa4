package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rekindle/rekindle/digest"
	"github.com/rekindle/rekindle/relationship"
	"github.com/rekindle/rekindle/store"
)

// Model is the relationship model built from the store as of a moment.
type Model struct {
	// Now is the moment the model is as of.
	Now time.Time
	// Contacts are the user's contacts, strongest first.
	Contacts []relationship.Contact

	builder *relationship.Builder
	history store.SuggestionHistory
}

// Followups are the conversations waiting on a reply as of m's moment,
// for digest.followup_after_days or longer: the user's, or the other's.
// Each list has the strongest ties first, the digest's order.
func (a *App) Followups(m *Model) relationship.Followups {
	f := m.builder.Followups(m.Now, days(float64(a.cfg.Digest.FollowupAfterDays)))
	digest.SortFollowups(f.AwaitingReply)
	digest.SortFollowups(f.OwesReply)
	return f
}

// Model streams every message up to asOf from the store into the
// relationship model: one pass, memory bounded by the number of people.
// With all, one-way correspondents are contacts too.
func (a *App) Model(ctx context.Context, asOf time.Time, all bool) (*Model, error) {
	opts, err := a.relationshipOptions(ctx, asOf, all)
	if err != nil {
		return nil, err
	}
	return a.modelWith(ctx, opts, asOf)
}

// modelWith is Model with the model's options already made.
func (a *App) modelWith(ctx context.Context, opts relationship.Options, asOf time.Time) (*Model, error) {
	b := relationship.NewBuilder(opts)
	var m relationship.Mail
	err := a.db.EachMessage(ctx, asOf, func(s *store.Stored) error {
		m.ID, m.When, m.Header = s.ID, s.When, s.Header
		b.Add(&m)
		return nil
	})
	if err != nil {
		return nil, err
	}
	history, err := a.db.Suggestions(ctx, asOf)
	if err != nil {
		return nil, err
	}
	return &Model{Now: asOf, builder: b, history: history, Contacts: b.Contacts(asOf)}, nil
}

// Suggestions are the people the digest as of the model's moment would
// suggest, best first.
func (a *App) Suggestions(m *Model) []relationship.Suggestion {
	return relationship.Pick(m.Contacts, m.Now, a.pickOptions(m.history))
}

// configOptions are the model's options that come from the
// configuration: everything but the moment, who is listed and what the
// store holds. The contacts snapshot is built from them (contactsBasis).
func (a *App) configOptions() relationship.Options {
	return relationship.Options{
		Me:     a.cfg.Me.Addresses,
		Ignore: a.cfg.Ignore,
	}
}

// relationshipOptions gathers what the model needs from the configuration,
// the user's overrides in the store and the user's address book.
func (a *App) relationshipOptions(ctx context.Context, asOf time.Time, all bool) (relationship.Options, error) {
	opts := a.configOptions()
	opts.AsOf = asOf
	opts.IncludeOneWay = all
	opts.Overrides = map[string]relationship.Override{}
	opts.TagCadence = map[string]time.Duration{}
	patterns, err := a.db.IgnorePatterns(ctx)
	if err != nil {
		return opts, err
	}
	opts.Ignore = append(append([]string(nil), opts.Ignore...), patterns...)
	overrides, err := a.db.Overrides(ctx)
	if err != nil {
		return opts, err
	}
	for _, o := range overrides {
		opts.Overrides[o.Address] = relationship.Override{
			Cadence:     days(o.CadenceDays),
			SnoozeUntil: o.SnoozeUntil,
			Ignore:      o.Ignored,
			Pin:         o.Pinned,
			Tags:        o.Tags,
		}
	}
	tags, err := a.db.TagCadences(ctx)
	if err != nil {
		return opts, err
	}
	for tag, d := range tags {
		opts.TagCadence[tag] = days(d)
	}
	if opts.Merges, err = a.db.Merges(ctx); err != nil {
		return opts, err
	}
	if opts.Splits, err = a.db.Splits(ctx); err != nil {
		return opts, err
	}
	if opts.Dismissed, err = a.db.Dismissed(ctx); err != nil {
		return opts, err
	}
	if opts.Cards, err = a.Cards(ctx); err != nil {
		return opts, err
	}
	return opts, nil
}

func days(d float64) time.Duration { return time.Duration(d * float64(24*time.Hour)) }

// pickOptions are the digest's choice settings, with the suggestion
// history h.
func (a *App) pickOptions(h store.SuggestionHistory) relationship.PickOptions {
	// The configuration's 0 is "none"; relationship reads 0 as its
	// default and a negative value as none.
	quiet, cool := a.cfg.Digest.QuietDays, a.cfg.Digest.Cooldown.Std()
	if quiet == 0 {
		quiet = -1
	}
	if cool == 0 {
		cool = -1
	}
	return relationship.PickOptions{
		MaxContacts:     a.cfg.Digest.MaxContacts,
		QuietDays:       quiet,
		CoolDown:        cool,
		LastSuggested:   h.Last,
		LastDormantPick: h.LastDormant,
		Targets:         a.targets,
	}
}

// Find resolves what the user typed (an address, or a name or part of
// one) to one contact as of now, among everyone: one-way correspondents,
// and people the user ignored (so they can be un-ignored: the model drops
// ignored people, so the ignores are lifted for the lookup).
func (a *App) Find(ctx context.Context, who string) (*relationship.Contact, error) {
	m, err := a.everyone(ctx, a.now())
	if err != nil {
		return nil, err
	}
	return FindContact(m.Contacts, who)
}

// FindContact resolves who (an address, or a name or part of one, in any
// case) to one of contacts, or says why it cannot: nobody, or several.
func FindContact(contacts []relationship.Contact, who string) (*relationship.Contact, error) {
	q := strings.ToLower(strings.TrimSpace(who))
	if q == "" {
		return nil, fmt.Errorf("name a contact by address or name")
	}
	if strings.Contains(q, "@") {
		for i := range contacts {
			for _, addr := range contacts[i].Addresses {
				if addr == q {
					return &contacts[i], nil
				}
			}
		}
		return nil, fmt.Errorf("no contact has the address %s (run \"rekindle contacts --all\" to list everyone)", q)
	}
	var exact, partial []*relationship.Contact
	for i := range contacts {
		name := strings.ToLower(contacts[i].Name)
		switch {
		case name == q:
			exact = append(exact, &contacts[i])
		case strings.Contains(name, q):
			partial = append(partial, &contacts[i])
		}
	}
	matches := exact
	if len(matches) == 0 {
		matches = partial
	}
	switch len(matches) {
	case 1:
		return matches[0], nil
	case 0:
		return nil, fmt.Errorf("no contact is named %q (run \"rekindle contacts --all\" to list everyone)", who)
	}
	var names []string
	for _, c := range matches {
		names = append(names, fmt.Sprintf("%s <%s>", c.Name, c.Email))
	}
	return nil, fmt.Errorf("%q matches %d contacts: %s; use an address instead", who, len(matches), strings.Join(names, ", "))
}
