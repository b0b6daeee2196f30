package com.monogateway.ingest;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import java.util.function.Consumer;

/**
 * The port opens a moment before the webhook route starts, and Camel stops the route (and removes it
 * from the HTTP router) a moment before it closes the port. Without this, a webhook arriving in either
 * moment would get 404, which Mono may not retry the same way; with it, it gets 503.
 * A request that slips past the gate while the route is being suspended can also end with a bare 500
 * from Camel (seen once in about ten runs of GracefulShutdownTest); during a shutdown that becomes 503 too.
 * Both mean "retry" to Mono; 503 is the one the gateway promises.
 */
public final class ShutdownFallback implements Consumer<Router> {

    private static final String NOT_YET = com.monogateway.http.Answers.error("starting", "the gateway is starting; retry shortly");

    private final String webhookPath;
    private final IngestGate gate;

    public ShutdownFallback(String webhookPath, IngestGate gate) {
        this.webhookPath = webhookPath;
        this.gate = gate;
    }

    /**
     * Adds, on the webhook path, a first handler that turns a 500 into 503 once a shutdown has begun, and a
     * last-resort POST handler that answers 503 once a shutdown has begun (the route is gone by then).
     */
    @Override
    public void accept(Router router) {
        router.route(HttpMethod.POST, webhookPath).order(Integer.MIN_VALUE).handler(request -> {
            request.addHeadersEndHandler(ignored -> {
                if (gate.isDraining() && request.response().getStatusCode() == 500) {
                    request.response().setStatusCode(503);
                }
            });
            request.next();
        });
        // Reached only while the webhook route is not there: still starting (the port opens before the routes
        // start) or already stopped. Either way "retry", never a 404 that Mono may treat differently.
        router.route(HttpMethod.POST, webhookPath).order(Integer.MAX_VALUE).handler(request -> request.response()
                .setStatusCode(503).putHeader("Content-Type", "application/json")
                .end(gate.isDraining() ? IngestGate.REFUSAL : NOT_YET));
    }
}
