-- Copies of one message are one message, judged by its most personal copy.
--
-- A message filed in several folders (one Message-ID, so one key) is one
-- row of messages. Until now the row kept the copy synced first, and the
-- copies can differ: on a mailing list, a reply to the user arrives once in
-- INBOX, sent to the user directly, and once more in the list's folder
-- with the list's headers (List-Id, List-Unsubscribe, Precedence: list);
-- the user's own post sits in Sent and comes back as the list's echo. When
-- the list's folder synced first, every such reply was stored as list mail
-- and the relationship model, which does not count list mail as
-- conversation, lost the people the user writes with.
--
-- bulk ranks the stored copy: 0 when it carries no list or bulk marker
-- (rekindle.Header.IsBulk is false), 1 when it does, NULL for rows stored
-- before this migration, whose rank was never recorded. PutMessages
-- replaces a stored copy (its header, internal_date, sent_at and bulk; the
-- row keeps its id) with a copy of lower rank, and between copies of the
-- same rank keeps the smallest packed header (then the earliest sent_at
-- and internal_date), so the stored copy is the same whatever order the
-- folders sync in. A NULL rank is worked out from the stored header when
-- another copy arrives (see store/messages.go).
ALTER TABLE messages ADD COLUMN bulk INTEGER;

-- Repair: the stores synced before this migration may hold a list's copy
-- where a personal one exists. Every folder holding a copy of a message
-- that is in more than one folder is made to sync again from its first
-- UID: last_uid 0 makes the next sync fetch the whole folder, and uidnext,
-- highest_modseq and last_sync cleared make sure it is not taken for
-- unchanged. Nothing is deleted: the folder keeps its UIDVALIDITY and its
-- locations, which the re-fetch writes again in place (locations are
-- keyed by folder and UID), so its message count does not move; each
-- re-fetched copy then goes through the ranking above and the most
-- personal one ends up stored. Folders whose messages are all single
-- copies have nothing to repair and keep their incremental state.
--
-- locations.message_key has no index: this is one pass over locations,
-- grouped, once.
UPDATE folders SET last_uid = 0, uidnext = 0, highest_modseq = 0, last_sync = NULL
WHERE id IN (SELECT DISTINCT folder_id FROM locations WHERE message_key IN
    (SELECT message_key FROM locations GROUP BY message_key HAVING COUNT(*) > 1));
