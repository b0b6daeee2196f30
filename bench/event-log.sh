#!/usr/bin/env bash
# Event log benchmark: the admin API's event queries (what the console runs) against an inbox of
# EVENTS events (1,000,000 by default) spread over 90 days, end to end over HTTP with curl.
# Not a test; not run in CI. Usage: bench/event-log.sh   (about 3 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."

EVENTS=${EVENTS:-1000000}
RUNS=${RUNS:-7}                       # each query this many times; the median counts
PG_PORT=${PG_PORT:-55433}
HTTP_PORT=${HTTP_PORT:-18081}
MGMT_PORT=${MGMT_PORT:-19091}
TOKEN=bench-admin-token-0123456789abcdef0123456789
WORK=$(mktemp -d /tmp/mono-eventlog.XXXXXX)
. bench/lib.sh

cleanup() {
  [ -n "${GW_PID:-}" ] && kill "$GW_PID" 2>/dev/null && wait "$GW_PID" 2>/dev/null || true
  stop_postgres
  rm -rf "$WORK/pg" "$WORK/data"
}
trap cleanup EXIT

need_tools psql curl
[ -f target/mono-webhook-gateway.jar ] || { say "build"; mvn -q -B -DskipTests package; }

say "PostgreSQL and the gateway"
start_postgres
MONO_WEBHOOK_SECRET=bench-secret MONO_ADMIN_TOKEN=$TOKEN MONO_DB_URL="jdbc:postgresql://127.0.0.1:$PG_PORT/mono" \
MONO_DB_USERNAME=postgres CAMEL_SERVER_PORT=$HTTP_PORT CAMEL_MANAGEMENT_PORT=$MGMT_PORT MONO_DATA_DIR="$WORK/data" \
MONO_ALERTS_ENABLED=false MONO_RETENTION_EVENTS=0 java -Xms256m -Xmx256m -jar target/mono-webhook-gateway.jar > "$WORK/gateway.log" 2>&1 &
GW_PID=$!
until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MGMT_PORT/observe/health/ready")" = 200 ]; do
  kill -0 "$GW_PID" 2>/dev/null || { tail -n 30 "$WORK/gateway.log"; exit 1; }
  sleep 0.2
done

say "loading $EVENTS events over 90 days (a payment's 3 events, mandates, accounts; 1 in 1000 failed)"
T0=$(date +%s)
psql_q "
INSERT INTO webhook_events (event_type, event_id, dedupe_key, body, live_mode, received_at, status, processed_at, attempts,
                            object_key, reference)
SELECT t.type, 'evt_' || i, 'evt_' || i,
       jsonb_build_object('event', t.type, 'event_id', 'evt_' || i,
         'data', jsonb_build_object('object', jsonb_build_object('id', 'txd_' || (i / 3), 'status', 'successful', 'amount', 50000 + i,
           'reference', 'ref_' || (i / 3), 'currency', 'NGN', 'updated_at', '2024-05-01T10:00:00Z')))::text,
       true, now() - ($EVENTS - i) * interval '7776 milliseconds' * (1000000.0 / $EVENTS),
       CASE WHEN i % 1000 = 0 THEN 'failed' WHEN t.type LIKE 'issuing.%' THEN 'ignored' ELSE 'processed' END,
       now() - ($EVENTS - i) * interval '7776 milliseconds' * (1000000.0 / $EVENTS), 1,
       CASE WHEN t.type LIKE 'direct_debit.%' THEN 'txd_' || (i / 3) WHEN t.type LIKE 'events.%' THEN 'mmc_' || (i / 10)
            WHEN t.type LIKE 'mono.%' THEN 'acc_' || (i / 20) END,
       CASE WHEN t.type LIKE 'direct_debit.%' THEN 'ref_' || (i / 3) END
FROM generate_series(1, $EVENTS) AS i
CROSS JOIN LATERAL (SELECT (ARRAY['direct_debit.payment_processing', 'direct_debit.payment_successful',
  'direct_debit.payment_successful', 'events.mandates.approved', 'events.mandates.debit.successful', 'mono.events.account_updated',
  'direct_debit.payment_failed', 'direct_debit.payment_processing', 'issuing.card_created', 'direct_debit.payment_successful'])[1 + i % 10]
  AS type) AS t;
-- Every failed event has its dead letter, as the gateway leaves them (the status=failed filter reads them).
INSERT INTO dead_letters (webhook_event_id, event_type, payload, failing_route, exception_class, exception_message, attempts)
SELECT id, event_type, CAST(body AS jsonb), 'mono-process', 'java.lang.IllegalStateException', 'bench', 3 FROM webhook_events WHERE status = 'failed';
INSERT INTO payments (id, status, amount, currency, reference, last_event_type, last_inbox_event_id)
SELECT 'txd_' || n, 'successful', 50000, 'NGN', 'ref_' || n, 'direct_debit.payment_successful', n * 3 FROM generate_series(1, $EVENTS / 3) AS n
ON CONFLICT DO NOTHING;
ANALYZE;" >/dev/null
echo "loaded in $(( $(date +%s) - T0 )) s; inbox: $(psql_q "SELECT pg_size_pretty(pg_total_relation_size('webhook_events'))")"

MID=$(( EVENTS / 2 ))
OLD_FROM=$(psql_q "SELECT to_char((now() - interval '60 days') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
OLD_TO=$(psql_q "SELECT to_char((now() - interval '60 days' + interval '1 hour') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
median_ms() {   # method path: the median time to the full answer, in ms
  local times=()
  for _ in $(seq "$RUNS"); do
    times+=("$(curl -s -o "$WORK/answer.json" -w '%{time_total}' -X "$1" -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$MGMT_PORT$2")")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v n="$RUNS" 'NR == int((n + 1) / 2) {printf "%.1f", $1 * 1000}'
}
say "queries (median of $RUNS, ms, over HTTP)"
echo "| Query | ms |"
echo "| --- | --- |"
while IFS='|' read -r label method path; do
  ms=$(median_ms "$method" "$path")
  echo "| $label | $ms |"
done <<QUERIES
newest 100 events|GET|/admin/events?limit=100
type glob direct_debit.* (70%)|GET|/admin/events?type=direct_debit.*&limit=100
type glob mono.* (10%)|GET|/admin/events?type=mono.*&limit=100
a type with no event|GET|/admin/events?type=nothing.*&limit=100
status failed (0.1%)|GET|/admin/events?status=failed&limit=100
q: payment id|GET|/admin/events?q=txd_$(( EVENTS / 7 ))
q: payment reference|GET|/admin/events?q=ref_$(( EVENTS / 5 ))
q: Mono event id|GET|/admin/events?q=evt_$MID
q: mandate id|GET|/admin/events?q=mmc_$(( EVENTS / 40 ))
one hour 60 days ago|GET|/admin/events?from=$OLD_FROM&to=$OLD_TO&limit=100
page in the middle (before=)|GET|/admin/events?before=$MID&limit=100
failed mono.* in that hour|GET|/admin/events?type=mono.*&status=failed&from=$OLD_FROM&to=$OLD_TO
event page|GET|/admin/events/$MID
payment with its events|GET|/admin/payments/txd_$(( EVENTS / 7 ))
console header (overview)|GET|/admin/overview
landing charts, last hour|GET|/admin/activity?window=1h
landing charts, last 24 h|GET|/admin/activity?window=24h
replay dry run: payments of that hour|POST|/admin/events/replay?type=direct_debit.*&from=$OLD_FROM&to=$OLD_TO&dryRun=true
QUERIES
