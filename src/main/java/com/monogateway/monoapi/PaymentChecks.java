package com.monogateway.monoapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.monogateway.alerts.AlertDetails;
import com.monogateway.alerts.AlertQueue;
import com.monogateway.config.GatewaySettings.VerifyMode;
import com.monogateway.config.Backoff;
import com.monogateway.config.GatewaySettings;
import com.monogateway.database.Rows;
import com.monogateway.database.Transactions;
import com.monogateway.tracing.Tracing;
import com.monogateway.vocabulary.Vocabulary;
import io.opentelemetry.api.trace.SpanKind;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Payments checked against Mono's Verify Payment Status API. A payment webhook schedules a check in its
 * processing transaction ({@link #schedule}); {@link #runDue} makes the due calls later, outside any
 * processing transaction, and records what Mono says next to what the webhooks said:
 * <ul>
 * <li>verified: Mono's record for the reference is this payment (same id and reference, no other payment verified
 * with the reference) and agrees on amount, currency and a final status (under {@code required}, the payment's
 * held deliveries go out); what the webhook left out (amount, currency) is taken from Mono's record;</li>
 * <li>mismatch: Mono's record is another payment, or the webhook claims a final status the API does not give,
 * or another amount or currency;</li>
 * <li>not_found: Mono does not know the reference (a forged webhook, or a test payment in live mode).</li>
 * </ul>
 * Mismatches alert; under {@code required} the held deliveries are discarded and the payment is delivered
 * with the state the API gives. A payment not final {@code mono.reconcile.after} after its last event is
 * asked again, with the wait doubling, until {@code mono.reconcile.max-age}; a state found that way is
 * applied as an event of source {@code reconciliation}. Calls that fail are retried with back-off from the
 * schedule in the table ({@code check_at}), so a restart or an outage of Mono's API loses nothing.
 */
public final class PaymentChecks {

    private static final Logger LOG = LoggerFactory.getLogger(PaymentChecks.class);

    private static final String SCHEDULE = """
            UPDATE payments SET verification = 'pending', verification_detail = NULL, check_at = now(), check_failures = 0,
                   check_error = NULL, reconcile_checks = 0, check_event_id = GREATEST(COALESCE(check_event_id, 0), ?)
            WHERE id = ?""";
    // A payment the gateway learnt from Mono's API (the sweep, reconciliation) is verified already; while it is
    // not final it is asked about again like any other.
    private static final String SCHEDULE_RECONCILIATION = """
            UPDATE payments SET verification = COALESCE(verification, 'verified'),
                   check_at = COALESCE(check_at, now() + CAST(? AS interval))
            WHERE id = ? AND mono_status_rank(status) < 4""";
    private static final String CLAIM = """
            WITH due AS (
              SELECT id FROM payments
              WHERE check_at <= now() AND (check_lease_until IS NULL OR check_lease_until < now())
              ORDER BY check_at LIMIT ? FOR UPDATE SKIP LOCKED
            )
            UPDATE payments p SET check_lease_until = now() + CAST(? AS interval) FROM due WHERE p.id = due.id
            RETURNING p.id, p.check_failures,
                      (SELECT trace_parent FROM webhook_events WHERE id = COALESCE(p.check_event_id, p.last_inbox_event_id))""";
    private static final String CURRENT = """
            SELECT id, reference, status, amount, currency, last_inbox_event_id, last_event_type, recorded_at, reconcile_checks,
                   check_failures, verification, now() AS now, COALESCE(check_event_id, last_inbox_event_id)
            FROM payments WHERE id = ? FOR UPDATE""";
    private static final String UNLEASE = "UPDATE payments SET check_lease_until = NULL WHERE id = ?";
    private static final String RETRY_LATER = """
            UPDATE payments SET check_failures = check_failures + 1, check_error = ?, check_lease_until = NULL,
                   check_at = CAST(? AS timestamptz)
            WHERE id = ?""";
    private static final String RECORD = """
            UPDATE payments SET verification = ?, verification_detail = ?, verified_status = ?, verified_amount = ?,
                   verified_fee = ?, verified_currency = ?, verified_at = now(), check_at = CAST(? AS timestamptz),
                   check_failures = 0, check_error = NULL, check_lease_until = NULL, reconcile_checks = ?
            WHERE id = ?""";
    private static final String RELEASE = """
            UPDATE deliveries SET held = false
            WHERE object_key = ? AND held AND status = 'pending' AND webhook_event_id <= ?""";
    private static final String DISCARD = """
            UPDATE deliveries SET status = 'discarded', held = false, resolved_at = now(), discard_reason = ?
            WHERE object_key = ? AND held AND status = 'pending' AND webhook_event_id <= ?""";
    private static final String VERIFIED_ELSEWHERE = """
            SELECT id FROM payments WHERE reference = ? AND id <> ? AND verification = 'verified' LIMIT 1""";
    private static final String FILL_FROM_API = """
            UPDATE payments SET amount = COALESCE(amount, ?), currency = COALESCE(currency, ?) WHERE id = ?""";
    private static final String MISMATCHES = """
            SELECT id, reference, verification, verification_detail, status, verified_status, amount, verified_amount,
                   currency, verified_currency, fee, verified_fee, verified_at, last_event_type, last_inbox_event_id, live_mode
            FROM payments WHERE verification IN ('mismatch', 'not_found')
            ORDER BY verified_at DESC LIMIT ?""";

    /** A payment row as the check finds it, locked; checkEventId: the newest event that asked for the check. */
    private record Payment(String id, String reference, String status, Long amount, String currency, long lastInboxId,
            String lastEventType, OffsetDateTime recordedAt, int reconcileChecks, int failures, String verification,
            OffsetDateTime now, long checkEventId) {

        boolean isFinal() {
            return "successful".equals(status) || "failed".equals(status);
        }
    }

    private final DataSource pool;
    private final DataSource routesDataSource;
    private final MonoApiClient api;
    private final GatewaySettings.MonoApi settings;
    private final AlertQueue alerts;
    private final ApiEvents events;
    private final MonoApiMetrics metrics;
    private final Runnable wakeDeliveries;
    private final Tracing tracing;

    PaymentChecks(DataSource pool, DataSource routesDataSource, MonoApiClient api, GatewaySettings.MonoApi settings,
            AlertQueue alerts, ApiEvents events, MonoApiMetrics metrics, Runnable wakeDeliveries, Tracing tracing) {
        this.tracing = tracing;
        this.pool = pool;
        this.routesDataSource = routesDataSource;
        this.api = api;
        this.settings = settings;
        this.alerts = alerts;
        this.events = events;
        this.metrics = metrics;
        this.wakeDeliveries = wakeDeliveries;
    }

    /**
     * In the processing transaction of an applied payment webhook: its payment is to be verified now. Under
     * {@code required} the event's deliveries are then queued held (see {@link Vocabulary#HOLD_DELIVERIES}).
     * Events the gateway made from the API's own answers are not verified again.
     */
    void schedule(Exchange exchange, String paymentId) throws SQLException {
        boolean fromWebhook = "webhook".equals(exchange.getIn().getHeader(Vocabulary.SOURCE, "webhook", String.class));
        try (Connection c = routesDataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(fromWebhook ? SCHEDULE : SCHEDULE_RECONCILIATION)) {
            if (fromWebhook) {
                ps.setLong(1, exchange.getIn().getHeader(Vocabulary.INBOX_ID, Long.class));
            } else {
                ps.setString(1, settings.reconcileAfterMs() + " milliseconds");
            }
            ps.setString(2, paymentId);
            if (ps.executeUpdate() == 1 && fromWebhook && settings.verification() == VerifyMode.REQUIRED) {
                exchange.setProperty(Vocabulary.HOLD_DELIVERIES, true);
            }
        }
    }

    /** Makes the calls that are due, a few at a time, until none is left or the gateway stops; answers how many. */
    int runDue(java.util.function.BooleanSupplier running) throws SQLException {
        int done = 0;
        List<DueCalls.Due> due;
        while (running.getAsBoolean() && !(due = DueCalls.claim(pool, CLAIM, settings)).isEmpty()) {
            for (DueCalls.Due payment : due) {
                try {
                    check(payment);
                } catch (SQLException | RuntimeException e) {
                    // One payment's trouble must not hold up the rest of the batch, nor call Mono in a loop.
                    LOG.warn("Payment {}: its check failed ({}); trying again after the back-off", payment.id(),
                            com.monogateway.database.TransientFailures.describe(e));
                    try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(RETRY_LATER)) {
                        ps.setString(1, com.monogateway.database.TransientFailures.describe(e));
                        ps.setObject(2, OffsetDateTime.now().plusNanos(DueCalls.waitMs(settings, payment.failures(), 0) * 1_000_000),
                                Types.TIMESTAMP_WITH_TIMEZONE);
                        ps.setString(3, payment.id());
                        ps.executeUpdate();
                    }
                }
                done++;
            }
        }
        return done;
    }

    /**
     * One payment: ask Mono (no transaction open meanwhile), then record the answer in one transaction; in the
     * trace of the webhook that asked for the check.
     */
    private void check(DueCalls.Due due) throws SQLException {
        try (Tracing.Traced span = tracing.continueTrace("verify payment", SpanKind.INTERNAL, due.traceparent())) {
            span.set("mono.payment_id", due.id());
            Payment before = Transactions.inTransaction(pool, c -> current(c, due.id()));
            if (before != null) {
                check(due.id(), before);
            }
        }
    }

    private void check(String id, Payment before) throws SQLException {
        if (!MonoApiClient.isSafeSegment(before.reference())) {
            // Nothing to ask Mono with: under required such a payment must not go out as the webhook says either.
            boolean wake = Transactions.inTransaction(pool, c -> {
                Payment p = current(c, id);
                return p != null && !MonoApiClient.isSafeSegment(p.reference())
                        && notFound(c, p, p.reference() == null ? "the webhook carries no reference, so Mono's API cannot confirm it"
                                : "the webhook's reference cannot be a reference Mono issued (only dots, a slash, a control"
                                        + " character or too long); Mono's API was not asked");
            });
            if (wake) {
                wakeDeliveries.run();
            }
            return;
        }
        Optional<JsonNode> answer;
        try {
            answer = api.verifyPayment(before.reference());
        } catch (MonoApiClient.Unavailable e) {
            Transactions.inTransaction(pool, c -> {
                Payment p = current(c, id);
                if (p != null && !stale(c, p, before)) {
                    askAgain(c, p, e.getMessage(), e.retryAfterMs());
                }
                return null;
            });
            return;
        }
        boolean wake = Transactions.inTransaction(pool, c -> {
            Payment p = current(c, id);
            if (p == null || stale(c, p, before)) {
                return false;
            }
            return answer.isEmpty() ? notFound(c, p, "Mono's API does not know reference " + p.reference()
                    + " (404): the webhook may be forged") : found(c, p, answer.get());
        });
        if (wake) {
            wakeDeliveries.run();
        }
    }

    /**
     * A newer event asked for a check while Mono was being asked (its own check is due now): this answer
     * may be stale and is dropped; the lease goes so that the newer check runs at once.
     */
    private static boolean stale(Connection c, Payment now, Payment before) throws SQLException {
        if (now.checkEventId() == before.checkEventId()) {
            return false;
        }
        try (PreparedStatement ps = c.prepareStatement(UNLEASE)) {
            ps.setString(1, now.id());
            ps.executeUpdate();
        }
        return true;
    }

    /** The answer did not settle it: ask again after the back-off (or Mono's own wait), until max-age. */
    private void askAgain(Connection c, Payment p, String why, long retryAfterMs) throws SQLException {
        long backoff = DueCalls.waitMs(settings, p.failures(), retryAfterMs);
        OffsetDateTime next = p.now().plusNanos(backoff * 1_000_000);
        // A payment not verified yet is asked about until Mono answers (its deliveries may be held for it); only
        // reconciliation, for a verified payment that is not final, ends at mono.reconcile.max-age.
        boolean giveUp = !"pending".equals(p.verification())
                && next.isAfter(p.recordedAt().plusNanos(settings.reconcileMaxAgeMs() * 1_000_000));
        try (PreparedStatement ps = c.prepareStatement(RETRY_LATER)) {
            ps.setString(1, why);
            ps.setObject(2, giveUp ? null : next, Types.TIMESTAMP_WITH_TIMEZONE);
            ps.setString(3, p.id());
            ps.executeUpdate();
        }
        if (giveUp) {
            LOG.warn("Payment {} (reference {}) could not be checked with Mono's API for mono.reconcile.max-age; giving up: {}",
                    p.id(), p.reference(), why);
        } else {
            LOG.info("Payment {} not confirmed by Mono's API yet ({}); asking again in {} ms", p.id(), why, backoff);
        }
    }

    private boolean notFound(Connection c, Payment p, String detail) throws SQLException {
        record(c, p, "not_found", detail, null, null, null, null, null, p.reconcileChecks());
        metrics.verification("not_found");
        LOG.warn("Payment {}: {}", p.id(), detail);
        alert(c, p, "not_found", detail, null);
        return settings.verification() == VerifyMode.REQUIRED && discardHeld(c, p, detail) > 0;
    }

    /**
     * Mono's record for the reference: the payment is verified only when that record is this payment (same id, same
     * reference, no other payment verified with this reference) and agrees on amount, currency and a final status.
     */
    private boolean found(Connection c, Payment p, JsonNode data) throws SQLException {
        String apiStatus = text(data.path("status")) == null ? null : text(data.path("status")).toLowerCase(Locale.ROOT);
        Long apiAmount = kobo(data.path("amount"));
        Long apiFee = kobo(data.path("fee"));
        String apiCurrency = text(data.path("currency"));
        List<String> differences = identity(c, p, data);
        boolean samePayment = differences.isEmpty();
        if (samePayment && p.isFinal() && rank(apiStatus) < 4
                && p.now().isBefore(p.recordedAt().plusNanos(settings.reconcileAfterMs() * 1_000_000))) {
            // Mono's API can lag its own webhook by a moment: not a mismatch until mono.reconcile.after has passed.
            askAgain(c, p, "the webhook says " + p.status() + ", Mono's API still says " + apiStatus, 0);
            return false;
        }
        if (p.isFinal() && !p.status().equals(apiStatus)) {
            differences.add("status: webhook " + p.status() + ", Mono's API " + apiStatus);
        }
        // A claim the webhook leaves out is Mono's (filled in below when verified); one it makes must match.
        if (p.amount() != null && !p.amount().equals(apiAmount)) {
            differences.add("amount: webhook " + p.amount() + ", Mono's API " + apiAmount + " (kobo)");
        }
        if (p.currency() != null && !p.currency().equalsIgnoreCase(String.valueOf(apiCurrency))) {
            differences.add("currency: webhook " + p.currency() + ", Mono's API " + apiCurrency);
        }
        if (!differences.isEmpty()) {
            String detail = String.join("; ", differences);
            record(c, p, "mismatch", detail, apiStatus, apiAmount, apiFee, apiCurrency, null, p.reconcileChecks());
            metrics.verification("mismatch");
            LOG.warn("Payment {} (reference {}) disagrees with Mono's API: {}", p.id(), p.reference(), detail);
            alert(c, p, "mismatch", detail, apiStatus);
            if (settings.verification() != VerifyMode.REQUIRED) {
                return false;
            }
            if (!samePayment) {
                // Mono's record is another payment, which its own webhooks deliver: sending it again here would
                // give the ESB that payment's success twice.
                discardHeld(c, p, "Mono's API knows this reference as another payment (" + detail + ")");
                return true;
            }
            discardHeld(c, p, "Mono's API disagrees with the webhook (" + detail + "); delivered with the API's state instead");
            // Keyed by Mono's payment, state and time (ApiEvents): queued once, however many webhooks disagree.
            queueFromApi(c, data, "verification");
            return true;
        }
        if (p.amount() == null || p.currency() == null) {
            fillFromApi(c, p, apiAmount, apiCurrency);
        }
        if (!"verified".equals(p.verification())) {
            metrics.verification("verified");
        }
        // Not final yet: ask again once the webhook that should end it is overdue (then with the wait doubling),
        // and apply what Mono's API says once it is overdue.
        OffsetDateTime next = null;
        int checks = p.reconcileChecks();
        if (!p.isFinal()) {
            boolean overdue = !p.now().isBefore(p.recordedAt().plusNanos(settings.reconcileAfterMs() * 1_000_000));
            boolean applied = overdue && apiStatus != null && rank(apiStatus) > rank(p.status())
                    && queueFromApi(c, data, "reconciliation");
            if (applied) {
                metrics.reconciled("check");
                LOG.info("Payment {} (reference {}) was {} since {}; Mono's API says {}: applied as a reconciliation event",
                        p.id(), p.reference(), p.status(), p.recordedAt(), apiStatus);
            }
            if (!applied || rank(apiStatus) < 4) {
                long wait = Backoff.doubling(settings.reconcileAfterMs(), settings.reconcileMaxAgeMs(), checks);
                OffsetDateTime at = p.recordedAt().plusNanos(wait * 1_000_000);
                next = at.isAfter(p.now()) ? at : p.now().plusNanos(settings.reconcileAfterMs() * 1_000_000);
                checks++;
                if (next.isAfter(p.recordedAt().plusNanos(settings.reconcileMaxAgeMs() * 1_000_000))) {
                    LOG.warn("Payment {} (reference {}) is still {} (Mono's API: {}) after mono.reconcile.max-age; no more checks",
                            p.id(), p.reference(), p.status(), apiStatus);
                    next = null;
                }
            }
        }
        record(c, p, "verified", null, apiStatus, apiAmount, apiFee, apiCurrency, next, checks);
        return settings.verification() == VerifyMode.REQUIRED && release(c, p) > 0;
    }

    /**
     * Whether Mono's record is this payment: its id and reference are the webhook's, and no other payment was
     * verified with this reference. A leaked webhook secret lets anyone post a payment with a genuine reference;
     * only the id tells the two apart. Answers the differences (empty: the same payment).
     */
    private static List<String> identity(Connection c, Payment p, JsonNode data) throws SQLException {
        List<String> differences = new ArrayList<>();
        String apiId = text(data.path("id"));
        String apiReference = text(data.path("reference"));
        if (!p.id().equals(apiId)) {
            differences.add("payment: webhook " + p.id() + ", Mono's API knows reference " + p.reference() + " as payment " + apiId);
        }
        if (apiReference != null && !apiReference.equals(p.reference())) {
            differences.add("reference: webhook " + p.reference() + ", Mono's API " + apiReference);
        }
        try (PreparedStatement ps = c.prepareStatement(VERIFIED_ELSEWHERE)) {
            ps.setString(1, p.reference());
            ps.setString(2, p.id());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    differences.add("reference " + p.reference() + " was already verified for payment " + rs.getString(1));
                }
            }
        }
        return differences;
    }

    /** What the webhook left out (amount, currency) is what Mono's record says. */
    private static void fillFromApi(Connection c, Payment p, Long amount, String currency) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(FILL_FROM_API)) {
            ps.setObject(1, amount, Types.BIGINT);
            ps.setString(2, currency);
            ps.setString(3, p.id());
            ps.executeUpdate();
        }
    }

    /** Records what Mono's API said; {@code next}: when to ask again (null: not again). */
    private static void record(Connection c, Payment p, String verification, String detail, String status, Long amount, Long fee,
            String currency, OffsetDateTime next, int checks) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(RECORD)) {
            ps.setString(1, verification);
            ps.setString(2, detail);
            ps.setString(3, status);
            ps.setObject(4, amount, Types.BIGINT);
            ps.setObject(5, fee, Types.BIGINT);
            ps.setString(6, currency);
            ps.setObject(7, next, Types.TIMESTAMP_WITH_TIMEZONE);
            ps.setInt(8, checks);
            ps.setString(9, p.id());
            ps.executeUpdate();
        }
    }

    /** Applies Mono's view of the payment as an event; false when it carries no id or status, or was queued before. */
    private boolean queueFromApi(Connection c, JsonNode data, String source) throws SQLException {
        if (text(data.path("id")) == null || text(data.path("status")) == null) {
            return false;
        }
        return events.queuePayment(c, data, source);
    }

    private int release(Connection c, Payment p) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(RELEASE)) {
            ps.setString(1, p.id());
            ps.setLong(2, Math.max(p.lastInboxId(), p.checkEventId()));
            return ps.executeUpdate();
        }
    }

    private int discardHeld(Connection c, Payment p, String reason) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(DISCARD)) {
            ps.setString(1, "held for verification: " + reason);
            ps.setString(2, p.id());
            ps.setLong(3, Math.max(p.lastInboxId(), p.checkEventId()));
            return ps.executeUpdate();
        }
    }

    private void alert(Connection c, Payment p, String result, String detail, String apiStatus) throws SQLException {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("eventType", p.lastEventType());
        d.put("inboxId", Long.toString(p.lastInboxId()));
        d.put("objectId", p.id());
        d.put("reference", p.reference() == null ? "-" : p.reference());
        d.put("result", result);
        d.put("status", p.status());
        d.put("verifiedStatus", apiStatus == null ? "-" : apiStatus);
        d.put("amount", p.amount() == null ? "-" : AlertDetails.money(p.amount(), p.currency() == null ? "NGN" : p.currency()));
        d.put("reason", detail);
        d.put("mode", settings.verification().name().toLowerCase(Locale.ROOT));
        alerts.queueVerificationAlert(c, p.lastEventType(), p.lastInboxId(), d);
    }

    private static Payment current(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(CURRENT)) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                return new Payment(rs.getString(1), rs.getString(2), rs.getString(3), (Long) rs.getObject(4), rs.getString(5),
                        rs.getLong(6), rs.getString(7), rs.getObject(8, OffsetDateTime.class), rs.getInt(9), rs.getInt(10),
                        rs.getString(11), rs.getObject(12, OffsetDateTime.class), rs.getLong(13));
            }
        }
    }

    /** Payments whose verification found a mismatch or an unknown reference, newest first. */
    List<Map<String, Object>> mismatches(int limit) throws SQLException {
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(MISMATCHES)) {
            ps.setInt(1, limit);
            try (ResultSet rs = ps.executeQuery()) {
                return Rows.all(rs);
            }
        }
    }

    /** The same order as the database's mono_status_rank: final states last. */
    static int rank(String status) {
        return switch (Objects.requireNonNullElse(status, "")) {
            case "successful", "failed" -> 4;
            case "abandoned" -> 3;
            case "cancelled" -> 2;
            default -> 1;
        };
    }

    private static String text(JsonNode node) {
        return node.isValueNode() && !node.isNull() && !node.asText().isBlank() ? node.asText().strip() : null;
    }

    /** Kobo from the API: a whole number, or null when absent or not one. */
    private static Long kobo(JsonNode node) {
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            return node.longValue();
        }
        if (node.isTextual() && node.asText().strip().matches("-?\\d{1,18}")) {
            return Long.parseLong(node.asText().strip());
        }
        return null;
    }
}
