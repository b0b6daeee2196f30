package com.monogateway.monoapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.monogateway.config.GatewaySettings;
import com.monogateway.database.Transactions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Once per {@code mono.reconcile.sweep-interval}: reads Mono's payment list for the last
 * {@code mono.reconcile.sweep-days} days, page by page, and records every payment the gateway never heard
 * of (its webhooks never came) as an event of source {@code reconciliation}. One instance sweeps at a time;
 * table {@code reconcile_sweeps} remembers when, so a restart does not sweep again.
 */
final class PaymentSweep {

    private static final Logger LOG = LoggerFactory.getLogger(PaymentSweep.class);
    private static final DateTimeFormatter MONO_DAY = DateTimeFormatter.ofPattern("dd-MM-yyyy");
    /** Guards against a paging answer that never ends. */
    private static final int MAX_PAGES = 10_000;

    private static final String LOCK = "SELECT pg_try_advisory_xact_lock(hashtext('mono-payment-sweep'))";
    // Due when no sweep finished within the interval, none is under way (one that has run for 6 hours counts as
    // crashed), and none failed within the back-off.
    private static final String DUE = """
            SELECT NOT EXISTS (SELECT 1 FROM reconcile_sweeps WHERE error IS NULL AND finished_at > now() - CAST(? AS interval))
               AND NOT EXISTS (SELECT 1 FROM reconcile_sweeps WHERE finished_at IS NULL AND started_at > now() - interval '6 hours')
               AND NOT EXISTS (SELECT 1 FROM reconcile_sweeps WHERE error IS NOT NULL AND started_at > now() - CAST(? AS interval))""";
    private static final String START = """
            INSERT INTO reconcile_sweeps (window_start, window_end) VALUES (?, ?) RETURNING id""";
    private static final String PROGRESS = "UPDATE reconcile_sweeps SET pages = ?, payments_seen = ?, payments_new = ? WHERE id = ?";
    private static final String FINISH = "UPDATE reconcile_sweeps SET finished_at = now(), error = ? WHERE id = ?";
    private static final String KNOWN = "SELECT 1 FROM payments WHERE id = ?";

    private final DataSource pool;
    private final MonoApiClient api;
    private final GatewaySettings.MonoApi settings;
    private final ApiEvents events;
    private final MonoApiMetrics metrics;

    PaymentSweep(DataSource pool, MonoApiClient api, GatewaySettings.MonoApi settings, ApiEvents events, MonoApiMetrics metrics) {
        this.pool = pool;
        this.api = api;
        this.settings = settings;
        this.events = events;
        this.metrics = metrics;
    }

    /** Sweeps if one is due and no other instance is sweeping; answers how many unknown payments it recorded. */
    int runIfDue(java.util.function.BooleanSupplier running) throws SQLException {
        LocalDate end = LocalDate.now(ZoneOffset.UTC);
        LocalDate start = end.minusDays(settings.sweepDays());
        Long sweep = Transactions.inTransaction(pool, c -> {
            try (PreparedStatement lock = c.prepareStatement(LOCK); ResultSet rs = lock.executeQuery()) {
                if (!rs.next() || !rs.getBoolean(1)) {
                    return null;
                }
            }
            try (PreparedStatement due = c.prepareStatement(DUE)) {
                due.setString(1, settings.sweepIntervalMs() + " milliseconds");
                due.setString(2, settings.initialBackoffMs() + " milliseconds");
                try (ResultSet rs = due.executeQuery()) {
                    if (!rs.next() || !rs.getBoolean(1)) {
                        return null;
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement(START)) {
                ps.setObject(1, start);
                ps.setObject(2, end);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
        if (sweep == null) {
            return 0;
        }
        LOG.info("Sweeping Mono's payment list from {} to {} for payments without a webhook (sweep #{})", start, end, sweep);
        int page = 1;
        int seen = 0;
        int added = 0;
        String error = null;
        try {
            while (running.getAsBoolean() && page <= MAX_PAGES) {
                JsonNode answer = api.payments(start.format(MONO_DAY), end.format(MONO_DAY), page);
                JsonNode payments = answer.path("data").path("payments");
                for (JsonNode payment : payments) {
                    seen++;
                    if (recordIfUnknown(payment)) {
                        added++;
                    }
                }
                JsonNode paging = answer.path("meta").path("paging");
                int pages = paging.path("pages").asInt(page);
                update(sweep, page, seen, added);
                LOG.info("Payment sweep #{}: page {} of {} read, {} payment(s) seen, {} new", sweep, page, pages, seen, added);
                boolean more = paging.hasNonNull("next") && !paging.path("next").asText().isBlank() || page < pages;
                if (!more || payments.isEmpty()) {
                    break;
                }
                page++;
            }
            if (!running.getAsBoolean()) {
                error = "stopped with the gateway after page " + page;
            }
        } catch (MonoApiClient.Unavailable e) {
            error = e.getMessage();
            LOG.warn("Payment sweep #{} stopped at page {} ({}); it is tried again after mono.api.initial-backoff", sweep, page,
                    e.getMessage());
        }
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(FINISH)) {
            ps.setString(1, error);
            ps.setLong(2, sweep);
            ps.executeUpdate();
        }
        if (error == null) {
            LOG.info("Payment sweep #{} done: {} page(s), {} payment(s) seen, {} recorded that no webhook had brought", sweep, page,
                    seen, added);
        }
        return added;
    }

    private boolean recordIfUnknown(JsonNode payment) throws SQLException {
        String id = payment.path("id").asText("");
        if (id.isBlank() || payment.path("status").asText("").isBlank()) {
            return false;
        }
        return Transactions.inTransaction(pool, c -> {
            try (PreparedStatement ps = c.prepareStatement(KNOWN)) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return false;
                    }
                }
            }
            boolean queued = events.queuePayment(c, payment, "reconciliation");
            if (queued) {
                metrics.reconciled("sweep");
            }
            return queued;
        });
    }

    private void update(long sweep, int pages, int seen, int added) throws SQLException {
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(PROGRESS)) {
            ps.setInt(1, pages);
            ps.setInt(2, seen);
            ps.setInt(3, added);
            ps.setLong(4, sweep);
            ps.executeUpdate();
        }
    }
}
