package com.monogateway.operations;

import java.sql.Connection;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * The gateway's readiness checks, next to Camel's own (context, routes): the database answers, the
 * gateway is not shutting down, and what waits in the inbox. Liveness is left to Camel's context
 * check, so a database outage takes the gateway out of the load balancer without restarting it.
 */
public final class GatewayHealthChecks {

    private GatewayHealthChecks() {
    }

    /** @param draining true once a shutdown has begun (ingest's gate): the webhook port then refuses new work */
    public static List<HealthCheck> all(DataSource dataSource, String databaseDescription, InboxStats stats,
            java.util.function.BooleanSupplier draining) {
        return List.of(new Database(dataSource, databaseDescription), new Inbox(stats), new Accepting(draining));
    }

    private abstract static class ReadinessCheck extends AbstractHealthCheck {
        ReadinessCheck(String id) {
            super("mono", id);
        }

        @Override
        public boolean isLiveness() {
            return false;
        }
    }

    /** DOWN while PostgreSQL cannot be reached: webhooks would get 503. */
    static final class Database extends ReadinessCheck {
        private final DataSource dataSource;
        private final String description;

        Database(DataSource dataSource, String description) {
            super("database");
            this.dataSource = dataSource;
            this.description = description;
        }

        @Override
        protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            builder.detail("database", description);
            try (Connection c = dataSource.getConnection()) {
                if (c.isValid(2)) {
                    builder.up();
                } else {
                    builder.message("PostgreSQL did not answer").down();
                }
            } catch (Exception e) {
                builder.message("PostgreSQL cannot be reached: " + e.getMessage()).down();
            }
        }
    }

    /** Reports the backlog and the open dead letters; DOWN only when they cannot be read. */
    static final class Inbox extends ReadinessCheck {
        private final InboxStats stats;

        Inbox(InboxStats stats) {
            super("inbox");
            this.stats = stats;
        }

        @Override
        protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            try {
                stats.refresh();
                builder.detail("backlog", stats.backlog())
                        .detail("oldest_waiting_seconds", Math.round(stats.oldestAgeSeconds()))
                        .detail("open_dead_letters", stats.openDeadLetters())
                        .detail("queued_alerts", stats.queuedAlerts())
                        .up();
            } catch (Exception e) {
                builder.message("cannot read the inbox: " + e.getMessage()).down();
            }
        }
    }

    /** DOWN once a shutdown has begun, so the load balancer stops sending before the port closes. */
    static final class Accepting extends ReadinessCheck {
        private final java.util.function.BooleanSupplier draining;

        Accepting(java.util.function.BooleanSupplier draining) {
            super("accepting-webhooks");
            this.draining = draining;
        }

        @Override
        protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            if (draining.getAsBoolean()) {
                builder.message("shutting down").down();
            } else {
                builder.up();
            }
        }
    }
}
