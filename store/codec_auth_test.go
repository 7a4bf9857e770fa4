package store

import (
	"bytes"
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/rekindle/rekindle"
)

// headerV1Record is a header packed by rekindle before version 2 existed,
// byte for byte: every store written until then holds such records.
const headerV1Record = "\x01\x0em1@example.com\xb2\x87\xc4\xe3\f\tRe: lunch\x01\x0fbob@example.org\x03Bob\x01\x10jane@example.com\x04Jane" +
	"\x01\x11carol@example.net\x00\x00\x01\x0em0@example.com\x01\x0em0@example.com\x0f<l.example.org>\x00\x04list\x02no\x00"

// headerV1Header is what headerV1Record holds.
func headerV1Header() rekindle.Header {
	return rekindle.Header{
		MessageID: "m1@example.com", Date: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC), Subject: "Re: lunch",
		From:      []rekindle.Address{{Name: "Bob", Email: "bob@example.org"}},
		To:        []rekindle.Address{{Name: "Jane", Email: "jane@example.com"}},
		Cc:        []rekindle.Address{{Email: "carol@example.net"}},
		InReplyTo: []string{"m0@example.com"}, References: []string{"m0@example.com"},
		ListID: "<l.example.org>", Precedence: "list", AutoSubmitted: "no",
	}
}

var testAuth = rekindle.Auth{Server: "mx.example.com", DMARC: "fail", DMARCDomain: "example.org",
	DKIM: "none", SPF: "softfail", SPFDomain: "example.org"}

// A record stored before the verdict was kept decodes as it always did,
// with no verdict, whatever the header decoded into held before; and a
// header without a verdict is still packed as that very record, so its
// key (for mail without a Message-ID) and its rank among copies stay.
func TestHeaderV1RecordDecodes(t *testing.T) {
	want := headerV1Header()
	for _, hd := range []*headerDecoder{{}, newStreamDecoder()} {
		got := rekindle.Header{Auth: testAuth, ListUnsubscribe: "stale"}
		if err := hd.decode(headerV1Record, &got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("version 1 record:\n got %+v\nwant %+v", got, want)
		}
	}
	if got := encodeHeader(nil, &want); string(got) != headerV1Record {
		t.Errorf("a header without a verdict packs as\n%q\nnot the version 1 record\n%q", got, headerV1Record)
	}
}

func TestHeaderAuthRoundTrip(t *testing.T) {
	h := headerV1Header()
	h.Auth = testAuth
	rec := encodeHeader(nil, &h)
	if rec[0] != headerV2 || !bytes.HasPrefix(rec[1:], []byte(headerV1Record[1:])) {
		t.Fatalf("a header with a verdict packs as %q: want version 2, then version 1's fields", rec)
	}
	var got rekindle.Header
	if err := decodeHeader(rec, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, h) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, h)
	}
	// Only the DMARC result, say: still version 2, the rest empty.
	h.Auth = rekindle.Auth{DMARC: "pass"}
	if err := decodeHeader(encodeHeader(nil, &h), &got); err != nil || got.Auth != h.Auth {
		t.Errorf("Auth %+v came back as %+v (%v)", h.Auth, got.Auth, err)
	}
	// Every cut short is corrupt, in the verdict too.
	h.Auth = testAuth
	rec = encodeHeader(nil, &h)
	for n := range len(rec) {
		if err := decodeHeader(rec[:n], &got); err == nil {
			t.Errorf("decodeHeader accepted the first %d of %d bytes", n, len(rec))
		}
	}
}

// The verdict survives the store: PutMessages, EachMessage, and the rank
// of copies (which decodes stored headers).
func TestStoreKeepsAuth(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	stamped, plain := msg(1, "a@x"), msg(2, "b@x")
	stamped.Auth = testAuth
	if err := d.PutMessages(ctx, "w", "INBOX", []rekindle.Message{stamped, plain}, 2); err != nil {
		t.Fatal(err)
	}
	// A copy of the stamped message in another folder meets the stored row.
	if err := d.PutMessages(ctx, "w", "Archive", []rekindle.Message{stamped}, 1); err != nil {
		t.Fatal(err)
	}
	got := map[string]rekindle.Auth{}
	err := d.EachMessage(ctx, time.Time{}, func(s *Stored) error {
		got[s.MessageID] = s.Auth
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["a@x"] != testAuth || !got["b@x"].IsZero() {
		t.Errorf("stored verdicts %+v, want a@x %+v and b@x none", got, testAuth)
	}
}
