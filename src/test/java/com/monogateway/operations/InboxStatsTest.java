package com.monogateway.operations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.monogateway.config.GatewaySettings;
import com.monogateway.database.GatewayDatabase;
import com.monogateway.support.Db;
import com.monogateway.support.RunningGateway;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The backlog figures read a bounded part of the inbox, and still tell the truth. */
class InboxStatsTest {

    @Test
    void countsTheBacklogExactlyUpToTenThousandAndByTheSpanOfIdsAbove() throws Exception {
        Properties settings = RunningGateway.defaults();
        try (GatewayDatabase database = GatewayDatabase.open(GatewaySettings.from(key -> Optional.ofNullable(settings.getProperty(key))))) {
            Db db = new Db(settings.getProperty("mono.db.url"));
            InboxStats stats = new InboxStats(database.dataSource());
            stats.refresh();
            assertEquals(0, stats.backlog());
            assertEquals(0.0, stats.oldestAgeSeconds());

            // 30 events, every third still waiting: 10 waiting, the oldest stored 2 minutes ago.
            db.execute("INSERT INTO webhook_events (event_type, dedupe_key, body, status, received_at)"
                    + " SELECT 'x', 'a' || g, '{}', CASE WHEN g % 3 = 0 THEN 'received' ELSE 'processed' END,"
                    + " now() - interval '2 minutes' + g * interval '1 second' FROM generate_series(1, 30) g");
            db.queueReceivedEvents();
            stats.refresh();
            assertEquals(10, stats.backlog());
            assertTrue(stats.oldestAgeSeconds() > 110 && stats.oldestAgeSeconds() < 125, "oldest: " + stats.oldestAgeSeconds());

            // A burst stored and not processed yet: 10,050 more in a row.
            db.execute("INSERT INTO webhook_events (event_type, dedupe_key, body)"
                    + " SELECT 'x', 'b' || g, '{}' FROM generate_series(1, 10050) g");
            db.queueReceivedEvents();
            stats.refresh();
            long waiting = db.count("SELECT count(*) FROM webhook_events WHERE status = 'received'");
            assertEquals(10_060, waiting);
            // Above the exact count: the span of waiting ids, which also covers the 20 processed among the first 30.
            assertEquals(waiting + 18, stats.backlog());
        }
    }
}
