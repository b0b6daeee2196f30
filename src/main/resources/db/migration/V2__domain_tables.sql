-- Why an event ended as it did: 'no-handler' or 'test-mode' for ignored events.
ALTER TABLE webhook_events ADD COLUMN status_reason text;

-- Mono does not keep order. Payment and debit states are ranked so that events stamped with the
-- same time always settle on the same state, whatever the arrival order; rank 4 is final.
CREATE FUNCTION mono_status_rank(status text) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE status
               WHEN 'successful' THEN 4
               WHEN 'failed' THEN 4
               WHEN 'abandoned' THEN 3
               WHEN 'cancelled' THEN 2
               ELSE 1
           END
$$;

-- Connect accounts. Lifecycle (status*) and details (details*) are ordered separately: an
-- account_connected never wipes what an earlier-stamped account_updated wrote, and vice versa.
CREATE TABLE accounts (
    id                text PRIMARY KEY,
    status            text,
    status_at         timestamptz,
    status_event_id   bigint,
    name              text,
    account_number    text,
    currency          text,
    balance           bigint,          -- kobo
    type              text,
    institution_name  text,
    bank_code         text,
    institution_type  text,
    data_status       text,
    auth_method       text,
    bvn               text,            -- as Mono gives it (often the last 4 digits)
    details_at        timestamptz,
    details_event_id  bigint,
    live_mode         boolean,
    first_seen_at     timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- Every balance seen, with the time of the event that reported it.
CREATE TABLE account_balances (
    account_id      text        NOT NULL,
    inbox_event_id  bigint      NOT NULL REFERENCES webhook_events (id),
    balance         bigint      NOT NULL,  -- kobo
    currency        text,
    observed_at     timestamptz NOT NULL,
    live_mode       boolean,
    PRIMARY KEY (account_id, inbox_event_id)
);

-- DirectPay one-time payments (txd_...).
CREATE TABLE payments (
    id                  text PRIMARY KEY,
    status              text        NOT NULL,
    amount              bigint,          -- kobo
    fee                 bigint,          -- kobo
    currency            text,
    description         text,
    reference           text,
    account_id          text,
    customer            text,
    live_mode           boolean,
    created_at          timestamptz,
    updated_at          timestamptz,
    last_event_type     text        NOT NULL,
    last_inbox_event_id bigint      NOT NULL,
    recorded_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payments_reference ON payments (reference);

-- Every payment event, in the order Mono stamped them, including those that did not change the payment.
CREATE TABLE payment_status_history (
    payment_id      text        NOT NULL,
    inbox_event_id  bigint      NOT NULL REFERENCES webhook_events (id),
    event_type      text        NOT NULL,
    status          text        NOT NULL,
    status_at       timestamptz,
    amount          bigint,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (payment_id, inbox_event_id)
);

-- Direct Debit mandates (mmc_...).
CREATE TABLE mandates (
    id               text PRIMARY KEY,
    status           text        NOT NULL,
    status_at        timestamptz,
    status_event_id  bigint      NOT NULL,
    amount           bigint,          -- kobo
    reference        text,
    customer         text,
    account_name     text,
    account_number   text,
    bank_name        text,
    bank_code        text,
    mandate_type     text,
    debit_type       text,
    description      text,
    start_date       timestamptz,
    end_date         timestamptz,
    live_mode        boolean,
    first_seen_at    timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Debits against mandates, one row per reference_number.
CREATE TABLE mandate_debits (
    reference_number    text PRIMARY KEY,
    mandate_id          text,
    status              text        NOT NULL,
    amount              bigint,          -- kobo
    fee                 bigint,          -- kobo
    response_code       text,
    message             text,
    customer            text,
    account_details     jsonb,
    beneficiary         jsonb,
    live_mode           boolean,
    event_at            timestamptz,
    last_event_type     text        NOT NULL,
    last_inbox_event_id bigint      NOT NULL,
    recorded_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mandate_debits_mandate ON mandate_debits (mandate_id);
