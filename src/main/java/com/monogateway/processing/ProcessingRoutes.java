package com.monogateway.processing;

import com.monogateway.ingest.IngestRoutes;
import com.monogateway.ingest.WebhookReceiver;
import java.util.Optional;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;

/**
 * The fixed machinery around the YAML event routes: feeds stored events to {@link InboxProcessor}
 * (right after receipt, and by a periodic sweep), and runs each event through the YAML router
 * ({@code direct:mono-event}) and then to the ESB forward endpoint when one is configured.
 */
public final class ProcessingRoutes extends RouteBuilder {

    /** One event exchange, as built by {@link InboxProcessor}, goes through here. */
    public static final String PROCESS = "direct:mono-process";
    /** The YAML content-based router (routes/event-router.camel.yaml). */
    public static final String EVENT_ROUTER = "direct:mono-event";
    /** Sends an applied event to mono.forward.uri. */
    public static final String FORWARD = "direct:mono-forward";

    // Start after the YAML routes (auto-numbered from 1000) so no event meets a missing handler, stop before them.
    private static final int START_LAST = 10_000;

    private final InboxProcessor processor;
    private final Optional<String> forwardUri;

    public ProcessingRoutes(InboxProcessor processor, Optional<String> forwardUri) {
        this.processor = processor;
        this.forwardUri = forwardUri;
    }

    @Override
    public void configure() {
        from(PROCESS).routeId("mono-process")
                .to(EVENT_ROUTER)
                .filter(exchange -> forwardUri.isPresent()
                        && !"ignored".equals(exchange.getProperty(ProcessingHeaders.OUTCOME, String.class)))
                    .to(FORWARD)
                .end();

        if (forwardUri.isPresent()) {
            from(FORWARD).routeId("mono-forward")
                    .removeHeaders("*", ProcessingHeaders.EVENT_TYPE, ProcessingHeaders.EVENT_ID, ProcessingHeaders.DEDUPE_KEY)
                    .setHeader(Exchange.CONTENT_TYPE, constant("application/json"))
                    .setBody(exchangeProperty(ProcessingHeaders.PAYLOAD))
                    .to(forwardUri.get());
        }

        from(IngestRoutes.NEW_EVENTS + "&concurrentConsumers={{mono.processing.workers}}")
                .routeId("mono-process-new-events").startupOrder(START_LAST)
                .process(exchange -> processor.processOne(exchange.getProperty(WebhookReceiver.STORED_EVENT_ID, Long.class)));

        from("timer:mono-inbox-sweep?delay=0&period={{mono.processing.sweep-interval-ms}}")
                .routeId("mono-inbox-sweep").startupOrder(START_LAST + 1)
                .process(exchange -> processor.sweep());
    }
}
