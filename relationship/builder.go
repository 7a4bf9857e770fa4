package relationship

import (
	"hash/maphash"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rekindle/rekindle"
)

// Builder accumulates mail into per-address and per-thread state. Add
// streams messages in, in any order; Contacts and Followups read the result
// at a given moment. A Builder is not safe for concurrent use.
type Builder struct {
	opts      Options
	overrides map[string][]Override // Options.Overrides by lower-case key
	// cardsOf lists, by the canonical form of an address, the indexes in
	// Options.Cards of the cards that hold it; cardTags are each card's
	// categories as tags.
	cardsOf  map[string][]int32
	cardTags [][]string
	me       *matcher
	ignore   *matcher
	asOf     int64 // unix seconds; 0: no limit
	hasAsOf  bool

	idx   map[string]int32 // address -> index in addrs
	addrs []addrState

	// threadIdx maps the hash of a thread's root Message-ID to the thread.
	// Keys are 64-bit hashes rather than the IDs: the map then holds no
	// strings (a quarter of the memory) and compares no strings. Two roots
	// colliding, with odds near 2^-64 per pair, would merely count two
	// conversations as one.
	threadIdx map[uint64]int32
	threads   []thread
	seed      maphash.Seed
	// roots maps the hash of a cleaned subject and a counterpart to the
	// thread of the message that started it, for replies that carry no
	// References or In-Reply-To.
	roots map[uint64]int32

	// scratch space reused by Add.
	rcpt []rcptSlot

	people *peopleCache // merge result, dropped by Add
}

// thread is one conversation: the addresses that took part in it.
type thread struct {
	parts []int32
}

// maxThreadParts bounds the participants kept per thread; a thread with
// more people than that is a group conversation in which further
// participants add no evidence.
const maxThreadParts = 32

// addrState is everything kept about one address. Counts and times of
// ordinary mail and of deferred bulk mail (bulk mail addressed to the user,
// which counts only if the person turns out two-way) are kept apart.
type addrState struct {
	email string
	kind  addrKind
	// list is set for a mailing list's own address: one a list message is
	// addressed to whose local part names the list in its List-Id
	// (r-help@r-project.org for List-Id: <r-help.r-project.org>).
	list  bool
	names []nameVote // display names in their own From
	given []nameVote // names the user or others give them in To and Cc

	days []dayRec // sorted by day

	sent, recv, bulk    int32
	sentW, recvW, bulkW int64 // weight units
	first, last         int64 // unix seconds of ordinary counted mail; 0: none
	bulkFirst           int64

	lastMsg       *msgInfo // latest ordinary message either way
	lastIn        *msgInfo // latest ordinary message from them
	lastDirectIn  *msgInfo // latest from them with the user in To, few recipients
	lastDirectOut *msgInfo // latest from the user with them in To, few recipients
	lastOut       int64    // unix seconds of the latest ordinary message from the user
	bulkLast      *msgInfo // latest deferred bulk message from them
}

type nameVote struct {
	name string
	n    int32
}

// maxNames bounds the distinct display names kept per address.
const maxNames = 4

// dayRec is one UTC day's mail with one address; weights in units.
type dayRec struct {
	day   int32 // days since 1970-01-01 UTC
	flags uint8
	sentW int32
	recvW int32
	bulkW int32
}

// Weights are kept in fixed point, 1/65536 of a message: sums of integers
// do not depend on the order of Add, floating-point sums would (in the
// last bits, enough to reorder two equally warm contacts).
const weightUnit = 1 << 16

// weightOf is the weight, in units, of a message with n recipients for a
// recipient (or a user) in To, or only in Cc.
func weightOf(n int, cc bool) int64 {
	w := weightUnit / float64(n)
	if cc {
		w /= 2
	}
	return int64(math.Round(w))
}

// addSat adds without overflowing: a day's weight above 32768 messages
// makes no difference anyway.
func addSat(x int32, w int64) int32 {
	return int32(min(int64(x)+w, math.MaxInt32))
}

const (
	daySent uint8 = 1 << iota
	dayRecv
	dayBulk
	// dayPersonal: at least one counted message that day had at most
	// PersonalRecipients recipients.
	dayPersonal
)

// PersonalRecipients is the most recipients (To and Cc, the user counted
// once) a message may have and still be personal: research on e-mail
// ties counts messages to at most about four people as the personal ones.
const PersonalRecipients = 4

// msgInfo is what is kept of a message that is, or was, some address's
// latest: enough to name it and to thread a reply to it.
type msgInfo struct {
	when    int64 // unix seconds
	id      int64
	subject string
	msgID   string
	refs    []string
	parent  string // the message it replies to
	fromMe  bool
	// rcpt are the recipients other than the user of a message written
	// directly (at most directRecipients), so that follow-ups can tell a
	// post to a mailing list from a private note.
	rcpt []int32
}

// newer reports whether a is later than b (nil is earliest). Ties on the
// date fall to the Message-ID and then the store id, so the result depends
// neither on the order of Add calls nor, for mail with a Message-ID, on
// the order the store received it.
func newer(a, b *msgInfo) bool {
	if b == nil {
		return a != nil
	}
	if a == nil || a.when != b.when {
		return a != nil && a.when > b.when
	}
	if a.msgID != b.msgID {
		return a.msgID > b.msgID
	}
	return a.id > b.id
}

type rcptSlot struct {
	addr int32
	cc   bool
}

// NewBuilder returns an empty Builder for opts; zero fields take their
// defaults.
func NewBuilder(opts Options) *Builder {
	opts.normalise()
	b := &Builder{
		opts:      opts,
		me:        newMatcher(opts.Me, true),
		ignore:    newMatcher(opts.Ignore, false),
		idx:       make(map[string]int32),
		threadIdx: make(map[uint64]int32),
		roots:     make(map[uint64]int32),
		seed:      maphash.MakeSeed(),
	}
	for k, o := range opts.Overrides {
		k = strings.ToLower(strings.TrimSpace(k))
		if b.overrides == nil {
			b.overrides = make(map[string][]Override)
		}
		b.overrides[k] = append(b.overrides[k], o)
	}
	if !opts.AsOf.IsZero() {
		b.asOf, b.hasAsOf = opts.AsOf.Unix(), true
	}
	if len(opts.Cards) > 0 {
		b.cardsOf = make(map[string][]int32)
		b.cardTags = make([][]string, len(opts.Cards))
		for k := range opts.Cards {
			card := &opts.Cards[k]
			for _, e := range card.Emails {
				c := canonical(e)
				if c != "" && !slices.Contains(b.cardsOf[c], int32(k)) {
					b.cardsOf[c] = append(b.cardsOf[c], int32(k))
				}
			}
			for _, cat := range card.Categories {
				if t := CategoryTag(cat); t != "" && !slices.Contains(b.cardTags[k], t) {
					b.cardTags[k] = append(b.cardTags[k], t)
				}
			}
		}
	}
	return b
}

// CategoryTag is the tag an address book category becomes: lower case,
// each run of white space or commas one '-' ("Book Club" is book-club);
// "" for a category of nothing else.
func CategoryTag(category string) string {
	words := strings.FieldsFunc(category, func(r rune) bool { return unicode.IsSpace(r) || r == ',' })
	return strings.ToLower(strings.Join(words, "-"))
}

// addr returns the index of an address, adding it on first sight.
func (b *Builder) addr(email string) int32 {
	if i, ok := b.idx[email]; ok {
		return i
	}
	// Addresses arrive in lower case (rekindle.Address says so); this is
	// for callers that break the promise. Neither call allocates when
	// there is nothing to change.
	if norm := strings.ToLower(strings.TrimSpace(email)); norm != email {
		if i, ok := b.idx[norm]; ok {
			return i
		}
		email = norm
	}
	// A copy: the caller's string may be part of a larger buffer (the
	// store cuts a message's strings from its whole record), which the
	// model would otherwise keep alive for as long as it runs.
	email = strings.Clone(email)
	i := int32(len(b.addrs))
	b.addrs = append(b.addrs, addrState{email: email, kind: b.classify(email)})
	b.idx[email] = i
	return i
}

func (b *Builder) classify(email string) addrKind {
	canon := canonical(email)
	switch {
	case email == "":
		return kindRobot
	case b.me.match(email, canon):
		return kindMe
	case b.ignore.match(email, canon):
		return kindIgnored
	case IsRobot(email):
		return kindRobot
	}
	return kindContact
}

// Add feeds one message into the model. It keeps strings from m but no
// slices, so the caller may reuse m.
func (b *Builder) Add(m *Mail) {
	when := m.When
	if !plausibleTime(when) {
		when = m.Date
	}
	if !plausibleTime(when) || len(m.From) == 0 {
		return
	}
	t := when.Unix()
	if b.hasAsOf && t > b.asOf {
		return
	}
	b.people = nil
	// The user's own server vouches for where the message came from, or
	// has nothing to say (see TrustOf and the package doc): a failed
	// check is a forged or altered message, which teaches nothing, and a
	// message in the user's name that came in from elsewhere without
	// authenticating the user's domain was not written by the user.
	switch TrustOf(&m.Header) {
	case TrustFail:
		return
	case TrustUnauthenticated:
		if b.isMe(m.From[0].Email) {
			return
		}
	}
	if m.ListID != "" {
		b.markLists(m)
	}
	if IsAutoSubmitted(&m.Header) {
		return
	}
	from := b.addr(m.From[0].Email)
	switch b.addrs[from].kind {
	case kindMe:
		if !IsBulk(&m.Header) { // a list's copy of the user's own post is not conversation
			b.addSent(m, t)
		}
	case kindContact:
		b.addReceived(m, t, from)
	}
}

// isMe reports whether an address is one of the user's, without adding
// it to the model.
func (b *Builder) isMe(email string) bool {
	if i, ok := b.idx[email]; ok {
		return b.addrs[i].kind == kindMe
	}
	email = strings.ToLower(strings.TrimSpace(email))
	return email != "" && b.me.match(email, canonical(email))
}

// recipients fills b.rcpt with the distinct recipients of m that are not
// the user (an address in both To and Cc counts as To) and reports whether
// the user is in To and in Cc. It stops early, with more than
// MaxRecipients in b.rcpt, for a message that counts for nobody.
func (b *Builder) recipients(m *Mail) (meTo, meCc bool) {
	b.rcpt = b.rcpt[:0]
	for pass, list := range [2][]rekindle.Address{m.To, m.Cc} {
		for _, a := range list {
			if len(b.rcpt) > b.opts.MaxRecipients {
				return meTo, meCc
			}
			i := b.addr(a.Email)
			if b.addrs[i].kind == kindMe {
				if pass == 0 {
					meTo = true
				} else {
					meCc = true
				}
				continue
			}
			dup := false
			for _, r := range b.rcpt {
				if r.addr == i {
					dup = true
					break
				}
			}
			if !dup {
				b.rcpt = append(b.rcpt, rcptSlot{addr: i, cc: pass == 1})
			}
		}
	}
	return meTo, meCc
}

func (b *Builder) addSent(m *Mail, t int64) {
	b.recipients(m)
	n := len(b.rcpt)
	if n == 0 || n > b.opts.MaxRecipients {
		return
	}
	var mi *msgInfo
	counterpart := int32(-1)
	for _, r := range b.rcpt {
		a := &b.addrs[r.addr]
		if a.kind != kindContact {
			continue
		}
		if mi == nil {
			mi = newMsgInfo(m, t, true)
			counterpart = r.addr
		}
		w := weightOf(n, r.cc)
		a.sent++
		a.sentW += w
		a.addDay(t, daySent|personal(n), w)
		a.touch(t)
		if name := nameOf(m, r.addr, b); name != "" {
			a.given = vote(a.given, name)
		}
		if newer(mi, a.lastMsg) {
			a.lastMsg = mi
		}
		if !r.cc && n <= directRecipients && !IsForward(m.Subject) && newer(mi, a.lastDirectOut) {
			if mi.rcpt == nil {
				mi.rcpt = b.rcptIndexes()
			}
			a.lastDirectOut = mi
		}
		if t > a.lastOut {
			a.lastOut = t
		}
	}
	if mi == nil {
		return
	}
	th := b.threadOf(m, counterpart)
	for _, r := range b.rcpt {
		if b.addrs[r.addr].kind == kindContact {
			b.threads[th].add(r.addr)
		}
	}
}

func (b *Builder) addReceived(m *Mail, t int64, from int32) {
	meTo, meCc := b.recipients(m)
	if !meTo && !meCc {
		return // a distribution list, a Bcc, or an alias missing from Me
	}
	n := len(b.rcpt) + 1 // the user, once
	if n > b.opts.MaxRecipients {
		return
	}
	w := weightOf(n, !meTo)
	a := &b.addrs[from]
	mi := newMsgInfo(m, t, false)
	if IsBulk(&m.Header) {
		// Kept aside: it counts only if the sender turns out to be a
		// two-way contact through ordinary mail.
		if !meTo {
			return
		}
		a.bulk++
		a.bulkW += w
		a.addDay(t, dayBulk, w)
		if a.bulkFirst == 0 || t < a.bulkFirst {
			a.bulkFirst = t
		}
		if newer(mi, a.bulkLast) {
			a.bulkLast = mi
		}
		return
	}
	a.recv++
	a.recvW += w
	a.addDay(t, dayRecv|personal(n), w)
	a.touch(t)
	if name := m.From[0].Name; name != "" {
		a.names = vote(a.names, name)
	}
	// What the sender calls the others they write to names them too: a
	// company's headers often carry a bare address in From and a name in
	// a colleague's Cc.
	for _, r := range b.rcpt {
		if o := &b.addrs[r.addr]; o.kind == kindContact && len(o.given) < maxNames {
			if name := nameOf(m, r.addr, b); name != "" {
				o.given = vote(o.given, name)
			}
		}
	}
	if newer(mi, a.lastMsg) {
		a.lastMsg = mi
	}
	if newer(mi, a.lastIn) {
		a.lastIn = mi
	}
	if meTo && n <= directRecipients && !IsForward(m.Subject) && newer(mi, a.lastDirectIn) {
		mi.rcpt = b.rcptIndexes()
		a.lastDirectIn = mi
	}
	b.threads[b.threadOf(m, from)].add(from)
}

// rcptIndexes copies the addresses of b.rcpt.
func (b *Builder) rcptIndexes() []int32 {
	out := make([]int32, len(b.rcpt))
	for i, r := range b.rcpt {
		out[i] = r.addr
	}
	return out
}

// markLists marks the list's own address among the recipients of a
// message carrying List-Id: the one whose local part is the List-Id's
// first label (r-help@r-project.org for <r-help.r-project.org>, as Mailman,
// Google Groups and most list servers make them).
func (b *Builder) markLists(m *Mail) {
	id := m.ListID
	if i := strings.LastIndexByte(id, '<'); i >= 0 {
		id = id[i+1:]
	}
	id = strings.TrimSpace(strings.TrimRight(id, "> "))
	label, _, ok := strings.Cut(id, ".")
	if !ok || label == "" {
		return
	}
	for _, list := range [2][]rekindle.Address{m.To, m.Cc} {
		for _, a := range list {
			if local, _ := splitAddr(a.Email); strings.EqualFold(local, label) {
				b.addrs[b.addr(a.Email)].list = true
			}
		}
	}
}

// public reports whether a message was also addressed to a mailing list:
// a post, which nobody in particular is expected to answer.
func (b *Builder) public(mi *msgInfo) bool {
	for _, i := range mi.rcpt {
		if b.addrs[i].list {
			return true
		}
	}
	return false
}

// nameOf is the display name m gives recipient i.
func nameOf(m *Mail, i int32, b *Builder) string {
	email := b.addrs[i].email
	for _, list := range [2][]rekindle.Address{m.To, m.Cc} {
		for _, a := range list {
			if a.Name != "" && (a.Email == email || strings.EqualFold(a.Email, email)) {
				return a.Name
			}
		}
	}
	return ""
}

func newMsgInfo(m *Mail, t int64, fromMe bool) *msgInfo {
	mi := &msgInfo{when: t, id: m.ID, subject: m.Subject, msgID: m.MessageID, fromMe: fromMe}
	if len(m.References) > 0 {
		mi.refs = slices.Clone(m.References)
	}
	switch {
	case len(m.InReplyTo) > 0:
		mi.parent = m.InReplyTo[0]
	case len(m.References) > 0:
		mi.parent = m.References[len(m.References)-1]
	}
	return mi
}

func (a *addrState) touch(t int64) {
	if a.first == 0 || t < a.first {
		a.first = t
	}
	if t > a.last {
		a.last = t
	}
}

// vote counts one more use of name among votes.
func vote(votes []nameVote, name string) []nameVote {
	for i := range votes {
		if votes[i].name == name {
			votes[i].n++
			return votes
		}
	}
	if len(votes) < maxNames {
		votes = append(votes, nameVote{name: strings.Clone(name), n: 1}) // see Builder.addr
	}
	return votes
}

// personal is dayPersonal for a message with n recipients, else 0.
func personal(n int) uint8 {
	if n <= PersonalRecipients {
		return dayPersonal
	}
	return 0
}

// dayOf is the UTC day number of a unix time.
func dayOf(t int64) int32 {
	d := t / 86400
	if t < 0 && t%86400 != 0 {
		d--
	}
	return int32(d)
}

// addDay adds weight to the record of t's day. Mail mostly arrives in date
// order, so the common case is the last record or a new one at the end.
func (a *addrState) addDay(t int64, flag uint8, w int64) {
	d := dayOf(t)
	n := len(a.days)
	var r *dayRec
	switch {
	case n > 0 && a.days[n-1].day == d:
		r = &a.days[n-1]
	case n == 0 || a.days[n-1].day < d:
		a.days = append(a.days, dayRec{day: d})
		r = &a.days[n]
	default:
		i, found := slices.BinarySearchFunc(a.days, d, func(x dayRec, d int32) int { return int(x.day) - int(d) })
		if !found {
			a.days = slices.Insert(a.days, i, dayRec{day: d})
		}
		r = &a.days[i]
	}
	r.flags |= flag
	switch flag &^ dayPersonal {
	case daySent:
		r.sentW = addSat(r.sentW, w)
	case dayRecv:
		r.recvW = addSat(r.recvW, w)
	case dayBulk:
		r.bulkW = addSat(r.bulkW, w)
	}
}

func (t *thread) add(a int32) {
	if slices.Contains(t.parts, a) || len(t.parts) >= maxThreadParts {
		return
	}
	t.parts = append(t.parts, a)
}

// threadOf returns the thread of a counted message. The root is the first
// References id, else the first In-Reply-To id, else the message's own
// Message-ID. A message with neither References nor In-Reply-To whose
// subject says it is a reply ("Re: ...", from a client that drops the
// headers) joins the thread that a message with the same cleaned subject
// and the same counterpart started, if one has been seen; a message without
// any id is threaded by subject and counterpart alone.
func (b *Builder) threadOf(m *Mail, counterpart int32) int32 {
	var key string
	switch {
	case len(m.References) > 0 && m.References[0] != "":
		key = m.References[0]
	case len(m.InReplyTo) > 0 && m.InReplyTo[0] != "":
		key = m.InReplyTo[0]
	}
	if key != "" {
		return b.thread(maphash.String(b.seed, key))
	}
	clean, reply := cleanSubject(m.Subject)
	var root uint64
	if clean != "" {
		root = b.subjectHash(clean, counterpart)
		if reply || m.MessageID == "" {
			if th, ok := b.roots[root]; ok {
				return th
			}
		}
	}
	var th int32
	if m.MessageID != "" {
		th = b.thread(maphash.String(b.seed, m.MessageID))
	} else {
		th = b.thread(root ^ 0x5bd1e9955bd1e995) // apart from the subject index's keys
	}
	if clean != "" {
		if _, ok := b.roots[root]; !ok || !reply {
			b.roots[root] = th
		}
	}
	return th
}

// subjectHash hashes a cleaned subject without case, and a counterpart.
func (b *Builder) subjectHash(clean string, counterpart int32) uint64 {
	var h maphash.Hash
	h.SetSeed(b.seed)
	var buf [4]byte
	for _, r := range clean {
		if r < utf8.RuneSelf {
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			h.WriteByte(byte(r))
			continue
		}
		h.Write(utf8.AppendRune(buf[:0], unicode.ToLower(r)))
	}
	h.WriteByte(0)
	h.WriteString(b.addrs[counterpart].email)
	return h.Sum64()
}

func (b *Builder) thread(key uint64) int32 {
	if i, ok := b.threadIdx[key]; ok {
		return i
	}
	i := int32(len(b.threads))
	b.threads = append(b.threads, thread{})
	b.threadIdx[key] = i
	return i
}

// unix converts a unix-seconds value back to a time (zero for 0).
func unix(t int64) time.Time {
	if t == 0 {
		return time.Time{}
	}
	return time.Unix(t, 0).UTC()
}
