-- The contacts as the application last worked them out, for the commands
-- that must answer faster than the relationship model builds ("rekindle
-- query", run by mail clients on every keystroke). The store keeps rows of
-- plain data the application computed; it knows nothing of the model.
--
-- One row per contact, in the application's order (rank 0 first).
CREATE TABLE contacts (
    rank      INTEGER PRIMARY KEY,
    key       TEXT    NOT NULL,
    name      TEXT    NOT NULL,
    email     TEXT    NOT NULL,
    -- Every address of the contact, email among them: a JSON array.
    addresses TEXT    NOT NULL,
    two_way   INTEGER NOT NULL,
    strength  REAL    NOT NULL,
    -- The name and the addresses in lower case, one per line: what a
    -- search looks in.
    search    TEXT    NOT NULL
);

-- One row saying whether the contacts above are still what the
-- application would work out.
--
-- changed is set whenever something the contacts are worked out from
-- changes. For the messages, the store's own writes set it, once a
-- transaction: PutMessages when it stores a new message or replaces a
-- copy, the deletion of messages no folder holds any more, and every
-- migration applied (a trigger would run for each row: about 12% more
-- CPU per message stored, in BenchmarkPutMessages). For the user's say,
-- the triggers below set it: someone ignored or no longer ignored, an
-- ignore pattern, a merge or a split added or removed. A refresh begins
-- by taking a generation (BeginContacts: a new one, with changed
-- cleared, when changed was set) and saves its rows only if the
-- generation is still current and nothing changed meanwhile
-- (SaveContacts), stamping them with it in built. The rows are current
-- when built = generation, changed is clear and basis is what the reader
-- would build from (the application's fingerprint of its configuration
-- and version).
CREATE TABLE contacts_state (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL,
    changed    INTEGER NOT NULL,
    built      INTEGER,
    basis      TEXT    NOT NULL,
    -- Unix seconds of the last save.
    built_at   INTEGER
);
INSERT INTO contacts_state (id, generation, changed, built, basis) VALUES (1, 0, 1, NULL, '');

-- Of the overrides, only ignored decides who is a contact; snoozes, pins,
-- cadences and tags change nothing here.
CREATE TRIGGER contacts_changed_override_insert AFTER INSERT ON overrides WHEN NEW.ignored
BEGIN UPDATE contacts_state SET changed = 1 WHERE changed = 0; END;
CREATE TRIGGER contacts_changed_override_update AFTER UPDATE ON overrides
WHEN OLD.ignored IS NOT NEW.ignored
BEGIN UPDATE contacts_state SET changed = 1 WHERE changed = 0; END;
CREATE TRIGGER contacts_changed_override_delete AFTER DELETE ON overrides WHEN OLD.ignored
BEGIN UPDATE contacts_state SET changed = 1 WHERE changed = 0; END;

CREATE TRIGGER contacts_changed_ignore_insert AFTER INSERT ON ignore_patterns
BEGIN UPDATE contacts_state SET changed = 1 WHERE changed = 0; END;
CREATE TRIGGER contacts_changed_ignore_update AFTER UPDATE ON ignore_patterns
BEGIN UPDATE contacts_state SET changed = 1 WHERE changed = 0; END;
CREATE TRIGGER contacts_changed_ignore_delete AFTER DELETE ON ignore_patterns
BEGIN UPDATE contacts_state SET changed = 1 WHERE changed = 0; END;

CREATE TRIGGER contacts_changed_merge_insert AFTER INSERT ON merges
BEGIN UPDATE contacts_state SET changed = 1 WHERE changed = 0; END;
CREATE TRIGGER contacts_changed_merge_update AFTER UPDATE ON merges
BEGIN UPDATE contacts_state SET changed = 1 WHERE changed = 0; END;
CREATE TRIGGER contacts_changed_merge_delete AFTER DELETE ON merges
BEGIN UPDATE contacts_state SET changed = 1 WHERE changed = 0; END;

CREATE TRIGGER contacts_changed_split_insert AFTER INSERT ON splits
BEGIN UPDATE contacts_state SET changed = 1 WHERE changed = 0; END;
CREATE TRIGGER contacts_changed_split_update AFTER UPDATE ON splits
BEGIN UPDATE contacts_state SET changed = 1 WHERE changed = 0; END;
CREATE TRIGGER contacts_changed_split_delete AFTER DELETE ON splits
BEGIN UPDATE contacts_state SET changed = 1 WHERE changed = 0; END;
