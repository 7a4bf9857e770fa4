package imapsync

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

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
// MISSING_DOMAIN, which is not stored.
func TestEnvelopeFromDovecot(t *testing.T) {
	from := []imap.Address{{Name: "Cron Daemon", Mailbox: "root", Host: "MISSING_DOMAIN"}}
	buf := fetched(&imapclient.FetchMessageBuffer{UID: 1,
		Envelope: &imap.Envelope{Subject: "x", From: from, Sender: from, ReplyTo: from},
		BodySection: []imapclient.FetchBodySectionBuffer{{Section: headerSection,
			Bytes: []byte("From: Cron Daemon <root>\r\nSubject: x\r\n\r\n")}}})
	m := toMessage(buf)
	if want := []rekindle.Address{{Name: "Cron Daemon", Email: "root"}}; !slices.Equal(m.From, want) {
		t.Errorf("From = %v, want %v", m.From, want)
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

func TestParseAuthResults(t *testing.T) {
	tests := []struct {
		name, in string
		arc      bool
		want     string // id, instance, then method=result/domain
	}{
		{"gmail", "mx.google.com;\r\n       dkim=pass header.i=@example.org header.s=20230601 header.b=AbCd;\r\n" +
			"       spf=pass (google.com: domain of bob@example.org designates 192.0.2.1 as permitted sender) smtp.mailfrom=bob@example.org;\r\n" +
			"       dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=example.org",
			false, "mx.google.com 0 dkim=pass/example.org spf=pass/example.org dmarc=pass/example.org"},
		{"microsoft without authserv-id", "spf=pass (sender IP is 192.0.2.7) smtp.mailfrom=Contoso.com; dkim=pass (signature was verified)" +
			" header.d=contoso.com;dmarc=pass action=none header.from=contoso.com;compauth=pass reason=100",
			false, " 0 spf=pass/contoso.com dkim=pass/contoso.com dmarc=pass/contoso.com"},
		{"microsoft internal", "dkim=none (message not signed) header.d=none;dmarc=none action=none header.from=contoso.com;",
			false, " 0 dkim=none/ dmarc=none/contoso.com"},
		{"version, spaces, quotes, brackets", `MX.Example.NET 1; dkim = PASS header.d = "example.com"; spf=fail smtp.mailfrom="<bounce@Example.com>"`,
			false, "mx.example.net 0 dkim=pass/example.com spf=fail/example.com"},
		{"helo only, header.i only", "mx.example.net; spf=none smtp.helo=mail.example.com; dkim=fail header.i=jane@example.com",
			false, "mx.example.net 0 spf=none/mail.example.com dkim=fail/example.com"},
		{"header.d wins over header.i", "mx; dkim=pass header.i=@a.example.com header.d=example.com", false, "mx 0 dkim=pass/example.com"},
		{"no result", "mx.example.net; none", false, "mx.example.net 0"},
		{"comments nest and hide semicolons", "mx; dkim=pass (a (nested; comment) here) header.d=x.org; dmarc=fail(p=reject)header.from=y.org",
			false, "mx 0 dkim=pass/x.org dmarc=fail/y.org"},
		{"other methods keep their properties", "mx; arc=pass (i=1) header.d=evil.org; iprev=pass policy.iprev=192.0.2.1; auth=pass smtp.auth=jane; spf=pass smtp.mailfrom=x.org",
			false, "mx 0 spf=pass/x.org"},
		{"a property without a method", "mx; header.d=evil.org; dkim=pass", false, "mx 0 dkim=pass/"},
		{"arc", "i=2; mx.google.com; dkim=pass header.d=x.org; arc=pass (i=1 spf=pass spfdomain=x.org); spf=pass smtp.mailfrom=x.org",
			true, "mx.google.com 2 dkim=pass/x.org spf=pass/x.org"},
		{"arc without instance", "mx.example.net; dmarc=pass header.from=x.org", true, "mx.example.net 0 dmarc=pass/x.org"},
		{"garbage result", "mx; dkim=p@ss header.d=x.org; spf=" + strings.Repeat("a", 40) + "; dmarc=", false, "mx 0"},
		{"empty", "", false, " 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := parseAuthResults(tt.in, tt.arc)
			parts := []string{h.id, strconv.Itoa(h.instance)}
			for _, r := range h.results {
				parts = append(parts, r.method+"="+r.result+"/"+r.domain)
			}
			if got := strings.Join(parts, " "); got != tt.want {
				t.Errorf("parseAuthResults(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

// The verdict is the topmost Authentication-Results' and that of the
// headers right below it from the same server; what the sender wrote
// further down never counts.
func TestTrustedAuth(t *testing.T) {
	lines := func(ls ...string) string { return strings.Join(ls, "\n") }
	tests := []struct {
		name    string
		ar, arc string
		from    string
		want    rekindle.Auth
	}{
		{"none", "", "", "x.org", rekindle.Auth{}},
		{"topmost over a forged one below",
			lines("mx.example.com; spf=softfail smtp.mailfrom=jane@example.com; dkim=none; dmarc=fail header.from=example.com",
				"evil.example; spf=pass smtp.mailfrom=example.com; dkim=pass header.d=example.com; dmarc=pass header.from=example.com"),
			"", "example.com",
			rekindle.Auth{Server: "mx.example.com", DMARC: "fail", DMARCDomain: "example.com", DKIM: "none", SPF: "softfail", SPFDomain: "example.com"}},
		{"one header per check, one server",
			lines("mx.example.com; dmarc=pass header.from=friend.org", "mx.example.com; dkim=pass header.d=friend.org",
				"mx.example.com; spf=pass smtp.mailfrom=friend.org"),
			"", "friend.org",
			rekindle.Auth{Server: "mx.example.com", DMARC: "pass", DMARCDomain: "friend.org", DKIM: "pass", DKIMDomain: "friend.org", SPF: "pass", SPFDomain: "friend.org"}},
		{"a header below never overrules the server",
			lines("mx.example.com; dmarc=fail header.from=friend.org", "mx.example.com; dmarc=pass header.from=friend.org; dkim=fail header.d=friend.org",
				"mx.example.com; dkim=pass header.d=friend.org"),
			"", "friend.org",
			rekindle.Auth{Server: "mx.example.com", DMARC: "fail", DMARCDomain: "friend.org", DKIM: "fail", DKIMDomain: "friend.org"}},
		{"the server's run ends at another server",
			lines("mx.example.com; spf=pass smtp.mailfrom=friend.org", "relay.friend.org; dmarc=fail header.from=friend.org",
				"mx.example.com; dkim=fail header.d=friend.org"),
			"", "friend.org",
			rekindle.Auth{Server: "mx.example.com", SPF: "pass", SPFDomain: "friend.org"}},
		{"no authserv-id: the topmost alone",
			lines("spf=softfail smtp.mailfrom=example.com;dmarc=fail action=quarantine header.from=example.com", "spf=pass smtp.mailfrom=example.com"),
			"", "example.com",
			rekindle.Auth{DMARC: "fail", DMARCDomain: "example.com", SPF: "softfail", SPFDomain: "example.com"}},
		{"dkim: the From's pass first", "mx; dkim=fail header.d=x.org; dkim=pass header.d=esp.net; dkim=pass header.d=mail.x.org",
			"", "x.org", rekindle.Auth{Server: "mx", DKIM: "pass", DKIMDomain: "mail.x.org"}},
		{"dkim: any pass before a fail", "mx; dkim=fail header.d=x.org; dkim=pass header.d=esp.net; dkim=pass header.d=other.net",
			"", "x.org", rekindle.Auth{Server: "mx", DKIM: "pass", DKIMDomain: "esp.net"}},
		{"dkim: a fail before anything else", "mx; dkim=neutral header.d=a.org; dkim=fail header.d=x.org; dkim=policy header.d=b.org",
			"", "x.org", rekindle.Auth{Server: "mx", DKIM: "fail", DKIMDomain: "x.org"}},
		{"arc only: the highest instance",
			"", lines("i=1; a.example; dmarc=fail header.from=x.org", "i=3; c.example; dmarc=pass header.from=x.org", "i=2; b.example; spf=fail"),
			"x.org", rekindle.Auth{Server: "c.example", DMARC: "pass", DMARCDomain: "x.org"}},
		{"arc is ignored beside Authentication-Results",
			"mx.example.com; spf=none smtp.mailfrom=x.org", "i=1; mx.example.com; dmarc=pass header.from=x.org",
			"x.org", rekindle.Auth{Server: "mx.example.com", SPF: "none", SPFDomain: "x.org"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := trustedAuth(tt.ar, tt.arc, tt.from); got != tt.want {
				t.Errorf("trustedAuth\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// Every Authentication-Results is kept, in order, unfolded; a flood of
// them is cut.
func TestReadHeaderAuth(t *testing.T) {
	raw := "Authentication-Results: mx.example.com;\r\n\tdkim=pass header.d=x.org\r\nFrom: a@x.org\r\n" +
		"ARC-Authentication-Results: i=1; mx.example.com; spf=pass\r\nauthentication-results: evil; dmarc=pass\r\n\r\n"
	h := readHeader([]byte(raw))
	if want := "mx.example.com; dkim=pass header.d=x.org\nevil; dmarc=pass"; h.authResults != want {
		t.Errorf("authResults = %q, want %q", h.authResults, want)
	}
	if want := "i=1; mx.example.com; spf=pass"; h.arcResults != want || h.from != "a@x.org" {
		t.Errorf("arcResults = %q, from %q", h.arcResults, h.from)
	}
	flood := strings.Repeat("Authentication-Results: mx; spf=pass\r\n", 10000)
	if n := strings.Count(readHeader([]byte(flood)).authResults, "\n") + 1; n != maxAuthHeaders {
		t.Errorf("%d Authentication-Results kept of 10000, want %d", n, maxAuthHeaders)
	}
}

// toMessage keeps the receiving server's verdict, and drops a Date more
// than a day after the arrival, which then is the message's time.
func TestToMessageAuthAndDate(t *testing.T) {
	arrived := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	hdr := "Authentication-Results: mx.example.com; spf=softfail smtp.mailfrom=jane@example.com;\r\n" +
		" dkim=none; dmarc=fail (p=none) header.from=example.com\r\n" +
		"Authentication-Results: evil.example; dmarc=pass header.from=example.com\r\n\r\n"
	for _, c := range []struct {
		date, want time.Time
	}{
		{time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC), arrived},                                     // far future
		{arrived.Add(25 * time.Hour), arrived},                                                     // just past a day
		{arrived.Add(23 * time.Hour), arrived.Add(23 * time.Hour)},                                 // a zone off, a slow queue
		{time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)}, // old or imported
	} {
		buf := fetched(&imapclient.FetchMessageBuffer{UID: 1, InternalDate: arrived,
			Envelope:    &imap.Envelope{Date: c.date, Subject: "x", From: []imap.Address{{Mailbox: "jane", Host: "Example.com"}}},
			BodySection: []imapclient.FetchBodySectionBuffer{{Section: headerSection, Bytes: []byte(hdr)}}})
		m := toMessage(buf)
		if !m.When().Equal(c.want) || !m.Date.Equal(c.want) && !(m.Date.IsZero() && c.want.Equal(arrived)) {
			t.Errorf("Date %v arriving %v: Date %v, When %v; want %v", c.date, arrived, m.Date, m.When(), c.want)
		}
		want := rekindle.Auth{Server: "mx.example.com", DMARC: "fail", DMARCDomain: "example.com", DKIM: "none", SPF: "softfail", SPFDomain: "example.com"}
		if m.Auth != want {
			t.Errorf("Auth = %+v, want %+v", m.Auth, want)
		}
	}
	// Copies of one future-dated message, arriving in two folders at
	// different times, keep one Date (the store's key holds it).
	var dates []time.Time
	for _, internal := range []time.Time{arrived, arrived.Add(time.Minute)} {
		m := toMessage(fetched(&imapclient.FetchMessageBuffer{UID: 1, InternalDate: internal,
			Envelope: &imap.Envelope{Date: arrived.AddDate(1, 0, 0), MessageID: "f@x"}}))
		dates = append(dates, m.Date)
	}
	if !dates[0].Equal(dates[1]) {
		t.Errorf("copies of one future-dated message got Dates %v", dates)
	}
	// A server that reports no arrival (a zero or placeholder internal
	// date) leaves the Date alone.
	for _, internal := range []time.Time{{}, time.Unix(0, 0)} {
		future := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
		m := toMessage(fetched(&imapclient.FetchMessageBuffer{UID: 1, InternalDate: internal, Envelope: &imap.Envelope{Date: future}}))
		if !m.Date.Equal(future) {
			t.Errorf("internal date %v: Date %v, want %v", internal, m.Date, future)
		}
	}
}

// Whatever the authentication headers hold, reading them neither panics
// nor keeps more than a few short, clean strings.
func TestAuthHostile(t *testing.T) {
	inputs := []string{
		"(", ")", "((((", "\"", "\\", "=", ";;;;", "==;==", "i=", "i=99999999999999999999; x", "dkim=", "=pass",
		"mx; dkim=pass header.d=\"unterminated", "mx; dkim=pass (unterminated comment header.d=x.org",
		"mx; dkim=pass header.d=\xff\xfe.org; spf=pass smtp.mailfrom=a@b@c@", "mx; dkim=pass header.d=a\x00b.org",
		"mx; dmarc=pass header.from=" + strings.Repeat("a", 1000) + ".org",
		strings.Repeat("a", 300) + "; spf=pass", strings.Repeat("(", 10000), strings.Repeat("dkim=pass;", 1000),
		"\"quoted id\"; spf=pass", "mx; dkim=pass header.d=x.org\\", "mx; spf=pass smtp.mailfrom=@",
		"mx\u2029evil; dkim=pass header.d=a\u2028b.org; spf=pass smtp.mailfrom=x\u0085y.org; dmarc=pass header.from=\u00a0x.org",
	}
	r := rand.New(rand.NewPCG(1, 2))
	const alphabet = "()\\\";= .@\t\r\nabcdikmpsfx-i1\xff"
	for range 3000 {
		b := make([]byte, r.IntN(80))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		inputs = append(inputs, string(b))
	}
	for _, in := range inputs {
		for _, arc := range []bool{false, true} {
			h := parseAuthResults(in, arc)
			if len(h.results) > maxAuthResults || len(h.id) > maxAuthID {
				t.Fatalf("parseAuthResults(%q): %d results, id of %d bytes", in, len(h.results), len(h.id))
			}
		}
		a := trustedAuth(in+"\n"+in, in, "x.org")
		for _, s := range []string{a.Server, a.DMARC, a.DMARCDomain, a.DKIM, a.DKIMDomain, a.SPF, a.SPFDomain} {
			if len(s) > maxAuthID || !utf8.ValidString(s) || strings.ContainsRune(s, ';') ||
				strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0 {
				t.Fatalf("trustedAuth(%q) keeps %q", in, s)
			}
		}
	}
}

// TestPrintableWord checks printableWord's byte loop against the rule it
// stands for, rune by rune.
func TestPrintableWord(t *testing.T) {
	ref := func(s, special string) bool {
		for _, r := range s {
			if strings.ContainsRune(special, r) || !unicode.IsPrint(r) || unicode.IsSpace(r) {
				return false
			}
		}
		return true
	}
	for _, s := range []string{"", "mx.example.com", "a b", "a\tb", "a;b", "a\x7fb", "a\x00", "é.example", "ex\u00a0ample",
		"ex\u2028ample", "ex\u3000ample", "例え.jp", "例え;jp", "a\"b", "<a>", "[a]", "a\\b", "😀", "a)b", "\u200bx"} {
		for _, special := range []string{";", `"(),;<>[]\`} {
			if got, want := printableWord(s, special), ref(s, special); got != want {
				t.Errorf("printableWord(%q, %q) = %v, want %v", s, special, got, want)
			}
		}
	}
}
