-- A claim leases its rows (lease_until) and the forwarder renews them; no index reads lease_until, so with room
-- on the row's page PostgreSQL updates it in place (a HOT update) instead of adding an entry to each of the
-- table's five indexes. Rows are written full otherwise (fillfactor 100), which made every lease a non-HOT update:
-- the claim's lease was its dearest statement at full load (10-13 ms for a few hundred rows). Applies to pages
-- written from now on.
ALTER TABLE deliveries SET (fillfactor = 70);
