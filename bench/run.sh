#!/usr/bin/env bash
# Capacity, end to end: what a user lives with. Builds the jar, starts a PostgreSQL of its own, runs the
# gateway against it with no JVM flags (as the README's quick start does) and drives it with wrk:
#   rounds    ROUNDS x (the Node receiver in bench/peer-node, then the gateway), ROUND_SECONDS each, at full
#             speed with CONNECTIONS connections, interleaved so both see the same machine
#   steady    STEADY_SHARE % of the gateway's measured received-and-applied rate for STEADY_SECONDS
#   delivery  the gateway with one HTTP destination that answers in SINK_DELAY_MS (bench/peer-node/sink.js), then
#             with one Kafka destination (a broker from target/kafka-broker/lib): each at full speed, then at
#             STEADY_SHARE % for DELIVERY_STEADY_SECONDS; delivered per second and delivery lag (applied to delivered)
#   two       two gateway instances on the one PostgreSQL, half the connections each
#   pgbench   (PGBENCH=1) the single-row INSERT ceiling of the same server
# For each phase: acknowledged per second and time to answer (wrk); received-and-applied per second (events
# applied / time from the first request to the last event applied) and processing lag p50/p99 (receipt to
# applied, from the inbox's timestamps); for the delivery phase, delivered per second and delivery lag.
# For the rounds, the cost per event: gateway and PostgreSQL CPU (from /proc), PostgreSQL statement time
# (pg_stat_statements) and WAL bytes (pg_stat_wal).
# Not a test; not run in CI. Usage: bench/run.sh   (environment: see the variables below)
set -euo pipefail
cd "$(dirname "$0")/.."

CONNECTIONS=${CONNECTIONS:-32}          # wrk connections at full speed
THREADS=${THREADS:-2}                   # wrk threads (this machine has 2 cores)
ROUNDS=${ROUNDS:-3}
ROUND_SECONDS=${ROUND_SECONDS:-15}
WARMUP_SECONDS=${WARMUP_SECONDS:-30}    # each, not counted: the JIT compiles the hot paths first
WARMUP_CYCLES=${WARMUP_CYCLES:-3}       # then, each, this many times: QUIET_SECONDS without requests, 10 s at full speed (see warm_up)
QUIET_SECONDS=${QUIET_SECONDS:-5}
STEADY_SECONDS=${STEADY_SECONDS:-60}
STEADY_SHARE=${STEADY_SHARE:-80}        # per cent of the measured received-and-applied rate
DELIVERY=${DELIVERY:-1}                 # 0: skip the delivery phases
KAFKA=${KAFKA:-1}                       # 0: skip the Kafka delivery phase
DELIVERY_ONLY=${DELIVERY_ONLY:-0}       # 1: only the delivery phases (no Node rounds, no steady phase, no two instances)
SINK_DELAY_MS=${SINK_DELAY_MS:-20}      # the HTTP destination answers this long after a request: an ESB across a network
DELIVERY_STEADY_SECONDS=${DELIVERY_STEADY_SECONDS:-30}
TWO=${TWO:-1}                           # 0: skip the two-instance phase
PGBENCH=${PGBENCH:-0}                   # 1: also the pgbench INSERT ceiling
PG_PORT=${PG_PORT:-55432}
HTTP_PORT=${HTTP_PORT:-18080}
MGMT_PORT=${MGMT_PORT:-19090}
PEER_PORT=${PEER_PORT:-18081}
SINK_PORT=${SINK_PORT:-18082}
KAFKA_PORT=${KAFKA_PORT:-19092}
JAVA_OPTS=${JAVA_OPTS:-}                # none: the default JVM, as the README's quick start runs it
# GATEWAY_LOG: where the gateway's output goes (default $WORK/gateway-<name>.log; /dev/null to leave the disk alone)
SECRET=bench-secret
WORK=$(mktemp -d /tmp/mono-bench.XXXXXX)
. bench/lib.sh

declare -A PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; kill -CONT "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; done
  stop_postgres
  rm -rf "$WORK/pg" "$WORK"/data*   # gigabytes after a run; the logs stay
}
trap cleanup EXIT

say "tools"
need_tools wrk pgbench psql node npm
echo "wrk: $(command -v wrk), PostgreSQL: $("$PGBIN/postgres" --version), Node: $(node --version), Java: $(java -version 2>&1 | head -n 1)"
(cd bench/peer-node && { [ -d node_modules ] || npm ci --silent --no-audit --no-fund; })

say "build"
mvn -q -B -DskipTests package
ls -l target/mono-webhook-gateway.jar

say "PostgreSQL (durable defaults: fsync and synchronous_commit on; pg_stat_statements)"
PG_OPTIONS="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track_planning=on ${PG_EXTRA:-}" start_postgres
psql_q "CREATE EXTENSION pg_stat_statements" >/dev/null
DB=postgres psql_q "CREATE DATABASE peer" >/dev/null

# --- helpers ------------------------------------------------------------------------------------------

load() {   # url connections seconds [pause-ms]: prints wrk's BENCH line
  BENCH_SECRET=$SECRET BENCH_DELAY_MS=${4:-0} BENCH_RUN=$RANDOM wrk -t"$THREADS" -c"$2" -d"${3}s" --timeout 10s -s bench/post-events.lua "$1" | grep BENCH
}

field() { sed -E "s/.*$1=([0-9.]+).*/\1/" <<<"$2"; }

# warm_up label load-command...: the command (given the seconds as its last argument) runs WARMUP_SECONDS at full speed,
# then WARMUP_CYCLES quiet spells, each followed by 10 s of it.
# A receiver in service has been quiet and busy many times; its first busy spells after quiet ones are not what it
# runs at. Measured on the gateway (2026-12-07): a first quiet spell deoptimised hot code (branches never taken under
# load: a worker finding its queue empty), and the next busy spell spent 4.3 s re-compiling (the JVM's compile time;
# 193 us of CPU an event against 121-130 after), the following ones 0.6, 0.3, 0.2, 0.1 s. The rounds below alternate
# quiet and busy, so without these cycles the first gateway round paid for it.
warm_up() {
  local label=$1; shift
  "$@" "$WARMUP_SECONDS" | sed "s/^/$label /"
  for _ in $(seq 1 "$WARMUP_CYCLES"); do
    drain; sleep "$QUIET_SECONDS"
    "$@" 10 | sed "s/^/$label /"
  done
}

# pace url target: the pause (ms, a fraction) between a connection's requests that gives target requests/s. wrk waits
# for each answer, then pauses, so the rate is connections / (pause + answer); the answer time at that load is measured
# twice, 5 s at a guessed pause (2 ms answers), then 5 s at the pause set from it, and the pause set again from the
# second (the first may meet a destination still warming up). The 10 s are not counted anywhere.
pace() {
  local pause r
  pause=$(awk -v c="$CONNECTIONS" -v t="$2" 'BEGIN { p = c * 1000 / t - 2; printf "%.2f", (p < 0.2 ? 0.2 : p) }')
  for _ in 1 2; do
    r=$(load "$1" "$CONNECTIONS" 5 "$pause"); drain
    pause=$(awk -v c="$CONNECTIONS" -v t="$2" -v g="$pause" -v rate="$(field rate "$r")" \
      'BEGIN { a = c * 1000 / rate - g; if (a < 0) a = 0; p = c * 1000 / t - a; printf "%.2f", (p < 0.2 ? 0.2 : p) }')
  done
  echo "$pause"
}

drain() {   # waits until every event is applied (and, with deliveries, delivered)
  # "Is any waiting?" stops at the first row; a count(*) would walk every dead index entry of the run.
  until [ "$(psql_q "SELECT count(*) FROM (SELECT 1 FROM inbox_waiting LIMIT 1) AS w")" = 0 ] \
     && [ "$(psql_q "SELECT count(*) FROM (SELECT 1 FROM deliveries WHERE status = 'pending' LIMIT 1) AS d")" = 0 ]; do
    sleep 0.1
  done
}

last_id() { psql_q "SELECT coalesce(max(id), 0) FROM webhook_events"; }

applied() {   # first-id [from-epoch to-epoch]: "count rate lag_p50_ms lag_p99_ms" of the events after first-id
  local window=""
  [ $# -ge 3 ] && window="AND received_at >= to_timestamp($2) AND received_at < to_timestamp($3)"
  psql_q "SELECT count(*),
                 round(count(*) / greatest(extract(epoch FROM max(processed_at) - min(received_at)), 0.001)),
                 round(1000 * percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - received_at))::numeric, 1),
                 round(1000 * percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - received_at))::numeric, 1)
          FROM webhook_events WHERE id > $1 AND status IN ('processed', 'ignored') $window" | tr '|' ' '
}

# delivered first-id: "count rate lag_p50_ms lag_p99_ms" of the deliveries after first-id, the lag from applied
# to delivered (the delivery's own share; the processing lag is the column before it)
delivered() {
  psql_q "SELECT count(*),
                 round(count(*) / greatest(extract(epoch FROM max(d.delivered_at) - min(e.received_at)), 0.001)),
                 round(1000 * percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM d.delivered_at - e.processed_at))::numeric, 1),
                 round(1000 * percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM d.delivered_at - e.processed_at))::numeric, 1)
          FROM deliveries d JOIN webhook_events e ON e.id = d.webhook_event_id
          WHERE d.webhook_event_id > $1 AND d.status = 'delivered'" | tr '|' ' '
}

cpu_ticks() {   # pid...: user + system clock ticks of these processes (and their waited-for children)
  local total=0
  for pid in "$@"; do
    [ -r "/proc/$pid/stat" ] || continue
    total=$(( total + $(awk '{ sub(/.*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/$pid/stat") ))
  done
  echo "$total"
}
postgres_pids() { local pm; pm=$(head -n 1 "$WORK/pg/postmaster.pid"); echo "$pm $(pgrep -P "$pm" | tr '\n' ' ')"; }

# --- the rounds: the Node receiver, then the gateway, interleaved ------------------------------------------

GATEWAY_URL="http://127.0.0.1:$HTTP_PORT/webhooks/mono"
PEER_URL="http://127.0.0.1:$PEER_PORT/webhooks/mono"
if [ "$DELIVERY_ONLY" != 1 ]; then   # the rounds and the steady phase
say "gateway (JAVA_OPTS='${JAVA_OPTS}')"
start_gateway main "$HTTP_PORT" "$MGMT_PORT"
FIRST_STARTUP_MS=$STARTUP_MS
echo "start to ready: ${STARTUP_MS} ms (JVM start, Flyway, routes; external database)"

say "warm-up: each ${WARMUP_SECONDS} s, then ${WARMUP_CYCLES} times ${QUIET_SECONDS} s quiet and 10 s busy; not counted"
(cd bench/peer-node && PORT=$PEER_PORT PEER_SECRET=$SECRET DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/peer" \
  exec node server.js > "$WORK/peer.log" 2>&1) &
PIDS[peer]=$!
until curl -s -o /dev/null "http://127.0.0.1:$PEER_PORT/"; do sleep 0.05; done
warm_up "node   " load "$PEER_URL" "$CONNECTIONS"
kill -STOP "${PIDS[peer]}"   # paused, not stopped: it costs nothing while the gateway runs
warm_up gateway load "$GATEWAY_URL" "$CONNECTIONS"
drain
checkpoint

GW_TICKS=0; PG_TICKS=0; ROUND_EVENTS=0; PEER_RATES=(); PEER_P99S=(); GW_ACKED=(); GW_P99S=(); GW_APPLIED=(); GW_LAG=()
psql_q "SELECT pg_stat_statements_reset(), pg_stat_reset_shared('wal')" >/dev/null
for round in $(seq 1 "$ROUNDS"); do
  say "round $round: Node receiver, $CONNECTIONS connections, ${ROUND_SECONDS} s"
  kill -CONT "${PIDS[peer]}"
  R=$(load "$PEER_URL" "$CONNECTIONS" "$ROUND_SECONDS"); echo "$R"
  kill -STOP "${PIDS[peer]}"
  PEER_RATES+=("$(field rate "$R")"); PEER_P99S+=("$(field p99_ms "$R")")

  say "round $round: gateway, $CONNECTIONS connections, ${ROUND_SECONDS} s, then until every event is applied"
  ID0=$(last_id)
  gw0=$(cpu_ticks "${PIDS[main]}"); pg0=$(cpu_ticks $(postgres_pids))
  R=$(load "$GATEWAY_URL" "$CONNECTIONS" "$ROUND_SECONDS"); echo "$R"
  drain
  GW_TICKS=$(( GW_TICKS + $(cpu_ticks "${PIDS[main]}") - gw0 )); PG_TICKS=$(( PG_TICKS + $(cpu_ticks $(postgres_pids)) - pg0 ))
  read -r n rate p50 p99 <<<"$(applied "$ID0")"
  echo "applied $n events: $rate/s received-and-applied, lag p50 ${p50} ms, p99 ${p99} ms"
  ROUND_EVENTS=$(( ROUND_EVENTS + n ))
  GW_ACKED+=("$(field rate "$R")"); GW_P99S+=("$(field p99_ms "$R")"); GW_APPLIED+=("$rate"); GW_LAG+=("$p99")
done
HZ=$(getconf CLK_TCK)
GW_US=$(( GW_TICKS * 1000000 / HZ / ROUND_EVENTS )); PG_US=$(( PG_TICKS * 1000000 / HZ / ROUND_EVENTS ))
read -r PGSS_US PGSS_CALLS <<<"$(psql_q "SELECT round(1000 * sum(total_exec_time + total_plan_time) / $ROUND_EVENTS), round(sum(calls)::numeric / $ROUND_EVENTS, 1)
  FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'mono')" | tr '|' ' ')"
WAL_BYTES=$(psql_q "SELECT round(wal_bytes / $ROUND_EVENTS) FROM pg_stat_wal")
psql_q "SELECT calls, round((total_exec_time + total_plan_time)::numeric / greatest(calls, 1) * 1000) AS us_per_call,
               round(1000 * (total_exec_time + total_plan_time)::numeric / $ROUND_EVENTS) AS us_per_event, left(regexp_replace(query, '\s+', ' ', 'g'), 90)
        FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'mono')
        ORDER BY total_exec_time + total_plan_time DESC LIMIT 12" > "$WORK/statements.txt"
echo "per event: gateway CPU $GW_US µs, PostgreSQL CPU $PG_US µs, statements $PGSS_US µs ($PGSS_CALLS), WAL $WAL_BYTES bytes"
cat "$WORK/statements.txt"
kill "${PIDS[peer]}"; kill -CONT "${PIDS[peer]}" 2>/dev/null || true; wait "${PIDS[peer]}" 2>/dev/null || true; unset "PIDS[peer]"

median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { printf "%d\n", (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
spread() { printf '%s\n' "$@" | sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo "–" hi }'; }
PEER=$(median "${PEER_RATES[@]}"); ACKED=$(median "${GW_ACKED[@]}"); APPLIED=$(median "${GW_APPLIED[@]}")

# --- steady: a share of the measured capacity, for a minute -------------------------------------------------

TARGET=$(( APPLIED * STEADY_SHARE / 100 ))
PAUSE_MS=$(pace "$GATEWAY_URL" "$TARGET")
say "steady: ${STEADY_SHARE} % of $APPLIED/s = $TARGET/s for ${STEADY_SECONDS} s ($CONNECTIONS connections, ${PAUSE_MS} ms pause)"
checkpoint
ID0=$(last_id); T0=$(date +%s)
STEADY=$(load "$GATEWAY_URL" "$CONNECTIONS" "$STEADY_SECONDS" "$PAUSE_MS"); echo "$STEADY"
drain
read -r STEADY_N STEADY_RATE STEADY_P50 STEADY_P99 <<<"$(applied "$ID0")"
THIRD=$(( STEADY_SECONDS / 3 ))
read -r _ _ _ STEADY_FIRST_P99 <<<"$(applied "$ID0" "$T0" "$(( T0 + THIRD ))")"
read -r _ _ _ STEADY_LAST_P99 <<<"$(applied "$ID0" "$(( T0 + STEADY_SECONDS - THIRD ))" "$(( T0 + STEADY_SECONDS ))")"
echo "applied $STEADY_N: lag p50 ${STEADY_P50} ms, p99 ${STEADY_P99} ms (first third p99 ${STEADY_FIRST_P99} ms, last third ${STEADY_LAST_P99} ms)"
PEAK_RSS_MB=$(( $(awk '/VmHWM/ {print $2}' "/proc/${PIDS[main]}/status") / 1024 ))
stop main
fi   # DELIVERY_ONLY

# --- delivery: an HTTP destination across a network, and Kafka ----------------------------------------------

delivery_phase() {   # name label gateway-env...: full speed, then STEADY_SHARE % of that for DELIVERY_STEADY_SECONDS; appends rows
  local name=$1 label=$2; shift 2
  say "delivery: $label, $CONNECTIONS connections, ${ROUND_SECONDS} s at full speed, then ${STEADY_SHARE} % for ${DELIVERY_STEADY_SECONDS} s"
  start_gateway "$name" "$HTTP_PORT" "$MGMT_PORT" "$@"
  RESTART_MS=$STARTUP_MS
  warm_up warm-up load "$GATEWAY_URL" "$CONNECTIONS"; drain; checkpoint   # a new JVM: JIT cold
  local id0 r n rate p50 p99 dn drate dp50 dp99 last
  id0=$(last_id)
  psql_q "SELECT pg_stat_statements_reset()" >/dev/null
  local gw0 pg0 t0=$(date +%s%N)
  gw0=$(cpu_ticks "${PIDS[$name]}"); pg0=$(cpu_ticks $(postgres_pids))
  r=$(load "$GATEWAY_URL" "$CONNECTIONS" "$ROUND_SECONDS"); echo "$r"
  drain
  echo "CPU during full speed and its drain ($(( ($(date +%s%N) - t0) / 1000000 )) ms): gateway $(( ($(cpu_ticks "${PIDS[$name]}") - gw0) * 10 )) ms," \
       "PostgreSQL $(( ($(cpu_ticks $(postgres_pids)) - pg0) * 10 )) ms"
  read -r n rate p50 p99 <<<"$(applied "$id0")"
  read -r dn drate dp50 dp99 <<<"$(delivered "$id0")"
  echo "statements by total time (full speed and its drain): calls, ms in all, us per call, first words"
  psql_q "SELECT calls, round(total_exec_time + total_plan_time), round(1000 * (total_exec_time + total_plan_time) / greatest(calls, 1)),
                 left(regexp_replace(query, '\s+', ' ', 'g'), 90)
          FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'mono')
          ORDER BY total_exec_time + total_plan_time DESC LIMIT 12" | sed 's/^/  /'
  last=$(psql_q "SELECT round(1000 * extract(epoch FROM max(d.delivered_at) - max(e.processed_at))) FROM deliveries d
                 JOIN webhook_events e ON e.id = d.webhook_event_id WHERE d.webhook_event_id > $id0")
  echo "applied $n: $rate/s; delivered $dn: $drate/s, delivery lag p50 ${dp50} ms, p99 ${dp99} ms, last delivery ${last} ms after the last apply"
  DELIVERY_ROWS+="| $label, full speed | $(field rate "$r") | $(field p50_ms "$r") / $(field p99_ms "$r") / $(field max_ms "$r") | $rate (delivered: $drate; last ${last} ms after the last apply) | $p50 / $p99 (delivery: $dp50 / $dp99) |"$'\n'
  # The share of what this configuration received and applied at full speed (delivering costs CPU too).
  local target=$(( rate * STEADY_SHARE / 100 )) pause
  pause=$(pace "$GATEWAY_URL" "$target")
  echo "steady: ${STEADY_SHARE} % of $rate/s = $target/s (${pause} ms pause)"
  id0=$(last_id)
  r=$(load "$GATEWAY_URL" "$CONNECTIONS" "$DELIVERY_STEADY_SECONDS" "$pause"); echo "$r"
  drain
  read -r n rate p50 p99 <<<"$(applied "$id0")"
  read -r dn drate dp50 dp99 <<<"$(delivered "$id0")"
  echo "steady: applied $n: $rate/s; delivered $dn: $drate/s, delivery lag p50 ${dp50} ms, p99 ${dp99} ms"
  DELIVERY_ROWS+="| $label, ${STEADY_SHARE} % | $(field rate "$r") | $(field p50_ms "$r") / $(field p99_ms "$r") / $(field max_ms "$r") | $rate (delivered: $drate) | $p50 / $p99 (delivery: $dp50 / $dp99) |"$'\n'
  stop "$name"
}

DELIVERY_ROWS="| deliveries | (DELIVERY=0) | | | |"$'\n'; RESTART_MS="(DELIVERY=0)"
if [ "$DELIVERY" = 1 ]; then
  DELIVERY_ROWS=""
  SINK_DELAY_MS=$SINK_DELAY_MS PORT=$SINK_PORT node bench/peer-node/sink.js > "$WORK/sink.log" 2>&1 &
  PIDS[sink]=$!
  delivery_phase delivery-http "HTTP destination answering in ${SINK_DELAY_MS} ms" MONO_FORWARD_DESTINATIONS=sink \
    MONO_FORWARD_SINK_URI="http://127.0.0.1:$SINK_PORT/mono-events"
  stop sink
  if [ "$KAFKA" = 1 ]; then
    start_kafka
    delivery_phase delivery-kafka "Kafka (one broker, same machine)" MONO_FORWARD_DESTINATIONS=erp MONO_FORWARD_ERP_URI=kafka:mono-events \
      CAMEL_COMPONENT_KAFKA_BROKERS="127.0.0.1:$KAFKA_PORT"
    stop kafka
  fi
fi

# --- two instances on one PostgreSQL -------------------------------------------------------------------------

TWO_ROW="| two instances, one PostgreSQL | (TWO=0) | | | |"
if [ "$TWO" = 1 ] && [ "$DELIVERY_ONLY" != 1 ]; then
  say "two instances on one PostgreSQL, $(( CONNECTIONS / 2 )) connections each, ${ROUND_SECONDS} s"
  start_gateway a "$HTTP_PORT" "$MGMT_PORT"
  start_gateway b "$(( HTTP_PORT + 10 ))" "$(( MGMT_PORT + 10 ))"
  load_both() {   # seconds: both instances at once, half the connections each; their BENCH lines in two-a/b.txt
    load "$GATEWAY_URL" "$(( CONNECTIONS / 2 ))" "$1" > "$WORK/two-a.txt" &
    local a=$!
    load "http://127.0.0.1:$(( HTTP_PORT + 10 ))/webhooks/mono" "$(( CONNECTIONS / 2 ))" "$1" > "$WORK/two-b.txt"
    wait "$a"
  }
  warm_up warm-up load_both; sed 's/^/warm-up a /' "$WORK/two-a.txt"; sed 's/^/warm-up b /' "$WORK/two-b.txt"   # new JVMs: JIT cold
  drain
  ID0=$(last_id)
  load_both "$ROUND_SECONDS"
  A=$(cat "$WORK/two-a.txt"); B=$(cat "$WORK/two-b.txt"); echo "$A"; echo "$B"
  drain
  read -r n rate p50 p99 <<<"$(applied "$ID0")"
  echo "applied $n: $rate/s, lag p50 ${p50} ms, p99 ${p99} ms"
  TWO_ROW="| two instances, one PostgreSQL | $(( $(field rate "$A") + $(field rate "$B") )) | p99 $(field p99_ms "$A") and $(field p99_ms "$B") | $rate | $p50 / $p99 |"
  stop a; stop b
fi

# --- pgbench ceiling (optional) -----------------------------------------------------------------------------

PGBENCH_BEST="(PGBENCH=0)"
if [ "$PGBENCH" = 1 ]; then
  say "pgbench: single-row INSERT of the same payload, same server"
  psql_q "CREATE TABLE bench_events (id bigserial PRIMARY KEY, event_id text UNIQUE NOT NULL, payload jsonb NOT NULL)" >/dev/null
  cat > "$WORK/insert.sql" <<'SQL'
\set n random(1, 9000000000000000)
INSERT INTO bench_events (event_id, payload) VALUES ('evt_' || :n || '_' || :client_id, '{"event":"direct_debit.payment_successful","event_id":"evt_x","timestamp":"2024-05-01T10:00:00.000Z","data":{"type":"onetime-debit","object":{"id":"txd_x","status":"successful","amount":1250000,"fee":300,"currency":"NGN","description":"Order 1","reference":"ref_x","liveMode": true,"customer": null,"account":{"_id":"acc_1","name":"ADAEZE OKAFOR","accountNumber":"0123456789","currency":"NGN","institution":{"name":"GTBank","bankCode":"058","type":"PERSONAL_BANKING"}},"created_at":"2024-05-01T09:59:00.000Z","updated_at":"2024-05-01T10:00:00.000Z"}}}'::jsonb) ON CONFLICT (event_id) DO NOTHING;
SQL
  PGBENCH_BEST=0
  for clients in 16 32 64; do
    TPS=$(pgbench -h 127.0.0.1 -p "$PG_PORT" -U postgres -n -M prepared -c "$clients" -j 2 -T 15 -f "$WORK/insert.sql" mono 2>/dev/null \
      | awk '/^tps/ {print int($3)}')
    echo "pgbench $clients clients: $TPS inserts/s"
    [ "$TPS" -gt "$PGBENCH_BEST" ] && PGBENCH_BEST=$TPS
  done
fi

say "results"
if [ "$DELIVERY_ONLY" = 1 ]; then
  printf '| Phase | Acknowledged per second | Time to answer p50 / p99 / max (ms) | Received and applied per second | Processing lag p50 / p99 (ms) |\n| --- | --- | --- | --- | --- |\n%s' "$DELIVERY_ROWS" | tee "$WORK/results.md"
  exit 0
fi
ratio() { echo "scale=2; $1 / $2" | bc; }
cat <<EOF | tee "$WORK/results.md"
Machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); JVM flags: '${JAVA_OPTS}'

| Phase | Acknowledged per second | Time to answer p50 / p99 / max (ms) | Received and applied per second | Processing lag p50 / p99 (ms) |
| --- | --- | --- | --- | --- |
| Node receiver (peer), median of $ROUNDS rounds | $PEER ($(spread "${PEER_RATES[@]}")) | p99 $(spread "${PEER_P99S[@]}") | (applies nothing) | |
| gateway, median of $ROUNDS rounds | $ACKED ($(spread "${GW_ACKED[@]}")) | p99 $(spread "${GW_P99S[@]}") | $APPLIED ($(spread "${GW_APPLIED[@]}")) | p99 $(spread "${GW_LAG[@]}") |
| steady, ${STEADY_SHARE} % for ${STEADY_SECONDS} s | $(field rate "$STEADY") | $(field p50_ms "$STEADY") / $(field p99_ms "$STEADY") / $(field max_ms "$STEADY") | $STEADY_RATE | $STEADY_P50 / $STEADY_P99 (p99 first third $STEADY_FIRST_P99, last third $STEADY_LAST_P99) |
${DELIVERY_ROWS%$'\n'}
$TWO_ROW

| Figure | Value |
| --- | --- |
| received-and-applied / Node acknowledged (target ≥ 1.5) | $(ratio "$APPLIED" "$PEER") |
| acknowledged / Node acknowledged (target ≥ 2) | $(ratio "$ACKED" "$PEER") |
| gateway CPU per received-and-applied event (rounds) | $GW_US µs |
| PostgreSQL CPU per event (all its processes, /proc) | $PG_US µs |
| PostgreSQL statement time per event (pg_stat_statements, plan + execute) / statements per event | $PGSS_US µs / $PGSS_CALLS |
| WAL per event (pg_stat_wal) | $WAL_BYTES bytes |
| gateway peak RSS, default JVM (MB) | $PEAK_RSS_MB |
| start to ready, external database: first start (applies the migrations) / a restart (ms) | $FIRST_STARTUP_MS / $RESTART_MS |
| pgbench single-row INSERT ceiling | $PGBENCH_BEST |

Statements by time, per event of the rounds:
$(cat "$WORK/statements.txt")
EOF
echo "(logs: $WORK)"
