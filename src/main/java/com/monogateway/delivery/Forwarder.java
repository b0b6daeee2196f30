package com.monogateway.delivery;

import com.monogateway.alerts.AlertQueue;
import com.monogateway.config.Backoff;
import com.monogateway.config.GatewaySettings.Destination;
import com.monogateway.config.SensitiveValues;
import com.monogateway.database.TransientFailures;
import com.monogateway.tracing.Tracing;
import io.opentelemetry.api.trace.SpanKind;
import com.monogateway.vocabulary.Vocabulary;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.sql.SQLException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.ExchangePattern;
import org.apache.camel.ExchangePropertyKey;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.DefaultExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one destination's deliveries, outside any processing transaction. A dispatcher thread claims
 * chains (one object's next deliveries, in order; a lease committed before sending, so no database lock is
 * held while a send waits) and hands each to one of {@code max-in-flight} senders: one object's deliveries go
 * one at a time and in inbox order, different objects' at the same time. A send that fails backs that
 * delivery off, with exponential back-off, and its object's later deliveries wait behind it; every other object
 * keeps flowing. A failure that retrying cannot fix, or one older than {@code max-age}, makes the delivery dead:
 * listed, alerted, retried by hand. When sends fail for several objects in a row with none succeeding (the
 * destination is down or timing out), the circuit opens and the whole destination pauses, its wait doubling.
 * Leases of chains in flight are renewed; a gateway that died stops renewing, and another takes its chains
 * over when their lease ends.
 */
final class Forwarder {

    private static final Logger LOG = LoggerFactory.getLogger(Forwarder.class);
    /** Most deliveries of one object sent by one sender before the object goes back to the queue. */
    static final int CHAIN = 16;
    /** Candidates looked at per claim, per chain wanted. */
    private static final int WINDOW_PER_SENDER = 8;
    private static final long IDLE_POLL_MS = 500;
    /** Least time between two statements marking deliveries delivered. */
    private static final long SETTLE_PAUSE_MS = 10;
    private static final org.apache.hc.core5.http.ContentType JSON_UTF8 =
            org.apache.hc.core5.http.ContentType.create("application/json", StandardCharsets.UTF_8);
    /** Failures in a row, with no success between them, of this many different objects open the circuit. */
    static final int CIRCUIT_FAILURES = 3;

    private final Destination destination;
    private final DeliveryStore store;
    private final ProducerTemplate template;
    private final AlertQueue alerts;
    private final DeliveryMetrics metrics;
    private final String endpoint;
    private final String scheme;
    private final Tracing tracing;
    /** A delivery attempt's span: a client call to an HTTP service, a message produced for a broker. */
    private final SpanKind sendKind;
    private final String spanName;
    private final Semaphore wakeups = new Semaphore(0);
    private final ExecutorService senders;
    private final io.github.resilience4j.ratelimiter.RateLimiter rate;
    /** Chains claimed, waiting for a sender or being sent: their deliveries' ids, for lease renewal. */
    private final Set<List<Long>> claimed = ConcurrentHashMap.newKeySet();
    /** Deliveries being sent now. */
    private final AtomicInteger sending = new AtomicInteger();
    /** Sent and accepted, to be marked delivered in one statement by the settler. */
    private final ConcurrentLinkedQueue<Long> sent = new ConcurrentLinkedQueue<>();
    private final Object circuitLock = new Object();
    private final Set<String> failingObjects = new java.util.HashSet<>();
    private int failuresInARow;
    /** When the sends failing in a row (none succeeding since) began: how long the destination has been away. */
    private volatile java.time.Instant failingSince;
    private int circuitOpenings;
    private volatile long circuitOpenUntil;
    private volatile boolean running;
    private volatile String lastError;
    private volatile String lastErrorObject;
    private Thread thread;
    /**
     * Marks what the senders delivered, a batch per statement, beside the dispatcher: when both took turns on
     * one thread, a slow statement under load held back the claims too (a backlog drained at 430-480 a second).
     */
    private Thread settler;
    private final Semaphore settleWakeups = new Semaphore(0);

    Forwarder(Destination destination, DeliveryStore store, ProducerTemplate template, AlertQueue alerts,
            io.micrometer.core.instrument.MeterRegistry registry, Tracing tracing) {
        this.destination = destination;
        this.store = store;
        this.template = template;
        this.alerts = alerts;
        this.metrics = new DeliveryMetrics(registry, destination.name());
        this.endpoint = DeliveryRoutes.sendEndpoint(destination);
        int colon = destination.uri().indexOf(':');
        this.scheme = colon < 0 ? "" : destination.uri().substring(0, colon).toLowerCase(Locale.ROOT);
        this.tracing = tracing;
        this.sendKind = switch (scheme) {
            case "http", "https" -> SpanKind.CLIENT;
            case "kafka", "jms", "amqp", "activemq", "sjms", "sjms2" -> SpanKind.PRODUCER;
            default -> SpanKind.INTERNAL;
        };
        this.spanName = "send to " + destination.name();
        AtomicInteger threads = new AtomicInteger();
        this.senders = Executors.newFixedThreadPool(destination.maxInFlight(), r -> {
            Thread t = new Thread(r, "mono-forward-" + destination.name() + "-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.rate = destination.maxPerSecond() <= 0 ? null : io.github.resilience4j.ratelimiter.RateLimiter.of(
                "mono-forward-" + destination.name(), io.github.resilience4j.ratelimiter.RateLimiterConfig.custom()
                        .limitForPeriod(destination.maxPerSecond()).limitRefreshPeriod(Duration.ofSeconds(1))
                        .timeoutDuration(Duration.ofMinutes(1)).build());
    }

    Destination destination() {
        return destination;
    }

    /** The last send failure (null: none yet), with its root cause; health shows it while objects are held or the circuit is open. */
    String lastError() {
        return lastError;
    }

    /** The object whose delivery failed last (null: none, or one without an object key). */
    String lastErrorObject() {
        return lastErrorObject;
    }

    /** Deliveries this forwarder had accepted since it started. */
    long deliveredSoFar() {
        return metrics.deliveredSoFar();
    }

    /** Deliveries being sent now. */
    int inFlight() {
        return sending.get();
    }

    /**
     * Whether the destination is paused because sends failed for several objects in a row: open, or half open
     * (one chain trying whether it is back); closed again by the first send that succeeds.
     */
    boolean circuitOpen() {
        return circuitOpenUntil != 0;
    }

    /** While the circuit is open: since when sends have failed with none succeeding; else null. */
    java.time.Instant downSince() {
        java.time.Instant since = failingSince;
        return circuitOpen() ? since : null;
    }

    void start() {
        running = true;
        thread = new Thread(this::run, "mono-forward-" + destination.name());
        thread.setDaemon(true);
        thread.start();
        settler = new Thread(this::settle, "mono-forward-" + destination.name() + "-settle");
        settler.setDaemon(true);
        settler.start();
    }

    /** Asks the dispatcher to stop claiming; sends in flight finish and are settled (see {@link #awaitStop}). */
    void requestStop() {
        running = false;
        wakeups.release();
    }

    /** Waits until the sends in flight and the dispatcher ended, or the deadline (System.nanoTime) passed. */
    void awaitStop(long deadlineNanos) throws InterruptedException {
        if (thread != null) {
            thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime())));
            settleWakeups.release();
            settler.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime())));
        }
    }

    /** New deliveries were committed, or a chain ended: look now instead of at the next poll. */
    void wake() {
        if (wakeups.availablePermits() == 0) {
            wakeups.release();
        }
    }

    private void run() {
        long renewEvery = Math.max(100, destination.leaseMs() / 3);
        long renewedAt = System.nanoTime();
        while (running || !claimed.isEmpty()) {
            int started = 0;
            try {
                if (System.nanoTime() - renewedAt > TimeUnit.MILLISECONDS.toNanos(renewEvery)) {
                    store.renew(claimed.stream().flatMap(List::stream).toList(), destination.leaseMs());
                    renewedAt = System.nanoTime();
                }
                if (running) {
                    started = dispatch();
                }
            } catch (Exception e) {
                LOG.warn("Forwarding to {} paused: {}", destination.name(), TransientFailures.describe(e));
            }
            if (started == 0) {
                try {
                    wakeups.tryAcquire(running ? IDLE_POLL_MS : 50, TimeUnit.MILLISECONDS);
                    wakeups.drainPermits();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        senders.shutdown(); // what the last sends delivered, the settler marks before it ends
    }

    /**
     * Claims chains for the senders: up to twice {@code max-in-flight}, so that a sender that ends a chain finds
     * the next one waiting rather than waiting for a claim (one object per chain: with one event per object a
     * claim per few free senders was the limit, about 900 deliveries a second). A claim is a few statements,
     * made once half of that room is free. A few chains while the circuit is half open.
     */
    private int dispatch() throws Exception {
        int room = 2 * destination.maxInFlight();
        int free = room - claimed.size();
        if (free <= 0 || free < Math.max(1, destination.maxInFlight()) && !claimed.isEmpty()) {
            return 0;
        }
        long openUntil = circuitOpenUntil;
        if (openUntil != 0) {
            if (System.currentTimeMillis() < openUntil) {
                return 0;
            }
            // Half open: as many chains as it takes failing objects to open the circuit try whether the destination
            // is back; one would be the oldest due, often an object the destination refuses (HTTP 500), which kept
            // the circuit open for ever after an outage.
            free = claimed.isEmpty() ? CIRCUIT_FAILURES : 0;
            if (free == 0) {
                return 0;
            }
        }
        boolean probe = openUntil != 0;
        List<List<DeliveryStore.Claimed>> chains = store.claimChains(destination.name(), free, CHAIN,
                free * WINDOW_PER_SENDER + CHAIN, destination.leaseMs());
        for (List<DeliveryStore.Claimed> chain : chains) {
            List<Long> ids = chain.stream().map(DeliveryStore.Claimed::id).toList();
            claimed.add(ids);
            senders.execute(() -> {
                try {
                    if (circuitOpenUntil != 0 && !probe) {
                        release(chain); // claimed before the circuit opened: back to the queue, sent after
                        return;
                    }
                    sending.addAndGet(chain.size());
                    try {
                        sendChain(chain);
                    } finally {
                        sending.addAndGet(-chain.size());
                    }
                } finally {
                    claimed.remove(ids);
                    wake();
                }
            });
        }
        return chains.size();
    }

    /** The settler's loop: until the dispatcher has ended, marks what was delivered as it comes. */
    private void settle() {
        while (thread.isAlive() || !sent.isEmpty()) {
            try {
                settleWakeups.tryAcquire(IDLE_POLL_MS, TimeUnit.MILLISECONDS);
                settleWakeups.drainPermits();
                settleSent();
                // A set per statement: settling as each send came back was a commit per few deliveries (240 a
                // second at full load); an object's later deliveries wait these few ms more, behind its lease.
                Thread.sleep(SETTLE_PAUSE_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                LOG.warn("Deliveries to {} could not be marked delivered yet (their lease keeps them from being sent again): {}",
                        destination.name(), TransientFailures.describe(e));
                pause();
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(IDLE_POLL_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Marks what the senders delivered since the last time, in one statement. */
    private void settleSent() throws SQLException {
        List<Long> ids = new ArrayList<>();
        for (Long id = sent.poll(); id != null; id = sent.poll()) {
            ids.add(id);
        }
        try {
            store.delivered(ids);
        } catch (SQLException e) {
            sent.addAll(ids); // marked next time; meanwhile their lease keeps them from being sent again
            throw e;
        }
    }

    /** One object's deliveries, in order, until one fails: it is backed off (or dead), the rest go back to the queue. */
    private void sendChain(List<DeliveryStore.Claimed> chain) {
        for (int next = 0; next < chain.size(); next++) {
            DeliveryStore.Claimed delivery = chain.get(next);
            if (rate != null && !rate.acquirePermission()) {
                release(chain.subList(next, chain.size()));
                return;
            }
            if (!send(delivery, chain.subList(next + 1, chain.size()))) {
                return;
            }
        }
    }

    /**
     * One attempt, a span of the event's trace: the destination receives that span as its parent (traceparent).
     * Answers whether it was accepted; when not, the delivery is backed off and {@code untried} released.
     */
    private boolean send(DeliveryStore.Claimed delivery, List<DeliveryStore.Claimed> untried) {
        try (Tracing.Traced span = tracing.continueTrace(spanName, sendKind, delivery.traceparent())) {
            span.set("mono.destination", destination.name()).set("mono.delivery_id", delivery.id())
                    .set("mono.delivery_attempt", delivery.attempts() + 1L).set(Tracing.EVENT_TYPE, delivery.eventType())
                    .set(Tracing.DEDUPE_KEY, delivery.dedupeKey()).set(Tracing.INBOX_ID, delivery.inboxId());
            Exchange exchange = exchangeFor(delivery, span.traceparent());
            template.send(endpoint, exchange);
            Exception refused = exchange.getException() != null ? exchange.getException() : notAccepted(exchange);
            if (refused == null) {
                accepted(delivery);
                return true;
            }
            span.failed(failed(delivery, refused, untried));
            return false;
        }
    }

    private void accepted(DeliveryStore.Claimed delivery) {
        sent.add(delivery.id());
        if (settleWakeups.availablePermits() == 0) {
            settleWakeups.release();
        }
        metrics.delivered(delivery.createdAt());
        succeeded();
    }

    private void release(List<DeliveryStore.Claimed> untried) {
        try {
            store.settle(new DeliveryStore.Settlement(List.of(), null, null, false, 0,
                    untried.stream().map(DeliveryStore.Claimed::id).toList()), c -> null);
        } catch (SQLException e) {
            LOG.warn("Deliveries to {} not released (their lease ends instead): {}", destination.name(), TransientFailures.describe(e));
        }
    }

    private void succeeded() {
        synchronized (circuitLock) {
            failuresInARow = 0;
            failingSince = null;
            failingObjects.clear();
            if (circuitOpenUntil != 0) {
                LOG.info("Forwarding to {}: the destination takes deliveries again; circuit closed", destination.name());
            }
            circuitOpenings = 0;
            circuitOpenUntil = 0;
        }
    }

    /** Backs the delivery off (or makes it dead), releases the untried; answers the error as recorded. */
    private String failed(DeliveryStore.Claimed failed, Exception failure, List<DeliveryStore.Claimed> untried) {
        String error = SensitiveValues.inText(TransientFailures.describeWithRootCause(failure));
        lastError = error;
        lastErrorObject = failed.objectKey();
        boolean permanent = DeliveryFailures.permanent(failure);
        boolean expired = Duration.between(failed.createdAt(), OffsetDateTime.now()).toMillis() >= destination.maxAgeMs();
        long retryIn = backoff(failed.attempts() + 1);
        DeliveryStore.Claimed dead = permanent || expired ? failed : null;
        if (dead != null) {
            String why = permanent ? "retrying cannot help" : "retried for longer than mono.forward." + destination.name() + ".max-age";
            LOG.error("Delivery #{} of {} event {} to {} is dead ({}): {}", dead.id(), dead.eventType(), dead.dedupeKey(),
                    destination.name(), why, error);
            metrics.dead();
        } else {
            LOG.warn("Delivery #{} of {} event {} to {} failed (attempt {}), next try in {} ms; later deliveries of {} wait: {}",
                    failed.id(), failed.eventType(), failed.dedupeKey(), destination.name(), failed.attempts() + 1, retryIn,
                    failed.objectKey() == null ? "no other object" : "object " + failed.objectKey(), error);
            metrics.failed();
        }
        if (!permanent) {
            countTowardsTheCircuit(failed);
        }
        try {
            store.settle(new DeliveryStore.Settlement(List.of(), failed, error, dead != null, retryIn,
                    untried.stream().map(DeliveryStore.Claimed::id).toList()), c -> {
                        alerts.queueDeliveryAlert(c, dead.eventType(), dead.inboxId(), dead.id(), alertDetails(dead, error));
                        return null;
                    });
        } catch (SQLException e) {
            LOG.warn("Delivery #{} to {}: its failure could not be recorded (its lease ends and it is sent again): {}",
                    failed.id(), destination.name(), TransientFailures.describe(e));
        }
        return error;
    }

    /** Several objects failing in a row, none succeeding: the destination itself is away. */
    private void countTowardsTheCircuit(DeliveryStore.Claimed failed) {
        synchronized (circuitLock) {
            if (failuresInARow == 0) {
                failingSince = java.time.Instant.now();
            }
            failuresInARow++;
            failingObjects.add(failed.objectKey() == null ? "#" + failed.id() : failed.objectKey());
            if (failingObjects.size() >= CIRCUIT_FAILURES || circuitOpenUntil != 0) {
                long wait = backoff(++circuitOpenings);
                circuitOpenUntil = System.currentTimeMillis() + wait;
                LOG.warn("Forwarding to {} paused for {} ms: {} sends to {} objects failed in a row (circuit open)",
                        destination.name(), wait, failuresInARow, failingObjects.size());
            }
        }
    }

    /**
     * An HTTP destination took the delivery only when it answered 2xx: a URI with throwExceptionOnFailure=false,
     * or a redirect not followed, must not count as delivered. Null when accepted.
     */
    private Exception notAccepted(Exchange exchange) {
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            return null;
        }
        Integer status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        return status != null && status >= 200 && status < 300 ? null
                : new IllegalStateException("the destination answered HTTP " + status + ", not 2xx: not delivered");
    }

    /** initial-backoff doubled per attempt, capped at max-backoff. */
    long backoff(int attempts) {
        return Backoff.doubling(destination.initialBackoffMs(), destination.maxBackoffMs(), attempts - 1);
    }

    private Map<String, String> alertDetails(DeliveryStore.Claimed dead, String error) {
        Map<String, String> details = new LinkedHashMap<>();
        details.put("destination", destination.name());
        details.put("deliveryId", Long.toString(dead.id()));
        details.put("eventType", dead.eventType());
        details.put("dedupeKey", dead.dedupeKey());
        details.put("inboxId", Long.toString(dead.inboxId()));
        details.put("objectId", dead.objectKey() == null ? "-" : dead.objectKey());
        details.put("attempts", Integer.toString(dead.attempts() + 1));
        details.put("reason", error);
        return details;
    }

    /**
     * The event exactly as Mono sent it, with the Mono headers, and what each kind of destination uses to
     * de-duplicate and order: Kafka's record key, HTTP's Idempotency-Key, JMS's correlation id. With tracing on,
     * the attempt's span as {@code traceparent}: an HTTP header, a Kafka record header, a JMS/AMQP message property.
     */
    private Exchange exchangeFor(DeliveryStore.Claimed delivery, String traceparent) {
        Exchange exchange = new DefaultExchange(template.getCamelContext(), ExchangePattern.InOnly);
        exchange.setProperty(ExchangePropertyKey.CHARSET_NAME, StandardCharsets.UTF_8.name());
        var in = exchange.getIn();
        // The body, and its content type where the kind of destination carries it as a header.
        in.setBody(delivery.body());
        in.setHeader(Vocabulary.EVENT_TYPE, delivery.eventType());
        if (delivery.eventId() != null) {
            in.setHeader(Vocabulary.EVENT_ID, delivery.eventId());
        }
        in.setHeader(Vocabulary.DEDUPE_KEY, delivery.dedupeKey());
        if (traceparent != null) {
            in.setHeader(Tracing.TRACEPARENT, traceparent);
        }
        switch (scheme) {
            case "kafka" -> {
                in.setHeader(Exchange.CONTENT_TYPE, JSON_UTF8.toString());
                if (delivery.objectKey() != null) {
                    in.setHeader(KafkaConstants.KEY, delivery.objectKey());
                }
            }
            case "http", "https" -> {
                // The entity with its content type made once: camel-http parsed the Content-Type header for every send.
                in.setBody(new org.apache.hc.core5.http.io.entity.StringEntity(delivery.body(), JSON_UTF8));
                in.setHeader("Idempotency-Key", delivery.dedupeKey());
                // camel-http sends a GET without the body when the URI has a query string and no method is set. The enum,
                // not "POST": camel-http reads it as HttpMethods, and converting the string took a third of a send's CPU.
                in.setHeader(Exchange.HTTP_METHOD, org.apache.camel.component.http.HttpMethods.POST);
            }
            case "jms", "amqp", "activemq", "sjms", "sjms2" -> {
                // No Content-Type header: the AMQP content type says it (JmsConnector); a header would become a
                // Content_HYPHEN_Type property.
                in.setHeader("JMSCorrelationID", delivery.dedupeKey());
            }
            default -> {
                // A route of the integration team's own (direct:) or another component: everything it may need.
                in.setHeader(Exchange.CONTENT_TYPE, JSON_UTF8.toString());
                in.setHeader(Vocabulary.INBOX_ID, delivery.inboxId());
                if (delivery.objectKey() != null) {
                    in.setHeader(DeliveryRoutes.OBJECT_KEY, delivery.objectKey());
                }
            }
        }
        return exchange;
    }
}
