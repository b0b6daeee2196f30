package com.monogateway.monoapi;

import static com.monogateway.support.MonoEvents.mandateData;
import static com.monogateway.support.MonoEvents.newId;
import static com.monogateway.support.MonoEvents.paymentData;
import static com.monogateway.support.MonoEvents.v2;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.monogateway.support.CapturedLogs;
import com.monogateway.support.HttpDestination;
import com.monogateway.support.MonoApiServer;
import com.monogateway.support.Resources;
import com.monogateway.support.RunningGateway;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * Confirming with Mono's API, against a real HTTP server that answers with the bodies of Mono's API
 * reference: verification in each mode, an API that is down, slow or rate-limiting, reconciliation, the
 * payments sweep and account details.
 */
class MonoApiTest {

    private static final String KEY = "live_sk_monoapitestkey0123456789abcdef";
    private static final String TOKEN = "admin-token-for-mono-api-tests-0123456789";
    @AutoClose
    private final Resources resources = new Resources();

    private <T extends AutoCloseable> T keep(T resource) {
        return resources.keep(resource);
    }

    private static Properties settings(MonoApiServer mono, String mode) {
        Properties p = RunningGateway.defaults();
        p.setProperty("mono.api.base-url", mono.baseUrl());
        p.setProperty("mono.api.secret-key", KEY);
        p.setProperty("mono.verify.payments", mode);
        p.setProperty("mono.api.initial-backoff", "200ms");
        p.setProperty("mono.api.max-backoff", "1s");
        p.setProperty("mono.api.read-timeout", "1s");
        p.setProperty("mono.reconcile.sweep-interval", "0");
        p.setProperty("mono.admin.token", TOKEN);
        p.setProperty("mono.alerts.digest-window", "500ms");
        return p;
    }

    /** Mono's API played by one server, the ESB by another, and the gateway between them. */
    private record Forwarding(MonoApiServer mono, HttpDestination erp, RunningGateway gateway) {
    }

    /** {@code more}: further settings, key and value in turn. */
    private Forwarding forwarding(String mode, String... more) {
        MonoApiServer mono = keep(new MonoApiServer());
        HttpDestination erp = keep(new HttpDestination());
        Properties p = settings(mono, mode);
        p.setProperty("mono.forward.destinations", "erp");
        p.setProperty("mono.forward.erp.uri", erp.url("/mono-events"));
        p.setProperty("mono.forward.erp.initial-backoff", "200ms");
        p.setProperty("mono.forward.erp.max-backoff", "1s");
        for (int i = 0; i < more.length; i += 2) {
            p.setProperty(more[i], more[i + 1]);
        }
        return new Forwarding(mono, erp, keep(RunningGateway.start(p)));
    }

    /** A payment webhook; its reference is ref_ + id (see MonoEvents.paymentData). */
    private static String payment(String id, String status, long amountKobo) {
        return v2("direct_debit.payment_" + status, "2024-05-01T10:00:00Z",
                paymentData(id, status, amountKobo, "\"acc_1\"", "2024-05-01T10:00:00.000Z"));
    }

    private static Map<String, Object> paymentRow(RunningGateway gateway, String id) {
        return gateway.db().row("SELECT * FROM payments WHERE id = ?", id);
    }

    private static void awaitVerification(RunningGateway gateway, String id, String verification) {
        await().atMost(Duration.ofSeconds(20)).until(() -> verification.equals(gateway.db()
                .rows("SELECT verification FROM payments WHERE id = ?", id).stream().findFirst()
                .map(r -> r.get("verification")).orElse(null)));
    }

    private static List<String> receivedEvents(HttpDestination erp) {
        return erp.received().stream().map(r -> r.header("MonoEvent") + " " + r.body()).toList();
    }

    @Test
    void aPaymentIsVerifiedWithMonosOwnFiguresAndTheKeyTravelsOnlyInItsHeader() {
        MonoApiServer mono = keep(new MonoApiServer());
        RunningGateway gateway = keep(RunningGateway.start(settings(mono, "record")));
        String id = newId("txd_");
        mono.payment("ref_" + id, id, "successful", 30_000, "NGN");

        assertEquals(200, gateway.post(payment(id, "successful", 30_000)).statusCode());
        awaitVerification(gateway, id, "verified");

        Map<String, Object> row = paymentRow(gateway, id);
        assertEquals("successful", row.get("verified_status"));
        assertEquals(30_000L, row.get("verified_amount"));
        assertEquals(300L, row.get("verified_fee"));
        assertEquals("NGN", row.get("verified_currency"));
        assertNotNull(row.get("verified_at"));
        List<MonoApiServer.Request> calls = mono.requestsTo("/v2/payments/verify/");
        assertEquals(List.of("/v2/payments/verify/ref_" + id), calls.stream().map(MonoApiServer.Request::pathAndQuery).toList());
        assertEquals(KEY, calls.get(0).secretKey());
        String metrics = gateway.management("/observe/metrics").body();
        assertTrue(metrics.contains("mono_payment_verifications_total{result=\"verified\"} 1.0"), metrics);
        assertTrue(metrics.contains("mono_api_calls_total{endpoint=\"verify\",outcome=\"ok\"} 1.0"), metrics);
        assertTrue(metrics.contains("mono_api_call_seconds_count{endpoint=\"verify\"} 1"), metrics);
        assertFalse(metrics.contains(KEY));
    }

    @Test
    void anAmountMismatchIsRecordedAlertedAndListedButUnderRecordTheWebhookStillGoesOut() {
        Forwarding f = forwarding("record");
        MonoApiServer mono = f.mono();
        HttpDestination erp = f.erp();
        RunningGateway gateway = f.gateway();
        String id = newId("txd_");
        mono.payment("ref_" + id, id, "successful", 3_000, "NGN");

        gateway.post(payment(id, "successful", 30_000));
        awaitVerification(gateway, id, "mismatch");

        Map<String, Object> row = paymentRow(gateway, id);
        assertEquals(30_000L, row.get("amount"), "what the webhook said stays");
        assertEquals(3_000L, row.get("verified_amount"));
        assertTrue(((String) row.get("verification_detail")).contains("amount: webhook 30000, Mono's API 3000"),
                (String) row.get("verification_detail"));
        await().atMost(Duration.ofSeconds(10)).until(() -> erp.received().size() == 1);
        assertEquals(1, gateway.db().count("SELECT count(*) FROM alerts WHERE kind = 'verification' AND details->>'objectId' = ?", id));
        HttpResponse<String> listed = gateway.admin("GET", "/admin/payments/mismatches", TOKEN, null);
        assertEquals(200, listed.statusCode());
        assertTrue(listed.body().contains(id) && listed.body().contains("\"verified_amount\":3000"), listed.body());
        // The alert email says what differs (no SMTP host here: the mail is an .eml file in mono.data.dir/mail).
        await().atMost(Duration.ofSeconds(15)).until(() -> gateway.db()
                .count("SELECT count(*) FROM alerts WHERE kind = 'verification' AND sent_at IS NOT NULL") == 1);
        java.nio.file.Path mailDir = java.nio.file.Path.of(gateway.context().getPropertiesComponent().resolveProperty("mono.data.dir").orElseThrow(), "mail");
        List<String> mails;
        try (var files = java.nio.file.Files.list(mailDir)) {
            mails = files.map(file -> {
                try {
                    return java.nio.file.Files.readString(file);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).filter(mail -> mail.contains(id)).toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertEquals(1, mails.size(), "one alert email for the payment");
        assertTrue(mails.get(0).contains("amount: webhook 30000, Mono's API 3000"), mails.get(0));
    }

    @Test
    void underRequiredAForgedSuccessfulPaymentIsNeverForwardedWhileGenuineOnesAre() {
        Forwarding f = forwarding("required");
        MonoApiServer mono = f.mono();
        HttpDestination erp = f.erp();
        RunningGateway gateway = f.gateway();
        String forged = newId("txd_");
        String genuine = newId("txd_");
        mono.payment("ref_" + genuine, genuine, "successful", 50_000, "NGN");

        assertEquals(200, gateway.post(payment(forged, "successful", 9_999_900)).statusCode(), "Mono's contract: 200 once stored");
        gateway.post(payment(genuine, "successful", 50_000));

        awaitVerification(gateway, forged, "not_found");
        awaitVerification(gateway, genuine, "verified");
        await().atMost(Duration.ofSeconds(10)).until(() -> erp.received().size() == 1);
        assertTrue(erp.received().get(0).body().contains(genuine), "the genuine payment went out");
        Map<String, Object> delivery = gateway.db().row("SELECT status, discard_reason FROM deliveries WHERE object_key = ?", forged);
        assertEquals("discarded", delivery.get("status"));
        assertTrue(((String) delivery.get("discard_reason")).contains("does not know reference ref_" + forged), delivery.toString());
        assertTrue(((String) paymentRow(gateway, forged).get("verification_detail")).contains("may be forged"));
        assertEquals(1, gateway.db().count("SELECT count(*) FROM alerts WHERE kind = 'verification' AND details->>'objectId' = ?", forged));
        assertTrue(receivedEvents(erp).stream().noneMatch(e -> e.contains(forged)), receivedEvents(erp).toString());
    }

    /** A successful payment webhook for {@code id} carrying {@code reference}; without an amount when it is null. */
    private static String successfulWithReference(String id, String reference, Long amountKobo) {
        String data = paymentData(id, "successful", amountKobo == null ? 0 : amountKobo, "\"acc_1\"", "2024-05-01T10:00:00.000Z")
                .replace("\"reference\":\"ref_" + id + "\"", "\"reference\":\"" + reference + "\"");
        return v2("direct_debit.payment_successful", "2024-05-01T10:00:00Z",
                amountKobo == null ? data.replace("\"amount\":0,", "") : data);
    }

    @Test
    void underRequiredPaymentsReusingAGenuineReferenceAreMismatchesAndTheGenuineSuccessGoesOutOnce() {
        Forwarding f = forwarding("required");
        MonoApiServer mono = f.mono();
        HttpDestination erp = f.erp();
        RunningGateway gateway = f.gateway();
        String genuine = newId("txd_GENUINE_");
        String reference = newId("ref_real_");
        mono.payment(reference, genuine, "successful", 30_000, "NGN");
        assertEquals(200, gateway.post(successfulWithReference(genuine, reference, 30_000L)).statusCode());
        awaitVerification(gateway, genuine, "verified");
        // A leaked secret: the same reference under other payment ids, with the genuine amount, another one, none.
        List<String> forged = List.of(newId("txd_FORGED_"), newId("txd_FORGED_"), newId("txd_FORGED_"));
        assertEquals(200, gateway.post(successfulWithReference(forged.get(0), reference, 30_000L)).statusCode());
        assertEquals(200, gateway.post(successfulWithReference(forged.get(1), reference, 99_999L)).statusCode());
        assertEquals(200, gateway.post(successfulWithReference(forged.get(2), reference, null)).statusCode());

        for (String id : forged) {
            awaitVerification(gateway, id, "mismatch");
            String detail = (String) paymentRow(gateway, id).get("verification_detail");
            assertTrue(detail.contains("Mono's API knows reference " + reference + " as payment " + genuine), detail);
            assertEquals(1, gateway.db().count("SELECT count(*) FROM alerts WHERE kind = 'verification' AND details->>'objectId' = ?", id));
            assertEquals("discarded", gateway.db().row("SELECT status FROM deliveries WHERE object_key = ?", id).get("status"));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.db().count("SELECT count(*) FROM deliveries WHERE status = 'pending'") == 0);
        assertEquals(List.of("direct_debit.payment_successful"), erp.received().stream().map(r -> r.header("MonoEvent")).toList(),
                "the genuine success, once: " + receivedEvents(erp));
        assertTrue(erp.received().get(0).body().contains(genuine));
        assertEquals(0, gateway.db().count("SELECT count(*) FROM webhook_events WHERE source = 'verification'"),
                "Mono's record of the genuine payment is not queued again for the forgeries");
    }

    @Test
    void underRecordAPaymentReusingAnotherPaymentsReferenceIsAMismatchAndAlerted() {
        MonoApiServer mono = keep(new MonoApiServer());
        RunningGateway gateway = keep(RunningGateway.start(settings(mono, "record")));
        String genuine = newId("txd_GENUINE_");
        String forged = newId("txd_FORGED_");
        String reference = newId("ref_real_");
        mono.payment(reference, genuine, "successful", 30_000, "NGN");

        gateway.post(successfulWithReference(forged, reference, 30_000L));
        awaitVerification(gateway, forged, "mismatch");
        assertEquals(1, gateway.db().count("SELECT count(*) FROM alerts WHERE kind = 'verification' AND details->>'objectId' = ?", forged));
    }

    @Test
    void aWebhookWithoutAnAmountIsVerifiedWithMonosFigureNotSkipped() {
        MonoApiServer mono = keep(new MonoApiServer());
        RunningGateway gateway = keep(RunningGateway.start(settings(mono, "record")));
        String id = newId("txd_");
        mono.payment("ref_" + id, id, "successful", 30_000, "NGN");

        gateway.post(successfulWithReference(id, "ref_" + id, null));
        awaitVerification(gateway, id, "verified");
        assertEquals(30_000L, paymentRow(gateway, id).get("amount"), "the amount is Mono's");
    }

    @Test
    void aReferenceThatCannotBeOnePathSegmentIsNotFoundWithoutACall() {
        MonoApiServer mono = keep(new MonoApiServer());
        RunningGateway gateway = keep(RunningGateway.start(settings(mono, "record")));
        List<String> ids = List.of(newId("txd_"), newId("txd_"), newId("txd_"));
        gateway.post(successfulWithReference(ids.get(0), "..", 30_000L));
        gateway.post(successfulWithReference(ids.get(1), ".", 30_000L));
        gateway.post(successfulWithReference(ids.get(2), "a/b", 30_000L));
        for (String id : ids) {
            awaitVerification(gateway, id, "not_found");
        }
        assertEquals(List.of(), mono.requestsTo("/v2/payments/verify/"), "Mono's API was not asked");
    }

    @Test
    void underRequiredAPaymentMonoReportsOtherwiseIsForwardedWithTheStateMonosApiGives() {
        Forwarding f = forwarding("required");
        MonoApiServer mono = f.mono();
        HttpDestination erp = f.erp();
        RunningGateway gateway = f.gateway();
        String id = newId("txd_");
        mono.payment("ref_" + id, id, "failed", 30_000, "NGN");

        gateway.post(payment(id, "successful", 30_000));
        awaitVerification(gateway, id, "mismatch");

        await().atMost(Duration.ofSeconds(15)).until(() -> erp.received().size() == 1);
        HttpDestination.Received sent = erp.received().get(0);
        assertEquals("direct_debit.payment_failed", sent.header("MonoEvent"), "delivered as Mono's API has it");
        assertTrue(sent.body().contains("\"status\":\"failed\""), sent.body());
        assertEquals("discarded", gateway.db().row("SELECT d.status FROM deliveries d JOIN webhook_events e ON e.id = d.webhook_event_id"
                + " WHERE d.object_key = ? AND e.source = 'webhook'", id).get("status"));
        assertEquals(List.of("webhook", "verification"), gateway.db().rows(
                "SELECT source FROM payment_status_history WHERE payment_id = ? ORDER BY inbox_event_id", id).stream()
                .map(r -> r.get("source")).toList());
        assertTrue(((String) paymentRow(gateway, id).get("verification_detail")).contains("status: webhook successful, Mono's API failed"));
    }

    @Test
    void aFinalWebhookAheadOfMonosApiIsAskedAboutAgainNotCalledAMismatch() {
        Forwarding f = forwarding("required");
        MonoApiServer mono = f.mono();
        HttpDestination erp = f.erp();
        RunningGateway gateway = f.gateway();
        String id = newId("txd_");
        mono.payment("ref_" + id, id, "processing", 30_000, "NGN");

        gateway.post(payment(id, "successful", 30_000));
        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.db().count(
                "SELECT count(*) FROM payments WHERE id = ? AND check_error LIKE '%Mono''s API still says processing%'", id) == 1);
        assertEquals("pending", paymentRow(gateway, id).get("verification"));
        assertEquals(Map.of("status", "pending", "held", true), gateway.db().row(
                "SELECT status, held FROM deliveries WHERE object_key = ?", id), "held while Mono's API catches up");
        assertEquals(0, erp.received().size());
        mono.payment("ref_" + id, id, "successful", 30_000, "NGN");

        awaitVerification(gateway, id, "verified");
        await().atMost(Duration.ofSeconds(10)).until(() -> erp.received().size() == 1);
        assertEquals("direct_debit.payment_successful", erp.received().get(0).header("MonoEvent"));
    }

    @Test
    void underRequiredALateOlderWebhookOfAVerifiedPaymentIsReleasedToo() {
        Forwarding f = forwarding("required");
        MonoApiServer mono = f.mono();
        HttpDestination erp = f.erp();
        RunningGateway gateway = f.gateway();
        String id = newId("txd_");
        mono.payment("ref_" + id, id, "successful", 30_000, "NGN");

        gateway.post(payment(id, "successful", 30_000));
        awaitVerification(gateway, id, "verified");
        await().atMost(Duration.ofSeconds(10)).until(() -> erp.received().size() == 1);
        // Mono's earlier "processing" arrives last: it does not change the payment, but it is applied and queued.
        gateway.post(v2("direct_debit.payment_processing", "2024-05-01T09:00:00Z",
                paymentData(id, "processing", 30_000, "\"acc_1\"", "2024-05-01T09:00:00.000Z")));

        await().atMost(Duration.ofSeconds(15)).until(() -> erp.received().size() == 2);
        assertEquals(0, gateway.db().count("SELECT count(*) FROM deliveries WHERE held"), "nothing left held");
        assertEquals("successful", paymentRow(gateway, id).get("status"));
    }

    @Test
    void deliveriesHeldUnderRequiredAreReleasedWhenTheGatewayStartsWithAnotherMode() {
        MonoApiServer mono = keep(new MonoApiServer());
        HttpDestination erp = keep(new HttpDestination());
        Properties p = settings(mono, "required");
        p.setProperty("mono.forward.destinations", "erp");
        p.setProperty("mono.forward.erp.uri", erp.url("/mono-events"));
        mono.fail(1_000, 503); // Mono's API is down: the delivery stays held
        String id = newId("txd_");
        try (RunningGateway gateway = RunningGateway.start(p)) {
            gateway.post(payment(id, "successful", 30_000));
            await().atMost(Duration.ofSeconds(10)).until(() -> gateway.db().count("SELECT count(*) FROM deliveries WHERE held") == 1);
        }
        assertEquals(0, erp.received().size());

        p.setProperty("mono.verify.payments", "record"); // the same database, started again without required
        p.setProperty("camel.server.port", Integer.toString(RunningGateway.freePort()));
        p.setProperty("camel.management.port", Integer.toString(RunningGateway.freePort()));
        RunningGateway again = keep(RunningGateway.start(p));
        await().atMost(Duration.ofSeconds(15)).until(() -> erp.received().size() == 1);
        assertEquals(0, again.db().count("SELECT count(*) FROM deliveries WHERE held"));
    }

    @Test
    void underRequiredAPaymentWebhookWithoutAReferenceIsNotForwarded() {
        Forwarding f = forwarding("required");
        MonoApiServer mono = f.mono();
        HttpDestination erp = f.erp();
        RunningGateway gateway = f.gateway();
        String id = newId("txd_");

        gateway.post(v2("direct_debit.payment_successful", "2024-05-01T10:00:00Z", """
                {"type":"onetime-debit","object":{"id":"%s","status":"successful","amount":500000,"currency":"NGN",
                 "account":"acc_1","liveMode":true,"updated_at":"2024-05-01T10:00:00.000Z"}}""".formatted(id)));
        awaitVerification(gateway, id, "not_found");

        assertTrue(((String) paymentRow(gateway, id).get("verification_detail")).contains("carries no reference"));
        assertEquals("discarded", gateway.db().row("SELECT status FROM deliveries WHERE object_key = ?", id).get("status"));
        assertEquals(0, erp.received().size());
        assertEquals(0, mono.requests().size(), "nothing to ask Mono with");
    }

    @Test
    void whileMonosApiIsDownOrSilentEventsAreTakenAndAppliedAndVerificationCatchesUpLosingNothing() {
        CapturedLogs logs = new CapturedLogs();
        try {
            Forwarding f = forwarding("required", "mono.api.breaker-failures", "3", "mono.api.breaker-open-for", "1s");
            MonoApiServer mono = f.mono();
            HttpDestination erp = f.erp();
            RunningGateway gateway = f.gateway();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                String id = newId("txd_");
                ids.add(id);
                mono.payment("ref_" + id, id, "successful", 10_000 + i, "NGN");
            }
            mono.hold(); // answers that never come (the client gives up after mono.api.read-timeout)
            for (String id : ids.subList(0, 2)) {
                assertEquals(200, gateway.post(payment(id, "successful", 10_000 + ids.indexOf(id))).statusCode());
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> gateway.db()
                    .count("SELECT count(*) FROM payments WHERE check_error LIKE '%no answer within%'") >= 1);
            mono.fail(1_000, 500); // then down: 500 for everything, the answers held so far included
            mono.release();
            for (String id : ids.subList(2, 5)) {
                assertEquals(200, gateway.post(payment(id, "successful", 10_000 + ids.indexOf(id))).statusCode());
            }
            String mandate = newId("mmc_");
            gateway.post(v2("events.mandates.approved", "2024-05-01T10:00:00Z", mandateData(mandate, "approved", "2024-05-01T10:00:00Z")));
            gateway.awaitInboxDrained();
            assertEquals(5, gateway.db().count("SELECT count(*) FROM payments WHERE status = 'successful'"), "applied meanwhile");
            await().atMost(Duration.ofSeconds(10)).until(() -> erp.received().size() == 1);
            assertEquals("events.mandates.approved", erp.received().get(0).header("MonoEvent"), "other objects are not held");
            await().atMost(Duration.ofSeconds(10)).until(() -> gateway.management("/observe/metrics").body()
                    .contains("mono_api_circuit_open 1.0"));
            assertEquals(5, gateway.db().count("SELECT count(*) FROM deliveries WHERE held AND status = 'pending'"));

            mono.fail(0, 500); // back
            for (String id : ids) {
                awaitVerification(gateway, id, "verified");
            }
            await().atMost(Duration.ofSeconds(15)).until(() -> erp.received().size() == 6);
            assertEquals(0, gateway.db().count("SELECT count(*) FROM deliveries WHERE status <> 'delivered'"));
            assertEquals(0, gateway.db().count("SELECT count(*) FROM dead_letters"));
            String metrics = gateway.management("/observe/metrics").body();
            assertTrue(metrics.contains("mono_api_calls_total{endpoint=\"verify\",outcome=\"server_error\"}"), metrics);
            assertTrue(metrics.contains("mono_api_calls_total{endpoint=\"verify\",outcome=\"timeout\"}"), metrics);
        } finally {
            logs.detach();
        }
        assertTrue(logs.all().contains("Mono API") && logs.all().contains("(key set)"), "the start summary names the API");
        assertFalse(logs.all().contains(KEY), "the secret key is in no log line");
        assertFalse(logs.all().contains(KEY.substring(8)), "not even in part");
    }

    @Test
    void aTooManyRequestsAnswerStopsEveryCallUntilRetryAfterHasPassed() {
        MonoApiServer mono = keep(new MonoApiServer());
        RunningGateway gateway = keep(RunningGateway.start(settings(mono, "record")));
        String id = newId("txd_");
        mono.payment("ref_" + id, id, "successful", 30_000, "NGN");
        mono.rateLimit(1, "2");

        gateway.post(payment(id, "successful", 30_000));
        awaitVerification(gateway, id, "verified");

        List<MonoApiServer.Request> calls = mono.requests();
        assertEquals(2, calls.size(), calls.toString());
        long waited = calls.get(1).atMillis() - calls.get(0).atMillis();
        assertTrue(waited >= 1_900, "the second call came " + waited + " ms after the 429 with Retry-After: 2");
    }

    @Test
    void aPaymentStuckInProcessingIsReconciledWithMonosApiAppliedForwardedAndMarkedAsSuch() {
        Forwarding f = forwarding("record", "mono.reconcile.after", "1s");
        MonoApiServer mono = f.mono();
        HttpDestination erp = f.erp();
        RunningGateway gateway = f.gateway();
        String id = newId("txd_");
        mono.payment("ref_" + id, id, "processing", 30_000, "NGN");

        gateway.post(payment(id, "processing", 30_000));
        awaitVerification(gateway, id, "verified");
        mono.payment("ref_" + id, id, "successful", 30_000, "NGN"); // the final webhook never comes

        await().atMost(Duration.ofSeconds(20)).until(() -> gateway.db()
                .count("SELECT count(*) FROM payments WHERE id = ? AND status = 'successful'", id) == 1);
        assertEquals(List.of("processing webhook", "successful reconciliation"), gateway.db().rows(
                "SELECT status || ' ' || source AS s FROM payment_status_history WHERE payment_id = ? ORDER BY inbox_event_id", id)
                .stream().map(r -> r.get("s")).toList());
        await().atMost(Duration.ofSeconds(10)).until(() -> erp.received().size() == 2);
        assertEquals("direct_debit.payment_successful", erp.received().get(1).header("MonoEvent"));
        assertTrue(gateway.management("/observe/metrics").body().contains("mono_payments_reconciled_total{via=\"check\"} 1.0"));
        assertEquals(null, paymentRow(gateway, id).get("check_at"), "final now: no more checks");
    }

    @Test
    void theSweepRecordsPaymentsNoWebhookBroughtPageByPage() {
        MonoApiServer mono = keep(new MonoApiServer());
        Properties p = settings(mono, "record");
        p.setProperty("mono.reconcile.sweep-interval", "3s");
        String known = newId("txd_");
        String missed1 = newId("txd_");
        String missed2 = newId("txd_");
        mono.payment("ref_" + known, known, "successful", 30_000, "NGN");
        mono.list(List.of(MonoApiServer.paymentJson("ref_" + known, known, "successful", 30_000, "NGN"),
                MonoApiServer.paymentJson("ref_" + missed1, missed1, "successful", 70_000, "NGN"),
                MonoApiServer.paymentJson("ref_" + missed2, missed2, "failed", 20_000, "NGN")), 2);
        RunningGateway gateway = keep(RunningGateway.start(p));
        gateway.post(payment(known, "successful", 30_000));
        gateway.awaitInboxDrained();

        await().atMost(Duration.ofSeconds(20)).until(() -> gateway.db().count("SELECT count(*) FROM payments") == 3);
        Map<String, Object> sweep = gateway.db().row("SELECT pages, payments_seen, payments_new, error, finished_at FROM reconcile_sweeps");
        assertEquals(2, sweep.get("pages"));
        assertEquals(3, sweep.get("payments_seen"));
        assertEquals(2, sweep.get("payments_new"));
        assertEquals(null, sweep.get("error"));
        assertEquals("failed", paymentRow(gateway, missed2).get("status"));
        assertEquals("reconciliation", gateway.db().row("SELECT source FROM payment_status_history WHERE payment_id = ?", missed1).get("source"));
        assertEquals(1, gateway.db().count("SELECT count(*) FROM alerts WHERE kind = 'event' AND event_type = 'direct_debit.payment_failed'"),
                "a failure found this way alerts like a webhook");
        List<String> pages = mono.requestsTo("/v2/payments/transactions").stream().map(MonoApiServer.Request::pathAndQuery).toList();
        assertEquals(2, pages.size(), pages.toString());
        assertTrue(pages.get(0).matches("/v2/payments/transactions\\?page=1&start=\\d\\d-\\d\\d-\\d{4}&end=\\d\\d-\\d\\d-\\d{4}"), pages.get(0));
    }

    @Test
    void aConnectedAccountIsFilledFromMonosApiWithTheIdentityNumberMasked() {
        MonoApiServer mono = keep(new MonoApiServer());
        RunningGateway gateway = keep(RunningGateway.start(settings(mono, "record")));
        String id = "611d575feef5d3371ca9d0d8";
        mono.account(id, "22212345678");

        assertEquals(200, gateway.post(RunningGateway.fixture("account_connected.json")).statusCode());
        await().atMost(Duration.ofSeconds(20)).until(() -> gateway.db()
                .rows("SELECT fetched_at FROM accounts WHERE id = ?", id).stream().anyMatch(r -> r.get("fetched_at") != null));

        Map<String, Object> account = gateway.db().row("SELECT * FROM accounts WHERE id = ?", id);
        assertEquals("connected", account.get("status"));
        assertEquals("CHIDI EZE", account.get("name"));
        assertEquals("0231116887", account.get("account_number"));
        assertEquals("Access Bank", account.get("institution_name"));
        assertEquals("044", account.get("bank_code"));
        assertEquals(5_024_400L, account.get("balance"));
        assertEquals("NGN", account.get("currency"));
        assertEquals("SAVINGS ACCOUNT", account.get("type"));
        assertEquals("*******5678", account.get("bvn"));
        assertEquals("/v2/accounts/" + id, mono.requestsTo("/v2/accounts/").get(0).pathAndQuery());
    }
}
