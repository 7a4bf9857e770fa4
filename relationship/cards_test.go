package relationship

import (
	"slices"
	"testing"
	"time"

	"github.com/rekindle/rekindle"
)

// cardMail: the user corresponds with Jane at work and at home (under
// two names, never in one thread, so nothing merges them by itself), with
// her partner Sam, and with Bob, whose mail names him "bob".
func cardMail() []*Mail {
	var mail []*Mail
	for d := 0; d < 4; d++ {
		for _, who := range []string{"Jane Doe <jane@work.example>", "J. <jane.doe@gmail.com>", "Sam Doe <sam@home.example>", "bob <bob@acme.example>"} {
			mail = append(mail, exchange(float64(10*d+len(mail)%7), who)...)
		}
	}
	return mail
}

// people lists the contacts' address groups, sorted.
func people(cs []Contact) [][]string {
	var got [][]string
	for _, c := range cs {
		got = append(got, c.Addresses)
	}
	slices.SortFunc(got, func(a, b []string) int { return slices.Compare(a, b) })
	return got
}

func samePeople(a, b [][]string) bool {
	return slices.EqualFunc(a, b, func(x, y []string) bool { return slices.Equal(x, y) })
}

// TestCardsMerge: a card's addresses are one person, below the user's
// own merges and splits.
func TestCardsMerge(t *testing.T) {
	jane := rekindle.Card{Name: "Jane Q. Doe", Emails: []string{"Jane@Work.example", "janedoe@gmail.com", "unseen@x.org"}}
	family := rekindle.Card{Name: "The Does", Emails: []string{"jane@work.example", "sam@home.example"}}
	tests := []struct {
		name   string
		opts   Options
		groups [][]string
	}{
		{"no card", Options{}, [][]string{{"bob@acme.example"}, {"jane.doe@gmail.com"}, {"jane@work.example"}, {"sam@home.example"}}},
		// The card's janedoe@gmail.com is the mail's jane.doe@gmail.com
		// (Gmail ignores dots); unseen@x.org has no mail and changes
		// nothing.
		{"a card merges", Options{Cards: []rekindle.Card{jane}},
			[][]string{{"bob@acme.example"}, {"jane.doe@gmail.com", "jane@work.example"}, {"sam@home.example"}}},
		{"the user's split wins over a card", Options{Cards: []rekindle.Card{jane}, Splits: [][2]string{{"jane.doe@gmail.com", "jane@work.example"}}},
			[][]string{{"bob@acme.example"}, {"jane.doe@gmail.com"}, {"jane@work.example"}, {"sam@home.example"}}},
		// The user merged Jane's two addresses and split her from Sam: the
		// family card cannot join Sam to her. (Were the card's merge made
		// before the user's, it would take jane@work.example to Sam's side
		// of the split, and the user's merge would be vetoed.)
		{"the user's merge and split win over a card", Options{
			Cards:  []rekindle.Card{family},
			Merges: [][]string{{"jane.doe@gmail.com", "jane@work.example"}},
			Splits: [][2]string{{"sam@home.example", "jane.doe@gmail.com"}},
		}, [][]string{{"bob@acme.example"}, {"jane.doe@gmail.com", "jane@work.example"}, {"sam@home.example"}}},
		{"cards sharing an address are one person", Options{Cards: []rekindle.Card{jane, family}},
			[][]string{{"bob@acme.example"}, {"jane.doe@gmail.com", "jane@work.example", "sam@home.example"}}},
		// The user's own address on a card (their own card, or a shared
		// one) is never a contact, and joins nobody.
		{"the user's address on a card", Options{Cards: []rekindle.Card{{Emails: []string{me, "bob@acme.example"}}, {Emails: []string{"sam@home.example", me}}}},
			[][]string{{"bob@acme.example"}, {"jane.doe@gmail.com"}, {"jane@work.example"}, {"sam@home.example"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := people(build(tt.opts, cardMail()).Contacts(day(60))); !samePeople(got, tt.groups) {
				t.Errorf("people %v, want %v", got, tt.groups)
			}
		})
	}
}

// TestCardsName: the card's name wins over every name the mail gives;
// the first card naming a person wins over later ones.
func TestCardsName(t *testing.T) {
	cards := []rekindle.Card{
		{Emails: []string{"sam@home.example"}}, // no name: the mail's stays
		{Name: "Robert Tables", Emails: []string{"BOB@acme.example"}},
		{Name: "Jane Q. Doe", Emails: []string{"jane@work.example", "jane.doe@gmail.com"}},
		{Name: "Janey", Emails: []string{"jane.doe@gmail.com"}},
	}
	cs := build(Options{Cards: cards}, cardMail()).Contacts(day(60))
	for addr, want := range map[string]string{
		"bob@acme.example":   "Robert Tables",
		"jane@work.example":  "Jane Q. Doe",
		"jane.doe@gmail.com": "Jane Q. Doe",
		"sam@home.example":   "Sam Doe",
	} {
		if c := mustFind(t, cs, addr); c.Name != want {
			t.Errorf("%s is named %q, want %q", addr, c.Name, want)
		}
	}
	// Without the cards, the mail's names.
	cs = build(Options{}, cardMail()).Contacts(day(60))
	if c := mustFind(t, cs, "jane@work.example"); c.Name != "Jane Doe" {
		t.Errorf("without cards jane@work.example is named %q", c.Name)
	}
	// After the user splits Jane's addresses, both halves keep the card's
	// name: the card says both are hers.
	cs = build(Options{Cards: cards, Splits: [][2]string{{"jane@work.example", "jane.doe@gmail.com"}}}, cardMail()).Contacts(day(60))
	if a, b := mustFind(t, cs, "jane@work.example"), mustFind(t, cs, "jane.doe@gmail.com"); a == b || a.Name != "Jane Q. Doe" || b.Name != "Jane Q. Doe" {
		t.Errorf("split: %s named %q, %s named %q", a.Key, a.Name, b.Key, b.Name)
	}
}

// TestCardsTags: a card's categories are tags, with the overrides' tags;
// a tag's cadence applies to them.
func TestCardsTags(t *testing.T) {
	opts := Options{
		Cards: []rekindle.Card{
			{Name: "Jane Q. Doe", Emails: []string{"jane@work.example", "jane.doe@gmail.com"}, Categories: []string{"Book Club", "family", " ", "FAMILY"}},
			{Emails: []string{"jane.doe@gmail.com"}, Categories: []string{"climbing"}},
			{Emails: []string{"bob@acme.example"}, Categories: []string{"Work,  Acme"}},
		},
		Overrides:  map[string]Override{"jane@work.example": {Tags: []string{"mentor", "family"}}},
		TagCadence: map[string]time.Duration{"family": 7 * 24 * time.Hour},
	}
	cs := build(opts, cardMail()).Contacts(day(60))
	jane := mustFind(t, cs, "jane@work.example")
	if want := []string{"book-club", "climbing", "family", "mentor"}; !slices.Equal(jane.Tags, want) {
		t.Errorf("jane's tags %q, want %q", jane.Tags, want)
	}
	if jane.CadenceSource != "tag:family" || jane.CadenceDays != 7 {
		t.Errorf("jane's cadence %v from %q, want 7 from the family tag", jane.CadenceDays, jane.CadenceSource)
	}
	if bob := mustFind(t, cs, "bob@acme.example"); !slices.Equal(bob.Tags, []string{"work-acme"}) {
		t.Errorf("bob's tags %q", bob.Tags)
	}
	if sam := mustFind(t, cs, "sam@home.example"); len(sam.Tags) != 0 {
		t.Errorf("sam's tags %q, want none", sam.Tags)
	}
}

func TestCategoryTag(t *testing.T) {
	for in, want := range map[string]string{
		"Friends":         "friends",
		"Book Club":       "book-club",
		"  Work\t, Acme ": "work-acme",
		"Zoë's":           "zoë's",
		" , ":             "",
		"":                "",
	} {
		if got := CategoryTag(in); got != want {
			t.Errorf("CategoryTag(%q) = %q, want %q", in, got, want)
		}
	}
}

// Cards change nothing but names, groups and tags: the same mail with
// and without a card naming everyone gives the same numbers.
func TestCardsChangeOnlyWhatTheySay(t *testing.T) {
	var cards []rekindle.Card
	for _, a := range []string{"jane@work.example", "jane.doe@gmail.com", "sam@home.example", "bob@acme.example"} {
		cards = append(cards, rekindle.Card{Name: "X " + a, Emails: []string{a}})
	}
	a := build(Options{}, cardMail()).Contacts(day(60))
	b := build(Options{Cards: cards}, cardMail()).Contacts(day(60))
	if len(a) != len(b) {
		t.Fatalf("%d contacts, with cards %d", len(a), len(b))
	}
	for i := range a {
		x, y := a[i], b[i]
		y.Name = x.Name
		if !slices.Equal(x.Addresses, y.Addresses) || x.Strength != y.Strength || x.Score != y.Score || x.Status != y.Status || x.Key != y.Key {
			t.Errorf("contact %d: %+v\nwith cards %+v", i, x, y)
		}
	}
}
