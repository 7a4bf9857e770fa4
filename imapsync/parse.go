package imapsync

import (
	"bytes"
	"io"
	"mime"
	"net/mail"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-message/charset"
	"golang.org/x/text/encoding/charmap"

	"github.com/rekindle/rekindle"
)

// HeaderFields are the header fields a sync fetches, with
// BODY.PEEK[HEADER.FIELDS], from every message: all that rekindle.Header
// holds. With UID and INTERNALDATE they are all a sync fetches. It does
// not fetch ENVELOPE, which repeats From, To, Cc, Subject, Date,
// Message-ID and In-Reply-To and which go-imap decodes a byte at a time,
// nor FLAGS, which nothing reads: the header section comes as one literal
// per message, read in bulk, and parsed here (parseMessage).
//
// Nor does it fetch a field nothing reads: every name here costs its
// length again in each message's answer, where the server repeats the
// list (BODY[HEADER.FIELDS (FROM TO ...)]). Reply-To, which nothing read,
// and X-Rekindle-Digest, which marked rekindle's digests before they
// carried Auto-Submitted, took 1.3 MB of a 48,000-message first sync, a
// tenth of a second at 100 Mbit/s.
//
// Authentication-Results and ARC-Authentication-Results become
// rekindle.Header.Auth, the verdict of the user's own server; see
// trustedAuth for which of several headers that is.
var HeaderFields = []string{
	"From", "To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To", "References",
	"List-Id", "List-Unsubscribe", "Precedence", "Auto-Submitted",
	"Authentication-Results", "ARC-Authentication-Results",
}

var headerSection = &imap.FetchItemBodySection{
	Specifier:    imap.PartSpecifierHeader,
	HeaderFields: HeaderFields,
	Peek:         true,
}

// fetchOptions are the items fetched for each message: headers only.
var fetchOptions = &imap.FetchOptions{
	UID:          true,
	InternalDate: true,
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

// parseMessage turns one FETCH response (UID, INTERNALDATE and the header
// section) into a Message. It never fails: a header that does not parse
// is stored as well as it can be (an empty value, or what of it parses),
// because one bad message must not stop a sync.
//
// For well-formed mail the values are those a sync stored when it read
// From, To, Cc, Subject, Date, Message-ID and In-Reply-To from the
// server's ENVELOPE: each is read from the header as RFC 3501 has a
// server build ENVELOPE (and as Dovecot does where RFC 3501 leaves it
// open: the last Date, Subject, Message-ID and In-Reply-To field counts,
// and every From, To and Cc field), then cleaned as before.
//
// The Message owns its strings (compact copies them): the caller may
// reuse section's bytes for the next message as soon as it returns.
func parseMessage(uid uint32, internalDate time.Time, section []byte) rekindle.Message {
	m := rekindle.Message{
		UID:          uid,
		InternalDate: internalDate.UTC(),
	}
	// Read in place, folded values joined in a reused buffer: compact
	// copies every string kept before either is reused
	// (TestParseMessageOwnsStrings, FuzzToMessage).
	joined := foldBufs.Get().(*[]byte)
	*joined = (*joined)[:0]
	defer func() {
		if cap(*joined) <= maxFoldBuf {
			foldBufs.Put(joined)
		}
	}()
	h := parseHeader(unsafe.String(unsafe.SliceData(section), len(section)), joined)

	m.Date = h.envelopeDate()
	// go-imap decoded ENVELOPE's subject once, and the sync decoded what
	// was left: a word that decodes to an encoded word is decoded twice.
	m.Subject = cleanText(decodeWords(decodeWords(oneLine(h.subject))))
	m.MessageID = h.envelopeMessageID()
	if h.inReplyTo != "" {
		// As ENVELOPE's in-reply-to was read: the message IDs up to the
		// first that does not parse.
		m.InReplyTo = msgIDList(h.inReplyTo)
	}
	m.From = addrList(h.from)
	if h.fromMore != "" {
		m.From = append(m.From, addrList(h.fromMore)...)
	}
	m.To = addrList(h.to)
	m.Cc = addrList(h.cc)
	settle(&m, &h)
	compact(&m)
	return m
}

// settle ends reading a message, whatever gave its addresses and Date:
// the server's verdict on the sender, the list and bulk fields, clean
// IDs, and no Date that cannot be true.
func settle(m *rekindle.Message, h *header) {
	var fromDomain string
	if len(m.From) > 0 {
		fromDomain = domainOf(m.From[0].Email)
	}
	m.Auth = trustedAuth(h.authResults, h.arcResults, fromDomain)
	m.References = parseMsgIDs(h.references)
	m.ListID = cleanText(h.listID)
	m.ListUnsubscribe = cleanText(h.listUnsubscribe)
	m.Precedence = strings.ToLower(cleanText(h.precedence))
	m.AutoSubmitted = strings.ToLower(cleanText(h.autoSub))

	m.MessageID = cleanID(m.MessageID)
	for i := range m.InReplyTo {
		m.InReplyTo[i] = cleanID(m.InReplyTo[i])
	}
	switch {
	case m.Date.Before(minDate) || m.Date.Year() > 2200:
		// Dates before 1980 (a Unix time of 0 reads 1970) or far in the
		// future are broken clocks or broken parsers; When falls back to
		// the internal date.
		m.Date = time.Time{}
	case !m.InternalDate.Before(minDate) && m.Date.Sub(m.InternalDate) > rekindle.MaxDateAhead:
		// Written after it arrived: a clock that is wrong, or a sender
		// placing the message in the future to be the latest exchange for
		// weeks to come. When falls back to the arrival. (Zero rather than
		// the arrival: copies of one message in several folders arrive at
		// different times but must keep one Date, which the store's key
		// holds. An internal date before minDate is a server's
		// placeholder, not an arrival.)
		m.Date = time.Time{}
	default:
		m.Date = m.Date.UTC()
	}
}

// compact copies the strings m keeps into one allocation of their own.
// Many are cut from the header section, which parseMessage reads where
// the fetch put it and which the next message overwrites; kept, it would
// also hold on to several times what they need (the authentication
// headers, fields read and dropped). It must copy every string of a
// Message.
func compact(m *rekindle.Message) {
	fields := [...]*string{&m.Subject, &m.MessageID, &m.ListID, &m.ListUnsubscribe, &m.Precedence, &m.AutoSubmitted,
		&m.Auth.Server, &m.Auth.DMARC, &m.Auth.DMARCDomain, &m.Auth.DKIM, &m.Auth.DKIMDomain,
		&m.Auth.SPF, &m.Auth.SPFDomain}
	lists := [...][]rekindle.Address{m.From, m.To, m.Cc}
	ids := [...][]string{m.InReplyTo, m.References}
	n := 0
	for _, p := range fields {
		n += len(*p)
	}
	for _, as := range lists {
		for i := range as {
			n += len(as[i].Name) + len(as[i].Email)
		}
	}
	for _, l := range ids {
		for _, id := range l {
			n += len(id)
		}
	}
	var b strings.Builder
	b.Grow(n)
	for _, p := range fields {
		b.WriteString(*p)
	}
	for _, as := range lists {
		for i := range as {
			b.WriteString(as[i].Name)
			b.WriteString(as[i].Email)
		}
	}
	for _, l := range ids {
		for _, id := range l {
			b.WriteString(id)
		}
	}
	all, off := b.String(), 0
	for _, p := range fields {
		*p, off = recut(all, off, *p)
	}
	for _, as := range lists {
		for i := range as {
			as[i].Name, off = recut(all, off, as[i].Name)
			as[i].Email, off = recut(all, off, as[i].Email)
		}
	}
	for _, l := range ids {
		for i := range l {
			l[i], off = recut(all, off, l[i])
		}
	}
}

// recut returns the copy of s that compact wrote into all at off, and
// where the next one starts.
func recut(all string, off int, s string) (string, int) {
	if s == "" {
		return "", off
	}
	return all[off : off+len(s)], off + len(s)
}

// minDate is the earliest Date kept; store migration 0006 applies it to
// messages stored before.
var minDate = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// header holds the fields of a HEADER.FIELDS section that rekindle reads,
// unfolded and trimmed:
//
//   - of most fields the first occurrence that is not empty;
//   - of Date and Message-ID also the last, when there is more than one
//     (dateLast, messageIDLast), and of Subject and In-Reply-To only the
//     last: ENVELOPE, which a sync once read them from, has the last;
//   - of the address fields every occurrence, one per line (From's first
//     in from, the others in fromMore), as ENVELOPE has them all;
//   - of the two authentication headers every occurrence (up to
//     maxAuthHeaders), in header order (topmost first), one per line.
//
// Unfolded, a value holds no line break.
type header struct {
	date, from, messageID, references            string
	listID, listUnsubscribe, precedence, autoSub string
	authResults, arcResults                      string

	dateLast, messageIDLast string
	subject, inReplyTo      string
	fromMore, to, cc        string
}

// maxAuthHeaders bounds the authentication headers kept per message: a
// real one has a few (ARC allows 50 hops, none has that many), a hostile
// one may have thousands.
const maxAuthHeaders = 50

// The fields a header section holds.
const (
	fieldNone = iota
	fieldDate
	fieldFrom
	fieldMessageID
	fieldReferences
	fieldListID
	fieldListUnsubscribe
	fieldPrecedence
	fieldAutoSubmitted
	fieldAuth
	fieldARC
	fieldSubject
	fieldInReplyTo
	fieldTo
	fieldCc
)

// fieldOf tells which field a name is, case-insensitively; fieldNone
// for one rekindle does not read.
func fieldOf(name string) int {
	is := func(s string) bool { return strings.EqualFold(name, s) }
	switch len(name) {
	case 2:
		switch {
		case is("to"):
			return fieldTo
		case is("cc"):
			return fieldCc
		}
	case 4:
		switch {
		case is("date"):
			return fieldDate
		case is("from"):
			return fieldFrom
		}
	case 7:
		if is("list-id") {
			return fieldListID
		}
		if is("subject") {
			return fieldSubject
		}
	case 10:
		switch {
		case is("message-id"):
			return fieldMessageID
		case is("references"):
			return fieldReferences
		case is("precedence"):
			return fieldPrecedence
		}
	case 11:
		if is("in-reply-to") {
			return fieldInReplyTo
		}
	case 14:
		if is("auto-submitted") {
			return fieldAutoSubmitted
		}
	case 16:
		if is("list-unsubscribe") {
			return fieldListUnsubscribe
		}
	case 22:
		if is("authentication-results") {
			return fieldAuth
		}
	case 26:
		if is("arc-authentication-results") {
			return fieldARC
		}
	}
	return fieldNone
}

// parseHeader parses a HEADER.FIELDS section leniently: folded lines are
// joined, and a line that is not a field is skipped rather than failing
// the whole header. It is a plain scan, without a reader or a map: it
// runs once per message of every sync. Values of one line are substrings
// of s; folded ones are joined at the end of *joined and read there, so
// the values are valid as long as s and what *joined holds now are: the
// caller copies what it keeps (compact) before it reuses either.
func parseHeader(s string, joined *[]byte) header {
	var (
		h     header
		field = fieldNone
		value string // the current field's value: its first line...
		// ...and, once it has continuation lines, the value so far,
		// in (*joined)[start:]
		start  int
		folded bool
		// how many values of each authentication header are kept
		nAR, nARC int
	)
	flush := func() {
		if field == fieldNone {
			return
		}
		v := value
		if folded {
			b := bytes.TrimSpace((*joined)[start:])
			v = unsafe.String(unsafe.SliceData(b), len(b))
		}
		h.set(field, v, &nAR, &nARC)
		field, folded = fieldNone, false
	}
	for len(s) > 0 {
		var line string
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			line, s = s[:i], s[i+1:]
		} else {
			line, s = s, ""
		}
		line = strings.TrimRight(line, "\r")
		if len(line) == 0 {
			flush()
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if field != fieldNone {
				// Appended, never overwritten: a value joined before
				// may be a view of these bytes (or of the array they
				// were in before the append grew it).
				if !folded {
					start, folded = len(*joined), true
					*joined = append(*joined, value...)
				}
				*joined = append(*joined, ' ')
				*joined = append(*joined, strings.TrimSpace(line)...)
			}
			continue
		}
		flush()
		if name, rest, ok := strings.Cut(line, ":"); ok {
			if field = fieldOf(strings.TrimSpace(name)); field != fieldNone {
				value = strings.TrimSpace(rest)
			}
		}
	}
	flush()
	return h
}

// foldBufs holds the buffers parseHeader joins folded lines in; one
// grown past maxFoldBuf (a hostile header's) is left to the collector.
var foldBufs = sync.Pool{New: func() any { return new([]byte) }}

const maxFoldBuf = 64 << 10

// set stores one field's value; nAR and nARC count the authentication
// headers kept.
func (h *header) set(field int, v string, nAR, nARC *int) {
	// first keeps the first value that is not empty.
	first := func(dst *string) {
		if *dst == "" {
			*dst = v
		}
	}
	// each adds a line to a field kept in every occurrence.
	each := func(dst *string) {
		switch {
		case v == "":
		case *dst == "":
			*dst = v
		default:
			*dst += "\n" + v
		}
	}
	switch field {
	case fieldDate:
		if h.date == "" {
			h.date = v
		} else {
			h.dateLast = v
		}
	case fieldMessageID:
		if h.messageID == "" {
			h.messageID = v
		} else {
			h.messageIDLast = v
		}
	case fieldFrom:
		if h.from == "" {
			h.from = v
		} else {
			each(&h.fromMore)
		}
	case fieldSubject:
		h.subject = v
	case fieldInReplyTo:
		h.inReplyTo = v
	case fieldTo:
		each(&h.to)
	case fieldCc:
		each(&h.cc)
	case fieldReferences:
		first(&h.references)
	case fieldListID:
		first(&h.listID)
	case fieldListUnsubscribe:
		first(&h.listUnsubscribe)
	case fieldPrecedence:
		first(&h.precedence)
	case fieldAutoSubmitted:
		first(&h.autoSub)
	case fieldAuth, fieldARC:
		dst, n := &h.authResults, nAR
		if field == fieldARC {
			dst, n = &h.arcResults, nARC
		}
		if *n < maxAuthHeaders {
			if *n > 0 {
				*dst += "\n"
			}
			*dst += v
			*n++
		}
	}
}

// envelopeDate is the message's Date as a sync read it from ENVELOPE:
// the last Date field's, else (when that one does not parse) the first's.
func (h *header) envelopeDate() time.Time {
	if h.dateLast != "" {
		if t := parseDate(h.dateLast); !t.IsZero() {
			return t
		}
	}
	return parseDate(h.date)
}

// envelopeMessageID is the message's Message-ID as a sync read it from
// ENVELOPE: the last field's msg-id, else the first <...> or word with an
// '@' of the first field.
func (h *header) envelopeMessageID() string {
	v := h.messageIDLast
	if v == "" {
		v = h.messageID
	}
	if id, ok := msgID(v); ok {
		return id
	}
	if ids := parseMsgIDs(h.messageID); len(ids) > 0 {
		return ids[0]
	}
	return ""
}

// addrList parses an address field's lines (one per occurrence of the
// field) into one list.
func addrList(v string) []rekindle.Address {
	line, more, _ := strings.Cut(v, "\n")
	out := headerAddrs(line)
	for more != "" {
		line, more, _ = strings.Cut(more, "\n")
		out = append(out, headerAddrs(line)...)
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
	if t, ok := rfc5322Date(v); ok {
		return t
	}
	return parseAnyDate(v)
}

// parseAnyDate is parseDate without the fast path: net/mail.ParseDate,
// then the layouts of real mail that is not RFC 5322.
func parseAnyDate(v string) time.Time {
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
	// To UTF-8 first: a raw 8-bit byte can read as a space (0xA0).
	s = toUTF8(strings.Trim(strings.TrimSpace(s), "<>"))
	if !plainASCII(s) && strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		s = strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) || unicode.IsControl(r) {
				return -1
			}
			return r
		}, s)
	}
	return s
}

func decodeWords(s string) string {
	if d, err := wordDecoder.DecodeHeader(s); err == nil {
		return d
	}
	return s
}

// oneLine folds each run of white space (space, tab, CR, LF) in s into
// one space and trims it, as servers write ENVELOPE's subject and names
// "for humans" before a client decodes them. (cleanText, after decoding,
// folds all white space, U+00A0 included, but only when s is not clean
// already.)
func oneLine(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\t' || c == '\r' || c == '\n' || c == ' ' && (i == 0 || i == len(s)-1 || s[i+1] == ' ') {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	b := make([]byte, 0, len(s))
	space := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ' ', '\t', '\r', '\n':
			space = len(b) > 0
		default:
			if space {
				b = append(b, ' ')
				space = false
			}
			b = append(b, c)
		}
	}
	return string(b)
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
		if c := s[i]; c < 0x20 || c == 0x7f || (c == ' ' && i+1 < len(s) && s[i+1] == ' ') ||
			// C1 controls (U+0080 to U+009F: NEL is a line break) and
			// the line and paragraph separators U+2028 and U+2029.
			(c == 0xc2 && i+1 < len(s) && s[i+1] < 0xa0) ||
			(c == 0xe2 && (strings.HasPrefix(s[i:], "\u2028") || strings.HasPrefix(s[i:], "\u2029"))) {
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

// authResult is one method's result in an authentication header.
type authResult struct {
	method string // "dkim", "spf" or "dmarc"
	result string // lower case
	domain string // the domain checked, lower case; "" when not named
}

// authHeader is one Authentication-Results or ARC-Authentication-Results
// value, read.
type authHeader struct {
	id       string // the authserv-id, lower case; "" when there is none
	instance int    // the ARC instance (i=); 0 for Authentication-Results
	results  []authResult
}

// Limits on what is kept of one authentication header: real ones name a
// few results with short values, hostile ones may not.
const (
	maxAuthResults = 16
	maxAuthID      = 255 // a host name's longest
	maxAuthResult  = 32
)

// trustedAuth picks the verdict of the user's own server from a message's
// authentication headers, ar (Authentication-Results) and arc
// (ARC-Authentication-Results), each one value a line in header order,
// topmost first, and sums it up. fromDomain, the domain of the message's
// From, decides which DKIM signature speaks for it when several passed.
//
// Every server that checks a message adds its Authentication-Results at
// the top of the header, above what earlier hops and the sender wrote;
// the topmost is the last server's, the one that delivered the message
// into the mailbox or stood in front of it: the user's own. A sender can
// write Authentication-Results too, claiming anything, but only below
// that. So the verdict is:
//
//   - the topmost Authentication-Results, and those right below it that
//     carry the same authserv-id (a server that stamps each check in a
//     header of its own, as opendkim and opendmarc do, adds several); for
//     each method the first header that gives a result for it wins, so a
//     header further down never overrules a check the server made. RFC
//     8601 has the server delete headers arriving with its own
//     authserv-id, which leaves forgers nothing to add there;
//   - without any Authentication-Results, the ARC-Authentication-Results
//     with the highest instance (i=), which the last server to seal the
//     ARC chain added: a server that records its checks in an ARC set
//     only;
//   - without either, nothing: the zero Auth of the user's own Sent
//     copies, of old mail and of servers that do not check.
//
// On a server that stamps nothing, the topmost header is the sender's
// own: what it claims is read as the verdict. A forger gains nothing by
// that (a message without a verdict counts as it always has), and can
// only lose by claiming a failure; but a stamp that an honest sender's
// own servers left in the header is then read as the user's server's.
//
// It never fails: a header it cannot read adds no result.
func trustedAuth(ar, arc string, fromDomain string) rekindle.Auth {
	var m authMerge
	switch {
	case ar != "":
		v, rest, _ := strings.Cut(ar, "\n")
		top := parseAuthResults(v, false)
		m.add(&top, fromDomain)
		for top.id != "" && rest != "" {
			v, rest, _ = strings.Cut(rest, "\n")
			h := parseAuthResults(v, false)
			if h.id != top.id {
				break
			}
			m.add(&h, fromDomain)
		}
		m.a.Server = top.id
	case arc != "":
		v, rest, _ := strings.Cut(arc, "\n")
		best := parseAuthResults(v, true)
		for rest != "" {
			v, rest, _ = strings.Cut(rest, "\n")
			if h := parseAuthResults(v, true); h.instance > best.instance {
				best = h
			}
		}
		m.add(&best, fromDomain)
		m.a.Server = best.id
	}
	return m.a
}

// authMerge sums up the headers of one server, topmost first: for each
// method, the results of the first header that has any.
type authMerge struct {
	a    rekindle.Auth
	done uint8 // methods an earlier header gave results for
}

const (
	authDMARC = 1 << iota
	authSPF
	authDKIM
)

func (m *authMerge) add(h *authHeader, fromDomain string) {
	var seen uint8
	for _, r := range h.results {
		switch {
		case r.method == "dmarc" && m.done&authDMARC == 0:
			if seen&authDMARC == 0 {
				m.a.DMARC, m.a.DMARCDomain = r.result, r.domain
			}
			seen |= authDMARC
		case r.method == "spf" && m.done&authSPF == 0:
			if seen&authSPF == 0 {
				m.a.SPF, m.a.SPFDomain = r.result, r.domain
			}
			seen |= authSPF
		case r.method == "dkim" && m.done&authDKIM == 0:
			m.a.DKIM, m.a.DKIMDomain = betterDKIM(m.a.DKIM, m.a.DKIMDomain, r, fromDomain)
			seen |= authDKIM
		}
	}
	m.done |= seen
}

// betterDKIM sums up the DKIM results of one header, one at a time: a
// pass for the From's domain beats any other pass, any pass beats a fail,
// a fail beats anything else, and otherwise the first result stays.
func betterDKIM(result, domain string, r authResult, fromDomain string) (string, string) {
	rank := func(res, dom string) int {
		switch {
		case res == "pass" && fromDomain != "" && rekindle.DomainsAligned(dom, fromDomain):
			return 3
		case res == "pass":
			return 2
		case res == "fail":
			return 1
		}
		return 0
	}
	if result == "" || rank(r.result, r.domain) > rank(result, domain) {
		return r.result, r.domain
	}
	return result, domain
}

// domainOf is the domain of an address, lower case; "" without one.
func domainOf(email string) string {
	i := strings.LastIndexByte(email, '@')
	if i < 0 {
		return ""
	}
	return strings.ToLower(email[i+1:])
}

// parseAuthResults reads one authentication header value (RFC 8601; with
// arc, an ARC-Authentication-Results one, which begins with its instance,
// "i=1;"): its authserv-id and its dkim, spf and dmarc results, each with
// the domain it checked (dkim: header.d, else header.i; spf:
// smtp.mailfrom, else smtp.helo; dmarc: header.from). It is lenient:
// comments are dropped, a header without an authserv-id (Microsoft 365's)
// starts with its first result, and anything it does not understand is
// skipped. Other methods (arc, iprev, auth, compauth, ...) are skipped with
// their properties.
func parseAuthResults(v string, arc bool) authHeader {
	var (
		ah    authHeader
		l     = authLexer{s: v}
		seg   int    // segment number: parts between semicolons
		idSeg int    // the segment the authserv-id opens
		first = true // at a segment's first token
		cur   = -1   // the result properties belong to
	)
	tok, w := l.next()
	for tok != authEnd {
		switch tok {
		case authSemi:
			seg, first, cur = seg+1, true, -1
			tok, w = l.next()
			continue
		case authEq: // a stray '='
			first = false
			tok, w = l.next()
			continue
		}
		t2, w2 := l.next()
		if t2 != authEq {
			// A word alone: the authserv-id, or a version number, "none"...
			if first && seg == idSeg {
				ah.id = authID(w)
			}
			first, tok, w = false, t2, w2
			continue
		}
		key, val := w, ""
		if tok, w = l.next(); tok == authWord {
			val = w
			tok, w = l.next()
		}
		switch {
		case arc && seg == 0 && first && strings.EqualFold(key, "i"):
			ah.instance, idSeg = smallInt(val), 1
		case strings.EqualFold(key, "dkim") || strings.EqualFold(key, "spf") || strings.EqualFold(key, "dmarc"):
			cur = -1
			res := authResultValue(val)
			if res == "" || len(ah.results) >= maxAuthResults {
				break
			}
			method := "dkim"
			if strings.EqualFold(key, "spf") {
				method = "spf"
			} else if strings.EqualFold(key, "dmarc") {
				method = "dmarc"
			}
			if ah.results == nil {
				ah.results = make([]authResult, 0, 4)
			}
			ah.results = append(ah.results, authResult{method: method, result: res})
			cur = len(ah.results) - 1
		case strings.IndexByte(key, '.') > 0:
			if cur < 0 {
				break
			}
			r := &ah.results[cur]
			switch {
			case r.method == "dkim" && strings.EqualFold(key, "header.d"),
				r.method == "spf" && strings.EqualFold(key, "smtp.mailfrom"),
				r.method == "dmarc" && strings.EqualFold(key, "header.from"):
				if d := authDomain(val); d != "" {
					r.domain = d
				}
			case r.method == "dkim" && strings.EqualFold(key, "header.i"),
				r.method == "spf" && strings.EqualFold(key, "smtp.helo"):
				if r.domain == "" {
					r.domain = authDomain(val)
				}
			}
		case strings.EqualFold(key, "reason") || strings.EqualFold(key, "action"):
			// The current result's reason, or Microsoft's DMARC action.
		default:
			cur = -1 // another method: its properties are not ours
		}
		first = false
	}
	return ah
}

// Tokens of an authentication header.
const (
	authEnd  = iota
	authWord // a word or a quoted string, unquoted
	authEq   // '='
	authSemi // ';'
)

// authLexer cuts an authentication header value into words, '=' and ';',
// skipping white space and comments (parenthesised, nested, with
// backslash escapes). A word is a part of the value unless it is a quoted
// string with escapes.
type authLexer struct {
	s string
	i int
}

func (l *authLexer) next() (int, string) {
	s, i := l.s, l.i
	for i < len(s) {
		switch c := s[i]; c {
		case '(':
			i = skipComment(s, i)
		case ' ', '\t', '\r', '\n', ')':
			i++
		case ';':
			l.i = i + 1
			return authSemi, ""
		case '=':
			l.i = i + 1
			return authEq, ""
		case '"':
			j, escaped := i+1, false
			for ; j < len(s) && s[j] != '"'; j++ {
				if s[j] == '\\' {
					escaped = true
					j++
				}
			}
			w := s[i+1 : min(j, len(s))]
			l.i = j + 1
			if escaped {
				var b strings.Builder
				for k := 0; k < len(w); k++ {
					if w[k] == '\\' && k+1 < len(w) {
						k++
					}
					b.WriteByte(w[k])
				}
				w = b.String()
			}
			return authWord, w
		default:
			j := i + 1
			for j < len(s) && !authSpecial[s[j]] {
				j++
			}
			l.i = j
			return authWord, s[i:j]
		}
	}
	l.i = i
	return authEnd, ""
}

// skipComment returns the index after the comment that opens at s[i]
// (parenthesised, nested, with backslash escapes), or len(s) when it
// does not close.
func skipComment(s string, i int) int {
	depth := 0
	for i < len(s) {
		j := strings.IndexAny(s[i:], "()\\")
		if j < 0 {
			return len(s)
		}
		i += j
		switch s[i] {
		case '\\':
			i++
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				return i + 1
			}
		}
		i++
	}
	return len(s)
}

// authSpecial marks the bytes that end a word.
var authSpecial = [256]bool{' ': true, '\t': true, '\r': true, '\n': true, ';': true, '=': true, '"': true, '(': true, ')': true}

// authID cleans an authserv-id for keeping: a host name, or some such
// word; "" for anything with white space, control or unprintable
// characters.
func authID(s string) string {
	s = strings.ToLower(toUTF8(s))
	if len(s) > maxAuthID {
		return ""
	}
	if !printableWord(s, ";") {
		return ""
	}
	return s
}

// authResultValue cleans a result ("pass", "fail", ...): lower-case
// letters, digits and '-' only; "" for anything else.
func authResultValue(s string) string {
	if s == "" || len(s) > maxAuthResult {
		return ""
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return ""
		}
	}
	return strings.ToLower(s)
}

// authDomain reads the domain of a property value: a domain, an address
// or an "@domain" identity. "" when it is none (Microsoft writes
// header.d=none) or does not look like one.
func authDomain(s string) string {
	s = strings.Trim(s, "<>")
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:]
	}
	s = strings.Trim(strings.ToLower(toUTF8(s)), ".")
	if s == "" || s == "none" || len(s) > maxAuthID {
		return ""
	}
	if !printableWord(s, `"(),;<>[]\`) {
		return ""
	}
	return s
}

// printableWord reports whether s has no white space, control or
// unprintable character, and none of the ASCII characters in special.
// Plain ASCII, the common case, needs no look at its runes.
func printableWord(s, special string) bool {
	if plainASCII(s) {
		return !strings.ContainsAny(s, special)
	}
	for _, r := range s {
		if r < utf8.RuneSelf && strings.IndexByte(special, byte(r)) >= 0 || !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

// smallInt reads a small decimal number; 0 when it is not one.
func smallInt(s string) int {
	n := 0
	if s == "" || len(s) > 6 {
		return 0
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0
		}
		n = n*10 + int(s[i]-'0')
	}
	return n
}
