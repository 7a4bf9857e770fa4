package digest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rekindle/rekindle"
	"github.com/rekindle/rekindle/relationship"
)

func TestSortFollowups(t *testing.T) {
	day := func(n int) time.Time { return now.AddDate(0, 0, -n) }
	fs := []relationship.Followup{
		{Key: "e", Strength: 40, Score: 90, Date: day(6)},
		{Key: "b", Strength: 80, Score: 10, Date: day(6)},
		{Key: "d", Strength: 80, Score: 50, Date: day(6)},
		{Key: "c", Strength: 80, Score: 50, Date: day(9)},
		{Key: "a", Strength: 80, Score: 50, Date: day(9)},
	}
	SortFollowups(fs)
	var got []string
	for _, f := range fs {
		got = append(got, f.Key)
	}
	// Strength, then warmth, then the longest wait, then the key.
	if want := []string{"a", "c", "d", "b", "e"}; !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}

// TestBuildCapsFollowups: at most three follow-ups of each kind, the
// strongest ties, and the count of the rest; a picked person is neither
// shown twice nor counted.
func TestBuildCapsFollowups(t *testing.T) {
	var aw, owes []relationship.Followup
	for i := range 6 {
		key := fmt.Sprintf("a%d@x.org", i)
		aw = append(aw, relationship.Followup{Key: key, Email: key, Strength: float64(10 * i), Score: 50,
			Subject: "Question", Date: now.AddDate(0, 0, -8), MessageID: key, DaysWaiting: 8})
	}
	for i := range 2 {
		key := fmt.Sprintf("o%d@x.org", i)
		owes = append(owes, relationship.Followup{Key: key, Email: key, Strength: float64(10 * i),
			Date: now.AddDate(0, 0, -6), MessageID: key, DaysWaiting: 6})
	}
	in := Input{
		Now:         now,
		Suggestions: []relationship.Suggestion{suggestion("a5@x.org", "Five", rekindle.StatusCooling, 30)},
		Followups:   relationship.Followups{AwaitingReply: aw, OwesReply: owes},
		Templates:   builtin,
	}
	d, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, p := range d.AwaitingReply {
		keys = append(keys, p.Key)
	}
	// a5 is picked (its entry carries the follow-up); a4, a3, a2 are the
	// strongest of the rest; a1 and a0 are left for `rekindle followups`.
	if want := []string{"a4@x.org", "a3@x.org", "a2@x.org"}; !slices.Equal(keys, want) || d.MoreAwaiting != 2 {
		t.Errorf("awaiting %v and %d more, want %v and 2 more", keys, d.MoreAwaiting, want)
	}
	if len(d.OwesReply) != 2 || d.OwesReply[0].Key != "o1@x.org" || d.MoreOwes != 0 {
		t.Errorf("owes %d (first %s) and %d more", len(d.OwesReply), d.OwesReply[0].Key, d.MoreOwes)
	}
	if aw[0].Key != "a0@x.org" {
		t.Error("Build reordered the caller's follow-ups")
	}

	in.MaxFollowups = -1
	if d, err = Build(in); err != nil || len(d.AwaitingReply) != 5 || d.MoreAwaiting != 0 {
		t.Errorf("no cap: %d shown, %d more, %v", len(d.AwaitingReply), d.MoreAwaiting, err)
	}
	in.MaxFollowups = 1
	if d, err = Build(in); err != nil || len(d.AwaitingReply) != 1 || d.MoreAwaiting != 4 || d.MoreOwes != 1 {
		t.Errorf("cap 1: %d shown, %d and %d more, %v", len(d.AwaitingReply), d.MoreAwaiting, d.MoreOwes, err)
	}
}

// TestBuildNamesFromAddresses: mail without display names, as a company
// mailbox has it. A first.last address gives the name and the greeting;
// anything else keeps the address and gets no first name.
func TestBuildNamesFromAddresses(t *testing.T) {
	in := Input{
		Now: now,
		Suggestions: []relationship.Suggestion{
			suggestion("jane.doe@company.com", "", rekindle.StatusCooling, 30),
			suggestion("j.smith@company.com", "", rekindle.StatusCooling, 30),
			suggestion("jsmith@company.com", "", rekindle.StatusCooling, 30),
			suggestion("mary-jane.o'neil@company.com", "mary-jane.o'neil@company.com", rekindle.StatusCold, 90),
			suggestion("raj@company.com", "Raj Patel", rekindle.StatusCold, 90),
		},
		Followups: relationship.Followups{OwesReply: []relationship.Followup{
			{Key: "omar_haddad@company.com", Email: "omar_haddad@company.com", Date: now.AddDate(0, 0, -6), DaysWaiting: 6},
		}},
		Templates: builtin,
	}
	d, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]string{
		{"Jane Doe", "Jane"},
		{"J. Smith", ""},
		{"", ""},
		{"Mary-Jane O'Neil", "Mary-Jane"}, // a display name that is the address
		{"Raj Patel", "Raj"},
	}
	for i, w := range want {
		if p := d.People[i]; p.Name != w[0] || p.FirstName != w[1] {
			t.Errorf("%s: name %q, first name %q; want %q, %q", p.Email, p.Name, p.FirstName, w[0], w[1])
		}
	}
	if o := d.OwesReply[0]; o.Name != "Omar Haddad" || o.FirstName != "Omar" {
		t.Errorf("follow-up %s: %q, %q", o.Email, o.Name, o.FirstName)
	}
	if got, want := Names(d.People, 0), "Jane, J. Smith, jsmith@company.com, Mary-Jane and Raj"; got != want {
		t.Errorf("Names = %q, want %q", got, want)
	}
	// Names reads the address itself for a Person made by hand.
	if got := Names([]Person{{Email: "li.wei@x.cn"}, {Email: "info@x.cn"}}, 0); got != "Li Wei and info@x.cn" {
		t.Errorf("Names of bare people = %q", got)
	}
	for _, p := range d.People {
		if want := "for " + p.FirstName + " ("; !strings.Contains(p.Draft.Body, want) {
			t.Errorf("%s: the draft was not given the first name: %q", p.Email, p.Draft.Body)
		}
	}
}
