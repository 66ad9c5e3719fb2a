-- 0003_operation_accepted: the journal may hold `operation_accepted` events (an operation
-- Dintero answered `202 Accepted`, in flight until its completion is seen), and intents carry
-- an idempotency key and the number of operations they were checked against.
-- FORWARD-ONLY: once landed this file is never edited (tests pin its SHA-256).
--
-- No table changes: the events are JSON in `events.data`, the operations JSON in
-- `sales.operations`. The version bump alone makes an older Kasse, which cannot read these
-- events, refuse the database instead of misreading an operation in flight as unknown.
SELECT 1;
