package store

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/rekindle/rekindle"
)

// EachMessage reads in batches on several goroutines; across many batches,
// with gaps in the ids, it still yields every message once, in id order,
// each intact even when kept as a shallow copy, and an error from fn or a
// cancelled context stops it without leaving a goroutine behind.
func TestEachMessageBatches(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	const n = 3000
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var msgs []rekindle.Message
	for i := range n {
		m := msg(uint32(i+1), fmt.Sprintf("m%d@x", i))
		m.Date = base.Add(time.Duration(i) * time.Hour)
		m.Subject = fmt.Sprintf("subject %d", i)
		m.To = append(m.To, rekindle.Address{Email: fmt.Sprintf("p%d@x", i)})
		if i%7 == 0 {
			m.Date = time.Time{} // falls back on the internal date
			m.InternalDate = base.Add(time.Duration(i) * time.Hour)
		}
		msgs = append(msgs, m)
	}
	for i := 0; i < n; i += 500 {
		must(t, d.PutMessages(ctx, "w", "INBOX", msgs[i:i+500], msgs[i+499].UID))
	}
	var gone []uint32
	for uid := uint32(600); uid < 1700; uid++ { // a hole of more than two batches
		gone = append(gone, uid)
	}
	must(t, d.DeleteUIDs(ctx, "w", "INBOX", gone))

	want := map[string]int{} // Message-ID -> index in msgs
	for i, m := range msgs {
		if m.UID < 600 || m.UID >= 1700 {
			want[m.MessageID] = i
		}
	}
	check := func(t *testing.T, until time.Time) {
		var got []Stored
		err := d.EachMessage(ctx, until, func(s *Stored) error {
			got = append(got, *s) // a shallow copy
			return nil
		})
		must(t, err)
		count := 0
		for _, m := range msgs {
			if _, ok := want[m.MessageID]; ok && (until.IsZero() || !m.When().After(until)) {
				count++
			}
		}
		if len(got) != count {
			t.Fatalf("until %v: %d messages, want %d", until, len(got), count)
		}
		for i, s := range got {
			if i > 0 && s.ID <= got[i-1].ID {
				t.Fatalf("id %d after %d: not in id order", s.ID, got[i-1].ID)
			}
			j, ok := want[s.MessageID]
			if !ok {
				t.Fatalf("unexpected message %s", s.MessageID)
			}
			if w := msgs[j]; fmt.Sprint(s.Header) != fmt.Sprint(w.Header) || !s.When.Equal(w.When()) {
				t.Fatalf("message %s:\n got %v %+v\nwant %v %+v", s.MessageID, s.When, s.Header, w.When(), w.Header)
			}
		}
	}
	t.Run("all", func(t *testing.T) { check(t, time.Time{}) })
	t.Run("until", func(t *testing.T) { check(t, base.Add(2500*time.Hour)) })
	t.Run("none", func(t *testing.T) { check(t, base.Add(-time.Hour)) })

	goroutines := runtime.NumGoroutine()
	stop := errors.New("stop")
	seen := 0
	err := d.EachMessage(ctx, time.Time{}, func(*Stored) error {
		if seen++; seen == 700 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || seen != 700 {
		t.Errorf("fn's error: got %v after %d messages", err, seen)
	}
	cctx, cancel := context.WithCancel(ctx)
	seen = 0
	err = d.EachMessage(cctx, time.Time{}, func(*Stored) error {
		if seen++; seen == 10 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v after %d messages", err, seen)
	}
	time.Sleep(50 * time.Millisecond)
	if g := runtime.NumGoroutine(); g > goroutines {
		t.Errorf("%d goroutines after EachMessage stopped, %d before", g, goroutines)
	}
	check(t, time.Time{}) // the pool's connections still work
}
