package com.monogateway.alerts;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.monogateway.database.Transactions;
import com.monogateway.database.TransientFailures;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.DefaultExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mails the queued alerts once per digest window: each one on its own when few were raised, or one
 * digest when more than {@code mono.alerts.digest-threshold} piled up. An alert is marked sent only
 * after the mail went out, so an SMTP outage delays alerts and loses none.
 */
public final class AlertSender {

    private static final Logger LOG = LoggerFactory.getLogger(AlertSender.class);
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'");

    private static final String CLAIM = """
            SELECT id, kind, event_type, details::text, created_at FROM alerts
            WHERE sent_at IS NULL ORDER BY id LIMIT 10000 FOR UPDATE SKIP LOCKED""";
    private static final String SENT = "UPDATE alerts SET sent_at = now(), attempts = attempts + 1 WHERE id = ?";
    private static final String NOT_SENT = "UPDATE alerts SET attempts = attempts + 1, last_error = ? WHERE id = ?";

    private final DataSource dataSource;
    private final ProducerTemplate template;
    private final AlertComposer composer;
    private final ObjectMapper mapper;
    private final int digestThreshold;

    public AlertSender(DataSource dataSource, ProducerTemplate template, AlertComposer composer, ObjectMapper mapper,
            int digestThreshold) {
        this.dataSource = dataSource;
        this.template = template;
        this.composer = composer;
        this.mapper = mapper;
        this.digestThreshold = digestThreshold;
    }

    public void sendPending() throws SQLException {
        Transactions.inTransaction(dataSource, c -> {
            List<AlertComposer.QueuedAlert> alerts = new ArrayList<>(claim(c));
            // Dead deliveries: one email per destination and window, however many.
            Map<String, List<AlertComposer.QueuedAlert>> byDestination = new java.util.TreeMap<>();
            alerts.removeIf(alert -> "delivery".equals(alert.kind()) && byDestination
                    .computeIfAbsent(alert.details().getOrDefault("destination", "?"), d -> new ArrayList<>()).add(alert));
            for (var entry : byDestination.entrySet()) {
                if (!send(c, composer.deliveries(entry.getKey(), entry.getValue()), entry.getValue())) {
                    return alerts; // SMTP is away: everything waits for the next window
                }
            }
            if (alerts.size() > digestThreshold) {
                send(c, composer.digest(alerts), alerts);
                return alerts;
            }
            for (AlertComposer.QueuedAlert alert : alerts) {
                if (!send(c, composer.single(alert), List.of(alert))) {
                    break; // SMTP is away: the rest wait for the next window
                }
            }
            return alerts;
        });
    }

    private boolean send(Connection c, AlertComposer.Mail mail, List<AlertComposer.QueuedAlert> alerts) throws SQLException {
        Exchange exchange = new DefaultExchange(template.getCamelContext());
        // Only what we set here reaches camel-mail: it turns headers into mail headers, and To/Cc/Bcc into recipients.
        exchange.getIn().setHeader("Subject", mail.subject());
        exchange.getIn().setBody(mail.body());
        template.send(AlertRoutes.MAIL, exchange);
        Exception failure = exchange.getException();
        try (PreparedStatement ps = c.prepareStatement(failure == null ? SENT : NOT_SENT)) {
            for (AlertComposer.QueuedAlert alert : alerts) {
                if (failure == null) {
                    ps.setLong(1, alert.id());
                } else {
                    ps.setString(1, TransientFailures.describeWithRootCause(failure));
                    ps.setLong(2, alert.id());
                }
                ps.addBatch();
            }
            ps.executeBatch();
        }
        if (failure != null) {
            LOG.warn("Could not send an alert email ({} alert(s) wait for the next try): {}", alerts.size(),
                    TransientFailures.describeWithRootCause(failure));
            return false;
        }
        LOG.info("Sent alert email '{}' ({} alert(s))", mail.subject(), alerts.size());
        return true;
    }

    private List<AlertComposer.QueuedAlert> claim(Connection c) throws SQLException {
        List<AlertComposer.QueuedAlert> alerts = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(CLAIM); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                Map<String, String> details = parse(rs.getString(4));
                String created = rs.getObject(5, OffsetDateTime.class).withOffsetSameInstant(ZoneOffset.UTC).format(TIME);
                alerts.add(new AlertComposer.QueuedAlert(rs.getLong(1), rs.getString(2), rs.getString(3), details, created));
            }
        }
        return alerts;
    }

    private Map<String, String> parse(String json) {
        try {
            return mapper.readValue(json, new TypeReference<Map<String, String>>() { });
        } catch (Exception e) {
            throw new IllegalStateException("alert details are always a JSON object of strings", e);
        }
    }
}
