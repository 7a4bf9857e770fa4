package imapwire

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
)

// TestEncoderAString checks that AString writes an atom exactly when the
// value is one a reader cannot mistake, and a string otherwise, and that
// every form decodes back to the value as an astring.
func TestEncoderAString(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"FROM", `FROM`},
		{"Message-Id", `Message-Id`},
		{"X-Spam.Flag_2", `X-Spam.Flag_2`},
		{"", `""`},
		{"NIL", `"NIL"`},
		{"nil", `"nil"`},
		{"a b", `"a b"`},
		{"a]b", `"a]b"`},
		{"a(b", `"a(b"`},
		{`a"b`, `"a\"b"`},
		{`a\b`, `"a\\b"`},
		{"a%", `"a%"`},
		{"a*", `"a*"`},
		{"a{1}", `"a{1}"`},
		{"a\x7fb", "\"a\x7fb\""},
		{"a\tb", "\"a\tb\""},
	} {
		var buf bytes.Buffer
		w := bufio.NewWriter(&buf)
		enc := NewEncoder(w, ConnSideClient)
		enc.AString(tc.in)
		if err := enc.CRLF(); err != nil {
			t.Fatalf("AString(%q): %v", tc.in, err)
		}
		got := strings.TrimSuffix(buf.String(), "\r\n")
		if got != tc.want {
			t.Errorf("AString(%q) wrote %s, want %s", tc.in, got, tc.want)
		}
		dec := NewDecoder(bufio.NewReader(strings.NewReader(buf.String())), ConnSideClient)
		var back string
		if !dec.ExpectAString(&back) || !dec.ExpectCRLF() {
			t.Errorf("AString(%q) wrote %s, which does not decode as an astring: %v", tc.in, got, dec.Err())
		} else if back != tc.in {
			t.Errorf("AString(%q) decodes back as %q", tc.in, back)
		}
	}
}
