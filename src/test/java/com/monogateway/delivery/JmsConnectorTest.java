package com.monogateway.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.monogateway.config.GatewaySettings;
import com.monogateway.config.SettingsException;
import com.monogateway.support.CapturedLogs;
import com.monogateway.support.JmsBroker;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.ExchangePattern;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The JMS connector against a real AMQP 1.0 broker (embedded Artemis): what arrives, and how fast a send
 * fails when the broker is stopped, silent or refuses the login.
 */
@Timeout(60) // a send that hangs is the failure this class looks for: end it, do not wait for CI's limit
class JmsConnectorTest {

    private static final String QUEUE = "mono-events";
    private static final String BODY = "{\"event\":\"mono.events.account_updated\",\"data\":{\"id\":\"evt-1\",\"amount\":-1250,"
            + "\"note\":\"caf\u00e9 \\\"quoted\\\"\"}}";
    /** Longest a failed send may take: the connect timeout (5 s) plus scheduling slack on a busy CI machine. */
    private static final Duration FAILURE_BOUND = Duration.ofSeconds(12);

    private CamelContext camel;

    @AfterEach
    void stopCamel() {
        if (camel != null) {
            camel.stop();
        }
    }

    @Test
    void deliversTheExactBodyCorrelationIdAndMonoHeaders() {
        try (JmsBroker broker = JmsBroker.onFreePort()) {
            ProducerTemplate producer = camelFor(broker.url(), Optional.empty(), Optional.empty());

            send(producer, "amqp:queue:" + QUEUE, "dedupe-key-1");
            // The plain jms: component finds the same connection factory.
            send(producer, "jms:queue:" + QUEUE, "dedupe-key-2");

            List<JmsBroker.Received> received = broker.receive(QUEUE, 2, Duration.ofSeconds(5));
            assertEquals(2, received.size());
            for (int i = 0; i < 2; i++) {
                JmsBroker.Received message = received.get(i);
                String key = "dedupe-key-" + (i + 1);
                assertEquals(BODY, message.body(), "the body's UTF-8 bytes, unchanged");
                assertEquals("application/json", message.contentType(), "in a data section typed as JSON");
                assertEquals(key, message.correlationId());
                assertEquals("mono.events.account_updated", message.properties().get("MonoEvent"));
                assertEquals("evt-1", message.properties().get("MonoEventId"));
                assertEquals(key, message.properties().get("MonoDedupeKey"));
            }
        }
    }

    @Test
    void aSendToAStoppedBrokerFailsWithinSecondsAndTheNextOneAfterItsReturnGetsThrough() {
        try (JmsBroker broker = JmsBroker.onFreePort()) {
            ProducerTemplate producer = camelFor(broker.url(), Optional.empty(), Optional.empty());
            send(producer, "amqp:queue:" + QUEUE, "before");

            broker.stop();
            Duration took = timeFailure(() -> send(producer, "amqp:queue:" + QUEUE, "during"));
            System.out.println("send to a stopped broker failed after " + took.toMillis() + " ms");
            assertTrue(took.compareTo(FAILURE_BOUND) < 0, "took " + took);

            broker.start();
            send(producer, "amqp:queue:" + QUEUE, "after");
            List<JmsBroker.Received> received = broker.receive(QUEUE, 1, Duration.ofSeconds(5));
            assertEquals(1, received.size());
            assertEquals("after", received.get(0).correlationId());
        }
    }

    @Test
    void withAFailoverUrlAFirstSendWhileEveryBrokerIsDownFailsWithinSeconds() {
        try (JmsBroker broker = JmsBroker.onFreePort()) {
            broker.stop();
            // Qpid's failover retries a first connection for ever by default, and no timeout ends that wait.
            ProducerTemplate producer = camelFor("failover:(" + broker.url() + ")", Optional.empty(), Optional.empty());

            Duration took = timeFailure(() -> send(producer, "amqp:queue:" + QUEUE, "never-connected"));
            System.out.println("first send through failover to a stopped broker failed after " + took.toMillis() + " ms");
            assertTrue(took.compareTo(FAILURE_BOUND) < 0, "took " + took);

            broker.start();
            send(producer, "amqp:queue:" + QUEUE, "connected");
            assertEquals("connected", broker.receive(QUEUE, 1, Duration.ofSeconds(5)).get(0).correlationId());
        }
    }

    @Test
    void aBrokerThatAcceptsTheConnectionButNeverAnswersFailsTheSendAfterTheConnectTimeout() throws IOException {
        // The operating system completes TCP handshakes into the backlog; nothing ever speaks AMQP.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            ProducerTemplate producer = camelFor("amqp://127.0.0.1:" + silent.getLocalPort(), Optional.empty(), Optional.empty());

            Duration took = timeFailure(() -> send(producer, "amqp:queue:" + QUEUE, "silent"));
            System.out.println("send to a silent broker failed after " + took.toMillis() + " ms");
            assertTrue(took.toMillis() >= JmsConnector.CONNECT_TIMEOUT_MS - 500, "took " + took);
            assertTrue(took.compareTo(FAILURE_BOUND) < 0, "took " + took);
        }
    }

    @Test
    void theLoginReachesTheBrokerAndAWrongPasswordFailsAtOnceWithoutShowingIt() {
        try (JmsBroker broker = JmsBroker.onFreePort("gateway", "s3cret-broker-pw")) {
            ProducerTemplate producer = camelFor(broker.url(), Optional.of("gateway"), Optional.of("s3cret-broker-pw"));
            send(producer, "amqp:queue:" + QUEUE, "logged-in");
            assertEquals("logged-in", broker.receive(QUEUE, 1, Duration.ofSeconds(5)).get(0).correlationId());
            camel.stop();

            ProducerTemplate wrong = camelFor(broker.url(), Optional.of("gateway"), Optional.of("not-the-password"));
            long start = System.nanoTime();
            CamelExecutionException failure = assertThrows(CamelExecutionException.class,
                    () -> send(wrong, "amqp:queue:" + QUEUE, "refused"));
            assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(FAILURE_BOUND) < 0);
            String trace = stackTrace(failure);
            assertTrue(trace.toLowerCase().contains("sasl") || trace.toLowerCase().contains("auth"), trace);
            assertFalse(trace.contains("not-the-password"), trace);
        }
    }

    @Test
    void aMistypedOptionIsRefusedBeforeAnySendAndASecretInItIsNotRepeated() {
        CapturedLogs logs = new CapturedLogs();
        try {
            checkRefusals();
        } finally {
            logs.detach();
        }
        assertFalse(logs.all().contains("hunter2"), logs.all());
    }

    private static void checkRefusals() {
        var timeout = assertThrows(IllegalArgumentException.class, () -> JmsConnector.check("amqp://esb:5672?jms.sendTimeot=1"));
        assertTrue(timeout.getMessage().contains("sendTimeot"), timeout.getMessage());
        var transport = assertThrows(IllegalArgumentException.class,
                () -> JmsConnector.check("amqp://esb:5672?transport.conectTimeout=1"));
        assertTrue(transport.getMessage().contains("conectTimeout"), transport.getMessage());
        var password = assertThrows(IllegalArgumentException.class, () -> JmsConnector.check("amqp://esb:5672?jms.pasword=hunter2"));
        assertTrue(password.getMessage().contains("pasword"), password.getMessage());
        assertFalse(password.getMessage().contains("hunter2"), password.getMessage());
        var transportPassword = assertThrows(IllegalArgumentException.class,
                () -> JmsConnector.check("amqps://esb:5671?transport.trustStorePasword=hunter2"));
        assertTrue(transportPassword.getMessage().contains("transport.trustStorePasword"), transportPassword.getMessage());
        assertFalse(transportPassword.getMessage().contains("hunter2"), transportPassword.getMessage());
        assertThrows(IllegalArgumentException.class, () -> JmsConnector.check("tcp://esb:61616"));
        assertThrows(IllegalArgumentException.class, () -> JmsConnector.check("amqp://user:pw@esb:5672"));

        JmsConnector.check("amqps://esb:5671?transport.trustAll=false&transport.trustStorePassword=x&amqp.idleTimeout=30000");
        JmsConnector.check("failover:(amqp://esb1:5672,amqp://esb2:5672)?failover.maxReconnectAttempts=3");
    }

    @Test
    void theSettingsRefuseALoginWithoutItsPasswordAndTellTheEnvironmentVariables() {
        Map<String, String> keys = new java.util.HashMap<>(Map.of("mono.webhook.secret", "a-webhook-secret-of-some-length",
                "mono.jms.url", "amqp://esb:5672", "mono.jms.username", "gateway"));
        var missing = assertThrows(SettingsException.class, () -> GatewaySettings.from(k -> Optional.ofNullable(keys.get(k))));
        assertTrue(missing.getMessage().contains("MONO_JMS_PASSWORD"), missing.getMessage());

        keys.put("mono.jms.password", " pw with spaces ");
        var jms = GatewaySettings.from(k -> Optional.ofNullable(keys.get(k))).jms();
        assertEquals(Optional.of(" pw with spaces "), jms.password(), "a password is taken as given");
        assertEquals(Optional.of("amqp://esb:5672"), jms.url());
    }

    @Test
    void theUrlsOwnTimeoutsWinOverTheDefaults() {
        assertEquals("amqp://esb:5672?transport.connectTimeout=5000", JmsConnector.withDefaults("amqp://esb:5672").toString());
        assertEquals("amqp://esb:5672?amqp.idleTimeout=30000&transport.connectTimeout=5000",
                JmsConnector.withDefaults("amqp://esb:5672?amqp.idleTimeout=30000").toString());
        assertEquals("amqp://esb:5672?transport.connectTimeout=20000",
                JmsConnector.withDefaults("amqp://esb:5672?transport.connectTimeout=20000").toString());
        assertEquals("failover:(amqp://a:5672,amqp://b:5672)?failover.nested.transport.connectTimeout=5000"
                + "&failover.startupMaxReconnectAttempts=1", JmsConnector.withDefaults("failover:(amqp://a:5672,amqp://b:5672)").toString());
        assertEquals("failover:(amqp://a:5672?transport.connectTimeout=9000)?failover.maxReconnectAttempts=5",
                JmsConnector.withDefaults("failover:(amqp://a:5672?transport.connectTimeout=9000)?failover.maxReconnectAttempts=5").toString());

        var factory = JmsConnector.connectionFactory("amqp://esb:5672?jms.sendTimeout=30000", Optional.empty(), Optional.empty());
        assertEquals(30_000, factory.getSendTimeout());
        assertEquals(JmsConnector.CONNECT_TIMEOUT_MS, factory.getConnectTimeout());
        assertEquals(JmsConnector.REQUEST_TIMEOUT_MS, factory.getRequestTimeout());
        assertNull(factory.getUsername());
    }

    private ProducerTemplate camelFor(String url, Optional<String> username, Optional<String> password) {
        camel = new DefaultCamelContext();
        JmsConnector.install(camel, url, username, password, 8);
        camel.start();
        return camel.createProducerTemplate();
    }

    private static void send(ProducerTemplate producer, String uri, String dedupeKey) {
        producer.sendBodyAndHeaders(uri, ExchangePattern.InOnly, BODY, Map.<String, Object>of(
                "JMSCorrelationID", dedupeKey,
                "MonoEvent", "mono.events.account_updated",
                "MonoEventId", "evt-1",
                "MonoDedupeKey", dedupeKey));
    }

    private static Duration timeFailure(Runnable send) {
        long start = System.nanoTime();
        assertThrows(CamelExecutionException.class, send::run);
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private static String stackTrace(Throwable t) {
        var out = new java.io.StringWriter();
        t.printStackTrace(new java.io.PrintWriter(out));
        return out.toString();
    }
}
