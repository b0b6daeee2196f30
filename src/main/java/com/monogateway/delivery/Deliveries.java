package com.monogateway.delivery;

import com.monogateway.alerts.AlertQueue;
import com.monogateway.config.GatewaySettings.Destination;
import io.micrometer.core.instrument.Gauge;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivery to the ESB as a whole: the outbox, one {@link Forwarder} per destination, their gauges and
 * their health. A destination that is down never makes the gateway unready (it still takes and applies
 * webhooks); the health check shows it DOWN in its details.
 */
public final class Deliveries {

    private static final Logger LOG = LoggerFactory.getLogger(Deliveries.class);

    private static final String BACKLOG = """
            SELECT destination, count(*), COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)
            FROM deliveries WHERE status = 'pending' GROUP BY destination""";
    private static final String DEAD = "SELECT destination, count(*) FROM deliveries WHERE status = 'dead' GROUP BY destination";

    /** heldObjects: objects whose next delivery waits out a back-off; heldBy: the oldest such delivery (0: none). */
    private record Backlog(long pending, double oldestSeconds, long dead, long heldObjects, long heldBy) {

        Backlog(long pending, double oldestSeconds, long dead) {
            this(pending, oldestSeconds, dead, 0, 0);
        }
    }

    private final List<Destination> destinations;
    private final DeliveryStore store;
    private final DataSource pool;
    private final List<Forwarder> forwarders;
    private final Map<String, Backlog> backlog = new ConcurrentHashMap<>();

    public Deliveries(List<Destination> destinations, DataSource pool, DataSource routesDataSource, ProducerTemplate template,
            AlertQueue alerts, io.micrometer.core.instrument.MeterRegistry registry) {
        this.destinations = destinations;
        this.pool = pool;
        this.store = new DeliveryStore(pool, routesDataSource, destinations);
        DeliveryMetrics metrics = new DeliveryMetrics(registry);
        this.forwarders = destinations.stream().map(d -> new Forwarder(d, store, template, alerts, metrics)).toList();
        for (Forwarder forwarder : forwarders) {
            String name = forwarder.destination().name();
            Gauge.builder("mono.deliveries.pending", () -> backlogOf(name).pending()).tag("destination", name)
                    .description("Deliveries waiting to be sent").register(registry);
            Gauge.builder("mono.deliveries.oldest.pending.age", () -> backlogOf(name).oldestSeconds()).tag("destination", name)
                    .baseUnit("seconds").description("Age of the oldest delivery waiting to be sent").register(registry);
            Gauge.builder("mono.deliveries.dead", () -> backlogOf(name).dead()).tag("destination", name)
                    .description("Dead deliveries waiting for an operator").register(registry);
            Gauge.builder("mono.destination.up", () -> forwarder.circuitOpen() ? 0 : 1).tag("destination", name)
                    .description("1 while the destination takes deliveries, 0 while it is paused after failing for several objects")
                    .register(registry);
            Gauge.builder("mono.deliveries.in.flight", forwarder::inFlight).tag("destination", name)
                    .description("Deliveries being sent now").register(registry);
            Gauge.builder("mono.deliveries.objects.held", () -> backlogOf(name).heldObjects()).tag("destination", name)
                    .description("Objects whose next delivery waits out a back-off after a refusal (their later deliveries wait)")
                    .register(registry);
        }
    }

    public List<Destination> destinations() {
        return destinations;
    }

    public DeliveryStore store() {
        return store;
    }

    public void start() {
        for (Forwarder forwarder : forwarders) {
            try {
                forwarder.start();
            } catch (Exception e) {
                throw new IllegalStateException("cannot start delivering to " + forwarder.destination().name(), e);
            }
        }
        if (!forwarders.isEmpty()) {
            LOG.info("Delivering applied events to {}", String.join(", ", destinations.stream()
                    .map(d -> d.name() + (d.eventGlobs().isEmpty() ? "" : " (" + String.join(", ", d.eventGlobs()) + ")")).toList()));
        }
    }

    /**
     * Stops every forwarder: no new claims, the sends in flight finish and are settled, waiting 10 s at most in
     * all; a send cut off by the shutdown is sent again once its lease runs out (at least once).
     */
    public void stop() throws InterruptedException {
        forwarders.forEach(Forwarder::requestStop);
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        for (Forwarder forwarder : forwarders) {
            forwarder.awaitStop(deadline);
        }
    }

    /** Processing committed events: their deliveries can go now. */
    public void wakeAll() {
        forwarders.forEach(Forwarder::wake);
    }

    /** Re-reads the backlog figures (every few seconds, with the inbox figures). */
    public void refresh() throws SQLException {
        if (forwarders.isEmpty()) {
            return;
        }
        Map<String, Backlog> fresh = new java.util.HashMap<>();
        try (Connection c = pool.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement(BACKLOG); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    fresh.put(rs.getString(1), new Backlog(rs.getLong(2), rs.getDouble(3), 0));
                }
            }
            try (PreparedStatement ps = c.prepareStatement(DEAD); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Backlog b = fresh.getOrDefault(rs.getString(1), new Backlog(0, 0, 0));
                    fresh.put(rs.getString(1), new Backlog(b.pending(), b.oldestSeconds(), rs.getLong(2)));
                }
            }
        }
        Map<String, long[]> held = store.heldObjects();
        for (Destination d : destinations) {
            Backlog b = fresh.getOrDefault(d.name(), new Backlog(0, 0, 0));
            long[] h = held.getOrDefault(d.name(), new long[] {0, 0});
            backlog.put(d.name(), new Backlog(b.pending(), b.oldestSeconds(), b.dead(), h[0], h[1]));
        }
    }

    private Backlog backlogOf(String name) {
        return backlog.getOrDefault(name, new Backlog(0, 0, 0));
    }

    /** Readiness detail per destination; always UP: a destination that is down must not stop webhooks. */
    public AbstractHealthCheck healthCheck() {
        return new AbstractHealthCheck("mono", "destinations") {
            @Override
            public boolean isLiveness() {
                return false;
            }

            @Override
            protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
                for (Forwarder forwarder : forwarders) {
                    String name = forwarder.destination().name();
                    Backlog b = backlogOf(name);
                    // DOWN: paused, sends failed for several objects in a row; FAILING_FOR_SOME: some objects wait
                    // behind a refused delivery while the others flow.
                    builder.detail(name, forwarder.circuitOpen() ? "DOWN" : b.heldObjects() > 0 ? "FAILING_FOR_SOME" : "UP");
                    builder.detail(name + ".pending", b.pending());
                    builder.detail(name + ".in_flight", forwarder.inFlight());
                    builder.detail(name + ".oldest_pending_seconds", Math.round(b.oldestSeconds()));
                    builder.detail(name + ".dead", b.dead());
                    builder.detail(name + ".objects_held", b.heldObjects());
                    if (b.heldBy() > 0) {
                        builder.detail(name + ".held_by_delivery", b.heldBy());
                    }
                    if (forwarder.lastError() != null && (forwarder.circuitOpen() || b.heldObjects() > 0)) {
                        builder.detail(name + ".last_error", forwarder.lastError());
                        if (forwarder.lastErrorObject() != null) {
                            builder.detail(name + ".last_error_object", forwarder.lastErrorObject());
                        }
                    }
                }
                builder.up();
            }
        };
    }
}
