package imapsync_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/rekindle/rekindle"
	"github.com/rekindle/rekindle/imapsync"
	"github.com/rekindle/rekindle/internal/memimap"
	"github.com/rekindle/rekindle/store"
)

// env is an in-process IMAP server with the usual folders, a store, and an
// account pointing at the server.
type env struct {
	srv  *memimap.Server
	db   *store.DB
	acct *imapsync.Account
	// debug records the IMAP conversation, to count commands.
	debug *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func newEnv(t *testing.T, opts memimap.Options) *env {
	t.Helper()
	srv, err := memimap.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	for name, attr := range map[string]imap.MailboxAttr{
		"Sent": imap.MailboxAttrSent, "Junk": imap.MailboxAttrJunk, "Trash": imap.MailboxAttrTrash,
		"Drafts": imap.MailboxAttrDrafts, "Archive": "", "Lists/go-nuts": "",
	} {
		var err error
		if attr == "" {
			err = srv.Create(name)
		} else {
			err = srv.Create(name, attr)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	sec := imapsync.None
	if opts.TLS {
		sec = imapsync.TLS
	}
	return &env{
		srv: srv, db: db, debug: &syncBuffer{},
		acct: &imapsync.Account{
			Name: "work", Addr: srv.Addr, Security: sec, Username: "jane",
			Secret: func(context.Context) (string, error) { return "secret", nil },
		},
	}
}

func (e *env) sync(t *testing.T, opts imapsync.Options) *imapsync.Result {
	t.Helper()
	opts.Client = &imapclient.Options{DebugWriter: e.debug}
	res, err := imapsync.Sync(context.Background(), e.acct, e.db, opts)
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	if err := res.Err(); err != nil {
		t.Fatalf("sync folders: %v", err)
	}
	return res
}

// fetches counts the UID FETCH commands the server received since the last
// call.
func (e *env) fetches() int { return e.srv.Commands()["UID FETCH"] }

func (e *env) add(t *testing.T, folder string, raw string) imap.UID {
	t.Helper()
	uid, err := e.srv.Append(folder, []byte(strings.ReplaceAll(raw, "\n", "\r\n")), nil, time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return uid
}

// fill adds n messages from Bob to folder, with Message-IDs made of the
// folder's name and their number.
func (e *env) fill(t *testing.T, folder string, n int) {
	t.Helper()
	for i := range n {
		id := fmt.Sprintf("%s-%d@x", strings.ReplaceAll(folder, "/", "-"), i)
		e.add(t, folder, plain("bob@example.com", "jane@example.com", "msg "+id, id))
	}
}

func plain(from, to, subject, id string) string {
	return fmt.Sprintf("From: %s\nTo: %s\nSubject: %s\nDate: Tue, 3 Mar 2026 10:00:00 +0100\nMessage-ID: <%s>\nReceived: from mx by mx; Tue, 3 Mar 2026 10:00:01 +0100\n\nHello.\n", from, to, subject, id)
}

func folderResult(t *testing.T, res *imapsync.Result, name string) imapsync.FolderResult {
	t.Helper()
	for _, f := range res.Folders {
		if f.Folder == name {
			return f
		}
	}
	t.Fatalf("folder %s not synced; result %+v", name, res)
	return imapsync.FolderResult{}
}

func folderState(t *testing.T, db *store.DB, folder string) rekindle.FolderState {
	t.Helper()
	st, err := db.Folder(context.Background(), "work", folder)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func totals(t *testing.T, db *store.DB) store.Totals {
	t.Helper()
	tot, err := db.Totals(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return tot
}

func TestSyncIncremental(t *testing.T) {
	for _, rev1 := range []bool{false, true} {
		t.Run(fmt.Sprintf("imap4rev1only=%v", rev1), func(t *testing.T) {
			e := newEnv(t, memimap.Options{IMAP4rev1Only: rev1})
			for i := range 25 {
				e.add(t, "INBOX", plain("Bob <bob@example.com>", "jane@example.com", "hi", fmt.Sprintf("in%d@x", i)))
				e.add(t, "Sent", plain("jane@example.com", "Bob <bob@example.com>", "Re: hi", fmt.Sprintf("out%d@x", i)))
			}
			e.add(t, "Junk", plain("spam@spam.biz", "jane@example.com", "win", "spam@x"))
			e.add(t, "Drafts", plain("jane@example.com", "bob@example.com", "draft", "draft@x"))

			var progress []imapsync.Progress
			res := e.sync(t, imapsync.Options{BatchSize: 10, Progress: func(p imapsync.Progress) { progress = append(progress, p) }})
			if res.SentFolder != "Sent" {
				t.Errorf("sent folder = %q", res.SentFolder)
			}
			if f := folderResult(t, res, "INBOX"); f.Added != 25 || f.Messages != 25 {
				t.Errorf("INBOX = %+v, want 25 added", f)
			}
			skipped := map[string]string{}
			for _, f := range res.Skipped {
				skipped[f.Name] = f.Skip
			}
			for _, name := range []string{"Junk", "Trash", "Drafts"} {
				if skipped[name] == "" {
					t.Errorf("%s was not skipped (skipped: %v)", name, skipped)
				}
			}
			if tot := totals(t, e.db); tot.Messages != 50 {
				t.Errorf("stored %d messages, want 50", tot.Messages)
			}
			// 25 messages in batches of 10: progress after 10, 20, 25 for
			// INBOX and for Sent.
			if len(progress) != 6 || progress[2].Done != 25 || progress[2].Total != 25 {
				t.Errorf("progress = %+v", progress)
			}
			if n := e.fetches(); n != 2 {
				t.Errorf("first sync sent %d UID FETCH, want 2 (one per non-empty folder)", n)
			}

			// Nothing new: no FETCH at all, and the folders' last complete
			// sync is this one.
			first := folderState(t, e.db, "INBOX").LastSync
			later := first.Add(time.Hour)
			e.db.Now = func() time.Time { return later }
			res = e.sync(t, imapsync.Options{})
			for _, f := range res.Folders {
				if !f.Unchanged {
					t.Errorf("folder %s not seen as unchanged: %+v", f.Folder, f)
				}
				if got := folderState(t, e.db, f.Folder).LastSync; !got.Equal(later) {
					t.Errorf("folder %s: last sync %v after a sync that found it unchanged, want %v (the first sync's was %v)", f.Folder, got, later, first)
				}
			}
			if cmds := e.srv.Commands(); cmds["UID FETCH"]+cmds["SELECT"]+cmds["EXAMINE"] != 0 {
				t.Errorf("second sync sent %v; want no SELECT, EXAMINE or UID FETCH", cmds)
			}

			// One new message: one FETCH, one message.
			e.add(t, "INBOX", plain("Carol <carol@example.com>", "jane@example.com", "news", "new@x"))
			res = e.sync(t, imapsync.Options{})
			if f := folderResult(t, res, "INBOX"); f.Added != 1 || f.Unchanged {
				t.Errorf("INBOX after one new = %+v", f)
			}
			if f := folderResult(t, res, "Sent"); !f.Unchanged {
				t.Errorf("Sent = %+v, want unchanged", f)
			}
			if n := e.fetches(); n != 1 {
				t.Errorf("third sync sent %d UID FETCH, want 1", n)
			}
		})
	}
}

func TestSyncExpungeAndVanishedFolder(t *testing.T) {
	e := newEnv(t, memimap.Options{})
	var uids []imap.UID
	for i := range 5 {
		uids = append(uids, e.add(t, "Archive", plain("bob@example.com", "jane@example.com", "x", fmt.Sprintf("a%d@x", i))))
	}
	e.add(t, "Lists/go-nuts", plain("list@golang.org", "golang-nuts@googlegroups.com", "x", "l@x"))
	e.sync(t, imapsync.Options{})

	if err := e.srv.Expunge("Archive", uids[1], uids[3]); err != nil {
		t.Fatal(err)
	}
	res := e.sync(t, imapsync.Options{})
	if f := folderResult(t, res, "Archive"); f.Removed != 2 || f.Messages != 3 {
		t.Errorf("Archive after expunge = %+v", f)
	}
	if tot := totals(t, e.db); tot.Messages != 4 {
		t.Errorf("stored %d messages, want 4", tot.Messages)
	}

	if err := e.srv.Delete("Lists/go-nuts"); err != nil {
		t.Fatal(err)
	}
	res = e.sync(t, imapsync.Options{})
	if len(res.Dropped) != 1 || res.Dropped[0] != "Lists/go-nuts" {
		t.Errorf("dropped = %v", res.Dropped)
	}
	if tot := totals(t, e.db); tot.Messages != 3 {
		t.Errorf("stored %d messages after folder vanished, want 3", tot.Messages)
	}
}

func TestSyncUIDValidityChange(t *testing.T) {
	e := newEnv(t, memimap.Options{})
	for i := range 3 {
		e.add(t, "Archive", plain("bob@example.com", "jane@example.com", "old", fmt.Sprintf("old%d@x", i)))
	}
	e.sync(t, imapsync.Options{})
	// Recreating the folder gives it a new UIDVALIDITY; its UIDs restart.
	if err := e.srv.Delete("Archive"); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Create("Archive"); err != nil {
		t.Fatal(err)
	}
	e.add(t, "Archive", plain("bob@example.com", "jane@example.com", "new", "new0@x"))
	res := e.sync(t, imapsync.Options{})
	f := folderResult(t, res, "Archive")
	if !f.Reset || f.Added != 1 || f.Messages != 1 {
		t.Errorf("Archive after UIDVALIDITY change = %+v", f)
	}
	var subjects []string
	e.db.EachMessage(context.Background(), time.Time{}, func(s *store.Stored) error {
		subjects = append(subjects, s.Subject)
		return nil
	})
	if len(subjects) != 1 || subjects[0] != "new" {
		t.Errorf("stored subjects = %v, want [new]", subjects)
	}
}

func TestSyncSameMessageInTwoFolders(t *testing.T) {
	e := newEnv(t, memimap.Options{})
	raw := plain("bob@example.com", "jane@example.com", "both", "same@x")
	e.add(t, "INBOX", raw)
	e.add(t, "Archive", raw)
	e.sync(t, imapsync.Options{})
	if tot := totals(t, e.db); tot.Messages != 1 || tot.Locations != 2 {
		t.Errorf("totals = %+v, want 1 message in 2 locations", tot)
	}
}

// A connection cut in the middle of a FETCH loses nothing: the next sync
// resumes after the last stored batch, with no duplicate and no gap.
func TestSyncResumesAfterCutConnection(t *testing.T) {
	e := newEnv(t, memimap.Options{})
	const n = 300
	for i := range n {
		e.add(t, "Archive", plain("bob@example.com", "jane@example.com", fmt.Sprintf("msg %d", i), fmt.Sprintf("m%d@x", i)))
	}
	e.srv.CutNextAfter(40_000) // part-way through the Archive FETCH
	_, err := imapsync.Sync(context.Background(), e.acct, e.db, imapsync.Options{BatchSize: 50})
	if err == nil {
		t.Fatal("sync over a cut connection reported no error")
	}
	if !strings.Contains(err.Error(), "resumes") {
		t.Errorf("error does not say the sync resumes: %v", err)
	}
	st, _ := e.db.Folder(context.Background(), "work", "Archive")
	if st.Messages == 0 || st.Messages >= n || !st.LastSync.IsZero() {
		t.Fatalf("after the cut: %+v; want a partial, unfinished folder", st)
	}
	partial := st.Messages

	res := e.sync(t, imapsync.Options{BatchSize: 50})
	f := folderResult(t, res, "Archive")
	if f.Added != n-partial || f.Messages != n {
		t.Errorf("resumed sync = %+v; want %d added, %d stored", f, n-partial, n)
	}
	seen := map[string]int{}
	e.db.EachMessage(context.Background(), time.Time{}, func(s *store.Stored) error {
		seen[s.MessageID]++
		return nil
	})
	for i := range n {
		if id := fmt.Sprintf("m%d@x", i); seen[id] != 1 {
			t.Errorf("%s stored %d times", id, seen[id])
		}
	}
}

func TestSyncCancelled(t *testing.T) {
	e := newEnv(t, memimap.Options{})
	for i := range 50 {
		e.add(t, "Archive", plain("bob@example.com", "jane@example.com", "x", fmt.Sprintf("c%d@x", i)))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := imapsync.Sync(ctx, e.acct, e.db, imapsync.Options{})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "account work") {
		t.Errorf("err = %v, want context.Canceled naming the account", err)
	}
}

func TestSyncFolderChoice(t *testing.T) {
	e := newEnv(t, memimap.Options{})
	e.acct.Include = []string{"Lists/*"}
	e.acct.Exclude = []string{"Lists/spam*"}
	e.srv.Create("Lists/spam-digest")
	res := e.sync(t, imapsync.Options{})
	var got []string
	for _, f := range res.Folders {
		got = append(got, f.Folder)
	}
	if strings.Join(got, ",") != "Lists/go-nuts,Sent" {
		t.Errorf("synced %v, want Lists/go-nuts and Sent (Sent always stays in)", got)
	}
}

func TestLoginErrors(t *testing.T) {
	e := newEnv(t, memimap.Options{})
	e.acct.Secret = func(context.Context) (string, error) { return "hunter2-wrong", nil }
	_, err := imapsync.Sync(context.Background(), e.acct, e.db, imapsync.Options{})
	if err == nil || !strings.Contains(err.Error(), "log in") || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("wrong password: err = %v; want a login error without the secret", err)
	}

	e.srv.Close()
	_, err = imapsync.Sync(context.Background(), e.acct, e.db, imapsync.Options{})
	if err == nil || !strings.Contains(err.Error(), "check host and port") {
		t.Errorf("unreachable server: err = %v", err)
	}
}

func TestTLSVerification(t *testing.T) {
	e := newEnv(t, memimap.Options{TLS: true})
	e.add(t, "INBOX", plain("bob@example.com", "jane@example.com", "tls", "tls@x"))
	_, err := imapsync.Sync(context.Background(), e.acct, e.db, imapsync.Options{})
	if err == nil || !strings.Contains(err.Error(), "ca_file") {
		t.Fatalf("untrusted certificate: err = %v; want advice to set ca_file", err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(e.srv.CAPEM)
	e.acct.TLS = &tls.Config{RootCAs: pool}
	res := e.sync(t, imapsync.Options{})
	if f := folderResult(t, res, "INBOX"); f.Added != 1 {
		t.Errorf("INBOX over TLS = %+v", f)
	}
}

// Headers that do not parse are stored as well as they can be and never
// stop the sync.
func TestSyncHostileHeaders(t *testing.T) {
	e := newEnv(t, memimap.Options{})
	many := make([]string, 500)
	for i := range many {
		many[i] = fmt.Sprintf("r%d@example.com", i)
	}
	cases := []string{
		"From: =?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?= <jurgen@example.de>\nTo: jane@example.com\nSubject: =?ISO-8859-1?Q?Gr=FC=DFe?=\nDate: not a date at all\nMessage-ID: <enc@x>\n\nx\n",
		"From: \"M\xfcller, Hans\" <hans@example.de>\nTo: jane@example.com\nSubject: raw \xe9t\xe9\nDate: Tue, 3 Mar 2026 10:00:00 +0100\nMessage-ID: <raw@x>\n\nx\n",
		"From: localuser\nTo: undisclosed-recipients:;\nSubject: no domain\nMessage-ID: <nodomain@x>\n\nx\n",
		"From: Bob <bob@example.com>\nTo: " + strings.Join(many, ", ") + "\nSubject: all hands\nDate: Tue, 3 Mar 2026 10:00:00 +0100\nMessage-ID: <many@x>\n\nx\n",
		"From: Bob <bob@example.com>\nTo: jane@example.com\nSubject: no id\nDate: Tue, 3 Mar 2026 10:00:00 +0100\n\nx\n",
		"From: \"Eve =?UTF-8?Q?=0D=0ABcc:_x@evil.com?=\" <eve@example.com>\nTo: jane@example.com\nSubject: inject\nMessage-ID: <inject@x>\nReferences: <a@x>\n <b@x> garbage <c@x>\nList-Id: Go Nuts <golang-nuts.googlegroups.com>\nPrecedence: Bulk\n\nx\n",
	}
	for _, c := range cases {
		e.add(t, "INBOX", c)
	}
	e.sync(t, imapsync.Options{})
	got := map[string]store.Stored{}
	e.db.EachMessage(context.Background(), time.Time{}, func(s *store.Stored) error {
		got[s.Subject] = *s
		return nil
	})
	if len(got) != len(cases) {
		t.Fatalf("stored %d messages, want %d: %v", len(got), len(cases), keys(got))
	}
	enc := got["Grüße"]
	if len(enc.From) != 1 || enc.From[0].Name != "Jürgen Müller" || !enc.Date.IsZero() {
		t.Errorf("encoded words: %+v", enc.Header)
	}
	if enc.When.IsZero() {
		t.Errorf("a message with a bad Date has no time: %+v", enc)
	}
	raw := got["raw été"]
	if len(raw.From) != 1 || raw.From[0].Name != "Müller, Hans" {
		t.Errorf("raw 8-bit: %+v", raw.Header)
	}
	nd := got["no domain"]
	if len(nd.From) != 1 || nd.From[0].Email != "localuser" {
		t.Errorf("no domain: %+v", nd.Header)
	}
	if m := got["all hands"]; len(m.To) != 500 {
		t.Errorf("500 recipients: stored %d", len(m.To))
	}
	if m := got["no id"]; m.MessageID != "" || len(m.From) != 1 {
		t.Errorf("no Message-ID: %+v", m.Header)
	}
	inj := got["inject"]
	if len(inj.From) != 1 || strings.ContainsAny(inj.From[0].Name, "\r\n") {
		t.Errorf("a name with CR/LF: %q", inj.From)
	}
	if strings.Join(inj.References, " ") != "a@x b@x c@x" || inj.ListID != "Go Nuts <golang-nuts.googlegroups.com>" || inj.Precedence != "bulk" {
		t.Errorf("references and list headers: %+v", inj.Header)
	}
}

func keys(m map[string]store.Stored) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

var _ rekindle.Message // the store holds rekindle types

func TestOAuth2Login(t *testing.T) {
	for _, mech := range []imapsync.Mechanism{imapsync.XOAuth2, imapsync.OAuthBearer} {
		t.Run(string(mech), func(t *testing.T) {
			e := newEnv(t, memimap.Options{User: "jane", Password: "pw", Token: "ya29.token"})
			e.acct.Mechanism = mech
			e.acct.Secret = func(context.Context) (string, error) { return "ya29.token", nil }
			e.add(t, "INBOX", plain("bob@example.com", "jane@example.com", "oauth", "oauth@x"))
			e.sync(t, imapsync.Options{})

			e.acct.Secret = func(context.Context) (string, error) { return "expired-token", nil }
			_, err := imapsync.Sync(context.Background(), e.acct, e.db, imapsync.Options{})
			if err == nil || strings.Contains(err.Error(), "expired-token") {
				t.Errorf("bad token: err = %v; want a login error without the token", err)
			}
		})
	}
}

// A connection closed in the middle of a header literal reads, to the
// client library, as the literal's end. That message must not be stored
// cut short (and skipped by every later sync): wherever the cut falls,
// the next sync leaves every message whole.
func TestSyncCutInsideLiteral(t *testing.T) {
	const n, refs = 12, 30
	raw := func(i int) string {
		var b strings.Builder
		for j := range refs {
			fmt.Fprintf(&b, " <r%d.%d@example.com>", i, j)
		}
		return strings.Replace(plain("bob@example.com", "jane@example.com", fmt.Sprintf("m %d", i), fmt.Sprintf("m%d@x", i)),
			"\nReceived:", "\nReferences:"+b.String()+"\nReceived:", 1)
	}
	// The FETCH starts after a few hundred bytes of greeting, LIST and
	// SELECT; each message's response is about 1.3 KB, most of it the
	// References literal. Cut points a prime apart land inside literals.
	for cut := int64(1500); cut < 9000; cut += 251 {
		e := newEnv(t, memimap.Options{})
		for i := range n {
			e.add(t, "INBOX", raw(i))
		}
		e.srv.CutNextAfter(cut)
		if _, err := imapsync.Sync(context.Background(), e.acct, e.db, imapsync.Options{BatchSize: 1}); err == nil {
			continue // the cut came after the fetch
		}
		e.sync(t, imapsync.Options{BatchSize: 1})
		count := 0
		e.db.EachMessage(context.Background(), time.Time{}, func(s *store.Stored) error {
			count++
			if len(s.References) != refs {
				t.Errorf("cut at byte %d: %s stored with %d of %d references", cut, s.MessageID, len(s.References), refs)
			}
			return nil
		})
		if count != n {
			t.Errorf("cut at byte %d: %d messages stored, want %d", cut, count, n)
		}
	}
}

// A large fetch is split over two connections, the second one reused by
// every large folder; every message is stored once, and a cut in the
// middle of a split fetch resumes with no gap.
func TestSyncSplitFetch(t *testing.T) {
	for _, cut := range []bool{false, true} {
		t.Run(fmt.Sprintf("cut=%v", cut), func(t *testing.T) {
			e := newEnv(t, memimap.Options{})
			const n = 400
			for i := range n {
				e.add(t, "Archive", plain("bob@example.com", "jane@example.com", fmt.Sprintf("m %d", i), fmt.Sprintf("s%d@x", i)))
			}
			if err := e.srv.Create("Lists"); err != nil {
				t.Fatal(err)
			}
			for i := range n / 2 {
				e.add(t, "Lists", plain("list@example.org", "jane@example.com", fmt.Sprintf("l %d", i), fmt.Sprintf("l%d@x", i)))
			}
			conns := e.srv.Connections()
			opts := imapsync.Options{BatchSize: 25, SplitAt: 100}
			if cut {
				e.srv.CutNextAfter(30_000)
				if _, err := imapsync.Sync(context.Background(), e.acct, e.db, opts); err == nil {
					t.Fatal("a sync over a cut connection reported no error")
				}
				st, _ := e.db.Folder(context.Background(), "work", "Archive")
				if !st.LastSync.IsZero() {
					t.Fatalf("a cut sync finished the folder: %+v", st)
				}
			}
			res := e.sync(t, opts)
			if f := folderResult(t, res, "Archive"); f.Messages != n {
				t.Errorf("Archive = %+v, want %d stored", f, n)
			}
			if f := folderResult(t, res, "Lists"); f.Messages != n/2 {
				t.Errorf("Lists = %+v, want %d stored", f, n/2)
			}
			if !cut && e.srv.Connections()-conns != 2 {
				t.Errorf("%d connections for two split fetches, want 2", e.srv.Connections()-conns)
			}
			uids, _ := e.db.StoredUIDs(context.Background(), "work", "Archive")
			if len(uids) != n || uids[0] != 1 || uids[n-1] != n {
				t.Errorf("stored UIDs: %d, from %d to %d", len(uids), uids[0], uids[len(uids)-1])
			}
			seen := map[string]int{}
			e.db.EachMessage(context.Background(), time.Time{}, func(s *store.Stored) error { seen[s.MessageID]++; return nil })
			for i := range n {
				if id := fmt.Sprintf("s%d@x", i); seen[id] != 1 {
					t.Errorf("%s stored %d times", id, seen[id])
				}
			}
			st, _ := e.db.Folder(context.Background(), "work", "Archive")
			if st.LastUID != n || st.LastSync.IsZero() {
				t.Errorf("folder state after the split sync: %+v", st)
			}
		})
	}
}

// countingStore is a store that records how many of its calls were in
// flight at once.
type countingStore struct {
	*store.DB
	mu       sync.Mutex
	inflight int
	most     int
}

func (s *countingStore) enter() func() {
	s.mu.Lock()
	s.inflight++
	s.most = max(s.most, s.inflight)
	s.mu.Unlock()
	time.Sleep(time.Millisecond) // widen any overlap
	return func() {
		s.mu.Lock()
		s.inflight--
		s.mu.Unlock()
	}
}

func (s *countingStore) Folder(ctx context.Context, account, folder string) (rekindle.FolderState, error) {
	defer s.enter()()
	return s.DB.Folder(ctx, account, folder)
}

func (s *countingStore) Folders(ctx context.Context, account string) ([]rekindle.FolderState, error) {
	defer s.enter()()
	return s.DB.Folders(ctx, account)
}

func (s *countingStore) ResetFolder(ctx context.Context, account, folder string, uidValidity uint32) error {
	defer s.enter()()
	return s.DB.ResetFolder(ctx, account, folder, uidValidity)
}

func (s *countingStore) PutMessages(ctx context.Context, account, folder string, msgs []rekindle.Message, lastUID uint32) error {
	defer s.enter()()
	return s.DB.PutMessages(ctx, account, folder, msgs, lastUID)
}

func (s *countingStore) StoredUIDs(ctx context.Context, account, folder string) ([]uint32, error) {
	defer s.enter()()
	return s.DB.StoredUIDs(ctx, account, folder)
}

func (s *countingStore) DeleteUIDs(ctx context.Context, account, folder string, uids []uint32) error {
	defer s.enter()()
	return s.DB.DeleteUIDs(ctx, account, folder, uids)
}

func (s *countingStore) FinishFolder(ctx context.Context, st rekindle.FolderState) error {
	defer s.enter()()
	return s.DB.FinishFolder(ctx, st)
}

func (s *countingStore) FoldersChecked(ctx context.Context, account string, folders []string) error {
	defer s.enter()()
	return s.DB.FoldersChecked(ctx, account, folders)
}

func (s *countingStore) ServerCaps(ctx context.Context, account, addr string) ([]string, error) {
	defer s.enter()()
	return s.DB.ServerCaps(ctx, account, addr)
}

func (s *countingStore) SetServerCaps(ctx context.Context, account, addr string, caps []string) error {
	defer s.enter()()
	return s.DB.SetServerCaps(ctx, account, addr, caps)
}

func (s *countingStore) DropFolder(ctx context.Context, account, folder string) error {
	defer s.enter()()
	return s.DB.DropFolder(ctx, account, folder)
}

// The folders of a first sync overlap on the IMAP side, but the store's
// work is done one call after the other: two at once would take two
// connections to the database, each with a page cache of its own (a
// first sync's peak memory grew by 10 MB), and could interleave one
// folder's writes with another's. Then the store holds every message.
func TestSyncStoreCallsOneAtATime(t *testing.T) {
	e := newEnv(t, memimap.Options{})
	const n = 120
	for _, f := range []string{"INBOX", "Archive", "Lists/go-nuts", "Sent"} {
		e.fill(t, f, n)
	}
	st := &countingStore{DB: e.db}
	opts := imapsync.Options{BatchSize: 10, SplitAt: 50}
	start := time.Now()
	first, err := imapsync.Sync(context.Background(), e.acct, st, opts)
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if st.most != 1 {
		t.Errorf("up to %d store calls at once during a sync; want 1", st.most)
	}
	// Each folder's Duration is the time it added, so that they add up
	// to no more than the sync's.
	var sum time.Duration
	for _, f := range first.Folders {
		sum += f.Duration
	}
	if sum > took {
		t.Errorf("the folders' durations add up to %v, more than the sync's %v", sum, took)
	}
	res := e.sync(t, opts)
	for _, f := range []string{"INBOX", "Archive", "Lists/go-nuts", "Sent"} {
		if r := folderResult(t, res, f); r.Messages != n || !r.Unchanged {
			t.Errorf("%s after the first sync: %+v, want %d messages, unchanged", f, r, n)
		}
	}
}

// A folder synced for the first time, whose fetch overlaps the next
// folder's, gets mail between its SELECT and its FETCH: the sync stores
// more than the SELECT counted, which may also mean mail went. Looking
// for what went needs the folder selected, and the next folder may be by
// then: that search is left to the next sync, which selects the folder
// again. Nothing of either folder is lost on the way, and the sync after
// that finds both unchanged.
func TestSyncMailDuringOverlappedFetch(t *testing.T) {
	e := newEnv(t, memimap.Options{})
	const n = 40
	for i := range n {
		e.add(t, "Archive", plain("bob@example.com", "jane@example.com", fmt.Sprintf("a %d", i), fmt.Sprintf("a%d@x", i)))
		// UIDs the Archive's do not hold: a search in the wrong folder
		// would take the Archive's messages for gone.
		if i%2 == 0 {
			e.add(t, "Lists/go-nuts", plain("list@example.org", "jane@example.com", fmt.Sprintf("l %d", i), fmt.Sprintf("l%d@x", i)))
		}
	}
	e.acct.Include = []string{"Archive", "Lists/go-nuts"}
	e.acct.Exclude = []string{"Sent"}
	e.srv.AfterNextSelect("Archive", func() {
		e.add(t, "Archive", plain("carol@example.com", "jane@example.com", "late", "late@x"))
	})
	opts := imapsync.Options{BatchSize: 10, SplitAt: -1}
	res := e.sync(t, opts)
	a := folderResult(t, res, "Archive")
	if a.Messages != n+1 || a.Removed != 0 {
		t.Errorf("Archive after the first sync: %+v, want %d messages, none removed", a, n+1)
	}
	if l := folderResult(t, res, "Lists/go-nuts"); l.Messages != n/2 {
		t.Errorf("Lists after the first sync: %+v, want %d", l, n/2)
	}

	res = e.sync(t, opts)
	if a := folderResult(t, res, "Archive"); a.Unchanged || a.Messages != n+1 || a.Removed != 0 {
		t.Errorf("Archive at the second sync: %+v, want it selected again (its search was left for later), %d messages, none removed", a, n+1)
	}
	res = e.sync(t, opts)
	for _, name := range []string{"Archive", "Lists/go-nuts"} {
		if f := folderResult(t, res, name); !f.Unchanged {
			t.Errorf("%s at the third sync: %+v, want unchanged", name, f)
		}
	}
	uids, _ := e.db.StoredUIDs(context.Background(), "work", "Archive")
	if len(uids) != n+1 {
		t.Errorf("Archive holds %d UIDs, want %d", len(uids), n+1)
	}
}

// finishGate is a store whose FinishFolder of one folder waits until
// release is closed.
type finishGate struct {
	*store.DB
	folder  string
	release chan struct{}
}

func (g *finishGate) FinishFolder(ctx context.Context, st rekindle.FolderState) error {
	if st.Folder == g.folder {
		<-g.release
	}
	return g.DB.FinishFolder(ctx, st)
}

// TestSyncNextFolderWhileOneFinishes: folders are finished in turn on
// their own, so the next folder's SELECT goes out while the folder
// before the last is still being finished (after a split folder whose
// second half ends late, a small folder would otherwise leave the link
// idle for a round trip). Z1's finish is held until Z3 is selected.
func TestSyncNextFolderWhileOneFinishes(t *testing.T) {
	e := newEnv(t, memimap.Options{})
	for _, f := range []string{"Z1", "Z2", "Z3"} {
		if err := e.srv.Create(f); err != nil {
			t.Fatal(err)
		}
		e.fill(t, f, 5)
	}
	st := &finishGate{DB: e.db, folder: "Z1", release: make(chan struct{})}
	selected := make(chan struct{})
	e.srv.AfterNextSelect("Z3", func() { close(selected) })
	done := make(chan error, 1)
	var res *imapsync.Result
	go func() {
		var err error
		res, err = imapsync.Sync(context.Background(), e.acct, st, imapsync.Options{BatchSize: 2})
		done <- err
	}()
	select {
	case <-selected:
	case <-time.After(10 * time.Second):
		t.Error("Z3 was not selected while Z1 was being finished")
	}
	close(st.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"Z1", "Z2", "Z3"} {
		if r := folderResult(t, res, f); r.Added != 5 || r.Messages != 5 || r.Err != nil {
			t.Errorf("%s: %+v, want 5 added", f, r)
		}
	}
	if tot := totals(t, e.db); tot.Messages != 15 {
		t.Errorf("stored %d messages, want 15", tot.Messages)
	}
}

// failFinish is a store whose FinishFolder of one folder fails once, as
// on a full disk.
type failFinish struct {
	*store.DB
	folder string
	failed bool
	// hold, when not nil, is waited for before the failure.
	hold <-chan struct{}
}

func (s *failFinish) FinishFolder(ctx context.Context, st rekindle.FolderState) error {
	if st.Folder == s.folder && !s.failed {
		s.failed = true
		if s.hold != nil {
			<-s.hold
		}
		return fmt.Errorf("finish folder: %w", &store.DiskFullError{Path: s.Path(), Err: errors.New("database or disk is full (13)")})
	}
	return s.DB.FinishFolder(ctx, st)
}

// TestSyncFinishFailsWhileNextFolders: a finish that fails on a full
// disk, while the next folders' fetches are under way, stops the sync
// with that error, and nothing of the folders after it is written; the
// next sync stores every message once.
//
// With held, Z2 holds one message, and the failure waits until Z3 is
// selected and its fetch has had time to fill a batch: Z3's lane then
// waits for Z2's turn to write, which the finisher gives once done with
// Z1, and go-imap's reader waits for that lane to take Z3's next message.
// The finisher shutting the connection must not wait for that reader (it
// did: the sync hung).
func TestSyncFinishFailsWhileNextFolders(t *testing.T) {
	for _, held := range []bool{false, true} {
		t.Run(fmt.Sprintf("held=%v", held), func(t *testing.T) { testFinishFailsWhileNext(t, held) })
	}
}

func testFinishFailsWhileNext(t *testing.T, held bool) {
	e := newEnv(t, memimap.Options{})
	want := map[string]int{"Z1": 30, "Z2": 30, "Z3": 30}
	if held {
		want["Z2"] = 1
	}
	for _, f := range []string{"Z1", "Z2", "Z3"} {
		if err := e.srv.Create(f); err != nil {
			t.Fatal(err)
		}
		e.fill(t, f, want[f])
	}
	st := &failFinish{DB: e.db, folder: "Z1"}
	if held {
		hold := make(chan struct{})
		e.srv.AfterNextSelect("Z3", func() { time.AfterFunc(200*time.Millisecond, func() { close(hold) }) })
		st.hold = hold
	}
	errc := make(chan error, 1)
	go func() {
		_, err := imapsync.Sync(context.Background(), e.acct, st, imapsync.Options{BatchSize: 10})
		errc <- err
	}()
	var err error
	select {
	case err = <-errc:
	case <-time.After(30 * time.Second):
		t.Fatal("the sync whose finish of Z1 failed did not return within 30 s")
	}
	if !errors.Is(err, store.ErrDiskFull) || !strings.Contains(err.Error(), "folder Z1") {
		t.Fatalf("sync whose finish of Z1 failed: %v; want the disk-full error, naming Z1", err)
	}
	for _, f := range []string{"Z2", "Z3"} {
		if s, err := e.db.Folder(context.Background(), "work", f); err != nil || s.Messages != 0 {
			t.Errorf("%s after the failed finish of Z1: %d messages stored (%v); want none", f, s.Messages, err)
		}
	}
	res := e.sync(t, imapsync.Options{BatchSize: 10})
	for _, f := range []string{"Z1", "Z2", "Z3"} {
		if r := folderResult(t, res, f); r.Messages != want[f] || r.Err != nil {
			t.Errorf("%s after the next sync: %+v, want %d messages", f, r, want[f])
		}
	}
	if tot := totals(t, e.db); tot.Messages != want["Z1"]+want["Z2"]+want["Z3"] {
		t.Errorf("stored %d messages, want %d", tot.Messages, want["Z1"]+want["Z2"]+want["Z3"])
	}
}

// TestSyncEmptyFolderNotSelected: a folder that is empty, with nothing of
// it stored, is recorded from its status, without the SELECT that would
// cost a round trip before the next folder's; once it holds mail, it is
// selected and fetched as any other, and a folder renumbered while empty
// is recorded afresh the same way.
func TestSyncEmptyFolderNotSelected(t *testing.T) {
	for _, rev1 := range []bool{false, true} {
		t.Run(fmt.Sprintf("imap4rev1only=%v", rev1), func(t *testing.T) {
			e := newEnv(t, memimap.Options{IMAP4rev1Only: rev1})
			e.fill(t, "INBOX", 3)
			e.fill(t, "Sent", 2)
			selects := func() int {
				c := e.srv.Commands()
				return c["SELECT"] + c["EXAMINE"]
			}

			res := e.sync(t, imapsync.Options{})
			if n := selects(); n != 2 {
				t.Errorf("first sync selected %d folders, want 2 (INBOX and Sent; Archive and Lists/go-nuts are empty)", n)
			}
			if f := folderResult(t, res, "Archive"); f.Messages != 0 || f.Added != 0 || f.Err != nil {
				t.Errorf("Archive = %+v", f)
			}
			st := folderState(t, e.db, "Archive")
			if st.UIDValidity == 0 || st.UIDNext == 0 || st.LastSync.IsZero() {
				t.Errorf("Archive recorded as %+v; want its UIDVALIDITY, UIDNEXT and this sync", st)
			}
			if tot := totals(t, e.db); tot.Messages != 5 {
				t.Errorf("stored %d messages, want 5", tot.Messages)
			}
			e.sync(t, imapsync.Options{})
			if n := selects(); n != 0 {
				t.Errorf("a sync with nothing new selected %d folders", n)
			}

			// Mail comes in: Archive is selected and fetched.
			uid := e.add(t, "Archive", plain("carol@example.com", "jane@example.com", "old", "arch@x"))
			res = e.sync(t, imapsync.Options{})
			if f := folderResult(t, res, "Archive"); f.Added != 1 || f.Messages != 1 {
				t.Errorf("Archive with one message = %+v", f)
			}
			// And goes: the stored message is removed (this needs the
			// SELECT), and the empty folder is left alone after.
			if err := e.srv.Expunge("Archive", uid); err != nil {
				t.Fatal(err)
			}
			res = e.sync(t, imapsync.Options{})
			if f := folderResult(t, res, "Archive"); f.Removed != 1 || f.Messages != 0 {
				t.Errorf("Archive emptied = %+v", f)
			}
			selects()

			// Renumbered while empty: recorded afresh, still unselected.
			if err := e.srv.Delete("Archive"); err != nil {
				t.Fatal(err)
			}
			if err := e.srv.Create("Archive"); err != nil {
				t.Fatal(err)
			}
			res = e.sync(t, imapsync.Options{})
			if n := selects(); n != 0 {
				t.Errorf("the sync after Archive was renumbered selected %d folders", n)
			}
			if f := folderResult(t, res, "Archive"); !f.Reset || f.Err != nil {
				t.Errorf("renumbered Archive = %+v, want Reset", f)
			}
			if now := folderState(t, e.db, "Archive"); now.UIDValidity == st.UIDValidity || now.Messages != 0 {
				t.Errorf("renumbered Archive recorded as %+v (UIDVALIDITY before %d)", now, st.UIDValidity)
			}
			if tot := totals(t, e.db); tot.Messages != 5 {
				t.Errorf("stored %d messages at the end, want 5", tot.Messages)
			}
		})
	}
}
