package relationship

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rekindle/rekindle"
)

// t0 is day 0 of the test mailboxes; day(n) is n days later.
var t0 = time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC)

func day(n float64) time.Time { return t0.Add(time.Duration(n * 24 * float64(time.Hour))) }

const me = "jane@example.com"

// parseAddr reads "Name <email>" or "email".
func parseAddr(s string) rekindle.Address {
	if i := strings.IndexByte(s, '<'); i >= 0 {
		return rekindle.Address{Name: strings.TrimSpace(s[:i]), Email: strings.Trim(s[i:], "<>")}
	}
	return rekindle.Address{Email: s}
}

func parseAddrs(ss []string) []rekindle.Address {
	var as []rekindle.Address
	for _, s := range ss {
		as = append(as, parseAddr(s))
	}
	return as
}

var seq int64

// msg is a message from one address to others on a day.
func msg(when time.Time, from string, to ...string) *Mail {
	seq++
	return &Mail{ID: seq, When: when, Header: rekindle.Header{
		MessageID: fmt.Sprintf("m%d@test", seq),
		Subject:   "hello",
		From:      []rekindle.Address{parseAddr(from)},
		To:        parseAddrs(to),
	}}
}

func (m *Mail) cc(cc ...string) *Mail { m.Cc = append(m.Cc, parseAddrs(cc)...); return m }

func (m *Mail) subj(s string) *Mail { m.Subject = s; return m }

func (m *Mail) with(f func(h *rekindle.Header)) *Mail { f(&m.Header); return m }

// replyTo makes m a reply to parent.
func (m *Mail) replyTo(parent *Mail) *Mail {
	m.InReplyTo = []string{parent.MessageID}
	m.References = append(append([]string(nil), parent.References...), parent.MessageID)
	if !strings.HasPrefix(parent.Subject, "Re: ") {
		m.Subject = "Re: " + parent.Subject
	} else {
		m.Subject = parent.Subject
	}
	return m
}

// exchange is the user writing to who on day d and who answering an hour
// later.
func exchange(d float64, who string) []*Mail {
	out := msg(day(d), me, who).subj(fmt.Sprintf("topic %v", d))
	in := msg(day(d).Add(time.Hour), who, me).replyTo(out)
	return []*Mail{out, in}
}

func build(opts Options, ms ...[]*Mail) *Builder {
	if opts.Me == nil {
		opts.Me = []string{me}
	}
	b := NewBuilder(opts)
	for _, group := range ms {
		for _, m := range group {
			b.Add(m)
		}
	}
	return b
}

func one(ms ...*Mail) []*Mail { return ms }

// find returns the contact with an address, or nil.
func find(cs []Contact, email string) *Contact {
	for i := range cs {
		for _, a := range cs[i].Addresses {
			if a == email {
				return &cs[i]
			}
		}
	}
	return nil
}

func keys(cs []Contact) []string {
	var ks []string
	for _, c := range cs {
		ks = append(ks, c.Key)
	}
	return ks
}

func mustFind(t *testing.T, cs []Contact, email string) *Contact {
	t.Helper()
	c := find(cs, email)
	if c == nil {
		t.Fatalf("no contact %s among %v", email, keys(cs))
	}
	return c
}

func near(a, b float64) bool { return a-b < 1e-6 && b-a < 1e-6 }
