-- Digests sent: at most one per day, across restarts and processes. A row
-- is claimed before sending (sent_at NULL) and completed after, so two
-- processes racing for the same day cannot both send.
CREATE TABLE digests (
    -- The digest's day in the digest's time zone, YYYY-MM-DD.
    day        TEXT    PRIMARY KEY,
    claimed_at INTEGER NOT NULL,
    sent_at    INTEGER,
    message_id TEXT    NOT NULL DEFAULT '',
    people     INTEGER NOT NULL DEFAULT 0
);
