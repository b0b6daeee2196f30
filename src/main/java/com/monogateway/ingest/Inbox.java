package com.monogateway.ingest;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import javax.sql.DataSource;

/**
 * Writes accepted events into {@code webhook_events} and unusable authenticated bodies into
 * {@code rejected_events}. A call returns only after PostgreSQL has committed the row, so the
 * caller may answer 200.
 */
public final class Inbox {

    /** What happened to an event offered to the inbox. */
    public record Stored(long id, boolean duplicate) {
    }

    private static final String INSERT_EVENT = """
            INSERT INTO webhook_events (event_type, event_id, dedupe_key, payload, live_mode)
            VALUES (?, ?, ?, CAST(? AS jsonb), ?)
            ON CONFLICT (dedupe_key) DO NOTHING
            RETURNING id""";

    private static final String FIND_EVENT = "SELECT id FROM webhook_events WHERE dedupe_key = ?";

    private static final String INSERT_REJECTED =
            "INSERT INTO rejected_events (reason, content_type, body) VALUES (?, ?, ?)";

    private final DataSource dataSource;

    public Inbox(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public Stored store(MonoEnvelope event) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement insert = c.prepareStatement(INSERT_EVENT)) {
                insert.setString(1, event.eventType());
                insert.setString(2, event.eventId());
                insert.setString(3, event.dedupeKey());
                insert.setString(4, event.json());
                if (event.liveMode() == null) {
                    insert.setNull(5, Types.BOOLEAN);
                } else {
                    insert.setBoolean(5, event.liveMode());
                }
                try (ResultSet rs = insert.executeQuery()) {
                    if (rs.next()) {
                        return new Stored(rs.getLong(1), false);
                    }
                }
            }
            try (PreparedStatement find = c.prepareStatement(FIND_EVENT)) {
                find.setString(1, event.dedupeKey());
                try (ResultSet rs = find.executeQuery()) {
                    return new Stored(rs.next() ? rs.getLong(1) : -1, true);
                }
            }
        }
    }

    public void reject(byte[] body, String contentType, String reason) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement insert = c.prepareStatement(INSERT_REJECTED)) {
            insert.setString(1, reason);
            insert.setString(2, contentType);
            insert.setBytes(3, body);
            insert.executeUpdate();
        }
    }
}
