-- Events whose processing failed after every redelivery, for an operator to replay or discard.
CREATE TABLE dead_letters (
    id                bigserial PRIMARY KEY,
    webhook_event_id  bigint      NOT NULL REFERENCES webhook_events (id),
    event_type        text        NOT NULL,
    payload           jsonb       NOT NULL,
    failing_route     text,
    exception_class   text        NOT NULL,
    exception_message text,
    attempts          integer     NOT NULL,
    first_failed_at   timestamptz NOT NULL DEFAULT now(),
    last_failed_at    timestamptz NOT NULL DEFAULT now(),
    status            text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'replayed', 'discarded')),
    resolved_at       timestamptz,
    discard_reason    text
);
-- An event has at most one open dead letter; failing again while open only adds attempts.
CREATE UNIQUE INDEX dead_letters_one_open_per_event ON dead_letters (webhook_event_id) WHERE status = 'open';
CREATE INDEX dead_letters_open_by_type ON dead_letters (event_type, first_failed_at) WHERE status = 'open';

-- Alerts to operations: queued here first, sent by email from here (an SMTP outage delays them, loses none).
CREATE TABLE alerts (
    id               bigserial PRIMARY KEY,
    kind             text        NOT NULL CHECK (kind IN ('dead_letter', 'event')),
    event_type       text        NOT NULL,
    webhook_event_id bigint      NOT NULL REFERENCES webhook_events (id),
    dead_letter_id   bigint      REFERENCES dead_letters (id),
    details          jsonb       NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz,
    attempts         integer     NOT NULL DEFAULT 0,
    last_error       text
);
-- One alert per dead letter, and one per alerting event however often it is replayed.
CREATE UNIQUE INDEX alerts_once ON alerts (kind, webhook_event_id, COALESCE(dead_letter_id, 0));
CREATE INDEX alerts_unsent ON alerts (id) WHERE sent_at IS NULL;
