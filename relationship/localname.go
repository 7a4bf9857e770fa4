package relationship

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// NameFromAddress reads a person's name from an address whose local part
// is written first.last, first_last or first-last, as company mail
// systems make them, for mail that carries no display name:
//
//	jane.doe@x.com          -> "Jane Doe"
//	Lukas.Becker@x.de       -> "Lukas Becker"
//	mary_ann_lee@x.com      -> "Mary Ann Lee"
//	mary-jane.smith@x.com   -> "Mary-Jane Smith"   (dots first: the hyphen is the name's)
//	sean.o'brien@x.ie       -> "Sean O'Brien"
//	jane.m.doe@x.com        -> "Jane M. Doe"
//	j.smith@x.com           -> "J. Smith"          (a name, but no first name to greet by)
//	jane.doe+news@x.com     -> "Jane Doe"          (the +tag is not the name's)
//
// It returns "" whenever the local part is not plainly a name: one word
// (jsmith, jane), digits (jdoe2), role and system words (info, admin,
// sales.team, no-reply, customer.service), hex-like or very long tokens,
// a mix of dots and underscores (mary-jane.o_neil: which is the name's?),
// a last part that is an initial (smith.j), more than four parts, or
// anything but letters, apostrophes and the separators. Guessing wrong
// costs more than showing the address: "" is the answer when in doubt.
//
// The result is a display name: the digest derives a first name from it
// as from any other (so "J. Smith" is shown, and greeted without a name).
// It is pure and cheap; casing follows the address when it is mixed
// (McKenzie stays McKenzie), else each part is capitalised.
func NameFromAddress(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at <= 0 {
		return ""
	}
	local := email[:at]
	if i := strings.IndexByte(local, '+'); i >= 0 {
		local = local[:i]
	}
	if local == "" || utf8.RuneCountInString(local) > maxLocalName || !utf8.ValidString(local) {
		return ""
	}
	var sep string
	switch {
	case strings.Contains(local, "."):
		if strings.Contains(local, "_") {
			return ""
		}
		sep = "."
	case strings.Contains(local, "_"):
		sep = "_"
	case strings.Contains(local, "-"):
		sep = "-"
	default:
		return "" // one word: a login, a first name alone, or a role
	}
	parts := strings.Split(local, sep)
	if len(parts) < 2 || len(parts) > 4 {
		return ""
	}
	words := make([]string, len(parts))
	for i, p := range parts {
		w, ok := nameWord(p)
		if !ok {
			return ""
		}
		words[i] = w
	}
	if isInitialWord(words[len(words)-1]) {
		return "" // smith.j: the family name first, or not a name
	}
	initials := 0
	for _, w := range words {
		if isInitialWord(w) {
			initials++
		}
	}
	if initials > 2 || len(words)-initials > 3 {
		return ""
	}
	return strings.Join(words, " ")
}

// maxLocalName is the longest local part read as a name; longer ones are
// generated (bounce+..., tracking ids) or not names.
const maxLocalName = 40

// maxNameWord is the longest part believed to be a name.
const maxNameWord = 20

// nameWord checks one part of a local part and writes it as a name: "doe"
// is "Doe", "j" is "J.", "o'brien" is "O'Brien", "smith-jones" is
// "Smith-Jones". ok is false for anything that is not plainly a name.
func nameWord(p string) (string, bool) {
	n := utf8.RuneCountInString(p)
	if n == 0 || n > maxNameWord {
		return "", false
	}
	for _, r := range p {
		if !unicode.IsLetter(r) && r != '-' && r != '\'' {
			return "", false // digits, dots of another kind, symbols
		}
	}
	for _, piece := range strings.FieldsFunc(p, func(r rune) bool { return r == '-' || r == '\'' }) {
		if roleWords[strings.ToLower(piece)] {
			return "", false
		}
	}
	// A hyphen or apostrophe joins letters: "-x", "x-", "o--b" are not names.
	if strings.Trim(p, "-'") != p || strings.Contains(p, "--") || strings.Contains(p, "''") ||
		strings.Contains(p, "-'") || strings.Contains(p, "'-") {
		return "", false
	}
	if n == 1 {
		return strings.ToUpper(p) + ".", true
	}
	if !pronounceable(p) {
		return "", false
	}
	return nameCase(p), true
}

// isInitialWord reports whether w, as nameWord wrote it, is an initial.
func isInitialWord(w string) bool {
	return utf8.RuneCountInString(w) == 2 && strings.HasSuffix(w, ".")
}

// pronounceable rejects what reads as generated rather than given: hex
// strings (deadbeef, cafebabe) and runs of consonants (xkcdq). Names in
// other scripts, or with letters outside ASCII, are taken as they are.
func pronounceable(p string) bool {
	lower := strings.ToLower(p)
	ascii, hex, vowels, run, maxRun := true, true, 0, 0, 0
	for _, r := range lower {
		if r > unicode.MaxASCII {
			ascii = false
			break
		}
		if r < 'a' || r > 'f' {
			hex = hex && (r == '-' || r == '\'')
		}
		switch r {
		case 'a', 'e', 'i', 'o', 'u', 'y':
			vowels++
			run = 0
		case '-', '\'':
			run = 0
		default:
			run++
			maxRun = max(maxRun, run)
		}
	}
	if !ascii {
		return true
	}
	n := len(lower)
	switch {
	case hex && n >= 6:
		return false
	case vowels == 0 && n >= 4: // "Ng" is a name; "xkcd" is not
		return false
	case maxRun >= 6: // "Schwartz" has four in a row, "Strzelczyk" four
		return false
	}
	return true
}

// nameCase capitalises each piece of a lower- or upper-case word ("o'brien"
// is "O'Brien", "JEAN-LUC" is "Jean-Luc") and keeps mixed case as written.
func nameCase(w string) string {
	upper, lower := strings.ToUpper(w) == w, strings.ToLower(w) == w
	first, _ := utf8.DecodeRuneInString(w)
	if upper == lower && (unicode.IsUpper(first) || !unicode.IsLower(first)) {
		return w // mixed case as a name is written (McKenzie), or no case at all
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

// roleWords are local-part words that name a function, a team or a
// machine rather than a person: "sales.team", "customer-service",
// "no-reply" and "it.helpdesk" are not people.
var roleWords = map[string]bool{
	"abuse": true, "account": true, "accounts": true, "accounting": true, "admin": true, "administrator": true,
	"admissions": true, "alert": true, "alerts": true, "all": true, "announce": true, "announcements": true,
	"auto": true, "automated": true, "billing": true, "board": true, "bot": true, "bounce": true, "bounces": true,
	"calendar": true, "careers": true, "contact": true, "contacts": true, "community": true, "compliance": true,
	"customer": true, "customers": true, "daemon": true, "dept": true, "department": true, "desk": true,
	"devops": true, "digest": true, "donotreply": true, "email": true, "enquiries": true,
	"events": true, "everyone": true, "feedback": true, "finance": true, "frontdesk": true, "group": true,
	"hello": true, "help": true, "helpdesk": true, "hiring": true, "hr": true, "info": true, "information": true,
	"inquiries": true, "invoice": true, "invoices": true, "it": true, "legal": true, "list": true,
	"lists": true, "mail": true, "mailer": true, "marketing": true, "media": true, "members": true,
	"membership": true, "news": true, "newsletter": true, "noreply": true,
	"notification": true, "notifications": true, "notify": true, "office": true, "ops": true, "order": true,
	"orders": true, "partners": true, "payments": true, "payroll": true, "postmaster": true, "press": true,
	"privacy": true, "recruiting": true, "recruitment": true, "reception": true, "reply": true, "reports": true,
	"sales": true, "security": true, "service": true, "services": true, "shop": true,
	"staff": true, "store": true, "subscriptions": true, "support": true, "system": true, "talent": true,
	"team": true, "tech": true, "test": true, "tickets": true, "update": true, "updates": true,
	"user": true, "webmaster": true, "welcome": true,
	// Placeholders and suffixes that are not a person's name.
	"firstname": true, "lastname": true, "first": true, "last": true, "name": true, "ext": true,
	"external": true, "contractor": true, "intern": true, "temp": true,
}
