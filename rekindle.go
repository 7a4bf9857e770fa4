// Package rekindle holds the domain types that rekindle's packages share,
// and the vocabularies they share: the relationship statuses (Status,
// Statuses), the draft kinds rekindle chooses by itself (DraftKinds), what
// a draft kind may be named (ValidDraftKind), and the kind each status
// gets by default (Status.DefaultDraftKind). It imports none of rekindle's
// packages.
//
// The layout, from the bottom up (layout_test.go keeps it so):
//
//   - relationship turns messages into contacts, strengths, rhythms and
//     picks, and digest turns those into the morning digest's content.
//     Both are pure: no I/O, no SQL, no clock.
//   - The adapters each own one outside thing and import none of one
//     another: imapsync (IMAP in), store (SQLite), mailer (SMTP out),
//     templates (the user's templates), addressbook (vCard files and
//     CardDAV in). config loads the YAML file.
//   - daemon schedules work (the sync interval, the digest's cron) and
//     talks to systemd; it knows nothing of IMAP, SMTP or SQLite.
//   - app is the application: it converts the configuration into each
//     package's own options and offers the use cases (sync, the model,
//     compose and send the digest, replay, the overrides, check, the
//     daemon's jobs).
//   - cmd/rekindle parses flags, calls app and prints.
//
// A new draft kind is a template pair in templates/defaults (and, for a
// kind rekindle picks by itself, a constant here and a rule in
// digest.ChooseKind); a new command is a file in cmd/rekindle calling an
// App method; a new use case or action is an App method in app.
package rekindle

import (
	"strings"
	"time"
)

// Address is one mailbox from a header: a display name and an address.
type Address struct {
	// Name is the display name decoded to UTF-8 (RFC 2047 words resolved,
	// invalid bytes replaced). It may be empty.
	Name string
	// Email is local@domain in lower case. A header address without a
	// domain keeps only its local part.
	Email string
}

// Header is what rekindle keeps of one message: its headers, never its body.
type Header struct {
	// MessageID is the Message-ID without angle brackets; empty if absent.
	MessageID string
	// Date is the Date header; zero when missing or unparseable, and when
	// a sync finds it more than MaxDateAhead after the message arrived
	// (Message.When is then the arrival).
	Date time.Time
	// Subject is decoded to UTF-8.
	Subject string

	// From, To and Cc are the message's addresses. Reply-To is not kept:
	// nothing reads it, and a sync fetches only what something reads.
	From []Address
	To   []Address
	Cc   []Address

	// InReplyTo and References are message IDs without angle brackets.
	InReplyTo  []string
	References []string

	// Bulk markers, raw header values (trimmed); empty when absent.
	// rekindle's own digests carry Auto-Submitted: auto-generated (RFC
	// 3834), as any message a machine sends should, so they are never
	// read back as conversation.
	ListID          string
	ListUnsubscribe string
	Precedence      string
	AutoSubmitted   string

	// Auth is what the user's own receiving server found when it checked
	// where the message came from; zero when the message carries no such
	// verdict (the user's own Sent copies, old mail, servers that do not
	// stamp).
	Auth Auth
}

// Auth is the verdict of one server on a message's sender, read from the
// Authentication-Results header it added (RFC 8601): the DMARC, DKIM and
// SPF results, each with the domain it checked. Results are lower case as
// the server wrote them ("pass", "fail", "softfail", "none", "neutral",
// "temperror", "permerror", Microsoft's "bestguesspass", ...); a result is
// empty when the server gave none for that method, a domain when it named
// none. Which header is the user's own server's, and what the model makes
// of the verdict, is documented in imapsync (HeaderFields) and in the
// relationship package.
type Auth struct {
	// Server is the authserv-id of the header the verdict comes from:
	// the name the server stamps its results with (mx.google.com). Empty
	// when the header has none, as Microsoft 365 writes them.
	Server string
	// DMARC is the DMARC result; DMARCDomain the From domain it was
	// evaluated for (header.from).
	DMARC, DMARCDomain string
	// DKIM is the result of the message's DKIM signatures taken together:
	// "pass" if one passed (DKIMDomain is then its signing domain,
	// header.d, one matching the From domain first), else "fail" if one
	// failed, else the first result given.
	DKIM, DKIMDomain string
	// SPF is the SPF result; SPFDomain the domain it was checked for: the
	// envelope sender's (smtp.mailfrom), else the HELO name (smtp.helo).
	SPF, SPFDomain string
}

// IsZero reports whether a carries no verdict at all.
func (a Auth) IsZero() bool { return a == Auth{} }

// IsBulk reports whether the message carries a mailing-list or bulk
// marker: a List-Id, a List-Unsubscribe, or a Precedence of bulk, list or
// junk (in any case, spaces trimmed). Copies of one message can differ
// here: a list's copy of a reply carries the list's headers, the copy sent
// to the user directly does not.
func (h *Header) IsBulk() bool {
	if h.ListID != "" || h.ListUnsubscribe != "" {
		return true
	}
	p := strings.TrimSpace(h.Precedence)
	return strings.EqualFold(p, "bulk") || strings.EqualFold(p, "list") || strings.EqualFold(p, "junk")
}

// Message is one message as seen in one folder of one account.
type Message struct {
	Header
	// InternalDate is the server's arrival time for the message.
	InternalDate time.Time
	// UID is the message's UID in its folder.
	UID uint32
	// Flags are the IMAP flags, e.g. \Seen, \Answered.
	Flags []string
}

// MaxDateAhead is how far a message's Date header may be after its arrival
// (the server's internal date) and still be believed: a day covers any
// time zone mistake and a slow queue. A Date further ahead is a broken
// clock or a sender placing mail in the future on purpose, to be the
// latest exchange for weeks to come; the sync drops it, so that the
// message's time (When) is its arrival.
const MaxDateAhead = 24 * time.Hour

// When returns the best known time of a message: its Date header, or the
// server's internal date when the header is missing or unparseable.
func (m *Message) When() time.Time {
	if !m.Date.IsZero() {
		return m.Date
	}
	return m.InternalDate
}

// FolderState is what the store remembers of one folder between syncs; it
// is what makes a sync incremental and resumable.
type FolderState struct {
	Account string
	Folder  string
	// UIDValidity of the folder when its rows were stored. A different
	// value on the server means the stored rows are stale.
	UIDValidity uint32
	// LastUID is the highest UID whose messages are stored: every message
	// with a UID up to it has been fetched. A sync resumes after it.
	LastUID uint32
	// UIDNext and HighestModSeq are the server's values at the end of the
	// last complete sync; equal values on the next sync mean nothing
	// changed and nothing needs fetching. HighestModSeq is zero when the
	// server has no CONDSTORE.
	UIDNext       uint32
	HighestModSeq uint64
	// Messages is the number of messages stored for the folder.
	Messages int
	// LastSync is when the last complete sync of the folder finished; zero
	// if it never finished.
	LastSync time.Time
}

// DomainsAligned reports whether two domains are the same or one is a
// subdomain of the other: DMARC's relaxed alignment, without the public
// suffix list. Both are lower case; an empty one aligns with nothing.
func DomainsAligned(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	if len(a) < len(b) {
		a, b = b, a
	}
	return a == b || strings.HasSuffix(a, b) && a[len(a)-len(b)-1] == '.'
}

// ActionPrefix starts the Subject of a message that carries a one-tap
// action from a digest (package actions): the user's own message to
// themselves, which a sync queues for the application to apply.
const ActionPrefix = "[rekindle] "

// IsAction reports whether the message's Subject marks it as carrying a
// digest action. Whether the action is genuine is for package actions to
// say.
func (h *Header) IsAction() bool { return strings.HasPrefix(h.Subject, ActionPrefix) }
