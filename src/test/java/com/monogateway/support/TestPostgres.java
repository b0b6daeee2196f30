package com.monogateway.support;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/** One real PostgreSQL for the whole test run; each test gets a database of its own. */
public final class TestPostgres {

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static EmbeddedPostgres server;

    private TestPostgres() {
    }

    /**
     * A PostgreSQL of its own for a test that stops and restarts it: same data directory and port each
     * time, so the gateway's connection URL stays valid across the outage. Durable as a production server (zonky's
     * defaults turn synchronous_commit off), so that a test may also crash it and count what survived.
     */
    public static EmbeddedPostgres startRestartable(java.nio.file.Path dataDir, int port) throws IOException {
        return EmbeddedPostgres.builder().setDataDirectory(dataDir).setCleanDataDirectory(false).setPort(port)
                .setServerConfig("synchronous_commit", "on").setServerConfig("fsync", "on")
                .setServerConfig("full_page_writes", "on").start();
    }

    /** Creates an empty database and answers its JDBC URL. */
    public static synchronized String newDatabase() {
        try {
            if (server == null) {
                // Commit times let a test tell from the database itself which transactions overlapped.
                server = EmbeddedPostgres.builder().setServerConfig("track_commit_timestamp", "on").start();
            }
            String name = "gw_test_" + DATABASES.incrementAndGet();
            try (Connection c = server.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE " + name);
            }
            return server.getJdbcUrl("postgres", name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
