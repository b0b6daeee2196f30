package com.monogateway.processing;

import static com.monogateway.support.MonoEvents.newId;
import static com.monogateway.support.MonoEvents.paymentData;
import static com.monogateway.support.MonoEvents.v2;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.monogateway.support.Db;
import com.monogateway.support.RunningGateway;
import com.monogateway.support.SteadyLoad;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.camel.ConsumerTemplate;
import org.apache.camel.Exchange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Test mode, forwarding, recovery after a crash, several instances on one database, and route reload. */
class ProcessingMachineryTest {

    @Test
    void liveOnlyStoresTestEventsButDoesNotApplyThem() {
        Properties settings = RunningGateway.defaults();
        settings.setProperty("mono.live-only", "true");
        try (RunningGateway gateway = RunningGateway.start(settings)) {
            String test = newId("txd_");
            String live = newId("txd_");
            gateway.postNew(v2("direct_debit.payment_successful", "2024-05-01T10:00:00Z",
                    paymentData(test, "successful", 100, "\"acc_1\"", "2024-05-01T10:00:00Z").replace("\"liveMode\":true", "\"liveMode\":false")));
            gateway.postNew(v2("direct_debit.payment_successful", "2024-05-01T10:00:00Z",
                    paymentData(live, "successful", 100, "\"acc_1\"", "2024-05-01T10:00:00Z")));
            gateway.awaitInboxDrained();

            Db db = gateway.db();
            assertEquals(0, db.count("SELECT count(*) FROM payments WHERE id = ?", test));
            assertEquals(1, db.count("SELECT count(*) FROM payments WHERE id = ?", live));
            Map<String, Object> row = db.row("SELECT status, status_reason FROM webhook_events WHERE live_mode = false");
            assertEquals("ignored", row.get("status"));
            assertEquals("test-mode", row.get("status_reason"));
        }
    }

    @Test
    void appliedEventsAreDeliveredAsMonoSentThemWithOnlyTheMonoHeaders() throws Exception {
        Properties settings = RunningGateway.defaults();
        settings.setProperty("mono.forward.uri", "seda:esb-under-test");
        try (RunningGateway gateway = RunningGateway.start(settings)) {
            String id = newId("txd_");
            String event = v2("direct_debit.payment_failed", "2024-05-01T10:00:00Z",
                    paymentData(id, "failed", 50_000, "\"acc_1\"", "2024-05-01T10:00:00Z"));
            gateway.postNew(event);
            gateway.postNew(v2("issuing.card_created", "2024-05-01T10:00:00Z", "{\"id\":\"card_1\"}"));

            ConsumerTemplate consumer = gateway.context().createConsumerTemplate();
            Exchange forwarded = consumer.receive("seda:esb-under-test", 10_000);
            assertNotNull(forwarded, "the applied event was forwarded");
            assertEquals(event, forwarded.getIn().getBody(String.class), "the body as Mono sent it, byte for byte");
            String eventId = (String) gateway.db().row("SELECT event_id FROM webhook_events WHERE event_type = 'direct_debit.payment_failed'").get("event_id");
            assertEquals("direct_debit.payment_failed", forwarded.getIn().getHeader("MonoEvent"));
            assertEquals(eventId, forwarded.getIn().getHeader("MonoEventId"));
            assertEquals(eventId, forwarded.getIn().getHeader("MonoDedupeKey"));
            Set<String> headers = forwarded.getIn().getHeaders().keySet().stream()
                    .filter(h -> !h.startsWith("Camel")).collect(Collectors.toSet());
            assertEquals(Set.of("MonoEvent", "MonoEventId", "MonoDedupeKey", "MonoInboxId", "MonoObjectKey", "Content-Type"), headers);
            assertEquals(id, forwarded.getIn().getHeader("MonoObjectKey"));
            gateway.awaitInboxDrained();
            // The outbox is written in the processing transaction: once drained, it holds all there will be.
            assertEquals(0, gateway.db().count("SELECT count(*) FROM deliveries d JOIN webhook_events e ON e.id = d.webhook_event_id"
                    + " WHERE e.event_type = 'issuing.card_created'"), "ignored events are not forwarded");
            assertEquals("ignored", gateway.db().row("SELECT status FROM webhook_events WHERE event_type = 'issuing.card_created'")
                    .get("status"));
        }
    }

    @Test
    void anEventStoredButNotProcessedBeforeACrashIsProcessedAtTheNextStart() {
        Properties settings = RunningGateway.defaults();
        try (RunningGateway gateway = RunningGateway.start(settings)) {
            assertNotNull(gateway.context().getRoute("mono-inbox-sweep"));
        }
        // As the inbox holds it when the process died right after answering 200.
        Db db = new Db(settings.getProperty("mono.db.url"));
        String id = newId("txd_");
        db.execute("INSERT INTO webhook_events (event_type, event_id, dedupe_key, body, live_mode) VALUES (?, ?, ?, ?, true)",
                "direct_debit.payment_successful", "evt_crash", "evt_crash",
                v2("direct_debit.payment_successful", "2024-05-01T10:00:00Z", paymentData(id, "successful", 100, "\"acc_1\"", "2024-05-01T10:00:00Z")));
        db.queueReceivedEvents();

        try (RunningGateway gateway = RunningGateway.start(settings)) {
            gateway.awaitInboxDrained();
            assertEquals("processed", db.row("SELECT status FROM webhook_events WHERE event_id = 'evt_crash'").get("status"));
            assertEquals("successful", db.row("SELECT status FROM payments WHERE id = ?", id).get("status"));
        }
    }

    @Test
    void eventsAreStoredWithWhatTheyAreAboutAndEndedByHotUpdatesThatLeaveTheWaitingQueue() {
        try (RunningGateway gateway = RunningGateway.start(RunningGateway.defaults())) {
            int events = 40;
            for (int i = 0; i < events; i++) {
                gateway.postNew(v2("direct_debit.payment_successful", "2024-05-01T10:00:00Z",
                        paymentData("txd_hot_" + i, "successful", 100 + i, "\"acc_1\"", "2024-05-01T10:00:00Z")));
            }
            gateway.awaitInboxDrained();
            Db db = gateway.db();
            assertEquals(0, db.count("SELECT count(*) FROM inbox_waiting"));
            assertEquals(events, db.count("SELECT count(*) FROM webhook_events WHERE status = 'processed'"
                    + " AND object_key = CAST(body AS jsonb)->'data'->'object'->>'id' AND reference = 'ref_' || object_key"));
            // PostgreSQL's table statistics arrive within about a second of each transaction. Every update of an
            // inbox row must be HOT: an index naming status, or a key first written at processing, would end that.
            await().atMost(Duration.ofSeconds(20)).until(() -> db.count(
                    "SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'webhook_events'") >= events);
            Map<String, Object> updates = db.row("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'webhook_events'");
            assertEquals(updates.get("n_tup_upd"), updates.get("n_tup_hot_upd"), "every inbox update HOT: " + updates);
        }
    }

    @Test
    void aBatchThatMissesOneOfAPaymentsEventsLeavesThatPaymentForLaterAndAppliesItsEventsInOrder() throws Exception {
        Properties settings = RunningGateway.defaults();
        try (RunningGateway gateway = RunningGateway.start(settings)) {
            assertNotNull(gateway.context().getRoute("mono-inbox-sweep"));
        }
        Db db = new Db(settings.getProperty("mono.db.url"));
        String payment = newId("txd_");
        List<Long> ids = new java.util.ArrayList<>();
        String[] statuses = {"processing", "processing", "successful"};
        for (int n = 0; n < statuses.length; n++) {
            String at = "2024-05-01T10:00:0" + n + "Z";
            db.execute("INSERT INTO webhook_events (event_type, event_id, dedupe_key, body, live_mode, object_key)"
                    + " VALUES (?, ?, ?, ?, true, ?)", "direct_debit.payment_" + statuses[n], "evt_gap_" + n,
                    "evt_gap_" + n, v2("direct_debit.payment_" + statuses[n], at, paymentData(payment, statuses[n], 100, "\"acc_1\"", at)), payment);
            ids.add((Long) db.row("SELECT id FROM webhook_events WHERE event_id = ?", "evt_gap_" + n).get("id"));
        }
        db.queueReceivedEvents();
        // Another worker (here: this connection) holds the payment's second event: a claim with SKIP LOCKED gets the
        // first and the third in one batch.
        try (java.sql.Connection other = java.sql.DriverManager.getConnection(db.url(), db.user(), db.password())) {
            other.setAutoCommit(false);
            try (var lock = other.prepareStatement("SELECT id FROM inbox_waiting WHERE id = ? FOR UPDATE")) {
                lock.setLong(1, ids.get(1));
                lock.executeQuery().close();
            }
            try (RunningGateway gateway = RunningGateway.start(settings)) {
                Thread.sleep(1500); // several sweeps (every 200 ms)
                assertEquals("received", db.row("SELECT status FROM webhook_events WHERE id = ?", ids.get(2)).get("status"),
                        "the third event is not applied while the second waits elsewhere");
                other.commit();
                gateway.awaitInboxDrained();
            }
        }
        List<Long> applied = db.rows("SELECT id FROM webhook_events WHERE object_key = ? ORDER BY processed_at, id", payment)
                .stream().map(r -> (Long) r.get("id")).toList();
        assertEquals(ids, applied, "applied in the order received");
        assertEquals("successful", db.row("SELECT status FROM payments WHERE id = ?", payment).get("status"));
    }

    /**
     * The order rules hold within a batch exactly as one event at a time: one payment's events, arriving out of order
     * (a non-final one stamped after the final one, fields only some of them carry), applied in one batch give the
     * same payment row and history as the same events applied one batch each. Whatever way processing applies a
     * batch (one statement per event today, in sets later), this is the result it must keep.
     */
    @Test
    void severalEventsOfOnePaymentInOneBatchEndAsIfAppliedOneAtATime() {
        String together = newId("txd_");
        String alone = newId("txd_");
        List<Long> togetherIds = new java.util.ArrayList<>();
        List<Long> aloneIds = new java.util.ArrayList<>();
        Db db = appliedInOneBatchThenOneAtATime(d -> togetherIds.addAll(storeShuffledEventsOfOnePayment(d, together)),
                d -> aloneIds.addAll(storeShuffledEventsOfOnePayment(d, alone)));
        // The first payment's six events were all waiting when that gateway started: its first claim took them all.
        assertEquals(togetherIds.size(), db.rows("SELECT id FROM webhook_events WHERE object_key = ? AND status = 'processed'",
                together).size());
        Map<String, Object> one = paymentAsApplied(db, together, togetherIds);
        Map<String, Object> each = paymentAsApplied(db, alone, aloneIds);
        assertEquals(each, one, "one batch gives what one event at a time gives");
        // One at a time: processing@01 in, processing@00 older, successful@03 in (the description of @01 kept),
        // processing@04 and abandoned@05 never replace a final state, successful@03 again in (stamped and ranked
        // alike, received later). Keeping only the newest-stamped event, or only the last final one, would differ.
        assertEquals("successful", one.get("status"));
        assertEquals("Top-up", one.get("description"));
        assertEquals(5000L, ((Number) one.get("amount")).longValue());
        assertNotNull(one.get("created_at"), "filled by the first event, kept by the later ones");
        assertEquals(6, ((List<?>) one.get("history")).size(), "every event in the history");
    }

    /**
     * Payments that carry one account's details, each with some of them, and an account event of that account, in one
     * batch: they share a set (three payments) and a round (the account event), yet the account row ends as one
     * event at a time leaves it. Its details come from the first payment that had each, and the account event's
     * own details win over any payment's.
     */
    @Test
    void paymentsAndAnAccountEventOfOneAccountInOneBatchEndAsIfAppliedOneAtATime() {
        String together = newId("acc_");
        String alone = newId("acc_");
        Db db = appliedInOneBatchThenOneAtATime(d -> storePaymentsAndAnAccountEventOfOneAccount(d, together),
                d -> storePaymentsAndAnAccountEventOfOneAccount(d, alone));
        String columns = "name, account_number, currency, balance, type, institution_name, bank_code, institution_type, live_mode";
        Map<String, Object> one = db.row("SELECT " + columns + " FROM accounts WHERE id = ?", together);
        assertEquals(db.row("SELECT " + columns + " FROM accounts WHERE id = ?", alone), one, "one batch gives what one event at a time gives");
        assertEquals("UPDATED NAME", one.get("name"), "the account event's name wins over the payments'");
        assertEquals("0123456789", one.get("account_number"), "from the second payment: the first had none");
        assertEquals("SAVINGS", one.get("type"), "from the third payment: the only one that had it");
        assertEquals("GTBank", one.get("institution_name"));
        assertEquals(0, db.count("SELECT count(*) FROM webhook_events WHERE status <> 'processed'"));
    }

    private static void storePaymentsAndAnAccountEventOfOneAccount(Db db, String account) {
        String[] details = {
                "\"name\":\"ADAEZE OKAFOR\",\"institution\":{\"name\":\"GTBank\"}",
                "\"name\":\"ADA OKAFOR\",\"accountNumber\":\"0123456789\",\"currency\":\"NGN\"",
                "\"type\":\"SAVINGS\",\"institution\":{\"name\":\"Other bank\",\"bankCode\":\"058\"}"};
        for (int i = 0; i < details.length; i++) {
            String payment = newId("txd_");
            String eventId = newId("evt_");
            db.execute("INSERT INTO webhook_events (event_type, event_id, dedupe_key, body, live_mode, object_key)"
                    + " VALUES (?, ?, ?, ?, true, ?)", "direct_debit.payment_successful", eventId, eventId,
                    v2("direct_debit.payment_successful", "2024-05-01T10:00:0" + i + "Z", paymentData(payment, "successful", 100,
                            "{\"id\":\"" + account + "\"," + details[i] + "}", "2024-05-01T10:00:0" + i + ".000Z")), payment);
            if (i == 0) { // the account event arrives after the first payment, and shares its round
                String accountEvent = newId("evt_");
                db.execute("INSERT INTO webhook_events (event_type, event_id, dedupe_key, body, live_mode, object_key)"
                        + " VALUES (?, ?, ?, ?, true, ?)", "mono.events.account_updated", accountEvent, accountEvent,
                        v2("mono.events.account_updated", "2024-05-01T10:00:00Z", "{\"account\":{\"_id\":\"" + account
                                + "\",\"name\":\"UPDATED NAME\",\"balance\":100}}"), account);
            }
        }
        db.queueReceivedEvents();
    }

    /**
     * A fresh database (migrated by a first start); {@code together} stores events that a gateway then applies with
     * batches of 50 (all of them in its first claim), {@code alone} stores events that another applies one at a time.
     */
    private static Db appliedInOneBatchThenOneAtATime(java.util.function.Consumer<Db> together, java.util.function.Consumer<Db> alone) {
        Properties settings = RunningGateway.defaults();
        try (RunningGateway gateway = RunningGateway.start(settings)) {
            assertNotNull(gateway.context().getRoute("mono-inbox-sweep"));
        }
        Db db = new Db(settings.getProperty("mono.db.url"));
        together.accept(db);
        settings.setProperty("mono.processing.batch-size", "50");
        try (RunningGateway gateway = RunningGateway.start(settings)) {
            gateway.awaitInboxDrained();
        }
        alone.accept(db);
        settings.setProperty("mono.processing.batch-size", "1");
        try (RunningGateway gateway = RunningGateway.start(settings)) {
            gateway.awaitInboxDrained();
        }
        return db;
    }

    /** Six events of one payment, stored and queued in the order they "arrived"; answers their inbox ids in that order. */
    private static List<Long> storeShuffledEventsOfOnePayment(Db db, String payment) {
        // status, updated_at, amount, description, created_at (null: the event does not carry it)
        String[][] arrivals = {
                {"processing", "2024-05-01T10:00:01Z", "4800", "first description", "2024-05-01T09:00:00Z"},
                {"processing", "2024-05-01T10:00:00Z", "4700", null, null},
                {"successful", "2024-05-01T10:00:03Z", "5000", null, null},
                {"processing", "2024-05-01T10:00:04Z", "5100", "late processing", null},
                {"abandoned", "2024-05-01T10:00:05Z", null, null, null},
                {"successful", "2024-05-01T10:00:03Z", "5000", "Top-up", null}};
        List<Long> ids = new java.util.ArrayList<>();
        for (String[] event : arrivals) {
            StringBuilder object = new StringBuilder("{\"id\":\"" + payment + "\",\"status\":\"" + event[0]
                    + "\",\"currency\":\"NGN\",\"account\":\"acc_1\",\"reference\":\"ref_" + payment + "\",\"updated_at\":\""
                    + event[1] + "\"");
            if (event[2] != null) {
                object.append(",\"amount\":").append(event[2]);
            }
            if (event[3] != null) {
                object.append(",\"description\":\"").append(event[3]).append('"');
            }
            if (event[4] != null) {
                object.append(",\"created_at\":\"").append(event[4]).append('"');
            }
            String type = "direct_debit.payment_" + event[0];
            String eventId = newId("evt_");
            db.execute("INSERT INTO webhook_events (event_type, event_id, dedupe_key, body, live_mode, object_key)"
                    + " VALUES (?, ?, ?, ?, true, ?)", type, eventId, eventId,
                    v2(type, event[1], "{\"type\":\"onetime-debit\",\"object\":" + object + "}}"), payment);
            ids.add((Long) db.row("SELECT id FROM webhook_events WHERE event_id = ?", eventId).get("id"));
        }
        db.queueReceivedEvents();
        return ids;
    }

    /** The payment row and its history, with inbox ids as the place of the event among the payment's own. */
    private static Map<String, Object> paymentAsApplied(Db db, String payment, List<Long> ids) {
        Map<String, Object> row = new java.util.TreeMap<>(db.row("SELECT status, amount, fee, currency, description, reference,"
                + " account_id, created_at, updated_at, last_event_type, last_inbox_event_id FROM payments WHERE id = ?", payment));
        row.put("last_inbox_event_id", ids.indexOf((Long) row.get("last_inbox_event_id")));
        row.put("reference", String.valueOf(row.get("reference")).replace(payment, "<payment>"));
        row.put("history", db.rows("SELECT inbox_event_id, event_type, status, status_at, amount FROM payment_status_history"
                + " WHERE payment_id = ? ORDER BY inbox_event_id", payment).stream()
                .map(h -> List.of(ids.indexOf((Long) h.get("inbox_event_id")), h.get("event_type"), h.get("status"),
                        String.valueOf(h.get("status_at")), String.valueOf(h.get("amount"))))
                .toList());
        return row;
    }

    @Test
    void twoInstancesOnOneDatabaseApplyEachEventOnce() {
        Properties first = RunningGateway.defaults();
        try (RunningGateway gateway = RunningGateway.start(first)) {
            assertNotNull(gateway.context().getRoute("mono-inbox-sweep"));
        }
        Db db = new Db(first.getProperty("mono.db.url"));
        int events = 400;
        for (int i = 0; i < events; i++) {
            String id = "txd_race_" + i;
            db.execute("INSERT INTO webhook_events (event_type, event_id, dedupe_key, body) VALUES (?, ?, ?, ?)",
                    "direct_debit.payment_successful", "evt_race_" + i, "evt_race_" + i,
                    v2("direct_debit.payment_successful", "2024-05-01T10:00:00Z", paymentData(id, "successful", 100 + i, "\"acc_1\"", "2024-05-01T10:00:00Z")));
        }
        db.queueReceivedEvents();
        Properties second = RunningGateway.defaults();
        second.setProperty("mono.db.url", first.getProperty("mono.db.url"));
        first.setProperty("mono.processing.batch-size", "5");
        second.setProperty("mono.processing.batch-size", "5");

        // Both sweep the same backlog at once.
        try (RunningGateway a = RunningGateway.start(first); RunningGateway b = RunningGateway.start(second)) {
            a.awaitInboxDrained();
        }

        assertEquals(events, db.count("SELECT count(*) FROM webhook_events WHERE status = 'processed' AND attempts = 1"));
        assertEquals(events, db.count("SELECT count(*) FROM payment_status_history WHERE payment_id LIKE 'txd_race_%'"));
        assertEquals(events, db.count("SELECT count(*) FROM payments WHERE id LIKE 'txd_race_%' AND status = 'successful'"));
    }

    @Test
    void anEditedYamlRouteTakesEffectWithoutARestart(@TempDir Path routes) throws Exception {
        for (Path file : Files.newDirectoryStream(Path.of("routes"), "*.camel.yaml")) {
            Files.copy(file, routes.resolve(file.getFileName()));
        }
        Properties settings = RunningGateway.defaults();
        settings.setProperty("camel.main.routes-include-pattern", "file:" + routes + "/*.camel.yaml");
        settings.setProperty("camel.main.routes-reload-enabled", "true");
        settings.setProperty("camel.main.routes-reload-directory", routes.toString());
        try (RunningGateway gateway = RunningGateway.start(settings)) {
            gateway.postNew(v2("issuing.card_created", "2024-05-01T10:00:00Z", "{\"id\":\"card_1\"}"));
            gateway.awaitInboxDrained();

            Path router = routes.resolve("event-router.camel.yaml");
            Files.writeString(router, Files.readString(router).replace("constant: no-handler", "constant: not-wired-yet"));

            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> {
                gateway.postNew(v2("issuing.card_created", "2024-05-01T10:00:00Z", "{\"id\":\"" + newId("card_") + "\"}"));
                gateway.awaitInboxDrained();
                return gateway.db().count("SELECT count(*) FROM webhook_events WHERE status_reason = 'not-wired-yet'") > 0;
            });
            assertTrue(gateway.db().count("SELECT count(*) FROM webhook_events WHERE status_reason = 'no-handler'") >= 1);
        }
    }

    @Test
    void underASteadyLoadProcessingGoesOnOneBatchAtATime() throws Exception {
        Set<String> accepted = new java.util.HashSet<>();
        assertEquals(1, mostBatchesAtOnceUnderLoad("1h", accepted), "one batch at a time while webhooks arrive");
    }

    @Test
    void whenProcessingFallsBehindItsLagTargetEveryWorkerRunsUnderLoad() throws Exception {
        // A lag target of 0 is always missed: every worker runs, as when processing falls behind.
        assertTrue(mostBatchesAtOnceUnderLoad("0", new java.util.HashSet<>()) > 1, "more than one batch at a time");
    }

    /**
     * The most transactions that applied payments at the same time, from the database's own record: each
     * history row carries its transaction's start (recorded_at, now()) and its transaction id, whose commit
     * time PostgreSQL keeps (track_commit_timestamp, set for the tests' server). Exact, not sampled.
     */
    private static final String MOST_BATCHES_AT_ONCE = """
            WITH tx AS (
              SELECT x, min(recorded_at) AS started, pg_xact_commit_timestamp(CAST(x AS xid)) AS ended
              FROM (SELECT CAST(xmin AS text) AS x, recorded_at FROM payment_status_history) h GROUP BY x),
            during AS (SELECT * FROM tx WHERE ended <= CAST(? AS timestamptz))
            SELECT coalesce(max((SELECT count(*) FROM during b WHERE b.started < a.ended AND b.ended > a.started)), 0)
            FROM during a""";

    /** Runs a steady load for 6 s; answers the most processing batches that ran at once. Every event ends processed. */
    private static int mostBatchesAtOnceUnderLoad(String lagTarget, Set<String> accepted) throws Exception {
        Properties settings = RunningGateway.defaults();
        settings.setProperty("mono.processing.batch-size", "5"); // many batches, so that overlapping ones would show
        settings.setProperty("mono.processing.lag-target", lagTarget);
        try (RunningGateway gateway = RunningGateway.start(settings)) {
            Db db = gateway.db();
            int mostBatchesAtOnce;
            try (SteadyLoad load = new SteadyLoad(gateway.webhookUri(), 8, 2)) {
                Thread.sleep(6_000); // the load's duration, not a wait for something to happen
                long stored = db.count("SELECT count(*) FROM webhook_events");
                long processed = db.count("SELECT count(*) FROM webhook_events WHERE status = 'processed'");
                // Processing does not wait for the load to end (batches of 5 keep one worker from keeping up here).
                assertTrue(stored > 300 && processed > 100, processed + " of " + stored + " processed during the load");
                assertTrue(load.otherStatuses().isEmpty(), "every webhook answered 200: " + load.statusCounts());
                accepted.addAll(load.accepted());
                // Batches that ended while the load still ran (the drain after it may use every worker).
                Object loadStillRunning = db.row("SELECT CAST(clock_timestamp() AS text) AS t").get("t");
                mostBatchesAtOnce = (int) db.count(MOST_BATCHES_AT_ONCE, loadStillRunning);
                if (mostBatchesAtOnce > 1) { // which transactions, to tell a real overlap from a misread one
                    System.out.println("Transactions that applied payments: " + db.rows("""
                            SELECT CAST(xmin AS text) AS x, min(recorded_at) AS started, max(recorded_at) AS last,
                                   pg_xact_commit_timestamp(xmin) AS ended, count(*) AS n
                            FROM payment_status_history GROUP BY xmin ORDER BY 2"""));
                }
            }
            gateway.awaitInboxDrained();
            assertEquals(accepted.size(), db.count("SELECT count(*) FROM webhook_events WHERE status = 'processed' AND event_id = ANY (?)",
                    db.array(accepted)));
            return mostBatchesAtOnce;
        }
    }
}
