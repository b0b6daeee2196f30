package com.monogateway.alerts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.monogateway.vocabulary.Vocabulary;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;
import org.apache.camel.Exchange;

/**
 * Queues alerts in the {@code alerts} table; {@link AlertSender} mails them from there. Queuing is a
 * single insert, so raising an alert never waits for SMTP. Each alert is queued once per event (or
 * per dead letter), however often the event is replayed.
 */
public final class AlertQueue {

    private static final String INSERT = """
            INSERT INTO alerts (kind, event_type, webhook_event_id, dead_letter_id, delivery_id, details)
            VALUES (?, ?, ?, ?, ?, CAST(? AS jsonb))
            ON CONFLICT (kind, webhook_event_id, COALESCE(dead_letter_id, 0), COALESCE(delivery_id, 0)) DO NOTHING""";

    private final DataSource dataSource;
    private final ObjectMapper mapper;
    private final boolean enabled;
    private final Set<String> alertingEvents;

    public AlertQueue(DataSource dataSource, ObjectMapper mapper, boolean enabled, Set<String> alertingEvents) {
        this.dataSource = dataSource;
        this.mapper = mapper;
        this.enabled = enabled;
        this.alertingEvents = alertingEvents;
    }

    /** True for the event types operations asked to hear about (mono.alerts.events). */
    public boolean alertsOn(String eventType) {
        return enabled && alertingEvents.contains(eventType);
    }

    /** Queues an alert for an applied event of an alerting type (for example a failed payment). */
    public void queueEventAlert(Exchange exchange) throws SQLException {
        var in = exchange.getIn();
        String type = in.getHeader(Vocabulary.EVENT_TYPE, String.class);
        long inboxId = in.getHeader(Vocabulary.INBOX_ID, Long.class);
        Map<String, String> details = AlertDetails.of(type, inboxId, in.getHeader(Vocabulary.DEDUPE_KEY, String.class),
                exchange.getProperty(Vocabulary.EVENT_JSON, JsonNode.class));
        try (Connection c = dataSource.getConnection()) {
            insert(c, "event", type, inboxId, null, null, details);
        }
    }

    /** Queues the alert for a new dead letter, on the caller's connection and transaction. */
    public void queueDeadLetterAlert(Connection c, String type, long inboxId, long deadLetterId, Map<String, String> details)
            throws SQLException {
        if (enabled) {
            insert(c, "dead_letter", type, inboxId, deadLetterId, null, details);
        }
    }

    /**
     * Queues the alert for a delivery that will not be retried (see the delivery package), on the caller's
     * connection; the sender folds a window's delivery alerts into one email per destination.
     */
    public void queueDeliveryAlert(Connection c, String type, long inboxId, long deliveryId, Map<String, String> details)
            throws SQLException {
        if (enabled) {
            insert(c, "delivery", type, inboxId, null, deliveryId, details);
        }
    }

    /**
     * Queues the alert for a payment that Mono's API contradicts (mismatch, unknown reference), on the
     * caller's connection; once per verified event.
     */
    public void queueVerificationAlert(Connection c, String type, long inboxId, Map<String, String> details) throws SQLException {
        if (enabled) {
            insert(c, "verification", type, inboxId, null, null, details);
        }
    }

    private void insert(Connection c, String kind, String type, long inboxId, Long deadLetterId, Long deliveryId,
            Map<String, String> details) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            ps.setString(1, kind);
            ps.setString(2, type);
            ps.setLong(3, inboxId);
            ps.setObject(4, deadLetterId, Types.BIGINT);
            ps.setObject(5, deliveryId, Types.BIGINT);
            ps.setString(6, json(details));
            ps.executeUpdate();
        }
    }

    private String json(Map<String, String> details) {
        try {
            return mapper.writeValueAsString(details);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of strings is always JSON", e);
        }
    }
}
