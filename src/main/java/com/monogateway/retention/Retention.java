package com.monogateway.retention;

import com.monogateway.database.Transactions;
import com.monogateway.database.TransientFailures;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.camel.builder.endpoint.EndpointRouteBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes inbox rows older than {@code mono.retention.events}, with their delivered or discarded
 * deliveries, sent alerts and closed dead letters, and old rejected bodies: a batch per transaction, off
 * the request path, on a timer. Never an event still waiting or failed, nor one with an open dead letter,
 * a delivery still to make (pending or dead) or an alert not sent yet. Payments, mandates, accounts and
 * their history are kept.
 */
public final class Retention extends EndpointRouteBuilder {

    private static final Logger LOG = LoggerFactory.getLogger(Retention.class);
    private static final int BATCH = 1_000;

    private static final String LOCK = "SELECT pg_try_advisory_xact_lock(hashtext('mono-retention'))";
    private static final String DOOMED = """
            SELECT e.id FROM webhook_events e
            WHERE e.received_at < now() - CAST(? AS interval) AND e.status IN ('processed', 'ignored')
              AND NOT EXISTS (SELECT 1 FROM dead_letters d WHERE d.webhook_event_id = e.id AND d.status = 'open')
              AND NOT EXISTS (SELECT 1 FROM deliveries v WHERE v.webhook_event_id = e.id AND v.status IN ('pending', 'dead'))
              AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.webhook_event_id = e.id AND a.sent_at IS NULL)
            ORDER BY e.received_at LIMIT ? FOR UPDATE SKIP LOCKED""";
    /** Children first: alerts name deliveries and dead letters, all of them name the event. */
    private static final List<String> DELETES = List.of(
            "alerts:DELETE FROM alerts WHERE webhook_event_id = ANY (?)",
            "deliveries:DELETE FROM deliveries WHERE webhook_event_id = ANY (?)",
            "dead_letters:DELETE FROM dead_letters WHERE webhook_event_id = ANY (?)",
            "webhook_events:DELETE FROM webhook_events WHERE id = ANY (?)");
    private static final String REJECTED = """
            DELETE FROM rejected_events WHERE id IN (
              SELECT id FROM rejected_events WHERE received_at < now() - CAST(? AS interval) ORDER BY id LIMIT ?)""";

    private final DataSource pool;
    private final long keepMs;
    private final long intervalMs;
    private final MeterRegistry registry;

    /** @param keepMs how long events are kept; 0 keeps them for good (no timer at all) */
    public Retention(DataSource pool, long keepMs, long intervalMs, MeterRegistry registry) {
        this.pool = pool;
        this.keepMs = keepMs;
        this.intervalMs = intervalMs;
        this.registry = registry;
    }

    @Override
    public void configure() {
        if (keepMs == 0) {
            return;
        }
        from(timer("mono-retention").delay(intervalMs).period(intervalMs)).routeId("mono-retention")
                .process(exchange -> {
                    try {
                        run();
                    } catch (SQLException e) {
                        LOG.warn("Retention stopped for now ({}); it goes on at the next run", TransientFailures.describe(e));
                    }
                });
    }

    /** Deletes every row past retention, a batch at a time; answers the rows deleted per table. */
    Map<String, Long> run() throws SQLException {
        Map<String, Long> total = new LinkedHashMap<>();
        String keep = keepMs + " milliseconds";
        while (getContext().getStatus().isStarted()) {
            Map<String, Long> batch = Transactions.inTransaction(pool, c -> deleteBatch(c, keep));
            if (batch == null || batch.isEmpty()) {
                break;
            }
            batch.forEach((table, n) -> total.merge(table, n, Long::sum));
            LOG.info("Retention: {} inbox event(s) older than {} deleted so far, with {} delivery(ies), {} alert(s), {} dead letter(s)",
                    total.getOrDefault("webhook_events", 0L), age(), total.getOrDefault("deliveries", 0L),
                    total.getOrDefault("alerts", 0L), total.getOrDefault("dead_letters", 0L));
        }
        long rejected;
        do {
            try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(REJECTED)) {
                ps.setString(1, keep);
                ps.setInt(2, BATCH);
                rejected = ps.executeUpdate();
            }
            count("rejected_events", rejected);
            total.merge("rejected_events", rejected, Long::sum);
        } while (rejected == BATCH && getContext().getStatus().isStarted());
        return total;
    }

    /** One batch in one transaction; null when another instance is deleting right now, empty when nothing is due. */
    private Map<String, Long> deleteBatch(Connection c, String keep) throws SQLException {
        try (PreparedStatement lock = c.prepareStatement(LOCK); ResultSet rs = lock.executeQuery()) {
            if (!rs.next() || !rs.getBoolean(1)) {
                return null;
            }
        }
        List<Long> ids = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(DOOMED)) {
            ps.setString(1, keep);
            ps.setInt(2, BATCH);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                }
            }
        }
        Map<String, Long> deleted = new LinkedHashMap<>();
        if (ids.isEmpty()) {
            return deleted;
        }
        Array array = c.createArrayOf("bigint", ids.toArray());
        for (String delete : DELETES) {
            String table = delete.substring(0, delete.indexOf(':'));
            try (PreparedStatement ps = c.prepareStatement(delete.substring(table.length() + 1))) {
                ps.setArray(1, array);
                long n = ps.executeUpdate();
                deleted.put(table, n);
                count(table, n);
            }
        }
        return deleted;
    }

    /** mono.retention.events as an operator wrote it, more or less: 90d, 36h, 45m, 30s. */
    private String age() {
        long[] units = {86_400_000, 3_600_000, 60_000, 1_000};
        String[] names = {"d", "h", "m", "s"};
        for (int i = 0; i < units.length; i++) {
            if (keepMs % units[i] == 0) {
                return keepMs / units[i] + names[i];
            }
        }
        return keepMs + "ms";
    }

    private void count(String table, long n) {
        if (n > 0) {
            Counter.builder("mono.retention.deleted").description("Rows deleted by retention (mono.retention.events)")
                    .tag("table", table).register(registry).increment(n);
        }
    }
}
