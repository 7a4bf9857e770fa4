package relationship

import (
	"fmt"
	"slices"
	"testing"

	"github.com/rekindle/rekindle/synth"
)

// loadSynth feeds a synthetic mailbox to a Builder the way the sync and
// the store do: Drafts, Junk and Trash are not read, and a message in
// several folders (INBOX and All Mail, Sent and INBOX) is stored once.
func loadSynth(mb *synth.Mailbox) *Builder {
	b := NewBuilder(Options{Me: mb.Addresses, AsOf: mb.Now})
	seen := map[string]bool{}
	for i, m := range mb.Mails {
		switch m.Folder {
		case synth.FolderDrafts, synth.FolderJunk, synth.FolderTrash:
			continue
		}
		if id := m.Header.MessageID; id != "" {
			if seen[id] {
				continue
			}
			seen[id] = true
		}
		when := m.Header.Date
		if when.IsZero() {
			when = m.InternalDate
		}
		b.Add(&Mail{ID: int64(i), When: when, Header: m.Header})
	}
	return b
}

// The personas of synthetic mailboxes get the status their ground truth
// says, and the digest picks only people worth a nudge.
func TestPersonas(t *testing.T) {
	for _, seed := range personaSeeds {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			mb := synth.Generate(synth.Options{Seed: seed, Messages: personaMessages})
			b := loadSynth(mb)
			cs := b.Contacts(mb.Now)
			byAddr := map[string]*Contact{}
			for i := range cs {
				for _, a := range cs[i].Addresses {
					byAddr[a] = &cs[i]
				}
			}
			persona := map[string]synth.Persona{} // contact key -> persona
			for _, p := range mb.Personas {
				var c *Contact
				for _, a := range p.Addresses {
					if x := byAddr[a]; x != nil {
						if c != nil && c != x {
							t.Errorf("%s: addresses %v split into %s and %s", p.Key, p.Addresses, c.Key, x.Key)
						}
						c = x
					}
				}
				if p.WantStatus == "" || !p.TwoWay {
					if c == nil || p.Kind == synth.KindSelf || p.Kind == synth.KindDigest {
						continue
					}
					if p.Kind == synth.KindOneWay && wroteBothWays(mb, p) {
						// synth lays out a one-way filler's last exchange
						// with a random direction, so some do get mail
						// from the user; the mail, not the label, is the
						// truth here.
						t.Logf("%s is labelled one-way but has mail both ways", p.Key)
						continue
					}
					t.Errorf("%s (%s) is a contact: %s %v", p.Key, p.Kind, c.Key, c.Addresses)
					continue
				}
				if c == nil {
					t.Errorf("%s (%s, %s) is not a contact", p.Key, p.Kind, p.WantStatus)
					continue
				}
				persona[c.Key] = p
				if string(c.Status) != p.WantStatus {
					t.Errorf("%s: status %s, want %s (silent %d days, cadence %v from %d exchange days; rhythm %v)",
						p.Key, c.Status, p.WantStatus, c.DaysSilent, c.CadenceDays, c.ExchangeDays, p.Rhythm.Hours()/24)
				}
				if len(c.Addresses) != len(p.Addresses) {
					t.Errorf("%s: addresses %v, want %v", p.Key, c.Addresses, p.Addresses)
				}
			}
			for _, a := range mb.Addresses {
				if byAddr[a] != nil {
					t.Errorf("the user's address %s is a contact", a)
				}
			}

			picks := Pick(cs, mb.Now, PickOptions{})
			if len(picks) < 3 {
				t.Errorf("only %d picks", len(picks))
			}
			for _, p := range picks {
				want, ok := persona[p.Key]
				if !ok {
					t.Errorf("picked %s, who is no persona", p.Key)
					continue
				}
				if !slices.Contains([]string{synth.StatusCooling, synth.StatusCold, synth.StatusDormant}, want.WantStatus) {
					t.Errorf("picked %s (%s), who is %s", p.Key, want.Key, want.WantStatus)
				}
				switch want.Key {
				case synth.KeyColleagueYesterday, synth.KeyRecruiter, synth.KeyRecruiterIgnored, synth.KeyNewsletter,
					synth.KeyNoReply, synth.KeyList, synth.KeySelf, synth.KeyDigest, synth.KeyAnnouncement:
					t.Errorf("picked %s", want.Key)
				}
				t.Logf("pick %s (%s): %v", want.Key, want.WantStatus, p.Reasons)
			}

			f := b.Followups(mb.Now, 0)
			for _, p := range mb.Personas {
				if p.TwoWay && p.AwaitingReply && !hasFollowup(f.AwaitingReply, p) {
					t.Errorf("%s: no awaiting-reply item", p.Key)
				}
				if p.TwoWay && p.OwesReply && !hasFollowup(f.OwesReply, p) {
					t.Errorf("%s: no owes-reply item", p.Key)
				}
			}
			for _, x := range f.AwaitingReply {
				if p, ok := persona[x.Key]; ok && p.Key == synth.KeyOwingReply {
					t.Errorf("awaiting a reply from %s", p.Key)
				}
			}
		})
	}
}

func hasFollowup(items []Followup, p synth.Persona) bool {
	for _, x := range items {
		if slices.Contains(p.Addresses, x.Email) || slices.Contains(p.Addresses, x.Key) {
			return true
		}
	}
	return false
}

// wroteBothWays reports whether the user and a persona each wrote to the
// other in the mailbox's stored folders.
func wroteBothWays(mb *synth.Mailbox, p synth.Persona) bool {
	var in, out bool
	for _, m := range mb.Mails {
		if m.Folder == synth.FolderDrafts || len(m.Header.From) == 0 {
			continue
		}
		from := m.Header.From[0].Email
		if slices.Contains(p.Addresses, from) {
			in = true
		}
		if slices.Contains(mb.Addresses, from) {
			for _, a := range append(m.Header.To, m.Header.Cc...) {
				if slices.Contains(p.Addresses, a.Email) {
					out = true
				}
			}
		}
	}
	return in && out
}

// Generating a mailbox costs more than modelling it; two seeds of a size
// with a dozen filler correspondents keep the test quick under -race.
var (
	personaSeeds    = []uint64{1, 2}
	personaMessages = 4000
)
