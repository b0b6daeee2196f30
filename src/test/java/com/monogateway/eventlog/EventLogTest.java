package com.monogateway.eventlog;

import static com.monogateway.support.MonoEvents.mandateData;
import static com.monogateway.support.MonoEvents.newId;
import static com.monogateway.support.MonoEvents.paymentData;
import static com.monogateway.support.MonoEvents.v2;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.monogateway.support.RunningGateway;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The event log of the admin API: filters, search by payment id and reference, keyset paging, the event page. */
class EventLogTest {

    private static final String TOKEN = "admin-token-for-event-log-tests-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static RunningGateway gateway;
    private static final String PAYMENT = newId("txd_");
    private static final List<Long> PAYMENT_EVENTS = new ArrayList<>();

    @BeforeAll
    static void start() {
        Properties p = RunningGateway.defaults();
        p.setProperty("mono.admin.token", TOKEN);
        gateway = RunningGateway.start(p);
        gateway.postNew(v2("direct_debit.payment_processing", "2024-05-01T10:00:00Z",
                paymentData(PAYMENT, "processing", 50_000, "\"acc_1\"", "2024-05-01T10:00:00.000Z")));
        gateway.postNew(v2("direct_debit.payment_successful", "2024-05-01T10:01:00Z",
                paymentData(PAYMENT, "successful", 50_000, "\"acc_1\"", "2024-05-01T10:01:00.000Z")));
        for (int i = 0; i < 3; i++) {
            gateway.postNew(v2("events.mandates.approved", "2024-05-01T10:00:00Z",
                    mandateData(newId("mmc_"), "approved", "2024-05-01T10:00:00Z")));
        }
        gateway.awaitInboxDrained();
        for (JsonNode e : events("/admin/events?type=direct_debit.*").path("events")) {
            PAYMENT_EVENTS.add(e.path("id").asLong());
        }
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    private static JsonNode events(String path) {
        return get(gateway, path);
    }

    private static JsonNode get(RunningGateway target, String path) {
        return call(target, "GET", path);
    }

    private static JsonNode post(String path) {
        return call(gateway, "POST", path);
    }

    private static JsonNode call(RunningGateway target, String method, String path) {
        HttpResponse<String> response = target.admin(method, path, TOKEN, "POST".equals(method) ? "" : null);
        assertEquals(200, response.statusCode(), response.body());
        try {
            return JSON.readTree(response.body());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> types(JsonNode answer) {
        List<String> types = new ArrayList<>();
        answer.path("events").forEach(e -> types.add(e.path("event_type").asText()));
        return types;
    }

    @Test
    void filtersByTypeGlobStatusAndTimeNewestFirst() {
        JsonNode all = events("/admin/events");
        assertEquals(5, all.path("count").asInt());
        assertEquals(List.of("events.mandates.approved", "events.mandates.approved", "events.mandates.approved",
                "direct_debit.payment_successful", "direct_debit.payment_processing"), types(all), "newest first");
        assertEquals(List.of("direct_debit.payment_successful", "direct_debit.payment_processing"),
                types(events("/admin/events?type=direct_debit.*")));
        assertEquals(1, events("/admin/events?type=*_successful").path("count").asInt());
        assertEquals(0, events("/admin/events?type=direct_debit.payment%25").path("count").asInt(), "% is literal, not LIKE's");
        assertEquals(5, events("/admin/events?status=processed").path("count").asInt());
        assertEquals(0, events("/admin/events?status=failed").path("count").asInt());
        assertEquals(0, events("/admin/events?to=2020-01-01T00:00:00Z").path("count").asInt());
        assertEquals(5, events("/admin/events?from=2020-01-01T00:00:00Z").path("count").asInt());
        assertEquals(400, gateway.admin("GET", "/admin/events?status=lost", TOKEN, null).statusCode());
        assertEquals(400, gateway.admin("GET", "/admin/events?before=abc", TOKEN, null).statusCode());
        assertEquals(401, gateway.admin("GET", "/admin/events", "wrong-token-wrong-token-wrong-token-0", null).statusCode());
    }

    @Test
    void qFindsAPaymentsEventsByItsIdItsReferenceOrAnEventsKey() {
        assertEquals(PAYMENT_EVENTS, ids(events("/admin/events?q=" + PAYMENT)));
        assertEquals(PAYMENT_EVENTS, ids(events("/admin/events?q=ref_" + PAYMENT)));
        JsonNode first = events("/admin/events").path("events").get(0);
        String key = first.path("dedupe_key").asText();
        assertEquals(List.of(first.path("id").asLong()),
                ids(events("/admin/events?q=" + URLEncoder.encode(key, StandardCharsets.UTF_8))));
        assertEquals(0, events("/admin/events?q=nothing-like-this").path("count").asInt());
    }

    @Test
    void pagesStayStableWhileNewEventsArrive() {
        // The other tests count this gateway's events: newer arrivals are posted to one of its own.
        Properties p = RunningGateway.defaults();
        p.setProperty("mono.admin.token", TOKEN);
        try (RunningGateway own = RunningGateway.start(p)) {
            for (int i = 0; i < 7; i++) {
                own.postNew(mandateApproved());
            }
            List<Long> expected = ids(get(own, "/admin/events?limit=500"));
            List<Long> paged = new ArrayList<>();
            String path = "/admin/events?limit=2";
            for (int page = 0; page < 10; page++) {
                JsonNode answer = get(own, path);
                paged.addAll(ids(answer));
                own.postNew(mandateApproved()); // arrives between pages: must neither shift nor repeat what follows
                if (answer.path("nextBefore").isNull()) {
                    break;
                }
                path = "/admin/events?limit=2&before=" + answer.path("nextBefore").asLong();
            }
            assertEquals(7, expected.size());
            assertEquals(expected, paged, "every event once, newest first, across 4 pages");
        }
    }

    private static String mandateApproved() {
        return v2("events.mandates.approved", "2024-05-01T10:00:00Z", mandateData(newId("mmc_"), "approved", "2024-05-01T10:00:00Z"));
    }

    @Test
    void theEventPageShowsThePayloadThePaymentItsHistoryAndWhatElseHappened() {
        long successful = PAYMENT_EVENTS.get(0);
        JsonNode page = events("/admin/events/" + successful);
        assertEquals("direct_debit.payment_successful", page.path("event").path("event_type").asText());
        assertEquals("processed", page.path("event").path("status").asText());
        assertEquals(PAYMENT, page.path("event").path("payload").path("data").path("object").path("id").asText());
        assertEquals("successful", page.path("payment").path("status").asText());
        assertEquals(2, page.path("paymentHistory").size());
        assertEquals("webhook", page.path("paymentHistory").get(1).path("source").asText());
        assertTrue(page.path("deliveries").isArray() && page.path("deadLetters").isArray() && page.path("alerts").isArray());
        assertEquals(404, gateway.admin("GET", "/admin/events/999999999", TOKEN, null).statusCode());
        assertEquals(400, gateway.admin("GET", "/admin/events/abc", TOKEN, null).statusCode());
    }

    @Test
    void anyWindowCanBeReplayedAfterADryRunAndReplayingChangesNothingAlreadyApplied() {
        assertEquals(400, gateway.admin("POST", "/admin/events/replay", TOKEN, "").statusCode(), "never everything at once");
        JsonNode dry = post("/admin/events/replay?q=" + PAYMENT + "&dryRun=true");
        assertEquals(2, dry.path("wouldReplay").asInt());
        assertEquals(1, events("/admin/events?q=" + PAYMENT).path("events").get(0).path("attempts").asInt(),
                "a dry run replays nothing");

        JsonNode replayed = post("/admin/events/replay?q=" + PAYMENT);
        assertEquals(2, replayed.path("replayed").asInt());
        gateway.awaitInboxDrained();
        for (JsonNode e : events("/admin/events?q=" + PAYMENT).path("events")) {
            assertEquals("processed", e.path("status").asText());
            assertEquals(2, e.path("attempts").asInt(), "applied a second time");
        }
        JsonNode payment = events("/admin/payments/" + PAYMENT);
        assertEquals("successful", payment.path("payment").path("status").asText(), "the same outcome");
        assertEquals(2, payment.path("history").size(), "no history row twice");
    }

    @Test
    void typeStarIsNoFilterAndALargeReplayRunsAsAJobWhoseProgressCanBeFollowed() throws Exception {
        for (String everything : List.of("type=*", "type=**", "type=%2A")) {
            HttpResponse<String> refused = gateway.admin("POST", "/admin/events/replay?" + everything, TOKEN, "");
            assertEquals(400, refused.statusCode(), everything + ": " + refused.body());
        }
        String type = "test.bulk-replay-" + System.nanoTime();
        long events = 1_500; // over the inline limit
        gateway.db().execute("INSERT INTO webhook_events (event_type, dedupe_key, body, status, processed_at)"
                + " SELECT ?, ? || g, ?, 'ignored', now() FROM generate_series(1, " + events + ") g",
                type, type + "-", "{\"event\":\"" + type + "\"}");

        HttpResponse<String> started = gateway.admin("POST", "/admin/events/replay?type=" + type, TOKEN, "");
        assertEquals(202, started.statusCode(), started.body());
        JsonNode job = JSON.readTree(started.body());
        assertEquals(events, job.path("total").asLong());
        String progress = job.path("progressUrl").asText();
        assertTrue(progress.startsWith("/admin/events/replays/"), progress);
        await().atMost(java.time.Duration.ofSeconds(60)).until(() -> "done".equals(events(progress).path("status").asText()));
        JsonNode done = events(progress);
        assertEquals(events, done.path("replayed").asLong());
        assertTrue(done.hasNonNull("endedAt"), done.toString());
        assertEquals(job.path("job").asLong(), events("/admin/events/replays").path("replays").get(0).path("job").asLong(),
                "listed, newest first");
        gateway.awaitInboxDrained();
        assertEquals(events, gateway.db().count("SELECT count(*) FROM webhook_events WHERE event_type = ? AND attempts = 1", type),
                "every event went through the routes again, once");
        assertEquals(404, gateway.admin("GET", "/admin/events/replays/999999", TOKEN, null).statusCode());
    }

    @Test
    void paymentsMandatesAndAccountsOpenWithTheEventsThatShapedThem() {
        JsonNode payment = events("/admin/payments/" + PAYMENT);
        List<Long> oldestFirst = new ArrayList<>(PAYMENT_EVENTS);
        java.util.Collections.reverse(oldestFirst);
        assertEquals(oldestFirst, ids(payment), "oldest first");
        assertEquals("ref_" + PAYMENT, payment.path("payment").path("reference").asText());
        JsonNode mandateEvent = events("/admin/events?type=events.mandates.*&limit=1").path("events").get(0);
        String mandate = mandateEvent.path("object_key").asText();
        JsonNode opened = events("/admin/mandates/" + mandate);
        assertEquals("approved", opened.path("mandate").path("status").asText());
        assertEquals(List.of(mandateEvent.path("id").asLong()), ids(opened));
        assertEquals(List.of(mandateEvent.path("id").asLong()), ids(events("/admin/events?q=" + mandate)), "q finds a mandate id");
        assertEquals(404, gateway.admin("GET", "/admin/accounts/acc_unknown", TOKEN, null).statusCode());
    }

    private static List<Long> ids(JsonNode answer) {
        List<Long> ids = new ArrayList<>();
        answer.path("events").forEach(e -> ids.add(e.path("id").asLong()));
        return ids;
    }
}
