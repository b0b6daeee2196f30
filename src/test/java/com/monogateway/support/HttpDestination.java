package com.monogateway.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTP server playing an ESB endpoint: records every request (headers, body) it answers, and
 * can answer with another status, hold its answers until released, or be stopped and started again on
 * the same port.
 */
public final class HttpDestination implements AutoCloseable {

    /** One request as received. */
    public record Received(String path, Map<String, List<String>> headers, String body, String method, String query) {
        public String header(String name) {
            for (var entry : headers.entrySet()) {
                if (entry.getKey().equalsIgnoreCase(name)) {
                    return entry.getValue().get(0);
                }
            }
            return null;
        }
    }

    private final int port;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private volatile int status = 200;
    private volatile CountDownLatch hold;
    private volatile long delayMs;
    private volatile java.util.function.Predicate<String> refused = body -> false;
    private final java.util.concurrent.atomic.AtomicInteger concurrent = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger mostConcurrent = new java.util.concurrent.atomic.AtomicInteger();
    private HttpServer server;

    public HttpDestination() {
        this.port = RunningGateway.freePort();
        start();
    }

    public synchronized void start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 50);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", this::handle);
        server.start();
    }

    public synchronized void stop() {
        server.stop(0);
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    public List<Received> received() {
        return received;
    }

    /** Answers every request with this status from now on. */
    public void answer(int status) {
        this.status = status;
    }

    /** Answers every request this long after it arrived, as an ESB across a network does. */
    public void delay(long ms) {
        this.delayMs = ms;
    }

    /** Answers 500 to every request whose body matches (a consumer bug on one object), whatever else is set. */
    public void refuse(java.util.function.Predicate<String> body) {
        this.refused = body;
    }

    /** Requests being answered now. */
    public int concurrent() {
        return concurrent.get();
    }

    /** The most requests this server was answering at the same time. */
    public int mostConcurrent() {
        return mostConcurrent.get();
    }

    /** Holds every answer until {@link #release()}. */
    public void hold() {
        hold = new CountDownLatch(1);
    }

    public void release() {
        CountDownLatch latch = hold;
        hold = null;
        if (latch != null) {
            latch.countDown();
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        mostConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
        try {
            answer(exchange);
        } finally {
            concurrent.decrementAndGet();
        }
    }

    private void answer(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        if (delayMs > 0) {
            try {
                Thread.sleep(delayMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        CountDownLatch latch = hold;
        if (latch != null) {
            try {
                latch.await(120, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        int answer = refused.test(body) ? 500 : status;
        if (answer == 200) {
            received.add(new Received(exchange.getRequestURI().getPath(), Map.copyOf(exchange.getRequestHeaders()), body,
                    exchange.getRequestMethod(), exchange.getRequestURI().getRawQuery()));
        }
        byte[] out = (answer == 200 ? "{\"ok\":true}" : "{\"error\":\"refused\"}").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(answer, out.length);
        exchange.getResponseBody().write(out);
        exchange.close();
    }

    @Override
    public void close() {
        release();
        stop();
    }
}
