package store

import (
	"context"
	"slices"
	"testing"
	"time"
)

func TestOverrides(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	snooze := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	must(t, d.UpdateOverride(ctx, "Bob@Example.com", func(o *Override) {
		o.Pinned = true
		o.Tags = append(o.Tags, "mentor", "friend", "mentor")
	}))
	must(t, d.UpdateOverride(ctx, "bob@example.com", func(o *Override) {
		o.CadenceDays = 30
		o.SnoozeUntil = snooze
	}))
	got, err := d.Overrides(ctx)
	must(t, err)
	if len(got) != 1 {
		t.Fatalf("overrides = %+v", got)
	}
	o := got[0]
	if o.Address != "bob@example.com" || !o.Pinned || o.CadenceDays != 30 || !o.SnoozeUntil.Equal(snooze) ||
		!slices.Equal(o.Tags, []string{"friend", "mentor"}) {
		t.Errorf("override = %+v", o)
	}
	// Clearing everything deletes the row.
	must(t, d.UpdateOverride(ctx, "bob@example.com", func(o *Override) { *o = Override{Address: o.Address} }))
	if got, _ := d.Overrides(ctx); len(got) != 0 {
		t.Errorf("after clearing: %+v", got)
	}
}

func TestTagCadencesAndIgnorePatterns(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	must(t, d.SetTagCadence(ctx, "family", 14))
	must(t, d.SetTagCadence(ctx, "old", 3))
	must(t, d.SetTagCadence(ctx, "old", 0))
	tc, err := d.TagCadences(ctx)
	must(t, err)
	if len(tc) != 1 || tc["family"] != 14 {
		t.Errorf("tag cadences = %v", tc)
	}
	changed, err := d.SetIgnorePattern(ctx, "*@LinkedIn.com", true)
	must(t, err)
	again, _ := d.SetIgnorePattern(ctx, "*@linkedin.com", true)
	if !changed || again {
		t.Errorf("ignore: changed=%v again=%v", changed, again)
	}
	ps, _ := d.IgnorePatterns(ctx)
	if !slices.Equal(ps, []string{"*@linkedin.com"}) {
		t.Errorf("patterns = %v", ps)
	}
	removed, _ := d.SetIgnorePattern(ctx, "*@linkedin.com", false)
	if ps, _ := d.IgnorePatterns(ctx); !removed || len(ps) != 0 {
		t.Errorf("after unignore: %v", ps)
	}
}

func TestMergeAndSplit(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	must(t, d.Merge(ctx, []string{"a@x", "b@x"}))
	must(t, d.Merge(ctx, []string{"c@x", "d@x"}))
	must(t, d.Merge(ctx, []string{"B@x", "c@x"})) // joins both groups
	ms, err := d.Merges(ctx)
	must(t, err)
	if len(ms) != 1 || !slices.Equal(ms[0], []string{"a@x", "b@x", "c@x", "d@x"}) {
		t.Fatalf("merges = %v", ms)
	}
	must(t, d.Split(ctx, "d@x", "a@x"))
	ms, _ = d.Merges(ctx)
	sp, _ := d.Splits(ctx)
	if len(ms) != 1 || slices.Contains(ms[0], "d@x") || len(sp) != 1 || sp[0] != [2]string{"a@x", "d@x"} {
		t.Errorf("after split: merges %v, splits %v", ms, sp)
	}
	// Merging again lifts the split.
	must(t, d.Merge(ctx, []string{"a@x", "d@x"}))
	if sp, _ := d.Splits(ctx); len(sp) != 0 {
		t.Errorf("splits after re-merge: %v", sp)
	}
}

func TestSuggestions(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	day1 := time.Date(2026, 11, 1, 7, 0, 0, 0, time.UTC)
	day2 := day1.AddDate(0, 0, 7)
	must(t, d.RecordSuggestions(ctx, day1, []Suggested{{Key: "bob@x", Addresses: []string{"bob@x", "bob@y"}}, {Key: "old@x", Addresses: []string{"old@x"}, Dormant: true}}))
	must(t, d.RecordSuggestions(ctx, day2, []Suggested{{Key: "bob@x", Addresses: []string{"bob@x"}}}))
	h, err := d.Suggestions(ctx, time.Time{})
	must(t, err)
	if !h.Last["bob@x"].Equal(day2) || !h.Last["bob@y"].Equal(day1) || !h.LastDormant.Equal(day1) {
		t.Errorf("history = %+v", h)
	}
	// As of a moment before day 2, day 2 did not happen yet.
	h, _ = d.Suggestions(ctx, day1.Add(time.Hour))
	if !h.Last["bob@x"].Equal(day1) {
		t.Errorf("history as of day 1 = %+v", h)
	}
}
