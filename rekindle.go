// Package rekindle holds the domain types that rekindle's packages share.
//
// The packages around it each own one responsibility and meet only here:
// imapsync turns IMAP folders into Messages, store keeps them in SQLite,
// relationship turns them into ranked contacts, and cmd/rekindle wires them
// together. None of those adapters imports another.
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
	// Date is the Date header; zero when missing or unparseable.
	Date time.Time
	// Subject is decoded to UTF-8.
	Subject string

	From    []Address
	To      []Address
	Cc      []Address
	ReplyTo []Address

	// InReplyTo and References are message IDs without angle brackets.
	InReplyTo  []string
	References []string

	// Bulk markers, raw header values (trimmed); empty when absent.
	ListID          string
	ListUnsubscribe string
	Precedence      string
	AutoSubmitted   string

	// RekindleDigest is the value of the X-Rekindle-Digest header that
	// rekindle puts on its own digests, so they are never read back as
	// conversation. Empty on all other mail.
	RekindleDigest string
}

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
