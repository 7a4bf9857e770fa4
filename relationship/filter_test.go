package relationship

import (
	"testing"
	"time"

	"github.com/rekindle/rekindle"
)

// Each case: bob and the user exchange ordinary mail, then bob sends one
// more message with a marker. Does that message count as received?
func TestBulkMarkers(t *testing.T) {
	const bob = "bob@acme.com"
	tests := []struct {
		name  string
		mark  func(h *rekindle.Header)
		toMe  bool // the marked message has the user in To (else Cc)
		count bool
	}{
		{"ordinary mail", func(h *rekindle.Header) {}, true, true},
		{"List-Id, user in Cc", func(h *rekindle.Header) { h.ListID = "<team.acme.com>" }, false, false},
		{"List-Id, user in To, two-way sender", func(h *rekindle.Header) { h.ListID = "<team.acme.com>" }, true, true},
		{"List-Unsubscribe, user in Cc", func(h *rekindle.Header) { h.ListUnsubscribe = "<mailto:u@acme.com>" }, false, false},
		{"List-Unsubscribe, user in To, two-way sender", func(h *rekindle.Header) { h.ListUnsubscribe = "<mailto:u@acme.com>" }, true, true},
		{"Precedence bulk, user in Cc", func(h *rekindle.Header) { h.Precedence = "bulk" }, false, false},
		{"Precedence List (case), user in Cc", func(h *rekindle.Header) { h.Precedence = " List " }, false, false},
		{"Precedence junk, user in Cc", func(h *rekindle.Header) { h.Precedence = "junk" }, false, false},
		{"Precedence first-class is ordinary", func(h *rekindle.Header) { h.Precedence = "first-class" }, true, true},
		{"Auto-Submitted auto-replied, even direct", func(h *rekindle.Header) { h.AutoSubmitted = "auto-replied" }, true, false},
		{"Auto-Submitted auto-generated with parameter", func(h *rekindle.Header) { h.AutoSubmitted = "auto-generated; owner-email=x@y" }, true, false},
		{"Auto-Submitted no is ordinary", func(h *rekindle.Header) { h.AutoSubmitted = "No" }, true, true},
		{"rekindle digest, as it is sent", func(h *rekindle.Header) { h.AutoSubmitted = "auto-generated" }, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := msg(day(50), bob, "carol@acme.com")
			if tt.toMe {
				m.To = append(m.To, rekindle.Address{Email: me})
			} else {
				m.cc(me)
			}
			m.with(tt.mark)
			b := build(Options{}, exchange(1, bob), exchange(10, bob), one(m))
			c := mustFind(t, b.Contacts(day(60)), bob)
			got := c.Received == 3
			if got != tt.count {
				t.Errorf("received %d: counted = %v, want %v", c.Received, got, tt.count)
			}
			if tt.count != c.LastContact.Equal(day(50)) {
				t.Errorf("LastContact %v, counted %v", c.LastContact, tt.count)
			}
		})
	}
}

// Bulk mail addressed to the user counts only if its sender is two-way
// through ordinary mail, and never makes anyone two-way by itself.
func TestBulkDeferred(t *testing.T) {
	news := func(d float64, from string) *Mail {
		return msg(day(d), from, me).with(func(h *rekindle.Header) { h.ListUnsubscribe = "<https://x/u>" })
	}
	tests := []struct {
		name     string
		mail     []*Mail
		who      string
		wantTwo  bool
		wantRecv int
	}{
		{"newsletter the user never wrote to", one(news(1, "anna@substack.example"), news(8, "anna@substack.example")), "anna@substack.example", false, 0},
		{"user wrote, only bulk came back", one(msg(day(1), me, "dan@x.org"), news(2, "dan@x.org")), "dan@x.org", false, 0},
		{"only bulk and one exchange: not enough", append(exchange(1, "gus@x.org"), news(5, "gus@x.org")), "gus@x.org", false, 0},
		{"two-way sender's direct bulk counts", append(append(exchange(1, "eve@x.org"), exchange(3, "eve@x.org")...), news(5, "eve@x.org")), "eve@x.org", true, 3},
		{"order does not matter: bulk first", append(append(one(news(0, "fay@x.org")), exchange(1, "fay@x.org")...), exchange(3, "fay@x.org")...), "fay@x.org", true, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := build(Options{IncludeOneWay: true}, tt.mail)
			c := find(b.Contacts(day(30)), tt.who)
			if !tt.wantTwo {
				if c != nil && c.TwoWay {
					t.Fatalf("%s is two-way", tt.who)
				}
				return
			}
			if c == nil || !c.TwoWay || c.Received != tt.wantRecv {
				t.Fatalf("contact %+v, want two-way with %d received", c, tt.wantRecv)
			}
		})
	}
}

func TestIsRobot(t *testing.T) {
	tests := []struct {
		email string
		robot bool
	}{
		{"noreply@github.com", true},
		{"no-reply@accounts.google.com", true},
		{"no_reply@x.com", true},
		{"do-not-reply@bank.example", true},
		{"donotreply@bank.example", true},
		{"DoNotReply@Bank.Example", true},
		{"comments-noreply@docs.google.com", true},
		{"noreply+abc@x.com", true},
		{"mailer-daemon@mx.example", true},
		{"MAILER-DAEMON@mx.example", true},
		{"postmaster@example.com", true},
		{"notifications@github.com", true},
		{"notification@facebookmail.com", true},
		{"bounces+12345-abcd@em.example.com", true},
		{"bounce-123-xyz@lists.example", true},
		{"calendar-notification@google.com", true},
		{"calendar@example.com", true},
		{"meetings@zoom.us", true},
		{"jane@calendar.google.com", true},
		{"c_1888abc@resource.calendar.google.com", true},
		{"support@vendor.example", true},
		{"billing@vendor.example", true},
		{"reply+AAB3@reply.github.com", true},
		// people, and role-looking addresses that often are one person
		{"bob@acme.com", false},
		{"info@smallstudio.example", false},
		{"hello@janedoe.design", false},
		{"contact@freelancer.example", false},
		{"sales@acme.com", false},
		{"nora.eply@x.com", false},
		{"bouncy.castle@x.com", false},
	}
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			if got := IsRobot(tt.email); got != tt.robot {
				t.Errorf("IsRobot(%q) = %v, want %v", tt.email, got, tt.robot)
			}
		})
	}
}

// A robot never becomes a contact, whatever the exchange.
func TestRobotsNeverContacts(t *testing.T) {
	for _, who := range []string{"noreply@github.com", "calendar-notification@google.com", "room-1@resource.calendar.google.com", "support@vendor.example"} {
		t.Run(who, func(t *testing.T) {
			b := build(Options{IncludeOneWay: true}, exchange(1, who), exchange(20, who))
			if c := find(b.Contacts(day(60)), who); c != nil {
				t.Errorf("robot %s is a contact: %+v", who, c)
			}
		})
	}
}

func TestOwnAddresses(t *testing.T) {
	meList := []string{"Jane@Example.com", "jane.doe@gmail.com", "*@jane.dev"}
	tests := []struct {
		email string
		mine  bool
	}{
		{"jane@example.com", true},
		{"JANE@EXAMPLE.COM", true},
		{"jane+news@example.com", true},
		{"jane+a+b@example.com", true},
		{"janedoe@gmail.com", true},
		{"jane.doe+x@googlemail.com", true},
		{"anything@jane.dev", true},
		{"jane@example.org", false},
		{"jane@sub.example.com", false},
		{"janex@example.com", false},
		{"+jane@example.com", false},
	}
	b := NewBuilder(Options{Me: meList})
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			got := b.addrs[b.addr(tt.email)].kind == kindMe
			if got != tt.mine {
				t.Errorf("%s mine = %v, want %v", tt.email, got, tt.mine)
			}
		})
	}
	// Mail between the user's own addresses makes no contact, and a copy
	// of the user's message to an alias does not dilute the recipient.
	t.Run("alias traffic", func(t *testing.T) {
		b := build(Options{Me: meList, IncludeOneWay: true},
			one(msg(day(1), "jane+x@example.com", "janedoe@gmail.com"),
				msg(day(2), "janedoe@gmail.com", "jane@example.com"),
				msg(day(3), "jane@example.com", "bob@acme.com", "jane+sent@example.com"),
				msg(day(4), "bob@acme.com", "jane.doe@gmail.com")))
		cs := b.Contacts(day(10))
		if len(cs) != 1 || cs[0].Key != "bob@acme.com" {
			t.Fatalf("contacts %v, want only bob", keys(cs))
		}
		if cs[0].SentWeight != 1 {
			t.Errorf("bob's sent weight %v, want 1", cs[0].SentWeight)
		}
	})
}

func TestIgnoreGlobs(t *testing.T) {
	m := newMatcher([]string{"*@linkedin.com", "example.net", "bob@x.org", "@spam.example", "*.mktg.*", "team-?@acme.com"}, false)
	tests := []struct {
		email string
		match bool
	}{
		{"jobs@linkedin.com", true},
		{"jobs@e.linkedin.com", false}, // an address glob is literal
		{"anna@example.net", true},
		{"anna@mail.example.net", true},
		{"anna@badexample.net", false},
		{"bob@x.org", true},
		{"bobby@x.org", false},
		{"x@spam.example", true},
		{"x@a.spam.example", true},
		{"x@news.mktg.acme.com", true},
		{"team-1@acme.com", true},
		{"team-12@acme.com", false},
		{"alice@acme.com", false},
	}
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			if got := m.match(tt.email, canonical(tt.email)); got != tt.match {
				t.Errorf("match(%q) = %v, want %v", tt.email, got, tt.match)
			}
		})
	}
	t.Run("ignored address is never a contact", func(t *testing.T) {
		b := build(Options{Ignore: []string{"x.org"}, IncludeOneWay: true}, exchange(1, "bob@x.org"), exchange(2, "amy@y.org"), exchange(3, "amy@y.org"))
		if cs := b.Contacts(day(5)); len(cs) != 1 || cs[0].Key != "amy@y.org" {
			t.Errorf("contacts %v, want only amy", keys(cs))
		}
	})
}

func TestOverrideIgnore(t *testing.T) {
	for _, key := range []string{"bob@acme.com", "BOB@ACME.COM", "bob@home.example"} {
		t.Run(key, func(t *testing.T) {
			b := build(Options{
				Merges:    [][]string{{"bob@acme.com", "bob@home.example"}},
				Overrides: map[string]Override{key: {Ignore: true}},
			}, exchange(1, "bob@acme.com"), exchange(2, "bob@home.example"), exchange(3, "amy@y.org"), exchange(4, "amy@y.org"))
			if cs := b.Contacts(day(30)); len(cs) != 1 || cs[0].Key != "amy@y.org" {
				t.Errorf("contacts %v, want only amy", keys(cs))
			}
			f := b.Followups(day(30), 0)
			for _, x := range append(f.AwaitingReply, f.OwesReply...) {
				if x.Key != "amy@y.org" {
					t.Errorf("follow-up for an ignored contact: %+v", x)
				}
			}
		})
	}
}

// How a message is shared among its recipients.
func TestRecipientWeights(t *testing.T) {
	others := func(n int) []string {
		var s []string
		for i := range n {
			s = append(s, string(rune('a'+i))+"@other.example")
		}
		return s
	}
	tests := []struct {
		name     string
		m        *Mail
		sentW    float64 // bob's weight from this one message from the user
		recvW    float64 // bob's weight from this one message to the user
		received bool
	}{
		{"to bob alone", msg(day(5), me, "bob@acme.com"), 1, 0, false},
		{"to bob and one other", msg(day(5), me, append(others(1), "bob@acme.com")...), 0.5, 0, false},
		{"to bob and three others", msg(day(5), me, append(others(3), "bob@acme.com")...), 0.25, 0, false},
		{"bob in Cc of two", msg(day(5), me, others(1)...).cc("bob@acme.com"), 0.25, 0, false},
		{"bob in To and Cc counts once, as To", msg(day(5), me, "bob@acme.com").cc("bob@acme.com"), 1, 0, false},
		{"user's own address among recipients is not counted", msg(day(5), me, "bob@acme.com", "jane+cc@example.com"), 1, 0, false},
		{"fifteen recipients still count", msg(day(5), me, append(others(14), "bob@acme.com")...), 1.0 / 15, 0, false},
		{"sixteen recipients are an announcement", msg(day(5), me, append(others(15), "bob@acme.com")...), 0, 0, false},
		{"from bob to the user alone", msg(day(5), "bob@acme.com", me), 0, 1, true},
		{"from bob to the user and one other", msg(day(5), "bob@acme.com", me, "x@other.example"), 0, 0.5, true},
		{"from bob, user only in Cc", msg(day(5), "bob@acme.com", "x@other.example").cc(me), 0, 0.25, true},
		{"from bob, user neither in To nor Cc", msg(day(5), "bob@acme.com", "all@acme.com"), 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A baseline so bob is two-way: 1 sent, 2 received.
			base := append(exchange(0, "bob@acme.com"), msg(day(0.5), "bob@acme.com", me))
			b := build(Options{}, base, one(tt.m))
			c := mustFind(t, b.Contacts(day(10)), "bob@acme.com")
			if !near(c.SentWeight, round(1+tt.sentW, 3)) {
				t.Errorf("sent weight %v, want %v", c.SentWeight, 1+tt.sentW)
			}
			if !near(c.ReceivedWeight, round(2+tt.recvW, 3)) {
				t.Errorf("received weight %v, want %v", c.ReceivedWeight, 2+tt.recvW)
			}
		})
	}
}

// Mail from robots, the user's aliases and ignored addresses leaves no
// trace; an undated message is dropped.
func TestDroppedMail(t *testing.T) {
	b := build(Options{}, exchange(1, "bob@acme.com"), exchange(3, "bob@acme.com"), one(
		&Mail{Header: rekindle.Header{From: parseAddrs([]string{"bob@acme.com"}), To: parseAddrs([]string{me})}},
		msg(time.Time{}, "bob@acme.com", me),
	))
	c := mustFind(t, b.Contacts(day(10)), "bob@acme.com")
	if c.Received != 2 {
		t.Errorf("undated mail counted: received %d", c.Received)
	}
	// When falls back to Date.
	m := msg(time.Time{}, "bob@acme.com", me)
	m.Date = day(2)
	b.Add(m)
	if c := mustFind(t, b.Contacts(day(10)), "bob@acme.com"); c.Received != 3 || !c.LastContact.Equal(day(3).Add(time.Hour)) {
		t.Errorf("mail with only a Date header: received %d, last %v", c.Received, c.LastContact)
	}
}

// rekindle's own digests are never conversation, whoever they name.
func TestDigests(t *testing.T) {
	const bob = "bob@acme.com"
	digest := func(m *Mail) *Mail {
		return m.with(func(h *rekindle.Header) { h.AutoSubmitted = "auto-generated" }) // as rekindle sends them
	}
	tests := []struct {
		name string
		mail []*Mail
		sent int // bob's sent count after the base's 2
	}{
		{"digest to the user", one(digest(msg(day(20), me, me))), 2},
		{"digest sent to a contact by mistake", one(digest(msg(day(20), me, bob))), 2},
		{"digest forwarded by the user, header kept", one(digest(msg(day(20), me, bob).subj("Fwd: rekindle"))), 2},
		// Its X-Rekindle-Digest is not fetched: a message from the user to
		// the user, which counts for nobody.
		{"digest of an older rekindle, without Auto-Submitted", one(msg(day(20), me, me).subj("rekindle: 3 people")), 2},
		{"the user's own mail to bob", one(msg(day(20), me, bob)), 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := build(Options{}, exchange(1, bob), exchange(2, bob), tt.mail)
			cs := b.Contacts(day(30))
			if c := mustFind(t, cs, bob); c.Sent != tt.sent {
				t.Errorf("sent %d, want %d", c.Sent, tt.sent)
			}
			if find(cs, me) != nil {
				t.Errorf("the user is a contact")
			}
		})
	}
}

// Overrides reach the contact whichever of its addresses they name.
func TestOverrides(t *testing.T) {
	const bob = "bob@acme.com"
	mail := [][]*Mail{exchange(1, bob), exchange(30, "Bob Smith <bob@home.example>"), exchange(31, "Bob Smith <bob@acme.com>")}
	merge := [][]string{{bob, "bob@home.example"}}
	tests := []struct {
		name  string
		ovr   map[string]Override
		check func(c *Contact) bool
	}{
		{"pin by the other address", map[string]Override{"bob@home.example": {Pin: true}}, func(c *Contact) bool { return c.Pinned }},
		{"snooze in the future", map[string]Override{bob: {SnoozeUntil: day(90)}}, func(c *Contact) bool { return c.Snoozed && c.SnoozeUntil.Equal(day(90)) }},
		{"snooze over", map[string]Override{bob: {SnoozeUntil: day(50)}}, func(c *Contact) bool { return !c.Snoozed }},
		{"latest snooze wins", map[string]Override{bob: {SnoozeUntil: day(50)}, "bob@home.example": {SnoozeUntil: day(80)}}, func(c *Contact) bool { return c.Snoozed && c.SnoozeUntil.Equal(day(80)) }},
		{"tags are united and sorted", map[string]Override{bob: {Tags: []string{"work"}}, "BOB@home.example": {Tags: []string{"friend", "work"}}}, func(c *Contact) bool {
			return len(c.Tags) == 2 && c.Tags[0] == "friend" && c.Tags[1] == "work"
		}},
		{"shortest cadence wins", map[string]Override{bob: {Cadence: 60 * 24 * time.Hour}, "bob@home.example": {Cadence: 20 * 24 * time.Hour}}, func(c *Contact) bool {
			return c.CadenceDays == 20 && c.CadenceSource == CadenceOverride
		}},
		{"no override", nil, func(c *Contact) bool { return !c.Pinned && !c.Snoozed && c.Tags == nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustFind(t, build(Options{Overrides: tt.ovr, Merges: merge}, mail...).Contacts(day(60)), bob)
			if !tt.check(c) {
				t.Errorf("contact %+v", *c)
			}
		})
	}
	t.Run("snoozed contacts are listed but not picked", func(t *testing.T) {
		cs := build(Options{Overrides: map[string]Override{bob: {SnoozeUntil: day(200)}}}, exchange(0, bob), exchange(10, bob), exchange(20, bob), exchange(30, bob), exchange(40, bob)).Contacts(day(150))
		if len(cs) != 1 || !cs[0].Snoozed || cs[0].Status == rekindle.StatusWarm {
			t.Fatalf("contacts %+v", cs)
		}
		if ps := Pick(cs, day(150), PickOptions{}); len(ps) != 0 {
			t.Errorf("picked %v", ps[0].Key)
		}
		if ps := Pick(cs, day(201), PickOptions{}); len(ps) != 1 {
			t.Errorf("not picked after the snooze")
		}
	})
}
