-- 0005_compact_journal: the journal's rows in a compact form (store/row.rs).
-- FORWARD-ONLY: once landed this file is never edited (tests pin its SHA-256).
--
-- A row names its sale by the seq of the sale's opening row (`sale`; that row alone carries the
-- sale id), stores its data zstd-compressed after a built-in dictionary (`body`), its hash as 32
-- bytes, and no copy of the previous row's hash (the chain links each row to the previous row's
-- own hash). The hash of a row is computed exactly as before (store/journal.rs), so the chain
-- goes on unchanged: after this SQL, the migration's second step (store/migrate.rs) copies every
-- `events` row into `journal` in this form, fills `sales.journal_key`, and drops `events`.
-- The version also marks events an older Kasse cannot read: `settings_changed`, `day_closed` and
-- `journal_exported` (the counter's own stream, journal key 0, no sale row) and the `actor` of
-- an intent.
CREATE TABLE journal (
    seq     INTEGER PRIMARY KEY,        -- 1, 2, 3, … without gaps
    sale    INTEGER NOT NULL,           -- seq of the sale's opening row
    at      INTEGER NOT NULL,           -- Unix milliseconds, UTC
    sale_id TEXT,                       -- on opening rows only
    intent  TEXT,                       -- op_id, on operation_requested rows only
    body    BLOB    NOT NULL,           -- the row's data, zstd after the journal dictionary
    blob    INTEGER,                    -- blobs.id of the value at blob_at, or NULL
    blob_at INTEGER,
    hash    BLOB    NOT NULL            -- SHA-256 (store/journal.rs), 32 bytes
);
CREATE INDEX journal_sale ON journal (sale);
-- One intent per operation id, across all sales.
CREATE UNIQUE INDEX journal_intent ON journal (intent) WHERE intent IS NOT NULL;
CREATE TRIGGER journal_append_at_end BEFORE INSERT ON journal
WHEN NEW.seq IS NOT (SELECT coalesce(max(seq), 0) + 1 FROM journal)
BEGIN
    SELECT RAISE(ABORT, 'journal is append-only: rows are added at the end of the chain');
END;
CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
BEGIN
    SELECT RAISE(ABORT, 'journal is append-only');
END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
BEGIN
    SELECT RAISE(ABORT, 'journal is append-only');
END;
-- The sale's journal key (its opening row's seq), so that its rows are found from its id.
ALTER TABLE sales ADD COLUMN journal_key INTEGER;
