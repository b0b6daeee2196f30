package com.monogateway.database;

import com.monogateway.config.SettingsException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits at start for an external PostgreSQL that cannot be reached yet (it may be starting alongside the
 * gateway), up to {@code mono.db.startup-wait}. A server that answers but refuses the login or has no such
 * database is not waited for: that is a setting to fix, and waiting would only hide it.
 */
final class DatabaseStartupWait {

    private static final Logger LOG = LoggerFactory.getLogger(DatabaseStartupWait.class);
    private static final long RETRY_EVERY_MS = 1_000;
    private static final long LOG_EVERY_MS = 5_000;
    /** invalid_password, invalid_authorization_specification (unknown role, no pg_hba entry), invalid_catalog_name. */
    private static final Set<String> REFUSED = Set.of("28P01", "28000", "3D000");

    private DatabaseStartupWait() {
    }

    /**
     * Returns once a connection succeeds; throws a {@link SettingsException} (the gateway exits with its
     * message) when the login is refused, or the server is still unreachable after {@code waitMs}.
     */
    static void untilReachable(String url, String where, String user, String password, long waitMs, int connectTimeoutMs) {
        Properties login = new Properties();
        login.setProperty("user", user);
        if (!password.isEmpty()) {
            login.setProperty("password", password);
        }
        String seconds = Integer.toString((int) Math.max(1, TimeUnit.MILLISECONDS.toSeconds(connectTimeoutMs)));
        login.setProperty("connectTimeout", seconds);
        login.setProperty("loginTimeout", seconds);
        login.setProperty("ApplicationName", GatewayDatabase.APPLICATION_NAME);
        long start = System.nanoTime();
        long nextLog = 0;
        while (true) {
            try (Connection ignored = DriverManager.getConnection(url, login)) {
                if (nextLog > 0) {
                    LOG.info("PostgreSQL at {} is reachable after {} s", where, elapsedMs(start) / 1_000);
                }
                return;
            } catch (SQLException e) {
                String reason = reason(e);
                if (REFUSED.contains(e.getSQLState())) {
                    throw new SettingsException("PostgreSQL at " + where + " refused the gateway"
                            + ("3D000".equals(e.getSQLState()) ? " (check the database name in mono.db.url): "
                                    : " (check mono.db.username and mono.db.password): ") + reason);
                }
                long elapsed = elapsedMs(start);
                if (elapsed >= waitMs) {
                    throw new SettingsException("PostgreSQL at " + where + " cannot be reached"
                            + (waitMs == 0 ? "" : " after waiting " + duration(waitMs) + " (mono.db.startup-wait)") + ": " + reason);
                }
                if (elapsed >= nextLog) {
                    LOG.warn("Waiting for PostgreSQL at {} ({}s of {}): {}", where, elapsed / 1_000, duration(waitMs), reason);
                    nextLog = elapsed + LOG_EVERY_MS;
                }
                sleep(Math.min(RETRY_EVERY_MS, waitMs - elapsed));
            }
        }
    }

    private static long elapsedMs(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    /** As mono.db.startup-wait is written: 60s, or 500ms. */
    private static String duration(long ms) {
        return ms % 1_000 == 0 ? ms / 1_000 + "s" : ms + "ms";
    }

    /** The driver's message, which names host and port (or the server's own words) and never a password. */
    private static String reason(SQLException e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message.strip();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(Math.max(1, ms));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SettingsException("interrupted while waiting for PostgreSQL");
        }
    }
}
