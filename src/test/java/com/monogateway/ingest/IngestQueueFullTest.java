package com.monogateway.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.monogateway.support.Db;
import com.monogateway.support.MonoEvents;
import com.monogateway.support.RunningGateway;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Webhooks wait for their commit without a thread each (on the event loop); the inbox writer's queue is bounded, and
 * the requests that find it full wait their turn on Vert.x worker threads. None of them is refused or lost.
 */
class IngestQueueFullTest {

    private static final int REQUESTS = 12;

    @Test
    void requestsBeyondTheWritersQueueWaitTheirTurnAndAreAllStored() throws Exception {
        Properties settings = RunningGateway.defaults();
        settings.setProperty("mono.ingest.writers", "1");
        settings.setProperty("mono.ingest.max-batch", "1"); // a queue of four events (four batches of one)
        settings.setProperty("mono.http.worker-threads", "2");
        try (RunningGateway gateway = RunningGateway.start(settings)) {
            Db db = gateway.db();
            List<String> ids = new ArrayList<>();
            ExecutorService senders = Executors.newFixedThreadPool(REQUESTS);
            try (Connection holder = DriverManager.getConnection(db.url(), db.user(), db.password())) {
                holder.setAutoCommit(false);
                try (Statement lock = holder.createStatement()) {
                    // The writer's insert waits behind this lock, so every request below is inside at once.
                    lock.execute("LOCK TABLE webhook_events IN EXCLUSIVE MODE");
                }
                List<Future<HttpResponse<String>>> answers = new ArrayList<>();
                for (int i = 0; i < REQUESTS; i++) {
                    String id = MonoEvents.newId("evt_");
                    ids.add(id);
                    String body = MonoEvents.v2("direct_debit.payment_processing", "2024-05-01T10:00:00Z",
                            MonoEvents.paymentData(MonoEvents.newId("txd_"), "processing", 100, "\"acc_1\"",
                                    "2024-05-01T10:00:00.000Z")).replaceFirst("\"event_id\":\"[^\"]*\"", "\"event_id\":\"" + id + "\"");
                    answers.add(senders.submit(() -> gateway.post(body)));
                }
                // One event in the writer, four in its queue: the other seven wait on the two worker threads' turns.
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (inFlight(gateway) < REQUESTS && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertEquals(REQUESTS, inFlight(gateway), "every request waiting for its commit");
                holder.commit(); // the lock goes

                for (Future<HttpResponse<String>> answer : answers) {
                    HttpResponse<String> response = answer.get();
                    assertEquals(200, response.statusCode(), response.body());
                    assertEquals("{\"status\":\"received\"}", response.body());
                }
            } finally {
                senders.shutdownNow();
            }
            assertEquals(REQUESTS, db.count("SELECT count(*) FROM webhook_events WHERE event_id = ANY (?)", db.array(ids)));
            assertTrue(db.count("SELECT count(DISTINCT event_id) FROM webhook_events WHERE event_id = ANY (?)", db.array(ids))
                    == REQUESTS, "each stored once");
        }
    }

    private static int inFlight(RunningGateway gateway) {
        return gateway.context().getInflightRepository().size(IngestRoutes.ROUTE_ID);
    }
}
