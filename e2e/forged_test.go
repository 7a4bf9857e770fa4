package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/rekindle/rekindle/internal/dovecot"
	"github.com/rekindle/rekindle/synth"
)

// TestSyncForgedMail: forged mail through a real Dovecot and the rekindle
// binary. The mailbox is raw messages as the user's own server
// (mx.example.com, for jane@example.com) delivered them, each received
// one stamped with its Authentication-Results:
//
//   - Bob, a strong tie quiet for 60 days, and one message "From: Bob"
//     forged three days ago, which the user's server failed (DMARC) while
//     the forger's own headers below claim it passed;
//   - Mallory, a stranger: five messages "From: Jane, To: Mallory"
//     back-dated over two months, all mailed into INBOX five days ago,
//     failed by the user's server, and Mallory's five answers;
//   - Carol, a client: Jane's mail to her filed in Projects/Apollo (Sent
//     copies moved there) or only a Bcc to herself in INBOX, which the
//     user's server authenticated; Carol's answers;
//   - Dave, whose last message, arrived two days ago, claims a Date in
//     2031.
//
// The stranger must not become a contact, Bob must stay in the digest
// with his last real exchange, Jane's filed and Bcc'd mail must count,
// and Dave's last message must count at its arrival.
// cmd/rekindle/forged_test.go runs the same mailbox in process.
func TestSyncForgedMail(t *testing.T) {
	now := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)
	ago := func(days float64) time.Time { return now.Add(-time.Duration(days * 24 * float64(time.Hour))) }
	pass := func(domain string) string {
		return "Authentication-Results: mx.example.com;\r\n\tdkim=pass (2048-bit key) header.d=" + domain + " header.s=s1 header.b=AbCdEf;\r\n" +
			"\tspf=pass (mx.example.com: domain of bounce@" + domain + " designates 192.0.2.1 as permitted sender) smtp.mailfrom=bounce@" + domain + ";\r\n" +
			"\tdmarc=pass (p=reject dis=none) header.from=" + domain + "\r\n"
	}
	forged := func(domain string) string {
		return "Authentication-Results: mx.example.com; spf=softfail (domain of " + domain + " does not designate 203.0.113.9 as permitted sender)\r\n" +
			"\tsmtp.mailfrom=" + domain + "; dkim=none; dmarc=fail (p=quarantine dis=quarantine) header.from=" + domain + "\r\n" +
			"Authentication-Results: " + domain + "; dkim=pass header.d=" + domain + "; spf=pass smtp.mailfrom=" + domain + "; dmarc=pass header.from=" + domain + "\r\n" +
			"ARC-Authentication-Results: i=1; " + domain + "; dmarc=pass header.from=" + domain + "\r\n"
	}
	var mails []synth.Mail
	add := func(folder string, arrived time.Time, stamp, from, to, subject, id, inReplyTo string, date time.Time) {
		var b strings.Builder
		b.WriteString(stamp)
		fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s>\r\n", from, to, subject, date.Format(time.RFC1123Z), id)
		if inReplyTo != "" {
			fmt.Fprintf(&b, "In-Reply-To: <%s>\r\nReferences: <%s>\r\n", inReplyTo, inReplyTo)
		}
		b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello.\r\n")
		mails = append(mails, synth.Mail{Folder: folder, Flags: []string{`\Seen`}, InternalDate: arrived, Raw: []byte(b.String())})
	}
	const (
		jane    = "Jane Doe <jane@example.com>"
		bob     = "Bob Stone <bob@friend.org>"
		mallory = "Mallory <mallory@stranger.net>"
		carol   = "Carol Ng <carol@client.com>"
		dave    = "Dave Ruiz <dave@dave.org>"
	)
	for i := range 20 {
		d := ago(float64(60 + 7*(19-i)))
		id := fmt.Sprintf("bob-%d@example.com", i)
		add("Sent", d, "", jane, bob, fmt.Sprintf("Week %d", i), id, "", d)
		add("INBOX", d.Add(time.Hour), pass("friend.org"), bob, jane, fmt.Sprintf("Re: Week %d", i), "re-"+id, id, d.Add(time.Hour))
	}
	add("INBOX", ago(3), forged("friend.org"), bob, jane, "Quick question, can you call me?", "forged-bob@friend.org", "", ago(3))
	for i := range 5 {
		d := ago(float64(100 - 14*i))
		id := fmt.Sprintf("forged-%d@example.com", i)
		add("INBOX", ago(5), forged("example.com"), jane, mallory, fmt.Sprintf("Our project, part %d", i), id, "", d)
		add("INBOX", ago(5), pass("stranger.net"), mallory, jane, fmt.Sprintf("Re: Our project, part %d", i), "re-"+id, id, d.Add(3*time.Hour))
	}
	for i := range 6 {
		d := ago(float64(30 + 10*(5-i)))
		id := fmt.Sprintf("apollo-%d@example.com", i)
		if i%2 == 0 {
			add("Projects/Apollo", d, "", jane, carol, fmt.Sprintf("Apollo %d", i), id, "", d)
		} else {
			add("INBOX", d.Add(time.Minute), pass("example.com"), jane, carol, fmt.Sprintf("Apollo %d", i), id, "", d)
		}
		add("INBOX", d.Add(2*time.Hour), pass("client.com"), carol, jane, fmt.Sprintf("Re: Apollo %d", i), "re-"+id, id, d.Add(2*time.Hour))
	}
	for i := range 4 {
		d := ago(float64(60 + 20*(3-i)))
		id := fmt.Sprintf("dave-%d@example.com", i)
		add("Sent", d, "", jane, dave, fmt.Sprintf("Climbing %d", i), id, "", d)
		add("INBOX", d.Add(time.Hour), pass("dave.org"), dave, jane, fmt.Sprintf("Re: Climbing %d", i), "re-"+id, id, d.Add(time.Hour))
	}
	add("INBOX", ago(2), pass("dave.org"), dave, jane, "Back from the mountains", "dave-future@dave.org", "", time.Date(2031, 1, 1, 9, 0, 0, 0, time.UTC))

	srv := dovecot.Start(t, dovecot.Options{})
	if err := srv.LoadMaildir("", mails); err != nil {
		t.Fatal(err)
	}
	bin, dir := buildRekindle(t), t.TempDir()
	cfg := writeConfig(t, dir, srv)
	rk := func(args ...string) []byte {
		t.Helper()
		var stdout, stderr bytes.Buffer
		cmd := exec.Command(bin, append([]string{"--config", cfg}, args...)...)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("rekindle %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
		}
		return stdout.Bytes()
	}
	out := rk("sync")
	if !bytes.Contains(out, []byte("Projects/Apollo")) {
		t.Errorf("sync did not read Projects/Apollo:\n%s", out)
	}
	at := now.Format(time.RFC3339)

	var cs []struct {
		Email        string `json:"email"`
		Sent         int    `json:"sent"`
		Received     int    `json:"received"`
		LastContact  string `json:"last_contact"`
		Status       string `json:"status"`
		TwoWay       bool   `json:"two_way"`
		ExchangeDays int    `json:"exchange_days"`
	}
	if err := json.Unmarshal(rk("contacts", "--all", "--json", "--as-of", at), &cs); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for i, c := range cs {
		got[c.Email] = i
	}
	contact := func(email string) string {
		i, ok := got[email]
		if !ok {
			return email + ": not listed"
		}
		c := cs[i]
		return fmt.Sprintf("%s: sent %d, received %d, last %s, %s", email, c.Sent, c.Received, c.LastContact, c.Status)
	}
	if i, ok := got["mallory@stranger.net"]; ok && (cs[i].Sent > 0 || cs[i].TwoWay) {
		t.Errorf("the stranger counts mail from the user: %s", contact("mallory@stranger.net"))
	}
	if i, ok := got["bob@friend.org"]; !ok || cs[i].LastContact != ago(60).Add(time.Hour).Format(time.RFC3339) || cs[i].Received != 20 {
		t.Errorf("%s; want 20 received, the last 60 days ago", contact("bob@friend.org"))
	}
	if i, ok := got["carol@client.com"]; !ok || cs[i].Sent != 6 || cs[i].Received != 6 {
		t.Errorf("%s; want 6 sent (3 filed in Projects/Apollo, 3 as a Bcc to herself) and 6 received", contact("carol@client.com"))
	}
	if i, ok := got["dave@dave.org"]; !ok || cs[i].LastContact != ago(2).Format(time.RFC3339) || cs[i].Received != 5 {
		t.Errorf("%s; want 5 received, the last at its arrival two days ago", contact("dave@dave.org"))
	}

	var d struct {
		People []struct {
			Email string `json:"email"`
		} `json:"people"`
	}
	if err := json.Unmarshal(rk("digest", "--json", "--as-of", at), &d); err != nil {
		t.Fatal(err)
	}
	var people []string
	for _, p := range d.People {
		people = append(people, p.Email)
	}
	if s := strings.Join(people, " "); !strings.Contains(s, "bob@friend.org") || strings.Contains(s, "mallory") {
		t.Errorf("the digest suggests %v: want Bob, never the stranger", people)
	}
}
