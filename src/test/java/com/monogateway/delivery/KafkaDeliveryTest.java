package com.monogateway.delivery;

import static com.monogateway.support.MonoEvents.newId;
import static com.monogateway.support.MonoEvents.paymentData;
import static com.monogateway.support.MonoEvents.v2;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.monogateway.support.KafkaBroker;
import com.monogateway.support.KafkaInFlight;
import com.monogateway.support.OtlpReceiver;
import com.monogateway.support.RunningGateway;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Delivery to a real Kafka broker (KRaft, its own JVM): record key, headers, body, and a broker that is away. */
class KafkaDeliveryTest {

    private static KafkaBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = KafkaBroker.start();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        broker.close();
    }

    private static RunningGateway gateway(String topic) {
        return gateway(topic, new Properties());
    }

    private static RunningGateway gateway(String topic, Properties more) {
        // The Kafka client's own interceptor counts what the producer has in flight (KafkaInFlight).
        Properties p = RunningGateway.forwardingTo("kafka:" + topic + "?interceptorClasses=" + KafkaInFlight.class.getName(), "200ms");
        p.setProperty("camel.component.kafka.brokers", broker.bootstrapServers());
        p.setProperty("camel.component.kafka.max-block-ms", "3000");
        p.setProperty("camel.component.kafka.delivery-timeout-ms", "6000");
        p.setProperty("camel.component.kafka.request-timeout-ms", "3000");
        p.putAll(more);
        return RunningGateway.start(p);
    }

    private static String payment(String id, String status, String at) {
        return v2("direct_debit.payment_" + status, at, paymentData(id, status, 50_000, "\"acc_1\"", at));
    }

    @Test
    void eachAppliedEventIsOneRecordKeyedByItsPaymentWithTheMonoHeadersAndTheBodyAsSent() {
        String topic = "mono-events-" + newId("t").toLowerCase();
        try (OtlpReceiver otlp = new OtlpReceiver(); RunningGateway gateway = gateway(topic, otlp.gatewaySettings())) {
            List<String> sent = new ArrayList<>();
            List<String> payments = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                String id = newId("txd_");
                payments.add(id);
                for (String status : List.of("processing", "successful")) {
                    String event = payment(id, status, "2024-05-01T10:0" + (status.equals("processing") ? "0" : "5") + ":00Z");
                    sent.add(event);
                    gateway.postNew(event);
                }
            }
            gateway.awaitInboxDrained();
            List<ConsumerRecord<String, byte[]>> records = broker.consume(topic, 10, Duration.ofSeconds(30));
            assertEquals(10, records.size());
            for (ConsumerRecord<String, byte[]> record : records) {
                String body = new String(record.value(), StandardCharsets.UTF_8);
                assertTrue(sent.contains(body), "the body as Mono sent it: " + body);
                String key = record.key();
                assertTrue(payments.contains(key) && body.contains(key), "keyed by its payment: " + key);
                Map<String, Object> event = gateway.db().row("SELECT event_id, trace_parent FROM webhook_events WHERE body = ?", body);
                String eventId = (String) event.get("event_id");
                assertEquals(eventId, KafkaBroker.header(record, "MonoEventId"));
                otlp.awaitSendSpan(KafkaBroker.header(record, "traceparent"), (String) event.get("trace_parent"), "SPAN_KIND_PRODUCER");
                assertEquals(eventId, KafkaBroker.header(record, "MonoDedupeKey"));
                assertTrue(KafkaBroker.header(record, "MonoEvent").startsWith("direct_debit.payment_"));
            }
            for (String id : payments) {
                List<String> statuses = records.stream().filter(r -> id.equals(r.key()))
                        .map(r -> KafkaBroker.header(r, "MonoEvent")).toList();
                assertEquals(List.of("direct_debit.payment_processing", "direct_debit.payment_successful"), statuses,
                        "one payment's events in order, in one partition");
            }
        }
    }

    @Test
    void withTheBrokerAwayEventsAreAppliedAtFullSpeedAndDeliveredWhenItReturns() throws Exception {
        String topic = "mono-away-" + newId("t").toLowerCase();
        try (RunningGateway gateway = gateway(topic)) {
            gateway.postNew(payment(newId("txd_"), "successful", "2024-05-01T10:00:00Z"));
            await().atMost(Duration.ofSeconds(30)).until(() -> gateway.db().count(
                    "SELECT count(*) FROM deliveries WHERE status = 'delivered'") == 1); // the topic exists now
            broker.stop();
            long started = System.nanoTime();
            for (int i = 0; i < 15; i++) {
                String id = newId("txd_");
                gateway.postNew(payment(id, "processing", "2024-05-01T10:00:00Z"));
                gateway.postNew(payment(id, "successful", "2024-05-01T10:05:00Z"));
            }
            gateway.awaitInboxDrained();
            long ms = Duration.ofNanos(System.nanoTime() - started).toMillis();
            assertTrue(ms < 10_000, "30 events applied in " + ms + " ms with the broker away");
            assertEquals(16, gateway.db().count("SELECT count(*) FROM payments"));
            assertEquals(0, gateway.db().count("SELECT count(*) FROM dead_letters"));
            await().atMost(Duration.ofSeconds(30)).until(() -> gateway.db().count(
                    "SELECT count(*) FROM deliveries WHERE attempts >= 1 AND last_error IS NOT NULL AND status = 'pending'") >= 1);

            broker.restart();
            await().atMost(Duration.ofSeconds(60)).until(() -> gateway.db().count(
                    "SELECT count(*) FROM deliveries WHERE status = 'delivered'") == 31);
            List<ConsumerRecord<String, byte[]>> records = broker.readAll(topic, Duration.ofSeconds(30));
            List<String> keys = records.stream().map(r -> KafkaBroker.header(r, "MonoDedupeKey")).toList();
            assertEquals(31, keys.stream().distinct().count(), "every event delivered");
            // Per object (the record key), in the outbox's order; a retry may repeat one (at least once).
            Map<String, List<String>> outboxOrder = new java.util.HashMap<>();
            gateway.db().rows("SELECT e.dedupe_key, d.object_key FROM deliveries d JOIN webhook_events e ON e.id = d.webhook_event_id"
                    + " ORDER BY d.created_at, d.id").forEach(r -> outboxOrder.computeIfAbsent((String) r.get("object_key"),
                            k -> new java.util.ArrayList<>()).add((String) r.get("dedupe_key")));
            Map<String, List<String>> consumed = new java.util.HashMap<>();
            records.forEach(r -> {
                List<String> seen = consumed.computeIfAbsent(r.key(), k -> new java.util.ArrayList<>());
                String key = KafkaBroker.header(r, "MonoDedupeKey");
                if (!seen.contains(key)) {
                    seen.add(key);
                }
            });
            assertEquals(outboxOrder, consumed, "each object's events in order");
            // Many records in flight at once, never two of one payment: its next one waits for the previous one's
            // acknowledgement (sent earlier, it could be written while the one before it expired unsent).
            assertTrue(KafkaInFlight.most(topic) >= 8, "records in flight at once: " + KafkaInFlight.most(topic));
            assertEquals(1, KafkaInFlight.mostOfOneKey(topic), "one key's records in flight at once");
        }
    }
}
