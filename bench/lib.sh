# Shared by the benchmark scripts: a PostgreSQL of their own (durable defaults: fsync and
# synchronous_commit on), psql, and the tools. Source it after setting PG_PORT and WORK.
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)

say() { printf '\n== %s\n' "$*"; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
psql_q() { psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "${DB:-mono}" -qtAX -c "$1"; }

stop_postgres() {
  [ -n "$PGBIN" ] && [ -d "$WORK/pg" ] && as_pg "$PGBIN/pg_ctl" -D "$WORK/pg" -m fast stop >/dev/null 2>&1 || true
}

need_tools() {   # the commands named, or the Debian packages that bring them
  local missing=0
  for tool in "$@"; do command -v "$tool" >/dev/null || missing=1; done
  if [ "$missing" = 1 ] || [ -z "$PGBIN" ]; then
    apt-get update -qq && apt-get install -y -qq wrk postgresql >/dev/null
    PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
}

# backend_flush_after: a server process that has written 256 kB of table pages asks the kernel to write them out
# then (the docs/deploy.md recommendation). Without it, what a 15 s round wrote sat dirty in the page cache until the
# kernel's 30 s expiry and went out as one burst of 0.2-0.6 GB in the middle of the next round, holding every
# commit's WAL flush for about 400 ms (benchmarks.md, session 38).
start_postgres() {   # a fresh server on PG_PORT with database mono (PG_OPTIONS: more server settings)
  mkdir -p "$WORK/pg" && chmod 777 "$WORK" && chown -R postgres "$WORK/pg" 2>/dev/null || true
  as_pg "$PGBIN/initdb" -D "$WORK/pg" -U postgres -A trust >/dev/null
  as_pg "$PGBIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" -w \
    -o "-p $PG_PORT -k $WORK -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=256MB -c max_wal_size=4GB -c min_wal_size=2GB -c backend_flush_after=256kB ${PG_OPTIONS:-}" start >/dev/null
  DB=postgres psql_q "CREATE DATABASE mono" >/dev/null
  # WAL segments as on a server that has run for a while. A new server has none to reuse: each 16 MB of WAL goes to
  # a segment created, zero-filled and flushed while every commit waits (about 50 ms on this disk, once a second at
  # 5,000 events/s: the whole answer tail of a paced phase). 128 segments made now, and kept for reuse by every
  # checkpoint (min_wal_size), as a running server reuses its old ones.
  DB=postgres psql_q "DO \$\$ BEGIN FOR i IN 1..128 LOOP PERFORM pg_logical_emit_message(false, 'bench', 'x'); PERFORM pg_switch_wal(); END LOOP; END \$\$" >/dev/null
  checkpoint
}

checkpoint() {   # between phases: the WAL segments written so far are reused from here on, not new ones created
  DB=postgres psql_q "CHECKPOINT" >/dev/null
}

# The gateway from target/mono-webhook-gateway.jar on the server above (callers set SECRET, WORK, JAVA_OPTS and
# declare -A PIDS).
start_gateway() {   # name http-port mgmt-port [VAR=value ...]: starts a gateway, waits until it answers
  local name=$1 http=$2 mgmt=$3; shift 3
  local started=$(date +%s%N) log=${GATEWAY_LOG:-$WORK/gateway-$name.log}
  env MONO_WEBHOOK_SECRET=$SECRET MONO_DB_URL="jdbc:postgresql://127.0.0.1:$PG_PORT/mono" MONO_DB_USERNAME=postgres \
    CAMEL_SERVER_PORT=$http CAMEL_MANAGEMENT_PORT=$mgmt MONO_DATA_DIR="$WORK/data-$name" MONO_ALERTS_ENABLED=false "$@" \
    java $JAVA_OPTS -jar target/mono-webhook-gateway.jar > "$log" 2>&1 &
  PIDS[$name]=$!
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$mgmt/observe/health/ready")" = 200 ]; do
    kill -0 "${PIDS[$name]}" 2>/dev/null || { tail -n 30 "$log"; exit 1; }
    sleep 0.05
  done
  STARTUP_MS=$(( ($(date +%s%N) - started) / 1000000 ))
}

stop() {   # name
  [ -n "${PIDS[$1]:-}" ] || return 0
  kill "${PIDS[$1]}" 2>/dev/null; wait "${PIDS[$1]}" 2>/dev/null || true
  unset "PIDS[$1]"
}


# A Kafka broker (KRaft, one node, its own JVM) from the jars the build copies into target/kafka-broker/lib
# (mvn package does), on KAFKA_PORT (and KAFKA_PORT + 1 for its controller); its log in $WORK/kafka.log.
start_kafka() {
  local dir="$WORK/kafka" cp="target/kafka-broker/lib/*"
  [ -d target/kafka-broker/lib ] || { echo "target/kafka-broker/lib is missing: run mvn -DskipTests package"; exit 1; }
  mkdir -p "$dir"
  cat > "$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$(( KAFKA_PORT + 1 ))
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$(( KAFKA_PORT + 1 ))
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
auto.create.topics.enable=true
num.partitions=8
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
PROPS
  java -cp "$cp" kafka.tools.StorageTool format --cluster-id "$(java -cp "$cp" kafka.tools.StorageTool random-uuid)" \
    --config "$dir/server.properties" >> "$WORK/kafka.log" 2>&1
  java -Xmx512m -cp "$cp" kafka.Kafka "$dir/server.properties" >> "$WORK/kafka.log" 2>&1 &
  PIDS[kafka]=$!
  until grep -q "Kafka Server started\|KafkaRaftServer.*started\|Transition from STARTING to STARTED" "$WORK/kafka.log"; do
    kill -0 "${PIDS[kafka]}" 2>/dev/null || { tail -n 30 "$WORK/kafka.log"; exit 1; }
    sleep 0.2
  done
}
