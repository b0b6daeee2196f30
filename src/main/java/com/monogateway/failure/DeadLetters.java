package com.monogateway.failure;

import com.fasterxml.jackson.databind.JsonNode;
import com.monogateway.alerts.AlertDetails;
import com.monogateway.alerts.AlertQueue;
import com.monogateway.database.Rows;
import com.monogateway.database.Transactions;
import com.monogateway.database.TransientFailures;
import com.monogateway.event.EventSet;
import com.monogateway.vocabulary.Vocabulary;
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
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dead-letter store: where the Dead Letter Channel puts an event after its last attempt, and
 * where an operator replays or discards it. A replayed event goes back to {@code received} in the
 * inbox and through the normal routes again.
 */
public final class DeadLetters {

    /** Exchange property: the dead letter recorded for a failed event. */
    public static final String DEAD_LETTER_ID = "MonoDeadLetterId";

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);

    private static final String RECORD = """
            INSERT INTO dead_letters (webhook_event_id, event_type, payload, failing_route, exception_class, exception_message, attempts)
            VALUES (?, ?, CAST(? AS jsonb), ?, ?, ?, ?)
            ON CONFLICT (webhook_event_id) WHERE status = 'open' DO UPDATE SET
              attempts = dead_letters.attempts + EXCLUDED.attempts, last_failed_at = now(),
              failing_route = EXCLUDED.failing_route, exception_class = EXCLUDED.exception_class,
              exception_message = EXCLUDED.exception_message
            RETURNING id, (xmax = 0) AS created""";

    private static final String LIST = """
            SELECT id, webhook_event_id, event_type, failing_route, exception_class, exception_message, attempts,
                   first_failed_at, last_failed_at, status, resolved_at, discard_reason
            FROM dead_letters
            WHERE status = ?
              AND (CAST(? AS text) IS NULL OR event_type = ?)
              AND (CAST(? AS timestamptz) IS NULL OR first_failed_at >= ?)
              AND (CAST(? AS timestamptz) IS NULL OR first_failed_at < ?)
            ORDER BY id
            LIMIT ?""";

    private static final String REPLAY_ONE = """
            UPDATE dead_letters SET status = 'replayed', resolved_at = now()
            WHERE id = ? AND status = 'open'
            RETURNING webhook_event_id""";

    private static final String REPLAY_MATCHING = """
            UPDATE dead_letters SET status = 'replayed', resolved_at = now()
            WHERE status = 'open'
              AND (CAST(? AS text) IS NULL OR event_type = ?)
              AND (CAST(? AS timestamptz) IS NULL OR first_failed_at >= ?)
              AND (CAST(? AS timestamptz) IS NULL OR first_failed_at < ?)
            RETURNING webhook_event_id""";

    private static final String BACK_TO_INBOX = """
            WITH back AS (
              UPDATE webhook_events SET status = 'received', status_reason = NULL, processed_at = NULL
              WHERE id = ? RETURNING id, object_key)
            INSERT INTO inbox_waiting (id, object_key) SELECT id, object_key FROM back ON CONFLICT DO NOTHING""";

    private static final String DISCARD = """
            UPDATE dead_letters SET status = 'discarded', resolved_at = now(), discard_reason = ?
            WHERE id = ? AND status = 'open'""";

    private static final String STATUS = "SELECT status FROM dead_letters WHERE id = ?";

    /**
     * An event that cannot be processed: the stored row it came from, the event as parsed (null when it
     * could not be read), where it failed, why, and after how many attempts.
     */
    public record Failure(long inboxId, String eventType, String dedupeKey, String payload, JsonNode event, String failingRoute,
            Throwable cause, int attempts) {
    }

    /** How a request about one dead letter ended. */
    public enum Result { DONE, NOT_FOUND, NOT_OPEN }

    private final DataSource dataSource;
    private final AlertQueue alerts;
    private final int maxAttempts;

    public DeadLetters(DataSource dataSource, AlertQueue alerts, int maxAttempts) {
        this.dataSource = dataSource;
        this.alerts = alerts;
        this.maxAttempts = maxAttempts;
    }

    /**
     * The Dead Letter Channel's last step. An event that failed because the database was away is not
     * dead-lettered: the inbox keeps it and the sweep retries it. Anything else is recorded, with an
     * alert, and the inbox marks the event failed.
     */
    public void record(Exchange exchange) throws SQLException {
        Exception cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        if (cause == null || TransientFailures.isTransient(cause)) {
            return;
        }
        Exchange event = EventSet.only(exchange); // what is dead-lettered is always a set of one
        var in = event.getIn();
        // The route whose error handler gave up, and the step of it that failed (the YAML router, the forward...).
        String route = exchange.getProperty(Exchange.FAILURE_ROUTE_ID, String.class)
                + " via " + exchange.getProperty(Exchange.FAILURE_ENDPOINT, String.class);
        long id = record(new Failure(in.getHeader(Vocabulary.INBOX_ID, Long.class),
                in.getHeader(Vocabulary.EVENT_TYPE, String.class), in.getHeader(Vocabulary.DEDUPE_KEY, String.class),
                event.getProperty(Vocabulary.PAYLOAD, String.class), event.getProperty(Vocabulary.EVENT_JSON, JsonNode.class),
                route, cause, maxAttempts));
        // Only once committed: the inbox marks the event failed because this row exists.
        exchange.setProperty(DEAD_LETTER_ID, id);
    }

    /**
     * Records a failed event and queues its alert (once per dead letter), committed when this returns;
     * answers the dead letter's id. Every event that cannot be processed comes here, whether the routes
     * failed on it or it could not even be read.
     */
    public long record(Failure failure) throws SQLException {
        String reason = TransientFailures.describe(failure.cause());
        long id = Transactions.inTransaction(dataSource, c -> {
            long deadLetter;
            boolean created;
            try (PreparedStatement ps = c.prepareStatement(RECORD)) {
                ps.setLong(1, failure.inboxId());
                ps.setString(2, failure.eventType());
                ps.setString(3, failure.payload());
                ps.setString(4, failure.failingRoute());
                ps.setString(5, failure.cause().getClass().getName());
                ps.setString(6, reason);
                ps.setInt(7, failure.attempts());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    deadLetter = rs.getLong(1);
                    created = rs.getBoolean(2);
                }
            }
            if (created) {
                Map<String, String> details = new LinkedHashMap<>(
                        AlertDetails.of(failure.eventType(), failure.inboxId(), failure.dedupeKey(), failure.event()));
                details.put("deadLetterId", Long.toString(deadLetter));
                details.put("failingRoute", failure.failingRoute());
                details.put("attempts", Integer.toString(failure.attempts()));
                details.put("reason", reason);
                alerts.queueDeadLetterAlert(c, failure.eventType(), failure.inboxId(), deadLetter, details);
            }
            return deadLetter;
        });
        LOG.info("Dead letter #{} holds {} event {} (#{}) after {} attempt(s)", id, failure.eventType(), failure.dedupeKey(),
                failure.inboxId(), failure.attempts());
        return id;
    }

    public List<Map<String, Object>> list(String status, Optional<String> eventType, Optional<OffsetDateTime> from,
            Optional<OffsetDateTime> to, int limit) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(LIST)) {
            ps.setString(1, status);
            int next = bindFilters(ps, 2, eventType, from, to);
            ps.setInt(next, limit);
            try (ResultSet rs = ps.executeQuery()) {
                return Rows.all(rs);
            }
        }
    }

    /** Replays one open dead letter; answers the inbox id to process again, if it was open. */
    public Result replay(long id, List<Long> inboxIds) throws SQLException {
        return Transactions.inTransaction(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement(REPLAY_ONE)) {
                ps.setLong(1, id);
                List<Long> events = backToInbox(c, ps);
                if (events.isEmpty()) {
                    return status(c, id).isEmpty() ? Result.NOT_FOUND : Result.NOT_OPEN;
                }
                inboxIds.addAll(events);
                return Result.DONE;
            }
        });
    }

    /** Replays every open dead letter of a type and/or failure-time range; answers the inbox ids. */
    public List<Long> replayMatching(Optional<String> eventType, Optional<OffsetDateTime> from, Optional<OffsetDateTime> to)
            throws SQLException {
        return Transactions.inTransaction(dataSource, c -> {
            try (PreparedStatement ps = c.prepareStatement(REPLAY_MATCHING)) {
                bindFilters(ps, 1, eventType, from, to);
                return backToInbox(c, ps);
            }
        });
    }

    public Result discard(long id, String reason) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(DISCARD)) {
            ps.setString(1, reason);
            ps.setLong(2, id);
            if (ps.executeUpdate() == 1) {
                LOG.info("Dead letter #{} discarded: {}", id, reason);
                return Result.DONE;
            }
            return status(c, id).isEmpty() ? Result.NOT_FOUND : Result.NOT_OPEN;
        }
    }

    private static List<Long> backToInbox(Connection c, PreparedStatement replay) throws SQLException {
        List<Long> events = new ArrayList<>();
        try (ResultSet rs = replay.executeQuery()) {
            while (rs.next()) {
                events.add(rs.getLong(1));
            }
        }
        try (PreparedStatement back = c.prepareStatement(BACK_TO_INBOX)) {
            for (long event : events) {
                back.setLong(1, event);
                back.addBatch();
            }
            back.executeBatch();
        }
        return events;
    }

    private static int bindFilters(PreparedStatement ps, int index, Optional<String> eventType, Optional<OffsetDateTime> from,
            Optional<OffsetDateTime> to) throws SQLException {
        ps.setString(index, eventType.orElse(null));
        ps.setString(index + 1, eventType.orElse(null));
        ps.setObject(index + 2, from.orElse(null));
        ps.setObject(index + 3, from.orElse(null));
        ps.setObject(index + 4, to.orElse(null));
        ps.setObject(index + 5, to.orElse(null));
        return index + 6;
    }

    private static Optional<String> status(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(STATUS)) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }
}
