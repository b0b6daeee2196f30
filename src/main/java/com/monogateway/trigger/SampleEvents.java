package com.monogateway.trigger;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Realistic Mono events for every type in the catalog (../shared/docs/mono-webhooks.md), each with
 * fresh ids, and amounts and references that vary from one call to the next.
 */
public final class SampleEvents {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> NESTED = Set.of("events.mandates.created", "events.mandates.approved",
            "mono.events.account_credit_worthiness");

    private final Random random;
    private final Map<String, BiConsumer<String, ObjectNode>> builders = new LinkedHashMap<>();

    public SampleEvents(Random random) {
        this.random = random;
        for (String type : new String[] {"mono.events.account_connected", "mono.events.account_updated",
                "mono.events.account_reauthorized", "mono.events.reauthorisation_required", "mono.events.account_unlinked",
                "mono.events.sync_failed", "mono.accounts.jobs.update", "mono.events.account_income",
                "mono.events.account_credit_worthiness"}) {
            builders.put(type, this::account);
        }
        for (String status : new String[] {"successful", "failed", "cancelled", "abandoned"}) {
            builders.put("direct_debit.payment_" + status, this::payment);
        }
        for (String status : new String[] {"created", "approved", "rejected", "ready", "expired"}) {
            builders.put("events.mandates." + status, this::mandate);
        }
        for (String action : new String[] {"pause", "cancel", "reinstate"}) {
            builders.put("events.mandate.action." + action, this::mandateAction);
        }
        for (String status : new String[] {"processing", "successful", "failed"}) {
            builders.put("events.mandates.debit." + status, this::debit);
        }
        for (String type : new String[] {"event.disbursement.successful", "event.disburse.account.created",
                "mono.events.watchlist.match", "mono.prove.data_verification_successful", "issuing.card_created"}) {
            builders.put(type, this::other);
        }
    }

    public Set<String> types() {
        return builders.keySet();
    }

    public boolean knows(String type) {
        return builders.containsKey(type);
    }

    /** A new event of this type as JSON, in the envelope Mono uses for it (v2, or nested). */
    public String next(String type) {
        ObjectNode data = JSON.createObjectNode();
        builders.get(type).accept(type, data);
        ObjectNode event = JSON.createObjectNode();
        event.put("event", type);
        event.put("event_id", id("evt_"));
        event.put("timestamp", Instant.now().truncatedTo(ChronoUnit.MILLIS).toString());
        event.set("data", data);
        if (NESTED.contains(type)) {
            ObjectNode outer = JSON.createObjectNode();
            outer.set("data", event);
            outer.put("app", "app_" + hex(12));
            outer.put("business", "biz_" + hex(12));
            return outer.toString();
        }
        return event.toString();
    }

    private void account(String type, ObjectNode data) {
        String accountId = hex(24);
        switch (type) {
            case "mono.events.account_connected" -> data.put("id", accountId).put("customer", hex(24));
            case "mono.events.account_updated" -> {
                ObjectNode account = data.putObject("account");
                account.put("_id", accountId).put("name", name()).put("accountNumber", digits(10)).put("currency", "NGN")
                        .put("balance", kobo()).put("type", "SAVINGS ACCOUNT").put("bvn", digits(4)).put("authMethod", "internet_banking");
                account.putObject("institution").put("name", "GTBank").put("bankCode", "058").put("type", "PERSONAL_BANKING");
                data.putObject("meta").put("data_status", "AVAILABLE").put("auth_method", "internet_banking")
                        .put("sync_status", "SUCCESSFUL").put("has_new_data", true);
            }
            case "mono.events.account_unlinked" -> data.putObject("account").put("id", accountId);
            case "mono.accounts.jobs.update" -> data.put("account", accountId).put("status", "finished").put("job_id", hex(12));
            default -> data.putObject("account").put("_id", accountId);
        }
    }

    private void payment(String type, ObjectNode data) {
        String status = type.substring("direct_debit.payment_".length());
        String now = Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
        data.put("type", "onetime-debit");
        ObjectNode payment = data.putObject("object");
        payment.put("id", "txd_" + alnum(16)).put("status", status).put("amount", kobo()).put("fee", 100 * (1 + random.nextInt(50)))
                .put("currency", "NGN").put("description", "Order " + digits(6)).put("reference", "ref_" + alnum(12))
                .put("liveMode", false).putNull("customer").put("created_at", now).put("updated_at", now);
        ObjectNode account = payment.putObject("account");
        account.put("_id", hex(24)).put("name", name()).put("accountNumber", digits(10)).put("currency", "NGN");
        account.putObject("institution").put("name", "Access Bank").put("bankCode", "044").put("type", "PERSONAL_BANKING");
    }

    private void mandate(String type, ObjectNode data) {
        String status = type.substring("events.mandates.".length());
        data.put("id", "mmc_" + hex(24)).put("status", status).put("mandate_type", "emandate").put("debit_type", "variable")
                .put("reference", "mref_" + alnum(10)).put("account_name", name()).put("account_number", digits(10))
                .put("bank", "GTBank").put("bank_code", "058").put("customer", hex(24)).put("description", "Loan repayment")
                .put("live_mode", false).put("amount", kobo()).put("date", Instant.now().toString())
                .put("start_date", Instant.now().toString()).put("end_date", Instant.now().plus(365, ChronoUnit.DAYS).toString());
    }

    private void mandateAction(String type, ObjectNode data) {
        data.put("mandate", "mmc_" + hex(24)).put("live_mode", false).put("date", Instant.now().toString());
    }

    private void debit(String type, ObjectNode data) {
        String status = type.substring("events.mandates.debit.".length());
        data.put("status", status).put("response_code", status.equals("failed") ? "51" : "00")
                .put("message", status.equals("failed") ? "Insufficient funds" : "Debit " + status)
                .put("amount", kobo()).put("fee", 5000).put("customer", hex(24)).put("mandate", "mmc_" + hex(24))
                .put("reference_number", "DD" + digits(12)).put("date", Instant.now().toString()).put("live_mode", false);
        data.putObject("account_details").put("bank_code", "058").put("account_name", name())
                .put("account_number", digits(10)).put("bank_name", "GTBank");
        data.putObject("beneficiary").put("bank_code", "044").put("account_name", "ACME LTD")
                .put("account_number", digits(10)).put("bank_name", "Access Bank");
    }

    private void other(String type, ObjectNode data) {
        data.put("id", hex(24)).put("live", false).put("reference", "ref_" + alnum(12));
        if (type.startsWith("event.disburs")) {
            data.put("amount", kobo());
        }
    }

    /** An amount in kobo, a whole number of naira between NGN 10 and NGN 50,000. */
    private long kobo() {
        return 100L * (10 + random.nextInt(50_000));
    }

    private String name() {
        String[] first = {"ADAEZE", "CHIDI", "FUNMI", "IBRAHIM", "NGOZI", "TUNDE", "AMAKA", "EMEKA"};
        String[] last = {"OKAFOR", "ADEYEMI", "BELLO", "NWOSU", "OLAWALE", "EZE", "MUSA", "OKORO"};
        return first[random.nextInt(first.length)] + " " + last[random.nextInt(last.length)];
    }

    private String id(String prefix) {
        return prefix + hex(24);
    }

    private String hex(int length) {
        return chars("0123456789abcdef", length);
    }

    private String alnum(int length) {
        return chars("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", length);
    }

    private String digits(int length) {
        return chars("0123456789", length);
    }

    private String chars(String alphabet, int length) {
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            s.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return s.toString();
    }
}
