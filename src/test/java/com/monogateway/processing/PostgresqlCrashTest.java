package com.monogateway.processing;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.monogateway.support.Db;
import com.monogateway.support.RunningGateway;
import com.monogateway.support.SteadyLoad;
import com.monogateway.support.TestPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL killed under load (every server process at once, as by the OOM killer or a power cut to the server
 * process): every event answered 200 was durable before its answer, and applying an event is one transaction with
 * taking it off the waiting queue, so after crash recovery each is applied exactly once and none half.
 */
class PostgresqlCrashTest {

    @Test
    void aCrashOfPostgresqlUnderLoadLosesNoAnsweredEventAndLeavesNoneHalfApplied(@TempDir Path pgData) throws Exception {
        int pgPort = RunningGateway.freePort();
        EmbeddedPostgres postgres = TestPostgres.startRestartable(pgData, pgPort);
        Properties settings = RunningGateway.onServer(postgres);
        try (RunningGateway gateway = RunningGateway.start(settings)) {
            Set<String> accepted;
            try (SteadyLoad load = new SteadyLoad(gateway.webhookUri(), 4, 11)) {
                Db before = new Db(postgres.getJdbcUrl("postgres", "postgres"));
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> before.count("SELECT count(*) FROM webhook_events WHERE status = 'processed'") >= 300);
                crash(pgData); // every server process killed at once: what was only in its memory is gone
                postgres.close(); // lets go of the data directory's lock; stopping a killed server does nothing
                postgres = TestPostgres.startRestartable(pgData, pgPort); // crash recovery from the WAL on disk
                long answeredBefore = load.accepted().size();
                await().atMost(Duration.ofSeconds(30)).until(() -> load.accepted().size() > answeredBefore + 50);
                accepted = load.accepted();
            }
            gateway.awaitInboxDrained();

            Db db = new Db(postgres.getJdbcUrl("postgres", "postgres"));
            int answered = accepted.size();
            assertEquals(answered, db.count("SELECT count(*) FROM webhook_events WHERE event_id = ANY (?) AND status = 'processed'",
                    db.array(accepted)), "every event answered 200 is stored and applied");
            assertEquals(answered, db.count("""
                    SELECT count(*) FROM payment_status_history h JOIN webhook_events e ON e.id = h.inbox_event_id
                    WHERE e.event_id = ANY (?)""", db.array(accepted)), "and each has its history row, once");
            assertEquals(0, db.count("""
                    SELECT count(*) FROM webhook_events e WHERE e.status = 'processed'
                    AND NOT EXISTS (SELECT 1 FROM payment_status_history h WHERE h.inbox_event_id = e.id)"""),
                    "no event is marked processed without what applying it wrote");
            assertTrue(answered > 350, answered + " events answered 200 around the crash");
        } finally {
            postgres.close();
        }
    }

    /** SIGKILL to the postmaster and every process under it, as when the machine's PostgreSQL is killed by the OOM killer. */
    private static void crash(Path pgData) throws Exception {
        long postmaster = Long.parseLong(Files.readAllLines(pgData.resolve("postmaster.pid")).get(0).trim());
        ProcessHandle server = ProcessHandle.of(postmaster).orElseThrow();
        List<ProcessHandle> all = new java.util.ArrayList<>(server.descendants().toList());
        all.add(server);
        all.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle p : all) {
            p.onExit().get();
        }
    }
}
