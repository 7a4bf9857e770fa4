package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rekindle/rekindle"
	"github.com/rekindle/rekindle/store"
)

// tableStore writes a config and a store holding two-way exchanges with
// each of people ("Name <email>" pairs); it returns the config's path.
func tableStore(t *testing.T, people [][2]string) string {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "rekindle.db")
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	jane := rekindle.Address{Name: "Jane Doe", Email: "jane@example.com"}
	var msgs []rekindle.Message
	uid := uint32(0)
	base := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i, p := range people {
		them := rekindle.Address{Name: p[0], Email: p[1]}
		for d := range 4 {
			when := base.AddDate(0, 0, 7*d+i)
			for dir, from := range []rekindle.Address{jane, them} {
				to := them
				if dir == 1 {
					to = jane
				}
				uid++
				msgs = append(msgs, rekindle.Message{UID: uid, InternalDate: when, Header: rekindle.Header{
					MessageID: fmt.Sprintf("m%d@x", uid), Date: when.Add(time.Duration(dir) * time.Hour),
					Subject: "lunch", From: []rekindle.Address{from}, To: []rekindle.Address{to},
				}})
			}
		}
	}
	if err := db.PutMessages(ctx, "work", "INBOX", msgs, uid); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`me:
  name: Jane Doe
  addresses: [jane@example.com]
accounts:
  - name: work
    imap: {host: 127.0.0.1, port: 1, security: none, username: jane, password: x}
store: {path: %s}
`, dbPath)
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// A very long name or address does not pad every line of the table to
// its width: the name column is capped at 30 runes, the address at 40,
// each cut marked with an ellipsis.
func TestContactsTableCapsColumns(t *testing.T) {
	const (
		longName  = "Bartholomew Maximilian Fitzgerald-Worthington III of Somewhere"
		longEmail = "bartholomew.maximilian.fitzgerald-worthington@department-of-things.example-university.edu"
	)
	cfg := tableStore(t, [][2]string{{longName, longEmail}, {"Bob", "bob@example.com"}})
	code, out, errOut := run(t, "--config", cfg, "contacts", "--as-of", "2026-06-01")
	if code != 0 {
		t.Fatalf("contacts: exit %d\n%s%s", code, out, errOut)
	}
	var bob, bart string
	for _, l := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(l, "Bob "):
			bob = l
		case strings.HasPrefix(l, "Bartholomew"):
			bart = l
		}
	}
	if bob == "" || bart == "" {
		t.Fatalf("no rows for both people:\n%s", out)
	}
	if i := strings.Index(bob, "bob@example.com"); i < 0 || utf8.RuneCountInString(bob[:i]) > 32 {
		t.Errorf("Bob's address starts at column %d, past the capped name column:\n%s", utf8.RuneCountInString(bob[:i]), out)
	}
	if n := utf8.RuneCountInString(bob); n > 140 {
		t.Errorf("Bob's row is %d runes wide:\n%s", n, out)
	}
	if strings.Contains(bart, longName) || strings.Contains(bart, longEmail) {
		t.Errorf("the long name or address is not cut:\n%s", bart)
	}
	name := strings.TrimSpace(bart[:strings.Index(bart, "  ")])
	if utf8.RuneCountInString(name) != 30 || !strings.HasSuffix(name, "…") || !strings.HasPrefix(longName, strings.TrimSuffix(name, "…")) {
		t.Errorf("long name shown as %q, want its first 29 runes and an ellipsis", name)
	}
	fields := strings.Fields(bart[len(name):])
	if email := fields[0]; utf8.RuneCountInString(email) != 40 || !strings.Contains(email, "…") || !strings.HasPrefix(email, "bartholomew.") || !strings.HasSuffix(email, "university.edu") {
		t.Errorf("long address shown as %q, want 40 runes keeping its start and end", email)
	}
}

func TestCapEmail(t *testing.T) {
	for in, want := range map[string]string{
		"bob@example.com": "bob@example.com",
		"bartholomew.maximilian.fitzgerald-worthington@acme.com": "bartholomew.maximilian.fitzger…@acme.com",
		"b@department-of-things.example-university.example.edu":  "b@department-of-thi…iversity.example.edu",
		"no-at-sign-at-all-but-a-very-long-local-part-anyway":    "no-at-sign-at-all-b…ng-local-part-anyway",
	} {
		got := capEmail(in, 40)
		if got != want || utf8.RuneCountInString(got) > 40 {
			t.Errorf("capEmail(%q) = %q, want %q", in, got, want)
		}
	}
	if got := capEnd("Ünïcödé "+strings.Repeat("ñ", 40), 30); utf8.RuneCountInString(got) != 30 || !strings.HasSuffix(got, "…") {
		t.Errorf("capEnd = %q", got)
	}
}
