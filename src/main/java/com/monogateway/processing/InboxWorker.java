package com.monogateway.processing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.monogateway.database.TransactionalDataSource;
import com.monogateway.database.Transactions;
import com.monogateway.database.TransientFailures;
import com.monogateway.failure.DeadLetters;
import com.monogateway.event.EventSubject;
import com.monogateway.event.MonoEnvelope;
import com.monogateway.event.EventMap;
import com.monogateway.event.EventSet;
import com.monogateway.event.MonoFamily;
import com.monogateway.operations.GatewayMetrics;
import com.monogateway.tracing.Tracing;
import com.monogateway.vocabulary.Vocabulary;
import io.opentelemetry.api.trace.SpanKind;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import javax.sql.DataSource;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.DefaultExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes events out of the inbox and sends each through the processing routes, at least once.
 *
 * <p>Events are claimed in batches from the waiting queue ({@code inbox_waiting}) with
 * {@code SELECT ... FOR UPDATE SKIP LOCKED} (the inbox rows themselves are not locked, so the
 * handlers' rows may still reference them), so several workers and several gateway instances
 * on one database never work on the same event at once. The claiming transaction is also the one the
 * YAML routes write in ({@link TransactionalDataSource}): an event's domain rows and its inbox status
 * commit together, and a batch shares one commit. The events of a batch are applied in sets, one statement per
 * handler and set (see {@link #sets}), without error handling and without a savepoint each (a savepoint costs two
 * round trips); if one fails, the batch's writes are rolled back to a savepoint taken after the claim, and the batch is
 * redone one event per savepoint (sets of one) through the Dead Letter Channel, so a failing event is retried and
 * rolled back alone. A batch cut short (crash, database outage) leaves its events {@code received} and
 * they are claimed again later; domain writes are idempotent, so that repetition is harmless.
 */
public final class InboxWorker {

    private static final Logger LOG = LoggerFactory.getLogger(InboxWorker.class);
    private static final String STARTED = "MonoProcessingStarted";
    private static final int MAX_ABANDONED_IN_A_ROW = 3;

    // Claimed by object: one object's (payment's, mandate's, account's) events are never applied in two batches
    // at once, by this gateway's workers or another instance's, so they are applied and queued for delivery in
    // inbox order, and two batches never update the same rows in opposite orders (the deadlocks that used to
    // reorder them). The queue rows are locked first (SKIP LOCKED: another batch's are passed over), then read by
    // primary key (as a join the planner at times walked the whole inbox); an object one of whose earlier events
    // waits outside this batch (another batch holds it, before this batch's events of it or between them) is
    // left for later, all its events of this batch with it.
    private static final String CLAIM = """
            SELECT w.id, w.event_type, w.event_id, w.dedupe_key, w.body, w.live_mode, w.received_at, w.source, w.object_key,
                   w.trace_parent, w.reference
            FROM webhook_events w
            WHERE w.id = ANY (ARRAY(SELECT id FROM inbox_waiting WHERE id > ? ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED))
            ORDER BY w.id""";
    // Per object of the batch, is an event of it older than its last one in the batch still waiting outside the
    // batch (held by another batch, or not yet committed as done by one)? Before the batch's first one, or in a
    // gap: SKIP LOCKED leaves out rows another worker holds, so a batch can hold a payment's events 1 and 3
    // while another holds 2. Answered from the waiting queue alone (V11), not the object's whole history: per object,
    // its oldest waiting event outside the batch, one probe of the (object_key, id) index. As an EXISTS, PostgreSQL
    // often hashed the whole queue instead (a queue of a few hundred live rows looks small while its pages hold the
    // dead ones): 4-5 ms a batch, a third of PostgreSQL's time per event at full speed (docs/benchmarks.md).
    private static final String HELD_ELSEWHERE = """
            SELECT o.k FROM unnest(CAST(? AS text[]), CAST(? AS bigint[])) AS o(k, last)
            WHERE (SELECT min(q.id) FROM inbox_waiting q
                   WHERE q.object_key = o.k AND q.id <> ALL (CAST(? AS bigint[]))) < o.last""";
    /** The dead letters' failing_route for an event that could not be read. */
    private static final String READING = "mono-process via reading the stored event";

    // One statement for the whole batch (arrays of the outcomes), not one per event: events done leave the
    // waiting queue, every event's inbox row gets its outcome. That update changes no indexed column
    // (object_key and reference were written at ingest; only rows stored before V9 get them here), so it is
    // a HOT update. processed_at is when the event was applied, not when its batch began (now()): the event
    // log's processing time and the benchmark's lag are read from it.
    private static final String FINISH = """
            WITH done AS (DELETE FROM inbox_waiting WHERE id = ANY (?::bigint[]))
            UPDATE webhook_events w SET status = u.status, status_reason = u.reason, last_error = u.error,
                   attempts = w.attempts + 1, processed_at = CASE WHEN u.done THEN clock_timestamp() END,
                   object_key = COALESCE(u.object_key, w.object_key), reference = COALESCE(u.reference, w.reference)
            FROM unnest(?::bigint[], ?::text[], ?::text[], ?::text[], ?::boolean[], ?::text[], ?::text[])
                 AS u(id, status, reason, error, done, object_key, reference)
            WHERE w.id = u.id""";

    /** objectKey, reference: as ingest wrote them; null for rows stored before V9 (then read from the event). */
    private record InboxRow(long id, String eventType, String eventId, String dedupeKey, String body, Boolean liveMode,
            OffsetDateTime receivedAt, String source, String traceparent, String objectKey, String reference) {
    }

    /** objectKey, reference: what the event is about, for the event log's search (null when not applied). */
    private record Outcome(String status, String reason, String error, String objectKey, String reference) {

        Outcome(String status, String reason, String error) {
            this(status, reason, error, null, null);
        }

        boolean retryLater() {
            return status.equals("received");
        }

        boolean applied() {
            return status.equals("processed") || status.equals("ignored");
        }
    }

    /** The savepoint of the event being processed on this thread, so a redelivery can start clean. */
    private final ThreadLocal<Savepoint> savepoint = new ThreadLocal<>();
    private final ThreadLocal<Connection> batchConnection = new ThreadLocal<>();

    private final DataSource pool;
    private final TransactionalDataSource routesDataSource;
    private final ProducerTemplate template;
    private final ObjectMapper mapper;
    private final int batchSize;
    private final GatewayMetrics metrics;
    private final Set<String> typesReportedUnhandled = ConcurrentHashMap.newKeySet();
    private final BooleanSupplier webhooksArriving;
    /** Told after a batch committed (its deliveries can be sent now). */
    private final Runnable committed;
    /** Turns to run a batch while webhooks arrive: a bounded share of the CPU for processing, so answers stay fast. */
    private final Semaphore turnsUnderLoad;
    /** Above this lag every worker runs, webhooks arriving or not: processing must keep up, not only answering. */
    private final long lagTargetMs;
    /** How long ago the last event applied was received: the lag processing runs at. */
    private volatile long lastLagMs;
    private final DeadLetters deadLetters;

    /** A stored event that cannot be parsed back; it is dead-lettered like any event that fails. */
    public static final class UnreadableEventException extends Exception {
        UnreadableEventException(Exception cause) {
            super("the stored event cannot be read: " + TransientFailures.describe(cause), cause);
        }
    }

    private final BatchOutbox outbox;
    private final Tracing tracing;

    public InboxWorker(DataSource pool, TransactionalDataSource routesDataSource, ProducerTemplate template, ObjectMapper mapper,
            DeadLetters deadLetters, int batchSize, GatewayMetrics metrics, BooleanSupplier webhooksArriving, int workersUnderLoad,
            long lagTargetMs, Runnable committed, BatchOutbox outbox, Tracing tracing) {
        this.outbox = outbox;
        this.tracing = tracing;
        this.lagTargetMs = lagTargetMs;
        this.deadLetters = deadLetters;
        this.webhooksArriving = webhooksArriving;
        this.turnsUnderLoad = new Semaphore(workersUnderLoad, true);
        this.committed = committed;
        this.pool = pool;
        this.routesDataSource = routesDataSource;
        this.template = template;
        this.mapper = MonoEnvelope.storedEventReader(mapper);
        this.batchSize = batchSize;
        this.metrics = metrics;
    }

    BatchOutbox outbox() {
        return outbox;
    }

    /**
     * Processes every event waiting in the inbox that no other worker holds, a batch per transaction;
     * answers how many it saw. Called when new events arrive and by the periodic sweep.
     */
    public int drain() throws SQLException {
        int seen = 0;
        long after = 0;
        int abandoned = 0;
        while (true) {
            long from = after;
            List<InboxRow> rows;
            boolean turn = takeTurnUnderLoad();
            try {
                rows = Transactions.inTransaction(pool, c -> processBatch(c, from));
            } catch (BatchAbandoned e) {
                // Usually a deadlock with another worker's batch: ours let go of its locks, so the other
                // finishes; after a short pause ours is claimed again. If it keeps happening, the sweep retries.
                if (++abandoned > MAX_ABANDONED_IN_A_ROW) {
                    LOG.warn("{}; left in the inbox for the next sweep", e.getMessage());
                    return seen;
                }
                LOG.info("{}; claiming it again", e.getMessage());
                pause(20L + ThreadLocalRandom.current().nextLong(100L * abandoned));
                continue;
            } finally {
                if (turn) {
                    turnsUnderLoad.release();
                }
            }
            abandoned = 0;
            if (rows.isEmpty()) {
                return seen;
            }
            committed.run();
            lastLagMs = Duration.between(rows.get(rows.size() - 1).receivedAt(), OffsetDateTime.now()).toMillis();
            seen += rows.size();
            after = rows.get(rows.size() - 1).id();
        }
    }

    /**
     * While webhooks arrive, at most {@code mono.processing.workers-under-load} batches run at once (one by
     * default): processing always goes on, at a bounded share of the two cores, the disk and PostgreSQL's
     * WAL, and answers stay fast. When the webhook port is quiet every worker runs. A fixed share, not a
     * rate threshold: a rate threshold can hold itself below the rate it watches. When the events applied were received more
     * than {@code mono.processing.lag-target} ago, every worker runs until the lag is back under it: more
     * processing lowers the lag, so this settles instead of locking itself in. Answers true when this
     * worker holds a turn and must give it back after its batch.
     */
    private boolean takeTurnUnderLoad() {
        if (!webhooksArriving.getAsBoolean() || lastLagMs > lagTargetMs) {
            return false;
        }
        turnsUnderLoad.acquireUninterruptibly();
        return true;
    }

    /** Thrown to roll back a whole batch when an event met a failure that only a new transaction can get past. */
    private static final class BatchAbandoned extends RuntimeException {
        BatchAbandoned(InboxRow row, Exception cause) {
            super("Batch rolled back at " + row.eventType() + " event " + row.dedupeKey() + " (#" + row.id() + "): "
                    + TransientFailures.describe(cause), cause, false, false);
        }
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Undoes what a failed attempt wrote, before the Dead Letter Channel tries the event again. */
    public void rollbackAttempt() throws SQLException {
        Connection c = batchConnection.get();
        Savepoint sp = savepoint.get();
        if (c != null && sp != null) {
            c.rollback(sp);
            savepoint.set(c.setSavepoint());
        }
    }

    private List<InboxRow> processBatch(Connection c, long after) throws SQLException {
        List<InboxRow> rows = claim(c, after);
        if (rows.isEmpty()) {
            return rows;
        }
        List<Outcome> outcomes;
        batchConnection.set(c);
        routesDataSource.bind(c);
        boolean written = false;
        try {
            outcomes = applyAllOrNone(c, rows);
            if (outcomes == null) {
                outcomes = new ArrayList<>(rows.size());
                for (InboxRow row : rows) {
                    outcomes.add(processInSavepoint(c, row));
                }
            }
            List<Long> applied = new ArrayList<>(rows.size());
            for (int i = 0; i < rows.size(); i++) {
                if (outcomes.get(i).applied()) {
                    applied.add(rows.get(i).id());
                }
            }
            outbox.write(c, applied);
            written = true;
        } finally {
            if (!written) {
                outbox.forgetAll(); // the batch's writes are rolled back with its transaction
            }
            routesDataSource.unbind();
            batchConnection.remove();
        }
        int n = rows.size();
        Long[] ids = new Long[n];
        String[] statuses = new String[n];
        String[] reasons = new String[n];
        String[] errors = new String[n];
        Boolean[] done = new Boolean[n];
        String[] objectKeys = new String[n];
        String[] references = new String[n];
        for (int i = 0; i < n; i++) {
            Outcome outcome = outcomes.get(i);
            ids[i] = rows.get(i).id();
            statuses[i] = outcome.status();
            reasons[i] = outcome.reason();
            errors[i] = outcome.error();
            done[i] = !outcome.retryLater();
            objectKeys[i] = outcome.objectKey();
            references[i] = outcome.reference();
        }
        List<Long> doneIds = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            if (done[i]) {
                doneIds.add(ids[i]);
            }
        }
        try (PreparedStatement ps = c.prepareStatement(FINISH)) {
            ps.setArray(1, c.createArrayOf("bigint", doneIds.toArray()));
            ps.setArray(2, c.createArrayOf("bigint", ids));
            ps.setArray(3, c.createArrayOf("text", statuses));
            ps.setArray(4, c.createArrayOf("text", reasons));
            ps.setArray(5, c.createArrayOf("text", errors));
            ps.setArray(6, c.createArrayOf("boolean", done));
            ps.setArray(7, c.createArrayOf("text", objectKeys));
            ps.setArray(8, c.createArrayOf("text", references));
            ps.executeUpdate();
        }
        for (int i = 0; i < rows.size(); i++) {
            count(rows.get(i), outcomes.get(i));
        }
        return rows;
    }

    /** One claimed event, read: its inbox row, its exchange, and the rows its handler writes by key (see {@link #sets}). */
    private record Event(InboxRow row, Exchange exchange, List<String> keys) {
    }

    /** What a set holds alike: the headers the router reads. */
    private record SetKey(String type, Boolean liveMode, String source) {
    }

    /**
     * The keys of what an event's handler upserts, which no set may hold twice: the object it is about (payment,
     * mandate, account: the key its deliveries are ordered by) and, for a mandate debit, its reference number (the
     * debits table's key; its object is the mandate).
     */
    private static List<String> keysOf(InboxRow row, Exchange exchange) {
        List<String> keys = new ArrayList<>(2);
        String object = objectKey(row, exchange);
        if (object != null) {
            keys.add(object);
        }
        if (MonoFamily.of(row.eventType()) == MonoFamily.MANDATE_DEBIT) {
            String debit = reference(row, exchange);
            if (debit != null) {
                keys.add("debit " + debit);
            }
        }
        return keys;
    }

    /**
     * The batch's events as the sets to apply, in order. An event goes in the round after the last one that holds
     * an event with one of its keys (events without keys in the first), so round k holds each object's k-th event
     * of the batch: a set never holds two events of one object, and an object's events are applied in inbox order,
     * one round after the other. The result is the one-by-one result, with no rule of which event wins to get
     * wrong. A round's events are grouped by type, live mode and source, in order of first arrival. Different
     * objects' writes in one round must not depend on each other's order: the shipped handlers share only account
     * rows, whose details payments fill where empty and account events set, which commutes (docs/routes.md).
     */
    static <E> List<List<E>> sets(List<E> events, Function<E, List<String>> keys, Function<E, Object> setKey) {
        Map<String, Integer> nextRound = new HashMap<>();
        List<Map<Object, List<E>>> rounds = new ArrayList<>();
        for (E event : events) {
            List<String> eventKeys = keys.apply(event);
            int round = 0;
            for (String key : eventKeys) {
                round = Math.max(round, nextRound.getOrDefault(key, 0));
            }
            for (String key : eventKeys) {
                nextRound.put(key, round + 1);
            }
            while (rounds.size() <= round) {
                rounds.add(new LinkedHashMap<>());
            }
            rounds.get(round).computeIfAbsent(setKey.apply(event), k -> new ArrayList<>()).add(event);
        }
        List<List<E>> sets = new ArrayList<>();
        rounds.forEach(round -> sets.addAll(round.values()));
        return sets;
    }

    /**
     * The usual case: the batch's events in sets (see {@link #sets}), each set through the routes once, with no
     * error handling and no savepoint of its own. Answers null when one fails: then the writes of the whole batch
     * are rolled back (the claim's row locks stay) and the caller redoes it one event at a time.
     */
    private List<Outcome> applyAllOrNone(Connection c, List<InboxRow> rows) throws SQLException {
        List<Event> events = new ArrayList<>(rows.size());
        for (InboxRow row : rows) {
            try {
                Exchange exchange = exchangeFor(row);
                events.add(new Event(row, exchange, keysOf(row, exchange)));
            } catch (UnreadableEventException e) {
                LOG.info("{} event {} (#{}) cannot be read; processing its batch of {} one event at a time", row.eventType(),
                        row.dedupeKey(), row.id(), rows.size());
                return null;
            }
        }
        Savepoint afterClaim = c.setSavepoint();
        Map<Long, Outcome> outcomes = new HashMap<>();
        List<Runnable> logLines = new ArrayList<>(rows.size()); // logged once the batch stands, not before a redo
        for (List<Event> set : sets(events, Event::keys, event -> new SetKey(event.row().eventType(),
                event.row().liveMode(), event.row().source()))) {
            Exception failure = applySet(set, outcomes, logLines);
            if (failure != null && TransientFailures.needsNewTransaction(failure)) {
                throw new BatchAbandoned(set.get(0).row(), failure);
            }
            if (failure != null) {
                c.rollback(afterClaim);
                outbox.forgetAll();
                InboxRow first = set.get(0).row();
                LOG.info("A set of {} {} event(s) from {} (#{}) failed ({}); processing its batch of {} again one event at a time,"
                        + " with retries", set.size(), first.eventType(), first.dedupeKey(), first.id(),
                        TransientFailures.describe(failure), rows.size());
                return null;
            }
        }
        c.releaseSavepoint(afterClaim);
        logLines.forEach(Runnable::run);
        List<Outcome> inOrder = new ArrayList<>(rows.size());
        for (InboxRow row : rows) {
            inOrder.add(outcomes.get(row.id()));
        }
        return inOrder;
    }

    /** One set through the routes without error handling: its events' outcomes, or what failed. */
    private Exception applySet(List<Event> set, Map<Long, Outcome> outcomes, List<Runnable> logLines) {
        List<Tracing.Traced> spans = new ArrayList<>(set.size());
        boolean single = set.size() == 1;
        if (single) {
            Vocabulary.nameEventInLogs(set.get(0).row().eventType(), set.get(0).row().eventId(), set.get(0).row().dedupeKey());
        }
        try {
            List<Exchange> exchanges = new ArrayList<>(set.size());
            long started = System.nanoTime();
            for (Event event : set) {
                spans.add(applying(event.row())); // each event's own span, in its own trace, around the set
                event.exchange().setProperty(STARTED, started);
                exchanges.add(event.exchange());
            }
            Exchange setExchange = EventSet.of(exchanges);
            template.send(ProcessingRoutes.PROCESS_OR_FAIL, setExchange);
            Exception failure = ProcessingRoutes.caught(setExchange);
            for (int i = 0; i < set.size(); i++) {
                Event event = set.get(i);
                Tracing.Traced span = spans.get(i);
                if (failure != null) {
                    span.failed(TransientFailures.describe(failure) + " (its batch is applied again)");
                    continue;
                }
                Vocabulary.nameEventInLogs(event.row().eventType(), event.row().eventId(), event.row().dedupeKey());
                span.nameInLogs();
                outcomes.put(event.row().id(), traced(span, appliedOutcome(event.row(), event.exchange(),
                        line -> logLines.add(laterWithThisLogContext(line)))));
            }
            return failure;
        } finally {
            for (int i = spans.size() - 1; i >= 0; i--) {
                spans.get(i).close(); // in reverse: each restores the log names it found
            }
            Vocabulary.forgetEventInLogs();
        }
    }

    private Outcome processInSavepoint(Connection c, InboxRow row) throws SQLException {
        Vocabulary.nameEventInLogs(row.eventType(), row.eventId(), row.dedupeKey());
        savepoint.set(c.setSavepoint());
        try (Tracing.Traced span = applying(row)) {
            Outcome outcome = traced(span, apply(row));
            if (outcome.applied()) {
                c.releaseSavepoint(savepoint.get());
            } else {
                c.rollback(savepoint.get()); // nothing half-written stays behind a failed event
            }
            return outcome;
        } finally {
            savepoint.remove();
            Vocabulary.forgetEventInLogs();
        }
    }

    /** A log line written later (once its batch stands), still with its event's keys and span. */
    private static Runnable laterWithThisLogContext(Runnable line) {
        Map<String, String> copy = org.slf4j.MDC.getCopyOfContextMap();
        Map<String, String> names = copy == null ? Map.of() : copy;
        return () -> {
            Map<String, String> outer = org.slf4j.MDC.getCopyOfContextMap();
            org.slf4j.MDC.setContextMap(names);
            try {
                line.run();
            } finally {
                org.slf4j.MDC.setContextMap(outer == null ? Map.of() : outer);
            }
        };
    }

    /** The span of applying one event, in the trace of the request that brought it. */
    private Tracing.Traced applying(InboxRow row) {
        return tracing.continueTrace("apply " + row.eventType(), SpanKind.INTERNAL, row.traceparent())
                .set(Tracing.EVENT_TYPE, row.eventType()).set(Tracing.DEDUPE_KEY, row.dedupeKey()).set(Tracing.INBOX_ID, row.id());
    }

    private static Outcome traced(Tracing.Traced span, Outcome outcome) {
        span.set("mono.outcome", outcome.status());
        if (outcome.reason() != null) {
            span.set("mono.outcome_reason", outcome.reason());
        }
        if (!outcome.applied()) {
            span.failed(outcome.error());
        }
        return outcome;
    }

    private void count(InboxRow row, Outcome outcome) {
        switch (outcome.status()) {
            case "processed", "ignored" -> {
                metrics.event(row.eventType(), outcome.status());
                metrics.processed(row.eventType(), row.receivedAt());
            }
            case "failed" -> {
                metrics.event(row.eventType(), GatewayMetrics.FAILED);
                metrics.event(row.eventType(), GatewayMetrics.DEAD_LETTERED);
            }
            default -> metrics.event(row.eventType(), GatewayMetrics.FAILED); // stays waiting for the sweep
        }
    }

    /** One event through the Dead Letter Channel entry: redelivered, then dead-lettered if it keeps failing. */
    private Outcome apply(InboxRow row) {
        Exchange exchange;
        try {
            exchange = exchangeFor(row);
        } catch (UnreadableEventException e) {
            return deadLetterUnreadable(row, e);
        }
        exchange.setProperty(STARTED, System.nanoTime());
        Exchange set = EventSet.of(List.of(exchange)); // the same routes, a set of one
        template.send(ProcessingRoutes.PROCESS, set);

        // The Dead Letter Channel handles what the routes throw; only a recorded dead letter makes the
        // event failed. Anything else that went wrong (the database away) leaves it for the sweep.
        Exception caught = ProcessingRoutes.caught(set);
        if (caught != null) {
            Long deadLetter = set.getProperty(DeadLetters.DEAD_LETTER_ID, Long.class);
            String error = TransientFailures.describe(caught);
            if (deadLetter != null) {
                LOG.error("Processing {} event {} (#{}) failed, moved to dead letter #{}: {}",
                        row.eventType(), row.dedupeKey(), row.id(), deadLetter, error);
                return new Outcome("failed", null, error);
            }
            if (TransientFailures.needsNewTransaction(caught)) {
                throw new BatchAbandoned(row, caught);
            }
            LOG.warn("Could not process {} event {} (#{}) for now, it stays in the inbox for the next sweep: {}",
                    row.eventType(), row.dedupeKey(), row.id(), error);
            return new Outcome("received", null, error);
        }
        return appliedOutcome(row, exchange, Runnable::run);
    }

    /**
     * Reading is not retried (it would fail the same way); the event goes straight to the dead-letter
     * store, with its alert, where it can be replayed once the reader is fixed, or discarded.
     */
    private Outcome deadLetterUnreadable(InboxRow row, UnreadableEventException unreadable) {
        String error = TransientFailures.describe(unreadable);
        try {
            long deadLetter = deadLetters.record(new DeadLetters.Failure(row.id(), row.eventType(), row.dedupeKey(), row.body(),
                    null, READING, unreadable, 1));
            LOG.error("Stored {} event {} (#{}) cannot be read, moved to dead letter #{}: {}", row.eventType(), row.dedupeKey(),
                    row.id(), deadLetter, error, unreadable);
            return new Outcome("failed", null, error);
        } catch (SQLException e) {
            LOG.warn("Stored {} event {} (#{}) cannot be read ({}) nor dead-lettered for now, it stays in the inbox for the next"
                    + " sweep: {}", row.eventType(), row.dedupeKey(), row.id(), error, TransientFailures.describe(e));
            return new Outcome("received", null, error);
        }
    }

    /** The exchange of one stored event (its set's exchange is what goes through the routes: {@link EventSet}). */
    private Exchange exchangeFor(InboxRow row) throws UnreadableEventException {
        Exchange exchange = new DefaultExchange(template.getCamelContext());
        try {
            JsonNode event = MonoEnvelope.eventNode(mapper.readTree(row.body()));
            var in = exchange.getIn();
            in.setHeader(Vocabulary.EVENT_TYPE, row.eventType());
            MonoFamily family = MonoFamily.of(row.eventType());
            if (family != null) {
                in.setHeader(Vocabulary.FAMILY, family.header);
            }
            in.setHeader(Vocabulary.DEDUPE_KEY, row.dedupeKey());
            in.setHeader(Vocabulary.INBOX_ID, row.id());
            in.setHeader(Vocabulary.RECEIVED_AT, row.receivedAt());
            in.setHeader(Vocabulary.SOURCE, row.source());
            if (row.eventId() != null) {
                in.setHeader(Vocabulary.EVENT_ID, row.eventId());
            }
            if (row.liveMode() != null) {
                in.setHeader(Vocabulary.LIVE_MODE, row.liveMode());
            }
            in.setBody(new EventMap(event, mapper));
            exchange.setProperty(Vocabulary.PAYLOAD, row.body());
            exchange.setProperty(Vocabulary.EVENT_JSON, event);
            return exchange;
        } catch (Exception e) {
            throw new UnreadableEventException(e);
        }
    }

    // Written at ingest from the same tree by the same rules; read from the event only for rows stored before V9.
    private static String objectKey(InboxRow row, Exchange exchange) {
        return row.objectKey() != null ? row.objectKey()
                : EventSubject.objectKey(row.eventType(), exchange.getProperty(Vocabulary.EVENT_JSON, JsonNode.class));
    }

    private static String reference(InboxRow row, Exchange exchange) {
        return row.objectKey() != null ? row.reference()
                : EventSubject.reference(row.eventType(), exchange.getProperty(Vocabulary.EVENT_JSON, JsonNode.class));
    }

    /** Processed, or ignored with its reason, as the routes decided; its log line goes to {@code log}. */
    private Outcome appliedOutcome(InboxRow row, Exchange exchange, java.util.function.Consumer<Runnable> log) {
        if ("ignored".equals(exchange.getProperty(Vocabulary.OUTCOME, String.class))) {
            String reason = exchange.getProperty(Vocabulary.OUTCOME_REASON, "ignored", String.class);
            if (!"no-handler".equals(reason)) {
                log.accept(() -> LOG.info("Ignored {} event {} (#{}): {}", row.eventType(), row.dedupeKey(), row.id(), reason));
            } else if (typesReportedUnhandled.add(row.eventType())) {
                LOG.info("No handler for {} events: stored and marked ignored (logged once per type)", row.eventType());
            }
            return new Outcome("ignored", reason, null, objectKey(row, exchange), reference(row, exchange));
        }
        long ms = (System.nanoTime() - exchange.getProperty(STARTED, Long.class)) / 1_000_000;
        log.accept(() -> LOG.info("Processed {} event {} (#{}) in {} ms", row.eventType(), row.dedupeKey(), row.id(), ms));
        return new Outcome("processed", null, null, objectKey(row, exchange), reference(row, exchange));
    }

    private List<InboxRow> claim(Connection c, long after) throws SQLException {
        List<InboxRow> rows = new ArrayList<>();
        Map<Long, String> objectOf = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(CLAIM)) {
            ps.setLong(1, after);
            ps.setInt(2, batchSize);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new InboxRow(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                            (Boolean) rs.getObject(6), rs.getObject(7, OffsetDateTime.class), rs.getString(8), rs.getString(10),
                            rs.getString(9), rs.getString(11)));
                    if (rs.getString(9) != null) {
                        objectOf.put(rs.getLong(1), rs.getString(9));
                    }
                }
            }
        }
        if (objectOf.isEmpty()) {
            return rows;
        }
        Map<String, Long> lastOf = new LinkedHashMap<>();
        for (InboxRow row : rows) {
            if (objectOf.containsKey(row.id())) {
                lastOf.put(objectOf.get(row.id()), row.id()); // rows come in id order: the last put is the last
            }
        }
        Set<String> heldElsewhere = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement(HELD_ELSEWHERE)) {
            ps.setArray(1, c.createArrayOf("text", lastOf.keySet().toArray()));
            ps.setArray(2, c.createArrayOf("bigint", lastOf.values().toArray()));
            ps.setArray(3, c.createArrayOf("bigint", objectOf.keySet().toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    heldElsewhere.add(rs.getString(1));
                }
            }
        }
        // Their queue rows stay locked by this batch until it ends, and waiting: they are claimed again after.
        rows.removeIf(row -> heldElsewhere.contains(objectOf.get(row.id())));
        return rows;
    }
}
