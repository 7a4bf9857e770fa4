package imapsync_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rekindle/rekindle/imapsync"
	"github.com/rekindle/rekindle/internal/memimap"
	"github.com/rekindle/rekindle/store"
)

// listCopy is the list's copy of a message: the same message with the
// list's headers.
func listCopy(raw string) string {
	return "List-Id: Go Nuts <golang-nuts.googlegroups.com>\nList-Unsubscribe: <mailto:golang-nuts+unsubscribe@googlegroups.com>\nPrecedence: list\n" + raw
}

// storedByID reads every stored message, keyed by Message-ID, with its
// time and bulk marker.
func storedByID(t *testing.T, db *store.DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := db.EachMessage(context.Background(), time.Time{}, func(s *store.Stored) error {
		out[s.MessageID] = fmt.Sprintf("bulk=%v to=%v when=%v subject=%q", s.IsBulk(), s.To, s.When, s.Subject)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A store synced before migration 0005 holds the list's copies of
// messages that INBOX and Sent hold too. The migration sends those folders
// back to UID 0; the next sync fetches them whole again, stores the
// personal copies in place and leaves every count as it was.
func TestSyncRefetchAfterMigration(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, memimap.Options{})
	for i := range 3 {
		reply := plain("Bob <bob@example.com>", "jane@example.com", fmt.Sprintf("Re: generics %d", i), fmt.Sprintf("r%d@bob", i))
		e.add(t, "INBOX", reply)
		e.add(t, "Lists/go-nuts", listCopy(reply))
		post := plain("Jane <jane@example.com>", "bob@example.com", fmt.Sprintf("generics %d", i), fmt.Sprintf("p%d@jane", i))
		e.add(t, "Sent", post)
		e.add(t, "Lists/go-nuts", listCopy(post))
	}
	e.add(t, "Archive", plain("Carol <carol@example.com>", "jane@example.com", "tea", "c1@carol"))
	e.sync(t, imapsync.Options{})
	want := storedByID(t, e.db)
	wantTot := totals(t, e.db)
	for id, s := range want {
		if strings.Contains(s, "bulk=true") {
			t.Fatalf("%s stored as its list's copy: %s", id, s)
		}
	}

	// Make the store what an older rekindle left with the list's folder
	// synced first: the list's copies stored, unranked. A second store
	// that reads only the list's folder gives their rows.
	lists, err := store.Open(ctx, filepath.Join(t.TempDir(), "lists.db"))
	if err != nil {
		t.Fatal(err)
	}
	onlyLists := *e.acct
	onlyLists.Exclude = []string{"INBOX", "Sent", "Archive"}
	if res, err := imapsync.Sync(ctx, &onlyLists, lists, imapsync.Options{}); err != nil || res.Err() != nil {
		t.Fatalf("sync of the list's folder: %v, %v", err, res.Err())
	}
	lists.Close()
	raw, err := sql.Open("sqlite", "file:"+e.db.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1) // ATTACH is per connection
	if _, err := raw.ExecContext(ctx, `ATTACH DATABASE ? AS lists`, lists.Path()); err != nil {
		t.Fatal(err)
	}
	res, err := raw.ExecContext(ctx, `UPDATE messages SET (header, internal_date, sent_at, bulk) =
		(SELECT l.header, l.internal_date, l.sent_at, NULL FROM lists.messages l WHERE l.key = messages.key)
		WHERE key IN (SELECT key FROM lists.messages)`)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 6 {
		t.Fatalf("%d rows made list copies, want 6", n)
	}
	if got := storedByID(t, e.db); strings.Count(fmt.Sprint(got), "bulk=true") != 6 {
		t.Fatalf("the old store: %v", got)
	}
	// The migration's repair, as 0005 runs it.
	mig, err := os.ReadFile("../store/migrations/0005_personal_copy.sql")
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(mig), "\nUPDATE folders")
	if i < 0 {
		t.Fatal("0005 has no UPDATE folders")
	}
	if _, err := raw.ExecContext(ctx, string(mig[i:])); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	e.fetches()
	// One message a batch: the first report of a folder tells what the
	// sync expected to fetch (which decides a split fetch, too).
	first, last := map[string]imapsync.Progress{}, map[string]imapsync.Progress{}
	res2 := e.sync(t, imapsync.Options{BatchSize: 1, Progress: func(p imapsync.Progress) {
		if _, ok := first[p.Folder]; !ok {
			first[p.Folder] = p
		}
		last[p.Folder] = p
	}})
	for _, f := range []struct {
		name     string
		messages int
	}{{"INBOX", 3}, {"Sent", 3}, {"Lists/go-nuts", 6}} {
		fr := folderResult(t, res2, f.name)
		if fr.Unchanged || fr.Reset || fr.Added != 0 || fr.Removed != 0 || fr.Messages != f.messages {
			t.Errorf("%s re-fetched: %+v; want its %d messages kept, none added or removed", f.name, fr, f.messages)
		}
		if p, q := first[f.name], last[f.name]; p.Total != f.messages || q.Done != f.messages || q.Total != f.messages {
			t.Errorf("%s re-fetch progress from %+v to %+v, want all %d messages expected and fetched again", f.name, p, q, f.messages)
		}
	}
	if fr := folderResult(t, res2, "Archive"); !fr.Unchanged {
		t.Errorf("Archive holds no copies but was synced again: %+v", fr)
	}
	if n := e.fetches(); n != 3 {
		t.Errorf("%d UID FETCH commands, want one for each of the three folders", n)
	}
	if got := storedByID(t, e.db); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("after the re-fetch:\n%v\nwant what a fresh sync stores:\n%v", got, want)
	}
	if tot := totals(t, e.db); tot != wantTot {
		t.Errorf("totals after the re-fetch = %+v, want %+v", tot, wantTot)
	}
	// And the next sync is incremental again.
	res3 := e.sync(t, imapsync.Options{})
	for _, fr := range res3.Folders {
		if !fr.Unchanged {
			t.Errorf("third sync: %s not unchanged: %+v", fr.Folder, fr)
		}
	}
}
