package synth

import (
	"container/heap"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

const day = 24 * time.Hour

// source is one independent producer of mail: a correspondent, a list, a
// notifier. It yields its mails in non-decreasing InternalDate order and
// draws only from its own random stream, so the merge order of sources
// never changes what any of them produces.
type source interface {
	next() (Mail, bool)
}

// generator holds a mailbox's configuration and its sources.
type generator struct {
	opts       Options
	now, start time.Time
	me         addr
	alias      addr // zero when the user has none
	plus       addr // local+lists@domain, for list subscriptions
	shop       addr // local+shop@domain, for shopping notifications
	myAddrs    []string
	myZone     *time.Location
	myDomain   string
	hostile    bool
	personas   []*Persona
	sources    []source
	counted    int // mails the person and fixed sources will produce
	lists      []mailingList
	colleagues []addr // Acme staff, for announcements and Cc
	nstreams   uint64
}

func newGenerator(opts Options) *generator {
	if opts.Now.IsZero() {
		opts.Now = DefaultNow
	}
	if opts.Years <= 0 {
		opts.Years = 3
	}
	opts.Years = max(opts.Years, 2)
	if opts.Me.Email == "" {
		opts.Me = DefaultMe
		if opts.Aliases == nil {
			opts.Aliases = []string{defaultAlias}
		}
	}
	g := &generator{
		opts:   opts,
		now:    opts.Now.Truncate(time.Second),
		myZone: time.FixedZone("CET", 3600),
	}
	g.start = g.now.Add(-time.Duration(opts.Years) * 365 * day)
	g.me = addr{name: opts.Me.Name, email: strings.ToLower(opts.Me.Email)}
	local, domain, _ := strings.Cut(g.me.email, "@")
	g.myDomain = domain
	g.plus = addr{name: g.me.name, email: local + "+lists@" + domain}
	g.shop = addr{email: local + "+shop@" + domain}
	g.myAddrs = []string{g.me.email}
	for _, a := range opts.Aliases {
		a = strings.ToLower(a)
		g.myAddrs = append(g.myAddrs, a)
		if g.alias.email == "" {
			g.alias = addr{name: g.me.name, email: a}
		}
	}
	g.myAddrs = append(g.myAddrs, g.plus.email, g.shop.email)
	g.hostile = (opts.Messages >= 1000 || opts.Hostile) && !opts.NoHostile

	g.addPersonas()
	g.addFillers()
	g.addBulk()
	return g
}

// rng returns the random stream of the next source.
func (g *generator) rng() *rand.Rand {
	g.nstreams++
	return rand.New(rand.NewPCG(g.opts.Seed, g.nstreams*0x9e3779b97f4a7c15+0x632be59bd9b4e019))
}

// folders lists the mailbox's folders with their special use.
func (g *generator) folders() []Folder {
	fs := []Folder{
		{FolderInbox, ""}, {FolderSent, `\Sent`}, {FolderArchive, `\Archive`},
		{FolderDrafts, `\Drafts`}, {FolderJunk, `\Junk`}, {FolderTrash, `\Trash`},
	}
	if g.opts.AllMail {
		fs = append(fs, Folder{FolderAllMail, `\All`})
	}
	for _, l := range g.lists {
		fs = append(fs, Folder{"Lists/" + l.folder, ""})
	}
	slices.SortFunc(fs, func(a, b Folder) int { return strings.Compare(a.Name, b.Name) })
	return fs
}

// run merges the sources by arrival time and yields every mail.
func (g *generator) run(yield func(Mail) error) error {
	h := &mergeHeap{}
	for i, s := range g.sources {
		if m, ok := s.next(); ok {
			h.items = append(h.items, mergeItem{m, i})
		}
	}
	heap.Init(h)
	for h.Len() > 0 {
		it := &h.items[0]
		m := it.mail
		if next, ok := g.sources[it.src].next(); ok {
			it.mail = next
			heap.Fix(h, 0)
		} else {
			heap.Pop(h)
		}
		if err := yield(m); err != nil {
			return err
		}
		if g.opts.AllMail && !m.dup {
			switch m.Folder {
			case FolderDrafts, FolderJunk, FolderTrash:
			default:
				c := m
				c.Folder = FolderAllMail
				c.Flags = slices.Clone(m.Flags)
				if err := yield(c); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

type mergeItem struct {
	mail Mail
	src  int
}

type mergeHeap struct{ items []mergeItem }

func (h *mergeHeap) Len() int { return len(h.items) }
func (h *mergeHeap) Less(i, j int) bool {
	a, b := &h.items[i], &h.items[j]
	if c := a.mail.InternalDate.Compare(b.mail.InternalDate); c != 0 {
		return c < 0
	}
	return a.src < b.src
}
func (h *mergeHeap) Swap(i, j int) { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *mergeHeap) Push(x any)    { h.items = append(h.items, x.(mergeItem)) }
func (h *mergeHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}

// fixedSource yields messages decided in advance, rendering them lazily.
type fixedSource struct {
	g    *generator
	r    *rand.Rand
	msgs []*msg
	i    int
}

func (g *generator) addFixed(r *rand.Rand, msgs []*msg) {
	slices.SortStableFunc(msgs, func(a, b *msg) int { return a.internal.Compare(b.internal) })
	g.sources = append(g.sources, &fixedSource{g: g, r: r, msgs: msgs})
	g.counted += len(msgs)
}

func (s *fixedSource) next() (Mail, bool) {
	if s.i >= len(s.msgs) {
		return Mail{}, false
	}
	m := s.msgs[s.i]
	s.msgs[s.i] = nil
	s.i++
	return s.g.render(s.r, m), true
}

// spread yields n times in increasing order, uniformly distributed over
// [a, b), one at a time (sequential order statistics), so a bulk source
// never holds its schedule in memory.
type spread struct {
	a    time.Time
	span float64
	n, i int
	u    float64
}

func newSpread(a, b time.Time, n int) *spread {
	return &spread{a: a, span: float64(b.Sub(a)), n: n}
}

func (s *spread) next(r *rand.Rand) (time.Time, bool) {
	if s.i >= s.n {
		return time.Time{}, false
	}
	rem := s.n - s.i
	s.u += (1 - s.u) * (1 - math.Pow(r.Float64(), 1/float64(rem)))
	s.i++
	return s.a.Add(time.Duration(s.u * s.span)), true
}

// bulkSource yields mail built one slot at a time by a function, keeping
// arrival times strictly increasing.
type bulkSource struct {
	g       *generator
	r       *rand.Rand
	times   *spread
	build   func(r *rand.Rand, t time.Time) []*msg
	pending []*msg
	floor   time.Time
}

// addSpread adds a bulk source of about n slots spread over the history.
func (g *generator) addSpread(n int, build func(r *rand.Rand, t time.Time) []*msg) {
	if n <= 0 {
		return
	}
	g.sources = append(g.sources, &bulkSource{
		g: g, r: g.rng(), times: newSpread(g.start, g.now.Add(-time.Minute), n), build: build,
	})
}

func (s *bulkSource) next() (Mail, bool) {
	for len(s.pending) == 0 {
		t, ok := s.times.next(s.r)
		if !ok {
			return Mail{}, false
		}
		s.pending = s.build(s.r, t)
	}
	m := s.pending[0]
	s.pending = s.pending[1:]
	if !m.internal.After(s.floor) {
		m.internal = s.floor.Add(time.Second)
	}
	if m.internal.After(s.g.now) {
		m.internal = s.g.now
	}
	s.floor = m.internal
	return s.g.render(s.r, m), true
}

// Small helpers on the random streams.

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

// between returns a duration uniformly in [a, b).
func between(r *rand.Rand, a, b time.Duration) time.Duration {
	if b <= a {
		return a
	}
	return a + time.Duration(r.Int64N(int64(b-a)))
}

// jitter returns d scaled by a factor uniformly in [1-f, 1+f].
func jitter(r *rand.Rand, d time.Duration, f float64) time.Duration {
	return time.Duration(float64(d) * (1 - f + 2*f*r.Float64()))
}

// deliver is the delay between a message's Date and its arrival.
func deliver(r *rand.Rand) time.Duration { return between(r, 2*time.Second, 90*time.Second) }
