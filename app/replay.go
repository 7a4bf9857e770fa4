package app

import (
	"context"
	"fmt"
	"maps"
	"time"

	"github.com/rekindle/rekindle"
	"github.com/rekindle/rekindle/digest"
	"github.com/rekindle/rekindle/relationship"
	"github.com/rekindle/rekindle/store"
)

// Morning is one replayed morning: the people the digest would have
// suggested then, best first.
type Morning struct {
	Date  time.Time
	Picks []Pick
}

// Pick is one replayed suggestion and the kind of draft it would have had.
type Pick struct {
	relationship.Suggestion
	DraftKind string
}

// MaxReplayDays bounds the days a replay should span: a year of mornings
// is plenty, and the output of more would be unreadable anyway.
const MaxReplayDays = 366

// Zone is the digest's time zone (digest.timezone): days are counted in
// it.
func (a *App) Zone() *time.Location {
	if a.cfg.Digest.Zone == nil { // a configuration not made by config.Load
		return time.Local
	}
	return a.cfg.Digest.Zone
}

// Mornings lists the digest's scheduled times (digest.schedule in
// digest.timezone) from from (included) to until (excluded).
func (a *App) Mornings(from, until time.Time) []time.Time {
	var out []time.Time
	d := &a.cfg.Digest
	for t := d.Next(from.Add(-time.Second)); !t.IsZero() && t.Before(until); t = d.Next(t) {
		out = append(out, t)
	}
	return out
}

// Replay computes the picks of each of mornings (in order) with one pass
// over the store, as if rekindle had run then: the mail up to the last
// morning streams in date order into one model, which is asked for its
// picks as each morning passes, so each morning sees only earlier mail.
// The suggestion history starts from the store's (as of the first
// morning) and grows in memory: the cool-down, the weekly dormant slot and
// the snoozes apply from one morning to the next. Nothing is recorded.
func (a *App) Replay(ctx context.Context, mornings []time.Time) ([]Morning, error) {
	if len(mornings) == 0 {
		return nil, fmt.Errorf("no morning to replay")
	}
	last := mornings[len(mornings)-1]
	opts, err := a.relationshipOptions(ctx, last, false)
	if err != nil {
		return nil, err
	}
	history, err := a.db.Suggestions(ctx, mornings[0])
	if err != nil {
		return nil, err
	}
	history.Last = maps.Clone(history.Last)
	b := relationship.NewBuilder(opts)
	out := make([]Morning, 0, len(mornings))
	morning := func(now time.Time) {
		picks := relationship.Pick(b.Contacts(now), now, a.pickOptions(history))
		day := Morning{Date: now, Picks: make([]Pick, 0, len(picks))}
		for i := range picks {
			p := &picks[i]
			person := digest.Person{Status: string(p.Status), Target: p.Target, Tags: p.Tags, Score: p.Score, Strength: p.Strength, Vouches: p.Vouches}
			kind, _ := digest.ChooseKind(&person, a.me, a.rules)
			day.Picks = append(day.Picks, Pick{Suggestion: *p, DraftKind: kind})
			history.Last[p.Key] = now
			for _, addr := range p.Addresses {
				history.Last[addr] = now
			}
			if p.Status == rekindle.StatusDormant {
				history.LastDormant = now
			}
		}
		out = append(out, day)
	}
	var m relationship.Mail
	err = a.db.EachMessageByDate(ctx, last, func(s *store.Stored) error {
		for len(out) < len(mornings) && s.When.After(mornings[len(out)]) {
			morning(mornings[len(out)])
		}
		m.ID, m.When, m.Header = s.ID, s.When, s.Header
		b.Add(&m)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for len(out) < len(mornings) {
		morning(mornings[len(out)])
	}
	return out, nil
}
