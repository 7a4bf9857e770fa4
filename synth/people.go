package synth

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// hours is when a person writes.
type hours int

const (
	hoursWork    hours = iota // weekdays, nine to six
	hoursEvening              // six to eleven at night
	hoursAny                  // eight in the morning to eleven at night
)

// timedAddr is an address a person uses from a given time on.
type timedAddr struct {
	since  time.Time
	a      addr
	mailer mailer
}

// contact is a person the user corresponds with.
type contact struct {
	key      string
	addrs    []timedAddr // oldest first
	zone     *time.Location
	hours    hours
	lang     string // "de" writes AW:/WG: subject prefixes
	jane     addr   // the user's address in this relationship
	janeAs   addr   // how they write the user's address
	ccPool   []addr
	ccProb   float64
	topics   []string
	contProb float64 // chance an exchange continues the previous thread
	fwdProb  float64
	archive  float64  // chance old mail of theirs was moved to Archive
	openers  []string // their first messages, with %s for the topic
	replies  []string // the user's replies, when not the usual answers
	// janeOpens and theirReplies replace the usual first message of the
	// user and the usual answers of theirs.
	janeOpens    []string
	theirReplies []string
}

func (c *contact) at(t time.Time) timedAddr {
	cur := c.addrs[0]
	for _, ta := range c.addrs[1:] {
		if !t.Before(ta.since) {
			cur = ta
		}
	}
	return cur
}

func (c *contact) emails() []string {
	var out []string
	for _, ta := range c.addrs {
		out = append(out, strings.ToLower(ta.a.email))
	}
	return out
}

// plannedMsg is one message of an exchange: when, and which way.
type plannedMsg struct {
	at   time.Time
	jane bool
}

// exchange is a short back-and-forth, usually in one thread.
type exchange struct {
	msgs  []plannedMsg
	cont  bool   // must continue the previous thread
	fresh bool   // must start a new thread
	ask   bool   // the first message asks a question
	topic string // for a new thread; a random topic when empty
}

// relSpec describes a rhythmic relationship.
type relSpec struct {
	c            *contact
	kind, status string
	note         string
	period       time.Duration
	jit          float64
	first, last  time.Time // the span of exchanges; last is exact
	lastJane     bool      // who writes the very last message
	lastK        int       // messages in the last exchange; 0 for random
	lastFresh    bool      // the last exchange starts a new thread with a question
	oneWay       int       // 0 both ways, 1 only they write, 2 only the user
	awaiting     bool
	owes         bool
	// contAfter, when set, makes the first exchange after it continue
	// the thread before it.
	contAfter time.Time
}

// relationship adds a conversation source for a rhythmic relationship and
// returns its persona.
func (g *generator) relationship(s relSpec) *Persona {
	r := g.rng()
	plan := g.planRhythm(r, s)
	if !s.contAfter.IsZero() {
		for i := 1; i < len(plan); i++ {
			if !plan[i].msgs[0].at.Before(s.contAfter) {
				plan[i].cont = true
				break
			}
		}
	}
	return g.conversation(r, s.c, plan, s.kind, s.status, s.note, s.period, s.awaiting, s.owes)
}

// conversation adds a source for a planned set of exchanges.
func (g *generator) conversation(r *rand.Rand, c *contact, plan []exchange, kind, status, note string, period time.Duration, awaiting, owes bool) *Persona {
	n := 0
	jane, them := false, false
	var last time.Time
	for _, ex := range plan {
		n += len(ex.msgs)
		for _, pm := range ex.msgs {
			jane = jane || pm.jane
			them = them || !pm.jane
			last = pm.at
		}
	}
	g.sources = append(g.sources, &convoSource{g: g, r: r, c: c, plan: plan})
	g.counted += n
	p := &Persona{
		Key:           c.key,
		Name:          c.addrs[0].a.name,
		Addresses:     c.emails(),
		Kind:          kind,
		WantStatus:    status,
		TwoWay:        jane && them && n >= 4 && status != "",
		Rhythm:        period,
		LastExchange:  last.Truncate(time.Second).UTC(),
		AwaitingReply: awaiting,
		OwesReply:     owes,
		Note:          note,
	}
	g.personas = append(g.personas, p)
	return p
}

// planRhythm lays out exchanges about a period apart, counted back from
// the exact last one, so that the silence since is what the spec says.
func (g *generator) planRhythm(r *rand.Rand, s relSpec) []exchange {
	first := s.first
	if lo := g.start.Add(s.period / 2); first.Before(lo) {
		first = lo
	}
	span := s.period * 4 / 10
	var days []time.Time
	for t := s.last.Add(-jitter(r, s.period, s.jit)); !t.Before(first); t = t.Add(-jitter(r, s.period, s.jit)) {
		days = append(days, t)
	}
	slices.Reverse(days)
	plan := make([]exchange, 0, len(days)+1)
	for _, d := range days {
		k, lastJane := pickK(r), chance(r, 0.5)
		switch s.oneWay {
		case 1:
			k, lastJane = 1, false
		case 2:
			k, lastJane = 1, true
		}
		loc := s.c.zone
		if lastJane {
			loc = g.myZone
		}
		end := g.clock(r, d, loc, s.c.hours)
		plan = append(plan, exchangeEnding(r, end, k, lastJane, span))
	}
	k := s.lastK
	if k == 0 {
		k = pickK(r)
	}
	if s.oneWay != 0 {
		k = 1
	}
	ex := exchangeEnding(r, s.last, k, s.lastJane, span)
	ex.fresh, ex.ask = s.lastFresh, s.lastFresh
	plan = append(plan, ex)
	// Keep exchanges apart: drop any that would interleave with the next.
	keep := []exchange{plan[len(plan)-1]}
	for i := len(plan) - 2; i >= 0; i-- {
		ex := plan[i]
		if ex.msgs[0].at.Before(g.start) {
			break
		}
		if ex.msgs[len(ex.msgs)-1].at.Before(keep[0].msgs[0].at.Add(-time.Hour)) {
			keep = append([]exchange{ex}, keep...)
		}
	}
	return keep
}

// pickK is how many messages an ordinary exchange has.
func pickK(r *rand.Rand) int {
	switch x := r.IntN(100); {
	case x < 15:
		return 1
	case x < 60:
		return 2
	case x < 88:
		return 3
	}
	return 4
}

// exchangeEnding plans k alternating messages, the last at end.
func exchangeEnding(r *rand.Rand, end time.Time, k int, lastJane bool, maxSpan time.Duration) exchange {
	limit := min(30*time.Hour, maxSpan/time.Duration(k))
	limit = max(limit, 40*time.Minute)
	msgs := make([]plannedMsg, k)
	t, jane := end, lastJane
	for i := k - 1; i >= 0; i-- {
		msgs[i] = plannedMsg{at: t, jane: jane}
		u := r.Float64()
		t = t.Add(-(20*time.Minute + time.Duration(float64(limit-20*time.Minute)*u*u)))
		jane = !jane
	}
	return exchange{msgs: msgs}
}

// clock puts a time on day t at an hour the person writes, and never
// after the present.
func (g *generator) clock(r *rand.Rand, t time.Time, loc *time.Location, h hours) time.Time {
	lt := t.In(loc)
	y, mo, d := lt.Date()
	var hr int
	switch h {
	case hoursWork:
		hr = 9 + r.IntN(9)
		switch lt.Weekday() {
		case time.Saturday:
			d--
		case time.Sunday:
			d++
		}
	case hoursEvening:
		hr = 18 + r.IntN(5)
	default:
		hr = 8 + r.IntN(15)
	}
	out := time.Date(y, mo, d, hr, r.IntN(60), r.IntN(60), 0, loc)
	if lim := g.now.Add(-30 * time.Minute); out.After(lim) {
		out = g.now.Add(-between(r, 30*time.Minute, 5*time.Hour)).In(loc)
	}
	return out
}

// at is days ago at a given time of day in loc (capped at the present).
func (g *generator) at(daysAgo int, hour, minute int, loc *time.Location) time.Time {
	d := g.now.Add(-time.Duration(daysAgo) * day).In(loc)
	t := time.Date(d.Year(), d.Month(), d.Day(), hour, minute, 17, 0, loc)
	if t.After(g.now) {
		t = g.now.Add(-time.Hour).In(loc)
	}
	return t
}

// thread is the state of the conversation a source is in.
type thread struct {
	topic    string
	subject  string // as last written
	base     string // of the first message
	ids      []string
	cc       []addr
	last     time.Time
	lastGist string
	lastFrom addr
	lastDate time.Time
}

// convoSource yields the mail of one contact's planned exchanges.
type convoSource struct {
	g      *generator
	r      *rand.Rand
	c      *contact
	plan   []exchange
	ei, mi int
	th     thread
}

func (s *convoSource) next() (Mail, bool) {
	for s.ei < len(s.plan) {
		ex := &s.plan[s.ei]
		if s.mi >= len(ex.msgs) {
			s.ei++
			s.mi = 0
			continue
		}
		if s.mi == 0 {
			s.startExchange(ex)
		}
		pm := ex.msgs[s.mi]
		answered := !pm.jane && s.mi+1 < len(ex.msgs) && ex.msgs[s.mi+1].jane
		s.mi++
		m := s.message(pm, answered, ex.ask && s.mi == 1)
		return s.g.render(s.r, m), true
	}
	return Mail{}, false
}

func (s *convoSource) startExchange(ex *exchange) {
	r, c := s.r, s.c
	start := ex.msgs[0].at
	cont := ex.cont || (!ex.fresh && len(s.th.ids) > 0 && chance(r, c.contProb) && start.Sub(s.th.last) < 45*day)
	if cont && len(s.th.ids) > 0 {
		return
	}
	topic := ex.topic
	if topic == "" {
		topic = pick(r, c.topics)
	}
	s.th = thread{topic: topic, base: subjectOf(topic)}
	if !ex.ask && chance(r, c.fwdProb) {
		prefix := "Fwd: "
		if c.lang == "de" && !ex.msgs[0].jane {
			prefix = "WG: "
		}
		s.th.base = prefix + s.th.base
	}
	if len(c.ccPool) > 0 && chance(r, c.ccProb) {
		s.th.cc = []addr{pick(r, c.ccPool)}
		if chance(r, 0.3) {
			if o := pick(r, c.ccPool); o.email != s.th.cc[0].email {
				s.th.cc = append(s.th.cc, o)
			}
		}
	}
}

func (s *convoSource) message(pm plannedMsg, answered, ask bool) *msg {
	g, r, c := s.g, s.r, s.c
	them := c.at(pm.at)
	m := &msg{persona: c.key, cc: s.th.cc}
	lang := "en"
	var to addr
	if pm.jane {
		m.from = []addr{c.jane}
		to = them.a
		m.mailer = mailerThunderbird
		m.date = pm.at.In(g.myZone)
	} else {
		m.from = []addr{them.a}
		to = c.janeAs
		m.mailer = them.mailer
		m.date = pm.at.In(c.zone)
		lang = c.lang
	}
	m.to = []addr{to}
	first := len(s.th.ids) == 0
	if first {
		m.subject = s.th.base
	} else {
		m.subject = replySubject(s.th.subject, lang)
		m.inReplyTo = s.th.ids[len(s.th.ids)-1]
		m.refs = trimRefs(s.th.ids)
	}
	m.id = messageID(r, m.mailer, m.from[0].domain(), m.date)

	var gist string
	switch {
	case pm.jane && !first && len(c.replies) > 0:
		gist = pick(r, c.replies)
	case !pm.jane && !first && len(c.theirReplies) > 0:
		gist = pick(r, c.theirReplies)
	case pm.jane && first && len(c.janeOpens) > 0:
		gist = pick(r, c.janeOpens)
	case ask:
		gist = fmt.Sprintf("Could you take a look at %s and tell me what you think? Is next week too soon?", s.th.topic)
	case first && len(c.openers) > 0 && !pm.jane:
		gist = fmt.Sprintf(pick(r, c.openers), s.th.topic)
	case first:
		gist = fmt.Sprintf(pick(r, openers), lowerFirst(s.th.topic)) + " " + pick(r, middles)
	default:
		gist = pick(r, answers)
		if chance(r, 0.4) {
			gist += " " + pick(r, middles)
		}
	}
	var b strings.Builder
	greet := "Hi"
	if lang == "de" {
		greet = "Hallo"
	}
	fmt.Fprintf(&b, "%s %s,\n\n%s\n\n%s\n%s\n", greet, firstName(to.name, to.email), gist, pick(r, signoffs), firstName(m.from[0].name, m.from[0].email))
	if !first && s.th.lastGist != "" {
		fmt.Fprintf(&b, "\nOn %s, %s <%s> wrote:\n> %s\n", s.th.lastDate.Format("Mon, 2 Jan 2006 at 15:04"),
			s.th.lastFrom.name, strings.ToLower(s.th.lastFrom.email), s.th.lastGist)
	}
	m.body = b.String()

	if pm.jane {
		m.folder = FolderSent
		m.flags = []string{`\Seen`}
		m.internal = m.date
	} else {
		m.inbound = true
		m.deliveredTo = c.jane.email
		m.internal = m.date.Add(deliver(r))
		m.folder = FolderInbox
		if g.now.Sub(pm.at) > between(r, 20*day, 60*day) && chance(r, c.archive) {
			m.folder = FolderArchive
		}
		if g.now.Sub(pm.at) > 36*time.Hour || chance(r, 0.5) {
			m.flags = append(m.flags, `\Seen`)
		}
		if answered {
			m.flags = append(m.flags, `\Answered`)
		}
		if chance(r, 0.02) {
			m.flags = append(m.flags, `\Flagged`)
		}
	}

	s.th.subject = m.subject
	s.th.ids = append(s.th.ids, m.id)
	if len(s.th.ids) > 40 {
		s.th.ids = trimRefs(s.th.ids)
	}
	s.th.last = pm.at
	s.th.lastGist = gist
	s.th.lastFrom = m.from[0]
	s.th.lastDate = m.date
	return m
}

// replySubject is the subject of a reply written in lang: English mailers
// add "Re: " unless it is there; German Outlook rewrites the prefixes to
// one "AW: ".
func replySubject(cur, lang string) string {
	if lang == "de" {
		base := cur
		for {
			l := strings.ToLower(base)
			if strings.HasPrefix(l, "re: ") || strings.HasPrefix(l, "aw: ") {
				base = base[4:]
				continue
			}
			break
		}
		return "AW: " + base
	}
	if strings.HasPrefix(strings.ToLower(cur), "re: ") {
		return cur
	}
	return "Re: " + cur
}

// trimRefs keeps a References chain short the way mailers do: the first
// ID and the last ones.
func trimRefs(ids []string) []string {
	if len(ids) <= 12 {
		return slices.Clone(ids)
	}
	return append([]string{ids[0]}, ids[len(ids)-11:]...)
}

// subjectOf turns a topic phrase into a subject line.
func subjectOf(topic string) string {
	t := strings.TrimPrefix(topic, "the ")
	r, n := utf8.DecodeRuneInString(t)
	return string(unicode.ToUpper(r)) + t[n:]
}

// firstName is what one writes after "Hi".
func firstName(name, email string) string {
	if name == "" {
		local, _, _ := strings.Cut(email, "@")
		name, _, _ = strings.Cut(local, ".")
		return name
	}
	f, _, _ := strings.Cut(name, " ")
	if f == "Dr." {
		f = name
	}
	return f
}

// lowerFirst lowercases a topic's first letter for use mid-sentence,
// unless it starts an acronym or a name like "Q3".
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	r2, _ := utf8.DecodeRuneInString(s[n:])
	if unicode.IsUpper(r) && unicode.IsLower(r2) {
		return string(unicode.ToLower(r)) + s[n:]
	}
	return s
}
