package com.monogateway.operations;

import static com.monogateway.support.MonoEvents.newId;
import static com.monogateway.support.MonoEvents.paymentData;
import static com.monogateway.support.MonoEvents.v2;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.spi.ILoggingEvent;
import com.monogateway.support.CapturedLogs;
import com.monogateway.support.RunningGateway;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Metrics, log lines and the secret-leak check, on the real gateway (health under an outage: DatabaseOutageTest). */
class OperationsTest {

    private CapturedLogs logs;

    @BeforeEach
    void captureLogs() {
        logs = new CapturedLogs();
    }

    @AfterEach
    void releaseLogs() {
        logs.detach();
    }

    @Test
    void everyMetricMovesAfterTheMatchingRequest() {
        Properties settings = RunningGateway.defaults();
        settings.setProperty("mono.forward.uri", "log:esb?level=DEBUG");
        settings.setProperty("mono.redelivery.initial-delay-ms", "10");
        try (RunningGateway gateway = RunningGateway.start(settings)) {
            String payment = v2("direct_debit.payment_failed", "2024-05-01T10:00:00Z",
                    paymentData(newId("txd_"), "failed", 50_000, "\"acc_1\"", "2024-05-01T10:00:00Z"));
            gateway.postNew(payment);
            gateway.post(payment);                                    // duplicate
            gateway.post(payment, "not-the-secret");                  // unauthorized
            gateway.post("[]");                                        // rejected
            gateway.postNew(v2("issuing.card_created", "2024-05-01T10:00:00Z", "{\"id\":\"c\"}"));   // ignored, not in the catalog
            gateway.postNew(v2("made.up.type-" + newId("x"), "2024-05-01T10:00:00Z", "{\"id\":\"d\"}")); // nor does a made-up one
            gateway.postNew(v2("direct_debit.payment_successful", "2024-05-01T10:00:00Z",
                    paymentData(newId("txd_"), "successful", 10, "\"acc_1\"", "2024-05-01T10:00:00Z").replace("\"amount\":10", "\"amount\":10.5")));
            gateway.awaitInboxDrained();

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                // GC pause timers appear with the first collection after the registry was bound: make sure there is one.
                System.gc();
                String metrics = gateway.management("/observe/metrics").body();
                assertEquals(1.0, value(metrics, "mono_events_total{event_type=\"direct_debit.payment_failed\",outcome=\"received\"}"));
                assertEquals(1.0, value(metrics, "mono_events_total{event_type=\"direct_debit.payment_failed\",outcome=\"duplicate\"}"));
                assertEquals(1.0, value(metrics, "mono_events_total{event_type=\"unknown\",outcome=\"unauthorized\"}"));
                assertEquals(1.0, value(metrics, "mono_events_total{event_type=\"unknown\",outcome=\"rejected\"}"));
                assertEquals(1.0, value(metrics, "mono_events_total{event_type=\"direct_debit.payment_failed\",outcome=\"processed\"}"));
                assertEquals(1.0, value(metrics, "mono_deliveries_total{destination=\"default\",outcome=\"delivered\"}"));
                assertEquals(2.0, value(metrics, "mono_events_total{event_type=\"other\",outcome=\"ignored\"}"));
                assertFalse(metrics.contains("made.up.type") || metrics.contains("issuing.card_created"), "types outside the catalog are 'other'");
                for (String series : new String[] {"jvm_memory_used_bytes{", "jvm_gc_pause_seconds", "jvm_threads_live_threads ",
                        "process_cpu_usage ", "process_files_open_files ", "process_uptime_seconds ", "hikaricp_connections_active{",
                        "hikaricp_connections_pending{", "hikaricp_connections_max{"}) {
                    assertTrue(metrics.contains(series), "JVM, process and pool metrics: " + series);
                }
                assertEquals(1.0, value(metrics, "mono_events_total{event_type=\"direct_debit.payment_successful\",outcome=\"failed\"}"));
                assertEquals(1.0, value(metrics, "mono_events_total{event_type=\"direct_debit.payment_successful\",outcome=\"dead_lettered\"}"));
                assertTrue(value(metrics, "mono_webhook_response_seconds_count{status=\"200\"}") >= 4);
                assertEquals(1.0, value(metrics, "mono_webhook_response_seconds_count{status=\"401\"}"));
                assertEquals(1.0, value(metrics, "mono_event_processing_lag_seconds_count{event_type=\"direct_debit.payment_failed\"}"));
                assertEquals(0.0, value(metrics, "mono_inbox_backlog"));
                assertEquals(1.0, value(metrics, "mono_dead_letters_open"));
                assertEquals(2.0, value(metrics, "mono_alerts_queued"), "the failed payment and the dead letter; the window is 60 s");
            });
        }
    }

    @Test
    void logLinesCarryTheEventAndItsOutcome() {
        try (RunningGateway gateway = RunningGateway.start()) {
            String id = newId("txd_");
            String event = v2("direct_debit.payment_successful", "2024-05-01T10:00:00Z",
                    paymentData(id, "successful", 100, "\"acc_1\"", "2024-05-01T10:00:00Z"));
            gateway.postNew(event);
            gateway.awaitInboxDrained();
            String eventId = (String) gateway.db().row("SELECT event_id FROM webhook_events").get("event_id");

            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                List<ILoggingEvent> lines = logs.events.stream()
                        .filter(e -> eventId.equals(e.getMDCPropertyMap().get("mono.eventId"))).toList();
                assertTrue(lines.stream().anyMatch(e -> e.getFormattedMessage().startsWith("Received direct_debit.payment_successful event "
                        + eventId + ": stored as #")), lines.toString());
                assertTrue(lines.stream().anyMatch(e -> e.getFormattedMessage().matches(
                        "Processed direct_debit\\.payment_successful event " + eventId + " \\(#\\d+\\) in \\d+ ms")), lines.toString());
                assertTrue(lines.stream().allMatch(e -> "direct_debit.payment_successful".equals(e.getMDCPropertyMap().get("mono.eventType"))
                        && eventId.equals(e.getMDCPropertyMap().get("mono.dedupeKey"))));
            });
        }
    }

    @Test
    void noConfiguredSecretOrPasswordAppearsInTheLogsOfAFullRun() {
        String webhookSecret = "whsec-LEAKCHECK-7f3a9c";
        String oldSecret = "whsec-OLD-LEAKCHECK-11aa";
        String adminToken = "admin-LEAKCHECK-0b5e2d-4c8a9f1e7d3b";
        String dbPassword = "dbpass-LEAKCHECK-93c1";
        String smtpPassword = "smtppass-LEAKCHECK-42d0";
        Properties settings = RunningGateway.defaults();
        settings.setProperty("mono.webhook.secret", webhookSecret + "," + oldSecret);
        settings.setProperty("mono.admin.token", adminToken);
        settings.setProperty("mono.db.password", dbPassword);          // the test database trusts; the pool still holds it
        settings.setProperty("mono.smtp.host", "127.0.0.1");
        settings.setProperty("mono.smtp.port", Integer.toString(RunningGateway.freePort())); // nobody listens: errors
        settings.setProperty("mono.smtp.username", "alerts");
        settings.setProperty("mono.smtp.password", smtpPassword);
        settings.setProperty("mono.alerts.digest-window", "200ms");
        settings.setProperty("mono.redelivery.initial-delay-ms", "10");
        settings.setProperty("mono.forward.uri", "log:esb?level=INFO&showHeaders=true");

        try (RunningGateway gateway = RunningGateway.start(settings)) {
            gateway.post(RunningGateway.fixture("payment_failed.json"), webhookSecret);
            gateway.post(RunningGateway.fixture("payment_successful.json"), oldSecret);
            gateway.post(RunningGateway.fixture("payment_cancelled.json"), webhookSecret + "x");
            gateway.post(RunningGateway.fixture("payment_abandoned.json"), webhookSecret.substring(0, 8));
            gateway.post("{\"event\":", webhookSecret);
            gateway.post(v2("direct_debit.payment_successful", "2024-05-01T10:00:00Z",
                    paymentData(newId("txd_"), "successful", 10, "\"acc_1\"", "2024-05-01T10:00:00Z").replace("\"amount\":10", "\"amount\":\"ten\"")),
                    webhookSecret);
            gateway.admin("GET", "/admin/dead-letters", adminToken, null);
            gateway.admin("GET", "/admin/dead-letters", adminToken + "-wrong", null);
            gateway.awaitInboxDrained();
            await().atMost(Duration.ofSeconds(30)).until(() -> logs.all().contains("Could not send an alert email"));
        }

        String all = logs.all();
        assertTrue(all.contains("is ready"), "the start summary was captured");
        assertTrue(all.contains("Dead letter #"), "an error path ran");
        for (String secret : List.of(webhookSecret, oldSecret, adminToken, dbPassword, smtpPassword)) {
            assertFalse(all.contains(secret), "the logs contain " + secret);
            // Not even the beginning of one.
            assertFalse(all.contains(secret.substring(0, 12)), "the logs contain the start of " + secret);
        }
    }

    private static double value(String metrics, String series) {
        Matcher m = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(metrics);
        if (!m.find()) {
            throw new AssertionError("no metric " + series);
        }
        return Double.parseDouble(m.group(1));
    }

}
