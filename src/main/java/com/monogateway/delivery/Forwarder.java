package com.monogateway.delivery;

import com.monogateway.alerts.AlertQueue;
import com.monogateway.config.GatewaySettings.Destination;
import com.monogateway.config.SensitiveValues;
import com.monogateway.database.TransientFailures;
import com.monogateway.vocabulary.Vocabulary;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.ExchangePattern;
import org.apache.camel.ExchangePropertyKey;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.DefaultExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one destination's deliveries, on a thread of its own and outside any processing transaction:
 * claims the oldest due ones (a lease, committed before sending, so no database lock is held while a
 * send waits), sends them in order through {@code direct:mono-deliver-<name>}, and settles them. A
 * failure stops the batch: the failed delivery is retried first, with exponential back-off, so the
 * destination never gets a newer event of an object before an older one. A failure that retrying cannot
 * fix, or one older than {@code max-age}, makes the delivery dead: listed, alerted, retried by hand.
 */
final class Forwarder {

    private static final Logger LOG = LoggerFactory.getLogger(Forwarder.class);
    private static final int BATCH = 100;
    private static final long IDLE_POLL_MS = 500;

    private final Destination destination;
    private final DeliveryStore store;
    private final ProducerTemplate template;
    private final AlertQueue alerts;
    private final DeliveryMetrics metrics;
    private final String endpoint;
    private final String scheme;
    private final Semaphore wakeups = new Semaphore(0);
    private volatile boolean running;
    private volatile String lastError;
    private Thread thread;

    Forwarder(Destination destination, DeliveryStore store, ProducerTemplate template, AlertQueue alerts, DeliveryMetrics metrics) {
        this.destination = destination;
        this.store = store;
        this.template = template;
        this.alerts = alerts;
        this.metrics = metrics;
        this.endpoint = DeliveryRoutes.sendEndpoint(destination);
        int colon = destination.uri().indexOf(':');
        this.scheme = colon < 0 ? "" : destination.uri().substring(0, colon).toLowerCase(Locale.ROOT);
    }

    Destination destination() {
        return destination;
    }

    /** The last send failure, or null once a send succeeded again: shown in health and metrics. */
    String lastError() {
        return lastError;
    }

    void start() {
        running = true;
        thread = new Thread(this::run, "mono-forward-" + destination.name());
        thread.setDaemon(true);
        thread.start();
    }

    /** Asks the thread to stop after its current send; see {@link #awaitStop}. */
    void requestStop() {
        running = false;
        wakeups.release();
    }

    /** Waits until the thread ended, or the deadline (System.nanoTime) passed. */
    void awaitStop(long deadlineNanos) throws InterruptedException {
        if (thread != null) {
            thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime())));
        }
    }

    /** New deliveries were committed: look now instead of at the next poll. */
    void wake() {
        if (wakeups.availablePermits() == 0) {
            wakeups.release();
        }
    }

    private void run() {
        while (running) {
            int sent = 0;
            try {
                sent = forwardOnce();
            } catch (Exception e) {
                LOG.warn("Forwarding to {} paused: {}", destination.name(), TransientFailures.describe(e));
            }
            if (sent == 0) {
                try {
                    wakeups.tryAcquire(IDLE_POLL_MS, TimeUnit.MILLISECONDS);
                    wakeups.drainPermits();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** One claim, its sends and their settlement; answers how many were delivered. */
    int forwardOnce() throws Exception {
        List<DeliveryStore.Claimed> batch = store.claim(destination.name(), BATCH, destination.leaseMs());
        if (batch.isEmpty()) {
            return 0;
        }
        long started = System.nanoTime();
        List<Long> delivered = new ArrayList<>();
        DeliveryStore.Claimed failed = null;
        Exception failure = null;
        int next = 0;
        for (; next < batch.size(); next++) {
            if (System.nanoTime() - started > TimeUnit.MILLISECONDS.toNanos(destination.leaseMs() / 3)) {
                break; // a slow destination: settle what went out long before the lease could run out
            }
            DeliveryStore.Claimed delivery = batch.get(next);
            Exchange exchange = exchangeFor(delivery);
            template.send(endpoint, exchange);
            Exception refused = exchange.getException() != null ? exchange.getException() : notAccepted(exchange);
            if (refused == null) {
                delivered.add(delivery.id());
                metrics.delivered(destination.name(), delivery.createdAt());
            } else {
                failed = delivery;
                failure = refused;
                next++;
                break;
            }
        }
        List<Long> untried = batch.subList(next, batch.size()).stream().map(DeliveryStore.Claimed::id).toList();
        if (failed == null) {
            lastError = null;
            store.settle(new DeliveryStore.Settlement(delivered, null, null, false, 0, untried), c -> null);
            return delivered.size();
        }
        String error = SensitiveValues.inText(TransientFailures.describeWithRootCause(failure));
        lastError = error;
        boolean permanent = DeliveryFailures.permanent(failure);
        boolean expired = Duration.between(failed.createdAt(), OffsetDateTime.now()).toMillis() >= destination.maxAgeMs();
        long retryIn = backoff(failed.attempts() + 1);
        DeliveryStore.Claimed dead = permanent || expired ? failed : null;
        if (dead != null) {
            String why = permanent ? "retrying cannot help" : "retried for longer than mono.forward." + destination.name() + ".max-age";
            LOG.error("Delivery #{} of {} event {} to {} is dead ({}): {}", dead.id(), dead.eventType(), dead.dedupeKey(),
                    destination.name(), why, error);
            metrics.dead(destination.name());
        } else {
            LOG.warn("Delivery #{} of {} event {} to {} failed (attempt {}), next try in {} ms; later deliveries wait: {}",
                    failed.id(), failed.eventType(), failed.dedupeKey(), destination.name(), failed.attempts() + 1, retryIn, error);
            metrics.failed(destination.name());
        }
        store.settle(new DeliveryStore.Settlement(delivered, failed, error, dead != null, retryIn, untried), c -> {
            alerts.queueDeliveryAlert(c, dead.eventType(), dead.inboxId(), dead.id(), alertDetails(dead, error));
            return null;
        });
        return delivered.size();
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
        double delay = destination.initialBackoffMs() * Math.pow(2, Math.max(0, attempts - 1));
        return (long) Math.min(destination.maxBackoffMs(), delay);
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
     * de-duplicate and order: Kafka's record key, HTTP's Idempotency-Key, JMS's correlation id.
     */
    private Exchange exchangeFor(DeliveryStore.Claimed delivery) {
        Exchange exchange = new DefaultExchange(template.getCamelContext(), ExchangePattern.InOnly);
        exchange.setProperty(ExchangePropertyKey.CHARSET_NAME, StandardCharsets.UTF_8.name());
        var in = exchange.getIn();
        in.setBody(delivery.body());
        in.setHeader(Exchange.CONTENT_TYPE, "application/json; charset=UTF-8");
        in.setHeader(Vocabulary.EVENT_TYPE, delivery.eventType());
        if (delivery.eventId() != null) {
            in.setHeader(Vocabulary.EVENT_ID, delivery.eventId());
        }
        in.setHeader(Vocabulary.DEDUPE_KEY, delivery.dedupeKey());
        switch (scheme) {
            case "kafka" -> {
                if (delivery.objectKey() != null) {
                    in.setHeader(KafkaConstants.KEY, delivery.objectKey());
                }
            }
            case "http", "https" -> {
                in.setHeader("Idempotency-Key", delivery.dedupeKey());
                // camel-http sends a GET without the body when the URI has a query string and no method is set.
                in.setHeader(Exchange.HTTP_METHOD, "POST");
            }
            case "jms", "amqp", "activemq", "sjms", "sjms2" -> in.setHeader("JMSCorrelationID", delivery.dedupeKey());
            default -> {
                // A route of the integration team's own (direct:) or another component: everything it may need.
                in.setHeader(Vocabulary.INBOX_ID, delivery.inboxId());
                if (delivery.objectKey() != null) {
                    in.setHeader(DeliveryRoutes.OBJECT_KEY, delivery.objectKey());
                }
            }
        }
        return exchange;
    }
}
