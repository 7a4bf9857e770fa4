package digest

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rekindle/rekindle/relationship"
)

// titles are honorifics that may precede a given name, lower case without
// the trailing dot: "Dr. Priya Raman" is Priya.
var titles = map[string]bool{
	"dr": true, "prof": true, "professor": true, "mr": true, "mrs": true, "ms": true, "mx": true,
	"miss": true, "sir": true, "dame": true, "lord": true, "lady": true, "rev": true, "fr": true,
	"herr": true, "frau": true, "mme": true, "mlle": true, "m": true, "sr": true, "sra": true,
	"srta": true, "dott": true, "ing": true, "dipl": true, "dipl-ing": true, "mag": true,
}

// suffixes may follow a comma without the name being "Last, First".
var suffixes = map[string]bool{
	"jr": true, "sr": true, "ii": true, "iii": true, "iv": true, "phd": true, "md": true,
	"esq": true, "mba": true, "cpa": true, "pe": true, "dds": true,
}

// maxFirstName is the longest first name believed: anything longer is a
// company, a slogan or an attack, and "Hi," is better than "Hi <that>,".
const maxFirstName = 30

// FirstName derives the name to greet someone by from a display name, or
// "" when there is nothing sensible to say, so that a template writes
// "Hi," rather than "Hi ,".
//
//	"Jane Doe"             -> "Jane"
//	"Doe, Jane"            -> "Jane"
//	"Dr. Priya Raman"      -> "Priya"
//	"J. Robert Smith"      -> "Robert"
//	"\"O'Brien, Sean\""    -> "Sean"
//	"JANE DOE"             -> "Jane"
//	"Jane Doe (Acme)"      -> "Jane"
//	"bob@x.org", "jdoe_42" -> ""
//	""                     -> ""
//
// email is the person's address; a name that merely repeats its local part
// ("jane.doe" for jane.doe@x.org) is not a name.
func FirstName(name, email string) string {
	name = oneLine(name)
	name = strings.Trim(name, "\"'“”‘’` ")
	if name == "" || strings.Contains(name, "@") {
		return ""
	}
	name = dropBracketed(name)
	reversed := false
	if last, first, ok := strings.Cut(name, ","); ok {
		first = strings.TrimSpace(first)
		if suffixes[normWord(first)] || first == "" {
			name = last
		} else {
			// "Doe, Jane" and "Doe, Jane, PhD": the given name follows the
			// first comma.
			name, _, _ = strings.Cut(first, ",")
			reversed = true
		}
	}
	words := strings.Fields(name)
	titled := false
	for len(words) > 1 && titles[normWord(words[0])] {
		words, titled = words[1:], true
	}
	if titled && len(words) == 1 && !reversed {
		// "Dr. Smith": a surname alone; "Hi," beats "Hi Smith,".
		return ""
	}
	for len(words) > 2 && isInitial(words[0]) {
		words = words[1:]
	}
	if len(words) == 0 || isInitial(words[0]) {
		return ""
	}
	if len(words) == 1 && isHandle(words[0], email) {
		return ""
	}
	w := nameRunes(words[0])
	if w == "" || utf8.RuneCountInString(w) > maxFirstName {
		return ""
	}
	if titles[normWord(w)] {
		// "Dr." alone.
		return ""
	}
	return fixCase(w)
}

// nameRunes is the start of w made of what names are made of: letters,
// combining marks, hyphens and apostrophes ("Jean-Luc", "O'Brien"); the
// rest of a word such as "Eve<script>" is not part of a name.
func nameRunes(w string) string {
	end := len(w)
	for i, r := range w {
		if !unicode.IsLetter(r) && !unicode.Is(unicode.M, r) && r != '-' && r != '\'' && r != '’' {
			end = i
			break
		}
	}
	return strings.Trim(w[:end], "-'’")
}

// normWord is a word lower case without dots, for the title and suffix
// tables.
func normWord(w string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(w), ".", ""))
}

// isInitial reports whether w is a lone initial such as "J." or "J".
func isInitial(w string) bool {
	w = strings.TrimSuffix(w, ".")
	r, n := utf8.DecodeRuneInString(w)
	return n == len(w) && unicode.IsLetter(r)
}

// isHandle reports whether a one-word name is a login rather than a name:
// it has digits, dots or underscores, or it is the address's local part.
func isHandle(w, email string) bool {
	if strings.ContainsAny(w, "._0123456789") {
		return true
	}
	local, _, _ := strings.Cut(email, "@")
	return local != "" && strings.EqualFold(w, local) && strings.ToLower(w) == w
}

// dropBracketed removes parenthesised and bracketed parts: "Jane Doe
// (Acme)" is Jane Doe.
func dropBracketed(s string) string {
	if !strings.ContainsAny(s, "([") {
		return s
	}
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '(' || r == '[':
			depth++
		case (r == ')' || r == ']') && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}

// fixCase turns "JANE" and "jane" into "Jane", and "jean-luc" into
// "Jean-Luc"; a name in mixed case ("McKenzie", "DeShawn") is kept.
func fixCase(w string) string {
	upper := strings.ToUpper(w) == w
	lower := strings.ToLower(w) == w
	if upper == lower { // mixed case, or no cased letters (CJK)
		return w
	}
	if upper && utf8.RuneCountInString(w) <= 1 {
		return w
	}
	var b strings.Builder
	start := true
	for _, r := range w {
		if start {
			b.WriteRune(unicode.ToUpper(r))
		} else {
			b.WriteRune(unicode.ToLower(r))
		}
		start = r == '-' || r == '\''
	}
	return b.String()
}

// displayName is the name to show someone by: their display name, else,
// when the mail carried none or only repeated the address, a name read
// from the address (jane.doe@x.com is Jane Doe), else the display name as
// it came (possibly "").
func displayName(name, email string) string {
	n := strings.Trim(oneLine(name), "\"'“”‘’` ")
	if n != "" && !(strings.Contains(n, "@") && !strings.ContainsAny(n, " <>")) {
		return name
	}
	if read := relationship.NameFromAddress(email); read != "" {
		return read
	}
	return name
}
