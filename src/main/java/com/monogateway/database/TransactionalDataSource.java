package com.monogateway.database;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.ParameterMetaData;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * The DataSource the YAML routes use ({@code jdbc:monoDb}). While the processing side holds a
 * transaction on this thread, every connection it hands out is that transaction's, so an event's
 * domain writes commit or roll back together with its inbox status, and a batch of events shares one
 * commit. camel-jdbc's own commit, rollback, close and auto-commit calls are ignored on it: the
 * transaction's owner decides. Outside such a transaction it is the plain pool.
 *
 * <p>camel-jdbc asks every prepared statement for its parameter metadata before binding; the
 * PostgreSQL driver answers that with a describe round trip of its own, which also keeps the
 * statement from being prepared once on the server, so PostgreSQL parsed and planned every payment
 * write anew (measured: two thirds of that statement's cost). On these connections the metadata is
 * asked once per SQL text and remembered.
 */
public final class TransactionalDataSource implements DataSource {

    private static final Set<String> OWNER_ONLY = Set.of("commit", "rollback", "close", "setAutoCommit");

    /** Enough for every statement of the routes; dynamic SQL beyond it is simply not remembered. */
    private static final int REMEMBERED_STATEMENTS = 1_000;
    private static final Map<String, ParameterMetaData> PARAMETERS = new ConcurrentHashMap<>();

    private final DataSource pool;
    private final ThreadLocal<Connection> bound = new ThreadLocal<>();

    public TransactionalDataSource(DataSource pool) {
        this.pool = pool;
    }

    /** Makes {@code connection} the one this thread's routes use, until {@link #unbind()}. */
    public void bind(Connection connection) {
        bound.set(connection);
    }

    public void unbind() {
        bound.remove();
    }

    @Override
    public Connection getConnection() throws SQLException {
        Connection connection = bound.get();
        return connection == null ? pool.getConnection() : shared(connection);
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("the gateway's pool has its own credentials");
    }

    private static Connection shared(Connection connection) {
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    if (OWNER_ONLY.contains(method.getName()) && (args == null || args.length <= 1)) {
                        return null;
                    }
                    if (method.getName().equals("isClosed")) {
                        return connection.isClosed();
                    }
                    Object result = invoke(connection, method, args);
                    if (method.getName().equals("prepareStatement") && args.length == 1) {
                        return parametersRemembered((PreparedStatement) result, (String) args[0]);
                    }
                    return result;
                });
    }

    private static PreparedStatement parametersRemembered(PreparedStatement statement, String sql) {
        return (PreparedStatement) Proxy.newProxyInstance(PreparedStatement.class.getClassLoader(),
                new Class<?>[] {PreparedStatement.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getParameterMetaData")) {
                        ParameterMetaData known = PARAMETERS.get(sql);
                        if (known == null) {
                            known = statement.getParameterMetaData();
                            if (PARAMETERS.size() < REMEMBERED_STATEMENTS) {
                                PARAMETERS.put(sql, known);
                            }
                        }
                        return known;
                    }
                    return invoke(statement, method, args);
                });
    }

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return pool.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        pool.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        pool.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return pool.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return pool.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
        return pool.unwrap(type);
    }

    @Override
    public boolean isWrapperFor(Class<?> type) throws SQLException {
        return pool.isWrapperFor(type);
    }
}
