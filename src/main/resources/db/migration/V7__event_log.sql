-- The admin API's event log (package eventlog).

-- What each event is about, for search: the payment, mandate or account id, and the reference an operator
-- has at hand (a payment's reference, a debit's reference number). Set when the event is processed.
ALTER TABLE webhook_events ADD COLUMN object_key text, ADD COLUMN reference text;

-- Events processed before this version: the same keys, read from the stored payload (flat and nested envelopes).
WITH ev AS (
  SELECT id, event_type,
         CASE WHEN payload ? 'event' OR NOT (payload -> 'data' ? 'event') THEN payload -> 'data'
              ELSE payload -> 'data' -> 'data' END AS d
  FROM webhook_events WHERE status IN ('processed', 'ignored')
)
UPDATE webhook_events e SET
  object_key = CASE
    WHEN ev.event_type LIKE 'direct\_debit.payment\_%' THEN ev.d -> 'object' ->> 'id'
    WHEN ev.event_type LIKE 'events.mandates.debit.%' OR ev.event_type LIKE 'events.mandate.action.%'
      THEN COALESCE(ev.d -> 'mandate' ->> 'id', ev.d -> 'mandate' ->> '_id',
                    CASE WHEN jsonb_typeof(ev.d -> 'mandate') = 'string' THEN ev.d ->> 'mandate' END, ev.d ->> 'id')
    WHEN ev.event_type LIKE 'events.mandates.%' THEN COALESCE(ev.d ->> 'id', ev.d ->> 'mandate')
    WHEN ev.event_type LIKE 'mono.%'
      THEN COALESCE(ev.d ->> 'id', ev.d -> 'account' ->> '_id', ev.d -> 'account' ->> 'id',
                    CASE WHEN jsonb_typeof(ev.d -> 'account') = 'string' THEN ev.d ->> 'account' END)
  END,
  reference = CASE
    WHEN ev.event_type LIKE 'direct\_debit.payment\_%' THEN ev.d -> 'object' ->> 'reference'
    WHEN ev.event_type LIKE 'events.mandates.debit.%' THEN COALESCE(ev.d ->> 'reference_number', ev.d ->> 'reference')
    WHEN ev.event_type LIKE 'events.mandate%' THEN ev.d ->> 'reference'
  END
FROM ev WHERE e.id = ev.id;

CREATE INDEX webhook_events_object_key ON webhook_events (object_key) WHERE object_key IS NOT NULL;
CREATE INDEX webhook_events_reference ON webhook_events (reference) WHERE reference IS NOT NULL;
-- The type filter (a glob's literal prefix as a byte-order range, newest first); failed events are few and
-- found without a scan.
CREATE INDEX webhook_events_type_id ON webhook_events (event_type COLLATE "C", id);
CREATE INDEX webhook_events_failed ON webhook_events (id) WHERE status = 'failed';
-- Time windows (from/to, the console's last-day counts) without reading the whole inbox.
CREATE INDEX webhook_events_received_at ON webhook_events (received_at);

-- The event page reads an event's dead letters and alerts.
CREATE INDEX dead_letters_event ON dead_letters (webhook_event_id);
CREATE INDEX alerts_event ON alerts (webhook_event_id);
