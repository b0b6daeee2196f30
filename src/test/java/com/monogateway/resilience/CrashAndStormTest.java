package com.monogateway.resilience;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.monogateway.support.Db;
import com.monogateway.support.GatewayProcess;
import com.monogateway.support.RunningGateway;
import com.monogateway.support.SteadyLoad;
import com.monogateway.support.TestPostgres;
import com.monogateway.trigger.SampleEvents;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Nothing answered 200 is lost: kill -9 under load, and a redelivery storm. */
class CrashAndStormTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void killedThreeTimesUnderLoadEveryEventAnsweredTwoHundredIsStoredAndAppliedOnce(@TempDir Path dataDir) throws Exception {
        String dbUrl = TestPostgres.newDatabase();
        int port = RunningGateway.freePort();
        URI webhook = URI.create("http://127.0.0.1:" + port + "/webhooks/mono");
        Random random = new Random(7);

        Process gateway = GatewayProcess.start(dbUrl, port, dataDir, "crash-0");
        GatewayProcess.awaitUp(webhook);
        SteadyLoad load = new SteadyLoad(webhook, 6, 11);
        for (int kill = 1; kill <= 3; kill++) {
            Thread.sleep(800 + random.nextInt(1_500));
            gateway.destroyForcibly(); // SIGKILL: no shutdown hook, nothing flushed
            gateway.waitFor(30, TimeUnit.SECONDS);
            gateway = GatewayProcess.start(dbUrl, port, dataDir, "crash-" + kill);
            GatewayProcess.awaitUp(webhook);
        }
        Thread.sleep(1_000);
        load.close();

        Set<String> accepted = load.accepted();
        Db db = new Db(dbUrl);
        try {
            await().atMost(Duration.ofSeconds(90)).until(() -> db.count("SELECT count(*) FROM webhook_events WHERE status = 'received'") == 0);
            assertTrue(accepted.size() > 100, "the load ran: " + accepted.size() + " accepted, " + load.notAccepted() + " not");
            var ids = db.array(accepted);
            assertEquals(accepted.size(), db.count("SELECT count(*) FROM webhook_events WHERE event_id = ANY (?)", ids), "each stored");
            assertEquals(accepted.size(), db.count("SELECT count(DISTINCT event_id) FROM webhook_events WHERE event_id = ANY (?)", ids), "once");
            assertEquals(accepted.size(), db.count("SELECT count(*) FROM webhook_events WHERE event_id = ANY (?) AND status = 'processed'", ids));
            assertEquals(accepted.size(), db.count("SELECT count(*) FROM payment_status_history h JOIN webhook_events e "
                    + "ON e.id = h.inbox_event_id WHERE e.event_id = ANY (?)", ids), "each applied once");
        } finally {
            gateway.destroy();
            gateway.waitFor(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void aRedeliveryStormStoresAndAppliesEachEventOnce() throws Exception {
        try (RunningGateway gateway = RunningGateway.start()) {
            SampleEvents samples = new SampleEvents(new Random(3));
            List<String> deliveries = new ArrayList<>();
            for (int i = 0; i < 150; i++) {
                String event = samples.next(i % 2 == 0 ? "direct_debit.payment_successful" : "events.mandates.debit.failed");
                deliveries.add(event);
                deliveries.add(event);
                deliveries.add(event);
            }
            Collections.shuffle(deliveries, new Random(5));
            ExecutorService senders = Executors.newFixedThreadPool(12);
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            for (String event : deliveries) {
                answers.add(senders.submit(() -> HTTP.send(post(gateway.webhookUri(), event), HttpResponse.BodyHandlers.ofString())));
            }
            int received = 0;
            int duplicates = 0;
            for (Future<HttpResponse<String>> answer : answers) {
                HttpResponse<String> r = answer.get(60, TimeUnit.SECONDS);
                assertEquals(200, r.statusCode(), r.body());
                if (r.body().equals("{\"status\":\"received\"}")) {
                    received++;
                } else {
                    duplicates++;
                }
            }
            senders.shutdown();
            gateway.awaitInboxDrained();

            assertEquals(150, received);
            assertEquals(300, duplicates);
            Db db = gateway.db();
            assertEquals(150, db.count("SELECT count(*) FROM webhook_events"));
            assertEquals(150, db.count("SELECT count(*) FROM webhook_events WHERE status = 'processed' AND attempts = 1"));
            assertEquals(75, db.count("SELECT count(*) FROM payment_status_history"));
            assertEquals(75, db.count("SELECT count(*) FROM mandate_debits"));
        }
    }

    private static HttpRequest post(URI webhook, String event) {
        return HttpRequest.newBuilder(webhook).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").header("mono-webhook-secret", RunningGateway.SECRET)
                .POST(HttpRequest.BodyPublishers.ofString(event)).build();
    }
}
