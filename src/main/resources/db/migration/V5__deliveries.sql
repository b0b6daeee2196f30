-- The event exactly as Mono sent it (the body's bytes, valid UTF-8): what destinations receive and what an
-- audit compares. payload (jsonb) is PostgreSQL's re-serialisation, with keys reordered. Rows from earlier
-- versions have none; they are delivered from payload.
ALTER TABLE webhook_events ADD COLUMN body text;

-- The transactional outbox: one row per applied event and matching destination, written in the same
-- transaction as the event's domain rows. The forwarders send them in id order per destination.
CREATE TABLE deliveries (
    id               bigserial PRIMARY KEY,
    webhook_event_id bigint      NOT NULL REFERENCES webhook_events (id),
    destination      text        NOT NULL,
    -- payment, mandate or account id: the Kafka record key, so one object's events stay in one partition.
    object_key       text,
    status           text        NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'delivered', 'dead', 'discarded')),
    attempts         integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    -- Set while one gateway instance sends it; a crashed sender's lease runs out and the row is sent again.
    lease_until      timestamptz,
    last_error       text,
    -- The queuing transaction's start (now()): deliveries go out in (created_at, id) order, see DeliveryStore.
    created_at       timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz,
    resolved_at      timestamptz,
    discard_reason   text
);
-- An event is queued for a destination once, however often it is replayed.
CREATE UNIQUE INDEX deliveries_once ON deliveries (webhook_event_id, destination);
-- What each forwarder reads: its destination's waiting rows, oldest first.
CREATE INDEX deliveries_pending ON deliveries (destination, created_at, id) WHERE status = 'pending';
CREATE INDEX deliveries_dead ON deliveries (destination, id) WHERE status = 'dead';

-- Dead deliveries alert operations, one email per destination and window.
ALTER TABLE alerts DROP CONSTRAINT alerts_kind_check;
ALTER TABLE alerts ADD CONSTRAINT alerts_kind_check CHECK (kind IN ('dead_letter', 'event', 'delivery'));
ALTER TABLE alerts ADD COLUMN delivery_id bigint REFERENCES deliveries (id);
DROP INDEX alerts_once;
CREATE UNIQUE INDEX alerts_once ON alerts (kind, webhook_event_id, COALESCE(dead_letter_id, 0), COALESCE(delivery_id, 0));
