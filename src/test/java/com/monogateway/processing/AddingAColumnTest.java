package com.monogateway.processing;

import static com.monogateway.support.MonoEvents.newId;
import static com.monogateway.support.MonoEvents.paymentData;
import static com.monogateway.support.MonoEvents.v2;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.monogateway.support.RunningGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's worked example of adding a column, done as it says: the migration's statement, then the three
 * edits of routes/payments.camel.yaml. Two events of one payment, the first with the account object, the second
 * naming the account by id: the column keeps the payer's bank.
 */
class AddingAColumnTest {

    private static final String ACCOUNT = """
            {"id":"acc_bank_1","name":"ADAEZE OKAFOR","accountNumber":"0123456789","currency":"NGN","type":"SAVINGS",
             "institution":{"name":"GTBank","bankCode":"058","type":"PERSONAL_BANKING"}}""";

    @Test
    void theReadmesExampleWritesThePayersBank(@TempDir Path routes) throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        assertTrue(readme.contains("`ALTER TABLE payments ADD COLUMN payer_bank text;`")
                && readme.contains("`payer_bank = COALESCE(EXCLUDED.payer_bank, p.payer_bank)`"), "the README's example is this one");
        for (Path file : Files.newDirectoryStream(Path.of("routes"), "*.camel.yaml")) {
            Files.copy(file, routes.resolve(file.getFileName()));
        }
        Path payments = routes.resolve("payments.camel.yaml");
        String route = Files.readString(payments);
        String edited = edit(route, "INSERT INTO payments AS p (id, status,", "INSERT INTO payments AS p (payer_bank, id, status,");
        edited = edit(edited, "SELECT e.payment_id, e.status, e.amount, e.fee,", "SELECT e.institution_name, e.payment_id, e.status, e.amount, e.fee,");
        edited = edit(edited, "ON CONFLICT (id) DO UPDATE SET\n", "ON CONFLICT (id) DO UPDATE SET\n"
                + "                  payer_bank = COALESCE(EXCLUDED.payer_bank, p.payer_bank),\n");
        Files.writeString(payments, edited);

        Properties settings = RunningGateway.defaults();
        settings.setProperty("camel.main.routes-include-pattern", "file:" + routes + "/*.camel.yaml");
        try (RunningGateway gateway = RunningGateway.start(settings)) {
            gateway.db().execute("ALTER TABLE payments ADD COLUMN payer_bank text"); // the migration
            String id = newId("txd_");
            gateway.postNew(v2("direct_debit.payment_processing", "2024-05-01T10:00:00Z",
                    paymentData(id, "processing", 5000, ACCOUNT, "2024-05-01T10:00:00.000Z")));
            gateway.postNew(v2("direct_debit.payment_successful", "2024-05-01T10:01:00Z",
                    paymentData(id, "successful", 5000, "\"acc_bank_1\"", "2024-05-01T10:01:00.000Z")));
            gateway.awaitInboxDrained();
            var row = gateway.db().row("SELECT status, payer_bank FROM payments WHERE id = ?", id);
            assertEquals("successful", row.get("status"));
            assertEquals("GTBank", row.get("payer_bank"), "kept from the event that carried it");
        }
    }

    /** The route with {@code from} replaced, which must occur exactly once. */
    private static String edit(String route, String from, String to) {
        assertEquals(1, route.split(java.util.regex.Pattern.quote(from), -1).length - 1, "one place for: " + from);
        return route.replace(from, to);
    }
}
