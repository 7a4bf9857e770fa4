package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rekindle/rekindle"
)

// PutMessages stores one batch of a folder's messages and advances the
// folder's LastUID to lastUID, in one transaction: after a crash or a cut
// connection the next sync resumes after the last batch that committed,
// with no gap and no duplicate. A message already stored from another
// folder (same Message-ID) is kept once, with one more location.
func (d *DB) PutMessages(ctx context.Context, account, folder string, msgs []rekindle.Message, lastUID uint32) error {
	err := d.tx(ctx, func(tx *sql.Tx) error {
		fid, err := folderID(ctx, tx, account, folder)
		if err != nil {
			return err
		}
		ins, err := tx.PrepareContext(ctx, `INSERT INTO messages (msg_key, message_id, date, internal_date, sent_at,
			subject, from_email, header) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (msg_key) DO NOTHING`)
		if err != nil {
			return err
		}
		defer ins.Close()
		find, err := tx.PrepareContext(ctx, `SELECT id FROM messages WHERE msg_key = ?`)
		if err != nil {
			return err
		}
		defer find.Close()
		loc, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO locations (folder_id, uid, message_id, flags) VALUES (?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer loc.Close()

		var buf []byte
		for i := range msgs {
			m := &msgs[i]
			key := messageKey(&m.Header)
			from := ""
			if len(m.From) > 0 {
				from = m.From[0].Email
			}
			buf = encodeHeader(buf, &m.Header)
			res, err := ins.ExecContext(ctx, key, m.MessageID, unixOrNull(m.Date), m.InternalDate.Unix(), m.When().Unix(),
				m.Subject, from, buf)
			if err != nil {
				return fmt.Errorf("insert message uid %d: %w", m.UID, err)
			}
			var id int64
			if n, _ := res.RowsAffected(); n == 1 {
				id, err = res.LastInsertId()
			} else {
				err = find.QueryRowContext(ctx, key).Scan(&id)
			}
			if err != nil {
				return fmt.Errorf("find message uid %d: %w", m.UID, err)
			}
			if _, err := loc.ExecContext(ctx, fid, m.UID, id, strings.Join(m.Flags, " ")); err != nil {
				return fmt.Errorf("insert location uid %d: %w", m.UID, err)
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE folders SET last_uid = MAX(last_uid, ?) WHERE id = ?`, lastUID, fid)
		return err
	})
	if err != nil {
		return fmt.Errorf("store %d messages of %s/%s: %w", len(msgs), account, folder, err)
	}
	return nil
}

// messageKey is the identity under which copies of one message in several
// folders collapse: its Message-ID, or for mail without one a digest of the
// headers that identify it.
func messageKey(h *rekindle.Header) string {
	if h.MessageID != "" {
		return h.MessageID
	}
	s := sha256.Sum256(encodeHeader(nil, h))
	return "sha256:" + hex.EncodeToString(s[:16])
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
		for chunk := range slices.Chunk(uids, 500) {
			q := `DELETE FROM locations WHERE folder_id = ? AND uid IN (?` + strings.Repeat(",?", len(chunk)-1) + `) RETURNING message_id`
			args := make([]any, 0, len(chunk)+1)
			args = append(args, fid)
			for _, u := range chunk {
				args = append(args, u)
			}
			if err := deleteLocations(ctx, tx, q, args...); err != nil {
				return err
			}
		}
		return nil
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
// of them for a zero until), in no particular order, one at a time: memory
// stays bounded whatever the store's size. The Stored value is reused between
// calls; fn must copy what it keeps.
func (d *DB) EachMessage(ctx context.Context, until time.Time, fn func(*Stored) error) error {
	limit := int64(1<<63 - 1)
	if !until.IsZero() {
		limit = until.Unix()
	}
	rows, err := d.db.QueryContext(ctx, `SELECT id, sent_at, header FROM messages WHERE sent_at <= ?`, limit)
	if err != nil {
		return fmt.Errorf("read messages: %w", err)
	}
	defer rows.Close()
	var (
		s      Stored
		sentAt int64
		header sql.RawBytes
	)
	for rows.Next() {
		if err := rows.Scan(&s.ID, &sentAt, &header); err != nil {
			return fmt.Errorf("read messages: %w", err)
		}
		if err := decodeHeader(header, &s.Header); err != nil {
			return fmt.Errorf("read message %d: %w", s.ID, err)
		}
		s.When = time.Unix(sentAt, 0).UTC()
		if err := fn(&s); err != nil {
			return err
		}
	}
	return rows.Err()
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
