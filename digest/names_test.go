package digest

import "testing"

func TestFirstName(t *testing.T) {
	tests := []struct {
		name, email, want string
	}{
		{"Jane Doe", "jane@x.org", "Jane"},
		{"Doe, Jane", "jane@x.org", "Jane"},
		{`"Doe, Jane"`, "jane@x.org", "Jane"},
		{"Doe, Jane, PhD", "jane@x.org", "Jane"},
		{"Jane Doe, PhD", "jane@x.org", "Jane"},
		{"Jane Doe, Jr.", "jane@x.org", "Jane"},
		{"Dr. Priya Raman", "priya@x.org", "Priya"},
		{"Raman, Dr. Priya", "priya@x.org", "Priya"},
		{"Prof Dr Hans Müller", "hm@x.de", "Hans"},
		{"J. Robert Oppenheimer", "jro@x.org", "Robert"},
		{"Jane Doe (Acme)", "jane@acme.com", "Jane"},
		{"[EXT] Jane Doe", "jane@acme.com", "Jane"},
		{"JANE DOE", "jane@x.org", "Jane"},
		{"jane doe", "jane@x.org", "Jane"},
		{"jean-luc picard", "jl@x.org", "Jean-Luc"},
		{"Sarah O'Connor", "s@x.org", "Sarah"},
		{"o'brien, sean", "s@x.org", "Sean"},
		{"DeShawn Jones", "d@x.org", "DeShawn"},
		{"Zoë Kravitz", "z@x.org", "Zoë"},
		{"Thandiwe Schröder", "t@x.org", "Thandiwe"},
		{"山田太郎", "t@x.jp", "山田太郎"},
		{"Jane", "jane@x.org", "Jane"},
		{"jane", "jane@x.org", ""},         // the local part again: a login
		{"jane.doe", "jane.doe@x.org", ""}, // likewise
		{"jdoe_42", "jdoe@x.org", ""},
		{"bob@x.org", "bob@x.org", ""},
		{"'bob@x.org'", "bob@x.org", ""},
		{"Dr. Smith", "smith@x.org", ""},
		{"Dr.", "dr@x.org", ""},
		{"J. Smith", "js@x.org", ""},
		{"", "jane@x.org", ""},
		{"   ", "jane@x.org", ""},
		{`""`, "jane@x.org", ""},
		{"🌻", "x@x.org", ""},
		{"Jane 🌻 Doe", "x@x.org", "Jane"},
		{"Mallory\r\nBcc: victim", "m@x.org", "Mallory"},
		{"Mallory\r\nBcc: victim@x.org", "m@x.org", ""}, // an address in a name: not a name
		{"Eve<script>alert(1)</script>", "e@x.org", "Eve"},
		{"<script>", "e@x.org", ""},
		{"Jane2 Doe", "e@x.org", "Jane"},
		{"Averyveryveryveryveryverylongfirstname Doe", "x@x.org", ""},
	}
	for _, tt := range tests {
		if got := FirstName(tt.name, tt.email); got != tt.want {
			t.Errorf("FirstName(%q, %q) = %q, want %q", tt.name, tt.email, got, tt.want)
		}
	}
}
