package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Override is the user's say about one contact, keyed by address.
type Override struct {
	// Address is the contact's key or one of its addresses, lower case.
	Address string
	// CadenceDays replaces the learnt rhythm when above zero.
	CadenceDays float64
	// SnoozeUntil keeps the contact out of digests until then.
	SnoozeUntil time.Time
	Ignored     bool
	Pinned      bool
	Tags        []string
}

// Overrides returns every override.
func (d *DB) Overrides(ctx context.Context) ([]Override, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT address, cadence_days, snooze_until, ignored, pinned, tags FROM overrides ORDER BY address`)
	if err != nil {
		return nil, fmt.Errorf("read overrides: %w", err)
	}
	defer rows.Close()
	var out []Override
	for rows.Next() {
		var (
			o       Override
			cadence sql.NullFloat64
			snooze  sql.NullInt64
			tags    string
		)
		if err := rows.Scan(&o.Address, &cadence, &snooze, &o.Ignored, &o.Pinned, &tags); err != nil {
			return nil, fmt.Errorf("read overrides: %w", err)
		}
		o.CadenceDays = cadence.Float64
		o.SnoozeUntil = fromUnix(snooze)
		o.Tags = strings.Fields(tags)
		out = append(out, o)
	}
	return out, rows.Err()
}

// UpdateOverride reads the override for address (a zero one if none),
// lets fn change it, and writes it back, in one transaction. An override
// left with nothing set is deleted.
func (d *DB) UpdateOverride(ctx context.Context, address string, fn func(*Override)) error {
	address = strings.ToLower(address)
	err := d.tx(ctx, func(tx *sql.Tx) error {
		o := Override{Address: address}
		var (
			cadence sql.NullFloat64
			snooze  sql.NullInt64
			tags    string
		)
		err := tx.QueryRowContext(ctx, `SELECT cadence_days, snooze_until, ignored, pinned, tags FROM overrides WHERE address = ?`, address).
			Scan(&cadence, &snooze, &o.Ignored, &o.Pinned, &tags)
		if err != nil && err != sql.ErrNoRows {
			return err
		}
		o.CadenceDays, o.SnoozeUntil, o.Tags = cadence.Float64, fromUnix(snooze), strings.Fields(tags)
		fn(&o)
		slices.Sort(o.Tags)
		o.Tags = slices.Compact(o.Tags)
		if o.CadenceDays <= 0 && o.SnoozeUntil.IsZero() && !o.Ignored && !o.Pinned && len(o.Tags) == 0 {
			_, err = tx.ExecContext(ctx, `DELETE FROM overrides WHERE address = ?`, address)
			return err
		}
		var cad any
		if o.CadenceDays > 0 {
			cad = o.CadenceDays
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO overrides (address, cadence_days, snooze_until, ignored, pinned, tags, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (address) DO UPDATE SET cadence_days = excluded.cadence_days, snooze_until = excluded.snooze_until,
			ignored = excluded.ignored, pinned = excluded.pinned, tags = excluded.tags, updated_at = excluded.updated_at`,
			address, cad, unixOrNull(o.SnoozeUntil), o.Ignored, o.Pinned, strings.Join(o.Tags, " "), d.Now().Unix())
		return err
	})
	if err != nil {
		return fmt.Errorf("update override for %s: %w", address, err)
	}
	return nil
}

// TagCadences returns the cadence in days of every tag that has one.
func (d *DB) TagCadences(ctx context.Context) (map[string]float64, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT tag, cadence_days FROM tag_cadences`)
	if err != nil {
		return nil, fmt.Errorf("read tag cadences: %w", err)
	}
	defer rows.Close()
	out := map[string]float64{}
	for rows.Next() {
		var (
			tag  string
			days float64
		)
		if err := rows.Scan(&tag, &days); err != nil {
			return nil, err
		}
		out[tag] = days
	}
	return out, rows.Err()
}

// SetTagCadence gives a tag a cadence in days; zero removes it.
func (d *DB) SetTagCadence(ctx context.Context, tag string, days float64) error {
	var err error
	if days <= 0 {
		_, err = d.db.ExecContext(ctx, `DELETE FROM tag_cadences WHERE tag = ?`, tag)
	} else {
		_, err = d.db.ExecContext(ctx, `INSERT INTO tag_cadences (tag, cadence_days) VALUES (?, ?)
			ON CONFLICT (tag) DO UPDATE SET cadence_days = excluded.cadence_days`, tag, days)
	}
	if err != nil {
		return fmt.Errorf("set cadence of tag %s: %w", tag, err)
	}
	return nil
}

// IgnorePatterns returns the address and domain globs ignored from the
// command line.
func (d *DB) IgnorePatterns(ctx context.Context) ([]string, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT pattern FROM ignore_patterns ORDER BY pattern`)
	if err != nil {
		return nil, fmt.Errorf("read ignore patterns: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// SetIgnorePattern adds (ignore true) or removes a pattern; it reports
// whether anything changed.
func (d *DB) SetIgnorePattern(ctx context.Context, pattern string, ignore bool) (bool, error) {
	pattern = strings.ToLower(pattern)
	var (
		res sql.Result
		err error
	)
	if ignore {
		res, err = d.db.ExecContext(ctx, `INSERT INTO ignore_patterns (pattern) VALUES (?) ON CONFLICT DO NOTHING`, pattern)
	} else {
		res, err = d.db.ExecContext(ctx, `DELETE FROM ignore_patterns WHERE pattern = ?`, pattern)
	}
	if err != nil {
		return false, fmt.Errorf("update ignore pattern %s: %w", pattern, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// Merges returns the groups of addresses declared to be one person.
func (d *DB) Merges(ctx context.Context) ([][]string, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT grp, address FROM merges ORDER BY grp, address`)
	if err != nil {
		return nil, fmt.Errorf("read merges: %w", err)
	}
	defer rows.Close()
	var (
		out  [][]string
		last int64 = -1
	)
	for rows.Next() {
		var (
			grp  int64
			addr string
		)
		if err := rows.Scan(&grp, &addr); err != nil {
			return nil, err
		}
		if grp != last {
			out = append(out, nil)
			last = grp
		}
		out[len(out)-1] = append(out[len(out)-1], addr)
	}
	return out, rows.Err()
}

// Merge declares addresses to be one person, joining any groups they were
// already in, and lifts splits between them.
func (d *DB) Merge(ctx context.Context, addrs []string) error {
	err := d.tx(ctx, func(tx *sql.Tx) error {
		var grp sql.NullInt64
		for _, a := range addrs {
			var g int64
			err := tx.QueryRowContext(ctx, `SELECT grp FROM merges WHERE address = ?`, strings.ToLower(a)).Scan(&g)
			if err == nil {
				if !grp.Valid {
					grp = sql.NullInt64{Int64: g, Valid: true}
				} else if g != grp.Int64 {
					if _, err := tx.ExecContext(ctx, `UPDATE merges SET grp = ? WHERE grp = ?`, grp.Int64, g); err != nil {
						return err
					}
				}
			} else if err != sql.ErrNoRows {
				return err
			}
		}
		if !grp.Valid {
			if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(grp), 0) + 1 FROM merges`).Scan(&grp); err != nil {
				return err
			}
		}
		for _, a := range addrs {
			a = strings.ToLower(a)
			if _, err := tx.ExecContext(ctx, `INSERT INTO merges (address, grp) VALUES (?, ?)
				ON CONFLICT (address) DO UPDATE SET grp = excluded.grp`, a, grp.Int64); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM splits WHERE a = ?1 OR b = ?1`, a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("merge %s: %w", strings.Join(addrs, ", "), err)
	}
	return nil
}

// Splits returns the pairs of addresses declared to be different people.
func (d *DB) Splits(ctx context.Context) ([][2]string, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT a, b FROM splits ORDER BY a, b`)
	if err != nil {
		return nil, fmt.Errorf("read splits: %w", err)
	}
	defer rows.Close()
	var out [][2]string
	for rows.Next() {
		var p [2]string
		if err := rows.Scan(&p[0], &p[1]); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Split declares two addresses to be different people, taking b out of
// any merge group it shares with a.
func (d *DB) Split(ctx context.Context, a, b string) error {
	a, b = strings.ToLower(a), strings.ToLower(b)
	if b < a {
		a, b = b, a
	}
	err := d.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM merges WHERE address = ?2
			AND grp = (SELECT grp FROM merges WHERE address = ?1)`, a, b); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO splits (a, b) VALUES (?, ?) ON CONFLICT DO NOTHING`, a, b)
		return err
	})
	if err != nil {
		return fmt.Errorf("split %s and %s: %w", a, b, err)
	}
	return nil
}

// Suggested is one contact suggested in a digest.
type Suggested struct {
	Key       string
	Addresses []string
	Dormant   bool
}

// RecordSuggestions records who a digest suggested at a moment.
func (d *DB) RecordSuggestions(ctx context.Context, at time.Time, picks []Suggested) error {
	err := d.tx(ctx, func(tx *sql.Tx) error {
		for _, p := range picks {
			if _, err := tx.ExecContext(ctx, `INSERT INTO suggestions (contact_key, addresses, suggested_at, dormant)
				VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, p.Key, strings.Join(p.Addresses, " "), at.Unix(), p.Dormant); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record suggestions: %w", err)
	}
	return nil
}

// SuggestionHistory is when contacts were last suggested, as the digest's
// pick needs it.
type SuggestionHistory struct {
	// Last maps every key and address of a suggested contact to the last
	// time it was suggested.
	Last map[string]time.Time
	// LastDormant is the last time a dormant contact was suggested.
	LastDormant time.Time
}

// Suggestions reads the suggestion history up to until (all of it for a
// zero until), so a digest evaluated as of a past moment sees only what
// had happened by then.
func (d *DB) Suggestions(ctx context.Context, until time.Time) (SuggestionHistory, error) {
	h := SuggestionHistory{Last: map[string]time.Time{}}
	limit := int64(1<<63 - 1)
	if !until.IsZero() {
		limit = until.Unix()
	}
	rows, err := d.db.QueryContext(ctx, `SELECT contact_key, addresses, MAX(suggested_at)
		FROM suggestions WHERE suggested_at <= ? GROUP BY contact_key, addresses`, limit)
	if err != nil {
		return h, fmt.Errorf("read suggestions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			key, addrs string
			at         int64
		)
		if err := rows.Scan(&key, &addrs, &at); err != nil {
			return h, err
		}
		t := time.Unix(at, 0).UTC()
		for _, k := range append(strings.Fields(addrs), key) {
			if t.After(h.Last[k]) {
				h.Last[k] = t
			}
		}
	}
	if err := rows.Err(); err != nil {
		return h, err
	}
	var last sql.NullInt64
	if err := d.db.QueryRowContext(ctx, `SELECT MAX(suggested_at) FROM suggestions WHERE dormant AND suggested_at <= ?`, limit).Scan(&last); err != nil {
		return h, fmt.Errorf("read suggestions: %w", err)
	}
	h.LastDormant = fromUnix(last)
	return h, nil
}
