package addressbook

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rekindle/rekindle"
	"github.com/rekindle/rekindle/internal/radicale"
)

// TestRadicale reads an address book from a real CardDAV server: the
// fixtures' cards, put over WebDAV as a CardDAV client would (with the
// UID and FN Radicale requires of every card), and an Apple group card.
func TestRadicale(t *testing.T) {
	srv := radicale.Start(t, radicale.Options{})
	ctx := t.Context()
	book, err := srv.CreateAddressBook(ctx, "contacts", "Contacts")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	putFixtures(t, func(name, card string) {
		if !strings.Contains(card, "\r\nUID:") {
			n++
			card = strings.Replace(card, "\r\nVERSION:3.0\r\n", fmt.Sprintf("\r\nVERSION:3.0\r\nUID:added-%d\r\n", n), 1)
		}
		if !strings.Contains(card, "\r\nFN:") {
			// Radicale requires an FN too; an empty one leaves the name to N.
			card = strings.Replace(card, "\r\nN:", "\r\nFN:\r\nN:", 1)
		}
		if err := srv.PutCard(ctx, book, name, card); err != nil {
			t.Fatal(err)
		}
	})
	group := "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//iOS 17.5//EN\r\nN:Edinburgh\r\nFN:Edinburgh\r\n" +
		"X-ADDRESSBOOKSERVER-KIND:group\r\nX-ADDRESSBOOKSERVER-MEMBER:urn:uuid:7C0A6A2E-4E8B-4B63-9F33-1E0C2B9A4D11\r\n" +
		"X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:A1F0E3C2-77D5-4F7B-8C1E-5B2D9E0F6A33\r\nUID:E1D2C3B4-A596-4788-9900-AABBCCDDEEFF\r\nEND:VCARD\r\n"
	if err := srv.PutCard(ctx, book, "E1D2C3B4-A596-4788-9900-AABBCCDDEEFF.vcf", group); err != nil {
		t.Fatal(err)
	}

	c := &CardDAV{URL: book, Username: srv.User, Password: password(srv.Password)}
	cards, problems, err := c.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(cards) != 10 {
		t.Errorf("%d cards, want 10: %+v", len(cards), cards)
	}
	for _, want := range []rekindle.Card{
		{Name: "Chidi Emeka Okafor", Emails: []string{"chidi.okafor@northwind.example", "chidi@okafor.example"}, Categories: []string{"Edinburgh"}},
		{Name: "Dr. Seán O’Brien", Emails: []string{"sean@obrien.example"}, Categories: []string{"Edinburgh"}},
		{Name: "Priya Raman", Emails: []string{"priya.raman@gmail.com", "p.raman@corp.example"}, Categories: []string{"Climbing", "starred"}},
		{Name: "Lukas Becker", Emails: []string{"lukas.becker@corp.example", "luki@becker.example"}, Categories: []string{"Work", "Corp Alumni"}},
		{Name: "Anna Berg", Emails: []string{"anna.berg@corp.example", "anna@berg.example"}},
		{Name: "Aiko Nakamura", Emails: []string{"aiko@nakamura.example"}},
		{Emails: []string{"x7fq2@corp.example"}},
	} {
		if !containsCard(cards, want) {
			t.Errorf("no card %+v", want)
		}
	}
	if len(problems) != 1 || !strings.HasPrefix(problems[0].Source, book) || !strings.Contains(problems[0].Msg, "wong at example dot net") {
		t.Errorf("problems %q", problemStrings(problems))
	}

	// The wrong password, and the user's home for the address book.
	c.Password = password("wrong")
	if _, _, err := c.Read(ctx); err == nil || !strings.Contains(err.Error(), "refused the login") {
		t.Errorf("a wrong password gave %v", err)
	}
	c.Password, c.URL = password(srv.Password), srv.URL+srv.User+"/"
	if _, _, err := c.Read(ctx); err == nil || !strings.Contains(err.Error(), "the address books there are "+book+" (Contacts)") {
		t.Errorf("the home's URL gave %v", err)
	}
}
