package relationship

import (
	"fmt"
	"testing"
	"time"

	"github.com/rekindle/rekindle"
)

// The verdicts the user's own server (mx.example.com, for the user's
// example.com) stamps on mail it receives.
const myServer = "mx.example.com"

// passFor is a message from domain that authenticated.
func passFor(domain string) rekindle.Auth {
	return rekindle.Auth{Server: myServer, DMARC: "pass", DMARCDomain: domain, DKIM: "pass", DKIMDomain: domain, SPF: "pass", SPFDomain: domain}
}

var (
	// forgedDMARC: a message in the name of a domain with a DMARC policy,
	// sent from elsewhere.
	forgedDMARC = func(domain string) rekindle.Auth {
		return rekindle.Auth{Server: myServer, DMARC: "fail", DMARCDomain: domain, DKIM: "none", SPF: "softfail", SPFDomain: domain}
	}
	// forgedNoPolicy: the same for a domain without DMARC or SPF: nothing
	// fails, nothing passes.
	forgedNoPolicy = func(domain string) rekindle.Auth {
		return rekindle.Auth{Server: myServer, DMARC: "none", DMARCDomain: domain, DKIM: "none", SPF: "none", SPFDomain: domain}
	}
	// exchangeInternal: Exchange Online's stamp on mail between mailboxes
	// of one organisation: no SPF check, DMARC none.
	exchangeInternal = func(domain string) rekindle.Auth {
		return rekindle.Auth{DMARC: "none", DMARCDomain: domain, DKIM: "none"}
	}
)

func stamp(a rekindle.Auth) func(*rekindle.Header) { return func(h *rekindle.Header) { h.Auth = a } }

func TestTrustOf(t *testing.T) {
	tests := []struct {
		name string
		from string
		auth rekindle.Auth
		want Trust
	}{
		{"no verdict", "bob@friend.org", rekindle.Auth{}, TrustUnchecked},
		{"all pass", "bob@friend.org", passFor("friend.org"), TrustPass},
		{"dmarc pass alone", "bob@friend.org", rekindle.Auth{DMARC: "pass", DMARCDomain: "friend.org"}, TrustPass},
		{"microsoft bestguesspass", "bob@friend.org", rekindle.Auth{DMARC: "bestguesspass", DMARCDomain: "friend.org", SPF: "pass", SPFDomain: "esp.net"}, TrustPass},
		{"dmarc pass for another From", "bob@friend.org", rekindle.Auth{DMARC: "pass", DMARCDomain: "evil.net", SPF: "pass", SPFDomain: "evil.net"}, TrustUnauthenticated},
		{"dkim pass, subdomain", "bob@friend.org", rekindle.Auth{DKIM: "pass", DKIMDomain: "mail.friend.org", SPF: "softfail", SPFDomain: "friend.org"}, TrustPass},
		{"spf pass, parent domain", "bob@eu.friend.org", rekindle.Auth{SPF: "pass", SPFDomain: "friend.org"}, TrustPass},
		{"a look-alike is not a subdomain", "bob@friend.org", rekindle.Auth{DKIM: "pass", DKIMDomain: "notfriend.org", SPF: "none"}, TrustUnauthenticated},
		{"dmarc fail wins over a pass", "bob@friend.org", rekindle.Auth{DMARC: "fail", DMARCDomain: "friend.org", DKIM: "pass", DKIMDomain: "friend.org"}, TrustFail},
		{"forwarded: spf fails, dkim passes", "bob@friend.org", rekindle.Auth{DMARC: "pass", DMARCDomain: "friend.org", DKIM: "pass", DKIMDomain: "friend.org", SPF: "fail", SPFDomain: "friend.org"}, TrustPass},
		{"spf fail, nothing passes", "bob@friend.org", rekindle.Auth{SPF: "fail", SPFDomain: "friend.org"}, TrustFail},
		{"dkim fail, a pass elsewhere", "bob@friend.org", rekindle.Auth{DKIM: "fail", DKIMDomain: "friend.org", SPF: "pass", SPFDomain: "bounce.esp.net"}, TrustFail},
		{"softfail is not fail", "bob@friend.org", rekindle.Auth{SPF: "softfail", SPFDomain: "friend.org", DMARC: "none"}, TrustUnauthenticated},
		{"no policy anywhere", "bob@friend.org", forgedNoPolicy("friend.org"), TrustUnauthenticated},
		{"exchange online, inside the organisation", "jane@example.com", exchangeInternal("example.com"), TrustUnchecked},
		{"dkim none alone", "jane@example.com", rekindle.Auth{Server: myServer, DKIM: "none"}, TrustUnchecked},
		{"dmarc temperror", "bob@friend.org", rekindle.Auth{DMARC: "temperror", DMARCDomain: "friend.org"}, TrustUnauthenticated},
		{"no From domain", "root", passFor("friend.org"), TrustUnauthenticated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := rekindle.Header{From: []rekindle.Address{{Email: tt.from}}, Auth: tt.auth}
			if got := TrustOf(&h); got != tt.want {
				t.Errorf("TrustOf(From %s, %+v) = %d, want %d", tt.from, tt.auth, got, tt.want)
			}
		})
	}
}

// A stranger mails the user's inbox five messages "From: the user, To:
// the stranger", back-dated over two months, and five replies to them.
// The user's server saw the five arrive from outside without the user's
// domain authenticating them: they are not the user's, and the stranger,
// who only wrote to the user, never becomes a contact.
func TestForgedFromUser(t *testing.T) {
	const stranger = "mallory@stranger.net"
	for name, forged := range map[string]rekindle.Auth{
		"the user's domain has a DMARC policy": forgedDMARC("example.com"),
		"the user's domain has none":           forgedNoPolicy("example.com"),
	} {
		t.Run(name, func(t *testing.T) {
			var ms []*Mail
			for i := range 5 {
				d := float64(100 + 14*i)
				out := msg(day(d), "Jane <"+me+">", stranger).subj(fmt.Sprintf("our project %d", i)).with(stamp(forged))
				in := msg(day(d).Add(3*time.Hour), stranger, me).replyTo(out).with(stamp(passFor("stranger.net")))
				ms = append(ms, out, in)
			}
			now := day(200)
			b := build(Options{AsOf: now, IncludeOneWay: true}, ms)
			cs := b.Contacts(now)
			if c := find(cs, stranger); c != nil && (c.TwoWay || c.Sent > 0) {
				t.Errorf("the stranger is a contact: two-way %v, sent %d, received %d, status %s", c.TwoWay, c.Sent, c.Received, c.Status)
			}
			if picks := Pick(cs, now, PickOptions{}); len(picks) > 0 {
				t.Errorf("picked %s", picks[0].Email)
			}
			if f := b.Followups(now, 0); len(f.AwaitingReply)+len(f.OwesReply) > 0 {
				t.Errorf("follow-ups with the stranger: %+v", f)
			}
		})
	}
}

// bobHistory is a strong tie gone quiet: weekly exchanges for five months,
// the last one 60 days before day(200). His replies reached the user's
// server authenticated; the user's own mail is the Sent copies, unstamped.
func bobHistory(bob string) []*Mail {
	var ms []*Mail
	for i := range 20 {
		ex := exchange(float64(7*i), bob)
		ex[1].with(stamp(passFor("friend.org")))
		ms = append(ms, ex...)
	}
	return ms
}

// One message "From: a real friend" forged three days ago must not make
// the friend look recently in touch: the digest's quiet days would drop
// him, and a follow-up would say the user owes him an answer.
func TestForgedFromFriend(t *testing.T) {
	const bob = "Bob Stone <bob@friend.org>"
	now := day(200)
	real := build(Options{AsOf: now}, bobHistory(bob))
	want := mustFind(t, real.Contacts(now), "bob@friend.org")
	if picks := Pick(real.Contacts(now), now, PickOptions{}); len(picks) != 1 {
		t.Fatalf("without the forgery, picks %v; want Bob", picks)
	}

	forged := msg(day(197), bob, me).subj("Quick question, can you call me?").with(stamp(forgedDMARC("friend.org")))
	b := build(Options{AsOf: now}, bobHistory(bob), one(forged))
	cs := b.Contacts(now)
	c := mustFind(t, cs, "bob@friend.org")
	if !c.LastContact.Equal(want.LastContact) || c.Received != want.Received {
		t.Errorf("Bob: last contact %v, received %d; want %v and %d as without the forgery", c.LastContact, c.Received, want.LastContact, want.Received)
	}
	if picks := Pick(cs, now, PickOptions{}); len(picks) != 1 || picks[0].Key != c.Key {
		t.Errorf("picks %v, want Bob", picks)
	}
	if f := b.Followups(now, 0); len(f.OwesReply) > 0 {
		t.Errorf("the user owes the forger an answer: %+v", f.OwesReply)
	}
}

// The user's own mail counts wherever it is filed and however it came
// back: Sent copies moved into a project folder (no verdict), Bcc copies
// to oneself that the user's server authenticated, and Exchange Online's
// copies inside the organisation (checked for nothing from outside).
func TestOwnMailStillCounts(t *testing.T) {
	const carol = "carol@client.com"
	copies := map[string]func(*rekindle.Header){
		"filed in a project folder": func(*rekindle.Header) {},
		"bcc to oneself":            stamp(passFor("example.com")),
		"bcc, dkim by a subdomain": stamp(rekindle.Auth{Server: myServer, DKIM: "pass", DKIMDomain: "mail.example.com",
			SPF: "softfail", SPFDomain: "example.com", DMARC: "none", DMARCDomain: "example.com"}),
		"exchange online, inside": stamp(exchangeInternal("example.com")),
	}
	for name, how := range copies {
		t.Run(name, func(t *testing.T) {
			var ms []*Mail
			for i := range 6 {
				ex := exchange(float64(10*i), carol)
				ex[0].with(how)
				ex[1].with(stamp(passFor("client.com")))
				ms = append(ms, ex...)
			}
			now := day(100)
			c := mustFind(t, build(Options{AsOf: now}, ms).Contacts(now), carol)
			if c.Sent != 6 || c.Received != 6 || !c.TwoWay {
				t.Errorf("carol: sent %d, received %d; want 6 and 6", c.Sent, c.Received)
			}
		})
	}
}

// A failed check counts in neither direction, and teaches nothing: not a
// list address, not a name.
func TestFailedCheckTeachesNothing(t *testing.T) {
	const bob = "bob@friend.org"
	ms := bobHistory(bob)
	// A forged list post in Bob's name makes him the "list" of a List-Id.
	post := msg(day(150), "Someone Else <bob@friend.org>", bob, me).with(stamp(forgedDMARC("friend.org"))).
		with(func(h *rekindle.Header) { h.ListID = "<bob.friend.org>" })
	now := day(200)
	b := build(Options{AsOf: now}, ms, one(post))
	c := mustFind(t, b.Contacts(now), bob)
	if c.Name == "Someone Else" {
		t.Errorf("Bob took the forger's name")
	}
	if i, ok := b.idx[bob]; !ok || b.addrs[i].list {
		t.Errorf("Bob's address became a mailing list's")
	}
}
