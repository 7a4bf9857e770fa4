package addressbook

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/rekindle/rekindle"
)

// readFixture decodes a file of testdata.
func readFixture(t *testing.T, name string) ([]rekindle.Card, []Problem) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return Decode(data, name)
}

func checkCards(t *testing.T, got, want []rekindle.Card) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("cards:")
		for _, c := range got {
			t.Errorf("  got  %#v", c)
		}
		for _, c := range want {
			t.Errorf("  want %#v", c)
		}
	}
}

func noProblems(t *testing.T, ps []Problem) {
	t.Helper()
	for _, p := range ps {
		t.Errorf("problem: %s", p)
	}
}

// Apple Contacts (vCard 3.0): grouped properties (item1.EMAIL with an
// X-ABLabel), type=pref on the preferred address, lines folded at 75
// octets, a base64 photo folded over many lines, a company card, and a
// card without an address (not returned).
func TestDecodeApple(t *testing.T) {
	cards, problems := readFixture(t, "apple.vcf")
	noProblems(t, problems)
	checkCards(t, cards, []rekindle.Card{
		{Name: "Chidi Emeka Okafor", Emails: []string{"chidi.okafor@northwind.example", "chidi@okafor.example"}},
		{Name: "Dr. Seán O’Brien", Emails: []string{"sean@obrien.example"}},
		{Name: "Acme Plumbing", Emails: []string{"office@acmeplumbing.example"}},
	})
}

// Google Contacts (vCard 3.0): TYPE=INTERNET;TYPE=HOME, CATEGORIES with
// the "myContacts" every contact has (dropped), a card with an empty FN
// and N.
func TestDecodeGoogle(t *testing.T) {
	cards, problems := readFixture(t, "google.vcf")
	noProblems(t, problems)
	checkCards(t, cards, []rekindle.Card{
		{Name: "Priya Raman", Emails: []string{"priya.raman@gmail.com", "p.raman@corp.example"}, Categories: []string{"Climbing", "starred"}},
		{Name: "Lukas Becker", Emails: []string{"lukas.becker@corp.example", "luki@becker.example"}, Categories: []string{"Work", "Corp Alumni"}},
		{Emails: []string{"x7fq2@corp.example"}},
	})
}

// Thunderbird (vCard 4.0): EMAIL;PREF=1 first wherever it is, a card with
// N and no FN, N with empty parts, and an address that is none (a
// Problem naming the card and the line of its BEGIN).
func TestDecodeThunderbird(t *testing.T) {
	cards, problems := readFixture(t, "thunderbird.vcf")
	checkCards(t, cards, []rekindle.Card{
		{Name: "Anna Berg", Emails: []string{"anna.berg@corp.example", "anna@berg.example"}},
		{Name: "Aiko Nakamura", Emails: []string{"aiko@nakamura.example"}},
		{Name: "Ops Desk", Emails: []string{"ops-desk@corp.example", "ops@corp.example"}},
		{Name: "Wong", Emails: []string{"wong@example.net"}},
	})
	want := []string{`thunderbird.vcf:25: card "Wong": EMAIL "wong at example dot net" is not an address; left out`}
	if got := problemStrings(problems); !reflect.DeepEqual(got, want) {
		t.Errorf("problems %q, want %q", got, want)
	}
}

// An Android phone's export (vCard 2.1): quoted-printable names in a
// CHARSET, a soft line break, bare TYPE parameters (EMAIL;WORK;PREF:).
func TestDecodeAndroid(t *testing.T) {
	cards, problems := readFixture(t, "android.vcf")
	noProblems(t, problems)
	checkCards(t, cards, []rekindle.Card{
		{Name: "Jürgen Müller", Emails: []string{"j.mueller@firma.example", "juergen@mueller.example"}},
		{Name: "Renée Lefèvre (Bureau de Paris)", Emails: []string{"renee.lefevre@bureau.example"}},
	})
}

// A file with a banner, a card cut short by the next, a card with a
// wrong END inside, one cut short by the end of the file, and addresses
// written in every way: each bad card is skipped with a Problem naming
// the file and its line; the good ones are read.
func TestDecodeBroken(t *testing.T) {
	cards, problems := readFixture(t, "broken.vcf")
	checkCards(t, cards, []rekindle.Card{
		{Name: "Good Before", Emails: []string{"good.before@example.org"}},
		{Name: "Good After", Emails: []string{"good.after@example.org", "after@work.example"}},
	})
	want := []string{
		"broken.vcf:7: card skipped: no END:VCARD before the next BEGIN:VCARD",
		`broken.vcf:11: card "Good After": EMAIL "not-an-address" is not an address; left out`,
		"broken.vcf:19: card skipped: an END line other than END:VCARD inside it (vcard: invalid END value)",
		"broken.vcf:25: card skipped: no END:VCARD before the end of the file",
	}
	if got := problemStrings(problems); !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func problemStrings(ps []Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}

func TestDecodeDetails(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		want     []rekindle.Card
		problems int
	}{
		{"LF line ends, lower case markers", "begin:vcard\nfn:Jo Lee\nemail:JO@LEE.EXAMPLE\nend:vcard\n",
			[]rekindle.Card{{Name: "Jo Lee", Emails: []string{"jo@lee.example"}}}, 0},
		{"CR line ends", "BEGIN:VCARD\rFN:Jo Lee\rEMAIL:jo@lee.example\rEND:VCARD\r",
			[]rekindle.Card{{Name: "Jo Lee", Emails: []string{"jo@lee.example"}}}, 0},
		{"UTF-8 byte order mark", "\xef\xbb\xbfBEGIN:VCARD\r\nFN:Jo Lee\r\nEMAIL:jo@lee.example\r\nEND:VCARD\r\n",
			[]rekindle.Card{{Name: "Jo Lee", Emails: []string{"jo@lee.example"}}}, 0},
		{"folded with a tab", "BEGIN:VCARD\r\nFN:Jo\r\n\t Lee\r\nEMAIL:jo@lee.exa\r\n mple\r\nEND:VCARD\r\n",
			[]rekindle.Card{{Name: "Jo Lee", Emails: []string{"jo@lee.example"}}}, 0},
		{"escapes in FN", `BEGIN:VCARD` + "\r\n" + `FN:Lee\, Jo\; \\ the\nsecond` + "\r\nEMAIL:jo@lee.example\r\nEND:VCARD\r\n",
			[]rekindle.Card{{Name: `Lee, Jo; \ the second`, Emails: []string{"jo@lee.example"}}}, 0},
		{"N with a list and an escaped semicolon", "BEGIN:VCARD\r\nN:van der Berg;Anna,Maria;;Dr.;PhD\r\nEMAIL:anna@berg.example\r\nEND:VCARD\r\n",
			[]rekindle.Card{{Name: "Anna Maria van der Berg", Emails: []string{"anna@berg.example"}}}, 0},
		{"N in ISO-8859-1 quoted-printable", "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:Lef=E8vre;Ren=E9e;;;\r\nEMAIL;INTERNET:r@l.example\r\nEND:VCARD\r\n",
			[]rekindle.Card{{Name: "Renée Lefèvre", Emails: []string{"r@l.example"}}}, 0},
		{"raw Latin-1 bytes", "BEGIN:VCARD\r\nFN:Ren\xe9e\r\nEMAIL:r@l.example\r\nCATEGORIES:Fam\xeflle\r\nEND:VCARD\r\n",
			[]rekindle.Card{{Name: "Renée", Emails: []string{"r@l.example"}, Categories: []string{"Famïlle"}}}, 0},
		{"FN that is an address is no name", "BEGIN:VCARD\r\nFN:jo@lee.example\r\nN:;;;;\r\nEMAIL:jo@lee.example\r\nEND:VCARD\r\n",
			[]rekindle.Card{{Emails: []string{"jo@lee.example"}}}, 0},
		{"FN empty, N given", "BEGIN:VCARD\r\nFN: \r\nN:Lee;Jo;;;\r\nEMAIL:jo@lee.example\r\nEND:VCARD\r\n",
			[]rekindle.Card{{Name: "Jo Lee", Emails: []string{"jo@lee.example"}}}, 0},
		{"control characters and line separators", "BEGIN:VCARD\r\nFN:Jo\x00\x1b[31m Lee\u2028Bcc: x@evil.example\r\nEMAIL:jo@lee.example\r\nCATEGORIES:a\u0085b\r\nEND:VCARD\r\n",
			[]rekindle.Card{{Name: "Jo [31m Lee Bcc: x@evil.example", Emails: []string{"jo@lee.example"}, Categories: []string{"a b"}}}, 0},
		{"several CATEGORIES, duplicates in any case", "BEGIN:VCARD\r\nFN:Jo\r\nEMAIL:jo@lee.example\r\nCATEGORIES:Family, Friends\r\nCATEGORIES:friends,,family,Work\r\nEND:VCARD\r\n",
			[]rekindle.Card{{Name: "Jo", Emails: []string{"jo@lee.example"}, Categories: []string{"Family", "Friends", "Work"}}}, 0},
		{"duplicate addresses", "BEGIN:VCARD\r\nFN:Jo\r\nEMAIL:jo@lee.example\r\nEMAIL;TYPE=pref:JO@lee.example\r\nEMAIL:\r\nEND:VCARD\r\n",
			[]rekindle.Card{{Name: "Jo", Emails: []string{"jo@lee.example"}}}, 0},
		{"addresses that are none", "BEGIN:VCARD\r\nFN:Jo\r\nEMAIL:jo\r\nEMAIL:@lee.example\r\nEMAIL:jo@\r\nEMAIL:jo@lee..example\r\nEMAIL:jo lee@x.example\r\nEMAIL:a@b@c.example\r\nEND:VCARD\r\n",
			nil, 6},
		{"a card without an address is not returned", "BEGIN:VCARD\r\nFN:Jo\r\nTEL:+1 555 0100\r\nEND:VCARD\r\n", nil, 0},
		{"not a vCard", "Name,Email\r\nJo,jo@lee.example\r\n", nil, 1},
		{"empty", "", nil, 0},
		{"UTF-16 with a byte order mark", "\xff\xfeB\x00E\x00G\x00I\x00N\x00:\x00V\x00C\x00A\x00R\x00D\x00\r\x00\n\x00F\x00N\x00:\x00J\x00o\x00\r\x00\n\x00" +
			"E\x00M\x00A\x00I\x00L\x00:\x00j\x00o\x00@\x00x\x00.\x00o\x00r\x00g\x00\r\x00\n\x00E\x00N\x00D\x00:\x00V\x00C\x00A\x00R\x00D\x00\r\x00\n\x00",
			[]rekindle.Card{{Name: "Jo", Emails: []string{"jo@x.org"}}}, 0},
		// vCard 4.0 groups: KIND:group with MEMBER by UID and by address.
		{"vCard 4.0 group", "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:uuid:AAA\r\nFN:Jo\r\nEMAIL:jo@x.org\r\nEND:VCARD\r\n" +
			"BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:group\r\nFN:Climbing\\, Tuesdays\r\nMEMBER:urn:uuid:aaa\r\nMEMBER:mailto:Kim@x.org\r\nMEMBER:urn:uuid:nobody\r\nEND:VCARD\r\n" +
			"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Kim\r\nEMAIL:kim@x.org\r\nEND:VCARD\r\n",
			[]rekindle.Card{{Name: "Jo", Emails: []string{"jo@x.org"}, Categories: []string{"Climbing Tuesdays"}}, {Name: "Kim", Emails: []string{"kim@x.org"}, Categories: []string{"Climbing Tuesdays"}}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cards, problems := Decode([]byte(tt.in), "t.vcf")
			checkCards(t, cards, tt.want)
			if len(problems) != tt.problems {
				t.Errorf("problems %q, want %d", problemStrings(problems), tt.problems)
			}
		})
	}
}

func TestTypeParams(t *testing.T) {
	for in, want := range map[string]string{
		"EMAIL;INTERNET;PREF:a@b.c":        "EMAIL;TYPE=INTERNET;TYPE=PREF:a@b.c",
		"EMAIL;TYPE=HOME:a@b.c":            "EMAIL;TYPE=HOME:a@b.c",
		"FN:Jo;Lee":                        "FN:Jo;Lee",
		`X-A;LABEL="a:b";HOME:v`:           `X-A;LABEL="a:b";TYPE=HOME:v`,
		"TEL;CELL;VOICE:+1 555":            "TEL;TYPE=CELL;TYPE=VOICE:+1 555",
		"NOPARAMS":                         "NOPARAMS",
		"X;unterminated":                   "X;unterminated",
		"item1.EMAIL;type=pref:a@b.c":      "item1.EMAIL;type=pref:a@b.c",
		"N;QUOTED-PRINTABLE:M=C3=BCller;;": "N;TYPE=QUOTED-PRINTABLE:M=C3=BCller;;",
	} {
		if got := typeParams(in); got != want {
			t.Errorf("typeParams(%q) = %q, want %q", in, got, want)
		}
	}
}
