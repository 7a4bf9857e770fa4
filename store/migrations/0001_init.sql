-- Folders of every account, with what makes the next sync incremental.
CREATE TABLE folders (
    id             INTEGER PRIMARY KEY,
    account        TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    uidvalidity    INTEGER NOT NULL DEFAULT 0,
    -- Every message with a UID up to last_uid is stored; a sync resumes after it.
    last_uid       INTEGER NOT NULL DEFAULT 0,
    -- Server values at the end of the last complete sync (unchanged = nothing to fetch).
    uidnext        INTEGER NOT NULL DEFAULT 0,
    highest_modseq INTEGER NOT NULL DEFAULT 0,
    -- Unix seconds when the last complete sync finished; NULL if none has.
    last_sync      INTEGER,
    UNIQUE (account, name)
);

-- One row per distinct message, however many folders hold a copy of it.
-- Headers only: rekindle never stores a body.
CREATE TABLE messages (
    id            INTEGER PRIMARY KEY,
    -- A 63-bit hash of the message's identity: its Message-ID, or for
    -- mail without one a digest of its headers. Copies in several folders
    -- share it and collapse to one row (see store/messages.go).
    key           INTEGER NOT NULL UNIQUE,
    message_id    TEXT    NOT NULL,
    -- Unix seconds: the Date header (NULL when missing or unparseable), the
    -- server's internal date, and the best of the two, which every
    -- time-based query uses.
    date          INTEGER,
    internal_date INTEGER NOT NULL,
    sent_at       INTEGER NOT NULL,
    subject       TEXT    NOT NULL,
    -- The first From address, lower case.
    from_email    TEXT    NOT NULL,
    -- Every header field rekindle keeps, packed (see store/codec.go). The
    -- relationship model streams every message on each run; one packed
    -- column reads about three times faster than a column per field.
    header        BLOB    NOT NULL
);

-- Where each message was seen: a folder and a UID in it.
CREATE TABLE locations (
    folder_id   INTEGER NOT NULL REFERENCES folders (id) ON DELETE CASCADE,
    uid         INTEGER NOT NULL,
    -- messages.key: known before the message's row exists, so a batch
    -- inserts both tables without reading anything back. Not indexed:
    -- only expunges look messages up by it, rarely and in bulk (see
    -- deleteLocations), and an index would cost every insert.
    message_key INTEGER NOT NULL,
    flags       TEXT    NOT NULL,
    PRIMARY KEY (folder_id, uid)
) WITHOUT ROWID;
