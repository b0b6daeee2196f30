package com.monogateway.ingest;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.monogateway.support.Db;
import com.monogateway.support.RunningGateway;
import com.monogateway.support.TestPostgres;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A database that goes away mid-run: 503 while it is gone (so Mono retries; the admin API too) and readiness down while
 * liveness stays up; 200 and ready again once it is back.
 */
class DatabaseOutageTest {

    private static final String ADMIN_TOKEN = "outage-admin-token-0123456789abcdef";

    @Test
    void answers503AndIsNotReadyWhileTheDatabaseIsDownAndRecovers(@TempDir Path pgData) throws Exception {
        int pgPort = RunningGateway.freePort();
        EmbeddedPostgres postgres = TestPostgres.startRestartable(pgData, pgPort);
        Properties settings = RunningGateway.onServer(postgres);
        settings.setProperty("mono.admin.token", ADMIN_TOKEN);

        try (RunningGateway gateway = RunningGateway.start(settings)) {
            assertEquals(200, gateway.post(event("before")).statusCode());
            assertEquals(200, gateway.management("/observe/health/live").statusCode());
            HttpResponse<String> ready = gateway.management("/observe/health/ready?data=true");
            assertEquals(200, ready.statusCode(), ready.body());
            assertTrue(ready.body().contains("\"backlog\"") && ready.body().contains("\"open_dead_letters\""), ready.body());

            postgres.close();
            HttpResponse<String> during = gateway.post(event("during"));
            assertEquals(503, during.statusCode(), during.body());
            assertEquals("{\"error\":\"unavailable\",\"message\":\"the event could not be stored; retry later\"}", during.body());
            HttpResponse<String> admin = gateway.admin("GET", "/admin/dead-letters", ADMIN_TOKEN, null);
            assertEquals(503, admin.statusCode(), admin.body());
            assertEquals("{\"error\":\"unavailable\",\"message\":\"the request could not be completed; retry later\"}", admin.body());
            HttpResponse<String> notReady = gateway.management("/observe/health/ready");
            assertEquals(503, notReady.statusCode(), notReady.body());
            assertTrue(notReady.body().contains("database"), notReady.body());
            assertEquals(200, gateway.management("/observe/health/live").statusCode(), "liveness does not depend on the database");

            postgres = TestPostgres.startRestartable(pgData, pgPort);
            String after = event("after");
            await().atMost(Duration.ofSeconds(30)).until(() -> gateway.post(after).statusCode() == 200);
            await().atMost(Duration.ofSeconds(30)).until(() -> gateway.management("/observe/health/ready").statusCode() == 200);

            Db db = new Db(postgres.getJdbcUrl("postgres", "postgres"));
            assertEquals(1, db.count("SELECT count(*) FROM webhook_events WHERE event_id LIKE 'before-%'"));
            assertEquals(0, db.count("SELECT count(*) FROM webhook_events WHERE event_id LIKE 'during-%'"));
            assertEquals(1, db.count("SELECT count(*) FROM webhook_events WHERE event_id LIKE 'after-%'"));
        } finally {
            postgres.close();
        }
    }


    private static String event(String label) {
        return "{\"event\":\"mono.events.account_connected\",\"event_id\":\"" + label + "-" + UUID.randomUUID()
                + "\",\"data\":{\"id\":\"acc_1\"}}";
    }
}
