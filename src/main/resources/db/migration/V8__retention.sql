-- Retention (package retention) deletes old inbox rows; the domain tables keep their history. Their
-- inbox_event_id stays as a plain number: the event it names may have been deleted by retention.
ALTER TABLE payment_status_history DROP CONSTRAINT payment_status_history_inbox_event_id_fkey;
ALTER TABLE account_balances DROP CONSTRAINT account_balances_inbox_event_id_fkey;
CREATE INDEX rejected_events_received_at ON rejected_events (received_at);
