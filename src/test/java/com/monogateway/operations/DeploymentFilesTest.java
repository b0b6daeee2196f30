package com.monogateway.operations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.monogateway.config.GatewaySettings;
import com.monogateway.config.KnownKeys;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * No Docker engine here: the Dockerfile and compose.yaml are read as text and YAML, and checked against the
 * gateway's own defaults and documentation, so they cannot drift from what the jar does.
 */
class DeploymentFilesTest {

    private static final String SETTINGS_PAGES = read("docs/configuration.md") + read("docs/delivery.md");
    private static final Properties DEFAULTS = defaults();

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Properties defaults() {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(Path.of("application.properties"))) {
            p.load(in);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return p;
    }

    /** The key an environment variable sets; it must be a key the gateway documents. */
    private static String documentedKey(String variable) {
        KnownKeys.packaged().requireKnown(Set.of(), Map.of(variable, "x")); // throws, naming the closest, for a typo
        String key = DEFAULTS.stringPropertyNames().stream().filter(k -> GatewaySettings.envName(k).equals(variable)).findFirst()
                .orElseThrow(() -> new AssertionError(variable + " sets no key of application.properties"));
        assertTrue(SETTINGS_PAGES.contains("`" + key + "`"), key + " (" + variable + ") is not documented in docs/configuration.md or docs/delivery.md");
        return key;
    }

    private static int containerPort(Object mapping) {
        String[] parts = mapping.toString().split(":");
        return Integer.parseInt(parts[parts.length - 1]);
    }

    @Test
    @SuppressWarnings("unchecked")
    void composeSetsOnlyDocumentedKeysOnTheDefaultPortsAndPaths() {
        Map<String, Object> compose = (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(read("compose.yaml"));
        Map<String, Object> services = (Map<String, Object>) compose.get("services");
        assertEquals(Set.of("postgres", "mailpit", "gateway"), services.keySet());
        assertTrue(((Map<String, Object>) services.get("postgres")).get("image").toString().startsWith("postgres:16"));
        Map<String, Object> gateway = (Map<String, Object>) services.get("gateway");
        Map<String, Object> environment = (Map<String, Object>) gateway.get("environment");
        for (String variable : environment.keySet()) {
            documentedKey(variable);
        }
        assertEquals("jdbc:postgresql://postgres:5432/mono", environment.get("MONO_DB_URL"), "the compose PostgreSQL");
        assertEquals("mailpit", environment.get("MONO_SMTP_HOST"));
        List<Object> ports = (List<Object>) gateway.get("ports");
        assertEquals(List.of(Integer.parseInt(DEFAULTS.getProperty("camel.server.port")),
                Integer.parseInt(DEFAULTS.getProperty("camel.management.port"))), ports.stream().map(DeploymentFilesTest::containerPort).toList());
        assertTrue(ports.get(1).toString().startsWith("127.0.0.1:"), "the management port stays on the host's loopback");
        assertEquals(List.of("./routes:/app/routes:ro"), gateway.get("volumes"));
    }

    @Test
    void theDockerfileRunsTheJarAsNonRootOnTheDefaultPortsWithAReadinessCheck() {
        String dockerfile = read("Dockerfile");
        assertTrue(dockerfile.contains("FROM eclipse-temurin:17-jre"), "a Java 17 runtime");
        Matcher user = Pattern.compile("(?m)^USER (\\S+)").matcher(dockerfile);
        assertTrue(user.find() && !user.group(1).equals("root") && !user.group(1).equals("0"), "runs as a user of its own");
        assertTrue(dockerfile.contains("WORKDIR /app"));
        assertTrue(dockerfile.contains("COPY routes /app/routes"), "routes/ where camel.main.routes-include-pattern ("
                + DEFAULTS.getProperty("camel.main.routes-include-pattern") + ") finds them from /app");
        assertEquals("file:routes/*.camel.yaml", DEFAULTS.getProperty("camel.main.routes-include-pattern"));
        assertTrue(dockerfile.contains("COPY application.properties /app/application.properties"));
        assertTrue(dockerfile.contains("COPY target/mono-webhook-gateway.jar /app/mono-webhook-gateway.jar")
                && dockerfile.contains("\"-jar\", \"/app/mono-webhook-gateway.jar\""));
        assertTrue(dockerfile.contains("EXPOSE " + DEFAULTS.getProperty("camel.server.port") + " "
                + DEFAULTS.getProperty("camel.management.port")));
        assertTrue(dockerfile.contains("http://localhost:" + DEFAULTS.getProperty("camel.management.port") + "/observe/health/ready"),
                "the health check asks the readiness endpoint on the management port");
        Matcher env = Pattern.compile("(?m)^ENV (\\w+)=(\\S+)").matcher(dockerfile);
        while (env.find()) {
            assertEquals("mono.data.dir", documentedKey(env.group(1)));
            assertTrue(dockerfile.contains("VOLUME " + env.group(2)), "the data directory is a volume");
        }
    }
}
