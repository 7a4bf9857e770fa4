package imapsync_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rekindle/rekindle"
	"github.com/rekindle/rekindle/imapsync"
	"github.com/rekindle/rekindle/internal/memimap"
	"github.com/rekindle/rekindle/store"
)

// fullStore is a store whose disk fills up after room batches: then every
// write fails as the store fails on a full disk.
type fullStore struct {
	*store.DB
	room int
}

func (s *fullStore) PutMessages(ctx context.Context, account, folder string, msgs []rekindle.Message, lastUID uint32) error {
	if s.room == 0 {
		return fmt.Errorf("store %d messages of %s/%s: %w", len(msgs), account, folder,
			&store.DiskFullError{Path: s.Path(), Err: errors.New("database or disk is full (13)")})
	}
	s.room--
	return s.DB.PutMessages(ctx, account, folder, msgs, lastUID)
}

// TestSyncStopsOnFullDisk: the first full-disk error stops the sync (the
// other folders would download their headers only to fail the same way),
// saying so; the next sync, with room, resumes where it stopped and
// stores every message once. (The store's side, SQLite's error on a full
// disk turned into a *store.DiskFullError, is tested in package store and
// end to end on a full tmpfs in cmd/rekindle.)
func TestSyncStopsOnFullDisk(t *testing.T) {
	e := newEnv(t, memimap.Options{})
	folders := []string{"INBOX", "Archive", "Lists/go-nuts", "Sent"}
	const perFolder = 120
	for _, f := range folders {
		e.fill(t, f, perFolder)
	}
	// Room for the first folder's three batches of 50, 50 and 20.
	st := &fullStore{DB: e.db, room: 3}
	res, err := imapsync.Sync(context.Background(), e.acct, st, imapsync.Options{BatchSize: 50})
	if !errors.Is(err, store.ErrDiskFull) || !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("sync on a full disk: %v; want the store's disk-full error", err)
	}
	if res == nil || len(res.Folders) != 2 {
		t.Fatalf("sync on a full disk went through %+v; want the folder that filled the disk to be the last", res)
	}
	first, failed := res.Folders[0], res.Folders[1]
	if first.Err != nil || first.Messages != perFolder {
		t.Errorf("the folder that fit: %+v", first)
	}
	if !strings.Contains(err.Error(), "folder "+failed.Folder) {
		t.Errorf("the error does not name the folder %s: %v", failed.Folder, err)
	}
	for _, f := range folders {
		s, err := e.db.Folder(context.Background(), "work", f)
		if err != nil {
			t.Fatal(err)
		}
		if f != first.Folder && s.Messages != 0 {
			t.Errorf("%s: %d messages stored on a full disk", f, s.Messages)
		}
	}

	// With room again the sync resumes: the folder done is unchanged, the
	// others are fetched, every message is stored once.
	res = e.sync(t, imapsync.Options{BatchSize: 50})
	if f := folderResult(t, res, first.Folder); !f.Unchanged {
		t.Errorf("the folder stored before the disk filled: %+v; want unchanged", f)
	}
	seen := map[string]int{}
	e.db.EachMessage(context.Background(), time.Time{}, func(s *store.Stored) error {
		seen[s.MessageID]++
		return nil
	})
	if len(seen) != len(folders)*perFolder {
		t.Errorf("%d messages stored after the resumed sync, want %d", len(seen), len(folders)*perFolder)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s stored %d times", id, n)
		}
	}
}
