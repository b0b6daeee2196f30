package com.monogateway.ingest;

import com.monogateway.event.MonoEnvelope;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes accepted events into {@code webhook_events} and unusable authenticated bodies into
 * {@code rejected_events}. {@link #store} returns, and {@link #storeLater}'s result completes, only after PostgreSQL
 * has committed the row, so the caller may answer 200.
 *
 * <p>Group commit: concurrent requests are written together, one multi-row INSERT and one commit per
 * batch, by a few writer threads. A writer takes whatever is waiting the moment it is free, so a lone
 * event is written at once and a burst shares commits; nobody waits for a batch to fill.
 */
public final class Inbox implements AutoCloseable {

    /** What happened to an event offered to the inbox. */
    public record Stored(long id, boolean duplicate) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(Inbox.class);

    // Rows in dedupe-key order: two writers (or two gateways) inserting the same redelivered events in
    // different orders deadlocked on the unique index (seen with two instances on one database); in one
    // order the second waits and finds the first's row. Within a batch the requests were concurrent anyway.
    // Each new row is also queued in inbox_waiting (V9), and carries what it is about (object_key, reference)
    // from the start: the processing's status update then changes no indexed column and is a HOT update.
    private static final String INSERT_BATCH = """
            WITH stored AS (
              INSERT INTO webhook_events (event_type, event_id, dedupe_key, body, live_mode, object_key, reference, trace_parent)
              SELECT t, i, k, p, l, o, r, tp
              FROM unnest(CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[]), CAST(? AS boolean[]),
                          CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[])) AS u(t, i, k, p, l, o, r, tp)
              ORDER BY k
              ON CONFLICT (dedupe_key) DO NOTHING
              RETURNING id, dedupe_key, object_key),
            queued AS (INSERT INTO inbox_waiting (id, object_key) SELECT id, object_key FROM stored)
            SELECT id, dedupe_key FROM stored""";

    private static final String FIND_EVENTS = "SELECT id, dedupe_key FROM webhook_events WHERE dedupe_key = ANY (CAST(? AS text[]))";

    private static final String INSERT_REJECTED =
            "INSERT INTO rejected_events (reason, content_type, body) VALUES (?, ?, ?)";

    private record Pending(MonoEnvelope event, String traceparent, CompletableFuture<Stored> result) {
    }

    private final DataSource dataSource;
    private final BlockingQueue<Pending> queue;
    private final int maxBatch;
    private final long waitMs;
    private final List<Thread> writers = new ArrayList<>();
    private volatile boolean closed;

    /**
     * @param writers  threads (and so connections) writing batches
     * @param maxBatch most events in one INSERT
     * @param waitMs   longest a request waits for its commit before it fails (and is answered 503)
     */
    public Inbox(DataSource dataSource, int writers, int maxBatch, long waitMs) {
        this.dataSource = dataSource;
        this.maxBatch = maxBatch;
        this.waitMs = waitMs;
        this.queue = new ArrayBlockingQueue<>(writers * maxBatch * 4);
        for (int i = 0; i < writers; i++) {
            Thread writer = new Thread(this::writeBatches, "mono-inbox-writer-" + (i + 1));
            writer.setDaemon(true);
            writer.start();
            this.writers.add(writer);
        }
    }

    /**
     * Stores the event, waiting until it is committed (or the queue has room, when full).
     *
     * @param traceparent the trace of the request that brought the event (null: tracing is off)
     */
    public Stored store(MonoEnvelope event, String traceparent) throws SQLException {
        Pending pending = new Pending(event, traceparent, new CompletableFuture<>());
        try {
            if (closed || !queue.offer(pending, waitMs, TimeUnit.MILLISECONDS)) {
                throw notTaking();
            }
            return pending.result().get(waitMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw failure(e.getCause());
        } catch (TimeoutException e) {
            throw failure(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while storing the event", "08006", e);
        }
    }

    /**
     * Offers the event without waiting: the result completes on a writer thread once the row is committed, or fails
     * (see {@link #failure}). Null when the queue is full: the caller then waits its turn with {@link #store}, on a
     * thread that may wait.
     */
    public CompletableFuture<Stored> storeLater(MonoEnvelope event, String traceparent) {
        if (closed) {
            return CompletableFuture.failedFuture(notTaking());
        }
        Pending pending = new Pending(event, traceparent, new CompletableFuture<>());
        return queue.offer(pending) ? pending.result().orTimeout(waitMs, TimeUnit.MILLISECONDS) : null;
    }

    /** What a failed {@link #storeLater} (or store) means to the caller: always an SQLException, never a secret. */
    public SQLException failure(Throwable failure) {
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof SQLException sql) {
            return sql;
        }
        if (cause instanceof TimeoutException) {
            return new SQLException("the database did not commit the event within " + waitMs + " ms", "08006", cause);
        }
        return new SQLException("storing the event failed", "08006", cause);
    }

    private static SQLException notTaking() {
        return new SQLException("the inbox is not taking events now", "08006");
    }

    private void writeBatches() {
        List<Pending> batch = new ArrayList<>(maxBatch);
        while (!closed || !queue.isEmpty()) {
            try {
                Pending first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, maxBatch - 1);
                write(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.error("Inbox writer failed", e);
                batch.forEach(p -> p.result().completeExceptionally(e));
            } finally {
                batch.clear();
            }
        }
    }

    private void write(List<Pending> batch) {
        try {
            Map<String, Stored> rows = insert(batch);
            Set<String> answeredNew = new HashSet<>();
            for (Pending p : batch) {
                String key = p.event().dedupeKey();
                Stored row = rows.getOrDefault(key, new Stored(-1, true));
                // The same event twice in one batch: the first is new, the later ones duplicates of it.
                boolean repeat = !row.duplicate() && !answeredNew.add(key);
                p.result().complete(repeat ? new Stored(row.id(), true) : row);
            }
        } catch (SQLException e) {
            if (batch.size() > 1 && isDataError(e)) {
                // One event's content was refused and took the batch with it: write each on its own, so that only
                // the offender is refused.
                for (Pending p : batch) {
                    write(List.of(p));
                }
                return;
            }
            batch.forEach(p -> p.result().completeExceptionally(e));
        }
    }

    /** Inserts the batch in one statement; answers, per dedupe key, the row and whether it was there before. */
    private Map<String, Stored> insert(List<Pending> batch) throws SQLException {
        int n = batch.size();
        String[] types = new String[n];
        String[] ids = new String[n];
        String[] keys = new String[n];
        String[] payloads = new String[n];
        Boolean[] live = new Boolean[n];
        String[] objectKeys = new String[n];
        String[] references = new String[n];
        String[] traceparents = new String[n];
        for (int i = 0; i < n; i++) {
            MonoEnvelope e = batch.get(i).event();
            types[i] = e.eventType();
            ids[i] = e.eventId();
            keys[i] = e.dedupeKey();
            payloads[i] = e.json();
            live[i] = e.liveMode();
            objectKeys[i] = e.objectKey();
            references[i] = e.reference();
            traceparents[i] = batch.get(i).traceparent();
        }
        Map<String, Stored> outcome = new HashMap<>();
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement insert = c.prepareStatement(INSERT_BATCH)) {
                insert.setArray(1, c.createArrayOf("text", types));
                insert.setArray(2, c.createArrayOf("text", ids));
                insert.setArray(3, c.createArrayOf("text", keys));
                insert.setArray(4, c.createArrayOf("text", payloads));
                insert.setArray(5, c.createArrayOf("boolean", live));
                insert.setArray(6, c.createArrayOf("text", objectKeys));
                insert.setArray(7, c.createArrayOf("text", references));
                insert.setArray(8, c.createArrayOf("text", traceparents));
                try (ResultSet rs = insert.executeQuery()) {
                    while (rs.next()) {
                        outcome.put(rs.getString(2), new Stored(rs.getLong(1), false));
                    }
                }
            }
            List<String> known = new ArrayList<>();
            for (String key : keys) {
                if (!outcome.containsKey(key)) {
                    known.add(key);
                }
            }
            Map<String, Stored> answered = new HashMap<>();
            if (!known.isEmpty()) {
                try (PreparedStatement find = c.prepareStatement(FIND_EVENTS)) {
                    Array array = c.createArrayOf("text", known.toArray());
                    find.setArray(1, array);
                    try (ResultSet rs = find.executeQuery()) {
                        while (rs.next()) {
                            answered.put(rs.getString(2), new Stored(rs.getLong(1), true));
                        }
                    }
                }
            }
            outcome.putAll(answered);
            return outcome;
        }
    }

    /**
     * PostgreSQL refused one event's content, not the database being away: data exceptions (class 22, such as a
     * NUL character in text; MonoEnvelope refuses those first) and program limits (class 54, such as an index row too large).
     */
    public static boolean isDataError(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("22") || state.startsWith("54"));
    }

    public void reject(byte[] body, String contentType, String reason) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement insert = c.prepareStatement(INSERT_REJECTED)) {
            insert.setString(1, reason);
            if (contentType == null) {
                insert.setNull(2, Types.VARCHAR);
            } else {
                insert.setString(2, contentType);
            }
            insert.setBytes(3, body);
            insert.executeUpdate();
        }
    }

    /** Stops the writers once the queue is empty (the gateway has stopped taking requests). */
    @Override
    public void close() {
        closed = true;
        for (Thread writer : writers) {
            try {
                writer.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
