package e2e

// The digest actions end to end: a real Dovecot holds the mailbox, the
// real mailer sends the digest over SMTP, the action links are read from
// the digest's HTML part as it arrived, and the messages they describe
// are delivered to the user's INBOX over IMAP as a mail client would.
// Helpers are prefixed "ac".

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"mime"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/rekindle/rekindle/actions"
	"github.com/rekindle/rekindle/app"
	"github.com/rekindle/rekindle/config"
	"github.com/rekindle/rekindle/internal/dovecot"
	"github.com/rekindle/rekindle/internal/memsmtp"
	"github.com/rekindle/rekindle/synth"
)

// acHTML is the text/html part of a message as delivered.
func acHTML(t *testing.T, raw []byte) string {
	t.Helper()
	r, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	for {
		p, err := r.NextPart()
		if err != nil {
			t.Fatalf("no text/html part: %v", err)
		}
		if h, ok := p.Header.(*mail.InlineHeader); ok {
			if ct, _, _ := h.ContentType(); ct == "text/html" {
				b, err := io.ReadAll(p.Body)
				if err != nil {
					t.Fatal(err)
				}
				return string(b)
			}
		}
	}
}

var acHref = regexp.MustCompile(`href="(mailto:[^"]*)"`)

// acLinks are the action links of an HTML digest: their mailto: URLs'
// address and Subject, grouped by kind, in the order they appear.
func acLinks(t *testing.T, page string) map[actions.Kind][][2]string {
	t.Helper()
	out := map[actions.Kind][][2]string{}
	for _, m := range acHref.FindAllStringSubmatch(page, -1) {
		u, err := url.Parse(html.UnescapeString(m[1]))
		if err != nil {
			t.Fatalf("a link that does not parse: %q: %v", m[1], err)
		}
		subject := u.Query().Get("subject")
		r, err := actions.Parse(subject)
		if err != nil {
			continue // a draft's link
		}
		out[r.Kind] = append(out[r.Kind], [2]string{u.Opaque, subject})
	}
	return out
}

func TestActionsEndToEnd(t *testing.T) {
	ctx := context.Background()
	srv := dovecot.Start(t, dovecot.Options{})
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("dovecot log, last lines:\n%s", srv.LogTail(40))
		}
	})
	now := time.Now()
	mb := synth.Generate(synth.Options{Seed: 3, Now: now, Messages: 1500})
	byFolder := map[string][]synth.Mail{}
	for _, m := range mb.Mails {
		byFolder[m.Folder] = append(byFolder[m.Folder], m)
	}
	for folder, mails := range byFolder {
		if err := srv.LoadMaildir(folder, mails); err != nil {
			t.Fatal(err)
		}
	}
	ms, err := memsmtp.Start(memsmtp.Options{User: "jane", Password: "smtp-pw"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ms.Close() })
	host, port, _ := strings.Cut(srv.Addr, ":")
	shost, sport, _ := strings.Cut(ms.Addr, ":")
	cfg, err := config.Parse([]byte(fmt.Sprintf(`me: {name: %q, addresses: [%s]}
accounts:
  - name: home
    imap: {host: %s, port: %s, security: tls, ca_file: %s, username: %s, password: %q}
store: {path: %s}
smtp: {host: %s, port: %s, security: none, username: jane, password: smtp-pw}
`, mb.Me.Name, strings.Join(mb.Addresses, ", "), host, port, srv.CAFile, srv.User, srv.Password,
		filepath.Join(t.TempDir(), "rekindle.db"), shost, sport)))
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.Open(ctx, cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := a.Sync(ctx, app.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	before, err := a.Model(ctx, now, false)
	if err != nil {
		t.Fatal(err)
	}
	sent, err := a.SendDigest(ctx, now, app.SendOptions{})
	if err != nil || !sent.Sent {
		t.Fatalf("the first digest: %+v, %v", sent, err)
	}
	links := acLinks(t, acHTML(t, ms.Messages()[0].Data))
	me := mb.Addresses[0]
	for _, k := range []actions.Kind{actions.Snooze30, actions.Ignore, actions.LessOften, actions.NoReplyNeeded, actions.Pause} {
		if len(links[k]) == 0 {
			t.Fatalf("the HTML digest offers no %q link; links: %v", k, links)
		}
		if to := links[k][0][0]; to != me {
			t.Errorf("the %q link mails %s, not the user's %s", k, to, me)
		}
	}
	// One of each, each about someone else where it is about someone:
	// the first person snoozed, the second ignored, the third less often.
	tap := [][2]string{links[actions.Snooze30][0], links[actions.Ignore][1], links[actions.LessOften][2],
		links[actions.NoReplyNeeded][0], links[actions.Pause][0]}
	var mails []synth.Mail
	for i, l := range tap {
		raw := fmt.Sprintf("From: %s <%s>\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <tap-%d@client.example>\r\nDate: %s\r\n"+
			"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSent from my phone\r\n",
			mb.Me.Name, me, l[0], mime.BEncoding.Encode("UTF-8", l[1]), i, now.Add(time.Minute).Format(time.RFC1123Z))
		mails = append(mails, synth.Mail{Folder: "INBOX", InternalDate: now.Add(time.Minute).Truncate(time.Second), Raw: []byte(raw)})
	}
	start := time.Now()
	if err := srv.Append("INBOX", mails...); err != nil {
		t.Fatal(err)
	}
	r, err := a.Sync(ctx, app.SyncOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("delivered by APPEND and applied by the next sync in %s", time.Since(start).Round(time.Millisecond))
	applied := 0
	for _, rec := range r.Actions {
		if !rec.Applied {
			t.Errorf("ignored: %+v", rec)
		}
		applied++
	}
	if applied != len(tap) {
		t.Errorf("%d actions applied, want %d", applied, len(tap))
	}

	// The store changed as each action says.
	target := func(l [2]string) string { r, _ := actions.Parse(l[1]); return r.Target }
	if c, err := a.Find(ctx, target(tap[0])); err != nil || !c.Snoozed {
		t.Errorf("snoozed: %+v, %v", c, err)
	}
	after, err := a.Model(ctx, time.Now(), false)
	if err != nil {
		t.Fatal(err)
	}
	cadence := func(m *app.Model, key string) (float64, bool) {
		for _, c := range m.Contacts {
			if c.Key == key {
				return c.CadenceDays, true
			}
		}
		return 0, false
	}
	if _, ok := cadence(after, target(tap[1])); ok {
		t.Errorf("%s is still a contact after \"not someone to suggest\"", target(tap[1]))
	}
	was, _ := cadence(before, target(tap[2]))
	if got, ok := cadence(after, target(tap[2])); !ok || got < 1.9*was {
		t.Errorf("less often: %s's cadence %.1f days, was %.1f", target(tap[2]), got, was)
	}
	f := a.Followups(after)
	for _, x := range append(f.AwaitingReply, f.OwesReply...) {
		if x.MessageID == target(tap[3]) {
			t.Errorf("the dismissed follow-up still waits: %+v", x)
		}
	}

	// The second digest opens with what the taps did.
	next, err := a.Compose(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(next.Digest.Applied, "\n")
	for _, want := range []string{"snoozed until", "will not be suggested again", "every", "1 follow-up dismissed", "digests paused until"} {
		if !strings.Contains(got, want) {
			t.Errorf("the second digest's lines lack %q:\n%s", want, got)
		}
	}
	if !strings.Contains(next.Rendered.Text, next.Digest.Applied[0]) {
		t.Errorf("the second digest's text does not say %q", next.Digest.Applied[0])
	}
}
