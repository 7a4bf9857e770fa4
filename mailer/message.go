package mailer

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"net/textproto"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/rekindle/rekindle"
)

// Message is one message rekindle writes: a digest to the user, or a
// draft to a contact. Bytes turns it into RFC 5322.
type Message struct {
	// From and To are one mailbox each; Email is required in both.
	From, To rekindle.Address
	// Subject is plain UTF-8; Bytes encodes it.
	Subject string
	// Text is the plain-text body. HTML, when set, makes the message
	// multipart/alternative with Text first, as RFC 2046 wants the
	// simplest version first; a message with HTML and no Text is HTML
	// only.
	Text, HTML string
	// Date is the Date header. Bytes sets it to the current time when it
	// is zero; callers that own a clock should set it.
	Date time.Time
	// MessageID is the Message-ID without angle brackets. Bytes generates
	// one at From's domain when it is empty and stores it here, so that
	// every retry of a send carries the same ID and the caller can record
	// it.
	MessageID string
	// InReplyTo and References thread a draft into an existing
	// conversation: message IDs without angle brackets.
	InReplyTo  string
	References []string
	// Headers are extra header fields, such as X-Rekindle-Digest:
	// 2026-11-21. Values are plain UTF-8 and are encoded as needed; the
	// fields Message sets itself (From, Subject, Content-Type...) cannot
	// be given here.
	Headers map[string]string
}

// reserved are the fields Message writes itself, or that would change
// who receives the message or how it is parsed; Headers may not hold them.
var reserved = map[string]bool{
	"From": true, "To": true, "Cc": true, "Bcc": true, "Reply-To": true, "Sender": true,
	"Subject": true, "Date": true, "Message-Id": true, "In-Reply-To": true, "References": true,
	"Mime-Version": true, "Content-Type": true, "Content-Transfer-Encoding": true,
	"Content-Disposition": true, "Return-Path": true,
}

// Bytes renders the message as RFC 5322 with CRLF line endings: UTF-8
// bodies in quoted-printable, and header values encoded as RFC 2047 words
// wherever they hold anything but printable ASCII, so that no value (a
// subject or a display name with CR or LF in it) can start a header of its
// own. It fills in MessageID and Date when they are empty.
func (m *Message) Bytes() ([]byte, error) {
	from, err := mailbox("From", m.From)
	if err != nil {
		return nil, err
	}
	to, err := mailbox("To", m.To)
	if err != nil {
		return nil, err
	}
	refs := make([]string, 0, len(m.References))
	for _, id := range m.References {
		if err := checkMsgID(id); err != nil {
			return nil, fmt.Errorf("references: %w", err)
		}
		refs = append(refs, "<"+id+">")
	}
	if m.InReplyTo != "" {
		if err := checkMsgID(m.InReplyTo); err != nil {
			return nil, fmt.Errorf("in-reply-to: %w", err)
		}
	}
	if m.MessageID != "" {
		if err := checkMsgID(m.MessageID); err != nil {
			return nil, fmt.Errorf("message-id: %w", err)
		}
	}
	for name := range m.Headers {
		if err := checkHeaderName(name); err != nil {
			return nil, err
		}
	}

	if m.MessageID == "" {
		m.MessageID, err = newMessageID(m.From.Email)
		if err != nil {
			return nil, err
		}
	}
	if m.Date.IsZero() {
		m.Date = time.Now()
	}

	// go-mail's default User-Agent would name the library and its
	// version to every recipient; rekindle's mail needs none.
	g := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	g.SetAddrHeaderFromMailAddress(gomail.HeaderFrom, from)
	g.SetAddrHeaderFromMailAddress(gomail.HeaderTo, to)
	g.Subject(m.Subject)
	g.SetDateWithValue(m.Date)
	g.SetMessageIDWithValue(m.MessageID)
	if m.InReplyTo != "" {
		g.SetGenHeader(gomail.HeaderInReplyTo, "<"+m.InReplyTo+">")
	}
	if len(refs) > 0 {
		// One value: go-mail joins several with commas, and References
		// is a space-separated list.
		g.SetGenHeader(gomail.HeaderReferences, strings.Join(refs, " "))
	}
	for name, value := range m.Headers {
		g.SetGenHeader(gomail.Header(textproto.CanonicalMIMEHeaderKey(name)), value)
	}
	switch {
	case m.HTML == "":
		g.SetBodyString(gomail.TypeTextPlain, m.Text)
	case m.Text == "":
		g.SetBodyString(gomail.TypeTextHTML, m.HTML)
	default:
		g.SetBodyString(gomail.TypeTextPlain, m.Text)
		g.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}

	var buf bytes.Buffer
	if _, err := g.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("render message: %w", err)
	}
	return buf.Bytes(), nil
}

// mailbox checks a rekindle.Address and returns it as a mail.Address,
// whose String quotes or encodes the display name as it needs.
func mailbox(field string, a rekindle.Address) (*mail.Address, error) {
	if a.Email == "" {
		return nil, fmt.Errorf("%s: address is empty", field)
	}
	// Parsing the bare address back must give the same address: that
	// rules out spaces, CR, LF, angle brackets and missing domains.
	p, err := mail.ParseAddress(a.Email)
	if err != nil || p.Address != a.Email || p.Name != "" || !strings.Contains(a.Email, "@") {
		return nil, fmt.Errorf("%s: %q is not a valid email address", field, a.Email)
	}
	return &mail.Address{Name: a.Name, Address: a.Email}, nil
}

// checkMsgID rejects message IDs that cannot sit between angle brackets:
// empty ones and ones with spaces, controls or brackets.
func checkMsgID(id string) error {
	if id == "" {
		return errors.New("empty message ID")
	}
	for _, r := range id {
		if r <= ' ' || r == 0x7f || r == '<' || r == '>' {
			return fmt.Errorf("message ID %q holds a space, control character or angle bracket", id)
		}
	}
	return nil
}

// checkHeaderName accepts RFC 5322 field names (printable ASCII but ':')
// that Message does not set itself.
func checkHeaderName(name string) error {
	if name == "" {
		return errors.New("header: empty field name")
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 33 || c > 126 || c == ':' {
			return fmt.Errorf("header %q: a field name is printable ASCII without ':' or spaces", name)
		}
	}
	if reserved[textproto.CanonicalMIMEHeaderKey(name)] {
		return fmt.Errorf("header %q: set by the message itself, not through Headers", name)
	}
	return nil
}

// newMessageID returns a random message ID at the domain of from.
func newMessageID(from string) (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate message ID: %w", err)
	}
	domain := from[strings.LastIndexByte(from, '@')+1:]
	return hex.EncodeToString(b) + "@" + domain, nil
}
