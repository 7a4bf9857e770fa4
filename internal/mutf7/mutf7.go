// Package mutf7 encodes mailbox names as IMAP's modified UTF-7, for the
// test harnesses that speak raw IMAP or write Dovecot's Maildir directly.
package mutf7

import (
	"encoding/base64"
	"strings"
	"unicode/utf16"
)

// Encode encodes a mailbox name as IMAP's modified UTF-7 (RFC 3501
// 5.1.3): printable ASCII as itself, "&" as "&-", anything else as
// base64 of UTF-16 between "&" and "-". Dovecot also names folders on disk
// this way.
func Encode(s string) string {
	var b strings.Builder
	var run []rune
	flush := func() {
		if len(run) == 0 {
			return
		}
		u := utf16.Encode(run)
		buf := make([]byte, 0, 2*len(u))
		for _, c := range u {
			buf = append(buf, byte(c>>8), byte(c))
		}
		b.WriteByte('&')
		b.WriteString(strings.ReplaceAll(base64.RawStdEncoding.EncodeToString(buf), "/", ","))
		b.WriteByte('-')
		run = run[:0]
	}
	for _, r := range s {
		if r >= 0x20 && r <= 0x7e {
			flush()
			if r == '&' {
				b.WriteString("&-")
			} else {
				b.WriteRune(r)
			}
			continue
		}
		run = append(run, r)
	}
	flush()
	return b.String()
}
