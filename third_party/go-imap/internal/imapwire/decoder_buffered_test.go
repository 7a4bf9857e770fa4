package imapwire

import (
	"bufio"
	"fmt"
	"strings"
	"testing"
)

// decodeAll decodes s as a run of values, each the first of quoted
// string, number, atom, astring, '*', '(' or ')', literal, SP or CRLF that matches, and records what each
// step gave; it stops at the first step where none matches or at an
// error. The reader's buffer has size bufSize: small buffers leave
// tokens across the buffer's end, where the decoder reads a byte at a
// time, large ones hold them whole, where it scans the buffer.
func decodeAll(s string, bufSize int) string {
	dec := NewDecoder(bufio.NewReaderSize(strings.NewReader(s), bufSize), ConnSideClient)
	var out strings.Builder
	for i := 0; i < 1000; i++ {
		var v string
		var n uint32
		switch {
		case dec.Quoted(&v):
			fmt.Fprintf(&out, "quoted %q\n", v)
		case dec.Number(&n):
			fmt.Fprintf(&out, "number %d\n", n)
		case dec.Atom(&v):
			fmt.Fprintf(&out, "atom %q\n", v)
		case dec.Func(&v, isAStringChar):
			fmt.Fprintf(&out, "astring %q\n", v)
		case dec.Special('*'), dec.Special('('), dec.Special(')'):
			out.WriteString("special\n")
		case dec.Literal(&v):
			fmt.Fprintf(&out, "literal %q\n", v)
		case dec.SP():
			out.WriteString("SP\n")
		case dec.CRLF():
			out.WriteString("CRLF\n")
		default:
			fmt.Fprintf(&out, "stop: err %v, EOF %v\n", dec.Err(), dec.EOF())
			return out.String()
		}
		if err := dec.Err(); err != nil {
			fmt.Fprintf(&out, "err %v\n", err)
			return out.String()
		}
	}
	return out.String()
}

var decoderCases = []string{
	"* 12 FETCH (UID 4711 INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" BODY[HEADER.FIELDS (FROM TO CC SUBJECT DATE MESSAGE-ID)] {0}\r\n",
	"\"a \\\"quoted\\\" string\\\\\" \"\" \"plain\"\r\n",
	"atom.with-chars]and]brackets 123456789 4294967295 4294967296 007\r\n",
	"\"unterminated",
	"TAG OK [CAPABILITY IMAP4rev1 COMPRESS=DEFLATE] Logged in\r\n",
	"\x00\x01 atom\x7f \"\xff\xfe\" 12ab\n",
	"",
	" ",
	"\"\\",
}

func TestDecoderBufferedMatchesByteAtATime(t *testing.T) {
	for _, s := range decoderCases {
		want := decodeAll(s, 16)
		for size := 17; size <= 80; size++ {
			if got := decodeAll(s, size); got != want {
				t.Errorf("%q with a %d-byte buffer:\n%s\nwith 16 bytes:\n%s", s, size, got, want)
			}
		}
		if got := decodeAll(s, 4096); got != want {
			t.Errorf("%q with a 4096-byte buffer:\n%s\nwith 16 bytes:\n%s", s, got, want)
		}
	}
	// The values themselves, for the FETCH line.
	got := decodeAll(decoderCases[0], 4096)
	for _, want := range []string{`number 4711`, `quoted "17-Jul-1996 02:44:25 -0700"`, `atom "BODY[HEADER.FIELDS"`, `atom "MESSAGE-ID"`} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("decoding %q gave\n%s\nwant a line %s", decoderCases[0], got, want)
		}
	}
}

// FuzzDecoderBuffered decodes any input with a buffer too small to hold
// most tokens and with a large one: the values and errors are the same.
func FuzzDecoderBuffered(f *testing.F) {
	for _, s := range decoderCases {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, s string, extra uint8) {
		want := decodeAll(s, 16)
		if got := decodeAll(s, 16+int(extra)); got != want {
			t.Errorf("%q with a %d-byte buffer:\n%s\nwith 16 bytes:\n%s", s, 16+int(extra), got, want)
		}
		if got := decodeAll(s, 4096); got != want {
			t.Errorf("%q with a 4096-byte buffer:\n%s\nwith 16 bytes:\n%s", s, got, want)
		}
	})
}

// The decoder interns short tokens, up to maxInterned of them, and the
// values stay right past that bound.
func TestDecoderInternBounded(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 3*maxInterned; i++ {
		fmt.Fprintf(&b, "ATOM%d FETCH ", i)
	}
	b.WriteString("END\r\n")
	dec := NewDecoder(bufio.NewReaderSize(strings.NewReader(b.String()), 1<<20), ConnSideClient)
	for i := 0; i < 3*maxInterned; i++ {
		var a, f string
		if !dec.ExpectAtom(&a) || !dec.ExpectSP() || !dec.ExpectAtom(&f) || !dec.ExpectSP() {
			t.Fatalf("token %d: %v", i, dec.Err())
		}
		if want := fmt.Sprintf("ATOM%d", i); a != want || f != "FETCH" {
			t.Fatalf("token %d: %q %q, want %q FETCH", i, a, f, want)
		}
	}
	if n := len(dec.intern); n > maxInterned || n == 0 {
		t.Errorf("%d tokens interned, want 1 to %d", n, maxInterned)
	}
}
