-- 0006_catalog: the shop's products (catalog/, store/catalog.rs), searched, scanned and sold by
-- SKU or GTIN.
-- FORWARD-ONLY: once landed this file is never edited (tests pin its SHA-256).
--
-- `search` is what search-as-you-type matches: the name, SKU and GTIN, lower-cased by Kasse
-- (SQLite's lower() knows only ASCII, and shops sell "Brød" and "Ærfugl").
CREATE TABLE products (
    sku       TEXT    PRIMARY KEY,
    name      TEXT    NOT NULL,
    gtin      TEXT    UNIQUE,             -- 13 digits (8 for an EAN-8), check digit verified
    price     INTEGER NOT NULL CHECK (price >= 0), -- minor units incl. VAT, per piece or kg
    vat       INTEGER NOT NULL CHECK (vat >= 0),   -- hundredths of a percent
    unit      TEXT    NOT NULL CHECK (unit IN ('piece', 'kg')),
    category  TEXT,
    favourite INTEGER NOT NULL DEFAULT 0,
    active    INTEGER NOT NULL DEFAULT 1,
    search    TEXT    NOT NULL
) WITHOUT ROWID;
CREATE INDEX products_category ON products (category, name);
