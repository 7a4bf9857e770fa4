package addressbook

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rekindle/rekindle"
)

// FuzzDecode feeds Decode arbitrary bytes: what a broken exporter, a
// hostile shared address book or a CardDAV server can hand it. It must
// never panic, and what it returns must be safe for the model and for
// mail headers later: names and categories valid UTF-8 on one line
// without control characters, trimmed and bounded; addresses lower case,
// each one address; no duplicates; problems naming the source. Seeds:
// every file of testdata and the cases of TestDecodeDetails' kind.
//
//	go test -run '^$' -fuzz '^FuzzDecode$' -fuzztime 30s ./addressbook
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.vcf"))
	more, _ := filepath.Glob(filepath.Join("testdata", "vdir", "*", "*.vcf"))
	for _, p := range append(files, more...) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		"",
		"BEGIN:VCARD\nEND:VCARD\n",
		"BEGIN:VCARD\r\nFN;ENCODING=QUOTED-PRINTABLE;CHARSET=shift_jis:=82=A0=\r\n=82=A2\r\nEMAIL:a@b.c\r\nEND:VCARD",
		"BEGIN:VCARD\r\nKIND:group\r\nFN:g\r\nMEMBER:urn:uuid:x\r\nEND:VCARD\r\nBEGIN:VCARD\r\nUID:X\r\nEMAIL:mailto:A@B.C\r\nEND:VCARD",
		"BEGIN:VCARD\r\nN:a\\;b;c\\\\;;;\r\nEMAIL;X=\"q:\\\"\";PREF:a@b.c\r\nCATEGORIES:\u2028,\x00,myContacts\r\nEND:VCARD",
		"\xff\xfeB\x00E\x00G\x00",
		"BEGIN:VCARD\rEMAIL:<a@b.c>\rEND:VCARD\rBEGIN:VCARD",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cards, problems := Decode(data, "fuzz.vcf")
		again, _ := Decode(data, "fuzz.vcf")
		if !reflect.DeepEqual(cards, again) {
			t.Fatalf("two reads differ:\n%v\n%v", cards, again)
		}
		lines := strings.Count(string(data), "\n") + strings.Count(string(data), "\r") + 1
		for _, p := range problems {
			if p.Source != "fuzz.vcf" || p.Line < 0 || p.Line > lines || p.Msg == "" {
				t.Errorf("problem %+v", p)
			}
		}
		for _, c := range cards {
			checkCard(t, c)
		}
	})
}

// checkCard checks what Decode promises of a card.
func checkCard(t *testing.T, c rekindle.Card) {
	t.Helper()
	text := func(what, s string, max int) {
		t.Helper()
		if !utf8.ValidString(s) || strings.IndexFunc(s, unicode.IsControl) >= 0 || strings.ContainsAny(s, "\u2028\u2029") ||
			s != strings.TrimSpace(s) || len(s) > max {
			t.Errorf("%s %q: not one clean line of at most %d bytes", what, s, max)
		}
	}
	text("name", c.Name, maxName)
	if _, ok := cleanEmail(c.Name); ok {
		t.Errorf("the name %q is an address", c.Name)
	}
	if len(c.Emails) == 0 {
		t.Errorf("a card without an address: %+v", c)
	}
	seen := map[string]bool{}
	for _, e := range c.Emails {
		if got, ok := cleanEmail(e); !ok || got != e || seen[e] {
			t.Errorf("address %q: not clean, or twice (%q, %v)", e, got, ok)
		}
		seen[e] = true
	}
	if len(c.Categories) > maxCategories {
		t.Errorf("%d categories", len(c.Categories))
	}
	cats := map[string]bool{}
	for _, cat := range c.Categories {
		text("category", cat, maxCategory)
		if cat == "" || strings.Contains(cat, ",") || cat == googleAll || cats[strings.ToLower(cat)] {
			t.Errorf("category %q in %q", cat, c.Categories)
		}
		cats[strings.ToLower(cat)] = true
	}
}

// Input built to be slow (one long quoted-printable value broken over
// many lines, one folded over many more, a line without end) reads in
// time linear in its size.
func TestDecodeLarge(t *testing.T) {
	var b strings.Builder
	b.WriteString("BEGIN:VCARD\r\nFN;ENCODING=QUOTED-PRINTABLE:")
	for range 200_000 {
		b.WriteString("=41=42=\r\n")
	}
	b.WriteString("\r\nNOTE:")
	for range 200_000 {
		b.WriteString("folded\r\n ")
	}
	b.WriteString("\r\nEMAIL:a@b.example\r\nX-LONG:" + strings.Repeat("=", 4<<20) + "\r\nEND:VCARD\r\nBEGIN:VCARD\r\n" + strings.Repeat("=", 4<<20))
	start := time.Now()
	cards, problems := Decode([]byte(b.String()), "large.vcf")
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("%d MB read in %v", b.Len()>>20, took)
	}
	if len(cards) != 1 || len(cards[0].Name) != maxName || len(problems) != 1 {
		t.Errorf("cards %d (name %d bytes), problems %q", len(cards), len(cards[0].Name), problemStrings(problems))
	}
}
