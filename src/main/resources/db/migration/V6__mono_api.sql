-- Confirming with Mono's API (package monoapi): payment verification, reconciliation, account details.

-- Where an inbox row came from: Mono's webhook, or the gateway itself after asking Mono's API
-- (a mismatch found by verification, a final state found by reconciliation or the payments sweep).
ALTER TABLE webhook_events ADD COLUMN source text NOT NULL DEFAULT 'webhook'
    CHECK (source IN ('webhook', 'verification', 'reconciliation'));
ALTER TABLE payment_status_history ADD COLUMN source text NOT NULL DEFAULT 'webhook';

-- What Mono's API says about a payment, next to what the webhooks said; and when to ask next.
ALTER TABLE payments
    ADD COLUMN verification        text CHECK (verification IN ('pending', 'verified', 'mismatch', 'not_found')),
    ADD COLUMN verification_detail text,
    ADD COLUMN verified_status     text,
    ADD COLUMN verified_amount     bigint,   -- kobo
    ADD COLUMN verified_fee        bigint,   -- kobo
    ADD COLUMN verified_currency   text,
    ADD COLUMN verified_at         timestamptz,
    -- Next call to Mono's API for this payment (verification, or reconciliation while not final); null: none due.
    ADD COLUMN check_at            timestamptz,
    ADD COLUMN check_failures      integer NOT NULL DEFAULT 0,   -- failed calls in a row: the back-off
    ADD COLUMN check_lease_until   timestamptz,
    ADD COLUMN check_error         text,
    ADD COLUMN reconcile_checks    integer NOT NULL DEFAULT 0,
    -- The newest inbox event that asked for this check: held deliveries up to it are released or discarded
    -- with its answer (an older-stamped event that did not change the payment asks too).
    ADD COLUMN check_event_id      bigint;
CREATE INDEX payments_check_due ON payments (check_at) WHERE check_at IS NOT NULL;
CREATE INDEX payments_verification_problems ON payments (verified_at) WHERE verification IN ('mismatch', 'not_found');

-- Account details fetched from Mono's API after account_connected / account_reauthorized.
ALTER TABLE accounts
    ADD COLUMN fetch_at           timestamptz,
    ADD COLUMN fetch_failures     integer NOT NULL DEFAULT 0,
    ADD COLUMN fetch_lease_until  timestamptz,
    ADD COLUMN fetch_error        text,
    ADD COLUMN fetched_at         timestamptz;
CREATE INDEX accounts_fetch_due ON accounts (fetch_at) WHERE fetch_at IS NOT NULL;

-- mono.verify.payments=required: a payment's deliveries wait for its verification. A held row holds back
-- later rows of the same object on its destination only.
ALTER TABLE deliveries ADD COLUMN held boolean NOT NULL DEFAULT false;
CREATE INDEX deliveries_held ON deliveries (destination, object_key, created_at, id) WHERE status = 'pending' AND held;

ALTER TABLE alerts DROP CONSTRAINT alerts_kind_check;
ALTER TABLE alerts ADD CONSTRAINT alerts_kind_check CHECK (kind IN ('dead_letter', 'event', 'delivery', 'verification'));

-- The daily sweep of Mono's payment list: when it ran, so a restart does not repeat it.
CREATE TABLE reconcile_sweeps (
    id            bigserial PRIMARY KEY,
    started_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    window_start  date        NOT NULL,
    window_end    date        NOT NULL,
    pages         integer     NOT NULL DEFAULT 0,
    payments_seen integer     NOT NULL DEFAULT 0,
    payments_new  integer     NOT NULL DEFAULT 0,
    error         text
);
