-- The durable inbox: one row per Mono event we answered 200 for.
CREATE TABLE webhook_events (
    id           bigserial PRIMARY KEY,
    event_type   text        NOT NULL,
    event_id     text,
    -- event_id when Mono sends one (v2), else 'sha256:' + hex SHA-256 of the raw body (v1).
    dedupe_key   text        NOT NULL UNIQUE,
    payload      jsonb       NOT NULL,
    live_mode    boolean,
    received_at  timestamptz NOT NULL DEFAULT now(),
    status       text        NOT NULL DEFAULT 'received'
                 CHECK (status IN ('received', 'processed', 'ignored', 'failed')),
    processed_at timestamptz,
    attempts     integer     NOT NULL DEFAULT 0,
    last_error   text
);

-- The processing side looks for rows still waiting; keep that lookup small.
CREATE INDEX webhook_events_waiting ON webhook_events (id) WHERE status = 'received';
CREATE INDEX webhook_events_type_received ON webhook_events (event_type, received_at);

-- Authenticated requests whose body we could not accept as an event, kept for inspection.
CREATE TABLE rejected_events (
    id           bigserial PRIMARY KEY,
    received_at  timestamptz NOT NULL DEFAULT now(),
    reason       text        NOT NULL,
    content_type text,
    body         bytea       NOT NULL
);
