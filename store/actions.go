package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/rekindle/rekindle"
)

// The digest's one-tap actions: the sync queues the messages that carry
// one (rekindle.Header.IsAction), the application looks at each once and
// records what it did (RecordAction).

// queueActions queues the action messages among msgs (stored in tx just
// now) for the application. buf is scratch space for the packed header.
func queueActions(ctx context.Context, tx *sql.Tx, msgs []rekindle.Message, buf []byte) error {
	for i := range msgs {
		h := &msgs[i].Header
		if !h.IsAction() {
			continue
		}
		buf = encodeHeader(buf, h)
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO action_queue (message_key) VALUES (?)`, messageKey(h, buf)); err != nil {
			return fmt.Errorf("queue an action message: %w", err)
		}
	}
	return nil
}

// PendingAction is an action message a sync stored that nobody has
// looked at yet.
type PendingAction struct {
	// Key is the message's key in the store; RecordAction takes it.
	Key  int64
	When time.Time
	rekindle.Header
}

// PendingActions returns the queued action messages, oldest first. A
// message already looked at (a copy that arrived again from another
// folder) is not returned again; its queue entry goes at the next
// RecordAction.
func (d *DB) PendingActions(ctx context.Context) ([]PendingAction, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT q.message_key, m.sent_at, CAST(m.header AS TEXT)
		FROM action_queue q JOIN messages m ON m.key = q.message_key
		WHERE q.message_key NOT IN (SELECT message_key FROM actions)
		ORDER BY m.sent_at, q.message_key`)
	if err != nil {
		return nil, fmt.Errorf("read the queued actions: %w", err)
	}
	defer rows.Close()
	var out []PendingAction
	for rows.Next() {
		var (
			p      PendingAction
			sentAt int64
			header string
		)
		if err := rows.Scan(&p.Key, &sentAt, &header); err != nil {
			return nil, fmt.Errorf("read the queued actions: %w", err)
		}
		if err := decodeHeader([]byte(header), &p.Header); err != nil {
			return nil, fmt.Errorf("read the queued actions: message %d: %w", p.Key, err)
		}
		p.When = time.Unix(sentAt, 0).UTC()
		out = append(out, p)
	}
	return out, rows.Err()
}

// ActionRecord is one action message looked at: applied, or ignored and
// why.
type ActionRecord struct {
	// Key and MessageID are the message's; SeenAt is when it was looked
	// at, SentAt when it was sent.
	Key       int64
	MessageID string
	SeenAt    time.Time
	SentAt    time.Time
	// Kind, Target, Label and Day are the command as the Subject gave
	// them (empty when it did not parse); Token is its token.
	Kind, Target, Label, Day, Token string
	// Applied is true when the command was carried out; Note says what it
	// did ("snoozed until 2026-12-31") or why it was ignored.
	Applied bool
	Note    string
}

// ErrTokenUsed is returned by RecordAction for an applied record whose
// token was applied before.
var ErrTokenUsed = errors.New("this action was applied already")

// TokenApplied reports whether an action with token was applied.
func (d *DB) TokenApplied(ctx context.Context, token string) (bool, error) {
	var n int
	err := d.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM actions WHERE token = ? AND applied = 1`, token).Scan(&n)
	return n > 0, err
}

// RecordAction records what became of an action message and takes it off
// the queue, in one transaction. A message recorded before is left as it
// was; an applied record whose token was applied before is ErrTokenUsed.
func (d *DB) RecordAction(ctx context.Context, r ActionRecord) error {
	err := d.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO actions
			(message_key, message_id, seen_at, sent_at, kind, target, label, day, token, applied, note)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_key) DO NOTHING`,
			r.Key, r.MessageID, r.SeenAt.Unix(), r.SentAt.Unix(), r.Kind, r.Target, r.Label, r.Day, r.Token, r.Applied, r.Note)
		if err != nil {
			if isUniqueViolation(err) {
				return ErrTokenUsed
			}
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM action_queue WHERE message_key = ?`, r.Key)
		return err
	})
	if err != nil && !errors.Is(err, ErrTokenUsed) {
		return fmt.Errorf("record an action: %w", err)
	}
	return err
}

// Actions returns the action messages looked at since since (all for a
// zero since), newest first, at most limit (0: all).
func (d *DB) Actions(ctx context.Context, since time.Time, limit int) ([]ActionRecord, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := d.db.QueryContext(ctx, `SELECT message_key, message_id, seen_at, sent_at, kind, target, label, day, token, applied, note
		FROM actions WHERE seen_at >= ? ORDER BY seen_at DESC, sent_at DESC, message_key LIMIT ?`, since.Unix(), limit)
	if err != nil {
		return nil, fmt.Errorf("read the actions: %w", err)
	}
	defer rows.Close()
	var out []ActionRecord
	for rows.Next() {
		var (
			r            ActionRecord
			seen, sentAt int64
		)
		if err := rows.Scan(&r.Key, &r.MessageID, &seen, &sentAt, &r.Kind, &r.Target, &r.Label, &r.Day, &r.Token, &r.Applied, &r.Note); err != nil {
			return nil, fmt.Errorf("read the actions: %w", err)
		}
		r.SeenAt, r.SentAt = time.Unix(seen, 0).UTC(), time.Unix(sentAt, 0).UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// The settings' names.
const (
	settingActionSecret = "action_secret"
	settingPausedUntil  = "digests_paused_until"
)

// ActionSecret returns the key that signs the digest's actions, creating
// it (32 random bytes) on first use. On a store opened read-only it is
// ErrNoSecret until a sync has created it.
func (d *DB) ActionSecret(ctx context.Context) ([]byte, error) {
	var secret []byte
	err := d.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = ?`, settingActionSecret).Scan(&secret)
	switch {
	case err == nil:
		return secret, nil
	case !errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("read the actions' secret: %w", err)
	case d.readOnly:
		return nil, ErrNoSecret
	}
	return d.RotateActionSecret(ctx)
}

// ErrNoSecret is returned by ActionSecret on a read-only store without
// one.
var ErrNoSecret = errors.New("the store has no secret for the digest's actions yet: run rekindle sync once")

// RotateActionSecret replaces the actions' key with 32 new random bytes
// and returns it: every action link of an earlier digest stops working.
func (d *DB) RotateActionSecret(ctx context.Context) ([]byte, error) {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	err := d.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (name, value) VALUES (?, ?)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value`, settingActionSecret, secret)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store the actions' secret: %w", err)
	}
	return secret, nil
}

// Dismiss records that the message with messageID needs no reply.
func (d *DB) Dismiss(ctx context.Context, messageID string, at time.Time) error {
	return d.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO dismissed (message_id, dismissed_at) VALUES (?, ?)
			ON CONFLICT (message_id) DO NOTHING`, messageID, at.Unix())
		return err
	})
}

// Dismissed returns the Message-IDs the user said need no reply.
func (d *DB) Dismissed(ctx context.Context) (map[string]bool, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT message_id FROM dismissed`)
	if err != nil {
		return nil, fmt.Errorf("read the dismissed follow-ups: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// PauseDigests pauses the digests until until (the zero time resumes
// them).
func (d *DB) PauseDigests(ctx context.Context, until time.Time) error {
	return d.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (name, value) VALUES (?, ?)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value`, settingPausedUntil, until.Unix())
		return err
	})
}

// DigestsPausedUntil is when the pause of the digests ends; zero when they
// are not paused.
func (d *DB) DigestsPausedUntil(ctx context.Context) (time.Time, error) {
	var v int64
	err := d.db.QueryRowContext(ctx, `SELECT CAST(value AS INTEGER) FROM settings WHERE name = ?`, settingPausedUntil).Scan(&v)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return time.Time{}, nil
	case err != nil:
		return time.Time{}, fmt.Errorf("read the digests' pause: %w", err)
	case v <= 0:
		return time.Time{}, nil
	}
	return time.Unix(v, 0).UTC(), nil
}

// LastDigestSent is when the most recent digest was sent; zero when none
// was.
func (d *DB) LastDigestSent(ctx context.Context) (time.Time, error) {
	var v sql.NullInt64
	if err := d.db.QueryRowContext(ctx, `SELECT MAX(sent_at) FROM digests WHERE message_id != ''`).Scan(&v); err != nil {
		return time.Time{}, fmt.Errorf("read the digests: %w", err)
	}
	if !v.Valid {
		return time.Time{}, nil
	}
	return time.Unix(v.Int64, 0).UTC(), nil
}

// Setting returns the value of the named setting, nil when it is not
// set; SetSetting sets it. The application keeps small values there (the
// fingerprint of the address book the contacts snapshot was built with).
func (d *DB) Setting(ctx context.Context, name string) ([]byte, error) {
	var v []byte
	err := d.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = ?`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return v, err
}

// SetSetting sets the named setting to value.
func (d *DB) SetSetting(ctx context.Context, name string, value []byte) error {
	return d.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (name, value) VALUES (?, ?)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, value)
		return err
	})
}
