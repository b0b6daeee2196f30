package com.monogateway.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.monogateway.support.Db;
import com.monogateway.support.RunningGateway;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The forwarder renews the leases of the deliveries it has in flight while it settles those it has sent, in two
 * transactions. A renewal that waited for a row being settled, holding the rows it had already renewed, deadlocked
 * with a settlement that then wanted one of those (seen in the benchmark: a batch settled 2 s late).
 */
class LeaseRenewalTest {

    @Test
    void aRenewalNeverWaitsForADeliveryBeingSettledAndRenewsTheOthers() throws Exception {
        Properties settings = RunningGateway.defaults();
        String url = settings.getProperty("mono.db.url");
        try (RunningGateway gateway = RunningGateway.start(settings)) {
            Db db = gateway.db();
            db.execute("INSERT INTO webhook_events (event_type, event_id, dedupe_key, body) VALUES ('x', 'e1', 'e1', '{}'), ('x', 'e2', 'e2', '{}')");
            db.execute("""
                    INSERT INTO deliveries (webhook_event_id, destination, lease_until)
                    SELECT id, 'erp', now() + interval '1 second' FROM webhook_events WHERE event_id IN ('e1', 'e2')""");
            long first = db.count("SELECT min(id) FROM deliveries");
            long second = db.count("SELECT max(id) FROM deliveries");
            PGSimpleDataSource pool = new PGSimpleDataSource();
            pool.setURL(url);
            DeliveryStore store = new DeliveryStore(pool, List.of());

            try (Connection settling = DriverManager.getConnection(url);
                    Statement st = settling.createStatement()) {
                settling.setAutoCommit(false);
                st.executeUpdate("UPDATE deliveries SET status = 'delivered', lease_until = NULL WHERE id = " + second);

                CompletableFuture<Void> renewal = CompletableFuture.runAsync(() -> {
                    try {
                        store.renew(List.of(first, second), 600_000);
                    } catch (java.sql.SQLException e) {
                        throw new IllegalStateException(e);
                    }
                });
                renewal.get(5, TimeUnit.SECONDS); // waiting for the settling transaction would time out here
                settling.commit();
            }
            assertEquals(1, db.count("SELECT count(*) FROM deliveries WHERE id = ? AND lease_until > now() + interval '5 minutes'", first),
                    "the delivery nobody else held is renewed");
            assertEquals(1, db.count("SELECT count(*) FROM deliveries WHERE id = ? AND status = 'delivered' AND lease_until IS NULL", second),
                    "the settled one stays settled");
        }
    }
}
