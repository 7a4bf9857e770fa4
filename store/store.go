// Package store keeps rekindle's state in one SQLite database: the headers
// of every synced message, where each was seen, and what makes the next sync
// incremental.
//
// It uses modernc.org/sqlite (pure Go, no cgo) in WAL mode, so the daemon
// and a CLI command can use the same file at once.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// DB is an open rekindle database.
type DB struct {
	db   *sql.DB
	path string
	// Now returns the current time; tests replace it.
	Now func() time.Time
}

// Open opens (creating if needed) the database at path and brings its schema
// up to date. The directory is created with mode 0700, and the database
// and its -wal and -shm files are 0600 whatever the umask: the store holds
// who the user writes to, which is private.
func Open(ctx context.Context, path string) (*DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create store directory: %w", err)
		}
	}
	if err := createPrivate(path); err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	q := url.Values{}
	// WAL lets readers (a CLI command) run while the daemon writes.
	q.Add("_pragma", "journal_mode(WAL)")
	// A second process waits for the write lock instead of failing at once.
	q.Add("_pragma", "busy_timeout(10000)")
	// locations -> folders cascades rely on it.
	q.Add("_pragma", "foreign_keys(1)")
	// In WAL mode NORMAL is safe against corruption; a crash can lose the
	// last transaction, which the next sync simply fetches again.
	q.Add("_pragma", "synchronous(NORMAL)")
	// A page cache of 8 MB (the default is 2 MB) holds the indexes a sync
	// inserts into; more buys little and shows in the daemon's memory.
	q.Add("_pragma", "cache_size(-8000)")
	// Statement journals (multi-row INSERT ... ON CONFLICT needs one) and
	// temporary tables live in memory, not in temporary files.
	q.Add("_pragma", "temp_store(MEMORY)")
	// Take the write lock when a transaction begins, so two writers queue on
	// busy_timeout rather than deadlocking on a read-to-write upgrade.
	q.Set("_txlock", "immediate")
	sdb, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	d := &DB{db: sdb, path: path, Now: time.Now}
	if err := d.migrate(ctx); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	// SQLite gives -wal and -shm the database's mode when it creates
	// them; ones an older rekindle left are tightened here.
	for _, suffix := range []string{"-wal", "-shm"} {
		tighten(path + suffix)
	}
	return d, nil
}

// createPrivate creates the database file with mode 0600 (the umask can
// only take bits away from that) before SQLite opens it, and takes the
// group and others' bits off an existing one: it holds who the user
// writes to.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	f.Close()
	tighten(path)
	return nil
}

// tighten removes the group and others' permission bits from a file, if
// it exists and has any. Best effort: a file the user cannot chmod (not
// theirs) is left as it is.
func tighten(path string) {
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		os.Chmod(path, fi.Mode().Perm()&^0o077)
	}
}

// Path is the database file's path.
func (d *DB) Path() string { return d.path }

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

// Ping checks that the database answers; the daemon's watchdog uses it.
func (d *DB) Ping(ctx context.Context) error {
	var n int
	return d.db.QueryRowContext(ctx, "SELECT 1").Scan(&n)
}

type migration struct {
	version int
	name    string
	sql     string
}

func loadMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and '_'", e.Name())
		}
		b, err := migrationFS.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// migrate applies every embedded migration newer than the database's
// version, each in its own transaction.
func (d *DB) migrate(ctx context.Context) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	if _, err := d.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_version: %w", err)
	}
	current, err := d.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if latest := ms[len(ms)-1].version; current > latest {
		return fmt.Errorf("schema version %d is newer than this rekindle knows (%d): upgrade rekindle, or point store.path at another file", current, latest)
	}
	for _, m := range ms {
		if m.version <= current {
			continue
		}
		err := d.tx(ctx, func(tx *sql.Tx) error {
			// Re-check inside the write lock: another process may have
			// migrated since we looked.
			var v int
			if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&v); err != nil {
				return err
			}
			if v >= m.version {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `DELETE FROM schema_version; INSERT INTO schema_version (version) VALUES (?)`, m.version)
			return err
		})
		if err != nil {
			return fmt.Errorf("apply migration %s: %w", m.name, err)
		}
	}
	return nil
}

// SchemaVersion is the version of the newest migration applied.
func (d *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := d.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

// tx runs fn in a write transaction, committing if it returns nil.
func (d *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}

func unixOrNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Unix()
}

func fromUnix(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.Unix(v.Int64, 0).UTC()
}
