package com.monogateway.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.monogateway.support.GatewayProcess;
import com.monogateway.support.JmsBroker;
import com.monogateway.support.MonoEvents;
import com.monogateway.support.RunningGateway;
import com.monogateway.support.TestPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway, as a separate process configured only by environment variables (MONO_JMS_URL,
 * MONO_JMS_USERNAME, MONO_JMS_PASSWORD, MONO_FORWARD_URI), forwards an applied event to a real AMQP
 * broker that lets in only that user; a broker URL it cannot use stops its start.
 */
class JmsForwardingTest {

    private static final String QUEUE = "mono-events";
    private static final String BROKER_PASSWORD = "broker-pw-Zq81xv";

    @Test
    void forwardsAnAppliedEventToTheBrokerNamedByEnvironmentVariables(@TempDir Path dataDir) throws Exception {
        try (JmsBroker broker = JmsBroker.onFreePort("gateway", BROKER_PASSWORD)) {
            int port = RunningGateway.freePort();
            Map<String, String> env = GatewayProcess.environment(TestPostgres.newDatabase(), port, dataDir);
            env.put("MONO_FORWARD_URI", "amqp:queue:" + QUEUE);
            env.put("MONO_JMS_URL", broker.url());
            env.put("MONO_JMS_USERNAME", "gateway");
            env.put("MONO_JMS_PASSWORD", BROKER_PASSWORD);
            Process gateway = GatewayProcess.start(env, "jms-forwarding");
            String event = MonoEvents.v2("mono.events.account_updated", "2024-05-01T10:00:00.000Z",
                    MonoEvents.accountUpdatedData("acc_jms_1", 125_000, "NGN"));
            try {
                URI webhook = URI.create("http://127.0.0.1:" + port + "/webhooks/mono");
                GatewayProcess.awaitUp(webhook);
                HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(webhook)
                        .header("Content-Type", "application/json").header("mono-webhook-secret", RunningGateway.SECRET)
                        .POST(HttpRequest.BodyPublishers.ofString(event)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, answer.statusCode(), answer.body());

                List<JmsBroker.Received> received = broker.receive(QUEUE, 1, Duration.ofSeconds(30));
                assertEquals(1, received.size(), "the event reached the broker");
                JmsBroker.Received message = received.get(0);
                ObjectMapper json = new ObjectMapper();
                String eventId = json.readTree(event).get("event_id").asText();
                assertEquals(event, message.body(), "the event as Mono sent it");
                assertEquals("mono.events.account_updated", message.properties().get("MonoEvent"));
                assertEquals(eventId, message.properties().get("MonoEventId"));
                assertEquals(eventId, message.properties().get("MonoDedupeKey"));
                assertEquals(eventId, message.correlationId(), "JMSCorrelationID is the dedupe key");
                assertEquals("application/json", message.contentType(), "the AMQP content type");
            } finally {
                gateway.destroy();
                gateway.waitFor(60, TimeUnit.SECONDS);
            }
            String log = Files.readString(Path.of("target", "jms-forwarding.log"));
            assertFalse(log.contains(BROKER_PASSWORD), "the broker password is not logged");
            assertTrue(log.contains("mono.jms.password = ****** (set)"), "the start summary shows that it is set");
        }
    }

    @Test
    void aBrokerUrlItCannotUseStopsTheStartNamingTheKey(@TempDir Path dataDir) throws Exception {
        Map<String, String> env = GatewayProcess.environment(TestPostgres.newDatabase(), RunningGateway.freePort(), dataDir);
        env.put("MONO_FORWARD_URI", "amqp:queue:" + QUEUE);
        env.put("MONO_JMS_URL", "amqp://esb.example:5672?jms.sendTimout=10000");
        Process gateway = GatewayProcess.start(env, "jms-bad-url");
        assertTrue(gateway.waitFor(60, TimeUnit.SECONDS), "the start was refused");
        assertTrue(gateway.exitValue() != 0, "exit code " + gateway.exitValue());
        String log = Files.readString(Path.of("target", "jms-bad-url.log"));
        assertTrue(log.contains("mono.jms.url") && log.contains("sendTimout"), log);
    }
}
