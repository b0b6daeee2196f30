package com.monogateway.support;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;

/**
 * A real OTLP/HTTP trace receiver (what a collector listens with on port 4318): decodes each export with the
 * protocol's own messages and keeps the spans.
 */
public final class OtlpReceiver implements AutoCloseable {

    /** One received span; ids in lower-case hex as in a traceparent, parentSpanId empty for a trace's root. */
    public record Span(String traceId, String spanId, String parentSpanId, String name, String kind, String status,
            Map<String, String> attributes, String serviceName) {
    }

    private final HttpServer server;
    private final List<Span> spans = new CopyOnWriteArrayList<>();
    private final List<String> contentTypes = new CopyOnWriteArrayList<>();

    public OtlpReceiver() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.createContext("/v1/traces", exchange -> {
            try (InputStream raw = exchange.getRequestBody()) {
                contentTypes.add(exchange.getRequestHeaders().getFirst("Content-Type"));
                InputStream body = "gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))
                        ? new GZIPInputStream(raw) : raw;
                keep(ExportTraceServiceRequest.parseFrom(body));
                byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
                exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, answer.length == 0 ? -1 : answer.length);
                if (answer.length > 0) {
                    exchange.getResponseBody().write(answer);
                }
            } catch (RuntimeException e) {
                exchange.sendResponseHeaders(400, -1);
            } finally {
                exchange.close();
            }
        });
        server.start();
    }

    private void keep(ExportTraceServiceRequest request) {
        HexFormat hex = HexFormat.of();
        request.getResourceSpansList().forEach(resource -> {
            String service = resource.getResource().getAttributesList().stream().filter(a -> a.getKey().equals("service.name"))
                    .map(a -> a.getValue().getStringValue()).findFirst().orElse(null);
            resource.getScopeSpansList().forEach(scope -> scope.getSpansList().forEach(s -> {
                Map<String, String> attributes = new LinkedHashMap<>();
                for (KeyValue a : s.getAttributesList()) {
                    var v = a.getValue();
                    attributes.put(a.getKey(), v.hasIntValue() ? Long.toString(v.getIntValue()) : v.getStringValue());
                }
                spans.add(new Span(hex.formatHex(s.getTraceId().toByteArray()), hex.formatHex(s.getSpanId().toByteArray()),
                        hex.formatHex(s.getParentSpanId().toByteArray()), s.getName(), s.getKind().name(),
                        s.getStatus().getCode().name(), attributes, service));
            }));
        });
    }

    /** What to set as otel.exporter.otlp.endpoint. */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /**
     * A gateway's settings that turn traces on and send them here, every 100 ms: the standard OpenTelemetry keys,
     * as OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_BSP_SCHEDULE_DELAY would give them.
     */
    public java.util.Properties gatewaySettings() {
        java.util.Properties p = new java.util.Properties();
        p.setProperty("otel.exporter.otlp.endpoint", endpoint());
        p.setProperty("otel.bsp.schedule.delay", "100");
        return p;
    }

    public List<Span> spans() {
        return List.copyOf(spans);
    }

    public List<Span> trace(String traceId) {
        return spans.stream().filter(s -> s.traceId().equals(traceId)).toList();
    }

    /**
     * Checks that a destination received a delivery attempt's own span: the span the traceparent names was exported,
     * in the trace stored with the event, as a producer's (Kafka, AMQP) or a client's (HTTP) send.
     */
    public void awaitSendSpan(String traceparent, String storedTraceparent, String kind) {
        org.junit.jupiter.api.Assertions.assertTrue(traceparent != null && traceparent.matches("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}"),
                "a W3C traceparent: " + traceparent);
        String[] sent = traceparent.split("-");
        org.junit.jupiter.api.Assertions.assertEquals(storedTraceparent.split("-")[1], sent[1], "the event's trace");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> trace(sent[1]).stream()
                .anyMatch(s -> s.spanId().equals(sent[2]) && s.name().startsWith("send to ") && s.kind().equals(kind)
                        && s.parentSpanId().equals(storedTraceparent.split("-")[2])));
    }

    /** The Content-Type of each export received. */
    public List<String> contentTypes() {
        return List.copyOf(contentTypes);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
