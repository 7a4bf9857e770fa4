package relationship

import (
	"testing"
	"time"

	"github.com/rekindle/rekindle"
)

// What servers put in ENVELOPE for an address that does not parse
// (Dovecot's MISSING_MAILBOX, MISSING_DOMAIN and SYNTAX_ERROR, UW-IMAP's
// .MISSING-HOST-NAME. and .SYNTAX-ERROR., as imapsync stores them), and
// an address without a domain (a local user such as "root"), are nobody
// to write to: never contacts.
func TestPlaceholderAddressesNeverContacts(t *testing.T) {
	for _, who := range []string{
		"missing_mailbox",                // "From: <>": no mailbox, no domain
		"missing_mailbox@example.com",    // "From: @example.com"
		"bob@syntax_error",               // "From: Bob <bob smith@example.com>"
		"bob@missing_domain",             // a placeholder kept whole
		"bob@.missing-host-name.",        // UW-IMAP
		"bob@.syntax-error.",             // UW-IMAP
		"root",                           // no domain
		"bob@",                           // an empty domain
		"missing_mailbox_terminator@x.y", // UW-IMAP
	} {
		t.Run(who, func(t *testing.T) {
			if !IsRobot(who) {
				t.Errorf("IsRobot(%q) = false, want true", who)
			}
			b := build(Options{IncludeOneWay: true}, exchange(1, who), exchange(20, who), exchange(40, who))
			if c := find(b.Contacts(day(60)), who); c != nil {
				t.Errorf("%s is a contact: %+v", who, c)
			}
		})
	}
	for _, who := range []string{"bob@example.com", "missing@example.com", "syntax@error.example"} {
		if IsRobot(who) {
			t.Errorf("IsRobot(%q) = true, want a person", who)
		}
	}
}

// A time before 1980 (a Unix time of 0 reads 1970) is a broken clock: the
// model takes the Date header instead when that is sound, and otherwise
// drops the message, rather than showing a last contact of 0001-01-01 and
// a warm status.
func TestImplausibleTimes(t *testing.T) {
	epoch := time.Unix(0, 0).UTC()
	const bob, carol, dave = "bob@example.com", "carol@example.com", "dave@example.com"
	var ms []*Mail
	// Bob: a real exchange a year ago, then two messages the server dated
	// 1970 and 1975.
	ms = append(ms, exchange(0, bob)...)
	ms = append(ms, exchange(10, bob)...)
	ms = append(ms, msg(epoch, bob, me), msg(time.Date(1975, 5, 1, 0, 0, 0, 0, time.UTC), me, bob))
	// Carol: only mail dated 1970.
	for range 3 {
		ms = append(ms, msg(epoch, me, carol), msg(epoch.Add(time.Hour), carol, me))
	}
	// Dave: When is 1970 but the Date header is sound.
	for _, d := range []float64{100, 130, 160} {
		out := msg(epoch, me, dave)
		out.Date = day(d)
		in := msg(epoch, dave, me).replyTo(out)
		in.Date = day(d).Add(time.Hour)
		ms = append(ms, out, in)
	}
	now := day(365)
	b := build(Options{AsOf: now}, ms)
	cs := b.Contacts(now)

	c := mustFind(t, cs, bob)
	if !c.FirstContact.Equal(day(0)) || !c.LastContact.Equal(day(10).Add(time.Hour)) {
		t.Errorf("bob: first %v, last %v; want %v and %v", c.FirstContact, c.LastContact, day(0), day(10).Add(time.Hour))
	}
	if c.Sent != 2 || c.Received != 2 {
		t.Errorf("bob: sent/received %d/%d, want 2/2 (the 1970 and 1975 mail dropped)", c.Sent, c.Received)
	}
	if c.Status == rekindle.StatusWarm {
		t.Errorf("bob: status %s after a year of silence", c.Status)
	}
	if c := find(cs, carol); c != nil {
		t.Errorf("carol, with only mail dated 1970, is a contact: last %v, status %s", c.LastContact, c.Status)
	}
	if c := mustFind(t, cs, dave); !c.LastContact.Equal(day(160).Add(time.Hour)) || c.Sent != 3 {
		t.Errorf("dave: last %v, sent %d; want the Date headers' %v and 3", c.LastContact, c.Sent, day(160).Add(time.Hour))
	}
	for _, c := range cs {
		if c.LastContact.Year() < 1980 || c.FirstContact.Year() < 1980 {
			t.Errorf("%s: first %v, last %v", c.Key, c.FirstContact, c.LastContact)
		}
	}

	// Without AsOf, a time past the year 2200 is no better.
	far := time.Date(2999, 1, 1, 0, 0, 0, 0, time.UTC)
	b = build(Options{}, exchange(0, bob), exchange(10, bob), one(msg(far, bob, me)))
	if c := mustFind(t, b.Contacts(now), bob); !c.LastContact.Equal(day(10).Add(time.Hour)) {
		t.Errorf("bob without AsOf: last %v, want %v", c.LastContact, day(10).Add(time.Hour))
	}
}
