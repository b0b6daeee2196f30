package com.monogateway.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.math.BigDecimal;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What a person needs to know about an event, read tolerantly from any Mono shape (payment object,
 * debit, mandate): it must never fail, since it also describes events that failed for bad data.
 */
public final class AlertDetails {

    private AlertDetails() {
    }

    /**
     * Fields for an alert template; every value is text, {@code -} when the event does not say (or, with
     * a null event, when the stored event could not be read at all).
     */
    public static Map<String, String> of(String eventType, long inboxId, String dedupeKey, JsonNode event) {
        JsonNode data = event == null ? MissingNode.getInstance() : event.path("data");
        JsonNode payment = data.path("object");
        Map<String, String> d = new LinkedHashMap<>();
        d.put("eventType", eventType);
        d.put("inboxId", Long.toString(inboxId));
        d.put("dedupeKey", dedupeKey);
        d.put("objectId", first(payment.path("id"), data.path("id"), data.path("mandate")));
        d.put("reference", first(payment.path("reference"), data.path("reference_number"), data.path("reference")));
        Long kobo = kobo(payment.has("amount") ? payment.path("amount") : data.path("amount"));
        String currency = first(payment.path("currency"), data.path("currency"));
        d.put("amount", kobo == null ? "-" : money(kobo, "-".equals(currency) ? "NGN" : currency));
        d.put("account", account(payment.path("account"), data));
        d.put("reason", reason(eventType, data));
        return d;
    }

    /** Kobo as a person reads it: 50000 and NGN give {@code NGN 500.00}. */
    public static String money(long kobo, String currency) {
        String code = currency.equalsIgnoreCase("naira") ? "NGN" : currency.toUpperCase(Locale.ROOT);
        DecimalFormat format = new DecimalFormat("#,##0.00", DecimalFormatSymbols.getInstance(Locale.ROOT));
        return code + " " + format.format(BigDecimal.valueOf(kobo, 2));
    }

    private static String account(JsonNode account, JsonNode data) {
        if (account.isObject()) {
            return describeAccount(account.path("name"), account.path("accountNumber"), account.path("institution").path("name"),
                    first(account.path("_id"), account.path("id")));
        }
        JsonNode details = data.path("account_details");
        if (details.isObject()) {
            return describeAccount(details.path("account_name"), details.path("account_number"), details.path("bank_name"), "-");
        }
        return first(account, data.path("account").path("_id"), data.path("account"));
    }

    private static String describeAccount(JsonNode name, JsonNode number, JsonNode bank, String id) {
        StringBuilder s = new StringBuilder();
        for (String part : new String[] {first(name), first(number), first(bank)}) {
            if (!"-".equals(part)) {
                s.append(s.length() == 0 ? "" : ", ").append(part);
            }
        }
        return s.length() == 0 ? id : s.toString();
    }

    private static String reason(String eventType, JsonNode data) {
        String code = first(data.path("response_code"));
        String message = first(data.path("message"));
        if (!"-".equals(code) || !"-".equals(message)) {
            return ("-".equals(code) ? "" : "response code " + code + ": ") + ("-".equals(message) ? "" : message);
        }
        String status = first(data.path("object").path("status"), data.path("status"));
        return "-".equals(status) ? "Mono sent " + eventType : "Mono reports the status " + status;
    }

    private static Long kobo(JsonNode node) {
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            return node.longValue();
        }
        if (node.isTextual() && node.asText().matches("-?\\d{1,18}")) {
            return Long.parseLong(node.asText());
        }
        return null;
    }

    private static String first(JsonNode... candidates) {
        for (JsonNode node : candidates) {
            if (node != null && node.isValueNode() && !node.isNull() && !node.asText().isBlank()) {
                return node.asText().strip();
            }
        }
        return "-";
    }
}
