// Package synth generates realistic synthetic mailboxes whose ground truth
// is known: which correspondents are real two-way relationships, what each
// one's rhythm is, and whether it is warm, cooling, cold or dormant on the
// day the mailbox is taken.
//
// The mailbox belongs to one user (Jane Doe by default) and holds what a
// real one does: threads with colleagues, friends and a mentor in both
// directions (theirs in INBOX or Archive, the user's in Sent), mailing
// lists, newsletters, notifications, a recruiter, an all-hands
// announcement, the user's own aliases, earlier rekindle digests, drafts,
// junk, and, in larger mailboxes, a few hostile headers. Most of the
// volume is bulk mail, as in life.
//
// Output is deterministic: the same Options give the same bytes. Each
// source of mail (a correspondent, a list, a notifier) draws from its own
// PCG stream, and mails are merged by arrival time, so Stream can produce
// a million messages in bounded memory.
package synth

import (
	"slices"
	"time"

	"github.com/rekindle/rekindle"
)

// Relationship statuses a Persona can be expected to have. The model under
// test decides its own thresholds; the personas are built far enough from
// any sensible boundary that these hold for a model where, with "gap" the
// silence since the last exchange and "rhythm" the usual interval:
// warm is gap <= 1.5 rhythm, cooling is up to 4 rhythms, cold beyond that,
// and dormant is silent for more than a year after a real relationship.
const (
	StatusWarm    = "warm"
	StatusCooling = "cooling"
	StatusCold    = "cold"
	StatusDormant = "dormant"
)

// Kinds of Persona.
const (
	KindColleague    = "colleague"
	KindMentor       = "mentor"
	KindFriend       = "friend"
	KindContact      = "contact"      // an ordinary two-way correspondent
	KindOneWay       = "one-way"      // a person who only writes, or is only written to
	KindRecruiter    = "recruiter"    // cold outreach; not a relationship
	KindNewsletter   = "newsletter"   // bulk, List-Unsubscribe, Precedence: bulk
	KindNotification = "notification" // automated, Auto-Submitted
	KindList         = "list"         // a mailing list address
	KindSelf         = "self"         // the user's own aliases
	KindAnnouncement = "announcement" // one-to-many mail the user is copied on
	KindDigest       = "digest"       // rekindle's own digests, user to user
)

// Keys of the personas every mailbox has. Filler correspondents have keys
// "filler-N".
const (
	KeyColleagueQuiet     = "colleague-quiet"     // weekly for two years, silent two months: cold
	KeyMentor             = "mentor"              // monthly, last exchange ten days ago: warm
	KeyFriendYearly       = "friend-yearly"       // birthday wishes once a year: warm
	KeyFriendDormant      = "friend-dormant"      // close, then silent fourteen months: dormant
	KeyContactCooling     = "contact-cooling"     // every three weeks, silent fifty days: cooling
	KeyRecruiter          = "recruiter"           // wrote once, the user declined once
	KeyRecruiterIgnored   = "recruiter-ignored"   // wrote twice, never answered
	KeyNewsletter         = "newsletter"          // weekly newsletter
	KeyNoReply            = "noreply"             // noreply@github.com notifications
	KeyList               = "list"                // the golang-nuts mailing list
	KeyListMember         = "list-member"         // posts on the list and writes directly: warm
	KeyTwoAddresses       = "two-addresses"       // old employer address, then personal: warm
	KeySelf               = "self"                // the user's alias and plus-addresses
	KeyColleagueYesterday = "colleague-yesterday" // the user wrote yesterday: warm, never suggest
	KeyAnnouncement       = "announcement"        // 40 recipients, the user in Cc
	KeyDigest             = "digest"              // earlier rekindle digests
	KeyAwaitingReply      = "awaiting-reply"      // the user wrote 8 days ago, no answer yet
	KeyOwingReply         = "owing-reply"         // wrote directly 7 days ago, unanswered
)

// Folder names. Lists live in "Lists/<name>".
const (
	FolderInbox   = "INBOX"
	FolderSent    = "Sent"
	FolderArchive = "Archive"
	FolderDrafts  = "Drafts"
	FolderJunk    = "Junk"
	FolderTrash   = "Trash"
	FolderAllMail = "All Mail"
)

// Hostile kinds, recorded in Mail.Hostile. Each says what the Raw holds and
// what Header records as the correct reading.
const (
	// HostileBadDate has a Date header no parser can read; Header.Date is
	// zero (a reader should fall back on InternalDate).
	HostileBadDate = "bad-date"
	// HostileNoDate has no Date header; Header.Date is zero.
	HostileNoDate = "no-date"
	// HostileEncodedUTF8 has display names and subject as RFC 2047
	// =?UTF-8?B?...?= words; Header has them decoded.
	HostileEncodedUTF8 = "encoded-utf8"
	// HostileEncodedLatin1 has a =?ISO-8859-1?Q?...?= display name and
	// subject; Header has them decoded.
	HostileEncodedLatin1 = "encoded-latin1"
	// Hostile8BitName has raw Latin-1 bytes (not valid UTF-8) in the From
	// display name and the subject. Header has them read as Windows-1252
	// (which agrees with Latin-1 for these letters); a reader that
	// replaces them with U+FFFD instead is also defensible.
	Hostile8BitName = "8bit-name"
	// HostileNoDomain has a From address without a domain ("root");
	// Header keeps the local part alone as the Email.
	HostileNoDomain = "no-domain"
	// HostileManyRecipients is addressed to 500 people, the user among
	// them; Header lists all 500.
	HostileManyRecipients = "500-recipients"
	// HostileNoMessageID has no Message-ID; Header.MessageID is empty.
	HostileNoMessageID = "no-message-id"
	// HostileCRLFName has an encoded display name that decodes to text
	// with CR LF and a fake "Bcc:" header in it. Header has the name with
	// each run of control characters and spaces turned into one space.
	HostileCRLFName = "crlf-name"
	// HostileQuoteName has a quoted display name holding quotes and a
	// colleague's address ("\"Marcus Chen\" <marcus...>" <attacker@...>):
	// the sender is the attacker, whatever the name says.
	HostileQuoteName = "quote-name"
)

// hostileKinds is the order in which hostile mail cycles through kinds.
var hostileKinds = []string{
	HostileBadDate, HostileEncodedUTF8, HostileEncodedLatin1, Hostile8BitName, HostileNoDomain,
	HostileManyRecipients, HostileNoMessageID, HostileCRLFName, HostileQuoteName, HostileNoDate,
}

// DefaultNow is the present of a mailbox whose Options.Now is zero. It is
// fixed, not the wall clock, so that output stays deterministic.
var DefaultNow = time.Date(2026, time.March, 2, 7, 30, 0, 0, time.UTC)

// DefaultMe is the user when Options.Me is empty.
var DefaultMe = rekindle.Address{Name: "Jane Doe", Email: "jane@example.com"}

// defaultAlias is the default user's second address.
const defaultAlias = "jane.doe@example.org"

// Options describe the mailbox to generate. The zero value is a small
// mailbox (about 2,000 messages: the personas and a little bulk mail).
type Options struct {
	// Seed selects the mailbox; the same Options give the same bytes.
	Seed uint64
	// Now is the present: no mail is newer. Zero means DefaultNow. The
	// demo passes time.Now() so that statuses hold today.
	Now time.Time
	// Me is the user; zero means DefaultMe.
	Me rekindle.Address
	// Aliases are the user's other addresses. When Me is empty they
	// default to jane.doe@example.org. The plus-address local+lists@domain
	// of Me (used for list subscriptions) is always added.
	Aliases []string
	// Messages is the approximate total. The personas always exist; filler
	// correspondents, lists, notifications and newsletters scale up to
	// reach it. Below the personas' own volume it has no effect.
	Messages int
	// Years of history; 3 by default and at least 2, since the dormant
	// friend needs fourteen months of silence after the friendship.
	Years int
	// Hostile adds hostile headers even to a small mailbox. They are on by
	// default when Messages >= 1000.
	Hostile bool
	// NoHostile leaves hostile headers out whatever the size.
	NoHostile bool
	// AllMail adds a copy of every mail outside Drafts, Junk and Trash to
	// an "All Mail" folder, as Gmail shows it. Copies come on top of
	// Messages and carry the same Raw and Header.
	AllMail bool
}

// Mail is one message as it sits in one folder of the server.
type Mail struct {
	// Folder is the IMAP folder name, "/"-separated ("Lists/golang-nuts").
	Folder string
	// Flags are IMAP system flags such as \Seen and \Answered.
	Flags []string
	// InternalDate is the server's arrival time, UTC, whole seconds.
	InternalDate time.Time
	// Header is what a correct parser reads from Raw: Date in UTC, emails
	// in lower case, names and subject decoded. For hostile mail see the
	// Hostile* constants.
	Header rekindle.Header
	// Raw is the full RFC 5322 message (headers and a short text/plain
	// body) with CRLF line endings.
	Raw []byte
	// Persona is the key of the persona the mail belongs to: for a
	// relationship, only the direct mail between them and the user (both
	// directions), so counting exchanges by Persona is right. All
	// golang-nuts traffic, the list member's posts and the user's own
	// posts (with their Sent copies) included, belongs to KeyList. Drafts,
	// other lists, other bulk mail and hostile mail have none.
	Persona string
	// Hostile is one of the Hostile* kinds, or empty for ordinary mail.
	Hostile string

	// dup marks a second copy of a message already in another folder
	// (a list's echo of the user's post), which All Mail holds once.
	dup bool
}

// Persona is one correspondent of the mailbox and what a relationship
// model should conclude about them.
type Persona struct {
	// Key identifies the persona (see the Key* constants).
	Key string
	// Name is the display name they use.
	Name string
	// Addresses are all their addresses, lower case, oldest first.
	Addresses []string
	// Kind is one of the Kind* constants.
	Kind string
	// WantStatus is warm, cooling, cold or dormant for a real
	// relationship, and empty for someone who is not a contact.
	WantStatus string
	// TwoWay is true when both sides have written, repeatedly: a real
	// relationship. A recruiter answered once is not one.
	TwoWay bool
	// Rhythm is the usual interval between exchanges; zero when there is
	// none.
	Rhythm time.Duration
	// LastExchange is the Date of the last message between them and the
	// user, either way; zero when there is none.
	LastExchange time.Time
	// AwaitingReply: the user's last message asked them something and
	// has had no answer (KeyAwaitingReply). OwesReply: they asked the
	// user something directly and she has not answered (KeyOwingReply).
	// Other relationships end on an answer, whoever wrote it, so neither
	// is set for them.
	AwaitingReply bool
	OwesReply     bool
	// Note says in words what the persona is for.
	Note string
}

// Folder is one folder of the mailbox.
type Folder struct {
	Name string
	// SpecialUse is the RFC 6154 attribute (`\Sent`, `\Archive`, ...) or
	// empty.
	SpecialUse string
}

// Mailbox is a generated mailbox: the user, the ground truth and the mail.
type Mailbox struct {
	// Me is the user, email in lower case.
	Me rekindle.Address
	// Addresses are all of the user's addresses, Me's first, lower case.
	Addresses []string
	// Now is the present the mailbox was generated for.
	Now time.Time
	// Personas are the correspondents whose truth is known.
	Personas []Persona
	// Folders are every folder the mail uses, plus the special-use ones
	// even when empty, sorted by name.
	Folders []Folder
	// Mails are in arrival order (InternalDate, then generation order).
	Mails []Mail
}

// Persona returns the persona with the given key.
func (mb *Mailbox) Persona(key string) (Persona, bool) {
	i := slices.IndexFunc(mb.Personas, func(p Persona) bool { return p.Key == key })
	if i < 0 {
		return Persona{}, false
	}
	return mb.Personas[i], true
}

// InFolder returns the mails of one folder, in arrival order.
func (mb *Mailbox) InFolder(name string) []Mail {
	var out []Mail
	for _, m := range mb.Mails {
		if m.Folder == name {
			out = append(out, m)
		}
	}
	return out
}

// Generate builds a whole mailbox in memory. It suits up to a hundred
// thousand messages or so; use Stream beyond that.
func Generate(opts Options) *Mailbox {
	mb := Describe(opts)
	mb.Mails = make([]Mail, 0, max(opts.Messages, 1024)+opts.Messages/4)
	_ = Stream(opts, func(m Mail) error {
		mb.Mails = append(mb.Mails, m)
		return nil
	})
	return mb
}

// Describe returns the mailbox without its mails: the user, personas and
// folders. It is cheap next to generating the mail.
func Describe(opts Options) *Mailbox {
	g := newGenerator(opts)
	mb := &Mailbox{
		Me:        g.me.truth(),
		Addresses: slices.Clone(g.myAddrs),
		Now:       g.now,
		Folders:   g.folders(),
	}
	for _, p := range g.personas {
		mb.Personas = append(mb.Personas, *p)
	}
	return mb
}

// Stream generates the mailbox's mails in arrival order and passes each to
// yield, holding only a bounded amount in memory however many there are.
// It stops at the first error from yield and returns it.
func Stream(opts Options, yield func(Mail) error) error {
	return newGenerator(opts).run(yield)
}
