package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
)

// The contacts snapshot: the contacts as the application last worked them
// out, kept so that a command that must answer at once (rekindle query)
// need not build the relationship model. The store keeps the rows it is
// given and knows when they may be out of date (migration 0009): it
// marks them so whenever it stores, replaces or deletes a message
// (contactsChanged) or applies a migration, and triggers do when
// someone's ignore, an ignore pattern, a merge or a split changes. What
// else they depend on (the configuration, the rekindle that built them)
// the application says in a basis string of its own, which the store
// compares and does not read.

// ContactRow is one contact of the snapshot, as the application worked
// it out.
type ContactRow struct {
	Key   string
	Name  string
	Email string
	// Addresses are every address of the contact, Email among them.
	Addresses []string
	TwoWay    bool
	Strength  float64
}

// BeginContacts starts a refresh of the snapshot: it returns the
// generation to save the rows as (SaveContacts). A refresh reads the
// messages and overrides it works the rows out from after BeginContacts
// returns, so that any change committed after that marks the generation
// changed and the save is refused.
func (d *DB) BeginContacts(ctx context.Context) (int64, error) {
	var gen int64
	err := d.tx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `UPDATE contacts_state
			SET generation = generation + changed, changed = 0 RETURNING generation`).Scan(&gen)
	})
	if err != nil {
		return 0, fmt.Errorf("begin contacts snapshot: %w", err)
	}
	return gen, nil
}

// SaveContacts replaces the snapshot with rows, in their order, built as
// of generation gen (BeginContacts) from basis. It saves nothing and
// returns false when something the rows depend on changed since
// BeginContacts returned gen: they may be out of date already, and a
// refresh begun later may have saved newer ones.
func (d *DB) SaveContacts(ctx context.Context, gen int64, basis string, rows []ContactRow) (bool, error) {
	saved := false
	err := d.tx(ctx, func(tx *sql.Tx) error {
		var (
			current int64
			changed bool
		)
		if err := tx.QueryRowContext(ctx, `SELECT generation, changed FROM contacts_state`).Scan(&current, &changed); err != nil {
			return err
		}
		if current != gen || changed {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM contacts`); err != nil {
			return err
		}
		const cols = 8
		for start := 0; start < len(rows); start += rowsPerInsert {
			chunk := rows[start:min(start+rowsPerInsert, len(rows))]
			args := make([]any, 0, len(chunk)*cols)
			for i, r := range chunk {
				addrs, err := json.Marshal(r.Addresses)
				if err != nil {
					return err
				}
				args = append(args, start+i, r.Key, r.Name, r.Email, string(addrs), r.TwoWay, r.Strength, searchText(r))
			}
			q := `INSERT INTO contacts (rank, key, name, email, addresses, two_way, strength, search) VALUES ` + placeholders(len(chunk), cols)
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE contacts_state SET built = ?, basis = ?, built_at = ?`, gen, basis, d.Now().Unix()); err != nil {
			return err
		}
		saved = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("save contacts snapshot: %w", err)
	}
	return saved, nil
}

// contactsChanged marks the snapshot out of date, in the transaction of
// a write that changed what the contacts are worked out from.
func contactsChanged(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `UPDATE contacts_state SET changed = 1 WHERE changed = 0`)
	return err
}

// searchText is what SearchContacts looks in: the name and every
// address, each in lower case, one per line.
func searchText(r ContactRow) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(r.Name))
	for _, a := range r.Addresses {
		b.WriteByte('\n')
		b.WriteString(strings.ToLower(a))
	}
	return b.String()
}

// freshState is the condition on contacts_state (as s) under which the
// snapshot is current for the basis in parameter ?1.
const freshState = `s.built = s.generation AND s.changed = 0 AND s.basis = ?1`

// ContactsFresh reports whether the snapshot is current for basis: saved
// from that basis, and nothing it depends on changed since its refresh
// began.
func (d *DB) ContactsFresh(ctx context.Context, basis string) (bool, error) {
	var n int
	err := d.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM contacts_state s WHERE `+freshState, basis).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("read contacts snapshot: %w", err)
	}
	return n > 0, nil
}

// SearchContacts returns the first limit contacts of the snapshot, in its
// order, whose name or one of whose addresses contains q, ignoring case
// (both compared in lower case, strings.ToLower); every contact for an
// empty q. fresh is false, and there are no rows, when the snapshot is not
// current for basis (ContactsFresh): the caller must then work the
// contacts out itself. The state and the rows are read in one
// transaction.
func (d *DB) SearchContacts(ctx context.Context, basis, q string, limit int) (rows []ContactRow, fresh bool, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("search contacts snapshot: %w", err)
		}
	}()
	tx, err := d.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, false, err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM contacts_state s WHERE `+freshState, basis).Scan(&n); err != nil {
		return nil, false, err
	}
	if n == 0 {
		return nil, false, nil
	}
	q = strings.ToLower(q)
	if strings.Contains(q, "\n") || limit <= 0 {
		return nil, true, nil // no line of the search text holds a newline
	}
	res, err := tx.QueryContext(ctx, `SELECT key, name, email, addresses, two_way, strength FROM contacts
		WHERE instr(search, ?) > 0 ORDER BY rank LIMIT ?`, q, limit)
	if err != nil {
		return nil, false, err
	}
	defer res.Close()
	for res.Next() {
		var (
			r     ContactRow
			addrs string
		)
		if err := res.Scan(&r.Key, &r.Name, &r.Email, &addrs, &r.TwoWay, &r.Strength); err != nil {
			return nil, false, err
		}
		if err := json.Unmarshal([]byte(addrs), &r.Addresses); err != nil {
			return nil, false, err
		}
		rows = append(rows, r)
	}
	if err := res.Err(); err != nil {
		return nil, false, err
	}
	return rows, true, nil
}
