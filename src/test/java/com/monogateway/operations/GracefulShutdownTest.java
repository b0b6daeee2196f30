package com.monogateway.operations;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.monogateway.support.Db;
import com.monogateway.support.GatewayProcess;
import com.monogateway.support.RunningGateway;
import com.monogateway.support.SteadyLoad;
import com.monogateway.support.TestPostgres;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM under load, on the gateway as a separate process: every event answered 200 is stored, and
 * processed by the next start at the latest; late requests get 503 or find the port closed.
 */
class GracefulShutdownTest {

    @Test
    void sigtermUnderLoadLosesNothingAnswered200(@TempDir Path dataDir) throws Exception {
        String dbUrl = TestPostgres.newDatabase();
        int port = RunningGateway.freePort();
        URI webhook = URI.create("http://127.0.0.1:" + port + "/webhooks/mono");

        Process gateway = GatewayProcess.start(dbUrl, port, dataDir, "graceful-shutdown-first");
        GatewayProcess.awaitUp(webhook);
        SteadyLoad load = new SteadyLoad(webhook, 8, 1);
        await().atMost(Duration.ofSeconds(30)).until(() -> load.accepted().size() > 20);
        int beforeSigterm = load.accepted().size();
        gateway.destroy(); // SIGTERM
        assertTrue(gateway.waitFor(60, TimeUnit.SECONDS), "the gateway stopped within its shutdown timeout");
        load.close();
        // 143 is how the JVM reports an orderly exit after SIGTERM.
        assertTrue(gateway.exitValue() == 0 || gateway.exitValue() == 143, "a clean exit, not " + gateway.exitValue());
        assertTrue(beforeSigterm > 20, "the load was running: " + beforeSigterm + " events before SIGTERM");
        // The log holds the shutdown to its end: lines are written at once while the JVM exits, not left in a block.
        String log = Files.readString(Path.of("target", "graceful-shutdown-first.log"));
        assertTrue(log.contains("webhook HTTP server stopped") && log.contains("(mono-webhook-gateway) shutdown in"),
                "the log's last lines: " + log.substring(Math.max(0, log.length() - 1500)));
        // Late requests get 503 (so Mono retries them) until the port closes, also in the moment between
        // the webhook route stopping and the HTTP server closing (ShutdownFallback): never another answer. (Whether
        // a request fell into that moment depends on timing, so that some did is not asserted.)
        assertTrue(Set.of(503).containsAll(load.otherStatuses()), "late requests get 503 and nothing else: " + load.statusCounts());

        Set<String> accepted = load.accepted();
        Db db = new Db(dbUrl);
        assertEquals(accepted.size(), db.count("SELECT count(*) FROM webhook_events WHERE event_id = ANY (?)", db.array(accepted)),
                "every event answered 200 is stored");

        Process again = GatewayProcess.start(dbUrl, port, dataDir, "graceful-shutdown-second");
        try {
            GatewayProcess.awaitUp(webhook);
            await().atMost(Duration.ofSeconds(60)).until(() -> db.count("SELECT count(*) FROM webhook_events WHERE status = 'received'") == 0);
            assertEquals(accepted.size(), db.count("SELECT count(*) FROM webhook_events WHERE status = 'processed' AND event_id = ANY (?)",
                    db.array(accepted)));
        } finally {
            again.destroy();
            again.waitFor(60, TimeUnit.SECONDS);
        }
    }
}
