package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rekindle/rekindle/config"
	"github.com/rekindle/rekindle/daemon"
	"github.com/rekindle/rekindle/imapsync"
	"github.com/rekindle/rekindle/internal/memimap"
	"github.com/rekindle/rekindle/internal/memsmtp"
	"github.com/rekindle/rekindle/internal/synthimap"
	"github.com/rekindle/rekindle/mailer"
	"github.com/rekindle/rekindle/relationship"
	"github.com/rekindle/rekindle/synth"
)

// testEnv is a generated mailbox in an in-process IMAP server, an
// in-process SMTP server, and the application over a configuration
// pointing at both, with its store in a temporary directory.
type testEnv struct {
	imap *memimap.Server
	smtp *memsmtp.Server
	mb   *synth.Mailbox
	dir  string
	// yaml is the configuration as written, for tests that change it.
	yaml string
}

// newTestEnv starts the servers, loads a mailbox of 1,500 generated
// messages ending now, and writes the configuration; extra YAML is
// appended to it (a later key wins over nothing: write only keys the base
// does not have).
func newTestEnv(t *testing.T, extra string) *testEnv {
	t.Helper()
	srv, err := memimap.Start(memimap.Options{User: "jane", Password: "imap-pw"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	mb := synth.Generate(synth.Options{Seed: 1, Now: time.Now(), Messages: 1500})
	if err := synthimap.Load(srv, mb); err != nil {
		t.Fatal(err)
	}
	ms, err := memsmtp.Start(memsmtp.Options{User: "jane", Password: "smtp-pw"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ms.Close() })
	dir := t.TempDir()
	ihost, iport, _ := strings.Cut(srv.Addr, ":")
	shost, sport, _ := strings.Cut(ms.Addr, ":")
	yaml := fmt.Sprintf(`me: {name: Jane Doe, addresses: [%s]}
accounts:
  - name: home
    imap: {host: %s, port: %s, security: none, username: jane, password: imap-pw}
    drafts: true
store: {path: %s}
smtp: {host: %s, port: %s, security: none, username: jane, password: smtp-pw}
`, strings.Join(mb.Addresses, ", "), ihost, iport, filepath.Join(dir, "r.db"), shost, sport) + extra
	return &testEnv{imap: srv, smtp: ms, mb: mb, dir: dir, yaml: yaml}
}

// config parses the environment's configuration.
func (e *testEnv) config(t *testing.T) *config.Config {
	t.Helper()
	cfg, err := config.Parse([]byte(e.yaml))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// open opens the application over the environment's configuration; the
// test closes it at its end.
func (e *testEnv) open(t *testing.T, o Options) *App {
	t.Helper()
	a, err := Open(context.Background(), e.config(t), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// synced opens the application and syncs it once.
func (e *testEnv) synced(t *testing.T, o Options) *App {
	t.Helper()
	a := e.open(t, o)
	if _, err := a.Sync(context.Background(), SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	return a
}

// TestApplication drives the whole application without the command line:
// sync from IMAP, the model, a preview, the send over SMTP with the drafts
// appended over IMAP, the once-a-day rule, an override, a replay, and the
// daemon's jobs, on one store in a temporary directory.
func TestApplication(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, "")
	now := time.Now()
	a := e.open(t, Options{Now: func() time.Time { return now }})

	// Sync: every folder of the generated mailbox, and a second sync
	// finds nothing new.
	var done []string
	r, err := a.Sync(ctx, SyncOptions{AccountDone: func(res *imapsync.Result, err error) { done = append(done, res.Account) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(done) != 1 || done[0] != "home" || len(r.Accounts) != 1 {
		t.Fatalf("sync reported accounts %v, %d results", done, len(r.Accounts))
	}
	stored := 0
	for _, f := range r.Accounts[0].Folders {
		stored += f.Messages
	}
	if s := r.Summary(); stored < 1000 || !strings.Contains(s, fmt.Sprintf("+%d -0 messages", stored)) {
		t.Errorf("first sync: %s; the folders hold %d messages", s, stored)
	}
	if st, err := Status(ctx, a.Config()); err != nil || !st.Created || st.Messages == 0 || st.Messages > stored {
		t.Errorf("status after the sync: %+v, %v", st, err)
	}
	r, err = a.Sync(ctx, SyncOptions{})
	if err != nil || !strings.HasPrefix(r.Summary(), "0 folders changed, +0 -0") {
		t.Errorf("second sync: %s, %v", r.Summary(), err)
	}
	if _, err := a.Sync(ctx, SyncOptions{Account: "work"}); !errors.Is(err, ErrNoAccount) {
		t.Errorf("sync of an unknown account: %v", err)
	}

	// The model: the generated mailbox's two-way correspondents.
	m, err := a.Model(ctx, now, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Contacts) < 10 {
		t.Fatalf("%d contacts from %d messages", len(m.Contacts), len(e.mb.Mails))
	}
	picks := a.Suggestions(m)
	if len(picks) == 0 {
		t.Fatal("nobody to suggest")
	}

	// A preview changes nothing; the send sends it, once a day.
	c, err := a.Compose(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Digest.People) == 0 || c.Message.To.Email != "jane@example.com" || c.Day != now.Format("2006-01-02") {
		t.Errorf("composed: %d people to %s for %s", len(c.Digest.People), c.Message.To.Email, c.Day)
	}
	if n := len(e.smtp.Messages()); n != 0 {
		t.Fatalf("%d messages sent by a preview", n)
	}
	var seen *Composed
	sent, err := a.SendDigest(ctx, now, SendOptions{Composed: func(c *Composed) error { seen = c; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if !sent.Sent || sent.People != len(c.Digest.People) || seen == nil || !strings.Contains(sent.Note, "drafts saved to home/Drafts") {
		t.Errorf("sent: %+v", sent)
	}
	if n := len(e.smtp.Messages()); n != 1 {
		t.Errorf("%d messages delivered, want 1", n)
	}
	if _, err := a.SendDigest(ctx, now, SendOptions{}); !errors.Is(err, ErrDigestSent) {
		t.Errorf("a second send the same day: %v", err)
	}

	// The picks are recorded: the cool-down keeps them out of the next
	// morning's digest.
	tomorrow := now.Add(24 * time.Hour)
	m2, err := a.Model(ctx, tomorrow, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range a.Suggestions(m2) {
		for _, q := range c.Digest.People {
			if p.Key == q.Key && !p.Pinned {
				t.Errorf("%s suggested again the next morning, within the cool-down", p.Key)
			}
		}
	}

	// An override by name: snoozed, the contact says so.
	who := picks[0].Email
	got, err := a.Snooze(ctx, who, now.AddDate(0, 1, 0))
	if err != nil {
		t.Fatal(err)
	}
	if got.Key != picks[0].Key {
		t.Errorf("snoozed %s, want %s", got.Key, picks[0].Key)
	}
	if c, err := a.Find(ctx, who); err != nil || !c.Snoozed {
		t.Errorf("after the snooze: %+v, %v", c, err)
	}

	// A replay of the past week: one morning a day, nothing recorded.
	from := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, a.Zone()).AddDate(0, 0, -7)
	mornings := a.Mornings(from, from.AddDate(0, 0, 7))
	if len(mornings) != 7 {
		t.Fatalf("%d mornings in a week of 07:00 digests", len(mornings))
	}
	days, err := a.Replay(ctx, mornings)
	if err != nil || len(days) != 7 {
		t.Fatalf("replay: %d days, %v", len(days), err)
	}

	// The daemon's jobs go through the same use cases: today's digest is
	// sent already.
	j := a.Jobs()
	if ok, err := j.DigestSent(ctx, c.Day); err != nil || !ok {
		t.Errorf("DigestSent(%s) = %v, %v", c.Day, ok, err)
	}
	if err := j.Healthy(ctx); err != nil {
		t.Error(err)
	}
}

func TestSendDigestRetries(t *testing.T) {
	e := newTestEnv(t, "digest: {to: jane@example.com}\n")
	ctx := context.Background()
	a := e.synced(t, Options{})
	fast := mailer.Retry{Attempts: 3, Backoff: time.Millisecond}

	// A temporary refusal is retried.
	e.smtp.Refuse(451)
	if _, err := a.SendDigest(ctx, time.Now(), SendOptions{Retry: fast}); err != nil {
		t.Fatalf("send after one 451: %v", err)
	}
	if a, n := e.smtp.Attempts(), len(e.smtp.Messages()); a != 2 || n != 1 {
		t.Errorf("after a 451: %d attempts, %d delivered; want 2, 1", a, n)
	}

	// A permanent one is not, and the day stays open for a later try.
	tomorrow := time.Now().Add(24 * time.Hour)
	e.smtp.Refuse(550)
	_, err := a.SendDigest(ctx, tomorrow, SendOptions{Retry: fast})
	if err == nil || !strings.Contains(err.Error(), "550") {
		t.Fatalf("send with a 550: %v", err)
	}
	if a := e.smtp.Attempts(); a != 3 {
		t.Errorf("a 550 was retried: %d attempts in all, want 3", a)
	}
	if _, err := a.SendDigest(ctx, tomorrow, SendOptions{Retry: fast}); err != nil {
		t.Errorf("the day after a failed send is not open again: %v", err)
	}
}

// TestJobsDigestResult: what the daemon's digest job reports, which
// it logs. A morning with nobody due sends nothing and says so; a
// morning with people due says where the digest went and with whom.
func TestJobsDigestResult(t *testing.T) {
	de := newTestEnv(t, "digest: {to: jane@example.com}\n")
	ctx := context.Background()
	j := de.synced(t, Options{}).Jobs()

	// Ten years ago the mailbox was empty: nobody was due.
	then := time.Now().AddDate(-10, 0, 0)
	res, err := j.Digest(ctx, daemon.DigestRequest{Day: then.Format("2006-01-02"), Now: then, SyncFor: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent || !strings.Contains(res.NotSent, "nobody is due") || !strings.Contains(res.NotSent, "send_when_empty") {
		t.Errorf("a morning with nobody due: %+v", res)
	}
	if n := len(de.smtp.Messages()); n != 0 {
		t.Errorf("%d messages sent on a morning with nobody due", n)
	}

	res, err = j.Digest(ctx, daemon.DigestRequest{Day: time.Now().Format("2006-01-02"), Now: time.Now(), SyncFor: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Sent || res.To != "jane@example.com" || res.People == 0 || res.NotSent != "" || !strings.Contains(res.Note, "drafts saved") {
		t.Errorf("a morning with people due: %+v", res)
	}
	if n := len(de.smtp.Messages()); n != 1 {
		t.Errorf("%d messages sent, want 1", n)
	}
}

// The digest job's own sync, against a server that stopped answering,
// gives up after SyncFor: the digest goes out from the store as it is,
// and says so.
func TestJobsDigestOwnSyncStalled(t *testing.T) {
	de := newTestEnv(t, "digest: {to: jane@example.com}\n")
	de.yaml = strings.Replace(de.yaml, "drafts: true", "drafts: false", 1)
	j := de.synced(t, Options{}).Jobs()
	de.imap.StallAfterLogin(true)
	ctx := context.Background()
	start := time.Now()
	res, err := j.Digest(ctx, daemon.DigestRequest{Day: time.Now().Format("2006-01-02"), Now: time.Now(), SyncFor: time.Second})
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Sent || !strings.Contains(res.Stale, "did not finish within 1s") {
		t.Errorf("digest after a stalled sync: %+v", res)
	}
	if n := len(de.smtp.Messages()); n != 1 {
		t.Errorf("%d digests sent, want 1", n)
	}
	if took > 30*time.Second {
		t.Errorf("the digest took %v with a 1s sync bound", took)
	}
	t.Logf("digest sent %v after it began, its sync hanging (bound 1s)", took.Round(time.Millisecond))
}

func TestFindContact(t *testing.T) {
	cs := []relationship.Contact{
		{Key: "bob@x.org", Email: "bob@y.org", Addresses: []string{"bob@x.org", "bob@y.org"}, Name: "Bob Stone"},
		{Key: "bobby@x.org", Email: "bobby@x.org", Addresses: []string{"bobby@x.org"}, Name: "Bobby Tables"},
		{Key: "al@x.org", Email: "al@x.org", Addresses: []string{"al@x.org"}, Name: "Al"},
	}
	tests := []struct{ who, want, err string }{
		{"BOB@X.ORG", "bob@x.org", ""},
		{"bob@y.org", "bob@x.org", ""},
		{"bob stone", "bob@x.org", ""},
		{"tables", "bobby@x.org", ""},
		{"al", "al@x.org", ""}, // an exact name wins over substrings
		{"bob", "", "matches 2 contacts"},
		{"carol", "", "no contact is named"},
		{"carol@x.org", "", "no contact has the address"},
	}
	for _, tt := range tests {
		c, err := FindContact(cs, tt.who)
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("FindContact(%q): err = %v, want %q", tt.who, err, tt.err)
		case tt.err == "" && (err != nil || c.Key != tt.want):
			t.Errorf("FindContact(%q) = %v, %v; want %s", tt.who, c, err, tt.want)
		}
	}
}

func TestIsPattern(t *testing.T) {
	for in, want := range map[string]bool{"*@linkedin.com": true, "example.net": true, "bob@x.org": false, "Bob Stone": false, "J. Smith": false, "b?b@x.org": true} {
		if got := IsPattern(in); got != want {
			t.Errorf("IsPattern(%q) = %v, want %v", in, got, want)
		}
	}
}

// TestDaemonConfig: the daemon's part of the configuration, its schedule
// read in the digest's time zone whatever the zone of the time given.
func TestDaemonConfig(t *testing.T) {
	c := config.Default()
	c.Digest.Timezone = "Europe/Paris"
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	c.Digest.Zone = paris
	c.SMTP = &config.SMTP{Host: "localhost", Port: 25, Security: config.SecurityNone, Auth: config.AuthNone}
	a, err := New(c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := a.DaemonConfig()
	if got.SyncInterval != 15*time.Minute || got.Grace != 6*time.Hour || got.Location.String() != "Europe/Paris" {
		t.Errorf("DaemonConfig(Default) = %+v", got)
	}
	at := func(hour, min int) time.Time { return time.Date(2026, 11, 23, hour, min, 0, 0, paris) }
	// The daemon gives the schedule times in Location: a time from
	// another zone is read in Paris.
	if next := got.Schedule.Next(at(6, 0).UTC().In(got.Location)); !next.Equal(at(7, 0)) {
		t.Errorf("next digest after 06:00 = %v, want %v", next, at(7, 0))
	}
	// Without an smtp section the daemon only syncs.
	c.SMTP = nil
	if a, _ := New(c, Options{}); a.DaemonConfig().Schedule != nil {
		t.Error("a schedule without an smtp section")
	}
}
