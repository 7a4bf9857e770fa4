package imapsync

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rekindle/rekindle/synth"
)

// headerSections returns the sections a server sends for HeaderFields of
// a synthetic mailbox's messages: their fields of those names, in order,
// and the blank line that ends a header.
func headerSections(tb testing.TB, n int) []string {
	tb.Helper()
	var out []string
	for _, m := range synth.Generate(synth.Options{Seed: 7, Messages: n, Hostile: true}).Mails {
		head, _, _ := bytes.Cut(m.Raw, []byte("\r\n\r\n"))
		var b strings.Builder
		keep := false
		for line := range strings.SplitSeq(string(head), "\r\n") {
			if line != "" && (line[0] == ' ' || line[0] == '\t') {
				if keep {
					b.WriteString(line + "\r\n")
				}
				continue
			}
			name, _, _ := strings.Cut(line, ":")
			keep = slices.ContainsFunc(HeaderFields, func(f string) bool { return strings.EqualFold(f, name) })
			if keep {
				b.WriteString(line + "\r\n")
			}
		}
		b.WriteString("\r\n")
		out = append(out, b.String())
	}
	return out
}

// BenchmarkParseMessage parses the header sections of a generated
// mailbox, as a sync does for each message it fetches.
//
//	go test -run '^$' -bench ParseMessage -cpuprofile cpu.out ./imapsync
func BenchmarkParseMessage(b *testing.B) {
	var (
		sections [][]byte
		size     int
	)
	for _, s := range headerSections(b, 10_000) {
		sections = append(sections, []byte(s))
		size += len(s)
	}
	b.SetBytes(int64(size / len(sections)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		s := sections[i%len(sections)]
		parseMessage(uint32(i), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), s)
	}
}
