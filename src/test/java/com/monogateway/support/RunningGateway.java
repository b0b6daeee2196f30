package com.monogateway.support;

import com.monogateway.Gateway;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;

/**
 * The real gateway, started in this JVM exactly as {@code java -jar} starts it (same main, same
 * application.properties and routes/ from the repository root), with test overrides on top.
 */
public final class RunningGateway implements AutoCloseable {

    public static final String SECRET = "test-secret-0123456789";

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Main main;
    private final CompletableFuture<Integer> run;
    private final int port;
    private final int managementPort;
    private final Db db;

    private RunningGateway(Main main, CompletableFuture<Integer> run, int port, int managementPort, Db db) {
        this.main = main;
        this.run = run;
        this.port = port;
        this.managementPort = managementPort;
        this.db = db;
    }

    /** Settings every test starts from: a fresh database, a free port, a known secret. */
    public static Properties defaults() {
        Properties p = new Properties();
        p.setProperty("mono.db.url", TestPostgres.newDatabase());
        p.setProperty("mono.db.username", "postgres");
        p.setProperty("mono.webhook.secret", SECRET);
        p.setProperty("camel.server.port", Integer.toString(freePort()));
        p.setProperty("camel.server.host", "127.0.0.1");
        p.setProperty("camel.management.port", Integer.toString(freePort()));
        p.setProperty("camel.management.host", "127.0.0.1");
        p.setProperty("mono.processing.sweep-interval-ms", "200");
        try {
            p.setProperty("mono.data.dir", Files.createTempDirectory("gateway-data").toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    /** {@link #defaults()} on a database of its own server, which the test stops or kills: connections give up fast. */
    public static Properties onServer(io.zonky.test.db.postgres.embedded.EmbeddedPostgres postgres) {
        Properties p = defaults();
        p.setProperty("mono.db.url", postgres.getJdbcUrl("postgres", "postgres"));
        p.setProperty("mono.db.connection-timeout-ms", "500");
        return p;
    }

    /** {@link #defaults()} with one destination, {@code erp}, at {@code uri}, retried from {@code initialBackoff} up to 1 s. */
    public static Properties forwardingTo(String uri, String initialBackoff) {
        Properties p = defaults();
        p.setProperty("mono.forward.destinations", "erp");
        p.setProperty("mono.forward.erp.uri", uri);
        p.setProperty("mono.forward.erp.initial-backoff", initialBackoff);
        p.setProperty("mono.forward.erp.max-backoff", "1s");
        return p;
    }

    public static RunningGateway start() {
        return start(defaults());
    }

    public static RunningGateway start(Properties settings) {
        Main main = Gateway.create(settings);
        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> {
            try {
                return main.run(new String[0]);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, runnable -> {
            Thread t = new Thread(runnable, "gateway-under-test");
            t.setDaemon(true);
            t.start();
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (run.isDone()) {
                run.join(); // rethrows the start failure
                throw new IllegalStateException("the gateway stopped while starting");
            }
            CamelContext context = main.getCamelContext();
            if (context != null && context.isStarted()) {
                String url = settings.getProperty("mono.db.url");
                RunningGateway gateway = new RunningGateway(main, run, Integer.parseInt(settings.getProperty("camel.server.port")),
                        Integer.parseInt(settings.getProperty("camel.management.port")), url == null ? null : new Db(url));
                if (!settings.getProperty("mono.admin.token", "").isBlank()) {
                    // The admin API is installed on the management port just after the context started.
                    while (gateway.management("/admin/session").statusCode() == 404 && System.nanoTime() < deadline) {
                        sleep(20);
                    }
                }
                return gateway;
            }
            sleep(20);
        }
        throw new IllegalStateException("the gateway did not start within 60 s");
    }

    public CamelContext context() {
        return main.getCamelContext();
    }

    public Db db() {
        return db;
    }

    public int port() {
        return port;
    }

    public int managementPort() {
        return managementPort;
    }

    /** A URL on the management port (health, metrics, the admin API). */
    public URI managementUri(String path) {
        return URI.create("http://127.0.0.1:" + managementPort + path);
    }

    /** An admin API call on the management port with this bearer token (none when null). */
    public HttpResponse<String> admin(String method, String path, String token, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(managementUri(path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return send(request.build());
    }

    /** GET on the management server, for example /observe/health/ready. */
    public HttpResponse<String> management(String path) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + path)).build());
    }

    public URI webhookUri() {
        return URI.create("http://127.0.0.1:" + port + "/webhooks/mono");
    }

    public HttpResponse<String> post(String json) {
        return post(json, SECRET);
    }

    public HttpResponse<String> post(String json, String secret) {
        HttpRequest.Builder request = HttpRequest.newBuilder(webhookUri())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (secret != null) {
            request.header("mono-webhook-secret", secret);
        }
        return send(request.build());
    }

    /** Posts an event that must be accepted as new. */
    public void postNew(String json) {
        HttpResponse<String> response = post(json);
        if (response.statusCode() != 200 || !response.body().equals("{\"status\":\"received\"}")) {
            throw new AssertionError("expected a new event to be received, got " + response.statusCode() + " " + response.body());
        }
    }

    /** Waits until no event is left waiting in the inbox. */
    public void awaitInboxDrained() {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .until(() -> db.count("SELECT count(*) FROM webhook_events WHERE status = 'received'") == 0);
    }

    public static HttpResponse<String> send(HttpRequest request) {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        main.completed();
        try {
            run.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the gateway did not stop cleanly", e);
        }
    }

    /** Ports handed out in this JVM: the kernel may give a just-closed port again, so two calls never share one. */
    private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public static int freePort() {
        for (int attempt = 0; attempt < 100; attempt++) {
            try (ServerSocket socket = new ServerSocket(0)) {
                if (HANDED_OUT.add(socket.getLocalPort())) {
                    return socket.getLocalPort();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw new IllegalStateException("no unused free port after 100 attempts");
    }

    /** A sample payload from Mono's docs, kept in src/test/resources/fixtures/mono. */
    public static String fixture(String name) {
        try (var in = RunningGateway.class.getResourceAsStream("/fixtures/mono/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + name + " in src/test/resources/fixtures/mono");
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The innermost cause: where a failed start says why. */
    public static Throwable rootCause(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
