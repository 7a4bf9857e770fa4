package relationship

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rekindle/rekindle"
)

// contact is a two-way contact for Pick tests, last heard from silent days
// before now, with strength (and warmth) strength.
func contact(key string, strength float64, silent, cadence float64, xdays int) Contact {
	return Contact{
		Key: key, Email: key, Addresses: []string{key}, TwoWay: true,
		Score: strength, Peak: strength, Strength: strength, ExchangeDays: xdays, PersonalDays: xdays,
		FirstContact: day(0), LastContact: day(1000 - silent),
		CadenceDays: cadence, CadenceSource: CadenceRhythm,
		LastSubject: "Re: Q3 planning", LastFromMe: true,
	}
}

func TestPickRules(t *testing.T) {
	now := day(1000)
	mod := func(c Contact, f func(*Contact)) Contact { f(&c); return c }
	tests := []struct {
		name     string
		contacts []Contact
		opts     PickOptions
		want     []string
	}{
		{"warm contacts need no nudge", []Contact{contact("warm@x", 80, 20, 14, 30)}, PickOptions{}, nil},
		{"cooling, cold and dormant are candidates, by priority",
			[]Contact{contact("cooling@x", 80, 30, 14, 30), contact("cold@x", 50, 70, 14, 30), contact("dormant@x", 60, 400, 14, 30)},
			PickOptions{}, []string{"dormant@x", "cooling@x", "cold@x"}},
		{"quiet days: a pinned contact written to last week is not picked",
			[]Contact{mod(contact("pinned@x", 80, 6, 1, 30), func(c *Contact) { c.Pinned = true })}, PickOptions{}, nil},
		{"quiet days can be changed", []Contact{contact("a@x", 80, 20, 7, 30)}, PickOptions{QuietDays: 21}, nil},
		{"no quiet days: a pinned contact written to last week is picked",
			[]Contact{mod(contact("pinned@x", 80, 6, 1, 30), func(c *Contact) { c.Pinned = true })}, PickOptions{QuietDays: -1}, []string{"pinned@x"}},
		{"a pinned warm contact is eligible", []Contact{mod(contact("pinned@x", 80, 15, 14, 30), func(c *Contact) { c.Pinned = true })}, PickOptions{}, []string{"pinned@x"}},
		{"recently suggested is skipped", []Contact{contact("a@x", 80, 60, 14, 30)},
			PickOptions{LastSuggested: map[string]time.Time{"a@x": day(990)}}, nil},
		{"suggested by another of their addresses", []Contact{mod(contact("a@x", 80, 60, 14, 30), func(c *Contact) { c.Addresses = []string{"a@x", "a@y"} })},
			PickOptions{LastSuggested: map[string]time.Time{"a@y": day(990)}}, nil},
		{"no cool-down: suggested yesterday, suggested again", []Contact{contact("a@x", 80, 60, 14, 30)},
			PickOptions{CoolDown: -1, LastSuggested: map[string]time.Time{"a@x": day(999)}}, []string{"a@x"}},
		{"suggested long ago is fine", []Contact{contact("a@x", 80, 60, 14, 30)},
			PickOptions{LastSuggested: map[string]time.Time{"a@x": day(980)}}, []string{"a@x"}},
		{"recently suggested but pinned", []Contact{mod(contact("a@x", 80, 60, 14, 30), func(c *Contact) { c.Pinned = true })},
			PickOptions{LastSuggested: map[string]time.Time{"a@x": day(999)}}, []string{"a@x"}},
		{"snoozed", []Contact{mod(contact("a@x", 80, 60, 14, 30), func(c *Contact) { c.SnoozeUntil = day(1001) })}, PickOptions{}, nil},
		{"snooze over", []Contact{mod(contact("a@x", 80, 60, 14, 30), func(c *Contact) { c.SnoozeUntil = day(999) })}, PickOptions{}, []string{"a@x"}},
		{"one-way", []Contact{mod(contact("a@x", 80, 60, 14, 30), func(c *Contact) { c.TwoWay = false })}, PickOptions{}, nil},
		{"too few exchange days", []Contact{contact("a@x", 80, 60, 14, 3)}, PickOptions{}, nil},
		{"too weak a tie", []Contact{contact("a@x", DefaultMinStrength-1, 60, 14, 30)}, PickOptions{}, nil},
		{"too weak a tie, but pinned", []Contact{mod(contact("a@x", 5, 60, 14, 2), func(c *Contact) { c.Pinned = true })}, PickOptions{}, []string{"a@x"}},
		{"at most one dormant", []Contact{contact("d1@x", 60, 400, 14, 30), contact("d2@x", 70, 400, 14, 30), contact("c@x", 30, 40, 14, 30)},
			PickOptions{}, []string{"d2@x", "c@x"}},
		{"dormant only once a week", []Contact{contact("d1@x", 60, 400, 14, 30), contact("c@x", 30, 40, 14, 30)},
			PickOptions{LastDormantPick: day(995)}, []string{"c@x"}},
		{"a dormant tie suggested two months ago waits", []Contact{contact("d1@x", 60, 400, 14, 30)},
			PickOptions{LastSuggested: map[string]time.Time{"d1@x": day(940)}}, nil},
		{"a dormant tie suggested four months ago is due again", []Contact{contact("d1@x", 60, 400, 14, 30)},
			PickOptions{LastSuggested: map[string]time.Time{"d1@x": day(880)}}, []string{"d1@x"}},
		{"dormant allowed a week later", []Contact{contact("d1@x", 60, 400, 14, 30)},
			PickOptions{LastDormantPick: day(993)}, []string{"d1@x"}},
		{"dormant needs the minimum strength", []Contact{contact("d1@x", DefaultMinStrength-1, 400, 14, 30)}, PickOptions{}, nil},
		{"max contacts", []Contact{contact("a@x", 80, 60, 14, 30), contact("b@x", 70, 60, 14, 30), contact("c@x", 60, 60, 14, 30)},
			PickOptions{MaxContacts: 2}, []string{"a@x", "b@x"}},
		{"target company ranks higher", []Contact{contact("a@x", 80, 60, 14, 30), contact("b@acme.com", 60, 60, 14, 30)},
			PickOptions{TargetDomains: []string{"acme.com"}}, []string{"b@acme.com", "a@x"}},
		{"target by company name", []Contact{contact("a@x", 80, 60, 14, 30), contact("b@eu.acme.co.uk", 60, 60, 14, 30)},
			PickOptions{TargetCompanies: []string{"ACME"}}, []string{"b@eu.acme.co.uk", "a@x"}},
		{"a weak tie at a target company gets no boost", []Contact{contact("a@x", 45, 60, 14, 30), contact("b@acme.com", 30, 60, 14, 30)},
			PickOptions{TargetDomains: []string{"acme.com"}}, []string{"a@x", "b@acme.com"}},
		{"target with a name and domains", []Contact{contact("a@x", 80, 60, 14, 30), contact("b@globex.co.uk", 60, 60, 14, 30)},
			PickOptions{Targets: []Target{{Name: "Globex", Domains: []string{"globex.com", "globex.co.uk"}}}}, []string{"b@globex.co.uk", "a@x"}},
		{"strength outweighs overdue: a deep tie cooling beats a weaker one long cold",
			[]Contact{contact("cooling@x", 80, 30, 14, 30), contact("cold@x", 30, 200, 14, 30)},
			PickOptions{}, []string{"cooling@x", "cold@x"}},
		{"overdue breaks near ties: a cold contact beats a slightly stronger cooling one",
			[]Contact{contact("cooling@x", 60, 30, 14, 30), contact("cold@x", 55, 70, 14, 30)},
			PickOptions{}, []string{"cold@x", "cooling@x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, p := range Pick(tt.contacts, now, tt.opts) {
				got = append(got, p.Key)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("picked %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPickReasons(t *testing.T) {
	c := contact("bob@acme.com", 62, 94, 21, 37)
	c.FirstContact = day(1000 - 94 - 3*365)
	ps := Pick([]Contact{c}, day(1000), PickOptions{TargetDomains: []string{"acme.com"}})
	if len(ps) != 1 {
		t.Fatalf("picks %v", ps)
	}
	p := ps[0]
	want := []string{
		"last exchange 3 months ago (usually every 21 days)",
		"strength 62/100",
		"37 days of exchange over 3 years",
		`last subject: "Q3 planning" (you wrote last)`,
		"cold: silent 4.5× longer than usual",
		"at Acme, one of your target companies",
	}
	if !slices.Equal(p.Reasons, want) {
		t.Errorf("reasons\n%s\nwant\n%s", strings.Join(p.Reasons, "\n"), strings.Join(want, "\n"))
	}
	if p.DaysSilent != 94 || p.CadenceDays != 21 || p.ExchangeDays != 37 || p.Target != "Acme" || p.Overdue != 4.48 || p.Status != rekindle.StatusCold {
		t.Errorf("pick %+v", p)
	}
}

// Pick's invariants over random mailboxes, random moments and random
// options.
func TestPickProperties(t *testing.T) {
	seeds := 24
	if testing.Short() {
		seeds = 6
	}
	for seed := range uint64(seeds) {
		mb := genMailbox(seed+1, 3000)
		r := rand.New(rand.NewPCG(seed, 7))
		now := mb.end.Add(-time.Duration(r.IntN(400)) * 24 * time.Hour)
		opts := mb.opts
		opts.AsOf = now
		opts.Overrides = map[string]Override{}
		probe := build(opts, mb.mail).Contacts(now)
		// Pin, snooze and mark as suggested random contacts.
		suggested := map[string]time.Time{}
		for _, c := range probe {
			switch r.IntN(8) {
			case 0:
				opts.Overrides[c.Email] = Override{Pin: true}
			case 1:
				opts.Overrides[c.Key] = Override{SnoozeUntil: now.Add(time.Duration(r.IntN(20)-10) * 24 * time.Hour)}
			case 2, 3:
				suggested[c.Addresses[r.IntN(len(c.Addresses))]] = now.Add(-time.Duration(r.IntN(30)) * 24 * time.Hour)
			}
		}
		cs := build(opts, mb.mail).Contacts(now)
		po := PickOptions{
			MaxContacts:     1 + r.IntN(6),
			QuietDays:       1 + r.IntN(30),
			CoolDown:        time.Duration(1+r.IntN(20)) * 24 * time.Hour,
			LastSuggested:   suggested,
			LastDormantPick: now.Add(-time.Duration(r.IntN(14)) * 24 * time.Hour),
		}
		picks := Pick(cs, now, po)
		name := fmt.Sprintf("seed %d (%d contacts, %d picks)", seed+1, len(cs), len(picks))
		t.Run(name, func(t *testing.T) {
			checkContacts(t, mb, cs)
			if len(picks) > po.MaxContacts {
				t.Errorf("%d picks, max %d", len(picks), po.MaxContacts)
			}
			dormant := 0
			seen := map[string]bool{}
			for i, p := range picks {
				if seen[p.Key] {
					t.Errorf("%s picked twice", p.Key)
				}
				seen[p.Key] = true
				if !p.TwoWay {
					t.Errorf("%s is not two-way", p.Key)
				}
				for _, a := range p.Addresses {
					if mb.never[a] {
						t.Errorf("picked %s", a)
					}
				}
				if s := now.Sub(p.LastContact); s < time.Duration(po.QuietDays)*24*time.Hour {
					t.Errorf("%s silent only %v", p.Key, s)
				}
				if p.Snoozed || p.SnoozeUntil.After(now) {
					t.Errorf("%s is snoozed", p.Key)
				}
				if !p.Pinned {
					for _, a := range append([]string{p.Key}, p.Addresses...) {
						if at, ok := suggested[a]; ok && now.Sub(at) < po.CoolDown {
							t.Errorf("%s suggested %v ago", p.Key, now.Sub(at))
						}
					}
					if p.Status == rekindle.StatusWarm {
						t.Errorf("%s is warm", p.Key)
					}
				}
				if p.Status == rekindle.StatusDormant {
					dormant++
					if now.Sub(po.LastDormantPick) < 7*24*time.Hour {
						t.Errorf("dormant %s picked %v after the last", p.Key, now.Sub(po.LastDormantPick))
					}
				}
				if i > 0 && p.Priority > picks[i-1].Priority {
					t.Errorf("not ordered by priority at %d", i)
				}
				if len(p.Reasons) < 2 {
					t.Errorf("%s reasons %v", p.Key, p.Reasons)
				}
			}
			if dormant > 1 {
				t.Errorf("%d dormant picks", dormant)
			}
		})
	}
}

// checkContacts asserts what holds of every contact list.
func checkContacts(t *testing.T, mb *mailbox, cs []Contact) {
	t.Helper()
	for i, c := range cs {
		if !c.TwoWay || c.Sent == 0 || c.Received == 0 {
			t.Errorf("%s: two-way %v, sent %d, received %d", c.Key, c.TwoWay, c.Sent, c.Received)
		}
		for _, a := range c.Addresses {
			if mb.never[a] {
				t.Errorf("contact %s has address %s", c.Key, a)
			}
		}
		if c.Score < 0 || c.Score > 100 || c.Peak < 0 || c.Peak > 100 || c.Strength < 0 || c.Strength > 100 {
			t.Errorf("%s score %v peak %v strength %v", c.Key, c.Score, c.Peak, c.Strength)
		}
		if c.CadenceDays < MinCadence.Hours()/24 {
			t.Errorf("%s cadence %v", c.Key, c.CadenceDays)
		}
		if i > 0 && c.Strength > cs[i-1].Strength {
			t.Errorf("not ordered by strength at %d", i)
		}
		if c.StrengthRank < 1 || c.StrengthRank > len(cs) || c.PersonalDays > c.ExchangeDays {
			t.Errorf("%s: strength rank %d of %d, %d personal days of %d", c.Key, c.StrengthRank, len(cs), c.PersonalDays, c.ExchangeDays)
		}
		if c.ExchangeDays == 0 || c.Threads == 0 || c.LastContact.Before(c.FirstContact) {
			t.Errorf("%s: %d exchange days, %d threads, %v..%v", c.Key, c.ExchangeDays, c.Threads, c.FirstContact, c.LastContact)
		}
	}
}
