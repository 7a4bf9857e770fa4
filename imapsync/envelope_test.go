package imapsync

import (
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/rekindle/rekindle"
)

// What a sync did before it stopped fetching ENVELOPE, kept as the
// reference the header parser is compared with (FuzzHeaderMatchesEnvelope,
// TestHeaderParserMatchesEnvelope): envelopeMessage is toMessage as it
// was, reading From, To, Cc, Reply-To, Subject, Date, Message-ID and
// In-Reply-To from the server's ENVELOPE, as go-imap decodes it, and the
// header section for the rest.

func envelopeMessage(buf *imapclient.FetchMessageBuffer) rekindle.Message {
	m := rekindle.Message{
		UID:          uint32(buf.UID),
		InternalDate: buf.InternalDate.UTC(),
	}
	for _, f := range buf.Flags {
		m.Flags = append(m.Flags, string(f))
	}
	h := readHeader(buf.FindBodySection(headerSection))

	if env := buf.Envelope; env != nil {
		m.Date = env.Date
		m.Subject = env.Subject
		m.MessageID = env.MessageID
		m.InReplyTo = env.InReplyTo
		m.From = envAddrs(env.From)
		m.To = envAddrs(env.To)
		m.Cc = envAddrs(env.Cc)
	}
	if m.Date.IsZero() {
		m.Date = parseDate(h.date)
	}
	if m.MessageID == "" {
		if ids := parseMsgIDs(h.messageID); len(ids) > 0 {
			m.MessageID = ids[0]
		}
	}
	if len(m.From) == 0 {
		m.From = netmailAddrs(h.from)
	}
	// go-imap decodes ENVELOPE's subject with wordDecoder when Connect
	// set it up, and leaves it raw when decoding fails: decode what is left.
	m.Subject = cleanText(decodeWords(m.Subject))
	settle(&m, &h)
	return m
}

func envAddrs(in []imap.Address) []rekindle.Address {
	var out []rekindle.Address
	for i := range in {
		a := &in[i]
		if a.IsGroupStart() || a.IsGroupEnd() {
			continue
		}
		email := a.Addr()
		if email == "" || missingHost(a.Host) {
			// An address without a domain ("undisclosed-recipients", a
			// local user): keep the local part.
			email = a.Mailbox
		}
		out = append(out, rekindle.Address{Name: cleanName(a.Name), Email: cleanEmail(email)})
	}
	return out
}

// missingHost tells the placeholders servers put in ENVELOPE for an
// address without a domain: Dovecot's MISSING_DOMAIN, UW-IMAP's
// .MISSING-HOST-NAME.
func missingHost(h string) bool {
	return strings.EqualFold(h, "MISSING_DOMAIN") || strings.EqualFold(h, ".MISSING-HOST-NAME.")
}

var netmailParser = mail.AddressParser{WordDecoder: wordDecoder}

// netmailAddrs is how a sync read an address header before it stopped
// fetching ENVELOPE (it read From with it when ENVELOPE had none):
// net/mail, and one entry at a time when the whole list does not parse.
func netmailAddrs(v string) []rekindle.Address {
	// Folding and stray control characters are never part of an address.
	if v = cleanText(v); v == "" {
		return nil
	}
	var out []rekindle.Address
	if list, err := netmailParser.ParseList(v); err == nil {
		for _, a := range list {
			out = append(out, rekindle.Address{Name: cleanName(a.Name), Email: cleanEmail(a.Address)})
		}
		return out
	}
	// One bad entry must not lose the others: parse them one by one.
	for _, part := range splitAddrs(v) {
		if a, err := netmailParser.Parse(part); err == nil {
			out = append(out, rekindle.Address{Name: cleanName(a.Name), Email: cleanEmail(a.Address)})
		} else if s := strings.Trim(strings.TrimSpace(part), "<>"); s != "" && !strings.ContainsAny(s, " \"") && strings.Count(s, "@") <= 1 {
			out = append(out, rekindle.Address{Email: cleanEmail(s)})
		}
	}
	return out
}

// splitAddrs splits an address list at the commas outside quotes and angle
// brackets.
func splitAddrs(v string) []string {
	var (
		parts       []string
		quoted      bool
		angle, from int
	)
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '\\' && quoted:
			i++
		case c == '"':
			quoted = !quoted
		case c == '<' && !quoted:
			angle++
		case c == '>' && !quoted && angle > 0:
			angle--
		case c == ',' && !quoted && angle == 0:
			parts = append(parts, v[from:i])
			from = i + 1
		}
	}
	return append(parts, v[from:])
}

// toMessage is parseMessage for a FETCH response as go-imap collects it.
func toMessage(buf *imapclient.FetchMessageBuffer) rekindle.Message {
	return parseMessage(uint32(buf.UID), buf.InternalDate, buf.FindBodySection(headerSection))
}

// readHeader is parseHeader for a header section's bytes.
func readHeader(b []byte) header { return parseHeader(string(b), new([]byte)) }

// fetched turns a FETCH response made for a test with an ENVELOPE into
// the one a sync now gets for the same message: the ENVELOPE's fields
// written into the header section (those the section does not already
// hold), as a mailer would have written them, and no ENVELOPE or FLAGS.
func fetched(buf *imapclient.FetchMessageBuffer) *imapclient.FetchMessageBuffer {
	out := *buf
	out.Envelope, out.Flags = nil, nil
	env := buf.Envelope
	if env == nil {
		return &out
	}
	section := buf.FindBodySection(headerSection)
	has := func(name string) bool {
		for line := range strings.SplitSeq(string(section), "\n") {
			if n, _, ok := strings.Cut(line, ":"); ok && strings.EqualFold(strings.TrimSpace(n), name) {
				return true
			}
		}
		return false
	}
	var b strings.Builder
	field := func(name, value string) {
		if value != "" && !has(name) {
			b.WriteString(name + ": " + value + "\r\n")
		}
	}
	if !env.Date.IsZero() {
		field("Date", env.Date.Format(time.RFC1123Z))
	}
	field("Subject", env.Subject)
	field("From", formatAddrs(env.From))
	field("To", formatAddrs(env.To))
	field("Cc", formatAddrs(env.Cc))
	if !slices.Equal(env.ReplyTo, env.From) {
		field("Reply-To", formatAddrs(env.ReplyTo))
	}
	if len(env.InReplyTo) > 0 {
		field("In-Reply-To", "<"+strings.Join(env.InReplyTo, "> <")+">")
	}
	if env.MessageID != "" {
		field("Message-ID", "<"+env.MessageID+">")
	}
	b.Write(section)
	out.BodySection = []imapclient.FetchBodySectionBuffer{{Section: headerSection, Bytes: []byte(b.String())}}
	return &out
}

// formatAddrs writes ENVELOPE addresses as an address field: a name that
// is not all atoms quoted, an address without a host bare.
func formatAddrs(as []imap.Address) string {
	var parts []string
	for _, a := range as {
		if a.IsGroupStart() || a.IsGroupEnd() {
			continue
		}
		email := a.Mailbox
		if a.Host != "" && !missingHost(a.Host) {
			email += "@" + a.Host
		}
		switch {
		case a.Name == "":
			parts = append(parts, email)
		case isPhrase(a.Name):
			parts = append(parts, a.Name+" <"+email+">")
		default:
			parts = append(parts, `"`+strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(a.Name)+`" <`+email+">")
		}
	}
	return strings.Join(parts, ", ")
}

// isPhrase reports whether s can be written as a display name unquoted:
// atoms (dots allowed) separated by single spaces.
func isPhrase(s string) bool {
	if s == "" || s[0] == ' ' || s[len(s)-1] == ' ' || strings.Contains(s, "  ") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != ' ' && c != '.' && !atext[c] {
			return false
		}
	}
	return true
}
