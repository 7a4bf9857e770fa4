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
const headerV1 = 1

func encodeHeader(buf []byte, h *rekindle.Header) []byte {
	buf = append(buf[:0], headerV1)
	buf = appendString(buf, h.MessageID)
	var date int64
	if !h.Date.IsZero() {
		date = h.Date.Unix()
	}
	buf = binary.AppendVarint(buf, date)
	buf = appendString(buf, h.Subject)
	for _, as := range [][]rekindle.Address{h.From, h.To, h.Cc, h.ReplyTo} {
		buf = binary.AppendUvarint(buf, uint64(len(as)))
		for _, a := range as {
			buf = appendString(buf, a.Email)
			buf = appendString(buf, a.Name)
		}
	}
	for _, ids := range [][]string{h.InReplyTo, h.References} {
		buf = binary.AppendUvarint(buf, uint64(len(ids)))
		for _, id := range ids {
			buf = appendString(buf, id)
		}
	}
	for _, s := range []string{h.ListID, h.ListUnsubscribe, h.Precedence, h.AutoSubmitted, h.RekindleDigest} {
		buf = appendString(buf, s)
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
	return hd.decode(b, h)
}

// headerDecoder decodes a stream of packed headers with few allocations:
// the model reads every message of the store on each run, and allocation
// was half the cost of decoding.
//
//   - The fields that repeat from message to message (addresses, display
//     names, the bulk markers) are interned: mail from one person shares
//     one copy of their address and name. The table stops growing at
//     maxInterned entries, so a stream of unique values costs what it
//     would without it.
//   - The address and id lists of a record are cut from arenas shared with
//     the records decoded before and after it, each with its capacity
//     capped, so appending to one never writes into another. A decoded
//     header never shares memory with a later one, so a shallow copy of it
//     stays valid.
//
// The zero value decodes without interning and allocates each list on its
// own.
type headerDecoder struct {
	intern map[string]string // nil: no interning
	block  int               // arena size in items; 0: no arena
	addrs  []rekindle.Address
	ids    []string
}

// maxInterned bounds a decoder's intern table: a few times the addresses a
// large mailbox holds.
const maxInterned = 1 << 16

// newStreamDecoder returns a decoder for many records.
func newStreamDecoder() *headerDecoder {
	return &headerDecoder{intern: make(map[string]string), block: 1024}
}

// decoder reads a packed header; the first error sticks.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail() {
	d.err = errCorrupt
	d.b = nil
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

// bytes returns the next string's bytes, valid until the record is reused.
func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	s := d.b[:n]
	d.b = d.b[n:]
	return s
}

// count reads a list's length; a list cannot have more items than bytes
// left, since each takes at least one.
func (d *decoder) count() int {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		return 0
	}
	return int(n)
}

// string reads a string that is new with each message.
func (hd *headerDecoder) string(d *decoder) string {
	return string(d.bytes())
}

// interned reads a string that repeats from message to message.
func (hd *headerDecoder) interned(d *decoder) string {
	b := d.bytes()
	if len(b) == 0 || hd.intern == nil {
		return string(b)
	}
	if s, ok := hd.intern[string(b)]; ok { // no allocation for the lookup
		return s
	}
	s := string(b)
	if len(hd.intern) < maxInterned {
		hd.intern[s] = s
	}
	return s
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
		as[i].Email = hd.interned(d)
		as[i].Name = hd.interned(d)
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
		ss[i] = hd.string(d)
	}
	return ss
}

// decode decodes the packed header b into h, overwriting every field.
func (hd *headerDecoder) decode(b []byte, h *rekindle.Header) error {
	if len(b) == 0 || b[0] != headerV1 {
		return errCorrupt
	}
	d := decoder{b: b[1:]}
	h.MessageID = hd.string(&d)
	date, n := binary.Varint(d.b)
	if n <= 0 {
		return errCorrupt
	}
	d.b = d.b[n:]
	h.Date = time.Time{}
	if date != 0 {
		h.Date = time.Unix(date, 0).UTC()
	}
	h.Subject = hd.string(&d)
	h.From = hd.addrList(&d)
	h.To = hd.addrList(&d)
	h.Cc = hd.addrList(&d)
	h.ReplyTo = hd.addrList(&d)
	h.InReplyTo = hd.idList(&d)
	h.References = hd.idList(&d)
	h.ListID = hd.interned(&d)
	h.ListUnsubscribe = hd.interned(&d)
	h.Precedence = hd.interned(&d)
	h.AutoSubmitted = hd.interned(&d)
	h.RekindleDigest = hd.interned(&d)
	return d.err
}
