-- Every failed send of a delivery, with its error: the event page's "what happened" lists them (a delivery row
-- keeps only its last error). Written with the failure's own update, so only failures cost a row.
CREATE TABLE delivery_attempts (
    delivery_id bigint      NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    attempt     integer     NOT NULL,
    failed_at   timestamptz NOT NULL DEFAULT now(),
    error       text        NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);
