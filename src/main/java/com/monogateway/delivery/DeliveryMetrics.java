package com.monogateway.delivery;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.OffsetDateTime;

/**
 * Per destination: {@code mono_deliveries_total{destination,outcome}} (delivered, failed = will retry,
 * dead) and {@code mono_delivery_lag_seconds{destination}} (applied to delivered); the gauges
 * (pending, oldest pending age, up) are registered by {@link Deliveries}.
 */
final class DeliveryMetrics {

    private static final Duration[] LAG_BUCKETS = {Duration.ofMillis(50), Duration.ofMillis(250), Duration.ofSeconds(1),
        Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofHours(1)};

    private final MeterRegistry registry;

    DeliveryMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    MeterRegistry registry() {
        return registry;
    }

    void delivered(String destination, OffsetDateTime queuedAt) {
        count(destination, "delivered");
        Timer.builder("mono.delivery.lag").description("Time from an event's delivery being queued to its delivery")
                .tag("destination", destination).serviceLevelObjectives(LAG_BUCKETS)
                .register(registry).record(Duration.between(queuedAt, OffsetDateTime.now()));
    }

    void failed(String destination) {
        count(destination, "failed");
    }

    void dead(String destination) {
        count(destination, "dead");
    }

    private void count(String destination, String outcome) {
        Counter.builder("mono.deliveries").description("Deliveries to destinations by outcome")
                .tag("destination", destination).tag("outcome", outcome).register(registry).increment();
    }
}
