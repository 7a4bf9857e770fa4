package imapsync

import (
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/rekindle/rekindle"
)

// FuzzToMessage feeds the header parser a FETCH response made of an
// arbitrary HEADER.FIELDS section and an ENVELOPE of arbitrary strings:
// what a hostile or broken server or sender can put in front of it. It
// must never panic, and what it keeps must be safe to store and to write
// into a mail header later: valid UTF-8 on one line without control
// characters, message IDs without white space, a date that is zero or
// plausible, in UTC. Seeds: the headers of the parser's tests and of the
// hostile-header sync test; testdata/fuzz/FuzzToMessage holds what the
// fuzzer found.
//
//	go test -run '^$' -fuzz '^FuzzToMessage$' -fuzztime 30s ./imapsync
func FuzzToMessage(f *testing.F) {
	seeds := []string{
		"Date: Tue, 3 Mar 2026\r\n 10:00:00 +0100\r\nreferences: <a@x>\r\n\t<b@x>\r\nnot a field\r\nReferences: <second@x>\r\n" +
			"List-Id:   Go Nuts <golang-nuts.googlegroups.com>  \r\nX-Unknown: skip\r\n continued\r\nPrecedence: bulk\r\n\r\n",
		"From: Cron Daemon <root>\r\nSubject: x\r\n\r\n",
		"From: =?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?= <jurgen@example.de>\nDate: not a date at all\nMessage-ID: <enc@x>\n\n",
		"From: \"M\xfcller, Hans\" <hans@example.de>\nDate: Tue, 3 Mar 2026 10:00:00 +0100\nMessage-ID: <raw@x>\n\n",
		"From: \"Eve =?UTF-8?Q?=0D=0ABcc:_x@evil.com?=\" <eve@example.com>\nMessage-ID: <inject@x>\nReferences: <a@x>\n <b@x> garbage <c@x>\n" +
			"List-Id: Go Nuts <golang-nuts.googlegroups.com>\nPrecedence: Bulk\nAuto-Submitted: auto-replied\nX-Rekindle-Digest: 2026-03-03\n\n",
		"From: good@x.org, <broken@@>, \"Q, R\" <q@x.org>\r\nList-Unsubscribe: <mailto:u@x>\r\nDate: 2026-03-03T10:00:00+01:00\r\n",
		"Message-ID: a@x b@x\r\nReferences: <a @x>\r\nDate: Mon, 1 Jan 1900 00:00:00 +0000\r\n",
		"From: Bob <bob@example.com>\r\nAuthentication-Results: mx.google.com;\r\n       dkim=pass header.i=@example.com header.s=s1 header.b=abc;\r\n" +
			"       spf=pass (google.com: domain of bob@example.com designates 1.2.3.4 as permitted sender) smtp.mailfrom=bob@example.com;\r\n" +
			"       dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=example.com\r\nAuthentication-Results: forged.example; dmarc=fail\r\n" +
			"ARC-Authentication-Results: i=2; mx.microsoft.com 1; spf=fail smtp.mailfrom=x.org; dkim=none (message not signed) header.d=none;\r\n" +
			"  dmarc=fail action=none header.from=x.org; compauth=fail reason=601\r\nARC-Authentication-Results: i=1; a (b (c)) \"q\\\"x\"; dkim = pass header.d = \"y.org\"\r\n\r\n",
	}
	for i, s := range seeds {
		f.Add([]byte(s), "Grüße =?ISO-8859-1?Q?Gr=FC=DFe?=", "<id@x>", "<parent@x>", "Jane \"Doe\"", "Jane", "Example.COM", int64(1772528400+i))
	}
	f.Add([]byte{}, "", "", "", "", "", "", int64(0))
	f.Add([]byte("List-Id: a\u0085b\r\n"), "next\u0085line", "<a\u2028b@x>", "", "Jane\u2029Doe", "jane", "example.com", int64(1772528400))
	f.Add([]byte("From: localuser\n"), "caf\xe9\r\nBcc: x@evil", "a\x00b", " ", "=?UTF-8?Q?=0D=0A?=", "root", "MISSING_DOMAIN", int64(-62135596800))
	f.Fuzz(func(t *testing.T, header []byte, subject, messageID, inReplyTo, name, mailbox, host string, date int64) {
		addr := []imap.Address{{Name: name, Mailbox: mailbox, Host: host}, {Name: subject, Mailbox: name, Host: "example.com"}}
		buf := &imapclient.FetchMessageBuffer{UID: 7, InternalDate: time.Unix(date%(1<<40), 0),
			BodySection: []imapclient.FetchBodySectionBuffer{{Section: headerSection, Bytes: header}}}
		// Once with the server's ENVELOPE, once without (the header alone).
		for _, env := range []*imap.Envelope{nil, {Date: time.Unix(date%(1<<40), 0), Subject: subject, MessageID: messageID,
			InReplyTo: strings.Fields(inReplyTo), From: addr, To: addr, Cc: addr[:1], ReplyTo: addr[1:]}} {
			buf.Envelope = env
			m := toMessage(buf)
			checkMessage(t, &m)
		}
	})
}

// checkMessage fails t when m holds something that is unsafe to store or
// to write back into a header.
func checkMessage(t *testing.T, m *rekindle.Message) {
	t.Helper()
	text := func(what, s string) {
		t.Helper()
		if !utf8.ValidString(s) {
			t.Errorf("%s is not valid UTF-8: %q", what, s)
		}
		if strings.IndexFunc(s, unicode.IsControl) >= 0 || strings.ContainsAny(s, "\u2028\u2029") {
			t.Errorf("%s holds a control character or a line break: %q", what, s)
		}
		if s != strings.TrimSpace(s) {
			t.Errorf("%s has white space around it: %q", what, s)
		}
	}
	id := func(what, s string) {
		t.Helper()
		text(what, s)
		if strings.IndexFunc(s, unicode.IsSpace) >= 0 {
			t.Errorf("%s holds white space: %q", what, s)
		}
	}
	text("Subject", m.Subject)
	id("Message-ID", m.MessageID)
	for _, s := range m.InReplyTo {
		id("In-Reply-To", s)
	}
	for _, s := range m.References {
		id("References", s)
		if s == "" {
			t.Errorf("an empty ID in References %q", m.References)
		}
	}
	for what, s := range map[string]string{"List-Id": m.ListID, "List-Unsubscribe": m.ListUnsubscribe,
		"Precedence": m.Precedence, "Auto-Submitted": m.AutoSubmitted, "X-Rekindle-Digest": m.RekindleDigest} {
		text(what, s)
	}
	for what, as := range map[string][]rekindle.Address{"From": m.From, "To": m.To, "Cc": m.Cc, "Reply-To": m.ReplyTo} {
		for _, a := range as {
			text(what+" name", a.Name)
			id(what+" address", a.Email)
			if a.Email != strings.ToLower(a.Email) {
				t.Errorf("%s address is not lower-case: %q", what, a.Email)
			}
		}
	}
	for what, s := range map[string]string{"Auth.Server": m.Auth.Server, "Auth.DMARC": m.Auth.DMARC, "Auth.DMARCDomain": m.Auth.DMARCDomain,
		"Auth.DKIM": m.Auth.DKIM, "Auth.DKIMDomain": m.Auth.DKIMDomain, "Auth.SPF": m.Auth.SPF, "Auth.SPFDomain": m.Auth.SPFDomain} {
		id(what, s)
	}
	if !m.Date.IsZero() && (m.Date.Location() != time.UTC || m.Date.Year() < 1971 || m.Date.Year() > 2200) {
		t.Errorf("Date %v: want zero, or UTC between 1971 and 2200", m.Date)
	}
}
