package imapsync

import (
	"strings"
	"sync"

	"github.com/rekindle/rekindle"
)

// headerAddrs parses an address header (From, To, Cc, Reply-To), or as
// much of it as parses. It reads the list the way an IMAP server builds
// ENVELOPE from it (RFC 5322 3.4 with the obsolete forms, as Dovecot's
// parser does), which is what a sync stored before it fetched the header
// instead:
//
//   - a display name is the phrase before the angle address, its words
//     joined by one space, quoted strings unquoted and comments dropped;
//     an addr-spec's name is the last comment after it ("jane@x (Jane)");
//   - groups ("team: a@x, b@y;", "undisclosed-recipients:;") give their
//     members only;
//   - an address without a domain ("Cron Daemon <root>", "localuser")
//     keeps its local part; a quoted local part is unquoted; a route
//     ("<@relay:a@x>") is dropped; a domain literal ("a@[192.0.2.1]")
//     keeps its brackets.
//
// Where a server would give up on the rest of the list (an entry that
// does not parse), it skips to the next comma and goes on: one bad entry
// must not lose the others. An entry with an address and trailing junk
// keeps the address; an entry with no address (an empty one, a lone
// quoted name, a broken angle address) gives nothing, where Dovecot's
// ENVELOPE gave placeholders (MISSING_MAILBOX, SYNTAX_ERROR).
//
// Names and addresses then get what a sync always did to ENVELOPE's:
// white space folded as servers write it (oneLine), encoded words
// decoded, text cleaned (cleanName, cleanEmail).
func headerAddrs(v string) []rekindle.Address {
	if v == "" {
		return nil
	}
	buf := addrBufs.Get().(*[]byte)
	p := addrParser{s: v, buf: (*buf)[:0]}
	// Room for an address per comma, within reason: one allocation
	// most of the time.
	out := make([]rekindle.Address, 0, min(strings.Count(v, ",")+1, 64))
	p.list(func(name, email string) {
		out = append(out, rekindle.Address{Name: cleanName(decodeWords(oneLine(name))), Email: cleanEmail(email)})
	})
	if cap(p.buf) <= maxAddrBuf {
		*buf = p.buf
		addrBufs.Put(buf)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// addrBufs holds the scratch buffers of addrParser: four address fields
// a message would otherwise allocate one each. One grown past
// maxAddrBuf (a hostile name) is left to the collector.
var addrBufs = sync.Pool{New: func() any { b := make([]byte, 0, 128); return &b }}

const maxAddrBuf = 4 << 10

// addrParser reads an address list. It works on bytes: bytes of 8-bit
// text are atom characters, as servers read them, and each name and
// address is made valid UTF-8 on its own afterwards.
type addrParser struct {
	s string
	i int
	// comment is the content of the last comment skipped since
	// resetComment; an addr-spec takes it as its display name.
	comment string
	buf     []byte // scratch for phrases that are not a substring of s
}

// atext marks the bytes that may appear in an atom (RFC 5322 3.2.3):
// printable ASCII but the specials, and every 8-bit byte.
var atext = func() (t [256]bool) {
	for c := 0x21; c < 0x7f; c++ {
		t[c] = !strings.ContainsRune(`()<>[]:;@\,."`, rune(c))
	}
	for c := 0x80; c < 0x100; c++ {
		t[c] = true
	}
	return t
}()

func (p *addrParser) end() bool { return p.i >= len(p.s) }

func (p *addrParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

// skipCFWS skips white space, control characters and comments. A
// comment's content (nested parentheses kept, backslashes dropped) is
// remembered; an unterminated comment runs to the end and is not.
func (p *addrParser) skipCFWS() {
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c <= ' ' || c == 0x7f:
			p.i++
		case c == '(':
			p.skipComment()
		default:
			return
		}
	}
}

func (p *addrParser) skipComment() {
	p.i++ // '('
	start, depth, escaped := p.i, 1, false
	for ; p.i < len(p.s); p.i++ {
		switch p.s[p.i] {
		case '\\':
			escaped = true
			p.i++
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				c := p.s[start:p.i]
				if escaped {
					c = unescape(c)
				}
				p.comment = c
				p.i++
				return
			}
		}
	}
	p.i = len(p.s) // unterminated
}

// unescape drops the backslash of each quoted pair.
func unescape(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			if i++; i == len(s) {
				break
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// quoted reads a quoted string at p.i (at its '"') and returns its
// content unescaped; ok is false when it is unterminated.
func (p *addrParser) quoted() (string, bool) {
	p.i++
	start, escaped := p.i, false
	for ; p.i < len(p.s); p.i++ {
		switch p.s[p.i] {
		case '\\':
			escaped = true
			p.i++
		case '"':
			v := p.s[start:p.i]
			p.i++
			if escaped {
				v = unescape(v)
			}
			return v, true
		}
	}
	p.i = len(p.s)
	return "", false
}

// str returns the scratch buffer as a string: the part of s it copies
// when it does (the common case, which then needs no allocation), else a
// copy.
func (p *addrParser) str(start int) string {
	if n := len(p.buf); start+n <= len(p.s) && p.s[start:start+n] == string(p.buf) {
		return p.s[start : start+n]
	}
	return string(p.buf)
}

// phrase reads a display name: words (atoms, with dots, and quoted
// strings) joined by one space, comments and other white space dropped.
// It returns "" when there is none, and false for an unterminated quoted
// string.
func (p *addrParser) phrase() (string, bool) {
	start := p.i
	p.buf = p.buf[:0]
	for !p.end() {
		c := p.s[p.i]
		var w string
		switch {
		case c == '"':
			var ok bool
			if w, ok = p.quoted(); !ok {
				return "", false
			}
		case atext[c] || c == '.':
			from := p.i
			for p.i < len(p.s) && (atext[p.s[p.i]] || p.s[p.i] == '.') {
				p.i++
			}
			w = p.s[from:p.i]
		default:
			return p.str(start), true
		}
		if len(p.buf) > 0 {
			p.buf = append(p.buf, ' ')
		}
		p.buf = append(p.buf, w...)
		p.skipCFWS()
	}
	return p.str(start), true
}

// dotAtom reads a local part or a domain: atoms joined by dots, white
// space and comments around the dots allowed (and dropped). It fails
// unless it starts with an atom.
func (p *addrParser) dotAtom() (string, bool) {
	start := p.i
	p.buf = p.buf[:0]
	for {
		from := p.i
		for p.i < len(p.s) && atext[p.s[p.i]] {
			p.i++
		}
		if p.i == start {
			return "", false
		}
		p.buf = append(p.buf, p.s[from:p.i]...)
		at := p.i
		p.skipCFWS()
		if p.end() || p.s[p.i] != '.' {
			p.i = at
			return p.str(start), true
		}
		p.buf = append(p.buf, '.')
		p.i++
		p.skipCFWS()
	}
}

// localPart reads a quoted string or a dot-atom; quoted reports which.
func (p *addrParser) localPart() (local string, quoted, ok bool) {
	if p.peek() == '"' {
		local, ok = p.quoted()
		return local, true, ok
	}
	local, ok = p.dotAtom()
	return local, false, ok
}

// domain reads what follows an '@': a dot-atom or a domain literal,
// brackets kept.
func (p *addrParser) domain() (string, bool) {
	p.skipCFWS()
	if p.peek() != '[' {
		return p.dotAtom()
	}
	start := p.i
	for p.i++; p.i < len(p.s); p.i++ {
		switch p.s[p.i] {
		case '\\':
			p.i++
		case ']':
			p.i++
			return p.s[start:p.i], true
		}
	}
	return "", false
}

// atEntryEnd reports whether p.i is where an entry may end: the end, a
// comma, or a group's semicolon.
func (p *addrParser) atEntryEnd() bool {
	return p.end() || p.s[p.i] == ',' || p.s[p.i] == ';'
}

// addrSpec reads local-part ["@" domain] and returns the address: both
// joined, or the local part alone when there is no domain (as servers
// keep "Cron Daemon <root>"). A quoted local part without a domain is
// not an address.
func (p *addrParser) addrSpec() (email string, ok bool) {
	start := p.i
	local, quoted, ok := p.localPart()
	if !ok || local == "" {
		return "", false
	}
	localEnd := p.i
	p.skipCFWS()
	if p.end() || p.s[p.i] != '@' {
		p.i = localEnd
		return local, !quoted
	}
	p.i++
	domStart := p.i
	dom, ok := p.domain()
	if !ok {
		// "jane@" and nothing more: the local part, as servers keep it.
		if p.skipCFWS(); p.atEntryEnd() || p.peek() == '>' {
			return local, !quoted
		}
		return "", false
	}
	if !quoted && localEnd+1 == domStart && p.s[domStart:p.i] == dom && p.s[start:localEnd] == local {
		return p.s[start:p.i], true // as written: no copy
	}
	return local + "@" + dom, true
}

// angleAddr reads "<" [route ":"] addr-spec ">" at p.i. A '>' missing at
// the end of the entry is forgiven.
func (p *addrParser) angleAddr() (string, bool) {
	p.i++ // '<'
	p.skipCFWS()
	if p.peek() == '@' {
		// An obsolete route, "@a,@b:": dropped.
		for !p.end() && (p.s[p.i] == '@' || p.s[p.i] == ',') {
			at := p.s[p.i] == '@'
			p.i++
			if at {
				if _, ok := p.domain(); !ok {
					return "", false
				}
			}
			p.skipCFWS()
		}
		if p.peek() != ':' {
			return "", false
		}
		p.i++
		p.skipCFWS()
	}
	email, ok := p.addrSpec()
	if !ok {
		return "", false
	}
	p.skipCFWS()
	switch {
	case p.peek() == '>':
		p.i++
	case !p.atEntryEnd():
		return "", false
	}
	return email, true
}

// Entry kinds list reads.
const (
	entryBroken = iota // no address: skipped
	entryAddress
	entryGroup // a group's name and ':'; its members follow
)

// entry reads one entry of the list: a mailbox (name-addr or addr-spec),
// reported to f, or, outside a group, the start of a group.
func (p *addrParser) entry(inGroup bool, f func(name, email string)) int {
	start := p.i
	name, ok := p.phrase()
	if ok && !p.end() {
		switch p.s[p.i] {
		case '<':
			email, ok := p.angleAddr()
			if !ok {
				return entryBroken
			}
			f(name, email)
			return entryAddress
		case ':':
			if !inGroup {
				p.i++
				return entryGroup
			}
		}
	}
	// An addr-spec; its name is the last comment in or after it.
	p.i = start
	p.comment = ""
	email, ok := p.addrSpec()
	if !ok {
		return entryBroken
	}
	p.skipCFWS()
	if !p.atEntryEnd() && !strings.Contains(email, "@") {
		// Words and no address ("Undisclosed recipients"): nothing.
		return entryBroken
	}
	f(p.comment, email)
	return entryAddress
}

// list reads the whole value, reporting each address to f.
func (p *addrParser) list(f func(name, email string)) {
	inGroup := false
	for {
		p.skipCFWS()
		if p.end() {
			return
		}
		switch p.s[p.i] {
		case ',':
			// An empty entry (obsolete syntax): nothing.
			p.i++
			continue
		case ';':
			p.i++
			inGroup = false
			continue
		}
		if p.entry(inGroup, f) == entryGroup {
			inGroup = true
			continue
		}
		p.skipCFWS()
		switch {
		case p.end():
			return
		case p.s[p.i] == ',':
			p.i++
		case p.s[p.i] == ';' && inGroup:
		default:
			// Junk after the entry, or a broken one.
			p.skipEntry(inGroup)
		}
	}
}

// skipEntry skips the rest of a broken entry: up to the next comma (or,
// in a group, semicolon) outside quotes, comments and angle brackets.
func (p *addrParser) skipEntry(inGroup bool) {
	quoted, depth, angle := false, 0, 0
	for ; p.i < len(p.s); p.i++ {
		c := p.s[p.i]
		switch {
		case c == '\\' && (quoted || depth > 0):
			p.i++
		case quoted:
			quoted = c != '"'
		case c == '"' && depth == 0:
			quoted = true
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth > 0:
		case c == '<':
			angle++
		case c == '>' && angle > 0:
			angle--
		case angle > 0:
		case c == ',':
			p.i++
			return
		case c == ';' && inGroup:
			return
		}
	}
}
