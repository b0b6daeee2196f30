package com.monogateway.resilience;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import com.monogateway.support.Db;
import com.monogateway.support.GatewayProcess;
import com.monogateway.support.HttpDestination;
import com.monogateway.support.HostileCorpus;
import com.monogateway.support.RunningGateway;
import com.monogateway.support.SteadyLoad;
import com.monogateway.support.TestPostgres;
import com.monogateway.trigger.SampleEvents;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The fault-injection suite (issue 7): the packaged jar as a separate process, a real PostgreSQL
 * (stopped and started under load) and a real SMTP server (GreenMail, stopped and started). Each
 * scenario adds a line to target/resilience-report.md: requests sent, 200s, rows stored, rows
 * processed, dead letters, emails, and lost events, which must be 0. Run alone with resilience/run.sh;
 * {@code mvn verify} runs it too.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ResilienceSuiteIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Path WORK = Path.of("target", "resilience");
    private static final ResilienceReport REPORT = new ResilienceReport(Path.of("target", "resilience-report.md"));

    private static EmbeddedPostgres postgres;
    private static int pgPort;
    private static Db db;
    private static GreenMail smtp;
    private static int smtpPort;
    private static final List<String> deliveredMail = Collections.synchronizedList(new ArrayList<>());
    private static Map<String, String> env;
    private static Process gateway;
    private static int starts;
    private static URI webhook;
    private static URI readiness;
    private static HttpDestination esb;

    @BeforeAll
    static void startEverything() throws Exception {
        deleteRecursively(WORK);
        Files.createDirectories(WORK);
        pgPort = RunningGateway.freePort();
        postgres = TestPostgres.startRestartable(WORK.resolve("postgres"), pgPort);
        db = new Db(postgres.getJdbcUrl("postgres", "postgres"));
        smtpPort = RunningGateway.freePort();
        startSmtp();

        int port = RunningGateway.freePort();
        webhook = URI.create("http://127.0.0.1:" + port + "/webhooks/mono");
        env = GatewayProcess.environment(db.url(), port, WORK.resolve("data"));
        readiness = URI.create("http://127.0.0.1:" + env.get("CAMEL_MANAGEMENT_PORT") + "/observe/health/ready");
        env.put("CAMEL_MANAGEMENT_HOST", "127.0.0.1");
        env.put("MONO_DB_CONNECTION_TIMEOUT_MS", "500");
        env.put("MONO_SMTP_HOST", "127.0.0.1");
        env.put("MONO_SMTP_PORT", Integer.toString(smtpPort));
        env.put("MONO_SMTP_STARTTLS", "false"); // GreenMail's SMTP offers no STARTTLS
        env.put("MONO_ALERTS_DIGEST_WINDOW", "500ms");
        env.put("MONO_ALERTS_DIGEST_THRESHOLD", "100000"); // one email per alert, so each can be counted
        env.put("MONO_REDELIVERY_INITIAL_DELAY_MS", "50");
        env.put("MONO_REDELIVERY_MAX_DELAY_MS", "200");
        // Every applied payment is delivered to a real HTTP server: the crash scenario checks none is lost.
        esb = new HttpDestination();
        env.put("MONO_FORWARD_DESTINATIONS", "esb");
        env.put("MONO_FORWARD_ESB_URI", esb.url("/mono"));
        env.put("MONO_FORWARD_ESB_EVENTS", "direct_debit.*");
        env.put("MONO_FORWARD_ESB_LEASE", "3s"); // after a kill -9, its batch is sent again this soon
        env.put("MONO_FORWARD_ESB_MAX_BACKOFF", "1s");
        startGateway();
    }

    @AfterAll
    static void stopEverything() throws Exception {
        try {
            if (gateway != null) {
                gateway.destroy();
                gateway.waitFor(60, TimeUnit.SECONDS);
            }
            smtp.stop();
            esb.close();
            postgres.close();
        } finally {
            REPORT.write();
        }
    }

    @Test
    @Order(1)
    void crash() throws Exception {
        Window window = Window.open();
        Random random = new Random(7);
        SteadyLoad load = new SteadyLoad(webhook, 6, 11);
        for (int kill = 1; kill <= 3; kill++) {
            Thread.sleep(800 + random.nextInt(1_500));
            gateway.destroyForcibly(); // SIGKILL: no shutdown hook, nothing flushed
            gateway.waitFor(30, TimeUnit.SECONDS);
            startGateway();
        }
        Thread.sleep(1_000);
        load.close();
        awaitInboxSettled();

        Set<String> accepted = load.accepted();
        var ids = db.array(accepted);
        long storedOnce = db.count("SELECT count(DISTINCT event_id) FROM webhook_events WHERE event_id = ANY (?)", ids);
        long appliedOnce = db.count("SELECT count(*) FROM (SELECT e.id FROM payment_status_history h JOIN webhook_events e "
                + "ON e.id = h.inbox_event_id WHERE e.event_id = ANY (?) GROUP BY e.id HAVING count(*) = 1) once", ids);
        // Deliveries: every applied payment reaches the ESB at least once (a batch cut off by a kill is sent again).
        await().atMost(Duration.ofSeconds(60)).until(() -> db.count("SELECT count(*) FROM deliveries WHERE status <> 'delivered'") == 0);
        Set<String> deliveredKeys = new java.util.HashSet<>();
        long copies = 0;
        for (var request : esb.received()) {
            if (accepted.contains(request.header("MonoEventId"))) {
                deliveredKeys.add(request.header("MonoEventId"));
                copies++;
            }
        }
        long undelivered = accepted.stream().filter(id -> !deliveredKeys.contains(id)).count();
        Figures figures = window.close("1. crash: kill -9 three times under load", load.sent(), accepted.size(), accepted,
                "answers " + load.statusCounts() + " (0 = no answer while the gateway was down); "
                        + appliedOnce + " applied exactly once; delivered to the ESB: " + deliveredKeys.size() + " events in "
                        + copies + " requests (" + (copies - deliveredKeys.size()) + " repeats, at least once), " + undelivered
                        + " not delivered");
        try {
            assertTrue(accepted.size() > 100, "the load ran: " + load.statusCounts());
            assertEquals(accepted.size(), storedOnce, "each event answered 200 is stored");
            assertEquals(accepted.size(), db.count("SELECT count(*) FROM webhook_events WHERE event_id = ANY (?)", ids), "stored once");
            assertEquals(accepted.size(), appliedOnce, "each applied exactly once");
            assertEquals(0, undelivered, "each applied payment delivered at least once");
            assertEquals(0, figures.lost());
        } finally {
            REPORT.add(figures);
        }
    }

    @Test
    @Order(2)
    void databaseOutage() throws Exception {
        Window window = Window.open();
        SteadyLoad load = new SteadyLoad(webhook, 4, 21);
        Thread.sleep(2_000);
        long backlogAtStop = db.count("SELECT count(*) FROM webhook_events WHERE status = 'received'");
        long stopping = System.nanoTime();
        postgres.close();
        long down = System.nanoTime();
        ReadinessWatch watch = new ReadinessWatch();
        Map<Integer, Long> before = load.statusCounts();
        Thread.sleep(10_000);
        Map<Integer, Long> during = minus(load.statusCounts(), before);
        long starting = System.nanoTime();
        long acceptedWhileDown = load.acceptedSentBetween(down, starting);
        postgres = TestPostgres.startRestartable(WORK.resolve("postgres"), pgPort);
        long upAgainMs = watch.millisUntilReady(); // counted from PostgreSQL accepting connections again
        Thread.sleep(3_000);
        load.close();
        watch.close();
        awaitInboxSettled();

        Set<String> accepted = load.accepted();
        long deadLetters = db.count("SELECT count(*) FROM dead_letters d JOIN webhook_events e ON e.id = d.webhook_event_id "
                + "WHERE e.event_id = ANY (?)", db.array(accepted));
        Figures figures = window.close("2. database outage: PostgreSQL stopped 10 s under load", load.sent(), accepted.size(), accepted,
                "while down: answers " + during + ", 200s " + acceptedWhileDown + "; readiness down "
                        + (watch.sawNotReady() ? "yes, " + watch.millisUntilNotReady(stopping) + " ms after the stop began" : "NO")
                        + ", ready again " + upAgainMs + " ms after PostgreSQL was back; " + backlogAtStop
                        + " events waiting when it stopped, stop took " + (down - stopping) / 1_000_000 + " ms");
        try {
            assertEquals(0, acceptedWhileDown, "no 200 while the database is down");
            assertTrue(during.getOrDefault(503, 0L) > 0, "503 while the database is down: " + during);
            assertTrue(during.keySet().stream().allMatch(s -> s == 503), "only 503 while the database is down: " + during);
            assertTrue(watch.sawNotReady(), "readiness went down");
            assertTrue(upAgainMs >= 0, "readiness came back by itself");
            assertEquals(0, deadLetters, "an outage is not a reason to dead-letter");
            assertEquals(0, figures.lost());
        } finally {
            REPORT.add(figures);
        }
    }

    @Test
    @Order(3)
    void smtpOutage() throws Exception {
        Window window = Window.open();
        smtp.stop();
        SampleEvents samples = new SampleEvents(new Random(31));
        List<String> keys = new ArrayList<>();
        int ok = 0;
        for (int i = 0; i < 20; i++) {
            String event = samples.next(i % 2 == 0 ? "direct_debit.payment_failed" : "events.mandates.debit.failed");
            keys.add(eventId(event));
            ok += post(event).statusCode() == 200 ? 1 : 0;
        }
        awaitInboxSettled();
        await().atMost(Duration.ofSeconds(30)).until(() ->
                db.count("SELECT count(*) FROM alerts WHERE attempts > 0 AND sent_at IS NULL") >= 1);
        // A few more send attempts against the closed port before it opens again.
        await().atMost(Duration.ofSeconds(30)).until(() ->
                db.count("SELECT count(*) FROM alerts WHERE attempts > 1 AND sent_at IS NULL") >= 1);
        long failedSends = db.count("SELECT count(*) FROM alerts WHERE attempts > 0 AND sent_at IS NULL");
        startSmtp();
        // An alert is marked sent once its mail was taken; with none left unsent, no copy can follow.
        await().atMost(Duration.ofSeconds(60)).until(() -> db.count("SELECT count(*) FROM alerts WHERE sent_at IS NULL") == 0);

        List<String> mail = allMail();
        List<Integer> copies = keys.stream().map(k -> (int) mail.stream().filter(m -> m.contains(k)).count()).toList();
        Figures figures = window.close("3. SMTP outage: alerts raised while SMTP is down", keys.size(), ok, keys,
                failedSends + " alerts failed to send while down; copies per alert after it returned " + summarize(copies));
        try {
            assertEquals(20, ok);
            assertTrue(copies.stream().allMatch(c -> c == 1), "each alert arrived exactly once: " + copies);
            assertEquals(0, figures.lost());
        } finally {
            REPORT.add(figures);
        }
    }

    @Test
    @Order(4)
    void redeliveryStorm() throws Exception {
        Window window = Window.open();
        SampleEvents samples = new SampleEvents(new Random(3));
        List<String> deliveries = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            String event = samples.next(i % 2 == 0 ? "direct_debit.payment_successful" : "events.mandates.debit.failed");
            keys.add(eventId(event));
            deliveries.addAll(List.of(event, event, event));
        }
        Collections.shuffle(deliveries, new Random(5));
        ExecutorService senders = Executors.newFixedThreadPool(12);
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        for (String event : deliveries) {
            answers.add(senders.submit(() -> post(event)));
        }
        int ok = 0;
        int received = 0;
        for (Future<HttpResponse<String>> answer : answers) {
            HttpResponse<String> r = answer.get(60, TimeUnit.SECONDS);
            ok += r.statusCode() == 200 ? 1 : 0;
            received += r.body().equals("{\"status\":\"received\"}") ? 1 : 0;
        }
        senders.shutdown();
        awaitInboxSettled();

        var ids = db.array(keys);
        long payments = db.count("SELECT count(*) FROM payment_status_history h JOIN webhook_events e ON e.id = h.inbox_event_id "
                + "WHERE e.event_id = ANY (?)", ids);
        long debits = db.count("SELECT count(*) FROM mandate_debits d JOIN webhook_events e ON e.id = d.last_inbox_event_id "
                + "WHERE e.event_id = ANY (?)", ids);
        Figures figures = window.close("4. redelivery storm: 150 events, each sent 3 times, 12 at once", deliveries.size(), ok, keys,
                received + " answered received, " + (ok - received) + " duplicate; applied: " + payments + " payments, "
                        + debits + " debits; " + db.count("SELECT count(*) FROM webhook_events WHERE event_id = ANY (?) AND attempts = 1", ids)
                        + " processed at the first attempt");
        try {
            assertEquals(450, ok);
            assertEquals(150, received);
            assertEquals(150, figures.stored());
            assertEquals(75, payments);
            assertEquals(75, debits);
            assertEquals(0, figures.lost());
        } finally {
            REPORT.add(figures);
        }
    }

    @Test
    @Order(5)
    void hostileInput() throws Exception {
        Window window = Window.open();
        List<HostileCorpus.Probe> probes = HostileCorpus.generate(new Random(42));
        int port = webhook.getPort();
        Map<Integer, Long> statuses = new java.util.TreeMap<>();
        List<String> problems = new ArrayList<>();
        int receivedAnswers = 0;
        for (HostileCorpus.Probe probe : probes) {
            String answer = HostileCorpus.send(port, probe.request());
            int status = HostileCorpus.status(answer);
            statuses.merge(status, 1L, Long::sum);
            if (status >= 500) {
                problems.add(probe.name() + " got " + status);
            }
            if (answer.contains(RunningGateway.SECRET)) {
                problems.add(probe.name() + " echoed the secret");
            }
            if (!probe.authenticated() && status >= 200 && status < 400) {
                problems.add(probe.name() + " is unauthenticated but got " + status);
            }
            if (status == 200 && answer.contains("{\"status\":\"received\"}")) {
                receivedAnswers++;
            }
        }
        boolean alive = gateway.isAlive();
        String after = new SampleEvents(new Random(43)).next("direct_debit.payment_successful");
        int afterStatus = post(after).statusCode();
        awaitInboxSettled();
        long unauthenticatedRows = db.count("SELECT count(*) FROM webhook_events WHERE body LIKE '%UNAUTH-MARKER%'");
        boolean tablesIntact = db.count("SELECT count(*) FROM pg_tables WHERE tablename IN ('webhook_events', 'payments', 'accounts')") == 3;
        String afterState = (String) db.row("SELECT status FROM webhook_events WHERE event_id = ?", eventId(after)).get("status");

        Figures figures = window.close("5. hostile input: " + probes.size() + " generated requests", probes.size(), receivedAnswers, null,
                "answers " + statuses + " (-1 = connection closed without an answer); the 200s are authenticated, well-formed events "
                        + "with odd content, stored verbatim; rows from unauthenticated requests " + unauthenticatedRows
                        + "; secret echoed " + problems.stream().filter(p -> p.contains("echoed")).count()
                        + "; alive afterwards " + alive + ", a normal event afterwards " + afterStatus + " and " + afterState);
        try {
            assertTrue(probes.size() >= 1_000);
            assertTrue(problems.isEmpty(), problems.toString());
            assertEquals(0, unauthenticatedRows);
            assertTrue(alive && tablesIntact);
            assertEquals(200, afterStatus);
            assertEquals("processed", afterState);
            assertEquals(receivedAnswers, figures.stored() - 1, "every received answer is a stored row (plus the normal event)");
            assertEquals(0, figures.lost());
        } finally {
            REPORT.add(figures);
        }
    }

    @Test
    @Order(6)
    void secretTiming() {
        String secret = RunningGateway.SECRET;
        int half = secret.length() / 2;
        String[] candidates = {"X" + secret.substring(1), secret.substring(0, half) + "X".repeat(secret.length() - half),
            secret.substring(0, secret.length() - 1) + "X"};
        int rounds = 400;
        long[][] samples = new long[candidates.length][rounds];
        for (int warm = 0; warm < 300; warm++) {
            postWithSecret(candidates[warm % candidates.length]);
        }
        for (int i = 0; i < rounds; i++) {
            for (int c = 0; c < candidates.length; c++) { // interleaved, so drift hits every candidate alike
                long start = System.nanoTime();
                int status = postWithSecret(candidates[c]);
                samples[c][i] = System.nanoTime() - start;
                assertEquals(401, status);
            }
        }
        long[] medians = new long[candidates.length];
        for (int c = 0; c < candidates.length; c++) {
            Arrays.sort(samples[c]);
            medians[c] = samples[c][rounds / 2] / 1_000;
        }
        long min = Arrays.stream(medians).min().orElseThrow();
        long max = Arrays.stream(medians).max().orElseThrow();
        REPORT.add(new Figures("6. timing: wrong secret, " + rounds + " requests per kind", (long) rounds * candidates.length, 0, 0, 0, 0, 0, 0,
                "median answer in µs with 0 / " + half + " / " + (secret.length() - 1) + " leading characters right: "
                        + medians[0] + " / " + medians[1] + " / " + medians[2] + " (spread " + (max - min) + " µs)"));
        // A coarse bound: a nanosecond difference cannot show through millisecond requests (SecretMatcherTest shows the
        // comparison itself); this catches a gross one, such as a lookup or a sleep that depends on the secret.
        assertTrue(max - min < 5_000, "median time to refuse differs by 5 ms or more with the matching prefix: "
                + Arrays.toString(medians));
    }

    // ---- machinery -------------------------------------------------------------------------------

    /** What the database and the mailbox held when a scenario began, so its figures count only its own. */
    private record Window(long lastInboxId, int mailsBefore) {

        static Window open() {
            return new Window(db.count("SELECT coalesce(max(id), 0) FROM webhook_events"), deliveredMail.size() + current().length);
        }

        /**
         * Figures since the window opened. Lost: events answered 200 (by event id when known, else every
         * row stored in the window) that are not stored, or not processed, ignored or dead-lettered.
         */
        Figures close(String scenario, long sent, long ok, Collection<String> acceptedIds, String notes) {
            long stored = db.count("SELECT count(*) FROM webhook_events WHERE id > ?", lastInboxId);
            long processed = db.count("SELECT count(*) FROM webhook_events WHERE id > ? AND status IN ('processed', 'ignored')", lastInboxId);
            long deadLetters = db.count("SELECT count(*) FROM dead_letters WHERE webhook_event_id > ?", lastInboxId);
            long settled = acceptedIds == null ? processed + deadLetters
                    : db.count("SELECT count(*) FROM webhook_events e WHERE e.event_id = ANY (?) AND (e.status IN ('processed', 'ignored') "
                            + "OR EXISTS (SELECT 1 FROM dead_letters d WHERE d.webhook_event_id = e.id))", db.array(acceptedIds));
            long expected = acceptedIds == null ? stored : new java.util.HashSet<>(acceptedIds).size();
            int emails = deliveredMail.size() + current().length - mailsBefore;
            return new Figures(scenario, sent, ok, stored, processed, deadLetters, emails, expected - settled, notes);
        }
    }

    record Figures(String scenario, long sent, long ok, long stored, long processed, long deadLetters, long emails, long lost, String notes) {
    }

    /** Every message delivered so far, to this SMTP server and the ones stopped before it. */
    private static List<String> allMail() {
        List<String> all = new ArrayList<>(deliveredMail);
        for (MimeMessage m : current()) {
            all.add(GreenMailUtil.getWholeMessage(m));
        }
        return all;
    }

    private static MimeMessage[] current() {
        return smtp.isRunning() ? smtp.getReceivedMessages() : new MimeMessage[0];
    }

    private static void startSmtp() {
        if (smtp != null) {
            for (MimeMessage m : smtp.getReceivedMessages()) {
                deliveredMail.add(GreenMailUtil.getWholeMessage(m));
            }
        }
        smtp = new GreenMail(new ServerSetup(smtpPort, "127.0.0.1", "smtp"));
        smtp.start();
    }

    private static void startGateway() throws IOException {
        gateway = GatewayProcess.startJar(env, "resilience-gateway-" + starts++);
        GatewayProcess.awaitUp(webhook);
    }

    /** Waits until nothing is left to process or retry: no received rows and, while SMTP is up, no unsent alerts. */
    private static void awaitInboxSettled() {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() ->
                db.count("SELECT count(*) FROM webhook_events WHERE status = 'received'") == 0
                        && (!smtp.isRunning() || db.count("SELECT count(*) FROM alerts WHERE sent_at IS NULL") == 0));
    }

    private static HttpResponse<String> post(String event) {
        return RunningGateway.send(HttpRequest.newBuilder(webhook).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").header("mono-webhook-secret", RunningGateway.SECRET)
                .POST(HttpRequest.BodyPublishers.ofString(event)).build());
    }

    private static int postWithSecret(String secret) {
        return RunningGateway.send(HttpRequest.newBuilder(webhook).header("mono-webhook-secret", secret)
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build()).statusCode();
    }

    private static String eventId(String event) {
        return event.replaceAll(".*\"event_id\":\"([^\"]+)\".*", "$1");
    }

    private static Map<Integer, Long> minus(Map<Integer, Long> now, Map<Integer, Long> before) {
        Map<Integer, Long> diff = new java.util.TreeMap<>();
        now.forEach((status, n) -> {
            long d = n - before.getOrDefault(status, 0L);
            if (d > 0) {
                diff.put(status, d);
            }
        });
        return diff;
    }

    private static String summarize(List<Integer> copies) {
        Map<Integer, Long> histogram = new java.util.TreeMap<>();
        copies.forEach(c -> histogram.merge(c, 1L, Long::sum));
        return histogram.toString().replace("=", " copy: ") + " alerts";
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var paths = Files.walk(dir)) {
                paths.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Polls readiness every 100 ms from the moment it is made: when it went down, when it came back. */
    private static final class ReadinessWatch implements AutoCloseable {
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicLong firstNotReady = new AtomicLong();
        private final AtomicLong lastReady = new AtomicLong();
        private final Thread thread;

        ReadinessWatch() {
            thread = new Thread(() -> {
                while (!stop.get()) {
                    long now = System.nanoTime();
                    int status;
                    try {
                        status = HTTP.send(HttpRequest.newBuilder(readiness).timeout(Duration.ofSeconds(2)).build(),
                                HttpResponse.BodyHandlers.discarding()).statusCode();
                    } catch (Exception e) {
                        status = -1;
                    }
                    if (status == 200) {
                        lastReady.set(now);
                    } else {
                        firstNotReady.compareAndSet(0, now);
                    }
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "readiness-watch");
            thread.start();
        }

        boolean sawNotReady() {
            return firstNotReady.get() != 0;
        }

        long millisUntilNotReady(long since) {
            return (firstNotReady.get() - since) / 1_000_000;
        }

        /** Waits (up to 60 s) for readiness to come back; answers the milliseconds it took, or -1. */
        long millisUntilReady() throws InterruptedException {
            long since = System.nanoTime();
            long deadline = since + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                if (lastReady.get() - since > 0) {
                    return (lastReady.get() - since) / 1_000_000;
                }
                Thread.sleep(50);
            }
            return -1;
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join(5_000);
        }
    }
}
