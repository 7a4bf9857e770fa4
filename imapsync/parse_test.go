package imapsync

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/rekindle/rekindle"
)

func TestMatchGlob(t *testing.T) {
	tests := []struct {
		glob, name string
		want       bool
	}{
		{"INBOX", "INBOX", true},
		{"Lists/*", "Lists/go/nuts", true},
		{"Lists/*", "Lists", false},
		{"*", "anything/at/all", true},
		{"Arch?ve", "Archive", true},
		{"Arch?ve", "Archve", false},
		{"*Sent*", "[Gmail]/Sent Mail", true},
		{"Sent", "Sent Items", false},
		{"Bücher/?", "Bücher/ä", true},
	}
	for _, tt := range tests {
		if got := matchGlob(tt.glob, tt.name); got != tt.want {
			t.Errorf("matchGlob(%q, %q) = %v, want %v", tt.glob, tt.name, got, tt.want)
		}
	}
}

func TestParseDate(t *testing.T) {
	want := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"rfc5322", "Tue, 3 Mar 2026 10:00:00 +0100", true},
		{"comment zone", "Tue, 3 Mar 2026 10:00:00 +0100 (CET)", true},
		{"folded spaces", "Tue,  3 Mar 2026\t10:00:00 +0100", true},
		{"no weekday", "3 Mar 2026 10:00:00 +0100", true},
		{"iso", "2026-03-03T10:00:00+01:00", true},
		{"garbage", "yesterday-ish", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseDate(tt.in)
			if tt.ok && !got.Equal(want) {
				t.Errorf("parseDate(%q) = %v, want %v", tt.in, got, want)
			}
			if !tt.ok && !got.IsZero() {
				t.Errorf("parseDate(%q) = %v, want zero", tt.in, got)
			}
		})
	}
}

func TestParseMsgIDs(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<a@x> <b@x>", "a@x b@x"},
		{"<a@x>\r\n\t<b@x>", "a@x b@x"},
		{"a@x b@x", "a@x b@x"},
		{"<a @x>", "a@x"},
		{"junk <a@x> more junk", "a@x"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := strings.Join(parseMsgIDs(tt.in), " "); got != tt.want {
			t.Errorf("parseMsgIDs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestHeaderAddrs(t *testing.T) {
	tests := []struct{ in, want string }{
		{`"Doe, Jane" <Jane@Example.COM>, bob@x.org`, "Doe, Jane|jane@example.com;|bob@x.org"},
		{`=?UTF-8?Q?Ren=C3=A9e?= <r@x.org>`, "Renée|r@x.org"},
		{`good@x.org, <broken@@>, "Q, R" <q@x.org>`, "|good@x.org;Q, R|q@x.org"},
		{"\"Line\r\nBreak\" <l@x.org>", "Line Break|l@x.org"},
		{"", ""},
	}
	for _, tt := range tests {
		var parts []string
		for _, a := range headerAddrs(tt.in) {
			parts = append(parts, a.Name+"|"+a.Email)
		}
		if got := strings.Join(parts, ";"); got != tt.want {
			t.Errorf("headerAddrs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCleanText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"  a  b\r\nc\t", "a b c"},
		{"caf\xe9", "café"},
		{"x\x00y", "x y"},
	}
	for _, tt := range tests {
		if got := cleanText(tt.in); got != tt.want {
			t.Errorf("cleanText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestReadHeader(t *testing.T) {
	raw := "Date: Tue, 3 Mar 2026\r\n 10:00:00 +0100\r\nreferences: <a@x>\r\n\t<b@x>\r\nnot a field\r\nReferences: <second@x>\r\n" +
		"List-Id:   Go Nuts <golang-nuts.googlegroups.com>  \r\nX-Unknown: skip\r\n continued\r\nPrecedence: bulk\r\n\r\n"
	h := readHeader([]byte(raw))
	want := header{date: "Tue, 3 Mar 2026 10:00:00 +0100", references: "<a@x> <b@x>",
		listID: "Go Nuts <golang-nuts.googlegroups.com>", precedence: "bulk"}
	if h != want {
		t.Errorf("readHeader:\n got %+v\nwant %+v", h, want)
	}
	if h := readHeader(nil); h != (header{}) {
		t.Errorf("readHeader(nil) = %+v", h)
	}
}

// Dovecot's ENVELOPE for "From: Cron Daemon <root>" names the host
// MISSING_DOMAIN and copies From into reply-to; neither is stored.
func TestEnvelopeFromDovecot(t *testing.T) {
	from := []imap.Address{{Name: "Cron Daemon", Mailbox: "root", Host: "MISSING_DOMAIN"}}
	buf := &imapclient.FetchMessageBuffer{UID: 1,
		Envelope: &imap.Envelope{Subject: "x", From: from, Sender: from, ReplyTo: from},
		BodySection: []imapclient.FetchBodySectionBuffer{{Section: headerSection,
			Bytes: []byte("From: Cron Daemon <root>\r\nSubject: x\r\n\r\n")}}}
	m := toMessage(buf)
	if want := []rekindle.Address{{Name: "Cron Daemon", Email: "root"}}; !slices.Equal(m.From, want) {
		t.Errorf("From = %v, want %v", m.From, want)
	}
	if len(m.ReplyTo) != 0 {
		t.Errorf("ReplyTo = %v, want none", m.ReplyTo)
	}
}

func TestChooseFolders(t *testing.T) {
	mk := func(name string, attrs ...imap.MailboxAttr) *Folder { return &Folder{Name: name, Attrs: attrs} }
	tests := []struct {
		name             string
		folders          []*Folder
		include, exclude []string
		want             string // synced folders, sent marked with *
	}{
		{"special use", []*Folder{mk("INBOX"), mk("Sent Mail", imap.MailboxAttrSent), mk("Spam", imap.MailboxAttrJunk),
			mk("Bin", imap.MailboxAttrTrash), mk("Entwürfe", imap.MailboxAttrDrafts), mk("[Gmail]", imap.MailboxAttrNoSelect)},
			nil, nil, "INBOX Sent Mail*"},
		{"names only", []*Folder{mk("INBOX"), mk("Sent Items"), mk("Drafts"), mk("Archive")}, nil, nil, "INBOX Sent Items* Archive"},
		{"include keeps sent", []*Folder{mk("INBOX"), mk("Sent", imap.MailboxAttrSent), mk("Lists/a"), mk("Lists/b")},
			[]string{"Lists/*"}, []string{"Lists/b"}, "Sent* Lists/a"},
		{"include may take junk", []*Folder{mk("INBOX"), mk("Junk", imap.MailboxAttrJunk)}, []string{"Junk"}, nil, "Junk"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chooseFolders(tt.folders, tt.include, tt.exclude)
			var got []string
			for _, f := range tt.folders {
				if f.Skip == "" {
					n := f.Name
					if f.Sent {
						n += "*"
					}
					got = append(got, n)
				}
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Errorf("synced %q, want %q", g, tt.want)
			}
		})
	}
}
