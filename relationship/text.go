package relationship

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// replyPrefixes are the reply and forward markers mail clients put before a
// subject, lower case: English (Re, Fwd, Fw), German (AW, WG), Scandinavian
// (Sv, Vs), Dutch (Antw), French (Tr), Italian (Rif, R), Polish (Odp),
// Portuguese (Res, Enc).
var replyPrefixes = []string{"re", "fwd", "fw", "aw", "wg", "sv", "vs", "antw", "tr", "rif", "r", "odp", "res", "enc"}

// CleanSubject strips reply and forward prefixes ("Re:", "RE:", "AW:",
// "Fwd:", "FW:", "WG:", "Sv:", "Re[2]:", ...) and list tags ("[team] "),
// however many and in any order, and collapses white space. It keeps the
// case of what remains, so it can head a drafted reply.
func CleanSubject(s string) string {
	c, _ := cleanSubject(s)
	return c
}

// cleanSubject is CleanSubject that also reports whether a reply or forward
// prefix was stripped: such a message claims to belong to an existing
// thread.
func cleanSubject(s string) (string, bool) {
	reply := false
	for {
		var n int
		s, n = nextPrefix(s)
		if n == 0 {
			break
		}
		s = s[n:]
		reply = true
	}
	if oddSpace(s) {
		s = strings.Join(strings.Fields(s), " ")
	}
	return strings.TrimSpace(s), reply
}

// oddSpace reports whether s has white space other than single spaces.
// Most subjects have none, and this costs far less than strings.Fields.
func oddSpace(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= utf8.RuneSelf:
			return strings.ContainsFunc(s[i:], func(r rune) bool { return r != ' ' && unicode.IsSpace(r) }) || strings.Contains(s, "  ")
		case c == ' ':
			if i+1 < len(s) && s[i+1] == ' ' {
				return true
			}
		case c <= '\r' && c >= '\t':
			return true
		}
	}
	return false
}

// prefixLen is the length of a reply prefix at the start of s, including
// an optional counter ("[2]", "(2)", "^2") and the colon, or 0.
func prefixLen(s string) int {
	for _, p := range replyPrefixes {
		if len(s) <= len(p) || !strings.EqualFold(s[:len(p)], p) {
			continue
		}
		i := len(p)
		if s[i] == '[' || s[i] == '(' {
			j := i + 1
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			if j == i+1 || j >= len(s) || (s[j] != ']' && s[j] != ')') {
				continue
			}
			i = j + 1
		} else if s[i] == '^' {
			j := i + 1
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			i = j
		}
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if strings.HasPrefix(s[i:], ":") {
			return i + 1
		}
		if strings.HasPrefix(s[i:], "：") { // full-width colon (CJK clients)
			return i + len("：")
		}
	}
	return 0
}

// nextPrefix skips leading white space and list tags ("[team] ") and
// returns what remains with the length of the reply or forward prefix it
// starts with (prefixLen), 0 if none.
func nextPrefix(s string) (string, int) {
	for {
		s = strings.TrimLeftFunc(s, unicode.IsSpace)
		if strings.HasPrefix(s, "[") {
			if i := strings.IndexByte(s, ']'); i > 0 {
				s = s[i+1:]
				continue
			}
		}
		return s, prefixLen(s)
	}
}

// forwardPrefixes are the forward markers among replyPrefixes.
var forwardPrefixes = []string{"fwd", "fw", "wg", "tr", "enc"}

// IsForward reports whether a subject marks a forward ("Fwd:", "FW:",
// "WG:", "TR:", "Enc:", also after "Re:" or a list tag) or passes something
// on for information ("FYI: ..."). Such mail neither awaits nor owes a
// reply.
func IsForward(subject string) bool {
	s := subject
	for {
		var n int
		s, n = nextPrefix(s)
		if len(s) >= 3 && strings.EqualFold(s[:3], "fyi") && (len(s) == 3 || s[3] == ':' || s[3] == ' ') {
			return true
		}
		if n == 0 {
			return false
		}
		for _, p := range forwardPrefixes {
			if len(s) > len(p) && strings.EqualFold(s[:len(p)], p) && !isLetterByte(s[len(p)]) {
				return true
			}
		}
		s = s[n:]
	}
}

func isLetterByte(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// foldRune maps accented Latin letters to their base letters, so "Zoë",
// "Zoe" and "ZOË" meet. A table rather than Unicode decomposition keeps the
// package on the standard library.
var foldRune = map[rune]string{
	'à': "a", 'á': "a", 'â': "a", 'ã': "a", 'ä': "a", 'å': "a", 'ā': "a", 'ă': "a", 'ą': "a",
	'ç': "c", 'ć': "c", 'č': "c", 'ĉ': "c", 'ċ': "c",
	'ď': "d", 'đ': "d", 'ð': "d",
	'è': "e", 'é': "e", 'ê': "e", 'ë': "e", 'ē': "e", 'ė': "e", 'ę': "e", 'ě': "e",
	'ğ': "g", 'ĝ': "g", 'ģ': "g",
	'ì': "i", 'í': "i", 'î': "i", 'ï': "i", 'ī': "i", 'į': "i", 'ı': "i",
	'ķ': "k", 'ĺ': "l", 'ļ': "l", 'ľ': "l", 'ł': "l",
	'ñ': "n", 'ń': "n", 'ņ': "n", 'ň': "n",
	'ò': "o", 'ó': "o", 'ô': "o", 'õ': "o", 'ö': "o", 'ø': "o", 'ō': "o", 'ő': "o",
	'ŕ': "r", 'ř': "r",
	'ś': "s", 'š': "s", 'ş': "s", 'ș': "s", 'ß': "ss",
	'ť': "t", 'ţ': "t", 'ț': "t",
	'ù': "u", 'ú': "u", 'û': "u", 'ü': "u", 'ū': "u", 'ů': "u", 'ű': "u", 'ų': "u",
	'ý': "y", 'ÿ': "y",
	'ź': "z", 'ż': "z", 'ž': "z",
	'æ': "ae", 'œ': "oe", 'þ': "th",
}

// nameKey is the form of a display name under which two addresses may be
// one person: accents folded, case and punctuation dropped, words sorted
// (so "Doe, Jane", "\"Jane Doe\"" and "Jane Doé" meet). Parenthesised and
// bracketed parts ("Jane Doe (Acme)") are dropped, and so are titles ("Dr.
// Jane Doe", "Prof. Dr. Jane Doe", "Jane Doe, PhD": see nameTitles). A name
// of fewer than two words left, or one that is an address, gives "": "Jane"
// alone is too weak to say two addresses are one person.
//
// German writes ä, ö and ü as ae, oe and ue where a keyboard or an old
// system lacks them, so "Gerta Rücker" is also "Gerta Ruecker"; it is as
// often written "Rucker". The key folds ü to u like any accent, and alt is
// the key with ä, ö and ü written the German way ("" when the name has
// none of them). Two names are one when their keys are equal, or when one's
// alt is the other's key (see sameName); ASCII names are never rewritten,
// so "Michael" and "Michal" stay apart.
func nameKey(name string) (key, alt string) {
	if name == "" || strings.Contains(name, "@") {
		return "", ""
	}
	var words, alts []string
	var w, wa strings.Builder
	umlaut := false
	depth := 0
	flush := func() {
		if w.Len() > 0 {
			if !nameTitles[w.String()] {
				words = append(words, w.String())
				alts = append(alts, wa.String())
			}
			w.Reset()
			wa.Reset()
		}
	}
	var prev rune
	for _, r := range name {
		switch {
		case r == '(' || r == '[':
			depth++
			flush()
		case r == ')' || r == ']':
			if depth > 0 {
				depth--
			}
			flush()
		case depth > 0:
		case r == 0x308 && (prev == 'a' || prev == 'o' || prev == 'u'):
			// A decomposed umlaut: "u" and a combining diaeresis.
			wa.WriteByte('e')
			umlaut = true
		case r >= 0x300 && r <= 0x36f: // combining accents of decomposed text
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			r = unicode.ToLower(r)
			if f, ok := foldRune[r]; ok {
				w.WriteString(f)
				if g, ok := germanFold[r]; ok {
					wa.WriteString(g)
					umlaut = true
				} else {
					wa.WriteString(f)
				}
			} else {
				w.WriteRune(r)
				wa.WriteRune(r)
			}
		case r == '\'' || r == '’':
			// O'Brien and OBrien are one name.
		default:
			flush()
		}
		prev = 0
		if depth == 0 && unicode.IsLetter(r) {
			prev = r
		}
	}
	flush()
	if len(words) < 2 {
		return "", ""
	}
	slices.Sort(words)
	key = strings.Join(words, " ")
	if umlaut {
		slices.Sort(alts)
		alt = strings.Join(alts, " ")
	}
	return key, alt
}

// germanFold is how German writes its umlauts without them.
var germanFold = map[rune]string{'ä': "ae", 'ö': "oe", 'ü': "ue"}

// nameTitles are the words of a name that are a title, not the person's:
// "Dr. Jane Doe" and "Jane Doe" are one name. Only titles that are not
// also given names or initials: no "md" ("Md" is Muhammad), no "sir".
var nameTitles = map[string]bool{"dr": true, "prof": true, "mr": true, "mrs": true, "ms": true, "mx": true, "phd": true}

// deskWords are words of a name that a desk, a team or a service may give
// itself at any company ("Customer Service", "Sales Team"): a name with
// one of them says less about who wrote.
var deskWords = map[string]bool{
	"account": true, "accounts": true, "admin": true, "billing": true, "bot": true,
	"careers": true, "center": true, "centre": true, "committee": true,
	"customer": true, "department": true, "desk": true, "editor": true,
	"editorial": true, "editors": true, "group": true, "help": true,
	"helpdesk": true, "info": true, "jobs": true, "mailer": true,
	"marketing": true, "news": true, "newsletter": true, "notifications": true,
	"office": true, "online": true, "recruiting": true, "reply": true,
	"sales": true, "service": true, "services": true, "staff": true,
	"support": true, "system": true, "team": true, "the": true, "via": true,
}

// personName reports whether a name key (nameKey) may name one person
// well enough to join addresses that never met in a thread: no word of
// deskWords, and two words that are more than initials ("D J" is not).
func personName(key string) bool {
	long := 0
	for w := range strings.SplitSeq(key, " ") {
		if deskWords[w] {
			return false
		}
		if utf8.RuneCountInString(w) > 1 {
			long++
		}
	}
	return long >= 2
}

// sameName reports whether two names' keys (nameKey's key and alt) say one
// person.
func sameName(k1, a1, k2, a2 string) bool {
	return k1 != "" && k2 != "" && (k1 == k2 || a1 == k2 || k1 == a2)
}

// nameSuffixes are what may follow a comma in a name that is not
// "Last, First".
var nameSuffixes = map[string]bool{"jr": true, "sr": true, "ii": true, "iii": true, "iv": true, "phd": true, "md": true, "esq": true, "mba": true, "cpa": true}

// givenNames reports whether what follows the comma of "Last, First" is
// given names: one or two words, then initials ("Paul H P").
func givenNames(s string) bool {
	words := strings.Fields(s)
	if len(words) == 0 || len(words) > 4 {
		return false
	}
	for i, w := range words {
		if i >= 2 && utf8.RuneCountInString(strings.TrimSuffix(w, ".")) > 1 {
			return false
		}
	}
	return true
}

// displayName tidies a display name for output: quotes removed, and
// "Doe, Jane" turned into "Jane Doe" (but not "Jane Doe, PhD").
func displayName(name string) string {
	name = strings.TrimSpace(strings.Trim(strings.TrimSpace(name), `"'`))
	if strings.Contains(name, "@") {
		return ""
	}
	last, first, ok := strings.Cut(name, ",")
	if ok && !strings.Contains(first, ",") {
		last, first = strings.TrimSpace(last), strings.TrimSpace(first)
		// "Gram, Gil (IITA)": the bracketed part stays at the end.
		note := ""
		if i := strings.IndexAny(first, "(["); i > 0 && strings.HasSuffix(first, ")") || i > 0 && strings.HasSuffix(first, "]") {
			first, note = strings.TrimSpace(first[:i]), " "+first[i:]
		}
		suffix := nameSuffixes[strings.ToLower(strings.Trim(first, "."))]
		if !suffix && last != "" && first != "" && len(strings.Fields(last)) <= 2 && givenNames(first) {
			return first + " " + last + note
		}
	}
	if !utf8.ValidString(name) {
		name = strings.ToValidUTF8(name, "")
	}
	return name
}
