package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rekindle/rekindle/config"
	"github.com/rekindle/rekindle/relationship"
	"github.com/rekindle/rekindle/store"
)

// model is the relationship model built from the store as of a moment.
type model struct {
	now      time.Time
	builder  *relationship.Builder
	history  store.SuggestionHistory
	contacts []relationship.Contact
}

// parseAsOf reads --as-of: a date (YYYY-MM-DD, meaning the end of that day
// in local time, so mail of that day counts) or a full RFC 3339 time. An
// empty value is now.
func parseAsOf(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return now, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseInLocation("2006-01-02", s, time.Local); err == nil {
		return d.AddDate(0, 0, 1).Add(-time.Second), nil
	}
	return time.Time{}, usagef("--as-of %q: want a date (2026-03-01) or an RFC 3339 time (2026-03-01T07:00:00+01:00)", s)
}

// relationshipOptions gathers what the model needs from the config and the
// user's overrides in the store.
func relationshipOptions(ctx context.Context, cfg *config.Config, db *store.DB, asOf time.Time, all bool) (relationship.Options, error) {
	opts := relationship.Options{
		Me:            cfg.Me.Addresses,
		Ignore:        cfg.Ignore,
		AsOf:          asOf,
		IncludeOneWay: all,
		Overrides:     map[string]relationship.Override{},
		TagCadence:    map[string]time.Duration{},
	}
	patterns, err := db.IgnorePatterns(ctx)
	if err != nil {
		return opts, err
	}
	opts.Ignore = append(append([]string(nil), opts.Ignore...), patterns...)
	overrides, err := db.Overrides(ctx)
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
	tags, err := db.TagCadences(ctx)
	if err != nil {
		return opts, err
	}
	for tag, d := range tags {
		opts.TagCadence[tag] = days(d)
	}
	if opts.Merges, err = db.Merges(ctx); err != nil {
		return opts, err
	}
	if opts.Splits, err = db.Splits(ctx); err != nil {
		return opts, err
	}
	return opts, nil
}

func days(d float64) time.Duration { return time.Duration(d * float64(24*time.Hour)) }

// buildModel streams every message up to asOf from the store into the
// relationship model: one pass, memory bounded by the number of people.
func buildModel(ctx context.Context, cfg *config.Config, db *store.DB, asOf time.Time, all bool) (*model, error) {
	opts, err := relationshipOptions(ctx, cfg, db, asOf, all)
	if err != nil {
		return nil, err
	}
	return buildModelWith(ctx, db, opts, asOf)
}

// buildModelWith is buildModel with the model's options already made.
func buildModelWith(ctx context.Context, db *store.DB, opts relationship.Options, asOf time.Time) (*model, error) {
	b := relationship.NewBuilder(opts)
	var m relationship.Mail
	err := db.EachMessage(ctx, asOf, func(s *store.Stored) error {
		m.ID, m.When, m.Header = s.ID, s.When, s.Header
		b.Add(&m)
		return nil
	})
	if err != nil {
		return nil, err
	}
	history, err := db.Suggestions(ctx, asOf)
	if err != nil {
		return nil, err
	}
	return &model{now: asOf, builder: b, history: history, contacts: b.Contacts(asOf)}, nil
}

// pickOptions are the digest's choice settings from the config.
func pickOptions(cfg *config.Config, h store.SuggestionHistory) relationship.PickOptions {
	var targets []relationship.Target
	for _, t := range cfg.Me.TargetCompanies {
		targets = append(targets, relationship.Target{Name: t.Name, Domains: t.Domains})
	}
	return relationship.PickOptions{
		MaxContacts:     cfg.Digest.MaxContacts,
		QuietDays:       cfg.Digest.QuietDays,
		CoolDown:        cfg.Digest.Cooldown.Std(),
		LastSuggested:   h.Last,
		LastDormantPick: h.LastDormant,
		Targets:         targets,
	}
}

// findContact resolves what the user typed (an address, or a name or part
// of one) to one contact, or says why it cannot.
func findContact(contacts []relationship.Contact, who string) (*relationship.Contact, error) {
	q := strings.ToLower(strings.TrimSpace(who))
	if q == "" {
		return nil, usagef("name a contact by address or name")
	}
	if strings.Contains(q, "@") {
		for i := range contacts {
			for _, a := range contacts[i].Addresses {
				if a == q {
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
