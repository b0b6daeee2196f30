#!/usr/bin/env bash
# PostgreSQL's ceiling for what the gateway asks of it, without the gateway: pgbench runs the gateway's own
# statements (its schema from the Flyway migrations, the handler SQL of routes/payments.camel.yaml as written)
# on a fresh durable server (fsync and synchronous_commit on), in four shapes:
#   store-1      one event per statement and commit (what a plain receiver such as bench/peer-node does)
#   store-N      a group of N events in one INSERT and one commit (the gateway's ingest)
#   apply-each   store-N, then claim the N, apply them one statement per event (sets of one), and finish the batch
#   apply-set    store-N, then claim the N, apply them with one statement for the batch (a set of N rows, one
#                per payment, as processing applies a round), and finish the batch
# For each: events per second at the best of CLIENTS, and PostgreSQL's CPU per event (/proc, every server
# process). N payments per batch are distinct (one event each), so apply-set needs no reduction.
# Not a test; not run in CI. Usage: bench/pg-ceiling.sh   (N=50 CLIENTS="4 8 16" SECONDS_EACH=15 PG_PORT=55433)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-50}
CLIENTS=${CLIENTS:-"4 8 16"}
SECONDS_EACH=${SECONDS_EACH:-15}
PG_PORT=${PG_PORT:-55433}
WORK=${WORK:-/tmp/pg-ceiling}
. bench/lib.sh
need_tools pgbench psql python3
stop_postgres
rm -rf "$WORK" && mkdir -p "$WORK"
trap stop_postgres EXIT
start_postgres
for migration in $(ls src/main/resources/db/migration/V*.sql | sort -V); do
  psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d mono -qX -v ON_ERROR_STOP=1 -f "$migration" >/dev/null
done
psql_q "CREATE TABLE sample (body text); CREATE SEQUENCE bench_batch;" >/dev/null
python3 - "$WORK/sample.sql" <<'PY'
import sys
body = open('src/test/resources/fixtures/mono/payment_successful.json').read().strip().replace("'", "''")
open(sys.argv[1], 'w').write("INSERT INTO sample VALUES ('" + body + "');\n")
PY
psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d mono -qX -f "$WORK/sample.sql" >/dev/null

# The scripts, written from the gateway's statements.
python3 - "$WORK" "$N" <<'PY'
import re, sys
work, n = sys.argv[1], int(sys.argv[2])
store = lambda size: """SELECT nextval('bench_batch') AS b \\gset
WITH stored AS (
  INSERT INTO webhook_events (event_type, event_id, dedupe_key, body, live_mode, object_key, reference)
  SELECT 'direct_debit.payment_successful', 'evt_' || :b || '_' || g, 'evt_' || :b || '_' || g, s.body, true,
         'txd_' || :b || '_' || g, 'ref_' || :b || '_' || g
  FROM generate_series(1, %d) g, sample s ORDER BY 3
  ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, object_key),
queued AS (INSERT INTO inbox_waiting (id, object_key) SELECT id, object_key FROM stored)
SELECT '{' || string_agg(id::text, ',' ORDER BY id) || '}' AS ids FROM stored \\gset
""" % size
claim = """BEGIN;
SELECT count(w.body) FROM webhook_events w
WHERE w.id = ANY (ARRAY(SELECT id FROM inbox_waiting WHERE id = ANY (CAST(:ids AS bigint[])) ORDER BY id FOR UPDATE SKIP LOCKED));
"""
finish = """WITH done AS (DELETE FROM inbox_waiting WHERE id = ANY (CAST(:ids AS bigint[])))
UPDATE webhook_events w SET status = 'processed', attempts = w.attempts + 1, processed_at = clock_timestamp()
WHERE w.id = ANY (CAST(:ids AS bigint[]));
COMMIT;
"""
yaml = open('routes/payments.camel.yaml').read()
sql = yaml[yaml.index('constant: |') + len('constant: |'):yaml.index('- to: jdbc:monoDb')]
sql = '\n'.join(line[14:] for line in sql.splitlines()).strip()
values = {  # what monoEventFields.payment gives for Mono's payment_successful sample; {g}: the event's place in the batch
    'payment_id': "'txd_' || :b || '_' || {g}", 'status': "'successful'", 'amount': '30000', 'fee': '300',
    'currency': "'NGN'", 'description': "'free shirt'", 'reference': "'ref_' || :b || '_' || {g}",
    'account_id': "'611d575feef5d3371ca9d0d8'", 'customer': "'611adcd9a5fda23baf58140d'", 'live_mode': 'true',
    'created_at': "'2021-08-18T18:54:23.491Z'", 'event_at': 'clock_timestamp()',
    'event_type': "'direct_debit.payment_successful'", 'inbox_id': '{inbox}', 'source': "'webhook'",
    'account_is_object': 'false'}
def row(g, inbox):  # one event's row of :?events, built in SQL (the gateway sends it as JSON text)
    return 'jsonb_build_object(' + ', '.join("'%s', %s" % (k, v.format(g=g, inbox=inbox)) for k, v in values.items()) + ')'
events = 'CAST(:?events AS jsonb)'
assert events in sql, 'the handler no longer reads ' + events
# One statement per event: a set of one, as when each event is applied alone.
each = ''.join(sql.replace(events, 'jsonb_build_array(%s)' % row(str(i), '(CAST(:ids AS bigint[]))[%d]' % i)) + ';\n'
               for i in range(1, n + 1))
# One statement for the batch: the set is the batch's rows, one per payment.
one = sql.replace(events, '(SELECT jsonb_agg(%s) FROM unnest(CAST(:ids AS bigint[])) WITH ORDINALITY AS u(inbox_id, g))'
                  % row('u.g', 'u.inbox_id'))
open(work + '/store-1.sql', 'w').write(store(1))
open(work + '/store-N.sql', 'w').write(store(n))
open(work + '/apply-each.sql', 'w').write(store(n) + claim + each + finish)
open(work + '/apply-set.sql', 'w').write(store(n) + claim + one + ';\n' + finish)
PY

pg_cpu_ticks() {   # every server process's CPU so far, in clock ticks (ended backends count in the postmaster's children)
  local main total=0; main=$(head -n 1 "$WORK/pg/postmaster.pid")
  for pid in $main $(pgrep -P "$main"); do
    read -r -a f 2>/dev/null < "/proc/$pid/stat" || continue
    total=$((total + f[13] + f[14]))
    [ "$pid" = "$main" ] && total=$((total + f[15] + f[16]))
  done
  echo $total
}
hz=$(getconf CLK_TCK)
printf '\n| shape | events/s (best of clients %s) | clients | PostgreSQL CPU per event |\n| --- | --- | --- | --- |\n' "$CLIENTS"
for shape in store-1 store-N apply-each apply-set; do
  per=$([ "$shape" = store-1 ] && echo 1 || echo "$N")
  best=0; best_c=0; best_cpu=0
  for c in $CLIENTS; do
    psql_q "VACUUM ANALYZE" >/dev/null && psql_q "CHECKPOINT" >/dev/null   # each run starts clean of the one before's dead rows and dirty pages
    before=$(pg_cpu_ticks)
    pgbench -h 127.0.0.1 -p "$PG_PORT" -U postgres -n -M prepared -c "$c" -j 2 -T "$SECONDS_EACH" -f "$WORK/$shape.sql" mono \
      > "$WORK/$shape-$c.log" 2>&1 || { cat "$WORK/$shape-$c.log"; exit 1; }
    sleep 0.5   # the ended backends reaped, so their CPU is in the postmaster's children's count
    ticks=$(( $(pg_cpu_ticks) - before ))
    tps=$(awk '/^tps/ {print $3}' "$WORK/$shape-$c.log")
    events=$(awk -v t="$tps" -v p="$per" -v s="$SECONDS_EACH" 'BEGIN {printf "%d", t * p * s}')
    rate=$(awk -v t="$tps" -v p="$per" 'BEGIN {printf "%d", t * p}')
    cpu=$(awk -v k="$ticks" -v h="$hz" -v e="$events" 'BEGIN {printf "%d", (e > 0 ? k * 1000000 / h / e : 0)}')
    echo "$shape, $c clients: $rate events/s, PostgreSQL $cpu us an event" >&2
    if [ "$rate" -gt "$best" ]; then best=$rate; best_c=$c; best_cpu=$cpu; fi
  done
  printf '| %s | %s | %s | %s µs |\n' "$shape" "$best" "$best_c" "$best_cpu"
  psql_q "DELETE FROM inbox_waiting" >/dev/null   # what store-only shapes left waiting: the gateway keeps the queue short
done
psql_q "SELECT 'payments ' || count(*) FROM payments UNION ALL SELECT 'history ' || count(*) FROM payment_status_history
        UNION ALL SELECT 'still waiting ' || count(*) FROM inbox_waiting" >&2
