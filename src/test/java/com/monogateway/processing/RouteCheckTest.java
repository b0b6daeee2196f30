package com.monogateway.processing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.monogateway.config.SettingsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fast tier: the shipped routes/ loaded as the gateway loads them (no database, nothing started), checked as
 * the start checks them; and each way a handler's SQL can disagree with what its monoEventFields method declares
 * (EventFields.FIELDS) refused with the route and the value named.
 */
class RouteCheckTest {

    private static final List<String> FILES = List.of("event-router.camel.yaml", "accounts.camel.yaml", "payments.camel.yaml",
            "mandates.camel.yaml");

    @TempDir
    Path routes;

    @Test
    void theShippedRoutesPass() throws Exception {
        assertEquals("", check(payments -> payments));
    }

    @Test
    void aColumnOfAnotherTypeThanItsDeclaredOneIsRefused() throws Exception {
        String refused = check(payments -> payments.replace("amount            bigint", "amount            text"));
        assertTrue(refused.startsWith("route mono-payments (file:") && refused.contains(
                "reads amount as text, but monoEventFields.payment gives it as bigint (EventFields.FIELDS)"), refused);
        refused = check(payments -> payments.replace("amount            bigint", "amount numeric(20, 0)"));
        assertTrue(refused.contains("reads amount as numeric(20, 0), but monoEventFields.payment gives it as bigint"), refused);
        refused = check(payments -> payments.replace("fee               bigint,", "fee,"));
        assertTrue(refused.contains("reads fee as no type, but monoEventFields.payment gives it as bigint"), refused);
        // PostgreSQL's other spellings of the declared type are the same type, names in any case the same name.
        assertEquals("", check(payments -> payments.replace("amount            bigint", "Amount int8")
                .replace("created_at        timestamptz", "created_at pg_catalog.timestamp(3)  with  time zone")));
        // What a comment says is not read.
        assertEquals("", check(payments -> payments.replace("-- e: the set's events", "-- :?amount, e(amount text); e: the set's events")));
    }

    @Test
    void aColumnTheMethodDoesNotGiveIsRefused() throws Exception {
        String refused = check(payments -> payments.replace("fee               bigint", "fees bigint"));
        assertTrue(refused.startsWith("route mono-payments (file:") && refused.contains(
                "reads column fees of :?events, which monoEventFields.payment does not give; it gives [account_currency,"), refused);
    }

    @Test
    void aValueReadAsAParameterOrRowsWithoutDeclaredColumnsAreRefused() throws Exception {
        // The contract before sets: one event's values as parameters.
        String refused = check(payments -> payments.replace("SELECT e.payment_id, e.inbox_id", "SELECT CAST(:?payment_id AS text), e.inbox_id"));
        assertTrue(refused.startsWith("route mono-payments (file:") && refused.contains(
                "reads :?payment_id, but monoEventFields.payment gives one parameter, :?events (the set's rows); read the value"
                        + " as a column: FROM jsonb_to_recordset(CAST(:?events AS jsonb)) AS e(payment_id text,"), refused);
        refused = check(payments -> payments.replace("jsonb_to_recordset(CAST(:?events AS jsonb)) AS e(", "jsonb_array_elements(CAST(:?events AS jsonb)) AS e(")
                .replace("AS e(\n", "AS x(\n"));
        assertTrue(refused.contains("reads :?events but not as rows with declared columns"), refused);
        refused = check(payments -> payments.replace("jsonb_to_recordset(CAST(:?events AS jsonb))", "json_to_recordset(CAST(:?events AS json))"));
        assertTrue(refused.contains("reads :?events but not as rows with declared columns"), refused);
        // PostgreSQL's own spelling of the cast is the same; a quoted name is the name as written.
        assertEquals("", check(payments -> payments.replace("CAST(:?events AS jsonb)", ":?events::jsonb")
                .replace("payment_id        text", "\"payment_id\" text")));
    }

    /** Loads routes/ with payments.camel.yaml edited; answers the start's refusal, or "" when it passes. */
    private String check(UnaryOperator<String> editPayments) throws Exception {
        for (String file : FILES) {
            String text = Files.readString(Path.of("routes", file));
            Files.writeString(routes.resolve(file), file.equals("payments.camel.yaml") ? editPayments.apply(text) : text);
        }
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            for (String file : FILES) {
                PluginHelper.getRoutesLoader(context).loadRoutes(ResourceHelper.resolveResource(context, "file:" + routes.resolve(file)));
            }
            try {
                RouteCheck.requireComplete(context);
                return "";
            } catch (SettingsException e) {
                return e.getMessage();
            }
        }
    }
}
