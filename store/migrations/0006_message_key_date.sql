-- Different messages that share a Message-ID are different messages.
--
-- Until now a message's key was a hash of its Message-ID alone, and broken
-- mailers (a constant Message-ID, a counter that restarts) give one ID to
-- many messages: all but the first were taken for copies of it and lost.
-- The key now hashes the Message-ID with the Date header (see messageKey
-- in store/messages.go), which the copies of one message in several
-- folders share whatever a mailing list did to its copy.
--
-- 1. imapsync now drops a Date before 1980 (a broken clock or parser: a
-- Unix time of 0 reads 1970; it dropped those before 1971) and one more
-- than a day after the message arrived (rekindle.MaxDateAhead: a wrong
-- clock, or a sender placing mail in the future to stay the latest
-- exchange), and the message's time is then its arrival. Rows stored
-- before get the same treatment, so that their times are right and their
-- keys below are what a re-fetch of them computes. 315532800 is
-- 1980-01-01, 86400 a day; rekindle_plausible_header decides, the WHERE
-- only spares it the rows that are surely fine.
UPDATE messages SET header = rekindle_plausible_header(header, internal_date), sent_at = internal_date
WHERE (sent_at < 315532800 OR (internal_date >= 315532800 AND sent_at > internal_date + 86400))
    AND rekindle_plausible_header(header, internal_date) != header;

-- 2. Every row takes its new key, and every location follows its row. The
-- keys go through negative values (a stored key is never negative) so
-- that no row takes a key another still holds; a row whose new key
-- another row already took (two identities colliding in 63 bits, about
-- 1 in 10^7 for a million messages) is that row's copy and goes.
CREATE TEMP TABLE rekey (old INTEGER PRIMARY KEY, new INTEGER NOT NULL);
INSERT INTO temp.rekey (old, new) SELECT key, rekindle_message_key(header, key) FROM messages;
DELETE FROM temp.rekey WHERE old = new;
UPDATE messages SET key = -1 - key WHERE key IN (SELECT old FROM temp.rekey);
UPDATE OR IGNORE messages SET key = (SELECT new FROM temp.rekey WHERE old = -1 - messages.key) WHERE key < 0;
DELETE FROM messages WHERE key < 0;
UPDATE locations SET message_key = (SELECT new FROM temp.rekey WHERE old = locations.message_key)
WHERE message_key IN (SELECT old FROM temp.rekey);
DROP TABLE temp.rekey;

-- 3. Repair: where different messages under one Message-ID were merged,
-- one row stands for all of them and the others are lost. They are in the
-- folders holding a message that has more than one location; as
-- migration 0005 did, those folders are fetched again from their first
-- UID (keeping their UIDVALIDITY and locations, which the re-fetch writes
-- again in place), and each message then finds its own row.
UPDATE folders SET last_uid = 0, uidnext = 0, highest_modseq = 0, last_sync = NULL
WHERE id IN (SELECT DISTINCT folder_id FROM locations WHERE message_key IN
    (SELECT message_key FROM locations GROUP BY message_key HAVING COUNT(*) > 1));
