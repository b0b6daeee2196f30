package com.monogateway.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.monogateway.config.GatewaySettings;
import com.monogateway.support.RunningGateway;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.Properties;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Route statements on the connection the YAML routes share with the processing transaction, used the
 * way camel-jdbc uses them (prepare, ask for the parameter metadata, setObject, execute, close). Each
 * must be prepared once on the server and then reused; otherwise PostgreSQL parses and plans it for
 * every event (measured with the benchmark: two thirds of the payment statement's cost).
 */
class TransactionalDataSourceTest {

    private static final String SUM = "SELECT CAST(? AS integer) + CAST(? AS integer)";
    /** The same statement as PostgreSQL lists it once prepared. */
    private static final String SUM_ON_SERVER = "SELECT CAST($1 AS integer) + CAST($2 AS integer)";
    private static final int CALLS = 10;

    private static GatewayDatabase database;

    @BeforeAll
    static void openTheGatewaysPool() {
        Properties settings = RunningGateway.defaults();
        database = GatewayDatabase.open(GatewaySettings.from(key -> Optional.ofNullable(settings.getProperty(key))));
    }

    @AfterAll
    static void close() {
        database.close();
    }

    @Test
    void aStatementRunForEveryEventIsPreparedOnceOnTheServer() throws SQLException {
        assertPreparedOnceAndReused(i -> "100");
    }

    @Test
    void aParameterThatIsSometimesNullDoesNotMakeTheStatementPreparedAgain() throws SQLException {
        assertPreparedOnceAndReused(i -> i % 2 == 0 ? null : "100");
    }

    /**
     * A statement prepared while its table was empty (a first start) must not keep the plan made for an empty table:
     * the claim of the processing read the whole inbox on every batch that way (docs/benchmarks.md).
     */
    @Test
    void aStatementPreparedWhileItsTableWasEmptyIsPlannedForTheTableAsItIsNow() throws SQLException {
        String query = "SELECT count(*) FROM queue_like WHERE id >= CAST(? AS bigint) AND id < 4";
        try (Connection c = database.dataSource().getConnection()) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TEMP TABLE queue_like (id bigint PRIMARY KEY)");
            }
            try (PreparedStatement ps = c.prepareStatement(query)) {
                // PostgreSQL would settle on a generic plan after five custom ones; the driver prepares from the fifth.
                for (int i = 1; i <= 2 * CALLS; i++) {
                    assertEquals(0, count(ps));
                }
                try (Statement s = c.createStatement()) {
                    s.execute("INSERT INTO queue_like SELECT generate_series(1, 20000)");
                }
                assertEquals(3, count(ps));
            }
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT generic_plans, custom_plans FROM pg_prepared_statements"
                            + " WHERE statement = 'SELECT count(*) FROM queue_like WHERE id >= CAST($1 AS bigint) AND id < 4'")) {
                assertTrue(rs.next(), "the driver prepared the statement on the server");
                assertEquals(0, rs.getLong(1), "executions with a generic plan");
                assertTrue(rs.getLong(2) >= CALLS - 4, "executions planned for their own parameters: " + rs.getLong(2));
            } finally {
                try (Statement s = c.createStatement()) {
                    s.execute("DROP TABLE queue_like");
                }
            }
        }
    }

    private static int count(PreparedStatement ps) throws SQLException {
        ps.setLong(1, 1);
        try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static void assertPreparedOnceAndReused(IntFunction<String> secondParameter) throws SQLException {
        TransactionalDataSource routes = new TransactionalDataSource(database.dataSource());
        try (Connection transaction = database.dataSource().getConnection()) {
            transaction.setAutoCommit(false);
            routes.bind(transaction);
            try {
                for (int i = 1; i <= CALLS; i++) {
                    Connection c = routes.getConnection();
                    try (PreparedStatement ps = c.prepareStatement(SUM)) {
                        assertEquals(2, ps.getParameterMetaData().getParameterCount());
                        ps.setObject(1, String.valueOf(i));
                        String second = secondParameter.apply(i);
                        ps.setObject(2, second);
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            assertEquals(second == null ? 0 : 100 + i, rs.getInt(1));
                        }
                    }
                    c.close(); // ignored: the transaction's owner closes it
                }
                try (PreparedStatement ps = transaction.prepareStatement(
                        "SELECT count(*), COALESCE(sum(generic_plans + custom_plans), 0) FROM pg_prepared_statements WHERE statement = ?")) {
                    ps.setString(1, SUM_ON_SERVER);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        assertEquals(1, rs.getInt(1), "one server-side statement");
                        // The driver prepares on the server from the 5th execution on; all later ones reuse it.
                        assertTrue(rs.getInt(2) >= CALLS - 4, "executions of the prepared statement: " + rs.getInt(2));
                    }
                }
            } finally {
                routes.unbind();
                transaction.rollback();
            }
        }
    }
}
