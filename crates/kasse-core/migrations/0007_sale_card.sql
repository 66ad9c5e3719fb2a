-- 0007_sale_card: a sale row keeps the card its transaction showed (brand and last four digits),
-- so the list, the detail and the receipt name the payment as people say it ("Visa •••• 0002").
-- FORWARD-ONLY: once landed this file is never edited (tests pin its SHA-256).
--
-- Derived like every projection column: after this SQL, the migration's second step
-- (store/migrate.rs) replays the journal and fills the card of the sales that have one.
ALTER TABLE sales ADD COLUMN card_brand TEXT;
ALTER TABLE sales ADD COLUMN card_last4 TEXT;
