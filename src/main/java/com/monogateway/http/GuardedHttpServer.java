package com.monogateway.http;

import com.monogateway.config.SettingsException;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.net.BindException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServerConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server of the webhook port and of the management port: Camel's platform-http Vert.x server,
 * started with what Camel main's own servers (camel.server.enabled, camel.management.enabled) leave out and
 * anyone who can reach the port could exploit:
 * <ul>
 * <li>an idle timeout and a per-request deadline (from the connection's first byte, or the previous
 * answer, to this answer), so half-sent headers or bodies cannot hold connections for ever;</li>
 * <li>guards (such as the webhook secret check) on the router before Camel's body handler, installed
 * before the port opens, so that a request can be refused before its body is read;</li>
 * <li>no file uploads, and a start that fails when the port cannot be bound (Camel's own server logs
 * the BindException and carries on, and readiness then lies).</li>
 * </ul>
 */
public final class GuardedHttpServer extends VertxPlatformHttpServer {

    private static final Logger LOG = LoggerFactory.getLogger(GuardedHttpServer.class);

    private final String purpose;
    private final String keys;
    private final long maxBodyBytes;
    private final long requestTimeoutMs;
    private final long idleTimeoutMs;
    private final List<Consumer<Router>> guards;
    private final Map<HttpConnection, Deadline> deadlines = new ConcurrentHashMap<>();
    /** Connections whose request was refused as unreadable: nothing more is read from them as a request. */
    private final java.util.Set<HttpConnection> ending = ConcurrentHashMap.newKeySet();
    private HttpServer server;
    private VertxPlatformHttpRouter router;
    private boolean ownVertx;

    /**
     * @param purpose what the port serves, for the logs ("webhook", "management")
     * @param keys the settings that name host and port, for a start error
     * @param guards add their routes to the router before the port opens
     */
    public GuardedHttpServer(String purpose, String keys, String host, int port, long maxBodyBytes, long requestTimeoutMs,
            long idleTimeoutMs, List<Consumer<Router>> guards) {
        super(configuration(host, port, maxBodyBytes));
        this.purpose = purpose;
        this.keys = keys;
        this.maxBodyBytes = maxBodyBytes;
        this.requestTimeoutMs = requestTimeoutMs;
        this.idleTimeoutMs = idleTimeoutMs;
        this.guards = guards;
    }

    private static VertxPlatformHttpServerConfiguration configuration(String host, int port, long maxBodyBytes) {
        VertxPlatformHttpServerConfiguration c = new VertxPlatformHttpServerConfiguration();
        c.setBindHost(host);
        c.setBindPort(port);
        c.setMaxBodySize(maxBodyBytes);
        c.setServerType(VertxPlatformHttpRouter.SERVER_TYPE_SERVER);
        return c;
    }

    /** The running server: platform-http finds the webhook port's router through it (the management port has one too). */
    @Override
    public HttpServer getServer() {
        return server;
    }

    /**
     * The router the platform-http consumers attach to. Its body handler is Vert.x's without file uploads:
     * Camel's, even with uploads switched off, writes multipart parts to ./file-uploads.
     */
    @Override
    protected void doInit() throws Exception {
        super.doInit();
        if (getVertx() == null) { // none shared in the registry
            setVertx(createVertxInstance());
            ownVertx = true;
        }
    }

    @Override
    protected void initializeServer() {
        String name = VertxPlatformHttpRouter.getRouterNameFromPort(getConfigurationPort());
        router = new VertxPlatformHttpRouter(this, getVertx(), Router.router(getVertx()), name,
                VertxPlatformHttpRouter.SERVER_TYPE_SERVER) {
            @Override
            public Handler<RoutingContext> bodyHandler() {
                BodyHandler body = BodyHandler.create(false).setBodyLimit(maxBodyBytes);
                return ctx -> {
                    ctx.request().resume(); // the router holds a request paused until someone reads it
                    body.handle(ctx);
                };
            }
        };
        getCamelContext().getRegistry().bind(name, router);
    }

    @Override
    protected void startServer() throws Exception {
        int port = getConfigurationPort();
        router.route().order(Integer.MIN_VALUE).handler(this::startRequest);
        guards.forEach(guard -> guard.accept(router));

        Vertx vertx = getVertx();
        HttpServerOptions options = new HttpServerOptions()
                // Mono posts HTTP/1.1; cleartext HTTP/2 upgrades only widen what the codec must get right.
                .setHttp2ClearTextEnabled(false)
                .setIdleTimeout((int) Math.max(1, idleTimeoutMs))
                .setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
        HttpServer created = vertx.createHttpServer(options)
                .connectionHandler(this::openConnection)
                .requestHandler(router);
        try {
            server = created.listen(port, getHost()).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            String reason = cause instanceof BindException ? "it is in use or not allowed" : String.valueOf(cause);
            throw new SettingsException("cannot listen on " + getHost() + ":" + port + " (" + keys + "): " + reason);
        } catch (TimeoutException e) {
            throw new SettingsException("the " + purpose + " HTTP server on port " + port + " did not start within 30 s");
        }
        LOG.info("{} HTTP server listening on {}:{} (request timeout {} ms, idle timeout {} ms)", purpose, getHost(),
                server.actualPort(), requestTimeoutMs, idleTimeoutMs);
    }

    @Override
    protected void stopServer() {
        HttpServer closing = server;
        server = null;
        if (closing != null) {
            try {
                closing.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
                LOG.info("{} HTTP server stopped", purpose);
            } catch (Exception e) {
                LOG.warn("The {} HTTP server did not close cleanly: {}", purpose, e.toString());
            }
        }
    }

    @Override
    protected void stopVertx() {
        if (ownVertx && getVertx() != null) {
            try {
                getVertx().close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warn("Vert.x did not close cleanly: {}", e.toString());
            }
        }
    }

    private void openConnection(HttpConnection connection) {
        Deadline deadline = new Deadline(connection);
        deadlines.put(connection, deadline);
        connection.closeHandler(ignored -> {
            deadlines.remove(connection).cancel();
            ending.remove(connection);
        });
        deadline.arm(null);
    }

    /** First handler of every request: the deadline now covers this request, until its answer is sent. */
    private void startRequest(RoutingContext ctx) {
        if (ending.contains(ctx.request().connection())) {
            // Pipelined behind a refused request (Vert.x reads it before the close): its bytes are not a request.
            ctx.request().connection().close();
            return;
        }
        Deadline deadline = deadlines.get(ctx.request().connection());
        if (deadline != null) {
            deadline.current(ctx);
            ctx.addEndHandler(ignored -> deadline.arm(ctx));
        }
        if (!plainTransferEncoding(ctx.request().headers().getAll(HttpHeaders.TRANSFER_ENCODING))) {
            // Netty takes an encoding it does not know (xchunked, "chunked, identity") as no body at all and reads
            // the body as the next request: a request smuggled past whatever parsed it differently on the way.
            // Refused, and the connection closed so that its remaining bytes are never read as a request.
            ending.add(ctx.request().connection());
            Refusals.refuse(ctx, 400, Answers.error("bad_request",
                    "Transfer-Encoding must be chunked or absent"), -1);
            return;
        }
        ctx.next();
    }

    /** No Transfer-Encoding, or exactly one "chunked". */
    static boolean plainTransferEncoding(List<String> values) {
        return values.isEmpty() || values.size() == 1 && "chunked".equalsIgnoreCase(values.get(0).strip());
    }

    /**
     * One connection's timer: from its opening, or the end of an answer, to the end of the next answer.
     * When it fires, a request still being read gets 408, one still being processed 503 (both mean
     * "retry" to Mono), and the connection is closed. An answer only moves the period's end; the timer, once
     * set, stays, and when it fires before that end it is set again for what is left: a timer cancelled and set
     * again for every request was 2 % of the gateway's CPU at full speed.
     */
    private final class Deadline {
        private final HttpConnection connection;
        private long timer = -1;
        /** When the current period ends ({@link System#nanoTime}). */
        private long endsAt;
        private RoutingContext current;

        Deadline(HttpConnection connection) {
            this.connection = connection;
        }

        synchronized void current(RoutingContext ctx) {
            current = ctx;
        }

        /** Starts the next period; {@code finished} is the request whose answer was just sent, if any. */
        synchronized void arm(RoutingContext finished) {
            if (finished != null && finished != current) {
                return;
            }
            current = null;
            long timeoutMs = Math.max(1, requestTimeoutMs);
            endsAt = System.nanoTime() + timeoutMs * 1_000_000;
            if (timer < 0) {
                timer = getVertx().setTimer(timeoutMs, ignored -> fire());
            }
        }

        synchronized void cancel() {
            if (timer >= 0) {
                getVertx().cancelTimer(timer);
                timer = -1;
            }
        }

        private synchronized void fire() {
            timer = -1;
            long leftMs = (endsAt - System.nanoTime() + 999_999) / 1_000_000;
            if (leftMs > 0) {
                timer = getVertx().setTimer(leftMs, ignored -> fire()); // an answer moved the end since it was set
                return;
            }
            expire();
        }

        private void expire() {
            RoutingContext ctx = current;
            if (ctx != null && !ctx.response().ended() && !ctx.response().headWritten()) {
                boolean reading = !ctx.request().isEnded();
                LOG.warn("Closing a connection from {}: {} {} took longer than mono.http.request-timeout ({} ms)",
                        connection.remoteAddress(), ctx.request().method(), ctx.request().path(), requestTimeoutMs);
                ctx.response().setStatusCode(reading ? 408 : 503).putHeader("Content-Type", "application/json")
                        .putHeader("Connection", "close")
                        .end(Answers.error(reading ? "request_timeout" : "unavailable",
                                reading ? "the request was not sent in time" : "the request took too long; retry later"))
                        .onComplete(done -> connection.close());
            } else {
                connection.close();
            }
        }
    }
}
