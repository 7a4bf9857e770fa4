-- The user's say about contacts. Keys are lower-case addresses: a
-- contact's key (its first-seen address) or any of its addresses.
CREATE TABLE overrides (
    address      TEXT    PRIMARY KEY,
    -- Fixed cadence in days replacing the learnt rhythm; NULL when none.
    cadence_days REAL,
    -- Unix seconds; NULL when not snoozed.
    snooze_until INTEGER,
    ignored      INTEGER NOT NULL DEFAULT 0,
    pinned       INTEGER NOT NULL DEFAULT 0,
    -- Tags separated by single spaces.
    tags         TEXT    NOT NULL DEFAULT '',
    updated_at   INTEGER NOT NULL
);

-- Tags that carry a cadence ("family" every 14 days).
CREATE TABLE tag_cadences (
    tag          TEXT PRIMARY KEY,
    cadence_days REAL NOT NULL
);

-- Address and domain globs ignored from the command line; the config's
-- ignore list adds to them.
CREATE TABLE ignore_patterns (
    pattern TEXT PRIMARY KEY
);

-- Addresses the user declared to be one person: same grp, same person.
CREATE TABLE merges (
    address TEXT    PRIMARY KEY,
    grp     INTEGER NOT NULL
);
CREATE INDEX merges_grp ON merges (grp);

-- Pairs of addresses the user declared to be different people.
CREATE TABLE splits (
    a TEXT NOT NULL,
    b TEXT NOT NULL,
    PRIMARY KEY (a, b)
);

-- Who was suggested in a digest, and when: the cool-down and the weekly
-- dormant pick read it.
CREATE TABLE suggestions (
    contact_key  TEXT    NOT NULL,
    -- Every address of the contact then, space-separated, so the record
    -- still matches if the contact's key changes.
    addresses    TEXT    NOT NULL,
    suggested_at INTEGER NOT NULL,
    dormant      INTEGER NOT NULL,
    PRIMARY KEY (contact_key, suggested_at)
);
