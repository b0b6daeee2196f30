-- A drained queue leaves both partial indexes of waiting deliveries with no rows in the statistics, so the
-- planner sees them as equally cheap, and under load it served a claim's "does an earlier delivery of this object
-- block it?" from deliveries_pending: every earlier waiting row read per candidate, 200-400 ms a claim with 30,000
-- waiting (bench/run.sh). The question now reads "(status = 'pending') IS TRUE", which only this index's
-- predicate matches (same rows: status is never null), so it is the one index that can answer it.
DROP INDEX deliveries_pending_object;
CREATE INDEX deliveries_pending_object ON deliveries (destination, object_key, created_at, id) WHERE (status = 'pending') IS TRUE;
