package com.monogateway.monoapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.monogateway.config.GatewaySettings;
import com.monogateway.processing.EventFields;
import com.monogateway.vocabulary.Vocabulary;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fills a connected account from Mono's API ({@code GET /v2/accounts/{id}}): {@code account_connected}
 * carries little more than the id. Scheduled in the processing transaction, fetched later outside it, with
 * the same back-off as payment checks. The BVN is kept masked (last 4) or not at all.
 */
public final class AccountDetails {

    private static final Logger LOG = LoggerFactory.getLogger(AccountDetails.class);

    private static final String SCHEDULE = """
            UPDATE accounts SET fetch_at = now(), fetch_failures = 0, fetch_error = NULL WHERE id = ?""";
    private static final String CLAIM = """
            WITH due AS (
              SELECT id FROM accounts
              WHERE fetch_at <= now() AND (fetch_lease_until IS NULL OR fetch_lease_until < now())
              ORDER BY fetch_at LIMIT ? FOR UPDATE SKIP LOCKED
            )
            UPDATE accounts a SET fetch_lease_until = now() + CAST(? AS interval) FROM due WHERE a.id = due.id
            RETURNING a.id, a.fetch_failures""";
    private static final String FILL = """
            UPDATE accounts SET
              name = COALESCE(?, name), account_number = COALESCE(?, account_number), currency = COALESCE(?, currency),
              balance = COALESCE(?, balance), type = COALESCE(?, type), institution_name = COALESCE(?, institution_name),
              bank_code = COALESCE(?, bank_code), institution_type = COALESCE(?, institution_type),
              data_status = COALESCE(?, data_status), auth_method = COALESCE(?, auth_method), bvn = ?,
              fetched_at = now(), fetch_at = NULL, fetch_lease_until = NULL, fetch_error = NULL, fetch_failures = 0,
              updated_at = now()
            WHERE id = ?""";
    private static final String NOT_FOUND = """
            UPDATE accounts SET fetch_at = NULL, fetch_lease_until = NULL, fetch_error = ? WHERE id = ?""";
    private static final String RETRY_LATER = """
            UPDATE accounts SET fetch_failures = fetch_failures + 1, fetch_error = ?, fetch_lease_until = NULL,
                   fetch_at = CASE WHEN fetch_failures < 30 THEN now() + CAST(? AS interval) END
            WHERE id = ?""";

    private final DataSource pool;
    private final DataSource routesDataSource;
    private final MonoApiClient api;
    private final GatewaySettings.MonoApi settings;

    AccountDetails(DataSource pool, DataSource routesDataSource, MonoApiClient api, GatewaySettings.MonoApi settings) {
        this.pool = pool;
        this.routesDataSource = routesDataSource;
        this.api = api;
        this.settings = settings;
    }

    /** In the processing transaction of an applied account_connected / account_reauthorized webhook. */
    void schedule(Exchange exchange, String accountId) throws SQLException {
        if (!"webhook".equals(exchange.getIn().getHeader(Vocabulary.SOURCE, "webhook", String.class))) {
            return;
        }
        try (Connection c = routesDataSource.getConnection(); PreparedStatement ps = c.prepareStatement(SCHEDULE)) {
            ps.setString(1, accountId);
            ps.executeUpdate();
        }
    }

    int runDue(java.util.function.BooleanSupplier running) throws SQLException {
        int done = 0;
        List<DueCalls.Due> due;
        while (running.getAsBoolean() && !(due = DueCalls.claim(pool, CLAIM, settings)).isEmpty()) {
            for (DueCalls.Due account : due) {
                fetch(account.id(), account.failures());
                done++;
            }
        }
        return done;
    }

    private void fetch(String id, int failures) throws SQLException {
        Optional<JsonNode> answer;
        try {
            answer = api.account(id);
        } catch (MonoApiClient.Unavailable e) {
            long backoff = DueCalls.waitMs(settings, failures, e.retryAfterMs());
            try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(RETRY_LATER)) {
                ps.setString(1, e.getMessage());
                ps.setString(2, backoff + " milliseconds");
                ps.setString(3, id);
                ps.executeUpdate();
            }
            LOG.info("Account {} not filled from Mono's API yet ({}); next try in {} ms", id, e.getMessage(), backoff);
            return;
        }
        try (Connection c = pool.getConnection()) {
            if (answer.isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement(NOT_FOUND)) {
                    ps.setString(1, "Mono's API does not know this account (404)");
                    ps.setString(2, id);
                    ps.executeUpdate();
                }
                LOG.warn("Account {}: Mono's API does not know it (404); its details stay as the webhooks gave them", id);
                return;
            }
            fill(c, id, answer.get());
        }
        LOG.info("Account {} filled from Mono's API", id);
    }

    private void fill(Connection c, String id, JsonNode data) throws SQLException {
        // v2 answers: data.account {id, account_number, institution.bank_code ...}; v1: _id, accountNumber, bankCode.
        JsonNode account = data.has("account") ? data.path("account") : data;
        JsonNode institution = account.path("institution");
        JsonNode meta = data.path("meta");
        try (PreparedStatement ps = c.prepareStatement(FILL)) {
            ps.setString(1, text(account, "name"));
            ps.setString(2, text(account, "account_number", "accountNumber"));
            ps.setString(3, text(account, "currency"));
            JsonNode balance = account.path("balance");
            ps.setObject(4, balance.isIntegralNumber() && balance.canConvertToLong() ? balance.longValue() : null, Types.BIGINT);
            ps.setString(5, text(account, "type"));
            ps.setString(6, text(institution, "name"));
            ps.setString(7, text(institution, "bank_code", "bankCode"));
            ps.setString(8, text(institution, "type"));
            ps.setString(9, text(meta, "data_status"));
            ps.setString(10, text(meta, "auth_method"));
            ps.setString(11, EventFields.identity(text(account, "bvn"), settings.maskIdentity()));
            ps.setString(12, id);
            ps.executeUpdate();
        }
    }

    private static String text(JsonNode node, String... names) {
        for (String name : names) {
            JsonNode value = node.path(name);
            if (value.isValueNode() && !value.isNull() && !value.asText().isBlank()) {
                return value.asText().strip();
            }
        }
        return null;
    }
}
