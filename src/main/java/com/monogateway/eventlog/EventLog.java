package com.monogateway.eventlog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.monogateway.database.Rows;
import com.monogateway.event.EventSubject;
import com.monogateway.event.MonoEnvelope;
import com.monogateway.event.MonoFamily;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Reads the inbox for operators: every event, filtered and paged newest first, and one event with what
 * became of it (the payment, mandate or account it shaped, its deliveries, dead letter and alerts).
 */
public final class EventLog {

    /** Filters of the event list; every one optional. {@code before}: the keyset cursor (an inbox id). */
    public record Filter(Optional<String> typeGlob, Optional<String> status, Optional<OffsetDateTime> from,
            Optional<OffsetDateTime> to, Optional<String> q, Optional<Long> before) {
    }

    public static final List<String> STATUSES = List.of("received", "processed", "ignored", "failed");
    private static final int REPLAY_BATCH = 1000;
    private static final Map<String, String> STATUS_CONDITIONS = Map.of(
            // No index names status (the inbox's status update is HOT, V9): waiting and failed events, the
            // few, are found through the waiting queue and their dead letters.
            "received", " AND e.status = 'received' AND e.id IN (SELECT id FROM inbox_waiting)",
            "processed", " AND e.status = 'processed'",
            "ignored", " AND e.status = 'ignored'",
            "failed", " AND e.status = 'failed' AND e.id IN (SELECT webhook_event_id FROM dead_letters)");

    private static final String COLUMNS = """
            SELECT e.id, e.event_type, e.event_id, e.dedupe_key, e.object_key, e.reference, e.status, e.status_reason,
                   e.source, e.live_mode, e.received_at, e.processed_at, e.attempts, e.last_error
            FROM webhook_events e WHERE true""";
    // q: Mono's event id (the dedupe key of v2 events), a payment / mandate / account id, or a reference:
    // three index lookups, OR-ed.
    private static final String MATCHES_Q = " AND (e.dedupe_key = ? OR e.object_key = ? OR e.reference = ?)";

    private final DataSource pool;
    private final ObjectMapper mapper;
    private final List<String> destinations;

    /** @param destinations the configured destinations' names: each shows in the overview, idle or not */
    public EventLog(DataSource pool, ObjectMapper mapper, List<String> destinations) {
        this.pool = pool;
        this.mapper = mapper;
        this.destinations = destinations;
    }

    /** Newest first; the SQL is put together from fixed pieces, every value a parameter. */
    public List<Map<String, Object>> list(Filter f, int limit) throws SQLException {
        List<Object> params = new ArrayList<>();
        StringBuilder sql = new StringBuilder(COLUMNS).append(where(f, params));
        f.before().ifPresent(before -> {
            sql.append(" AND e.id < ?");
            params.add(before);
        });
        sql.append(" ORDER BY e.id DESC LIMIT ?");
        params.add(limit);
        try (Connection c = pool.getConnection(); PreparedStatement ps = prepare(c, sql.toString(), params);
                ResultSet rs = ps.executeQuery()) {
            return Rows.all(rs);
        }
    }

    /** The filter's conditions (not the paging cursor), appended to {@code WHERE true}. */
    private static String where(Filter f, List<Object> params) {
        StringBuilder sql = new StringBuilder();
        f.typeGlob().ifPresent(glob -> {
            String prefix = glob.contains("*") ? glob.substring(0, glob.indexOf('*')) : glob;
            if (!prefix.isEmpty()) {
                // The literal prefix as a range the (event_type COLLATE "C", id) index serves, whatever the plan.
                sql.append(" AND e.event_type COLLATE \"C\" >= ? AND e.event_type COLLATE \"C\" < ?");
                params.add(prefix);
                params.add(prefix + '\uffff');
            }
            sql.append(" AND e.event_type LIKE ? ESCAPE '\\'");
            params.add(likePattern(glob));
        });
        // One of our own constants, not the caller's text (received and failed are found through the
        // waiting queue and the dead letters, see STATUS_CONDITIONS).
        f.status().map(STATUS_CONDITIONS::get).ifPresent(sql::append);
        f.from().ifPresent(from -> {
            sql.append(" AND e.received_at >= ?");
            params.add(from);
        });
        f.to().ifPresent(to -> {
            sql.append(" AND e.received_at < ?");
            params.add(to);
        });
        f.q().ifPresent(q -> {
            sql.append(MATCHES_Q);
            params.add(q);
            params.add(q);
            params.add(q);
        });
        return sql.toString();
    }

    private static PreparedStatement prepare(Connection c, String sql, List<Object> params) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        for (int i = 0; i < params.size(); i++) {
            ps.setObject(i + 1, params.get(i));
        }
        return ps;
    }

    /** How many events a replay of this filter would send through the routes again (none still waiting). */
    public long countReplayable(Filter f) throws SQLException {
        List<Object> params = new ArrayList<>();
        String sql = "SELECT count(*) FROM webhook_events e WHERE e.status <> 'received'" + where(f, params);
        try (Connection c = pool.getConnection(); PreparedStatement ps = prepare(c, sql, params); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Puts every event matching the filter back in the inbox, oldest first, a batch per transaction (an open
     * dead letter of one is marked replayed with it); {@code progress} hears the running total after each batch.
     * Events still waiting are left as they are. Applying an event again changes nothing it already changed.
     */
    public long replay(Filter f, java.util.function.LongConsumer progress) throws SQLException {
        long total = 0;
        long after = 0;
        while (true) {
            List<Object> params = new ArrayList<>();
            String filter = where(f, params);
            params.add(after);
            String sql = "WITH batch AS (SELECT e.id FROM webhook_events e WHERE e.status <> 'received'" + filter
                    + " AND e.id > ? ORDER BY e.id LIMIT " + REPLAY_BATCH + " FOR UPDATE SKIP LOCKED)"
                    + ", back AS (UPDATE webhook_events w SET status = 'received', status_reason = NULL, processed_at = NULL"
                    + " FROM batch WHERE w.id = batch.id RETURNING w.id, w.object_key)"
                    + ", queued AS (INSERT INTO inbox_waiting (id, object_key) SELECT id, object_key FROM back ON CONFLICT DO NOTHING)"
                    + " SELECT id FROM back";
            List<Long> ids = com.monogateway.database.Transactions.inTransaction(pool, c -> {
                List<Long> replayed = new ArrayList<>();
                try (PreparedStatement ps = prepare(c, sql, params); ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        replayed.add(rs.getLong(1));
                    }
                }
                if (!replayed.isEmpty()) {
                    try (PreparedStatement ps = c.prepareStatement(
                            "UPDATE dead_letters SET status = 'replayed', resolved_at = now() WHERE status = 'open'"
                                    + " AND webhook_event_id = ANY (CAST(? AS bigint[]))")) {
                        ps.setArray(1, c.createArrayOf("bigint", replayed.toArray()));
                        ps.executeUpdate();
                    }
                }
                return replayed;
            });
            if (ids.isEmpty()) {
                return total;
            }
            total += ids.size();
            after = ids.stream().mapToLong(Long::longValue).max().orElseThrow();
            progress.accept(total);
        }
    }

    /** {@code *} matches any run of characters; everything else is literal (LIKE's own wildcards escaped). */
    static String likePattern(String glob) {
        StringBuilder like = new StringBuilder();
        for (char ch : glob.toCharArray()) {
            switch (ch) {
                case '*' -> like.append('%');
                case '%', '_', '\\' -> like.append('\\').append(ch);
                default -> like.append(ch);
            }
        }
        return like.toString();
    }

    /** One event and what became of it; empty when there is no such event. */
    public Optional<Map<String, Object>> event(long id) throws SQLException {
        try (Connection c = pool.getConnection()) {
            List<Map<String, Object>> rows = query(c, """
                    SELECT id, event_type, event_id, dedupe_key, object_key, reference, status, status_reason, source, live_mode,
                           received_at,
                           processed_at, attempts, last_error,
                           CAST(EXTRACT(EPOCH FROM processed_at - received_at) * 1000 AS bigint) AS processing_ms,
                           NULLIF(split_part(trace_parent, '-', 2), '') AS trace_id,
                           body
                    FROM webhook_events WHERE id = ?""", id);
            if (rows.isEmpty()) {
                return Optional.empty();
            }
            Map<String, Object> event = new LinkedHashMap<>(rows.get(0));
            String body = (String) event.remove("body");
            JsonNode payload = parse(body);
            event.put("payload", payload);
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("event", event);
            String type = (String) event.get("event_type");
            String objectKey = payload == null ? null : EventSubject.objectKey(type, MonoEnvelope.eventNode(payload));
            if (objectKey != null) {
                MonoFamily.ObjectKind kind = MonoFamily.objectKind(type);
                if (kind == MonoFamily.ObjectKind.PAYMENT) {
                    answer.put("payment", one(query(c, "SELECT * FROM payments WHERE id = ?", objectKey)));
                    answer.put("paymentHistory", query(c, """
                            SELECT inbox_event_id, event_type, status, status_at, amount, source, recorded_at
                            FROM payment_status_history WHERE payment_id = ? ORDER BY status_at, inbox_event_id""", objectKey));
                } else if (kind == MonoFamily.ObjectKind.MANDATE) {
                    answer.put("mandate", one(query(c, "SELECT * FROM mandates WHERE id = ?", objectKey)));
                    String debit = MonoFamily.of(type) == MonoFamily.MANDATE_DEBIT ? EventSubject.reference(type, MonoEnvelope.eventNode(payload)) : null;
                    if (debit != null) {
                        answer.put("debit", one(query(c, "SELECT * FROM mandate_debits WHERE reference_number = ?", debit)));
                    }
                } else if (kind == MonoFamily.ObjectKind.ACCOUNT) {
                    answer.put("account", one(query(c, "SELECT * FROM accounts WHERE id = ?", objectKey)));
                }
            }
            answer.put("deliveries", query(c, """
                    SELECT id, destination, status, held, attempts, last_error, created_at, delivered_at, discard_reason
                    FROM deliveries WHERE webhook_event_id = ? ORDER BY destination""", id));
            answer.put("deliveryAttempts", query(c, """
                    SELECT d.destination, a.delivery_id, a.attempt, a.failed_at, a.error
                    FROM deliveries d JOIN delivery_attempts a ON a.delivery_id = d.id
                    WHERE d.webhook_event_id = ? ORDER BY a.failed_at, a.delivery_id, a.attempt LIMIT 100""", id));
            answer.put("deadLetters", query(c, """
                    SELECT id, status, failing_route, exception_class, exception_message, attempts, first_failed_at, last_failed_at
                    FROM dead_letters WHERE webhook_event_id = ? ORDER BY id""", id));
            answer.put("alerts", query(c, """
                    SELECT id, kind, created_at, sent_at, attempts, last_error FROM alerts WHERE webhook_event_id = ? ORDER BY id""", id));
            return Optional.of(answer);
        }
    }

    /** The objects an operator can open: their table, by the id the events carry. */
    public enum ObjectKind {
        PAYMENT("payments"), MANDATE("mandates"), ACCOUNT("accounts");

        private final String table;

        ObjectKind(String table) {
            this.table = table;
        }
    }

    /** A payment, mandate or account and the events that shaped it, oldest first; empty when unknown. */
    public Optional<Map<String, Object>> object(ObjectKind kind, String id) throws SQLException {
        try (Connection c = pool.getConnection()) {
            // kind.table is one of three constants, never input.
            List<Map<String, Object>> rows = query(c, "SELECT * FROM " + kind.table + " WHERE id = ?", id);
            if (rows.isEmpty()) {
                return Optional.empty();
            }
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put(kind.name().toLowerCase(java.util.Locale.ROOT), rows.get(0));
            if (kind == ObjectKind.PAYMENT) {
                answer.put("history", query(c, """
                        SELECT inbox_event_id, event_type, status, status_at, amount, source, recorded_at
                        FROM payment_status_history WHERE payment_id = ? ORDER BY status_at, inbox_event_id""", id));
            }
            answer.put("events", query(c, """
                    SELECT id, event_type, dedupe_key, status, status_reason, source, received_at, processed_at
                    FROM webhook_events WHERE object_key = ? ORDER BY id""", id));
            return Optional.of(answer);
        }
    }

    /**
     * The console's header: events by status in the last day, the backlog, open dead letters, and each
     * destination's waiting, held and dead deliveries. Every figure comes from a small index range.
     */
    public Map<String, Object> overview() throws SQLException {
        Map<String, Object> answer = new LinkedHashMap<>();
        try (Connection c = pool.getConnection()) {
            Map<String, Long> lastDay = new LinkedHashMap<>();
            STATUSES.forEach(status -> lastDay.put(status, 0L));
            for (var row : query(c, """
                    SELECT status, count(*) AS n FROM webhook_events
                    WHERE received_at > now() - CAST(? AS interval) GROUP BY status""", "1 day")) {
                lastDay.put((String) row.get("status"), ((Number) row.get("n")).longValue());
            }
            answer.put("eventsLastDay", lastDay);
            answer.put("waiting", one(query(c, """
                    SELECT count(*) AS events, CAST(EXTRACT(EPOCH FROM now() - min(w.received_at)) AS bigint) AS oldest_seconds
                    FROM inbox_waiting q JOIN webhook_events w ON w.id = q.id WHERE w.status = ?""", "received")));
            answer.put("openDeadLetters", one(query(c, "SELECT count(*) AS n FROM dead_letters WHERE status = ?", "open")).get("n"));
            Map<String, Map<String, Object>> byDestination = new LinkedHashMap<>();
            for (String name : destinations) {
                byDestination.put(name, new LinkedHashMap<>(Map.of("destination", name, "pending", 0L, "held", 0L, "dead", 0L)));
            }
            for (var row : query(c, """
                    SELECT destination, count(*) FILTER (WHERE status = 'pending' AND NOT held) AS pending,
                           count(*) FILTER (WHERE status = 'pending' AND held) AS held, count(*) FILTER (WHERE status = 'dead') AS dead
                    FROM deliveries WHERE status IN (?, 'dead') GROUP BY destination ORDER BY destination""", "pending")) {
                byDestination.put((String) row.get("destination"), row); // a destination since removed from the settings too
            }
            answer.put("destinations", List.copyOf(byDestination.values()));
        }
        return answer;
    }

    /** A chart's span and the width of its bars. */
    public enum Window {
        HOUR("1 hour", 3_600, 60), DAY("24 hours", 86_400, 900);

        final String span;
        final int seconds;
        final int bucketSeconds;

        Window(String span, int seconds, int bucketSeconds) {
            this.span = span;
            this.seconds = seconds;
            this.bucketSeconds = bucketSeconds;
        }
    }

    // Bars start on whole buckets (date_bin from a fixed origin) so that two refreshes draw the same bars.
    private static final String EVENTS_BY_BUCKET = """
            SELECT date_bin(CAST(? AS interval), received_at, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS at,
                   count(*) FILTER (WHERE status = 'processed') AS processed, count(*) FILTER (WHERE status = 'ignored') AS ignored,
                   count(*) FILTER (WHERE status = 'failed') AS failed, count(*) FILTER (WHERE status = 'received') AS waiting,
                   CAST(round(max(EXTRACT(EPOCH FROM processed_at - received_at)) * 1000) AS bigint) AS lag_max_ms
            FROM webhook_events WHERE received_at > now() - CAST(? AS interval)
            GROUP BY 1 ORDER BY 1""";
    private static final String DELIVERED_BY_BUCKET = """
            SELECT destination, date_bin(CAST(? AS interval), delivered_at, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS at,
                   count(*) AS delivered
            FROM deliveries WHERE status = 'delivered' AND delivered_at > now() - CAST(? AS interval)
            GROUP BY 1, 2 ORDER BY 1, 2""";

    /**
     * The landing page's charts: events received per bucket by what became of them, the slowest processing in each,
     * and each destination's deliveries per bucket; both from one index range over the window.
     */
    public Map<String, Object> activity(Window window) throws SQLException {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("window", window.span);
        answer.put("windowSeconds", window.seconds);
        answer.put("bucketSeconds", window.bucketSeconds);
        String bucket = window.bucketSeconds + " seconds";
        try (Connection c = pool.getConnection()) {
            answer.put("now", one(query(c, "SELECT now() AS now")).get("now"));
            answer.put("events", query(c, EVENTS_BY_BUCKET, bucket, window.span));
            Map<String, List<Map<String, Object>>> delivered = new LinkedHashMap<>();
            destinations.forEach(name -> delivered.put(name, new ArrayList<>()));
            for (var row : query(c, DELIVERED_BY_BUCKET, bucket, window.span)) {
                delivered.computeIfAbsent((String) row.remove("destination"), d -> new ArrayList<>()).add(row);
            }
            answer.put("delivered", delivered);
        }
        return answer;
    }

    private JsonNode parse(String body) {
        try {
            return body == null ? null : mapper.readTree(body);
        } catch (Exception e) {
            return null; // shown as stored, without the object it shaped
        }
    }

    private static Map<String, Object> one(List<Map<String, Object>> rows) {
        return rows.isEmpty() ? null : rows.get(0);
    }

    private static List<Map<String, Object>> query(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return Rows.all(rs);
            }
        }
    }
}
