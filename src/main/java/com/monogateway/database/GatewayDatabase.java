package com.monogateway.database;

import com.monogateway.config.GatewaySettings;
import com.monogateway.config.SettingsException;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's PostgreSQL: the one named by {@code mono.db.url}, or else an embedded real PostgreSQL
 * keeping its data under {@code mono.data.dir}. Either way a HikariCP pool in front and the schema
 * brought up to date by Flyway before any route starts.
 */
public final class GatewayDatabase implements AutoCloseable {

    /** How the gateway's sessions name themselves to PostgreSQL (pg_stat_activity; the delivery order relies on it). */
    public static final String APPLICATION_NAME = "mono-webhook-gateway";

    private static final Logger LOG = LoggerFactory.getLogger(GatewayDatabase.class);

    private final EmbeddedPostgres embedded;
    private final HikariDataSource dataSource;
    private final String description;

    private GatewayDatabase(EmbeddedPostgres embedded, HikariDataSource dataSource, String description) {
        this.embedded = embedded;
        this.dataSource = dataSource;
        this.description = description;
    }

    public static GatewayDatabase open(GatewaySettings settings) {
        return open(settings, null);
    }

    /** With a Micrometer registry, the pool reports its hikaricp_* metrics there. */
    public static GatewayDatabase open(GatewaySettings settings, Object meterRegistry) {
        EmbeddedPostgres embedded = null;
        String url;
        String user;
        String password;
        String description;
        if (settings.embeddedDatabase()) {
            EmbeddedDatabase.Started started = startEmbedded(settings);
            embedded = started.postgres();
            url = started.jdbcUrl();
            user = started.user();
            password = started.password();
            description = started.toString();
            LOG.info("No mono.db.url set: using an embedded PostgreSQL, data in {}; connect with:"
                    + " PGPASSWORD=$(cat {}) psql -h localhost -p {} -U {} {}",
                    started.dataDirectory(), started.passwordFile(), embedded.getPort(), user, started.database());
        } else {
            url = settings.dbUrl().get();
            if (!url.startsWith("jdbc:postgresql:")) {
                throw new SettingsException("mono.db.url must be a PostgreSQL JDBC URL (jdbc:postgresql://host:port/db), but is '"
                        + withoutQuery(url) + "'");
            }
            user = settings.dbUsername();
            password = settings.dbPassword();
            description = "PostgreSQL at " + withoutQuery(url);
            DatabaseStartupWait.untilReachable(url, withoutQuery(url), user, password, settings.dbStartupWaitMs(),
                    settings.dbConnectionTimeoutMs());
        }
        HikariDataSource pool;
        try {
            pool = pool(url, user, password, settings, meterRegistry);
        } catch (RuntimeException e) {
            closeQuietly(embedded);
            throw new SettingsException("Cannot connect to " + description
                    + " (check mono.db.url, mono.db.username, mono.db.password): " + rootCause(e).getMessage());
        }
        GatewayDatabase db = new GatewayDatabase(embedded, pool, description);
        try {
            db.migrate();
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
        return db;
    }

    private static EmbeddedDatabase.Started startEmbedded(GatewaySettings settings) {
        try {
            return EmbeddedDatabase.start(settings.dataDir(), settings.embeddedDbPort());
        } catch (IOException | SQLException | RuntimeException e) {
            throw new IllegalStateException("Cannot start the embedded PostgreSQL with data in "
                    + settings.dataDir().resolve(EmbeddedDatabase.DATA_DIRECTORY) + " on port " + settings.embeddedDbPort()
                    + " (is mono.embedded-db.port free and mono.data.dir writable?): " + rootCause(e).getMessage(), e);
        }
    }

    private static HikariDataSource pool(String url, String user, String password, GatewaySettings settings, Object meterRegistry) {
        HikariConfig config = new HikariConfig();
        if (meterRegistry != null) {
            config.setMetricRegistry(meterRegistry); // pool saturation shows as hikaricp_connections_pending
        }
        config.setPoolName("mono-db");
        config.setJdbcUrl(url);
        config.setUsername(user);
        if (!password.isEmpty()) {
            config.setPassword(password);
        }
        config.setMaximumPoolSize(settings.dbPoolSize());
        // A webhook must get its 503 quickly while the database is away, so Mono retries later.
        config.setConnectionTimeout(settings.dbConnectionTimeoutMs());
        config.setValidationTimeout(Math.min(1_000, settings.dbConnectionTimeoutMs()));
        // Each execution is planned for the tables as they are now. The driver prepares a statement on the server
        // after five runs, and PostgreSQL then keeps one generic plan for it, made with the statistics of that
        // moment: planned while the inbox was empty (a first start, every benchmark) or while the waiting queue
        // looked small (a queue table's statistics always do), it read the whole table on every batch (a seq scan
        // of 137,669 rows, 290 ms, to claim 100 events; docs/benchmarks.md) until the next ANALYZE.
        config.setConnectionInitSql("SET plan_cache_mode = force_custom_plan");
        config.addDataSourceProperty("reWriteBatchedInserts", "true");
        // Strings and nulls go to PostgreSQL untyped and take the type of their CAST in the statement:
        // a route parameter that is null for one event and text for the next (camel-jdbc binds both with
        // setObject) would otherwise make the driver prepare the statement again, parsed and planned anew.
        config.addDataSourceProperty("stringtype", "unspecified");
        config.addDataSourceProperty("ApplicationName", APPLICATION_NAME);
        return new HikariDataSource(config);
    }

    private void migrate() {
        var result = Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration")
                .load()
                .migrate();
        LOG.info("Database schema is at version {} ({} migration(s) applied now)",
                result.targetSchemaVersion != null ? result.targetSchemaVersion : "current", result.migrationsExecuted);
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /** Where the data lives, for the logs; never contains a password. */
    public String description() {
        return description;
    }

    @Override
    public void close() {
        dataSource.close();
        closeQuietly(embedded);
    }

    private static void closeQuietly(EmbeddedPostgres embedded) {
        if (embedded != null) {
            try {
                embedded.close();
            } catch (IOException e) {
                LOG.warn("Embedded PostgreSQL did not stop cleanly: {}", e.getMessage());
            }
        }
    }

    private static String withoutQuery(String url) {
        int q = url.indexOf('?');
        return q < 0 ? url : url.substring(0, q);
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }
}
