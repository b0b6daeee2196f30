package com.monogateway.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.monogateway.config.GatewaySettings;
import com.monogateway.config.SettingsException;
import com.monogateway.support.CapturedLogs;
import com.monogateway.support.Db;
import com.monogateway.support.RunningGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded PostgreSQL as the gateway starts it with no mono.db.url: nothing gets in without the
 * password from the 0600 file, over loopback TCP only, and the gateway works as a role that is no superuser; the
 * server is as durable as a production one.
 */
class EmbeddedDatabaseSecurityTest {

    @TempDir
    static Path dataDir;
    private static int port;
    private static GatewayDatabase database;
    private static String logs;

    @BeforeAll
    static void start() {
        port = RunningGateway.freePort();
        CapturedLogs captured = new CapturedLogs();
        try {
            database = GatewayDatabase.open(settings(Map.of("mono.data.dir", dataDir.toString(),
                    "mono.embedded-db.port", Integer.toString(port))));
        } finally {
            captured.detach();
        }
        logs = captured.all();
    }

    @AfterAll
    static void stop() {
        if (database != null) {
            database.close();
        }
    }

    static GatewaySettings settings(Map<String, String> values) {
        Map<String, String> all = new HashMap<>(values);
        all.put("mono.webhook.secret", RunningGateway.SECRET);
        return GatewaySettings.from(key -> Optional.ofNullable(all.get(key)));
    }

    @Test
    void refusesLoginsWithoutTheRightPassword() {
        for (String user : List.of("postgres", "mono_gateway")) {
            for (String password : List.of("", "wrong-password")) {
                SQLException refused = assertThrows(SQLException.class, () -> connect("postgres", user, password).close(),
                        user + " with password '" + password + "'");
                // 28P01: the server refused the password; 08004: the driver had none to offer for SCRAM.
                assertTrue(Set.of("28P01", "08004").contains(refused.getSQLState()), refused.getSQLState() + " " + refused.getMessage());
            }
        }
    }

    @Test
    void theGatewayWorksAsItsOwnRoleThatIsNoSuperuserAndOwnsTheTables() throws Exception {
        Db db = new Db(url("mono"), "mono_gateway", password("postgres-password"));

        assertEquals("mono_gateway", db.row("SELECT current_user AS who").get("who"));
        assertEquals(false, db.row("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").get("rolsuper"));
        assertEquals(Map.of("rolcreatedb", false, "rolcreaterole", false, "rolbypassrls", false),
                db.row("SELECT rolcreatedb, rolcreaterole, rolbypassrls FROM pg_roles WHERE rolname = current_user"));
        assertEquals("mono_gateway", db.row("SELECT tableowner FROM pg_tables WHERE tablename = 'webhook_events'").get("tableowner"));
        assertEquals(0, db.count("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner <> 'mono_gateway'"));
        try (Connection c = database.dataSource().getConnection(); var s = c.createStatement();
                var rs = s.executeQuery("SELECT current_user, current_database()")) {
            assertTrue(rs.next());
            assertEquals("mono_gateway", rs.getString(1));
            assertEquals("mono", rs.getString(2));
        }
    }

    @Test
    void theSuperuserHasAPasswordOfItsOwn() throws Exception {
        Db superuser = new Db(url("postgres"), "postgres", password("postgres-superuser-password"));

        assertEquals(true, superuser.row("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").get("rolsuper"));
        assertFalse(password("postgres-superuser-password").equals(password("postgres-password")));
    }

    /** Durable as a production server, and its table pages written out as they are made (docs/deploy.md). */
    @Test
    void commitsWaitForTheDiskAndTablePagesAreWrittenOutAsTheyAreMade() throws Exception {
        Db superuser = new Db(url("postgres"), "postgres", password("postgres-superuser-password"));

        for (String on : List.of("synchronous_commit", "fsync", "full_page_writes")) {
            assertEquals("on", superuser.row("SHOW " + on).get(on), on);
        }
        assertEquals("256kB", superuser.row("SHOW backend_flush_after").get("backend_flush_after"));
    }

    @Test
    void listensOnLoopbackTcpOnlyWithScramAndNoTrustAndNoSocket() throws Exception {
        Db superuser = new Db(url("postgres"), "postgres", password("postgres-superuser-password"));

        assertEquals("localhost", superuser.row("SHOW listen_addresses").get("listen_addresses"));
        assertEquals("", superuser.row("SHOW unix_socket_directories").get("unix_socket_directories"));
        assertEquals("scram-sha-256", superuser.row("SHOW password_encryption").get("password_encryption"));
        // What the server itself read from pg_hba.conf: host lines for the loopback addresses, SCRAM only.
        assertEquals(List.of(Map.of("type", "host", "address", "127.0.0.1", "auth_method", "scram-sha-256"),
                        Map.of("type", "host", "address", "::1", "auth_method", "scram-sha-256")),
                superuser.rows("SELECT type, address, auth_method FROM pg_hba_file_rules ORDER BY line_number"));
        Path hba = dataDir.resolve("postgres/pg_hba.conf");
        assertEquals(superuser.row("SHOW hba_file").get("hba_file"), hba.toString());
        assertTrue(Files.readAllLines(hba).stream().noneMatch(line -> !line.startsWith("#") && line.contains("trust")),
                Files.readString(hba));
    }

    @Test
    void passwordFilesAreOwnerOnlyAndBinariesRunFromAPrivateDirectoryUnderTheDataDir() throws Exception {
        assertEquals("rw-------", mode(dataDir.resolve("postgres-password")));
        assertEquals("rw-------", mode(dataDir.resolve("postgres-superuser-password")));
        Path binaries = dataDir.resolve("postgres-binaries");
        assertEquals("rwx------", mode(binaries));
        try (Stream<Path> programs = Files.walk(binaries)) {
            assertTrue(programs.anyMatch(p -> p.endsWith(Path.of("bin", "postgres"))), "PostgreSQL unpacked under mono.data.dir");
        }
        // No file left behind by the atomic write of a password.
        try (Stream<Path> files = Files.list(dataDir)) {
            assertEquals(Set.of("postgres", "postgres-binaries", "postgres-password", "postgres-superuser-password"),
                    Set.copyOf(files.map(p -> p.getFileName().toString()).toList()));
        }
    }

    @Test
    void neitherLogsNorTheDescriptionHoldAPassword() throws Exception {
        String description = database.description();
        for (String password : List.of(password("postgres-password"), password("postgres-superuser-password"))) {
            assertFalse(description.contains(password), description);
            assertFalse(logs.contains(password), "a password was logged");
        }
        assertTrue(logs.contains("PGPASSWORD=$(cat " + dataDir.toAbsolutePath().normalize().resolve("postgres-password") + ") psql -h localhost -p "
                + port + " -U mono_gateway mono"), logs);
        assertTrue(description.contains("database mono, user mono_gateway"), description);
    }

    @Test
    void aWrongPasswordOrDatabaseFailsAtOnceWithoutWaiting() throws Exception {
        Map<String, String> wrongPassword = Map.of("mono.db.url", url("mono"), "mono.db.username", "mono_gateway",
                "mono.db.password", "not-the-password", "mono.db.startup-wait", "60s");
        long start = System.nanoTime();
        SettingsException refused = assertThrows(SettingsException.class, () -> GatewayDatabase.open(settings(wrongPassword)));
        assertTrue(refused.getMessage().startsWith("PostgreSQL at " + url("mono") + " refused the gateway (check mono.db.username"
                + " and mono.db.password): "), refused.getMessage());
        assertFalse(refused.getMessage().contains("not-the-password"), refused.getMessage());

        Map<String, String> noSuchDatabase = new HashMap<>(wrongPassword);
        noSuchDatabase.put("mono.db.url", url("no_such_database"));
        noSuchDatabase.put("mono.db.password", password("postgres-password"));
        SettingsException missing = assertThrows(SettingsException.class, () -> GatewayDatabase.open(settings(noSuchDatabase)));
        assertTrue(missing.getMessage().contains("(check the database name in mono.db.url)"), missing.getMessage());
        assertTrue(System.nanoTime() - start < 10_000_000_000L, "refusals are not waited for");
    }

    private static String url(String database) {
        return "jdbc:postgresql://localhost:" + port + "/" + database;
    }

    private static Connection connect(String database, String user, String password) throws SQLException {
        return DriverManager.getConnection(url(database), user, password);
    }

    private static String password(String file) throws Exception {
        return Files.readString(dataDir.resolve(file)).strip();
    }

    private static String mode(Path path) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }
}
