package com.monogateway.delivery;

import static com.monogateway.support.MonoEvents.newId;
import static com.monogateway.support.MonoEvents.paymentData;
import static com.monogateway.support.MonoEvents.v2;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.monogateway.support.CapturedLogs;
import com.monogateway.support.HttpDestination;
import com.monogateway.support.Resources;
import com.monogateway.support.RunningGateway;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * Delivery at an ESB's pace, against a real HTTP server that answers after 20 ms: one object's events go
 * one at a time and in the order they were received, many objects' at once, and one event the ESB refuses
 * holds back only its own object.
 */
class PerObjectDeliveryTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    @AutoClose
    private final Resources resources = new Resources();

    private static final String TOKEN = "admin-token-for-per-object-tests-0123456789";

    private <T extends AutoCloseable> T keep(T resource) {
        return resources.keep(resource);
    }

    private static Properties settings(HttpDestination erp) {
        Properties p = RunningGateway.forwardingTo(erp.url("/mono-events"), "300ms");
        p.setProperty("mono.admin.token", TOKEN);
        return p;
    }

    /** The {@code n}-th event of a payment: its time stamps move on with n. */
    private static String event(String payment, int n, int last) {
        String status = n == last ? "successful" : "processing";
        String at = "2024-05-01T10:00:%02dZ".formatted(10 + n);
        return v2("direct_debit.payment_" + status, at, paymentData(payment, status, 50_000, "\"acc_1\"", at));
    }

    private static String eventId(String event) {
        try {
            return JSON.readTree(event).path("event_id").asText();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Each payment's event ids in the order the destination received them. */
    private static Map<String, List<String>> receivedPerPayment(HttpDestination erp) {
        Map<String, List<String>> received = new LinkedHashMap<>();
        for (HttpDestination.Received r : erp.received()) {
            try {
                JsonNode event = JSON.readTree(r.body());
                received.computeIfAbsent(event.path("data").path("object").path("id").asText(), k -> new ArrayList<>())
                        .add(event.path("event_id").asText());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return received;
    }

    @Test
    void oneObjectsEventsGoInOrderManyObjectsAtOnceAndARefusedOneHoldsBackOnlyItsOwnObject() throws Exception {
        HttpDestination erp = keep(new HttpDestination());
        erp.delay(20);
        String poison = newId("txd_POISON_");
        erp.refuse(body -> body.contains(poison));
        RunningGateway gateway = keep(RunningGateway.start(settings(erp)));

        List<String> payments = new ArrayList<>();
        for (int k = 0; k < 30; k++) {
            payments.add(newId("txd_"));
        }
        payments.add(poison);
        int events = 4;
        Map<String, List<String>> posted = new LinkedHashMap<>();
        erp.hold(); // answers wait: the sends in flight pile up where they can be counted
        for (int n = 0; n < events; n++) {
            for (String payment : payments) { // one payment's events posted in order, the payments interleaved
                String event = event(payment, n, events - 1);
                posted.computeIfAbsent(payment, k -> new ArrayList<>()).add(eventId(event));
                gateway.postNew(event);
            }
        }
        // Every payment's first delivery is out at once (max-in-flight 256), none of a payment's second before its first.
        await().atMost(Duration.ofSeconds(30)).until(() -> erp.concurrent() == payments.size());
        erp.release();

        await().atMost(Duration.ofSeconds(60)).until(() -> erp.received().size() == 30 * events);
        Map<String, List<String>> received = receivedPerPayment(erp);
        for (String payment : payments.subList(0, 30)) {
            assertEquals(posted.get(payment), received.get(payment), "payment " + payment + ": its events once, in order");
        }
        assertEquals(payments.size(), erp.mostConcurrent(), "one send per object at a time, all objects at once");
        assertFalse(received.containsKey(poison), "the refused payment's events wait");
        assertEquals(List.of(0), gateway.db().rows("SELECT d.attempts FROM deliveries d JOIN webhook_events e ON e.id = d.webhook_event_id"
                + " WHERE d.object_key = ? ORDER BY e.id OFFSET 1", poison).stream().map(r -> (Integer) r.get("attempts")).distinct()
                .toList(), "its later events were never sent past the refused one");
        long refused = gateway.db().count("SELECT d.id FROM deliveries d JOIN webhook_events e ON e.id = d.webhook_event_id"
                + " WHERE d.object_key = ? ORDER BY e.id LIMIT 1", poison);
        // Health tells "failing for some objects" from "down", and names what holds them.
        await().atMost(Duration.ofSeconds(15)).until(() -> "FAILING_FOR_SOME".equals(destinationHealth(gateway).path("erp").asText()));
        JsonNode health = destinationHealth(gateway);
        assertEquals(1, health.path("erp.objects_held").asLong(), health.toString());
        assertEquals(refused, health.path("erp.held_by_delivery").asLong(), health.toString());
        assertTrue(health.path("erp.last_error").asText().contains("500"), health.toString());
        assertEquals(poison, health.path("erp.last_error_object").asText(), health.toString());
        // The admin API (and the console's Deliveries page over it) says the same.
        JsonNode erpState = JSON.readTree(gateway.admin("GET", "/admin/destinations", TOKEN, null).body()).path("destinations").path(0);
        assertEquals("erp", erpState.path("name").asText(), erpState.toString());
        assertEquals("FAILING_FOR_SOME", erpState.path("state").asText(), erpState.toString());
        assertEquals("closed", erpState.path("circuit").asText(), erpState.toString());
        assertEquals(1, erpState.path("objects_held").asLong(), erpState.toString());
        assertEquals(refused, erpState.path("held_by_delivery").asLong(), erpState.toString());
        assertEquals(256, erpState.path("max_in_flight").asInt(), erpState.toString());
        assertTrue(erpState.path("last_error").asText().contains("500"), erpState.toString());

        erp.refuse(body -> false); // the consumer is fixed
        await().atMost(Duration.ofSeconds(30)).until(() -> erp.received().size() == 31 * events);
        assertEquals(posted.get(poison), receivedPerPayment(erp).get(poison), "then its events, in order");
    }

    @Test
    void afterAnOutageARefusedPaymentDoesNotKeepTheDestinationPaused() throws Exception {
        HttpDestination erp = keep(new HttpDestination());
        String poison = newId("txd_POISON_");
        erp.refuse(body -> true); // down for everyone: the circuit opens
        RunningGateway gateway = keep(RunningGateway.start(settings(erp)));
        gateway.postNew(event(poison, 0, 1)); // the oldest delivery, refused for ever once the destination is back
        List<String> others = new ArrayList<>();
        for (int k = 0; k < 10; k++) {
            others.add(newId("txd_"));
            gateway.postNew(event(others.get(k), 0, 1));
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> "DOWN".equals(destinationHealth(gateway).path("erp").asText()));
        erp.refuse(body -> body.contains(poison)); // back, but still refusing one payment
        await().atMost(Duration.ofSeconds(20)).until(() -> receivedPerPayment(erp).keySet().containsAll(others));
        await().atMost(Duration.ofSeconds(15)).until(() -> "FAILING_FOR_SOME".equals(destinationHealth(gateway).path("erp").asText()));
        assertFalse(receivedPerPayment(erp).containsKey(poison), "the refused payment is not delivered");
    }

    /** The data of the destinations health check. */
    private static JsonNode destinationHealth(RunningGateway gateway) throws Exception {
        for (JsonNode check : JSON.readTree(gateway.management("/observe/health?data=true").body()).path("checks")) {
            if (check.path("name").asText().equals("destinations")) {
                return check.path("data");
            }
        }
        return JSON.createObjectNode();
    }

    @Test
    void twoInstancesOnOneDatabaseKeepEachObjectsOrderWithoutDeadlocks() {
        HttpDestination erp = keep(new HttpDestination());
        erp.delay(5);
        CapturedLogs logs = new CapturedLogs();
        resources.keep((AutoCloseable) logs::detach);
        Properties first = settings(erp);
        Properties second = (Properties) first.clone();
        second.setProperty("camel.server.port", Integer.toString(RunningGateway.freePort()));
        second.setProperty("camel.management.port", Integer.toString(RunningGateway.freePort()));
        RunningGateway one = keep(RunningGateway.start(first));
        RunningGateway two = keep(RunningGateway.start(second));

        List<String> payments = new ArrayList<>();
        for (int k = 0; k < 40; k++) {
            payments.add(newId("txd_"));
        }
        int events = 6;
        Map<String, List<String>> posted = new LinkedHashMap<>();
        for (int n = 0; n < events; n++) {
            for (int k = 0; k < payments.size(); k++) {
                String event = event(payments.get(k), n, events - 1);
                posted.computeIfAbsent(payments.get(k), p -> new ArrayList<>()).add(eventId(event));
                ((k + n) % 2 == 0 ? one : two).postNew(event); // each payment's events alternately to both
            }
        }

        await().atMost(Duration.ofSeconds(60)).until(() -> erp.received().size() >= payments.size() * events);
        assertEquals(payments.size() * events, erp.received().size(), "each delivery sent once");
        Map<String, List<String>> received = receivedPerPayment(erp);
        for (String payment : payments) {
            assertEquals(posted.get(payment), received.get(payment), "payment " + payment + ": in order, whichever instance sent it");
        }
        assertFalse(logs.all().contains("deadlock detected"), "no batch rolled back by a deadlock");
        assertEquals(payments.size() * events, one.db().count("SELECT count(*) FROM payment_status_history"),
                "each event applied once");
    }

    @Test
    void killedInTheMiddleOfConcurrentSendsNothingIsLostAndEachObjectKeepsItsOrder() throws Exception {
        HttpDestination erp = keep(new HttpDestination());
        erp.delay(20);
        String db = com.monogateway.support.TestPostgres.newDatabase();
        int port = RunningGateway.freePort();
        Map<String, String> env = com.monogateway.support.GatewayProcess.environment(db, port,
                java.nio.file.Files.createTempDirectory("gateway-killed"));
        env.put("MONO_FORWARD_DESTINATIONS", "erp");
        env.put("MONO_FORWARD_ERP_URI", erp.url("/mono-events"));
        env.put("MONO_FORWARD_ERP_LEASE", "3s");
        java.net.URI webhook = java.net.URI.create("http://127.0.0.1:" + port + "/webhooks/mono");
        Process first = com.monogateway.support.GatewayProcess.start(env, "per-object-killed");
        Process second = null;
        try {
            com.monogateway.support.GatewayProcess.awaitUp(webhook);
            List<String> payments = new ArrayList<>();
            for (int k = 0; k < 40; k++) {
                payments.add(newId("txd_"));
            }
            int events = 5;
            Map<String, List<String>> posted = new LinkedHashMap<>();
            erp.hold(); // the first sends stay in flight until the gateway is dead
            for (int n = 0; n < events; n++) {
                for (String payment : payments) {
                    String event = event(payment, n, events - 1);
                    posted.computeIfAbsent(payment, k -> new ArrayList<>()).add(eventId(event));
                    var answer = RunningGateway.send(java.net.http.HttpRequest.newBuilder(webhook)
                            .header("Content-Type", "application/json").header("mono-webhook-secret", RunningGateway.SECRET)
                            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(event)).build());
                    assertEquals(200, answer.statusCode(), answer.body());
                }
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> erp.concurrent() == payments.size());
            first.destroyForcibly(); // kill -9 while a send per payment is in flight
            first.waitFor();
            erp.release(); // those sends reach the ESB, but their sender is gone before it heard so
            await().atMost(Duration.ofSeconds(10)).until(() -> erp.received().size() == payments.size());

            second = com.monogateway.support.GatewayProcess.start(env, "per-object-after-kill");
            com.monogateway.support.GatewayProcess.awaitUp(webhook);
            await().atMost(Duration.ofSeconds(60)).until(() -> receivedPerPayment(erp).values().stream()
                    .mapToLong(ids -> ids.stream().distinct().count()).sum() == (long) payments.size() * events);
            Map<String, List<String>> received = receivedPerPayment(erp);
            for (String payment : payments) {
                // At least once: a send cut off by the kill may come again (a repeat of what was sent); no event arrives
                // for the first time before an older one of its payment.
                assertEquals(posted.get(payment), received.get(payment).stream().distinct().toList(),
                        "payment " + payment + ": nothing lost, in order: " + received.get(payment));
            }
        } finally {
            first.destroyForcibly();
            if (second != null) {
                second.destroy();
                second.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
    }
}
