package store

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/rekindle/rekindle"
)

// Headers as rekindle packed them while it kept Reply-To and
// X-Rekindle-Digest, byte for byte: one of its digests (X-Rekindle-Digest
// 2026-11-21), and two copies of a message without a Message-ID that
// differ only in their Reply-To.
const (
	oldDigestRecord = "\x01\x14digest-1@example.com\xe6\x85\x8a\xb0\r\x12rekindle: 3 people\x01\x10jane@example.com\brekindle" +
		"\x01\x10jane@example.com\x00\x00\x00\x00\x00\x00\x00\x00\x00\n2026-11-21"
	oldNoIDRecord = "\x01\x00\xfe\xf6\xbd\x9a\r\x05no id\x01\x0fbob@example.org\x03Bob\x01\x10jane@example.com\x00\x00" +
		"\x01\x10bob@home.example\x00\x00\x00\x00\x00\x00\x00\x00"
	oldNoIDListRecord = "\x01\x00\xfe\xf6\xbd\x9a\r\x05no id\x01\x0fbob@example.org\x03Bob\x01\x10jane@example.com\x00\x00" +
		"\x01\x10list@example.org\x04List\x00\x00\x00\x00\x00\x00\x00"
)

// A stored Reply-To is read and dropped; a stored X-Rekindle-Digest reads
// as Auto-Submitted: auto-generated, as the digests are marked now; and
// the header packs again as a sync packs it now, with both fields empty.
func TestHeaderOldFieldsDecode(t *testing.T) {
	for _, rec := range []string{oldDigestRecord, oldNoIDRecord, oldNoIDListRecord} {
		for _, hd := range []*headerDecoder{{}, newStreamDecoder()} {
			var h rekindle.Header
			if err := hd.decode(rec, &h); err != nil {
				t.Fatalf("%q: %v", rec, err)
			}
			want := "auto-generated"
			if rec != oldDigestRecord {
				want = ""
			}
			if h.AutoSubmitted != want || h.Subject == "" || len(h.From) != 1 || len(h.To) != 1 {
				t.Errorf("%q decodes as %+v; want Auto-Submitted %q and the rest as it was", rec, h, want)
			}
			var again rekindle.Header
			if err := decodeHeader(encodeHeader(nil, &h), &again); err != nil || !reflect.DeepEqual(again, h) {
				t.Errorf("%+v packs and decodes as %+v (%v)", h, again, err)
			}
		}
	}
	var a, b rekindle.Header
	must(t, decodeHeader([]byte(oldNoIDRecord), &a))
	must(t, decodeHeader([]byte(oldNoIDListRecord), &b))
	if string(encodeHeader(nil, &a)) != string(encodeHeader(nil, &b)) {
		t.Error("copies that differed only in Reply-To pack differently")
	}
}

// Migration 0011 rewrites the headers stored with Reply-To or
// X-Rekindle-Digest as a sync writes them now. A message without a
// Message-ID takes the key a sync computes for it now (so a copy synced
// later meets its row), and two rows that differed only in Reply-To become
// one, keeping every location.
func TestMigrateLeanHeaders(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r.db")
	old := oldStore(t, path, 10)
	if _, err := old.ExecContext(ctx, `INSERT INTO folders (id, account, name, uidvalidity, last_uid, uidnext, messages) VALUES
			(1, 'w', 'INBOX', 7, 2, 3, 2), (2, 'w', 'Archive', 8, 3, 4, 1)`); err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct {
		rec    string
		folder int
		uid    uint32
	}{{oldDigestRecord, 1, 1}, {oldNoIDRecord, 1, 2}, {oldNoIDListRecord, 2, 3}} {
		var h rekindle.Header
		must(t, decodeHeader([]byte(r.rec), &h))
		key := messageKey(&h, []byte(r.rec)) // as rekindle keyed it then
		if _, err := old.ExecContext(ctx, `INSERT INTO messages (key, internal_date, sent_at, header, bulk) VALUES (?, ?, ?, ?, 0)`,
			key, h.Date.Unix(), h.Date.Unix(), []byte(r.rec)); err != nil {
			t.Fatal(err)
		}
		if _, err := old.ExecContext(ctx, `INSERT INTO locations (folder_id, uid, message_key, flags) VALUES (?, ?, ?, '')`, r.folder, r.uid, key); err != nil {
			t.Fatal(err)
		}
	}
	d := migrated(t, old, path)
	var stale, oldRows int
	if err := d.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM locations WHERE message_key NOT IN (SELECT key FROM messages)`).Scan(&stale); err != nil || stale != 0 {
		t.Errorf("%d locations point at no message (%v)", stale, err)
	}
	if err := d.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM messages WHERE header != rekindle_lean_header(header)`).Scan(&oldRows); err != nil || oldRows != 0 {
		t.Errorf("%d headers still hold Reply-To or X-Rekindle-Digest (%v)", oldRows, err)
	}
	got := storedAll(t, d)
	if len(got) != 2 {
		t.Fatalf("after migrating: %d messages, want the digest and the message without a Message-ID: %+v", len(got), got)
	}
	if got[0].MessageID != "digest-1@example.com" || got[0].AutoSubmitted != "auto-generated" {
		t.Errorf("the digest after migrating: %+v; want Auto-Submitted: auto-generated", got[0].Header)
	}
	if tot, _ := d.Totals(ctx); tot.Messages != 2 || tot.Locations != 3 {
		t.Errorf("totals after migrating = %+v, want 2 messages in 3 locations", tot)
	}

	// The message as a sync parses it now, in a third folder: it meets its
	// row.
	m := rekindle.Message{Header: got[1].Header, UID: 9, InternalDate: got[1].When}
	must(t, d.PutMessages(ctx, "w", "Lists/x", []rekindle.Message{m}, 10))
	if tot, _ := d.Totals(ctx); tot.Messages != 2 || tot.Locations != 4 {
		t.Errorf("totals after a copy was synced = %+v, want 2 messages in 4 locations", tot)
	}
}
