-- 0008_auto_capture: a sale row keeps what became of the capture its session asked Dintero to
-- make at authorisation (NULL: none asked; 'requested'; 'failed'), so the watcher finds the
-- authorised sales whose capture it still follows, and the counter the authorisations nobody
-- will capture unless someone does it by hand.
-- FORWARD-ONLY: once landed this file is never edited (tests pin its SHA-256).
--
-- No step fills it: no sale before this version asked for auto-capture in its `sale_opened`.
ALTER TABLE sales ADD COLUMN auto_capture TEXT;
CREATE INDEX sales_authorized ON sales (created_at) WHERE status = 'authorized';
