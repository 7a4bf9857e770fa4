-- The cards last read from the CardDAV address book
-- (address_book.carddav), so that the model has them when the server
-- cannot be reached. Each read replaces them all; source is the address
-- book's URL, so that the cards of another one are never taken for the
-- configured one's.
CREATE TABLE address_book (
    source     TEXT    NOT NULL,
    position   INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    emails     TEXT    NOT NULL, -- JSON array of strings
    categories TEXT    NOT NULL, -- JSON array of strings
    PRIMARY KEY (source, position)
);

-- When each address book was last read, and how many cards it had.
CREATE TABLE address_book_reads (
    source  TEXT    PRIMARY KEY,
    read_at INTEGER NOT NULL,
    cards   INTEGER NOT NULL
);
