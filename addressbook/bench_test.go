package addressbook

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// genVCards writes n cards as Apple Contacts exports them (vCard 3.0,
// folded at 75 octets): one to three addresses, a telephone number, a
// postal address, a note, categories on a third of them, and a JPEG
// photo of about 6 KB on one in five, which make most of the file's size.
func genVCards(n int) string {
	r := rand.New(rand.NewPCG(1, 2))
	given := []string{"Jane", "Chidi", "Priya", "Lukas", "Aiko", "Seán", "Marta", "Tom", "Renée", "Jürgen", "Anna", "Hiro"}
	family := []string{"Doe", "Okafor", "Raman", "Becker", "Nakamura", "O’Brien", "Kowalska", "Ellis", "Lefèvre", "Müller", "Berg", "Tanaka"}
	cats := []string{"Family", "Friends", "Work", "Book Club", "Climbing", "Alumni"}
	photo := make([]byte, 4600) // base64: about 6 KB
	for i := range photo {
		photo[i] = byte(r.IntN(256))
	}
	var b strings.Builder
	line := func(s string) {
		for first := true; len(s) > 0; first = false {
			w := 75
			if !first {
				b.WriteByte(' ')
				w = 74
			}
			w = min(w, len(s))
			for w < len(s) && s[w]&0xc0 == 0x80 {
				w--
			}
			b.WriteString(s[:w])
			b.WriteString("\r\n")
			s = s[w:]
		}
	}
	for i := range n {
		g, f := given[r.IntN(len(given))], family[r.IntN(len(family))]
		line("BEGIN:VCARD")
		line("VERSION:3.0")
		line("PRODID:-//Apple Inc.//macOS 14.5//EN")
		line(fmt.Sprintf("N:%s;%s;;;", f, g))
		line(fmt.Sprintf("FN:%s %s", g, f))
		for k := range 1 + r.IntN(3) {
			pref := ""
			if k == 0 {
				pref = ";type=pref"
			}
			line(fmt.Sprintf("item%d.EMAIL;type=INTERNET%s:%s.%s%d@host%d.example", k+1, pref, strings.ToLower(g), strings.ToLower(f), i, k))
			line(fmt.Sprintf("item%d.X-ABLabel:_$!<Home>!$_", k+1))
		}
		line(fmt.Sprintf("TEL;type=CELL;type=VOICE;type=pref:+44 7700 9%05d", i))
		line(fmt.Sprintf("item9.ADR;type=HOME;type=pref:;;%d Elm Row;Edinburgh;;EH7 4AA;United Kingdom", i))
		line("NOTE:Met at the meetup\\, years ago.\\nLikes climbing and long walks.")
		if i%3 == 0 {
			line("CATEGORIES:" + cats[r.IntN(len(cats))] + "," + cats[r.IntN(len(cats))])
		}
		if i%5 == 0 {
			line("PHOTO;ENCODING=b;TYPE=JPEG:" + base64.StdEncoding.EncodeToString(photo))
		}
		line(fmt.Sprintf("UID:%08X-0000-4000-8000-%012X", i, i))
		line("END:VCARD")
	}
	return b.String()
}

// BenchmarkImport2000 reads a file of 2,000 cards as Apple Contacts
// exports them (about 3 MB, photos included) from disk, the address
// book's cost at each model build:
//
//	go test -run '^$' -bench Import2000 -benchmem ./addressbook
func BenchmarkImport2000(b *testing.B) {
	path := filepath.Join(b.TempDir(), "contacts.vcf")
	data := genVCards(2000)
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var cards []any
	for b.Loop() {
		cs, problems, err := ReadPath(path)
		if err != nil || len(problems) > 0 || len(cs) != 2000 {
			b.Fatalf("%d cards, problems %q, %v", len(cs), problemStrings(problems), err)
		}
		cards = append(cards[:0], cs)
	}
	b.ReportMetric(float64(len(data))/(1<<20), "MB/file")
}
