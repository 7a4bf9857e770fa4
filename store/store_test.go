package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rekindle/rekindle"
)

// MustOpen opens a fresh store in a test's temporary directory.
func MustOpen(tb testing.TB) *DB {
	tb.Helper()
	d, err := Open(context.Background(), filepath.Join(tb.TempDir(), "sub", "rekindle.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { d.Close() })
	return d
}

func msg(uid uint32, id string) rekindle.Message {
	return rekindle.Message{
		UID:          uid,
		InternalDate: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Flags:        []string{`\Seen`},
		Header: rekindle.Header{
			MessageID:  id,
			Date:       time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC),
			Subject:    "Re: lunch " + id,
			From:       []rekindle.Address{{Email: "bob@example.com", Name: "Bob, \"the\" Builder"}},
			To:         []rekindle.Address{{Email: "jane@example.com", Name: "Jane"}, {Email: "x@y.org"}},
			InReplyTo:  []string{"a@b"},
			References: []string{"root@b", "a@b"},
			ListID:     "",
		},
	}
}

func TestMigrateTwiceAndVersion(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r.db")
	migs, err := loadMigrations()
	if err != nil || len(migs) < 4 {
		t.Fatalf("embedded migrations: %d, %v", len(migs), err)
	}
	want := migs[len(migs)-1].version
	for i := 0; i < 2; i++ {
		d, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		v, err := d.SchemaVersion(ctx)
		if err != nil || v != want {
			t.Fatalf("version = %d, %v; want %d", v, err, want)
		}
		d.Close()
	}
}

func TestRefuseNewerSchema(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	if _, err := d.db.ExecContext(ctx, `UPDATE schema_version SET version = 999`); err != nil {
		t.Fatal(err)
	}
	d.Close()
	_, err := Open(ctx, d.Path())
	if err == nil || !strings.Contains(err.Error(), "newer than this rekindle knows") {
		t.Fatalf("err = %v, want refusal of a newer schema", err)
	}
}

func TestPutRoundTripAndDedup(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	if err := d.ResetFolder(ctx, "work", "INBOX", 7); err != nil {
		t.Fatal(err)
	}
	in := []rekindle.Message{msg(1, "m1@x"), msg(2, "m2@x"), msg(3, "")}
	if err := d.PutMessages(ctx, "work", "INBOX", in, 3); err != nil {
		t.Fatal(err)
	}
	// The same message in a second folder (All Mail) is one message.
	if err := d.PutMessages(ctx, "work", "All", []rekindle.Message{msg(10, "m1@x")}, 10); err != nil {
		t.Fatal(err)
	}
	tot, err := d.Totals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if tot.Messages != 3 || tot.Locations != 4 {
		t.Fatalf("totals = %+v, want 3 messages in 4 locations", tot)
	}
	var got []Stored
	err = d.EachMessage(ctx, time.Time{}, func(s *Stored) error {
		c := *s
		got = append(got, c)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("got %d messages, want 3", len(got))
	}
	want := in[0].Header
	if g := got[0].Header; fmt.Sprint(g) != fmt.Sprint(want) {
		t.Errorf("round trip:\n got %+v\nwant %+v", g, want)
	}
	st, err := d.Folder(ctx, "work", "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	if st.UIDValidity != 7 || st.LastUID != 3 || st.Messages != 3 || !st.LastSync.IsZero() {
		t.Errorf("folder state = %+v", st)
	}
}

func TestEachMessageUntil(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	a, b := msg(1, "a@x"), msg(2, "b@x")
	b.Date = a.Date.Add(48 * time.Hour)
	if err := d.PutMessages(ctx, "w", "INBOX", []rekindle.Message{a, b}, 2); err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := d.EachMessage(ctx, a.Date.Add(time.Hour), func(*Stored) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("messages until a+1h = %d, want 1", n)
	}
}

func TestDeleteUIDsRemovesOrphansOnly(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	must(t, d.PutMessages(ctx, "w", "INBOX", []rekindle.Message{msg(1, "a@x"), msg(2, "b@x")}, 2))
	must(t, d.PutMessages(ctx, "w", "All", []rekindle.Message{msg(5, "a@x")}, 5))
	must(t, d.DeleteUIDs(ctx, "w", "INBOX", []uint32{1, 2}))
	tot, _ := d.Totals(ctx)
	// a@x survives through All; b@x was only in INBOX and is gone.
	if tot.Messages != 1 || tot.Locations != 1 {
		t.Fatalf("totals = %+v, want 1/1", tot)
	}
	uids, err := d.StoredUIDs(ctx, "w", "INBOX")
	if err != nil || len(uids) != 0 {
		t.Fatalf("INBOX uids = %v, %v", uids, err)
	}
}

func TestResetAndDropFolder(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	must(t, d.PutMessages(ctx, "w", "INBOX", []rekindle.Message{msg(1, "a@x"), msg(2, "b@x")}, 2))
	must(t, d.FinishFolder(ctx, rekindle.FolderState{Account: "w", Folder: "INBOX", UIDNext: 3, HighestModSeq: 9}))
	must(t, d.ResetFolder(ctx, "w", "INBOX", 99))
	st, _ := d.Folder(ctx, "w", "INBOX")
	if st.UIDValidity != 99 || st.LastUID != 0 || st.Messages != 0 || st.UIDNext != 0 || st.HighestModSeq != 0 || !st.LastSync.IsZero() {
		t.Fatalf("after reset: %+v", st)
	}
	must(t, d.PutMessages(ctx, "w", "Sent", []rekindle.Message{msg(1, "c@x")}, 1))
	must(t, d.DropFolder(ctx, "w", "Sent"))
	must(t, d.DropFolder(ctx, "w", "never-there"))
	fs, err := d.Folders(ctx, "")
	if err != nil || len(fs) != 1 || fs[0].Folder != "INBOX" {
		t.Fatalf("folders = %+v, %v", fs, err)
	}
	if tot, _ := d.Totals(ctx); tot.Messages != 0 {
		t.Fatalf("messages left: %+v", tot)
	}
}

func TestFinishFolderSetsLastSync(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	now := time.Date(2026, 11, 21, 7, 0, 0, 0, time.UTC)
	d.Now = func() time.Time { return now }
	must(t, d.ResetFolder(ctx, "w", "INBOX", 1))
	must(t, d.FinishFolder(ctx, rekindle.FolderState{Account: "w", Folder: "INBOX", UIDNext: 40, HighestModSeq: 7, LastUID: 39}))
	st, _ := d.Folder(ctx, "w", "INBOX")
	if !st.LastSync.Equal(now) || st.UIDNext != 40 || st.HighestModSeq != 7 || st.LastUID != 39 {
		t.Fatalf("state = %+v", st)
	}
	unknown, err := d.Folder(ctx, "w", "nope")
	if err != nil || unknown.UIDValidity != 0 || unknown.Folder != "nope" {
		t.Fatalf("unknown folder = %+v, %v", unknown, err)
	}
}

// FoldersChecked moves the last sync of the folders named, of that
// account, that had a complete sync; nothing else.
func TestFoldersChecked(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	then := time.Date(2026, 11, 21, 7, 0, 0, 0, time.UTC)
	d.Now = func() time.Time { return then }
	for _, f := range []rekindle.FolderState{{Account: "w", Folder: "INBOX"}, {Account: "w", Folder: "Sent"}, {Account: "h", Folder: "INBOX"}} {
		must(t, d.ResetFolder(ctx, f.Account, f.Folder, 1))
		must(t, d.FinishFolder(ctx, f))
	}
	must(t, d.ResetFolder(ctx, "w", "Half", 1)) // never completed
	now := then.Add(24 * time.Hour)
	d.Now = func() time.Time { return now }
	must(t, d.FoldersChecked(ctx, "w", []string{"INBOX", "Half", "nope"}))
	must(t, d.FoldersChecked(ctx, "w", nil))
	for _, c := range []struct {
		account, folder string
		want            time.Time
	}{{"w", "INBOX", now}, {"w", "Sent", then}, {"h", "INBOX", then}, {"w", "Half", time.Time{}}} {
		st, err := d.Folder(ctx, c.account, c.folder)
		must(t, err)
		if !st.LastSync.Equal(c.want) {
			t.Errorf("%s/%s: last sync %v, want %v", c.account, c.folder, st.LastSync, c.want)
		}
	}
	if fs, _ := d.Folders(ctx, ""); len(fs) != 4 {
		t.Errorf("FoldersChecked added or removed folders: %+v", fs)
	}
}

// Two handles on one file, as the daemon and a CLI command would have,
// write at the same time without "database is locked" errors.
func TestTwoProcessesWrite(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r.db")
	a, err := Open(ctx, path)
	must(t, err)
	defer a.Close()
	b, err := Open(ctx, path)
	must(t, err)
	defer b.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for i, d := range []*DB{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				uid := uint32(j + 1)
				m := msg(uid, fmt.Sprintf("%d-%d@x", i, j))
				if err := d.PutMessages(ctx, "w", fmt.Sprintf("F%d", i), []rekindle.Message{m}, uid); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	tot, _ := a.Totals(ctx)
	if tot.Messages != 100 {
		t.Fatalf("messages = %d, want 100", tot.Messages)
	}
}

func TestHeaderCodecRoundTrip(t *testing.T) {
	full := msg(1, "a@b").Header
	full.Cc = []rekindle.Address{{Email: "c", Name: ""}, {Email: "d@e", Name: "Doe, Jane"}}
	full.ListID, full.Precedence, full.AutoSubmitted = "list <l.x>", "bulk", "auto-generated"
	for _, h := range []rekindle.Header{{}, full, {Subject: "\x00\n\t odd", Date: time.Unix(-5, 0).UTC()}} {
		var got rekindle.Header
		if err := decodeHeader(encodeHeader(nil, &h), &got); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", h) {
			t.Errorf("round trip:\n got %#v\nwant %#v", got, h)
		}
	}
	for _, bad := range [][]byte{nil, {9}, {headerV1, 0xff}, encodeHeader(nil, &full)[:20]} {
		var got rekindle.Header
		if err := decodeHeader(bad, &got); err == nil {
			t.Errorf("decodeHeader(%q) accepted a corrupt record", bad)
		}
	}
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

// oldStore creates at path a store as rekindle wrote it at schema version
// (the migrations up to it, applied directly) and returns it open; the
// caller closes it before Open runs the later migrations.
func oldStore(t *testing.T, path string, version int) *sql.DB {
	t.Helper()
	old, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	migs, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Exec(`CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (?)`, version); err != nil {
		t.Fatal(err)
	}
	for _, m := range migs {
		if m.version > version {
			break
		}
		if _, err := old.Exec(m.sql); err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
	}
	return old
}

// migrated closes old, a store oldStore made at path, and opens it as
// rekindle does, which applies the migrations after old's version.
func migrated(t *testing.T, old *sql.DB, path string) *DB {
	t.Helper()
	old.Close()
	d, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// A store written by an older rekindle keeps its messages through the
// migrations that come after: here 0004, which drops columns.
func TestMigrateKeepsMessages(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r.db")
	old := oldStore(t, path, 3)
	h := rekindle.Header{
		MessageID: "a@x", Subject: "Lunch?", Date: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC),
		From: []rekindle.Address{{Name: "Bob", Email: "bob@example.com"}},
		To:   []rekindle.Address{{Email: "jane@example.com"}},
	}
	packed := encodeHeader(nil, &h)
	if _, err := old.ExecContext(ctx, `INSERT INTO folders (id, account, name, uidvalidity, last_uid) VALUES (1, 'work', 'INBOX', 7, 1);
		INSERT INTO messages (key, message_id, date, internal_date, sent_at, subject, from_email, header)
			VALUES (?, 'a@x', ?, ?, ?, 'Lunch?', 'bob@example.com', ?);
		INSERT INTO locations (folder_id, uid, message_key, flags) VALUES (1, 1, ?, '')`,
		messageKey(&h, packed), h.Date.Unix(), h.Date.Unix(), h.Date.Unix(), packed, messageKey(&h, packed)); err != nil {
		t.Fatal(err)
	}
	d := migrated(t, old, path)
	migs, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := d.SchemaVersion(ctx); v != migs[len(migs)-1].version {
		t.Errorf("schema version %d after Open, want %d", v, migs[len(migs)-1].version)
	}
	var got []rekindle.Header
	if err := d.EachMessage(ctx, time.Time{}, func(s *Stored) error { got = append(got, s.Header); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].MessageID != "a@x" || got[0].Subject != "Lunch?" || !got[0].Date.Equal(h.Date) || got[0].From[0] != h.From[0] {
		t.Errorf("after migrating: %+v; want the message as it was stored", got)
	}
	if st, err := d.Folder(ctx, "work", "INBOX"); err != nil || st.Messages != 1 || st.LastUID != 1 {
		t.Errorf("folder after migrating: %+v, %v", st, err)
	}
}

// TestPageSize: a new store has 16 KB pages, is in WAL mode and
// checkpoints every 4 MB of WAL; a store an older rekindle made (4 KB
// pages, WAL) opens with its pages as they were, its messages readable
// and new ones stored.
func TestPageSize(t *testing.T) {
	ctx := context.Background()
	pragma := func(d *DB, name string) string {
		t.Helper()
		var v string
		if err := d.db.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	d := MustOpen(t)
	if ps, jm := pragma(d, "page_size"), pragma(d, "journal_mode"); ps != "16384" || jm != "wal" {
		t.Errorf("new store: page_size %s, journal_mode %s; want 16384, wal", ps, jm)
	}
	// 4 MB of WAL between checkpoints, as with 1000 pages of 4 KB.
	if ac := pragma(d, "wal_autocheckpoint"); ac != "250" {
		t.Errorf("wal_autocheckpoint %s; want 250", ac)
	}

	// An older store: what Open made before, 4 KB pages and WAL.
	path := filepath.Join(t.TempDir(), "old.db")
	old, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.ExecContext(ctx, `CREATE TABLE x (y)`); err != nil {
		t.Fatal(err)
	}
	old.Close()
	for i := range 2 {
		d, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if ps, jm := pragma(d, "page_size"), pragma(d, "journal_mode"); ps != "4096" || jm != "wal" {
			t.Errorf("older store, open %d: page_size %s, journal_mode %s; want 4096, wal", i, ps, jm)
		}
		if err := d.PutMessages(ctx, "a", "INBOX", []rekindle.Message{msg(uint32(i+1), fmt.Sprintf("m%d@x", i))}, uint32(i+1)); err != nil {
			t.Fatal(err)
		}
		n := 0
		if err := d.EachMessage(ctx, time.Time{}, func(*Stored) error { n++; return nil }); err != nil || n != i+1 {
			t.Errorf("older store, open %d: %d messages, %v; want %d", i, n, err, i+1)
		}
		d.Close()
	}
}
