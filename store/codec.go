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

// decoder reads a packed header; the first error sticks.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errCorrupt
		d.b = nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.err = errCorrupt
		d.b = nil
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) addrs() []rekindle.Address {
	n := d.uvarint()
	if n == 0 || n > uint64(len(d.b)) {
		return nil
	}
	as := make([]rekindle.Address, n)
	for i := range as {
		as[i].Email = d.string()
		as[i].Name = d.string()
	}
	return as
}

func (d *decoder) strings() []string {
	n := d.uvarint()
	if n == 0 || n > uint64(len(d.b)) {
		return nil
	}
	ss := make([]string, n)
	for i := range ss {
		ss[i] = d.string()
	}
	return ss
}

func decodeHeader(b []byte, h *rekindle.Header) error {
	if len(b) == 0 || b[0] != headerV1 {
		return errCorrupt
	}
	d := decoder{b: b[1:]}
	h.MessageID = d.string()
	date, n := binary.Varint(d.b)
	if n <= 0 {
		return errCorrupt
	}
	d.b = d.b[n:]
	h.Date = time.Time{}
	if date != 0 {
		h.Date = time.Unix(date, 0).UTC()
	}
	h.Subject = d.string()
	h.From, h.To, h.Cc, h.ReplyTo = d.addrs(), d.addrs(), d.addrs(), d.addrs()
	h.InReplyTo, h.References = d.strings(), d.strings()
	h.ListID, h.ListUnsubscribe, h.Precedence = d.string(), d.string(), d.string()
	h.AutoSubmitted, h.RekindleDigest = d.string(), d.string()
	return d.err
}
