package com.monogateway.failure;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.monogateway.support.Db;
import com.monogateway.support.RunningGateway;
import jakarta.mail.internet.MimeMessage;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Events that were answered 200 but cannot be applied, whatever the reason, end as dead letters with
 * an alert, and can be replayed or discarded like any other: nothing fails silently after a 200.
 */
class UnprocessableEventTest {

    private static final String TOKEN = "admin-token-for-tests-0123456789";
    private static final String FEE = "\"fee\": 4500";

    private GreenMail smtp;
    private RunningGateway gateway;
    private Db db;

    @BeforeEach
    void start() {
        int smtpPort = RunningGateway.freePort();
        smtp = new GreenMail(new ServerSetup(smtpPort, "127.0.0.1", "smtp"));
        smtp.start();
        Properties p = RunningGateway.defaults();
        p.setProperty("mono.redelivery.max-attempts", "2");
        p.setProperty("mono.redelivery.initial-delay-ms", "100");
        p.setProperty("mono.admin.token", TOKEN);
        p.setProperty("mono.alerts.to", "ops@example.com");
        p.setProperty("mono.alerts.digest-window", "300ms");
        p.setProperty("mono.smtp.host", "127.0.0.1");
        p.setProperty("mono.smtp.port", Integer.toString(smtpPort));
        p.setProperty("mono.smtp.starttls", "false"); // GreenMail's SMTP offers no STARTTLS
        gateway = RunningGateway.start(p);
        db = gateway.db();
    }

    @AfterEach
    void stop() {
        gateway.close();
        smtp.stop();
    }

    @Test
    void aFeeOf1e1500IsDeadLetteredWithAnAlertAndCanBeReplayedAndDiscarded() throws Exception {
        // Read as the decimal it is: a whole number far beyond any kobo column.
        Map<String, Object> dead = postAndAwaitDeadLetter(FEE, "\"fee\": 1e1500");
        String reason = (String) dead.get("exception_message");
        assertTrue(reason.contains("data.object.fee 1E+1500 is out of range for a kobo amount"), reason);
        assertEquals(0, db.count("SELECT count(*) FROM payments"), "nothing of it applied");

        String body = awaitMail(1);
        assertTrue(body.contains("Reason:     InvalidEventDataException: data.object.fee 1E+1500 is out of range"), body);
        assertTrue(body.contains("Reference:  wp_f4719afff583f0079eda234d60c0570e"), body);

        // Replayed, it fails again: a new dead letter with a new alert.
        assertEquals(200, admin("/admin/dead-letters/" + dead.get("id") + "/replay", null).statusCode());
        await().atMost(Duration.ofSeconds(20)).until(() -> db.count("SELECT count(*) FROM dead_letters WHERE status = 'open'") == 1
                && db.count("SELECT count(*) FROM dead_letters WHERE status = 'replayed'") == 1);
        awaitMail(2);
        long again = (Long) db.row("SELECT id FROM dead_letters WHERE status = 'open'").get("id");
        HttpResponse<String> discard = admin("/admin/dead-letters/" + again + "/discard", "{\"reason\":\"Mono sent a nonsense fee\"}");
        assertEquals(200, discard.statusCode(), discard.body());
        assertEquals("discarded", db.row("SELECT status FROM dead_letters WHERE id = ?", again).get("status"));
        // The dead letter commits on its own, the event's status with its batch, a moment later.
        await().atMost(Duration.ofSeconds(10)).until(() -> "failed".equals(db.row("SELECT status FROM webhook_events").get("status")));
    }

    @Test
    void anAmountOf1e20IsDeadLetteredAsOutOfRange() throws Exception {
        String reason = (String) postAndAwaitDeadLetter("\"amount\": 50000", "\"amount\": 1e20").get("exception_message");
        assertEquals("InvalidEventDataException: data.object.amount 1E+20 is out of range for a kobo amount"
                + " (-9223372036854775808 to 9223372036854775807)", reason);
        assertTrue(awaitMail(1).contains("Reason:     InvalidEventDataException: data.object.amount 1E+20 is out of range"));
    }

    @Test
    void aStoredEventThatCannotBeReadIsDeadLetteredWithAnAlertAndCanBeReplayed() throws Exception {
        // As a row stored before V5 holds it: its body is the jsonb's text, where 1e20000 was written out in 20,001
        // digits, past the reader's limit of 10,000 (ingest now refuses numbers that long).
        String event = RunningGateway.fixture("payment_failed.json").replace(FEE, "\"fee\": 1" + "0".repeat(20_000));
        db.execute("INSERT INTO webhook_events (event_type, event_id, dedupe_key, body) VALUES (?, ?, ?, ?)",
                "direct_debit.payment_failed", "evt_stored_before_v5", "evt_stored_before_v5", event);
        db.queueReceivedEvents();
        Map<String, Object> dead = awaitDeadLetter();
        String reason = (String) dead.get("exception_message");
        assertTrue(reason.startsWith("UnreadableEventException: the stored event cannot be read:"), reason);
        assertTrue(reason.contains("Number value length (20001) exceeds the maximum allowed"), reason);

        String body = awaitMail(1);
        assertTrue(body.contains("Event:      direct_debit.payment_failed"), body);
        assertTrue(body.contains("Reason:     UnreadableEventException: the stored event cannot be read"), body);

        assertEquals(200, admin("/admin/dead-letters/" + dead.get("id") + "/replay", null).statusCode());
        await().atMost(Duration.ofSeconds(20)).until(() -> db.count("SELECT count(*) FROM dead_letters WHERE status = 'open'") == 1
                && db.count("SELECT count(*) FROM dead_letters WHERE status = 'replayed'") == 1);
        awaitMail(2);
    }

    /** Posts the failed-payment sample with one field changed; answers the dead letter it ends in. */
    private Map<String, Object> postAndAwaitDeadLetter(String field, String changedTo) {
        String event = RunningGateway.fixture("payment_failed.json").replace(field, changedTo);
        assertEquals(200, gateway.post(event).statusCode());
        return awaitDeadLetter();
    }

    private Map<String, Object> awaitDeadLetter() {
        await().atMost(Duration.ofSeconds(20)).until(() -> db.count("SELECT count(*) FROM dead_letters WHERE status = 'open'") == 1);
        assertEquals("failed", db.row("SELECT status FROM webhook_events").get("status"));
        assertEquals(true, db.row("SELECT d.payload = CAST(e.body AS jsonb) AS same FROM dead_letters d JOIN webhook_events e"
                + " ON e.id = d.webhook_event_id").get("same"), "the dead letter holds the event as stored");
        return db.row("SELECT * FROM dead_letters WHERE status = 'open'");
    }

    /** Waits for the n-th alert email and answers its body. */
    private String awaitMail(int n) throws Exception {
        await().atMost(Duration.ofSeconds(20)).until(() -> smtp.getReceivedMessages().length >= n);
        MimeMessage mail = smtp.getReceivedMessages()[n - 1];
        return (String) mail.getContent(); // decoded: long lines come quoted-printable
    }

    private HttpResponse<String> admin(String path, String body) {
        return gateway.admin("POST", path, TOKEN, body);
    }
}
