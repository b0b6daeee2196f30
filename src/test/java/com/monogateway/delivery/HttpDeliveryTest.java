package com.monogateway.delivery;

import static com.monogateway.support.MonoEvents.mandateData;
import static com.monogateway.support.MonoEvents.newId;
import static com.monogateway.support.MonoEvents.paymentData;
import static com.monogateway.support.MonoEvents.v2;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.monogateway.support.CapturedLogs;
import com.monogateway.support.HttpDestination;
import com.monogateway.support.Resources;
import com.monogateway.support.RunningGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/** Delivery to a real HTTP server: what is sent, in which order, and what a down, slow or refusing destination does. */
class HttpDeliveryTest {

    private static final String TOKEN = "admin-token-for-delivery-tests-0123456789";
    @AutoClose
    private final Resources resources = new Resources();

    private <T extends AutoCloseable> T keep(T resource) {
        return resources.keep(resource);
    }

    private static Properties settings(HttpDestination erp) {
        Properties p = RunningGateway.forwardingTo(erp.url("/mono-events"), "200ms");
        p.setProperty("mono.admin.token", TOKEN);
        p.setProperty("mono.alerts.digest-window", "500ms");
        return p;
    }

    private static String payment(String id, String status, String updatedAt) {
        return v2("direct_debit.payment_" + status, updatedAt, paymentData(id, status, 50_000, "\"acc_1\"", updatedAt));
    }

    /**
     * The dedupe keys in the outbox's order (the order of the transactions that applied the events, then
     * within one transaction the order they were applied in), with the object each event is about.
     */
    private static Map<String, String> appliedOrder(RunningGateway gateway, String typePrefix) {
        Map<String, String> objectByKey = new java.util.LinkedHashMap<>();
        gateway.db().rows("SELECT e.dedupe_key, d.object_key FROM deliveries d JOIN webhook_events e ON e.id = d.webhook_event_id"
                + " WHERE e.event_type LIKE ? AND d.destination = 'erp' ORDER BY d.created_at, d.id", typePrefix + "%")
                .forEach(r -> objectByKey.put((String) r.get("dedupe_key"), String.valueOf(r.get("object_key"))));
        return objectByKey;
    }

    /**
     * What the gateway promises: every applied event once, and each object's in the order they were applied;
     * different objects' deliveries may interleave in any way.
     */
    static void assertOncePerObjectInOrder(Map<String, String> applied, List<String> received, String what) {
        assertEquals(new java.util.TreeSet<>(applied.keySet()), new java.util.TreeSet<>(received), what + ": each once");
        assertEquals(applied.size(), received.size(), what + ": none twice");
        Map<String, List<String>> expected = new java.util.HashMap<>();
        applied.forEach((key, object) -> expected.computeIfAbsent(object, o -> new ArrayList<>()).add(key));
        Map<String, List<String>> got = new java.util.HashMap<>();
        received.forEach(key -> got.computeIfAbsent(applied.get(key), o -> new ArrayList<>()).add(key));
        assertEquals(expected, got, what + ": each object's events in the order applied");
    }

    private static List<String> receivedKeys(HttpDestination destination) {
        return destination.received().stream().map(r -> r.header("Idempotency-Key")).toList();
    }

    @Test
    void aDestinationUriWithAQueryIsSentAPostWithTheExactBodyAndOnlyA2xxAnswerCountsAsDelivered() throws Exception {
        HttpDestination erp = keep(new HttpDestination());
        Properties settings = settings(erp);
        // throwExceptionOnFailure=false: camel-http then takes any answer as a success; the gateway must not.
        settings.setProperty("mono.forward.erp.uri", erp.url("/mono-events") + "?sig=s3cr3t-sig-value&throwExceptionOnFailure=false");
        CapturedLogs logs = new CapturedLogs();
        resources.keep((AutoCloseable) logs::detach);
        RunningGateway gateway = keep(RunningGateway.start(settings));
        erp.answer(500);
        String event = payment(newId("txd_"), "successful", "2024-05-01T10:00:10Z");
        gateway.postNew(event);

        await().atMost(Duration.ofSeconds(20)).until(() -> gateway.db().count(
                "SELECT count(*) FROM deliveries WHERE destination = 'erp' AND status = 'pending' AND attempts >= 1") == 1);
        String error = (String) gateway.db().row("SELECT last_error FROM deliveries WHERE destination = 'erp'").get("last_error");
        assertTrue(error.contains("HTTP 500"), error);
        assertFalse(error.contains("s3cr3t-sig-value"), error);
        erp.answer(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> erp.received().size() == 1);
        HttpDestination.Received sent = erp.received().get(0);
        assertEquals("POST", sent.method(), "a query string must not turn the delivery into a GET without its body");
        assertEquals(event, sent.body());
        assertEquals("sig=s3cr3t-sig-value", sent.query());
        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.db().count(
                "SELECT count(*) FROM deliveries WHERE destination = 'erp' AND status = 'delivered'") == 1);
        // The senders' pool: a lock per route (LAX), Camel's settings as the keys give them.
        var http = gateway.context().getComponent("http", org.apache.camel.component.http.HttpComponent.class);
        assertEquals(PooledHttpComponent.class, http.getClass());
        assertEquals(5000L, http.getConnectTimeout(), "camel.component.http.connect-timeout");
        var pool = org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager.class.getDeclaredField("pool");
        pool.setAccessible(true);
        var endpoint = gateway.context().getEndpoints().stream().filter(e -> e instanceof org.apache.camel.component.http.HttpEndpoint)
                .map(e -> (org.apache.camel.component.http.HttpEndpoint) e).findFirst().orElseThrow();
        Object connections = pool.get(endpoint.getClientConnectionManager());
        assertTrue(connections instanceof org.apache.hc.core5.pool.LaxConnPool, connections.getClass().getSuperclass().getName());
        assertTrue(logs.all().contains("sig=xxxxxx"), "the start summary names the parameter");
        assertFalse(logs.all().contains("s3cr3t-sig-value"), "the URI's unknown parameter is masked in every log line");
    }

    @Test
    void eachAppliedEventReachesEveryMatchingDestinationOnceAsMonoSentItInOrder() {
        HttpDestination erp = keep(new HttpDestination());
        HttpDestination ledger = keep(new HttpDestination());
        Properties settings = settings(erp);
        settings.setProperty("mono.forward.destinations", "erp,ledger");
        settings.setProperty("mono.forward.erp.events", "direct_debit.*");
        settings.setProperty("mono.forward.ledger.uri", ledger.url("/in"));
        settings.setProperty("mono.forward.ledger.events", "events.mandates.*,direct_debit.payment_failed");
        RunningGateway gateway = keep(RunningGateway.start(settings));

        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String event = payment(newId("txd_"), i % 4 == 0 ? "failed" : "successful", "2024-05-01T10:00:" + (10 + i) + "Z");
            sent.add(event);
            gateway.postNew(event);
        }
        for (int i = 0; i < 3; i++) {
            gateway.postNew(v2("events.mandates.approved", "2024-05-01T10:00:00Z", mandateData(newId("mmc_"), "approved", "2024-05-01T10:00:00Z")));
        }
        gateway.postNew(v2("issuing.card_created", "2024-05-01T10:00:00Z", "{\"id\":\"card_1\"}")); // ignored: delivered nowhere
        gateway.awaitInboxDrained();

        await().atMost(Duration.ofSeconds(20)).until(() -> erp.received().size() >= 20 && ledger.received().size() >= 8);
        assertOncePerObjectInOrder(appliedOrder(gateway, "direct_debit."), receivedKeys(erp), "every payment event");
        assertEquals(new java.util.TreeSet<>(sent), new java.util.TreeSet<>(erp.received().stream().map(HttpDestination.Received::body)
                .toList()), "the bodies as Mono sent them");
        HttpDestination.Received first = erp.received().stream().filter(r -> r.body().equals(sent.get(0))).findFirst().orElseThrow();
        String eventId = (String) gateway.db().row("SELECT event_id FROM webhook_events WHERE dedupe_key = ?",
                first.header("Idempotency-Key")).get("event_id");
        assertEquals(eventId, first.header("MonoEventId"));
        assertEquals(eventId, first.header("MonoDedupeKey"));
        assertEquals("direct_debit.payment_failed", first.header("MonoEvent"));
        assertEquals(List.of("application/json; charset=UTF-8"), first.headers().entrySet().stream()
                .filter(h -> h.getKey().equalsIgnoreCase("Content-Type")).flatMap(h -> h.getValue().stream()).toList(), "one Content-Type");
        assertEquals(8, ledger.received().size(), "3 mandates and the 5 failed payments");
        assertTrue(ledger.received().stream().allMatch(r -> r.header("MonoEvent").startsWith("events.mandates.")
                || r.header("MonoEvent").equals("direct_debit.payment_failed")));
        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.db().count("SELECT count(*) FROM deliveries WHERE status = 'delivered'") == 28);
        assertEquals(28, gateway.db().count("SELECT count(*) FROM deliveries"), "nothing else queued (the ignored event)");
    }

    @Test
    void aDestinationDownFor10SecondsUnderLoadPausesDeliveriesAndLosesNothing() throws Exception {
        HttpDestination erp = keep(new HttpDestination());
        RunningGateway gateway = keep(RunningGateway.start(settings(erp)));
        erp.stop();

        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        int posted = 0;
        while (System.nanoTime() < until) {
            gateway.postNew(payment(newId("txd_"), "successful", "2024-05-01T10:00:00Z"));
            posted++;
            Thread.sleep(100);
        }
        gateway.awaitInboxDrained();
        int count = posted;
        assertEquals(count, gateway.db().count("SELECT count(*) FROM payments"), "every event applied while the ESB was down");
        assertEquals(0, gateway.db().count("SELECT count(*) FROM dead_letters"));
        assertEquals(0, erp.received().size());
        assertTrue(gateway.management("/observe/health/ready").statusCode() == 200, "still ready: webhooks are taken");
        String health = gateway.management("/observe/health?data=true").body();
        assertTrue(health.contains("\"erp\":\"DOWN\""), health);

        erp.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> erp.received().size() >= count);
        // The batch is marked delivered right after its last send.
        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.db().count("SELECT count(*) FROM deliveries WHERE status <> 'delivered'") == 0);
        assertOncePerObjectInOrder(appliedOrder(gateway, "direct_debit."), receivedKeys(erp), "all delivered");
    }

    @Test
    void aSlowDestinationHoldsNoDatabaseLockAndDoesNotSlowProcessing() throws Exception {
        HttpDestination erp = keep(new HttpDestination());
        Properties settings = settings(erp);
        RunningGateway gateway = keep(RunningGateway.start(settings));
        erp.hold(); // the next answer takes as long as this test wants

        gateway.postNew(payment(newId("txd_"), "successful", "2024-05-01T10:00:00Z"));
        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.db().count(
                "SELECT count(*) FROM deliveries WHERE lease_until > now()") == 1); // the send is under way
        long started = System.nanoTime();
        for (int i = 0; i < 50; i++) {
            gateway.postNew(payment(newId("txd_"), "successful", "2024-05-01T10:00:00Z"));
        }
        gateway.awaitInboxDrained();
        long ms = Duration.ofNanos(System.nanoTime() - started).toMillis();
        assertTrue(ms < 10_000, "50 events applied in " + ms + " ms while a send hung");
        // While the send hangs, nothing of the gateway's sits in an open transaction holding row locks.
        assertEquals(0, gateway.db().count("""
                SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
                  AND a.state = 'idle in transaction' AND l.locktype IN ('relation', 'tuple', 'transactionid')"""));
        assertEquals(0, erp.received().size());

        erp.release();
        await().atMost(Duration.ofSeconds(20)).until(() -> erp.received().size() >= 51);
        assertOncePerObjectInOrder(appliedOrder(gateway, "direct_debit."), receivedKeys(erp), "delivered");
    }

    @Test
    void aRefusedDeliveryIsDeadAlertedOncePerDestinationAndSentAgainAfterTheFix() throws Exception {
        HttpDestination erp = keep(new HttpDestination());
        Properties settings = settings(erp);
        RunningGateway gateway = keep(RunningGateway.start(settings));
        // The sender waits until both are dead, so that one window holds both whatever the timing.
        gateway.context().getRouteController().suspendRoute("mono-alert-sender");
        erp.answer(400);

        gateway.postNew(payment(newId("txd_"), "successful", "2024-05-01T10:00:00Z"));
        gateway.postNew(payment(newId("txd_"), "successful", "2024-05-01T10:00:01Z"));
        await().atMost(Duration.ofSeconds(15)).until(() -> gateway.db().count("SELECT count(*) FROM deliveries WHERE status = 'dead'") >= 1);
        Map<String, Object> dead = gateway.db().row("SELECT attempts, last_error FROM deliveries WHERE status = 'dead' ORDER BY id LIMIT 1");
        assertEquals(1, dead.get("attempts"), "a 400 is not retried");
        assertTrue(((String) dead.get("last_error")).contains("400"), (String) dead.get("last_error"));
        assertEquals(2, gateway.db().count("SELECT count(*) FROM payments"), "the events are applied all the same");

        // The second delivery goes next and is refused too; both end dead, in one email for the destination.
        await().atMost(Duration.ofSeconds(15)).until(() -> gateway.db().count("SELECT count(*) FROM deliveries WHERE status = 'dead'") == 2);
        gateway.context().getRouteController().resumeRoute("mono-alert-sender");
        Path mailDir = Path.of(settings.getProperty("mono.data.dir"), "mail");
        await().atMost(Duration.ofSeconds(15)).until(() -> gateway.db().count(
                "SELECT count(*) FROM alerts WHERE kind = 'delivery' AND sent_at IS NOT NULL") == 2);
        List<String> mails;
        try (var files = Files.list(mailDir)) {
            mails = files.map(f -> {
                try {
                    return Files.readString(f);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).filter(m -> m.contains("deliveries to erp failed")).collect(Collectors.toList());
        }
        assertEquals(1, mails.size(), "one email per destination and window");
        for (Map<String, Object> row : gateway.db().rows("SELECT id FROM deliveries WHERE status = 'dead'")) {
            assertTrue(mails.get(0).contains("#" + row.get("id") + " "), "the email lists delivery #" + row.get("id") + ": " + mails.get(0));
        }
        assertTrue(mails.get(0).contains("/admin/deliveries/retry?destination=erp"), mails.get(0));

        var listed = gateway.admin("GET", "/admin/deliveries?status=dead&destination=erp", TOKEN, null);
        assertEquals(200, listed.statusCode(), listed.body());
        assertTrue(listed.body().contains("\"count\":2"), listed.body());

        erp.answer(200);
        var retried = gateway.admin("POST", "/admin/deliveries/retry?destination=erp", TOKEN, null);
        assertEquals(200, retried.statusCode(), retried.body());
        await().atMost(Duration.ofSeconds(15)).until(() -> erp.received().size() == 2);
        assertOncePerObjectInOrder(appliedOrder(gateway, "direct_debit."), receivedKeys(erp), "delivered");
    }

    @Test
    void destinationsAndConnectorTimeoutsComeFromEnvironmentVariables(@org.junit.jupiter.api.io.TempDir Path dataDir)
            throws Exception {
        HttpDestination erp = keep(new HttpDestination());
        String dbUrl = com.monogateway.support.TestPostgres.newDatabase();
        int port = RunningGateway.freePort();
        Map<String, String> env = new java.util.LinkedHashMap<>(com.monogateway.support.GatewayProcess.environment(dbUrl, port, dataDir));
        env.put("MONO_FORWARD_DESTINATIONS", "erp");
        env.put("MONO_FORWARD_ERP_URI", erp.url("/from-env"));
        env.put("MONO_FORWARD_ERP_EVENTS", "direct_debit.*");
        env.put("MONO_FORWARD_ERP_INITIAL_BACKOFF", "300ms");
        env.put("CAMEL_COMPONENT_HTTP_RESPONSE_TIMEOUT", "1500");
        Process process = com.monogateway.support.GatewayProcess.start(env, "delivery-env");
        try {
            java.net.URI webhook = java.net.URI.create("http://127.0.0.1:" + port + "/webhooks/mono");
            com.monogateway.support.GatewayProcess.awaitUp(webhook);
            com.monogateway.support.Db db = new com.monogateway.support.Db(dbUrl);
            erp.hold(); // answers later than the response timeout set by the environment variable
            post(webhook, payment(newId("txd_"), "successful", "2024-05-01T10:00:00Z"));
            await().atMost(Duration.ofSeconds(20)).until(() -> db.count(
                    "SELECT count(*) FROM deliveries WHERE attempts >= 1 AND last_error ILIKE '%timeout%'") == 1);
            erp.release();
            await().atMost(Duration.ofSeconds(20)).until(() -> db.count("SELECT count(*) FROM deliveries WHERE status = 'delivered'") == 1);
            assertEquals("/from-env", erp.received().get(erp.received().size() - 1).path());
        } finally {
            process.destroy();
            process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    private static void post(java.net.URI webhook, String event) {
        var response = RunningGateway.send(java.net.http.HttpRequest.newBuilder(webhook)
                .header("Content-Type", "application/json").header("mono-webhook-secret", RunningGateway.SECRET)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(event)).build());
        assertEquals(200, response.statusCode(), response.body());
    }

    @Test
    void aDestinationThatCannotBeUsedStopsTheStartNamingItsKey() {
        Properties unknownComponent = RunningGateway.defaults();
        unknownComponent.setProperty("mono.forward.destinations", "erp");
        unknownComponent.setProperty("mono.forward.erp.uri", "nosuchconnector:queue");
        String failure = startFailure(unknownComponent);
        assertTrue(failure.startsWith("destination 'erp' cannot be used (mono.forward.erp.uri=nosuchconnector:queue)"),
                failure);

        Properties wrongOption = RunningGateway.defaults();
        // (http: passes unknown options on as query parameters, by design; log: is strict)
        wrongOption.setProperty("mono.forward.uri", "log:erp?noSuchOption=1");
        failure = startFailure(wrongOption);
        assertTrue(failure.contains("(mono.forward.uri=") && failure.contains("noSuchOption"),
                failure);

        Properties missingUri = RunningGateway.defaults();
        missingUri.setProperty("mono.forward.destinations", "erp,ledger");
        missingUri.setProperty("mono.forward.erp.uri", "log:erp");
        failure = startFailure(missingUri);
        assertTrue(failure.startsWith("mono.forward.ledger.uri is required") && failure.contains("MONO_FORWARD_LEDGER_URI"),
                failure);
    }

    /** The one line a start that fails with these settings prints. */
    private static String startFailure(Properties settings) {
        RuntimeException failure = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, () -> RunningGateway.start(settings));
        return com.monogateway.GatewayMain.startFailure(failure).orElseThrow(() -> failure);
    }

    @Test
    void twoInstancesOnOneDatabaseSendEachDeliveryOnceAndInOrder() {
        HttpDestination erp = keep(new HttpDestination());
        Properties first = settings(erp);
        Properties second = (Properties) first.clone();
        second.setProperty("camel.server.port", Integer.toString(RunningGateway.freePort()));
        second.setProperty("camel.management.port", Integer.toString(RunningGateway.freePort()));
        RunningGateway one = keep(RunningGateway.start(first));
        RunningGateway two = keep(RunningGateway.start(second));

        for (int i = 0; i < 60; i++) {
            (i % 2 == 0 ? one : two).postNew(payment(newId("txd_"), "successful", "2024-05-01T10:00:00Z"));
        }
        one.awaitInboxDrained();
        await().atMost(Duration.ofSeconds(20)).until(() -> erp.received().size() >= 60);
        assertOncePerObjectInOrder(appliedOrder(one, "direct_debit."), receivedKeys(erp), "whichever instance sent it");
    }
}
