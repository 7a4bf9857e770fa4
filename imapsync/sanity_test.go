package imapsync

import (
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// envMessage is the FETCH response for a message with the header fields
// env holds (and From: Bob <bob@example.com>).
func envMessage(env *imap.Envelope, internal time.Time) *imapclient.FetchMessageBuffer {
	env.From = []imap.Address{{Name: "Bob", Mailbox: "bob", Host: "example.com"}}
	return fetched(&imapclient.FetchMessageBuffer{UID: 1, InternalDate: internal, Envelope: env})
}

// A Date before 1980 is a broken clock or parser (a Unix time of 0 reads
// 1970): the message's time is then its arrival.
func TestImplausibleDates(t *testing.T) {
	arrived := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		date time.Time
		keep bool
	}{
		{time.Unix(0, 0), false},
		{time.Date(1970, 1, 1, 1, 0, 0, 0, time.FixedZone("", 3600)), false},
		{time.Date(1975, 6, 1, 12, 0, 0, 0, time.UTC), false},
		{time.Date(1979, 12, 31, 23, 59, 59, 0, time.UTC), false},
		{time.Date(2401, 1, 1, 0, 0, 0, 0, time.UTC), false},
		{time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{time.Date(2026, 3, 2, 8, 59, 0, 0, time.UTC), true},
	} {
		m := toMessage(envMessage(&imap.Envelope{Date: c.date, Subject: "x"}, arrived))
		if c.keep && !m.Date.Equal(c.date) {
			t.Errorf("Date %v became %v, want it kept", c.date, m.Date)
		}
		if !c.keep && (!m.Date.IsZero() || !m.When().Equal(arrived)) {
			t.Errorf("Date %v: Date %v, When %v; want no Date and the arrival %v", c.date, m.Date, m.When(), arrived)
		}
	}
	// The header's Date, when ENVELOPE has none, goes through the same.
	buf := envMessage(&imap.Envelope{Subject: "x"}, arrived)
	buf.BodySection = []imapclient.FetchBodySectionBuffer{{Section: headerSection,
		Bytes: []byte("Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n\r\n")}}
	if m := toMessage(buf); !m.Date.IsZero() || !m.When().Equal(arrived) {
		t.Errorf("header Date 1970: Date %v, When %v", m.Date, m.When())
	}
}

// An encoded word whose charset nobody knows, or one its mailer got
// wrong, is decoded anyway (UTF-8 when the bytes are, else Windows-1252)
// rather than kept raw, in subjects and display names.
func TestEncodedWordsUnknownCharset(t *testing.T) {
	for in, want := range map[string]string{
		"=?x-unknown?Q?Caf=E9_cr=E8me?=":             "Café crème",
		"=?x-unknown?Q?Caf=C3=A9?=":                  "Café",
		"=?utf8?B?R3LDvMOfZQ==?= aus Wien":           "Grüße aus Wien",
		"Re: =?unknown-8bit?q?Ol=E1?= =?UTF-8?Q?!?=": "Re: Olá!",
		"=?iso-8859-15?Q?=A4uro?=":                   "€uro", // a known charset still decodes as before
		"plain =? not a word":                        "plain =? not a word",
	} {
		m := toMessage(envMessage(&imap.Envelope{Subject: in}, time.Now()))
		if m.Subject != want {
			t.Errorf("subject %q -> %q, want %q", in, m.Subject, want)
		}
		if got := decodeWords(in); got != want {
			t.Errorf("decodeWords(%q) = %q, want %q", in, got, want)
		}
	}
	// Display names, from ENVELOPE and from the From header.
	buf := fetched(&imapclient.FetchMessageBuffer{UID: 1, InternalDate: time.Now(), Envelope: &imap.Envelope{Subject: "x",
		From: []imap.Address{{Name: "=?x-mac-unknown?Q?Ren=E9?=", Mailbox: "rene", Host: "example.com"}}}})
	if m := toMessage(buf); len(m.From) != 1 || m.From[0].Name != "René" {
		t.Errorf("ENVELOPE name: From = %+v, want René", m.From)
	}
	if as := headerAddrs(`=?x-unknown?Q?Ren=E9?= <rene@example.com>`); len(as) != 1 || as[0].Name != "René" || as[0].Email != "rene@example.com" {
		t.Errorf("header name: %+v, want René <rene@example.com>", as)
	}
	for _, s := range []string{"=?x-unknown?Q?Caf=E9?="} {
		if strings.Contains(decodeWords(s), "=?") {
			t.Errorf("%q stays encoded", s)
		}
	}
}
