package store

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"path/filepath"
	"testing"
	"time"

	"github.com/rekindle/rekindle"
)

// Broken mailers give one Message-ID to different messages (a constant
// ID, a counter that restarts). Those are different messages; copies of
// one message in several folders (same Message-ID and Date, whatever the
// list did to its copy's headers) stay one.
func TestSharedMessageIDDifferentMessages(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	a := msg(1, "same@broken.example")
	b := msg(2, "same@broken.example")
	b.Date = a.Date.Add(26 * time.Hour)
	b.InternalDate = a.InternalDate.Add(26 * time.Hour)
	b.Subject = "Your invoice"
	must(t, d.PutMessages(ctx, "w", "INBOX", []rekindle.Message{a, b}, 2))
	got := storedAll(t, d)
	if len(got) != 2 {
		t.Fatalf("%d messages stored, want the two messages sharing a Message-ID kept apart: %+v", len(got), got)
	}
	if tot, _ := d.Totals(ctx); tot.Messages != 2 || tot.Locations != 2 {
		t.Errorf("totals = %+v, want 2 messages in 2 locations", tot)
	}

	// A third folder holds a copy of b: it joins b.
	c := b
	c.UID = 7
	c.ListID, c.Precedence = "<x.lists.example.org>", "list"
	must(t, d.PutMessages(ctx, "w", "Lists/x", []rekindle.Message{c}, 7))
	if tot, _ := d.Totals(ctx); tot.Messages != 2 || tot.Locations != 3 {
		t.Errorf("totals after a copy = %+v, want 2 messages in 3 locations", tot)
	}

	// Expunging a's only copy leaves b.
	must(t, d.DeleteUIDs(ctx, "w", "INBOX", []uint32{1}))
	got = storedAll(t, d)
	if len(got) != 1 || got[0].Subject != "Your invoice" {
		t.Errorf("after expunging one: %+v, want b", got)
	}
}

// oldKey is messageKey before migration 0006: the Message-ID alone.
func oldKey(h *rekindle.Header, packed []byte) int64 {
	var sum [32]byte
	if h.MessageID != "" {
		sum = sha256.Sum256([]byte(h.MessageID))
	} else {
		sum = sha256.Sum256(packed)
	}
	return int64(binary.BigEndian.Uint64(sum[:8]) >> 1)
}

// A store keyed by Message-ID alone is re-keyed when opened: its rows and
// their locations take the new keys (so a copy synced later meets its
// row), the folders where messages sharing a Message-ID were merged are
// fetched again to get them back, and a Date imapsync now drops (before
// 1980, or more than a day after the arrival) gives way to the arrival
// time, under the key a re-fetch computes.
func TestMigrateRekeys(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r.db")
	const before = 5
	old := oldStore(t, path, before)
	const synced = 1767225600
	if _, err := old.ExecContext(ctx, `INSERT INTO folders (id, account, name, uidvalidity, last_uid, uidnext, highest_modseq, last_sync) VALUES
			(1, 'w', 'INBOX', 7, 3, 4, 55, ?), (2, 'w', 'Archive', 8, 3, 4, 66, ?)`, synced, synced); err != nil {
		t.Fatal(err)
	}
	// INBOX 1 and 2: two messages under one Message-ID, merged into one
	// row. Archive 1: a message without a Message-ID. Archive 2: one whose
	// Date says 1975. Archive 3: one dated a month after it arrived.
	merged := msg(1, "same@broken.example")
	noID := msg(1, "")
	noID.Subject = "no id"
	old1975 := msg(2, "old@x")
	old1975.Date = time.Date(1975, 6, 1, 0, 0, 0, 0, time.UTC)
	ahead := msg(3, "ahead@x")
	ahead.Date = ahead.InternalDate.AddDate(0, 1, 0)
	for _, r := range []struct {
		m      rekindle.Message
		folder int
		uids   []uint32
	}{{merged, 1, []uint32{1, 2}}, {noID, 2, []uint32{1}}, {old1975, 2, []uint32{2}}, {ahead, 2, []uint32{3}}} {
		packed := encodeHeader(nil, &r.m.Header)
		key := oldKey(&r.m.Header, packed)
		if _, err := old.ExecContext(ctx, `INSERT INTO messages (key, internal_date, sent_at, header, bulk) VALUES (?, ?, ?, ?, 0)`,
			key, r.m.InternalDate.Unix(), r.m.When().Unix(), packed); err != nil {
			t.Fatal(err)
		}
		for _, uid := range r.uids {
			if _, err := old.ExecContext(ctx, `INSERT INTO locations (folder_id, uid, message_key, flags) VALUES (?, ?, ?, '')`, r.folder, uid, key); err != nil {
				t.Fatal(err)
			}
		}
	}
	d := migrated(t, old, path)
	var stale int
	if err := d.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM locations WHERE message_key NOT IN (SELECT key FROM messages)`).Scan(&stale); err != nil || stale != 0 {
		t.Errorf("%d locations point at no message (%v)", stale, err)
	}
	got := storedAll(t, d)
	if len(got) != 4 {
		t.Fatalf("after migrating: %d messages, want 4", len(got))
	}
	for _, s := range got {
		for _, m := range []rekindle.Message{old1975, ahead} {
			if s.MessageID == m.MessageID && (!s.When.Equal(m.InternalDate) || !s.Date.IsZero()) {
				t.Errorf("%s: time %v, Date %v; want its arrival %v and no Date", m.MessageID, s.When, s.Date, m.InternalDate)
			}
		}
		if s.MessageID == "same@broken.example" && !s.Date.Equal(merged.Date) {
			t.Errorf("a plausible Date changed: %v", s.Date)
		}
	}
	st, _ := d.Folder(ctx, "w", "INBOX")
	if st.LastUID != 0 || st.UIDNext != 0 || !st.LastSync.IsZero() || st.Messages != 2 || st.UIDValidity != 7 {
		t.Errorf("INBOX after migrating: %+v; want it fetched again from its start, keeping its messages", st)
	}
	if st, _ := d.Folder(ctx, "w", "Archive"); st.LastUID != 3 || st.LastSync.Unix() != synced {
		t.Errorf("Archive after migrating: %+v; a folder without merged messages keeps its state", st)
	}

	// The re-fetch brings back the second message; the first stays where
	// it was, and the copies already stored meet their rows.
	second := msg(2, "same@broken.example")
	second.Date = merged.Date.Add(48 * time.Hour)
	second.InternalDate = merged.InternalDate.Add(48 * time.Hour)
	second.Subject = "another message"
	must(t, d.PutMessages(ctx, "w", "INBOX", []rekindle.Message{merged, second}, 3))
	// Archive's messages as imapsync parses them now: their rows too.
	old1975.Date, ahead.Date = time.Time{}, time.Time{}
	must(t, d.PutMessages(ctx, "w", "Archive", []rekindle.Message{noID, old1975, ahead}, 3))
	after := storedAll(t, d)
	if len(after) != 5 {
		t.Errorf("after the re-fetch: %d messages, want 5: %+v", len(after), after)
	}
	if after[0].ID != got[0].ID || after[0].MessageID != got[0].MessageID {
		t.Errorf("the first message moved: %+v, was %+v", after[0], got[0])
	}
	if tot, _ := d.Totals(ctx); tot.Messages != 5 || tot.Locations != 5 {
		t.Errorf("totals after the re-fetch = %+v, want 5 messages in 5 locations", tot)
	}
}
