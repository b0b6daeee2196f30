-- Every inbox row is written twice (stored, then its status set) and nothing in the gateway reads by
-- (event_type, received_at); the index cost both writes more than it ever saved. Ad-hoc queries by
-- type and time can use the primary key order (ids grow with received_at).
DROP INDEX IF EXISTS webhook_events_type_received;
