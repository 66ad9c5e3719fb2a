-- 0011_checkout_url_once: a sale's checkout URL kept as its session id and the URL around it.
-- FORWARD-ONLY: once landed this file is never edited (tests pin its SHA-256).
--
-- Dintero's checkout URL is the same for every sale of a shop except for the session id in it.
-- What comes before and after the session id is kept here once, under a short key, and the
-- projection's `sales.checkout_url` holds that key as a BLOB (a TEXT column keeps a BLOB as
-- it is) where it held the whole URL; reading a sale puts the URL back together around its
-- `session_id` (store/checkout_url.rs). A URL without the sale's session id in it, and every
-- row written before, keeps the whole text. The journal is untouched: its events carry the
-- URL as Dintero gave it.
CREATE TABLE checkout_urls (
    key    BLOB PRIMARY KEY,
    prefix TEXT NOT NULL,
    suffix TEXT NOT NULL,
    UNIQUE (prefix, suffix)
) WITHOUT ROWID;
