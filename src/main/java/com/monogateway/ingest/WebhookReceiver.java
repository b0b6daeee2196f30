package com.monogateway.ingest;

import com.monogateway.event.MonoEnvelope;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.monogateway.http.Answers;
import com.monogateway.operations.GatewayMetrics;
import com.monogateway.tracing.Tracing;
import io.opentelemetry.api.trace.SpanKind;
import io.vertx.core.buffer.Buffer;
import com.monogateway.vocabulary.Vocabulary;
import java.sql.SQLException;
import java.util.Locale;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handles one authenticated webhook request (the secret was checked at the HTTP edge, {@link WebhookEdge},
 * before the body was read): checks the body, stores the event and sets the answer. Request headers are dropped before anything else happens, so none of them can reach the
 * response (Camel echoes headers), SQL parameters or emails.
 */
public final class WebhookReceiver implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookReceiver.class);

    private final Inbox inbox;
    private final ObjectMapper mapper;
    private final int maxBodyBytes;
    private final IngestGate gate;
    private final GatewayMetrics metrics;
    private final Tracing tracing;
    private final String spanName;

    public WebhookReceiver(Inbox inbox, ObjectMapper mapper, int maxBodyBytes, IngestGate gate,
            GatewayMetrics metrics, Tracing tracing, String webhookPath) {
        this.inbox = inbox;
        this.mapper = mapper;
        this.maxBodyBytes = maxBodyBytes;
        this.gate = gate;
        this.metrics = metrics;
        this.tracing = tracing;
        this.spanName = "POST " + webhookPath;
    }

    @Override
    public void process(Exchange exchange) throws SQLException {
        long started = System.nanoTime();
        // A new trace per request: the webhook port is public, so a traceparent a caller sends is not followed.
        try (Tracing.Traced span = tracing.start(spanName, SpanKind.SERVER)) {
            span.set("http.request.method", "POST");
            if (!gate.enter()) {
                exchange.getIn().removeHeaders("*");
                Answers.set(exchange, 503, IngestGate.REFUSAL);
                answered(exchange, span, started);
                return;
            }
            try {
                receive(exchange, span);
            } finally {
                gate.exit();
                Vocabulary.forgetEventInLogs();
                answered(exchange, span, started);
            }
        }
    }

    private void answered(Exchange exchange, Tracing.Traced span, long started) {
        Integer status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        int answer = status == null ? 503 : status;
        metrics.answered(answer, System.nanoTime() - started);
        span.set("http.response.status_code", answer);
        if (answer >= 500) {
            span.failed("answered " + answer);
        }
    }

    private void receive(Exchange exchange, Tracing.Traced span) throws SQLException {
        long started = System.nanoTime();
        Message in = exchange.getIn();
        String contentType = in.getHeader(Exchange.CONTENT_TYPE, String.class);
        // platform-http hands the body over as a Vert.x Buffer; Camel's converters would copy it through two streams.
        byte[] body = in.getBody() instanceof Buffer buffer ? buffer.getBytes() : in.getBody(byte[].class);
        in.removeHeaders("*");
        in.setBody(null);

        if (!isJson(contentType)) {
            Answers.set(exchange, 415, Answers.error("unsupported_media_type", "send the event as application/json"));
            return;
        }
        if (body == null) {
            body = new byte[0];
        }
        if (body.length > maxBodyBytes) {
            Answers.set(exchange, 413, Answers.error("payload_too_large", "the body is larger than " + maxBodyBytes + " bytes"));
            return;
        }

        MonoEnvelope event;
        try {
            event = MonoEnvelope.parse(body, mapper);
        } catch (MonoEnvelope.InvalidEventException e) {
            reject(exchange, body, contentType, e.getMessage(), GatewayMetrics.UNKNOWN_TYPE);
            return;
        }
        Vocabulary.nameEventInLogs(event.eventType(), event.eventId(), event.dedupeKey());
        span.set(Tracing.EVENT_TYPE, event.eventType()).set(Tracing.DEDUPE_KEY, event.dedupeKey());
        Inbox.Stored stored;
        try (Tracing.Traced storing = tracing.start("store event", SpanKind.INTERNAL)) {
            // Processing and delivery continue the request's trace from what is stored with the event.
            stored = inbox.store(event, span.traceparent());
            storing.set(Tracing.INBOX_ID, stored.id());
        } catch (SQLException e) {
            if (Inbox.isDataError(e)) {
                // PostgreSQL refused the content itself (what MonoEnvelope did not foresee): the sender's fault.
                reject(exchange, body, contentType, "PostgreSQL cannot store this JSON: " + firstLine(e.getMessage()), event.eventType());
                return;
            }
            span.failed(firstLine(e.getMessage()));
            throw e;
        }
        long ms = (System.nanoTime() - started) / 1_000_000;
        if (stored.duplicate()) {
            LOG.info("Received {} event {}: duplicate of #{} ({} ms)", event.eventType(), event.dedupeKey(), stored.id(), ms);
            metrics.event(event.eventType(), GatewayMetrics.DUPLICATE);
            span.set("mono.duplicate_of", stored.id());
            Answers.set(exchange, 200, "{\"status\":\"duplicate\"}");
        } else {
            LOG.info("Received {} event {}: stored as #{} ({} ms)", event.eventType(), event.dedupeKey(), stored.id(), ms);
            metrics.event(event.eventType(), GatewayMetrics.RECEIVED);
            exchange.setProperty(Vocabulary.INBOX_ID, stored.id());
            span.set(Tracing.INBOX_ID, stored.id());
            Answers.set(exchange, 200, "{\"status\":\"received\"}");
        }
    }

    private void reject(Exchange exchange, byte[] body, String contentType, String reason, String eventType) throws SQLException {
        inbox.reject(body, contentType, reason);
        metrics.event(eventType, GatewayMetrics.REJECTED);
        LOG.warn("Rejected an authenticated webhook body ({} bytes): {}", body.length, reason);
        Answers.set(exchange, 400, Answers.error("invalid_event", reason));
    }

    /** A missing content type is fine (Mono's docs do not promise one); a declared one must be JSON. */
    static boolean isJson(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            return true;
        }
        String mediaType = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        return mediaType.equals("application/json") || (mediaType.startsWith("application/") && mediaType.endsWith("+json"));
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "invalid value";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
