package com.monogateway.retention;

import static com.monogateway.support.MonoEvents.newId;
import static com.monogateway.support.MonoEvents.paymentData;
import static com.monogateway.support.MonoEvents.v2;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.monogateway.failure.TestRoutes;
import com.monogateway.support.Db;
import com.monogateway.support.HttpDestination;
import com.monogateway.support.Resources;
import com.monogateway.support.RunningGateway;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/** Retention deletes old finished events and what hangs off them, and nothing that still needs anyone. */
class RetentionTest {

    @AutoClose
    private final Resources resources = new Resources();

    private static String payment(String id, String status) {
        return v2("direct_debit.payment_" + status, "2024-05-01T10:00:00Z",
                paymentData(id, status, 50_000, "\"acc_1\"", "2024-05-01T10:00:00.000Z"));
    }

    @Test
    void oldFinishedEventsGoWithTheirDeliveriesAndAlertsWhileWhatStillNeedsSomeoneStays() throws Exception {
        HttpDestination erp = resources.keep(new HttpDestination());
        HttpDestination ledger = resources.keep(new HttpDestination());
        ledger.stop(); // its deliveries stay pending
        Properties p = RunningGateway.defaults();
        TestRoutes.install(Files.createTempDirectory("retention-routes"), p);
        p.setProperty("mono.redelivery.max-attempts", "1");
        p.setProperty("mono.processing.sweep-interval-ms", "600000"); // an event written straight to the table stays waiting
        p.setProperty("mono.forward.destinations", "erp,ledger");
        p.setProperty("mono.forward.erp.uri", erp.url("/in"));
        p.setProperty("mono.forward.erp.events", "direct_debit.payment_successful");
        p.setProperty("mono.forward.ledger.uri", ledger.url("/in"));
        p.setProperty("mono.forward.ledger.events", "direct_debit.payment_abandoned");
        p.setProperty("mono.alerts.digest-window", "300ms");
        p.setProperty("mono.retention.events", "30d");
        p.setProperty("mono.retention.interval", "500ms");
        RunningGateway gateway = resources.keep(RunningGateway.start(p));
        Db db = gateway.db();
        db.execute(TestRoutes.SWITCH_TABLE);

        String delivered = newId("txd_");
        String pendingDelivery = newId("txd_");
        String alerted = newId("txd_");
        String recent = newId("txd_");
        gateway.postNew(payment(delivered, "successful"));
        gateway.postNew(payment(pendingDelivery, "abandoned"));
        gateway.postNew(payment(alerted, "failed"));
        gateway.postNew(v2("test.fixable", "2024-05-01T10:00:00Z", "{\"id\":\"fix_1\"}")); // fails: an open dead letter
        gateway.postNew(payment(recent, "successful"));
        await().atMost(Duration.ofSeconds(20)).until(() -> erp.received().size() == 2
                && db.count("SELECT count(*) FROM alerts WHERE sent_at IS NOT NULL AND kind = 'event'") == 1
                && db.count("SELECT count(*) FROM dead_letters WHERE status = 'open'") == 1);
        db.execute("INSERT INTO webhook_events (event_type, dedupe_key, body, received_at) VALUES"
                + " ('direct_debit.payment_successful', 'waiting-1', '{}', now() - interval '100 days')");
        db.execute("INSERT INTO rejected_events (reason, body, received_at) VALUES ('old', '\\x00', now() - interval '100 days'),"
                + " ('new', '\\x00', now())");
        // Everything but the recent payment's event becomes 100 days old.
        db.execute("UPDATE webhook_events SET received_at = now() - interval '100 days' WHERE object_key IS DISTINCT FROM ?", recent);

        await().atMost(Duration.ofSeconds(20)).until(() -> db.count("SELECT count(*) FROM webhook_events WHERE object_key = ?", alerted) == 0);
        await().atMost(Duration.ofSeconds(10)).until(() -> db.count("SELECT count(*) FROM rejected_events") == 1);

        assertEquals(0, db.count("SELECT count(*) FROM webhook_events WHERE object_key = ?", delivered), "old, processed, delivered: gone");
        assertEquals(0, db.count("SELECT count(*) FROM deliveries d WHERE d.destination = 'erp' AND NOT EXISTS"
                + " (SELECT 1 FROM webhook_events e WHERE e.id = d.webhook_event_id)"), "its delivery went with it");
        assertEquals(0, db.count("SELECT count(*) FROM alerts WHERE kind = 'event'"), "the sent alert went with its event");
        assertEquals(1, db.count("SELECT count(*) FROM alerts WHERE kind = 'dead_letter'"), "the open dead letter's stays");
        assertEquals(1, db.count("SELECT count(*) FROM webhook_events WHERE object_key = ?", pendingDelivery), "a delivery is still to make");
        assertEquals(1, db.count("SELECT count(*) FROM webhook_events WHERE event_type = 'test.fixable'"), "its dead letter is open");
        assertEquals(1, db.count("SELECT count(*) FROM webhook_events WHERE dedupe_key = 'waiting-1'"), "still waiting");
        assertEquals(1, db.count("SELECT count(*) FROM webhook_events WHERE object_key = ?", recent), "younger than 30 days");
        assertEquals(4, db.count("SELECT count(*) FROM payments"), "domain rows are kept");
        assertEquals(4, db.count("SELECT count(*) FROM payment_status_history"), "and their history");
        assertEquals("new", db.row("SELECT reason FROM rejected_events").get("reason"));
        String metrics = gateway.management("/observe/metrics").body();
        assertTrue(metrics.contains("mono_retention_deleted_total{table=\"webhook_events\"} 2.0"), metrics);
        assertTrue(metrics.contains("mono_retention_deleted_total{table=\"alerts\"} 1.0"), metrics);
    }
}
