package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/rekindle/rekindle"
)

// TestEachMessageByDate: messages stored out of date order come back in
// date order (ties in the order stored), only up to until, across batches.
func TestEachMessageByDate(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	const n = 1200 // more than one batch
	var msgs []rekindle.Message
	for i := range n {
		// Days go 0, 599, 1, 598, ...: the store's order is not the date's.
		d := i / 2
		if i%2 == 1 {
			d = n - 1 - i/2
		}
		msgs = append(msgs, rekindle.Message{UID: uint32(i + 1), InternalDate: base,
			Header: rekindle.Header{MessageID: fmt.Sprintf("m%d@x", i), Date: base.AddDate(0, 0, d/2),
				From: []rekindle.Address{{Email: "a@x.org"}}, Subject: fmt.Sprint(d)}})
	}
	if err := db.PutMessages(ctx, "acct", "INBOX", msgs, n); err != nil {
		t.Fatal(err)
	}
	until := base.AddDate(0, 0, 250)
	var prev time.Time
	var prevID int64
	count := 0
	err = db.EachMessageByDate(ctx, until, func(s *Stored) error {
		count++
		if s.When.Before(prev) || (s.When.Equal(prev) && s.ID < prevID) {
			t.Fatalf("message %d (%s) after %d (%s)", s.ID, s.When, prevID, prev)
		}
		if s.When.After(until) {
			t.Fatalf("message %d at %s is after %s", s.ID, s.When, until)
		}
		if s.Header.Date != s.When || len(s.From) != 1 {
			t.Fatalf("message %d decoded wrong: %+v", s.ID, s.Header)
		}
		prev, prevID = s.When, s.ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := 2 * 251; count != want { // days 0..250, two messages each
		t.Errorf("%d messages up to %s, want %d", count, until, want)
	}
}

// EachMessageByDate reads one state of the store, fixed before fn first
// runs: what a sync commits while fn runs (a message deleted, one
// replaced in place by a better copy, one added) is not seen, in any
// batch.
func TestEachMessageByDateSnapshot(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	const n = 1200 // three batches
	var msgs []rekindle.Message
	for i := range n {
		m := msg(uint32(i+1), fmt.Sprintf("m%d@x", i))
		m.Date = base.Add(time.Duration(i) * time.Hour)
		m.ListID = "list.x" // a bulk copy, which a personal copy replaces
		msgs = append(msgs, m)
	}
	must(t, d.PutMessages(ctx, "w", "INBOX", msgs, n))
	var got []Stored
	err := d.EachMessageByDate(ctx, time.Time{}, func(s *Stored) error {
		if len(got) == 0 {
			must(t, d.DeleteUIDs(ctx, "w", "INBOX", []uint32{n}))
			better := msgs[700]
			better.ListID = ""
			better.UID = 1
			must(t, d.PutMessages(ctx, "w", "Sent", []rekindle.Message{better}, 1))
			added := msg(2, "new@x")
			added.Date = base.Add(time.Duration(n) * time.Hour)
			must(t, d.PutMessages(ctx, "w", "Sent", []rekindle.Message{added}, 2))
		}
		got = append(got, *s)
		return nil
	})
	must(t, err)
	if len(got) != n {
		t.Fatalf("%d messages, want the %d stored when EachMessageByDate began", len(got), n)
	}
	for i, s := range got {
		if w := msgs[i]; fmt.Sprint(s.Header) != fmt.Sprint(w.Header) {
			t.Fatalf("message %d:\n got %+v\nwant %+v", i, s.Header, w.Header)
		}
	}
	// The writes did commit.
	count, replaced := 0, false
	must(t, d.EachMessageByDate(ctx, time.Time{}, func(s *Stored) error {
		count++
		if s.MessageID == msgs[700].MessageID {
			replaced = s.ListID == ""
		}
		return nil
	}))
	if want := n - 1 + 1; count != want || !replaced {
		t.Errorf("afterwards: %d messages, want %d; message 700 replaced: %v", count, want, replaced)
	}
}
