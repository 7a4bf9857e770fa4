package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/rekindle/rekindle/internal/memimap"
	"github.com/rekindle/rekindle/store"
)

// On a mailing list one message arrives more than once with one
// Message-ID: a reply to the user in INBOX (sent to the user directly) and
// in the list's folder (with the list's headers); the user's post in Sent
// and as the list's echo. Whatever order the folders sync in, the store
// keeps the personal copy, and the people who answer the user on the list
// are two-way contacts.

// copiesPeople answer the user's list posts.
var copiesPeople = []struct{ name, email string }{
	{"Bob Stone", "bob@example.com"},
	{"Carol Reyes", "carol@example.net"},
	{"Dave Okafor", "dave@example.org"},
}

const copiesList = "x@lists.example.org"

// copiesMail is one message of the mailbox, before it is served.
type copiesMail struct {
	folder  string
	raw     string
	arrived time.Time
}

// copiesMailbox is the user's posts to the list (Sent, and the list's
// echo), each person's replies (INBOX, and the list's copy), and some list
// traffic that does not involve the user.
func copiesMailbox() []copiesMail {
	var out []copiesMail
	asList := func(raw, subject string) string {
		// What a list adds: its headers and a tag on the subject.
		raw = strings.Replace(raw, "Subject: "+subject, "Subject: [x] "+strings.TrimPrefix(subject, "Re: "), 1)
		return "List-Id: The X list <x.lists.example.org>\r\nList-Unsubscribe: <mailto:x-leave@lists.example.org>\r\n" +
			"Precedence: list\r\nReply-To: " + copiesList + "\r\n" + raw
	}
	base := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	for pi, p := range copiesPeople {
		for k := range 4 {
			sent := base.Add(time.Duration(pi*4+k)*7*24*time.Hour + time.Duration(pi)*time.Hour)
			from := "Jane Doe <jane@example.com>"
			if k%2 == 1 {
				from = "Jane Doe <jane@home.example>"
			}
			subject := fmt.Sprintf("plans %d for %s", k, p.name)
			postID := fmt.Sprintf("post-%d-%d@example.com", pi, k)
			post := fmt.Sprintf("From: %s\r\nTo: %s <%s>\r\nCc: %s\r\nSubject: %s\r\nMessage-ID: <%s>\r\nDate: %s\r\n\r\nThoughts?\r\n",
				from, p.name, p.email, copiesList, subject, postID, sent.Format(time.RFC1123Z))
			out = append(out,
				copiesMail{"Sent", post, sent.Add(time.Second)},
				copiesMail{"Lists/x", asList(post, subject), sent.Add(2 * time.Minute)})

			replied := sent.Add(3 * time.Hour)
			reply := fmt.Sprintf("From: %s <%s>\r\nTo: Jane Doe <jane@example.com>\r\nCc: %s\r\nSubject: Re: %s\r\nMessage-ID: <reply-%d-%d@example.net>\r\n"+
				"In-Reply-To: <%s>\r\nReferences: <%s>\r\nDate: %s\r\n\r\nSounds good.\r\n",
				p.name, p.email, copiesList, subject, pi, k, postID, postID, replied.Format(time.RFC1123Z))
			out = append(out,
				copiesMail{"INBOX", reply, replied.Add(5 * time.Second)},
				copiesMail{"Lists/x", asList(reply, "Re: "+subject), replied.Add(time.Minute)})
		}
	}
	for k := range 5 {
		at := base.Add(time.Duration(k)*5*24*time.Hour + 30*time.Minute)
		raw := fmt.Sprintf("From: Eve <eve@example.com>\r\nTo: %s\r\nSubject: news %d\r\nMessage-ID: <eve-%d@example.com>\r\nDate: %s\r\n\r\nNews.\r\n",
			copiesList, k, k, at.Format(time.RFC1123Z))
		out = append(out, copiesMail{"Lists/x", raw, at.Add(time.Minute)})
	}
	return out
}

// copiesServe starts an IMAP server holding the mailbox.
func copiesServe(t *testing.T) *memimap.Server {
	t.Helper()
	srv, err := memimap.Start(memimap.Options{User: "jane", Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(srv.Create("Sent", imap.MailboxAttrSent))
	must(srv.Create("Lists/x"))
	for _, m := range copiesMailbox() {
		_, err := srv.Append(m.folder, []byte(m.raw), []imap.Flag{imap.FlagSeen}, m.arrived)
		must(err)
	}
	return srv
}

// copiesSync syncs the server into a fresh store in two runs: first only
// the folders first allows (an exclude list), then all of them. It
// returns the config's path.
func copiesSync(t *testing.T, srv *memimap.Server, firstExclude []string) string {
	t.Helper()
	dir := t.TempDir()
	host, port, _ := strings.Cut(srv.Addr, ":")
	path := filepath.Join(dir, "config.yaml")
	for _, exclude := range [][]string{firstExclude, nil} {
		folders := ""
		if len(exclude) > 0 {
			folders = fmt.Sprintf("    folders: {exclude: [%s]}\n", strings.Join(exclude, ", "))
		}
		cfg := fmt.Sprintf(`me:
  name: Jane Doe
  addresses: [jane@example.com, jane@home.example]
accounts:
  - name: work
    imap: {host: %s, port: %s, security: none, username: jane, password: %q}
%sstore: {path: %s}
`, host, port, testPassword, folders, filepath.Join(dir, "rekindle.db"))
		if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		if code, out, errOut := run(t, "--config", path, "sync"); code != 0 {
			t.Fatalf("sync excluding %v: exit %d\nstdout:\n%s\nstderr:\n%s", exclude, code, out, errOut)
		}
	}
	return path
}

// copiesStored is every stored message as the model reads it (its id
// aside: ids follow the order of the sync), by Message-ID.
func copiesStored(t *testing.T, cfg string) map[string]string {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(filepath.Dir(cfg), "rekindle.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string]string{}
	err = db.EachMessage(ctx, time.Time{}, func(s *store.Stored) error {
		out[s.MessageID] = fmt.Sprintf("%v %#v", s.When, s.Header)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCopiesOrderFree(t *testing.T) {
	srv := copiesServe(t)
	orders := []struct {
		name    string
		exclude []string
	}{
		{"list folder first", []string{"INBOX", "Sent"}},
		{"INBOX and Sent first", []string{"Lists/*"}},
	}
	var (
		stored   []map[string]string
		contacts []string
	)
	const asOf = "2026-06-01"
	for _, o := range orders {
		cfg := copiesSync(t, srv, o.exclude)
		stored = append(stored, copiesStored(t, cfg))
		code, out, errOut := run(t, "--config", cfg, "contacts", "--json", "--as-of", asOf)
		if code != 0 {
			t.Fatalf("%s: contacts exit %d\n%s%s", o.name, code, out, errOut)
		}
		contacts = append(contacts, out)
	}

	// 12 posts and 12 replies, each in two folders, and 5 list-only posts.
	if len(stored[0]) != 29 {
		t.Errorf("%d messages stored, want 29", len(stored[0]))
	}
	for id, s := range stored[0] {
		if (strings.HasPrefix(id, "post-") || strings.HasPrefix(id, "reply-")) && strings.Contains(s, "ListID:\"The X list") {
			t.Errorf("%s is stored as the list's copy after the list folder synced first: %s", id, s)
		}
		if other := stored[1][id]; other != s {
			t.Errorf("%s is stored differently by folder order:\n%s: %s\n%s: %s", id, orders[0].name, s, orders[1].name, other)
		}
	}
	for id := range stored[1] {
		if _, ok := stored[0][id]; !ok {
			t.Errorf("%s stored only when %s", id, orders[1].name)
		}
	}

	if contacts[0] != contacts[1] {
		t.Errorf("contacts --json differ by folder order:\n%s:\n%s\n%s:\n%s", orders[0].name, contacts[0], orders[1].name, contacts[1])
	}
	var cs []personJSON
	if err := json.Unmarshal([]byte(contacts[0]), &cs); err != nil {
		t.Fatalf("contacts --json: %v\n%s", err, contacts[0])
	}
	for _, p := range copiesPeople {
		c := byAddress(cs, p.email)
		if c == nil {
			t.Errorf("%s is not a contact with the list's folder synced first:\n%s", p.email, contacts[0])
			continue
		}
		// Four posts from the user and four replies, none of them list mail.
		if c.Sent != 4 || c.Received != 4 || c.Name != p.name {
			t.Errorf("%s: %+v; want 4 sent and 4 received, named %s", p.email, *c, p.name)
		}
	}
	if slices.ContainsFunc(cs, func(c personJSON) bool {
		return slices.Contains(c.Addresses, "eve@example.com") || slices.Contains(c.Addresses, copiesList)
	}) {
		t.Errorf("list traffic made a contact: %+v", cs)
	}
}
