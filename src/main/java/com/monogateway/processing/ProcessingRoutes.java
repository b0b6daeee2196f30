package com.monogateway.processing;

import com.monogateway.alerts.AlertQueue;
import com.monogateway.config.GatewaySettings;
import com.monogateway.database.TransientFailures;
import com.monogateway.event.EventSet;
import com.monogateway.failure.DeadLetters;
import com.monogateway.vocabulary.Vocabulary;
import java.util.Optional;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.ShutdownRunningTask;
import org.apache.camel.builder.DeadLetterChannelBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fixed machinery around the YAML event routes: feeds stored events to {@link InboxWorker}
 * (right after receipt, and by a periodic sweep), runs each set of events ({@code event.EventSet}) through the YAML
 * router ({@code direct:mono-event}), queues alerts for alerting event types and deliveries to the ESB, and
 * sends what still fails after every redelivery to the dead-letter store.
 */
public final class ProcessingRoutes extends RouteBuilder {

    /** A set of one event, as built by {@link InboxWorker}, goes through here: redelivered, then dead-lettered. */
    public static final String PROCESS = "direct:mono-process";
    /**
     * The same steps for a set of any size, without any error handling: the first failure comes straight back to
     * {@link InboxWorker}, which then redoes the batch one event at a time through {@link #PROCESS}.
     */
    public static final String PROCESS_OR_FAIL = "direct:mono-process-or-fail";
    /** The steps of processing a set, shared by both entries. */
    private static final String APPLY = "direct:mono-apply";
    /** The YAML content-based router (routes/event-router.camel.yaml). */
    public static final String EVENT_ROUTER = "direct:mono-event";
    /** The Dead Letter Channel's target. */
    public static final String DEAD_LETTER = "direct:mono-dead-letter";

    private static final Logger LOG = LoggerFactory.getLogger(ProcessingRoutes.class);

    // Start after the YAML routes (auto-numbered from 1000) so no event meets a missing handler, stop before them.
    private static final int START_LAST = 10_000;

    private final InboxWorker processor;
    /** Records an applied event's deliveries (the outbox); the worker writes them with its batch. */
    private final BatchOutbox outbox;
    /** Schedules the calls to Mono's API an applied event needs (see the monoapi package); absent without a key. */
    private final Optional<Processor> apiChecks;
    private final GatewaySettings.Redelivery redelivery;
    private final AlertQueue alerts;
    private final DeadLetters deadLetters;

    public ProcessingRoutes(InboxWorker processor, GatewaySettings settings, AlertQueue alerts, DeadLetters deadLetters,
            Optional<Processor> apiChecks) {
        this.processor = processor;
        this.outbox = processor.outbox();
        this.apiChecks = apiChecks;
        this.redelivery = settings.redelivery();
        this.alerts = alerts;
        this.deadLetters = deadLetters;
    }

    @Override
    public void configure() {
        from(PROCESS).routeId("mono-process")
                .errorHandler(deadLetterChannel())
                // A deadlock or a lost connection is not retried in place: the whole batch is rolled back
                // (see InboxWorker) and its events are claimed again; nothing is dead-lettered for it.
                .onException(Exception.class).onWhen(exchange -> TransientFailures.needsNewTransaction(caught(exchange)))
                    .maximumRedeliveries(0).handled(true)
                .end()
                .to(APPLY);

        from(PROCESS_OR_FAIL).routeId("mono-process-or-fail")
                .errorHandler(noErrorHandler())
                .to(APPLY);

        // No error handler of its own (the context default is none): failures go to the caller's. A set of events
        // goes through the YAML router (and its handler's one statement), then each event through the steps after it.
        from(APPLY).routeId("mono-apply")
                .to(EVENT_ROUTER)
                .process(this::afterApplied);

        from(DEAD_LETTER).routeId("mono-dead-letter")
                .process(deadLetters::record);

        // New events wake the workers; each wake-up drains whatever waits. The queue holds one wake-up per
        // worker at most (more would find nothing left), and on shutdown is simply dropped: the inbox
        // keeps the events and the next start processes them.
        from(Vocabulary.NEW_EVENTS + "&concurrentConsumers={{mono.processing.workers}}")
                .routeId("mono-process-new-events").startupOrder(START_LAST)
                .shutdownRunningTask(ShutdownRunningTask.CompleteCurrentTaskOnly)
                .process(exchange -> processor.drain());

        from("timer:mono-inbox-sweep?delay=0&period={{mono.processing.sweep-interval-ms}}")
                .routeId("mono-inbox-sweep").startupOrder(START_LAST + 1)
                .process(exchange -> {
                    int seen = processor.drain();
                    if (seen > 0) {
                        LOG.info("Sweep processed {} event(s) left in the inbox", seen);
                    }
                });
    }

    /**
     * Each applied event of the set, in the order received: its calls to Mono's API scheduled (before the outbox, which
     * may hold deliveries for them), its alert queued, its deliveries to the ESB queued (written with the batch in its
     * transaction: processing never waits for, or fails because of, a destination; see the delivery package).
     */
    private void afterApplied(Exchange set) throws Exception {
        String outcome = set.getProperty(Vocabulary.OUTCOME, String.class);
        for (Exchange event : EventSet.events(set)) {
            if ("ignored".equals(outcome)) { // the router decides for the whole set
                event.setProperty(Vocabulary.OUTCOME, outcome);
                event.setProperty(Vocabulary.OUTCOME_REASON, set.getProperty(Vocabulary.OUTCOME_REASON));
                continue;
            }
            if (apiChecks.isPresent()) {
                apiChecks.get().process(event);
            }
            if (alerts.alertsOn(event.getIn().getHeader(Vocabulary.EVENT_TYPE, String.class))) {
                alerts.queueEventAlert(event);
            }
            outbox.record(event);
        }
    }

    /** What the routes threw for this exchange, handled or not; null if nothing. */
    static Exception caught(Exchange exchange) {
        return exchange.getException() != null ? exchange.getException() : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
    }

    /** Redelivers a failing event with exponential backoff, then hands it to the dead-letter store. */
    private DeadLetterChannelBuilder deadLetterChannel() {
        DeadLetterChannelBuilder dlc = deadLetterChannel(DEAD_LETTER);
        // Not useOriginalMessage: the dead-letter store reads the set's events from its property, never its message,
        // and that option makes Camel copy (and stream-cache) the first message of every exchange of every route.
        dlc.maximumRedeliveries(redelivery.maxAttempts() - 1)
                .redeliveryDelay(redelivery.initialDelayMs())
                .useExponentialBackOff()
                .backOffMultiplier(redelivery.backoffMultiplier())
                .maximumRedeliveryDelay(redelivery.maxDelayMs())
                .logRetryAttempted(false)
                .logExhausted(false)
                .onRedelivery(exchange -> {
                    processor.rollbackAttempt();
                    var in = EventSet.only(exchange).getIn(); // redelivered: a set of one
                    Exception cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
                    LOG.warn("Retrying {} event {} (#{}), attempt {} of {}, after: {}",
                            in.getHeader(Vocabulary.EVENT_TYPE), in.getHeader(Vocabulary.DEDUPE_KEY),
                            in.getHeader(Vocabulary.INBOX_ID), exchange.getIn().getHeader(Exchange.REDELIVERY_COUNTER, Integer.class) + 1,
                            redelivery.maxAttempts(), cause == null ? "?" : cause.toString());
                });
        return dlc;
    }
}
