package com.monogateway.event;

import static com.monogateway.event.EventSubject.firstText;
import static com.monogateway.event.EventSubject.idOf;
import static com.monogateway.event.EventSubject.text;

import com.fasterxml.jackson.databind.JsonNode;


import com.monogateway.vocabulary.Vocabulary;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.DateTimeException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.camel.Exchange;

/**
 * Turns a Mono event into the named SQL parameters of its family's handler route (bean
 * {@code monoEventFields}). This is where Mono's shape variants are absorbed: ids in several places,
 * an account given as a string or an object, {@code Naira} for {@code NGN}, amounts in kobo, and an
 * event time taken from the event itself whenever it carries one.
 *
 * <p>What each method gives is declared in {@link #DECLARED}: a route's SQL may read those names ({@code :?name})
 * and no other, which the start checks ({@code RouteCheck}), and a method cannot give a name it does not declare.
 */
public final class EventFields {

    /** Every method's parameters hold these too. */
    private static final Set<String> COMMON = Set.of("inbox_id", "event_type", "live_mode", "source", "event_at");

    /** Method of this bean -> the names of the parameters it gives (each always present, null when the event has none). */
    public static final Map<String, Set<String>> DECLARED = Map.of(
            "account", declare("account_id", "status", "name", "account_number", "currency", "balance", "type", "bvn",
                    "institution_name", "bank_code", "institution_type", "data_status", "auth_method"),
            "payment", declare("payment_id", "status", "amount", "fee", "currency", "description", "reference", "customer",
                    "created_at", "account_id", "account_is_object", "account_name", "account_number", "account_currency",
                    "account_type", "institution_name", "bank_code", "institution_type"),
            "mandate", declare("mandate_id", "status", "amount", "reference", "customer", "account_name", "account_number",
                    "bank_name", "bank_code", "mandate_type", "debit_type", "description", "start_date", "end_date"),
            "mandateDebit", declare("reference_number", "mandate_id", "status", "amount", "fee", "response_code", "message",
                    "customer", "account_details", "beneficiary"));

    private static Set<String> declare(String... names) {
        Set<String> all = new java.util.TreeSet<>(COMMON);
        all.addAll(List.of(names));
        return java.util.Collections.unmodifiableSet(all);
    }

    /** A method's parameters: a name it does not declare is a bug here, not in the event. */
    private static final class Parameters extends HashMap<String, Object> {
        private final String method;

        Parameters(String method) {
            this.method = method;
        }

        @Override
        public Object put(String name, Object value) {
            if (!DECLARED.get(method).contains(name)) {
                throw new IllegalStateException(name + " is not declared for monoEventFields." + method + " (EventFields.DECLARED)");
            }
            return super.put(name, value);
        }
    }

    private final boolean maskIdentity;

    /** @param maskIdentity mono.accounts.store-identity: true keeps the last 4 characters of a BVN, false none of it */
    public EventFields(boolean maskIdentity) {
        this.maskIdentity = maskIdentity;
    }

    public EventFields() {
        this(true);
    }

    /** A BVN or other identity number as it may be stored: its last 4 characters, or nothing. */
    public static String identity(String value, boolean mask) {
        if (value == null || !mask) {
            return null;
        }
        String v = value.strip();
        // Mono often sends only the last 4 already.
        return v.length() <= 4 ? v : "*".repeat(v.length() - 4) + v.substring(v.length() - 4);
    }

    /** The event does not hold what its family needs; it fails (and is dead-lettered) rather than guessing. */
    public static final class InvalidEventDataException extends RuntimeException {
        public InvalidEventDataException(String message) {
            super(message);
        }
    }

    public Map<String, Object> account(Exchange exchange) {
        Map<String, Object> p = common(exchange, "account");
        JsonNode data = data(exchange);
        JsonNode account = data.path("account");
        String id = firstText(data.path("id"), account.path("_id"), account.path("id"), account);
        p.put("account_id", require(id, "account id (data.id, data.account._id or data.account.id)"));
        p.put("status", accountStatus(eventType(exchange)));
        p.put("event_at", eventTime(exchange, data.path("updated_at"), account.path("updated_at")));

        JsonNode institution = account.path("institution");
        JsonNode meta = data.path("meta");
        p.put("name", text(account.path("name")));
        p.put("account_number", text(account.path("accountNumber")));
        p.put("currency", currency(account.path("currency")));
        p.put("balance", kobo(account.path("balance"), "data.account.balance"));
        p.put("type", text(account.path("type")));
        p.put("bvn", identity(text(account.path("bvn")), maskIdentity));
        p.put("institution_name", text(institution.path("name")));
        p.put("bank_code", text(institution.path("bankCode")));
        p.put("institution_type", text(institution.path("type")));
        p.put("data_status", text(meta.path("data_status")));
        p.put("auth_method", firstText(meta.path("auth_method"), account.path("authMethod")));
        return p;
    }

    public Map<String, Object> payment(Exchange exchange) {
        Map<String, Object> p = common(exchange, "payment");
        JsonNode data = data(exchange);
        JsonNode payment = data.path("object");
        p.put("payment_id", require(text(payment.path("id")), "payment id (data.object.id)"));
        String status = firstText(payment.path("status"), MonoFamily.PAYMENT.statusInType(eventType(exchange)));
        p.put("status", require(status, "payment status (data.object.status)").toLowerCase(Locale.ROOT));
        p.put("amount", kobo(payment.path("amount"), "data.object.amount"));
        p.put("fee", kobo(payment.path("fee"), "data.object.fee"));
        p.put("currency", currency(payment.path("currency")));
        p.put("description", text(payment.path("description")));
        p.put("reference", text(payment.path("reference")));
        p.put("customer", idOf(payment.path("customer")));
        p.put("created_at", time(payment.path("created_at")));
        p.put("event_at", eventTime(exchange, payment.path("updated_at")));

        JsonNode account = payment.path("account");
        p.put("account_id", idOf(account));
        p.put("account_is_object", account.isObject() && idOf(account) != null);
        JsonNode institution = account.path("institution");
        p.put("account_name", text(account.path("name")));
        p.put("account_number", text(account.path("accountNumber")));
        p.put("account_currency", currency(account.path("currency")));
        p.put("account_type", text(account.path("type")));
        p.put("institution_name", text(institution.path("name")));
        p.put("bank_code", text(institution.path("bankCode")));
        p.put("institution_type", text(institution.path("type")));
        return p;
    }

    public Map<String, Object> mandate(Exchange exchange) {
        Map<String, Object> p = common(exchange, "mandate");
        JsonNode data = data(exchange);
        String type = eventType(exchange);
        String id = EventSubject.objectKey(type, exchange.getProperty(Vocabulary.EVENT_JSON, JsonNode.class));
        p.put("mandate_id", require(id, "mandate id (data.id, or data.mandate for mandate actions)"));
        p.put("status", mandateStatus(type));
        p.put("event_at", eventTime(exchange, data.path("updated_at"), data.path("date")));
        p.put("amount", kobo(data.path("amount"), "data.amount"));
        p.put("reference", text(data.path("reference")));
        p.put("customer", idOf(data.path("customer")));
        p.put("account_name", text(data.path("account_name")));
        p.put("account_number", text(data.path("account_number")));
        p.put("bank_name", text(data.path("bank")));
        p.put("bank_code", text(data.path("bank_code")));
        p.put("mandate_type", text(data.path("mandate_type")));
        p.put("debit_type", text(data.path("debit_type")));
        p.put("description", text(data.path("description")));
        p.put("start_date", time(data.path("start_date")));
        p.put("end_date", time(data.path("end_date")));
        return p;
    }

    public Map<String, Object> mandateDebit(Exchange exchange) {
        Map<String, Object> p = common(exchange, "mandateDebit");
        JsonNode data = data(exchange);
        p.put("reference_number", require(text(data.path("reference_number")), "debit reference (data.reference_number)"));
        p.put("mandate_id", idOf(data.path("mandate")));
        String status = firstText(MonoFamily.MANDATE_DEBIT.statusInType(eventType(exchange)), data.path("status"));
        p.put("status", require(status, "debit status (data.status)").toLowerCase(Locale.ROOT));
        p.put("amount", kobo(data.path("amount"), "data.amount"));
        p.put("fee", kobo(data.path("fee"), "data.fee"));
        p.put("response_code", text(data.path("response_code")));
        p.put("message", text(data.path("message")));
        p.put("customer", idOf(data.path("customer")));
        p.put("account_details", json(data.path("account_details")));
        p.put("beneficiary", json(data.path("beneficiary")));
        p.put("event_at", eventTime(exchange, data.path("updated_at"), data.path("date")));
        return p;
    }

    private static Map<String, Object> common(Exchange exchange, String method) {
        Map<String, Object> p = new Parameters(method);
        p.put("inbox_id", exchange.getIn().getHeader(Vocabulary.INBOX_ID, Long.class));
        p.put("event_type", eventType(exchange));
        p.put("live_mode", exchange.getIn().getHeader(Vocabulary.LIVE_MODE, Boolean.class));
        p.put("source", exchange.getIn().getHeader(Vocabulary.SOURCE, "webhook", String.class));
        return p;
    }

    private static String eventType(Exchange exchange) {
        return exchange.getIn().getHeader(Vocabulary.EVENT_TYPE, String.class);
    }

    private static JsonNode data(Exchange exchange) {
        return exchange.getProperty(Vocabulary.EVENT_JSON, JsonNode.class).path("data");
    }

    private static String accountStatus(String type) {
        return switch (type) {
            case "mono.events.account_connected" -> "connected";
            case "mono.events.account_reauthorized" -> "reauthorized";
            case "mono.events.reauthorisation_required" -> "reauthorisation_required";
            case "mono.events.account_unlinked" -> "unlinked";
            case "mono.events.sync_failed" -> "sync_failed";
            default -> null; // account_updated and friends carry details, not a lifecycle step
        };
    }

    private static String mandateStatus(String type) {
        return switch (type) {
            case "events.mandate.action.pause" -> "paused";
            case "events.mandate.action.cancel" -> "cancelled";
            case "events.mandate.action.reinstate" -> "reinstated";
            default -> suffix(type, "events.mandates.");
        };
    }

    /**
     * When the event happened, by its own stamps: the candidates given, else the v2 envelope's
     * {@code timestamp}, else the time we received it.
     */
    private static OffsetDateTime eventTime(Exchange exchange, JsonNode... candidates) {
        for (JsonNode candidate : candidates) {
            OffsetDateTime t = time(candidate);
            if (t != null) {
                return t;
            }
        }
        OffsetDateTime stamped = time(exchange.getProperty(Vocabulary.EVENT_JSON, JsonNode.class).path("timestamp"));
        return stamped != null ? stamped : exchange.getIn().getHeader(Vocabulary.RECEIVED_AT, OffsetDateTime.class);
    }

    private static OffsetDateTime time(JsonNode node) {
        String value = text(node);
        return value == null ? null : time(value);
    }

    /** An ISO-8601 time with its offset, or null when it is none (an unreadable stamp orders like a missing one). */
    static OffsetDateTime time(String value) {
        OffsetDateTime utc = monoUtcTime(value);
        if (utc != null) {
            return utc;
        }
        try {
            return OffsetDateTime.parse(value);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /**
     * The shape Mono writes, {@code 2024-05-01T10:00:00.000Z} (or without the milliseconds), read without the
     * general ISO parser: three stamps an event made it a twentieth of the gateway's CPU. Anything else,
     * including an impossible date, is null here and left to {@link OffsetDateTime#parse}.
     */
    private static OffsetDateTime monoUtcTime(String v) {
        int n = v.length();
        if ((n != 24 && n != 20) || v.charAt(n - 1) != 'Z' || v.charAt(4) != '-' || v.charAt(7) != '-' || v.charAt(10) != 'T'
                || v.charAt(13) != ':' || v.charAt(16) != ':' || (n == 24 && v.charAt(19) != '.')) {
            return null;
        }
        int year = digits(v, 0, 4);
        int month = digits(v, 5, 2);
        int day = digits(v, 8, 2);
        int hour = digits(v, 11, 2);
        int minute = digits(v, 14, 2);
        int second = digits(v, 17, 2);
        int milli = n == 24 ? digits(v, 20, 3) : 0;
        if ((year | month | day | hour | minute | second | milli) < 0) {
            return null;
        }
        try {
            return OffsetDateTime.of(year, month, day, hour, minute, second, milli * 1_000_000, ZoneOffset.UTC);
        } catch (DateTimeException e) {
            return null;
        }
    }

    /** The decimal number in {@code v[from, from + count)}, or -1 when a character is not a digit. */
    private static int digits(String v, int from, int count) {
        int value = 0;
        for (int i = from; i < from + count; i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    private static Long kobo(JsonNode node, String field) {
        if (node.isMissingNode() || node.isNull()) {
            return null;
        }
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            return node.longValue();
        }
        // A whole number written with an exponent (1e3, 1.5e1) is one, as PostgreSQL's numeric reads it; 50000.0 is not.
        BigDecimal whole = node.isIntegralNumber() ? new BigDecimal(node.bigIntegerValue())
                : node.isBigDecimal() && node.decimalValue().scale() <= 0 ? node.decimalValue() : null;
        if (whole != null) {
            try {
                return whole.longValueExact(); // refuses 1E+1500 from its precision alone, without writing it out
            } catch (ArithmeticException beyondLong) {
                // The columns are bigint; PostgreSQL's own "bigint out of range" would not say which field.
                String value = whole.round(new MathContext(6)).stripTrailingZeros().toString();
                throw new InvalidEventDataException(field + " " + value + " is out of range for a kobo amount ("
                        + Long.MIN_VALUE + " to " + Long.MAX_VALUE + ")");
            }
        }
        if (node.isTextual() && node.asText().matches("-?\\d{1,18}")) {
            return Long.parseLong(node.asText());
        }
        throw new InvalidEventDataException(field + " must be a whole number of kobo, but is " + abbreviate(node.toString()));
    }

    private static String currency(JsonNode node) {
        String value = text(node);
        return value != null && value.equalsIgnoreCase("naira") ? "NGN" : value;
    }

    /** An id given either as a string or as an object with {@code _id} or {@code id}. */
    private static String json(JsonNode node) {
        return node.isMissingNode() || node.isNull() ? null : node.toString();
    }

    private static String suffix(String type, String prefix) {
        return type.startsWith(prefix) ? type.substring(prefix.length()) : null;
    }

    private static String require(String value, String what) {
        if (value == null) {
            throw new InvalidEventDataException("the event has no " + what);
        }
        return value;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
