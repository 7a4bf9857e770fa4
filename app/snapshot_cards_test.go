package app

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestSnapshotFollowsAddressBook: the contacts snapshot that query serves
// is rebuilt at the next sync when the address book changes, though no
// mail came: a renamed card shows there, from the snapshot.
func TestSnapshotFollowsAddressBook(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	vcf := filepath.Join(dir, "contacts.vcf")
	e := newTestEnv(t, "address_book: {files: ["+vcf+"]}\n")
	card := func(name, email string) {
		t.Helper()
		data := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:" + name + "\r\nEMAIL;TYPE=INTERNET:" + email + "\r\nEND:VCARD\r\n"
		if err := os.WriteFile(vcf, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	card("Nobody Yet", "nobody@example.invalid")
	a := e.synced(t, Options{})
	m, err := a.Model(ctx, a.now(), false)
	if err != nil || len(m.Contacts) == 0 {
		t.Fatalf("model: %d contacts, %v", len(m.Contacts), err)
	}
	who := m.Contacts[0].Email
	name := func() (string, bool) {
		t.Helper()
		res, err := a.Query(ctx, who, 5)
		if err != nil || len(res.Matches) == 0 {
			t.Fatalf("query %s: %+v, %v", who, res, err)
		}
		return res.Matches[0].Name, res.Cached
	}
	card("Card Name Zeta", who)
	if _, err := a.Sync(ctx, SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, cached := name(); got != "Card Name Zeta" || !cached {
		t.Errorf("after the card named them: %q (from the snapshot: %v)", got, cached)
	}
	card("Card Name Eta", who)
	if _, err := a.Sync(ctx, SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, cached := name(); got != "Card Name Eta" || !cached {
		t.Errorf("after the card was renamed: %q (from the snapshot: %v)", got, cached)
	}
}
