-- Deliveries go out per object (one payment's in order, different payments at once): a claim asks, for each
-- candidate, whether an earlier delivery of the same object on the same destination is held, leased or backing
-- off. This index answers that per candidate without reading the destination's whole queue.
CREATE INDEX deliveries_pending_object ON deliveries (destination, object_key, created_at, id) WHERE status = 'pending';
