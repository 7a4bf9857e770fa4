package templates

import (
	htemplate "html/template"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rekindle/rekindle/digest"
)

// funcs are the functions every template may call; README.md documents
// them.
func funcs() map[string]any {
	return map[string]any{
		"names":      digest.Names,
		"list":       digest.List,
		"plural":     plural,
		"add":        func(a, b int) int { return a + b },
		"sentence":   sentence,
		"capitalize": capitalize,
		"lower":      strings.ToLower,
		"upper":      strings.ToUpper,
		"join":       func(xs []string, sep string) string { return strings.Join(xs, sep) },
		"indent":     indent,
		"paragraphs": paragraphs,
	}
}

// htmlFuncs are funcs plus those only HTML templates have.
func htmlFuncs() map[string]any {
	f := funcs()
	f["nl2br"] = nl2br
	return f
}

// plural returns one when n is 1, else many.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// sentence trims s and ends it with a full stop unless it already ends
// with punctuation: the user's pitch can then be written either way.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	r, _ := utf8.DecodeLastRuneInString(s)
	if strings.ContainsRune(".!?…)\"'”’", r) {
		return s
	}
	return s + "."
}

// capitalize upper-cases the first letter: "cold" -> "Cold".
func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// indent prefixes every non-empty line of s with n spaces.
func indent(n int, s string) string {
	pad := strings.Repeat(" ", n)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = pad + l
		}
	}
	return strings.Join(lines, "\n")
}

// paragraphs splits text at blank lines.
func paragraphs(s string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		if p = strings.Trim(p, "\n"); strings.TrimSpace(p) != "" {
			out = append(out, p)
		}
	}
	return out
}

// nl2br escapes s for HTML and turns its line breaks into <br>.
func nl2br(s string) htemplate.HTML {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = htemplate.HTMLEscapeString(l)
	}
	return htemplate.HTML(strings.Join(lines, "<br>\n"))
}
