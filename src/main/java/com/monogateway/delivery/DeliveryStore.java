package com.monogateway.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.monogateway.config.GatewaySettings.Destination;
import com.monogateway.database.GatewayDatabase;
import com.monogateway.database.Rows;
import com.monogateway.database.Transactions;
import com.monogateway.event.EventSubject;
import com.monogateway.processing.BatchOutbox;
import com.monogateway.vocabulary.Vocabulary;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.apache.camel.Exchange;

/**
 * The outbox table ({@code deliveries}): rows written in the processing transaction, claimed and
 * settled by the forwarders, listed, retried and discarded by operators.
 */
public final class DeliveryStore implements BatchOutbox {

    /** One claimed delivery with what its send needs. */
    public record Claimed(long id, long inboxId, String eventType, String eventId, String dedupeKey, String objectKey,
            String body, int attempts, OffsetDateTime createdAt, String traceparent) {
    }

    // Ordered by the batch's inbox order: the outbox order is (created_at, id), and created_at is the batch's.
    private static final String ENQUEUE = """
            INSERT INTO deliveries (webhook_event_id, destination, object_key, held)
            SELECT e, d, o, h
            FROM unnest(CAST(? AS bigint[]), CAST(? AS text[]), CAST(? AS text[]), CAST(? AS boolean[])) WITH ORDINALITY AS u(e, d, o, h, n)
            ORDER BY n
            ON CONFLICT (webhook_event_id, destination) DO NOTHING""";

    // Serialises claims per destination across gateway instances; the lock ends with the claim's transaction.
    private static final String CLAIM_LOCK = "SELECT pg_try_advisory_xact_lock(hashtext('mono-deliveries'), hashtext(?))";

    // The deliveries that may go now, in (created_at, id) order: created_at is the queuing transaction's start.
    // Only rows older than every gateway transaction still writing are taken (the horizon, read once per claim:
    // inlined, pg_stat_activity was read again for every row looked at): such a transaction may yet commit
    // deliveries, and they would sort before anything it started after. A row goes only when nothing before it
    // of the same object is held for verification, leased (in flight, here or at another instance) or waiting out
    // a back-off: one object's deliveries go one at a time, in order, and a refused one holds back only its own
    // object. Rows without an object key have no order among themselves. Ids and keys only: the bodies of the
    // rows chosen are read after (a window of candidates is wider than what is sent).
    // Settling checks status = 'pending': an operator's discard of a row in flight stands. "(status = 'pending') IS
    // TRUE" (status is never null) is what only deliveries_pending_object matches (V12): with a drained queue's
    // statistics the planner took deliveries_pending for it, reading every earlier waiting row per candidate.
    private static final String CANDIDATES = """
            WITH horizon AS MATERIALIZED (
              SELECT COALESCE(min(xact_start), 'infinity') AS t FROM pg_stat_activity
              WHERE datname = current_database() AND application_name = ? AND backend_xid IS NOT NULL
                AND pid <> pg_backend_pid()
            )
            SELECT d.id, d.object_key
            FROM deliveries d, horizon
            WHERE d.destination = ? AND d.status = 'pending' AND d.created_at < horizon.t
              AND NOT d.held AND COALESCE(d.lease_until <= now(), true) AND COALESCE(d.next_attempt_at <= now(), true)
              AND (d.object_key IS NULL OR NOT EXISTS (
                    SELECT 1 FROM deliveries b
                    WHERE b.destination = d.destination AND (b.status = 'pending') IS TRUE AND b.object_key = d.object_key
                      AND (b.created_at, b.id) < (d.created_at, d.id)
                      AND (b.held OR b.lease_until > now() OR b.next_attempt_at > now())))
            ORDER BY d.created_at, d.id
            LIMIT ?""";
    // Leases the chosen rows and reads what their sends need, in one statement (two cost a pass over the rows each).
    private static final String LEASE = """
            UPDATE deliveries d SET lease_until = now() + CAST(? AS interval)
            FROM webhook_events e
            WHERE d.id = ANY (CAST(? AS bigint[])) AND e.id = d.webhook_event_id
            RETURNING d.id, d.webhook_event_id, e.event_type, e.event_id, e.dedupe_key, d.object_key,
                   e.body, d.attempts, d.created_at, e.trace_parent""";
    // Rows by primary key, joined to the ids given. The status check reads "(status = 'pending') IS NOT FALSE" (status
    // is never null) so that no partial index of pending rows matches it: "status = 'pending'" let the planner scan that
    // index whole, every pending row per statement (8-28 ms a call with 20,000-30,000 waiting, when the statistics
    // were taken from a drained queue: a backlog drained at 430-480 a second).
    // A renewal takes no row another transaction holds, and so never waits: such a row is being settled (which ends
    // its lease anyway), and waiting for it while holding others deadlocked with the settling of the same batch (the
    // two lock their rows in different orders; seen once in the benchmark, the batch then settled 2 s late).
    private static final String RENEW = """
            WITH free AS (
              SELECT d.id FROM deliveries d JOIN unnest(CAST(? AS bigint[])) AS u(id) ON d.id = u.id
              WHERE (d.status = 'pending') IS NOT FALSE FOR UPDATE OF d SKIP LOCKED)
            UPDATE deliveries d SET lease_until = now() + CAST(? AS interval) FROM free WHERE d.id = free.id""";
    // A pending delivery that was tried already was refused: its object's later deliveries wait behind it.
    private static final String HELD_OBJECTS = """
            SELECT destination, count(DISTINCT object_key), min(id)
            FROM deliveries WHERE status = 'pending' AND attempts > 0 AND object_key IS NOT NULL
            GROUP BY destination""";

    private static final String DELIVERED = """
            UPDATE deliveries d SET status = 'delivered', delivered_at = now(), attempts = d.attempts + 1, lease_until = NULL,
                   last_error = NULL
            FROM unnest(CAST(? AS bigint[])) AS u(id) WHERE d.id = u.id AND (d.status = 'pending') IS NOT FALSE""";
    // A failure is recorded on the row (its last error) and in its attempts' history, in one statement.
    private static final String RETRY_LATER = """
            WITH failed AS (
              UPDATE deliveries SET attempts = attempts + 1, last_error = ?, lease_until = NULL,
                     next_attempt_at = now() + CAST(? AS interval)
              WHERE id = ? AND status = 'pending' RETURNING id, attempts, last_error)
            INSERT INTO delivery_attempts (delivery_id, attempt, error) SELECT id, attempts, last_error FROM failed
            ON CONFLICT DO NOTHING""";
    private static final String DEAD = """
            WITH failed AS (
              UPDATE deliveries SET status = 'dead', attempts = attempts + 1, last_error = ?, lease_until = NULL, resolved_at = now()
              WHERE id = ? AND status = 'pending' RETURNING id, attempts, last_error)
            INSERT INTO delivery_attempts (delivery_id, attempt, error) SELECT id, attempts, last_error FROM failed
            ON CONFLICT DO NOTHING""";
    private static final String RELEASE = "UPDATE deliveries SET lease_until = NULL WHERE id = ANY (CAST(? AS bigint[]))";

    private static final String LIST = """
            SELECT d.id, d.destination, d.status, d.attempts, d.next_attempt_at, d.last_error, d.created_at, d.delivered_at,
                   d.resolved_at, d.discard_reason, d.object_key, d.held, d.webhook_event_id, e.event_type, e.dedupe_key
            FROM deliveries d JOIN webhook_events e ON e.id = d.webhook_event_id
            WHERE (CAST(? AS text) IS NULL OR d.destination = ?) AND d.status = ?
            ORDER BY d.id
            LIMIT ?""";
    private static final String RETRY = """
            UPDATE deliveries SET status = 'pending', next_attempt_at = now(), resolved_at = NULL, last_error = NULL
            WHERE id = ? AND status = 'dead'""";
    private static final String RETRY_DESTINATION = """
            UPDATE deliveries SET status = 'pending', next_attempt_at = now(), resolved_at = NULL, last_error = NULL
            WHERE destination = ? AND status = 'dead'""";
    private static final String DISCARD = """
            UPDATE deliveries SET status = 'discarded', resolved_at = now(), discard_reason = ?, lease_until = NULL
            WHERE id = ? AND status IN ('dead', 'pending')""";
    private static final String STATUS = "SELECT status FROM deliveries WHERE id = ?";

    /** How a request about one delivery ended. */
    public enum Result { DONE, NOT_FOUND, WRONG_STATUS }

    private final DataSource pool;
    private final List<Destination> destinations;

    public DeliveryStore(DataSource pool, List<Destination> destinations) {
        this.pool = pool;
        this.destinations = destinations;
    }

    /** An applied event's deliveries, recorded until its batch is written. */
    private record Queued(String objectKey, boolean held, List<String> destinations) {
    }

    /** What the processing batch on each thread applied and queued, by inbox id. */
    private final ThreadLocal<java.util.TreeMap<Long, Queued>> batch = ThreadLocal.withInitial(java.util.TreeMap::new);

    /** Records an applied event for every destination that takes its type, for its batch's {@link #write}. */
    @Override
    public void record(Exchange exchange) {
        String type = exchange.getIn().getHeader(Vocabulary.EVENT_TYPE, String.class);
        List<String> names = destinations.stream().filter(d -> d.takes(type)).map(Destination::name).toList();
        if (names.isEmpty()) {
            return;
        }
        long inboxId = exchange.getIn().getHeader(Vocabulary.INBOX_ID, Long.class);
        String objectKey = EventSubject.objectKey(type, exchange.getProperty(Vocabulary.EVENT_JSON, JsonNode.class));
        batch.get().put(inboxId, new Queued(objectKey, exchange.getProperty(Vocabulary.HOLD_DELIVERIES, false, Boolean.class), names));
    }

    /** Inserts the deliveries of the batch's applied events, in inbox order, in one statement. */
    @Override
    public void write(Connection c, List<Long> applied) throws SQLException {
        java.util.TreeMap<Long, Queued> queued = batch.get();
        try {
            List<Long> events = new ArrayList<>();
            List<String> names = new ArrayList<>();
            List<String> objects = new ArrayList<>();
            List<Boolean> held = new ArrayList<>();
            java.util.Set<Long> stands = new java.util.HashSet<>(applied);
            queued.forEach((inboxId, q) -> {
                if (stands.contains(inboxId)) {
                    for (String name : q.destinations()) {
                        events.add(inboxId);
                        names.add(name);
                        objects.add(q.objectKey());
                        held.add(q.held());
                    }
                }
            });
            if (events.isEmpty()) {
                return;
            }
            try (PreparedStatement ps = c.prepareStatement(ENQUEUE)) {
                ps.setArray(1, c.createArrayOf("bigint", events.toArray()));
                ps.setArray(2, c.createArrayOf("text", names.toArray()));
                ps.setArray(3, c.createArrayOf("text", objects.toArray()));
                ps.setArray(4, c.createArrayOf("boolean", held.toArray()));
                ps.executeUpdate();
            }
        } finally {
            queued.clear();
        }
    }

    @Override
    public void forgetAll() {
        batch.get().clear();
    }

    /**
     * Leases up to {@code chains} objects' next deliveries, each object's in order and at most {@code chainLength}
     * of them (a chain, sent one after the other); deliveries without an object key are chains of one. Looks at
     * the first {@code window} candidates. Empty when nothing is due or another instance is claiming right now.
     */
    List<List<Claimed>> claimChains(String destination, int chains, int chainLength, int window, long leaseMs) throws SQLException {
        return Transactions.inTransaction(pool, c -> {
            try (PreparedStatement lock = c.prepareStatement(CLAIM_LOCK)) {
                lock.setString(1, destination);
                try (ResultSet rs = lock.executeQuery()) {
                    if (!rs.next() || !rs.getBoolean(1)) {
                        return List.of();
                    }
                }
            }
            // Chains in the order of their first delivery; an object's rows join its chain in order. The rows come
            // in pages (a cursor: this is a transaction), and reading stops at a new object once every chain is
            // started and twice as many rows as chains were looked at: PostgreSQL checks each candidate's object, and
            // with one delivery per object the whole window (8 rows a chain) was four times the work the claim used
            // (27 ms a claim at full load).
            Map<String, List<Long>> byObject = new java.util.LinkedHashMap<>();
            int enough = Math.min(window, 2 * chains + chainLength);
            try (PreparedStatement ps = c.prepareStatement(CANDIDATES)) {
                ps.setString(1, GatewayDatabase.APPLICATION_NAME);
                ps.setString(2, destination);
                ps.setInt(3, window);
                ps.setFetchSize(enough);
                try (ResultSet rs = ps.executeQuery()) {
                    for (int read = 1; rs.next(); read++) {
                        long id = rs.getLong(1);
                        String key = rs.getString(2);
                        List<Long> chain = byObject.get(key == null ? "#" + id : "@" + key);
                        if (chain == null) {
                            if (byObject.size() == chains) {
                                if (read > enough) {
                                    break;
                                }
                                continue; // enough chains: a later object waits for the next claim
                            }
                            chain = new ArrayList<>();
                            byObject.put(key == null ? "#" + id : "@" + key, chain);
                        }
                        if (chain.size() < chainLength) {
                            chain.add(id);
                        }
                    }
                }
            }
            if (byObject.isEmpty()) {
                return List.of();
            }
            Long[] ids = byObject.values().stream().flatMap(List::stream).toArray(Long[]::new);
            Map<Long, Claimed> rows = new java.util.HashMap<>();
            try (PreparedStatement ps = c.prepareStatement(LEASE)) {
                ps.setString(1, leaseMs + " milliseconds");
                ps.setArray(2, c.createArrayOf("bigint", ids));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.put(rs.getLong(1), new Claimed(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4),
                                rs.getString(5), rs.getString(6), rs.getString(7), rs.getInt(8), rs.getObject(9, OffsetDateTime.class),
                                rs.getString(10)));
                    }
                }
            }
            List<List<Claimed>> claimed = new ArrayList<>();
            for (List<Long> chain : byObject.values()) {
                claimed.add(chain.stream().map(rows::get).toList());
            }
            return claimed;
        });
    }

    /** Keeps deliveries in flight leased; an instance that died stops renewing, and its leases run out. */
    void renew(List<Long> ids, long leaseMs) throws SQLException {
        if (ids.isEmpty()) {
            return;
        }
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(RENEW)) {
            ps.setArray(1, c.createArrayOf("bigint", ids.toArray()));
            ps.setString(2, leaseMs + " milliseconds");
            ps.executeUpdate();
        }
    }

    /** Per destination: objects whose next delivery was refused and is retried, and the oldest such delivery. */
    Map<String, long[]> heldObjects() throws SQLException {
        Map<String, long[]> held = new java.util.HashMap<>();
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(HELD_OBJECTS);
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                held.put(rs.getString(1), new long[] {rs.getLong(2), rs.getLong(3)});
            }
        }
        return held;
    }

    /** Marks sent deliveries delivered, in one statement. */
    void delivered(List<Long> ids) throws SQLException {
        if (ids.isEmpty()) {
            return;
        }
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(DELIVERED)) {
            ps.setArray(1, c.createArrayOf("bigint", ids.toArray()));
            ps.executeUpdate();
        }
    }

    /** What became of a claimed batch: delivered ones, at most one failure, and the rest not tried. */
    record Settlement(List<Long> delivered, Claimed failed, String error, boolean dead, long retryInMs, List<Long> untried) {
    }

    /** Records a batch's outcome in one transaction; {@code onDead} runs in it (to queue the alert). */
    void settle(Settlement s, Transactions.Work<Void> onDead) throws SQLException {
        Transactions.inTransaction(pool, c -> {
            if (!s.delivered().isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement(DELIVERED)) {
                    ps.setArray(1, c.createArrayOf("bigint", s.delivered().toArray()));
                    ps.executeUpdate();
                }
            }
            if (s.failed() != null) {
                if (s.dead()) {
                    int died;
                    try (PreparedStatement ps = c.prepareStatement(DEAD)) {
                        ps.setString(1, s.error());
                        ps.setLong(2, s.failed().id());
                        died = ps.executeUpdate();
                    }
                    if (died == 1) { // an operator may have discarded it while it was being sent: then no alert
                        onDead.run(c);
                    }
                } else {
                    try (PreparedStatement ps = c.prepareStatement(RETRY_LATER)) {
                        ps.setString(1, s.error());
                        ps.setString(2, s.retryInMs() + " milliseconds");
                        ps.setLong(3, s.failed().id());
                        ps.executeUpdate();
                    }
                }
            }
            if (!s.untried().isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement(RELEASE)) {
                    ps.setArray(1, c.createArrayOf("bigint", s.untried().toArray()));
                    ps.executeUpdate();
                }
            }
            return null;
        });
    }

    public List<Map<String, Object>> list(Optional<String> destination, String status, int limit) throws SQLException {
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(LIST)) {
            ps.setString(1, destination.orElse(null));
            ps.setString(2, destination.orElse(null));
            ps.setString(3, status);
            ps.setInt(4, limit);
            try (ResultSet rs = ps.executeQuery()) {
                return Rows.all(rs);
            }
        }
    }

    /** A dead delivery goes back to the head of its destination's queue. */
    public Result retry(long id) throws SQLException {
        return change(id, RETRY, null);
    }

    /** Every dead delivery of a destination goes back to pending; answers how many. */
    public int retryDestination(String destination) throws SQLException {
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(RETRY_DESTINATION)) {
            ps.setString(1, destination);
            return ps.executeUpdate();
        }
    }

    public Result discard(long id, String reason) throws SQLException {
        return change(id, DISCARD, reason);
    }

    private Result change(long id, String sql, String reason) throws SQLException {
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            if (reason != null) {
                ps.setString(i++, reason);
            }
            ps.setLong(i, id);
            if (ps.executeUpdate() == 1) {
                return Result.DONE;
            }
            try (PreparedStatement status = c.prepareStatement(STATUS)) {
                status.setLong(1, id);
                try (ResultSet rs = status.executeQuery()) {
                    return rs.next() ? Result.WRONG_STATUS : Result.NOT_FOUND;
                }
            }
        }
    }
}
