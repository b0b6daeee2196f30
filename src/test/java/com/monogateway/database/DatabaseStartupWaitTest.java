package com.monogateway.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.monogateway.config.SettingsException;
import com.monogateway.support.RunningGateway;
import com.monogateway.support.TestPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** mono.db.startup-wait: an external PostgreSQL that is not up yet when the gateway starts. */
class DatabaseStartupWaitTest {

    @Test
    void startsOnceADatabaseThatWasDownComesUpWithinTheWait(@TempDir Path pgData) throws Exception {
        int pgPort = RunningGateway.freePort();
        Properties settings = RunningGateway.defaults();
        settings.setProperty("mono.db.url", "jdbc:postgresql://localhost:" + pgPort + "/postgres");
        settings.setProperty("mono.db.startup-wait", "40s");
        CompletableFuture<EmbeddedPostgres> late = CompletableFuture.supplyAsync(() -> {
            try {
                Thread.sleep(3_000);
                return TestPostgres.startRestartable(pgData, pgPort);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        try (RunningGateway gateway = RunningGateway.start(settings)) {
            assertTrue(late.isDone(), "the gateway was up before its database");
            gateway.postNew("{\"event\":\"mono.events.account_connected\",\"event_id\":\"" + UUID.randomUUID()
                    + "\",\"data\":{\"id\":\"acc_1\"}}");
            assertEquals(200, gateway.management("/observe/health/ready").statusCode());
        } finally {
            late.get(30, TimeUnit.SECONDS).close();
        }
    }

    @Test
    void givesUpWithAOneLineMessageWhenTheDatabaseNeverComes() {
        Properties settings = RunningGateway.defaults();
        String url = "jdbc:postgresql://localhost:" + RunningGateway.freePort() + "/mono";
        settings.setProperty("mono.db.url", url);
        settings.setProperty("mono.db.startup-wait", "2s");
        long start = System.nanoTime();

        RuntimeException failure = assertThrows(RuntimeException.class, () -> RunningGateway.start(settings));

        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        assertTrue(seconds >= 2 && seconds < 15, seconds + " s");
        // What Camel main's run() threw, and so what GatewayMain prints as "cannot start: ..." before exiting with 2.
        SettingsException thrown = assertInstanceOf(SettingsException.class, failure.getCause().getCause(), failure.toString());
        assertTrue(thrown.getMessage().startsWith("PostgreSQL at " + url + " cannot be reached after waiting 2s (mono.db.startup-wait): "
                + "Connection to localhost:"), thrown.getMessage());
        assertTrue(thrown.getMessage().lines().count() == 1, thrown.getMessage());
    }

    @Test
    void zeroMeansOneTryAndShorterWaitsAreRefused() {
        String url = "jdbc:postgresql://localhost:" + RunningGateway.freePort() + "/mono";
        long start = System.nanoTime();

        SettingsException failure = assertThrows(SettingsException.class, () -> GatewayDatabase.open(
                EmbeddedDatabaseSecurityTest.settings(Map.of("mono.db.url", url, "mono.db.startup-wait", "0"))));

        assertTrue(failure.getMessage().startsWith("PostgreSQL at " + url + " cannot be reached: Connection to"), failure.getMessage());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(2), "no waiting");
        SettingsException tooShort = assertThrows(SettingsException.class,
                () -> EmbeddedDatabaseSecurityTest.settings(Map.of("mono.db.startup-wait", "50ms")));
        assertEquals("mono.db.startup-wait must be 0 or at least 100ms, but is '50ms'", tooShort.getMessage());
    }
}
