package com.monogateway.failure;

import static com.monogateway.support.MonoEvents.debitData;
import static com.monogateway.support.MonoEvents.newId;
import static com.monogateway.support.MonoEvents.paymentData;
import static com.monogateway.support.MonoEvents.v2;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import com.monogateway.support.Db;
import com.monogateway.support.RunningGateway;
import jakarta.mail.internet.MimeMessage;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dead Letter Channel, dead-letter store, admin API and alert emails, with GreenMail as the SMTP server. */
class FailureAndAlertTest {

    private static final String TOKEN = "admin-token-for-tests-0123456789";

    @TempDir
    Path routes;

    private GreenMail smtp;
    private int smtpPort;
    private RunningGateway gateway;
    private Db db;

    @BeforeEach
    void startSmtp() {
        smtpPort = RunningGateway.freePort();
        smtp = new GreenMail(new ServerSetup(smtpPort, "127.0.0.1", "smtp"));
        smtp.start();
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        smtp.stop();
    }

    private Properties settings() {
        Properties p = RunningGateway.defaults();
        TestRoutes.install(routes, p);
        p.setProperty("mono.redelivery.max-attempts", "3");
        p.setProperty("mono.redelivery.initial-delay-ms", "200");
        p.setProperty("mono.redelivery.backoff-multiplier", "2");
        p.setProperty("mono.admin.token", TOKEN);
        p.setProperty("mono.admin.base-url", "https://gateway.example.com");
        p.setProperty("mono.alerts.to", "ops@example.com,oncall@example.com");
        p.setProperty("mono.alerts.from", "gateway@example.com");
        p.setProperty("mono.alerts.digest-window", "500ms");
        p.setProperty("mono.smtp.host", "127.0.0.1");
        p.setProperty("mono.smtp.port", Integer.toString(smtpPort));
        p.setProperty("mono.smtp.starttls", "false"); // GreenMail's SMTP offers no STARTTLS (SmtpSecurityTest covers TLS)
        return p;
    }

    private void start(Properties settings) {
        gateway = RunningGateway.start(settings);
        db = gateway.db();
        db.execute(TestRoutes.SWITCH_TABLE);
    }

    @Test
    void aFailingHandlerIsRetriedWithBackoffThenDeadLetteredWithAnAlert() throws Exception {
        start(settings());
        String paymentId = newId("txd_");
        String event = v2("test.always-fails", "2024-05-01T10:00:00Z", paymentData(paymentId, "failed", 50_000, "\"acc_77\"", "2024-05-01T10:00:00Z"));

        long started = System.nanoTime();
        gateway.postNew(event);
        await().atMost(Duration.ofSeconds(20)).until(() -> "failed".equals(inboxStatus(event)));
        long elapsedMs = (System.nanoTime() - started) / 1_000_000;

        assertTrue(elapsedMs >= 200 + 400, "waited 200 ms then 400 ms between the three attempts, took " + elapsedMs);
        Map<String, Object> inbox = db.row("SELECT id, attempts, last_error FROM webhook_events WHERE CAST(body AS jsonb) = CAST(? AS jsonb)", event);
        assertEquals(1, inbox.get("attempts"), "one processing, with its redeliveries inside");
        assertEquals("IllegalStateException: the test handler refuses this event", inbox.get("last_error"));
        Map<String, Object> dead = db.row("SELECT * FROM dead_letters WHERE webhook_event_id = ?", inbox.get("id"));
        assertEquals("open", dead.get("status"));
        assertEquals(3, dead.get("attempts"));
        assertEquals("test.always-fails", dead.get("event_type"));
        assertEquals("mono-process via direct://mono-event", dead.get("failing_route"));
        assertEquals("java.lang.IllegalStateException", dead.get("exception_class"));
        assertEquals(true, db.row("SELECT payload = CAST(? AS jsonb) AS same FROM dead_letters WHERE id = ?", event, dead.get("id")).get("same"));

        awaitMails(2);
        MimeMessage mail = smtp.getReceivedMessages()[0];
        String body = GreenMailUtil.getBody(mail);
        assertEquals("[Mono gateway] Event failed and needs you: test.always-fails ref_" + paymentId, mail.getSubject());
        assertEquals("gateway@example.com", mail.getFrom()[0].toString());
        assertEquals(List.of("ops@example.com", "oncall@example.com"),
                Arrays.stream(mail.getAllRecipients()).map(Object::toString).toList());
        assertTrue(body.contains("Amount:     NGN 500.00"), body);
        assertTrue(body.contains("Account:    acc_77"), body);
        assertTrue(body.contains("Reason:     IllegalStateException: the test handler refuses this event"), body);
        assertTrue(body.contains("after 3 attempts"), body);
        assertTrue(body.contains("curl -X POST -H \"Authorization: Bearer $MONO_ADMIN_TOKEN\" 'https://gateway.example.com/admin/dead-letters/"
                + dead.get("id") + "/replay'"), body);
        assertFalse(body.contains(TOKEN), "the token itself never goes into an email");
        assertFalse(body.contains(RunningGateway.SECRET));
    }

    @Test
    void aHandlerThatRecoversWithinTheRedeliveriesIsNotDeadLettered() {
        start(settings());
        String event = v2("test.flaky", "2024-05-01T10:00:00Z", "{\"id\":\"x\"}");
        gateway.postNew(event);
        gateway.awaitInboxDrained();

        assertEquals("ignored", inboxStatus(event));
        assertEquals(0, db.count("SELECT count(*) FROM dead_letters"));
    }

    @Test
    void failedPaymentAndDebitAlertsShowNairaAndTheReason() throws Exception {
        start(settings());
        gateway.postNew(RunningGateway.fixture("payment_failed.json"));
        gateway.postNew(v2("events.mandates.debit.failed", "2024-05-01T10:00:00Z",
                debitData("mmc_1", "DD-REF-9", "failed", "51", "2024-05-01T10:00:00Z").replace("\"Debit failed\"", "\"Insufficient funds\"")));

        awaitMails(4); // two alerts, two recipients each
        Map<String, String> bodies = new java.util.HashMap<>();
        for (MimeMessage mail : smtp.getReceivedMessages()) {
            bodies.put(mail.getSubject(), GreenMailUtil.getBody(mail));
        }
        String payment = bodies.get("[Mono gateway] direct_debit.payment_failed: NGN 500.00, reference wp_f4719afff583f0079eda234d60c0570e");
        assertTrue(payment != null, bodies.keySet().toString());
        assertTrue(payment.contains("Account:    618d41d618d6e5538b46d1e2"), payment);
        assertTrue(payment.contains("Object:     txd_XzhFBoknIjuosOz4"), payment);
        assertTrue(payment.contains("no value should be given"), payment);
        String debit = bodies.get("[Mono gateway] events.mandates.debit.failed: NGN 2,500.00, reference DD-REF-9");
        assertTrue(debit != null, bodies.keySet().toString());
        assertTrue(debit.contains("Reason:     response code 51: Insufficient funds"), debit);
        assertTrue(debit.contains("Account:    ADAEZE OKAFOR, 0123456789, GTBank"), debit);

        // A redelivered or replayed event does not alert twice.
        db.execute("UPDATE webhook_events SET status = 'received'");
        db.queueReceivedEvents();
        gateway.awaitInboxDrained();
        // Alerts are queued in the processing transaction, once per event and kind (alerts_once): the second
        // pass queued none, and with nothing left unsent no further mail can go.
        assertEquals(2, db.count("SELECT count(*) FROM alerts"), "no alert queued twice");
        assertEquals(0, db.count("SELECT count(*) FROM alerts WHERE sent_at IS NULL"));
        assertEquals(4, smtp.getReceivedMessages().length);
    }

    @Test
    void aLineBreakInAnEventValueNeitherEndsTheSubjectNorAddsLinesToTheBody() throws Exception {
        start(settings());
        String id = newId("txd_");
        String injected = "NGN\r\nBcc: evil@example.com\r\n\r\nInjected line";
        gateway.postNew(RunningGateway.fixture("payment_failed.json").replace("txd_XzhFBoknIjuosOz4", id)
                .replace("\"currency\": \"NGN\"", "\"currency\": \"" + injected.replace("\r", "\\r").replace("\n", "\\n") + "\""));

        awaitMails(2); // one alert, two recipients
        for (MimeMessage mail : smtp.getReceivedMessages()) {
            String subject = mail.getSubject();
            assertTrue(subject.contains("\\r\\n") && subject.toLowerCase(java.util.Locale.ROOT).contains("evil@example.com"),
                    "the value is shown, its line breaks written out: " + subject);
            assertFalse(subject.contains("\r") || subject.contains("\n"), subject);
            assertEquals(null, mail.getHeader("Bcc"));
            for (var recipient : mail.getAllRecipients()) {
                assertFalse(recipient.toString().contains("evil"), recipient.toString());
            }
            String body = GreenMailUtil.getBody(mail);
            assertFalse(body.lines().map(l -> l.toLowerCase(java.util.Locale.ROOT))
                    .anyMatch(l -> l.startsWith("bcc:") || l.startsWith("injected line")), body);
        }
    }

    @Test
    void aFailingEventInABatchIsDeadLetteredAloneAndItsNeighboursAreAppliedOnce() throws Exception {
        start(settings());
        var routes = gateway.context().getRouteController();
        routes.suspendRoute("mono-process-new-events");
        routes.suspendRoute("mono-inbox-sweep");
        List<String> payments = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
            if (i == 5) {
                gateway.postNew(v2("test.always-fails", "2024-05-01T10:00:00Z", "{\"id\":\"in-the-middle\"}"));
            }
            String id = newId("txd_");
            payments.add(id);
            gateway.postNew(v2("direct_debit.payment_successful", "2024-05-01T10:00:00Z",
                    paymentData(id, "successful", 10_000 + i, "\"acc_1\"", "2024-05-01T10:00:00Z")));
        }
        routes.resumeRoute("mono-inbox-sweep"); // one drain claims all eleven in one batch
        await().atMost(Duration.ofSeconds(20)).until(() -> db.count("SELECT count(*) FROM webhook_events WHERE status = 'received'") == 0);

        assertEquals(10, db.count("SELECT count(*) FROM webhook_events WHERE status = 'processed'"));
        assertEquals(1, db.count("SELECT count(*) FROM webhook_events WHERE status = 'failed' AND event_type = 'test.always-fails'"));
        assertEquals(1, db.count("SELECT count(*) FROM dead_letters"));
        assertEquals(10, db.count("SELECT count(*) FROM payment_status_history WHERE payment_id = ANY (?)", db.array(payments)),
                "each neighbour applied exactly once, although the batch was redone");
        assertEquals(10, db.count("SELECT count(*) FROM payments WHERE status = 'successful' AND id = ANY (?)", db.array(payments)));
        routes.resumeRoute("mono-process-new-events"); // its queued wake-ups would otherwise hold up the shutdown
    }

    @Test
    void aDeadlockRollsTheBatchBackInsteadOfRetryingInPlaceAndIsNeverDeadLettered() throws Exception {
        Properties settings = settings();
        settings.setProperty("mono.redelivery.initial-delay-ms", "10000"); // an in-place retry would take 10 s
        start(settings);
        String conflict = v2("test.conflict", "2024-05-01T10:00:00Z", "{\"id\":\"a\"}");
        gateway.postNew(conflict);
        // Claimed, rolled back and claimed again: each try takes a number from a sequence, which no rollback returns.
        await().atMost(Duration.ofSeconds(20)).until(() -> db.count("SELECT CASE WHEN is_called THEN last_value ELSE 0 END"
                + " FROM test_conflict_tries") >= 3);
        assertEquals("received", inboxStatus(conflict));
        assertEquals(0, db.count("SELECT count(*) FROM dead_letters"));

        db.execute("UPDATE test_switch SET broken = false"); // the other transaction has finished
        // Picked up again at once: well within the 10 s an in-place redelivery would wait.
        await().atMost(Duration.ofSeconds(4)).until(() -> "processed".equals(inboxStatus(conflict)));
        assertEquals(0, db.count("SELECT count(*) FROM dead_letters"));
        assertEquals(0, db.count("SELECT count(*) FROM alerts"));
    }

    @Test
    void replayOneAndAFilteredSetThroughTheAdminApi() throws Exception {
        start(settings());
        String first = v2("test.fixable", "2024-05-01T10:00:00Z", "{\"id\":\"a\"}");
        String second = v2("test.fixable", "2024-05-01T10:00:00Z", "{\"id\":\"b\"}");
        String third = v2("test.fixable", "2024-05-01T10:00:00Z", "{\"id\":\"c\"}");
        String other = v2("test.always-fails", "2024-05-01T10:00:00Z", "{\"id\":\"d\"}");
        for (String event : List.of(first, second, third, other)) {
            gateway.postNew(event);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> db.count("SELECT count(*) FROM dead_letters WHERE status = 'open'") == 4);
        long firstDead = deadLetterOf(first);

        db.execute("UPDATE test_switch SET broken = false"); // the cause is fixed

        HttpResponse<String> one = admin("POST", "/admin/dead-letters/" + firstDead + "/replay", null);
        assertEquals(200, one.statusCode(), one.body());
        await().atMost(Duration.ofSeconds(10)).until(() -> "processed".equals(inboxStatus(first)));
        assertEquals("replayed", db.row("SELECT status FROM dead_letters WHERE id = ?", firstDead).get("status"));
        assertEquals(409, admin("POST", "/admin/dead-letters/" + firstDead + "/replay", null).statusCode());

        String window = "from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z";
        HttpResponse<String> set = admin("POST", "/admin/dead-letters/replay?eventType=test.fixable&" + window, null);
        assertEquals(200, set.statusCode(), set.body());
        assertEquals("{\"replayed\":2}", set.body());
        await().atMost(Duration.ofSeconds(10)).until(() -> "processed".equals(inboxStatus(second)) && "processed".equals(inboxStatus(third)));
        assertEquals("failed", inboxStatus(other));

        HttpResponse<String> open = admin("GET", "/admin/dead-letters?status=open", null);
        assertEquals(200, open.statusCode());
        assertTrue(open.body().contains("\"count\":1") && open.body().contains("test.always-fails"), open.body());
        assertEquals(400, admin("POST", "/admin/dead-letters/replay", null).statusCode(), "never everything at once");
        assertEquals(400, admin("POST", "/admin/dead-letters/replay?eventType=x&from=yesterday", null).statusCode());
    }

    @Test
    void discardNeedsAReasonAndOnlyTakesOpenDeadLetters() throws Exception {
        start(settings());
        String event = v2("test.always-fails", "2024-05-01T10:00:00Z", "{\"id\":\"a\"}");
        gateway.postNew(event);
        await().atMost(Duration.ofSeconds(20)).until(() -> "failed".equals(inboxStatus(event)));
        long id = deadLetterOf(event);

        assertEquals(400, admin("POST", "/admin/dead-letters/" + id + "/discard", "{}").statusCode());
        assertEquals(400, admin("POST", "/admin/dead-letters/" + id + "/discard", "not json").statusCode());
        assertEquals(404, admin("POST", "/admin/dead-letters/999999/discard", "{\"reason\":\"x\"}").statusCode());
        assertEquals(400, admin("POST", "/admin/dead-letters/abc/discard", "{\"reason\":\"x\"}").statusCode());
        assertEquals(200, admin("POST", "/admin/dead-letters/" + id + "/discard", "{\"reason\":\"test event, never applies\"}").statusCode());
        assertEquals(409, admin("POST", "/admin/dead-letters/" + id + "/discard", "{\"reason\":\"again\"}").statusCode());
        Map<String, Object> dead = db.row("SELECT status, discard_reason FROM dead_letters WHERE id = ?", id);
        assertEquals("discarded", dead.get("status"));
        assertEquals("test event, never applies", dead.get("discard_reason"));
    }

    @Test
    void aFailingDestinationNeverRollsBackTheEventAndGetsItOnceItWorksAgain() {
        Properties settings = settings();
        settings.setProperty("mono.forward.uri", "direct:test-esb");
        settings.setProperty("mono.forward.default.initial-backoff", "200ms");
        settings.setProperty("mono.forward.default.max-backoff", "500ms");
        start(settings);
        String id = newId("txd_");
        String event = v2("direct_debit.payment_successful", "2024-05-01T10:00:00Z",
                paymentData(id, "successful", 30_000, "\"acc_1\"", "2024-05-01T10:00:00Z"));

        gateway.postNew(event); // the ESB refuses it: the event is applied all the same, its delivery waits
        await().atMost(Duration.ofSeconds(20)).until(() -> "processed".equals(inboxStatus(event)));
        assertEquals("successful", db.row("SELECT status FROM payments WHERE id = ?", id).get("status"));
        await().atMost(Duration.ofSeconds(10)).until(() -> db.count(
                "SELECT count(*) FROM deliveries WHERE status = 'pending' AND attempts >= 2 AND last_error LIKE '%division by zero%'") == 1);
        assertEquals(0, db.count("SELECT count(*) FROM dead_letters"), "a destination's failure is not the event's");

        db.execute("UPDATE test_switch SET broken = false");
        await().atMost(Duration.ofSeconds(10)).until(() -> db.count("SELECT count(*) FROM deliveries WHERE status = 'delivered'") == 1);
        assertEquals(1, db.count("SELECT count(*) FROM payment_status_history WHERE payment_id = ?", id));
    }

    @Test
    void replayingAnAlreadyAppliedEventChangesNothing() {
        start(settings());
        String id = newId("txd_");
        String event = v2("direct_debit.payment_successful", "2024-05-01T10:00:00Z",
                paymentData(id, "successful", 30_000, "\"acc_1\"", "2024-05-01T10:00:00Z"));
        gateway.postNew(event);
        gateway.awaitInboxDrained();
        Map<String, Object> applied = db.row("SELECT * FROM payments WHERE id = ?", id);
        // As left by a crash between applying the event and recording its success: failed, with an open dead letter.
        long inboxId = (Long) db.row("SELECT id FROM webhook_events WHERE CAST(body AS jsonb) = CAST(? AS jsonb)", event).get("id");
        db.execute("UPDATE webhook_events SET status = 'failed' WHERE id = ?", inboxId);
        db.execute("INSERT INTO dead_letters (webhook_event_id, event_type, payload, exception_class, attempts) "
                + "SELECT id, event_type, CAST(body AS jsonb), 'java.lang.IllegalStateException', 3 FROM webhook_events WHERE id = ?", inboxId);

        for (int i = 0; i < 2; i++) {
            db.execute("UPDATE dead_letters SET status = 'open' WHERE webhook_event_id = ?", inboxId);
            assertEquals(200, admin("POST", "/admin/dead-letters/" + deadLetterOf(event) + "/replay", null).statusCode());
            await().atMost(Duration.ofSeconds(10)).until(() -> "processed".equals(inboxStatus(event)));
        }

        assertEquals(applied, db.row("SELECT * FROM payments WHERE id = ?", id));
        assertEquals(1, db.count("SELECT count(*) FROM payment_status_history WHERE payment_id = ?", id));
    }

    @Test
    void aBurstOfAlertsComesAsOneDigest() throws Exception {
        start(settings());
        gateway.context().getRouteController().suspendRoute("mono-alert-sender");
        int burst = 25;
        for (int i = 0; i < burst; i++) {
            gateway.postNew(v2("direct_debit.payment_failed", "2024-05-01T10:00:00Z",
                    paymentData(newId("txd_"), "failed", 10_000 + i, "\"acc_1\"", "2024-05-01T10:00:00Z")));
        }
        gateway.postNew(v2("test.always-fails", "2024-05-01T10:00:00Z", "{\"id\":\"a\"}"));
        await().atMost(Duration.ofSeconds(20)).until(() -> db.count("SELECT count(*) FROM alerts") == burst + 1);
        gateway.context().getRouteController().resumeRoute("mono-alert-sender");

        awaitMails(2);
        await().atMost(Duration.ofSeconds(10)).until(() -> db.count("SELECT count(*) FROM alerts WHERE sent_at IS NULL") == 0);
        assertEquals(1, db.count("SELECT count(DISTINCT sent_at) FROM alerts"), "all 26 marked sent by one send");
        MimeMessage[] mails = smtp.getReceivedMessages();
        assertEquals(2, mails.length, "one digest, to each of the two recipients");
        assertEquals("[Mono gateway] 26 alerts in 500 ms", mails[0].getSubject());
        String body = GreenMailUtil.getBody(mails[0]);
        assertTrue(body.contains("    25  direct_debit.payment_failed"), body);
        assertTrue(body.contains("     1  test.always-fails (dead letter)"), body);
        assertTrue(body.contains("The first 20:"), body);
        assertTrue(body.contains("NGN 100.00"), body);
        assertEquals(0, db.count("SELECT count(*) FROM alerts WHERE sent_at IS NULL"));
    }

    @Test
    void alertsRaisedWhileSmtpIsDownArriveOnceWhenItReturns() throws Exception {
        start(settings());
        smtp.stop();
        for (int i = 0; i < 3; i++) {
            gateway.postNew(v2("direct_debit.payment_failed", "2024-05-01T10:00:00Z",
                    paymentData(newId("txd_"), "failed", 10_000, "\"acc_1\"", "2024-05-01T10:00:00Z")));
        }
        gateway.awaitInboxDrained();
        await().atMost(Duration.ofSeconds(30)).until(() -> db.count("SELECT count(*) FROM alerts WHERE attempts > 0 AND sent_at IS NULL") >= 1);
        assertTrue(((String) db.row("SELECT last_error FROM alerts WHERE attempts > 0 LIMIT 1").get("last_error")).contains("Exception"));

        smtp = new GreenMail(new ServerSetup(smtpPort, "127.0.0.1", "smtp"));
        smtp.start();

        awaitMails(6);
        // Every alert marked sent, once each: with nothing left unsent, no mail can follow.
        await().atMost(Duration.ofSeconds(10)).until(() -> db.count("SELECT count(*) FROM alerts WHERE sent_at IS NULL") == 0);
        assertEquals(3, db.count("SELECT count(*) FROM alerts"), "none queued twice");
        assertEquals(6, smtp.getReceivedMessages().length, "none twice");
        assertEquals(0, db.count("SELECT count(*) FROM alerts WHERE sent_at IS NULL"));
    }

    @Test
    void theAdminApiRefusesAMissingOrWrongToken() {
        start(settings());
        for (String auth : new String[] {null, "Bearer wrong", "Bearer " + TOKEN + "x", TOKEN, "Basic " + TOKEN}) {
            HttpRequest.Builder request = HttpRequest.newBuilder(gateway.managementUri("/admin/dead-letters"));
            if (auth != null) {
                request.header("Authorization", auth);
            }
            HttpResponse<String> response = RunningGateway.send(request.build());
            assertEquals(401, response.statusCode(), String.valueOf(auth));
            assertFalse(response.headers().firstValue("Authorization").isPresent());
        }
        assertEquals(200, admin("GET", "/admin/dead-letters", null).statusCode());
    }

    @Test
    void withoutATokenThereIsNoAdminApi() {
        Properties settings = settings();
        settings.remove("mono.admin.token");
        start(settings);

        HttpResponse<String> response = RunningGateway.send(HttpRequest.newBuilder(
                gateway.managementUri("/admin/dead-letters")).header("Authorization", "Bearer ").build());
        assertEquals(404, response.statusCode());
    }

    @Test
    void withoutAnSmtpHostAlertsAreWrittenAsEmlFilesOnlyTheGatewaysUserCanRead() throws Exception {
        Properties settings = settings();
        settings.remove("mono.smtp.host");
        start(settings);
        gateway.postNew(RunningGateway.fixture("payment_failed.json").replace("txd_XzhFBoknIjuosOz4", newId("txd_")));

        Path mailDir = Path.of(settings.getProperty("mono.data.dir"), "mail");
        await().atMost(Duration.ofSeconds(15)).until(() -> Files.isDirectory(mailDir) && Files.list(mailDir).count() == 1
                && Files.size(Files.list(mailDir).findFirst().orElseThrow()) > 0); // created first, then written
        Path file = Files.list(mailDir).findFirst().orElseThrow();
        String eml = Files.readString(file);
        assertTrue(eml.contains("Subject: [Mono gateway] direct_debit.payment_failed: NGN 500.00"), eml);
        assertTrue(eml.contains("To: ops@example.com, oncall@example.com"), eml);
        assertEquals(0, smtp.getReceivedMessages().length);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(mailDir)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }

    /** Waits for this many delivered copies (GreenMail keeps one per recipient). */
    private void awaitMails(int copies) {
        await().atMost(Duration.ofSeconds(30)).until(() -> smtp.getReceivedMessages().length >= copies);
    }

    private HttpResponse<String> admin(String method, String path, String body) {
        return gateway.admin(method, path, TOKEN, body);
    }

    private String inboxStatus(String event) {
        return (String) db.row("SELECT status FROM webhook_events WHERE CAST(body AS jsonb) = CAST(? AS jsonb)", event).get("status");
    }

    private long deadLetterOf(String event) {
        return (Long) db.row("SELECT d.id FROM dead_letters d JOIN webhook_events e ON e.id = d.webhook_event_id "
                + "WHERE CAST(e.body AS jsonb) = CAST(? AS jsonb) AND d.status = 'open'", event).get("id");
    }
}
