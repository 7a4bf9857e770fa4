package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/rekindle/rekindle/internal/memimap"
	"github.com/rekindle/rekindle/synth"
)

// The end-to-end tests of contacts, followups, suggest and the override
// commands: a synthetic mailbox whose ground truth is known goes into an
// in-process IMAP server, "rekindle sync" reads it into a fresh store, and
// the commands run against that store through Main.

// peopleMailbox is the synthetic mailbox of these tests: the personas and
// a dozen filler correspondents, with hostile headers, as of
// synth.DefaultNow.
func peopleMailbox(t *testing.T) *synth.Mailbox {
	t.Helper()
	return synth.Generate(synth.Options{Seed: 2, Messages: 4000})
}

// syncMails serves mails from an in-process IMAP server with mb's folders
// (special uses included, so Sent is \Sent and Junk is skipped), writes a
// config pointing at it, runs "rekindle sync" and returns the config's
// path.
func syncMails(t *testing.T, mb *synth.Mailbox, mails []synth.Mail) string {
	t.Helper()
	srv, err := memimap.Start(memimap.Options{User: "jane", Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	for _, f := range mb.Folders {
		if f.Name == synth.FolderInbox {
			continue
		}
		var special []imap.MailboxAttr
		if f.SpecialUse != "" {
			special = append(special, imap.MailboxAttr(f.SpecialUse))
		}
		if err := srv.Create(f.Name, special...); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range mails {
		flags := make([]imap.Flag, len(m.Flags))
		for i, f := range m.Flags {
			flags[i] = imap.Flag(f)
		}
		if _, err := srv.Append(m.Folder, m.Raw, flags, m.InternalDate); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	host, port, _ := strings.Cut(srv.Addr, ":")
	cfg := fmt.Sprintf(`me:
  name: %s
  addresses: [%s]
accounts:
  - name: work
    imap: {host: %s, port: %s, security: none, username: jane, password: %q}
store: {path: %s}
`, mb.Me.Name, strings.Join(mb.Addresses, ", "), host, port, testPassword, filepath.Join(dir, "rekindle.db"))
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := run(t, "--config", path, "sync"); code != 0 {
		t.Fatalf("sync exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	return path
}

// personJSON is the documented JSON form of a contact, spelt out here
// rather than taken from contactJSON so that a renamed field fails the
// test. Times stay strings to check their format.
type personJSON struct {
	Key          string   `json:"key"`
	Email        string   `json:"email"`
	Addresses    []string `json:"addresses"`
	Name         string   `json:"name"`
	Status       string   `json:"status"`
	Score        float64  `json:"score"`
	Sent         int      `json:"sent"`
	Received     int      `json:"received"`
	FirstContact string   `json:"first_contact"`
	LastContact  string   `json:"last_contact"`
	CadenceDays  float64  `json:"cadence_days"`
	Cadence      string   `json:"cadence_source"`
	Tags         []string `json:"tags"`
	Pinned       bool     `json:"pinned"`
	Reasons      []string `json:"reasons"` // suggest only
}

// jsonOf runs a command that prints JSON and decodes its output into v.
func jsonOf(t *testing.T, v any, args ...string) {
	t.Helper()
	code, out, errOut := run(t, args...)
	if code != 0 {
		t.Fatalf("%s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// contactsOf runs "contacts --json" with extra arguments.
func contactsOf(t *testing.T, cfg string, extra ...string) []personJSON {
	t.Helper()
	var cs []personJSON
	jsonOf(t, &cs, append([]string{"--config", cfg, "contacts", "--json"}, extra...)...)
	return cs
}

// suggestOf runs "suggest --json" as of asOf.
func suggestOf(t *testing.T, cfg, asOf string) []personJSON {
	t.Helper()
	var ps []personJSON
	jsonOf(t, &ps, "--config", cfg, "suggest", "--json", "--as-of", asOf)
	return ps
}

// byAddress finds the contact holding an address; nil if none does.
func byAddress(cs []personJSON, addr string) *personJSON {
	for i := range cs {
		if slices.Contains(cs[i].Addresses, addr) {
			return &cs[i]
		}
	}
	return nil
}

func persona(t *testing.T, mb *synth.Mailbox, key string) synth.Persona {
	t.Helper()
	p, ok := mb.Persona(key)
	if !ok {
		t.Fatalf("the mailbox has no persona %s", key)
	}
	return p
}

// sorted returns a sorted copy.
func sorted(ss []string) []string {
	s := slices.Clone(ss)
	sort.Strings(s)
	return s
}

// wroteBothWays reports whether the user and a persona each wrote to the
// other in a folder that is synced. synth lays out a one-way filler's last
// exchange in a random direction, so the mail, not the label, is the truth
// for those.
func wroteBothWays(mb *synth.Mailbox, p synth.Persona) bool {
	var in, out bool
	for _, m := range mb.Mails {
		switch m.Folder {
		case synth.FolderDrafts, synth.FolderJunk, synth.FolderTrash:
			continue
		}
		if len(m.Header.From) == 0 {
			continue
		}
		if slices.Contains(p.Addresses, m.Header.From[0].Email) {
			in = true
		}
		if slices.Contains(mb.Addresses, m.Header.From[0].Email) {
			for _, a := range append(slices.Clone(m.Header.To), m.Header.Cc...) {
				out = out || slices.Contains(p.Addresses, a.Email)
			}
		}
	}
	return in && out
}

// TestPeople syncs a synthetic mailbox and checks contacts, followups and
// suggest against its ground truth.
func TestPeople(t *testing.T) {
	mb := peopleMailbox(t)
	cfg := syncMails(t, mb, mb.Mails)
	now := mb.Now.Format(time.RFC3339)

	t.Run("contacts", func(t *testing.T) {
		var raw []map[string]any
		jsonOf(t, &raw, "--config", cfg, "contacts", "--json", "--as-of", now)
		if len(raw) == 0 {
			t.Fatal("no contacts")
		}
		for _, field := range []string{"email", "addresses", "name", "status", "score", "sent", "received",
			"first_contact", "last_contact", "cadence_days"} {
			if _, ok := raw[0][field]; !ok {
				t.Errorf("contacts JSON lacks %q: %v", field, raw[0])
			}
		}

		cs := contactsOf(t, cfg, "--as-of", now)
		for _, c := range cs {
			for _, ts := range []string{c.FirstContact, c.LastContact} {
				if _, err := time.Parse(time.RFC3339, ts); err != nil {
					t.Errorf("%s: time %q is not RFC 3339", c.Email, ts)
				}
			}
			if c.Sent == 0 || c.Received == 0 {
				t.Errorf("%s is listed but not two-way: sent %d, received %d", c.Email, c.Sent, c.Received)
			}
		}
		for _, p := range mb.Personas {
			var c *personJSON
			for _, a := range p.Addresses {
				if x := byAddress(cs, a); x != nil {
					if c != nil && c.Key != x.Key {
						t.Errorf("%s: addresses %v split into %s and %s", p.Key, p.Addresses, c.Key, x.Key)
					}
					c = x
				}
			}
			switch {
			case p.TwoWay && p.WantStatus != "":
				if c == nil {
					t.Errorf("%s (%s, %s, %v) is not a contact", p.Key, p.Kind, p.WantStatus, p.Addresses)
					continue
				}
				if c.Status != p.WantStatus {
					t.Errorf("%s: status %s, want %s (cadence %g days, last contact %s)", p.Key, c.Status, p.WantStatus, c.CadenceDays, c.LastContact)
				}
				if !reflect.DeepEqual(sorted(c.Addresses), sorted(p.Addresses)) {
					t.Errorf("%s: addresses %v, want %v", p.Key, c.Addresses, p.Addresses)
				}
			case c == nil:
			case p.Kind == synth.KindOneWay && wroteBothWays(mb, p):
				t.Logf("%s is labelled one-way but has mail both ways", p.Key)
			default:
				t.Errorf("%s (%s) is a contact: %+v", p.Key, p.Kind, *c)
			}
		}
		// Named for the list, whatever the loop above covers.
		for _, key := range []string{synth.KeyNewsletter, synth.KeyNoReply, synth.KeyList, synth.KeyRecruiter,
			synth.KeyRecruiterIgnored, synth.KeySelf, synth.KeyDigest, synth.KeyAnnouncement} {
			for _, a := range persona(t, mb, key).Addresses {
				if c := byAddress(cs, a); c != nil {
					t.Errorf("%s address %s is in contact %s", key, a, c.Key)
				}
			}
		}
		for _, a := range mb.Addresses {
			if c := byAddress(cs, a); c != nil {
				t.Errorf("the user's address %s is in contact %s", a, c.Key)
			}
		}
		two := persona(t, mb, synth.KeyTwoAddresses)
		if c := byAddress(cs, two.Addresses[0]); c == nil || len(c.Addresses) != 2 {
			t.Errorf("%s: want one contact with %v, got %+v", two.Key, two.Addresses, c)
		} else if c.Email != two.Addresses[1] {
			t.Errorf("%s: primary address %s, want the newer %s", two.Key, c.Email, two.Addresses[1])
		}
	})

	t.Run("followups", func(t *testing.T) {
		var f map[string][]struct {
			Email   string `json:"email"`
			Subject string `json:"subject"`
			Days    int    `json:"days_waiting"`
		}
		jsonOf(t, &f, "--config", cfg, "followups", "--json", "--as-of", now)
		has := func(list, key string) bool {
			p := persona(t, mb, key)
			for _, x := range f[list] {
				if slices.Contains(p.Addresses, x.Email) {
					return x.Days >= 5 && x.Subject != ""
				}
			}
			return false
		}
		if !has("awaiting_reply", synth.KeyAwaitingReply) {
			t.Errorf("awaiting_reply lacks %s: %+v", synth.KeyAwaitingReply, f["awaiting_reply"])
		}
		if !has("owes_reply", synth.KeyOwingReply) {
			t.Errorf("owes_reply lacks %s: %+v", synth.KeyOwingReply, f["owes_reply"])
		}
		if has("awaiting_reply", synth.KeyOwingReply) || has("owes_reply", synth.KeyAwaitingReply) {
			t.Errorf("follow-ups the wrong way round: %+v", f)
		}
	})

	t.Run("suggest", func(t *testing.T) {
		picks := suggestOf(t, cfg, now)
		if len(picks) == 0 || len(picks) > 5 {
			t.Fatalf("%d picks, want 1 to 5", len(picks))
		}
		overdue := map[string]string{} // address -> persona key
		for _, p := range mb.Personas {
			if p.TwoWay && slices.Contains([]string{synth.StatusCooling, synth.StatusCold, synth.StatusDormant}, p.WantStatus) {
				for _, a := range p.Addresses {
					overdue[a] = p.Key
				}
			}
		}
		for _, p := range picks {
			if overdue[p.Email] == "" {
				t.Errorf("picked %s (%s), who is not a cooling, cold or dormant persona", p.Email, p.Status)
			}
			if len(p.Reasons) == 0 || p.Reasons[0] == "" {
				t.Errorf("pick %s has no reasons", p.Email)
			}
		}
		yesterday := persona(t, mb, synth.KeyColleagueYesterday)
		if slices.ContainsFunc(picks, func(p personJSON) bool { return slices.Contains(yesterday.Addresses, p.Email) }) {
			t.Errorf("picked %s, written to yesterday", yesterday.Key)
		}
	})
}

// Time travel: the answers as of an earlier date are those of a store that
// never held any mail dated after it.
func TestPeopleAsOf(t *testing.T) {
	mb := peopleMailbox(t)
	const day = "2025-11-20" // the end of that day, local time, as --as-of reads it
	cutoff, err := parseAsOf(day, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var early []synth.Mail
	for _, m := range mb.Mails {
		when := m.Header.Date
		if when.IsZero() {
			when = m.InternalDate
		}
		if !when.After(cutoff) {
			early = append(early, m)
		}
	}
	if len(early) == len(mb.Mails) || len(early) < len(mb.Mails)/2 {
		t.Fatalf("%d of %d mails before %s: pick another day", len(early), len(mb.Mails), day)
	}
	full := syncMails(t, mb, mb.Mails)
	past := syncMails(t, mb, early)

	for _, cmd := range [][]string{{"contacts", "--json"}, {"contacts", "--json", "--all"}, {"followups", "--json"}, {"suggest", "--json"}} {
		args := append(slices.Clone(cmd), "--as-of", day)
		code1, got, errOut1 := run(t, append([]string{"--config", full}, args...)...)
		code2, want, errOut2 := run(t, append([]string{"--config", past}, args...)...)
		if code1 != 0 || code2 != 0 {
			t.Fatalf("%v: exit %d and %d\n%s%s", args, code1, code2, errOut1, errOut2)
		}
		if got != want {
			t.Errorf("%v: the full store answers differently from a store of the mail up to %s\nfull:\n%.2000s\npast:\n%.2000s", args, day, got, want)
		}
	}
	// The earlier view is a different one: the check above is not vacuous.
	then, later := contactsOf(t, full, "--as-of", day), contactsOf(t, full, "--as-of", mb.Now.Format(time.RFC3339))
	if len(then) == 0 || reflect.DeepEqual(then, later) {
		t.Errorf("contacts as of %s (%d) equal those as of now (%d)", day, len(then), len(later))
	}
}

// TestPeopleOverrides drives the override commands and reads their effect
// back through contacts and suggest.
func TestPeopleOverrides(t *testing.T) {
	mb := peopleMailbox(t)
	cfg := syncMails(t, mb, mb.Mails)
	now := mb.Now.Format(time.RFC3339)
	cmd := func(t *testing.T, args ...string) string {
		t.Helper()
		code, out, errOut := run(t, append([]string{"--config", cfg}, args...)...)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
		}
		return out
	}
	contact := func(t *testing.T, addr string) *personJSON {
		t.Helper()
		return byAddress(contactsOf(t, cfg, "--as-of", now), addr)
	}
	picked := func(t *testing.T, addr string) bool {
		t.Helper()
		return byAddress(suggestOf(t, cfg, now), addr) != nil
	}
	cold := persona(t, mb, synth.KeyColleagueQuiet).Addresses[0]
	mentor := persona(t, mb, synth.KeyMentor)
	friend := persona(t, mb, synth.KeyFriendYearly)
	listMember := persona(t, mb, synth.KeyListMember)
	two := persona(t, mb, synth.KeyTwoAddresses)

	t.Run("snooze", func(t *testing.T) {
		if !picked(t, cold) {
			t.Fatalf("the cold colleague %s is not suggested to begin with", cold)
		}
		cmd(t, "snooze", cold, "30d")
		if picked(t, cold) {
			t.Errorf("snoozed %s is still suggested", cold)
		}
		if c := contact(t, cold); c == nil {
			t.Errorf("snoozed %s is no longer a contact", cold)
		}
		cmd(t, "unsnooze", cold)
		if !picked(t, cold) {
			t.Errorf("unsnoozed %s is not suggested", cold)
		}
	})

	t.Run("ignore", func(t *testing.T) {
		cmd(t, "ignore", cold)
		if c := contact(t, cold); c != nil {
			t.Errorf("ignored %s is still a contact", cold)
		}
		if picked(t, cold) {
			t.Errorf("ignored %s is suggested", cold)
		}
		code, out, errOut := run(t, "--config", cfg, "unignore", cold)

		if code != 0 {
			t.Fatalf("unignore %s: exit %d\n%s%s", cold, code, out, errOut)
		}
		if c := contact(t, cold); c == nil {
			t.Errorf("unignored %s is not a contact", cold)
		}
	})

	t.Run("pin", func(t *testing.T) {
		cmd(t, "pin", mentor.Name)
		if c := contact(t, mentor.Addresses[0]); c == nil || !c.Pinned {
			t.Errorf("%s is not pinned: %+v", mentor.Name, c)
		}
		cmd(t, "unpin", mentor.Addresses[0])
		if c := contact(t, mentor.Addresses[0]); c == nil || c.Pinned {
			t.Errorf("%s is still pinned: %+v", mentor.Name, c)
		}
	})

	t.Run("cadence", func(t *testing.T) {
		cmd(t, "cadence", mentor.Name, "7")
		if c := contact(t, mentor.Addresses[0]); c == nil || c.CadenceDays != 7 || c.Cadence != "override" {
			t.Errorf("%s after cadence 7: %+v", mentor.Name, c)
		}
		cmd(t, "cadence", mentor.Name, "off")
		if c := contact(t, mentor.Addresses[0]); c == nil || c.Cadence == "override" {
			t.Errorf("%s after cadence off: %+v", mentor.Name, c)
		}
	})

	t.Run("tag", func(t *testing.T) {
		who := listMember.Addresses[0]
		cmd(t, "tag", who, "family")
		cmd(t, "cadence", "--tag", "family", "3")
		c := contact(t, who)
		if c == nil || !slices.Contains(c.Tags, "family") || c.CadenceDays != 3 || c.Cadence != "tag:family" {
			t.Errorf("%s tagged family, family every 3 days: %+v", who, c)
		}
		cmd(t, "untag", who, "family")
		if c := contact(t, who); c == nil || len(c.Tags) != 0 || c.CadenceDays == 3 {
			t.Errorf("%s untagged: %+v", who, c)
		}
	})

	t.Run("merge and split", func(t *testing.T) {
		a, b := mentor.Addresses[0], friend.Addresses[0]
		before := len(contactsOf(t, cfg, "--as-of", now))
		cmd(t, "merge", a, b)
		cs := contactsOf(t, cfg, "--as-of", now)
		if c := byAddress(cs, a); c == nil || !slices.Contains(c.Addresses, b) {
			t.Errorf("merged %s and %s are not one contact: %+v", a, b, c)
		}
		if len(cs) != before-1 {
			t.Errorf("%d contacts after the merge, want %d", len(cs), before-1)
		}
		cmd(t, "split", a, b)
		cs = contactsOf(t, cfg, "--as-of", now)
		if ca, cb := byAddress(cs, a), byAddress(cs, b); ca == nil || cb == nil || ca.Key == cb.Key {
			t.Errorf("split %s and %s are not two contacts: %+v, %+v", a, b, ca, cb)
		}
		if len(cs) != before {
			t.Errorf("%d contacts after the split, want %d", len(cs), before)
		}

		// Splitting what the model merged by itself.
		cmd(t, "split", two.Addresses[0], two.Addresses[1])
		cs = contactsOf(t, cfg, "--as-of", now)
		if ca, cb := byAddress(cs, two.Addresses[0]), byAddress(cs, two.Addresses[1]); ca != nil && cb != nil && ca.Key == cb.Key {
			t.Errorf("split %v are still one contact", two.Addresses)
		}
	})

	t.Run("unknown", func(t *testing.T) {
		for _, who := range []string{"nobody@nowhere.example", "Zebedee Quux"} {
			code, _, errOut := run(t, "--config", cfg, "pin", who)
			if code != 1 || !strings.Contains(errOut, "no contact") || !strings.Contains(errOut, strings.ToLower(who)) && !strings.Contains(errOut, who) {
				t.Errorf("pin %q: exit %d, want 1 saying no contact is %q:\n%s", who, code, who, errOut)
			}
		}
	})

	t.Run("ambiguous", func(t *testing.T) {
		// Everyone the commands can name: one-way correspondents too.
		all := contactsOf(t, cfg, "--all")
		var q string
		var want []string
		for _, cand := range []string{"an", "ar", "er", "a"} {
			want = want[:0]
			for _, c := range all {
				if strings.Contains(strings.ToLower(c.Name), cand) {
					want = append(want, c.Email)
				}
				if strings.EqualFold(c.Name, cand) {
					want = nil // an exact match is not ambiguous
					break
				}
			}
			if len(want) >= 2 {
				q = cand
				break
			}
		}
		if q == "" {
			t.Fatal("no two contacts share a part of their names")
		}
		code, _, errOut := run(t, "--config", cfg, "pin", q)
		if code != 1 || !strings.Contains(errOut, fmt.Sprintf("matches %d contacts", len(want))) {
			t.Errorf("pin %q: exit %d, want 1 listing %d matches:\n%s", q, code, len(want), errOut)
		}
		for _, e := range want {
			if !strings.Contains(errOut, e) {
				t.Errorf("pin %q: the error does not list %s:\n%s", q, e, errOut)
			}
		}
	})
}
