package imapsync

import (
	"bytes"
	"io"
	"mime"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding/charmap"

	"github.com/rekindle/rekindle"
)

// HeaderFields are the header fields fetched with
// BODY.PEEK[HEADER.FIELDS]: what ENVELOPE lacks (threading, bulk markers,
// rekindle's own marker), plus three small ones to fall back on when a
// server's ENVELOPE leaves them out or go-imap cannot parse its version:
// From, Date and Message-ID. To and Cc, the bulk of a header, come from
// ENVELOPE only. With UID, FLAGS, INTERNALDATE and ENVELOPE they are all a
// sync fetches.
var HeaderFields = []string{
	"Date", "From", "Message-ID", "References",
	"List-Id", "List-Unsubscribe", "Precedence", "Auto-Submitted", "X-Rekindle-Digest",
}

var headerSection = &imap.FetchItemBodySection{
	Specifier:    imap.PartSpecifierHeader,
	HeaderFields: HeaderFields,
	Peek:         true,
}

// fetchOptions are the items fetched for each message: headers only.
var fetchOptions = &imap.FetchOptions{
	UID:          true,
	Flags:        true,
	InternalDate: true,
	Envelope:     true,
	BodySection:  []*imap.FetchItemBodySection{headerSection},
}

// wordDecoder decodes RFC 2047 encoded words in every charset go-message
// knows, not only UTF-8 and Latin-1; a word in a charset nobody knows
// (x-unknown, unknown-8bit, a misspelt name) is read as UTF-8 when its
// bytes are that, else as Windows-1252, rather than kept raw, so no
// "=?x-unknown?Q?...?=" reaches a subject or a name.
var wordDecoder = &mime.WordDecoder{CharsetReader: func(cs string, r io.Reader) (io.Reader, error) {
	if d, err := charset.Reader(cs, r); err == nil {
		return d, nil
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return strings.NewReader(toUTF8(string(b))), nil
}}

// toMessage turns one FETCH response into a Message. It never fails: a
// header that does not parse is stored as well as it can be (an empty
// value, or the server's ENVELOPE version of it), because one bad message
// must not stop a sync.
func toMessage(buf *imapclient.FetchMessageBuffer) rekindle.Message {
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
		m.ReplyTo = envAddrs(env.ReplyTo)
		if slices.Equal(m.ReplyTo, m.From) {
			// Servers fill ENVELOPE's reply-to with From when the header
			// is absent (RFC 3501 7.4.2); equal, it says nothing.
			m.ReplyTo = nil
		}
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
		m.From = headerAddrs(h.from)
	}
	m.References = parseMsgIDs(h.references)
	m.ListID = cleanText(h.listID)
	m.ListUnsubscribe = cleanText(h.listUnsubscribe)
	m.Precedence = strings.ToLower(cleanText(h.precedence))
	m.AutoSubmitted = strings.ToLower(cleanText(h.autoSub))
	m.RekindleDigest = cleanText(h.digest)

	// go-imap decodes ENVELOPE's subject with wordDecoder when Connect
	// set it up, and leaves it raw when decoding fails: decode what is left.
	m.Subject = cleanText(decodeWords(m.Subject))
	m.MessageID = cleanID(m.MessageID)
	for i := range m.InReplyTo {
		m.InReplyTo[i] = cleanID(m.InReplyTo[i])
	}
	if m.Date.Before(minDate) || m.Date.Year() > 2200 {
		// Dates before 1980 (a Unix time of 0 reads 1970) or far in the
		// future are broken clocks or broken parsers; When falls back to
		// the internal date.
		m.Date = time.Time{}
	} else {
		m.Date = m.Date.UTC()
	}
	return m
}

// minDate is the earliest Date kept; store migration 0006 applies it to
// messages stored before.
var minDate = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// header holds the fields of a HEADER.FIELDS section that rekindle reads,
// unfolded and trimmed.
type header struct {
	date, from, messageID, references            string
	listID, listUnsubscribe, precedence, autoSub string
	digest                                       string
}

// field returns where the value of a field goes, or nil for a field
// rekindle does not read. name is matched case-insensitively.
func (h *header) field(name []byte) *string {
	is := func(s string) bool { return len(name) == len(s) && bytes.EqualFold(name, []byte(s)) }
	switch {
	case is("date"):
		return &h.date
	case is("from"):
		return &h.from
	case is("message-id"):
		return &h.messageID
	case is("references"):
		return &h.references
	case is("list-id"):
		return &h.listID
	case is("list-unsubscribe"):
		return &h.listUnsubscribe
	case is("precedence"):
		return &h.precedence
	case is("auto-submitted"):
		return &h.autoSub
	case is("x-rekindle-digest"):
		return &h.digest
	}
	return nil
}

// readHeader parses a HEADER.FIELDS section leniently: folded lines are
// joined, a line that is not a field is skipped rather than failing the
// whole header, and the first occurrence of a field wins. It is a plain
// scan, without a reader or a map: it runs once per message of every sync.
func readHeader(b []byte) header {
	var (
		h     header
		dst   *string
		value []byte
	)
	flush := func() {
		if dst != nil && *dst == "" {
			*dst = string(bytes.TrimSpace(value))
		}
		dst, value = nil, value[:0]
	}
	for len(b) > 0 {
		var line []byte
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			line, b = b, nil
		}
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			flush()
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if dst != nil {
				value = append(value, ' ')
				value = append(value, bytes.TrimSpace(line)...)
			}
			continue
		}
		flush()
		if name, rest, ok := bytes.Cut(line, []byte(":")); ok {
			if dst = h.field(bytes.TrimSpace(name)); dst != nil {
				value = append(value[:0], bytes.TrimSpace(rest)...)
			}
		}
	}
	flush()
	return h
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

var addrParser = mail.AddressParser{WordDecoder: wordDecoder}

// headerAddrs parses an address header, or as much of it as parses.
func headerAddrs(v string) []rekindle.Address {
	// Folding and stray control characters are never part of an address.
	if v = cleanText(v); v == "" {
		return nil
	}
	var out []rekindle.Address
	if list, err := addrParser.ParseList(v); err == nil {
		for _, a := range list {
			out = append(out, rekindle.Address{Name: cleanName(a.Name), Email: cleanEmail(a.Address)})
		}
		return out
	}
	// One bad entry must not lose the others: parse them one by one.
	for _, part := range splitAddrs(v) {
		if a, err := addrParser.Parse(part); err == nil {
			out = append(out, rekindle.Address{Name: cleanName(a.Name), Email: cleanEmail(a.Address)})
		} else if s := strings.Trim(strings.TrimSpace(part), "<>"); s != "" && !strings.ContainsAny(s, " \"") && strings.Count(s, "@") <= 1 {
			out = append(out, rekindle.Address{Email: cleanEmail(s)})
		}
	}
	return out
}

// dateLayouts are what real mail carries when it is not RFC 5322.
var dateLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 -0700 (MST)",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 06 15:04:05 -0700",
	"2 Jan 2006 15:04:05 -0700",
	"Mon Jan 2 15:04:05 2006",
	"Mon Jan 2 15:04:05 MST 2006",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02T15:04:05Z07:00",
	"Mon, 2 Jan 2006 15:04 -0700",
}

// parseDate parses a Date header leniently; zero when nothing fits.
func parseDate(v string) time.Time {
	v = strings.Join(strings.Fields(v), " ")
	if v == "" {
		return time.Time{}
	}
	if t, err := mail.ParseDate(v); err == nil {
		return t
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return t
		}
	}
	return time.Time{}
}

// parseMsgIDs extracts message IDs from a References-like value: the
// <...> tokens, or whitespace-separated words when there are none.
func parseMsgIDs(v string) []string {
	var ids []string
	for {
		i := strings.IndexByte(v, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(v[i:], '>')
		if j < 0 {
			break
		}
		if id := cleanID(v[i+1 : i+j]); id != "" {
			ids = append(ids, id)
		}
		v = v[i+j+1:]
	}
	if ids == nil {
		for _, f := range strings.Fields(v) {
			if id := cleanID(f); strings.Contains(id, "@") {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// cleanID makes a message ID safe to store space-separated.
func cleanID(s string) string {
	s = strings.Trim(strings.TrimSpace(s), "<>")
	if !plainASCII(s) && strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		s = strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) || unicode.IsControl(r) {
				return -1
			}
			return r
		}, s)
	}
	return toUTF8(s)
}

func decodeWords(s string) string {
	if d, err := wordDecoder.DecodeHeader(s); err == nil {
		return d
	}
	return s
}

// cleanName tidies a display name: decoded, valid UTF-8, one line, without
// the quotes some mailers leave around it.
func cleanName(s string) string {
	if strings.Contains(s, "=?") {
		s = decodeWords(s)
	}
	s = cleanText(s)
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	return s
}

func cleanEmail(s string) string {
	return strings.ToLower(strings.Trim(cleanID(s), "\"'"))
}

// cleanText makes a header value valid UTF-8 on one line: control
// characters (CR and LF included, so no stored value can inject a header
// later) become spaces, and runs of white space fold to one.
func cleanText(s string) string {
	s = toUTF8(s)
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || (c == ' ' && i+1 < len(s) && s[i+1] == ' ') {
			clean = false
			break
		}
	}
	if clean {
		return strings.TrimSpace(s)
	}
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
}

// toUTF8 returns s as valid UTF-8. Raw 8-bit bytes in headers are most
// often Windows-1252 (a superset of Latin-1), so they are read as that
// rather than replaced.
func toUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	if d, err := charmap.Windows1252.NewDecoder().String(s); err == nil {
		return d
	}
	return strings.ToValidUTF8(s, "\uFFFD")
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

// plainASCII reports whether s is printable ASCII without spaces, the
// common case that needs no cleaning.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}
