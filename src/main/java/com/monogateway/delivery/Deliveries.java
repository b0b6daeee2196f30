package com.monogateway.delivery;

import com.monogateway.alerts.AlertQueue;
import com.monogateway.config.GatewaySettings.Destination;
import com.monogateway.tracing.Tracing;
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
    private record Backlog(long pending, double oldestSeconds, long dead, long heldObjects, long heldBy, double deliveredPerSecond) {

        Backlog(long pending, double oldestSeconds, long dead) {
            this(pending, oldestSeconds, dead, 0, 0, 0);
        }
    }

    private final List<Destination> destinations;
    private final DeliveryStore store;
    private final DataSource pool;
    private final List<Forwarder> forwarders;
    private final Map<String, Backlog> backlog = new ConcurrentHashMap<>();
    /** For delivered per second: each forwarder's count at the last refresh, and when that was. */
    private final Map<String, Long> deliveredAtRefresh = new ConcurrentHashMap<>();
    private volatile long refreshedAt = System.nanoTime();

    public Deliveries(List<Destination> destinations, DataSource pool, ProducerTemplate template,
            AlertQueue alerts, io.micrometer.core.instrument.MeterRegistry registry, Tracing tracing) {
        this.destinations = destinations;
        this.pool = pool;
        this.store = new DeliveryStore(pool, destinations);
        this.forwarders = destinations.stream().map(d -> new Forwarder(d, store, template, alerts, registry, tracing)).toList();
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
        forwarders.forEach(Forwarder::start);
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
        long now = System.nanoTime();
        double seconds = (now - refreshedAt) / 1e9;
        refreshedAt = now;
        for (Forwarder forwarder : forwarders) {
            String name = forwarder.destination().name();
            Backlog b = fresh.getOrDefault(name, new Backlog(0, 0, 0));
            long[] h = held.getOrDefault(name, new long[] {0, 0});
            long delivered = forwarder.deliveredSoFar();
            double rate = seconds > 0 ? (delivered - deliveredAtRefresh.getOrDefault(name, delivered)) / seconds : 0;
            deliveredAtRefresh.put(name, delivered);
            backlog.put(name, new Backlog(b.pending(), b.oldestSeconds(), b.dead(), h[0], h[1], rate));
        }
    }

    private Backlog backlogOf(String name) {
        return backlog.getOrDefault(name, new Backlog(0, 0, 0));
    }

    /**
     * What each destination is doing, for health, the admin API and the console: {@code state} is DOWN when the
     * circuit is open (sends failed for several objects in a row: the destination pauses), FAILING_FOR_SOME when
     * objects wait behind a refused delivery (held_by_delivery, the oldest) while the others flow, else UP. The
     * last error, with its root cause, is shown while either lasts.
     */
    public List<Map<String, Object>> states() {
        List<Map<String, Object>> states = new java.util.ArrayList<>();
        for (Forwarder forwarder : forwarders) {
            Backlog b = backlogOf(forwarder.destination().name());
            boolean troubled = forwarder.circuitOpen() || b.heldObjects() > 0;
            Map<String, Object> state = new java.util.LinkedHashMap<>();
            state.put("name", forwarder.destination().name());
            state.put("state", forwarder.circuitOpen() ? "DOWN" : b.heldObjects() > 0 ? "FAILING_FOR_SOME" : "UP");
            state.put("circuit", forwarder.circuitOpen() ? "open" : "closed");
            java.time.Instant downSince = forwarder.downSince(); // once: the circuit may close between two reads
            state.put("down_since", downSince == null ? null : downSince.toString());
            state.put("in_flight", forwarder.inFlight());
            state.put("max_in_flight", forwarder.destination().maxInFlight());
            state.put("delivered_per_second", Math.round(b.deliveredPerSecond() * 10) / 10.0);
            state.put("pending", b.pending());
            state.put("oldest_pending_seconds", Math.round(b.oldestSeconds()));
            state.put("dead", b.dead());
            state.put("objects_held", b.heldObjects());
            state.put("held_by_delivery", b.heldBy() > 0 ? b.heldBy() : null);
            state.put("last_error", troubled ? forwarder.lastError() : null);
            state.put("last_error_object", troubled ? forwarder.lastErrorObject() : null);
            states.add(state);
        }
        return states;
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
                for (Map<String, Object> state : states()) {
                    String name = (String) state.get("name");
                    builder.detail(name, state.get("state"));
                    state.forEach((key, value) -> {
                        if (!key.equals("name") && !key.equals("state") && value != null) {
                            builder.detail(name + "." + key, value);
                        }
                    });
                }
                builder.up();
            }
        };
    }
}
