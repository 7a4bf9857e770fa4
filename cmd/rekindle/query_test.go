package main

import (
	"context"
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-vcard"

	"github.com/rekindle/rekindle"
	"github.com/rekindle/rekindle/app"
	"github.com/rekindle/rekindle/store"
)

// The tests of "rekindle query", on the mailbox of abook_test.go.

// query runs "query -v" and splits its output into the status line and
// the lines after it, each split at tabs.
func (b *abook) query(t *testing.T, args ...string) (code int, status string, lines [][]string, stderr string) {
	t.Helper()
	code, out, errOut := run(t, append([]string{"--config", b.cfg, "-v", "query"}, args...)...)
	if !strings.HasSuffix(out, "\n") {
		t.Fatalf("query %q: output does not end a line: %q", args, out)
	}
	all := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	for _, l := range all[1:] {
		lines = append(lines, strings.Split(l, "\t"))
	}
	return code, all[0], lines, errOut
}

// fromSnapshot reports whether a "query -v" answered from the contacts
// snapshot, by its debug line.
func fromSnapshot(stderr string) bool {
	return !strings.Contains(stderr, "contacts snapshot out of date")
}

func addresses(lines [][]string) []string {
	var out []string
	for _, l := range lines {
		out = append(out, l[0])
	}
	return out
}

func TestQuery(t *testing.T) {
	b := newAbook(t)
	b.peopleSynced(t)
	all := b.contactsJSON(t, "--all")

	// Everyone: the status line, then two-way contacts strongest first,
	// then the one-way ones: Carol, whom Jane wrote to, before Dan, who
	// wrote to Jane more recently.
	code, status, lines, stderr := b.query(t)
	if code != 0 || !fromSnapshot(stderr) {
		t.Fatalf("query: exit %d, from the snapshot %v\n%s", code, fromSnapshot(stderr), stderr)
	}
	if status != "rekindle: 6 matches among everyone, strongest ties first" {
		t.Errorf("status line %q", status)
	}
	var wantOrder []string
	for _, c := range all {
		if c.TwoWay {
			wantOrder = append(wantOrder, c.Email) // contacts lists them by strength
		}
	}
	wantOrder = append(wantOrder, "carol@example.net", "dan@example.com")
	var mains []string
	for _, l := range lines {
		if len(l) != 3 || l[1] == "" || strings.ContainsAny(l[1], "\t\r") {
			t.Errorf("line %q: want address, name and note", l)
		}
		if !strings.HasSuffix(l[2], "other address") {
			mains = append(mains, l[0])
		}
	}
	if !slices.Equal(mains, wantOrder) {
		t.Errorf("order %v, want %v", mains, wantOrder)
	}
	if got := addresses(lines)[:2]; !slices.Equal(got, []string{"bob@example.com", "ann@example.org"}) {
		t.Errorf("first two %v: Bob is the strongest tie, then Ann", got)
	}
	if lines[0][1] != "Bob Builder" || !strings.HasPrefix(lines[0][2], "strength ") {
		t.Errorf("Bob's line %q", lines[0])
	}
	if l := lines[len(lines)-1]; l[0] != "dan@example.com" || l[2] != "one-way" {
		t.Errorf("last line %q: want Dan, one-way", l)
	}

	// Matching: any case, in the name or any address; another address
	// follows the main one.
	for q, want := range map[string][]string{
		"ANN":           {"ann@example.org", "ann.smith@old.example"},
		"old.example":   {"ann@example.org", "ann.smith@old.example"},
		"zoë ød":        {"zoe@example.net"},
		"ZOË":           {"zoe@example.net"},
		"example.com":   {"bob@example.com", "dan@example.com"},
		"jones":         {"carol@example.net"},
		"  bob  ":       {"bob@example.com"},
		"builder\tbob ": nil, // "builder bob" is in no name
	} {
		code, status, lines, _ := b.query(t, q)
		if got := addresses(lines); !slices.Equal(got, want) {
			t.Errorf("query %q: %v, want %v", q, got, want)
		}
		if len(want) > 0 && (code != 0 || !strings.HasPrefix(status, fmt.Sprintf("rekindle: %d match", len(want)))) {
			t.Errorf("query %q: exit %d, status %q", q, code, status)
		}
	}
	// After --, what looks like a flag is what to look for.
	if code, status, lines, _ := b.query(t, "--", "--limit"); code != 1 || len(lines) != 0 || status != `rekindle: no matches for "--limit"` {
		t.Errorf("query -- --limit: exit %d, %q, %v", code, status, lines)
	}
	// Words are joined: what aerc passes unquoted still matches.
	if _, _, lines, _ := b.query(t, "Bob", "Builder"); !slices.Equal(addresses(lines), []string{"bob@example.com"}) {
		t.Errorf("query Bob Builder: %v", lines)
	}

	// No match: the status line alone and exit status 1, as mutt's manual
	// asks ("if there are no matching addresses, return a non-zero exit
	// code and a one line error message").
	code, out, errOut := run(t, "--config", b.cfg, "query", "nobody-at-all")
	if code != 1 || out != "rekindle: no matches for \"nobody-at-all\"\n" || errOut != "" {
		t.Errorf("no match: exit %d, stdout %q, stderr %q", code, out, errOut)
	}

	// The limit.
	code, status, lines, _ = b.query(t, "--limit", "2", "e")
	if code != 0 || len(lines) != 2 || status != `rekindle: the first 2 matches for "e"` {
		t.Errorf("--limit 2: exit %d, %q, %d lines", code, status, len(lines))
	}
	if code, _, errOut := run(t, "--config", b.cfg, "query", "--limit", "0", "x"); code != 2 || !strings.Contains(errOut, "--limit") {
		t.Errorf("--limit 0: exit %d\n%s", code, errOut)
	}

	// Every status line is skipped by aerc: none parses as an address.
	for _, s := range []string{status, queryStatus("", 3, false), queryStatus("bob@example.com", 1, false),
		queryStatus("<bob@example.com>", 0, false), queryStatus(`"x" <a@b.c>`, 2, true)} {
		if a, err := mail.ParseAddress(s); err == nil {
			t.Errorf("status line %q parses as the address %v", s, a)
		}
	}
	if code, out, _ := run(t, "help", "query"); code != 0 || !strings.Contains(out, "query_command") {
		t.Errorf("help query (exit %d):\n%s", code, out)
	}
}

// TestQueryErrors: a failure is the first line of standard output (mutt
// shows it) and exit status 1.
func TestQueryErrors(t *testing.T) {
	b := newAbook(t) // never synced: no store
	code, out, errOut := run(t, "--config", b.cfg, "query", "bob")
	if code != 1 || !strings.HasPrefix(out, "rekindle: ") || strings.Count(out, "\n") != 1 || !strings.Contains(errOut, "sync") {
		t.Errorf("no store: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// TestQueryAfterSync: a sync that brings a new correspondent refreshes
// the snapshot, which then offers them.
func TestQueryAfterSync(t *testing.T) {
	b := newAbook(t)
	b.peopleSynced(t)
	if code, _, lines, stderr := b.query(t, "erin"); code != 1 || len(lines) != 0 || !fromSnapshot(stderr) {
		t.Fatalf("before: exit %d, %v, from the snapshot %v", code, lines, fromSnapshot(stderr))
	}
	b.mail(t, "Jane Doe <"+janeAddr+">", "Erin Example <erin@example.org>", 1) // one-way for now
	b.sync(t)
	code, _, lines, stderr := b.query(t, "erin")
	if code != 0 || !slices.Equal(addresses(lines), []string{"erin@example.org"}) || lines[0][2] != "one-way" || !fromSnapshot(stderr) {
		t.Fatalf("after a sync: exit %d, %v, from the snapshot %v", code, lines, fromSnapshot(stderr))
	}
	// She answers: two-way now, and offered before the one-way
	// correspondents.
	b.mail(t, "Erin Example <erin@example.org>", janeAddr, 0)
	b.mail(t, "Jane Doe <"+janeAddr+">", "erin@example.org", 0)
	b.sync(t)
	_, _, lines, stderr = b.query(t)
	got := addresses(lines)
	erin := slices.Index(got, "erin@example.org")
	if !fromSnapshot(stderr) || erin < 0 || !strings.HasPrefix(lines[erin][2], "strength ") ||
		erin > slices.Index(got, "carol@example.net") || erin > slices.Index(got, "dan@example.com") {
		t.Errorf("after she answered: %q (from the snapshot %v)", lines, fromSnapshot(stderr))
	}
}

// TestQueryOverrides: an ignored person is never offered, and the
// snapshot is current again right after; a change the snapshot misses
// (here, written to the store behind rekindle's back) makes query work the
// contacts out, with the same answer.
func TestQueryOverrides(t *testing.T) {
	b := newAbook(t)
	b.peopleSynced(t)
	_, _, before, _ := b.query(t, "example")

	for _, args := range [][]string{{"ignore", "bob@example.com"}, {"ignore", "*@old.example"}} {
		if code, out, errOut := run(t, append([]string{"--config", b.cfg}, args...)...); code != 0 {
			t.Fatalf("%v: exit %d %s%s", args, code, out, errOut)
		}
	}
	_, _, lines, stderr := b.query(t, "example")
	got := addresses(lines)
	if slices.Contains(got, "bob@example.com") || slices.Contains(got, "ann.smith@old.example") || !fromSnapshot(stderr) {
		t.Errorf("after ignoring Bob and *@old.example: %v (from the snapshot %v)", got, fromSnapshot(stderr))
	}
	if code, _, lines, _ := b.query(t, "bob"); code != 1 || len(lines) != 0 {
		t.Errorf("query bob after ignore: exit %d, %v", code, lines)
	}
	// Tags, pins and snoozes do not touch the snapshot.
	for _, args := range [][]string{{"tag", "ann@example.org", "friends"}, {"pin", "ann@example.org"}, {"snooze", "ann@example.org", "30d"}} {
		if code, out, errOut := run(t, append([]string{"--config", b.cfg}, args...)...); code != 0 {
			t.Fatalf("%v: exit %d %s%s", args, code, out, errOut)
		}
	}
	if _, _, _, stderr := b.query(t, "ann"); !fromSnapshot(stderr) {
		t.Error("a tag, a pin or a snooze made the snapshot out of date")
	}
	for _, who := range []string{"bob@example.com", "*@old.example"} {
		if code, out, errOut := run(t, "--config", b.cfg, "unignore", who); code != 0 {
			t.Fatalf("unignore %s: exit %d %s%s", who, code, out, errOut)
		}
	}
	_, _, after, stderr := b.query(t, "example")
	if !slices.EqualFunc(after, before, slices.Equal) || !fromSnapshot(stderr) {
		t.Errorf("after unignore: %v, want %v as before (from the snapshot %v)", after, before, fromSnapshot(stderr))
	}

	// Behind rekindle's back: a merge written straight to the store.
	db, err := store.Open(context.Background(), b.db)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Merge(context.Background(), []string{"carol@example.net", "dan@example.com"})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	code, _, lines, stderr := b.query(t, "example")
	if code != 0 || fromSnapshot(stderr) {
		t.Fatalf("after a change it missed: exit %d, from the snapshot %v", code, fromSnapshot(stderr))
	}
	// One person now, who wrote to Jane and was written to: two-way, with
	// the address of the latest exchange (Dan's) as the main one.
	got = addresses(lines)
	if i := slices.Index(got, "dan@example.com"); i < 0 || i+1 >= len(got) || got[i+1] != "carol@example.net" ||
		!strings.HasPrefix(lines[i][2], "strength ") || !strings.HasSuffix(lines[i+1][2], ", other address") {
		t.Errorf("after merging Carol and Dan: %q", lines)
	}
	b.sync(t) // a sync refreshes it
	if _, _, again, stderr := b.query(t, "example"); !fromSnapshot(stderr) || !slices.EqualFunc(again, lines, slices.Equal) {
		t.Errorf("after a sync: from the snapshot %v, %v, want %v", fromSnapshot(stderr), again, lines)
	}
}

// TestAbookHostile: display names with tabs, line breaks, quotes,
// semicolons, commas, backslashes and escapes break neither the query's
// lines nor the CSV nor the vCard. A sync cleans control characters out
// of names (imapsync), so those are written straight into the store, as
// an older rekindle may have left them; the rest come through IMAP.
func TestAbookHostile(t *testing.T) {
	b := newAbook(t)
	stored := map[string]string{
		"eve@example.com":    "Eve\t\"Evil\"\r\nInjected; Name, Jr \\ \x1b[2J",
		"quoted@example.com": "O'Brien \u2028Second\u0085Line\u00a0 ",
	}
	putExchanges(t, b.db, stored)
	synced := map[string]string{
		"mal@example.com":  "=HYPERLINK(\"http://x.example\";\"click\")",
		"semi@example.com": "Doe; John, \"JD\" \\ Jr",
	}
	for addr, name := range synced {
		// An encoded word even for ASCII (mime.BEncoding leaves ASCII
		// as it is): the specials must not read as header syntax.
		word := "=?utf-8?b?" + base64.StdEncoding.EncodeToString([]byte(name)) + "?="
		b.exchange(t, word+" <"+addr+">", addr, 2, 3)
	}

	// query reads the snapshot after a sync, and works the contacts out
	// when it is out of date (a split of nobody marks it so): the same
	// lines either way.
	b.sync(t)
	_, out, errOut := run(t, "--config", b.cfg, "-v", "query", "example")
	db, err := store.Open(context.Background(), b.db)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Split(context.Background(), "nobody@nowhere.example", "noone@nowhere.example")
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	_, worked, errWorked := run(t, "--config", b.cfg, "-v", "query", "example")
	if out != worked || !fromSnapshot(errOut) || fromSnapshot(errWorked) {
		t.Errorf("query from the snapshot (%v):\n%s\nworked out (%v):\n%s", fromSnapshot(errOut), out, !fromSnapshot(errWorked), worked)
	}

	cs := b.contactsJSON(t, "--all")
	if len(cs) != len(stored)+len(synced) {
		t.Fatalf("%d contacts, want %d", len(cs), len(stored)+len(synced))
	}
	names := map[string]string{} // address -> the name on one line
	for _, c := range cs {
		names[c.Email] = app.OneLine(c.Name)
		if names[c.Email] == "" || strings.ContainsAny(names[c.Email], "\t\r\n\x1b\u2028\u0085") {
			t.Fatalf("%s: name %q on one line is %q", c.Email, c.Name, names[c.Email])
		}
		if want, ok := stored[c.Email]; ok && c.Name != strings.TrimSpace(want) {
			t.Fatalf("%s: the model's name %q, want %q as stored: nothing hostile is tested", c.Email, c.Name, want)
		}
	}
	for addr, name := range synced {
		if names[addr] != name {
			t.Errorf("the name %q came through the sync as %q", name, names[addr])
		}
	}

	// query: one line per person, three fields, the name on one line.
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 1+len(names) {
		t.Fatalf("query: %d lines:\n%q", len(lines), out)
	}
	for _, l := range lines[1:] {
		f := strings.Split(l, "\t")
		if len(f) != 3 || f[1] != names[f[0]] || strings.ContainsAny(l, "\r\x1b") {
			t.Errorf("query line %q: want %s, %q and a note", l, f[0], names[f[0]])
		}
	}

	// CSV: the rows parse back whole; a would-be formula is text.
	_, out, _ = run(t, "--config", b.cfg, "contacts", "--all", "--format", "csv")
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(recs) != 1+len(names) {
		t.Fatalf("CSV: %v, %d records:\n%s", err, len(recs), out)
	}
	for _, rec := range recs[1:] {
		want := names[rec[1]]
		if strings.HasPrefix(want, "=") {
			want = "'" + want
		}
		if rec[0] != want || len(rec) != len(csvHeader) {
			t.Errorf("CSV name %q, want %q (%d fields)", rec[0], want, len(rec))
		}
	}

	// vCard: every card parses back with its name whole.
	_, out, _ = run(t, "--config", b.cfg, "contacts", "--all", "--format", "vcard")
	checkVCardLines(t, out)
	cards := decodeVCards(t, out)
	if len(cards) != len(names) {
		t.Fatalf("%d cards, want %d", len(cards), len(names))
	}
	for _, card := range cards {
		addr := card.PreferredValue(vcard.FieldEmail)
		if got := card.Value(vcard.FieldFormattedName); got != names[addr] {
			t.Errorf("%s: FN %q, want %q", addr, got, names[addr])
		}
		if n := card.Name(); n == nil || strings.Count(n.Value, ";") != 4 {
			t.Errorf("%s: N %+v, want five parts", addr, n)
		}
	}
	if !strings.Contains(out, "\r\nFN:Doe; John\\, \"JD\" \\\\ Jr\r\n") {
		t.Errorf("FN is not escaped as RFC 6350 says (\\, and \\\\, the semicolon as it is):\n%s", out)
	}
}

// putExchanges writes two messages each way between Jane and each
// address (with its name) straight into the store at path, as account
// "older".
func putExchanges(t *testing.T, path string, people map[string]string) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var in, out []rekindle.Message
	now := time.Now()
	n := 0
	for addr, name := range people {
		for i := range 2 {
			n++
			when := now.AddDate(0, 0, -10+i*3)
			them := rekindle.Address{Name: name, Email: addr}
			jane := rekindle.Address{Name: "Jane Doe", Email: janeAddr}
			in = append(in, rekindle.Message{UID: uint32(len(in) + 1), InternalDate: when, Header: rekindle.Header{
				MessageID: fmt.Sprintf("in%d@older.test", n), Date: when, Subject: "hello", From: []rekindle.Address{them}, To: []rekindle.Address{jane}}})
			out = append(out, rekindle.Message{UID: uint32(len(out) + 1), InternalDate: when.Add(time.Hour), Header: rekindle.Header{
				MessageID: fmt.Sprintf("out%d@older.test", n), Date: when.Add(time.Hour), Subject: "Re: hello", From: []rekindle.Address{jane}, To: []rekindle.Address{them}}})
		}
	}
	if err := db.PutMessages(ctx, "older", "INBOX", in, uint32(len(in))); err != nil {
		t.Fatal(err)
	}
	if err := db.PutMessages(ctx, "older", "Sent", out, uint32(len(out))); err != nil {
		t.Fatal(err)
	}
}
