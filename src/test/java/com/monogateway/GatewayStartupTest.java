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

        Throwable failure = rootCause(assertThrows(RuntimeException.class, () -> RunningGateway.start(settings)));

        assertTrue(failure.getMessage().contains("mono.webhook.secret"), failure.getMessage());
        assertTrue(failure.getMessage().contains("MONO_WEBHOOK_SECRET"), failure.getMessage());
    }

    @Test
    void refusesToStartWithAnInvalidValueAndNamesTheKey() {
        Properties settings = RunningGateway.defaults();
        settings.setProperty("mono.webhook.max-body-bytes", "1MB");

        Throwable failure = rootCause(assertThrows(RuntimeException.class, () -> RunningGateway.start(settings)));

        assertEquals("mono.webhook.max-body-bytes must be a whole number, but is '1MB'", failure.getMessage());
    }

    @Test
    void refusesANonPostgresDatabaseUrl() {
        Properties settings = RunningGateway.defaults();
        settings.setProperty("mono.db.url", "jdbc:mysql://localhost/mono");

        Throwable failure = rootCause(assertThrows(RuntimeException.class, () -> RunningGateway.start(settings)));

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

    private static String event() {
        return "{\"event\":\"mono.events.account_connected\",\"event_id\":\"" + UUID.randomUUID() + "\",\"data\":{\"id\":\"acc_1\"}}";
    }

    static Throwable rootCause(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }
}
