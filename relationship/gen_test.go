package relationship

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/rekindle/rekindle"
)

// mailbox is a random mailbox for property tests: the user's mail with
// friends of every rhythm, plus the traffic that must never count.
type mailbox struct {
	mail []*Mail
	opts Options
	end  time.Time // the last day of mail
	// never lists addresses that must never be contacts.
	never map[string]bool
}

func genMailbox(seed uint64, size int) *mailbox {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	mb := &mailbox{never: map[string]bool{}}
	const span = 3 * 365
	mb.end = day(span)
	mb.opts = Options{
		Me:     []string{me, "jane.doe@gmail.com"},
		Ignore: []string{"*@linkedin.com", "ignored.example"},
	}
	myAddrs := []string{me, "jane+lists@example.com", "janedoe@gmail.com"}
	id := 0
	add := func(m *Mail) *Mail {
		id++
		m.ID = int64(id)
		m.MessageID = fmt.Sprintf("g%d.%d@test", seed, id)
		mb.mail = append(mb.mail, m)
		return m
	}
	at := func(d float64) time.Time { return day(d).Add(time.Duration(r.IntN(3600*10)) * time.Second) }
	person := func(i int) string {
		return fmt.Sprintf("First%d Last%d <p%d@%s>", i, i, i, []string{"acme.com", "globex.example", "gmail.com", "ignored.example"}[i%4])
	}
	nFriends := max(5, size/60)
	for i := range nFriends {
		who := person(i)
		if strings.HasSuffix(parseAddr(who).Email, "@ignored.example") {
			mb.never[parseAddr(who).Email] = true
		}
		every := []float64{2, 7, 14, 30, 60, 120}[r.IntN(6)]
		start := r.Float64() * span / 2
		stop := start + r.Float64()*(span-start)
		for d := start; d < stop && len(mb.mail) < size; d += every * (0.5 + r.Float64()) {
			mine := myAddrs[r.IntN(2)*2] // the main address or the gmail one
			var first *Mail
			if r.IntN(2) == 0 {
				first = add(msg(at(d), mine, who).subj(fmt.Sprintf("topic %d", r.IntN(1000))))
			} else {
				first = add(msg(at(d), who, mine).subj(fmt.Sprintf("question %d", r.IntN(1000))))
			}
			// A short back-and-forth, sometimes left unanswered.
			prev := first
			for k := 0; k < r.IntN(4); k++ {
				from, to := who, mine
				if prev.From[0].Email != me && prev.From[0].Email != "janedoe@gmail.com" {
					from, to = mine, who
				}
				prev = add(msg(prev.When.Add(time.Duration(1+r.IntN(48))*time.Hour), from, to).replyTo(prev))
			}
			if r.IntN(10) == 0 { // a group mail now and then
				add(msg(at(d+1), who, me, person(r.IntN(nFriends)), person(r.IntN(nFriends))).subj("group"))
			}
		}
	}
	// Traffic that must never count.
	for len(mb.mail) < size {
		d := r.Float64() * span
		switch r.IntN(7) {
		case 0: // a newsletter to the user, answered once in a while
			from := fmt.Sprintf("News%d <letter%d@news.example>", r.IntN(20), r.IntN(20))
			add(msg(at(d), from, me).with(func(h *rekindle.Header) { h.ListUnsubscribe = "<https://u>" }))
			mb.never[parseAddr(from).Email] = true
		case 1: // robots, even when answered
			who := []string{"noreply@github.com", "calendar-notification@google.com", "mailer-daemon@mx.example", "r1@resource.calendar.google.com"}[r.IntN(4)]
			add(msg(at(d), who, me))
			add(msg(at(d+1), me, who))
			mb.never[who] = true
		case 2: // a mailing list the user is on, from people who never write directly
			from := fmt.Sprintf("Poster%d <poster%d@lists.example>", r.IntN(30), r.IntN(30))
			add(msg(at(d), from, "dev@lists.example").cc(me).with(func(h *rekindle.Header) { h.ListID = "<dev.lists.example>" }))
			mb.never[parseAddr(from).Email] = true
		case 3: // the user's own aliases and rekindle's digests
			add(msg(at(d), "jane+lists@example.com", me))
			add(msg(at(d), me, me).with(func(h *rekindle.Header) { h.AutoSubmitted = "auto-generated" }))
		case 4: // ignored senders, answered
			add(msg(at(d), "Recruiter <r@linkedin.com>", me))
			add(msg(at(d+1), me, "r@linkedin.com"))
			mb.never["r@linkedin.com"] = true
		case 5: // an announcement to many
			var to []string
			for k := range 30 {
				to = append(to, fmt.Sprintf("x%d@crowd.example", k))
				mb.never[fmt.Sprintf("x%d@crowd.example", k)] = true
			}
			add(msg(at(d), me, to...))
		case 6: // out-of-office replies from strangers
			who := fmt.Sprintf("ooo%d@away.example", r.IntN(10))
			add(msg(at(d), me, who))
			add(msg(at(d), who, me).with(func(h *rekindle.Header) { h.AutoSubmitted = "auto-replied" }))
			mb.never[who] = true
		}
	}
	for _, a := range myAddrs {
		mb.never[a] = true
	}
	slices.SortFunc(mb.mail, func(a, b *Mail) int { return a.When.Compare(b.When) })
	return mb
}
