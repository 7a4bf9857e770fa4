package imapsync

import (
	"strings"
	"testing"
)

// refAuthLexer is authLexer as it was before its loops were tuned, a byte
// at a time: the reference the tuned one must match, token for token.
type refAuthLexer struct {
	s string
	i int
}

func refAuthSpecial(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', ';', '=', '"', '(', ')':
		return true
	}
	return false
}

func (l *refAuthLexer) next() (int, string) {
	depth := 0
	for l.i < len(l.s) {
		c := l.s[l.i]
		switch {
		case depth > 0:
			switch c {
			case '\\':
				l.i++
			case '(':
				depth++
			case ')':
				depth--
			}
			l.i++
		case c == '(':
			depth++
			l.i++
		case c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ')':
			l.i++
		case c == ';':
			l.i++
			return authSemi, ""
		case c == '=':
			l.i++
			return authEq, ""
		case c == '"':
			j, escaped := l.i+1, false
			for ; j < len(l.s) && l.s[j] != '"'; j++ {
				if l.s[j] == '\\' {
					escaped = true
					j++
				}
			}
			w := l.s[l.i+1 : min(j, len(l.s))]
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
			j := l.i
			for j < len(l.s) && !refAuthSpecial(l.s[j]) {
				j++
			}
			w := l.s[l.i:j]
			l.i = j
			return authWord, w
		}
	}
	return authEnd, ""
}

// sameAuthTokens lexes s with both lexers and fails at the first token
// where they differ.
func sameAuthTokens(t *testing.T, s string) {
	t.Helper()
	got, want := &authLexer{s: s}, &refAuthLexer{s: s}
	for n := 0; ; n++ {
		gt, gw := got.next()
		wt, ww := want.next()
		if gt != wt || gw != ww {
			t.Fatalf("%q: token %d is (%d, %q), want (%d, %q)", s, n, gt, gw, wt, ww)
		}
		if gt == authEnd {
			return
		}
	}
}

var authLexerSamples = []string{
	"",
	"mx.google.com; dkim=pass (2048-bit key; unprotected) header.d=example.org header.i=@example.org; spf=pass (google.com: domain of bob@example.org designates 192.0.2.1 as permitted sender) smtp.mailfrom=bob@example.org; dmarc=pass (p=none dis=none) header.from=example.org",
	"a (nested (comment) here) b",
	"a (escaped \\) paren) b",
	"a (unclosed comment",
	"a (ends in a backslash \\",
	"a ) b",
	`x "quoted \"word\"" y`,
	`x "unterminated`,
	`x "ends in \`,
	"k=v;k2=v2 ; =;;",
	"\t\r\n word\t",
	"((()))a",
	"a(b)c",
}

func TestAuthLexerMatchesReference(t *testing.T) {
	for _, s := range authLexerSamples {
		sameAuthTokens(t, s)
	}
}

func FuzzAuthLexer(f *testing.F) {
	for _, s := range authLexerSamples {
		f.Add(s)
	}
	f.Fuzz(sameAuthTokens)
}
