package com.monogateway.ingest;

import com.monogateway.http.HttpErrorAnswers;
import com.monogateway.vocabulary.Vocabulary;
import org.apache.camel.builder.RouteBuilder;

/**
 * The webhook endpoint: {@code POST {{mono.webhook.path}}}. Stores the event, answers, and hands a
 * new event to the processing side without waiting for it.
 */
public final class IngestRoutes extends RouteBuilder {

    public static final String ROUTE_ID = "mono-webhook-ingest";
    /** The registry name of the webhook port's {@link com.monogateway.http.EventLoopHttpEngine}. */
    public static final String HTTP_ENGINE = "mono-webhook-http-engine";

    private final WebhookReceiver receiver;

    public IngestRoutes(WebhookReceiver receiver) {
        this.receiver = receiver;
    }

    @Override
    public void configure() {
        // The context's default is no error handler, and a route takes that over its configuration's.
        errorHandler(defaultErrorHandler());
        from("platform-http:{{mono.webhook.path}}?httpMethodRestrict=POST&muteException=true"
                + "&headerFilterStrategy=#class:" + WebhookHeaders.class.getName()
                // The route never blocks (the receiver waits for its commit without a thread): it runs on the event loop.
                + "&platformHttpEngine=#" + HTTP_ENGINE)
                .routeId(ROUTE_ID)
                // The receiver takes the body's bytes once; a stream cache would copy them twice before that.
                .streamCache("false")
                .routeConfigurationId(HttpErrorAnswers.WEBHOOK)
                .process(receiver)
                .filter(exchangeProperty(Vocabulary.INBOX_ID).isNotNull())
                    // Never waits: when the queue is full the periodic sweep picks the event up from the inbox.
                    .to(Vocabulary.WAKE_PROCESSING)
                .end();
    }
}
