package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"

	"github.com/rekindle/rekindle"
)

// PutMessages stores one batch of a folder's messages and advances the
// folder's LastUID to lastUID, in one transaction: after a crash or a cut
// connection the next sync resumes after the last batch that committed,
// with no gap and no duplicate. A message already stored from another
// folder (same Message-ID) is kept once, with one more location, and as its
// most personal copy: see betterCopy.
func (d *DB) PutMessages(ctx context.Context, account, folder string, msgs []rekindle.Message, lastUID uint32) error {
	err := d.tx(ctx, func(tx *sql.Tx) error {
		fid, err := folderID(ctx, tx, account, folder)
		if err != nil {
			return err
		}
		added, err := newLocations(ctx, tx, fid, msgs)
		if err != nil {
			return err
		}
		// Multi-row INSERTs: per-statement overhead dominates single-row
		// inserts. The key is derived from the message, so a copy already
		// stored is the same row: it is updated in place (same id) only
		// when the new copy ranks better, and its location points at it
		// either way.
		var (
			buf []byte
			// The packed headers of the rows being inserted, one after
			// the other (most are under 512 bytes); reused once they are.
			blobs    = make([]byte, 0, rowsPerInsert*512)
			msgArgs  []any
			locArgs  []any
			inserted int
			full     [2]*sql.Stmt // prepared once per batch for full-size chunks
			changed  bool         // a message was stored or a copy replaced
		)
		defer func() {
			for _, st := range full {
				if st != nil {
					st.Close()
				}
			}
		}()
		exec := func(i int, q string, args []any) (sql.Result, error) {
			if inserted < rowsPerInsert {
				return tx.ExecContext(ctx, q, args...)
			}
			if full[i] == nil {
				st, err := tx.PrepareContext(ctx, q)
				if err != nil {
					return nil, err
				}
				full[i] = st
			}
			return full[i].ExecContext(ctx, args...)
		}
		flush := func() error {
			if inserted == 0 {
				return nil
			}
			q := `INSERT INTO messages (key, internal_date, sent_at, header, bulk) VALUES ` +
				placeholders(inserted, 5) + betterCopy
			res, err := exec(0, q, msgArgs)
			if err != nil {
				return fmt.Errorf("insert messages: %w", err)
			}
			// Rows inserted, and rows the upsert replaced; not the copies
			// it left as they were.
			if n, err := res.RowsAffected(); err != nil || n > 0 {
				changed = true
			}
			q = `INSERT OR REPLACE INTO locations (folder_id, uid, message_key, flags) VALUES ` + placeholders(inserted, 4)
			if _, err := exec(1, q, locArgs); err != nil {
				return fmt.Errorf("insert locations: %w", err)
			}
			// The driver copied the headers when it bound them.
			msgArgs, locArgs, blobs, inserted = msgArgs[:0], locArgs[:0], blobs[:0], 0
			return nil
		}
		for i := range msgs {
			m := &msgs[i]
			buf = encodeHeader(buf, &m.Header)
			key := messageKey(&m.Header, buf)
			start := len(blobs)
			blobs = append(blobs, buf...)
			msgArgs = append(msgArgs, key, m.InternalDate.Unix(), m.When().Unix(), blobs[start:len(blobs):len(blobs)], bulkRank(&m.Header))
			locArgs = append(locArgs, fid, m.UID, key, strings.Join(m.Flags, " "))
			if inserted++; inserted == rowsPerInsert {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := flush(); err != nil {
			return err
		}
		if err := queueActions(ctx, tx, msgs, buf); err != nil {
			return err
		}
		if changed {
			if err := contactsChanged(ctx, tx); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE folders SET last_uid = MAX(last_uid, ?), messages = messages + ? WHERE id = ?`, lastUID, added, fid)
		return err
	})
	if err != nil {
		return fmt.Errorf("store %d messages of %s/%s: %w", len(msgs), account, folder, err)
	}
	return nil
}

// newLocations counts the locations that storing msgs in folder fid adds
// (a UID stored already, or twice in msgs, adds one at most). A batch
// usually holds UIDs above every stored one: one range count says so;
// otherwise the stored ones among them are counted.
func newLocations(ctx context.Context, tx *sql.Tx, fid int64, msgs []rekindle.Message) (int, error) {
	if len(msgs) == 0 {
		return 0, nil
	}
	uids := make([]uint32, len(msgs))
	for i := range msgs {
		uids[i] = msgs[i].UID
	}
	slices.Sort(uids)
	uids = slices.Compact(uids)
	var stored int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM locations WHERE folder_id = ? AND uid BETWEEN ? AND ?`,
		fid, uids[0], uids[len(uids)-1]).Scan(&stored)
	if err != nil || stored == 0 {
		return len(uids), err
	}
	stored = 0
	for chunk := range slices.Chunk(uids, 500) {
		args := make([]any, 0, len(chunk)+1)
		args = append(args, fid)
		for _, u := range chunk {
			args = append(args, u)
		}
		var n int
		q := `SELECT COUNT(*) FROM locations WHERE folder_id = ? AND uid IN ` + placeholders(1, len(chunk))
		if err := tx.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
			return 0, err
		}
		stored += n
	}
	return len(uids) - stored, nil
}

// betterCopy ends the INSERT of messages: copies of one message (one key)
// in several folders are one row, which holds the copy that ranks first,
// whatever order the folders sync in. A copy ranks by its bulk column
// first: one without list or bulk markers (0) before one with them (1),
// because a list's copy of a reply hides that it was written to the user
// (the relationship model does not count list mail as conversation). Among
// copies of equal rank, the smaller packed header, then the earlier
// sent_at and internal_date, win: any rule would do as long as it depends
// on the copies only. A row stored before migration 0005 has no rank
// (NULL); rekindle_header_rank works it out from the stored header.
//
// DO UPDATE keeps the row's id (an INSERT OR REPLACE would give it a new
// one), so the model's order of messages and its id tie-breaks hold.
const betterCopy = ` ON CONFLICT (key) DO UPDATE SET
	internal_date = excluded.internal_date, sent_at = excluded.sent_at,
	header = excluded.header, bulk = excluded.bulk
WHERE (excluded.bulk, excluded.header, excluded.sent_at, excluded.internal_date) <
	(COALESCE(messages.bulk, rekindle_header_rank(messages.header)), messages.header, messages.sent_at, messages.internal_date)`

// Ranks of a copy in messages.bulk: lower is more personal.
const (
	rankPersonal   = 0 // no list or bulk marker
	rankBulk       = 1 // rekindle.Header.IsBulk
	rankUnreadable = 2 // a stored header that does not decode: any copy is better
)

func bulkRank(h *rekindle.Header) int64 {
	if h.IsBulk() {
		return rankBulk
	}
	return rankPersonal
}

func init() {
	// rekindle_header_rank(header) is the rank of a packed header, for rows
	// stored before their rank was (migration 0005). It runs only when a
	// copy meets such a row.
	sqlite.MustRegisterDeterministicScalarFunction("rekindle_header_rank", 1,
		func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			var b []byte
			switch v := args[0].(type) {
			case []byte:
				b = v
			case string:
				b = []byte(v)
			default:
				return int64(rankUnreadable), nil
			}
			var h rekindle.Header
			if err := decodeHeader(b, &h); err != nil {
				return int64(rankUnreadable), nil
			}
			return bulkRank(&h), nil
		})
}

// rowsPerInsert keeps a multi-row INSERT under SQLite's limit of 32766
// bound parameters with room to spare.
const rowsPerInsert = 100

// placeholders is the parameters of a multi-row VALUES list, rows of
// cols each: "(?,?),(?,?)"; with one row, those of an IN list.
func placeholders(rows, cols int) string {
	one := "(?" + strings.Repeat(",?", cols-1) + ")"
	return one + strings.Repeat(","+one, rows-1)
}

// messageKey is a message's key: a 63-bit hash of its identity, the
// Message-ID with the Date header (its Unix seconds, 0 for none), or for
// mail without a Message-ID the packed headers. Copies of one message in
// several folders share it: a mailing list's copy of a reply differs from
// the one sent to the user in its list headers, Sender and Reply-To, often
// in a subject tag ("[x] ") and, where the list rewrites From for DMARC,
// in From, but never in its Message-ID or Date. Different messages that
// share a Message-ID (broken mailers: a constant ID, a counter that
// restarts) are told apart by their Date; only those sent within the same
// second collapse. Two different identities collide with a probability of
// about n²/2⁶⁴: for a million messages, 1 in 10⁷; the cost of a collision
// is one message counted as another's copy.
//
// Until migration 0006 the key was the Message-ID alone; the migration
// re-keys stored rows (rekindle_message_key).
func messageKey(h *rekindle.Header, packed []byte) int64 {
	var sum [32]byte
	if h.MessageID != "" {
		var b [160]byte
		id := append(b[:0], h.MessageID...)
		var date int64
		if !h.Date.IsZero() {
			date = h.Date.Unix()
		}
		// A Message-ID holds no NUL (imapsync drops control characters):
		// the NUL ends it unambiguously.
		id = binary.AppendVarint(append(id, 0), date)
		sum = sha256.Sum256(id)
	} else {
		sum = sha256.Sum256(packed)
	}
	return int64(binary.BigEndian.Uint64(sum[:8]) >> 1)
}

func init() {
	// rekindle_message_key(header, key) is the key of a stored message
	// (messageKey of its packed header); key, its key so far, when the
	// header does not decode. Migration 0006 re-keys rows with it.
	sqlite.MustRegisterDeterministicScalarFunction("rekindle_message_key", 2,
		func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			b, ok := blobArg(args[0])
			var h rekindle.Header
			if !ok || decodeHeader(b, &h) != nil {
				return args[1], nil
			}
			return messageKey(&h, b), nil
		})
	// rekindle_plausible_header(header, internal_date) is a packed header
	// without the Date imapsync now drops when it parses one: a Date
	// before minDate (a broken clock), or one more than
	// rekindle.MaxDateAhead after the arrival, internal_date (Unix
	// seconds), when that is itself after minDate. The message's time is
	// then its arrival. Migration 0006 applies the rules to rows stored
	// before it. A header that does not decode, or whose Date is kept,
	// comes back as it was.
	sqlite.MustRegisterDeterministicScalarFunction("rekindle_plausible_header", 2,
		func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			b, ok := blobArg(args[0])
			internal, isInt := args[1].(int64)
			var h rekindle.Header
			if !ok || !isInt || decodeHeader(b, &h) != nil || h.Date.IsZero() {
				return args[0], nil
			}
			arrived := time.Unix(internal, 0)
			if !h.Date.Before(minDate) && (arrived.Before(minDate) || h.Date.Sub(arrived) <= rekindle.MaxDateAhead) {
				return args[0], nil
			}
			h.Date = time.Time{}
			return encodeHeader(nil, &h), nil
		})
	// rekindle_lean_header(header) is a packed header as encodeHeader
	// writes it now: without the fields no longer kept, Reply-To and
	// X-Rekindle-Digest (read as Auto-Submitted: auto-generated; see
	// decode). Migration 0011 rewrites the headers stored before. A
	// header that does not decode comes back as it was.
	sqlite.MustRegisterDeterministicScalarFunction("rekindle_lean_header", 1,
		func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			b, ok := blobArg(args[0])
			var h rekindle.Header
			if !ok || decodeHeader(b, &h) != nil {
				return args[0], nil
			}
			return encodeHeader(nil, &h), nil
		})
}

// minDate is the earliest Date header imapsync keeps (see its toMessage);
// migration 0006 writes it as 315532800.
var minDate = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// blobArg is a BLOB (or TEXT) argument of a SQL function as bytes.
func blobArg(v driver.Value) ([]byte, bool) {
	switch v := v.(type) {
	case []byte:
		return v, true
	case string:
		return []byte(v), true
	}
	return nil, false
}

// StoredUIDs returns the UIDs stored for a folder, ascending.
func (d *DB) StoredUIDs(ctx context.Context, account, folder string) ([]uint32, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT l.uid FROM locations l JOIN folders f ON f.id = l.folder_id
		WHERE f.account = ? AND f.name = ? ORDER BY l.uid`, account, folder)
	if err != nil {
		return nil, fmt.Errorf("read UIDs of %s/%s: %w", account, folder, err)
	}
	defer rows.Close()
	var uids []uint32
	for rows.Next() {
		var uid uint32
		if err := rows.Scan(&uid); err != nil {
			return nil, err
		}
		uids = append(uids, uid)
	}
	return uids, rows.Err()
}

// DeleteUIDs removes messages expunged from a folder; messages that no
// folder holds any more are deleted for good.
func (d *DB) DeleteUIDs(ctx context.Context, account, folder string, uids []uint32) error {
	if len(uids) == 0 {
		return nil
	}
	err := d.tx(ctx, func(tx *sql.Tx) error {
		var fid int64
		if err := tx.QueryRowContext(ctx, `SELECT id FROM folders WHERE account = ? AND name = ?`, account, folder).Scan(&fid); err != nil {
			return err
		}
		deleted := 0
		for chunk := range slices.Chunk(uids, 500) {
			q := `DELETE FROM locations WHERE folder_id = ? AND uid IN ` + placeholders(1, len(chunk)) + ` RETURNING message_key`
			args := make([]any, 0, len(chunk)+1)
			args = append(args, fid)
			for _, u := range chunk {
				args = append(args, u)
			}
			n, err := collectGone(ctx, tx, q, args...)
			if err != nil {
				return err
			}
			deleted += n
		}
		if _, err := tx.ExecContext(ctx, `UPDATE folders SET messages = messages - ? WHERE id = ?`, deleted, fid); err != nil {
			return err
		}
		return purgeGone(ctx, tx)
	})
	if err != nil {
		return fmt.Errorf("delete %d expunged messages of %s/%s: %w", len(uids), account, folder, err)
	}
	return nil
}

// Stored is one distinct message as the store gives it back.
type Stored struct {
	ID int64
	// When is the message's best known time (Date, else internal date).
	When time.Time
	rekindle.Header
}

// EachMessage streams every distinct message sent at or before until (all
// of them for a zero until), one at a time, in the order of their ids (the
// order they were stored): memory stays bounded whatever the store's size.
// fn runs on the calling goroutine. The Stored value is reused between
// calls; fn must copy what it keeps (a shallow copy will do: the slices of
// one message are never reused for another).
//
// Consistency: every message comes from one committed state of the
// store, the one current at some moment between the call and fn's first
// call. What a sync commits after that, while fn runs, is not seen at
// all: a message it adds is not delivered, one it deletes still is, and
// one it replaces in place by a better copy (same id, see betterCopy)
// comes as it was. Each message of that state (sent at or before until)
// is delivered exactly once.
//
// The model reads every message on each run, so this is the hot path of
// every command. Reading rows (a SQLite scan, then a decode) costs four
// times what fn does in the model, so it runs ahead of fn on one goroutine
// per CPU (up to maxReaders), each with a connection of its own and
// reading its share of the batches of ids (planIDBatches, readBatches),
// which reach fn in id order (deliverInOrder). The readers read one state
// because their read transactions all begin with no commit in between
// (openReadSnapshot).
func (d *DB) EachMessage(ctx context.Context, until time.Time, fn func(*Stored) error) error {
	// A first look at the ids says how many readers to set up: as many
	// as there are batches, up to one per CPU.
	look, err := planIDBatches(ctx, d.db, min(maxReaders, runtime.GOMAXPROCS(0)))
	if err != nil {
		return fmt.Errorf("read messages: %w", err)
	}
	if look.readers == 0 {
		return nil
	}
	snap, err := d.openReadSnapshot(ctx, look.readers)
	if err != nil {
		return fmt.Errorf("read messages: %w", err)
	}
	defer snap.close(ctx) // runs last: the readers are done with it
	// The ids to read are the snapshot's; there may be fewer readers than
	// transactions (the store shrank since the look), not more.
	plan, err := planIDBatches(ctx, snap.txs[0], len(snap.txs))
	if err != nil {
		return fmt.Errorf("read messages: %w", err)
	}
	if plan.readers == 0 {
		return nil
	}
	limit := sentLimit(until)
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait() // runs after cancel: the readers stop
	defer cancel()
	out := make([]chan *msgBatch, plan.readers)
	free := make(chan *msgBatch, 3*plan.readers+1) // batches fn is done with, for reuse
	for r := range plan.readers {
		out[r] = make(chan *msgBatch, 2)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := readBatches(ctx, snap.txs[r], plan, r, limit, out[r], free); err != nil {
				select {
				case out[r] <- &msgBatch{err: err}:
				case <-ctx.Done():
				}
			}
		}()
	}
	return deliverInOrder(ctx, plan, out, free, fn)
}

const (
	batchIDs   = 512 // ids per batch of EachMessage
	maxReaders = 4   // EachMessage's readers: enough to keep fn busy
)

// sentLimit is the largest sent_at (Unix seconds) of a message sent at or
// before until; no limit for a zero until.
func sentLimit(until time.Time) int64 {
	if until.IsZero() {
		return 1<<63 - 1
	}
	return until.Unix()
}

// idBatches is how EachMessage shares the ids out between its readers:
// batch k holds the ids from lo+k*batchIDs up to lo+(k+1)*batchIDs, not
// included; reader r reads batches r, r+readers, r+2*readers...
type idBatches struct {
	lo      int64 // the smallest id
	count   int64 // batches, up to the largest id
	readers int64 // 0 for an empty store
}

// ids are the bounds of batch k: from included, to not.
func (p idBatches) ids(k int64) (from, to int64) {
	return p.lo + k*batchIDs, p.lo + (k+1)*batchIDs
}

// reader is the reader of batch k.
func (p idBatches) reader(k int64) int64 { return k % p.readers }

// planIDBatches reads the smallest and largest ids of messages and shares
// the batches between them out to up to maxReaders readers, no more than
// there are batches.
func planIDBatches(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, maxReaders int) (idBatches, error) {
	var lo, hi int64
	// Two subqueries: SQLite looks up a lone MIN or MAX in the b-tree, but
	// scans a whole index for the two together.
	if err := q.QueryRowContext(ctx, `SELECT COALESCE((SELECT MIN(id) FROM messages), 1),
		COALESCE((SELECT MAX(id) FROM messages), 0)`).Scan(&lo, &hi); err != nil {
		return idBatches{}, err
	}
	count := (hi - lo + batchIDs) / batchIDs
	return idBatches{lo: lo, count: count, readers: min(int64(maxReaders), count)}, nil
}

// msgBatch is one batch of decoded messages on its way from a reader to
// fn, or the error that stopped the reader.
type msgBatch struct {
	msgs []Stored
	err  error
}

// scanConn is a connection of its own set up for one pass over the
// messages table: without a memory map and with a small page cache,
// because a memory-mapped scan leaves the whole file resident in the
// process (a 700 MB store, 700 MB of RSS), and one pass over a table
// gains nothing from a cache.
type scanConn struct {
	*sql.Conn
	mmap, cache int64 // its settings before, which release restores
}

// openScanConn takes a connection from the pool and sets it up for a
// scan.
func (d *DB) openScanConn(ctx context.Context) (*scanConn, error) {
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	c := &scanConn{Conn: conn}
	err = conn.QueryRowContext(ctx, `PRAGMA mmap_size`).Scan(&c.mmap)
	if err == nil {
		err = conn.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&c.cache)
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA mmap_size = 0; PRAGMA cache_size = -2000`); err != nil {
		c.release(ctx)
		return nil, err
	}
	return c, nil
}

// release restores the connection's settings and gives it back to the
// pool, or, failing to restore them, has the pool drop it.
func (c *scanConn) release(ctx context.Context) {
	_, err := c.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf(`PRAGMA mmap_size = %d; PRAGMA cache_size = %d`, c.mmap, c.cache))
	if err != nil {
		c.Raw(func(any) error { return driver.ErrBadConn })
	}
	c.Close()
}

// readSnapshot is read transactions on scan connections, one each, that
// all read one committed state of the store.
type readSnapshot struct {
	conns []*scanConn
	txs   []*sql.Tx // txs[i] is on conns[i]; nil when not begun
}

// sameStateTries is how many times openReadSnapshot tries to begin its
// read transactions with no commit in between before it settles for one
// transaction.
var sameStateTries = 3

// openReadSnapshot begins n read transactions, each on a scan connection
// of its own, that all read one committed state of the store: the latest
// when it began them. A commit that lands while it begins them makes it roll
// them back and try again; after sameStateTries tries it returns one
// transaction alone, which reads one state by itself.
func (d *DB) openReadSnapshot(ctx context.Context, n int64) (*readSnapshot, error) {
	s := &readSnapshot{}
	for range n {
		c, err := d.openScanConn(ctx)
		if err != nil {
			s.close(ctx)
			return nil, err
		}
		s.conns = append(s.conns, c)
		s.txs = append(s.txs, nil)
	}
	for range sameStateTries {
		same, err := s.beginAll(ctx)
		if err != nil {
			s.close(ctx)
			return nil, err
		}
		if same {
			return s, nil
		}
		s.rollbackAll()
	}
	for _, c := range s.conns[1:] {
		c.release(ctx)
	}
	s.conns, s.txs = s.conns[:1], s.txs[:1]
	if _, err := s.beginAll(ctx); err != nil {
		s.close(ctx)
		return nil, err
	}
	return s, nil
}

// beginAll begins a read transaction on each connection, one after the
// other, and reports whether they all read the same state: whether no
// commit landed between the first's start and the last's.
//
// In WAL mode a read transaction reads the state committed when its
// first statement runs (a read-only BEGIN is a deferred one, which reads
// nothing yet and takes no write lock). PRAGMA data_version, on one
// connection, changes when another connection, in this process or
// another, has committed since its last read: read on the last
// connection before the first transaction starts and again as the first
// statement of the last, it is the same only if nothing committed in
// between. (Should it change for anything else, that costs a try, not a
// wrong answer.)
func (s *readSnapshot) beginAll(ctx context.Context) (bool, error) {
	if len(s.conns) == 1 {
		tx, err := s.conns[0].BeginTx(context.WithoutCancel(ctx), &sql.TxOptions{ReadOnly: true})
		s.txs[0] = tx
		return err == nil, err
	}
	last := s.conns[len(s.conns)-1]
	var before, after int64
	if err := last.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&before); err != nil {
		return false, err
	}
	for i, c := range s.conns {
		// The transaction ends when close rolls it back, not when ctx is
		// done: database/sql would roll it back on a goroutine of its
		// own, racing release.
		tx, err := c.BeginTx(context.WithoutCancel(ctx), &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return false, err
		}
		s.txs[i] = tx
		if err := tx.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&after); err != nil {
			return false, err
		}
	}
	return after == before, nil
}

// rollbackAll ends the transactions begun.
func (s *readSnapshot) rollbackAll() {
	for i, tx := range s.txs {
		if tx != nil {
			tx.Rollback()
			s.txs[i] = nil
		}
	}
}

// close ends the transactions and releases the connections.
func (s *readSnapshot) close(ctx context.Context) {
	s.rollbackAll()
	for _, c := range s.conns {
		c.release(ctx)
	}
}

// readBatches is reader r of plan: it reads and decodes its batches in
// turn, the messages in each sent at or before limit (Unix seconds), and
// sends each to out, reusing the batches fn is done with (free). It reads
// them all in tx, its share of the snapshot.
func readBatches(ctx context.Context, tx *sql.Tx, plan idBatches, r, limit int64, out chan<- *msgBatch, free <-chan *msgBatch) error {
	// The header comes as TEXT, which the driver hands over as a Go
	// string in one copy (as a BLOB it takes two: the driver's, then
	// ours); the database's encoding is UTF-8, so the cast changes no
	// byte.
	stmt, err := tx.PrepareContext(ctx, `SELECT id, sent_at, CAST(header AS TEXT) FROM messages
		WHERE id >= ? AND id < ? AND sent_at <= ?`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	hd := newStreamDecoder()
	var (
		sentAt int64
		header string
	)
	for k := r; k < plan.count; k += plan.readers {
		var b *msgBatch
		select {
		case b = <-free:
			b.msgs = b.msgs[:0]
		default:
			b = &msgBatch{msgs: make([]Stored, 0, batchIDs)}
		}
		from, to := plan.ids(k)
		rows, err := stmt.QueryContext(ctx, from, to, limit)
		if err != nil {
			return err
		}
		for rows.Next() {
			b.msgs = append(b.msgs, Stored{})
			s := &b.msgs[len(b.msgs)-1]
			if err := rows.Scan(&s.ID, &sentAt, &header); err != nil {
				rows.Close()
				return err
			}
			if err := hd.decode(header, &s.Header); err != nil {
				rows.Close()
				return fmt.Errorf("message %d: %w", s.ID, err)
			}
			s.When = time.Unix(sentAt, 0).UTC()
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return err
		}
		select {
		case out <- b:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// deliverInOrder hands fn the messages of plan's batches in batch order,
// so in id order, taking batch k from its reader's channel (out); it
// offers each batch back to the readers (free) once fn is done with it.
// It stops at the first error: a reader's, fn's, or ctx's.
func deliverInOrder(ctx context.Context, plan idBatches, out []chan *msgBatch, free chan<- *msgBatch, fn func(*Stored) error) error {
	for k := range plan.count {
		var b *msgBatch
		select {
		case b = <-out[plan.reader(k)]:
		case <-ctx.Done(): // a reader that saw it first may have sent nothing
			return ctx.Err()
		}
		if b.err != nil {
			return fmt.Errorf("read messages: %w", b.err)
		}
		for i := range b.msgs {
			if err := fn(&b.msgs[i]); err != nil {
				return err
			}
		}
		select {
		case free <- b:
		default:
		}
	}
	return nil
}

// Totals is the store's size at a glance.
type Totals struct {
	// Messages counts distinct messages; Locations counts folder copies.
	Messages  int
	Locations int
}

// Totals counts what the store holds.
func (d *DB) Totals(ctx context.Context) (Totals, error) {
	var t Totals
	err := d.db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM messages), (SELECT COUNT(*) FROM locations)`).Scan(&t.Messages, &t.Locations)
	if err != nil {
		return t, fmt.Errorf("count messages: %w", err)
	}
	return t, nil
}
