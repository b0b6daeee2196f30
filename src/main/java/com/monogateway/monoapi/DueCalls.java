package com.monogateway.monoapi;

import com.monogateway.config.Backoff;
import com.monogateway.config.GatewaySettings;
import com.monogateway.database.Transactions;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * What payment checks and account fetches share: taking the due rows of their table under a lease (so
 * no database lock is held while Mono answers, and a crashed instance's rows come back), and the wait
 * before the next try.
 */
final class DueCalls {

    /** Rows taken at a time. */
    static final int BATCH = 10;

    /**
     * One due row: its id, how many calls for it failed in a row, and the trace of the event that asked for the call
     * (null: tracing was off), which the call continues.
     */
    record Due(String id, int failures, String traceparent) {
    }

    private DueCalls() {
    }

    /**
     * Leases the due rows: {@code claimSql} takes the batch size and the lease as an interval, and returns
     * the id, the failure count and the asking event's traceparent of each row it leased.
     */
    static List<Due> claim(DataSource pool, String claimSql, GatewaySettings.MonoApi settings) throws SQLException {
        // Long enough for every call of the batch to time out, and then some.
        long leaseMs = BATCH * (settings.connectTimeoutMs() + settings.readTimeoutMs()) + 60_000;
        return Transactions.inTransaction(pool, c -> {
            List<Due> due = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(claimSql)) {
                ps.setInt(1, BATCH);
                ps.setString(2, leaseMs + " milliseconds");
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        due.add(new Due(rs.getString(1), rs.getInt(2), rs.getString(3)));
                    }
                }
            }
            return due;
        });
    }

    /** Mono's own wait (429 Retry-After) when it gave one, else the back-off doubling with each failure. */
    static long waitMs(GatewaySettings.MonoApi settings, int failures, long retryAfterMs) {
        return retryAfterMs > 0 ? retryAfterMs
                : Backoff.doubling(settings.initialBackoffMs(), settings.maxBackoffMs(), failures);
    }
}
