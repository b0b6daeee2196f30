package com.monogateway.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.monogateway.config.GatewaySettings.Destination;
import com.monogateway.database.GatewayDatabase;
import com.monogateway.database.Rows;
import com.monogateway.database.Transactions;
import com.monogateway.ingest.EventSubject;
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
public final class DeliveryStore {

    /** One claimed delivery with what its send needs. */
    public record Claimed(long id, long inboxId, String eventType, String eventId, String dedupeKey, String objectKey,
            String body, int attempts, OffsetDateTime createdAt) {
    }

    private static final String ENQUEUE = """
            INSERT INTO deliveries (webhook_event_id, destination, object_key, held)
            SELECT ?, d, ?, ? FROM unnest(CAST(? AS text[])) AS d
            ON CONFLICT (webhook_event_id, destination) DO NOTHING""";

    // Serialises claims per destination across gateway instances; the lock ends with the claim's transaction.
    private static final String CLAIM_LOCK = "SELECT pg_try_advisory_xact_lock(hashtext('mono-deliveries'), hashtext(?))";

    // The head of the destination's queue, in (created_at, id) order: created_at is the queuing transaction's
    // start. Only rows older than every gateway transaction still writing are taken: such a transaction may
    // yet commit deliveries, and they would sort before anything it started after; so what is sent is a
    // prefix that can no longer change. (Ids alone would not do: concurrent workers commit out of id order.)
    // Rows leased by another instance, or waiting out a back-off, stop the claim there: nothing overtakes them.
    // Settling checks status = 'pending': an operator's discard of a row in flight stands.
    private static final String HEAD = """
            WITH horizon AS (
              SELECT COALESCE(min(xact_start), 'infinity') AS t FROM pg_stat_activity
              WHERE datname = current_database() AND application_name = ? AND backend_xid IS NOT NULL
                AND pid <> pg_backend_pid()
            )
            SELECT d.id, d.webhook_event_id, e.event_type, e.event_id, e.dedupe_key, d.object_key,
                   COALESCE(e.body, e.payload::text), d.attempts, d.created_at,
                   d.lease_until > now() AS leased, d.next_attempt_at > now() AS backing_off
            FROM deliveries d JOIN webhook_events e ON e.id = d.webhook_event_id, horizon
            WHERE d.destination = ? AND d.status = 'pending' AND d.created_at < horizon.t
              -- A payment's delivery held for its verification holds back that payment's later ones, nothing else.
              AND NOT d.held
              AND NOT EXISTS (SELECT 1 FROM deliveries h
                              WHERE h.destination = d.destination AND h.status = 'pending' AND h.held
                                AND h.object_key = d.object_key AND (h.created_at, h.id) < (d.created_at, d.id))
            ORDER BY d.created_at, d.id
            LIMIT ?""";

    private static final String LEASE = "UPDATE deliveries SET lease_until = now() + CAST(? AS interval) WHERE id = ANY (CAST(? AS bigint[]))";
    private static final String DELIVERED = """
            UPDATE deliveries SET status = 'delivered', delivered_at = now(), attempts = attempts + 1, lease_until = NULL,
                   last_error = NULL
            WHERE id = ANY (CAST(? AS bigint[])) AND status = 'pending'""";
    private static final String RETRY_LATER = """
            UPDATE deliveries SET attempts = attempts + 1, last_error = ?, lease_until = NULL,
                   next_attempt_at = now() + CAST(? AS interval)
            WHERE id = ? AND status = 'pending'""";
    private static final String DEAD = """
            UPDATE deliveries SET status = 'dead', attempts = attempts + 1, last_error = ?, lease_until = NULL, resolved_at = now()
            WHERE id = ? AND status = 'pending'""";
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
    private final DataSource routesDataSource;
    private final List<Destination> destinations;

    /**
     * @param routesDataSource the data source whose connection, during processing, is the processing
     *                         transaction's: deliveries commit together with the event's domain rows
     */
    public DeliveryStore(DataSource pool, DataSource routesDataSource, List<Destination> destinations) {
        this.pool = pool;
        this.routesDataSource = routesDataSource;
        this.destinations = destinations;
    }

    /** Queues an applied event for every destination that takes its type, in the processing transaction. */
    public void enqueue(Exchange exchange) throws SQLException {
        String type = exchange.getIn().getHeader(Vocabulary.EVENT_TYPE, String.class);
        List<String> names = destinations.stream().filter(d -> d.takes(type)).map(Destination::name).toList();
        if (names.isEmpty()) {
            return;
        }
        long inboxId = exchange.getIn().getHeader(Vocabulary.INBOX_ID, Long.class);
        String objectKey = EventSubject.objectKey(type, exchange.getProperty(Vocabulary.EVENT_JSON, JsonNode.class));
        try (Connection c = routesDataSource.getConnection(); PreparedStatement ps = c.prepareStatement(ENQUEUE)) {
            ps.setLong(1, inboxId);
            ps.setString(2, objectKey);
            ps.setBoolean(3, exchange.getProperty(Vocabulary.HOLD_DELIVERIES, false, Boolean.class));
            ps.setArray(4, c.createArrayOf("text", names.toArray()));
            ps.executeUpdate();
        }
    }

    /**
     * Leases the oldest deliveries of a destination that are due, in order, up to {@code max}; empty when
     * the head is leased elsewhere, backing off, or another instance is claiming right now.
     */
    List<Claimed> claim(String destination, int max, long leaseMs) throws SQLException {
        return Transactions.inTransaction(pool, c -> {
            try (PreparedStatement lock = c.prepareStatement(CLAIM_LOCK)) {
                lock.setString(1, destination);
                try (ResultSet rs = lock.executeQuery()) {
                    if (!rs.next() || !rs.getBoolean(1)) {
                        return List.of();
                    }
                }
            }
            List<Claimed> claimed = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(HEAD)) {
                ps.setString(1, GatewayDatabase.APPLICATION_NAME);
                ps.setString(2, destination);
                ps.setInt(3, max);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next() && !rs.getBoolean(10) && !rs.getBoolean(11)) {
                        claimed.add(new Claimed(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getString(5),
                                rs.getString(6), rs.getString(7), rs.getInt(8), rs.getObject(9, OffsetDateTime.class)));
                    }
                }
            }
            if (!claimed.isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement(LEASE)) {
                    ps.setString(1, leaseMs + " milliseconds");
                    ps.setArray(2, c.createArrayOf("bigint", claimed.stream().map(Claimed::id).toArray()));
                    ps.executeUpdate();
                }
            }
            return claimed;
        });
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
