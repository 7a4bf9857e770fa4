package store

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/rekindle/rekindle"
)

// The header column packs a rekindle.Header as a version byte followed by
// its fields in a fixed order: strings as a uvarint length and the bytes,
// lists as a uvarint count and their items, the date as a varint of Unix
// seconds (0 for none). A new field goes at the end under a new version
// byte; decodeHeader keeps reading the old ones.
//
//   - Version 1: MessageID, Date, Subject, From, To, Cc, Reply-To (each
//     address as Email then Name), InReplyTo, References, ListID,
//     ListUnsubscribe, Precedence, AutoSubmitted, X-Rekindle-Digest.
//     Reply-To and X-Rekindle-Digest are no longer kept (rekindle.Header
//     has neither): they are written empty, and read and dropped, except
//     that a stored X-Rekindle-Digest, which marked rekindle's digests
//     before they carried Auto-Submitted, reads as Auto-Submitted:
//     auto-generated. Migration 0011 rewrote the headers stored before.
//   - Version 2: version 1's fields, then the Auth verdict: Server, DMARC,
//     DMARCDomain, DKIM, DKIMDomain, SPF, SPFDomain.
//
// A header without a verdict (Auth zero) is still written as version 1,
// byte for byte as before version 2 existed: a message without a
// Message-ID keeps the key derived from its packed header, and a copy
// keeps the size its rank among copies depends on (see betterCopy). A
// version 1 record, stored before or after, decodes with Auth zero.
const (
	headerV1 = 1
	headerV2 = 2
)

func encodeHeader(buf []byte, h *rekindle.Header) []byte {
	version := byte(headerV1)
	if !h.Auth.IsZero() {
		version = headerV2
	}
	buf = append(buf[:0], version)
	buf = appendString(buf, h.MessageID)
	var date int64
	if !h.Date.IsZero() {
		date = h.Date.Unix()
	}
	buf = binary.AppendVarint(buf, date)
	buf = appendString(buf, h.Subject)
	for _, as := range [][]rekindle.Address{h.From, h.To, h.Cc} {
		buf = binary.AppendUvarint(buf, uint64(len(as)))
		for _, a := range as {
			buf = appendString(buf, a.Email)
			buf = appendString(buf, a.Name)
		}
	}
	buf = binary.AppendUvarint(buf, 0) // Reply-To
	for _, ids := range [][]string{h.InReplyTo, h.References} {
		buf = binary.AppendUvarint(buf, uint64(len(ids)))
		for _, id := range ids {
			buf = appendString(buf, id)
		}
	}
	for _, s := range []string{h.ListID, h.ListUnsubscribe, h.Precedence, h.AutoSubmitted} {
		buf = appendString(buf, s)
	}
	buf = appendString(buf, "") // X-Rekindle-Digest
	if version == headerV2 {
		a := &h.Auth
		for _, s := range []string{a.Server, a.DMARC, a.DMARCDomain, a.DKIM, a.DKIMDomain, a.SPF, a.SPFDomain} {
			buf = appendString(buf, s)
		}
	}
	return buf
}

func appendString(buf []byte, s string) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(s)))
	return append(buf, s...)
}

var errCorrupt = errors.New("corrupt header record")

// decodeHeader decodes one packed header on its own.
func decodeHeader(b []byte, h *rekindle.Header) error {
	var hd headerDecoder
	return hd.decode(string(b), h)
}

// headerDecoder decodes packed headers with few allocations: the model
// reads every message of the store on each run, and allocating each string
// and list was most of the cost of decoding. Instead, the strings of a
// header are cut from the string holding its whole record, and the lists
// of successive headers from shared arenas, each with its capacity capped
// so that appending to one never writes into another. Nothing is reused:
// a decoded header shares no memory with any other, so a shallow copy of
// it stays valid. The price is that a string kept from a header keeps the
// whole record (a few hundred bytes) alive.
//
// The zero value allocates each list on its own.
type headerDecoder struct {
	block int // arena size in items; 0: no arenas
	addrs []rekindle.Address
	ids   []string
}

// newStreamDecoder returns a decoder for many records.
func newStreamDecoder() *headerDecoder {
	return &headerDecoder{block: 1024}
}

// decoder reads a packed header; the first error sticks.
type decoder struct {
	s   string // the record
	i   int    // read position
	err error
}

func (d *decoder) fail() {
	d.err = errCorrupt
	d.i = len(d.s)
}

// uvarint reads an unsigned varint as encoding/binary writes it.
func (d *decoder) uvarint() uint64 {
	var x uint64
	for shift := uint(0); d.i < len(d.s) && shift < 64; shift += 7 {
		c := d.s[d.i]
		d.i++
		if c < 0x80 {
			if shift == 63 && c > 1 {
				break // overflows 64 bits
			}
			return x | uint64(c)<<shift
		}
		x |= uint64(c&0x7f) << shift
	}
	d.fail()
	return 0
}

// varint reads a signed varint as encoding/binary writes it.
func (d *decoder) varint() int64 {
	u := d.uvarint()
	x := int64(u >> 1)
	if u&1 != 0 {
		x = ^x
	}
	return x
}

func (d *decoder) string() string {
	n := d.uvarint()
	if n > uint64(len(d.s)-d.i) {
		d.fail()
		return ""
	}
	s := d.s[d.i : d.i+int(n)]
	d.i += int(n)
	return s
}

// count reads a list's length; a list cannot have more items than bytes
// left, since each takes at least one.
func (d *decoder) count() int {
	n := d.uvarint()
	if n > uint64(len(d.s)-d.i) {
		d.fail()
		return 0
	}
	return int(n)
}

func (hd *headerDecoder) addrList(d *decoder) []rekindle.Address {
	n := d.count()
	if n == 0 {
		return nil
	}
	var as []rekindle.Address
	if hd.block == 0 {
		as = make([]rekindle.Address, n)
	} else {
		if cap(hd.addrs)-len(hd.addrs) < n {
			hd.addrs = make([]rekindle.Address, 0, max(n, hd.block))
		}
		l := len(hd.addrs)
		hd.addrs = hd.addrs[:l+n]
		as = hd.addrs[l : l+n : l+n]
	}
	for i := range as {
		as[i].Email = d.string()
		as[i].Name = d.string()
	}
	return as
}

func (hd *headerDecoder) idList(d *decoder) []string {
	n := d.count()
	if n == 0 {
		return nil
	}
	var ss []string
	if hd.block == 0 {
		ss = make([]string, n)
	} else {
		if cap(hd.ids)-len(hd.ids) < n {
			hd.ids = make([]string, 0, max(n, hd.block))
		}
		l := len(hd.ids)
		hd.ids = hd.ids[:l+n]
		ss = hd.ids[l : l+n : l+n]
	}
	for i := range ss {
		ss[i] = d.string()
	}
	return ss
}

// decode decodes the packed header rec into h, overwriting every field.
// The strings of h are parts of rec.
func (hd *headerDecoder) decode(rec string, h *rekindle.Header) error {
	if len(rec) == 0 || rec[0] != headerV1 && rec[0] != headerV2 {
		return errCorrupt
	}
	d := decoder{s: rec, i: 1}
	h.MessageID = d.string()
	date := d.varint()
	if d.err != nil {
		return d.err
	}
	h.Date = time.Time{}
	if date != 0 {
		h.Date = time.Unix(date, 0).UTC()
	}
	h.Subject = d.string()
	h.From = hd.addrList(&d)
	h.To = hd.addrList(&d)
	h.Cc = hd.addrList(&d)
	for n := d.count(); n > 0; n-- { // Reply-To, no longer kept
		d.string()
		d.string()
	}
	h.InReplyTo = hd.idList(&d)
	h.References = hd.idList(&d)
	h.ListID, h.ListUnsubscribe, h.Precedence = d.string(), d.string(), d.string()
	h.AutoSubmitted = d.string()
	if digest := d.string(); digest != "" && h.AutoSubmitted == "" {
		// X-Rekindle-Digest, kept before the digests carried
		// Auto-Submitted: one of rekindle's own digests.
		h.AutoSubmitted = "auto-generated"
	}
	h.Auth = rekindle.Auth{}
	if rec[0] == headerV2 {
		a := &h.Auth
		a.Server = d.string()
		a.DMARC, a.DMARCDomain = d.string(), d.string()
		a.DKIM, a.DKIMDomain = d.string(), d.string()
		a.SPF, a.SPFDomain = d.string(), d.string()
	}
	return d.err
}
