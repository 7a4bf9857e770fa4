package addressbook

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime/quotedprintable"
	"net/mail"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-vcard"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	xunicode "golang.org/x/text/encoding/unicode"

	"github.com/rekindle/rekindle"
)

// Problem is something in the address book that rekindle could not read:
// a card it skipped, or a value it left out of a card it kept. Problems
// are warnings; reading goes on.
type Problem struct {
	// Source is the file, or the URL of the card on the CardDAV server.
	Source string
	// Line is the line of the card's BEGIN:VCARD in Source, from 1; 0
	// when the problem is not with one card, or for CardDAV.
	Line int
	// Msg says what is wrong and what was done about it.
	Msg string
}

// String is "SOURCE:LINE: MSG", without the line when it is not known.
func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.Source, p.Line, p.Msg)
	}
	return fmt.Sprintf("%s: %s", p.Source, p.Msg)
}

// Limits on what is kept of a card. Longer values are cut (names,
// categories) or left out (addresses): nobody's name is longer, and an
// address longer than RFC 5321's 254 octets cannot be delivered to.
const (
	maxName     = 200 // bytes
	maxCategory = 100 // bytes
	maxEmail    = 254 // bytes
	// maxCategories is the most categories kept of one card.
	maxCategories = 50
)

// entry is one card as decoded, before groups are resolved.
type entry struct {
	card rekindle.Card
	// uid is the card's UID, without a urn:uuid: prefix, lower case.
	uid string
	// group marks a group card (KIND:group, or Apple's
	// X-ADDRESSBOOKSERVER-KIND:group): its name is a category of its
	// members, which are UIDs or, for "mailto:" members, addresses.
	group   bool
	members []string
}

// Decode reads every vCard in data: vCard 2.1, 3.0 or 4.0, one card or
// many, as Apple Contacts, Google Contacts, Thunderbird, Outlook and
// phones export them. It never fails: a card it cannot read is skipped,
// and a value it cannot use left out, each with a Problem; source names
// data in them. Group cards (KIND:group, Apple's
// X-ADDRESSBOOKSERVER-KIND:group) give their name as a category to the
// cards among data they list. Cards without an address say nothing
// rekindle can use and are not returned.
func Decode(data []byte, source string) ([]rekindle.Card, []Problem) {
	entries, problems := decode(data, source)
	return resolve(entries), problems
}

// decode reads the cards of data, groups included.
func decode(data []byte, source string) ([]entry, []Problem) {
	var (
		out      []entry
		problems []Problem
	)
	raw, ps := split(toText(data), source)
	problems = append(problems, ps...)
	d := &cardDecoder{r: bufio.NewReader(nil)}
	for _, r := range raw {
		e, msgs, err := d.decode(r.lines)
		if err != nil {
			msg := err.Error()
			if msg == "vcard: invalid END value" {
				msg = "an END line other than END:VCARD inside it (" + msg + ")"
			}
			problems = append(problems, Problem{Source: source, Line: r.line, Msg: "card skipped: " + msg})
			continue
		}
		for _, m := range msgs {
			problems = append(problems, Problem{Source: source, Line: r.line, Msg: describe(e) + m})
		}
		out = append(out, e)
	}
	slices.SortStableFunc(problems, func(a, b Problem) int { return a.Line - b.Line })
	return out, problems
}

// describe names a card in a problem: `card "Jane Doe": `.
func describe(e entry) string {
	switch {
	case e.card.Name != "":
		return fmt.Sprintf("card %q: ", e.card.Name)
	case len(e.card.Emails) > 0:
		return fmt.Sprintf("card of %s: ", e.card.Emails[0])
	}
	return "card: "
}

// toText returns data as UTF-8 text: a UTF-16 file (with its byte order
// mark) is decoded, a UTF-8 byte order mark dropped. Other encodings are
// the business of each value (CHARSET, or Windows-1252 when a value is
// not UTF-8).
func toText(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte{0xff, 0xfe}), bytes.HasPrefix(data, []byte{0xfe, 0xff}):
		dec := xunicode.UTF16(xunicode.BigEndian, xunicode.ExpectBOM).NewDecoder()
		if b, err := dec.Bytes(data); err == nil {
			return string(b)
		}
	case bytes.HasPrefix(data, []byte("\xef\xbb\xbf")):
		data = data[3:]
	}
	return string(data)
}

// rawCard is the unfolded lines of one card, BEGIN:VCARD to END:VCARD,
// and the line of its BEGIN in the file.
type rawCard struct {
	line  int
	lines []string
}

// split cuts text into cards of unfolded lines. A line that starts with
// a space or a tab continues the one before (vCard 3.0 and 4.0 folding);
// a vCard 2.1 quoted-printable value ending in '=' continues on the next
// line. Only the properties rekindle reads are kept (see wanted): a
// photo's thousands of folded lines are passed over, not joined. Lines
// outside a card are ignored; a card without END:VCARD (cut short, or
// followed by another BEGIN:VCARD) is a Problem.
func split(text, source string) ([]rawCard, []Problem) {
	var (
		cards    []rawCard
		problems []Problem
		cur      *rawCard
		logical  []byte
		open     bool // a logical line is being read
		keep     bool // and it is kept
		qp       bool // and its value is quoted-printable
		start    int  // the line it starts on
		soft     bool // it ended in a quoted-printable soft line break
		outside  int  // non-blank lines outside any card
	)
	flush := func() {
		if !open || !keep {
			return
		}
		line := string(logical)
		logical = logical[:0]
		switch {
		case isMarker(line, "BEGIN"):
			if cur != nil {
				problems = append(problems, Problem{Source: source, Line: cur.line, Msg: "card skipped: no END:VCARD before the next BEGIN:VCARD"})
			}
			cur = &rawCard{line: start, lines: []string{"BEGIN:VCARD"}}
		case cur == nil:
			if strings.TrimSpace(line) != "" {
				outside++
			}
		case isMarker(line, "END"):
			cur.lines = append(cur.lines, "END:VCARD")
			cards = append(cards, *cur)
			cur = nil
		default:
			cur.lines = append(cur.lines, line)
		}
	}
	newline := "\n"
	if !strings.Contains(text, "\n") {
		newline = "\r" // classic Mac OS line ends
	}
	n := 0
	for physical := range strings.SplitSeq(text, newline) {
		n++
		physical = strings.TrimSuffix(physical, "\r")
		switch {
		case soft:
			if keep {
				logical = append(logical, physical...)
			}
		case open && physical != "" && (physical[0] == ' ' || physical[0] == '\t'):
			if keep {
				logical = append(logical, physical[1:]...)
			}
		default:
			flush()
			open, start = true, n
			// Outside a card every line is looked at: it may be a
			// BEGIN:VCARD, or junk.
			keep = cur == nil || wanted(physical)
			qp = quotedPrintable(physical)
			logical = append(logical[:0], physical...)
			if !keep {
				logical = logical[:0]
			}
		}
		// A quoted-printable value ending in '=' goes on at the next
		// line: drop the soft line break's '=' and read on.
		soft = qp && strings.HasSuffix(physical, "=")
		if soft && keep && len(logical) > 0 {
			logical = logical[:len(logical)-1]
		}
	}
	flush()
	if cur != nil {
		problems = append(problems, Problem{Source: source, Line: cur.line, Msg: "card skipped: no END:VCARD before the end of the file"})
	}
	if len(cards) == 0 && cur == nil && outside > 0 {
		problems = append(problems, Problem{Source: source, Msg: "no vCard in it (no BEGIN:VCARD line)"})
	}
	return cards, problems
}

// cardProps are the properties rekindle reads; wantedProps adds the
// card's markers.
var (
	cardProps = []string{
		vcard.FieldFormattedName, vcard.FieldName, vcard.FieldEmail, vcard.FieldCategories,
		vcard.FieldUID, vcard.FieldKind, vcard.FieldMember, "X-ADDRESSBOOKSERVER-KIND", "X-ADDRESSBOOKSERVER-MEMBER",
	}
	wantedProps = append([]string{"BEGIN", "END"}, cardProps...)
)

// wanted reports whether a content line is of one of wantedProps, in any
// case, with or without a group ("item1.EMAIL").
func wanted(line string) bool {
	i := strings.IndexAny(line, ";:")
	if i < 0 {
		return false
	}
	name := line[:i]
	if j := strings.IndexByte(name, '.'); j >= 0 {
		name = name[j+1:]
	}
	name = strings.TrimSpace(name)
	for _, p := range wantedProps {
		if strings.EqualFold(name, p) {
			return true
		}
	}
	return false
}

// isMarker reports whether line is BEGIN:VCARD or END:VCARD (which is
// marker), in any case, white space around allowed.
func isMarker(line, marker string) bool {
	k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
	return ok && strings.EqualFold(strings.TrimSpace(k), marker) && strings.EqualFold(strings.TrimSpace(v), "VCARD")
}

// quotedPrintable reports whether a content line's parameters say its
// value is quoted-printable (vCard 2.1).
func quotedPrintable(line string) bool {
	// The name and parameters are short: a line without a ':' near its
	// start is no property.
	head, _, ok := strings.Cut(line[:min(len(line), 1024)], ":")
	return ok && strings.Contains(strings.ToUpper(head), "QUOTED-PRINTABLE")
}

// cardDecoder decodes cards one at a time with go-vcard, with one buffer
// for all (go-vcard takes a *bufio.Reader as it is).
type cardDecoder struct {
	b strings.Builder
	s strings.Reader
	r *bufio.Reader
}

// decode decodes one card's lines with go-vcard and takes what rekindle
// uses from it. msgs are values left out; err is why the card could not
// be read at all.
func (d *cardDecoder) decode(lines []string) (e entry, msgs []string, err error) {
	d.b.Reset()
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		d.b.WriteString(typeParams(l))
		d.b.WriteString("\r\n")
	}
	d.s.Reset(d.b.String())
	d.r.Reset(&d.s)
	c, err := vcard.NewDecoder(d.r).Decode()
	if err != nil {
		return e, nil, err
	}
	e, msgs = fromVCard(c)
	return e, msgs, nil
}

// typeParams writes vCard 2.1's bare parameters (EMAIL;INTERNET;PREF:)
// as the TYPE parameters they are (EMAIL;TYPE=INTERNET;TYPE=PREF:), which
// go-vcard reads: it would take the value for a parameter's otherwise.
func typeParams(line string) string {
	i := strings.IndexAny(line, ";:")
	if i < 0 || line[i] != ';' {
		return line
	}
	// The parameters run to the first ':' outside double quotes.
	end, quoted := -1, false
	for j := i; j < len(line); j++ {
		switch line[j] {
		case '"':
			quoted = !quoted
		case ':':
			if !quoted {
				end = j
			}
		}
		if end >= 0 {
			break
		}
	}
	if end < 0 {
		return line
	}
	params := strings.Split(line[i+1:end], ";")
	bare := false
	for k, p := range params {
		if p != "" && !strings.Contains(p, "=") {
			params[k] = "TYPE=" + p
			bare = true
		}
	}
	if !bare {
		return line
	}
	return line[:i+1] + strings.Join(params, ";") + line[end:]
}

// fromVCard takes from a decoded card its name, addresses and categories,
// or, for a group, its name and members.
func fromVCard(c vcard.Card) (e entry, msgs []string) {
	e.uid = normUID(text(c.Get(vcard.FieldUID)))
	kind := strings.ToLower(strings.TrimSpace(c.Value(vcard.FieldKind)))
	if kind == "" {
		kind = strings.ToLower(strings.TrimSpace(c.Value("X-ADDRESSBOOKSERVER-KIND")))
	}
	e.card.Name = cardName(c)

	if kind == "group" {
		e.group = true
		for _, key := range []string{vcard.FieldMember, "X-ADDRESSBOOKSERVER-MEMBER"} {
			for _, f := range c[key] {
				if m := member(text(f)); m != "" {
					e.members = append(e.members, m)
				}
			}
		}
		return e, nil
	}

	// The preferred address first, then the others in the card's order.
	fields := slices.Clone(c[vcard.FieldEmail])
	if pref := c.Preferred(vcard.FieldEmail); pref != nil {
		if i := slices.Index(fields, pref); i > 0 {
			fields = append(append([]*vcard.Field{pref}, fields[:i]...), fields[i+1:]...)
		}
	}
	for _, f := range fields {
		v := text(f)
		if strings.TrimSpace(v) == "" {
			continue
		}
		addr, ok := cleanEmail(v)
		if !ok {
			msgs = append(msgs, fmt.Sprintf("EMAIL %q is not an address; left out", cut(cleanText(v), 80)))
			continue
		}
		if !slices.Contains(e.card.Emails, addr) {
			e.card.Emails = append(e.card.Emails, addr)
		}
	}
	for _, f := range c[vcard.FieldCategories] {
		for _, cat := range strings.Split(text(f), ",") {
			e.card.Categories = addCategory(e.card.Categories, cat)
		}
	}
	return e, msgs
}

// googleAll is the category Google Contacts gives every contact of the
// account ("My Contacts"): it says nothing about anyone.
const googleAll = "myContacts"

// addCategory adds a category, cleaned, unless it is empty, Google's
// googleAll, already there (in any case), or one too many.
func addCategory(cats []string, cat string) []string {
	cat = cut(cleanText(strings.ReplaceAll(cat, ",", " ")), maxCategory)
	if cat == "" || cat == googleAll || len(cats) >= maxCategories {
		return cats
	}
	for _, c := range cats {
		if strings.EqualFold(c, cat) {
			return cats
		}
	}
	return append(cats, cat)
}

// cardName is the card's formatted name (FN), else its structured name
// (N): given, additional and family names. A name that is an address (as
// some programs write for a card without one) is no name.
func cardName(c vcard.Card) string {
	if f := c.Preferred(vcard.FieldFormattedName); f != nil {
		if n := cleanName(unescape(text(f))); n != "" {
			return n
		}
	}
	f := c.Preferred(vcard.FieldName)
	if f == nil {
		return ""
	}
	// family;given;additional;prefix;suffix, each possibly a list.
	parts := splitUnescaped(text(f), ';')
	part := func(i int) string {
		if i >= len(parts) {
			return ""
		}
		return strings.ReplaceAll(unescape(parts[i]), ",", " ")
	}
	return cleanName(strings.Join([]string{part(1), part(2), part(0)}, " "))
}

// cleanName is a name cleaned and cut to maxName; "" for one that is an
// address.
func cleanName(s string) string {
	s = cut(cleanText(s), maxName)
	if _, ok := cleanEmail(s); ok {
		return ""
	}
	return s
}

// text is a property's value as UTF-8 text: quoted-printable (vCard 2.1)
// decoded, and read in its CHARSET; a value that is still not UTF-8 is
// read as Windows-1252, what 8-bit exports most often are.
func text(f *vcard.Field) string {
	if f == nil {
		return ""
	}
	v := f.Value
	if strings.EqualFold(f.Params.Get("ENCODING"), "QUOTED-PRINTABLE") || slices.ContainsFunc(f.Params.Types(), func(t string) bool {
		return strings.EqualFold(t, "QUOTED-PRINTABLE")
	}) {
		// A broken escape ends the decoding; what came before is kept.
		b, _ := io.ReadAll(quotedprintable.NewReader(strings.NewReader(v)))
		v = string(b)
	}
	if cs := strings.TrimSpace(f.Params.Get("CHARSET")); cs != "" && !strings.EqualFold(cs, "utf-8") {
		if enc, err := htmlindex.Get(cs); err == nil {
			if d, err := enc.NewDecoder().String(v); err == nil {
				v = d
			}
		}
	}
	if !utf8.ValidString(v) {
		if d, err := charmap.Windows1252.NewDecoder().String(v); err == nil {
			v = d
		}
	}
	return strings.ToValidUTF8(v, "\uFFFD")
}

// unescape undoes the vCard escapes go-vcard leaves: "\;" and "\:".
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	return strings.NewReplacer(`\;`, ";", `\:`, ":").Replace(s)
}

// splitUnescaped splits s at each sep not escaped with a backslash.
func splitUnescaped(s string, sep byte) []string {
	var parts []string
	from := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case sep:
			parts = append(parts, s[from:i])
			from = i + 1
		}
	}
	return append(parts, s[from:])
}

// cleanText makes a value valid UTF-8 on one line: control characters
// (line breaks included) and the line and paragraph separators become
// spaces, runs of white space fold to one, and the ends are trimmed.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
	}), " ")
}

// cut cuts s to at most n bytes, at a rune boundary, trimmed.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return strings.TrimSpace(s[:n])
}

// cleanEmail returns the address an EMAIL value holds, lower case, and
// whether it is one: local@domain without white space, control
// characters or the characters that cannot be in an unquoted address. A
// "mailto:" prefix (vCard 4.0 programs write one) and a display name
// around it ("Jane <jane@example.com>") are dropped.
func cleanEmail(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if len(v) >= 7 && strings.EqualFold(v[:7], "mailto:") {
		v = strings.TrimSpace(v[7:])
	}
	if strings.Contains(v, "<") {
		if a, err := mail.ParseAddress(v); err == nil {
			v = a.Address
		}
	}
	v = strings.ToLower(v)
	at := strings.LastIndexByte(v, '@')
	if at <= 0 || at == len(v)-1 || len(v) > maxEmail || !utf8.ValidString(v) ||
		strings.ContainsFunc(v, func(r rune) bool {
			return unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(`<>()[]\,;:"`, r) || r == '\u2028' || r == '\u2029' || r == utf8.RuneError
		}) ||
		strings.Contains(v[at+1:], "..") || strings.HasPrefix(v[at+1:], ".") || strings.HasSuffix(v, ".") ||
		strings.Count(v, "@") > 1 {
		return "", false
	}
	return v, true
}

// normUID is a UID or a group's member without its urn:uuid: prefix, in
// lower case.
func normUID(s string) string {
	s = strings.ToLower(cleanText(s))
	return strings.TrimPrefix(s, "urn:uuid:")
}

// member is a group's member: a UID (normUID), or "mailto:" and an
// address; "" when it is neither.
func member(v string) string {
	v = strings.TrimSpace(v)
	if len(v) >= 7 && strings.EqualFold(v[:7], "mailto:") {
		if a, ok := cleanEmail(v); ok {
			return "mailto:" + a
		}
		return ""
	}
	return normUID(v)
}

// resolve gives each group's name to its members as a category, and
// returns the cards that are not groups and have an address.
func resolve(entries []entry) []rekindle.Card {
	byUID := map[string][]int{}
	byEmail := map[string][]int{}
	for i := range entries {
		if entries[i].group {
			continue
		}
		if u := entries[i].uid; u != "" {
			byUID[u] = append(byUID[u], i)
		}
		for _, a := range entries[i].card.Emails {
			byEmail[a] = append(byEmail[a], i)
		}
	}
	for _, g := range entries {
		if !g.group || g.card.Name == "" {
			continue
		}
		for _, m := range g.members {
			targets := byUID[m]
			if a, ok := strings.CutPrefix(m, "mailto:"); ok {
				targets = byEmail[a]
			}
			for _, i := range targets {
				entries[i].card.Categories = addCategory(entries[i].card.Categories, g.card.Name)
			}
		}
	}
	var out []rekindle.Card
	for _, e := range entries {
		if !e.group && len(e.card.Emails) > 0 {
			out = append(out, e.card)
		}
	}
	return out
}
