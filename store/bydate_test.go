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
