package com.monogateway.delivery;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.OffsetDateTime;

/**
 * One destination's {@code mono_deliveries_total{destination,outcome}} (delivered, failed = will retry,
 * dead) and {@code mono_delivery_lag_seconds{destination}} (applied to delivered); the gauges
 * (pending, oldest pending age, up) are registered by {@link Deliveries}. Registered once: looking a meter
 * up by its tags on every send cost a twentieth of a send's CPU.
 */
final class DeliveryMetrics {

    private static final Duration[] LAG_BUCKETS = {Duration.ofMillis(50), Duration.ofMillis(250), Duration.ofSeconds(1),
        Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofHours(1)};

    private final Counter delivered;
    private final Counter failed;
    private final Counter dead;
    private final Timer lag;

    DeliveryMetrics(MeterRegistry registry, String destination) {
        this.delivered = counter(registry, destination, "delivered");
        this.failed = counter(registry, destination, "failed");
        this.dead = counter(registry, destination, "dead");
        this.lag = Timer.builder("mono.delivery.lag").description("Time from an event's delivery being queued to its delivery")
                .tag("destination", destination).serviceLevelObjectives(LAG_BUCKETS).register(registry);
    }

    private static Counter counter(MeterRegistry registry, String destination, String outcome) {
        return Counter.builder("mono.deliveries").description("Deliveries to destinations by outcome")
                .tag("destination", destination).tag("outcome", outcome).register(registry);
    }

    void delivered(OffsetDateTime queuedAt) {
        delivered.increment();
        lag.record(Duration.between(queuedAt, OffsetDateTime.now()));
    }

    /** Deliveries accepted by the destination since the gateway started. */
    long deliveredSoFar() {
        return (long) delivered.count();
    }

    void failed() {
        failed.increment();
    }

    void dead() {
        dead.increment();
    }
}
