package radicale

import (
	"net/http"
	"strings"
	"testing"
)

// The harness: Radicale starts, takes only its user, creates an address
// book and stores a card, and stops.
func TestRadicale(t *testing.T) {
	s := Start(t, Options{})
	ctx := t.Context()
	book, err := s.CreateAddressBook(ctx, "contacts", "Contacts")
	if err != nil {
		t.Fatal(err)
	}
	card := "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:jo\r\nFN:Jo Lee\r\nEMAIL:jo@lee.example\r\nEND:VCARD\r\n"
	if err := s.PutCard(ctx, book, "jo.vcf", card); err != nil {
		t.Fatal(err)
	}
	status, body, err := s.Do(ctx, http.MethodGet, book+"jo.vcf", "", nil, nil)
	if err != nil || status != http.StatusOK || !strings.Contains(body, "jo@lee.example") {
		t.Errorf("GET the card: %d %q %v", status, body, err)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, book+"jo.vcf", nil)
	req.SetBasicAuth(s.User, "wrong")
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
	}
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a wrong password: %v %v", resp, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Do(ctx, http.MethodGet, book+"jo.vcf", "", nil, nil); err == nil {
		t.Error("radicale still answers after Close")
	}
}
