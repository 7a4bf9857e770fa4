-- Each folder's number of stored messages (locations), kept as the
-- locations change rather than counted: a sync that finds nothing new
-- reads every folder's state, and counting a folder's locations walks
-- them all (7 ms for 96,000 locations, growing with the mailbox). Every
-- statement that inserts or deletes locations updates it in the same
-- transaction (PutMessages, DeleteUIDs, ResetFolder); a later migration
-- that does must too.
ALTER TABLE folders ADD COLUMN messages INTEGER NOT NULL DEFAULT 0;
UPDATE folders SET messages = (SELECT COUNT(*) FROM locations l WHERE l.folder_id = folders.id);
