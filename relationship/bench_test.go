package relationship

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/rekindle/rekindle"
)

// stream generates a large mailbox one message at a time into one reused
// Mail, the way the store streams rows: a few thousand correspondents
// (a few hundred of them frequent), mailing lists, newsletters and robots,
// over ten years. Message IDs are new strings each time, as they are when
// read from SQLite.
type stream struct {
	r       *rand.Rand
	n, i    int
	start   time.Time
	step    time.Duration
	m       Mail
	buf     []byte
	people  []rekindle.Address
	posters []rekindle.Address
	letters []rekindle.Address
	robots  []rekindle.Address
	lists   []rekindle.Address
	subject []string
	roots   [1024]string // recent thread roots, for replies
	me      rekindle.Address
}

func newStream(seed uint64, n int) *stream {
	s := &stream{
		r:     rand.New(rand.NewPCG(seed, 1)),
		n:     n,
		start: time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC),
		me:    rekindle.Address{Name: "Jane Doe", Email: me},
	}
	s.step = 10 * 365 * 24 * time.Hour / time.Duration(n)
	domains := []string{"acme.com", "globex.example", "gmail.com", "initech.example", "umbrella.example", "hooli.example"}
	for i := range 3000 {
		s.people = append(s.people, rekindle.Address{Name: fmt.Sprintf("First%d Last%d", i, i), Email: fmt.Sprintf("p%d@%s", i, domains[i%len(domains)])})
	}
	for i := range 400 {
		s.posters = append(s.posters, rekindle.Address{Name: fmt.Sprintf("Poster %d", i), Email: fmt.Sprintf("poster%d@lists.example", i)})
	}
	for i := range 60 {
		s.letters = append(s.letters, rekindle.Address{Name: fmt.Sprintf("Letter %d", i), Email: fmt.Sprintf("news%d@letters.example", i)})
	}
	for _, e := range []string{"noreply@github.com", "notifications@slack.example", "calendar-notification@google.com", "no-reply@bank.example", "mailer-daemon@mx.example"} {
		s.robots = append(s.robots, rekindle.Address{Email: e})
	}
	for i := range 20 {
		s.lists = append(s.lists, rekindle.Address{Email: fmt.Sprintf("list%d@lists.example", i)})
	}
	for i := range 2000 {
		s.subject = append(s.subject, fmt.Sprintf("Subject number %d about things", i))
	}
	for i := range s.roots {
		s.roots[i] = fmt.Sprintf("root%d@seed", i)
	}
	return s
}

// person picks a correspondent: a tenth of them get most of the mail.
func (s *stream) person() rekindle.Address {
	if s.r.IntN(4) != 0 {
		return s.people[s.r.IntN(300)]
	}
	return s.people[s.r.IntN(len(s.people))]
}

func (s *stream) next() *Mail {
	if s.i == s.n {
		return nil
	}
	s.i++
	m := &s.m
	h := &m.Header
	m.ID = int64(s.i)
	m.When = s.start.Add(time.Duration(s.i) * s.step)
	s.buf = strconv.AppendInt(append(s.buf[:0], "msg"...), int64(s.i), 10)
	s.buf = append(s.buf, "@mail.example"...)
	h.MessageID = string(s.buf)
	h.Subject = s.subject[s.r.IntN(len(s.subject))]
	h.From, h.To, h.Cc = h.From[:0], h.To[:0], h.Cc[:0]
	h.InReplyTo, h.References = h.InReplyTo[:0], h.References[:0]
	h.ListID, h.ListUnsubscribe, h.Precedence, h.AutoSubmitted = "", "", "", ""
	reply := func() {
		root := s.roots[s.r.IntN(len(s.roots))]
		h.References = append(h.References, root)
		h.InReplyTo = append(h.InReplyTo, root)
		h.Subject = "Re: " + h.Subject
	}
	switch k := s.r.IntN(100); {
	case k < 20: // the user writes to one to three people
		h.From = append(h.From, s.me)
		for range 1 + s.r.IntN(3) {
			h.To = append(h.To, s.person())
		}
		if s.r.IntN(4) == 0 {
			h.Cc = append(h.Cc, s.person())
		}
		if s.r.IntN(2) == 0 {
			reply()
		}
	case k < 40: // someone writes to the user
		h.From = append(h.From, s.person())
		h.To = append(h.To, s.me)
		if s.r.IntN(3) == 0 {
			h.Cc = append(h.Cc, s.person())
		}
		if s.r.IntN(2) == 0 {
			reply()
		}
	case k < 75: // mailing lists
		h.From = append(h.From, s.posters[s.r.IntN(len(s.posters))])
		h.To = append(h.To, s.lists[s.r.IntN(len(s.lists))])
		h.ListID = "<list.lists.example>"
		if s.r.IntN(2) == 0 {
			reply()
		}
	case k < 90: // newsletters addressed to the user
		h.From = append(h.From, s.letters[s.r.IntN(len(s.letters))])
		h.To = append(h.To, s.me)
		h.ListUnsubscribe = "<https://letters.example/u>"
	default: // robots
		h.From = append(h.From, s.robots[s.r.IntN(len(s.robots))])
		h.To = append(h.To, s.me)
	}
	if s.r.IntN(64) == 0 {
		s.roots[s.r.IntN(len(s.roots))] = h.MessageID
	}
	return m
}

// BenchmarkBuild streams N messages into a Builder and reads contacts,
// follow-ups and picks. ns/msg is the cost per message; MB-retained is the
// live heap held by the Builder afterwards.
func BenchmarkBuild(b *testing.B) {
	for _, n := range []int{50_000, 1_000_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			var retained uint64
			for b.Loop() {
				s := newStream(1, n)
				bl := NewBuilder(Options{Me: []string{me}})
				for m := s.next(); m != nil; m = s.next() {
					bl.Add(m)
				}
				now := s.m.When
				cs := bl.Contacts(now)
				bl.Followups(now, 0)
				Pick(cs, now, PickOptions{})
				b.StopTimer()
				var ms runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&ms)
				retained = ms.HeapAlloc
				runtime.KeepAlive(bl)
				b.StartTimer()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/msg")
			b.ReportMetric(float64(retained)/(1<<20), "MB-retained")
		})
	}
}

// BenchmarkStream is the generator alone, to subtract from BenchmarkBuild.
func BenchmarkStream(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		s := newStream(1, 1_000_000)
		for m := s.next(); m != nil; m = s.next() {
		}
	}
}
