package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/rekindle/rekindle"
)

// The copies of one reply on a mailing list: the one sent to the user
// directly (INBOX) and the list's (Lists/x), with one Message-ID.
func replyCopies() (direct, list rekindle.Message) {
	direct = rekindle.Message{
		UID:          4,
		InternalDate: time.Date(2026, 2, 3, 10, 0, 5, 0, time.UTC),
		Flags:        []string{`\Seen`},
		Header: rekindle.Header{
			MessageID: "reply-1@bob.example",
			Date:      time.Date(2026, 2, 3, 10, 0, 0, 0, time.UTC),
			Subject:   "Re: [x] release plans",
			From:      []rekindle.Address{{Name: "Bob", Email: "bob@example.com"}},
			To:        []rekindle.Address{{Name: "Jane", Email: "jane@example.com"}},
			Cc:        []rekindle.Address{{Email: "x@lists.example.org"}},
			InReplyTo: []string{"post-1@jane.example"},
		},
	}
	list = direct
	list.UID = 9
	list.InternalDate = direct.InternalDate.Add(40 * time.Second)
	list.ListID = "X list <x.lists.example.org>"
	list.ListUnsubscribe = "<mailto:x-leave@lists.example.org>"
	list.Precedence = "list"
	return direct, list
}

// storedAll reads back every message.
func storedAll(t *testing.T, d *DB) []Stored {
	t.Helper()
	var got []Stored
	if err := d.EachMessage(context.Background(), time.Time{}, func(s *Stored) error {
		got = append(got, *s)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

// putInOrder stores each copy in its own folder, in the order given, in a
// fresh store, and returns what the store gives back.
func putInOrder(t *testing.T, copies []rekindle.Message, folders []string) []Stored {
	t.Helper()
	ctx := context.Background()
	d := MustOpen(t)
	var firstID int64
	for i, m := range copies {
		must(t, d.PutMessages(ctx, "w", folders[i], []rekindle.Message{m}, m.UID))
		got := storedAll(t, d)
		if len(got) != 1 {
			t.Fatalf("%d messages stored, want the copies as one", len(got))
		}
		if i == 0 {
			firstID = got[0].ID
		} else if got[0].ID != firstID {
			t.Errorf("the message's id moved from %d to %d when a copy was stored", firstID, got[0].ID)
		}
	}
	if tot, _ := d.Totals(ctx); tot.Messages != 1 || tot.Locations != len(copies) {
		t.Errorf("totals = %+v, want 1 message in %d locations", tot, len(copies))
	}
	return storedAll(t, d)
}

func TestPersonalCopyWinsInEitherOrder(t *testing.T) {
	direct, list := replyCopies()
	listFirst := putInOrder(t, []rekindle.Message{list, direct}, []string{"Lists/x", "INBOX"})
	directFirst := putInOrder(t, []rekindle.Message{direct, list}, []string{"INBOX", "Lists/x"})
	for name, got := range map[string][]Stored{"list copy first": listFirst, "direct copy first": directFirst} {
		g := got[0]
		if g.IsBulk() || g.ListID != "" {
			t.Errorf("%s: the stored copy is the list's: %+v", name, g.Header)
		}
		if len(g.To) != 1 || g.To[0].Email != "jane@example.com" {
			t.Errorf("%s: To = %+v, want the user", name, g.To)
		}
		if fmt.Sprintf("%#v", g.Header) != fmt.Sprintf("%#v", direct.Header) || !g.When.Equal(direct.When()) {
			t.Errorf("%s: stored\n%#v\nwant the direct copy\n%#v", name, g.Header, direct.Header)
		}
	}

	// Without a Date header the time is the copy's own arrival: that too
	// is the personal copy's.
	direct.Date, list.Date = time.Time{}, time.Time{}
	a := putInOrder(t, []rekindle.Message{list, direct}, []string{"Lists/x", "INBOX"})
	b := putInOrder(t, []rekindle.Message{direct, list}, []string{"INBOX", "Lists/x"})
	for _, got := range [][]Stored{a, b} {
		if !got[0].When.Equal(direct.InternalDate) {
			t.Errorf("When = %v, want the direct copy's internal date %v", got[0].When, direct.InternalDate)
		}
	}
}

// Copies of equal rank that differ (a list that adds no list headers but
// tags the subject, say; or the same header with other arrival times)
// store the same copy whatever the order.
func TestEqualRankCopiesOrderFree(t *testing.T) {
	direct, _ := replyCopies()
	tagged := direct
	tagged.UID = 2
	tagged.Subject = "[x] " + direct.Subject
	tagged.To = append(tagged.To, rekindle.Address{Email: "x@lists.example.org"})
	a := putInOrder(t, []rekindle.Message{direct, tagged}, []string{"INBOX", "Archive"})
	b := putInOrder(t, []rekindle.Message{tagged, direct}, []string{"Archive", "INBOX"})
	if fmt.Sprintf("%#v %v", a[0].Header, a[0].When) != fmt.Sprintf("%#v %v", b[0].Header, b[0].When) {
		t.Errorf("the stored copy depends on the order:\n%#v\n%#v", a[0].Header, b[0].Header)
	}

	// Same header, no Date: only the arrival times differ.
	direct.Date = time.Time{}
	later := direct
	later.UID = 3
	later.InternalDate = direct.InternalDate.Add(time.Hour)
	a = putInOrder(t, []rekindle.Message{direct, later}, []string{"INBOX", "Archive"})
	b = putInOrder(t, []rekindle.Message{later, direct}, []string{"Archive", "INBOX"})
	if !a[0].When.Equal(b[0].When) {
		t.Errorf("When depends on the order: %v, %v", a[0].When, b[0].When)
	}

	// Three copies in one batch of one folder, then the other orders.
	// Fresh copies: direct lost its Date above, and copies of one message
	// share their Date (the key hashes it with the Message-ID).
	direct, list := replyCopies()
	orders := [][]rekindle.Message{{list, tagged, direct}, {direct, list, tagged}, {tagged, direct, list}}
	var want string
	for i, ms := range orders {
		d := MustOpen(t)
		must(t, d.PutMessages(context.Background(), "w", "All", ms, 9))
		got := storedAll(t, d)
		if len(got) != 1 || got[0].IsBulk() {
			t.Fatalf("order %d: stored %+v, want one personal copy", i, got)
		}
		s := fmt.Sprintf("%#v %v", got[0].Header, got[0].When)
		if i == 0 {
			want = s
		} else if s != want {
			t.Errorf("order %d stored\n%s\nwant\n%s", i, s, want)
		}
	}
}

// A row stored before migration 0005 has no rank; the copy that meets it
// is ranked against the stored header, so a personal copy stored back then
// is not lost to a list's copy that comes later.
func TestUnrankedRows(t *testing.T) {
	ctx := context.Background()
	direct, list := replyCopies()
	for _, c := range []struct {
		name          string
		stored, later rekindle.Message
	}{
		{"personal stored, list copy later", direct, list},
		{"list copy stored, personal later", list, direct},
	} {
		d := MustOpen(t)
		must(t, d.PutMessages(ctx, "w", "A", []rekindle.Message{c.stored}, c.stored.UID))
		if _, err := d.db.ExecContext(ctx, `UPDATE messages SET bulk = NULL`); err != nil {
			t.Fatal(err)
		}
		must(t, d.PutMessages(ctx, "w", "B", []rekindle.Message{c.later}, c.later.UID))
		got := storedAll(t, d)
		if len(got) != 1 || fmt.Sprintf("%#v", got[0].Header) != fmt.Sprintf("%#v", direct.Header) {
			t.Errorf("%s: stored %+v, want the direct copy", c.name, got)
		}
	}

	// A stored header that does not decode gives way to any copy.
	d := MustOpen(t)
	must(t, d.PutMessages(ctx, "w", "A", []rekindle.Message{list}, list.UID))
	if _, err := d.db.ExecContext(ctx, `UPDATE messages SET bulk = NULL, header = x'09ff'`); err != nil {
		t.Fatal(err)
	}
	must(t, d.PutMessages(ctx, "w", "B", []rekindle.Message{list}, list.UID))
	if got := storedAll(t, d); len(got) != 1 || got[0].ListID != list.ListID {
		t.Errorf("after an unreadable header: %+v", got)
	}
}

// A store synced before migration 0005 may hold a list's copy where a
// personal one exists. Opening it sends the folders holding copies of
// multi-folder messages back to their first UID, keeping their messages;
// the re-fetch then stores the personal copy under the same id.
func TestMigrateRefetchesCopies(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r.db")
	old := oldStore(t, path, 4)
	direct, list := replyCopies()
	solo := msg(1, "solo@x")
	const synced = 1767225600
	if _, err := old.ExecContext(ctx, `INSERT INTO folders (id, account, name, uidvalidity, last_uid, uidnext, highest_modseq, last_sync) VALUES
			(1, 'w', 'Lists/x', 7, 9, 10, 55, ?), (2, 'w', 'INBOX', 8, 4, 5, 66, ?), (3, 'w', 'Archive', 9, 1, 2, 77, ?)`,
		synced, synced, synced); err != nil {
		t.Fatal(err)
	}
	// The list's folder synced first: its copy is the stored one.
	for _, m := range []struct {
		m      rekindle.Message
		folder int
	}{{list, 1}, {solo, 3}} {
		packed := encodeHeader(nil, &m.m.Header)
		key := messageKey(&m.m.Header, packed)
		if _, err := old.ExecContext(ctx, `INSERT INTO messages (key, internal_date, sent_at, header) VALUES (?, ?, ?, ?)`,
			key, m.m.InternalDate.Unix(), m.m.When().Unix(), packed); err != nil {
			t.Fatal(err)
		}
		if _, err := old.ExecContext(ctx, `INSERT INTO locations (folder_id, uid, message_key, flags) VALUES (?, ?, ?, '')`,
			m.folder, m.m.UID, key); err != nil {
			t.Fatal(err)
		}
	}
	key := messageKey(&direct.Header, encodeHeader(nil, &direct.Header))
	if _, err := old.ExecContext(ctx, `INSERT INTO locations (folder_id, uid, message_key, flags) VALUES (2, ?, ?, '')`, direct.UID, key); err != nil {
		t.Fatal(err)
	}
	d := migrated(t, old, path)
	before := storedAll(t, d)
	if len(before) != 2 || !before[0].IsBulk() {
		t.Fatalf("after migrating: %+v; want the list's copy and the solo message as they were", before)
	}
	for _, f := range []string{"Lists/x", "INBOX"} {
		st, err := d.Folder(ctx, "w", f)
		if err != nil || st.LastUID != 0 || st.UIDNext != 0 || st.HighestModSeq != 0 || !st.LastSync.IsZero() || st.UIDValidity == 0 || st.Messages != 1 {
			t.Errorf("%s after migrating: %+v, %v; want it reset for a re-fetch, keeping its UIDVALIDITY and message", f, st, err)
		}
	}
	if st, _ := d.Folder(ctx, "w", "Archive"); st.LastUID != 1 || st.UIDNext != 2 || st.HighestModSeq != 77 || st.LastSync.Unix() != synced {
		t.Errorf("Archive after migrating: %+v; a folder of single copies keeps its state", st)
	}

	// The re-fetch, in the order the folders sync in: the list's again,
	// then INBOX's.
	must(t, d.PutMessages(ctx, "w", "Lists/x", []rekindle.Message{list}, 9))
	must(t, d.PutMessages(ctx, "w", "INBOX", []rekindle.Message{direct}, 4))
	after := storedAll(t, d)
	if len(after) != 2 || after[0].ID != before[0].ID || fmt.Sprintf("%#v", after[0].Header) != fmt.Sprintf("%#v", direct.Header) {
		t.Errorf("after the re-fetch: %+v; want the direct copy under id %d", after, before[0].ID)
	}
	if tot, _ := d.Totals(ctx); tot.Messages != 2 || tot.Locations != 3 {
		t.Errorf("totals after the re-fetch = %+v, want 2 messages in 3 locations", tot)
	}
	for _, f := range []string{"Lists/x", "INBOX"} {
		if st, _ := d.Folder(ctx, "w", f); st.Messages != 1 || st.LastUID == 0 {
			t.Errorf("%s after the re-fetch: %+v", f, st)
		}
	}
}
