package relationship

import (
	"slices"
	"strings"
	"testing"

	"github.com/rekindle/rekindle"
)

func TestNameKey(t *testing.T) {
	tests := []struct {
		a, b string
		same bool
	}{
		{"Jane Doe", "jane doe", true},
		{"Jane Doe", "Doe, Jane", true},
		{"Jane Doe", `"Jane Doe"`, true},
		{"Jane Doe", "'Jane Doe'", true},
		{"Zoë Müller", "Zoe Muller", true},
		{"Zoë Müller", "ZOË MÜLLER", true},
		{"Zoe\u0308 Mu\u0308ller", "Zoe Muller", true}, // decomposed accents
		{"Jane Doe (Acme)", "Jane Doe", true},
		{"Jane  Doe", "Jane Doe", true},
		{"Seán O'Brien", "Sean OBrien", true},
		{"Gerta Rücker", "Gerta Ruecker", true}, // German without umlauts
		{"Gerta Rücker", "Gerta Rucker", true},
		{"Gerta Ruecker", "Gerta Rucker", false}, // neither has the umlaut that says which
		{"Gerta Ru\u0308cker", "Gerta Ruecker", true},
		{"GERTA RU\u0308CKER", "Gerta Ruecker", true},
		{"Gerta Ru\u0308\u0308cker", "Gerta Ruecker", true}, // one umlaut, however many marks
		{"Gerta Ru \u0308cker", "Gerta Ru ecker", false},    // a mark on no letter is no umlaut
		{"Tina Dudenhöffer", "TINA DUDENHOEFFER", true},
		{"Jürgen Gräßle", "Juergen Graessle", true},
		{"Michael Kay", "Michal Kay", false}, // ASCII names are never rewritten
		{"Dr. Guido Schwarzer", "Guido Schwarzer", true},
		{"Prof. Dr. Martin Brunner", "Martin Brunner", true},
		{"Jane Doe, PhD", "Jane Doe", true},
		{"Mrs Jane Doe", "Jane Doe", true},
		{"Dr. Doe", "Doe", false}, // a title and one name: too weak
		{"Md Abdul Karim", "Abdul Karim", false},
		{"Jane Doe", "Jane Dow", false},
		{"Jane Doe", "Jane Q. Doe", false},
		{"Jane", "Jane", false}, // one word is too weak
		{"jane@x.com", "jane@x.com", false},
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.a+"|"+tt.b, func(t *testing.T) {
			ka, aa := nameKey(tt.a)
			kb, ab := nameKey(tt.b)
			if got := sameName(ka, aa, kb, ab); got != tt.same {
				t.Errorf("nameKey(%q) = %q, %q; nameKey(%q) = %q, %q; same = %v, want %v", tt.a, ka, aa, tt.b, kb, ab, got, tt.same)
			}
			if got := sameName(kb, ab, ka, aa); got != tt.same {
				t.Errorf("sameName is not symmetric for %q and %q", tt.a, tt.b)
			}
		})
	}
}

func TestDisplayName(t *testing.T) {
	for in, want := range map[string]string{
		"Doe, Jane":               "Jane Doe",
		`"Doe, Jane"`:             "Jane Doe",
		"Jane Doe, PhD":           "Jane Doe, PhD",
		"Jane Doe":                "Jane Doe",
		"bob@x.com":               "",
		" 'Bob Smith' ":           "Bob Smith",
		"Smith, Jr., Al":          "Smith, Jr., Al",
		"Hanel, Paul H P":         "Paul H P Hanel",
		"Hanel, Paul H. P.":       "Paul H. P. Hanel",
		"Acme, Sales and Service": "Acme, Sales and Service",
	} {
		if got := displayName(in); got != want {
			t.Errorf("displayName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMerge(t *testing.T) {
	// Jane answers from her phone's account in the same thread.
	sameThread := func(nameA, nameB string) []*Mail {
		out := msg(day(1), me, nameA+" <jane@work.example>").subj("plan")
		in := msg(day(2), nameB+" <jane.doe@gmail.com>", me).replyTo(out)
		back := msg(day(3), me, nameB+" <jane.doe@gmail.com>").replyTo(in)
		in2 := msg(day(4), nameA+" <jane@work.example>", me).replyTo(back)
		back2 := msg(day(5), me, nameA+" <jane@work.example>").replyTo(in2)
		in3 := msg(day(6), nameB+" <jane.doe@gmail.com>", me).replyTo(back2)
		return one(out, in, back, in2, back2, in3)
	}
	// Two addresses that never meet in a thread, each in ordinary mail
	// under the names given.
	apart := func(nameA, nameB string) []*Mail {
		return one(
			msg(day(1), me, nameA+" <a@one.example>").subj("a"),
			msg(day(2), nameA+" <a@one.example>", me).subj("b"),
			msg(day(3), me, nameB+" <b@two.example>").subj("c"),
			msg(day(4), nameB+" <b@two.example>", me).subj("d"),
			msg(day(5), me, nameA+" <a@one.example>").subj("e"),
			msg(day(6), me, nameB+" <b@two.example>").subj("f"),
		)
	}
	// The user writes to a new address, which has not answered: its name
	// is the one the user gives it.
	newAddress := one(
		msg(day(1), me, "Jane Doe <jane@old.example>").subj("a"),
		msg(day(2), "Jane Doe <jane@old.example>", me).subj("b"),
		msg(day(8), me, "Jane Doe <jane@new.example>").subj("c"),
	)
	separate := one(
		msg(day(1), me, "Jane Doe <jane@work.example>").subj("a"),
		msg(day(2), "Jane Doe <jane@work.example>", me).subj("b"),
		msg(day(3), me, "Jane Doe <jane.doe@gmail.com>").subj("c"),
		msg(day(4), "Jane Doe <jane.doe@gmail.com>", me).subj("d"),
		msg(day(5), me, "Jane Doe <jane@work.example>").subj("e"),
		msg(day(6), me, "Jane Doe <jane.doe@gmail.com>").subj("f"),
	)
	tests := []struct {
		name   string
		opts   Options
		mail   []*Mail
		groups [][]string
	}{
		{"same name, same thread", Options{}, sameThread("Jane Doe", "Doe, Jane"), [][]string{{"jane.doe@gmail.com", "jane@work.example"}}},
		{"same name with accents and quotes", Options{}, sameThread("Jane Doé", `"jane doe"`), [][]string{{"jane.doe@gmail.com", "jane@work.example"}}},
		{"different names, same thread", Options{}, sameThread("Jane Doe", "J. Doe"), [][]string{{"jane.doe@gmail.com"}, {"jane@work.example"}}},
		{"same name, never in one thread", Options{}, separate, [][]string{{"jane.doe@gmail.com", "jane@work.example"}}},
		{"same name with a title and without umlauts, apart", Options{}, apart("Dr. Gerta Rücker", "Gerta Ruecker"), [][]string{{"a@one.example", "b@two.example"}}},
		{"a new address the user wrote to", Options{IncludeOneWay: true}, newAddress, [][]string{{"jane@new.example", "jane@old.example"}}},
		{"a desk's name, apart", Options{}, apart("Customer Service", "Customer Service"), [][]string{{"a@one.example"}, {"b@two.example"}}},
		{"initials, apart", Options{}, apart("D J", "D. J."), [][]string{{"a@one.example"}, {"b@two.example"}}},
		{"different names, apart", Options{}, apart("Jane Doe", "Jane Dow"), [][]string{{"a@one.example"}, {"b@two.example"}}},
		{"declared split beats names apart", Options{Splits: [][2]string{{"b@two.example", "a@one.example"}}}, apart("Jane Doe", "Jane Doe"), [][]string{{"a@one.example"}, {"b@two.example"}}},
		{"declared merge", Options{Merges: [][]string{{"JANE@work.example", "jane.doe@gmail.com", "unseen@x.org"}}}, separate, [][]string{{"jane.doe@gmail.com", "jane@work.example"}}},
		{"declared split beats names", Options{Splits: [][2]string{{"jane@work.example", "jane.doe@gmail.com"}}}, sameThread("Jane Doe", "Jane Doe"), [][]string{{"jane.doe@gmail.com"}, {"jane@work.example"}}},
		{"declared split beats declared merge", Options{
			Merges: [][]string{{"jane@work.example", "jane.doe@gmail.com"}},
			Splits: [][2]string{{"jane.doe@gmail.com", "jane@work.example"}},
		}, separate, [][]string{{"jane.doe@gmail.com"}, {"jane@work.example"}}},
		{"plus and dot variants are one mailbox", Options{}, one(
			msg(day(1), me, "bob+work@acme.com"), msg(day(2), "bob@acme.com", me),
			msg(day(3), me, "b.o.b@gmail.com"), msg(day(4), "bob@gmail.com", me),
			msg(day(5), me, "bob@acme.com"), msg(day(6), me, "bob@gmail.com"),
		), [][]string{{"b.o.b@gmail.com", "bob@gmail.com"}, {"bob+work@acme.com", "bob@acme.com"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := build(tt.opts, tt.mail).Contacts(day(10))
			var got [][]string
			for _, c := range cs {
				got = append(got, c.Addresses)
			}
			slices.SortFunc(got, func(a, b []string) int { return slices.Compare(a, b) })
			if !slices.EqualFunc(got, tt.groups, func(a, b []string) bool { return slices.Equal(a, b) }) {
				t.Errorf("people %v, want %v", got, tt.groups)
			}
		})
	}
}

// A merged person is two-way even when the user writes to one address and
// they answer from another; Key is the first address seen and Email the
// latest.
func TestMergedContact(t *testing.T) {
	b := build(Options{Merges: [][]string{{"jane@old.example", "jane@new.example"}}}, one(
		msg(day(1), me, "Jane Doe <jane@old.example>"),
		msg(day(100), "Jane Doe <jane@new.example>", me),
		msg(day(101), me, "Jane Doe <jane@new.example>"),
	))
	cs := b.Contacts(day(120))
	if len(cs) != 1 {
		t.Fatalf("contacts %v", keys(cs))
	}
	c := cs[0]
	if !c.TwoWay || c.Key != "jane@old.example" || c.Email != "jane@new.example" || c.Name != "Jane Doe" || c.Sent != 2 || c.Received != 1 {
		t.Errorf("contact %+v", c)
	}
}

func TestCleanSubject(t *testing.T) {
	tests := []struct {
		in, want string
		reply    bool
	}{
		{"Q3 planning", "Q3 planning", false},
		{"Re: Q3 planning", "Q3 planning", true},
		{"RE: RE: Q3 planning", "Q3 planning", true},
		{"AW: WG: Fwd: Q3 planning", "Q3 planning", true},
		{"FW: Sv: Q3 planning", "Q3 planning", true},
		{"[team] Re: [team] Q3 planning", "Q3 planning", true},
		{"Re[2]: Q3 planning", "Q3 planning", true},
		{"Re(3): Q3 planning", "Q3 planning", true},
		{"Re : Q3 planning", "Q3 planning", true},
		{"RE：Q3 planning", "Q3 planning", true},
		{"  Re:   Q3\tplanning  ", "Q3 planning", true},
		{"Re: Q3\u00a0planning", "Q3 planning", true},
		{"Zoë's  party", "Zoë's party", false},
		{"Zoë's party", "Zoë's party", false},
		{"Regarding: Q3", "Regarding: Q3", false},
		{"Rework the plan", "Rework the plan", false},
		{"Fwd", "Fwd", false},
		{"", "", false},
		{"[bracket only", "[bracket only", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, reply := cleanSubject(tt.in)
			if got != tt.want || reply != tt.reply {
				t.Errorf("cleanSubject(%q) = %q, %v; want %q, %v", tt.in, got, reply, tt.want, tt.reply)
			}
		})
	}
}

func TestThreads(t *testing.T) {
	const bob = "bob@acme.com"
	root := msg(day(1), me, bob).subj("Q3 planning")
	tests := []struct {
		name    string
		mail    []*Mail
		threads int
	}{
		{"reply by References", one(root, msg(day(2), bob, me).replyTo(root)), 1},
		{"reply by In-Reply-To only", one(root, msg(day(2), bob, me).subj("Re: Q3 planning").with(func(h *rekindle.Header) { h.InReplyTo = []string{root.MessageID} })), 1},
		{"reply without headers, by subject", one(root, msg(day(2), bob, me).subj("AW: q3 PLANNING")), 1},
		{"same subject, no reply prefix: a new thread", one(root, msg(day(40), bob, me).subj("Q3 planning")), 2},
		{"reply by subject needs the same counterpart", one(root, msg(day(2), bob, me).subj("Re: Q3 planning"), msg(day(3), me, "amy@x.org").subj("Re: Q3 planning"), msg(day(4), "amy@x.org", me).subj("Re: Q3 planning")), 2},
		{"without any id, threaded by subject", one(
			msg(day(1), me, bob).subj("lunch").with(func(h *rekindle.Header) { h.MessageID = "" }),
			msg(day(2), bob, me).subj("Re: lunch").with(func(h *rekindle.Header) { h.MessageID = "" }),
		), 1},
		{"different subjects", one(root, msg(day(2), bob, me).subj("other")), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := build(Options{IncludeOneWay: true}, tt.mail)
			c := mustFind(t, b.Contacts(day(10)), bob)
			if len(b.threads) != tt.threads || c.Threads > tt.threads {
				t.Errorf("%d threads, bob in %d; want %d", len(b.threads), c.Threads, tt.threads)
			}
		})
	}
}

// Addresses that break rekindle.Address's lower-case promise still meet.
func TestAddressNormalised(t *testing.T) {
	b := build(Options{}, one(
		msg(day(1), me, "Bob@Acme.COM"),
		msg(day(2), " bob@acme.com ", "JANE@example.com"),
		msg(day(3), me, "bob@acme.com"),
		msg(day(4), "BOB@ACME.COM", me),
	))
	cs := b.Contacts(day(10))
	if len(cs) != 1 || cs[0].Key != "bob@acme.com" || cs[0].Sent != 2 || cs[0].Received != 2 || len(cs[0].Addresses) != 1 {
		t.Errorf("contacts %+v", cs)
	}
}

// TestNamesFromOthers: a company's headers carry bare addresses; the
// name comes from the person's own From when it has one, else from what
// the user or others call them in To and Cc, else from a first.last
// address.
func TestNamesFromOthers(t *testing.T) {
	const (
		lukas = "lukas.becker@corp.example"
		priya = "p.raman@corp.example"
		ops   = "x7fq2@corp.example"
		anna  = "Anna Berg <anna.berg@corp.example>"
	)
	var mail []*Mail
	for d := 0; d < 4; d++ {
		for _, who := range []string{lukas, priya, ops} {
			mail = append(mail, msg(day(float64(10*d)), me, who), msg(day(float64(10*d)+1), who, me))
		}
	}
	// Anna names Priya in a Cc; the user names ops in To once.
	mail = append(mail, msg(day(5), anna, me).cc("Priya Raman <p.raman@corp.example>"), msg(day(6), me, "Anna Berg <anna.berg@corp.example>"), msg(day(9), anna, me))
	mail = append(mail, msg(day(7), me, "Ops Desk <x7fq2@corp.example>"))
	cs := build(Options{Me: []string{me}}, mail).Contacts(day(60))
	for email, want := range map[string]string{lukas: "Lukas Becker", priya: "Priya Raman", ops: "Ops Desk", "anna.berg@corp.example": "Anna Berg"} {
		if c := mustFind(t, cs, email); c.Name != want {
			t.Errorf("%s named %q, want %q", email, c.Name, want)
		}
	}
	// Their own From wins over what others call them.
	mail = append(mail, msg(day(8), "Pri R. <p.raman@corp.example>", me))
	cs = build(Options{Me: []string{me}}, mail).Contacts(day(60))
	if c := mustFind(t, cs, priya); c.Name != "Pri R." {
		t.Errorf("priya named %q, want her own Pri R.", c.Name)
	}
}

// FuzzNameKey holds nameKey and sameName to what the merge of same-named
// addresses relies on, whatever a display name holds: a key is lower case
// and already its own key; sameName is symmetric, and a name is the same
// as itself in another case or word order.
func FuzzNameKey(f *testing.F) {
	for _, s := range []string{"Jane Doe", "Dr. Gerta Rücker", "Gerta Ruecker", "Ru\u0308cker, Gerta", "Prof. Dr. Martin Brunner", "Jürgen Gräßle", "Customer Service", "D J", "Fatih ÇELİK", "Jane Doe (Acme) [x]", "=?utf-8?q?x?=", "a@b", ""} {
		f.Add(s, "Gerta Ruecker")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ka, aa := nameKey(a)
		kb, ab := nameKey(b)
		if sameName(ka, aa, kb, ab) != sameName(kb, ab, ka, aa) {
			t.Fatalf("sameName not symmetric: %q (%q, %q) and %q (%q, %q)", a, ka, aa, b, kb, ab)
		}
		if ka == "" {
			if aa != "" {
				t.Fatalf("nameKey(%q) = %q, %q: an alt without a key", a, ka, aa)
			}
			return
		}
		if !sameName(ka, aa, ka, aa) {
			t.Fatalf("nameKey(%q) = %q, %q: not the same as itself", a, ka, aa)
		}
		if k, alt := nameKey(ka); k != ka || alt != "" {
			t.Fatalf("nameKey(%q) = %q; its key's key is %q, %q", a, ka, k, alt)
		}
		if aa != "" {
			if k, _ := nameKey(aa); k != aa {
				t.Fatalf("nameKey(%q) alt %q; its key is %q", a, aa, k)
			}
		}
		// Word order: the words of the key reversed are the same name.
		words := strings.Fields(ka)
		slices.Reverse(words)
		if k, _ := nameKey(strings.Join(words, " ")); k != ka {
			t.Fatalf("nameKey(%q) = %q, but its words reversed give %q", a, ka, k)
		}
	})
}
