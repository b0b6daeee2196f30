package com.monogateway.ingest;

import com.monogateway.event.MonoEnvelope;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.monogateway.support.Db;
import com.monogateway.support.RunningGateway;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Two inboxes (two gateway instances) storing the same redelivered events at the same moment, in
 * opposite orders: each event is stored once and no write fails. In arrival order the two groups
 * deadlocked on the unique index (the benchmark's two-instance phase answered 503 to ten of them).
 */
class InboxOrderTest {

    @Test
    void twoInboxesStoringTheSameEventsInOppositeOrdersNeitherDeadlockNorStoreTwice() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        try (RunningGateway gateway = RunningGateway.start()) {
            Db db = gateway.db();
            for (int round = 0; round < 20; round++) {
                List<MonoEnvelope> events = new ArrayList<>();
                for (int i = 0; i < 64; i++) {
                    String json = "{\"event\":\"mono.events.account_updated\",\"event_id\":\"order-" + round + "-" + i
                            + "\",\"data\":{\"id\":\"acc_" + i + "\"}}";
                    events.add(MonoEnvelope.parse(json.getBytes(StandardCharsets.UTF_8), mapper));
                }
                List<MonoEnvelope> reversed = new ArrayList<>(events);
                Collections.reverse(reversed);
                try (HikariDataSource a = pool(db); HikariDataSource b = pool(db);
                        Inbox first = new Inbox(a, 2, 200, 10_000); Inbox second = new Inbox(b, 2, 200, 10_000)) {
                    // Every store waits at the gate, so each inbox's writers take large groups of the same events.
                    ExecutorService threads = Executors.newFixedThreadPool(2 * events.size());
                    CountDownLatch gate = new CountDownLatch(1);
                    CountDownLatch ready = new CountDownLatch(2 * events.size());
                    try {
                        List<Future<Inbox.Stored>> stored = new ArrayList<>();
                        for (int i = 0; i < events.size(); i++) {
                            MonoEnvelope forward = events.get(i);
                            MonoEnvelope backward = reversed.get(i);
                            stored.add(threads.submit(() -> {
                                ready.countDown();
                                gate.await();
                                return first.store(forward, null);
                            }));
                            stored.add(threads.submit(() -> {
                                ready.countDown();
                                gate.await();
                                return second.store(backward, null);
                            }));
                        }
                        // Every store is waiting at the gate before it opens: all 128 are offered at once.
                        assertTrue(ready.await(30, java.util.concurrent.TimeUnit.SECONDS));
                        gate.countDown();
                        int duplicates = 0;
                        for (Future<Inbox.Stored> f : stored) {
                            Inbox.Stored row = f.get(); // a deadlock would throw here
                            assertTrue(row.id() > 0);
                            duplicates += row.duplicate() ? 1 : 0;
                        }
                        assertEquals(events.size(), duplicates, "each event stored by one inbox, found by the other");
                    } finally {
                        threads.shutdownNow();
                    }
                }
                assertEquals(64, db.count("SELECT count(*) FROM webhook_events WHERE event_id LIKE ?", "order-" + round + "-%"));
            }
        }
    }

    private static HikariDataSource pool(Db db) {
        HikariDataSource pool = new HikariDataSource();
        pool.setJdbcUrl(db.url());
        pool.setUsername(db.user());
        pool.setPassword(db.password());
        pool.setMaximumPoolSize(4);
        return pool;
    }
}
