package com.monogateway.tracing;

import static com.monogateway.support.MonoEvents.newId;
import static com.monogateway.support.MonoEvents.paymentData;
import static com.monogateway.support.MonoEvents.v2;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.monogateway.support.CapturedLogs;
import com.monogateway.support.HttpDestination;
import com.monogateway.support.MonoApiServer;
import com.monogateway.support.OtlpReceiver;
import com.monogateway.support.Resources;
import com.monogateway.support.RunningGateway;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * Traces, received by a real OTLP/HTTP server: one event's trace from Mono's request through storing, applying,
 * the check with Mono's API and each delivery attempt, and the ESB receiving that same trace.
 */
class TracingTest {

    private static final String TOKEN = "admin-token-for-tracing-tests-0123456789";
    private static final String KEY = "test_sk_tracing_0123456789";

    @AutoClose
    private final Resources resources = new Resources();

    private <T extends AutoCloseable> T keep(T resource) {
        return resources.keep(resource);
    }

    private static String payment(String id) {
        return v2("direct_debit.payment_successful", "2024-05-01T10:00:00Z",
                paymentData(id, "successful", 30_000, "\"acc_1\"", "2024-05-01T10:00:00.000Z"));
    }

    private CapturedLogs logs() {
        CapturedLogs logs = new CapturedLogs();
        resources.keep((AutoCloseable) logs::detach);
        return logs;
    }

    @Test
    void oneEventsTraceRunsFromTheRequestThroughMonosApiToEachDeliveryAttemptAndTheDestinationContinuesIt() throws Exception {
        OtlpReceiver otlp = keep(new OtlpReceiver());
        MonoApiServer mono = keep(new MonoApiServer());
        HttpDestination erp = keep(new HttpDestination());
        // Time to accept the second attempt after the first was refused.
        Properties p = RunningGateway.forwardingTo(erp.url("/mono-events"), "3s");
        p.setProperty("mono.forward.erp.max-backoff", "3s");
        p.setProperty("mono.admin.token", TOKEN);
        p.setProperty("mono.api.base-url", mono.baseUrl());
        p.setProperty("mono.api.secret-key", KEY);
        p.setProperty("mono.verify.payments", "record");
        p.setProperty("mono.reconcile.sweep-interval", "0");
        p.putAll(otlp.gatewaySettings());
        CapturedLogs logs = logs();
        RunningGateway gateway = keep(RunningGateway.start(p));
        String id = newId("txd_");
        mono.payment("ref_" + id, id, "successful", 30_000, "NGN");
        erp.answer(500); // the first attempt is refused, the second accepted

        gateway.postNew(payment(id));
        await().atMost(Duration.ofSeconds(30)).until(() -> gateway.db().count(
                "SELECT count(*) FROM deliveries WHERE status = 'pending' AND attempts = 1") == 1);
        erp.answer(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> gateway.db().count(
                "SELECT count(*) FROM deliveries WHERE status = 'delivered'") == 1);
        await().atMost(Duration.ofSeconds(30)).until(() -> "verified".equals(
                gateway.db().row("SELECT verification FROM payments WHERE id = ?", id).get("verification")));

        // The destination received the trace.
        List<String> traceparents = erp.received().stream().map(r -> r.header("traceparent")).toList();
        traceparents.forEach(t -> assertTrue(t != null && t.matches("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}"), "a W3C traceparent: " + t));
        String traceId = traceparents.get(0).split("-")[1];

        Set<String> expected = Set.of("POST /webhooks/mono", "store event", "apply direct_debit.payment_successful", "send to erp",
                "verify payment", "GET Mono API verify");
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> otlp.trace(traceId).stream().map(OtlpReceiver.Span::name)
                    .collect(Collectors.toSet()).containsAll(expected)
                    && otlp.trace(traceId).stream().filter(s -> s.name().equals("send to erp")).count() == 2);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("trace " + traceId + " should have " + expected + " and two sends; received: " + otlp.spans(), e);
        }
        List<OtlpReceiver.Span> trace = otlp.trace(traceId);
        OtlpReceiver.Span request = only(trace, "POST /webhooks/mono");
        long inboxId = (Long) gateway.db().row("SELECT id FROM webhook_events").get("id");
        assertEquals("", request.parentSpanId(), "the request starts the trace");
        assertEquals("SPAN_KIND_SERVER", request.kind());
        assertEquals("200", request.attributes().get("http.response.status_code"));
        assertEquals(Long.toString(inboxId), request.attributes().get("mono.inbox_id"));
        assertEquals("mono-webhook-gateway", request.serviceName());
        assertEquals(request.spanId(), only(trace, "store event").parentSpanId());
        OtlpReceiver.Span apply = only(trace, "apply direct_debit.payment_successful");
        assertEquals(request.spanId(), apply.parentSpanId(), "processing continues the request's trace from the inbox row");
        assertEquals("processed", apply.attributes().get("mono.outcome"));
        OtlpReceiver.Span check = only(trace, "verify payment");
        assertEquals(request.spanId(), check.parentSpanId());
        OtlpReceiver.Span call = only(trace, "GET Mono API verify");
        assertEquals(check.spanId(), call.parentSpanId());
        assertEquals("SPAN_KIND_CLIENT", call.kind());
        assertEquals("ok", call.attributes().get("mono.api.outcome"));
        assertTrue(call.attributes().values().stream().noneMatch(v -> v.contains(KEY)), "no secret in a span: " + call.attributes());

        List<OtlpReceiver.Span> sends = trace.stream().filter(s -> s.name().equals("send to erp")).toList();
        for (OtlpReceiver.Span send : sends) {
            assertEquals(request.spanId(), send.parentSpanId());
            assertEquals("SPAN_KIND_CLIENT", send.kind());
        }
        Map<String, OtlpReceiver.Span> byAttempt = sends.stream().collect(Collectors.toMap(
                s -> s.attributes().get("mono.delivery_attempt"), s -> s));
        assertEquals(Set.of("1", "2"), byAttempt.keySet());
        assertEquals("STATUS_CODE_ERROR", byAttempt.get("1").status(), "the refused attempt");
        assertEquals("STATUS_CODE_UNSET", byAttempt.get("2").status());
        assertEquals(List.of(byAttempt.get("2").spanId()), traceparents.stream().map(t -> t.split("-")[2]).toList(),
                "the destination's parent is the attempt it accepted");

        String stored = (String) gateway.db().row("SELECT trace_parent FROM webhook_events WHERE id = ?", inboxId).get("trace_parent");
        assertTrue(stored.startsWith("00-" + traceId + "-" + request.spanId() + "-"), "the request's span stored with the event: " + stored);
        JsonNode page = new ObjectMapper().readTree(gateway.admin("GET", "/admin/events/" + inboxId, TOKEN, null).body());
        assertEquals(traceId, page.path("event").path("trace_id").asText(), "the event page names the trace");

        // Log lines name the span they were written in.
        Map<String, String> received = mdcOf(logs, "Received direct_debit.payment_successful");
        assertEquals(traceId, received.get("trace.id"));
        assertEquals(request.spanId(), received.get("span.id"));
        Map<String, String> processed = mdcOf(logs, "Processed direct_debit.payment_successful");
        assertEquals(traceId, processed.get("trace.id"));
        assertEquals(apply.spanId(), processed.get("span.id"));
        assertTrue(otlp.contentTypes().stream().allMatch("application/x-protobuf"::equals), "OTLP/HTTP protobuf: " + otlp.contentTypes());

        // A linked account's details are fetched from Mono's API later, in the trace of the webhook that linked it.
        String account = "611d575feef5d3371ca9d0d8";
        mono.account(account, "22212345678");
        gateway.postNew(RunningGateway.fixture("account_connected.json"));
        await().atMost(Duration.ofSeconds(20)).until(() -> gateway.db()
                .rows("SELECT fetched_at FROM accounts WHERE id = ?", account).stream().anyMatch(r -> r.get("fetched_at") != null));
        String linked = ((String) gateway.db().row("SELECT trace_parent FROM webhook_events WHERE object_key = ?", account)
                .get("trace_parent")).split("-")[1];
        await().atMost(Duration.ofSeconds(20)).until(() -> otlp.trace(linked).stream().anyMatch(s -> s.name().equals("GET Mono API account")));
        OtlpReceiver.Span fetch = only(otlp.trace(linked), "fetch account details");
        assertEquals(only(otlp.trace(linked), "POST /webhooks/mono").spanId(), fetch.parentSpanId());
        assertEquals(fetch.spanId(), only(otlp.trace(linked), "GET Mono API account").parentSpanId());
    }

    @Test
    void offUnlessTheOpenTelemetrySettingsAskNothingIsTracedStoredOrSent() {
        HttpDestination erp = keep(new HttpDestination());
        CapturedLogs logs = logs();
        RunningGateway gateway = keep(RunningGateway.start(RunningGateway.forwardingTo(erp.url("/mono-events"), "200ms")));

        gateway.postNew(payment(newId("txd_")));
        await().atMost(Duration.ofSeconds(30)).until(() -> erp.received().size() == 1);

        assertNull(erp.received().get(0).header("traceparent"));
        assertNull(gateway.db().row("SELECT trace_parent FROM webhook_events").get("trace_parent"));
        assertTrue(logs.events.stream().noneMatch(e -> e.getMDCPropertyMap().containsKey("trace.id")));
        assertTrue(mdcOf(logs, "Received direct_debit.payment_successful").containsKey("mono.eventType"), "the lines are there");
    }

    @Test
    void anExporterProtocolOrSettingTheGatewayCannotUseStopsTheStartNamingIt() {
        Properties zipkin = RunningGateway.defaults();
        zipkin.setProperty("otel.traces.exporter", "zipkin");
        Throwable failure = RunningGateway.rootCause(assertThrows(RuntimeException.class, () -> RunningGateway.start(zipkin)));
        assertTrue(failure.getMessage().contains("OTEL_TRACES_EXPORTER"), failure.getMessage());

        Properties grpc = RunningGateway.defaults();
        grpc.setProperty("otel.exporter.otlp.endpoint", "http://127.0.0.1:4317");
        grpc.setProperty("otel.exporter.otlp.protocol", "grpc");
        failure = RunningGateway.rootCause(assertThrows(RuntimeException.class, () -> RunningGateway.start(grpc)));
        assertTrue(failure.getMessage().contains("OTEL_EXPORTER_OTLP_PROTOCOL"), failure.getMessage());

        Properties sampler = RunningGateway.defaults();
        sampler.setProperty("otel.exporter.otlp.endpoint", "http://127.0.0.1:4318");
        sampler.setProperty("otel.traces.sampler", "sometimes");
        failure = RunningGateway.rootCause(assertThrows(RuntimeException.class, () -> RunningGateway.start(sampler)));
        assertTrue(failure.getMessage().contains("OpenTelemetry settings") && failure.getMessage().contains("sometimes"),
                failure.getMessage());
    }

    private static OtlpReceiver.Span only(List<OtlpReceiver.Span> trace, String name) {
        List<OtlpReceiver.Span> named = trace.stream().filter(s -> s.name().equals(name)).toList();
        assertEquals(1, named.size(), name + " in " + trace);
        return named.get(0);
    }

    private static Map<String, String> mdcOf(CapturedLogs logs, String messageStart) {
        return logs.events.stream().filter(e -> e.getFormattedMessage().startsWith(messageStart)).findFirst()
                .map(e -> e.getMDCPropertyMap()).orElseThrow(() -> new AssertionError("no line " + messageStart));
    }
}
