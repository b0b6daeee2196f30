package com.monogateway.processing;

import static com.monogateway.support.MonoEvents.accountUpdatedData;
import static com.monogateway.support.MonoEvents.debitData;
import static com.monogateway.support.MonoEvents.mandateActionData;
import static com.monogateway.support.MonoEvents.mandateData;
import static com.monogateway.support.MonoEvents.nested;
import static com.monogateway.support.MonoEvents.newId;
import static com.monogateway.support.MonoEvents.paymentData;
import static com.monogateway.support.MonoEvents.v1;
import static com.monogateway.support.MonoEvents.v2;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;


import com.monogateway.database.RememberingStatementStrategy;
import com.monogateway.support.Db;
import com.monogateway.support.RunningGateway;
import java.util.List;
import java.util.Map;
import org.apache.camel.component.jdbc.JdbcEndpoint;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every event family applied to the domain tables by the YAML routes from routes/, on a real PostgreSQL. */
class EventProcessingTest {

    private static RunningGateway gateway;
    private static Db db;

    @BeforeAll
    static void start() {
        gateway = RunningGateway.start();
        db = gateway.db();
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    @Test
    void yamlRoutesAreLoadedFromTheRoutesDirectory() {
        for (String id : List.of("mono-event-router", "mono-accounts", "mono-payments", "mono-mandates", "mono-mandate-debits")) {
            var route = gateway.context().getRoute(id);
            assertTrue(route != null && route.getSourceLocation().contains("routes/"), id + " comes from routes/");
        }
        var jdbcEndpoints = gateway.context().getEndpoints().stream()
                .filter(e -> e instanceof JdbcEndpoint).toList();
        assertTrue(!jdbcEndpoints.isEmpty(), "the YAML routes write through jdbc: endpoints");
        for (var endpoint : jdbcEndpoints) {
            assertTrue(((JdbcEndpoint) endpoint).getPrepareStatementStrategy()
                    instanceof RememberingStatementStrategy, endpoint.getEndpointUri() + " parses its SQL once");
        }
    }

    @Test
    void accountLifecycleFromEveryEnvelope() {
        String id = newId("acc_");
        gateway.postNew(v2("mono.events.account_connected", "2024-05-01T09:59:00Z", "{\"id\":\"" + id + "\"}"));
        gateway.postNew(v2("mono.events.account_updated", "2024-05-01T10:00:00Z", accountUpdatedData(id, 1_250_050, "Naira")));
        gateway.awaitInboxDrained();

        Map<String, Object> account = db.row("SELECT * FROM accounts WHERE id = ?", id);
        assertEquals("connected", account.get("status"));
        assertEquals("ADAEZE OKAFOR", account.get("name"));
        assertEquals("0123456789", account.get("account_number"));
        assertEquals("NGN", account.get("currency"), "v1's Naira is stored as NGN");
        assertEquals(1_250_050L, account.get("balance"));
        assertEquals("GTBank", account.get("institution_name"));
        assertEquals("058", account.get("bank_code"));
        assertEquals("AVAILABLE", account.get("data_status"));
        assertEquals("1234", account.get("bvn"));
        Map<String, Object> balance = db.row("SELECT balance, currency, observed_at::text AS at FROM account_balances WHERE account_id = ?", id);
        assertEquals(1_250_050L, balance.get("balance"));
        assertEquals("2024-05-01 10:00:00+00", balance.get("at"));

        gateway.postNew(v2("mono.events.reauthorisation_required", "2024-05-02T10:00:00Z", "{\"account\":{\"_id\":\"" + id + "\"}}"));
        gateway.awaitInboxDrained();
        assertEquals("reauthorisation_required", db.row("SELECT status FROM accounts WHERE id = ?", id).get("status"));

        gateway.postNew(v2("mono.events.account_reauthorized", "2024-05-03T10:00:00Z", "{\"account\":{\"_id\":\"" + id + "\"}}"));
        gateway.awaitInboxDrained();
        assertEquals("reauthorized", db.row("SELECT status FROM accounts WHERE id = ?", id).get("status"));

        gateway.postNew(v2("mono.events.sync_failed", "2024-05-04T10:00:00Z", "{\"account\":{\"_id\":\"" + id + "\"}}"));
        // v1 events carry no time of their own: they order by when we received them.
        gateway.postNew(v1("mono.events.account_unlinked", "{\"account\":{\"id\":\"" + id + "\"}}"));
        gateway.awaitInboxDrained();
        assertEquals("unlinked", db.row("SELECT status FROM accounts WHERE id = ?", id).get("status"));

        // A late, older lifecycle event does not bring the account back.
        gateway.postNew(v2("mono.events.account_reauthorized", "2024-05-04T12:00:00Z", "{\"account\":{\"_id\":\"" + id + "\"}}"));
        gateway.awaitInboxDrained();
        assertEquals("unlinked", db.row("SELECT status FROM accounts WHERE id = ?", id).get("status"));
    }

    @Test
    void v1AccountConnectedFromMonoSample() {
        String id = newId("acc_");
        gateway.postNew(RunningGateway.fixture("account_connected.json").replace("611d575feef5d3371ca9d0d8", id));
        gateway.awaitInboxDrained();

        Map<String, Object> account = db.row("SELECT status, status_at, live_mode FROM accounts WHERE id = ?", id);
        assertEquals("connected", account.get("status"));
        assertTrue(account.get("status_at") != null, "v1 events are timed by their receipt");
        assertNull(account.get("live_mode"));
    }

    @Test
    void accountUpdatedBeforeConnectedEndsTheSameAsInOrder() {
        String inOrder = newId("acc_");
        String reversed = newId("acc_");
        // As in Mono's own samples: account_updated is stamped before account_connected.
        gateway.postNew(v2("mono.events.account_updated", "2024-05-01T10:00:00Z", accountUpdatedData(inOrder, 500, "NGN")));
        gateway.postNew(v2("mono.events.account_connected", "2024-05-01T10:00:05Z", "{\"id\":\"" + inOrder + "\"}"));
        gateway.postNew(v2("mono.events.account_connected", "2024-05-01T10:00:05Z", "{\"id\":\"" + reversed + "\"}"));
        gateway.postNew(v2("mono.events.account_updated", "2024-05-01T10:00:00Z", accountUpdatedData(reversed, 500, "NGN")));
        gateway.awaitInboxDrained();

        String columns = "status, name, account_number, balance, currency, institution_name";
        Map<String, Object> a = db.row("SELECT " + columns + " FROM accounts WHERE id = ?", inOrder);
        Map<String, Object> b = db.row("SELECT " + columns + " FROM accounts WHERE id = ?", reversed);
        assertEquals(a, b);
        assertEquals("connected", a.get("status"));
        assertEquals(500L, a.get("balance"));

        // An older account_updated arriving late does not overwrite newer details, but its balance is recorded.
        gateway.postNew(v2("mono.events.account_updated", "2024-05-01T12:00:00Z", accountUpdatedData(inOrder, 900, "NGN")));
        gateway.postNew(v2("mono.events.account_updated", "2024-05-01T11:00:00Z", accountUpdatedData(inOrder, 700, "NGN")));
        gateway.awaitInboxDrained();
        assertEquals(900L, db.row("SELECT balance FROM accounts WHERE id = ?", inOrder).get("balance"));
        assertEquals(3, db.count("SELECT count(*) FROM account_balances WHERE account_id = ?", inOrder));
    }

    @Test
    void paymentWithAccountAsStringAndAsObject() {
        String legacy = newId("txd_");
        String modern = newId("txd_");
        String accountId = newId("acc_");
        gateway.postNew(v1("direct_debit.payment_successful",
                paymentData(legacy, "successful", 30_000, "\"" + accountId + "\"", "2024-05-01T10:00:00.000Z")));
        gateway.postNew(v2("direct_debit.payment_successful", "2024-05-01T10:00:01Z", paymentData(modern, "successful", 11_400_000,
                "{\"_id\":\"" + accountId + "\",\"name\":\"ADAEZE OKAFOR\",\"accountNumber\":\"0123456789\",\"currency\":\"NGN\","
                        + "\"institution\":{\"name\":\"GTBank\",\"bankCode\":\"058\",\"type\":\"PERSONAL_BANKING\"}}",
                "2024-05-01T10:00:00.000Z")));
        gateway.awaitInboxDrained();

        Map<String, Object> first = db.row("SELECT * FROM payments WHERE id = ?", legacy);
        assertEquals("successful", first.get("status"));
        assertEquals(30_000L, first.get("amount"));
        assertEquals(300L, first.get("fee"));
        assertEquals("NGN", first.get("currency"));
        assertEquals(accountId, first.get("account_id"));
        assertEquals("ref_" + legacy, first.get("reference"));
        assertNull(first.get("customer"));
        assertEquals(true, first.get("live_mode"));
        Map<String, Object> second = db.row("SELECT * FROM payments WHERE id = ?", modern);
        assertEquals(11_400_000L, second.get("amount"));
        assertEquals(accountId, second.get("account_id"));
        Map<String, Object> account = db.row("SELECT name, account_number, bank_code FROM accounts WHERE id = ?", accountId);
        assertEquals("ADAEZE OKAFOR", account.get("name"));
        assertEquals("058", account.get("bank_code"));
    }

    @Test
    void cancelledThenAbandonedWithTheSameTimeSettlesTheSameWhateverTheOrder() {
        String a = newId("txd_");
        String b = newId("txd_");
        String at = "2021-11-11T12:33:33.477Z";
        gateway.postNew(v1("direct_debit.payment_cancelled", paymentData(a, "cancelled", 11_400_000, "\"acc_x\"", at)));
        gateway.postNew(v1("direct_debit.payment_abandoned", paymentData(a, "abandoned", 11_400_000, "\"acc_x\"", at)));
        gateway.postNew(v1("direct_debit.payment_abandoned", paymentData(b, "abandoned", 11_400_000, "\"acc_x\"", at)));
        gateway.postNew(v1("direct_debit.payment_cancelled", paymentData(b, "cancelled", 11_400_000, "\"acc_x\"", at)));
        gateway.awaitInboxDrained();

        assertEquals("abandoned", db.row("SELECT status FROM payments WHERE id = ?", a).get("status"));
        assertEquals("abandoned", db.row("SELECT status FROM payments WHERE id = ?", b).get("status"));
        assertEquals(2, db.count("SELECT count(*) FROM payment_status_history WHERE payment_id = ?", a));
        assertEquals(2, db.count("SELECT count(*) FROM payment_status_history WHERE payment_id = ?", b));
    }

    @Test
    void aFinalPaymentStatusIsNeverReplacedByALateNonFinalOne() {
        String id = newId("txd_");
        gateway.postNew(v1("direct_debit.payment_successful", paymentData(id, "successful", 30_000, "\"acc_x\"", "2024-05-01T10:00:00Z")));
        gateway.awaitInboxDrained();
        // Stamped later, but a payment that succeeded does not go back to processing or cancelled.
        gateway.postNew(v1("direct_debit.payment_processing", paymentData(id, "processing", 30_000, "\"acc_x\"", "2024-05-01T10:05:00Z")));
        gateway.postNew(v1("direct_debit.payment_cancelled", paymentData(id, "cancelled", 30_000, "\"acc_x\"", "2024-05-01T10:06:00Z")));
        gateway.awaitInboxDrained();

        Map<String, Object> payment = db.row("SELECT status, updated_at::text AS at FROM payments WHERE id = ?", id);
        assertEquals("successful", payment.get("status"));
        assertEquals("2024-05-01 10:00:00+00", payment.get("at"));
        assertEquals(List.of("successful", "processing", "cancelled"),
                db.rows("SELECT status FROM payment_status_history WHERE payment_id = ? ORDER BY status_at", id)
                        .stream().map(r -> r.get("status")).toList());
    }

    @Test
    void mandateLifecycleFromNestedAndActionEvents() {
        String id = newId("mmc_");
        gateway.postNew(nested("events.mandates.created", mandateData(id, "initiated", "2024-05-01T10:00:00Z")));
        gateway.postNew(nested("events.mandates.approved", mandateData(id, "approved", "2024-05-01T10:01:00Z")));
        gateway.postNew(v2("events.mandates.ready", "2024-05-01T10:02:00Z", mandateData(id, "ready", "2024-05-01T10:02:00Z")));
        gateway.awaitInboxDrained();

        Map<String, Object> mandate = db.row("SELECT * FROM mandates WHERE id = ?", id);
        assertEquals("ready", mandate.get("status"));
        assertEquals(5_000_000L, mandate.get("amount"));
        assertEquals("0123456789", mandate.get("account_number"));
        assertEquals("GTBank", mandate.get("bank_name"));
        assertEquals("variable", mandate.get("debit_type"));

        gateway.postNew(v2("events.mandate.action.pause", "2024-05-03T10:00:00Z", mandateActionData(id, "paused", "2024-05-03T10:00:00Z")));
        gateway.awaitInboxDrained();
        assertEquals("paused", db.row("SELECT status FROM mandates WHERE id = ?", id).get("status"));

        gateway.postNew(v2("events.mandate.action.reinstate", "2024-05-04T10:00:00Z", mandateActionData(id, "reinstated", "2024-05-04T10:00:00Z")));
        // A late "approved" from before the pause changes nothing.
        gateway.postNew(nested("events.mandates.approved", mandateData(id, "approved", "2024-05-01T10:01:30Z")));
        gateway.awaitInboxDrained();
        assertEquals("reinstated", db.row("SELECT status FROM mandates WHERE id = ?", id).get("status"));

        gateway.postNew(v2("events.mandate.action.cancel", "2024-05-05T10:00:00Z", mandateActionData(id, "cancelled", "2024-05-05T10:00:00Z")));
        gateway.awaitInboxDrained();
        assertEquals("cancelled", db.row("SELECT status FROM mandates WHERE id = ?", id).get("status"));
        assertEquals("0123456789", db.row("SELECT account_number FROM mandates WHERE id = ?", id).get("account_number"),
                "an action carries no account: the one known stays");
    }

    @Test
    void mandatesSeenFirstThroughALateEventKeepTheirDetails() {
        String id = newId("mmc_");
        gateway.postNew(v2("events.mandates.expired", "2024-06-01T00:00:00Z", "{\"id\":\"" + id + "\",\"live_mode\":false}"));
        gateway.postNew(nested("events.mandates.created", mandateData(id, "initiated", "2024-05-01T10:00:00Z")));
        gateway.postNew(nested("events.mandates.rejected", mandateData(id, "rejected", "2024-05-01T11:00:00Z")));
        gateway.awaitInboxDrained();

        Map<String, Object> mandate = db.row("SELECT status, amount, reference FROM mandates WHERE id = ?", id);
        assertEquals("expired", mandate.get("status"));
        assertEquals(5_000_000L, mandate.get("amount"));
        assertEquals("mref_" + id, mandate.get("reference"));
    }

    @Test
    void debitsKeyedByReferenceKeepTheirFinalState() {
        String mandate = newId("mmc_");
        String ok = newId("DD");
        String bad = newId("DD");
        gateway.postNew(v2("events.mandates.debit.processing", "2024-05-01T10:00:00Z", debitData(mandate, ok, "processing", "09", "2024-05-01T10:00:00Z")));
        gateway.postNew(v2("events.mandates.debit.successful", "2024-05-01T10:01:00Z", debitData(mandate, ok, "successful", "00", "2024-05-01T10:01:00Z")));
        gateway.postNew(v2("events.mandates.debit.failed", "2024-05-01T10:01:00Z", debitData(mandate, bad, "failed", "51", "2024-05-01T10:01:00Z")));
        gateway.awaitInboxDrained();
        gateway.postNew(v2("events.mandates.debit.processing", "2024-05-01T10:02:00Z", debitData(mandate, ok, "processing", "09", "2024-05-01T10:02:00Z")));
        gateway.awaitInboxDrained();

        Map<String, Object> success = db.row(
                "SELECT status, amount, fee, response_code, mandate_id, account_details->>'account_number' AS acct, beneficiary->>'bank_code' AS ben "
                        + "FROM mandate_debits WHERE reference_number = ?", ok);
        assertEquals("successful", success.get("status"));
        assertEquals(250_000L, success.get("amount"));
        assertEquals(5_000L, success.get("fee"));
        assertEquals("00", success.get("response_code"));
        assertEquals(mandate, success.get("mandate_id"));
        assertEquals("0123456789", success.get("acct"));
        assertEquals("044", success.get("ben"));
        Map<String, Object> failure = db.row("SELECT status, response_code FROM mandate_debits WHERE reference_number = ?", bad);
        assertEquals("failed", failure.get("status"));
        assertEquals("51", failure.get("response_code"));
    }

    @Test
    void redeliveryAndReplayChangeNothing() {
        String id = newId("txd_");
        String event = v2("direct_debit.payment_successful", "2024-05-01T10:00:00Z",
                paymentData(id, "successful", 30_000, "\"acc_x\"", "2024-05-01T10:00:00Z"));
        gateway.postNew(event);
        assertEquals("{\"status\":\"duplicate\"}", gateway.post(event).body());
        gateway.awaitInboxDrained();
        Map<String, Object> before = db.row("SELECT * FROM payments WHERE id = ?", id);

        // Replay: the same stored event processed again, twice.
        for (int i = 0; i < 2; i++) {
            db.execute("UPDATE webhook_events SET status = 'received' WHERE CAST(body AS jsonb)->'data'->'object'->>'id' = ?", id);
            db.queueReceivedEvents();
            gateway.awaitInboxDrained();
        }

        assertEquals(before, db.row("SELECT * FROM payments WHERE id = ?", id));
        assertEquals(1, db.count("SELECT count(*) FROM payment_status_history WHERE payment_id = ?", id));
        assertEquals(3, db.count("SELECT attempts FROM webhook_events WHERE CAST(body AS jsonb)->'data'->'object'->>'id' = ?", id));
    }

    @Test
    void eventsWithoutHandlerAreKeptAndMarkedIgnored() {
        List<String> types = List.of("event.disbursement.successful", "mono.events.watchlist.match",
                "mono.prove.data_verification_successful", "issuing.card_created", "something.entirely.new");
        for (String type : types) {
            gateway.postNew(v2(type, "2024-05-01T10:00:00Z", "{\"id\":\"" + newId("x_") + "\",\"live\":true}"));
        }
        gateway.awaitInboxDrained();

        for (String type : types) {
            Map<String, Object> row = db.row("SELECT status, status_reason, processed_at, last_error FROM webhook_events WHERE event_type = ?", type);
            assertEquals("ignored", row.get("status"), type);
            assertEquals("no-handler", row.get("status_reason"), type);
            assertTrue(row.get("processed_at") != null, type);
            assertNull(row.get("last_error"), type);
        }
    }

    @Test
    void anEventMissingWhatItsFamilyNeedsFailsWithAClearError() {
        String event = v2("direct_debit.payment_successful", "2024-05-01T10:00:00Z", "{\"object\":{\"status\":\"successful\"}}");
        gateway.postNew(event);
        gateway.awaitInboxDrained();

        Map<String, Object> row = db.row("SELECT status, attempts, last_error FROM webhook_events WHERE CAST(body AS jsonb) = CAST(? AS jsonb)", event);
        assertEquals("failed", row.get("status"));
        assertEquals(1, row.get("attempts"));
        assertEquals("InvalidEventDataException: the event has no payment id (data.object.id)", row.get("last_error"));
    }
}
