package com.monogateway.ingest;

import io.vertx.core.http.HttpMethod;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;

/**
 * Camel stops the webhook route (and removes it from the HTTP router) a moment before it closes the
 * HTTP server. Without this, a webhook arriving in that moment would get 404, which Mono may not
 * retry the same way; with it, it gets the same 503 as any other request refused during a shutdown.
 */
public final class ShutdownFallback {

    private ShutdownFallback() {
    }

    /** Adds a last-resort POST handler on the webhook path; it answers only once a shutdown has begun. */
    public static void install(CamelContext context, String webhookPath, IngestGate gate) {
        int port = Integer.parseInt(context.getPropertiesComponent().resolveProperty("camel.server.port").orElse("8080"));
        VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(context, VertxPlatformHttpRouter.getRouterNameFromPort(port));
        if (router == null) {
            throw new IllegalStateException("no HTTP router for port " + port + "; camel.server.enabled must be true");
        }
        router.route(HttpMethod.POST, webhookPath).order(Integer.MAX_VALUE).handler(request -> {
            if (gate.isDraining()) {
                request.response().setStatusCode(503).putHeader("Content-Type", "application/json").end(IngestGate.REFUSAL);
            } else {
                request.next();
            }
        });
    }
}
