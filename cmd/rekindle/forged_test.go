package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rekindle/rekindle"
	"github.com/rekindle/rekindle/synth"
)

// Forged mail, end to end: raw messages as the user's own server
// (mx.example.com, for jane@example.com) delivered them, stamped with its
// Authentication-Results, go into an in-process IMAP server; "rekindle
// sync" reads them and contacts and the digest run on the store. The same
// mailbox goes through Dovecot in e2e/forged_test.go.

// fgNow is the morning the tests look at.
var fgNow = time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)

// fgDays is n days before fgNow.
func fgDays(n float64) time.Time { return fgNow.Add(-time.Duration(n * 24 * float64(time.Hour))) }

// fgPass is the stamp of the user's server on mail that authenticated as
// coming from domain.
func fgPass(domain string) string {
	return "Authentication-Results: mx.example.com;\r\n\tdkim=pass (2048-bit key) header.d=" + domain + " header.s=s1 header.b=AbCdEf;\r\n" +
		"\tspf=pass (mx.example.com: domain of bounce@" + domain + " designates 192.0.2.1 as permitted sender) smtp.mailfrom=bounce@" + domain + ";\r\n" +
		"\tdmarc=pass (p=reject dis=none) header.from=" + domain + "\r\n"
}

// fgForged is the stamp of the user's server on mail in the name of
// domain that came from elsewhere, followed by what the forger wrote
// below it, claiming the opposite.
func fgForged(domain string) string {
	return "Authentication-Results: mx.example.com; spf=softfail (domain of " + domain + " does not designate 203.0.113.9 as permitted sender)\r\n" +
		"\tsmtp.mailfrom=" + domain + "; dkim=none; dmarc=fail (p=quarantine dis=quarantine) header.from=" + domain + "\r\n" +
		"Authentication-Results: " + domain + "; dkim=pass header.d=" + domain + "; spf=pass smtp.mailfrom=" + domain + "; dmarc=pass header.from=" + domain + "\r\n" +
		"ARC-Authentication-Results: i=1; " + domain + "; dmarc=pass header.from=" + domain + "\r\n"
}

// fgMail is one raw message in a folder; stamp is the header lines on top
// (none for the user's own copies).
func fgMail(folder string, arrived time.Time, stamp, from, to, subject, id, inReplyTo string, date time.Time) synth.Mail {
	var b strings.Builder
	b.WriteString(stamp)
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s>\r\n", from, to, subject, date.Format(time.RFC1123Z), id)
	if inReplyTo != "" {
		fmt.Fprintf(&b, "In-Reply-To: <%s>\r\nReferences: <%s>\r\n", inReplyTo, inReplyTo)
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello.\r\n")
	return synth.Mail{Folder: folder, Flags: []string{`\Seen`}, InternalDate: arrived.UTC(), Raw: []byte(b.String())}
}

const (
	fgJane    = "Jane Doe <jane@example.com>"
	fgBob     = "Bob Stone <bob@friend.org>"
	fgMallory = "Mallory <mallory@stranger.net>"
	fgCarol   = "Carol Ng <carol@client.com>"
	fgDave    = "Dave Ruiz <dave@dave.org>"
)

// fgMailbox is the mailbox of the forged-mail tests:
//
//   - Bob, a strong tie gone quiet: weekly exchanges, the last 60 days
//     ago; then one message "From: Bob" forged three days ago, which
//     the user's server failed (DMARC) and the forger claims passed;
//   - Mallory, a stranger: five messages "From: Jane, To: Mallory"
//     back-dated over two months but all mailed into INBOX five days ago
//     (the user's server failed them), and Mallory's five answers;
//   - Carol, a client: Jane's mail to her filed in Projects/Apollo (the
//     Sent copies moved there), or only as a Bcc to herself in INBOX,
//     which the user's server authenticated; Carol's answers;
//   - Dave, a friend whose last message, two days ago, claims a Date in
//     2031.
func fgMailbox() *synth.Mailbox {
	mb := &synth.Mailbox{
		Me: rekindle.Address{Name: "Jane Doe", Email: "jane@example.com"}, Addresses: []string{"jane@example.com"}, Now: fgNow,
		Folders: []synth.Folder{{Name: "INBOX"}, {Name: "Projects/Apollo"}, {Name: "Sent", SpecialUse: `\Sent`}},
	}
	add := func(m synth.Mail) { mb.Mails = append(mb.Mails, m) }
	for i := range 20 {
		d := fgDays(float64(60 + 7*(19-i)))
		id := fmt.Sprintf("bob-%d@example.com", i)
		add(fgMail("Sent", d, "", fgJane, fgBob, fmt.Sprintf("Week %d", i), id, "", d))
		add(fgMail("INBOX", d.Add(time.Hour), fgPass("friend.org"), fgBob, fgJane, fmt.Sprintf("Re: Week %d", i), fmt.Sprintf("re-%s", id), id, d.Add(time.Hour)))
	}
	add(fgMail("INBOX", fgDays(3), fgForged("friend.org"), fgBob, fgJane, "Quick question, can you call me?", "forged-bob@friend.org", "", fgDays(3)))

	for i := range 5 {
		d := fgDays(float64(100 - 14*i))
		id := fmt.Sprintf("forged-%d@example.com", i)
		add(fgMail("INBOX", fgDays(5), fgForged("example.com"), fgJane, fgMallory, fmt.Sprintf("Our project, part %d", i), id, "", d))
		add(fgMail("INBOX", fgDays(5), fgPass("stranger.net"), fgMallory, fgJane, fmt.Sprintf("Re: Our project, part %d", i), "re-"+id, id, d.Add(3*time.Hour)))
	}

	for i := range 6 {
		d := fgDays(float64(30 + 10*(5-i)))
		id := fmt.Sprintf("apollo-%d@example.com", i)
		if i%2 == 0 {
			add(fgMail("Projects/Apollo", d, "", fgJane, fgCarol, fmt.Sprintf("Apollo %d", i), id, "", d))
		} else {
			add(fgMail("INBOX", d.Add(time.Minute), fgPass("example.com"), fgJane, fgCarol, fmt.Sprintf("Apollo %d", i), id, "", d))
		}
		add(fgMail("INBOX", d.Add(2*time.Hour), fgPass("client.com"), fgCarol, fgJane, fmt.Sprintf("Re: Apollo %d", i), "re-"+id, id, d.Add(2*time.Hour)))
	}

	for i := range 4 {
		d := fgDays(float64(60 + 20*(3-i)))
		id := fmt.Sprintf("dave-%d@example.com", i)
		add(fgMail("Sent", d, "", fgJane, fgDave, fmt.Sprintf("Climbing %d", i), id, "", d))
		add(fgMail("INBOX", d.Add(time.Hour), fgPass("dave.org"), fgDave, fgJane, fmt.Sprintf("Re: Climbing %d", i), "re-"+id, id, d.Add(time.Hour)))
	}
	add(fgMail("INBOX", fgDays(2), fgPass("dave.org"), fgDave, fgJane, "Back from the mountains", "dave-future@dave.org", "",
		time.Date(2031, 1, 1, 9, 0, 0, 0, time.UTC)))
	return mb
}

// fgLastBob and fgLastDave are when Bob and Dave last wrote for real.
var (
	fgLastBob  = fgDays(60).Add(time.Hour)
	fgLastDave = fgDays(2)
)

func TestForgedMail(t *testing.T) {
	mb := fgMailbox()
	cfg := syncMails(t, mb, mb.Mails)
	now := fgNow.Format(time.RFC3339)

	cs := contactsOf(t, cfg, "--all", "--as-of", now)
	byEmail := func(email string) *personJSON { return byAddress(cs, email) }

	if c := byEmail("mallory@stranger.net"); c != nil && c.Sent > 0 {
		t.Errorf("the stranger counts mail from the user: sent %d, received %d, status %s", c.Sent, c.Received, c.Status)
	}
	if c := byEmail("bob@friend.org"); c == nil || c.LastContact != fgLastBob.Format(time.RFC3339) || c.Received != 20 {
		t.Errorf("Bob: %+v; want his last real message, %s, and 20 received", c, fgLastBob.Format(time.RFC3339))
	}
	if c := byEmail("carol@client.com"); c == nil || c.Sent != 6 || c.Received != 6 {
		t.Errorf("Carol: %+v; want 6 sent (3 filed in Projects/Apollo, 3 as Bcc to oneself) and 6 received", c)
	}
	if c := byEmail("dave@dave.org"); c == nil || c.LastContact != fgLastDave.Format(time.RFC3339) || c.Received != 5 {
		t.Errorf("Dave: %+v; want his last message at its arrival, %s, and 5 received", c, fgLastDave.Format(time.RFC3339))
	}

	var d struct {
		People []struct {
			Email string `json:"email"`
		} `json:"people"`
		Owes []struct {
			Email string `json:"email"`
		} `json:"owes_reply"`
	}
	jsonOf(t, &d, "--config", cfg, "digest", "--json", "--as-of", now)
	var people []string
	for _, p := range d.People {
		people = append(people, p.Email)
	}
	if !strings.Contains(strings.Join(people, " "), "bob@friend.org") {
		t.Errorf("the digest's people %v lack Bob, a strong tie quiet for 60 days", people)
	}
	if strings.Contains(strings.Join(people, " "), "mallory") {
		t.Errorf("the digest suggests the stranger: %v", people)
	}
	for _, o := range d.Owes {
		if o.Email == "bob@friend.org" {
			t.Errorf("the digest says the user owes Bob an answer to the forged message")
		}
	}
}
