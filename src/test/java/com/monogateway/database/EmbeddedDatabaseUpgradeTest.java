package com.monogateway.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.monogateway.support.Db;
import com.monogateway.support.RunningGateway;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A data directory made by a version before the lock-down is taken over at start and keeps its data. */
class EmbeddedDatabaseUpgradeTest {

    @Test
    void anEarlierVersionsDataDirectoryIsLockedDownAndKeepsItsEvents(@TempDir Path dataDir) throws Exception {
        int port = RunningGateway.freePort();
        // As earlier versions left it: zonky's defaults (trust, no password), the gateway's tables owned by
        // postgres in the database postgres; its schema one migration behind, so that the new start migrates as the new role.
        try (EmbeddedPostgres earlier = EmbeddedPostgres.builder().setDataDirectory(dataDir.resolve("postgres"))
                .setCleanDataDirectory(false).setPort(port).start()) {
            Flyway.configure().dataSource(earlier.getPostgresDatabase()).locations("classpath:db/migration").target("3").load().migrate();
            new Db(earlier.getJdbcUrl("postgres", "postgres")).execute(
                    "INSERT INTO webhook_events (event_type, event_id, dedupe_key, payload) VALUES (?, ?, ?, CAST(? AS jsonb))",
                    "mono.events.account_connected", "evt_before_upgrade", "evt_before_upgrade", "{\"event\":\"mono.events.account_connected\"}");
        }
        Map<String, String> settings = Map.of("mono.data.dir", dataDir.toString(), "mono.embedded-db.port", Integer.toString(port));

        for (int start = 1; start <= 2; start++) {
            try (GatewayDatabase database = GatewayDatabase.open(EmbeddedDatabaseSecurityTest.settings(settings))) {
                String url = "jdbc:postgresql://localhost:" + port + "/postgres";
                Db gateway = new Db(url, "mono_gateway", Files.readString(dataDir.resolve("postgres-password")).strip());

                assertEquals(1, gateway.count("SELECT count(*) FROM webhook_events WHERE event_id = 'evt_before_upgrade'"), "start " + start);
                assertEquals("{\"event\": \"mono.events.account_connected\"}", gateway.row(
                        "SELECT body FROM webhook_events WHERE event_id = 'evt_before_upgrade'").get("body"), "its body from the jsonb it had");
                assertEquals(1, gateway.count("SELECT count(*) FROM flyway_schema_history WHERE version = '4' AND success"),
                        "V4 applied by the gateway's role");
                assertEquals(List.of(), gateway.rows("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tableowner <> 'mono_gateway'"));
                assertEquals(List.of(), gateway.rows("SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace"
                        + " AND proowner <> 'mono_gateway'::regrole"));
                assertEquals(false, gateway.row("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").get("rolsuper"));
                try (Connection c = database.dataSource().getConnection();
                        var insert = c.prepareStatement("INSERT INTO webhook_events (event_type, dedupe_key, body) VALUES ('t', ?, '{}')")) {
                    insert.setString(1, "after-start-" + start);
                    insert.executeUpdate();
                }
                assertEquals(start + 1L, gateway.count("SELECT count(*) FROM webhook_events"));
                SQLException refused = assertThrows(SQLException.class, () -> DriverManager.getConnection(url, "postgres", "").close(),
                        "trust is gone");
                assertTrue(refused.getMessage().contains("password"), refused.getMessage());
                assertTrue(Files.readAllLines(dataDir.resolve("postgres/pg_hba.conf")).stream()
                        .noneMatch(line -> !line.startsWith("#") && line.contains("trust")));
                assertTrue(database.description().contains("database postgres, user mono_gateway"), database.description());
            }
        }
    }
}
