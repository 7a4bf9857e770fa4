-- The packed header column holds the Message-ID, Date, Subject and From;
-- nothing queries the copies kept beside it in their own columns, and a
-- first sync wrote every one of them twice. Dropped.
ALTER TABLE messages DROP COLUMN message_id;
ALTER TABLE messages DROP COLUMN date;
ALTER TABLE messages DROP COLUMN subject;
ALTER TABLE messages DROP COLUMN from_email;
