package app

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rekindle/rekindle/internal/memdav"
	"github.com/rekindle/rekindle/relationship"
	"github.com/rekindle/rekindle/synth"
)

// contactOf is the contact of m holding addr; nil if none does.
func contactOf(m *Model, addr string) *relationship.Contact {
	for i := range m.Contacts {
		if slices.Contains(m.Contacts[i].Addresses, addr) {
			return &m.Contacts[i]
		}
	}
	return nil
}

// TestCardDAV: the CardDAV address book is read at each sync and kept in
// the store; the model takes its cards from there, so that a server down
// leaves the last read's in place; a sync of one account does not read
// it; a configuration without it forgets them.
func TestCardDAV(t *testing.T) {
	ctx := context.Background()
	dav := memdav.Start(memdav.Options{})
	defer dav.Close()
	e := newTestEnv(t, fmt.Sprintf("address_book:\n  carddav: {url: %q, username: jane, password: dav-secret}\n", dav.URL))
	mentor, _ := e.mb.Persona(synth.KeyMentor)
	friend, _ := e.mb.Persona(synth.KeyFriendYearly)
	dav.Put("ada.vcf", "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:ada\r\nFN:Ada Lovelace\r\n"+
		"EMAIL:"+mentor.Addresses[0]+"\r\nEMAIL:"+friend.Addresses[0]+"\r\nCATEGORIES:Book Club\r\nEND:VCARD\r\n")
	now := time.Now()
	var logs bytes.Buffer
	a := e.open(t, Options{Now: func() time.Time { return now }, Logger: slog.New(slog.NewTextHandler(&logs, nil))})

	// A sync of one account leaves the address book alone: the model
	// has no card.
	r, err := a.Sync(ctx, SyncOptions{Account: "home"})
	if err != nil || r.AddressBook != nil || len(dav.Requests()) != 0 {
		t.Fatalf("a sync of one account: %+v, %v", r.AddressBook, err)
	}
	m, err := a.Model(ctx, now, false)
	if err != nil {
		t.Fatal(err)
	}
	if c := contactOf(m, mentor.Addresses[0]); c == nil || c.Name == "Ada Lovelace" || slices.Contains(c.Addresses, friend.Addresses[0]) {
		t.Fatalf("before the address book is read: %+v", c)
	}

	r, err = a.Sync(ctx, SyncOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.AddressBook == nil || r.AddressBook.Cards != 1 || r.AddressBook.URL != dav.URL || !strings.Contains(r.Summary(), "1 card in the address book") {
		t.Errorf("sync read the address book as %+v (%s)", r.AddressBook, r.Summary())
	}
	if !strings.Contains(logs.String(), "address book read") {
		t.Errorf("no log of the read:\n%s", logs.String())
	}
	named := func(what string, want bool) {
		t.Helper()
		m, err := a.Model(ctx, now, false)
		if err != nil {
			t.Fatal(err)
		}
		c := contactOf(m, mentor.Addresses[0])
		got := c != nil && c.Name == "Ada Lovelace" && slices.Contains(c.Addresses, friend.Addresses[0]) && slices.Equal(c.Tags, []string{"book-club"})
		if got != want {
			t.Errorf("%s: the card's person is %+v; want the card's name, addresses and tags: %v", what, c, want)
		}
	}
	named("after a sync", true)

	// The server down: the sync says so, and the model keeps the card.
	dav.SetDown(true)
	_, err = a.Sync(ctx, SyncOptions{})
	if err == nil || !strings.Contains(err.Error(), "address_book.carddav: "+dav.URL) || !strings.Contains(err.Error(), "503") ||
		!strings.Contains(err.Error(), "the model keeps the 1 card of the read at") {
		t.Errorf("a sync with the server down gave %v", err)
	}
	named("with the server down", true)
	dav.SetDown(false)

	// The card deleted on the server: gone at the next sync.
	dav.Delete("ada.vcf")
	if r, err = a.Sync(ctx, SyncOptions{}); err != nil || r.AddressBook.Cards != 0 {
		t.Fatalf("sync: %+v, %v", r.AddressBook, err)
	}
	named("after the card's deletion", false)

	// Without the carddav section, the kept cards are forgotten.
	dav.Put("ada.vcf", "BEGIN:VCARD\r\nUID:ada\r\nFN:Ada Lovelace\r\nEMAIL:"+mentor.Addresses[0]+"\r\nEND:VCARD\r\n")
	if _, err := a.Sync(ctx, SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	a.Close()
	e.yaml = e.yaml[:strings.Index(e.yaml, "address_book:")]
	b := e.synced(t, Options{})
	if cards, at, err := b.db.Cards(ctx, dav.URL); err != nil || cards != nil || !at.IsZero() {
		t.Errorf("without address_book.carddav the store keeps %v read at %v (%v)", cards, at, err)
	}
}

// A sync without a successful read yet says the model has nothing from
// the address book; an unreadable ca_file is an error naming the key.
func TestCardDAVErrors(t *testing.T) {
	ctx := context.Background()
	dav := memdav.Start(memdav.Options{})
	dav.Close()
	e := newTestEnv(t, fmt.Sprintf("address_book:\n  carddav: {url: %q, username: jane, password: dav-secret, timeout: 2s}\n", dav.URL))
	a := e.open(t, Options{})
	_, err := a.Sync(ctx, SyncOptions{})
	if err == nil || !strings.Contains(err.Error(), "address_book.carddav: ") || !strings.Contains(err.Error(), "connection refused") ||
		!strings.Contains(err.Error(), "no read has worked yet") {
		t.Errorf("a sync with nothing listening gave %v", err)
	}
	// The mail is synced all the same.
	if m, err := a.Model(ctx, time.Now(), false); err != nil || len(m.Contacts) == 0 {
		t.Errorf("the model after a sync whose address book failed: %v", err)
	}

	e = newTestEnv(t, "address_book:\n  carddav: {url: \"https://dav.example.com/c/\", username: jane, password: pw, ca_file: /nonexistent/ca.pem}\n")
	a = e.open(t, Options{})
	if _, err := a.ReadCardDAV(ctx); err == nil || !strings.Contains(err.Error(), "address_book.carddav.ca_file: open /nonexistent/ca.pem") {
		t.Errorf("an unreadable ca_file gave %v", err)
	}
}

// Check reads the address book, files and server, and keeps nothing.
func TestCheckAddressBook(t *testing.T) {
	dav := memdav.Start(memdav.Options{})
	defer dav.Close()
	dav.Put("a.vcf", "BEGIN:VCARD\r\nUID:a\r\nFN:A\r\nEMAIL:a@x.org\r\nEMAIL:not an address\r\nEND:VCARD\r\n")
	e := newTestEnv(t, fmt.Sprintf("address_book:\n  files: [%q]\n  carddav: {url: %q, username: jane, password: wrong}\n", "/nonexistent/contacts", dav.URL))
	a := e.open(t, Options{})
	var lines []string
	problems, err := a.Check(context.Background(), func(l CheckLine) { lines = append(lines, fmt.Sprint(l.Status, " ", l.Text)) })
	if err != nil {
		t.Fatal(err)
	}
	out := strings.Join(lines, "\n")
	for _, want := range []string{
		"1 address_book.files[0]: stat /nonexistent/contacts: no such file or directory",
		"1 address_book.carddav: " + dav.URL + ` refused the login as "jane"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check does not say %q:\n%s", want, out)
		}
	}
	if problems < 2 {
		t.Errorf("%d problems", problems)
	}

	e = newTestEnv(t, fmt.Sprintf("address_book:\n  carddav: {url: %q, username: jane, password: dav-secret}\n", dav.URL))
	a = e.open(t, Options{})
	lines = nil
	if _, err := a.Check(context.Background(), func(l CheckLine) { lines = append(lines, fmt.Sprint(l.Status, " ", l.Text)) }); err != nil {
		t.Fatal(err)
	}
	out = strings.Join(lines, "\n")
	if !strings.Contains(out, "0 address book "+dav.URL+": logged in as jane, 1 card") || !strings.Contains(out, `EMAIL "not an address" is not an address`) {
		t.Errorf("check:\n%s", out)
	}
	if cards, _, _ := a.db.Cards(context.Background(), dav.URL); cards != nil {
		t.Errorf("check kept %v", cards)
	}
}
