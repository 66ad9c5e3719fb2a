-- 0009_trained_dictionary: snapshots and journal rows compressed after dictionaries trained on
-- the log's own.
-- FORWARD-ONLY: once landed this file is never edited (tests pin its SHA-256).
--
-- Once a log has a thousand blobs (three thousand journal rows), Kasse trains a zstd dictionary
-- on the latest of them and keeps it here, once (store/blob.rs); the snapshots (rows) stored
-- after that are compressed after it (`blobs.dict`, `journal.dict` = its id) instead of the
-- built-in one (`blobs.dict` 1, `journal.dict` NULL). A value is only readable with its
-- dictionary, so a dictionary is never changed or removed: its SHA-256 (first 8 bytes) is
-- checked when it is read, and a blob read after a wrong one fails its own SHA-256 check (a
-- row, its hash).
-- The version also marks zstd frames stored without their 4-byte magic number from now on
-- (journal bodies, blobs, the projection's compressed columns; store/codec.rs), which an older
-- Kasse cannot read. Nothing written before changes.
CREATE TABLE dictionaries (
    id      INTEGER PRIMARY KEY CHECK (id >= 2),   -- 1 is the blobs' built-in dictionary
    kind    TEXT    NOT NULL CHECK (kind IN ('blob', 'row')),
    sha256  BLOB    NOT NULL,
    content BLOB    NOT NULL
);
CREATE TRIGGER dictionaries_no_update BEFORE UPDATE ON dictionaries
BEGIN
    SELECT RAISE(ABORT, 'dictionaries are append-only');
END;
ALTER TABLE journal ADD COLUMN dict INTEGER;    -- dictionaries.id of its body, or NULL
CREATE TRIGGER dictionaries_no_delete BEFORE DELETE ON dictionaries
BEGIN
    SELECT RAISE(ABORT, 'dictionaries are append-only');
END;
