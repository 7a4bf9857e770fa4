package imapwire

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// decodeAll decodes s as a run of values, each the first of quoted
// string, number, atom, astring, '*', '(' or ')', literal, SP or CRLF that matches, and records what each
// step gave; it stops at the first step where none matches or at an
// error. The reader's buffer has size bufSize: small buffers leave
// tokens across the buffer's end, where the decoder reads a byte at a
// time, large ones hold them whole, where it scans the buffer.
func decodeAll(s string, bufSize int) string {
	return decodeAllLists(s, bufSize, false)
}

// decodeAllLists is decodeAll; with lists, a '(' begins a list of
// astrings (AStringList) rather than being a special of its own. A
// bufSize of 0 is the reference: a 16-byte buffer and the buffered paths
// turned off (they are with MaxSize set), so every token is read a byte
// at a time.
func decodeAllLists(s string, bufSize int, lists bool) string {
	return decodeAllFrom(strings.NewReader(s), bufSize, lists)
}

// decodeAllFrom is decodeAllLists reading r: a reader that returns a
// little at a time leaves the buffer part full, as a network connection
// does.
func decodeAllFrom(r io.Reader, bufSize int, lists bool) string {
	var dec *Decoder
	if bufSize == 0 {
		dec = NewDecoder(bufio.NewReaderSize(r, 16), ConnSideClient)
		dec.MaxSize = 1 << 62
	} else {
		dec = NewDecoder(bufio.NewReaderSize(r, bufSize), ConnSideClient)
	}
	var out strings.Builder
	for i := 0; i < 1000; i++ {
		var v string
		var n uint32
		var l []string
		switch {
		case lists && dec.AStringList(&l):
			fmt.Fprintf(&out, "list %q\n", l)
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
	// Lists of astrings (header field lists), for AStringList.
	"* (FROM TO CC) (FROM TO CC) (FROM TO BCC) (FROM TO BCC)\r\n",
	"* (A]B ]) (Message-ID In-Reply-To X-Rekindle-Digest) ()\r\n",
	// Quoted, as Dovecot echoes a list go-imap sent quoted.
	"* (\"FROM\" \"TO\" \"CC\") (\"FROM\" \"TO\" \"CC\") (\"FROM\" \"TO\") (\"FROM\" \"TO\")\r\n",
	"* (\"A B\" \"C)D\" \"\" X]) (\"A B\" \"C)D\" \"\" X]) (A B) (A B C) (A B)\r\n",
	"* (\"A\\\"B\" C)", "* (\"A\\\\\" B)", "* (\"A\" \"B\"", "* (\"A\"B)", "* (\"A\" )", "* (\"unterminated)", "* (\"A\r\nB\" C)", "* (\"A B\") (\"A B\"",
	"* (A \"B C\" D)", "* (A  B)", "* (A B", "* (A {1}\r\nB)", "* (A\x01)", "* (\xff)", "* (A B (C)", "* (A )", "* ( A)",
}

// compareDecodes decodes s, with and without lists, with read buffers of
// the given sizes and of 4 KiB (filled whole, and a little at a time),
// and requires what the byte-at-a-time reference gives.
func compareDecodes(t *testing.T, s string, sizes []int) {
	t.Helper()
	for _, lists := range []bool{false, true} {
		want := decodeAllLists(s, 0, lists)
		for _, size := range append(sizes, 4096) {
			if got := decodeAllLists(s, size, lists); got != want {
				t.Errorf("%q with a %d-byte buffer (lists %v):\n%s\nbyte at a time:\n%s", s, size, lists, got, want)
			}
		}
		for _, r := range []io.Reader{iotest.OneByteReader(strings.NewReader(s)), iotest.HalfReader(strings.NewReader(s))} {
			if got := decodeAllFrom(r, 4096, lists); got != want {
				t.Errorf("%q with a 4096-byte buffer, read a little at a time (lists %v):\n%s\nbyte at a time:\n%s", s, lists, got, want)
			}
		}
	}
}

func TestDecoderBufferedMatchesByteAtATime(t *testing.T) {
	sizes := []int{}
	for size := 16; size <= 80; size++ {
		sizes = append(sizes, size)
	}
	for _, s := range decoderCases {
		compareDecodes(t, s, sizes)
	}
	// The values of a quoted list.
	quoted := "* (\"A B\" \"C)D\" \"\" X]) (A B)\r\n"
	if got, want := decodeAllLists(quoted, 4096, true), `list ["A B" "C)D" "" "X]"]`; !strings.Contains(got, want+"\n") {
		t.Errorf("decoding %q gave\n%s\nwant a line %s", quoted, got, want)
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
		compareDecodes(t, s, []int{16 + int(extra)})
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

// A header field list echoed by every FETCH response is decoded once:
// the same bytes give the same slice, which its callers cannot grow into.
func TestDecoderAStringListReused(t *testing.T) {
	// After a first token, as in a response: the read buffer is filled.
	in := "* (FROM \"TO\" CC) (FROM \"TO\" CC) (FROM TO)\r\n"
	dec := NewDecoder(bufio.NewReaderSize(strings.NewReader(in), 4096), ConnSideClient)
	var a, b, c []string
	if !dec.Special('*') || !dec.ExpectSP() || !dec.AStringList(&a) || !dec.ExpectSP() || !dec.AStringList(&b) || !dec.ExpectSP() || !dec.AStringList(&c) {
		t.Fatalf("decoding %q: %v", in, dec.Err())
	}
	if fmt.Sprint(a, b, c) != "[FROM TO CC] [FROM TO CC] [FROM TO]" {
		t.Fatalf("decoded %q %q %q", a, b, c)
	}
	if &a[0] != &b[0] {
		t.Errorf("the same list twice gave two slices")
	}
	if cap(a) != len(a) {
		t.Errorf("cap %d, len %d: an append would write into the shared list", cap(a), len(a))
	}
	// So too when the lists come a byte at a time: the decoder waits for
	// the rest of a list rather than reading it item by item.
	dec = NewDecoder(bufio.NewReaderSize(iotest.OneByteReader(strings.NewReader(in)), 4096), ConnSideClient)
	var d, e []string
	if !dec.Special('*') || !dec.ExpectSP() || !dec.AStringList(&d) || !dec.ExpectSP() || !dec.AStringList(&e) {
		t.Fatalf("decoding %q a byte at a time: %v", in, dec.Err())
	}
	if fmt.Sprint(d, e) != "[FROM TO CC] [FROM TO CC]" || &d[0] != &e[0] {
		t.Errorf("a byte at a time: decoded %q and %q, the same slice: %v", d, e, &d[0] == &e[0])
	}
	decode := func(list bool) float64 {
		return testing.AllocsPerRun(100, func() {
			dec := NewDecoder(bufio.NewReaderSize(strings.NewReader(in), 4096), ConnSideClient)
			dec.lastList, dec.lastListVal = []byte(`FROM "TO" CC`), a
			dec.Special('*')
			dec.SP()
			if list {
				dec.AStringList(&b)
			}
		})
	}
	if with, without := decode(true), decode(false); with != without {
		t.Errorf("%v allocations to decode a list seen before", with-without)
	}
}

// BenchmarkHeaderList decodes the header field list a FETCH response
// echoes (Dovecot's echo of the 16 fields of rekindle's
// BODY.PEEK[HEADER.FIELDS (...)]) once for each of many responses on one
// connection: "items" as go-imap did before the patch (List, then
// ExpectAString for each field), "list" with AStringList (a list across
// the read buffer's end takes the slow path, as on a connection). Run
// both in one go test for their ratio.
func BenchmarkHeaderList(b *testing.B) {
	// go-imap sends the names quoted, and Dovecot echoes them so.
	const fields = `("FROM" "TO" "CC" "REPLY-TO" "SUBJECT" "DATE" "MESSAGE-ID" "IN-REPLY-TO" "REFERENCES" "LIST-ID" ` +
		`"LIST-UNSUBSCRIBE" "PRECEDENCE" "AUTO-SUBMITTED" "X-REKINDLE-DIGEST" "AUTHENTICATION-RESULTS" "ARC-AUTHENTICATION-RESULTS")`
	// A response's worth of bytes per list: the buffer holds several
	// lists, and refills as a connection's would.
	resp := "* 1 FETCH (UID 1 BODY[HEADER.FIELDS " + fields + "] {0}\r\n)\r\n"
	in := strings.Repeat("x "+fields+" "+strings.Repeat("y", len(resp)-len(fields)-4)+"\r\n", 1000)
	for _, mode := range []string{"items", "list"} {
		b.Run(mode, func(b *testing.B) {
			b.SetBytes(int64(len(fields)))
			b.ReportAllocs()
			var dec *Decoder
			for i := 0; i < b.N; i++ {
				if i%1000 == 0 {
					dec = NewDecoder(bufio.NewReaderSize(strings.NewReader(in), 4096), ConnSideClient)
				}
				var s string
				var l []string
				if !dec.ExpectAtom(&s) || !dec.ExpectSP() {
					b.Fatal(dec.Err())
				}
				if mode == "list" {
					if !dec.AStringList(&l) {
						b.Fatal("no list", dec.Err())
					}
				} else if err := dec.ExpectList(func() error {
					var f string
					if !dec.ExpectAString(&f) {
						return dec.Err()
					}
					l = append(l, f)
					return nil
				}); err != nil {
					b.Fatal(err)
				}
				if len(l) != 16 || !dec.ExpectSP() || !dec.ExpectAtom(&s) || !dec.ExpectCRLF() {
					b.Fatal(len(l), dec.Err())
				}
			}
		})
	}
}

// AStringList reads no byte past its list, as the byte-at-a-time path
// does not: a server that sends a short list and then waits for the next
// command must not leave the decoder waiting for more.
func TestDecoderAStringListReadsNoFurther(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	go pw.Write([]byte("* (FROM TO CC) (TO) (\"TO\")"))
	dec := NewDecoder(bufio.NewReaderSize(pr, 4096), ConnSideClient)
	done := make(chan string, 1)
	go func() {
		var a, b, c []string
		ok := dec.Special('*') && dec.ExpectSP() && dec.AStringList(&a) && dec.ExpectSP() && dec.AStringList(&b) &&
			dec.ExpectSP() && dec.AStringList(&c)
		done <- fmt.Sprint(ok, a, b, c, dec.Err())
	}()
	select {
	case got := <-done:
		if want := "true [FROM TO CC] [TO] [TO] <nil>"; got != want {
			t.Errorf("decoded %s, want %s", got, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("AStringList still waiting after 10 s for bytes past the end of its list")
	}
}
