package imapsync

import (
	"mime"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	gomail "github.com/emersion/go-message/mail"

	"github.com/rekindle/rekindle"
)

// FuzzToMessage feeds the header parser a FETCH response made of an
// arbitrary HEADER.FIELDS section, alone and after header fields made of
// arbitrary strings (Subject, Message-ID, In-Reply-To, From, To, Cc,
// Reply-To; the sync once read these from ENVELOPE, whence the inputs'
// names): what a hostile or broken server or sender can put in front of
// it. It must never panic, and what it keeps must be safe to store and to
// write into a mail header later: valid UTF-8 on one line without control
// characters, message IDs without white space, a date that is zero or
// plausible, in UTC; and none of it may point into the section, which
// the sync overwrites with the next message's. Seeds: the headers of the parser's tests and of the
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
		when := time.Unix(date%(1<<40), 0)
		buf := &imapclient.FetchMessageBuffer{UID: 7, InternalDate: when,
			BodySection: []imapclient.FetchBodySectionBuffer{{Section: headerSection, Bytes: header}}}
		m := toMessage(buf)
		checkMessage(t, &m)
		checkOwnsStrings(t, &m, header)
		// The strings written raw into fields of their own, as a sender
		// may, before the section.
		fields := "Subject: " + subject + "\r\nMessage-ID: " + messageID + "\r\nIn-Reply-To: " + inReplyTo +
			"\r\nFrom: " + name + " <" + mailbox + "@" + host + ">\r\nTo: " + mailbox + ", \"" + name + "\" <" + name + "@" + host +
			">, " + subject + "\r\nCc: " + name + "\r\nReply-To: (" + name + ") " + mailbox + "@" + host + " (" + subject +
			")\r\nDate: " + when.Format(time.RFC1123Z) + "\r\n"
		buf.BodySection[0].Bytes = append([]byte(fields), header...)
		m = toMessage(buf)
		checkMessage(t, &m)
		checkOwnsStrings(t, &m, buf.BodySection[0].Bytes)
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
		"Precedence": m.Precedence, "Auto-Submitted": m.AutoSubmitted} {
		text(what, s)
	}
	for what, as := range map[string][]rekindle.Address{"From": m.From, "To": m.To, "Cc": m.Cc} {
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

// FuzzHeaderMatchesEnvelope writes well-formed header fields from
// arbitrary names, addresses, a subject, a date and message IDs, in the
// ways mailers write them (atoms or quoted strings, encoded words, a
// comment naming an address, folded lines, a zone comment), and builds
// the ENVELOPE an IMAP server builds from those fields (RFC 3501 7.4.2),
// which go-imap then decodes. What the sync stores from the header alone
// (toMessage) must be what it stored from that ENVELOPE
// (envelopeMessage): the same addresses, subject, date and message IDs.
// On the subject as an arbitrary string it also checks that the date
// fast path agrees with the general parser, and the msg-id reader with
// go-message's, which go-imap used on ENVELOPE.
//
//	go test -run '^$' -fuzz '^FuzzHeaderMatchesEnvelope$' -fuzztime 5m ./imapsync
func FuzzHeaderMatchesEnvelope(f *testing.F) {
	f.Add("Jane Doe", "jane", "example.org", "Doe, John", "Re: plans", "a1.b", int64(1772528400), int16(60), uint8(0))
	f.Add("Renée François", "renee", "Example.FR", "李雷", "Grüße aus Köln — 会议 📅", "x", int64(1772528400), int16(-480), uint8(0xff))
	f.Add("Jane \"JD\" (Work) Doe\\", "j.d", "mail.example.com", "  spaced   out  ", "  lots   of  space ", "id-7", int64(946684800), int16(330), uint8(0x55))
	f.Add("Zoë Ødegård", "z.o", "example.no", "Siobhán Ní Bhriain", "Réunion à Québec", "m-1", int64(1700000000), int16(-570), uint8(0x31))
	f.Add("=?UTF-8?Q?Ren=C3=A9e?=", "r", "x.org", "'Quoted'", "=?utf-8?q?already_encoded?=", "q", int64(1e9), int16(0), uint8(0xaa))
	f.Add("", "root", "localhost", "", "", "z", int64(0), int16(-720), uint8(3))
	f.Add("x", "y", "z.org", "w", "Tue, 3 Mar 2026 10:00:00 +0100 (CET)", "<a@b> (c) <d@[e]>", int64(1), int16(1), uint8(16))
	f.Fuzz(func(t *testing.T, name, local, domain, name2, subject, id string, date int64, zone int16, style uint8) {
		checkDateFastPath(t, subject)
		checkDateFastPath(t, id)
		checkMsgIDReader(t, subject)
		checkMsgIDReader(t, id)
		if !plainText(name) || !plainText(name2) || !plainText(subject) || !dotAtom(local) || !dotAtom(id) || !hostName(domain) {
			return
		}
		at := time.Unix(date%(1<<34), 0).In(time.FixedZone("", int(zone)%(14*60)*60))
		var dateField string
		switch style >> 4 & 3 {
		case 0:
			dateField = at.Format(time.RFC1123Z)
		case 1:
			dateField = at.Format("Mon, 2 Jan 2006 15:04:05 -0700 (MST)")
		case 2:
			dateField = at.Format("2 Jan 2006 15:04:05 -0700")
		case 3:
			dateField = at.Format("Mon, 2 Jan 2006 15:04:05 MST")
		}
		checkDateFastPath(t, dateField)
		from, fromName := renderAddr(name, local+"@"+domain, style)
		to2, to2Name := renderAddr(name2, id+"@"+domain, style>>2)
		subjectField := subject
		if !isASCII(subject) {
			subjectField = mime.QEncoding.Encode("UTF-8", subject)
			if style&2 != 0 {
				subjectField = mime.BEncoding.Encode("UTF-8", subject)
			}
		}
		toField := to2 + ", " + local + "@" + domain
		if style&0x40 != 0 {
			toField = to2 + ",\r\n\t" + local + "@" + domain // folded
		}
		hdr := "From: " + from + "\r\nTo: " + toField + "\r\nCc: " + local + "@" + domain + " (" + commentText(name2) + ")" +
			"\r\nSubject: " + subjectField + "\r\nDate: " + dateField + "\r\nMessage-ID: <" + id + "@" + domain + ">" +
			"\r\nIn-Reply-To: <" + id + "@" + domain + ">\r\n <" + local + "@" + domain + ">\r\n"
		if style&0x80 != 0 {
			hdr += "Reply-To: " + from + "\r\n"
		}
		// The ENVELOPE: what the server reads from those fields, as go-imap
		// decodes it.
		decode := func(s string) string {
			d, err := wordDecoder.DecodeHeader(s)
			if err != nil {
				return s
			}
			return d
		}
		envDate, _ := mail.ParseDate(dateField)
		var h gomail.Header
		h.Set("Message-Id", "<"+id+"@"+domain+">")
		envID, _ := h.MessageID()
		h.Set("In-Reply-To", "<"+id+"@"+domain+"> <"+local+"@"+domain+">")
		envReplies, _ := h.MsgIDList("In-Reply-To")
		fromAddr := []imap.Address{{Name: decode(fromName), Mailbox: local, Host: domain}}
		env := &imap.Envelope{
			Date: envDate, Subject: decode(oneLine(subjectField)), MessageID: envID, InReplyTo: envReplies,
			From: fromAddr, Sender: fromAddr, ReplyTo: fromAddr,
			To: []imap.Address{{Name: decode(to2Name), Mailbox: id, Host: domain}, {Mailbox: local, Host: domain}},
			Cc: []imap.Address{{Name: decode(oneLine(name2)), Mailbox: local, Host: domain}},
		}
		buf := &imapclient.FetchMessageBuffer{UID: 1, InternalDate: at.Add(time.Hour), Envelope: env,
			BodySection: []imapclient.FetchBodySectionBuffer{{Section: headerSection, Bytes: []byte(hdr)}}}
		want, got := envelopeMessage(buf), toMessage(buf)
		for _, d := range headerDiff(&got.Header, &want.Header) {
			t.Errorf("%s: from the header %s, from ENVELOPE %s\nheader:\n%s", d.field, d.got, d.want, hdr)
		}
	})
}

// renderAddr writes a name and an address as a mailer would, by style:
// the name as atoms when it can be, else quoted, or as encoded words when
// it is not ASCII (style&1: Q where that makes atoms, else B; unless
// style&2: raw UTF-8, quoted);
// style&8 puts the name in a comment after the address instead. It
// returns the field's text and the display name a server reads from it.
func renderAddr(name, addr string, style uint8) (field, serverName string) {
	switch {
	case name == "":
		return addr, ""
	case style&8 != 0:
		return addr + " (" + commentText(name) + ")", oneLine(name)
	case !isASCII(name) && style&2 == 0:
		w := mime.BEncoding.Encode("UTF-8", name)
		if q := mime.QEncoding.Encode("UTF-8", name); style&1 != 0 && isPhrase(q) {
			// Go's Q encoding leaves specials such as '@' as they are,
			// which RFC 2047 forbids in a phrase: those names get B.
			w = q
		}
		return w + " <" + addr + ">", w
	case isPhrase(name):
		return name + " <" + addr + ">", name
	}
	q := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(name)
	return `"` + q + `" <` + addr + ">", oneLine(name)
}

// commentText escapes s for a comment.
func commentText(s string) string {
	return strings.NewReplacer(`\`, `\\`, `(`, `\(`, `)`, `\)`).Replace(s)
}

// plainText reports whether s is text a well-formed header can carry as a
// name or a subject: valid UTF-8, printable, spaces the only white space.
func plainText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r != ' ' && (!unicode.IsPrint(r) || unicode.IsSpace(r)) {
			return false
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// dotAtom reports whether s is an RFC 5322 dot-atom-text in ASCII.
func dotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || c != '.' && !atext[c] {
			return false
		}
	}
	return true
}

// hostName reports whether s is a host name: letters, digits and
// hyphens, in labels separated by dots.
func hostName(s string) bool {
	for label := range strings.SplitSeq(s, ".") {
		if label == "" {
			return false
		}
		for i := 0; i < len(label); i++ {
			if c := label[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// checkDateFastPath fails t when the RFC 5322 fast path reads v and the
// general parser reads another time or zone offset.
func checkDateFastPath(t *testing.T, v string) {
	t.Helper()
	fast, ok := rfc5322Date(v)
	if !ok {
		return
	}
	slow := parseAnyDate(v)
	_, fo := fast.Zone()
	_, so := slow.Zone()
	if !fast.Equal(slow) || fo != so || fast.Year() != slow.Year() {
		t.Errorf("date %q: fast path %v, general parser %v", v, fast, slow)
	}
}

// checkMsgIDReader fails t when msgID or msgIDList reads v otherwise than
// go-message, which go-imap reads ENVELOPE's message-id and in-reply-to
// with.
func checkMsgIDReader(t *testing.T, v string) {
	t.Helper()
	var h gomail.Header
	h.Set("Message-Id", v)
	want, err := h.MessageID()
	got, ok := msgID(v)
	if ok != (err == nil && want != "") || ok && got != want {
		t.Errorf("msgID(%q) = %q, %v; go-message: %q, %v", v, got, ok, want, err)
	}
	h.Set("In-Reply-To", v)
	wantList, _ := h.MsgIDList("In-Reply-To")
	if gotList := msgIDList(v); !slices.Equal(gotList, wantList) {
		t.Errorf("msgIDList(%q) = %q; go-message: %q", v, gotList, wantList)
	}
}
