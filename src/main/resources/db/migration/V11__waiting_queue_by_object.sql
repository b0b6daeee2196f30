-- Processing claims by object: per object of a batch it asks whether an earlier event of it still waits.
-- Asked of webhook_events, that walked the object's whole history (163 ms a batch for objects with many
-- events); the waiting queue holds only what waits, so it carries the object too.
ALTER TABLE inbox_waiting ADD COLUMN object_key text;
UPDATE inbox_waiting q SET object_key = w.object_key FROM webhook_events w WHERE w.id = q.id;
CREATE INDEX inbox_waiting_object ON inbox_waiting (object_key, id) WHERE object_key IS NOT NULL;
