-- The console's charts count deliveries per minute by when they were delivered: without this index that is a scan
-- of the whole outbox. Only delivered rows are in it (the settling update writes a new index entry anyway: its
-- status change makes it a non-HOT update).
CREATE INDEX deliveries_delivered_at ON deliveries (delivered_at) WHERE status = 'delivered';
