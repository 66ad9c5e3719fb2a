-- 0002_reference_stem: search by a reference prefix in page order, without a sort.
-- FORWARD-ONLY: once landed this file is never edited (tests pin its SHA-256).
--
-- A reference's stem is the reference without its last 7 characters: `COUNTER-YYYYMM` for
-- Kasse's own `COUNTER-YYYYMMDD-NNNN` (`''` for references of 7 characters or fewer). The
-- sales of one stem are here in page order, so a search for a counter's month walks one stem
-- backwards and stops after a page instead of sorting the month (store/list.rs, "by reference
-- stem"; the expression there is this one, character for character). The reference is carried
-- so that checking it against a longer prefix needs no table lookup. Nothing updates these
-- columns after a sale is opened, so the index costs one entry per sale.
CREATE INDEX sales_reference_stem ON sales (
    substr(merchant_reference, 1, length(merchant_reference) - 7),
    created_at,
    id,
    merchant_reference
);
