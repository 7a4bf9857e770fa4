package imapsync

import (
	"strings"
	"unicode/utf8"
)

// msgID reads the msg-id at the start of v ("<left@right>", with comments
// and white space around it; what follows is ignored) and returns it
// without its angle brackets. It is go-message's mail.Header.MessageID,
// which go-imap applies to ENVELOPE's message-id: a sync read Message-ID
// that way before it fetched the header instead. ok is false when v does
// not start with a msg-id.
func msgID(v string) (string, bool) {
	p := msgIDParser{s: v}
	return p.next()
}

// msgIDList reads the msg-ids of an In-Reply-To value, up to the first
// that does not parse, as go-imap reads ENVELOPE's in-reply-to (with
// go-message's mail.Header.MsgIDList).
func msgIDList(v string) []string {
	p := msgIDParser{s: v}
	var ids []string
	for p.s != "" {
		id, ok := p.next()
		if !ok {
			break
		}
		ids = append(ids, id)
	}
	return ids
}

type msgIDParser struct{ s string }

// msgIDText marks the ASCII bytes of a dot-atom-text: RFC 5322 atext and
// '.'.
var msgIDText = func() (t [utf8.RuneSelf]bool) {
	for c := '!'; c <= '~'; c++ {
		t[c] = !strings.ContainsRune(`()[];@\,<>":`, c)
	}
	return t
}()

// next reads one msg-id and the comments and white space after it.
func (p *msgIDParser) next() (string, bool) {
	if !p.skipCFWS() || !strings.HasPrefix(p.s, "<") {
		return "", false
	}
	p.s = p.s[1:]
	// left "@" right, with nothing between them: the id is as written.
	start := p.s
	left, ok := p.atomText()
	if !ok || !strings.HasPrefix(p.s, "@") {
		return "", false
	}
	p.s = p.s[1:]
	var right string
	if strings.HasPrefix(p.s, "[") {
		right, ok = p.noFoldLiteral()
	} else {
		right, ok = p.atomText()
	}
	if !ok || !strings.HasPrefix(p.s, ">") {
		return "", false
	}
	id := start[:len(left)+1+len(right)]
	p.s = p.s[1:]
	if !p.skipCFWS() {
		return "", false
	}
	return id, true
}

// skipCFWS skips spaces, tabs and comments; false for an unterminated
// comment.
func (p *msgIDParser) skipCFWS() bool {
	p.s = strings.TrimLeft(p.s, " \t")
	for strings.HasPrefix(p.s, "(") {
		depth := 1
		p.s = p.s[1:]
		for p.s != "" && depth > 0 {
			switch p.s[0] {
			case '\\':
				if len(p.s) > 1 {
					p.s = p.s[1:]
				}
			case '(':
				depth++
			case ')':
				depth--
			}
			p.s = p.s[1:]
		}
		if depth > 0 {
			return false
		}
		p.s = strings.TrimLeft(p.s, " \t")
	}
	return true
}

// atomText reads a dot-atom-text: RFC 5322 atext, dots and any non-ASCII
// character of valid UTF-8 (RFC 6532).
func (p *msgIDParser) atomText() (string, bool) {
	i := 0
	for i < len(p.s) {
		c := p.s[i]
		if c < utf8.RuneSelf {
			if !msgIDText[c] {
				break
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(p.s[i:])
		if r == utf8.RuneError && size == 1 {
			return "", false
		}
		i += size
	}
	if i == 0 {
		return "", false
	}
	t := p.s[:i]
	p.s = p.s[i:]
	return t, true
}

// noFoldLiteral reads "[" dtext "]", brackets kept.
func (p *msgIDParser) noFoldLiteral() (string, bool) {
	i := 1
	for i < len(p.s) {
		c := p.s[i]
		if c < utf8.RuneSelf {
			if c < '!' || c > '~' || c == '[' || c == ']' || c == '\\' {
				break
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(p.s[i:])
		if r == utf8.RuneError && size == 1 {
			return "", false
		}
		i += size
	}
	if i >= len(p.s) || p.s[i] != ']' {
		return "", false
	}
	t := p.s[:i+1]
	p.s = p.s[i+1:]
	return t, true
}
