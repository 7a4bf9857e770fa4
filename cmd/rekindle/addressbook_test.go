package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rekindle/rekindle/synth"
)

// TestAddressBookFiles: with a card grouping the addresses of two
// correspondents, "rekindle contacts" lists one person, named as on the
// card, tagged with the card's categories and the user's own tags;
// "rekindle split" wins over the card; a bad card is a warning naming the
// file and the line, a missing file an error naming the key.
func TestAddressBookFiles(t *testing.T) {
	mb := peopleMailbox(t)
	cfg := syncMails(t, mb, mb.Mails)
	now := mb.Now.Format(time.RFC3339)
	mentor := persona(t, mb, synth.KeyMentor).Addresses[0]
	friend := persona(t, mb, synth.KeyFriendYearly).Addresses[0]

	before := contactsOf(t, cfg, "--as-of", now)
	bm, bf := byAddress(before, mentor), byAddress(before, friend)
	if bm == nil || bf == nil || bm.Key == bf.Key || bm.Name == "Ada Lovelace" {
		t.Fatalf("before the address book: %+v and %+v", bm, bf)
	}
	if code, out, errOut := run(t, "--config", cfg, "tag", mentor, "mentor"); code != 0 {
		t.Fatalf("tag: exit %d\n%s%s", code, out, errOut)
	}

	// A Google Contacts export: one good card, one cut short.
	dir := filepath.Dir(cfg)
	vcf := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada Lovelace\r\nN:Lovelace;Ada;;;\r\n" +
		"EMAIL;TYPE=INTERNET;TYPE=HOME:" + strings.ToUpper(friend) + "\r\n" +
		"EMAIL;TYPE=INTERNET;TYPE=WORK:" + mentor + "\r\n" +
		"CATEGORIES:myContacts,Book Club,Family\r\nEND:VCARD\r\n" +
		"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Cut Short\r\nEMAIL:cut@short.example\r\n"
	if err := os.WriteFile(filepath.Join(dir, "contacts.vcf"), []byte(vcf), 0o600); err != nil {
		t.Fatal(err)
	}
	appendConfig(t, cfg, "address_book:\n  files: [contacts.vcf]\n")

	code, _, errOut := run(t, "--config", cfg, "contacts", "--json", "--as-of", now)
	if code != 0 {
		t.Fatalf("contacts: exit %d\n%s", code, errOut)
	}
	// The bad card is a warning naming the file and the line of its BEGIN.
	if !strings.Contains(errOut, "address book: card skipped: no END:VCARD before the end of the file") ||
		!strings.Contains(errOut, filepath.Join(dir, "contacts.vcf")) || !strings.Contains(errOut, "line=9") {
		t.Errorf("no warning about the bad card in:\n%s", errOut)
	}
	cs := contactsOf(t, cfg, "--as-of", now)
	c := byAddress(cs, mentor)
	if c == nil || !slices.Contains(c.Addresses, friend) || c.Name != "Ada Lovelace" ||
		!slices.Equal(c.Tags, []string{"book-club", "family", "mentor"}) {
		t.Errorf("with the card: %+v", c)
	}
	if len(cs) != len(before)-1 {
		t.Errorf("%d contacts, %d before: want one fewer", len(cs), len(before))
	}
	// The table names them as the card does, and finds them by that name.
	if code, table, errOut := run(t, "--config", cfg, "contacts", "--as-of", now); code != 0 || !strings.Contains(table, "Ada Lovelace") {
		t.Errorf("contacts: exit %d\n%s%s", code, table, errOut)
	}
	if code, out, errOut := run(t, "--config", cfg, "pin", "Ada Lovelace"); code != 0 {
		t.Errorf("pin by the card's name: exit %d\n%s%s", code, out, errOut)
	}

	// The user's split wins over the card.
	if code, out, errOut := run(t, "--config", cfg, "split", mentor, friend); code != 0 {
		t.Fatalf("split: exit %d\n%s%s", code, out, errOut)
	}
	cs = contactsOf(t, cfg, "--as-of", now)
	m, f := byAddress(cs, mentor), byAddress(cs, friend)
	if m == nil || f == nil || m.Key == f.Key || len(cs) != len(before) {
		t.Errorf("after the split: %+v and %+v, %d contacts (%d before)", m, f, len(cs), len(before))
	}

	// A file gone is an error naming the key.
	if err := os.Remove(filepath.Join(dir, "contacts.vcf")); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = run(t, "--config", cfg, "contacts", "--as-of", now)
	if code == 0 || !strings.Contains(errOut, "address_book.files[0]: stat "+filepath.Join(dir, "contacts.vcf")+": no such file or directory") {
		t.Errorf("a missing file: exit %d\n%s", code, errOut)
	}
}

// appendConfig adds YAML to the configuration file at path.
func appendConfig(t *testing.T, path, yaml string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(yaml); err != nil {
		t.Fatal(err)
	}
}
