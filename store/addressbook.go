package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/rekindle/rekindle"
)

// SaveCards replaces the cards kept of the address book at source (a
// CardDAV URL) with cards, read at the store's Now, and forgets those of
// every other address book: only the configured one is kept.
func (d *DB) SaveCards(ctx context.Context, source string, cards []rekindle.Card) error {
	err := d.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM address_book; DELETE FROM address_book_reads`); err != nil {
			return err
		}
		st, err := tx.PrepareContext(ctx, `INSERT INTO address_book (source, position, name, emails, categories) VALUES (?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for i, c := range cards {
			emails, err := json.Marshal(orEmpty(c.Emails))
			if err != nil {
				return err
			}
			cats, err := json.Marshal(orEmpty(c.Categories))
			if err != nil {
				return err
			}
			if _, err := st.ExecContext(ctx, source, i, c.Name, string(emails), string(cats)); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO address_book_reads (source, read_at, cards) VALUES (?, ?, ?)`, source, d.Now().Unix(), len(cards))
		return err
	})
	if err != nil {
		return fmt.Errorf("keep the address book's cards: %w", err)
	}
	return nil
}

// ForgetCards forgets every card kept (the configuration has no CardDAV
// address book any more). With none kept it writes nothing: every sync
// without an address book calls it.
func (d *DB) ForgetCards(ctx context.Context) error {
	var kept bool
	err := d.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM address_book) OR EXISTS (SELECT 1 FROM address_book_reads)`).Scan(&kept)
	if err == nil && !kept {
		return nil
	}
	err = d.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM address_book; DELETE FROM address_book_reads`)
		return err
	})
	if err != nil {
		return fmt.Errorf("forget the address book's cards: %w", err)
	}
	return nil
}

// Cards returns the cards kept of the address book at source, in the
// order they were saved, and when they were read; a zero time and no
// cards when it was never read.
func (d *DB) Cards(ctx context.Context, source string) ([]rekindle.Card, time.Time, error) {
	var readAt int64
	err := d.db.QueryRowContext(ctx, `SELECT read_at FROM address_book_reads WHERE source = ?`, source).Scan(&readAt)
	if err == sql.ErrNoRows {
		return nil, time.Time{}, nil
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("read the address book's cards: %w", err)
	}
	rows, err := d.db.QueryContext(ctx, `SELECT name, emails, categories FROM address_book WHERE source = ? ORDER BY position`, source)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("read the address book's cards: %w", err)
	}
	defer rows.Close()
	var out []rekindle.Card
	for rows.Next() {
		var (
			c            rekindle.Card
			emails, cats string
		)
		if err := rows.Scan(&c.Name, &emails, &cats); err != nil {
			return nil, time.Time{}, fmt.Errorf("read the address book's cards: %w", err)
		}
		if err := json.Unmarshal([]byte(emails), &c.Emails); err != nil {
			return nil, time.Time{}, fmt.Errorf("read the address book's cards: %w", err)
		}
		if err := json.Unmarshal([]byte(cats), &c.Categories); err != nil {
			return nil, time.Time{}, fmt.Errorf("read the address book's cards: %w", err)
		}
		if len(c.Categories) == 0 {
			c.Categories = nil
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, time.Time{}, fmt.Errorf("read the address book's cards: %w", err)
	}
	return out, time.Unix(readAt, 0), nil
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
