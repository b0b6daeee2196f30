package com.monogateway.monoapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.monogateway.config.GatewaySettings;
import com.monogateway.event.EventFields;
import com.monogateway.tracing.Tracing;
import com.monogateway.vocabulary.Vocabulary;
import io.opentelemetry.api.trace.SpanKind;
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
            RETURNING a.id, a.fetch_failures, (SELECT trace_parent FROM webhook_events WHERE id = a.status_event_id)""";
    // An account no account_updated has described yet takes Mono's answer; one that has keeps its details
    // and only gets what it lacks (the webhook may be newer than this answer). The BVN as the settings say.
    private static final String FILL = """
            WITH e AS (
              SELECT CAST(? AS text) AS name, CAST(? AS text) AS account_number, CAST(? AS text) AS currency,
                     CAST(? AS bigint) AS balance, CAST(? AS text) AS type, CAST(? AS text) AS institution_name,
                     CAST(? AS text) AS bank_code, CAST(? AS text) AS institution_type, CAST(? AS text) AS data_status,
                     CAST(? AS text) AS auth_method, CAST(? AS text) AS bvn, CAST(? AS boolean) AS keep_identity
            )
            UPDATE accounts AS a SET
              name = CASE WHEN a.details_event_id IS NULL THEN COALESCE(e.name, a.name) ELSE COALESCE(a.name, e.name) END,
              account_number = CASE WHEN a.details_event_id IS NULL THEN COALESCE(e.account_number, a.account_number)
                                    ELSE COALESCE(a.account_number, e.account_number) END,
              currency = CASE WHEN a.details_event_id IS NULL THEN COALESCE(e.currency, a.currency) ELSE COALESCE(a.currency, e.currency) END,
              balance = CASE WHEN a.details_event_id IS NULL THEN COALESCE(e.balance, a.balance) ELSE COALESCE(a.balance, e.balance) END,
              type = CASE WHEN a.details_event_id IS NULL THEN COALESCE(e.type, a.type) ELSE COALESCE(a.type, e.type) END,
              institution_name = CASE WHEN a.details_event_id IS NULL THEN COALESCE(e.institution_name, a.institution_name)
                                      ELSE COALESCE(a.institution_name, e.institution_name) END,
              bank_code = CASE WHEN a.details_event_id IS NULL THEN COALESCE(e.bank_code, a.bank_code)
                               ELSE COALESCE(a.bank_code, e.bank_code) END,
              institution_type = CASE WHEN a.details_event_id IS NULL THEN COALESCE(e.institution_type, a.institution_type)
                                      ELSE COALESCE(a.institution_type, e.institution_type) END,
              data_status = COALESCE(e.data_status, a.data_status), auth_method = COALESCE(e.auth_method, a.auth_method),
              bvn = CASE WHEN e.keep_identity THEN COALESCE(e.bvn, a.bvn) END,
              fetched_at = now(), fetch_at = NULL, fetch_lease_until = NULL, fetch_error = NULL, fetch_failures = 0,
              updated_at = now()
            FROM e WHERE a.id = ?""";
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
    private final Tracing tracing;

    AccountDetails(DataSource pool, DataSource routesDataSource, MonoApiClient api, GatewaySettings.MonoApi settings,
            Tracing tracing) {
        this.tracing = tracing;
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
                // In the trace of the webhook that linked the account (the one that set its status).
                try (Tracing.Traced span = tracing.continueTrace("fetch account details", SpanKind.INTERNAL, account.traceparent())) {
                    span.set("mono.account_id", account.id());
                    fetch(account.id(), account.failures());
                }
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
            ps.setBoolean(12, settings.maskIdentity());
            ps.setString(13, id);
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
