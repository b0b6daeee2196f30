package com.monogateway.database;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Set;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * The DataSource the YAML routes use ({@code jdbc:monoDb}). While the processing side holds a
 * transaction on this thread, every connection it hands out is that transaction's, so an event's
 * domain writes commit or roll back together with its inbox status, and a batch of events shares one
 * commit. camel-jdbc's own commit, rollback, close and auto-commit calls are ignored on it: the
 * transaction's owner decides. Outside such a transaction it is the plain pool.
 */
public final class TransactionalDataSource implements DataSource {

    private static final Set<String> OWNER_ONLY = Set.of("commit", "rollback", "close", "setAutoCommit");

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
                    try {
                        return method.invoke(connection, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
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
