package digest

import (
	"encoding/base64"
	"io"
	"mime"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/rekindle/rekindle/relationship"
)

// Limits on untrusted text from mail, in runes. A display name or subject
// longer than these is noise or an attack; either way the digest stays
// readable.
const (
	maxName    = 80
	maxSubject = 120
	maxReason  = 200
)

// invisible reports runes that must not reach a header or a rendered line:
// control characters (CR, LF, NUL, ...), line and paragraph separators, and
// the bidirectional overrides that make text display in another order than
// it reads ("Trojan Source").
func invisible(r rune) bool {
	switch {
	case r == utf8.RuneError:
		return true
	case unicode.IsControl(r):
		return true
	case r == '\u2028' || r == '\u2029': // line, paragraph separator
		return true
	case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069', r == '\u200e', r == '\u200f', r == '\u061c':
		return true
	}
	return false
}

// oneLine makes untrusted text safe for one line, a mail header included:
// every run of white space and invisible characters becomes one space,
// invalid UTF-8 is dropped, and the ends are trimmed. Nothing in the result
// can end a header line or start another.
func oneLine(s string) string {
	clean := true
	for i, r := range s {
		if invisible(r) || (unicode.IsSpace(r) && r != ' ') || (r == ' ' && i+1 < len(s) && s[i+1] == ' ') {
			clean = false
			break
		}
	}
	if clean {
		return strings.TrimSpace(s)
	}
	var b strings.Builder
	space := false
	for _, r := range strings.ToValidUTF8(s, "") {
		if invisible(r) || unicode.IsSpace(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// truncate cuts s to at most n runes, marking a cut with an ellipsis.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// untrusted is oneLine and truncate: how every name, address and subject
// from mail enters the digest.
func untrusted(s string, n int) string { return truncate(oneLine(s), n) }

// HeaderSafe returns s as one line fit for a mail header such as Subject:
// no CR, LF or other control characters, white space collapsed, at most
// 200 runes, and no RFC 2047 encoded word (see plainWords). Templates may
// write anything; what reaches a header is this.
func HeaderSafe(s string) string { return untrusted(plainWords(s), 200) }

// encodedWord matches an RFC 2047 encoded word as leniently as mail
// clients read one: charset, encoding, text.
var encodedWord = regexp.MustCompile(`(?i)=\?([^?]*)\?([bq])\?(.*?)\?=`)

// lenientWords decodes encoded words in any charset: the sync has already
// decoded every charset it knows, so what is left is read as UTF-8 when
// it is that, else as Windows-1252.
var lenientWords = &mime.WordDecoder{CharsetReader: func(_ string, r io.Reader) (io.Reader, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return strings.NewReader(bytesText(b)), nil
}}

// plainWords decodes the RFC 2047 encoded words left in s, text from mail
// that the sync could not decode ("=?x-unknown?Q?Caf=E9?=", a base64 word
// without its padding, a word inside a decoded word): in a header the
// reader's mail client would decode them itself, or show them raw. Words
// that decode nowhere lose their syntax and keep their text. Nothing in
// the result is an encoded word.
func plainWords(s string) string {
	if !strings.Contains(s, "=?") {
		return s
	}
	for range 4 {
		d, err := lenientWords.DecodeHeader(s)
		if err != nil || d == s {
			break
		}
		s = d
	}
	// Each step removes one word; past a few decodings (each may make the
	// text longer) only the syntax goes, so the loop ends.
	for i := 0; ; i++ {
		m := encodedWord.FindStringSubmatchIndex(s)
		if m == nil {
			return s
		}
		q := s[m[4]] == 'q' || s[m[4]] == 'Q'
		text := s[m[6]:m[7]]
		if b, ok := wordBytes(q, text); ok && i < 16 {
			text = bytesText(b)
		} else if q {
			text = strings.ReplaceAll(text, "_", " ")
		}
		s = s[:m[0]] + text + s[m[1]:]
	}
}

// wordBytes decodes an encoded word's text: Q (underscores are spaces,
// =XX a byte), or base64 with or without its padding.
func wordBytes(q bool, text string) ([]byte, bool) {
	if !q {
		if b, err := base64.StdEncoding.DecodeString(text); err == nil {
			return b, true
		}
		b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(text, "="))
		return b, err == nil
	}
	b := make([]byte, 0, len(text))
	for i := 0; i < len(text); i++ {
		switch c := text[i]; c {
		case '_':
			b = append(b, ' ')
		case '=':
			if i+2 >= len(text) {
				return nil, false
			}
			hi, ok1 := unhex(text[i+1])
			lo, ok2 := unhex(text[i+2])
			if !ok1 || !ok2 {
				return nil, false
			}
			b = append(b, hi<<4|lo)
			i += 2
		default:
			b = append(b, c)
		}
	}
	return b, true
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// bytesText reads bytes in an unknown charset: UTF-8 when they are that,
// else Windows-1252 (what 8-bit mail mostly is).
func bytesText(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	s, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "")
	}
	return string(s)
}

// normaliseBody tidies a rendered draft or text digest: line endings
// become LF, control characters other than LF and tab go, trailing spaces
// are trimmed, runs of blank lines become one, and the text ends with no
// blank line. Template authors can then lay out {{if}} blocks on lines of
// their own without counting newlines.
func normaliseBody(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if invisible(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	lines := strings.Split(s, "\n")
	out := lines[:0]
	blank := true // drop leading blank lines
	for _, l := range lines {
		l = strings.TrimRightFunc(l, unicode.IsSpace)
		if l == "" {
			if blank {
				continue
			}
			blank = true
		} else {
			blank = false
		}
		out = append(out, l)
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return strings.Join(out, "\n")
}

// Silence renders a number of days as people say a stretch of time: "5
// days", "3 weeks", "4 months", "2 years" (relationship.Silence).
func Silence(days int) string { return relationship.Silence(days) }

// Ago is Silence as a point in the past: "today", "yesterday", "3 weeks
// ago" (relationship.Ago).
func Ago(days int) string { return relationship.Ago(days) }

// monthPhrase names the month of t as seen from now: "January" within the
// last ten months, else "January 2024", so "since January" is never
// ambiguous.
func monthPhrase(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(now.Location())
	if now.Sub(t) < 300*24*time.Hour {
		return t.Format("January")
	}
	return t.Format("January 2006")
}

// daysBetween is whole days from t to now, never negative.
func daysBetween(t, now time.Time) int {
	if t.IsZero() || !now.After(t) {
		return 0
	}
	return int(now.Sub(t).Hours() / 24)
}

// Mailto returns an RFC 6068 mailto: URL that opens a message to to with
// the given subject and body (and, when inReplyTo is set, an In-Reply-To
// header: a Message-ID without angle brackets). Every byte outside the
// unreserved set is percent-encoded, '@' of the address aside, so nothing
// in the values (spaces, '&', '#', '+', quotes, CR or LF) can end a field
// or be read differently by another client: spaces are %20 rather than
// '+', and line breaks are %0D%0A as the RFC asks.
func Mailto(to, subject, body, inReplyTo string) string {
	var b strings.Builder
	b.WriteString("mailto:")
	local, domain, ok := strings.Cut(to, "@")
	pctEncode(&b, local)
	if ok {
		b.WriteByte('@')
		pctEncode(&b, domain)
	}
	sep := byte('?')
	field := func(name, value string) {
		b.WriteByte(sep)
		sep = '&'
		b.WriteString(name)
		b.WriteByte('=')
		pctEncode(&b, value)
	}
	field("subject", subject)
	if body != "" {
		body = strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\n", "\r\n")
		field("body", body)
	}
	if inReplyTo != "" {
		field("in-reply-to", "<"+inReplyTo+">")
	}
	return b.String()
}

// pctEncode writes s with every byte but the RFC 3986 unreserved ones
// percent-encoded.
func pctEncode(b *strings.Builder, s string) {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
}
