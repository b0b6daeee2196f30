package com.monogateway.monoapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.monogateway.event.MonoFamily;
import com.monogateway.event.EventSubject;
import com.monogateway.tracing.Tracing;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.Locale;

/**
 * A payment state learnt from Mono's API becomes an inbox event like a webhook (source {@code verification}
 * or {@code reconciliation}): the YAML routes apply it, its history row names its source, it is delivered
 * and alerted like any other. Written on the caller's transaction; the processing sweep picks it up.
 */
final class ApiEvents {

    // Stored and queued for processing like a webhook (see Inbox).
    private static final String INSERT = """
            WITH stored AS (
              INSERT INTO webhook_events (event_type, event_id, dedupe_key, body, live_mode, source, object_key, reference, trace_parent)
              VALUES (?, NULL, ?, ?, ?, ?, ?, ?, ?)
              ON CONFLICT (dedupe_key) DO NOTHING
              RETURNING id, object_key)
            INSERT INTO inbox_waiting (id, object_key) SELECT id, object_key FROM stored""";

    private final ObjectMapper mapper;

    ApiEvents(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /**
     * Queues {@code direct_debit.payment_<status>} carrying Mono's own view of the payment ({@code data.object});
     * false when the same state was already queued from the API.
     */
    boolean queuePayment(Connection c, JsonNode payment, String source) throws SQLException {
        String status = payment.path("status").asText("").toLowerCase(Locale.ROOT);
        String id = payment.path("id").asText("");
        ObjectNode event = mapper.createObjectNode();
        String type = MonoFamily.paymentType(status);
        event.put("event", type);
        event.putObject("data").set("object", payment);
        String json = event.toString();
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            ps.setString(1, type);
            // One inbox row per payment, state and Mono timestamp, however often the API is asked.
            ps.setString(2, source + ":" + id + ":" + status + ":" + payment.path("updated_at").asText(""));
            ps.setString(3, json);
            JsonNode live = payment.path("liveMode");
            ps.setObject(4, live.isBoolean() ? live.booleanValue() : null, Types.BOOLEAN);
            ps.setString(5, source);
            ps.setString(6, EventSubject.objectKey(type, event));
            ps.setString(7, EventSubject.reference(type, event));
            // In the trace of what asked Mono (applying the webhook being verified, or the sweep).
            ps.setString(8, Tracing.currentTraceparent());
            return ps.executeUpdate() == 1;
        }
    }
}
