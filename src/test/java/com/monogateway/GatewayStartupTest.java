package com.monogateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.monogateway.support.Db;
import com.monogateway.support.RunningGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start-up rules: required and invalid settings, secret rotation, body limit, the embedded database. */
class GatewayStartupTest {

    @Test
    void refusesToStartWithoutASecretAndNamesTheKey() {
        Properties settings = RunningGateway.defaults();
        settings.setProperty("mono.webhook.secret", " , ");

        Throwable failure = RunningGateway.rootCause(assertThrows(RuntimeException.class, () -> RunningGateway.start(settings)));

        assertTrue(failure.getMessage().contains("mono.webhook.secret"), failure.getMessage());
        assertTrue(failure.getMessage().contains("MONO_WEBHOOK_SECRET"), failure.getMessage());
    }

    @Test
    void refusesToStartWithAnInvalidValueAndNamesTheKey() {
        Properties settings = RunningGateway.defaults();
        settings.setProperty("mono.webhook.max-body-bytes", "1MB");

        Throwable failure = RunningGateway.rootCause(assertThrows(RuntimeException.class, () -> RunningGateway.start(settings)));

        assertEquals("mono.webhook.max-body-bytes must be a whole number, but is '1MB'", failure.getMessage());
    }

    @Test
    void refusesANonPostgresDatabaseUrl() {
        Properties settings = RunningGateway.defaults();
        settings.setProperty("mono.db.url", "jdbc:mysql://localhost/mono");

        Throwable failure = RunningGateway.rootCause(assertThrows(RuntimeException.class, () -> RunningGateway.start(settings)));

        assertTrue(failure.getMessage().startsWith("mono.db.url must be a PostgreSQL JDBC URL"), failure.getMessage());
    }

    @Test
    void acceptsEverySecretOfARotation() {
        Properties settings = RunningGateway.defaults();
        settings.setProperty("mono.webhook.secret", "old-secret-aaaa, new-secret-bbbb");
        try (RunningGateway gateway = RunningGateway.start(settings)) {
            assertEquals(200, gateway.post(event(), "old-secret-aaaa").statusCode());
            assertEquals(200, gateway.post(event(), "new-secret-bbbb").statusCode());
            assertEquals(401, gateway.post(event(), "old-secret-aaaa, new-secret-bbbb").statusCode());
            assertEquals(401, gateway.post(event(), "").statusCode());
            assertEquals(2, gateway.db().count("SELECT count(*) FROM webhook_events"));
        }
    }

    @Test
    void enforcesTheConfiguredBodyLimit() {
        Properties settings = RunningGateway.defaults();
        settings.setProperty("mono.webhook.max-body-bytes", "2048");
        try (RunningGateway gateway = RunningGateway.start(settings)) {
            String small = event();
            String large = small.replace("\"data\":{", "\"data\":{\"pad\":\"" + "y".repeat(2100) + "\",");

            assertEquals(413, gateway.post(large).statusCode());
            assertEquals(200, gateway.post(small).statusCode());
            assertEquals(1, gateway.db().count("SELECT count(*) FROM webhook_events"));
        }
    }

    @Test
    void embeddedDatabaseKeepsEventsAcrossARestart(@TempDir Path dataDir) throws Exception {
        Properties settings = RunningGateway.defaults();
        settings.remove("mono.db.url");
        settings.remove("mono.db.username");
        settings.setProperty("mono.data.dir", dataDir.toString());
        settings.setProperty("mono.embedded-db.port", Integer.toString(RunningGateway.freePort()));
        String body = event();

        try (RunningGateway gateway = RunningGateway.start(settings)) {
            assertEquals("{\"status\":\"received\"}", gateway.post(body).body());
        }
        assertTrue(Files.exists(dataDir.resolve("postgres").resolve("PG_VERSION")), "data lives under mono.data.dir");
        try (RunningGateway gateway = RunningGateway.start(settings)) {
            assertEquals("{\"status\":\"duplicate\"}", gateway.post(body).body());
            Db db = new Db("jdbc:postgresql://localhost:" + settings.getProperty("mono.embedded-db.port") + "/mono",
                    "mono_gateway", Files.readString(dataDir.resolve("postgres-password")).strip());
            assertEquals(1, db.count("SELECT count(*) FROM webhook_events"));
        }
    }

    @Test
    void aTakenWebhookOrManagementPortStopsTheStartWithOneLineAndANonZeroExit(@TempDir Path dataDir) throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            Properties webhookPortTaken = RunningGateway.defaults();
            webhookPortTaken.setProperty("camel.server.port", Integer.toString(taken.getLocalPort()));
            Throwable failure = RunningGateway.rootCause(assertThrows(RuntimeException.class, () -> RunningGateway.start(webhookPortTaken)));
            assertTrue(failure.getMessage().contains("port " + taken.getLocalPort()) && failure.getMessage().contains("camel.server.port"),
                    failure.getMessage());

            Properties managementPortTaken = RunningGateway.defaults();
            managementPortTaken.setProperty("camel.management.port", Integer.toString(taken.getLocalPort()));
            failure = RunningGateway.rootCause(assertThrows(RuntimeException.class, () -> RunningGateway.start(managementPortTaken)));
            assertTrue(failure.getMessage().contains("camel.management.port"), failure.getMessage());

            // As a user runs it: a separate process that exits non-zero with one clear line.
            Process process = com.monogateway.support.GatewayProcess.start(com.monogateway.support.TestPostgres.newDatabase(),
                    taken.getLocalPort(), dataDir, "port-taken");
            assertTrue(process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "the gateway kept running");
            assertEquals(2, process.exitValue());
            String output = Files.readString(Path.of("target", "port-taken.log"));
            assertTrue(output.contains("mono-webhook-gateway cannot start: port " + taken.getLocalPort()), output);
            assertTrue(!output.contains("\tat "), "no stack trace: " + output);
            assertTrue(!output.contains("|-INFO in ch.qos.logback") && !output.contains("|-WARN in"), "no logback status dump: " + output);
            assertTrue(!output.contains("is ready"), output);
        }
    }

    @Test
    void missingOrBrokenRoutesStopTheStart(@TempDir Path routes) throws Exception {
        Properties settings = RunningGateway.defaults();
        settings.setProperty("camel.main.routes-include-pattern", "file:" + routes + "/*.camel.yaml");

        // No route file at all (an unreadable or misnamed routes/ folder looks the same).
        Throwable failure = RunningGateway.rootCause(assertThrows(RuntimeException.class, () -> RunningGateway.start(settings)));
        assertTrue(failure.getMessage().startsWith("no route consumes direct:mono-event"), failure.getMessage());

        // The router without the handlers it sends to.
        Files.copy(Path.of("routes", "event-router.camel.yaml"), routes.resolve("event-router.camel.yaml"));
        failure = RunningGateway.rootCause(assertThrows(RuntimeException.class, () -> RunningGateway.start(settings)));
        assertTrue(failure.getMessage().startsWith("route mono-event-router (") && failure.getMessage().contains("sends to direct:mono-"),
                failure.getMessage());

        // Every handler, but one file is not valid YAML DSL.
        for (String file : new String[] {"accounts.camel.yaml", "payments.camel.yaml", "mandates.camel.yaml"}) {
            Files.copy(Path.of("routes", file), routes.resolve(file));
        }
        Files.writeString(routes.resolve("extra.camel.yaml"), "- route:\n    from:\n      uri: direct:x\n      steps:\n        - nonsense: 1\n");
        Throwable whole = assertThrows(RuntimeException.class, () -> RunningGateway.start(settings));
        String line = GatewayMain.startFailure(whole).orElseThrow();
        assertTrue(line.startsWith("a route file could not be loaded: Unknown node id: nonsense in file:")
                && line.contains("extra.camel.yaml, line 5") && !line.contains("\n"), line);

        Files.delete(routes.resolve("extra.camel.yaml"));

        // A handler whose SQL reads a column its monoEventFields method does not give: refused at start, named.
        Path payments = routes.resolve("payments.camel.yaml");
        String handler = Files.readString(payments);
        Files.writeString(payments, handler.replaceFirst("payment_id( +)text", "paymnet_id$1text"));
        failure = RunningGateway.rootCause(assertThrows(RuntimeException.class, () -> RunningGateway.start(settings)));
        assertTrue(failure.getMessage().startsWith("route mono-payments (") && failure.getMessage().contains("reads column paymnet_id")
                && failure.getMessage().contains("monoEventFields.payment does not give"), failure.getMessage());
        Files.writeString(payments, handler);

        try (RunningGateway gateway = RunningGateway.start(settings)) {
            assertEquals(200, gateway.post(event()).statusCode());
        }
    }

    private static String event() {
        return "{\"event\":\"mono.events.account_connected\",\"event_id\":\"" + UUID.randomUUID() + "\",\"data\":{\"id\":\"acc_1\"}}";
    }

}
