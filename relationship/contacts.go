package relationship

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/rekindle/rekindle"
)

// minTwoWayMessages is the least ordinary mail, both ways together, that
// makes a relationship: one question and one answer (a recruiter politely
// turned down) is an acquaintance; a third message is a conversation.
const minTwoWayMessages = 3

// Where a contact's cadence comes from (Contact.CadenceSource).
const (
	CadenceRhythm   = "rhythm"   // the median gap between exchange days
	CadenceDefault  = "default"  // too few exchange days: DefaultCadence
	CadenceOverride = "override" // Override.Cadence
	// A cadence from a tag is "tag:" followed by the tag.
)

// Contact is one person as of a moment: who they are, how warm the
// relationship is, its rhythm, and the last message between the two.
type Contact struct {
	// Key identifies the person across runs: the address of theirs first
	// seen in counted mail. New mail from a new address does not change
	// it, because that address is seen later; the most recent address is
	// Email.
	Key string
	// Email is the primary address: the one of the most recent ordinary
	// exchange, where a message today should go.
	Email string
	// Addresses are all of the person's addresses, sorted.
	Addresses []string
	// Name is the name on the user's address book card for them
	// (Options.Cards); else the display name they most often give
	// themselves in From, tidied ("Doe, Jane" becomes "Jane Doe"); else
	// the name the user or others most often give them in To and Cc;
	// else a name read from a first.last address (NameFromAddress); else
	// empty.
	Name string
	// TwoWay is true when the user wrote to them and they wrote to the
	// user, in at least three ordinary messages all told (bulk mail does
	// not count). Contacts returns only two-way contacts unless
	// Options.IncludeOneWay.
	TwoWay bool
	// Status is the relationship's temperature as of the moment asked.
	Status rekindle.Status
	// Score is the warmth, 0-100 (see the package documentation); 0 for a
	// one-way contact.
	Score float64
	// Peak is the warmth as of the last exchange: how strong the tie was
	// when it went quiet.
	Peak float64
	// Strength is how strong the tie is, 0-100, from its whole history as
	// of its last exchange, not decayed by the silence since (see the
	// package documentation); 0 for a one-way contact. StrengthRank is its
	// place among the two-way contacts by strength (1: the strongest).
	Strength     float64
	StrengthRank int
	// PersonalDays counts the distinct UTC days with personal mail either
	// way (at most PersonalRecipients recipients).
	PersonalDays int
	// Sent and Received count counted messages (raw, not weighted): mail
	// from the user with them in To or Cc, and mail from them to the user,
	// including bulk mail that counted because the relationship is two-way.
	Sent, Received int
	// SentWeight and ReceivedWeight are the same mail weighted by audience
	// (1/n for To, 0.5/n for Cc; see the package documentation).
	SentWeight, ReceivedWeight float64
	// ExchangeDays counts the distinct UTC days with counted mail either way.
	ExchangeDays int
	// Threads counts the distinct conversations they took part in.
	Threads int
	// FirstContact and LastContact are the first and last counted message
	// either way.
	FirstContact, LastContact time.Time
	// DaysSilent is whole days since LastContact.
	DaysSilent int
	// Years is the time from FirstContact to LastContact, in years.
	Years float64
	// CadenceDays is the expected gap between exchanges, in days, and
	// CadenceSource says where it comes from (CadenceRhythm, ...).
	CadenceDays   float64
	CadenceSource string
	// LastSubject, LastMessageID and LastReferences describe the last
	// counted message either way; a reply to it takes In-Reply-To:
	// LastMessageID and References: LastReferences followed by
	// LastMessageID. LastFromMe says whether the user wrote it.
	LastSubject    string
	LastMessageID  string
	LastReferences []string
	LastFromMe     bool
	// Tags come from the user's overrides and from the categories of
	// their address book cards (sorted); Pinned and SnoozeUntil from the
	// overrides. Snoozed is true while SnoozeUntil is in the future.
	Tags        []string
	Pinned      bool
	Snoozed     bool
	SnoozeUntil time.Time
}

// peopleCache is the merge of addresses into people; it does not depend on
// the moment asked, so it is computed once per batch of Adds.
type peopleCache struct {
	people []person
}

type person struct {
	members []int32 // address indexes, sorted by address
	threads int
}

// view is a person evaluated at a moment, with what follow-ups need.
type view struct {
	Contact
	ignored       bool
	hasOrdinary   bool
	lastIn        *msgInfo
	lastDirectIn  *msgInfo
	lastDirectOut *msgInfo
	lastOut       int64
}

// Contacts returns the people the user corresponds with, as of now,
// strongest first (ties: warmest, most recent, then Key). Only two-way contacts are returned
// unless Options.IncludeOneWay; ignored ones never are.
//
// Addresses are merged into one person when they are the same mailbox
// (case, plus tags, Gmail dots), when the user declares it
// (Options.Merges), when a card of the user's address book lists them
// (Options.Cards), or when they carry the same display name (compared
// without case, accents, titles, punctuation or word order, and of at
// least two words: see nameKey). Same-named addresses are one person when
// each wrote to the user in ordinary mail, which is what happens when
// someone answers from their phone's account or changes jobs; or, for any
// address with a name, when they took part in a common thread. A name
// with a word such as "Support" or "Team" (see deskWords) may be a desk's
// at two companies, so it needs the common thread. Options.Splits vetoes
// any of these.
//
// now should be Options.AsOf when that is set; mail dated after now must
// not have been added (that is what AsOf guarantees).
func (b *Builder) Contacts(now time.Time) []Contact {
	pc := b.cluster()
	out := make([]Contact, 0, len(pc.people))
	for i := range pc.people {
		v, ok := b.view(&pc.people[i], now)
		if !ok {
			continue
		}
		out = append(out, v.Contact)
	}
	rankByStrength(out)
	slices.SortFunc(out, func(x, y Contact) int {
		if c := cmp.Compare(y.Strength, x.Strength); c != 0 {
			return c
		}
		if c := cmp.Compare(y.Score, x.Score); c != 0 {
			return c
		}
		if c := y.LastContact.Compare(x.LastContact); c != 0 {
			return c
		}
		return strings.Compare(x.Key, y.Key)
	})
	return out
}

// rankByStrength sets StrengthRank on the two-way contacts: 1 for the
// strongest (ties: more exchange days, then Key).
func rankByStrength(cs []Contact) {
	idx := make([]int, 0, len(cs))
	for i := range cs {
		if cs[i].TwoWay {
			idx = append(idx, i)
		}
	}
	slices.SortFunc(idx, func(i, j int) int {
		x, y := &cs[i], &cs[j]
		if c := cmp.Compare(y.Strength, x.Strength); c != 0 {
			return c
		}
		if c := cmp.Compare(y.ExchangeDays, x.ExchangeDays); c != 0 {
			return c
		}
		return strings.Compare(x.Key, y.Key)
	})
	for r, i := range idx {
		cs[i].StrengthRank = r + 1
	}
}

// view evaluates a person at now; ok is false for people Contacts does not
// return.
func (b *Builder) view(p *person, now time.Time) (view, bool) {
	v := b.evaluate(p, now)
	if v.ignored || !v.hasOrdinary || (!v.TwoWay && !b.opts.IncludeOneWay) {
		return v, false
	}
	return v, true
}

// cluster merges active addresses into people.
func (b *Builder) cluster() *peopleCache {
	if b.people != nil {
		return b.people
	}
	n := len(b.addrs)
	active := func(i int32) bool {
		a := &b.addrs[i]
		return a.kind == kindContact && (a.sent > 0 || a.recv > 0 || a.bulk > 0)
	}
	lookup := func(email string) (int32, bool) {
		i, ok := b.idx[strings.ToLower(strings.TrimSpace(email))]
		return i, ok && active(i)
	}

	parent := make([]int32, n)
	for i := range parent {
		parent[i] = int32(i)
	}
	find := func(x int32) int32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	var splits [][2]int32
	for _, s := range b.opts.Splits {
		x, ok1 := lookup(s[0])
		y, ok2 := lookup(s[1])
		if ok1 && ok2 && x != y {
			splits = append(splits, [2]int32{x, y})
		}
	}
	union := func(x, y int32) {
		rx, ry := find(x), find(y)
		if rx == ry {
			return
		}
		for _, s := range splits {
			fa, fb := find(s[0]), find(s[1])
			if (fa == rx && fb == ry) || (fa == ry && fb == rx) {
				return
			}
		}
		if ry < rx {
			rx, ry = ry, rx
		}
		parent[ry] = rx
	}

	for _, g := range b.opts.Merges {
		first := int32(-1)
		for _, e := range g {
			if i, ok := lookup(e); ok {
				if first < 0 {
					first = i
				} else {
					union(first, i)
				}
			}
		}
	}
	b.mergeCards(lookup, active, union)
	canon := make(map[string]int32)
	keys := make([]string, n)
	alts := make([]string, n)
	for i := int32(0); i < int32(n); i++ {
		if !active(i) {
			continue
		}
		c := canonical(b.addrs[i].email)
		if j, ok := canon[c]; ok {
			union(j, i)
		} else {
			canon[c] = i
		}
		name := bestName(b.addrs[i].names)
		if name == "" {
			name = bestName(b.addrs[i].given)
		}
		keys[i], alts[i] = nameKey(name)
	}
	// Addresses in ordinary mail under one person's name are that
	// person, thread or no thread (see Contacts); names that may be a
	// desk's are left to the threads.
	ordinary := func(i int32) bool { return b.addrs[i].sent > 0 || b.addrs[i].recv > 0 }
	byName := make(map[string]int32)
	for i := int32(0); i < int32(n); i++ {
		if keys[i] == "" || !ordinary(i) || !personName(keys[i]) {
			continue
		}
		if j, ok := byName[keys[i]]; ok {
			union(j, i)
		} else {
			byName[keys[i]] = i
		}
	}
	for i := int32(0); i < int32(n); i++ {
		if alts[i] == "" || !ordinary(i) || !personName(keys[i]) {
			continue
		}
		if j, ok := byName[alts[i]]; ok {
			union(j, i)
		}
	}
	for ti := range b.threads {
		parts := b.threads[ti].parts
		for x := 0; x < len(parts); x++ {
			if keys[parts[x]] == "" {
				continue
			}
			for y := x + 1; y < len(parts); y++ {
				px, py := parts[x], parts[y]
				if sameName(keys[px], alts[px], keys[py], alts[py]) {
					union(parts[x], parts[y])
				}
			}
		}
	}

	pc := &peopleCache{}
	at := make(map[int32]int) // root -> index in pc.people
	for i := int32(0); i < int32(n); i++ {
		if !active(i) {
			continue
		}
		r := find(i)
		k, ok := at[r]
		if !ok {
			k = len(pc.people)
			at[r] = k
			pc.people = append(pc.people, person{})
		}
		pc.people[k].members = append(pc.people[k].members, i)
	}
	for k := range pc.people {
		slices.SortFunc(pc.people[k].members, func(x, y int32) int { return strings.Compare(b.addrs[x].email, b.addrs[y].email) })
	}
	var seen []int
	for ti := range b.threads {
		seen = seen[:0]
		for _, a := range b.threads[ti].parts {
			if k, ok := at[find(a)]; ok && !slices.Contains(seen, k) {
				seen = append(seen, k)
				pc.people[k].threads++
			}
		}
	}
	b.people = pc
	return pc
}

// mergeCards makes each card's addresses one person, after the user's
// merges and under the user's splits (union vetoes those). A card's
// address is found as written or, failing that, as the mailbox it
// delivers to: the card's jane.doe@gmail.com is the mail's
// janedoe@gmail.com.
func (b *Builder) mergeCards(lookup func(string) (int32, bool), active func(int32) bool, union func(x, y int32)) {
	if len(b.opts.Cards) == 0 {
		return
	}
	byCanon := make(map[string]int32)
	for i := int32(0); i < int32(len(b.addrs)); i++ {
		if !active(i) {
			continue
		}
		if c := canonical(b.addrs[i].email); c != "" {
			if _, ok := byCanon[c]; !ok {
				byCanon[c] = i
			}
		}
	}
	for k := range b.opts.Cards {
		first := int32(-1)
		for _, e := range b.opts.Cards[k].Emails {
			i, ok := lookup(e)
			if !ok {
				i, ok = byCanon[canonical(e)]
			}
			switch {
			case !ok:
			case first < 0:
				first = i
			default:
				union(first, i)
			}
		}
	}
}

// cards calls f with the index in Options.Cards of each card holding one
// of addrs, in no particular order, a card once per address it holds.
func (b *Builder) cards(addrs []string, f func(k int32)) {
	if len(b.cardsOf) == 0 {
		return
	}
	for _, a := range addrs {
		for _, k := range b.cardsOf[canonical(a)] {
			f(k)
		}
	}
}

// cardName is the name the first card naming one of addrs gives; "" if
// none does.
func (b *Builder) cardName(addrs []string) string {
	best := int32(-1)
	b.cards(addrs, func(k int32) {
		if b.opts.Cards[k].Name != "" && (best < 0 || k < best) {
			best = k
		}
	})
	if best < 0 {
		return ""
	}
	return b.opts.Cards[best].Name
}

// bestName is the most frequent display name (ties: the first in byte
// order, so the choice does not depend on the order of mail).
func bestName(votes []nameVote) string {
	best := nameVote{}
	for _, v := range votes {
		if v.n > best.n || (v.n == best.n && v.name < best.name) {
			best = v
		}
	}
	return best.name
}

// addVotes adds the votes of more to votes.
func addVotes(votes, more []nameVote) []nameVote {
	for _, nv := range more {
		found := false
		for k := range votes {
			if votes[k].name == nv.name {
				votes[k].n += nv.n
				found = true
			}
		}
		if !found {
			votes = append(votes, nv)
		}
	}
	return votes
}

// evaluate computes a person's Contact as of now.
func (b *Builder) evaluate(p *person, now time.Time) view {
	var v view
	c := &v.Contact
	var sent, recv bool
	var nsent, nrecv int32
	for _, i := range p.members {
		a := &b.addrs[i]
		sent = sent || a.sent > 0
		recv = recv || a.recv > 0
		nsent += a.sent
		nrecv += a.recv
	}
	c.TwoWay = sent && recv && nsent+nrecv >= minTwoWayMessages
	two := c.TwoWay

	var (
		first, last int64
		keyAddr     = int32(-1)
		keyFirst    int64
		mainAddr    = int32(-1)
		names       []nameVote
		given       []nameVote
		lastMsg     *msgInfo
		sentW       int64
		recvW       int64
	)
	for _, i := range p.members {
		a := &b.addrs[i]
		v.hasOrdinary = v.hasOrdinary || a.sent > 0 || a.recv > 0
		c.Sent += int(a.sent)
		c.Received += int(a.recv)
		sentW += a.sentW
		recvW += a.recvW
		af, al := a.first, a.last
		if two && a.bulk > 0 {
			c.Received += int(a.bulk)
			recvW += a.bulkW
			if af == 0 || a.bulkFirst < af {
				af = a.bulkFirst
			}
			al = max(al, a.bulkLast.when)
			if newer(a.bulkLast, v.lastIn) {
				v.lastIn = a.bulkLast
			}
			if newer(a.bulkLast, lastMsg) {
				lastMsg = a.bulkLast
			}
		}
		if af != 0 && (first == 0 || af < first) {
			first = af
		}
		last = max(last, al)
		if af != 0 && (keyAddr < 0 || af < keyFirst) {
			keyAddr, keyFirst = i, af
		}
		if a.last != 0 && (mainAddr < 0 || a.last > b.addrs[mainAddr].last ||
			(a.last == b.addrs[mainAddr].last && len(a.days) > len(b.addrs[mainAddr].days))) {
			mainAddr = i
		}
		names = addVotes(names, a.names)
		given = addVotes(given, a.given)
		if newer(a.lastMsg, lastMsg) {
			lastMsg = a.lastMsg
		}
		if newer(a.lastIn, v.lastIn) {
			v.lastIn = a.lastIn
		}
		if newer(a.lastDirectIn, v.lastDirectIn) {
			v.lastDirectIn = a.lastDirectIn
		}
		if newer(a.lastDirectOut, v.lastDirectOut) {
			v.lastDirectOut = a.lastDirectOut
		}
		v.lastOut = max(v.lastOut, a.lastOut)
		c.Addresses = append(c.Addresses, a.email)
	}
	if keyAddr < 0 {
		keyAddr = p.members[0]
	}
	if mainAddr < 0 {
		mainAddr = keyAddr
	}
	c.Key = b.addrs[keyAddr].email
	c.Email = b.addrs[mainAddr].email
	c.Name = displayName(bestName(names))
	if c.Name == "" {
		c.Name = displayName(bestName(given))
	}
	if c.Name == "" {
		c.Name = NameFromAddress(c.Email)
	}
	if n := b.cardName(c.Addresses); n != "" {
		c.Name = n
	}

	c.Threads = p.threads
	c.FirstContact, c.LastContact = unix(first), unix(last)
	if last > first {
		c.Years = round(float64(last-first)/(365.25*86400), 2)
	}
	if lastMsg != nil {
		c.LastSubject = lastMsg.subject
		c.LastMessageID = lastMsg.msgID
		c.LastReferences = slices.Clone(lastMsg.refs)
		c.LastFromMe = lastMsg.fromMe
	}

	b.applyOverrides(&v, now)

	c.SentWeight = round(float64(sentW)/weightUnit, 3)
	c.ReceivedWeight = round(float64(recvW)/weightUnit, 3)
	st := warmth(p.days(b), warmthInput{
		twoWay: two, now: now, halfLife: b.opts.HalfLife, threads: c.Threads,
		sentW: sentW, recvW: recvW, first: first, last: last,
	})
	c.ExchangeDays = st.exchangeDays
	c.PersonalDays = st.personalDays
	if two {
		c.Score = round(st.score, 1)
		c.Peak = round(st.peak, 1)
		c.Strength = round(st.strength, 1)
	}
	if c.CadenceSource == "" {
		c.CadenceDays, c.CadenceSource = cadence(st.recent)
	}
	silence := silenceDays(c.LastContact, now)
	c.DaysSilent = int(silence)
	c.Status = statusOf(silence, c.CadenceDays)
	return v
}

// applyOverrides resolves the overrides that name the person (by Key or
// any address) and the cadence they imply.
func (b *Builder) applyOverrides(v *view, now time.Time) {
	c := &v.Contact
	var cad time.Duration
	var tags []string
	var apply1 func(Override)
	apply := func(key string) {
		for _, o := range b.overrides[key] {
			apply1(o)
		}
	}
	apply1 = func(o Override) {
		v.ignored = v.ignored || o.Ignore
		c.Pinned = c.Pinned || o.Pin
		if o.SnoozeUntil.After(c.SnoozeUntil) {
			c.SnoozeUntil = o.SnoozeUntil
		}
		if o.Cadence > 0 && (cad == 0 || o.Cadence < cad) {
			cad = o.Cadence
		}
		for _, t := range o.Tags {
			if !slices.Contains(tags, t) {
				tags = append(tags, t)
			}
		}
	}
	for _, a := range c.Addresses {
		apply(a)
	}
	if !slices.Contains(c.Addresses, c.Key) {
		apply(c.Key)
	}
	b.cards(c.Addresses, func(k int32) {
		for _, t := range b.cardTags[k] {
			if !slices.Contains(tags, t) {
				tags = append(tags, t)
			}
		}
	})
	slices.Sort(tags)
	c.Tags = tags
	c.Snoozed = c.SnoozeUntil.After(now)
	if cad > 0 {
		c.CadenceDays, c.CadenceSource = round(cad.Hours()/24, 2), CadenceOverride
		return
	}
	var tagCad time.Duration
	for _, t := range tags {
		if d := b.opts.TagCadence[t]; d > 0 && (tagCad == 0 || d < tagCad) {
			tagCad = d
			c.CadenceSource = "tag:" + t
		}
	}
	if tagCad > 0 {
		c.CadenceDays = round(tagCad.Hours()/24, 2)
	}
}

// days returns the person's day records in day order, merging those of
// several addresses.
func (p *person) days(b *Builder) []dayRec {
	if len(p.members) == 1 {
		return b.addrs[p.members[0]].days
	}
	var all []dayRec
	for _, i := range p.members {
		all = append(all, b.addrs[i].days...)
	}
	slices.SortFunc(all, func(x, y dayRec) int { return cmp.Compare(x.day, y.day) })
	out := all[:0]
	for _, d := range all {
		if n := len(out); n > 0 && out[n-1].day == d.day {
			o := &out[n-1]
			o.flags |= d.flags
			o.sentW = addSat(o.sentW, int64(d.sentW))
			o.recvW = addSat(o.recvW, int64(d.recvW))
			o.bulkW = addSat(o.bulkW, int64(d.bulkW))
			continue
		}
		out = append(out, d)
	}
	return out
}

func silenceDays(last, now time.Time) float64 {
	if last.IsZero() || !now.After(last) {
		return 0
	}
	return now.Sub(last).Hours() / 24
}

func round(x float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(x*p) / p
}
