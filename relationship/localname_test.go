package relationship

import (
	"strings"
	"testing"
)

func TestNameFromAddress(t *testing.T) {
	tests := []struct{ email, want string }{
		// The three company patterns.
		{"jane.doe@company.com", "Jane Doe"},
		{"jane_doe@company.com", "Jane Doe"},
		{"jane-doe@company.com", "Jane Doe"},
		{"JANE.DOE@COMPANY.COM", "Jane Doe"},
		{"Lukas.Becker@Becker-Design.de", "Lukas Becker"},
		{"jane.mckenzie@x.com", "Jane Mckenzie"}, // all lower case: no way to know
		{"Jane.McKenzie@x.com", "Jane McKenzie"}, // mixed case is kept
		{"jANE.dOE@x.com", "Jane Doe"},
		// Three parts, hyphens and apostrophes.
		{"mary_ann_lee@x.com", "Mary Ann Lee"},
		{"mary-jane.smith@x.com", "Mary-Jane Smith"},
		{"jean-luc.picard@x.fr", "Jean-Luc Picard"},
		{"anna.smith-jones@x.co.uk", "Anna Smith-Jones"},
		{"sean.o'brien@x.ie", "Sean O'Brien"},
		{"mary-jane.o_neil@x.com", ""}, // dots and underscores: which separates the name?
		{"jane.m.doe@x.com", "Jane M. Doe"},
		{"j.r.smith@x.com", "J. R. Smith"},
		{"j.r.r.tolkien@x.com", ""},
		{"a.b.c.d.e@x.com", ""},
		// A lone initial is a name but no first name; a trailing one is not.
		{"j.smith@x.com", "J. Smith"},
		{"smith.j@x.com", ""},
		{"j.s@x.com", ""},
		// Plus tags are not part of the name.
		{"jane.doe+news@x.com", "Jane Doe"},
		{"jane+news@x.com", ""},
		{"+jane.doe@x.com", ""},
		// One word: a login, a first name alone or a role.
		{"jane@x.com", ""},
		{"jsmith@x.com", ""},
		{"info@x.com", ""},
		// Digits.
		{"jane.doe2@x.com", ""},
		{"jane.doe.1987@x.com", ""},
		{"j0hn.smith@x.com", ""},
		// Role and system words.
		{"sales.team@x.com", ""},
		{"info.desk@x.com", ""},
		{"admin_user@x.com", ""},
		{"customer-service@x.com", ""},
		{"no-reply@x.com", ""},
		{"do-not-reply@x.com", ""},
		{"mailer-daemon@x.com", ""},
		{"hr.dept@x.com", ""},
		{"it-support@x.com", ""},
		{"first.last@x.com", ""},
		{"jane.doe.ext@x.com", ""},
		{"dev.patel@x.in", "Dev Patel"},
		{"steve.jobs@x.com", "Steve Jobs"},
		{"anh.do@x.vn", "Anh Do"},
		{"joe.root@x.uk", "Joe Root"},
		// Generated tokens.
		{"deadbeef.cafe@x.com", ""},
		{"bcdfg.smith@x.com", ""},
		{"xkcd.jones@x.com", ""},
		{"al.ng@x.sg", "Al Ng"},
		{"averyveryveryverylongname.doe@x.com", ""},
		{"jane.doe." + strings.Repeat("ab", 20) + "@x.com", ""},
		{"ahmad.strzelczyk@x.pl", "Ahmad Strzelczyk"},
		// Other scripts and letters.
		{"josé.garcía@x.es", "José García"},
		{"zoë.kravitz@x.com", "Zoë Kravitz"},
		// Malformed.
		{"", ""},
		{"jane.doe", ""},
		{"@x.com", ""},
		{"jane..doe@x.com", ""},
		{".jane@x.com", ""},
		{"jane.doe.@x.com", ""},
		{"-jane-doe@x.com", ""},
		{"jane.o''brien@x.com", ""},
		{"'jane'.doe@x.com", ""},
		{`"jane doe"@x.com`, ""},
		{"jane.doe\r\nbcc@x.com", ""},
		{"jane.<b>doe@x.com", ""},
		{"jane.doe\xff@x.com", ""},
		{"jane.doe@team@x.com", ""},
	}
	for _, tt := range tests {
		if got := NameFromAddress(tt.email); got != tt.want {
			t.Errorf("NameFromAddress(%q) = %q, want %q", tt.email, got, tt.want)
		}
	}
}

// A name read from an address is safe to show anywhere: letters, spaces,
// dots after initials, hyphens and apostrophes, never long.
func FuzzNameFromAddress(f *testing.F) {
	for _, s := range []string{"jane.doe@x.com", "mary-jane.o'neil@x.ie", "j.r.smith@x", "a_b-c.d@x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, email string) {
		got := NameFromAddress(email)
		if got == "" {
			return
		}
		if len([]rune(got)) > 4*maxNameWord+3 {
			t.Errorf("%q: %q is too long", email, got)
		}
		if strings.ContainsAny(got, "@+_<>\"\r\n\t0123456789") || strings.Contains(got, "  ") || strings.TrimSpace(got) != got {
			t.Errorf("%q: %q", email, got)
		}
	})
}
