//go:build unix

package store

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// The database and its -wal and -shm files hold who the user writes to:
// mode 0600 whatever the umask, and an older store's 0644 files are
// tightened when it is opened. (Umask is process-wide, so this test does
// not run in parallel with others.)
func TestStoreFilesPrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	ctx := context.Background()

	check := func(t *testing.T, path string) {
		t.Helper()
		for _, suffix := range []string{"", "-wal", "-shm"} {
			fi, err := os.Stat(path + suffix)
			if err != nil {
				t.Errorf("%s: %v", filepath.Base(path+suffix), err)
				continue
			}
			if perm := fi.Mode().Perm(); perm != 0o600 {
				t.Errorf("%s has mode %#o, want 0600", filepath.Base(path+suffix), perm)
			}
		}
	}
	put := func(t *testing.T, d *DB) {
		t.Helper()
		must(t, d.PutMessages(ctx, "w", "INBOX", nil, 0))
	}

	t.Run("new", func(t *testing.T) {
		dir := t.TempDir() // exists already: rekindle does not create it
		path := filepath.Join(dir, "rekindle.db")
		d, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		put(t, d)
		check(t, path)
	})

	t.Run("existing 0644", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "rekindle.db")
		d, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		put(t, d)
		// Another process keeps the -wal and -shm alive while this one
		// reopens; make all three what an older rekindle left.
		for _, suffix := range []string{"", "-wal", "-shm"} {
			must(t, os.Chmod(path+suffix, 0o644))
		}
		d2, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer d2.Close()
		d.Close()
		put(t, d2)
		check(t, path)
	})
}
