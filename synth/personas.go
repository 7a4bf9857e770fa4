package synth

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

func zone(hours, minutes int) *time.Location {
	off := hours*3600 + minutes*60
	if hours < 0 {
		off = hours*3600 - minutes*60
	}
	return time.FixedZone("", off)
}

var (
	marcus = addr{name: "Marcus Chen", email: "marcus.chen@acme-corp.com"}
	raj    = addr{name: "Raj Patel", email: "raj.patel@acme-corp.com"}
	karen  = addr{name: "Karen Whitfield", email: "karen.whitfield@acme-corp.com"}
	dmitri = addr{name: "Dmitri Volkov", email: "dmitri@volkov.dev"}
)

// addPersonas adds the personas every mailbox has, with their sources.
// Their order fixes their random streams, so it must not change with the
// options.
func (g *generator) addPersonas() {
	g.colleagues = g.makeColleagues()
	janeAs := func(a addr) addr { return a }
	plainMe := addr{email: g.me.email}
	firstMe := addr{name: firstName(g.me.name, g.me.email), email: g.me.email}

	// Weekly with Marcus for two years, then nothing for two months.
	lastMarcus := g.at(60, 16, 20, zone(-5, 0))
	g.relationship(relSpec{
		c: &contact{
			key: KeyColleagueQuiet, addrs: []timedAddr{{a: marcus, mailer: mailerOutlook}}, zone: zone(-5, 0),
			hours: hoursWork, jane: g.me, janeAs: janeAs(g.me), ccPool: append([]addr{raj}, g.colleagues[2:8]...),
			ccProb: 0.2, topics: workTopics, contProb: 0.3, fwdProb: 0.05, archive: 0.8,
		},
		kind: KindColleague, status: StatusCold, period: 7 * day, jit: 0.15,
		first: lastMarcus.Add(-730 * day), last: lastMarcus, lastJane: true, lastK: 2,
		note: "weekly colleague for two years who went quiet 60 days ago: cold against a 7-day rhythm; a draft to him sits unsent in Drafts",
	})

	// A monthly mentor, on schedule.
	g.relationship(relSpec{
		c: &contact{
			key: KeyMentor, addrs: []timedAddr{{a: addr{name: "Dr. Priya Raman", email: "priya@raman-consulting.com"}, mailer: mailerFastmail}},
			zone: zone(0, 0), hours: hoursAny, jane: g.me, janeAs: firstMe, topics: mentorTopics, contProb: 0.2, archive: 0.6,
		},
		kind: KindMentor, status: StatusWarm, period: 30 * day, jit: 0.12,
		first: g.start, last: g.at(10, 18, 5, zone(0, 0)), lastJane: false, lastK: 2,
		note: "monthly mentor, last exchange 10 days ago: warm",
	})

	// A friend the user writes to on his birthday, at her alias.
	g.yearlyFriend()

	// A close friend, silent for fourteen months.
	g.relationship(relSpec{
		c: &contact{
			key: KeyFriendDormant, addrs: []timedAddr{{a: addr{name: "Sarah O'Connor", email: "sarah.oconnor@fastmail.com"}, mailer: mailerFastmail}},
			zone: zone(0, 0), hours: hoursEvening, jane: g.me, janeAs: firstMe, topics: friendTopics, contProb: 0.35, fwdProb: 0.05, archive: 0.7,
		},
		kind: KindFriend, status: StatusDormant, period: 9 * day, jit: 0.3,
		first: g.start, last: g.at(426, 21, 40, g.myZone), lastJane: true, lastK: 2,
		note: "close friend (every ~9 days) silent for 14 months: dormant",
	})

	// Every three weeks, silent for fifty days; German Outlook.
	g.relationship(relSpec{
		c: &contact{
			key: KeyContactCooling, addrs: []timedAddr{{a: addr{name: "Lukas Becker", email: "Lukas.Becker@Becker-Design.de"}, mailer: mailerOutlook}},
			zone: zone(1, 0), hours: hoursWork, lang: "de", jane: g.me, janeAs: plainMe, topics: designTopics, contProb: 0.4, fwdProb: 0.08, archive: 0.9,
		},
		kind: KindContact, status: StatusCooling, period: 21 * day, jit: 0.12,
		first: g.start, last: g.at(50, 11, 15, zone(1, 0)), lastJane: false, lastK: 2,
		note: "freelance designer with a ~21-day rhythm, silent 50 days: cooling; writes AW:/WG: subjects and a mixed-case address",
	})

	// A recruiter who wrote once; the user declined once.
	r := g.rng()
	rec := &contact{
		key: KeyRecruiter, addrs: []timedAddr{{a: addr{name: "Ashley Morgan", email: "ashley.morgan@talentbridge-recruiting.com"}, mailer: mailerOutlook}},
		zone: zone(-5, 0), hours: hoursWork, jane: g.me, janeAs: plainMe, topics: []string{"a Senior Backend Engineer role at a Series B fintech"},
		openers: []string{"I came across your profile and think you'd be a great fit for %s. Open to a quick call this week?"},
		replies: []string{"Thanks for thinking of me, but I'm not looking for a new role right now."},
	}
	g.conversation(r, rec, []exchange{{msgs: []plannedMsg{{at: g.at(120, 14, 2, zone(-5, 0))}, {at: g.at(119, 19, 30, g.myZone), jane: true}}}},
		KindRecruiter, "", "recruiter who wrote once; the user declined once: not a relationship", 0, false, false)

	// A recruiter who wrote twice and got no answer.
	r = g.rng()
	rec2 := &contact{
		key: KeyRecruiterIgnored, addrs: []timedAddr{{a: addr{name: "Kevin Brooks", email: "kbrooks@hirestream.io"}, mailer: mailerGmail}},
		zone: zone(-8, 0), hours: hoursWork, jane: g.me, janeAs: firstMe, topics: []string{"a Staff Engineer opening (remote, equity)"},
		openers: []string{"Hope you're well! I'm reaching out about %s. Would love to tell you more."},
	}
	g.conversation(r, rec2, []exchange{
		{msgs: []plannedMsg{{at: g.at(45, 10, 12, zone(-8, 0))}}},
		{msgs: []plannedMsg{{at: g.at(38, 9, 3, zone(-8, 0))}}, cont: true},
	}, KindRecruiter, "", "recruiter who wrote twice and was never answered: not a relationship", 0, false, false)

	// A weekly newsletter.
	g.weeklyNewsletter()

	// GitHub's noreply notifications; the source is added with the bulk.
	g.personas = append(g.personas, &Persona{
		Key: KeyNoReply, Name: "GitHub", Addresses: []string{"noreply@github.com"}, Kind: KindNotification,
		Note: "automated notifications with Auto-Submitted: auto-generated; never a contact",
	})
	// The mailing list; its source is added with the bulk.
	g.personas = append(g.personas, &Persona{
		Key: KeyList, Name: "golang-nuts", Addresses: []string{mailingLists[0].addr}, Kind: KindList,
		Note: "busy list in Lists/golang-nuts (List-Id), delivered to the user's +lists address; many senders, none a contact by virtue of posting",
	})

	// A list member who also writes directly.
	g.relationship(relSpec{
		c: &contact{
			key: KeyListMember, addrs: []timedAddr{{a: dmitri, mailer: mailerFastmail}}, zone: zone(2, 0), hours: hoursAny,
			jane: g.me, janeAs: g.me, topics: listTopics, contProb: 0.3, archive: 0.5,
		},
		kind: KindContact, status: StatusWarm, period: 14 * day, jit: 0.25,
		first: g.start.Add(90 * day), last: g.at(5, 13, 40, zone(2, 0)), lastJane: false, lastK: 2,
		note: "posts on golang-nuts (and Cc's the user there when answering her posts) and writes to her directly every ~2 weeks: warm; only the direct mail makes the relationship",
	})

	// Someone who moved from an employer address to a personal one.
	elenaOld := addr{name: "Elena Petrova", email: "elena.petrova@globex.com"}
	elenaNew := addr{name: "Elena Petrova", email: "elena.petrova@posteo.de"}
	g.relationship(relSpec{
		c: &contact{
			key: KeyTwoAddresses, addrs: []timedAddr{{a: elenaOld, mailer: mailerOutlook}, {since: g.now.Add(-365 * day), a: elenaNew, mailer: mailerThunderbird}},
			zone: zone(2, 0), hours: hoursAny, jane: g.me, janeAs: g.me, topics: append(workTopics[:6:6], friendTopics[:4]...),
			contProb: 0.45, archive: 0.7,
		},
		kind: KindContact, status: StatusWarm, period: 14 * day, jit: 0.2,
		first: g.start, last: g.at(12, 19, 10, zone(2, 0)), lastJane: false, lastK: 3, contAfter: g.now.Add(-365 * day),
		note: "one person, two addresses: her employer address until a year ago, her personal one since, same name; threads carry on across the change",
	})

	// The user's own alias and plus-addresses.
	g.selfNotes()

	// The colleague the user wrote to yesterday.
	g.relationship(relSpec{
		c: &contact{
			key: KeyColleagueYesterday, addrs: []timedAddr{{a: raj, mailer: mailerOutlook}}, zone: zone(5, 30), hours: hoursWork,
			jane: g.me, janeAs: g.me, ccPool: g.colleagues[8:14], ccProb: 0.15, topics: workTopics, contProb: 0.3, archive: 0.8,
		},
		kind: KindColleague, status: StatusWarm, period: 5 * day, jit: 0.3,
		first: g.now.Add(-250 * day), last: g.at(1, 15, 10, g.myZone), lastJane: true, lastK: 2,
		note: "colleague the user wrote to yesterday: warm, must never be suggested",
	})

	// Quarterly all-hands mail to 40 people, the user in Cc.
	g.announcements()

	// Earlier rekindle digests.
	g.digests()

	// The user wrote 8 days ago and has had no answer.
	g.relationship(relSpec{
		c: &contact{
			key: KeyAwaitingReply, addrs: []timedAddr{{a: addr{name: "Hannah Schmidt", email: "hannah.schmidt@cs.uni-example.edu"}, mailer: mailerApple}},
			zone: zone(-5, 0), hours: hoursWork, jane: g.me, janeAs: firstMe, topics: academicTopics, contProb: 0.2, archive: 0.6,
		},
		kind: KindContact, status: StatusWarm, period: 30 * day, jit: 0.15,
		first: g.start, last: g.at(8, 10, 30, g.myZone), lastJane: true, lastK: 1, lastFresh: true, awaiting: true,
		note: "monthly academic collaborator; the user asked her something 8 days ago and is awaiting a reply",
	})

	// A contact wrote directly 7 days ago; the user has not answered.
	g.relationship(relSpec{
		c: &contact{
			key: KeyOwingReply, addrs: []timedAddr{{a: addr{name: "Omar Haddad", email: "omar@haddad.io"}, mailer: mailerGmail}},
			zone: zone(4, 0), hours: hoursWork, jane: g.me, janeAs: firstMe, topics: workTopics, contProb: 0.25, archive: 0.7,
		},
		kind: KindContact, status: StatusWarm, period: 20 * day, jit: 0.15,
		first: g.start, last: g.at(7, 9, 45, zone(4, 0)), lastJane: false, lastK: 1, lastFresh: true, owes: true,
		note: "former colleague with a ~20-day rhythm who asked the user something directly 7 days ago: she owes a reply",
	})

	g.drafts()
}

// yearlyFriend: the user wishes Tomás a happy birthday every year from her
// alias, and they exchange a message or two.
func (g *generator) yearlyFriend() {
	r := g.rng()
	jane := g.me
	if g.alias.email != "" {
		jane = g.alias
	}
	c := &contact{
		key: KeyFriendYearly, addrs: []timedAddr{{a: addr{name: "Tomás Álvarez", email: "tomas.alvarez@gmail.com"}, mailer: mailerGmail}},
		zone: zone(-3, 0), hours: hoursEvening, jane: jane, janeAs: jane, topics: []string{"Feliz cumpleaños, Tomás! 🎂"},
		janeOpens:    []string{"Happy birthday! I hope the year ahead is a wonderful one. How are you all doing?", "Feliz cumpleaños! Thinking of you today. What are you up to these days?"},
		theirReplies: []string{"Thank you so much! All good here, the kids are growing fast. And you?", "Gracias! What a lovely surprise. We should really catch up properly."},
		replies:      []string{"So glad to hear it. Let's not wait a whole year next time!", "Ha! Same to you. Big hug to everyone."},
	}
	var plan []exchange
	for b := g.now.Add(-335 * day); !b.Before(g.start.Add(day)); b = b.AddDate(-1, 0, 0) {
		t0 := g.clock(r, b, g.myZone, hoursAny)
		msgs := []plannedMsg{{at: t0, jane: true}, {at: t0.Add(between(r, 5*time.Hour, 14*time.Hour))}}
		if chance(r, 0.6) {
			msgs = append(msgs, plannedMsg{at: msgs[1].at.Add(between(r, 10*time.Hour, 30*time.Hour)), jane: true})
		}
		plan = append([]exchange{{msgs: msgs, fresh: true}}, plan...)
	}
	g.conversation(r, c, plan, KindFriend, StatusWarm,
		"old friend: birthday wishes and a reply once a year, last ~11 months ago: warm for a yearly rhythm; writes to the user's alias", 365*day, false, false)
}

// weeklyNewsletter is the newsletter persona: every Tuesday morning.
func (g *generator) weeklyNewsletter() {
	r := g.rng()
	nl := newsletters[0]
	from := addr{name: nl.name, email: nl.addr}
	unsub := "<mailto:unsubscribe@" + nl.domain + "?subject=unsubscribe>, <https://" + nl.domain + "/u/" + randAlnum(r, 16) + ">"
	var msgs []*msg
	issue := 1
	t := g.start
	for t.Weekday() != time.Tuesday {
		t = t.Add(day)
	}
	for t = t.Add(6 * time.Hour); t.Before(g.now); t = t.Add(7 * day) {
		d := t.Add(between(r, 0, 20*time.Minute))
		m := &msg{
			folder: FolderInbox, date: d.In(zone(-5, 0)), internal: d.Add(deliver(r)), from: []addr{from}, to: []addr{{email: g.me.email}},
			subject: fmt.Sprintf(nl.subject, issue), id: messageID(r, mailerService, nl.domain, d), listUnsub: unsub,
			precedence: "bulk", inbound: true, mailer: mailerService, persona: KeyNewsletter,
			listID: "<weekly." + nl.domain + ">",
			body:   "This week: five stories worth your time.\n\nRead online: https://" + nl.domain + "/issues/" + fmt.Sprint(issue) + "\n\nUnsubscribe: https://" + nl.domain + "/u",
		}
		if chance(r, 0.55) || g.now.Sub(d) > 60*day && chance(r, 0.5) {
			m.flags = []string{`\Seen`}
		}
		msgs = append(msgs, m)
		issue++
	}
	g.addFixed(r, msgs)
	g.personas = append(g.personas, &Persona{
		Key: KeyNewsletter, Name: nl.name, Addresses: []string{nl.addr}, Kind: KindNewsletter,
		Note: "weekly newsletter: List-Unsubscribe, Precedence: bulk; never a contact",
	})
}

// selfNotes: mail from the user's alias to her main address, in Sent and
// in INBOX with the same Message-ID.
func (g *generator) selfNotes() {
	r := g.rng()
	addrs := []string{}
	if g.alias.email != "" {
		addrs = append(addrs, g.alias.email)
	}
	addrs = append(addrs, g.plus.email, g.shop.email)
	g.personas = append(g.personas, &Persona{
		Key: KeySelf, Name: g.me.name, Addresses: addrs, Kind: KindSelf,
		Note: "the user's own alias and plus-addresses: notes to self from the alias, list mail to +lists, shopping to +shop; never a contact",
	})
	if g.alias.email == "" {
		return
	}
	notes := []string{"Note to self: renew passport", "links for later", "Fwd: flight confirmation", "ideas for the talk", "Note to self: call the dentist", "reading list"}
	var msgs []*msg
	for t := g.start.Add(between(r, 0, 30*day)); t.Before(g.now.Add(-2 * day)); t = t.Add(jitter(r, 30*day, 0.5)) {
		d := g.clock(r, t, g.myZone, hoursAny)
		subj := pick(r, notes)
		id := messageID(r, mailerThunderbird, g.alias.domain(), d)
		body := "- " + pick(r, middles) + "\n- https://example.net/" + randAlnum(r, 8) + "\n"
		sent := &msg{folder: FolderSent, flags: []string{`\Seen`}, date: d, internal: d, from: []addr{g.alias}, to: []addr{g.me},
			subject: subj, id: id, mailer: mailerThunderbird, body: body, persona: KeySelf}
		in := *sent
		in.folder, in.inbound, in.deliveredTo, in.noAllMail = FolderInbox, true, g.me.email, true
		in.internal = d.Add(deliver(r))
		msgs = append(msgs, sent, &in)
	}
	g.addFixed(r, msgs)
}

// makeColleagues returns 40 Acme staff; Marcus and Raj are among them.
func (g *generator) makeColleagues() []addr {
	r := rand.New(rand.NewPCG(g.opts.Seed, 0xac3e))
	out := []addr{marcus, raj}
	seen := map[string]bool{marcus.email: true, raj.email: true, karen.email: true}
	for len(out) < 40 {
		n := pick(r, firstNames) + " " + pick(r, lastNames)
		e := emailLocal(n, r) + "@acme-corp.com"
		if seen[e] {
			continue
		}
		seen[e] = true
		out = append(out, addr{name: n, email: e})
	}
	return out
}

// announcements: Karen's quarterly all-hands mail to 25 people with 15 in
// Cc, the user among them, and one reply-all each time.
func (g *generator) announcements() {
	r := g.rng()
	var msgs []*msg
	to := g.colleagues[:25]
	cc := append(append(append([]addr{}, g.colleagues[25:32]...), g.me), g.colleagues[32:39]...)
	q := 1
	for t := g.start.Add(40 * day); t.Before(g.now.Add(-3 * day)); t = t.Add(91 * day) {
		d := g.clock(r, t, zone(-5, 0), hoursWork)
		subj := pick(r, announceTopics)
		if strings.Contains(subj, "%d") {
			subj = fmt.Sprintf(subj, q%4+1)
		}
		q++
		id := messageID(r, mailerOutlook, "acme-corp.com", d)
		a := &msg{folder: FolderArchive, flags: []string{`\Seen`}, date: d, internal: d.Add(deliver(r)), from: []addr{karen},
			to: to, cc: cc, subject: subj, id: id, inbound: true, mailer: mailerOutlook, persona: KeyAnnouncement,
			body: "Hi all,\n\nA few updates from the leadership team. Thank you for a great quarter.\n\nKaren"}
		if g.now.Sub(d) < 30*day {
			a.folder = FolderInbox
		}
		msgs = append(msgs, a)
		// A reply-all from someone who is not one of the user's contacts.
		who := g.colleagues[2+r.IntN(37)]
		rd := d.Add(between(r, 30*time.Minute, 5*time.Hour))
		rto := append([]addr{karen}, without(to, who)...)
		reply := &msg{folder: a.folder, flags: []string{`\Seen`}, date: rd, internal: rd.Add(deliver(r)), from: []addr{who},
			to: rto, cc: without(cc, who), subject: "Re: " + subj, id: messageID(r, mailerOutlook, "acme-corp.com", rd),
			inReplyTo: id, refs: []string{id}, inbound: true, mailer: mailerOutlook, persona: KeyAnnouncement,
			body: "Congratulations everyone, well deserved!\n\n" + firstName(who.name, who.email)}
		msgs = append(msgs, reply)
	}
	g.addFixed(r, msgs)
	g.personas = append(g.personas, &Persona{
		Key: KeyAnnouncement, Name: karen.name, Addresses: []string{karen.email}, Kind: KindAnnouncement,
		Note: "CEO's quarterly announcements to 40 people with the user in Cc, each with a reply-all from a colleague: no relationship with anyone",
	})
}

func without(as []addr, x addr) []addr {
	out := make([]addr, 0, len(as))
	for _, a := range as {
		if a.email != x.email {
			out = append(out, a)
		}
	}
	return out
}

// digests: rekindle's digests of the last week, from the user to herself,
// with the headers rekindle gives them: Auto-Submitted, X-Rekindle-Digest.
func (g *generator) digests() {
	r := g.rng()
	var msgs []*msg
	for i := 7; i >= 0; i-- {
		local := g.now.Add(-time.Duration(i) * day).In(g.myZone)
		d := time.Date(local.Year(), local.Month(), local.Day(), 7, 0, 3, 0, g.myZone)
		if d.After(g.now) {
			continue
		}
		m := &msg{folder: FolderInbox, date: d, internal: d.Add(deliver(r)), from: []addr{g.me}, to: []addr{g.me},
			subject: "rekindle: 3 people worth reconnecting with today", id: messageID(r, mailerGeneric, g.myDomain, d),
			autoSub: "auto-generated", digest: d.Format("2006-01-02"), inbound: true, deliveredTo: g.me.email, mailer: mailerGeneric, persona: KeyDigest,
			body: "Good morning!\n\n1. Marcus Chen: you used to write weekly; it has been a while.\n   Draft: \"Hi Marcus, how have you been?\"\n2. Lukas Becker\n3. Dr. Priya Raman\n\n-- \nrekindle"}
		if i > 0 {
			m.flags = []string{`\Seen`}
		}
		msgs = append(msgs, m)
	}
	g.addFixed(r, msgs)
	g.personas = append(g.personas, &Persona{
		Key: KeyDigest, Name: g.me.name, Addresses: []string{g.me.email}, Kind: KindDigest,
		Note: "rekindle's own digests (Auto-Submitted: auto-generated), from the user to herself: never conversation",
	})
}

// drafts: two unsent drafts, one to the colleague who went quiet. Drafts
// are not exchanges and carry no persona.
func (g *generator) drafts() {
	r := g.rng()
	d1 := g.at(20, 22, 14, g.myZone)
	d2 := g.at(95, 23, 2, g.myZone)
	g.addFixed(r, []*msg{
		{folder: FolderDrafts, flags: []string{`\Draft`, `\Seen`}, date: d1, internal: d1, from: []addr{g.me}, to: []addr{marcus},
			subject: "Long time no talk", id: messageID(r, mailerThunderbird, g.myDomain, d1), mailer: mailerThunderbird,
			body: "Hi Marcus,\n\nIt's been a while! How are things on the platform team?\n"},
		{folder: FolderDrafts, flags: []string{`\Draft`, `\Seen`}, date: d2, internal: d2, from: []addr{g.me},
			to: []addr{{name: "Sarah O'Connor", email: "sarah.oconnor@fastmail.com"}}, subject: "thinking of you",
			id: messageID(r, mailerThunderbird, g.myDomain, d2), mailer: mailerThunderbird, body: "Sarah,\n\nI saw a photo of the cabin today and\n"},
	})
}

// addFillers adds ordinary correspondents, more of them for bigger
// mailboxes, each with a rhythm and a status chosen well clear of any
// threshold.
func (g *generator) addFillers() {
	n := min(max(g.opts.Messages/800, 4), 400)
	r := rand.New(rand.NewPCG(g.opts.Seed, 0xf111e7))
	seen := map[string]bool{}
	for _, p := range g.personas {
		for _, a := range p.Addresses {
			seen[a] = true
		}
	}
	zones := []*time.Location{zone(0, 0), zone(1, 0), zone(2, 0), zone(-5, 0), zone(-8, 0), zone(5, 30), zone(8, 0), zone(9, 0), zone(-3, 0), zone(10, 0)}
	periods := []time.Duration{6 * day, 10 * day, 14 * day, 21 * day, 30 * day, 45 * day, 60 * day, 90 * day}
	for i := range n {
		name := pick(r, firstNames) + " " + pick(r, lastNames)
		var domain string
		work := chance(r, 0.4)
		if work {
			domain = pick(r, companyWords) + pick(r, companySuffixes) + pick(r, companyTLDs)
		} else {
			domain = pick(r, personalDomains)
		}
		email := emailLocal(name, r) + "@" + domain
		for seen[email] {
			email = emailLocal(name, r) + fmt.Sprint(r.IntN(100)) + "@" + domain
		}
		seen[email] = true
		c := &contact{
			key: fmt.Sprintf("filler-%d", i), addrs: []timedAddr{{a: addr{name: name, email: email}, mailer: mailerFor(r, domain)}},
			zone: pick(r, zones), hours: hoursAny, jane: g.me, janeAs: g.me, topics: friendTopics,
			contProb: 0.3, fwdProb: 0.04, archive: r.Float64(),
		}
		if work {
			c.hours, c.topics = hoursWork, workTopics
		}
		if chance(r, 0.1) && g.alias.email != "" {
			c.jane, c.janeAs = g.alias, g.alias
		}
		spec := relSpec{c: c, kind: KindContact, jit: 0.25, lastJane: chance(r, 0.5), lastK: 2}
		period := pick(r, periods)
		bucket := r.IntN(100)
		var silence time.Duration
		switch {
		case bucket < 45:
			spec.status, silence = StatusWarm, time.Duration(float64(period)*(0.1+0.7*r.Float64()))
		case bucket < 60:
			period = min(period, 45*day)
			spec.status, silence = StatusCooling, time.Duration(float64(period)*(2.2+0.6*r.Float64()))
		case bucket < 75:
			period = min(period, 30*day)
			spec.status, silence = StatusCold, time.Duration(float64(period)*(6+3*r.Float64()))
		case bucket < 90:
			period = min(period, 30*day)
			spec.status, silence = StatusDormant, between(r, 420*day, 640*day)
		default:
			spec.kind, spec.oneWay = KindOneWay, 1+r.IntN(2)
			period = 60 * day
			silence = between(r, 5*day, 200*day)
		}
		last := g.now.Add(-silence)
		first := last.Add(-between(r, 180*day, 2*365*day))
		if first.Before(g.start) {
			first = g.start
		}
		if last.Sub(first) < 6*period && spec.oneWay == 0 {
			// Not enough history for this status: make it a warm one.
			spec.status, period = StatusWarm, 10*day
			last, first = g.now.Add(-between(r, day, 7*day)), g.start
		}
		spec.period = period
		spec.last = g.clock(r, last, c.zone, c.hours)
		if spec.lastJane {
			spec.last = g.clock(r, last, g.myZone, c.hours)
		}
		spec.first = first
		note := "ordinary two-way correspondent"
		if spec.oneWay == 1 {
			note = "writes to the user now and then; she never answers: not a relationship"
		} else if spec.oneWay == 2 {
			note = "the user writes now and then; they never answer: not a relationship"
		}
		spec.note = note
		p := g.relationship(spec)
		if spec.oneWay != 0 {
			p.Rhythm = 0
		}
	}
}

var squash = strings.NewReplacer(" ", "", "'", "")

// emailLocal makes the local part of an address from a name.
func emailLocal(name string, r *rand.Rand) string {
	first, last, _ := strings.Cut(fold(name), " ")
	last = squash.Replace(last)
	switch r.IntN(5) {
	case 0:
		return first + "." + last
	case 1:
		return first[:1] + last
	case 2:
		return first + last
	case 3:
		return first + "_" + last
	}
	return first + "." + last
}

// fold lowercases a name and strips its accents for an address.
func fold(s string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(s) {
		switch {
		case c < 0x80:
			b.WriteRune(c)
		case strings.ContainsRune("àáâãäåā", c):
			b.WriteByte('a')
		case strings.ContainsRune("çć", c):
			b.WriteByte('c')
		case strings.ContainsRune("èéêëē", c):
			b.WriteByte('e')
		case strings.ContainsRune("ìíîïı", c):
			b.WriteByte('i')
		case strings.ContainsRune("òóôõöøō", c):
			b.WriteByte('o')
		case strings.ContainsRune("ùúûüū", c):
			b.WriteByte('u')
		case c == 'ñ' || c == 'ń':
			b.WriteByte('n')
		case c == 'ß':
			b.WriteString("ss")
		case c == 'ł':
			b.WriteByte('l')
		case c == 'æ':
			b.WriteString("ae")
		}
	}
	return b.String()
}

// mailerFor guesses the mail software behind a domain.
func mailerFor(r *rand.Rand, domain string) mailer {
	switch {
	case domain == "gmail.com":
		return mailerGmail
	case strings.HasPrefix(domain, "outlook.") || strings.HasPrefix(domain, "hotmail."):
		return mailerOutlook
	case domain == "icloud.com" || domain == "me.com":
		return mailerApple
	case domain == "fastmail.com":
		return mailerFastmail
	case strings.Contains(domain, "."):
		return []mailer{mailerGmail, mailerOutlook, mailerGeneric, mailerThunderbird, mailerApple}[r.IntN(5)]
	}
	return mailerGeneric
}
