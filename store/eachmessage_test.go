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

// snapshotStore stores 2*half messages, m0@x to m{2*half-1}@x with UIDs 1
// to 2*half in INBOX, in that order (so ids 1 to 2*half): message i and
// message i+half are batchIDs*3 ids apart, in batches that different
// readers read.
func snapshotStore(t *testing.T) (d *DB, half int, msgs []rekindle.Message) {
	t.Helper()
	ctx := context.Background()
	d = MustOpen(t)
	half = 3 * batchIDs
	for i := range 2 * half {
		m := msg(uint32(i+1), fmt.Sprintf("m%d@x", i))
		m.ListID = "list.x" // a bulk copy, which a personal copy replaces
		msgs = append(msgs, m)
	}
	must(t, d.PutMessages(ctx, "w", "INBOX", msgs, uint32(2*half)))
	return d, half, msgs
}

// EachMessage reads one state of the store, fixed before fn first runs:
// what a sync commits while fn runs (a message deleted, one replaced in
// place by a better copy, one added) is not seen, in any batch; so too
// on one connection, what it settles for when commits keep landing while
// it sets up its readers.
func TestEachMessageSnapshot(t *testing.T) {
	t.Run("readers", testEachMessageSnapshot)
	t.Run("one reader", func(t *testing.T) {
		defer func(n int) { sameStateTries = n }(sameStateTries)
		sameStateTries = 0
		testEachMessageSnapshot(t)
	})
}

func testEachMessageSnapshot(t *testing.T) {
	ctx := context.Background()
	d, half, msgs := snapshotStore(t)
	n := len(msgs)
	var got []Stored
	err := d.EachMessage(ctx, time.Time{}, func(s *Stored) error {
		if len(got) == 0 {
			// Batch 1 (another reader's), the last one, and one past the
			// largest id: the new message may take the deleted one's id.
			must(t, d.DeleteUIDs(ctx, "w", "INBOX", []uint32{batchIDs + 1, uint32(n)}))
			better := msgs[half+1]
			better.ListID = ""
			better.UID = 1
			must(t, d.PutMessages(ctx, "w", "Sent", []rekindle.Message{better}, 1))
			added := msg(2, "new@x")
			must(t, d.PutMessages(ctx, "w", "Sent", []rekindle.Message{added}, 2))
		}
		got = append(got, *s)
		return nil
	})
	must(t, err)
	if len(got) != n {
		t.Fatalf("%d messages, want the %d stored when EachMessage began", len(got), n)
	}
	for i, s := range got {
		if w := msgs[i]; s.ID != int64(i+1) || fmt.Sprint(s.Header) != fmt.Sprint(w.Header) {
			t.Fatalf("message %d:\n got %d %+v\nwant %d %+v", i, s.ID, s.Header, i+1, w.Header)
		}
	}
	// The writes did commit.
	count, replaced := 0, false
	must(t, d.EachMessage(ctx, time.Time{}, func(s *Stored) error {
		count++
		if s.ID == int64(half+2) {
			replaced = s.ListID == ""
		}
		return nil
	}))
	if want := n - 2 + 1; count != want || !replaced {
		t.Errorf("afterwards: %d messages, want %d; message %d replaced: %v", count, want, half+2, replaced)
	}
}

// While a sync deletes messages two at a time, from batches different
// readers read, EachMessage delivers each pair whole or not at all: all
// its readers read one state of the store.
func TestEachMessageSnapshotConcurrent(t *testing.T) {
	ctx := context.Background()
	d, half, _ := snapshotStore(t)
	stop, done := make(chan struct{}), make(chan error)
	go func() {
		for i := range half {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			if err := d.DeleteUIDs(ctx, "w", "INBOX", []uint32{uint32(i + 1), uint32(i + 1 + half)}); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for run := 0; run < 20; run++ {
		seen := make([]bool, 2*half)
		err := d.EachMessage(ctx, time.Time{}, func(s *Stored) error {
			seen[s.ID-1] = true
			return nil
		})
		if err == nil {
			for i := range half {
				if seen[i] != seen[i+half] {
					err = fmt.Errorf("run %d: message %d seen %v, message %d seen %v: deleted together", run, i+1, seen[i], i+1+half, seen[i+half])
					break
				}
			}
		}
		if err != nil {
			close(stop)
			<-done
			t.Fatal(err)
		}
	}
	close(stop)
	must(t, <-done)
}
