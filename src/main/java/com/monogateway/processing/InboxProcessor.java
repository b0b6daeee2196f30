package com.monogateway.processing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.monogateway.database.Transactions;
import com.monogateway.failure.DeadLetters;
import com.monogateway.failure.TransientFailures;
import com.monogateway.ingest.MonoEnvelope;
import com.monogateway.ingest.WebhookReceiver;
import com.monogateway.operations.GatewayMetrics;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.DefaultExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Takes events out of the inbox and sends each through the processing routes, at least once.
 *
 * <p>An event is claimed with {@code SELECT ... FOR NO KEY UPDATE SKIP LOCKED} and the row lock is held until
 * its final status is committed, so several gateway instances on one database never work on the same
 * event at once, and an event whose instance dies mid-way is simply claimed again later. Domain
 * writes are idempotent, which makes that repetition harmless.
 */
public final class InboxProcessor {

    private static final Logger LOG = LoggerFactory.getLogger(InboxProcessor.class);

    private static final String COLUMNS = "id, event_type, event_id, dedupe_key, payload::text, live_mode, received_at";
    private static final String CLAIM_ONE =
            "SELECT " + COLUMNS + " FROM webhook_events WHERE id = ? AND status = 'received' FOR NO KEY UPDATE SKIP LOCKED";
    private static final String CLAIM_BATCH = "SELECT " + COLUMNS + " FROM webhook_events"
            + " WHERE status = 'received' AND id > ? ORDER BY id LIMIT ? FOR NO KEY UPDATE SKIP LOCKED";
    private static final String FINISH = "UPDATE webhook_events SET status = ?, status_reason = ?, last_error = ?,"
            + " attempts = attempts + 1, processed_at = now() WHERE id = ?";
    private static final String RETRY_LATER = "UPDATE webhook_events SET attempts = attempts + 1, last_error = ? WHERE id = ?";

    private record InboxRow(long id, String eventType, String eventId, String dedupeKey, String payload, Boolean liveMode,
            OffsetDateTime receivedAt) {
    }

    private record Outcome(String status, String reason, String error, boolean retryLater) {
    }

    private final DataSource dataSource;
    private final ProducerTemplate template;
    private final ObjectMapper mapper;
    private final int batchSize;
    private final GatewayMetrics metrics;
    private final Set<String> typesReportedUnhandled = ConcurrentHashMap.newKeySet();

    public InboxProcessor(DataSource dataSource, ProducerTemplate template, ObjectMapper mapper, int batchSize,
            GatewayMetrics metrics) {
        this.dataSource = dataSource;
        this.template = template;
        this.mapper = mapper;
        this.batchSize = batchSize;
        this.metrics = metrics;
    }

    /** Processes one newly received event, unless another worker or instance already has it. */
    public void processOne(long inboxId) throws SQLException {
        Transactions.inTransaction(dataSource, c -> processAll(c, claim(c, CLAIM_ONE, ps -> ps.setLong(1, inboxId))));
    }

    /** Processes every event still waiting in the inbox, a batch per transaction; answers how many were seen. */
    public int sweep() throws SQLException {
        int seen = 0;
        long after = 0;
        while (true) {
            long from = after;
            List<InboxRow> rows = Transactions.inTransaction(dataSource, c -> processAll(c, claim(c, CLAIM_BATCH, ps -> {
                ps.setLong(1, from);
                ps.setInt(2, batchSize);
            })));
            if (rows.isEmpty()) {
                if (seen > 0) {
                    LOG.info("Sweep processed {} event(s) left in the inbox", seen);
                }
                return seen;
            }
            seen += rows.size();
            after = rows.get(rows.size() - 1).id();
        }
    }

    /** Applies each claimed row and records its outcome, inside the transaction that holds the row locks. */
    private List<InboxRow> processAll(Connection c, List<InboxRow> rows) throws SQLException {
        for (InboxRow row : rows) {
            MDC.put(WebhookReceiver.MDC_EVENT_TYPE, row.eventType());
            MDC.put(WebhookReceiver.MDC_EVENT_ID, row.eventId() == null ? "" : row.eventId());
            MDC.put(WebhookReceiver.MDC_DEDUPE_KEY, row.dedupeKey());
            try {
                Outcome outcome = apply(row);
                finish(c, row, outcome);
                count(row, outcome);
            } finally {
                MDC.remove(WebhookReceiver.MDC_EVENT_TYPE);
                MDC.remove(WebhookReceiver.MDC_EVENT_ID);
                MDC.remove(WebhookReceiver.MDC_DEDUPE_KEY);
            }
        }
        return rows;
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

    private Outcome apply(InboxRow row) {
        long started = System.nanoTime();
        Exchange exchange = new DefaultExchange(template.getCamelContext());
        try {
            JsonNode event = MonoEnvelope.eventNode(mapper.readTree(row.payload()));
            var in = exchange.getIn();
            in.setHeader(ProcessingHeaders.EVENT_TYPE, row.eventType());
            in.setHeader(ProcessingHeaders.DEDUPE_KEY, row.dedupeKey());
            in.setHeader(ProcessingHeaders.INBOX_ID, row.id());
            in.setHeader(ProcessingHeaders.RECEIVED_AT, row.receivedAt());
            if (row.eventId() != null) {
                in.setHeader(ProcessingHeaders.EVENT_ID, row.eventId());
            }
            if (row.liveMode() != null) {
                in.setHeader(ProcessingHeaders.LIVE_MODE, row.liveMode());
            }
            in.setBody(mapper.convertValue(event, Map.class));
            exchange.setProperty(ProcessingHeaders.PAYLOAD, row.payload());
            exchange.setProperty(ProcessingHeaders.EVENT_JSON, event);
        } catch (Exception e) {
            return failed(row, e);
        }

        template.send(ProcessingRoutes.PROCESS, exchange);

        // The Dead Letter Channel handles what the routes throw; only a recorded dead letter makes the
        // event failed. Anything else that went wrong (the database away) leaves it for the sweep.
        Exception caught = exchange.getException() != null
                ? exchange.getException() : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        if (caught != null) {
            Long deadLetter = exchange.getProperty(DeadLetters.DEAD_LETTER_ID, Long.class);
            String error = TransientFailures.describe(caught);
            if (deadLetter != null) {
                LOG.error("Processing {} event {} (#{}) failed, moved to dead letter #{}: {}",
                        row.eventType(), row.dedupeKey(), row.id(), deadLetter, error);
                return new Outcome("failed", null, error, false);
            }
            LOG.warn("Could not process {} event {} (#{}) for now, it stays in the inbox for the next sweep: {}",
                    row.eventType(), row.dedupeKey(), row.id(), error);
            return new Outcome("received", null, error, true);
        }
        long ms = (System.nanoTime() - started) / 1_000_000;
        if ("ignored".equals(exchange.getProperty(ProcessingHeaders.OUTCOME, String.class))) {
            String reason = exchange.getProperty(ProcessingHeaders.OUTCOME_REASON, "ignored", String.class);
            if (!"no-handler".equals(reason)) {
                LOG.info("Ignored {} event {} (#{}): {}", row.eventType(), row.dedupeKey(), row.id(), reason);
            } else if (typesReportedUnhandled.add(row.eventType())) {
                LOG.info("No handler for {} events: stored and marked ignored (logged once per type)", row.eventType());
            }
            return new Outcome("ignored", reason, null, false);
        }
        LOG.info("Processed {} event {} (#{}) in {} ms", row.eventType(), row.dedupeKey(), row.id(), ms);
        return new Outcome("processed", null, null, false);
    }

    private Outcome failed(InboxRow row, Exception e) {
        String error = TransientFailures.describe(e);
        LOG.error("Cannot read stored {} event {} (#{}): {}", row.eventType(), row.dedupeKey(), row.id(), error, e);
        return new Outcome("failed", null, error, false);
    }

    private static void finish(Connection c, InboxRow row, Outcome outcome) throws SQLException {
        if (outcome.retryLater()) {
            try (PreparedStatement ps = c.prepareStatement(RETRY_LATER)) {
                ps.setString(1, outcome.error());
                ps.setLong(2, row.id());
                ps.executeUpdate();
            }
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(FINISH)) {
            ps.setString(1, outcome.status());
            ps.setString(2, outcome.reason());
            ps.setString(3, outcome.error());
            ps.setLong(4, row.id());
            ps.executeUpdate();
        }
    }

    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    private static List<InboxRow> claim(Connection c, String sql, Binder binder) throws SQLException {
        List<InboxRow> rows = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(new InboxRow(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                            (Boolean) rs.getObject(6), rs.getObject(7, OffsetDateTime.class)));
                }
            }
        }
        return rows;
    }

}
