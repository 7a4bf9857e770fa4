package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rekindle/rekindle/app"
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

func runReplay(ctx context.Context, e *env, fromFlag, toFlag string, asJSON bool) error {
	a, err := e.openReadOnly(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	loc := a.Zone()
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
	if to.Sub(from) > app.MaxReplayDays*24*time.Hour {
		return usagef("--from %s to --to %s is more than a year; replay at most %d days at a time", fromFlag, toFlag, app.MaxReplayDays)
	}
	mornings := a.Mornings(from, to.AddDate(0, 0, 1))
	if len(mornings) == 0 {
		return fmt.Errorf("digest.schedule %q has no morning between %s and %s", a.Config().Digest.Schedule, fromFlag, toFlag)
	}
	days, err := a.Replay(ctx, mornings)
	if err != nil {
		return err
	}
	if asJSON {
		out := replayJSON{From: fromFlag, To: toFlag, Mornings: make([]morningJSON, 0, len(days))}
		for _, d := range days {
			m := morningJSON{Date: d.Date, People: make([]replayPickJSON, 0, len(d.Picks))}
			for i := range d.Picks {
				m.People = append(m.People, replayPick(&d.Picks[i]))
			}
			out.Mornings = append(out.Mornings, m)
		}
		return writeJSON(e.stdout, out)
	}
	for _, d := range days {
		var names []string
		for _, p := range d.Picks {
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

func replayPick(p *app.Pick) replayPickJSON {
	return replayPickJSON{
		Key: p.Key, Name: p.Name, Email: p.Email, Addresses: slices.Clone(p.Addresses),
		Status: string(p.Status), Strength: p.Strength, StrengthRank: p.StrengthRank, Score: p.Score,
		ExchangeDays: p.ExchangeDays, PersonalDays: p.PersonalDays, LastContact: p.LastContact,
		DaysSilent: p.DaysSilent, Overdue: p.Overdue, Target: p.Target, Vouches: p.Vouches,
		DraftKind: p.DraftKind, Reasons: slices.Clone(p.Reasons),
	}
}
