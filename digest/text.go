package digest

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

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
// 200 runes. Templates may write anything; what reaches a header is this.
func HeaderSafe(s string) string { return untrusted(s, 200) }

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
