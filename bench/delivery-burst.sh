#!/usr/bin/env bash
# Delivery at an ESB's pace: a burst of payment events (PAYMENTS payments x EVENTS events, each payment's in
# order) through the gateway to one HTTP destination that answers after SINK_DELAY_MS (20 ms), while it
# refuses every event of one payment (HTTP 500). Prints: applied per second, delivered per second, how long
# after the last event was applied the last delivery came, the delivery lag (applied to delivered) p50/p99
# of every other payment's events, and what the refused payment holds. BACKLOG=1: the destination is down
# while the burst is applied and comes up after, so the delivery rate is the destination's alone (its
# ceiling at SINK_DELAY_MS). TAKEOVER=1: a second instance on the same database, the burst posted to the first,
# which is killed (kill -9) once a quarter is delivered: how long after the kill the last delivery came (the
# survivor sends what the dead one had claimed once its lease ends). Not a test; not run in CI.
# Usage: bench/delivery-burst.sh   (needs node, psql and a PostgreSQL server package; builds the jar)
set -euo pipefail
cd "$(dirname "$0")/.."

PAYMENTS=${PAYMENTS:-250}
EVENTS=${EVENTS:-8}
POSTERS=${POSTERS:-32}
SINK_DELAY_MS=${SINK_DELAY_MS:-20}
MAX_IN_FLIGHT=${MAX_IN_FLIGHT:-64}
PG_PORT=${PG_PORT:-55433}
HTTP_PORT=${HTTP_PORT:-18090}
MGMT_PORT=${MGMT_PORT:-19091}
SINK_PORT=${SINK_PORT:-18092}
JAVA_OPTS=${JAVA_OPTS:-}
SECRET=bench-secret
WORK=$(mktemp -d /tmp/mono-burst.XXXXXX)
. bench/lib.sh

declare -A PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; done
  stop_postgres
  rm -rf "$WORK/pg" "$WORK"/data*
}
trap cleanup EXIT

need_tools psql node
[ -f target/mono-webhook-gateway.jar ] || mvn -q -B -DskipTests package
start_postgres

BACKLOG=${BACKLOG:-0}
start_sink() {
  SINK_DELAY_MS=$SINK_DELAY_MS SINK_REFUSE=POISON PORT=$SINK_PORT node bench/peer-node/sink.js > "$WORK/sink.log" 2>&1 &
  PIDS[sink]=$!
}
[ "$BACKLOG" = 1 ] || start_sink
start_gateway burst "$HTTP_PORT" "$MGMT_PORT" MONO_FORWARD_DESTINATIONS=sink \
  MONO_FORWARD_SINK_URI="http://127.0.0.1:$SINK_PORT/mono" MONO_FORWARD_SINK_MAX_IN_FLIGHT=$MAX_IN_FLIGHT \
  MONO_FORWARD_SINK_INITIAL_BACKOFF=500ms MONO_FORWARD_SINK_MAX_BACKOFF=2s
TAKEOVER=${TAKEOVER:-0}
[ "$TAKEOVER" = 1 ] && start_gateway survivor "$(( HTTP_PORT + 10 ))" "$(( MGMT_PORT + 10 ))" MONO_FORWARD_DESTINATIONS=sink \
  MONO_FORWARD_SINK_URI="http://127.0.0.1:$SINK_PORT/mono" MONO_FORWARD_SINK_MAX_IN_FLIGHT=$MAX_IN_FLIGHT \
  MONO_FORWARD_SINK_INITIAL_BACKOFF=500ms MONO_FORWARD_SINK_MAX_BACKOFF=2s
say "burst: $PAYMENTS payments x $EVENTS events, the destination answers after ${SINK_DELAY_MS} ms, max-in-flight $MAX_IN_FLIGHT"
total=$(( PAYMENTS * EVENTS ))
others=$(( (PAYMENTS - 1) * EVENTS ))
if [ "$TAKEOVER" = 1 ]; then
  node bench/peer-node/burst.js "http://127.0.0.1:$HTTP_PORT/webhooks/mono" "$SECRET" "$PAYMENTS" "$EVENTS" "$POSTERS" &
  poster=$!
  until [ "$(psql_q "SELECT count(*) FROM deliveries WHERE status = 'delivered'")" -ge $(( total / 4 )) ]; do sleep 0.05; done
  kill -9 "${PIDS[burst]}"; killed=$(date +%s.%N); unset "PIDS[burst]"
  echo "killed the first instance (kill -9) with $(psql_q "SELECT count(*) FROM deliveries WHERE status = 'pending' AND lease_until > now()") deliveries leased"
  wait "$poster" || true   # the posts after the kill fail: Mono would retry them; they are not counted
  until [ "$(psql_q "SELECT count(*) FROM inbox_waiting")" = 0 ] && [ "$(psql_q "SELECT count(*) FROM deliveries
         WHERE status = 'pending' AND object_key NOT LIKE 'txd_POISON%'")" = 0 ]; do sleep 0.2; done
  psql_q "SELECT 'last delivery ' || round(1000 * (extract(epoch FROM max(delivered_at)) - $killed)) || ' ms after the kill -9; '
                 || count(*) || ' delivered' FROM deliveries WHERE status = 'delivered'"
  others=$(psql_q "SELECT count(*) FROM deliveries WHERE object_key NOT LIKE 'txd_POISON%'")
else
  node bench/peer-node/burst.js "http://127.0.0.1:$HTTP_PORT/webhooks/mono" "$SECRET" "$PAYMENTS" "$EVENTS" "$POSTERS"
fi
if [ "$BACKLOG" = 1 ]; then
  until [ "$(psql_q "SELECT count(*) FROM inbox_waiting")" = 0 ]; do sleep 0.2; done
  start_sink
  until [ "$(psql_q "SELECT count(*) FROM deliveries WHERE status = 'delivered'")" -ge "$others" ]; do sleep 0.2; done
  psql_q "SELECT 'backlog of $total delivered at ' || round(count(*) / extract(epoch FROM max(delivered_at) - min(delivered_at)))
                 || '/s once the destination came up' FROM deliveries WHERE status = 'delivered'"
fi
until [ "$(psql_q "SELECT count(*) FROM deliveries WHERE status = 'delivered'")" -ge "$others" ]; do sleep 0.2; done
psql_q "
  WITH e AS (SELECT min(received_at) AS first_in, max(processed_at) AS last_applied FROM webhook_events),
       d AS (SELECT d.delivered_at, w.processed_at, d.object_key FROM deliveries d JOIN webhook_events w ON w.id = d.webhook_event_id
             WHERE d.status = 'delivered')
  SELECT 'received/s ' || (SELECT round(count(*) / extract(epoch FROM max(received_at) - min(received_at))) FROM webhook_events) ||
         ', applied/s ' || round($total / extract(epoch FROM e.last_applied - e.first_in)) ||
         ', delivered/s ' || round(count(*) / extract(epoch FROM max(d.delivered_at) - e.first_in)) ||
         ', last delivery ' || round(1000 * extract(epoch FROM max(d.delivered_at) - e.last_applied)) || ' ms after the last apply' ||
         ', delivery lag p50 ' || round(1000 * percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM d.delivered_at - d.processed_at))::numeric) ||
         ' ms, p99 ' || round(1000 * percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM d.delivered_at - d.processed_at))::numeric) || ' ms'
  FROM d, e GROUP BY e.first_in, e.last_applied"
psql_q "SELECT 'refused payment: ' || count(*) FILTER (WHERE status = 'pending') || ' deliveries waiting, attempts of the first '
               || max(attempts) FROM deliveries WHERE object_key LIKE 'txd_POISON%'"
psql_q "SELECT 'order per payment kept: ' || (count(*) = 0) FROM (
          SELECT object_key FROM (SELECT d.object_key, d.delivered_at, w.id,
                 lag(w.id) OVER (PARTITION BY d.object_key ORDER BY d.delivered_at, d.id) AS before
                 FROM deliveries d JOIN webhook_events w ON w.id = d.webhook_event_id WHERE d.status = 'delivered') o
          WHERE before > id) bad"
