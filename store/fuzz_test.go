package store

import (
	"encoding/binary"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/rekindle/rekindle"
)

// FuzzHeaderRoundTrip: for any valid header, decoding what encodeHeader
// packs gives the header back, with either decoder, and the stream
// decoder's arenas keep two headers apart. The header is built from the
// fuzzer's bytes field by field by reflection, so a field added to
// rekindle.Header is fuzzed too, and fails here until the codec packs it.
// Valid means as a sync makes them: a Date in whole seconds, in UTC, and
// not at the Unix epoch (which packs as "no date"; a sync drops dates
// before 1980); an empty list is nil.
//
//	go test -run '^$' -fuzz '^FuzzHeaderRoundTrip$' -fuzztime 30s ./store
func FuzzHeaderRoundTrip(f *testing.F) {
	f.Add([]byte{}, []byte{})
	f.Add([]byte("\x05a@b.c\x08\x00\x00\x00\x00\x00\x00\x00\x07subject\x02\x03x@y\x04Jane"), []byte("\x01\xff\xff\xff\xff\xff\xff\xff\xff"))
	f.Add([]byte("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19"), []byte("pass\x04pass\x04fail"))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		var h1, h2 rekindle.Header
		fill(reflect.ValueOf(&h1).Elem(), &fuzzSource{b: a})
		fill(reflect.ValueOf(&h2).Elem(), &fuzzSource{b: b})
		rec1, rec2 := encodeHeader(nil, &h1), encodeHeader(nil, &h2)

		var got rekindle.Header
		if err := decodeHeader(rec1, &got); err != nil {
			t.Fatalf("decodeHeader of %#v: %v", h1, err)
		}
		if !reflect.DeepEqual(got, h1) {
			t.Fatalf("round trip:\n got %#v\nwant %#v", got, h1)
		}
		// The stream decoder, two records in a row.
		hd := newStreamDecoder()
		var g1, g2 rekindle.Header
		if err := hd.decode(string(rec1), &g1); err != nil {
			t.Fatal(err)
		}
		if err := hd.decode(string(rec2), &g2); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(g1, h1) || !reflect.DeepEqual(g2, h2) {
			t.Fatalf("stream round trip:\n got %#v\n     %#v\nwant %#v\n     %#v", g1, g2, h1, h2)
		}
		// Appending to one header's lists never writes into the next's.
		g1.From = append(g1.From, rekindle.Address{Email: "appended"})
		g1.To = append(g1.To, rekindle.Address{Email: "appended"})
		g1.InReplyTo = append(g1.InReplyTo, "appended")
		g1.References = append(g1.References, "appended")
		if !reflect.DeepEqual(g2, h2) {
			t.Fatalf("appending to the first header changed the second:\n got %#v\nwant %#v", g2, h2)
		}
	})
}

// FuzzDecodeHeader: decoding arbitrary bytes never panics, and a record
// that decodes packs again into one that decodes to the same header.
//
//	go test -run '^$' -fuzz '^FuzzDecodeHeader$' -fuzztime 30s ./store
func FuzzDecodeHeader(f *testing.F) {
	full := rekindle.Header{MessageID: "a@b", Date: time.Unix(1772528400, 0).UTC(), Subject: "hi",
		From: []rekindle.Address{{Email: "a@b", Name: "A"}}, To: []rekindle.Address{{Email: "c@d"}},
		Cc: []rekindle.Address{{Email: "c"}, {Email: "d@e", Name: "Doe, Jane"}}, InReplyTo: []string{"p@b"},
		References: []string{"r@b", "p@b"}, ListID: "list <l.x>", Precedence: "bulk", AutoSubmitted: "auto-generated"}
	f.Add(encodeHeader(nil, &full))
	full.Auth = rekindle.Auth{Server: "mx.example.com", DMARC: "pass", DMARCDomain: "b", DKIM: "pass", DKIMDomain: "b", SPF: "fail", SPFDomain: "b"}
	f.Add(encodeHeader(nil, &full))
	f.Add(encodeHeader(nil, &rekindle.Header{}))
	for _, old := range []string{oldDigestRecord, oldNoIDRecord, oldNoIDListRecord} {
		f.Add([]byte(old))
	}
	for _, bad := range [][]byte{nil, {9}, {headerV1, 0xff}, {headerV2, 0}, encodeHeader(nil, &full)[:20],
		{headerV1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}} {
		f.Add(bad)
	}
	f.Fuzz(func(t *testing.T, rec []byte) {
		var h rekindle.Header
		err := decodeHeader(rec, &h)
		var hs rekindle.Header
		errs := newStreamDecoder().decode(string(rec), &hs)
		if (err == nil) != (errs == nil) || err == nil && !reflect.DeepEqual(h, hs) {
			t.Fatalf("the two decoders disagree: %v %#v, %v %#v", err, h, errs, hs)
		}
		if err != nil {
			return
		}
		var again rekindle.Header
		if err := decodeHeader(encodeHeader(nil, &h), &again); err != nil {
			t.Fatalf("a decoded header packs into a record that does not decode: %v\n%#v", err, h)
		}
		if !reflect.DeepEqual(again, h) {
			t.Fatalf("decode, encode, decode:\n got %#v\nwant %#v", again, h)
		}
	})
}

// fuzzSource hands out the fuzzer's bytes as values; past the end it
// gives zeros and empty strings.
type fuzzSource struct{ b []byte }

func (s *fuzzSource) byte() byte {
	if len(s.b) == 0 {
		return 0
	}
	c := s.b[0]
	s.b = s.b[1:]
	return c
}

func (s *fuzzSource) bytes(n int) []byte {
	n = min(n, len(s.b))
	out := s.b[:n]
	s.b = s.b[n:]
	return out
}

// fill sets v, a value of a type found in rekindle.Header, from s:
// strings of up to 255 arbitrary bytes, lists of up to four items (nil
// when empty), dates in whole seconds within ±35,000 years, never at the
// epoch.
func fill(v reflect.Value, s *fuzzSource) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(string(s.bytes(int(s.byte()))))
	case reflect.Slice:
		n := int(s.byte() % 5)
		if n == 0 {
			v.SetZero()
			return
		}
		l := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			fill(l.Index(i), s)
		}
		v.Set(l)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			var b [8]byte
			copy(b[:], s.bytes(8))
			if sec := int64(binary.LittleEndian.Uint64(b[:])) % (1 << 40); sec != 0 {
				v.Set(reflect.ValueOf(time.Unix(sec, 0).UTC()))
			}
			return
		}
		for i := range v.NumField() {
			fill(v.Field(i), s)
		}
	default:
		panic(fmt.Sprintf("fill: a %s in rekindle.Header: teach the fuzzer its values", v.Type()))
	}
}
