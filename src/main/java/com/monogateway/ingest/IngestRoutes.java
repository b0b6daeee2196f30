package com.monogateway.ingest;

import com.monogateway.http.Answers;
import com.monogateway.vocabulary.Vocabulary;
import java.sql.SQLException;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook endpoint: {@code POST {{mono.webhook.path}}}. Stores the event, answers, and hands a
 * new event to the processing side without waiting for it.
 */
public final class IngestRoutes extends RouteBuilder {

    public static final String ROUTE_ID = "mono-webhook-ingest";

    private static final Logger LOG = LoggerFactory.getLogger(IngestRoutes.class);

    private final WebhookReceiver receiver;

    public IngestRoutes(WebhookReceiver receiver) {
        this.receiver = receiver;
    }

    @Override
    public void configure() {
        errorHandler(defaultErrorHandler()); // the context default is none; onException needs one
        // The database could not take the write: 503 so that Mono retries; never a 200 for what is not stored.
        onException(SQLException.class)
                .handled(true)
                .process(e -> {
                    LOG.error("Could not store a webhook, answering 503 so Mono retries: {}",
                            e.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class).toString());
                    Answers.set(e, 503, Answers.error("unavailable", "the event could not be stored; retry later"));
                });
        onException(Exception.class)
                .handled(true)
                .process(e -> {
                    LOG.error("Unexpected failure while receiving a webhook", e.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class));
                    Answers.set(e, 500, Answers.error("internal_error", "the event could not be stored; retry later"));
                });

        from("platform-http:{{mono.webhook.path}}?httpMethodRestrict=POST&muteException=true")
                .routeId(ROUTE_ID)
                .process(receiver)
                .filter(exchangeProperty(Vocabulary.INBOX_ID).isNotNull())
                    // Never waits: when the queue is full the periodic sweep picks the event up from the inbox.
                    .to(Vocabulary.NEW_EVENTS + "&waitForTaskToComplete=Never&discardWhenFull=true")
                .end();
    }
}
