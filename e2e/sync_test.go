// The end-to-end sync suite: rekindle's sync against a real Dovecot (see
// internal/dovecot), here and in proxy_test.go.
//
// Every test starts its own private Dovecot with TLS on, verified against
// the harness's CA, loads mail into it, runs the real imapsync.Sync into a
// real store in t.TempDir(), and checks the store against what the server
// holds. The scenarios mirror those that imapsync/sync_test.go runs
// against the in-process server. The helpers of both files are prefixed
// "sy" so that they cannot clash with those of the benchmark, which
// shares the package.

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/rekindle/rekindle"
	"github.com/rekindle/rekindle/imapsync"
	"github.com/rekindle/rekindle/internal/dovecot"
	"github.com/rekindle/rekindle/store"
	"github.com/rekindle/rekindle/synth"
)

// syAccount is the account name the tests sync under.
const syAccount = "e2e"

// syEnv is one private Dovecot, an empty store and an account that
// reaches the server over verified implicit TLS.
type syEnv struct {
	srv  *dovecot.Server
	db   *store.DB
	acct *imapsync.Account
}

// syStart starts a Dovecot and opens a store for one test. When the test
// fails, the tail of Dovecot's log is printed with it.
func syStart(t *testing.T) *syEnv {
	t.Helper()
	srv := dovecot.Start(t, dovecot.Options{})
	// Registered after Start's own cleanup, so it runs first, while the
	// log still exists.
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("dovecot log (%s), last lines:\n%s", srv.LogFile, srv.LogTail(40))
		}
	})
	db, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "rekindle.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &syEnv{srv: srv, db: db, acct: syAccountFor(srv, srv.Addr)}
}

// syAccountFor is an account on srv reached at addr (the server itself or
// a proxy in front of it) that trusts only the harness's CA. The server
// name is set, so the certificate verifies whatever addr is.
func syAccountFor(srv *dovecot.Server, addr string) *imapsync.Account {
	password := srv.Password
	return &imapsync.Account{
		Name: syAccount, Addr: addr, Security: imapsync.TLS, TLS: srv.TLSConfig(),
		Username: srv.User, Mechanism: imapsync.Password,
		Secret:      func(context.Context) (string, error) { return password, nil },
		DialTimeout: 10 * time.Second,
	}
}

// syWire records an IMAP conversation; go-imap writes to it from its
// reading and its writing goroutines.
type syWire struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syWire) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syWire) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// The patterns below match go-imap's command lines ("T12 UID FETCH ...")
// anywhere, not only at the start of a line: go-imap writes a command to
// the connection before it copies it to the DebugWriter, so the copy can
// land after part of the server's answer, in the middle of a line.
var (
	// syFetchRe matches the client's UID FETCH commands.
	syFetchRe = regexp.MustCompile(`T[0-9]+ UID FETCH `)
	// sySelectRe matches the client's SELECT and EXAMINE commands.
	sySelectRe = regexp.MustCompile(`(?i)T[0-9]+ (?:SELECT|EXAMINE) [^\r\n]*`)
	// syStartTLSRe matches the client's STARTTLS command.
	syStartTLSRe = regexp.MustCompile(`T[0-9]+ STARTTLS\r\n`)
)

// sySync runs one sync and fails the test on any error, the whole sync's
// or a folder's. It returns the result and the IMAP transcript.
func (e *syEnv) sySync(t *testing.T, opts imapsync.Options) (*imapsync.Result, string) {
	t.Helper()
	wire := &syWire{}
	opts.Client = &imapclient.Options{DebugWriter: wire}
	res, err := imapsync.Sync(t.Context(), e.acct, e.db, opts)
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	if err := res.Err(); err != nil {
		t.Fatalf("sync of some folders failed: %v", err)
	}
	return res, wire.String()
}

// syLoad writes mails straight into the server's Maildir.
func (e *syEnv) syLoad(t *testing.T, folder string, mails []synth.Mail) {
	t.Helper()
	if err := e.srv.LoadMaildir(folder, mails); err != nil {
		t.Fatalf("load %d mails into %q: %v", len(mails), folder, err)
	}
}

// syMail is a plain message from Bob to Jane with the given Message-ID.
func syMail(folder, id, subject string, at time.Time) synth.Mail {
	raw := "From: Bob Example <bob@example.com>\r\n" +
		"To: Jane Doe <jane@example.com>\r\n" +
		"Subject: " + subject + "\r\n" +
		"Date: " + at.Format(time.RFC1123Z) + "\r\n" +
		"Message-ID: <" + id + ">\r\n" +
		"Received: from mx.example.com by imap.example.com; " + at.Add(time.Second).Format(time.RFC1123Z) + "\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"\r\n" +
		"Hello Jane,\r\n\r\nsee you soon.\r\n"
	return synth.Mail{
		Folder: folder, Raw: []byte(raw), InternalDate: at.Add(time.Minute).UTC(), Flags: []string{`\Seen`},
		Header: rekindle.Header{MessageID: id, Subject: subject},
	}
}

// syMails is n plain messages whose Message-IDs are prefix0@e2e.example,
// prefix1@e2e.example, ... in arrival order.
func syMails(folder, prefix string, n int) []synth.Mail {
	start := time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)
	out := make([]synth.Mail, n)
	for i := range out {
		out[i] = syMail(folder, fmt.Sprintf("%s%d@e2e.example", prefix, i), fmt.Sprintf("%s %d", prefix, i), start.Add(time.Duration(i)*time.Hour))
	}
	return out
}

func syIDs(mails []synth.Mail) []string {
	ids := make([]string, len(mails))
	for i, m := range mails {
		ids[i] = m.Header.MessageID
	}
	return ids
}

// syClient logs in to the server with a plain go-imap client, to look at
// or change what the server holds behind the sync's back.
func (e *syEnv) syClient(t *testing.T) *imapclient.Client {
	t.Helper()
	c, err := e.srv.Login(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// syServerUIDs returns the UIDs of a folder on the server, ascending.
func (e *syEnv) syServerUIDs(t *testing.T, folder string) []uint32 {
	t.Helper()
	c := e.syClient(t)
	if _, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatalf("examine %s: %v", folder, err)
	}
	data, err := c.UIDSearch(&imap.SearchCriteria{}, nil).Wait()
	if err != nil {
		t.Fatalf("search %s: %v", folder, err)
	}
	var uids []uint32
	for _, u := range data.AllUIDs() {
		uids = append(uids, uint32(u))
	}
	slices.Sort(uids)
	c.Logout().Wait()
	return uids
}

// syStatus returns a folder's STATUS on the server.
func (e *syEnv) syStatus(t *testing.T, c *imapclient.Client, folder string) *imap.StatusData {
	t.Helper()
	st, err := c.Status(folder, &imap.StatusOptions{NumMessages: true, UIDNext: true, UIDValidity: true, HighestModSeq: true}).Wait()
	if err != nil {
		t.Fatalf("status %s: %v", folder, err)
	}
	return st
}

// syExpunge deletes messages from a folder over IMAP, as a mail client
// does: STORE +FLAGS \Deleted, then EXPUNGE.
func (e *syEnv) syExpunge(t *testing.T, folder string, uids []uint32) {
	t.Helper()
	c := e.syClient(t)
	if _, err := c.Select(folder, nil).Wait(); err != nil {
		t.Fatalf("select %s: %v", folder, err)
	}
	var set imap.UIDSet
	for _, u := range uids {
		set.AddNum(imap.UID(u))
	}
	if err := c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		t.Fatalf("store \\Deleted in %s: %v", folder, err)
	}
	if err := c.Expunge().Close(); err != nil {
		t.Fatalf("expunge %s: %v", folder, err)
	}
	if err := c.Logout().Wait(); err != nil {
		t.Fatal(err)
	}
}

// syDeleteFolder deletes a folder over IMAP.
func (e *syEnv) syDeleteFolder(t *testing.T, folder string) {
	t.Helper()
	c := e.syClient(t)
	if err := c.Delete(folder).Wait(); err != nil {
		t.Fatalf("delete folder %s: %v", folder, err)
	}
	if err := c.Logout().Wait(); err != nil {
		t.Fatal(err)
	}
}

func syFolderResult(t *testing.T, res *imapsync.Result, name string) imapsync.FolderResult {
	t.Helper()
	for _, f := range res.Folders {
		if f.Folder == name {
			return f
		}
	}
	t.Fatalf("folder %s was not synced; synced %v, skipped %v", name, syNames(res), sySkipped(res))
	return imapsync.FolderResult{}
}

func syNames(res *imapsync.Result) []string {
	var out []string
	for _, f := range res.Folders {
		out = append(out, f.Folder)
	}
	return out
}

// sySkipped maps each skipped folder to why it was skipped.
func sySkipped(res *imapsync.Result) map[string]string {
	out := map[string]string{}
	for _, f := range res.Skipped {
		out[f.Name] = f.Skip
	}
	return out
}

func (e *syEnv) syTotals(t *testing.T) store.Totals {
	t.Helper()
	tot, err := e.db.Totals(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return tot
}

func (e *syEnv) syFolderState(t *testing.T, folder string) rekindle.FolderState {
	t.Helper()
	st, err := e.db.Folder(t.Context(), syAccount, folder)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func (e *syEnv) syStoredUIDs(t *testing.T, folder string) []uint32 {
	t.Helper()
	uids, err := e.db.StoredUIDs(t.Context(), syAccount, folder)
	if err != nil {
		t.Fatal(err)
	}
	return uids
}

// syStored returns a copy of every distinct stored message.
func (e *syEnv) syStored(t *testing.T) []store.Stored {
	t.Helper()
	var out []store.Stored
	err := e.db.EachMessage(t.Context(), time.Time{}, func(s *store.Stored) error {
		out = append(out, *s) // the decoded slices are fresh for each row
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// syStoredIDs counts the distinct stored messages by Message-ID; messages
// without one count under "".
func (e *syEnv) syStoredIDs(t *testing.T) map[string]int {
	t.Helper()
	ids := map[string]int{}
	for _, s := range e.syStored(t) {
		ids[s.MessageID]++
	}
	return ids
}

// syDiff describes how two sets of IDs differ, a few of each side; it is
// empty when they do not.
func syDiff(got map[string]int, want map[string]bool) string {
	var missing, extra []string
	for id := range want {
		if got[id] == 0 {
			missing = append(missing, id)
		}
	}
	for id := range got {
		if !want[id] {
			extra = append(extra, id)
		}
	}
	if len(missing)+len(extra) == 0 {
		return ""
	}
	slices.Sort(missing)
	slices.Sort(extra)
	return fmt.Sprintf("%d missing %v, %d unexpected %v", len(missing), missing[:min(len(missing), 5)], len(extra), extra[:min(len(extra), 5)])
}

// sySkippedByUse are the folders a default sync leaves out for their
// special use.
var sySkippedByUse = []string{synth.FolderJunk, synth.FolderTrash, synth.FolderDrafts}

// TestSyncFullMailbox syncs a synthetic mailbox of a few thousand
// messages, with a Gmail-like "All Mail" copy of everything, from an empty
// store, then syncs again with nothing new.
func TestSyncFullMailbox(t *testing.T) {
	t.Parallel()
	e := syStart(t)
	mb := synth.Generate(synth.Options{Seed: 11, Hostile: true, AllMail: true})
	e.syLoad(t, "", mb.Mails)

	byFolder := map[string][]synth.Mail{}
	for _, m := range mb.Mails {
		byFolder[m.Folder] = append(byFolder[m.Folder], m)
	}
	// What the store must hold: one message per Message-ID (and per
	// distinct mail without one) over the folders synced, however many
	// folders hold it.
	wantIDs := map[string]bool{}
	noID := map[string]bool{}
	for folder, mails := range byFolder {
		if slices.Contains(sySkippedByUse, folder) {
			continue
		}
		for _, m := range mails {
			if m.Header.MessageID == "" {
				noID[string(m.Raw)] = true
			} else {
				wantIDs[m.Header.MessageID] = true
			}
		}
	}
	if len(noID) == 0 || len(byFolder[synth.FolderAllMail]) == 0 {
		t.Fatalf("synth mailbox lacks mail without Message-ID or All Mail copies; the test would prove less than it says")
	}

	start := time.Now()
	res, wire := e.sySync(t, imapsync.Options{BatchSize: 250})
	t.Logf("first sync of %d mails in %d folders: %s; synced %v", len(mb.Mails), len(byFolder), time.Since(start).Round(time.Millisecond), syNames(res))

	if res.SentFolder != synth.FolderSent {
		t.Errorf("SentFolder = %q, want Sent", res.SentFolder)
	}
	skipped := sySkipped(res)
	for _, name := range sySkippedByUse {
		if skipped[name] == "" {
			t.Errorf("%s was synced, want it skipped for its special use (skipped: %v)", name, skipped)
		}
	}
	for name, why := range skipped {
		if !slices.Contains(sySkippedByUse, name) && why != "not selectable" {
			t.Errorf("%s skipped (%s); only Junk, Trash, Drafts and non-selectable folders should be", name, why)
		}
	}

	// Every folder with mail but the skipped ones is synced, and holds in
	// the store what the server holds.
	c := e.syClient(t)
	synced := map[string]bool{}
	locations := 0
	for _, f := range res.Folders {
		synced[f.Folder] = true
		srvStatus := e.syStatus(t, c, f.Folder)
		want := int(*srvStatus.NumMessages)
		if want != len(byFolder[f.Folder]) {
			t.Errorf("%s: the server holds %d messages, %d were loaded", f.Folder, want, len(byFolder[f.Folder]))
		}
		st := e.syFolderState(t, f.Folder)
		if f.Messages != want || f.Added != want || st.Messages != want || f.Unchanged || f.Reset {
			t.Errorf("%s: result %+v, stored %d; want %d added and stored", f.Folder, f, st.Messages, want)
		}
		if st.LastSync.IsZero() || st.UIDValidity != srvStatus.UIDValidity || st.UIDNext != uint32(srvStatus.UIDNext) {
			t.Errorf("%s: stored state %+v; server UIDVALIDITY %d UIDNEXT %d", f.Folder, st, srvStatus.UIDValidity, srvStatus.UIDNext)
		}
		// Dovecot has CONDSTORE: the folder's HIGHESTMODSEQ is what lets
		// the next sync skip it on STATUS alone.
		if st.HighestModSeq == 0 || st.HighestModSeq != srvStatus.HighestModSeq {
			t.Errorf("%s: stored HIGHESTMODSEQ %d, server has %d", f.Folder, st.HighestModSeq, srvStatus.HighestModSeq)
		}
		locations += want
	}
	for folder := range byFolder {
		if !synced[folder] && skipped[folder] == "" {
			t.Errorf("folder %s with %d mails neither synced nor skipped", folder, len(byFolder[folder]))
		}
	}
	if !synced[synth.FolderAllMail] || !synced["Lists/golang-nuts"] {
		t.Errorf("synced %v; want All Mail and the lists among them", syNames(res))
	}
	nonEmpty := 0
	for _, f := range res.Folders {
		if f.Messages > 0 {
			nonEmpty++
		}
	}
	if n := len(syFetchRe.FindAllString(wire, -1)); n != nonEmpty {
		t.Errorf("first sync sent %d UID FETCH for %d folders with mail (synced %v)", n, nonEmpty, syNames(res))
	}

	tot := e.syTotals(t)
	if want := len(wantIDs) + len(noID); tot.Messages != want || tot.Locations != locations {
		t.Errorf("store totals %+v; want %d distinct messages (%d Message-IDs + %d without) in %d locations",
			tot, want, len(wantIDs), len(noID), locations)
	}
	gotIDs := e.syStoredIDs(t)
	if gotIDs[""] != len(noID) {
		t.Errorf("stored %d messages without Message-ID, want %d", gotIDs[""], len(noID))
	}
	delete(gotIDs, "")
	if d := syDiff(gotIDs, wantIDs); d != "" {
		t.Errorf("stored Message-IDs differ from the mailbox's: %s", d)
	}
	for id, n := range gotIDs {
		if n != 1 {
			t.Errorf("%s stored as %d distinct messages", id, n)
		}
	}

	// Every stored header reads as synth says a correct reader reads it,
	// and a message in several folders is stored as its most personal
	// copy: the Sent copy of the user's list post, not the list's echo.
	truth := map[string]rekindle.Header{}
	for _, m := range mb.Mails {
		if m.Header.MessageID == "" {
			continue
		}
		if old, ok := truth[m.Header.MessageID]; ok && !old.IsBulk() && m.Header.IsBulk() {
			continue
		}
		truth[m.Header.MessageID] = m.Header
	}
	wrong := 0
	for _, s := range e.syStored(t) {
		want, ok := truth[s.MessageID]
		if !ok {
			continue
		}
		if d := syHeaderDiff(s.Header, want); len(d) > 0 {
			if wrong++; wrong <= 5 {
				t.Errorf("message %s read wrong:\n\t%s", s.MessageID, strings.Join(d, "\n\t"))
			}
		}
	}
	if wrong > 5 {
		t.Errorf("... %d messages read wrong in all", wrong)
	}

	// Nothing new: every folder is seen unchanged from LIST-STATUS alone,
	// without selecting or fetching anything.
	res, wire = e.sySync(t, imapsync.Options{})
	if len(res.Folders) != len(synced) {
		t.Errorf("second sync synced %v, the first %d folders", syNames(res), len(synced))
	}
	for _, f := range res.Folders {
		if !f.Unchanged || f.Added != 0 || f.Removed != 0 || f.Messages != len(byFolder[f.Folder]) {
			t.Errorf("second sync, %s: %+v; want unchanged with %d messages", f.Folder, f, len(byFolder[f.Folder]))
		}
	}
	if n := len(syFetchRe.FindAllString(wire, -1)); n != 0 {
		t.Errorf("second sync sent %d UID FETCH, want none", n)
	}
	if sel := sySelectRe.FindAllString(wire, -1); len(sel) != 0 {
		t.Errorf("second sync selected folders: %q", sel)
	}
	if len(res.Dropped) != 0 {
		t.Errorf("second sync dropped %v", res.Dropped)
	}
	if got := e.syTotals(t); got != tot {
		t.Errorf("store totals moved from %+v to %+v with nothing new", tot, got)
	}
}

// TestSyncNewMail appends mail over IMAP between two syncs: the second
// fetches exactly the new messages, in one UID FETCH.
func TestSyncNewMail(t *testing.T) {
	t.Parallel()
	e := syStart(t)
	e.syLoad(t, "", append(syMails("INBOX", "in", 120), syMails("Sent", "out", 60)...))
	e.sySync(t, imapsync.Options{BatchSize: 50})

	const n = 7
	fresh := syMails("INBOX", "fresh", n)
	for i := range fresh {
		fresh[i].Flags = nil // arrives unread
	}
	if err := e.srv.Append("INBOX", fresh...); err != nil {
		t.Fatal(err)
	}
	res, wire := e.sySync(t, imapsync.Options{BatchSize: 50})
	if f := syFolderResult(t, res, "INBOX"); f.Added != n || f.Removed != 0 || f.Messages != 120+n || f.Unchanged {
		t.Errorf("INBOX after %d appended: %+v", n, f)
	}
	for _, f := range res.Folders {
		if f.Folder != "INBOX" && !f.Unchanged {
			t.Errorf("%s changed without new mail: %+v", f.Folder, f)
		}
	}
	if got := syFetchRe.FindAllString(wire, -1); len(got) != 1 {
		t.Errorf("sync after new mail sent %d UID FETCH, want 1:\n%s", len(got), got)
	}
	if sel := sySelectRe.FindAllString(wire, -1); len(sel) != 1 || !strings.Contains(sel[0], "INBOX") {
		t.Errorf("sync after new mail selected %q, want INBOX alone", sel)
	}
	ids := e.syStoredIDs(t)
	for _, id := range syIDs(fresh) {
		if ids[id] != 1 {
			t.Errorf("appended %s stored %d times", id, ids[id])
		}
	}
	if tot := e.syTotals(t); tot.Messages != 180+n {
		t.Errorf("store holds %d messages, want %d", tot.Messages, 180+n)
	}
	if got, want := e.syStoredUIDs(t, "INBOX"), e.syServerUIDs(t, "INBOX"); !slices.Equal(got, want) {
		t.Errorf("INBOX: stored UIDs %v, server UIDs %v", got, want)
	}
}

// TestSyncExpunge expunges messages over IMAP: the next sync removes their
// rows, and a message no other folder holds is gone from the store.
func TestSyncExpunge(t *testing.T) {
	t.Parallel()
	e := syStart(t)
	archive := syMails("Archive", "arch", 40)
	// The first ten of Archive are also filed in INBOX.
	e.syLoad(t, "Archive", archive)
	e.syLoad(t, "INBOX", archive[:10])
	e.syLoad(t, "INBOX", syMails("INBOX", "in", 15))
	e.sySync(t, imapsync.Options{})
	before := e.syTotals(t)
	if before.Messages != 55 || before.Locations != 65 {
		t.Fatalf("after the first sync the store holds %+v, want 55 messages in 65 locations", before)
	}

	// Expunge three shared and four Archive-only messages. Archive was
	// loaded in order, so UID i+1 holds archive[i].
	gone := []int{2, 5, 7, 11, 20, 21, 39}
	var uids []uint32
	for _, i := range gone {
		uids = append(uids, uint32(i+1))
	}
	e.syExpunge(t, "Archive", uids)

	res, _ := e.sySync(t, imapsync.Options{})
	if f := syFolderResult(t, res, "Archive"); f.Removed != len(gone) || f.Added != 0 || f.Messages != 40-len(gone) {
		t.Errorf("Archive after expunging %d: %+v", len(gone), f)
	}
	if f := syFolderResult(t, res, "INBOX"); !f.Unchanged {
		t.Errorf("INBOX changed: %+v", f)
	}
	if tot := e.syTotals(t); tot.Messages != before.Messages-4 || tot.Locations != before.Locations-len(gone) {
		t.Errorf("store totals %+v after the expunge, want %d messages in %d locations", tot, before.Messages-4, before.Locations-len(gone))
	}
	ids := e.syStoredIDs(t)
	for _, i := range gone {
		id, shared := archive[i].Header.MessageID, i < 10
		if shared && ids[id] != 1 {
			t.Errorf("%s, still in INBOX, is gone from the store", id)
		}
		if !shared && ids[id] != 0 {
			t.Errorf("%s, expunged from its only folder, is still stored", id)
		}
	}
	if got, want := e.syStoredUIDs(t, "Archive"), e.syServerUIDs(t, "Archive"); !slices.Equal(got, want) {
		t.Errorf("Archive: stored UIDs %v, server UIDs %v", got, want)
	}
	if st := e.syFolderState(t, "Archive"); st.Messages != 40-len(gone) || st.LastSync.IsZero() {
		t.Errorf("Archive state after expunge: %+v", st)
	}

	// The expunge is recorded: the sync after it has nothing to do.
	res, wire := e.sySync(t, imapsync.Options{})
	for _, f := range res.Folders {
		if !f.Unchanged {
			t.Errorf("sync after the expunge sync, %s: %+v; want unchanged", f.Folder, f)
		}
	}
	if sel := sySelectRe.FindAllString(wire, -1); len(sel) != 0 {
		t.Errorf("sync after the expunge sync selected %q", sel)
	}
}

// TestSyncUIDValidityChange deletes a folder over IMAP and creates it
// again with other mail: Dovecot gives it a new UIDVALIDITY, and the sync
// starts the folder afresh.
func TestSyncUIDValidityChange(t *testing.T) {
	t.Parallel()
	e := syStart(t)
	old := syMails("Projects", "old", 25)
	e.syLoad(t, "Projects", old)
	e.syLoad(t, "INBOX", syMails("INBOX", "in", 5))
	e.sySync(t, imapsync.Options{})
	before := e.syFolderState(t, "Projects")
	if before.Messages != 25 {
		t.Fatalf("Projects after the first sync: %+v", before)
	}

	e.syDeleteFolder(t, "Projects")
	fresh := syMails("Projects", "new", 4)
	if err := e.srv.Append("Projects", fresh...); err != nil { // creates the folder
		t.Fatal(err)
	}
	c := e.syClient(t)
	if st := e.syStatus(t, c, "Projects"); st.UIDValidity == before.UIDValidity {
		t.Fatalf("Dovecot kept UIDVALIDITY %d for the recreated folder; the test needs a new one", st.UIDValidity)
	}

	res, _ := e.sySync(t, imapsync.Options{})
	f := syFolderResult(t, res, "Projects")
	if !f.Reset || f.Added != len(fresh) || f.Messages != len(fresh) || f.Removed != 0 {
		t.Errorf("Projects after its UIDVALIDITY changed: %+v; want reset with %d added", f, len(fresh))
	}
	ids := e.syStoredIDs(t)
	for _, id := range syIDs(old) {
		if ids[id] != 0 {
			t.Errorf("%s, of the deleted folder, is still stored", id)
		}
	}
	for _, id := range syIDs(fresh) {
		if ids[id] != 1 {
			t.Errorf("%s, in the new folder, stored %d times", id, ids[id])
		}
	}
	if tot := e.syTotals(t); tot.Messages != 5+len(fresh) || tot.Locations != 5+len(fresh) {
		t.Errorf("store totals %+v, want %d messages", tot, 5+len(fresh))
	}
	if got, want := e.syStoredUIDs(t, "Projects"), e.syServerUIDs(t, "Projects"); !slices.Equal(got, want) {
		t.Errorf("Projects: stored UIDs %v, server UIDs %v", got, want)
	}
	if st := e.syFolderState(t, "Projects"); st.UIDValidity == before.UIDValidity || st.LastSync.IsZero() {
		t.Errorf("Projects state: %+v; was %+v", st, before)
	}
}

// TestSyncFolderDeleted deletes a folder on the server: the sync drops it
// and the mail only it held.
func TestSyncFolderDeleted(t *testing.T) {
	t.Parallel()
	e := syStart(t)
	list := syMails("Lists/old-list", "list", 30)
	e.syLoad(t, "Lists/old-list", list)
	e.syLoad(t, "Lists/kept", syMails("Lists/kept", "kept", 10))
	// One list mail was also filed in Archive; it must survive.
	e.syLoad(t, "Archive", list[:1])
	e.sySync(t, imapsync.Options{})
	if tot := e.syTotals(t); tot.Messages != 40 || tot.Locations != 41 {
		t.Fatalf("after the first sync the store holds %+v", tot)
	}

	e.syDeleteFolder(t, "Lists/old-list")
	res, _ := e.sySync(t, imapsync.Options{})
	if !slices.Equal(res.Dropped, []string{"Lists/old-list"}) {
		t.Errorf("dropped %q, want [Lists/old-list]", res.Dropped)
	}
	if slices.Contains(syNames(res), "Lists/old-list") {
		t.Errorf("the deleted folder was synced: %v", syNames(res))
	}
	if st := e.syFolderState(t, "Lists/old-list"); st.UIDValidity != 0 || st.Messages != 0 {
		t.Errorf("the deleted folder is still stored: %+v", st)
	}
	if tot := e.syTotals(t); tot.Messages != 11 || tot.Locations != 11 {
		t.Errorf("store totals %+v, want the 10 kept and the 1 archived", tot)
	}
	ids := e.syStoredIDs(t)
	if id := list[0].Header.MessageID; ids[id] != 1 {
		t.Errorf("%s, still in Archive, is gone", id)
	}
	if id := list[1].Header.MessageID; ids[id] != 0 {
		t.Errorf("%s, only in the deleted folder, is still stored", id)
	}
	folders, err := e.db.Folders(t.Context(), syAccount)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range folders {
		if f.Folder == "Lists/old-list" {
			t.Errorf("store still lists %+v", f)
		}
	}
}

// TestSyncConnectionSecurity connects with STARTTLS, refuses a server
// whose CA is not trusted, and keeps a wrong password out of the error.
func TestSyncConnectionSecurity(t *testing.T) {
	t.Parallel()
	e := syStart(t)
	e.syLoad(t, "INBOX", syMails("INBOX", "tls", 3))

	t.Run("starttls", func(t *testing.T) {
		e.acct.Addr, e.acct.Security = e.srv.StartTLSAddr, imapsync.StartTLS
		defer func() { e.acct.Addr, e.acct.Security = e.srv.Addr, imapsync.TLS }()
		res, wire := e.sySync(t, imapsync.Options{})
		if f := syFolderResult(t, res, "INBOX"); f.Added != 3 {
			t.Errorf("INBOX over STARTTLS: %+v", f)
		}
		if !syStartTLSRe.MatchString(wire) {
			t.Errorf("no STARTTLS command on the wire:\n%.600s", wire)
		}
	})

	t.Run("untrusted-ca", func(t *testing.T) {
		for _, acct := range []imapsync.Account{
			{Addr: e.srv.Addr, Security: imapsync.TLS},
			{Addr: e.srv.StartTLSAddr, Security: imapsync.StartTLS},
		} {
			a := *e.acct
			a.Addr, a.Security = acct.Addr, acct.Security
			a.TLS = nil // the system's roots, which do not hold the test CA
			_, err := imapsync.Sync(t.Context(), &a, e.db, imapsync.Options{})
			if err == nil || !strings.Contains(err.Error(), "ca_file") {
				t.Errorf("%s to a server signed by an unknown CA: err = %v; want advice to set ca_file", a.Security, err)
			}
		}
	})

	t.Run("wrong-password", func(t *testing.T) {
		const wrong = "Tr0ub4dor&3-not-the-password"
		a := *e.acct
		a.Secret = func(context.Context) (string, error) { return wrong, nil }
		_, err := imapsync.Sync(t.Context(), &a, e.db, imapsync.Options{})
		if err == nil || !strings.Contains(err.Error(), "log in") {
			t.Fatalf("wrong password: err = %v; want a login error", err)
		}
		if strings.Contains(err.Error(), wrong) || strings.Contains(err.Error(), e.srv.Password) {
			t.Errorf("the login error shows a password: %v", err)
		}
	})
}

// TestSyncHostileHeaders stores mail whose headers are malformed or
// hostile, from synth and written by hand, without any error.
func TestSyncHostileHeaders(t *testing.T) {
	t.Parallel()
	e := syStart(t)

	// One synthetic mail of each hostile kind, all loaded into INBOX so
	// that those synth files in Junk are synced too.
	hostile := map[string]synth.Mail{}
	var mails []synth.Mail
	for _, m := range synth.Generate(synth.Options{Seed: 5, Hostile: true}).Mails {
		if m.Hostile != "" && hostile[m.Hostile].Raw == nil {
			hostile[m.Hostile] = m
			mails = append(mails, m)
		}
	}
	if len(hostile) != 10 {
		t.Fatalf("synth gave %d hostile kinds, want 10", len(hostile))
	}

	many := make([]string, 500)
	for i := range many {
		many[i] = fmt.Sprintf("r%d@example.com", i)
	}
	byHand := []string{
		"From: =?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?= <jurgen@example.de>\nTo: jane@example.com\nSubject: =?ISO-8859-1?Q?Gr=FC=DFe?=\nDate: not a date at all\nMessage-ID: <enc@x>\n\nx\n",
		"From: =?ISO-8859-1?Q?Ren=E9_Fran=E7ois?= <rene@example.fr>\nTo: jane@example.com\nSubject: =?UTF-8?Q?caf=C3=A9_cr=C3=A8me?=\nDate: Tue, 3 Mar 2026 10:00:00 +0100\nMessage-ID: <q@x>\n\nx\n",
		"From: \"M\xfcller, Hans\" <hans@example.de>\nTo: jane@example.com\nSubject: raw \xe9t\xe9\nDate: Tue, 3 Mar 2026 10:00:00 +0100\nMessage-ID: <raw@x>\n\nx\n",
		"From: localuser\nTo: undisclosed-recipients:;\nSubject: no domain\nDate: Tue, 3 Mar 2026 10:00:00 +0100\nMessage-ID: <nodomain@x>\n\nx\n",
		"From: Bob <bob@example.com>\nTo: " + strings.Join(many, ",\n ") + "\nSubject: all hands\nDate: Tue, 3 Mar 2026 10:00:00 +0100\nMessage-ID: <many@x>\n\nx\n",
		"From: Bob <bob@example.com>\nTo: jane@example.com\nSubject: no id\nDate: Tue, 3 Mar 2026 10:00:00 +0100\n\nx\n",
		"From: \"Eve =?UTF-8?Q?=0D=0ABcc:_x@evil.com?=\" <eve@example.com>\nTo: jane@example.com\nSubject: inject\nDate: Tue, 3 Mar 2026 10:00:00 +0100\nMessage-ID: <inject@x>\nReferences: <a@x>\n <b@x> garbage <c@x>\nList-Id: Go Nuts <golang-nuts.googlegroups.com>\nPrecedence: Bulk\n\nx\n",
	}
	arrived := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	for _, raw := range byHand {
		mails = append(mails, synth.Mail{Raw: []byte(strings.ReplaceAll(raw, "\n", "\r\n")), InternalDate: arrived})
	}
	e.syLoad(t, "INBOX", mails)

	res, _ := e.sySync(t, imapsync.Options{})
	if f := syFolderResult(t, res, "INBOX"); f.Added != len(mails) || f.Messages != len(mails) {
		t.Errorf("INBOX: %+v; want all %d hostile mails stored", f, len(mails))
	}
	stored := e.syStored(t)
	if len(stored) != len(mails) {
		t.Errorf("stored %d distinct messages, want %d", len(stored), len(mails))
	}
	bySubject, byID := map[string]store.Stored{}, map[string]store.Stored{}
	for _, s := range stored {
		bySubject[s.Subject] = s
		byID[s.MessageID] = s
	}
	get := func(subject string) store.Stored {
		t.Helper()
		s, ok := bySubject[subject]
		if !ok {
			t.Errorf("no stored message has subject %q; subjects: %q", subject, slices.Sorted(maps.Keys(bySubject)))
		}
		return s
	}
	from := func(s store.Stored) rekindle.Address {
		if len(s.From) != 1 {
			return rekindle.Address{Name: fmt.Sprintf("(%d From addresses)", len(s.From))}
		}
		return s.From[0]
	}

	// Synth's hostile mail against what synth says a correct reader sees.
	for kind, m := range hostile {
		s, ok := byID[m.Header.MessageID]
		if m.Header.MessageID == "" {
			s = get(m.Header.Subject)
		} else if !ok {
			t.Errorf("%s: no stored message has Message-ID %q", kind, m.Header.MessageID)
			continue
		}
		if s.Subject != m.Header.Subject && !(kind == synth.Hostile8BitName && strings.ContainsRune(s.Subject, '\uFFFD')) {
			t.Errorf("%s: Subject %q, want %q", kind, s.Subject, m.Header.Subject)
		}
		if s.MessageID != m.Header.MessageID {
			t.Errorf("%s: Message-ID %q, want %q", kind, s.MessageID, m.Header.MessageID)
		}
		if !s.Date.Equal(m.Header.Date) {
			t.Errorf("%s: Date %v, want %v", kind, s.Date, m.Header.Date)
		}
		if s.When.IsZero() || m.Header.Date.IsZero() && !s.When.Equal(m.InternalDate) {
			t.Errorf("%s: When %v, want the internal date %v when the Date is bad", kind, s.When, m.InternalDate)
		}
		got, want := from(s), m.Header.From[0]
		if kind == synth.Hostile8BitName && strings.ContainsRune(got.Name, '\uFFFD') {
			want.Name = got.Name // replacing the bytes is defensible too
		}
		if !slices.Equal([]rekindle.Address{got}, []rekindle.Address{want}) {
			t.Errorf("%s: From %+v, want %+v", kind, got, want)
		}
		if !slices.Equal(s.To, m.Header.To) {
			t.Errorf("%s: %d To addresses, want %d: %v", kind, len(s.To), len(m.Header.To), s.To[:min(len(s.To), 3)])
		}
		if strings.ContainsAny(got.Name+s.Subject, "\r\n") {
			t.Errorf("%s: CR or LF stored in %q / %q", kind, got.Name, s.Subject)
		}
	}

	// The hand-written ones, as the in-process test checks them.
	enc := get("Grüße")
	if f := from(enc); f.Name != "Jürgen Müller" || f.Email != "jurgen@example.de" || !enc.Date.IsZero() || !enc.When.Equal(arrived) {
		t.Errorf("B-encoded UTF-8 name, bad Date: From %+v, Date %v, When %v", f, enc.Date, enc.When)
	}
	if f := from(get("café crème")); f.Name != "René François" {
		t.Errorf("Q-encoded Latin-1 name: %+v", f)
	}
	if f := from(get("raw été")); f.Name != "Müller, Hans" && !strings.ContainsRune(f.Name, '\uFFFD') {
		t.Errorf("raw 8-bit name: %+v", f)
	}
	if f := from(get("no domain")); f.Email != "localuser" {
		t.Errorf("address without a domain: %+v", f)
	}
	if m := get("all hands"); len(m.To) != 500 || m.To[0].Email != "r0@example.com" || m.To[499].Email != "r499@example.com" {
		t.Errorf("500 recipients: stored %d", len(m.To))
	}
	if m := get("no id"); m.MessageID != "" || from(m).Email != "bob@example.com" {
		t.Errorf("no Message-ID: %+v", m.Header)
	}
	inj := get("inject")
	if f := from(inj); f.Email != "eve@example.com" || strings.ContainsAny(f.Name, "\r\n") || !strings.HasPrefix(f.Name, "Eve") {
		t.Errorf("name with CR/LF: %+v", f)
	}
	if strings.Join(inj.References, " ") != "a@x b@x c@x" || inj.ListID != "Go Nuts <golang-nuts.googlegroups.com>" || inj.Precedence != "bulk" {
		t.Errorf("references and list headers: %+v", inj.Header)
	}
}

// TestSyncAddressWithoutDomain stores an address that has no domain as its
// local part alone, as rekindle.Address documents. Dovecot's ENVELOPE
// gives such an address the host "MISSING_DOMAIN"; the in-process server
// of imapsync's own tests does not, so only this test sees it.
func TestSyncAddressWithoutDomain(t *testing.T) {
	t.Parallel()
	e := syStart(t)
	var mails []synth.Mail
	for _, raw := range []string{
		"From: localuser\r\nTo: undisclosed-recipients:;\r\nSubject: bare\r\nMessage-ID: <bare@x>\r\n\r\nx\r\n",
		"From: Cron Daemon <root>\r\nTo: jane@example.com, ops\r\nSubject: named\r\nMessage-ID: <named@x>\r\n\r\nx\r\n",
	} {
		mails = append(mails, synth.Mail{Raw: []byte(raw), InternalDate: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)})
	}
	e.syLoad(t, "INBOX", mails)
	e.sySync(t, imapsync.Options{})

	got := map[string]rekindle.Header{}
	for _, s := range e.syStored(t) {
		got[s.MessageID] = s.Header
	}
	want := map[string]rekindle.Header{
		"bare@x":  {From: []rekindle.Address{{Email: "localuser"}}},
		"named@x": {From: []rekindle.Address{{Name: "Cron Daemon", Email: "root"}}, To: []rekindle.Address{{Email: "jane@example.com"}, {Email: "ops"}}},
	}
	for id, w := range want {
		if g := got[id]; !slices.Equal(g.From, w.From) || !slices.Equal(g.To, w.To) {
			t.Errorf("%s: From %v To %v; want From %v To %v", id, g.From, g.To, w.From, w.To)
		}
	}
}

// syHeaderDiff lists the fields in which a stored header differs from
// synth's truth.
func syHeaderDiff(got, want rekindle.Header) []string {
	var d []string
	check := func(name string, ok bool, g, w any) {
		if !ok {
			d = append(d, fmt.Sprintf("%s %q, want %q", name, g, w))
		}
	}
	check("Subject", got.Subject == want.Subject, got.Subject, want.Subject)
	check("Date", got.Date.Equal(want.Date), got.Date, want.Date)
	check("From", slices.Equal(got.From, want.From), got.From, want.From)
	check("To", slices.Equal(got.To, want.To), got.To, want.To)
	check("Cc", slices.Equal(got.Cc, want.Cc), got.Cc, want.Cc)
	check("InReplyTo", slices.Equal(got.InReplyTo, want.InReplyTo), got.InReplyTo, want.InReplyTo)
	check("References", slices.Equal(got.References, want.References), got.References, want.References)
	check("ListID", got.ListID == want.ListID, got.ListID, want.ListID)
	check("ListUnsubscribe", got.ListUnsubscribe == want.ListUnsubscribe, got.ListUnsubscribe, want.ListUnsubscribe)
	check("Precedence", got.Precedence == want.Precedence, got.Precedence, want.Precedence)
	check("AutoSubmitted", got.AutoSubmitted == want.AutoSubmitted, got.AutoSubmitted, want.AutoSubmitted)
	return d
}
