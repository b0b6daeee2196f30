package com.monogateway.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.monogateway.config.GatewaySettings;
import com.monogateway.support.RunningGateway;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
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
