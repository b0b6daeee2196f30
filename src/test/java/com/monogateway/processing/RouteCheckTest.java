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
    void aValueCastToAnotherTypeThanItsDeclaredOneIsRefused() throws Exception {
        String refused = check(payments -> payments.replace("CAST(:?amount AS bigint)", "CAST(:?amount AS text)"));
        assertTrue(refused.startsWith("route mono-payments (file:") && refused.contains(
                "casts :?amount to text, but monoEventFields.payment gives it as bigint (EventFields.FIELDS)"), refused);
        refused = check(payments -> payments.replace("CAST(:?amount AS bigint)", "CAST(:?amount AS numeric(20, 0))"));
        assertTrue(refused.contains("casts :?amount to numeric(20, 0), but monoEventFields.payment gives it as bigint"), refused);
        refused = check(payments -> payments.replace("CAST(:?fee AS bigint)", "CAST(:?fee::text AS bigint)"));
        assertTrue(refused.contains("casts :?fee to text, but monoEventFields.payment gives it as bigint"), refused);
        // PostgreSQL's other spellings of the declared type are the same type.
        assertEquals("", check(payments -> payments.replace("CAST(:?amount AS bigint)", "CAST(:?amount AS int8)")
                .replace("CAST(:?created_at AS timestamptz)", "CAST(:?created_at AS pg_catalog.timestamp(3)  with  time zone)")));
        // What a comment says is not read.
        assertEquals("", check(payments -> payments.replace("-- e: the event's values", "-- CAST(:?amount AS text) AS amt; e: the event's values")));
    }

    @Test
    void aValueRenamedOnTheWayIsRefused() throws Exception {
        String refused = check(payments -> payments.replaceFirst("CAST\\(:\\?fee AS bigint\\)( *)AS fee", "CAST(:?fee AS bigint)$1AS fee_kobo"));
        assertTrue(refused.startsWith("route mono-payments (file:") && refused.contains(
                "names :?fee fee_kobo; give each value one name from the event to the SQL: AS fee"), refused);
        // The same name in another case is the same name to PostgreSQL; a cast inside a cast has no name of its own.
        assertEquals("", check(payments -> payments.replaceFirst("CAST\\(:\\?fee AS bigint\\)( *)AS fee", "CAST(:?fee AS bigint)$1AS Fee")
                .replaceFirst("CAST\\(:\\?created_at AS timestamptz\\)( *)AS created_at",
                        "CAST(CAST(:?created_at AS timestamptz) AS date) AS created_day")));
    }

    @Test
    void aNameTheMethodDoesNotGiveIsRefused() throws Exception {
        String refused = check(payments -> payments.replace("CAST(:?fee AS bigint)", "CAST(:?fees AS bigint)"));
        assertTrue(refused.startsWith("route mono-payments (file:") && refused.contains(
                "reads :?fees, which monoEventFields.payment does not give; it gives [account_currency,"), refused);
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
