package main

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/rekindle/rekindle"
	"github.com/rekindle/rekindle/config"
	"github.com/rekindle/rekindle/digest"
	"github.com/rekindle/rekindle/relationship"
	"github.com/rekindle/rekindle/store"
)

func replayCommand() *command {
	return &command{
		name:    "replay",
		args:    "--from DATE --to DATE [--json]",
		summary: "show the digests rekindle would have sent each morning between two dates",
		help: `
Replays the scheduled mornings (digest.schedule, in digest.timezone) from
--from to --to, both days included, as if rekindle had run then: each
morning sees only the mail dated before it, and the cool-down, the weekly
dormant slot and your snoozes apply from one morning to the next, in memory.
Nothing is sent or recorded. On a new install it answers "what would
rekindle have told me this past quarter?".

Prints one line per morning (the date and the people picked); --json gives
each morning's picks with their fields (format in the README).`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			from := fs.String("from", "", "first day to replay, `YYYY-MM-DD` (required)")
			to := fs.String("to", "", "last day to replay, `YYYY-MM-DD` (default: --from)")
			asJSON := fs.Bool("json", false, "print the mornings as JSON")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected argument %q", args[0])
				}
				if *from == "" {
					return usagef("--from is required: the first day to replay (YYYY-MM-DD)")
				}
				if *to == "" {
					*to = *from
				}
				return runReplay(ctx, e, *from, *to, *asJSON)
			}
		},
	}
}

// replayJSON is the stable JSON form of a replay (see README).
type replayJSON struct {
	From     string        `json:"from"`
	To       string        `json:"to"`
	Mornings []morningJSON `json:"mornings"`
}

type morningJSON struct {
	Date   time.Time        `json:"date"`
	People []replayPickJSON `json:"people"`
}

type replayPickJSON struct {
	Key          string    `json:"key"`
	Name         string    `json:"name"`
	Email        string    `json:"email"`
	Addresses    []string  `json:"addresses"`
	Status       string    `json:"status"`
	Strength     float64   `json:"strength"`
	StrengthRank int       `json:"strength_rank"`
	Score        float64   `json:"score"`
	ExchangeDays int       `json:"exchange_days"`
	PersonalDays int       `json:"personal_days"`
	LastContact  time.Time `json:"last_contact"`
	DaysSilent   int       `json:"days_silent"`
	Overdue      float64   `json:"overdue"`
	Target       string    `json:"target,omitempty"`
	Vouches      bool      `json:"vouches"`
	DraftKind    string    `json:"draft_kind"`
	Reasons      []string  `json:"reasons"`
}

// maxReplayDays bounds a replay: a year of mornings is plenty, and the
// output of more would be unreadable anyway.
const maxReplayDays = 366

func runReplay(ctx context.Context, e *env, fromFlag, toFlag string, asJSON bool) error {
	cfg, db, err := e.openReadOnly(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	loc := cfg.Digest.Location()
	from, err := time.ParseInLocation("2006-01-02", fromFlag, loc)
	if err != nil {
		return usagef("--from %q: want a date such as 2026-03-01", fromFlag)
	}
	to, err := time.ParseInLocation("2006-01-02", toFlag, loc)
	if err != nil {
		return usagef("--to %q: want a date such as 2026-03-01", toFlag)
	}
	if to.Before(from) {
		return usagef("--to %s is before --from %s", toFlag, fromFlag)
	}
	if to.Sub(from) > maxReplayDays*24*time.Hour {
		return usagef("--from %s to --to %s is more than a year; replay at most %d days at a time", fromFlag, toFlag, maxReplayDays)
	}
	mornings := scheduledMornings(&cfg.Digest, from, to.AddDate(0, 0, 1))
	if len(mornings) == 0 {
		return fmt.Errorf("digest.schedule %q has no morning between %s and %s", cfg.Digest.Schedule, fromFlag, toFlag)
	}
	days, err := replay(ctx, cfg, db, mornings)
	if err != nil {
		return err
	}
	if asJSON {
		out := replayJSON{From: fromFlag, To: toFlag, Mornings: days}
		return writeJSON(e.stdout, out)
	}
	for _, d := range days {
		var names []string
		for _, p := range d.People {
			n := p.Name
			if n == "" {
				n = p.Email
			}
			names = append(names, n)
		}
		who := "nobody due"
		if len(names) > 0 {
			who = strings.Join(names, ", ")
		}
		fmt.Fprintf(e.stdout, "%s  %s\n", d.Date.Format("Mon 2 Jan 2006"), who)
	}
	return nil
}

// scheduledMornings lists the digest's scheduled times from from (included)
// to until (excluded).
func scheduledMornings(d *config.Digest, from, until time.Time) []time.Time {
	var out []time.Time
	for t := d.Next(from.Add(-time.Second)); !t.IsZero() && t.Before(until); t = d.Next(t) {
		out = append(out, t)
	}
	return out
}

// replay computes the picks of each morning with one pass over the store:
// the mail up to the last morning streams in date order into one model,
// which is asked for its picks as each morning passes, so each morning
// sees only earlier mail. The suggestion history starts from the store's
// (as of the first morning) and grows in memory.
func replay(ctx context.Context, cfg *config.Config, db *store.DB, mornings []time.Time) ([]morningJSON, error) {
	last := mornings[len(mornings)-1]
	opts, err := relationshipOptions(ctx, cfg, db, last, false)
	if err != nil {
		return nil, err
	}
	history, err := db.Suggestions(ctx, mornings[0])
	if err != nil {
		return nil, err
	}
	history.Last = maps.Clone(history.Last)
	me, rules := digest.Settings(cfg)
	b := relationship.NewBuilder(opts)
	out := make([]morningJSON, 0, len(mornings))
	morning := func(now time.Time) {
		picks := relationship.Pick(b.Contacts(now), now, pickOptions(cfg, history))
		day := morningJSON{Date: now, People: make([]replayPickJSON, 0, len(picks))}
		for i := range picks {
			p := &picks[i]
			day.People = append(day.People, replayPick(p, me, rules))
			history.Last[p.Key] = now
			for _, a := range p.Addresses {
				history.Last[a] = now
			}
			if p.Status == rekindle.StatusDormant {
				history.LastDormant = now
			}
		}
		out = append(out, day)
	}
	var m relationship.Mail
	err = db.EachMessageByDate(ctx, last, func(s *store.Stored) error {
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

func replayPick(p *relationship.Suggestion, me digest.Me, rules digest.DraftRules) replayPickJSON {
	person := digest.Person{Status: string(p.Status), Target: p.Target, Tags: p.Tags, Score: p.Score, Strength: p.Strength, Vouches: p.Vouches}
	kind, _ := digest.ChooseKind(&person, me, rules)
	return replayPickJSON{
		Key: p.Key, Name: p.Name, Email: p.Email, Addresses: slices.Clone(p.Addresses),
		Status: string(p.Status), Strength: p.Strength, StrengthRank: p.StrengthRank, Score: p.Score,
		ExchangeDays: p.ExchangeDays, PersonalDays: p.PersonalDays, LastContact: p.LastContact,
		DaysSilent: p.DaysSilent, Overdue: p.Overdue, Target: p.Target, Vouches: p.Vouches,
		DraftKind: kind, Reasons: slices.Clone(p.Reasons),
	}
}
