package com.monogateway.database;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import io.zonky.test.db.postgres.util.LinuxUtils;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.postgresql.PGConnection;
import org.postgresql.util.PasswordUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded PostgreSQL (zonky), locked down: passwords (SCRAM) on loopback TCP only, no Unix socket,
 * no {@code trust}; the gateway works as a role that is no superuser; the binaries run from a directory
 * only the gateway's OS user can enter. Everything lives under {@code mono.data.dir}:
 * <pre>
 * postgres/                      the data directory
 * postgres-binaries/             PostgreSQL's programs, unpacked by zonky (mode 0700)
 * postgres-password              password of the role the gateway uses (mode 0600)
 * postgres-superuser-password    password of the superuser postgres (mode 0600)
 * </pre>
 * Data directories of earlier versions (trust, no passwords, the gateway's tables owned by postgres in
 * the database postgres) are taken over at start: they keep their database, and its objects are handed
 * to the gateway's role.
 */
final class EmbeddedDatabase {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDatabase.class);

    static final String APP_ROLE = "mono_gateway";
    static final String APP_DATABASE = "mono";
    /** Where versions before the lock-down kept the gateway's tables (and zonky checks that the server is up). */
    static final String LEGACY_DATABASE = "postgres";
    static final String SUPERUSER = "postgres";
    static final String PASSWORD_FILE = "postgres-password";
    static final String SUPERUSER_PASSWORD_FILE = "postgres-superuser-password";
    static final String BINARIES_DIRECTORY = "postgres-binaries";
    static final String DATA_DIRECTORY = "postgres";

    /** Rewritten at every start, so that a data directory made by initdb (trust) or by hand is locked down too. */
    static final String PG_HBA = """
            # Written by mono-webhook-gateway at every start; edits here are lost.
            # Passwords (SCRAM) over loopback TCP only. There is no Unix socket (unix_socket_directories is empty).
            host    all    all    127.0.0.1/32    scram-sha-256
            host    all    all    ::1/128         scram-sha-256
            """;

    /** Gives the gateway's role what an earlier version left to postgres in the public schema (relkinds: tables, views, sequences). */
    private static final String HAND_OVER_PUBLIC_SCHEMA = """
            DO $$
            DECLARE
                object record;
            BEGIN
                FOR object IN
                    SELECT c.relname, CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                                      WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END AS kind
                    FROM pg_class c
                    WHERE c.relnamespace = 'public'::regnamespace
                      AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
                      AND c.relowner <> '%1$s'::regrole
                      -- a column's own sequence follows its table
                      AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d
                               WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')))
                LOOP
                    EXECUTE format('ALTER %%s public.%%I OWNER TO %1$s', object.kind, object.relname);
                END LOOP;
                FOR object IN
                    SELECT p.oid::regprocedure AS routine FROM pg_proc p
                    WHERE p.pronamespace = 'public'::regnamespace AND p.proowner <> '%1$s'::regrole
                LOOP
                    EXECUTE format('ALTER ROUTINE %%s OWNER TO %1$s', object.routine);
                END LOOP;
            END
            $$""".formatted(APP_ROLE);

    private EmbeddedDatabase() {
    }

    /** A running, locked-down embedded PostgreSQL and how the gateway logs in to it. */
    record Started(EmbeddedPostgres postgres, String jdbcUrl, String database, String user, String password,
            Path passwordFile, Path dataDirectory) {

        @Override
        public String toString() {
            return "embedded PostgreSQL on port " + postgres.getPort() + ", database " + database + ", user " + user
                    + ", data in " + dataDirectory;
        }
    }

    static Started start(Path gatewayDataDir, int port) throws IOException, SQLException {
        Path home = gatewayDataDir.toAbsolutePath().normalize();
        Files.createDirectories(home);
        Path data = home.resolve(DATA_DIRECTORY);
        Path binaries = privateDirectory(home.resolve(BINARIES_DIRECTORY));
        Path superuserPasswordFile = home.resolve(SUPERUSER_PASSWORD_FILE);
        Path passwordFile = home.resolve(PASSWORD_FILE);

        boolean newCluster = !Files.exists(data.resolve("postgresql.conf"));
        var storedSuperuserPassword = SecretFile.read(superuserPasswordFile);
        // A new cluster (initdb) or one of an earlier version has no superuser password yet: set it while the server is down.
        boolean superuserPasswordUnset = newCluster || storedSuperuserPassword.isEmpty();
        String superuserPassword = storedSuperuserPassword.orElseGet(SecretFile::newPassword);
        String password = SecretFile.readOrCreate(passwordFile);
        PrivateBinaries binaryResolver = PrivateBinaries.in(binaries);

        Files.createDirectories(data);
        EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setDataDirectory(data)
                .setCleanDataDirectory(false)
                .setPort(port == 0 ? freePort() : port)
                .setOverrideWorkingDirectory(binaries.toFile())
                .setPgBinaryResolver(binaryResolver)
                // Zonky tunes for throwaway test databases; this one holds events we answered 200 for.
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("fsync", "on")
                .setServerConfig("full_page_writes", "on")
                // Table pages written out as they are made, not left to the kernel's 30 s burst that holds every
                // commit's WAL flush (docs/deploy.md, "Memory and PostgreSQL under bursts").
                .setServerConfig("backend_flush_after", "256kB")
                // On the command line, so that no edit of postgresql.conf opens the server up.
                .setServerConfig("listen_addresses", "localhost")
                .setServerConfig("unix_socket_directories", "''")
                .setServerConfig("password_encryption", "scram-sha-256")
                // Zonky checks that the server is up by logging in as postgres over TCP.
                .setConnectConfig("password", superuserPassword)
                .setDataDirectoryCustomizer(directory -> {
                    try {
                        Files.writeString(directory.toPath().resolve("pg_hba.conf"), PG_HBA, StandardCharsets.UTF_8);
                        if (superuserPasswordUnset) {
                            setSuperuserPassword(binaryResolver.postgresProgram(), directory.toPath(), superuserPassword);
                            SecretFile.write(superuserPasswordFile, superuserPassword);
                            LOG.info("Embedded PostgreSQL in {}: the superuser postgres logs in with the password in {}",
                                    directory, superuserPasswordFile);
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                })
                .start();
        try {
            if (SecretFile.posix()) {
                // Zonky makes its working directory writable for all (to share it between users); this one is private.
                Files.setPosixFilePermissions(binaries, SecretFile.OWNER_ONLY_DIRECTORY);
            }
            String database = prepareRoleAndDatabase(postgres.getPort(), superuserPassword, password);
            return new Started(postgres, "jdbc:postgresql://localhost:" + postgres.getPort() + "/" + database,
                    database, APP_ROLE, password, passwordFile, data);
        } catch (IOException | SQLException | RuntimeException e) {
            try {
                postgres.close();
            } catch (IOException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    /**
     * Sets the superuser's password through PostgreSQL's single-user mode: the server is down, and only the
     * OS user owning the data directory can do this, so there is never a moment without a password on TCP.
     * The statement carries the SCRAM verifier, not the password.
     */
    private static void setSuperuserPassword(Path postgresProgram, Path data, String password) throws IOException {
        List<String> command = new ArrayList<>();
        if (LinuxUtils.isUnshareAvailable()) {
            // As zonky does for root: PostgreSQL refuses to run as root, and in a user namespace it is not.
            command.addAll(List.of("unshare", "-U"));
        }
        command.addAll(List.of(postgresProgram.toString(), "--single", "-D", data.toString(), LEGACY_DATABASE));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output;
        try {
            String statement;
            try {
                statement = PasswordUtil.genAlterUserPasswordSQL(SUPERUSER, password.toCharArray(), "scram-sha-256");
            } catch (SQLException e) {
                throw new IOException("cannot compute the superuser's SCRAM verifier", e);
            }
            try (var stdin = process.getOutputStream()) {
                stdin.write((statement + "\n").getBytes(StandardCharsets.UTF_8));
            }
            output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                throw new IOException("PostgreSQL's single-user mode did not finish within 60 s in " + data);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while setting the superuser password in " + data, e);
        } finally {
            process.destroy();
        }
        // The output may quote the statement: only its first error line is passed on.
        String error = output.lines().map(String::strip)
                .filter(line -> line.startsWith("ERROR:") || line.startsWith("FATAL:") || line.startsWith("PANIC:"))
                .findFirst().orElse(null);
        if (process.exitValue() != 0 || error != null) {
            throw new IOException("cannot set the superuser password of the embedded PostgreSQL in " + data
                    + " (postgres --single exited with " + process.exitValue() + (error == null ? "" : ": " + error) + ")");
        }
    }

    /** Makes sure the gateway's role exists as it should, with the password from its file; answers the database to use. */
    private static String prepareRoleAndDatabase(int port, String superuserPassword, String password) throws SQLException {
        Properties login = new Properties();
        login.setProperty("user", SUPERUSER);
        login.setProperty("password", superuserPassword);
        login.setProperty("ApplicationName", "mono-webhook-gateway setup");
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://localhost:" + port + "/" + LEGACY_DATABASE, login);
                Statement s = c.createStatement()) {
            if (!exists(c, "SELECT 1 FROM pg_roles WHERE rolname = ?", APP_ROLE)) {
                s.execute("CREATE ROLE " + APP_ROLE + " LOGIN");
            }
            // At every start, so that a role changed by hand gets back to no more than the gateway needs.
            s.execute("ALTER ROLE " + APP_ROLE + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS");
            c.unwrap(PGConnection.class).alterUserPassword(APP_ROLE, password.toCharArray(), "scram-sha-256");

            if (exists(c, "SELECT 1 FROM pg_database WHERE datname = ?", APP_DATABASE)) {
                return APP_DATABASE;
            }
            if (exists(c, "SELECT 1 WHERE to_regclass(?) IS NOT NULL", "public.flyway_schema_history")) {
                // Made by an earlier version: the data stays where it is, and now belongs to the gateway's role.
                // At every start, for objects someone made there as postgres since.
                boolean firstTime = !exists(c, "SELECT 1 FROM pg_namespace WHERE nspname = 'public' AND pg_get_userbyid(nspowner) = ?",
                        APP_ROLE);
                s.execute("ALTER SCHEMA public OWNER TO " + APP_ROLE);
                s.execute(HAND_OVER_PUBLIC_SCHEMA);
                if (firstTime) {
                    LOG.info("Embedded PostgreSQL: the gateway's tables in database {} (made by an earlier version) belong to {} now",
                            LEGACY_DATABASE, APP_ROLE);
                }
                return LEGACY_DATABASE;
            }
            s.execute("CREATE DATABASE " + APP_DATABASE + " OWNER " + APP_ROLE);
            return APP_DATABASE;
        }
    }

    private static boolean exists(Connection c, String sql, String parameter) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, parameter);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /**
     * The directory the binaries run from, mode 0700. One that another user owns, or could enter, is
     * emptied first: its programs can no longer be trusted. (Zonky adds write for all at every start, which
     * without search permission lets no one in; {@link #start} takes it away again.)
     */
    private static Path privateDirectory(Path directory) throws IOException {
        if (!SecretFile.posix()) {
            Files.createDirectories(directory);
            return directory;
        }
        if (Files.exists(directory, LinkOption.NOFOLLOW_LINKS) && !ownOnly(directory)) {
            LOG.warn("{} could be changed by other users: unpacking PostgreSQL afresh", directory);
            deleteRecursively(directory);
        }
        if (!Files.exists(directory, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(SecretFile.OWNER_ONLY_DIRECTORY));
        }
        Files.setPosixFilePermissions(directory, SecretFile.OWNER_ONLY_DIRECTORY);
        return directory;
    }

    private static boolean ownOnly(Path directory) throws IOException {
        if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(directory, LinkOption.NOFOLLOW_LINKS);
        boolean othersCanEnter = permissions.contains(PosixFilePermission.GROUP_EXECUTE)
                || permissions.contains(PosixFilePermission.OTHERS_EXECUTE);
        Object owner = Files.getAttribute(directory, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        return !othersCanEnter && ((Number) owner).longValue() == new com.sun.security.auth.module.UnixSystem().getUid();
    }

    private static void deleteRecursively(Path directory) throws IOException {
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /**
     * Zonky's own PostgreSQL archive, unpacked under the private directory. Zonky caches unpacked binaries
     * per resolver for the life of the JVM, hence one resolver per directory. It also remembers where zonky
     * unpacks ({@code PG-<md5 of the archive>}), which zonky tells no one, for the single-user bootstrap.
     */
    private static final class PrivateBinaries implements PgBinaryResolver {

        private static final Map<Path, PrivateBinaries> BY_DIRECTORY = new ConcurrentHashMap<>();

        private final Path directory;
        private volatile Path unpacked;

        private PrivateBinaries(Path directory) {
            this.directory = directory;
        }

        static PrivateBinaries in(Path directory) {
            return BY_DIRECTORY.computeIfAbsent(directory, PrivateBinaries::new);
        }

        @Override
        public InputStream getPgBinary(String system, String machineHardware) throws IOException {
            InputStream archive = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary(system, machineHardware);
            if (archive == null) {
                return null;
            }
            byte[] bytes;
            try (archive) {
                bytes = archive.readAllBytes();
            }
            try {
                unpacked = directory.resolve("PG-" + HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes)));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
            return new ByteArrayInputStream(bytes);
        }

        Path postgresProgram() throws IOException {
            String name = System.getProperty("os.name").startsWith("Windows") ? "postgres.exe" : "postgres";
            Path program = unpacked == null ? null : unpacked.resolve("bin").resolve(name);
            if (program == null || !Files.isExecutable(program)) {
                throw new IOException("cannot find PostgreSQL's program under " + directory + " (expected " + program + ")");
            }
            return program;
        }
    }
}
