package com.monogateway.monoapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.monogateway.event.MonoFamily;
import com.monogateway.admin.AdminRequest;
import com.monogateway.admin.AdminRouteBuilder;
import com.monogateway.alerts.AlertQueue;
import com.monogateway.config.GatewaySettings;
import com.monogateway.database.TransientFailures;
import com.monogateway.event.EventSubject;
import com.monogateway.tracing.Tracing;
import com.monogateway.vocabulary.Vocabulary;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Confirming with Mono's API: the processing step that schedules calls ({@link #scheduleChecks}), the
 * timer routes that make them off the request path (payment checks, account details, the payments sweep),
 * and the admin call that lists payments Mono's API contradicts. Nothing here runs without
 * {@code mono.api.secret-key}.
 */
public final class MonoApiRoutes extends AdminRouteBuilder {

    private static final Logger LOG = LoggerFactory.getLogger(MonoApiRoutes.class);

    private final GatewaySettings.MonoApi settings;
    private final DataSource pool;
    private final Runnable wakeDeliveries;
    private final PaymentChecks payments;
    private final AccountDetails accounts;
    private final PaymentSweep sweep;

    /**
     * @param routesDataSource the data source whose connection, during processing, is the processing transaction's
     * @param wakeDeliveries   called when held deliveries were released, so they go out at once
     */
    public MonoApiRoutes(GatewaySettings.MonoApi settings, DataSource pool, DataSource routesDataSource, AlertQueue alerts,
            ObjectMapper mapper, MeterRegistry registry, Runnable wakeDeliveries, Tracing tracing) {
        super(mapper);
        this.settings = settings;
        this.pool = pool;
        this.wakeDeliveries = wakeDeliveries;
        if (settings.enabled()) {
            MonoApiMetrics metrics = new MonoApiMetrics(registry);
            MonoApiClient api = new MonoApiClient(settings, mapper, metrics, tracing);
            ApiEvents events = new ApiEvents(mapper);
            this.payments = new PaymentChecks(pool, routesDataSource, api, settings, alerts, events, metrics, wakeDeliveries, tracing);
            this.accounts = new AccountDetails(pool, routesDataSource, api, settings, tracing);
            this.sweep = new PaymentSweep(pool, api, settings, events, metrics);
        } else {
            this.payments = null;
            this.accounts = null;
            this.sweep = null;
        }
    }

    /** Is there a processing step to run for applied events? */
    public boolean schedulesChecks() {
        return settings.enabled();
    }

    /**
     * The processing step, in the transaction of an applied event: a payment webhook is to be verified, a
     * newly linked account to be filled. The calls themselves happen later, on the timer routes.
     */
    public void scheduleChecks(Exchange exchange) throws Exception {
        String type = exchange.getIn().getHeader(Vocabulary.EVENT_TYPE, String.class);
        if (type == null) {
            return;
        }
        JsonNode event = exchange.getProperty(Vocabulary.EVENT_JSON, JsonNode.class);
        if (MonoFamily.of(type) != null && MonoFamily.of(type).verifiedByMonoApi && settings.verification() != GatewaySettings.VerifyMode.OFF) {
            String id = EventSubject.objectKey(type, event);
            if (id != null) {
                payments.schedule(exchange, id);
            }
        } else if (MonoFamily.ACCOUNT_LINKED.contains(type)) {
            String id = EventSubject.objectKey(type, event);
            if (id != null) {
                accounts.schedule(exchange, id);
            }
        }
    }

    @Override
    protected void configureCalls() {
        admin("GET", "/admin/payments/mismatches", this::mismatches);
        if (settings.verification() != GatewaySettings.VerifyMode.REQUIRED) {
            // Deliveries held while the mode was required would wait for good now that nothing releases them.
            from(timer("mono-api-release-held").repeatCount(1).delay(1000)).routeId("mono-api-release-held")
                    .process(exchange -> work("releasing held deliveries", this::releaseHeld));
        }
        if (!settings.enabled()) {
            return;
        }
        // One thread per kind of work: a slow answer from Mono delays only more of the same.
        from(timer("mono-api-payment-checks").delay(1000).period(1000)).routeId("mono-api-payment-checks")
                .process(exchange -> work("payment checks", () -> payments.runDue(this::running)));
        from(timer("mono-api-account-details").delay(1000).period(1000)).routeId("mono-api-account-details")
                .process(exchange -> work("account details", () -> accounts.runDue(this::running)));
        if (settings.verification() != GatewaySettings.VerifyMode.OFF && settings.sweepIntervalMs() > 0) {
            long tickMs = Math.min(60_000, settings.sweepIntervalMs()); // whether a sweep is due is asked at least every minute
            from(timer("mono-api-payment-sweep").delay(tickMs).period(tickMs))
                    .routeId("mono-api-payment-sweep")
                    .process(exchange -> work("payment sweep", () -> sweep.runIfDue(this::running)));
        }
    }

    private interface Work {
        int run() throws Exception;
    }

    /** A failing round (the database away) is logged and tried again at the next tick; nothing is lost. */
    private static void work(String what, Work work) {
        try {
            work.run();
        } catch (Exception e) {
            LOG.warn("Mono API {}: {}; trying again shortly", what, TransientFailures.describe(e));
        }
    }

    private int releaseHeld() throws java.sql.SQLException {
        int released;
        try (var c = pool.getConnection();
                var ps = c.prepareStatement("UPDATE deliveries SET held = false WHERE held AND status = 'pending'")) {
            released = ps.executeUpdate();
        }
        if (released > 0) {
            LOG.warn("{} deliveries held for verification are released: mono.verify.payments is {} now, not required", released,
                    settings.verification().name().toLowerCase(java.util.Locale.ROOT));
            wakeDeliveries.run();
        }
        return released;
    }

    private boolean running() {
        return getContext().getStatus().isStarted();
    }

    private void mismatches(Exchange exchange, AdminRequest request) throws Exception {
        if (payments == null) {
            answer(exchange, 200, Map.of("payments", List.of(), "count", 0,
                    "note", "payments are not verified: set mono.api.secret-key"));
            return;
        }
        var rows = payments.mismatches(limit(request));
        answer(exchange, 200, Map.of("payments", rows, "count", rows.size(), "mode",
                settings.verification().name().toLowerCase(java.util.Locale.ROOT)));
    }
}
