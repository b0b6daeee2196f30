#!/usr/bin/env bash
# Capacity benchmark: builds the jar, starts a PostgreSQL of its own, runs the gateway against it,
# drives it with wrk, and compares with pgbench inserting the same payload into the same server.
# Not a test; not run in CI. Usage: bench/run.sh   (environment: see the variables below)
set -euo pipefail
cd "$(dirname "$0")/.."

CONNECTIONS=${CONNECTIONS:-32}          # wrk connections for the throughput phase
THREADS=${THREADS:-2}                   # wrk threads (this machine has 2 cores)
DURATION=${DURATION:-30s}               # throughput phase
SUSTAINED_SECONDS=${SUSTAINED_SECONDS:-60}
SUSTAINED_CONNECTIONS=${SUSTAINED_CONNECTIONS:-30}
SUSTAINED_DELAY_MS=${SUSTAINED_DELAY_MS:-11}   # per-connection pause: about 2,000 events/s in all
PGBENCH=${PGBENCH:-1}                  # 0: skip the pgbench comparison (quicker runs while tuning)
PG_PORT=${PG_PORT:-55432}
HTTP_PORT=${HTTP_PORT:-18080}
MGMT_PORT=${MGMT_PORT:-19090}
JAVA_OPTS=${JAVA_OPTS:--Xms256m -Xmx256m -XX:+UseParallelGC}
SECRET=bench-secret
WORK=$(mktemp -d /tmp/mono-bench.XXXXXX)
. bench/lib.sh

cleanup() {
  [ -n "${GW_PID:-}" ] && kill "$GW_PID" 2>/dev/null && wait "$GW_PID" 2>/dev/null || true
  stop_postgres
  rm -rf "$WORK/pg" "$WORK/data"   # gigabytes after a run; the logs stay
}
trap cleanup EXIT

say "tools"
need_tools wrk pgbench psql
echo "wrk: $(command -v wrk), PostgreSQL: $("$PGBIN/postgres" --version)"

say "build"
mvn -q -B -DskipTests package
ls -l target/mono-webhook-gateway.jar

say "PostgreSQL (durable defaults: fsync and synchronous_commit on)"
start_postgres

start_gateway() {
  local started=$(date +%s%N)
  MONO_WEBHOOK_SECRET=$SECRET MONO_DB_URL="jdbc:postgresql://127.0.0.1:$PG_PORT/mono" MONO_DB_USERNAME=postgres \
  CAMEL_SERVER_PORT=$HTTP_PORT CAMEL_MANAGEMENT_PORT=$MGMT_PORT MONO_DATA_DIR="$WORK/data" MONO_ALERTS_ENABLED=false \
    java $JAVA_OPTS -jar target/mono-webhook-gateway.jar > "$WORK/gateway.log" 2>&1 &
  GW_PID=$!
  until curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$HTTP_PORT/webhooks/mono" -d '{}' 2>/dev/null | grep -q 401; do
    kill -0 "$GW_PID" 2>/dev/null || { tail -n 30 "$WORK/gateway.log"; exit 1; }
    sleep 0.05
  done
  STARTUP_MS=$(( ($(date +%s%N) - started) / 1000000 ))
}

drain_seconds() {   # waits for the inbox to empty; prints the seconds it took
  local t0=$(date +%s%N)
  # "Is any waiting?" stops at the first row; a count(*) of the waiting rows walks every dead index entry
  # of the run and cost PostgreSQL 40-50 ms a poll, half a core at 10 polls a second.
  until [ "$(psql_q "SELECT count(*) FROM (SELECT 1 FROM webhook_events WHERE status = 'received' LIMIT 1) AS waiting")" = 0 ]; do sleep 0.1; done
  echo "scale=2; ($(date +%s%N) - $t0) / 1000000000" | bc
}

say "gateway (JAVA_OPTS=$JAVA_OPTS)"
start_gateway
echo "start to ready: ${STARTUP_MS} ms (JVM start, Flyway, routes; external database)"

say "warm-up (10 s, not counted)"
BENCH_SECRET=$SECRET wrk -t"$THREADS" -c"$CONNECTIONS" -d10s -s bench/post-events.lua "http://127.0.0.1:$HTTP_PORT/webhooks/mono" | grep BENCH
drain_seconds >/dev/null
WARM_ROWS=$(psql_q "SELECT count(*) FROM webhook_events")

say "throughput: $CONNECTIONS connections, $DURATION"
LOAD_START=$(date +%s%N)
RESULT=$(BENCH_SECRET=$SECRET wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 10s -s bench/post-events.lua \
  "http://127.0.0.1:$HTTP_PORT/webhooks/mono" | grep BENCH)
echo "$RESULT"
DRAIN=$(drain_seconds)
LOAD_END=$(date +%s%N)
ACKED=$(sed -E 's/.*acked=([0-9]+).*/\1/' <<<"$RESULT")
ROWS=$(( $(psql_q "SELECT count(*) FROM webhook_events") - WARM_ROWS ))
PROCESSED_RATE=$(echo "scale=0; $ROWS / (($LOAD_END - $LOAD_START) / 1000000000)" | bc)

say "sustained: about 2,000 events/s for ${SUSTAINED_SECONDS} s ($SUSTAINED_CONNECTIONS connections, ${SUSTAINED_DELAY_MS} ms pause)"
SUSTAINED=$(BENCH_SECRET=$SECRET BENCH_DELAY_MS=$SUSTAINED_DELAY_MS wrk -t"$THREADS" -c"$SUSTAINED_CONNECTIONS" -d"${SUSTAINED_SECONDS}s" \
  -s bench/post-events.lua "http://127.0.0.1:$HTTP_PORT/webhooks/mono" | grep BENCH)
echo "$SUSTAINED"
SUSTAINED_DRAIN=$(drain_seconds)
PEAK_RSS_MB=$(( $(awk '/VmHWM/ {print $2}' "/proc/$GW_PID/status") / 1024 ))

say "pgbench: single-row INSERT of the same payload, same server"
psql_q "CREATE TABLE bench_events (id bigserial PRIMARY KEY, event_id text UNIQUE NOT NULL, payload jsonb NOT NULL)" >/dev/null
cat > "$WORK/insert.sql" <<'SQL'
\set n random(1, 9000000000000000)
INSERT INTO bench_events (event_id, payload) VALUES ('evt_' || :n || '_' || :client_id, '{"event":"direct_debit.payment_successful","event_id":"evt_x","timestamp":"2024-05-01T10:00:00.000Z","data":{"type":"onetime-debit","object":{"id":"txd_x","status":"successful","amount":1250000,"fee":300,"currency":"NGN","description":"Order 1","reference":"ref_x","liveMode": true,"customer": null,"account":{"_id":"acc_1","name":"ADAEZE OKAFOR","accountNumber":"0123456789","currency":"NGN","institution":{"name":"GTBank","bankCode":"058","type":"PERSONAL_BANKING"}},"created_at":"2024-05-01T09:59:00.000Z","updated_at":"2024-05-01T10:00:00.000Z"}}}'::jsonb) ON CONFLICT (event_id) DO NOTHING;
SQL
kill "$GW_PID"; wait "$GW_PID" 2>/dev/null || true; GW_PID=
PGBENCH_BEST=0
[ "$PGBENCH" = 0 ] && PGBENCH_BEST=1 && echo "skipped (PGBENCH=0)"
for clients in $([ "$PGBENCH" = 0 ] || echo 16 32 64); do
  TPS=$(pgbench -h 127.0.0.1 -p "$PG_PORT" -U postgres -n -M prepared -c "$clients" -j 2 -T 15 -f "$WORK/insert.sql" mono 2>/dev/null \
    | awk '/^tps/ {print int($3)}')
  echo "pgbench $clients clients: $TPS inserts/s"
  [ "$TPS" -gt "$PGBENCH_BEST" ] && PGBENCH_BEST=$TPS
done

field() { sed -E "s/.*$1=([0-9.]+).*/\1/" <<<"$2"; }
say "results"
cat <<EOF | tee "$WORK/results.md"
| Figure | Value |
| --- | --- |
| machine | $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) |
| events acknowledged per second ($CONNECTIONS connections) | $(field rate "$RESULT") |
| time to answer p50 / p99 / max (ms) | $(field p50_ms "$RESULT") / $(field p99_ms "$RESULT") / $(field max_ms "$RESULT") |
| non-200 answers / socket errors | $(field non200 "$RESULT") / $(field errors "$RESULT") |
| rows in webhook_events / 200s counted | $ROWS / $ACKED |
| backlog processed after the load stopped (s) | $DRAIN |
| processed per second (load start to empty inbox) | $PROCESSED_RATE |
| sustained phase: rate / non-200 / drained after (s) | $(field rate "$SUSTAINED") / $(field non200 "$SUSTAINED") / $SUSTAINED_DRAIN |
| gateway peak RSS (MB) | $PEAK_RSS_MB |
| start to ready, external database (ms) | $STARTUP_MS |
| pgbench single-row INSERT ceiling (best of 16/32/64 clients) | $PGBENCH_BEST |
| gateway / pgbench | $(echo "scale=2; $(field rate "$RESULT") / $PGBENCH_BEST" | bc) |
EOF
echo "(gateway log: $WORK/gateway.log)"
