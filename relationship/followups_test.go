package relationship

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/rekindle/rekindle"
)

func TestFollowups(t *testing.T) {
	const bob = "bob@acme.com"
	// bob is two-way, and the base leaves nothing open: bob wrote, the
	// user's reply answered it.
	hi := msg(day(0), bob, me).subj("hi")
	base := append(exchange(-20, bob), hi, msg(day(0.1), me, bob).replyTo(hi))
	ask := msg(day(10), me, bob).subj("Coffee next week?")
	theirAsk := msg(day(10), bob, me).subj("Can you review my draft?")
	answer := msg(day(12), bob, me).replyTo(ask)
	other := msg(day(12), bob, me).subj("other")
	nudge := msg(day(12), me, bob).replyTo(ask)
	later := msg(day(11), me, bob, "a@x.org").subj("unrelated")
	tests := []struct {
		name     string
		mail     []*Mail
		now      float64
		awaiting string // Message-ID expected in AwaitingReply, "" for none
		owes     string // likewise for OwesReply
	}{
		{"nothing open", nil, 30, "", ""},
		{"user asked, no answer for 6 days", one(ask), 16, ask.MessageID, ""},
		{"user asked, only 4 days ago", one(ask), 14, "", ""},
		{"user asked, bob answered: now the user owes", one(ask, answer), 20, "", answer.MessageID},
		{"bob answered in another thread", one(ask, other), 20, "", other.MessageID},
		{"bob answered through a list, user in To", one(ask, msg(day(12), bob, me).with(func(h *rekindle.Header) { h.ListID = "<l>" })), 20, "", ""},
		{"bob's out-of-office is no answer", one(ask, msg(day(10.1), bob, me).replyTo(ask).with(func(h *rekindle.Header) { h.AutoSubmitted = "auto-replied" })), 20, ask.MessageID, ""},
		{"a message to five people awaits nobody", one(msg(day(10), me, bob, "a@x.org", "b@x.org", "c@x.org", "d@x.org")), 20, "", ""},
		{"bob only in Cc", one(msg(day(10), me, "a@x.org").cc(bob)), 20, "", ""},
		{"user's nudge in own thread: the nudge awaits", one(ask, nudge), 20, nudge.MessageID, ""},
		{"bob asked, user silent for 10 days", one(theirAsk), 20, "", theirAsk.MessageID},
		{"bob asked 3 days ago", one(theirAsk), 13, "", ""},
		{"bob asked, user's reply answers and closes", one(theirAsk, msg(day(11), me, bob).replyTo(theirAsk)), 20, "", ""},
		{"bob asked, user wrote him something else: that awaits", one(theirAsk, later), 20, later.MessageID, ""},
		{"bob wrote with the user only in Cc", one(msg(day(10), bob, "a@x.org").cc(me)), 20, "", ""},
		{"bob wrote to the user and five others", one(msg(day(10), bob, me, "a@x.org", "b@x.org", "c@x.org", "d@x.org")), 20, "", ""},
		{"bob's bulk mail creates no debt", one(msg(day(10), bob, me).with(func(h *rekindle.Header) { h.ListUnsubscribe = "<u>" })), 20, "", ""},
		{"a post to a mailing list awaits nothing", one(listMail(), msg(day(10), me, bob).cc("r-help@r-project.org")), 20, "", ""},
		{"bob's answer on the list is owed nothing", one(listMail(), msg(day(10), bob, me).cc("r-help@r-project.org")), 20, "", ""},
		{"an address never seen as a list's is a person", one(msg(day(10), me, bob).cc("r-help@r-project.org")), 20, "+", ""},
		{"a forward from the user awaits nothing", one(msg(day(10), me, bob).subj("Fwd: the slides")), 20, "", ""},
		{"an FYI from the user awaits nothing", one(msg(day(10), me, bob).subj("FYI: new travel policy")), 20, "", ""},
		{"a forward from bob is owed nothing", one(msg(day(10), bob, me).subj("FW: Quarterly numbers")), 20, "", ""},
		{"a forward after a question: the question still awaits", one(ask, msg(day(11), me, bob).subj("Fwd: the slides")), 20, ask.MessageID, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := build(Options{}, base, tt.mail)
			f := b.Followups(day(tt.now), 0)
			check := func(list string, items []Followup, want string) {
				t.Helper()
				var got []string
				for _, x := range items {
					got = append(got, x.MessageID)
				}
				if want == "" && len(got) != 0 || want != "" && !slices.Equal(got, []string{want}) {
					t.Errorf("%s = %v, want [%s]", list, got, want)
				}
			}
			if tt.awaiting == "+" { // the test's last message
				tt.awaiting = tt.mail[len(tt.mail)-1].MessageID
			}
			check("awaiting", f.AwaitingReply, tt.awaiting)
			check("owes", f.OwesReply, tt.owes)
		})
	}
	t.Run("dismissed", func(t *testing.T) {
		// "No reply needed" on a message: it neither awaits nor owes; a
		// later message is judged afresh.
		dismissed := Options{Dismissed: map[string]bool{ask.MessageID: true, theirAsk.MessageID: true}}
		if f := build(dismissed, base, one(ask)).Followups(day(16), 0); len(f.AwaitingReply) != 0 {
			t.Errorf("a dismissed question awaits: %+v", f.AwaitingReply)
		}
		if f := build(dismissed, base, one(theirAsk)).Followups(day(20), 0); len(f.OwesReply) != 0 {
			t.Errorf("a dismissed question is owed: %+v", f.OwesReply)
		}
		if f := build(dismissed, base, one(ask, nudge)).Followups(day(20), 0); len(f.AwaitingReply) != 1 || f.AwaitingReply[0].MessageID != nudge.MessageID {
			t.Errorf("a nudge after a dismissed question: %+v", f.AwaitingReply)
		}
	})
	t.Run("after", func(t *testing.T) {
		b := build(Options{}, base, one(ask))
		if f := b.Followups(day(12.5), 2*24*time.Hour); len(f.AwaitingReply) != 1 {
			t.Errorf("after 2 days: %+v", f)
		}
	})
}

// The items carry what a reply needs.
func TestFollowupFields(t *testing.T) {
	const bob = "Bob Smith <bob@acme.com>"
	ask := msg(day(1), me, "bob@acme.com").subj("Q3 planning")
	ans := msg(day(2), bob, me).replyTo(ask)
	b := build(Options{}, exchange(-30, "bob@acme.com"), one(ask, ans))
	f := b.Followups(day(9.5), 0)
	if len(f.OwesReply) != 1 {
		t.Fatalf("owes %+v", f.OwesReply)
	}
	x := f.OwesReply[0]
	if x.Key != "bob@acme.com" || x.Name != "Bob Smith" || x.Subject != "Re: Q3 planning" || !x.Date.Equal(day(2)) ||
		x.MessageID != ans.MessageID || !slices.Equal(x.References, []string{ask.MessageID}) || x.DaysWaiting != 7 {
		t.Errorf("item %+v", x)
	}
	if f := b.Followups(day(9.5), 8*24*time.Hour); len(f.OwesReply) != 0 {
		t.Errorf("after 8 days: %+v", f.OwesReply)
	}
}

// A message unanswered for longer than FollowupWindow is no longer listed.
func TestFollowupsLapse(t *testing.T) {
	day := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
	b := NewBuilder(Options{Me: []string{"jane@example.com"}})
	for i, m := range []struct {
		from, to string
		at       time.Time
	}{
		{"bob@x.org", "jane@example.com", day.AddDate(0, 0, -60)},
		{"jane@example.com", "bob@x.org", day.AddDate(0, 0, -50)},
		{"bob@x.org", "jane@example.com", day.AddDate(0, 0, -40)},
		{"jane@example.com", "bob@x.org", day.AddDate(0, 0, -30)},
		{"bob@x.org", "jane@example.com", day},
	} {
		b.Add(&Mail{ID: int64(i + 1), When: m.at, Header: rekindle.Header{
			MessageID: fmt.Sprintf("m%d@x", i), Subject: "question",
			From: []rekindle.Address{{Email: m.from}}, To: []rekindle.Address{{Email: m.to}},
		}})
	}
	if f := b.Followups(day.AddDate(0, 0, 10), 0); len(f.OwesReply) != 1 {
		t.Fatalf("after 10 days: owes %v, want one", f.OwesReply)
	}
	if f := b.Followups(day.AddDate(0, 0, 31), 0); len(f.OwesReply) != 0 {
		t.Errorf("after 31 days: owes %v, want none (lapsed)", f.OwesReply)
	}
}

// listMail is a message of the r-help list, which tells the model the
// list's address.
func listMail() *Mail {
	return msg(day(1), "someone@else.org", "r-help@r-project.org").with(func(h *rekindle.Header) {
		h.ListID = "Main R list <r-help.r-project.org>"
		h.Precedence = "list"
	})
}

func TestIsForward(t *testing.T) {
	for s, want := range map[string]bool{
		"Fwd: the slides":          true,
		"FW: budget":               true,
		"WG: Termin":               true,
		"Re: Fwd: the slides":      true,
		"[team] Fw: notes":         true,
		"FYI: new policy":          true,
		"fyi the draft":            true,
		"Re: the slides":           false,
		"Forward planning":         false,
		"Fwiw, a thought":          false,
		"Tracking the release":     false,
		"Encoding question":        false,
		"":                         false,
		"FYIs are welcome":         false,
		"Re[2]: Fwd: quarterly":    true,
		"AW: WG: Angebot":          true,
		"Re: fyi-style newsletter": false,
	} {
		if got := IsForward(s); got != want {
			t.Errorf("IsForward(%q) = %v, want %v", s, got, want)
		}
	}
}
