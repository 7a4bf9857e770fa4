package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ErrDigestSent is returned by ClaimDigest when the day's digest was
// already sent (or is being sent by another process).
var ErrDigestSent = errors.New("digest already sent")

// SentDigest is the record of one day's digest.
type SentDigest struct {
	Day       string
	ClaimedAt time.Time
	// SentAt is zero while the digest is claimed but not (yet) sent.
	SentAt    time.Time
	MessageID string
	People    int
}

// claimTimeout is how long a claim without a send blocks the day: a
// process that claimed and then died must not stop the day's digest for
// good.
const claimTimeout = 15 * time.Minute

// ClaimDigest reserves day for sending. It fails with ErrDigestSent when
// the day's digest was sent, or claimed by another process less than 15
// minutes ago; force overrides both (rekindle digest --send --force).
func (d *DB) ClaimDigest(ctx context.Context, day string, force bool) error {
	now := d.Now()
	err := d.tx(ctx, func(tx *sql.Tx) error {
		var (
			claimed int64
			sent    sql.NullInt64
		)
		err := tx.QueryRowContext(ctx, `SELECT claimed_at, sent_at FROM digests WHERE day = ?`, day).Scan(&claimed, &sent)
		switch {
		case err == sql.ErrNoRows:
		case err != nil:
			return err
		case force:
		case sent.Valid:
			return fmt.Errorf("%w for %s (at %s)", ErrDigestSent, day, time.Unix(sent.Int64, 0).Local().Format("15:04"))
		case now.Sub(time.Unix(claimed, 0)) < claimTimeout:
			return fmt.Errorf("%w for %s: another rekindle is sending it", ErrDigestSent, day)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO digests (day, claimed_at) VALUES (?, ?)
			ON CONFLICT (day) DO UPDATE SET claimed_at = excluded.claimed_at, sent_at = NULL`, day, now.Unix())
		return err
	})
	if err != nil && !errors.Is(err, ErrDigestSent) {
		return fmt.Errorf("claim digest for %s: %w", day, err)
	}
	return err
}

// DigestSent completes a claim: the day's digest went out.
func (d *DB) DigestSent(ctx context.Context, day, messageID string, people int) error {
	_, err := d.db.ExecContext(ctx, `UPDATE digests SET sent_at = ?, message_id = ?, people = ? WHERE day = ?`,
		d.Now().Unix(), messageID, people, day)
	if err != nil {
		return fmt.Errorf("record digest for %s: %w", day, err)
	}
	return nil
}

// ReleaseDigest drops a claim whose send failed, so a later try may send.
func (d *DB) ReleaseDigest(ctx context.Context, day string) error {
	_, err := d.db.ExecContext(ctx, `DELETE FROM digests WHERE day = ? AND sent_at IS NULL`, day)
	if err != nil {
		return fmt.Errorf("release digest claim for %s: %w", day, err)
	}
	return nil
}

// Digest returns the record of a day's digest; ok is false when there is
// none.
func (d *DB) Digest(ctx context.Context, day string) (sd SentDigest, ok bool, err error) {
	var (
		claimed int64
		sent    sql.NullInt64
	)
	err = d.db.QueryRowContext(ctx, `SELECT day, claimed_at, sent_at, message_id, people FROM digests WHERE day = ?`, day).
		Scan(&sd.Day, &claimed, &sent, &sd.MessageID, &sd.People)
	if err == sql.ErrNoRows {
		return sd, false, nil
	}
	if err != nil {
		return sd, false, fmt.Errorf("read digest for %s: %w", day, err)
	}
	sd.ClaimedAt, sd.SentAt = time.Unix(claimed, 0).UTC(), fromUnix(sent)
	return sd, true, nil
}
