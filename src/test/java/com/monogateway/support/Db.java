package com.monogateway.support;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Plain JDBC reads and writes for assertions, straight against the gateway's database. */
public record Db(String url, String user, String password) {

    /** As the superuser of the test servers, which trust every local login. */
    public Db(String url) {
        this(url, "postgres", "");
    }

    public List<Map<String, Object>> rows(String sql, Object... params) {
        try (Connection c = DriverManager.getConnection(url, user, password);
                PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            List<Map<String, Object>> rows = new ArrayList<>();
            if (ps.execute()) {
                try (ResultSet rs = ps.getResultSet()) {
                    ResultSetMetaData md = rs.getMetaData();
                    while (rs.next()) {
                        Map<String, Object> row = new LinkedHashMap<>();
                        for (int i = 1; i <= md.getColumnCount(); i++) {
                            row.put(md.getColumnLabel(i), rs.getObject(i));
                        }
                        rows.add(row);
                    }
                }
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    public Map<String, Object> row(String sql, Object... params) {
        List<Map<String, Object>> rows = rows(sql, params);
        if (rows.size() != 1) {
            throw new AssertionError("expected one row from " + sql + " but got " + rows);
        }
        return rows.get(0);
    }

    public long count(String sql, Object... params) {
        return ((Number) row(sql, params).values().iterator().next()).longValue();
    }

    /** A text[] parameter, for {@code = ANY (?)}. */
    public java.sql.Array array(java.util.Collection<String> values) {
        try {
            return DriverManager.getConnection(url, user, password).createArrayOf("text", values.toArray());
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public void execute(String sql, Object... params) {
        rows(sql, params);
    }

    /**
     * Queues every inbox row marked received for processing, as the gateway's ingest and replay do: for
     * rows a test writes or sets back itself (the processing claims from the waiting queue, V9).
     */
    public void queueReceivedEvents() {
        execute("INSERT INTO inbox_waiting (id, object_key) SELECT id, object_key FROM webhook_events WHERE status = 'received' ON CONFLICT DO NOTHING");
    }
}
