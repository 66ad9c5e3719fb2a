-- 0004_snapshot_blobs: Dintero's JSON snapshots (and a sale's order) stored once, compressed.
-- FORWARD-ONLY: once landed this file is never edited (tests pin its SHA-256).
--
-- A new event's large JSON value (`snapshot`, `order`) goes to `blobs`, once per sale and
-- distinct content (the SHA-256 of its JSON tells), zstd-compressed with a built-in dictionary
-- (`dict`) and the sale's previous blob (`base`) as the compressor's prefix. The event row
-- keeps its JSON with `null` in the value's place (`blob_at` says where; store/blob.rs). The hash
-- chain stays over the whole JSON, the value put back, so rows written before this migration
-- (`blob` NULL, the whole JSON in `data`) are kept as they are and verify as before.
-- The projection's `sales.operations` and `sales.order_json` may from now on hold a BLOB, the
-- JSON compressed after the same dictionary, instead of the text (from 128 bytes on).
CREATE TABLE blobs (
    id     INTEGER PRIMARY KEY,
    sha256 BLOB    NOT NULL,             -- of the value's JSON, uncompressed
    base   INTEGER,                      -- the blob whose bytes prefixed the compression, or NULL
    dict   INTEGER NOT NULL DEFAULT 1,   -- the built-in dictionary before it (store/blob.rs)
    zstd   BLOB    NOT NULL
);
CREATE TRIGGER blobs_no_update BEFORE UPDATE ON blobs
BEGIN
    SELECT RAISE(ABORT, 'blobs are append-only');
END;
CREATE TRIGGER blobs_no_delete BEFORE DELETE ON blobs
BEGIN
    SELECT RAISE(ABORT, 'blobs are append-only');
END;
ALTER TABLE events ADD COLUMN blob INTEGER;     -- blobs.id, or NULL: the whole JSON is in data
ALTER TABLE events ADD COLUMN blob_at INTEGER;  -- where the `null` standing for it starts, in
                                                -- bytes before the end of data
