-- The digest's one-tap actions (package actions): a message the user sends
-- themselves from a digest link, whose Subject carries a signed command.

-- Small named values: the actions' secret ("action_secret", random bytes,
-- never printed) and the pause of the digests ("digests_paused_until",
-- unix seconds).
CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
);

-- Messages whose Subject starts with "[rekindle] ", queued by the sync
-- that stored them until the application has looked at them.
CREATE TABLE action_queue (
    message_key INTEGER PRIMARY KEY
);

-- Every action message looked at, applied or ignored, and why: each
-- message is looked at once (its key), each token applied at most once.
CREATE TABLE actions (
    message_key INTEGER PRIMARY KEY,
    message_id  TEXT    NOT NULL,
    seen_at     INTEGER NOT NULL,
    sent_at     INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    target      TEXT    NOT NULL,
    label       TEXT    NOT NULL,
    day         TEXT    NOT NULL,
    token       TEXT    NOT NULL,
    applied     INTEGER NOT NULL,
    note        TEXT    NOT NULL
);
CREATE UNIQUE INDEX actions_applied_token ON actions (token) WHERE applied = 1;
CREATE INDEX actions_seen ON actions (seen_at);

-- Messages the user said need no reply (Message-ID without brackets).
CREATE TABLE dismissed (
    message_id   TEXT    PRIMARY KEY,
    dismissed_at INTEGER NOT NULL
);
