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
	"syscall"
	"time"

	"modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// DB is an open rekindle database.
type DB struct {
	db       *sql.DB
	path     string
	readOnly bool // opened by OpenReadOnly
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
	if err := setPageSize(ctx, path); err != nil {
		return nil, openFailed(path, err)
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
	// Checkpoint the WAL into the database every 250 pages: 4 MB of a new
	// store's 16 KB pages, the WAL SQLite's default of 1000 pages keeps
	// with 4 KB ones. At 1000 pages of 16 KB the WAL grew to 16 MB, and
	// the checkpoint and removal of it when a first sync closes the store
	// added 50-70 ms to its end (generated mailbox, 50 ms link). An older
	// store (4 KB pages) checkpoints every 1 MB, more than the syncs after
	// the first write.
	q.Add("_pragma", "wal_autocheckpoint(250)")
	// A page cache of 4 MB (the default is 2 MB) holds the indexes a sync
	// inserts into (about 2 MB at 50,000 messages); 8 MB bought no time,
	// even on a first sync of 193,000 messages (8.8 s either way), and
	// cost 7-8 MB of its peak RSS (63 MB there, against 56).
	q.Add("_pragma", "cache_size(-4000)")
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
		return nil, openFailed(path, err)
	}
	// SQLite gives -wal and -shm the database's mode when it creates
	// them; ones an older rekindle left are tightened here.
	for _, suffix := range []string{"-wal", "-shm"} {
		tighten(path + suffix)
	}
	return d, nil
}

// openFailed is Open's error for err, a failure writing the database at
// path: a DiskFullError (which names the store) when the disk is full.
func openFailed(path string, err error) error {
	if err := diskFull(path, err); errors.Is(err, ErrDiskFull) {
		return err
	}
	return fmt.Errorf("open store %s: %w", path, err)
}

// ErrNoStore is what errors.Is finds in OpenReadOnly's error when there is
// no database at the path: nothing has been synced yet.
var ErrNoStore = errors.New("no store yet")

// ErrNeedsSync is what errors.Is finds in OpenReadOnly's error when the
// database's schema is older than this rekindle's: Open (a sync) brings
// it up to date.
var ErrNeedsSync = errors.New("the store needs updating")

// OpenReadOnly opens the database at path for reading only, for commands
// that only read (status, contacts, a digest preview, replay): it never
// writes to the database, creates nothing but SQLite's shared-memory
// index next to it, applies no migration, and works on a full disk,
// where Open fails. A database whose schema is older than this
// rekindle's is an error (ErrNeedsSync) saying to run a sync, which
// updates it; a missing one is ErrNoStore.
func OpenReadOnly(ctx context.Context, path string) (*DB, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w at %s: run rekindle sync first", ErrNoStore, path)
	} else if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	d, err := openReadOnly(ctx, path, "")
	if err != nil && retryReadOnly(err) {
		// A reader of a WAL database sets up its shared-memory index in
		// the -shm file, which fails when the disk is full (SQLite says
		// "disk I/O error") or the directory is not writable. Read
		// without it: from a -shm file left read-only (SQLite then keeps
		// the index in memory), or, with neither -shm nor a WAL to read,
		// from the database file alone.
		fallback := "readonly_shm=1"
		if _, serr := os.Stat(path + "-shm"); serr != nil && walEmpty(path) {
			fallback = "immutable=1"
		}
		if d2, err2 := openReadOnly(ctx, path, fallback); err2 == nil {
			d, err = d2, nil
		}
	}
	if err != nil {
		if err := diskFull(path, err); errors.Is(err, ErrDiskFull) {
			return nil, err
		}
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	ms, err := loadMigrations()
	if err != nil {
		d.Close()
		return nil, err
	}
	current, err := d.schemaVersionRO(ctx)
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	switch latest := ms[len(ms)-1].version; {
	case current > latest:
		d.Close()
		return nil, fmt.Errorf("open store %s: schema version %d is newer than this rekindle knows (%d): upgrade rekindle, or point store.path at another file", path, current, latest)
	case current < latest:
		d.Close()
		if current == 0 {
			return nil, fmt.Errorf("%w: %s holds no rekindle data yet: run rekindle sync first", ErrNeedsSync, path)
		}
		return nil, fmt.Errorf("%w: %s was written by an older rekindle (schema %d, this one reads %d): run rekindle sync once to update it (commands that only read never write to the store)",
			ErrNeedsSync, path, current, latest)
	}
	return d, nil
}

// openReadOnly opens path read-only, with extra URI parameters, and
// checks that it reads.
func openReadOnly(ctx context.Context, path, extra string) (*DB, error) {
	q := url.Values{}
	q.Set("mode", "ro")
	q.Add("_pragma", "busy_timeout(10000)")
	// Belt and braces over mode=ro: refuse any statement that writes.
	q.Add("_pragma", "query_only(1)")
	q.Add("_pragma", "cache_size(-8000)")
	q.Add("_pragma", "temp_store(MEMORY)")
	dsn := "file:" + path + "?" + q.Encode()
	if extra != "" {
		dsn += "&" + extra
	}
	sdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	d := &DB{db: sdb, path: path, readOnly: true, Now: time.Now}
	if _, err := d.schemaVersionRO(ctx); err != nil {
		sdb.Close()
		return nil, err
	}
	return d, nil
}

// schemaVersionRO is SchemaVersion, 0 for a database without the table
// (one that Open created but never got to migrate).
func (d *DB) schemaVersionRO(ctx context.Context) (int, error) {
	var n int
	err := d.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'`).Scan(&n)
	if err != nil || n == 0 {
		return 0, err
	}
	return d.SchemaVersion(ctx)
}

// retryReadOnly reports whether a read-only open failed for want of
// writing SQLite's shared-memory index.
func retryReadOnly(err error) bool {
	switch sqliteCode(err) {
	case sqliteIOErr, sqliteCantOpen, sqliteFull, sqliteReadOnly:
		return true
	}
	return false
}

// walEmpty reports whether the database at path has no write-ahead log
// with anything in it.
func walEmpty(path string) bool {
	fi, err := os.Stat(path + "-wal")
	return errors.Is(err, fs.ErrNotExist) || err == nil && fi.Size() == 0
}

// ErrDiskFull is what errors.Is finds in an error from the store when the
// disk holding it is full; so does errors.Is(err, syscall.ENOSPC), which
// is how imapsync, which knows nothing of the store, stops a sync at the
// first full-disk error rather than downloading every other folder.
var ErrDiskFull = errors.New("disk full")

// DiskFullError is the store's error when the disk holding it is full:
// SQLite's "database or disk is full", or an I/O error where the disk has
// no room left. It says so and what to do.
type DiskFullError struct {
	// Path is the database file.
	Path string
	// Err is the error as it came.
	Err error
}

// Error names the store and says what to do.
func (e *DiskFullError) Error() string {
	return fmt.Sprintf("disk full: no room left on the disk holding the store %s (%v); free some space there, or set store.path to a disk with room, and run rekindle sync again: it resumes where it stopped", e.Path, e.Err)
}

// Unwrap returns the error as it came.
func (e *DiskFullError) Unwrap() error { return e.Err }

// Is matches ErrDiskFull and syscall.ENOSPC.
func (e *DiskFullError) Is(target error) bool {
	return target == ErrDiskFull || target == syscall.ENOSPC
}

// SQLite's primary result codes the store tells apart.
const (
	sqliteReadOnly = 8
	sqliteIOErr    = 10
	sqliteFull     = 13
	sqliteCantOpen = 14
	// sqliteConstraintUnique is an extended code: a UNIQUE index refused
	// a row.
	sqliteConstraintUnique = 2067
)

// isUniqueViolation reports whether err is a UNIQUE constraint's refusal.
func isUniqueViolation(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code() == sqliteConstraintUnique
}

// sqliteCode is the primary SQLite result code of err; 0 when err holds
// no SQLite error.
func sqliteCode(err error) int {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return 0
	}
	return se.Code() & 0xff
}

// minFree is the free space under which an I/O error from SQLite is put
// down to a full disk: less than a few pages and a shared-memory index.
const minFree = 1 << 20

// diskFull returns err as a *DiskFullError when it comes from the disk
// holding the database at path being full, else err unchanged.
func diskFull(path string, err error) error {
	if err == nil || errors.Is(err, ErrDiskFull) {
		return err
	}
	switch sqliteCode(err) {
	case sqliteFull:
		return &DiskFullError{Path: path, Err: err}
	case sqliteIOErr, sqliteCantOpen:
		if free, ok := freeSpace(filepath.Dir(path)); ok && free < minFree {
			return &DiskFullError{Path: path, Err: err}
		}
	}
	if errors.Is(err, syscall.ENOSPC) {
		return &DiskFullError{Path: path, Err: err}
	}
	return err
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

// pageSize is the page size of a new store: 16 KB, where SQLite's
// default is 4 KB. A sync writes the messages and their indexes in
// fewer, fuller pages, and the model's scan of every message reads a
// quarter as many: a first sync took 4-8% less CPU (the generated
// mailbox, wolfgang, peter, 200,000 generated messages) and the model's
// scan 7-12% less time, with the same peak RSS (README, Benchmarks).
const pageSize = 16384

// setPageSize gives the database at path, if it is a new (empty) file,
// pages of pageSize, and puts it in WAL mode, which fixes the page size
// in its first page. A database that holds anything keeps its page size
// (in WAL mode SQLite cannot change it): a store an older rekindle
// made has 4 KB pages and works as before.
//
// Open's own connections cannot do this: the driver runs the DSN's
// pragmas sorted by name, journal_mode (which writes the first page)
// before page_size. They keep journal_mode in their DSN: with it taken
// out so that page_size came first, a first sync's peak RSS rose from 48
// to 72 MB (the cause was not pinned down; the page cache of a
// connection that reads the page size only at its first query is a
// likely one).
func setPageSize(ctx context.Context, path string) error {
	if fi, err := os.Stat(path); err != nil || fi.Size() > 0 {
		return err
	}
	db, err := sql.Open("sqlite", fmt.Sprintf("file:%s?_pragma=busy_timeout(10000)&_pragma=page_size(%d)", path, pageSize))
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, `PRAGMA journal_mode = WAL`)
	return err
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
			// A migration may rewrite the messages (0006 did): the
			// contacts snapshot, once there is one, is out of date.
			var snapshot int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'contacts_state'`).Scan(&snapshot); err != nil {
				return err
			}
			if snapshot > 0 {
				if err := contactsChanged(ctx, tx); err != nil {
					return err
				}
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

// tx runs fn in a write transaction, committing if it returns nil. A full
// disk is a *DiskFullError.
func (d *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	if d.readOnly {
		return fmt.Errorf("store %s was opened read-only", d.path)
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return diskFull(d.path, err)
	}
	if err := fn(tx); err != nil {
		return diskFull(d.path, errors.Join(err, tx.Rollback()))
	}
	return diskFull(d.path, tx.Commit())
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
