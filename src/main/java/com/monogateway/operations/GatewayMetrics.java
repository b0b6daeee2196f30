package com.monogateway.operations;

import com.monogateway.event.MonoFamily;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's own Micrometer meters, exported by Camel's Prometheus registry on /observe/metrics:
 * {@code mono_events_total{event_type,outcome}}, {@code mono_webhook_response_seconds{status}},
 * {@code mono_event_processing_lag_seconds{event_type}}, and gauges for the inbox backlog, the oldest
 * waiting event, open dead letters and queued alerts.
 */
public final class GatewayMetrics {

    /** Outcomes counted in mono_events_total. */
    public static final String RECEIVED = "received";
    public static final String DUPLICATE = "duplicate";
    public static final String UNAUTHORIZED = "unauthorized";
    public static final String REJECTED = "rejected";
    public static final String PROCESSED = "processed";
    public static final String IGNORED = "ignored";
    public static final String FAILED = "failed";
    public static final String DEAD_LETTERED = "dead_lettered";

    /** Event type tag of requests that carry none we can trust (unauthenticated, unreadable). */
    public static final String UNKNOWN_TYPE = "unknown";
    /** Event type tag of any type outside Mono's catalog: a sender must not be able to create series at will. */
    public static final String OTHER_TYPE = "other";

    /** Mono's event catalog (docs.mono.co): the event types that get a series of their own. */
    static final Set<String> CATALOG = catalog();

    private static Set<String> catalog() {
        Set<String> catalog = new java.util.HashSet<>(MonoFamily.catalog());
        catalog.add(UNKNOWN_TYPE);
        return Set.copyOf(catalog);
    }

    // A few fixed buckets (Prometheus histogram_quantile works on them) rather than Micrometer's ~70.
    private static final Duration[] ANSWER_BUCKETS = millis(5, 10, 25, 50, 100, 250, 500, 1_000, 2_500);
    private static final Duration[] LAG_BUCKETS = millis(10, 50, 100, 250, 500, 1_000, 2_000, 5_000, 30_000, 300_000);

    private final MeterRegistry registry;
    // Each series once, found again by its tags: these are counted for every request and every event applied, and
    // building and registering a meter each time cost more than the count (seen in a profile of the benchmark).
    // The tag values are bounded (the catalog, outcomes, HTTP statuses), so these maps are too.
    private final Map<String, Counter> events = new ConcurrentHashMap<>();
    private final Map<Integer, Timer> answers = new ConcurrentHashMap<>();
    private final Map<String, Timer> lags = new ConcurrentHashMap<>();

    public GatewayMetrics(MeterRegistry registry, InboxStats stats) {
        this.registry = registry;
        Gauge.builder("mono.inbox.backlog", stats, InboxStats::backlog)
                .description("Events stored but not processed yet").register(registry);
        Gauge.builder("mono.inbox.oldest.age", stats, InboxStats::oldestAgeSeconds).baseUnit("seconds")
                .description("Age of the oldest event waiting to be processed").register(registry);
        Gauge.builder("mono.dead.letters.open", stats, InboxStats::openDeadLetters)
                .description("Dead letters waiting for an operator").register(registry);
        Gauge.builder("mono.alerts.queued", stats, InboxStats::queuedAlerts)
                .description("Alerts not sent yet").register(registry);
    }

    private static Duration[] millis(long... values) {
        Duration[] buckets = new Duration[values.length];
        for (int i = 0; i < values.length; i++) {
            buckets[i] = Duration.ofMillis(values[i]);
        }
        return buckets;
    }

    public void event(String eventType, String outcome) {
        String type = typeTag(eventType);
        events.computeIfAbsent(type + ' ' + outcome, key -> Counter.builder("mono.events")
                .description("Mono events by type and outcome")
                .tag("event_type", type).tag("outcome", outcome)
                .register(registry)).increment();
    }

    static String typeTag(String eventType) {
        return eventType != null && CATALOG.contains(eventType) ? eventType : OTHER_TYPE;
    }

    /** Time from the request's arrival to its answer. */
    public void answered(int status, long nanos) {
        answers.computeIfAbsent(status, key -> Timer.builder("mono.webhook.response")
                .description("Time to answer a webhook request")
                .tag("status", Integer.toString(status))
                .serviceLevelObjectives(ANSWER_BUCKETS)
                .register(registry)).record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Time from receipt to the end of processing. */
    public void processed(String eventType, OffsetDateTime receivedAt) {
        lags.computeIfAbsent(typeTag(eventType), type -> Timer.builder("mono.event.processing.lag")
                .description("Time from receipt to processed")
                .tag("event_type", type)
                .serviceLevelObjectives(LAG_BUCKETS)
                .register(registry)).record(Duration.between(receivedAt, OffsetDateTime.now()));
    }
}
