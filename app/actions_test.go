package app

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rekindle/rekindle/actions"
	"github.com/rekindle/rekindle/digest"
	"github.com/rekindle/rekindle/store"
)

// mailtoOf reads an action link: the address and the Subject it asks the
// mail client to send.
func mailtoOf(t *testing.T, link string) (to, subject string) {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || u.Scheme != "mailto" {
		t.Fatalf("not a mailto: link: %q (%v)", link, err)
	}
	return u.Opaque, u.Query().Get("subject")
}

// actionOf finds the action of kind offered to p.
func actionOf(t *testing.T, p *digest.Person, kind actions.Kind) digest.Action {
	t.Helper()
	for _, a := range p.Actions {
		if a.Kind == string(kind) {
			return a
		}
	}
	t.Fatalf("%s is offered no %q action: %+v", p.Email, kind, p.Actions)
	return digest.Action{}
}

// deliver puts a message from from to to with subject into folder, as a
// mail client sending the action message would; date is its Date.
func (e *testEnv) deliver(t *testing.T, folder, from, to, subject, id string, date time.Time, extra string) {
	t.Helper()
	raw := fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s>\r\nDate: %s\r\n%s\r\nbody\r\n",
		from, to, subject, id, date.Format(time.RFC1123Z), extra)
	if _, err := e.imap.Append(folder, []byte(raw), nil, date); err != nil {
		t.Fatal(err)
	}
}

// TestActions: a digest's actions, sent back as the user's mail client
// would send them, change the store as they say at the next sync, once,
// and the next digest says so; everything not genuine changes nothing
// and does not stop the sync.
func TestActions(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, "digest: {to: jane@example.com}\n")
	now := time.Now()
	a := e.synced(t, Options{})
	me := e.mb.Addresses[0]

	c, err := a.Compose(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Digest.People) < 2 || c.Digest.Pause == nil {
		t.Fatalf("a digest of %d people, pause %v: too little to act on", len(c.Digest.People), c.Digest.Pause)
	}
	first, second := &c.Digest.People[0], &c.Digest.People[1]
	snooze := actionOf(t, first, actions.Snooze30)
	to, subject := mailtoOf(t, snooze.URL)
	if to != me || !strings.HasPrefix(subject, "[rekindle] snooze 30 days: ") {
		t.Fatalf("the snooze link mails %q with %q", to, subject)
	}
	_, ignoreSubject := mailtoOf(t, actionOf(t, second, actions.Ignore).URL)
	_, pauseSubject := mailtoOf(t, c.Digest.Pause.URL)

	// The genuine ones, and the same snooze sent twice, and a copy of it
	// in Sent (one message in two folders).
	sent := now
	e.deliver(t, "INBOX", me, me, subject, "snooze-1@test", sent, "")
	e.deliver(t, "Sent", me, me, subject, "snooze-1@test", sent, "")
	e.deliver(t, "INBOX", me, me, subject, "snooze-2@test", sent.Add(time.Minute), "")
	e.deliver(t, "INBOX", me, me, ignoreSubject, "ignore@test", sent, "")
	// The ones that must change nothing.
	forged := subject[:len(subject)-5] + "AAAA)"
	e.deliver(t, "INBOX", me, me, forged, "forged-token@test", sent, "")
	otherTarget := strings.Replace(subject, first.Key, second.Key, 1)
	e.deliver(t, "INBOX", me, me, otherTarget, "other-target@test", sent, "")
	old := actions.Subject([]byte("not this store's"), actions.Command{Kind: actions.Snooze90, Target: second.Key, Day: "2020-01-01"}, "x")
	e.deliver(t, "INBOX", me, me, old, "old@test", sent, "")
	e.deliver(t, "INBOX", "Mallory <mallory@evil.example>", me, pauseSubject, "stranger@test", sent, "")
	e.deliver(t, "INBOX", me, me, pauseSubject, "forged-from@test", sent,
		"Authentication-Results: mx.example.com; dmarc=fail header.from="+me[strings.Index(me, "@")+1:]+"\r\n")

	r, err := a.Sync(ctx, SyncOptions{})
	if err != nil {
		t.Fatalf("the sync stopped: %v", err)
	}
	applied := map[string]store.ActionRecord{}
	ignored := map[string]store.ActionRecord{}
	for _, rec := range r.Actions {
		if rec.Applied {
			applied[rec.MessageID] = rec
		} else {
			ignored[rec.MessageID] = rec
		}
	}
	if len(applied) != 2 || applied["snooze-1@test"].Kind == "" || applied["ignore@test"].Kind == "" {
		t.Errorf("applied %+v, want the first snooze and the ignore", applied)
	}
	for id, why := range map[string]string{
		"snooze-2@test": "applied already", "forged-token@test": "token does not match", "other-target@test": "token does not match",
		"old@test": "token", "stranger@test": "not from one of your addresses", "forged-from@test": "forged",
	} {
		if rec, ok := ignored[id]; !ok || !strings.Contains(rec.Note, why) {
			t.Errorf("%s: %+v, want ignored for %q", id, rec, why)
		}
	}
	if !strings.Contains(r.Summary(), "2 actions applied") {
		t.Errorf("summary: %s", r.Summary())
	}

	// The store changed as the actions say, and nothing more.
	if c, err := a.Find(ctx, first.Key); err != nil || !c.Snoozed || c.SnoozeUntil.Before(sent.AddDate(0, 0, 29)) {
		t.Errorf("after the snooze: %+v, %v", c, err)
	}
	m, err := a.Model(ctx, time.Now(), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range m.Contacts {
		if c.Key == second.Key {
			t.Errorf("%s is still a contact after \"not someone to suggest\"", c.Key)
		}
	}
	if paused, err := a.db.DigestsPausedUntil(ctx); err != nil || !paused.IsZero() {
		t.Errorf("a forged pause paused the digests until %v (%v)", paused, err)
	}
	// Action messages are no conversation: nobody gained an exchange, and
	// no follow-up waits on them.
	for _, f := range append(a.Followups(m).AwaitingReply, a.Followups(m).OwesReply...) {
		if strings.HasPrefix(f.Subject, "[rekindle]") {
			t.Errorf("an action message is a follow-up: %+v", f)
		}
	}

	// A second sync applies nothing again.
	r, err = a.Sync(ctx, SyncOptions{})
	if err != nil || len(r.Actions) != 0 {
		t.Errorf("the second sync looked at %d actions again (%v)", len(r.Actions), err)
	}

	// The next digest says what happened, in the words of the records.
	next, err := a.Compose(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(next.Digest.Applied, "; "); !strings.Contains(got, applied["snooze-1@test"].Note) ||
		!strings.Contains(got, applied["ignore@test"].Note) || !strings.Contains(applied["snooze-1@test"].Note, "snoozed until") {
		t.Errorf("the next digest's applied lines: %q", got)
	}
}

// TestPreviewOffersActions: after the first sync, a preview over the
// store opened read-only offers the actions too.
func TestPreviewOffersActions(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, "")
	e.synced(t, Options{}).Close()
	ro, err := OpenReadOnly(ctx, e.config(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	c, err := ro.Compose(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if c.Digest.Pause == nil || len(c.Digest.People) == 0 || len(c.Digest.People[0].Actions) == 0 {
		t.Errorf("a read-only preview offers no actions: pause %v, %d people", c.Digest.Pause, len(c.Digest.People))
	}
}

// TestPauseAndDismiss: "pause digests for a week" keeps the digests quiet
// for a week; "no reply needed" takes the follow-up away.
func TestPauseAndDismiss(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, "digest: {to: jane@example.com}\n")
	a := e.synced(t, Options{})
	me := e.mb.Addresses[0]
	now := time.Now()
	c, err := a.Compose(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	var followup *digest.Person
	for _, list := range [][]digest.Person{c.Digest.OwesReply, c.Digest.AwaitingReply} {
		if len(list) > 0 {
			followup = &list[0]
			break
		}
	}
	if followup == nil {
		t.Fatal("the generated mailbox leaves no follow-up to dismiss")
	}
	_, dismiss := mailtoOf(t, actionOf(t, followup, actions.NoReplyNeeded).URL)
	_, pause := mailtoOf(t, c.Digest.Pause.URL)
	e.deliver(t, "INBOX", me, me, dismiss, "dismiss@test", now, "")
	e.deliver(t, "Sent", me, me, pause, "pause@test", now, "")
	r, err := a.Sync(ctx, SyncOptions{})
	if err != nil || !strings.Contains(r.Summary(), "2 actions applied") {
		t.Fatalf("sync: %s, %v", r.Summary(), err)
	}
	m, err := a.Model(ctx, time.Now(), false)
	if err != nil {
		t.Fatal(err)
	}
	f := a.Followups(m)
	for _, x := range append(f.AwaitingReply, f.OwesReply...) {
		if x.MessageID == followup.Draft.InReplyTo {
			t.Errorf("the dismissed follow-up still waits: %+v", x)
		}
	}
	res, err := a.SendDigest(ctx, now, SendOptions{})
	if err != nil || res.Sent || !strings.Contains(res.NotSent, "paused until") {
		t.Errorf("a digest while paused: %+v, %v", res, err)
	}
	if n := len(e.smtp.Messages()); n != 0 {
		t.Errorf("%d digests sent while paused", n)
	}
	// A week on, the digests go out again.
	res, err = a.SendDigest(ctx, now.AddDate(0, 0, 8), SendOptions{})
	if err != nil || !res.Sent {
		t.Errorf("a digest after the pause: %+v, %v", res, err)
	}
}
