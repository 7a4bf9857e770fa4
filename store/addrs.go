package store

import (
	"strings"

	"github.com/rekindle/rekindle"
)

// Address lists are stored as text, one "email<TAB>name" per line: compact,
// readable in the sqlite3 shell, and cheap to decode in the one streaming
// pass the relationship model makes. Tabs and line breaks cannot occur in
// the values: cleanText removes control characters at ingest.

func encodeAddrs(as []rekindle.Address) string {
	switch len(as) {
	case 0:
		return ""
	case 1:
		return as[0].Email + "\t" + as[0].Name
	}
	var b strings.Builder
	for i, a := range as {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(a.Email)
		b.WriteByte('\t')
		b.WriteString(a.Name)
	}
	return b.String()
}

func decodeAddrs(s string) []rekindle.Address {
	if s == "" {
		return nil
	}
	as := make([]rekindle.Address, 0, strings.Count(s, "\n")+1)
	for line := range strings.SplitSeq(s, "\n") {
		email, name, _ := strings.Cut(line, "\t")
		as = append(as, rekindle.Address{Email: email, Name: name})
	}
	return as
}

func encodeIDs(ids []string) string { return strings.Join(ids, " ") }

func decodeIDs(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, " ")
}
