-- 0001_init: the sales journal, its projection, settings.
-- FORWARD-ONLY: once landed this file is never edited (tests pin its SHA-256). Change the
-- schema with a new file NNNN_name.sql.

-- The append-only, hash-chained journal: the source of truth.
CREATE TABLE events (
    seq       INTEGER PRIMARY KEY,           -- 1, 2, 3, … without gaps
    sale_id   TEXT    NOT NULL,
    at        INTEGER NOT NULL,              -- Unix milliseconds, UTC
    kind      TEXT    NOT NULL,              -- the event's "type"
    op_id     TEXT,                          -- operation id for operation_* events
    data      TEXT    NOT NULL,              -- the event as JSON, hashed exactly as stored
    prev_hash TEXT    NOT NULL,              -- hash of the row before (genesis: 64 zeros)
    hash      TEXT    NOT NULL               -- SHA-256, lower-case hex (see store/journal.rs)
);
CREATE INDEX events_sale ON events (sale_id, seq);
-- One intent per operation id, across all sales.
CREATE UNIQUE INDEX events_op_requested ON events (op_id) WHERE kind = 'operation_requested';

-- Rows are only ever added at the end of the chain: the next seq, linked to the last hash.
-- (This also refuses INSERT OR REPLACE, whose implicit delete would not fire the delete trigger.)
CREATE TRIGGER events_append_at_end BEFORE INSERT ON events
WHEN NEW.seq IS NOT (SELECT coalesce(max(seq), 0) + 1 FROM events)
  OR NEW.prev_hash IS NOT coalesce(
         (SELECT hash FROM events ORDER BY seq DESC LIMIT 1),
         '0000000000000000000000000000000000000000000000000000000000000000')
BEGIN
    SELECT RAISE(ABORT, 'events is append-only: rows are added at the end of the chain');
END;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events is append-only');
END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events is append-only');
END;

-- The last row of the journal, updated in the same transaction as each append, so that
-- removing rows at the end of the chain is detected too.
CREATE TABLE journal_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT    NOT NULL
);

-- The projection: the current view of each sale, derived from its events.
CREATE TABLE sales (
    id                 TEXT    PRIMARY KEY,
    merchant_reference TEXT    NOT NULL,
    counter            TEXT,
    session_id         TEXT,
    transaction_id     TEXT,
    checkout_url       TEXT,
    expires_at         INTEGER,
    currency           TEXT    NOT NULL,
    amount             INTEGER NOT NULL,
    vat_amount         INTEGER,
    status             TEXT    NOT NULL,
    captured           INTEGER NOT NULL,
    refunded           INTEGER NOT NULL,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    origin             TEXT    NOT NULL CHECK (origin IN ('local', 'imported')),
    payment_product    TEXT,
    last_error         TEXT,
    pending_ops        INTEGER NOT NULL,
    operations         TEXT    NOT NULL,     -- JSON array of the operations' derived state
    order_json         TEXT    NOT NULL,     -- the priced order as opened (JSON)
    last_seq           INTEGER NOT NULL      -- journal seq of the last event folded in
);
-- Keyset pagination: ORDER BY created_at DESC, id DESC.
CREATE INDEX sales_created ON sales (created_at, id);
CREATE INDEX sales_status ON sales (status, created_at, id);
CREATE INDEX sales_amount ON sales (amount, created_at, id);
-- One sale per session and per transaction; prefix search too. Partial: a sale without a
-- session / transaction yet costs no index entry.
CREATE UNIQUE INDEX sales_session ON sales (session_id) WHERE session_id IS NOT NULL;
CREATE UNIQUE INDEX sales_transaction ON sales (transaction_id) WHERE transaction_id IS NOT NULL;
-- Prefix search on the reference (carrying created_at, id: search candidates are sorted from
-- the index alone); local references are unique, imported ones may repeat (another counter
-- with the same name) or be empty.
CREATE INDEX sales_reference ON sales (merchant_reference, created_at, id);
CREATE UNIQUE INDEX sales_reference_local ON sales (merchant_reference) WHERE origin = 'local';
-- The watcher's resume list and the reconciler's pending list.
CREATE INDEX sales_open ON sales (created_at)
    WHERE status IN ('creating', 'waiting', 'paying', 'on_hold', 'unknown');
CREATE INDEX sales_pending ON sales (created_at) WHERE pending_ops > 0;

-- Merchant reference sequence per counter and day.
CREATE TABLE reference_counters (
    counter TEXT    NOT NULL,
    day     TEXT    NOT NULL,                -- YYYYMMDD
    last    INTEGER NOT NULL,
    PRIMARY KEY (counter, day)
) WITHOUT ROWID;

-- Settings: key → JSON value. Never credentials (the store refuses secret-looking keys).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
