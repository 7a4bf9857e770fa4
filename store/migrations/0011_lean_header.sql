-- Reply-To and X-Rekindle-Digest are no longer kept (store/codec.go): a
-- sync no longer fetches them, because nothing read Reply-To and the
-- digests now carry Auto-Submitted: auto-generated. Headers stored before
-- are written as a sync writes them now (rekindle_lean_header): without
-- Reply-To, and a stored X-Rekindle-Digest, one of rekindle's own digests,
-- as Auto-Submitted: auto-generated, which keeps it out of the model as
-- before.
CREATE TEMP TABLE lean (id INTEGER PRIMARY KEY, header BLOB NOT NULL);
INSERT INTO temp.lean (id, header)
    SELECT id, lean FROM (SELECT id, header, rekindle_lean_header(header) AS lean FROM messages) WHERE lean != header;
UPDATE messages SET header = (SELECT header FROM temp.lean WHERE lean.id = messages.id)
WHERE id IN (SELECT id FROM temp.lean);

-- A message without a Message-ID is keyed by its packed header (messageKey
-- in store/messages.go): those rewritten take the key a sync computes for
-- them now, so that a copy synced later meets its row. As migration 0006
-- re-keyed: through negative keys, and a row whose new key another row
-- holds (the two differed only in what is no longer kept) is that row's
-- copy, and goes, its locations following the row that stays.
CREATE TEMP TABLE rekey (old INTEGER PRIMARY KEY, new INTEGER NOT NULL);
INSERT INTO temp.rekey (old, new)
    SELECT key, rekindle_message_key(header, key) FROM messages WHERE id IN (SELECT id FROM temp.lean);
DELETE FROM temp.rekey WHERE old = new;
UPDATE messages SET key = -1 - key WHERE key IN (SELECT old FROM temp.rekey);
UPDATE OR IGNORE messages SET key = (SELECT new FROM temp.rekey WHERE old = -1 - messages.key) WHERE key < 0;
DELETE FROM messages WHERE key < 0;
UPDATE locations SET message_key = (SELECT new FROM temp.rekey WHERE old = locations.message_key)
WHERE message_key IN (SELECT old FROM temp.rekey);
DROP TABLE temp.rekey;
DROP TABLE temp.lean;
