package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/rekindle/rekindle"
	"github.com/rekindle/rekindle/internal/tmpfs"
)

// bigMsgs returns n messages with large headers, UIDs from first on.
func bigMsgs(first uint32, n int) []rekindle.Message {
	ms := make([]rekindle.Message, n)
	for i := range ms {
		uid := first + uint32(i)
		ms[i] = msg(uid, fmt.Sprintf("big%d@x", uid))
		ms[i].Subject = strings.Repeat(fmt.Sprintf("subject %d ", uid), 150)
	}
	return ms
}

// checkDiskFull fails t unless err is the store's full-disk error: one
// that errors.Is finds as ErrDiskFull and syscall.ENOSPC, saying "disk
// full", naming the store and what to do.
func checkDiskFull(t *testing.T, err error, path string) {
	t.Helper()
	var fe *DiskFullError
	if !errors.Is(err, ErrDiskFull) || !errors.Is(err, syscall.ENOSPC) || !errors.As(err, &fe) {
		t.Fatalf("error %v: want a *DiskFullError", err)
	}
	for _, want := range []string{"disk full", path, "free some space", "resumes"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// TestDiskFullStopsWrites: SQLite's max_page_count makes inserts fail as
// on a full disk (SQLITE_FULL), deterministically. The batch is not
// stored, the folder's LastUID stays where the last stored batch left it,
// and with room again the same batch goes in.
func TestDiskFullStopsWrites(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	d.db.SetMaxOpenConns(1) // max_page_count holds for one connection
	must(t, d.PutMessages(ctx, "work", "INBOX", bigMsgs(1, 10), 10))
	var pages int
	must(t, d.db.QueryRow(`PRAGMA page_count`).Scan(&pages))
	_, err := d.db.Exec(fmt.Sprintf(`PRAGMA max_page_count = %d`, pages+4))
	must(t, err)

	err = d.PutMessages(ctx, "work", "INBOX", bigMsgs(11, 200), 210)
	checkDiskFull(t, err, d.Path())
	st, err := d.Folder(ctx, "work", "INBOX")
	must(t, err)
	if st.LastUID != 10 || st.Messages != 10 {
		t.Errorf("after the failed batch: LastUID %d, %d messages; want 10 and 10", st.LastUID, st.Messages)
	}

	_, err = d.db.Exec(`PRAGMA max_page_count = 1073741823`)
	must(t, err)
	must(t, d.PutMessages(ctx, "work", "INBOX", bigMsgs(11, 200), 210))
	st, err = d.Folder(ctx, "work", "INBOX")
	must(t, err)
	if st.LastUID != 210 || st.Messages != 210 {
		t.Errorf("resumed: LastUID %d, %d messages; want 210 and 210", st.LastUID, st.Messages)
	}
}

// TestOpenReadOnly: the read-only commands' store reads what a sync wrote,
// also while the sync writes, and never writes: no file for a store not
// synced yet, no migration for one an older rekindle wrote, no write
// whatever is asked.
func TestOpenReadOnly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "rekindle.db")

	_, err := OpenReadOnly(ctx, path)
	if !errors.Is(err, ErrNoStore) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "run rekindle sync") {
		t.Errorf("no store: %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("OpenReadOnly created %s: %v", path, err)
	}

	w, err := Open(ctx, path)
	must(t, err)
	must(t, w.PutMessages(ctx, "work", "INBOX", bigMsgs(1, 3), 3))
	ro, err := OpenReadOnly(ctx, path)
	must(t, err)
	tot, err := ro.Totals(ctx)
	must(t, err)
	if tot.Messages != 3 {
		t.Errorf("read-only: %d messages, want 3", tot.Messages)
	}
	// A sync commits meanwhile: the next read sees it.
	must(t, w.PutMessages(ctx, "work", "INBOX", bigMsgs(4, 3), 6))
	if tot, _ := ro.Totals(ctx); tot.Messages != 6 {
		t.Errorf("read-only after a commit: %d messages, want 6", tot.Messages)
	}
	must(t, w.Close())
	before, err := os.ReadFile(path)
	must(t, err)
	if err := ro.PutMessages(ctx, "work", "INBOX", bigMsgs(7, 1), 7); err == nil {
		t.Error("a read-only store stored messages")
	}
	if _, err := ro.db.Exec(`DELETE FROM messages`); err == nil {
		t.Error("a read-only store ran a DELETE")
	}
	must(t, ro.Close())
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("the database file changed under a read-only store")
	}

	setVersion := func(v int) {
		t.Helper()
		d, err := Open(ctx, path)
		must(t, err)
		_, err = d.db.Exec(`UPDATE schema_version SET version = ?`, v)
		must(t, err)
		must(t, d.Close())
	}
	ms, err := loadMigrations()
	must(t, err)
	latest := ms[len(ms)-1].version

	// An older rekindle's store: a sync updates it, a read does not.
	setVersion(latest - 1)
	before, _ = os.ReadFile(path)
	_, err = OpenReadOnly(ctx, path)
	if !errors.Is(err, ErrNeedsSync) || !strings.Contains(err.Error(), fmt.Sprintf("schema %d", latest-1)) || !strings.Contains(err.Error(), "run rekindle sync once") {
		t.Errorf("older schema: %v", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("OpenReadOnly changed a store that needs migrating")
	}
	// A newer rekindle's store.
	d, err := Open(ctx, path) // an old rekindle's store is missing nothing: the last migration runs again
	if err == nil {
		_, err = d.db.Exec(`UPDATE schema_version SET version = ?`, latest+1)
		must(t, err)
		must(t, d.Close())
		if _, err := OpenReadOnly(ctx, path); err == nil || !strings.Contains(err.Error(), "newer than this rekindle knows") {
			t.Errorf("newer schema: %v", err)
		}
	}

	// A file that is no store yet (Open created it, then failed).
	empty := filepath.Join(t.TempDir(), "empty.db")
	must(t, os.WriteFile(empty, nil, 0o600))
	if _, err := OpenReadOnly(ctx, empty); !errors.Is(err, ErrNeedsSync) || !strings.Contains(err.Error(), "run rekindle sync first") {
		t.Errorf("empty file: %v", err)
	}
}

// TestFullDisk puts the store on a 4 MB tmpfs and fills it: a write says
// "disk full" (not "disk I/O error"), with the path and what to do;
// opening it for a sync fails the same way; reading it still works, from
// a store left open or closed; with room again, writing resumes.
func TestFullDisk(t *testing.T) {
	ctx := context.Background()
	dir := tmpfs.Mount(t, 4<<20)
	for _, closed := range []bool{false, true} {
		t.Run(fmt.Sprintf("closed=%v", closed), func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprintf("closed-%v", closed), "rekindle.db")
			d, err := Open(ctx, path)
			must(t, err)
			defer func() { d.Close() }()
			must(t, d.PutMessages(ctx, "work", "INBOX", bigMsgs(1, 10), 10))
			if closed {
				must(t, d.Close())
			}
			filler := tmpfs.Fill(t, dir, 0)
			defer os.Remove(filler)
			if !closed {
				checkDiskFull(t, d.PutMessages(ctx, "work", "INBOX", bigMsgs(11, 500), 510), path)
				d.Close()
			}

			// Opening it for a sync fails as full when SQLite cannot
			// set up its shared-memory index (it said "disk I/O error");
			// with the index left by a store that could not checkpoint,
			// the open works and the first write fails.
			if d, err := Open(ctx, path); err != nil {
				checkDiskFull(t, err, path)
			} else {
				checkDiskFull(t, d.PutMessages(ctx, "work", "INBOX", bigMsgs(11, 500), 510), path)
				d.Close()
			}
			ro, err := OpenReadOnly(ctx, path)
			if err != nil {
				t.Fatalf("read-only open on a full disk: %v", err)
			}
			if tot, err := ro.Totals(ctx); err != nil || tot.Messages != 10 {
				t.Errorf("read-only on a full disk: %+v, %v; want 10 messages", tot, err)
			}
			if st, err := ro.Folder(ctx, "work", "INBOX"); err != nil || st.LastUID != 10 {
				t.Errorf("read-only on a full disk: %+v, %v; want LastUID 10", st, err)
			}
			must(t, ro.Close())

			must(t, os.Remove(filler))
			d, err = Open(ctx, path)
			must(t, err)
			must(t, d.PutMessages(ctx, "work", "INBOX", bigMsgs(11, 100), 110))
			if st, _ := d.Folder(ctx, "work", "INBOX"); st.Messages != 110 {
				t.Errorf("resumed with room: %d messages, want 110", st.Messages)
			}
			must(t, d.Close())
			must(t, os.RemoveAll(filepath.Dir(path))) // room for the next case
		})
	}
}
