-- 0010_lean_list_indexes: the list's indexes tie sales by their row, not by their 26-character id.
-- FORWARD-ONLY: once landed this file is never edited (tests pin its SHA-256).
--
-- Every index entry ends with the sales row's rowid, so an index on `(created_at)` is already
-- in the list's page order `(created_at, rowid)`: the `id` these indexes carried as their
-- tie-break is dropped, and ties are now broken by the order the sales were opened (the rowid
-- grows with the journal, and `journal rebuild` re-inserts in journal order). List cursors
-- carry the rowid (store/list/cursor.rs).
-- `sales_reference` is dropped: a reference prefix of a local sale is looked up in the unique
-- `sales_reference_local` (it holds every local reference already), of an imported sale in the
-- partial index below, and a prefix matching many sales is walked by stem as before. The stem
-- index no longer carries the reference: the few sales of a short stem are checked in the table.
DROP INDEX sales_created;
CREATE INDEX sales_created ON sales (created_at);
DROP INDEX sales_status;
CREATE INDEX sales_status ON sales (status, created_at);
DROP INDEX sales_amount;
CREATE INDEX sales_amount ON sales (amount, created_at);
DROP INDEX sales_reference;
CREATE INDEX sales_reference_imported ON sales (merchant_reference) WHERE origin = 'imported';
DROP INDEX sales_reference_stem;
CREATE INDEX sales_reference_stem ON sales (
    substr(merchant_reference, 1, length(merchant_reference) - 7),
    created_at
);
