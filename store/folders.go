package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/rekindle/rekindle"
)

const folderColumns = `f.account, f.name, f.uidvalidity, f.last_uid, f.uidnext, f.highest_modseq, f.last_sync,
	f.messages`

func scanFolder(sc interface{ Scan(...any) error }) (rekindle.FolderState, error) {
	var (
		st       rekindle.FolderState
		lastSync sql.NullInt64
	)
	err := sc.Scan(&st.Account, &st.Folder, &st.UIDValidity, &st.LastUID, &st.UIDNext, &st.HighestModSeq, &lastSync, &st.Messages)
	st.LastSync = fromUnix(lastSync)
	return st, err
}

// Folder returns what the store remembers of one folder. A folder never
// synced comes back with UIDValidity zero and nothing else set but its names.
func (d *DB) Folder(ctx context.Context, account, folder string) (rekindle.FolderState, error) {
	row := d.db.QueryRowContext(ctx, `SELECT `+folderColumns+` FROM folders f WHERE f.account = ? AND f.name = ?`, account, folder)
	st, err := scanFolder(row)
	if err == sql.ErrNoRows {
		return rekindle.FolderState{Account: account, Folder: folder}, nil
	}
	if err != nil {
		return st, fmt.Errorf("read folder %s/%s: %w", account, folder, err)
	}
	return st, nil
}

// Folders returns every stored folder, of one account or (account "") of
// all, ordered by account and name.
func (d *DB) Folders(ctx context.Context, account string) ([]rekindle.FolderState, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+folderColumns+` FROM folders f
		WHERE ? = '' OR f.account = ? ORDER BY f.account, f.name`, account, account)
	if err != nil {
		return nil, fmt.Errorf("list folders: %w", err)
	}
	defer rows.Close()
	var out []rekindle.FolderState
	for rows.Next() {
		st, err := scanFolder(rows)
		if err != nil {
			return nil, fmt.Errorf("list folders: %w", err)
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// ResetFolder forgets a folder's messages and starts it afresh under a new
// UIDVALIDITY: the stored UIDs no longer name the same messages. Messages
// left with no folder at all are deleted.
func (d *DB) ResetFolder(ctx context.Context, account, folder string, uidValidity uint32) error {
	err := d.tx(ctx, func(tx *sql.Tx) error {
		id, err := folderID(ctx, tx, account, folder)
		if err != nil {
			return err
		}
		if err := deleteLocations(ctx, tx, `DELETE FROM locations WHERE folder_id = ? RETURNING message_key`, id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE folders SET uidvalidity = ?, last_uid = 0, uidnext = 0,
			highest_modseq = 0, last_sync = NULL, messages = 0 WHERE id = ?`, uidValidity, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("reset folder %s/%s: %w", account, folder, err)
	}
	return nil
}

// FinishFolder records that a folder's sync completed with the server at
// st.UIDNext and st.HighestModSeq. LastUID is kept as PutMessages left it.
func (d *DB) FinishFolder(ctx context.Context, st rekindle.FolderState) error {
	_, err := d.db.ExecContext(ctx, `UPDATE folders SET uidnext = ?, highest_modseq = ?, last_sync = ?,
		last_uid = MAX(last_uid, ?) WHERE account = ? AND name = ?`,
		st.UIDNext, st.HighestModSeq, d.Now().Unix(), st.LastUID, st.Account, st.Folder)
	if err != nil {
		return fmt.Errorf("finish folder %s/%s: %w", st.Account, st.Folder, diskFull(d.path, err))
	}
	return nil
}

// FoldersChecked records that a sync found these folders of account
// unchanged on the server: their last complete sync is now. It is one
// statement for all of them, so that a sync that finds nothing new costs
// one small write.
func (d *DB) FoldersChecked(ctx context.Context, account string, folders []string) error {
	if len(folders) == 0 {
		return nil
	}
	args := make([]any, 0, len(folders)+2)
	args = append(args, d.Now().Unix(), account)
	for _, f := range folders {
		args = append(args, f)
	}
	_, err := d.db.ExecContext(ctx, `UPDATE folders SET last_sync = ? WHERE account = ? AND last_sync IS NOT NULL AND name IN `+placeholders(1, len(folders)), args...)
	if err != nil {
		return fmt.Errorf("record the sync of %d unchanged folders of %s: %w", len(folders), account, diskFull(d.path, err))
	}
	return nil
}

// DropFolder forgets a folder that no longer exists on the server (or is no
// longer chosen for sync), and every message seen only there.
func (d *DB) DropFolder(ctx context.Context, account, folder string) error {
	err := d.tx(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM folders WHERE account = ? AND name = ?`, account, folder).Scan(&id)
		if err == sql.ErrNoRows {
			return nil
		} else if err != nil {
			return err
		}
		if err := deleteLocations(ctx, tx, `DELETE FROM locations WHERE folder_id = ? RETURNING message_key`, id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM folders WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("drop folder %s/%s: %w", account, folder, err)
	}
	return nil
}

// folderID returns the id of a folder's row, creating the row if needed.
func folderID(ctx context.Context, tx *sql.Tx, account, folder string) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO folders (account, name) VALUES (?, ?)
		ON CONFLICT (account, name) DO UPDATE SET name = excluded.name RETURNING id`, account, folder).Scan(&id)
	return id, err
}

// deleteLocations runs a DELETE ... RETURNING message_key over locations
// and then deletes the messages that no folder holds any more.
func deleteLocations(ctx context.Context, tx *sql.Tx, query string, args ...any) error {
	if _, err := collectGone(ctx, tx, query, args...); err != nil {
		return err
	}
	return purgeGone(ctx, tx)
}

// collectGone runs a DELETE ... RETURNING message_key over locations and
// notes the keys in temp.gone: messages that may have lost their last
// location. It returns the number of locations deleted.
func collectGone(ctx context.Context, tx *sql.Tx, query string, args ...any) (int, error) {
	if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE IF NOT EXISTS gone (key INTEGER PRIMARY KEY)`); err != nil {
		return 0, err
	}
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	var keys []any
	for rows.Next() {
		var k int64
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return 0, err
		}
		keys = append(keys, k)
	}
	if err := rows.Close(); err != nil {
		return 0, err
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for chunk := range slices.Chunk(keys, rowsPerInsert) {
		q := `INSERT OR IGNORE INTO temp.gone (key) VALUES ` + placeholders(len(chunk), 1)
		if _, err := tx.ExecContext(ctx, q, chunk...); err != nil {
			return 0, err
		}
	}
	return len(keys), nil
}

// purgeGone deletes the messages noted in temp.gone that no location
// refers to any more, and marks the contacts snapshot out of date when
// it deleted any. locations.message_key has no index (every insert
// would pay for it), so this is one pass over locations probing temp.gone,
// not a lookup per message.
func purgeGone(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM temp.gone WHERE key IN
		(SELECT message_key FROM locations WHERE message_key IN (SELECT key FROM temp.gone))`); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM messages WHERE key IN (SELECT key FROM temp.gone)`)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		if err := contactsChanged(ctx, tx); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM temp.gone`)
	return err
}

// serverCapsSetting names the setting that keeps an account's server
// capabilities: the server's address, a newline, and the names separated
// by spaces.
func serverCapsSetting(account string) string { return "imap caps " + account }

// ServerCaps returns the capabilities that the server at addr announced
// to account's last sync once logged in (SetServerCaps); nil when none
// are kept, or they are another server's.
func (d *DB) ServerCaps(ctx context.Context, account, addr string) ([]string, error) {
	v, err := d.Setting(ctx, serverCapsSetting(account))
	if err != nil {
		return nil, fmt.Errorf("read the server capabilities of %s: %w", account, err)
	}
	at, names, ok := strings.Cut(string(v), "\n")
	if !ok || at != addr {
		return nil, nil
	}
	return strings.Fields(names), nil
}

// SetServerCaps keeps the capabilities that the server at addr announced
// to account once logged in: a sync sends its first command ahead of the
// login's answer, planned for them (imapsync).
func (d *DB) SetServerCaps(ctx context.Context, account, addr string, caps []string) error {
	err := d.SetSetting(ctx, serverCapsSetting(account), []byte(addr+"\n"+strings.Join(caps, " ")))
	if err != nil {
		return fmt.Errorf("save the server capabilities of %s: %w", account, diskFull(d.path, err))
	}
	return nil
}
