package com.monogateway.ingest;

import com.monogateway.event.MonoEnvelope;
import static com.monogateway.support.RunningGateway.fixture;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.monogateway.support.Db;
import com.monogateway.support.MonoEvents;
import com.monogateway.support.RunningGateway;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every answer of the webhook endpoint, against the real gateway and a real PostgreSQL. */
class WebhookIngestTest {

    private static RunningGateway gateway;
    private static Db db;

    @BeforeAll
    static void start() {
        gateway = RunningGateway.start();
        db = gateway.db();
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"account_connected.json", "payment_abandoned.json", "payment_cancelled.json",
            "payment_failed.json", "payment_successful.json"})
    void storesEveryMonoSample(String name) throws Exception {
        String body = fixture(name);
        String type = new ObjectMapper().readTree(body).get("event").asText();

        HttpResponse<String> response = gateway.post(body);

        assertEquals(200, response.statusCode(), response.body());
        assertTrue(response.body().equals("{\"status\":\"received\"}") || response.body().equals("{\"status\":\"duplicate\"}"),
                response.body());
        String dedupeKey = "sha256:" + MonoEnvelope.sha256Hex(body.getBytes(StandardCharsets.UTF_8));
        Map<String, Object> row = db.row(
                "SELECT event_type, event_id, CAST(body AS jsonb) = CAST(? AS jsonb) AS same_payload, received_at FROM webhook_events WHERE dedupe_key = ?",
                body, dedupeKey);
        assertEquals(type, row.get("event_type"));
        assertNull(row.get("event_id"), "v1 samples carry no event_id");
        assertEquals(true, row.get("same_payload"));
    }

    @Test
    void v2EventIsKeyedByItsEventIdAndRedeliveryIsADuplicate() {
        String eventId = "evt_" + UUID.randomUUID();
        String body = """
                {"event":"mono.events.account_connected","event_id":"%s","timestamp":"2024-05-01T10:00:00Z",
                 "data":{"id":"acc_1","live_mode":false}}""".formatted(eventId);

        HttpResponse<String> first = gateway.post(body);
        HttpResponse<String> again = gateway.post(body.replace("10:00:00Z", "10:00:30Z")); // a retry, re-stamped

        assertEquals(200, first.statusCode());
        assertEquals("{\"status\":\"received\"}", first.body());
        assertEquals(200, again.statusCode());
        assertEquals("{\"status\":\"duplicate\"}", again.body());
        Map<String, Object> row = db.row("SELECT dedupe_key, live_mode, CAST(body AS jsonb)->>'timestamp' AS stamp FROM webhook_events WHERE event_id = ?", eventId);
        assertEquals(eventId, row.get("dedupe_key"));
        assertEquals(false, row.get("live_mode"));
        assertEquals("2024-05-01T10:00:00Z", row.get("stamp"), "the first delivery is the one kept");
    }

    @Test
    void v1RedeliveryWithoutEventIdIsRecognisedByItsBody() {
        String body = """
                {"event":"mono.events.account_unlinked","data":{"account":{"id":"acc_%s"}}}""".formatted(UUID.randomUUID());

        assertEquals("{\"status\":\"received\"}", gateway.post(body).body());
        assertEquals("{\"status\":\"duplicate\"}", gateway.post(body).body());

        assertEquals(1, db.count("SELECT count(*) FROM webhook_events WHERE CAST(body AS jsonb) = CAST(? AS jsonb)", body));
    }

    @Test
    void nestedEnvelopeIsUnderstood() {
        String eventId = "evt_" + UUID.randomUUID();
        String body = """
                {"data":{"event":"events.mandates.approved","event_id":"%s",
                         "data":{"id":"mmc_1","live_mode":true,"amount":500000}}}""".formatted(eventId);

        HttpResponse<String> response = gateway.post(body);

        assertEquals(200, response.statusCode(), response.body());
        Map<String, Object> row = db.row("SELECT event_type, live_mode FROM webhook_events WHERE dedupe_key = ?", eventId);
        assertEquals("events.mandates.approved", row.get("event_type"));
        assertEquals(true, row.get("live_mode"));
    }

    @Test
    void wrongOrMissingSecretIsRefusedAndNothingIsStored() {
        String eventId = "evt_" + UUID.randomUUID();
        String body = "{\"event\":\"mono.events.account_connected\",\"event_id\":\"" + eventId + "\",\"data\":{\"id\":\"a\"}}";

        HttpResponse<String> wrong = gateway.post(body, RunningGateway.SECRET + "x");
        HttpResponse<String> prefix = gateway.post(body, RunningGateway.SECRET.substring(0, 10));
        HttpResponse<String> missing = gateway.post(body, null);

        for (HttpResponse<String> response : new HttpResponse[] {wrong, prefix, missing}) {
            assertEquals(401, response.statusCode());
            assertEquals("{\"error\":\"unauthorized\",\"message\":\"missing or invalid mono-webhook-secret header\"}", response.body());
            assertFalse(response.headers().map().containsKey("mono-webhook-secret"), "the secret header is not echoed");
        }
        assertEquals(0, db.count("SELECT count(*) FROM webhook_events WHERE event_id = ?", eventId));
        assertEquals(0, db.count("SELECT count(*) FROM rejected_events WHERE position(convert_to(?, 'UTF8') in body) > 0", eventId));
    }

    @Test
    void answersCarryNoRequestHeaders() {
        HttpResponse<String> response = RunningGateway.send(HttpRequest.newBuilder(gateway.webhookUri())
                .header("Content-Type", "application/json")
                .header("mono-webhook-secret", RunningGateway.SECRET)
                .header("X-Injected", "value")
                .header("To", "attacker@example.com")
                .POST(HttpRequest.BodyPublishers.ofString(fixture("payment_failed.json")))
                .build());

        assertEquals(200, response.statusCode());
        var headers = response.headers().map().keySet().stream().map(String::toLowerCase).toList();
        assertFalse(headers.contains("mono-webhook-secret"), headers.toString());
        assertFalse(headers.contains("x-injected"), headers.toString());
        assertFalse(headers.contains("to"), headers.toString());
        assertEquals("application/json", response.headers().firstValue("content-type").orElse(""));
    }

    @ParameterizedTest
    @ValueSource(strings = {"[1,2,3]", "\"event\"", "{\"data\":{\"id\":\"x\"}}", "{\"event\":", "{\"event\":42.5}",
            "{\"event\":{\"name\":\"x\"}}", "{\"event\":\"\"}", "{\"event\":\"x\",\"event_id\":[1]}",
            "{\"event\":\"mono.events.account_connected\",\"data\":{\"note\":\"nul \\u0000 inside\"}}", "",
            "{\"event\":\"mono.events.account_connected\",\"data\":{\"\\u0000\":\"a name with nul\"}}",
            "{\"event\":\"mono.events.account_connected\",\"data\":{\"note\":\"half a pair \\ud800 alone\"}}",
            // 9 bytes that PostgreSQL would write out as 131,072 digits when processing reads the event back
            "{\"event\":\"direct_debit.payment_failed\",\"data\":{\"fee\":1e131071}}",
            "{\"event\":\"direct_debit.payment_failed\",\"data\":{\"a\":1e-60000,\"b\":1e-60000}}"})
    void badBodiesGet400AndAreKeptForInspection(String body) {
        long before = db.count("SELECT count(*) FROM rejected_events");

        HttpResponse<String> response = gateway.post(body);

        assertEquals(400, response.statusCode(), response.body());
        assertTrue(response.body().startsWith("{\"error\":\"invalid_event\",\"message\":"), response.body());
        assertEquals(before + 1, db.count("SELECT count(*) FROM rejected_events"));
        assertEquals(body, new String((byte[]) db.row("SELECT body FROM rejected_events ORDER BY id DESC LIMIT 1").get("body"),
                StandardCharsets.UTF_8));
    }

    @Test
    void oversizedIdentifiersAreRefusedAndKeptWhileGenuineEventsSentBesideAreAllStored() throws Exception {
        String marker = UUID.randomUUID().toString();
        java.util.Random random = new java.util.Random(7);
        List<String> genuine = new java.util.ArrayList<>();
        List<String> oversized = new java.util.ArrayList<>();
        for (int i = 0; i < 90; i++) {
            genuine.add(MonoEvents.v2("direct_debit.payment_processing", "2024-05-01T10:00:00Z",
                    MonoEvents.paymentData(MonoEvents.newId("txd_"), "processing", 100, "\"acc_1\"", "2024-05-01T10:00:00.000Z")));
        }
        for (int i = 0; i < 30; i++) {
            // Incompressible ids of 3,000 characters: over PostgreSQL's index row limit if they reached the insert.
            StringBuilder id = new StringBuilder(marker);
            random.ints(3_000, 'a', 'z' + 1).forEach(ch -> id.append((char) ch));
            String field = i % 2 == 0 ? "\"id\":\"txd_" : "\"reference\":\"ref_";
            oversized.add(MonoEvents.v2("direct_debit.payment_processing", "2024-05-01T10:00:00Z",
                    MonoEvents.paymentData(MonoEvents.newId("txd_"), "processing", 100, "\"acc_1\"", "2024-05-01T10:00:00.000Z"))
                    .replaceFirst(java.util.regex.Pattern.quote(field), java.util.regex.Matcher.quoteReplacement(field + id)));
        }
        List<String> all = new java.util.ArrayList<>(genuine);
        all.addAll(oversized);
        java.util.Collections.shuffle(all, random);
        var pool = java.util.concurrent.Executors.newFixedThreadPool(16);
        Map<String, Integer> answers = new java.util.concurrent.ConcurrentHashMap<>();
        try {
            for (var future : pool.invokeAll(all.stream().map(body -> (java.util.concurrent.Callable<Void>) () -> {
                answers.put(body, gateway.post(body).statusCode());
                return null;
            }).toList())) {
                future.get();
            }
        } finally {
            pool.shutdown();
        }
        genuine.forEach(body -> assertEquals(200, answers.get(body), "a genuine event sent beside oversized ones"));
        oversized.forEach(body -> assertEquals(400, answers.get(body), "an oversized identifier"));
        assertEquals(30, db.count("SELECT count(*) FROM rejected_events WHERE position(convert_to(?, 'UTF8') in body) > 0"
                + " AND reason LIKE '%at most 255 characters%'", marker));
        assertEquals(0, db.count("SELECT count(*) FROM webhook_events WHERE position(? in body) > 0", marker));
    }

    @Test
    void aFieldGivenTwiceIsRefusedAndKept() {
        String eventId = "evt_" + UUID.randomUUID();
        String body = """
                {"event":"direct_debit.payment_successful","event_id":"%s","data":{"object":{"id":"txd_dup","amount":99999999,
                 "reference":"ref_dup","amount":30000,"currency":"NGN","status":"successful"}}}""".formatted(eventId);
        HttpResponse<String> response = gateway.post(body);
        assertEquals(400, response.statusCode(), response.body());
        assertTrue(response.body().contains("given twice") && response.body().contains("amount"), response.body());
        assertEquals(0, db.count("SELECT count(*) FROM webhook_events WHERE event_id = ?", eventId));
        assertEquals(1, db.count("SELECT count(*) FROM rejected_events WHERE position(convert_to(?, 'UTF8') in body) > 0", eventId));
    }

    @Test
    void nonUtf8BodyGets400() {
        byte[] latin1 = "{\"event\":\"mono.events.account_connected\",\"data\":{\"name\":\"Ad\u00e9\"}}"
                .getBytes(StandardCharsets.ISO_8859_1);
        HttpResponse<String> response = RunningGateway.send(HttpRequest.newBuilder(gateway.webhookUri())
                .header("mono-webhook-secret", RunningGateway.SECRET)
                .POST(HttpRequest.BodyPublishers.ofByteArray(latin1))
                .build());

        assertEquals(400, response.statusCode());
        assertTrue(response.body().contains("UTF-8"), response.body());
    }

    @ParameterizedTest
    @ValueSource(strings = {"text/plain", "application/x-www-form-urlencoded", "application/xml"})
    void declaredNonJsonContentTypeGets415(String contentType) {
        HttpResponse<String> response = RunningGateway.send(HttpRequest.newBuilder(gateway.webhookUri())
                .header("Content-Type", contentType)
                .header("mono-webhook-secret", RunningGateway.SECRET)
                .POST(HttpRequest.BodyPublishers.ofString(fixture("account_connected.json")))
                .build());

        assertEquals(415, response.statusCode());
    }

    @Test
    void jsonWithParametersOrNoContentTypeIsAccepted() {
        String withCharset = "{\"event\":\"mono.events.account_connected\",\"event_id\":\"" + UUID.randomUUID() + "\",\"data\":{\"id\":\"a\"}}";
        String untyped = "{\"event\":\"mono.events.account_connected\",\"event_id\":\"" + UUID.randomUUID() + "\",\"data\":{\"id\":\"b\"}}";

        HttpResponse<String> charset = RunningGateway.send(HttpRequest.newBuilder(gateway.webhookUri())
                .header("Content-Type", "application/json; charset=utf-8")
                .header("mono-webhook-secret", RunningGateway.SECRET)
                .POST(HttpRequest.BodyPublishers.ofString(withCharset))
                .build());
        HttpResponse<String> none = RunningGateway.send(HttpRequest.newBuilder(gateway.webhookUri())
                .header("mono-webhook-secret", RunningGateway.SECRET)
                .POST(HttpRequest.BodyPublishers.ofString(untyped))
                .build());

        assertEquals(200, charset.statusCode(), charset.body());
        assertEquals(200, none.statusCode(), none.body());
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET", "PUT", "DELETE", "PATCH"})
    void otherMethodsGet405(String method) {
        HttpResponse<String> response = RunningGateway.send(HttpRequest.newBuilder(gateway.webhookUri())
                .header("mono-webhook-secret", RunningGateway.SECRET)
                .method(method, HttpRequest.BodyPublishers.ofString(fixture("account_connected.json")))
                .build());

        assertEquals(405, response.statusCode());
    }

    @Test
    void bodyOverTheDefaultLimitGets413AndIsNotStored() {
        String marker = UUID.randomUUID().toString();
        String big = "{\"event\":\"mono.events.account_connected\",\"event_id\":\"" + marker + "\",\"data\":{\"pad\":\""
                + "x".repeat(1_048_576) + "\"}}";

        HttpResponse<String> response = gateway.post(big);

        assertEquals(413, response.statusCode());
        assertEquals(0, db.count("SELECT count(*) FROM webhook_events WHERE event_id = ?", marker));
    }
}
