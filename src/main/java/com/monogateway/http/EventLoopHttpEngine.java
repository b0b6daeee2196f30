package com.monogateway.http;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.component.platform.http.PlatformHttpEndpoint;
import org.apache.camel.component.platform.http.spi.PlatformHttpConsumer;
import org.apache.camel.component.platform.http.spi.PlatformHttpSecurityHandler;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpConsumer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpEngine;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;

/**
 * A platform-http engine for routes that never block: its consumer runs the route on the request's Vert.x event loop
 * through Camel's asynchronous routing engine, and writes the answer when the route calls back, from whatever thread.
 * Camel's own consumer runs every request on a Vert.x worker thread and calls the route synchronously
 * ({@code executeBlocking}; an asynchronous mode is CAMEL-18383, open): a webhook then held a worker parked until its
 * group commit, and handing each request to a worker and back cost more CPU than storing it (docs/benchmarks.md).
 * Chosen per endpoint ({@code platformHttpEngine=#...}); the admin routes, which block on queries, keep Camel's.
 *
 * <p>The answer is the route's status, {@code Content-Type} and body, and no other header: nothing a request sent can
 * reach the response. A route that ends with an exception it did not handle is answered 500 without details.
 */
public final class EventLoopHttpEngine extends VertxPlatformHttpEngine {

    private static final String FAILED = Answers.error("internal_error", "the request could not be completed; retry later");

    private final String routerName;

    /** @param port the port whose router the consumers attach to (GuardedHttpServer binds it by that name) */
    public EventLoopHttpEngine(int port) {
        this.routerName = VertxPlatformHttpRouter.getRouterNameFromPort(port);
    }

    @Override
    public PlatformHttpConsumer createConsumer(PlatformHttpEndpoint endpoint, Processor processor) {
        return new EventLoopConsumer(endpoint, processor, getHandlers(), routerName);
    }

    /** Camel passes a security handler only for an endpoint given an OAuth profile; this consumer would not apply it. */
    @Override
    public PlatformHttpConsumer createConsumer(PlatformHttpEndpoint endpoint, Processor processor,
            PlatformHttpSecurityHandler securityHandler) {
        if (securityHandler != null) {
            throw new IllegalArgumentException("platform-http:" + endpoint.getPath()
                    + ": EventLoopHttpEngine does not apply security handlers (OAuth); use Camel's own engine there");
        }
        return createConsumer(endpoint, processor);
    }

    private static final class EventLoopConsumer extends VertxPlatformHttpConsumer {

        EventLoopConsumer(PlatformHttpEndpoint endpoint, Processor processor,
                java.util.List<io.vertx.core.Handler<RoutingContext>> handlers, String routerName) {
            super(endpoint, processor, handlers, routerName);
        }

        @Override
        protected void handleRequest(RoutingContext ctx) {
            if (isSuspended()) {
                ctx.response().setStatusCode(503);
                ctx.end();
                return;
            }
            Exchange exchange = createExchange(false);
            exchange.setPattern(ExchangePattern.InOut);
            processHttpRequest(exchange, ctx).onComplete(read -> {
                if (read.failed()) {
                    fail(ctx, exchange, read.cause());
                    return;
                }
                Context loop = Vertx.currentContext();
                try {
                    createUoW(exchange);
                    getAsyncProcessor().process(exchange, doneSync -> {
                        if (loop == null || Vertx.currentContext() == loop) {
                            answer(ctx, exchange);
                        } else {
                            loop.runOnContext(ignored -> answer(ctx, exchange));
                        }
                    });
                } catch (Exception e) {
                    fail(ctx, exchange, e);
                }
            });
        }

        private void answer(RoutingContext ctx, Exchange exchange) {
            HttpServerResponse response = ctx.response();
            if (response.ended() || response.closed()) { // answered by the request deadline, or the caller went away
                complete(exchange);
                return;
            }
            Message message = exchange.getMessage();
            Integer status = message.getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
            Object body = message.getBody();
            if (exchange.getException() != null || status == null) {
                if (exchange.getException() != null) {
                    getExceptionHandler().handleException("Failed handling " + getEndpoint().getPath(), exchange,
                            exchange.getException());
                }
                response.setStatusCode(500).putHeader("Content-Type", "application/json");
                body = FAILED;
            } else {
                response.setStatusCode(status);
                String contentType = message.getHeader(Exchange.CONTENT_TYPE, String.class);
                if (contentType != null) {
                    response.putHeader("Content-Type", contentType);
                }
            }
            response.end(body == null ? "" : body.toString()).onComplete(written -> {
                if (written.failed()) { // the caller went away; it retries what it did not see answered
                    getExceptionHandler().handleException("Failed answering " + getEndpoint().getPath(), written.cause());
                }
                complete(exchange);
            });
        }

        private void fail(RoutingContext ctx, Exchange exchange, Throwable failure) {
            getExceptionHandler().handleException("Failed handling " + getEndpoint().getPath(), failure);
            ctx.fail(failure);
            complete(exchange);
        }

        private void complete(Exchange exchange) {
            doneUoW(exchange);
            releaseExchange(exchange, false);
        }
    }
}
