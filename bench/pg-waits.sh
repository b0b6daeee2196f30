#!/usr/bin/env bash
# What PostgreSQL's client backends are doing, sampled every 50 ms for SECONDS seconds (default 40) from the
# moment the bench's database has the gateway's tables: CPU, or the wait event (WAL flush, a lock, a client
# read), with the statement's first words; printed as counts. Run it beside bench/run.sh, for example:
#   DELIVERY_ONLY=1 KAFKA=0 bench/run.sh > /tmp/bench.log & bench/pg-waits.sh
# Not a test; not run in CI.
set -euo pipefail
PG_PORT=${PG_PORT:-55432}
SECONDS_TO_SAMPLE=${SECONDS_TO_SAMPLE:-40}
q() { psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d mono -qtAX -F '|' -c "$1" 2>/dev/null; }
until q "SELECT 1 FROM deliveries LIMIT 1" >/dev/null; do sleep 0.5; done
end=$((SECONDS + SECONDS_TO_SAMPLE))
while [ $SECONDS -lt $end ]; do
  q "SELECT coalesce(wait_event_type, 'CPU'), coalesce(wait_event, '-'), left(regexp_replace(query, '\s+', ' ', 'g'), 40)
     FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid() AND backend_type = 'client backend'" || true
  sleep 0.05
done | sort | uniq -c | sort -rn
