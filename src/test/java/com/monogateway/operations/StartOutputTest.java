package com.monogateway.operations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.monogateway.support.GatewayProcess;
import com.monogateway.support.RunningGateway;
import com.monogateway.support.TestPostgres;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The gateway started as its own process, the way a user starts it: JSON logs (one ECS object per line
 * from the very first), a local application.properties over the packed defaults, a profile's file over both, Camel's own keys from CAMEL_*
 * environment variables.
 */
class StartOutputTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void jsonLogsAreOneEcsObjectPerLineFromTheFirstAndAProfileAndCamelVariablesApply() throws Exception {
        Path dir = Files.createTempDirectory("gateway-profile");
        // A local file holds only what it changes: every other key keeps the default packed in the jar.
        Files.writeString(dir.resolve("application.properties"), """
                mono.webhook.path=/hooks/local
                mono.processing.batch-size=37
                """);
        int port = RunningGateway.freePort();
        // The profile moves the webhook path; the environment still wins over the profile for the port.
        Files.writeString(dir.resolve("application-staging.properties"), """
                mono.webhook.path=/hooks/staging
                camel.server.port=1
                """);
        Map<String, String> env = GatewayProcess.environment(TestPostgres.newDatabase(), port, Files.createTempDirectory("data"));
        env.put("MONO_PROFILE", "staging");
        env.put("MONO_LOG_FORMAT", "json");
        env.put("CAMEL_COMPONENT_KAFKA_LINGER_MS", "7"); // not in application.properties: Camel's own way
        // Secrets set the ways the README teaches: a Camel component option, and a destination URI's query.
        env.put("CAMEL_COMPONENT_KAFKA_SASL_JAAS_CONFIG",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"gw\" password=\"KafkaPw-s3cr3t\";");
        env.put("MONO_FORWARD_DESTINATIONS", "erp");
        env.put("MONO_FORWARD_ERP_URI", "http://127.0.0.1:9/in?sig=Sig-s3cr3t&throwExceptionOnFailure=true");
        Process gateway = GatewayProcess.startIn(dir, env, "start-output");
        try {
            GatewayProcess.awaitUp(URI.create("http://127.0.0.1:" + port + "/hooks/staging"));
        } finally {
            gateway.destroy();
            gateway.waitFor(30, TimeUnit.SECONDS);
        }
        List<String> lines = Files.readAllLines(Path.of("target/start-output.log"));
        assertFalse(lines.isEmpty());
        for (String line : lines) {
            JsonNode entry = JSON.readTree(line); // throws on a line that is not JSON, the first one included
            assertTrue(entry.hasNonNull("@timestamp") && entry.path("@timestamp").asText().matches("\\d{4}-\\d\\d-\\d\\dT.*Z"), line);
            assertEquals("mono-webhook-gateway", entry.path("service.name").asText(), line);
            assertFalse(entry.path("message").asText().contains("{}"), "formatted, not the pattern: " + line);
        }
        String summary = lines.stream().filter(l -> l.contains("webhooks:")).findFirst().orElseThrow();
        assertTrue(summary.contains("mono.webhook.path = /hooks/staging"), "the profile's value: " + summary);
        assertTrue(summary.contains("camel.server.port = " + port), "the environment's, over the profile's: " + summary);
        assertTrue(summary.contains("camel.component.kafka.linger-ms = 7"), "Camel's key from CAMEL_COMPONENT_KAFKA_LINGER_MS: " + summary);
        assertTrue(summary.contains("settings (from ./application.properties over the defaults packed in the jar"), summary);
        assertTrue(summary.contains("camel.component.kafka.sasl-jaas-config = ****** (set)"), summary);
        assertTrue(summary.contains("erp -> http://127.0.0.1:9/in?sig=xxxxxx&throwExceptionOnFailure=true"),
                "an option the component declares is shown, an unknown parameter masked: " + summary);
        String all = String.join("\n", lines);
        assertFalse(all.contains("KafkaPw-s3cr3t") || all.contains("Sig-s3cr3t"), "no secret in any log line");
        assertTrue(summary.contains("mono.processing.batch-size = 37"), "the local file's value: " + summary);
        assertTrue(summary.contains("mono.processing.workers = " + packagedDefault("mono.processing.workers")),
                "a key the local file lacks keeps its packed default: " + summary);
    }

    private static String packagedDefault(String key) throws Exception {
        java.util.Properties packaged = new java.util.Properties();
        try (var in = Files.newInputStream(Path.of("application.properties"))) {
            packaged.load(in);
        }
        return packaged.getProperty(key);
    }
}
