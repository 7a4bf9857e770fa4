package relationship

import (
	"strings"
	"time"

	"github.com/rekindle/rekindle"
)

// Mail is one message as the store streams it into a Builder. A Builder
// keeps none of it by reference except strings, so the caller may reuse the
// value (and its slices) between calls to Add.
type Mail struct {
	// ID is the store's id for the message; opaque here, it only breaks
	// ties between messages with the same date so results do not depend on
	// the order of Add calls.
	ID int64
	// When is the message's date: the Date header, or the server's internal
	// date (the arrival) when the header is missing or more than
	// rekindle.MaxDateAhead after the arrival (the sync applies that rule).
	// A zero When falls back to Date; mail with neither is dropped.
	When time.Time
	rekindle.Header
}

// Options is everything the model needs that is not mail: the user's
// configuration and what the store knows.
type Options struct {
	// Me lists the user's addresses. Matching is case-insensitive and also
	// covers plus-address variants (jane+news@example.com is jane@) and, at
	// gmail.com and googlemail.com, dotted variants. An entry with a '*' is
	// a glob ("*@jane.dev" for a catch-all domain).
	Me []string
	// Ignore lists addresses and domains that are never contacts: a glob
	// with '@' matches whole addresses ("*@linkedin.com", "bob@x.org"); one
	// without matches a domain and its subdomains ("example.net" covers
	// mail.example.net; "*" and "?" work there too).
	Ignore []string
	// Overrides are the user's per-contact settings, keyed by a contact's
	// Key or by any of its addresses (case-insensitive). When several keys
	// of one contact match, Ignore and Pin hold if any says so, tags are
	// united, the latest SnoozeUntil wins, and the shortest Cadence wins.
	Overrides map[string]Override
	// TagCadence gives tags a cadence: a contact tagged "family" with
	// TagCadence["family"] = 14 days is expected every two weeks. The
	// shortest cadence among a contact's tags applies, unless
	// Override.Cadence is set.
	TagCadence map[string]time.Duration
	// Merges are groups of addresses the user declares to be one person.
	Merges [][]string
	// Splits are pairs of addresses the user declares to be different
	// people: no merge, automatic, declared or from a card, puts them in
	// one contact.
	Splits [][2]string
	// Cards are the user's address book. A card says three things about
	// the person its addresses belong to (an address matches as the
	// mailbox it delivers to: case, plus tags and Gmail dots aside):
	//
	//   - Its addresses are one person, as a merge, but below the user's
	//     own: Merges are made first and Splits veto a card's merge, so a
	//     card never puts together what the user split, nor takes an
	//     address away from a group the user merged it into.
	//   - Its Name names the person, over any name read from the mail.
	//     When several cards name one person, the first in Cards wins.
	//     (No override names a contact; an override that did would come
	//     first.)
	//   - Its Categories are tags (see CategoryTag), added to those of the
	//     overrides: they count for TagCadence and are listed in
	//     Contact.Tags.
	//
	// A card's addresses that are the user's, ignored, robots, or never
	// seen in counted mail are left out of its merge.
	Cards []rekindle.Card
	// Dismissed are Message-IDs (without angle brackets) of messages the
	// user said need no reply: a message among them neither awaits nor
	// owes one. A later message in either direction is judged afresh.
	Dismissed map[string]bool
	// HalfLife is how fast warmth fades: an exchange HalfLife ago counts
	// half as much as one today. Zero means DefaultHalfLife.
	HalfLife time.Duration
	// AsOf, when set, is the moment the model describes: Add drops mail
	// dated after it, so later mail cannot change any result.
	AsOf time.Time
	// MaxRecipients is the most recipients (To and Cc) a message may have
	// and still count as conversation; a message to more people is an
	// announcement and counts for nobody. Zero means DefaultMaxRecipients.
	MaxRecipients int
	// IncludeOneWay makes Contacts also return people with counted mail in
	// only one direction (TwoWay false, Score 0). They are never picked
	// and never have follow-ups.
	IncludeOneWay bool
}

// Override is the user's say about one contact.
type Override struct {
	// Cadence, when set, is how often the user wants to be in touch; it
	// replaces the learnt rhythm.
	Cadence time.Duration
	// SnoozeUntil keeps the contact out of picks until then; the contact is
	// still listed, with Snoozed set.
	SnoozeUntil time.Time
	// Ignore makes the contact's mail count for nothing: it is never listed,
	// picked or followed up.
	Ignore bool
	// Pin keeps the contact eligible for picks whatever its status,
	// exchange count or last suggestion (see Pick).
	Pin bool
	// Tags label the contact; a tag may carry a cadence (Options.TagCadence)
	// and a tag can name a target company (PickOptions.TargetCompanies).
	Tags []string
}

// Defaults for zero Options and PickOptions fields, and the rhythm rules.
const (
	// DefaultHalfLife is six months: the digest looks at relationships over
	// months and years, so an exchange a year ago still counts a quarter
	// (someone you wrote to every month last year is still warmer than a
	// stranger) while one five years ago counts almost nothing. A shorter
	// half-life would make anyone quiet for a season look like a stranger,
	// and those are exactly the people the digest is for.
	DefaultHalfLife = 180 * 24 * time.Hour
	// DefaultMaxRecipients: a message to more people is an announcement.
	DefaultMaxRecipients = 15
	// DefaultCadence is the rhythm assumed with fewer than three exchange
	// days: two points make one gap, which says nothing about a rhythm.
	DefaultCadence = 30 * 24 * time.Hour
	// MinCadence is the shortest learnt rhythm, a working week: colleagues
	// who write daily are not "cooling" after a long weekend, only after
	// two weeks without a word.
	MinCadence = 5 * 24 * time.Hour
	// DefaultFollowupAfter is how long a message waits before it is a
	// follow-up.
	DefaultFollowupAfter = 5 * 24 * time.Hour
	// FollowupWindow is how long a follow-up stays listed: past a month
	// the moment for "did you see my note?" has gone.
	FollowupWindow = 30 * 24 * time.Hour
)

// minTime is the earliest time a message can plausibly carry: before it
// are broken clocks and parsers (a Unix time of 0 reads 1970), which would
// show as a first contact decades ago, or as none at all (0 is "no mail"
// to the model) with the status of a warm tie.
var minTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// plausibleTime reports whether a message can have been sent at t: not
// before 1980 and before the year 2200. Mail later than Options.AsOf is
// dropped on its own account.
func plausibleTime(t time.Time) bool {
	return !t.Before(minTime) && t.Year() < 2200
}

// directRecipients is the most recipients a message may have and still be
// "written directly" to each of them for follow-ups: beyond three, nobody
// in particular is expected to answer.
const directRecipients = 3

func (o *Options) normalise() {
	if o.HalfLife <= 0 {
		o.HalfLife = DefaultHalfLife
	}
	if o.MaxRecipients <= 0 {
		o.MaxRecipients = DefaultMaxRecipients
	}
}

// addrKind is what an address is to the model, decided once per address.
type addrKind uint8

const (
	kindContact addrKind = iota // may be a contact
	kindMe                      // one of the user's addresses
	kindRobot                   // role or robot address
	kindIgnored                 // matches Options.Ignore
)

// matcher matches addresses against Options.Me or Options.Ignore.
type matcher struct {
	exact   map[string]bool // whole addresses, canonical form
	domains []string        // bare domains: the domain or a subdomain
	globs   []string        // patterns with '@' and a wildcard
	dglobs  []string        // domain patterns with a wildcard
}

func newMatcher(entries []string, canon bool) *matcher {
	m := &matcher{exact: map[string]bool{}}
	for _, e := range entries {
		e = strings.ToLower(strings.TrimSpace(e))
		e = strings.TrimPrefix(e, "@")
		switch {
		case e == "":
		case strings.Contains(e, "@") && strings.ContainsAny(e, "*?"):
			m.globs = append(m.globs, e)
		case strings.Contains(e, "@"):
			if canon {
				e = canonical(e)
			}
			m.exact[e] = true
		case strings.ContainsAny(e, "*?"):
			m.dglobs = append(m.dglobs, e)
		default:
			m.domains = append(m.domains, e)
		}
	}
	return m
}

// match reports whether email (lower case) matches; canon is its canonical
// form, looked up in exact.
func (m *matcher) match(email, canon string) bool {
	if m.exact[canon] || m.exact[email] {
		return true
	}
	_, domain := splitAddr(email)
	for _, d := range m.domains {
		if domain == d || (len(domain) > len(d) && strings.HasSuffix(domain, d) && domain[len(domain)-len(d)-1] == '.') {
			return true
		}
	}
	for _, g := range m.dglobs {
		// A domain glob covers subdomains too: try the domain and each
		// parent.
		for d := domain; d != ""; {
			if glob(g, d) {
				return true
			}
			i := strings.IndexByte(d, '.')
			if i < 0 {
				break
			}
			d = d[i+1:]
		}
	}
	for _, g := range m.globs {
		if glob(g, email) {
			return true
		}
	}
	return false
}

// glob matches s against a pattern where '*' is any run of characters and
// '?' any one byte.
func glob(p, s string) bool {
	// Iterative matcher with one backtrack point: linear for the patterns
	// people write.
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == s[si]):
			pi++
			si++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// splitAddr splits at the last '@'; an address without one is all local
// part.
func splitAddr(email string) (local, domain string) {
	i := strings.LastIndexByte(email, '@')
	if i < 0 {
		return email, ""
	}
	return email[:i], email[i+1:]
}

// canonical is the mailbox an address delivers to: lower case, without a
// plus tag, and for Gmail without dots (Gmail ignores them). Two addresses
// with the same canonical form are the same mailbox, hence the same person.
func canonical(email string) string {
	email = strings.ToLower(strings.TrimSpace(email))
	local, domain := splitAddr(email)
	if domain == "" {
		return email
	}
	if i := strings.IndexByte(local, '+'); i > 0 {
		local = local[:i]
	}
	if domain == "gmail.com" || domain == "googlemail.com" {
		local = strings.ReplaceAll(local, ".", "")
		domain = "gmail.com"
	}
	return local + "@" + domain
}

// robotLocals are local parts (lower case, without '-', '_', '.' and plus
// tag) that belong to machines or to shared queues, never to one person.
// Deliberately absent: info, hello, contact, office, team, sales, admin,
// jobs, hr, press. At a small firm or a personal domain those are often one
// person's only address, and the two-way rule already keeps the automated
// ones out (nobody writes back and forth with a marketing sender).
var robotLocals = map[string]bool{
	"mailerdaemon": true, "postmaster": true, "daemon": true,
	"notifications": true, "notification": true, "notify": true, "notifier": true,
	"alerts": true, "alert": true,
	"bounces": true, "bounce": true,
	"calendar": true, "calendarnotification": true, "calendarserver": true,
	"meetings": true, "meeting": true, "invitations": true, "invites": true,
	"automated": true, "autoreply": true, "autoresponder": true, "autoconfirm": true,
	"reply": true, "replies": true, "unsubscribe": true,
	"newsletter": true, "newsletters": true, "news": true, "digest": true, "updates": true,
	// Shared queues answered by whoever is on shift: a ticket exchange is
	// two-way but is not a relationship.
	"support": true, "help": true, "helpdesk": true, "billing": true,
	"invoice": true, "invoices": true, "receipts": true, "receipt": true,
	"orders": true, "feedback": true, "abuse": true, "webmaster": true, "hostmaster": true,
}

// placeholders are what IMAP servers write in ENVELOPE for the parts of an
// address that do not parse, as imapsync stores them (lower case):
// Dovecot's MISSING_MAILBOX, MISSING_DOMAIN and SYNTAX_ERROR ("From: <>"
// reads missing_mailbox, "Bob <bob smith@x.org>" bob@syntax_error),
// UW-IMAP's .MISSING-HOST-NAME., .SYNTAX-ERROR. and its mailbox markers.
// A local part or a domain (its dots trimmed) is looked up.
var placeholders = map[string]bool{
	"missing_mailbox": true, "missing_domain": true, "syntax_error": true,
	"missing-host-name": true, "syntax-error": true,
	"missing_mailbox_terminator": true, "unexpected_data_after_address": true,
	"invalid_address": true,
}

// IsRobot reports whether an address belongs to a machine or a shared
// queue rather than a person, or is no address at all: one without a
// domain (a local user such as "root"), and the placeholders IMAP servers
// put in ENVELOPE for an address that does not parse (see placeholders);
// no-reply senders of every spelling
// ("noreply", "no-reply", "do-not-reply", "comments-noreply", ...), bounce
// and VERP addresses ("bounces+123@", "bounce-abc@"), the local parts in
// robotLocals (mailer-daemon, postmaster, notifications, calendar,
// meetings, support, billing, ...), and calendar and meeting-room systems
// (calendar.google.com and its subdomains such as
// resource.calendar.google.com).
func IsRobot(email string) bool {
	local, domain := splitAddr(strings.ToLower(email))
	if domain == "" || placeholders[strings.Trim(domain, ".")] || placeholders[local] {
		return true
	}
	if domain == "calendar.google.com" || strings.HasSuffix(domain, ".calendar.google.com") {
		return true
	}
	if i := strings.IndexByte(local, '+'); i > 0 {
		local = local[:i]
	}
	var buf [64]byte
	c := buf[:0]
	for i := 0; i < len(local); i++ {
		if ch := local[i]; ch != '-' && ch != '_' && ch != '.' {
			c = append(c, ch)
		}
	}
	compact := string(c)
	return robotLocals[compact] ||
		strings.Contains(compact, "noreply") ||
		strings.Contains(compact, "donotreply") ||
		strings.HasPrefix(compact, "bounce") ||
		strings.HasPrefix(compact, "mailerdaemon")
}

// IsBulk reports whether a message carries a mailing-list or bulk marker:
// List-Id, List-Unsubscribe, or Precedence bulk, list or junk.
func IsBulk(h *rekindle.Header) bool {
	return h.IsBulk()
}

// IsAutoSubmitted reports whether a message says it was sent by a machine:
// an Auto-Submitted header with any value but "no" (RFC 3834), such as
// auto-replied (out of office) or auto-generated.
func IsAutoSubmitted(h *rekindle.Header) bool {
	v := h.AutoSubmitted
	if i := strings.IndexByte(v, ';'); i >= 0 {
		v = v[:i]
	}
	v = strings.TrimSpace(v)
	return v != "" && !strings.EqualFold(v, "no")
}

// Trust is what the model makes of the verdict of the user's own server on
// a message (rekindle.Header.Auth, see TrustOf).
type Trust uint8

const (
	// TrustUnchecked: no verdict, or a verdict that shows no check of
	// where the message came from (Exchange Online stamps mail between
	// mailboxes of one organisation "dkim=none; dmarc=none" and checks
	// no SPF). The message counts as it always has: the user's own Sent
	// copies, old mail, and every message of a server that does not stamp
	// are like this.
	TrustUnchecked Trust = iota
	// TrustPass: the server authenticated the From's domain: DMARC passed
	// for it (or Microsoft's bestguesspass), or DKIM or SPF passed for a
	// domain aligned with it (the same domain, or one a subdomain of the
	// other).
	TrustPass
	// TrustUnauthenticated: the server checked the message as arriving
	// from elsewhere (it gave an SPF result, or a DMARC result other than
	// none) and nothing authenticated the From's domain, nothing failed
	// either. Ordinary for mail from the many domains that publish no
	// DMARC policy; not for mail the user wrote.
	TrustUnauthenticated
	// TrustFail: DMARC failed; or, with nothing authenticating the From's
	// domain, SPF or every DKIM signature failed. The From is forged or
	// the message was altered on the way.
	TrustFail
)

// TrustOf reads the verdict of the user's own server on a message (see
// Trust) for the domain of its first From address.
func TrustOf(h *rekindle.Header) Trust {
	a := &h.Auth
	if a.IsZero() {
		return TrustUnchecked
	}
	var from string
	if len(h.From) > 0 {
		_, from = splitAddr(strings.ToLower(h.From[0].Email))
	}
	if a.DMARC == "fail" {
		return TrustFail
	}
	if from != "" && ((a.DMARC == "pass" || a.DMARC == "bestguesspass") && a.DMARCDomain == from ||
		a.DKIM == "pass" && rekindle.DomainsAligned(a.DKIMDomain, from) ||
		a.SPF == "pass" && rekindle.DomainsAligned(a.SPFDomain, from)) {
		return TrustPass
	}
	if a.SPF == "fail" || a.DKIM == "fail" {
		return TrustFail
	}
	if a.SPF != "" || a.DMARC != "" && a.DMARC != "none" {
		return TrustUnauthenticated
	}
	return TrustUnchecked
}
