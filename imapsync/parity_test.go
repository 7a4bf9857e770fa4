package imapsync

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/rekindle/rekindle"
	"github.com/rekindle/rekindle/internal/dovecot"
	"github.com/rekindle/rekindle/internal/realmail"
	"github.com/rekindle/rekindle/synth"
)

// parityCases are headers written by hand: the forms of address, date and
// message ID that real mail carries, well-formed and not. Each becomes a
// message in the "Parity" folder.
var parityCases = []string{
	// Well-formed, in the forms mailers write.
	"From: Jane Doe <jane@example.org>\nTo: \"Doe, John\" <john@example.org>, bob@example.net, <carol@example.com>\nCc: jane@example.org (Jane Doe), John Q. Public <jqp@example.org>\nSubject: Re: plans\nDate: Tue, 3 Mar 2026 10:00:00 +0100\nMessage-ID: <a1@example.org>\nIn-Reply-To: <a0@example.org>",
	"From: =?UTF-8?Q?Ren=C3=A9e_Fran=C3=A7ois?= <renee@example.fr>\nTo: =?ISO-8859-1?Q?J=F6rg?= <joerg@example.de>, \"=?UTF-8?B?5p2O6Zu3?=\" <li@example.cn>\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= aus =?UTF-8?B?S8O2bG4=?=\nDate: Wed, 04 Mar 2026 23:59:59 -0800 (PST)\nMessage-ID: <a2@example.fr>",
	"From: Jane Doe <jane@example.org>\nTo: team: a@example.org, b@example.org;, undisclosed-recipients:;\nReply-To: Jane Doe <jane@example.org>\nSubject: folded\n\twith tab  and  spaces\nDate: Thu, 5 Mar 2026\n 10:00:00 +0000\nMessage-ID:\n <folded@example.org>\nIn-Reply-To: <p1@example.org>\n <p2@example.org>",
	"From: \"Jane \\\"JD\\\" Doe\" <jd@example.org>\nTo: Jane.Doe <jd@example.org>, \"\" <empty@example.org>, JANE DOE <JANE@EXAMPLE.ORG>\nReply-To: list@example.org\nSubject: Escapes\nDate: 6 Mar 2026 10:00 +0000\nMessage-ID: <a4@[192.0.2.1]>",
	"From: Cron Daemon <root>\nTo: localuser, ops\nSubject: cron\nDate: Sat, 7 Mar 2026 10:00:00 GMT\nMessage-ID: <a5@example.org> (added by relay)",
	"From: jane@example.org (Jane Doe)\nTo: \"a b\"@example.org, <@relay.example:c@example.org>, d@[192.0.2.1]\nCc: Jane (Work) Doe <jw@example.org>, jane@example.org (Jane) (Doe)\nSubject: Comments\nDate: Sun, 08 Mar 2026 10:00:00 +0530\nIn-Reply-To: <x@example.org> (Bob's message of Tuesday)",
	"From: M\xfcller <m@example.de>\nTo: Müller <m2@example.de>, \"M\xfcller, Hans\" <hans@example.de>\nSubject: caf\xe9 =?UTF-8?Q?caf=C3=A9?=\nDate: Mon, 9 Mar 2026 10:00:00 +0100\nMessage-ID: <a7@example.de>",
	"From: First <first@example.org>\nFrom: Second <second@example.org>\nSubject: first\nSubject: second\nDate: Tue, 10 Mar 2026 10:00:00 +0100\nDate: Wed, 11 Mar 2026 10:00:00 +0100\nMessage-ID: <first@example.org>\nMessage-ID: <second@example.org>\nTo: a@example.org\nTo: b@example.org",
	"From: Jane <jane@example.org>\nSubject: dates\nDate: Tue, 3 Mar 2026 10:00:00 +0100 (CET)\nMessage-ID: a8@example.org",
	"From: Jane <jane@example.org>\nSubject: iso date\nDate: 2026-03-03T10:00:00+01:00\nMessage-ID: <a9 @example.org>",
	"From: Jane <jane@example.org>\nSubject: two-digit year\nDate: Tue, 3 Mar 26 10:00:00 +0100\nIn-Reply-To: junk <b1@example.org> <b2@example.org>",
	"From: \"Jane  Doe\u00a0Jr\" <jane@example.org>\nSubject: Re: [x]  two spaces and\u00a0a no-break space\nDate: Tue, 3 Mar 2026 10:00:00 +0100",
	"From: Jane <jane@example.org>\nSubject: ctime date\nDate: Tue Mar  3 10:00:00 2026\nIn-Reply-To: <b1@example.org> junk <b2@example.org>",
	// Malformed: where the parser is allowed to differ from ENVELOPE
	// (see headerAddrs), listed in parityKnown.
	"From: Jane Doe <jane@example.org\nTo: x@example.org, Bad <broken@@>, \"Q, R\" <q@example.org>\nSubject: broken angle\nDate: not a date at all",
	"From: \"Bob Smith\"\nTo: Jane <jane@example.org>, , bob@example.net\nCc: Undisclosed recipients\nSubject: placeholders",
	"From: bob@example.org <bob@example.org>, carol@example.org\nSubject: junk after an address",
	"From: \"Eve =?UTF-8?Q?=0D=0ABcc:_x@evil.com?=\" <eve@example.com>\nSubject: =?UTF-8?Q?=3D=3FUTF-8=3FQ=3Fdouble=3F=3D?=\nMessage-ID: <inject@example.com>",
}

// TestHeaderParserMatchesEnvelope fetches, from Dovecot, the ENVELOPE
// and the header section of the same messages, and compares what the sync
// used to store (envelopeMessage, from ENVELOPE) with what it stores now
// (toMessage, from the header section alone): the hand-written cases and
// a synthetic mailbox with hostile mail. For well-formed mail they must
// be the same; where a malformed header gives something else, the
// difference must be one parityKnown expects. REKINDLE_PARITY_REALMAIL
// (comma-separated names of the shared real mailboxes, e.g.
// "wolfgang,peter") adds those, and REKINDLE_PARITY_LOG=1 logs every
// difference.
func TestHeaderParserMatchesEnvelope(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Dovecot")
	}
	srv := dovecot.Start(t, dovecot.Options{})
	arrived := time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC)
	var mails []synth.Mail
	for _, h := range parityCases {
		raw := strings.ReplaceAll(h, "\n", "\r\n") + "\r\n\r\nbody\r\n"
		mails = append(mails, synth.Mail{Folder: "Parity", Raw: []byte(raw), InternalDate: arrived})
	}
	mails = append(mails, synth.Generate(synth.Options{Seed: 3, Messages: 3000, Hostile: true}).Mails...)
	for name := range strings.SplitSeq(os.Getenv("REKINDLE_PARITY_REALMAIL"), ",") {
		if name == "" {
			continue
		}
		path, err := realmail.Path(name)
		if err != nil {
			t.Fatal(err)
		}
		mb, err := realmail.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range mb.Mails {
			m.Folder = name + "/" + m.Folder
			mails = append(mails, m)
		}
	}
	if err := srv.LoadMaildir("", mails); err != nil {
		t.Fatal(err)
	}
	c, err := srv.Login(&imapclient.Options{WordDecoder: wordDecoder})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	list, err := c.List("", "*", nil).Collect()
	if err != nil {
		t.Fatal(err)
	}
	opts := &imap.FetchOptions{UID: true, InternalDate: true, Envelope: true, BodySection: []*imap.FetchItemBodySection{headerSection}}
	var (
		total    int
		diffs    = map[string]int{} // by field
		unknown  int
		wellDiff int
	)
	for _, l := range list {
		if slices.Contains(l.Attrs, imap.MailboxAttrNoSelect) {
			continue
		}
		if _, err := c.Select(l.Mailbox, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
			t.Fatal(err)
		}
		var set imap.UIDSet
		set.AddRange(1, 0)
		cmd := c.Fetch(set, opts)
		for {
			msg := cmd.Next()
			if msg == nil {
				break
			}
			buf, err := msg.Collect()
			if err != nil {
				t.Fatal(err)
			}
			total++
			want, got := envelopeMessage(buf), toMessage(buf)
			section := string(buf.FindBodySection(headerSection))
			for _, d := range headerDiff(&got.Header, &want.Header) {
				diffs[d.field]++
				known := parityKnown(d, section)
				if !known {
					unknown++
					if !strings.HasPrefix(l.Mailbox, "wolfgang/") && !strings.HasPrefix(l.Mailbox, "peter/") {
						wellDiff++
					}
				}
				if !known || os.Getenv("REKINDLE_PARITY_LOG") != "" {
					t.Logf("%s UID %d: %s: header %q\n  now    %s\n  before %s (known: %v)", l.Mailbox, buf.UID, d.field, fieldLines(section, d.field), d.got, d.want, known)
				}
			}
		}
		if err := cmd.Close(); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d messages compared; differences by field: %v; %d not expected", total, diffs, unknown)
	if total < len(mails) {
		t.Errorf("compared %d messages, loaded %d", total, len(mails))
	}
	if unknown > 0 {
		t.Errorf("%d differences from what ENVELOPE gave that no rule expects (%d outside the real mailboxes)", unknown, wellDiff)
	}
}

type fieldDiff struct {
	field     string
	got, want string
	// of an address field, the addresses
	gotAddrs, wantAddrs []rekindle.Address
}

// headerDiff lists the fields of the Header in which got and want differ.
func headerDiff(got, want *rekindle.Header) []fieldDiff {
	var d []fieldDiff
	add := func(field string, equal bool, g, w any) {
		if !equal {
			d = append(d, fieldDiff{field: field, got: fmt.Sprintf("%q", g), want: fmt.Sprintf("%q", w)})
		}
	}
	add("Subject", got.Subject == want.Subject, got.Subject, want.Subject)
	add("Date", got.Date.Equal(want.Date), got.Date.String(), want.Date.String())
	add("Message-ID", got.MessageID == want.MessageID, got.MessageID, want.MessageID)
	add("In-Reply-To", slices.Equal(got.InReplyTo, want.InReplyTo), got.InReplyTo, want.InReplyTo)
	addrs := func(field string, g, w []rekindle.Address) {
		if !slices.Equal(g, w) {
			d = append(d, fieldDiff{field, fmt.Sprintf("%q", g), fmt.Sprintf("%q", w), g, w})
		}
	}
	addrs("From", got.From, want.From)
	addrs("To", got.To, want.To)
	addrs("Cc", got.Cc, want.Cc)
	add("other", slices.Equal(got.References, want.References) && got.ListID == want.ListID && got.ListUnsubscribe == want.ListUnsubscribe &&
		got.Precedence == want.Precedence && got.AutoSubmitted == want.AutoSubmitted && got.Auth == want.Auth,
		*got, *want)
	return d
}

// fieldLines returns the lines of a header section that hold a field.
func fieldLines(section, field string) string {
	if field == "other" {
		return section
	}
	var out []string
	in := false
	for line := range strings.SplitSeq(section, "\n") {
		if line != "" && (line[0] == ' ' || line[0] == '\t') {
			if in {
				out = append(out, line)
			}
			continue
		}
		name, _, _ := strings.Cut(line, ":")
		in = strings.EqualFold(strings.TrimSpace(name), field)
		if in {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// parityKnown tells whether a difference is one the header parser makes
// on purpose, on malformed input: where Dovecot's ENVELOPE gave
// placeholders (MISSING_MAILBOX, SYNTAX_ERROR), the parser gives no
// address, and where the server gave up on the rest of a list, the parser
// goes on.
func parityKnown(d fieldDiff, section string) bool {
	switch d.field {
	case "From", "To", "Cc":
		placeholder := func(a rekindle.Address) bool {
			return a.Email == "missing_mailbox" || strings.HasSuffix(a.Email, "@syntax_error")
		}
		if slices.ContainsFunc(d.wantAddrs, placeholder) {
			return true
		}
		// The server stopped at an entry it could not read; the parser
		// skipped it and read on.
		return len(d.gotAddrs) > len(d.wantAddrs) && slices.Equal(d.gotAddrs[:len(d.wantAddrs)], d.wantAddrs)
	}
	return false
}
