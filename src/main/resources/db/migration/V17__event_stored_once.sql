-- Each event is stored once, as the exact bytes Mono sent (body): the jsonb copy (payload) doubled every inbox
-- row's write and WAL, and reading it back for processing re-serialised it. What the event log searches was
-- already in columns written at ingest (object_key, reference, event_type, event_id, dedupe_key).
-- Rows from before V5 have no body: theirs is the jsonb's text.
UPDATE webhook_events SET body = payload::text WHERE body IS NULL;
ALTER TABLE webhook_events ALTER COLUMN body SET NOT NULL;
ALTER TABLE webhook_events DROP COLUMN payload;
