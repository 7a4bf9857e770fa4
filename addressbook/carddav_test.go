package addressbook

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rekindle/rekindle"
	"github.com/rekindle/rekindle/internal/memdav"
)

func password(p string) func(context.Context) (string, error) {
	return func(context.Context) (string, error) { return p, nil }
}

// putFixtures puts every card of the fixtures on srv, one file each.
func putFixtures(t *testing.T, put func(name, card string)) {
	t.Helper()
	for _, name := range []string{"apple.vcf", "google.vcf", "thunderbird.vcf"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range strings.SplitAfter(string(data), "END:VCARD\r\n") {
			if strings.TrimSpace(c) != "" {
				put(strings.TrimSuffix(name, ".vcf")+"-"+string(rune('a'+i))+".vcf", c)
			}
		}
	}
}

func TestCardDAVRead(t *testing.T) {
	srv := memdav.Start(memdav.Options{})
	defer srv.Close()
	putFixtures(t, srv.Put)
	c := &CardDAV{URL: srv.URL, Username: "jane", Password: password("dav-secret")}
	cards, problems, err := c.Read(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(cards) != 10 {
		t.Errorf("%d cards, want 10", len(cards))
	}
	for _, want := range []rekindle.Card{
		{Name: "Chidi Emeka Okafor", Emails: []string{"chidi.okafor@northwind.example", "chidi@okafor.example"}},
		{Name: "Priya Raman", Emails: []string{"priya.raman@gmail.com", "p.raman@corp.example"}, Categories: []string{"Climbing", "starred"}},
		{Name: "Aiko Nakamura", Emails: []string{"aiko@nakamura.example"}},
	} {
		if !containsCard(cards, want) {
			t.Errorf("no card %+v among %+v", want, cards)
		}
	}
	// The Wong card's bad address, named by the card's URL.
	if len(problems) != 1 || problems[0].Source != srv.URL+"thunderbird-d.vcf" || !strings.Contains(problems[0].Msg, "wong at example dot net") {
		t.Errorf("problems %q", problemStrings(problems))
	}
	if r := srv.Requests(); r["REPORT"] != 1 || r["GET"] != 0 {
		t.Errorf("requests %v, want one REPORT", r)
	}
}

func containsCard(cards []rekindle.Card, want rekindle.Card) bool {
	for _, c := range cards {
		if c.Name == want.Name && strings.Join(c.Emails, " ") == strings.Join(want.Emails, " ") && strings.Join(c.Categories, ",") == strings.Join(want.Categories, ",") {
			return true
		}
	}
	return false
}

// A card go-vcard cannot decode fails a REPORT's answer as a whole; the
// cards are then read one by one, and only that one is skipped.
func TestCardDAVBadCard(t *testing.T) {
	srv := memdav.Start(memdav.Options{})
	defer srv.Close()
	srv.Put("good.vcf", "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:g\r\nFN:Good\r\nEMAIL:good@x.org\r\nEND:VCARD\r\n")
	srv.Put("bad.vcf", "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:b\r\nFN:Bad\r\nEMAIL:bad@x.org\r\n")
	c := &CardDAV{URL: srv.URL, Username: "jane", Password: password("dav-secret")}
	cards, problems, err := c.Read(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	checkCards(t, cards, []rekindle.Card{{Name: "Good", Emails: []string{"good@x.org"}}})
	if got := problemStrings(problems); len(got) != 1 || got[0] != srv.URL+"bad.vcf:1: card skipped: no END:VCARD before the end of the file" {
		t.Errorf("problems %q", got)
	}
	if r := srv.Requests(); r["REPORT"] != 1 || r["PROPFIND"] != 1 || r["GET"] != 2 {
		t.Errorf("requests %v, want a REPORT, then a PROPFIND and a GET per card", r)
	}
}

func TestCardDAVErrors(t *testing.T) {
	srv := memdav.Start(memdav.Options{})
	defer srv.Close()
	srv.Put("a.vcf", "BEGIN:VCARD\r\nFN:A\r\nEMAIL:a@x.org\r\nEND:VCARD\r\n")
	read := func(c CardDAV) error {
		if c.URL == "" {
			c.URL = srv.URL
		}
		if c.Username == "" {
			c.Username = "jane"
		}
		if c.Password == nil {
			c.Password = password("dav-secret")
		}
		_, _, err := c.Read(t.Context())
		return err
	}
	if err := read(CardDAV{Password: password("wrong")}); err == nil || !strings.Contains(err.Error(), `refused the login as "jane"`) || !strings.Contains(err.Error(), "401") {
		t.Errorf("a wrong password gave %v", err)
	}
	if err := read(CardDAV{Password: func(context.Context) (string, error) { return "", errors.New("no password here") }}); err == nil || err.Error() != "no password here" {
		t.Errorf("a failing password source gave %v", err)
	}
	// The user's home is no address book: the error lists the one there.
	if err := read(CardDAV{URL: srv.HomeURL}); err == nil || !strings.Contains(err.Error(), "is not an address book; the address books there are "+srv.URL+" (Contacts)") {
		t.Errorf("the home URL gave %v", err)
	}
	if err := read(CardDAV{URL: "ftp://x.org/"}); err == nil || !strings.Contains(err.Error(), "not an http or https URL") {
		t.Errorf("an ftp URL gave %v", err)
	}
	// Nothing listening.
	dead := memdav.Start(memdav.Options{})
	dead.Close()
	if err := read(CardDAV{URL: dead.URL}); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("a closed port gave %v", err)
	}
	srv.SetDown(true)
	if err := read(CardDAV{}); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("a server down gave %v", err)
	}
	srv.SetDown(false)

	// A server that does not answer: the read ends at the timeout, and
	// says so.
	srv.SetDelay(5 * time.Second)
	start := time.Now()
	err := read(CardDAV{Timeout: 300 * time.Millisecond})
	if took := time.Since(start); err == nil || !strings.Contains(err.Error(), "did not answer within 300ms") || took > 3*time.Second {
		t.Errorf("a silent server gave %v after %v", err, took)
	}
	srv.SetDelay(0)
	// The caller's context ends it too.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, _, err := (&CardDAV{URL: srv.URL, Username: "jane", Password: password("dav-secret")}).Read(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled read gave %v", err)
	}
}

// Over TLS the server's certificate must be trusted, for the name asked.
func TestCardDAVTLS(t *testing.T) {
	srv := memdav.Start(memdav.Options{TLS: true})
	defer srv.Close()
	srv.Put("a.vcf", "BEGIN:VCARD\r\nFN:A\r\nEMAIL:a@x.org\r\nEND:VCARD\r\n")
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	for _, tt := range []struct {
		name string
		tls  *tls.Config
		want string // in the error; "" for none
	}{
		{"system roots", nil, "certificate signed by unknown authority"},
		{"the CA", &tls.Config{RootCAs: pool}, ""},
		{"the CA, another name", &tls.Config{RootCAs: pool, ServerName: "dav.example.net"}, "dav.example.net"},
		{"the CA, a name of the certificate", &tls.Config{RootCAs: pool, ServerName: "dav.example.com"}, ""},
	} {
		c := &CardDAV{URL: srv.URL, Username: "jane", Password: password("dav-secret"), TLS: tt.tls}
		cards, _, err := c.Read(t.Context())
		switch {
		case tt.want == "" && (err != nil || len(cards) != 1):
			t.Errorf("%s: %d cards, %v", tt.name, len(cards), err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: %v, want an error saying %q", tt.name, err, tt.want)
		}
	}
}
