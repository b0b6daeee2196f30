package com.monogateway.operations;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.monogateway.support.Db;
import com.monogateway.support.GatewayProcess;
import com.monogateway.support.RunningGateway;
import com.monogateway.support.TestPostgres;
import com.monogateway.trigger.SampleEvents;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM under load, on the gateway as a separate process: every event answered 200 is stored, and
 * processed by the next start at the latest; late requests get 503 or find the port closed.
 */
class GracefulShutdownTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void sigtermUnderLoadLosesNothingAnswered200(@TempDir Path dataDir) throws Exception {
        String dbUrl = TestPostgres.newDatabase();
        int port = RunningGateway.freePort();
        URI webhook = URI.create("http://127.0.0.1:" + port + "/webhooks/mono");
        Set<String> accepted = ConcurrentHashMap.newKeySet();
        AtomicInteger refused = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();

        Process gateway = startGateway(dbUrl, port, dataDir, "first");
        awaitUp(webhook);
        ExecutorService load = Executors.newFixedThreadPool(8);
        SampleEvents samples = new SampleEvents(new java.util.Random());
        for (int t = 0; t < 8; t++) {
            load.submit(() -> {
                while (!stop.get()) {
                    String event = samples.next("direct_debit.payment_successful");
                    String id = event.replaceAll(".*\"event_id\":\"([^\"]+)\".*", "$1");
                    try {
                        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(webhook).timeout(Duration.ofSeconds(30))
                                .header("Content-Type", "application/json").header("mono-webhook-secret", RunningGateway.SECRET)
                                .POST(HttpRequest.BodyPublishers.ofString(event)).build(), HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 200) {
                            accepted.add(id);
                        } else {
                            assertEquals(503, r.statusCode(), r.body());
                            refused.incrementAndGet();
                        }
                    } catch (IOException e) {
                        refused.incrementAndGet(); // the port closed: Mono would retry
                    }
                }
                return null;
            });
        }
        Thread.sleep(2_000);
        int beforeSigterm = accepted.size();
        gateway.destroy(); // SIGTERM
        assertTrue(gateway.waitFor(60, TimeUnit.SECONDS), "the gateway stopped within its shutdown timeout");
        stop.set(true);
        load.shutdown();
        assertTrue(load.awaitTermination(60, TimeUnit.SECONDS));
        // 143 is how the JVM reports an orderly exit after SIGTERM.
        assertTrue(gateway.exitValue() == 0 || gateway.exitValue() == 143, "a clean exit, not " + gateway.exitValue());
        assertTrue(beforeSigterm > 20, "the load was running: " + beforeSigterm + " events before SIGTERM");

        Db db = new Db(dbUrl);
        for (String id : accepted) {
            assertEquals(1, db.count("SELECT count(*) FROM webhook_events WHERE event_id = ?", id), "stored: " + id);
        }

        Process again = startGateway(dbUrl, port, dataDir, "second");
        try {
            awaitUp(webhook);
            await().atMost(Duration.ofSeconds(60)).until(() -> db.count("SELECT count(*) FROM webhook_events WHERE status = 'received'") == 0);
            assertEquals(accepted.size(), db.count("SELECT count(*) FROM webhook_events WHERE status = 'processed' AND event_id = ANY (?)",
                    (Object) db.array(accepted)));
        } finally {
            again.destroy();
            again.waitFor(60, TimeUnit.SECONDS);
        }
    }

    private static Process startGateway(String dbUrl, int port, Path dataDir, String name) throws IOException {
        return GatewayProcess.start(dbUrl, port, dataDir, "graceful-shutdown-" + name);
    }

    private static void awaitUp(URI webhook) {
        GatewayProcess.awaitUp(webhook);
    }
}
