package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-vcard"

	"github.com/rekindle/rekindle/app"
	"github.com/rekindle/rekindle/internal/memimap"
)

// The address book: "contacts --format vcard|csv|json" and "query", on a
// small mailbox written here, where every person's mail is known.

// abook is an in-process IMAP server holding Jane's mail, and the
// configuration of a store syncing it.
type abook struct {
	srv *memimap.Server
	cfg string
	db  string // the store's path
	n   int    // messages appended so far
	now time.Time
}

const janeAddr = "jane@example.com"

func newAbook(t *testing.T) *abook {
	t.Helper()
	srv, err := memimap.Start(memimap.Options{User: "jane", Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	if err := srv.Create("Sent", imap.MailboxAttrSent); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	host, port, _ := strings.Cut(srv.Addr, ":")
	db := filepath.Join(dir, "rekindle.db")
	cfg := fmt.Sprintf(`me:
  name: Jane Doe
  addresses: [%s]
accounts:
  - name: work
    imap: {host: %s, port: %s, security: none, username: jane, password: %q}
store: {path: %s}
`, janeAddr, host, port, testPassword, db)
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return &abook{srv: srv, cfg: path, db: db, now: time.Now()}
}

// mail appends one message from one address to another, days ago.
func (b *abook) mail(t *testing.T, from, to string, daysAgo int) {
	t.Helper()
	b.n++
	folder := "INBOX"
	if strings.Contains(from, janeAddr) {
		folder = "Sent"
	}
	when := b.now.AddDate(0, 0, -daysAgo)
	raw := fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: note %d\r\nMessage-ID: <m%d@abook.test>\r\nDate: %s\r\n\r\nhi\r\n",
		from, to, b.n, b.n, when.Format(time.RFC1123Z))
	if _, err := b.srv.Append(folder, []byte(raw), nil, when); err != nil {
		t.Fatal(err)
	}
}

// exchange writes n messages each way between Jane and someone, on
// different days ending daysAgo ago. from is their From header (a name
// and an address); addr their address.
func (b *abook) exchange(t *testing.T, from, addr string, n, daysAgo int) {
	t.Helper()
	for i := range n {
		d := daysAgo + 3*(n-i)
		b.mail(t, from, janeAddr, d+1)
		b.mail(t, "Jane Doe <"+janeAddr+">", addr, d)
	}
}

func (b *abook) sync(t *testing.T) {
	t.Helper()
	if code, out, errOut := run(t, "--config", b.cfg, "sync"); code != 0 {
		t.Fatalf("sync exit %d\n%s%s", code, out, errOut)
	}
}

// people writes the mailbox most tests use: three two-way ties of
// different strengths (Ann under two addresses), someone Jane wrote to who
// never answered, and someone who wrote once since and got no answer.
func (b *abook) people(t *testing.T) {
	t.Helper()
	b.exchange(t, "Bob Builder <bob@example.com>", "bob@example.com", 8, 2)
	b.exchange(t, "Ann Smith <ann@example.org>", "ann@example.org", 3, 5)
	b.exchange(t, "Ann Smith <ann.smith@old.example>", "ann.smith@old.example", 2, 200)
	b.exchange(t, "=?utf-8?q?Zo=C3=AB_=C3=98deg=C3=A5rd?= <zoe@example.net>", "zoe@example.net", 2, 40)
	b.mail(t, "Jane Doe <"+janeAddr+">", "Carol Jones <carol@example.net>", 10)
	b.mail(t, "Jane Doe <"+janeAddr+">", "Carol Jones <carol@example.net>", 9)
	b.mail(t, "Dan Brown <dan@example.com>", janeAddr, 5)
}

// peopleSynced writes people, syncs them, and declares Ann's two
// addresses one person.
func (b *abook) peopleSynced(t *testing.T) {
	t.Helper()
	b.people(t)
	b.sync(t)
	if code, out, errOut := run(t, "--config", b.cfg, "merge", "ann@example.org", "ann.smith@old.example"); code != 0 {
		t.Fatalf("merge: exit %d %s%s", code, out, errOut)
	}
}

// contactsJSON runs "contacts --json" with extra arguments.
func (b *abook) contactsJSON(t *testing.T, extra ...string) []contactJSON {
	t.Helper()
	var cs []contactJSON
	jsonOf(t, &cs, append([]string{"--config", b.cfg, "contacts", "--json"}, extra...)...)
	return cs
}

func TestContactsVCard(t *testing.T) {
	b := newAbook(t)
	b.peopleSynced(t)
	if code, out, errOut := run(t, "--config", b.cfg, "tag", "bob@example.com", "family", "work"); code != 0 {
		t.Fatalf("tag: exit %d %s%s", code, out, errOut)
	}
	want := b.contactsJSON(t, "--all")
	code, out, errOut := run(t, "--config", b.cfg, "contacts", "--all", "--format", "vcard")
	if code != 0 {
		t.Fatalf("contacts --format vcard: exit %d\n%s", code, errOut)
	}
	checkVCardLines(t, out)
	cards := decodeVCards(t, out)
	if len(cards) != len(want) {
		t.Fatalf("%d cards for %d contacts:\n%s", len(cards), len(want), out)
	}
	for i, c := range want {
		card := cards[i]
		if got := card.Value(vcard.FieldVersion); got != "4.0" {
			t.Errorf("card %d: VERSION %q", i, got)
		}
		if got, wantUID := card.Value(vcard.FieldUID), contactUID(c.Key); got != wantUID || !strings.HasPrefix(got, "urn:uuid:") {
			t.Errorf("%s: UID %q, want %q", c.Email, got, wantUID)
		}
		fn := app.OneLine(c.Name)
		if fn == "" {
			fn = c.Email
		}
		if got := card.Value(vcard.FieldFormattedName); got != fn {
			t.Errorf("%s: FN %q, want %q", c.Email, got, fn)
		}
		var emails []string
		for _, f := range card[vcard.FieldEmail] {
			emails = append(emails, f.Value)
		}
		if !slices.Equal(sorted(emails), sorted(c.Addresses)) || card.PreferredValue(vcard.FieldEmail) != c.Email ||
			card[vcard.FieldEmail][0].Params.Get(vcard.ParamPreferred) != "1" {
			t.Errorf("%s: EMAIL %v (preferred %s), want %v with %s preferred", c.Email, emails, card.PreferredValue(vcard.FieldEmail), c.Addresses, c.Email)
		}
		cats := card.Categories()
		if len(c.Tags) == 0 {
			cats = slices.DeleteFunc(cats, func(s string) bool { return s == "" })
		}
		if !slices.Equal(cats, c.Tags) {
			t.Errorf("%s: CATEGORIES %q, want %q", c.Email, cats, c.Tags)
		}
		status := c.Status
		if !c.TwoWay {
			status = "one-way"
		}
		for prop, v := range map[string]string{
			"X-REKINDLE-STRENGTH":      fmt.Sprint(math.Round(c.Strength)),
			"X-REKINDLE-STATUS":        status,
			"X-REKINDLE-LAST-EXCHANGE": c.LastContact.Local().Format("2006-01-02"),
			"X-REKINDLE-CADENCE-DAYS":  wantCadence(c),
		} {
			if got := card.Value(prop); got != v {
				t.Errorf("%s: %s %q, want %q", c.Email, prop, got, v)
			}
		}
	}
	bob := cards[slices.IndexFunc(want, func(c contactJSON) bool { return c.Email == "bob@example.com" })]
	if n := bob.Name(); n == nil || n.GivenName != "Bob" || n.FamilyName != "Builder" {
		t.Errorf("Bob's N = %+v", n)
	}
	if !strings.Contains(out, "\r\nCATEGORIES:family,work\r\n") {
		t.Errorf("the tags are not one CATEGORIES list of two:\n%s", out)
	}
	zoe := cards[slices.IndexFunc(want, func(c contactJSON) bool { return c.Email == "zoe@example.net" })]
	if fn, n := zoe.Value(vcard.FieldFormattedName), zoe.Name(); fn != "Zoë Ødegård" || n.GivenName != "Zoë" || n.FamilyName != "Ødegård" {
		t.Errorf("Zoë's FN %q, N %+v", fn, n)
	}
}

// wantCadence is the rhythm an export gives c: none while it is the
// model's default.
func wantCadence(c contactJSON) string {
	if c.Cadence == "default" {
		return ""
	}
	return fmt.Sprint(max(1, math.Round(c.CadenceDays)))
}

// checkVCardLines checks the physical lines of a vCard stream: UTF-8,
// every line ending in CRLF and at most 75 octets long (RFC 6350 3.2).
func checkVCardLines(t *testing.T, out string) {
	t.Helper()
	if !utf8.ValidString(out) || !strings.HasSuffix(out, "\r\n") {
		t.Fatalf("not UTF-8 lines ending in CRLF:\n%q", out)
	}
	for _, l := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
		if len(l) > 75 || strings.ContainsAny(l, "\r\n") {
			t.Errorf("line of %d octets or with a bare line break: %q", len(l), l)
		}
	}
}

func decodeVCards(t *testing.T, out string) []vcard.Card {
	t.Helper()
	var cards []vcard.Card
	dec := vcard.NewDecoder(strings.NewReader(out))
	for {
		card, err := dec.Decode()
		if err == io.EOF {
			return cards
		}
		if err != nil {
			t.Fatalf("card %d does not parse: %v\n%s", len(cards)+1, err, out)
		}
		cards = append(cards, card)
	}
}

func TestContactsCSV(t *testing.T) {
	b := newAbook(t)
	b.peopleSynced(t)
	want := b.contactsJSON(t, "--all")
	code, out, errOut := run(t, "--config", b.cfg, "contacts", "--all", "--format", "csv")
	if code != 0 {
		t.Fatalf("contacts --format csv: exit %d\n%s", code, errOut)
	}
	if !strings.HasSuffix(out, "\r\n") {
		t.Errorf("CSV lines do not end in CRLF: %q", out)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v\n%s", err, out)
	}
	if !slices.Equal(recs[0], csvHeader) || len(recs) != len(want)+1 {
		t.Fatalf("header %q and %d rows, want %q and %d", recs[0], len(recs)-1, csvHeader, len(want))
	}
	col := func(rec []string, name string) string { return rec[slices.Index(csvHeader, name)] }
	for i, c := range want {
		rec := recs[i+1]
		others := slices.DeleteFunc(slices.Clone(c.Addresses), func(a string) bool { return a == c.Email })
		status := c.Status
		if !c.TwoWay {
			status = "one-way"
		}
		for name, v := range map[string]string{
			"name": app.OneLine(c.Name), "email": c.Email, "other_addresses": strings.Join(others, " "),
			"tags": strings.Join(c.Tags, " "), "strength": fmt.Sprint(math.Round(c.Strength)), "warmth": fmt.Sprint(math.Round(c.Score)),
			"status": status, "two_way": fmt.Sprint(c.TwoWay), "last_exchange": c.LastContact.Local().Format("2006-01-02"),
			"first_exchange": c.FirstContact.Local().Format("2006-01-02"), "sent": fmt.Sprint(c.Sent),
			"received": fmt.Sprint(c.Received), "key": c.Key, "cadence_days": wantCadence(c),
		} {
			if got := col(rec, name); got != v {
				t.Errorf("%s: %s = %q, want %q", c.Email, name, got, v)
			}
		}
	}
	ann := recs[1+slices.IndexFunc(want, func(c contactJSON) bool { return c.Name == "Ann Smith" })]
	if col(ann, "email") != "ann@example.org" || col(ann, "other_addresses") != "ann.smith@old.example" {
		t.Errorf("Ann's addresses: %q and %q", col(ann, "email"), col(ann, "other_addresses"))
	}
}

func TestContactsFormatFlags(t *testing.T) {
	b := newAbook(t)
	b.peopleSynced(t)
	_, viaJSON, _ := run(t, "--config", b.cfg, "contacts", "--json")
	code, viaFormat, _ := run(t, "--config", b.cfg, "contacts", "--format", "json")
	if code != 0 || viaJSON != viaFormat || !strings.HasPrefix(viaJSON, "[") {
		t.Errorf("--json and --format json differ (exit %d):\n%s\n%s", code, viaJSON, viaFormat)
	}
	if code, both, _ := run(t, "--config", b.cfg, "contacts", "--json", "--format", "json"); code != 0 || both != viaJSON {
		t.Errorf("--json --format json: exit %d", code)
	}
	if code, out, _ := run(t, "--config", b.cfg, "contacts"); code != 0 || !strings.HasPrefix(out, "NAME") {
		t.Errorf("the default is no longer the table (exit %d):\n%s", code, out)
	}
	for _, args := range [][]string{{"--json", "--format", "csv"}, {"--format", "xml"}} {
		code, _, errOut := run(t, append([]string{"--config", b.cfg, "contacts"}, args...)...)
		if code != 2 || !strings.Contains(errOut, "--format") {
			t.Errorf("contacts %v: exit %d, want 2 and a usage error:\n%s", args, code, errOut)
		}
	}
	if code, out, _ := run(t, "help", "contacts"); code != 0 || !strings.Contains(out, "vcard") || !strings.Contains(out, "-format") {
		t.Errorf("help contacts says nothing of the formats:\n%s", out)
	}
}
