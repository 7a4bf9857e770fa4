package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"
)

// EachMessageByDate streams every distinct message sent at or before until
// (all of them for a zero until) in date order (ties: the order they were
// stored), one at a time, for replaying the past morning by morning. Like
// EachMessage, the Stored value is reused between calls and fn must copy
// what it keeps.
//
// Consistency: it reads on one connection, in one read transaction, so
// every message comes from one committed state of the store, the one
// current when it reads the ids, before fn first runs. What a sync
// commits after that, while fn runs, is not seen at all: a message it
// adds is not delivered, one it deletes still is, and one it replaces in
// place by a better copy (same id, see betterCopy) comes as it was. Each
// message of that state (sent at or before until) is delivered exactly
// once.
//
// Memory stays small: it first reads the ids alone in date order (eight
// bytes a message), then the headers a batch of ids at a time, each batch
// put back in date order.
func (d *DB) EachMessageByDate(ctx context.Context, until time.Time, fn func(*Stored) error) error {
	limit := int64(1<<63 - 1)
	if !until.IsZero() {
		limit = until.Unix()
	}
	tx, err := d.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("read messages by date: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT id FROM messages WHERE sent_at <= ? ORDER BY sent_at, id`, limit)
	if err != nil {
		return fmt.Errorf("read messages by date: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("read messages by date: %w", err)
		}
		ids = append(ids, id)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("read messages by date: %w", err)
	}

	const batch = 500
	hd := newStreamDecoder()
	buf := make([]Stored, 0, batch)
	pos := make(map[int64]int, batch)
	args := make([]any, 0, batch)
	var (
		sentAt int64
		header string
	)
	for chunk := range slices.Chunk(ids, batch) {
		buf = buf[:len(chunk)]
		clear(pos)
		args = args[:0]
		for i, id := range chunk {
			pos[id] = i
			args = append(args, id)
			buf[i] = Stored{}
		}
		q := `SELECT id, sent_at, CAST(header AS TEXT) FROM messages WHERE id IN ` + placeholders(1, len(chunk))
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("read messages by date: %w", err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id, &sentAt, &header); err != nil {
				rows.Close()
				return fmt.Errorf("read messages by date: %w", err)
			}
			s := &buf[pos[id]]
			s.ID = id
			if err := hd.decode(header, &s.Header); err != nil {
				rows.Close()
				return fmt.Errorf("read messages by date: message %d: %w", id, err)
			}
			s.When = time.Unix(sentAt, 0).UTC()
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return fmt.Errorf("read messages by date: %w", err)
		}
		for i := range buf {
			if buf[i].ID == 0 {
				continue // not found again: impossible within one transaction, skipped all the same
			}
			if err := fn(&buf[i]); err != nil {
				return err
			}
		}
	}
	return nil
}
