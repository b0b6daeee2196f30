package com.monogateway.database;

import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Result rows as maps keyed by column label, times as ISO-8601 text: what the admin API answers in JSON. */
public final class Rows {

    private Rows() {
    }

    public static List<Map<String, Object>> all(ResultSet rs) throws SQLException {
        List<Map<String, Object>> rows = new ArrayList<>();
        ResultSetMetaData md = rs.getMetaData();
        while (rs.next()) {
            Map<String, Object> row = new LinkedHashMap<>();
            for (int i = 1; i <= md.getColumnCount(); i++) {
                Object value = rs.getObject(i);
                row.put(md.getColumnLabel(i), value instanceof Timestamp ? rs.getObject(i, OffsetDateTime.class).toString() : value);
            }
            rows.add(row);
        }
        return rows;
    }
}
