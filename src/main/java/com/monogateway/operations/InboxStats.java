package com.monogateway.operations;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import javax.sql.DataSource;

/**
 * What is waiting in the database: the inbox backlog and its oldest event, open dead letters and
 * queued alerts. Refreshed periodically for the metrics gauges, and on demand by the health check.
 */
public final class InboxStats {

    private static final String QUERY = """
            SELECT (SELECT count(*) FROM webhook_events WHERE status = 'received'),
                   (SELECT min(received_at) FROM webhook_events WHERE status = 'received'),
                   (SELECT count(*) FROM dead_letters WHERE status = 'open'),
                   (SELECT count(*) FROM alerts WHERE sent_at IS NULL)""";

    private final DataSource dataSource;
    private volatile long backlog;
    private volatile OffsetDateTime oldest;
    private volatile long openDeadLetters;
    private volatile long queuedAlerts;

    public InboxStats(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public void refresh() throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(QUERY);
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            backlog = rs.getLong(1);
            oldest = rs.getObject(2, OffsetDateTime.class);
            openDeadLetters = rs.getLong(3);
            queuedAlerts = rs.getLong(4);
        }
    }

    public long backlog() {
        return backlog;
    }

    public double oldestAgeSeconds() {
        OffsetDateTime t = oldest;
        return t == null ? 0 : Math.max(0, Duration.between(t, OffsetDateTime.now()).toMillis() / 1000.0);
    }

    public long openDeadLetters() {
        return openDeadLetters;
    }

    public long queuedAlerts() {
        return queuedAlerts;
    }
}
