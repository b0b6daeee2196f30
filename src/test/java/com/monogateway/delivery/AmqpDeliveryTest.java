package com.monogateway.delivery;

import static com.monogateway.support.MonoEvents.newId;
import static com.monogateway.support.MonoEvents.paymentData;
import static com.monogateway.support.MonoEvents.v2;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.monogateway.support.JmsBroker;
import com.monogateway.support.OtlpReceiver;
import com.monogateway.support.RunningGateway;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** Delivery to a real AMQP 1.0 broker (embedded Artemis): many sends in flight, each payment's in order, typed JSON. */
class AmqpDeliveryTest {

    private static final String QUEUE = "mono-payments";

    @Test
    void manyPaymentsAreSentAtOnceEachInOrderAsJson() {
        try (JmsBroker broker = JmsBroker.onFreePort(); OtlpReceiver otlp = new OtlpReceiver()) {
            Properties p = RunningGateway.defaults();
            p.putAll(otlp.gatewaySettings());
            p.setProperty("mono.jms.url", broker.url());
            p.setProperty("mono.forward.destinations", "esb");
            p.setProperty("mono.forward.esb.uri", "amqp:queue:" + QUEUE);
            p.setProperty("mono.forward.esb.max-in-flight", "16");
            try (RunningGateway gateway = RunningGateway.start(p)) {
                for (int i = 0; i < 40; i++) {
                    String id = newId("txd_");
                    for (String status : List.of("processing", "successful")) {
                        String at = "2024-05-01T10:0" + (status.equals("processing") ? "0" : "5") + ":00Z";
                        gateway.postNew(v2("direct_debit.payment_" + status, at, paymentData(id, status, 50_000, "\"acc_1\"", at)));
                    }
                }
                gateway.awaitInboxDrained();
                await().atMost(Duration.ofSeconds(60)).until(() -> gateway.db().count(
                        "SELECT count(*) FROM deliveries WHERE status = 'delivered'") == 80);

                List<JmsBroker.Received> received = broker.receive(QUEUE, 80, Duration.ofSeconds(30));
                Map<String, String> applied = new LinkedHashMap<>();
                Map<String, String> traceOf = new java.util.HashMap<>();
                gateway.db().rows("SELECT e.dedupe_key, d.object_key, e.trace_parent FROM deliveries d JOIN webhook_events e"
                        + " ON e.id = d.webhook_event_id ORDER BY d.created_at, d.id").forEach(r -> {
                            applied.put((String) r.get("dedupe_key"), (String) r.get("object_key"));
                            traceOf.put((String) r.get("dedupe_key"), (String) r.get("trace_parent"));
                        });
                HttpDeliveryTest.assertOncePerObjectInOrder(applied, received.stream().map(JmsBroker.Received::correlationId).toList(),
                        "AMQP");
                for (JmsBroker.Received message : received) {
                    assertEquals("application/json", message.contentType(), "the AMQP content type");
                    otlp.awaitSendSpan(message.properties().get("traceparent"), traceOf.get(message.correlationId()), "SPAN_KIND_PRODUCER");
                    assertTrue(message.bytes() != null && message.body().startsWith("{"), "the JSON's bytes: " + message.body());
                    assertFalse(message.properties().keySet().stream().anyMatch(k -> k.toLowerCase().contains("content")),
                            "no Content-Type property beside it: " + message.properties().keySet());
                }
                // The gateway reuses idle sessions and opens another only while all it has are sending.
                assertTrue(broker.sendingSessions() >= 4, "sessions sending at once: " + broker.sendingSessions());
            }
        }
    }
}
