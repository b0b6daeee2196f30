package com.monogateway.delivery;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.monogateway.support.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** camel-kafka from the jar against a real Kafka broker: what arrives, and how long a send may hang. */
class KafkaConnectorTest {

    private static final String TOPIC = "mono-events";
    // Non-ASCII on purpose: the bytes must arrive as sent, whatever the platform's default charset.
    private static final byte[] EVENT = "{\"type\":\"StatementItem\",\"data\":{\"id\":\"txd_123\",\"description\":\"Кава ☕\",\"amount\":-4200}}"
            .getBytes(StandardCharsets.UTF_8);

    private static KafkaBroker broker;
    private CamelContext camel;
    private ProducerTemplate template;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = KafkaBroker.start();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    @BeforeEach
    void startCamel() {
        camel = new DefaultCamelContext();
        camel.start();
        template = camel.createProducerTemplate();
    }

    @AfterEach
    void stopCamel() {
        camel.stop();
    }

    /**
     * The URI the outbox is meant to use: bytes as they are (the default StringSerializer would turn the body
     * into text with a charset), and bounded waits instead of the client's 60 s / 120 s defaults.
     */
    private String endpoint(int maxBlockMs, int deliveryTimeoutMs, int requestTimeoutMs) {
        return "kafka:" + TOPIC + "?brokers=" + broker.bootstrapServers()
                + "&valueSerializer=org.apache.kafka.common.serialization.ByteArraySerializer"
                + "&maxBlockMs=" + maxBlockMs + "&deliveryTimeoutMs=" + deliveryTimeoutMs + "&requestTimeoutMs=" + requestTimeoutMs;
    }

    private Exchange send(String uri, String eventId) {
        return template.send(uri, exchange -> {
            exchange.getMessage().setBody(EVENT);
            exchange.getMessage().setHeader(KafkaConstants.KEY, "txd_123");
            exchange.getMessage().setHeader("MonoEvent", "StatementItem");
            exchange.getMessage().setHeader("MonoEventId", eventId);
            exchange.getMessage().setHeader("MonoDedupeKey", "mono:" + eventId);
            // Camel's own headers must stay out of the record (KafkaHeaderFilterStrategy).
            exchange.getMessage().setHeader("CamelOutboxAttempt", 1);
        });
    }

    @Test
    void recordCarriesKeyHeadersAndExactBytes() {
        Exchange sent = send(endpoint(10_000, 10_000, 5_000), "evt-1");
        assertNull(sent.getException(), () -> "send failed: " + sent.getException());

        ConsumerRecord<String, byte[]> record = find("evt-1").orElseThrow(() -> new AssertionError("evt-1 is not in " + TOPIC));
        assertEquals("txd_123", record.key());
        assertArrayEquals(EVENT, record.value());
        assertEquals("StatementItem", KafkaBroker.header(record, "MonoEvent"));
        assertEquals("evt-1", KafkaBroker.header(record, "MonoEventId"));
        assertEquals("mono:evt-1", KafkaBroker.header(record, "MonoDedupeKey"));
        Set<String> names = new HashSet<>();
        for (Header h : record.headers()) {
            names.add(h.key());
        }
        assertEquals(Set.of("MonoEvent", "MonoEventId", "MonoDedupeKey"), names, "kafka.KEY and Camel* headers are not sent");
    }

    @Test
    void sendFailsWithinItsBoundsWhileTheBrokerIsDownAndWorksAfterItReturns() throws Exception {
        String warm = endpoint(2_000, 3_000, 2_000);
        String cold = endpoint(2_000, 3_001, 2_000); // another URI, so another producer, with no metadata yet
        assertNull(send(warm, "evt-before").getException());

        broker.stop();
        try {
            // A producer that knows the topic queues the record and fails it when deliveryTimeoutMs runs out.
            assertFailsWithin(Duration.ofSeconds(6), () -> send(warm, "evt-down-warm"));
            // A producer that has never seen the topic blocks in send() for maxBlockMs waiting for metadata.
            assertFailsWithin(Duration.ofSeconds(5), () -> send(cold, "evt-down-cold"));
        } finally {
            broker.restart();
        }

        // The producer reconnects by itself on the same address.
        Exchange after = send(warm, "evt-after");
        assertNull(after.getException(), () -> "send after restart failed: " + after.getException());
        assertTrue(find("evt-after").isPresent());
        assertTrue(find("evt-down-warm").isEmpty() && find("evt-down-cold").isEmpty(), "a failed send must not arrive later");
    }

    /** The record of that event in the topic, which the other test may share. */
    private static Optional<ConsumerRecord<String, byte[]>> find(String eventId) {
        return broker.readAll(TOPIC, Duration.ofSeconds(15)).stream()
                .filter(r -> eventId.equals(KafkaBroker.header(r, "MonoEventId")))
                .findFirst();
    }

    private static void assertFailsWithin(Duration bound, java.util.function.Supplier<Exchange> sending) {
        long start = System.nanoTime();
        Exchange exchange = sending.get();
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertNotNull(exchange.getException(), "the send should fail while the broker is down");
        assertTrue(hasKafkaTimeout(exchange.getException()), () -> "not a Kafka timeout: " + exchange.getException());
        assertTrue(took.compareTo(bound) < 0, () -> "failing took " + took.toMillis() + " ms, over " + bound.toMillis() + " ms");
    }

    private static boolean hasKafkaTimeout(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof org.apache.kafka.common.errors.TimeoutException) {
                return true;
            }
        }
        return false;
    }
}
