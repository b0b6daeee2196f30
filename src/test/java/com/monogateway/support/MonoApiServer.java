package com.monogateway.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server playing Mono's REST API with the answer bodies of Mono's API reference: Verify
 * Payment Status, account details and the payment list; an unknown reference or account gets Mono's 404.
 * It can answer 500 or 429 (with Retry-After) for a while, or hold every answer until released (a
 * response that never comes), and records each request it received.
 */
public final class MonoApiServer implements AutoCloseable {

    /** One request as received: path (with query) and the secret key header. */
    public record Request(String pathAndQuery, String secretKey, long atMillis) {
    }

    public static final String NOT_FOUND = """
            {"status":"failed","message":"Invalid reference, payment not found","timestamp":"2024-05-01T10:00:00.000Z","data":null}""";

    private final HttpServer server;
    private final Map<String, String> payments = new ConcurrentHashMap<>();
    private final Map<String, String> accounts = new ConcurrentHashMap<>();
    private final List<String> listed = new CopyOnWriteArrayList<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private volatile int failureStatus = 500;
    private volatile String retryAfter;
    private volatile CountDownLatch hold;
    private volatile int pageSize = 2;

    public MonoApiServer() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", this::handle);
        server.start();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Verify Payment Status answers this for the reference. */
    public void payment(String reference, String id, String status, long amountKobo, String currency) {
        payments.put(reference, paymentJson(reference, id, status, amountKobo, currency));
    }

    /** Mono's view of a payment, as Verify Payment Status and the payment list give it; last updated now. */
    public static String paymentJson(String reference, String id, String status, long amountKobo, String currency) {
        return """
                {"id":"%s","channel":"direct_debit","fee":300,"type":"onetime-debit","status":"%s","amount":%d,"currency":"%s",
                 "description":"Wallet top-up","reference":"%s","liveMode":true,
                 "account":{"id":"65a1b2c3d4e5f60718293a4b","name":"ADAEZE OKAFOR","account_number":"0123456789",
                 "institution":{"name":"GTBank","bank_code":"058","type":"PERSONAL_BANKING"}},
                 "customer":null,"created_at":"2024-05-01T09:00:00.000Z","updated_at":"%s"}"""
                .formatted(id, status, amountKobo, currency, reference, java.time.Instant.now());
    }

    /** Account details answer for the id (v2 shape: data.account, data.meta). */
    public void account(String id, String bvn) {
        accounts.put(id, """
                {"account":{"id":"%s","name":"CHIDI EZE","currency":"NGN","type":"SAVINGS ACCOUNT","account_number":"0231116887",
                 "balance":5024400,"bvn":"%s","institution":{"name":"Access Bank","bank_code":"044","type":"PERSONAL_BANKING"}},
                 "meta":{"data_status":"AVAILABLE","auth_method":"internet_banking"}}""".formatted(id, bvn));
    }

    /** The payment list (GET /v2/payments/transactions) holds these payments, in pages of {@code pageSize}. */
    public void list(List<String> paymentJsons, int pageSize) {
        listed.clear();
        listed.addAll(paymentJsons);
        this.pageSize = pageSize;
    }

    /** The next {@code count} requests get this status (500, 503...). */
    public void fail(int count, int status) {
        failureStatus = status;
        retryAfter = null;
        failuresLeft.set(count);
    }

    /** The next {@code count} requests get 429 with this Retry-After. */
    public void rateLimit(int count, String retryAfterValue) {
        failureStatus = 429;
        retryAfter = retryAfterValue;
        failuresLeft.set(count);
    }

    /** Every answer waits until {@link #release()}: a response that does not come. */
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

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    public List<Request> requestsTo(String pathPrefix) {
        return requests.stream().filter(r -> r.pathAndQuery().startsWith(pathPrefix)).toList();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            String query = exchange.getRequestURI().getRawQuery();
            requests.add(new Request(path + (query == null ? "" : "?" + query),
                    exchange.getRequestHeaders().getFirst("mono-sec-key"), System.currentTimeMillis()));
            CountDownLatch latch = hold;
            if (latch != null) {
                try {
                    latch.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                if (retryAfter != null) {
                    exchange.getResponseHeaders().add("Retry-After", retryAfter);
                }
                answer(exchange, failureStatus, failureStatus == 429
                        ? "{\"status\":\"failed\",\"message\":\"Too many requests\",\"data\":null}"
                        : "{\"status\":\"failed\",\"message\":\"Internal server error\",\"data\":null}");
                return;
            }
            if (path.startsWith("/v2/payments/verify/")) {
                String reference = URLDecoder.decode(path.substring("/v2/payments/verify/".length()), StandardCharsets.UTF_8);
                String payment = payments.get(reference);
                answer(exchange, payment == null ? 404 : 200, payment == null ? NOT_FOUND : wrap("Payment retrieved successfully", payment));
            } else if (path.startsWith("/v2/accounts/")) {
                String account = accounts.get(path.substring("/v2/accounts/".length()));
                answer(exchange, account == null ? 404 : 200, account == null
                        ? "{\"status\":\"failed\",\"message\":\"Account not found\",\"data\":null}"
                        : wrap("Request was succesfully completed", account));
            } else if (path.equals("/v2/payments/transactions")) {
                answer(exchange, 200, page(query));
            } else {
                answer(exchange, 404, "{\"status\":\"failed\",\"message\":\"Not found\",\"data\":null}");
            }
        }
    }

    private String page(String query) {
        int page = 1;
        for (String part : query == null ? new String[0] : query.split("&")) {
            if (part.startsWith("page=")) {
                page = Integer.parseInt(part.substring(5));
            }
        }
        int pages = Math.max(1, (listed.size() + pageSize - 1) / pageSize);
        List<String> items = new ArrayList<>();
        for (int i = (page - 1) * pageSize; i < Math.min(listed.size(), page * pageSize); i++) {
            items.add(listed.get(i));
        }
        String next = page < pages ? "\"" + baseUrl() + "/v2/payments/transactions?page=" + (page + 1) + "\"" : "null";
        return """
                {"status":"successful","message":"Payments retrieved successfully","timestamp":"2024-05-01T10:00:00.000Z",
                 "data":{"payments":[%s]},"meta":{"paging":{"total":%d,"pages":%d,"previous":null,"next":%s}}}"""
                .formatted(String.join(",", items), listed.size(), pages, next);
    }

    private static String wrap(String message, String data) {
        return """
                {"status":"successful","message":"%s","timestamp":"2024-05-01T10:00:00.000Z","data":%s}""".formatted(message, data);
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        release();
        server.stop(0);
    }
}
