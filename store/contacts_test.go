package store

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/rekindle/rekindle"
)

var snapRows = []ContactRow{
	{Key: "bob@example.com", Name: "Bob Builder", Email: "bob@example.com", Addresses: []string{"bob@example.com", "bob@old.example"}, TwoWay: true, Strength: 61.5},
	{Key: "ann@example.org", Name: "Ann Ödegaard", Email: "ann@example.org", Addresses: []string{"ann@example.org"}, TwoWay: true, Strength: 40},
	{Key: "cold@example.net", Name: "", Email: "cold@example.net", Addresses: []string{"cold@example.net"}},
}

func keys(rows []ContactRow) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.Key)
	}
	return out
}

// refresh begins and saves a snapshot of rows, and fails the test unless
// it was saved.
func refresh(t *testing.T, d *DB, basis string, rows []ContactRow) {
	t.Helper()
	gen, err := d.BeginContacts(context.Background())
	must(t, err)
	saved, err := d.SaveContacts(context.Background(), gen, basis, rows)
	must(t, err)
	if !saved {
		t.Fatal("snapshot not saved")
	}
}

func TestContactsSnapshotSearch(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	if fresh, err := d.ContactsFresh(ctx, "b1"); err != nil || fresh {
		t.Fatalf("a new store's snapshot: fresh=%v, %v", fresh, err)
	}
	if rows, fresh, err := d.SearchContacts(ctx, "b1", "", 10); err != nil || fresh || rows != nil {
		t.Fatalf("search before any refresh: %v %v %v", rows, fresh, err)
	}
	refresh(t, d, "b1", snapRows)
	for _, tc := range []struct {
		q     string
		limit int
		want  []string
	}{
		{"", 10, []string{"bob@example.com", "ann@example.org", "cold@example.net"}},
		{"", 2, []string{"bob@example.com", "ann@example.org"}},
		{"BOB", 10, []string{"bob@example.com"}},
		{"old.example", 10, []string{"bob@example.com"}}, // another address
		{"ÖDE", 10, []string{"ann@example.org"}},         // case folded beyond ASCII
		{"example", 10, []string{"bob@example.com", "ann@example.org", "cold@example.net"}},
		{"builder\nbob", 10, nil}, // no match across fields
		{"zzz", 10, nil},
		{"bob", 0, nil},
	} {
		rows, fresh, err := d.SearchContacts(ctx, "b1", tc.q, tc.limit)
		must(t, err)
		if !fresh || !slices.Equal(keys(rows), tc.want) {
			t.Errorf("search %q (limit %d): fresh=%v %v, want %v", tc.q, tc.limit, fresh, keys(rows), tc.want)
		}
	}
	rows, _, _ := d.SearchContacts(ctx, "b1", "bob", 1)
	if len(rows) != 1 || rows[0].Name != "Bob Builder" || !rows[0].TwoWay || rows[0].Strength != 61.5 ||
		!slices.Equal(rows[0].Addresses, snapRows[0].Addresses) {
		t.Errorf("row read back = %+v", rows)
	}
	// Another basis (another configuration or rekindle) is not served.
	if rows, fresh, _ := d.SearchContacts(ctx, "b2", "bob", 10); fresh || rows != nil {
		t.Errorf("other basis: fresh=%v %v", fresh, rows)
	}
	// A refresh replaces the rows whole.
	refresh(t, d, "b1", snapRows[1:2])
	if rows, _, _ := d.SearchContacts(ctx, "b1", "", 10); !slices.Equal(keys(rows), []string{"ann@example.org"}) {
		t.Errorf("after a second refresh: %v", keys(rows))
	}
}

// TestContactsSnapshotStaleness: what the contacts depend on marks the
// snapshot out of date; what they do not depend on leaves it alone (a
// copy that changes nothing stored is not a change).
func TestContactsSnapshotStaleness(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		stale bool
		do    func(d *DB) error
	}{
		{"a message stored", true, func(d *DB) error { return d.PutMessages(ctx, "a", "INBOX", []rekindle.Message{msg(9, "new@x")}, 9) }},
		{"a message expunged", true, func(d *DB) error { return d.DeleteUIDs(ctx, "a", "INBOX", []uint32{1}) }},
		{"a folder dropped", true, func(d *DB) error { return d.DropFolder(ctx, "a", "INBOX") }},
		{"someone ignored", true, func(d *DB) error {
			return d.UpdateOverride(ctx, "bob@example.com", func(o *Override) { o.Ignored = true })
		}},
		{"an ignore pattern", true, func(d *DB) error { _, err := d.SetIgnorePattern(ctx, "*@x.org", true); return err }},
		{"a merge", true, func(d *DB) error { return d.Merge(ctx, []string{"a@x", "b@x"}) }},
		{"a split", true, func(d *DB) error { return d.Split(ctx, "a@x", "b@x") }},
		{"a snooze", false, func(d *DB) error {
			return d.UpdateOverride(ctx, "bob@example.com", func(o *Override) { o.SnoozeUntil = time.Now().Add(time.Hour) })
		}},
		{"a tag and a pin", false, func(d *DB) error {
			return d.UpdateOverride(ctx, "bob@example.com", func(o *Override) { o.Tags, o.Pinned = []string{"family"}, true })
		}},
		{"a tag cadence", false, func(d *DB) error { return d.SetTagCadence(ctx, "family", 14) }},
		{"a dismissed follow-up", false, func(d *DB) error { return d.Dismiss(ctx, "m@x", time.Now()) }},
		{"the same copy stored again", false, func(d *DB) error { return d.PutMessages(ctx, "a", "INBOX", []rekindle.Message{msg(1, "m1@x")}, 1) }},
		{"a worse copy in another folder", false, func(d *DB) error {
			m := msg(1, "m1@x")
			m.ListID = "<list.x>"
			return d.PutMessages(ctx, "a", "Lists", []rekindle.Message{m}, 1)
		}},
		{"a better copy replacing the stored one", true, func(d *DB) error {
			m := msg(1, "m1@x")
			m.Subject = "A" // a smaller header ranks better between personal copies
			return d.PutMessages(ctx, "a", "Archive", []rekindle.Message{m}, 1)
		}},
		{"a folder reset", true, func(d *DB) error { return d.ResetFolder(ctx, "a", "INBOX", 7) }},
		{"a message still in another folder expunged", false, func(d *DB) error {
			if err := d.PutMessages(ctx, "a", "Copy", []rekindle.Message{msg(1, "m1@x")}, 1); err != nil {
				return err
			}
			return d.DeleteUIDs(ctx, "a", "INBOX", []uint32{1})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := MustOpen(t)
			must(t, d.PutMessages(ctx, "a", "INBOX", []rekindle.Message{msg(1, "m1@x")}, 1))
			refresh(t, d, "b", snapRows)
			must(t, tc.do(d))
			fresh, err := d.ContactsFresh(ctx, "b")
			must(t, err)
			if fresh == tc.stale {
				t.Errorf("after %s: fresh=%v, want %v", tc.name, fresh, !tc.stale)
			}
		})
	}
	// Lifting an ignore marks it too, even when that deletes the override.
	d := MustOpen(t)
	must(t, d.UpdateOverride(ctx, "bob@example.com", func(o *Override) { o.Ignored = true }))
	refresh(t, d, "b", snapRows)
	must(t, d.UpdateOverride(ctx, "bob@example.com", func(o *Override) { o.Ignored = false }))
	if fresh, _ := d.ContactsFresh(ctx, "b"); fresh {
		t.Error("unignore left the snapshot fresh")
	}
}

// TestContactsSnapshotRace: a refresh that read the store before a change
// committed must not be taken for current, and must not overwrite the
// rows of a refresh that began after the change.
func TestContactsSnapshotRace(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	genA, err := d.BeginContacts(ctx) // A reads the store as it is...
	must(t, err)
	must(t, d.Merge(ctx, []string{"a@x", "b@x"})) // ...a change lands...
	genB, err := d.BeginContacts(ctx)             // ...B begins after it
	must(t, err)
	if genB == genA {
		t.Fatalf("a refresh after a change got the same generation %d", genA)
	}
	savedB, err := d.SaveContacts(ctx, genB, "b", snapRows[:1])
	must(t, err)
	savedA, err := d.SaveContacts(ctx, genA, "b", snapRows)
	must(t, err)
	if !savedB || savedA {
		t.Errorf("saved: B=%v A=%v, want only B", savedB, savedA)
	}
	rows, fresh, _ := d.SearchContacts(ctx, "b", "", 10)
	if !fresh || !slices.Equal(keys(rows), []string{"bob@example.com"}) {
		t.Errorf("after both: fresh=%v %v, want B's rows", fresh, keys(rows))
	}
	// A change while a refresh runs: its save is refused, the old rows
	// stay, out of date.
	gen, _ := d.BeginContacts(ctx)
	must(t, d.Split(ctx, "a@x", "b@x"))
	if saved, _ := d.SaveContacts(ctx, gen, "b", snapRows); saved {
		t.Error("a refresh that missed a change was saved")
	}
	if fresh, _ := d.ContactsFresh(ctx, "b"); fresh {
		t.Error("the snapshot is fresh after a change")
	}
}

// TestContactsSnapshotReadOnly: a store opened read-only serves the
// snapshot.
func TestContactsSnapshotReadOnly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r.db")
	d, err := Open(ctx, path)
	must(t, err)
	refresh(t, d, "b", snapRows)
	d.Close()
	ro, err := OpenReadOnly(ctx, path)
	must(t, err)
	defer ro.Close()
	rows, fresh, err := ro.SearchContacts(ctx, "b", "ann", 10)
	must(t, err)
	if !fresh || !slices.Equal(keys(rows), []string{"ann@example.org"}) {
		t.Errorf("read-only search: fresh=%v %v", fresh, keys(rows))
	}
	if _, err := ro.BeginContacts(ctx); err == nil {
		t.Error("BeginContacts on a read-only store succeeded")
	}
}
