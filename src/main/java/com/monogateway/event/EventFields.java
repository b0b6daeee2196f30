package com.monogateway.event;

import static com.monogateway.event.EventSubject.firstText;
import static com.monogateway.event.EventSubject.idOf;
import static com.monogateway.event.EventSubject.text;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
import com.monogateway.vocabulary.Vocabulary;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
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
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.camel.Exchange;

/**
 * Turns a set of Mono events into the one SQL parameter of its family's handler route (bean {@code monoEventFields}):
 * {@code :?events}, the set's rows as a JSON array, one row per event. This is where Mono's shape variants are
 * absorbed: ids in several places, an account given as a string or an object, {@code Naira} for {@code NGN}, amounts
 * in kobo, and an event time taken from the event itself whenever it carries one.
 *
 * <p>What a row holds is declared once, in {@link #FIELDS} (name, SQL type, where in the event it comes from): a
 * route's SQL reads the rows as {@code jsonb_to_recordset(CAST(:?events AS jsonb)) AS e(name type, ...)} with those
 * names and types and no other, which the start checks ({@code RouteCheck}); a method cannot give a name it does not
 * declare.
 */
public final class EventFields {

    /**
     * One value a method gives: its name (the SQL parameter {@code :?name}, and the name the route's {@code e} row
     * gives it), the SQL type a route casts it to, and where in Mono's event it comes from.
     */
    public record Field(String name, String type, String from) {
    }

    /** Every method's parameters hold these too. */
    public static final List<Field> COMMON = List.of(
            new Field("inbox_id", "bigint", "the stored event's id (webhook_events.id)"),
            new Field("event_type", "text", "the event type, from either envelope"),
            new Field("live_mode", "boolean", "the envelope's live flag; null when it has none"),
            new Field("source", "text", "webhook, or verification / reconciliation when learnt from Mono's API"),
            new Field("event_at", "timestamptz", "the event's own time: data.updated_at, data.account.updated_at (accounts),"
                    + " data.object.updated_at (payments) or data.date (mandates); else the v2 envelope's timestamp, else when received"));

    /**
     * Method of this bean -> what it gives, each value declared once: name, SQL type, where it comes from. Each is
     * always present, null when the event has none. The start checks every handler route against this table
     * ({@code RouteCheck}); docs/routes.md shows it.
     */
    public static final Map<String, List<Field>> FIELDS = Map.of(
            "account", declare(
                    new Field("account_id", "text", "data.id, data.account._id or data.account.id (required)"),
                    new Field("status", "text", "the type: connected, reauthorized, reauthorisation_required, unlinked,"
                            + " sync_failed; null for account_updated"),
                    new Field("name", "text", "data.account.name"),
                    new Field("account_number", "text", "data.account.accountNumber"),
                    new Field("currency", "text", "data.account.currency (Naira as NGN)"),
                    new Field("balance", "bigint", "data.account.balance, kobo"),
                    new Field("type", "text", "data.account.type"),
                    new Field("bvn", "text", "data.account.bvn, its last 4 characters (mono.accounts.store-identity)"),
                    new Field("institution_name", "text", "data.account.institution.name"),
                    new Field("bank_code", "text", "data.account.institution.bankCode"),
                    new Field("institution_type", "text", "data.account.institution.type"),
                    new Field("data_status", "text", "data.meta.data_status"),
                    new Field("auth_method", "text", "data.meta.auth_method or data.account.authMethod")),
            "payment", declare(
                    new Field("payment_id", "text", "data.object.id (required)"),
                    new Field("status", "text", "data.object.status, else the type's suffix; lower case (required)"),
                    new Field("amount", "bigint", "data.object.amount, kobo"),
                    new Field("fee", "bigint", "data.object.fee, kobo"),
                    new Field("currency", "text", "data.object.currency (Naira as NGN)"),
                    new Field("description", "text", "data.object.description"),
                    new Field("reference", "text", "data.object.reference"),
                    new Field("customer", "text", "data.object.customer, or its _id / id"),
                    new Field("created_at", "timestamptz", "data.object.created_at"),
                    new Field("account_id", "text", "data.object.account, or its _id / id"),
                    new Field("account_is_object", "boolean", "data.object.account is an object with an id"),
                    new Field("account_name", "text", "data.object.account.name"),
                    new Field("account_number", "text", "data.object.account.accountNumber"),
                    new Field("account_currency", "text", "data.object.account.currency (Naira as NGN)"),
                    new Field("account_type", "text", "data.object.account.type"),
                    new Field("institution_name", "text", "data.object.account.institution.name"),
                    new Field("bank_code", "text", "data.object.account.institution.bankCode"),
                    new Field("institution_type", "text", "data.object.account.institution.type")),
            "mandate", declare(
                    new Field("mandate_id", "text", "data.id, or data.mandate for mandate actions (required)"),
                    new Field("status", "text", "the type: created, approved, ..., paused, cancelled, reinstated"),
                    new Field("amount", "bigint", "data.amount, kobo"),
                    new Field("reference", "text", "data.reference"),
                    new Field("customer", "text", "data.customer, or its _id / id"),
                    new Field("account_name", "text", "data.account_name"),
                    new Field("account_number", "text", "data.account_number"),
                    new Field("bank_name", "text", "data.bank"),
                    new Field("bank_code", "text", "data.bank_code"),
                    new Field("mandate_type", "text", "data.mandate_type"),
                    new Field("debit_type", "text", "data.debit_type"),
                    new Field("description", "text", "data.description"),
                    new Field("start_date", "timestamptz", "data.start_date"),
                    new Field("end_date", "timestamptz", "data.end_date")),
            "mandateDebit", declare(
                    new Field("reference_number", "text", "data.reference_number (required)"),
                    new Field("mandate_id", "text", "data.mandate, or its _id / id"),
                    new Field("status", "text", "the type's suffix, else data.status; lower case (required)"),
                    new Field("amount", "bigint", "data.amount, kobo"),
                    new Field("fee", "bigint", "data.fee, kobo"),
                    new Field("response_code", "text", "data.response_code"),
                    new Field("message", "text", "data.message"),
                    new Field("customer", "text", "data.customer, or its _id / id"),
                    new Field("account_details", "jsonb", "data.account_details, as JSON"),
                    new Field("beneficiary", "jsonb", "data.beneficiary, as JSON")));

    /** Method of this bean -> the names of the parameters it gives (from {@link #FIELDS}). */
    public static final Map<String, Set<String>> DECLARED = FIELDS.entrySet().stream().collect(Collectors.toUnmodifiableMap(
            Map.Entry::getKey, family -> family.getValue().stream().map(Field::name).collect(Collectors.toUnmodifiableSet())));

    private static List<Field> declare(Field... fields) {
        List<Field> all = new java.util.ArrayList<>(COMMON);
        all.addAll(List.of(fields));
        return List.copyOf(all);
    }

    /** A method's parameters: a name it does not declare is a bug here, not in the event. */
    private static final class Parameters extends HashMap<String, Object> {
        private final String method;
        private final Set<String> declared;

        Parameters(String method) {
            super(64);
            this.method = method;
            this.declared = DECLARED.get(method);
        }

        @Override
        public Object put(String name, Object value) {
            if (!declared.contains(name)) {
                throw new IllegalStateException(name + " is not declared for monoEventFields." + method + " (EventFields.FIELDS)");
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

    /** The parameter a handler route's SQL reads: its set's rows, one per event, as a JSON array. */
    public static final String EVENTS = "events";

    private static final JsonFactory JSON = new JsonFactory();

    /** Each method's field names as JSON, escaped and encoded once: every row of every set writes them. */
    private static final Map<String, List<SerializedString>> NAMES = FIELDS.entrySet().stream().collect(Collectors.toUnmodifiableMap(
            Map.Entry::getKey, family -> family.getValue().stream().map(field -> new SerializedString(field.name())).toList()));

    // The handler routes' methods: the whole set as one parameter, so one statement applies it
    // (FROM jsonb_to_recordset(CAST(:?events AS jsonb)) AS e(<name> <type>, ...)).

    public Map<String, Object> account(Exchange set) {
        return rows(set, "account", this::accountRow);
    }

    public Map<String, Object> payment(Exchange set) {
        return rows(set, "payment", this::paymentRow);
    }

    public Map<String, Object> mandate(Exchange set) {
        return rows(set, "mandate", this::mandateRow);
    }

    public Map<String, Object> mandateDebit(Exchange set) {
        return rows(set, "mandateDebit", this::mandateDebitRow);
    }

    /** {@code events}: a JSON array of the set's rows, each value typed as {@link #FIELDS} declares it. */
    private static Map<String, Object> rows(Exchange set, String method, Function<Exchange, Map<String, Object>> rowOf) {
        List<Field> fields = FIELDS.get(method);
        List<SerializedString> names = NAMES.get(method);
        StringWriter json = new StringWriter();
        // Written as it is read, without a tree of the rows first: this runs for every set of every batch.
        try (JsonGenerator rows = JSON.createGenerator(json)) {
            rows.writeStartArray();
            for (Exchange event : EventSet.events(set)) {
                Map<String, Object> values = rowOf.apply(event);
                rows.writeStartObject();
                for (int i = 0; i < fields.size(); i++) {
                    Field field = fields.get(i);
                    Object value = values.get(field.name());
                    rows.writeFieldName(names.get(i));
                    if (value == null) {
                        rows.writeNull();
                    } else if (value instanceof Long n) {
                        rows.writeNumber(n);
                    } else if (value instanceof Boolean b) {
                        rows.writeBoolean(b);
                    } else if (field.type().equals("jsonb")) {
                        rows.writeRawValue((String) value); // JSON text of the event: a value, not a string
                    } else {
                        rows.writeString(value.toString()); // text; a time in ISO-8601 with its offset
                    }
                }
                rows.writeEndObject();
            }
            rows.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException("writing the set's rows", e); // a StringWriter does not fail
        }
        return Map.of(EVENTS, json.toString());
    }

    /** One account event's row of {@link #account}'s set. */
    public Map<String, Object> accountRow(Exchange exchange) {
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

    /** One payment event's row of {@link #payment}'s set. */
    public Map<String, Object> paymentRow(Exchange exchange) {
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

    /** One mandate event's row of {@link #mandate}'s set. */
    public Map<String, Object> mandateRow(Exchange exchange) {
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

    /** One mandateDebit event's row of {@link #mandateDebit}'s set. */
    public Map<String, Object> mandateDebitRow(Exchange exchange) {
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

    /** A JSON value as JSON text (a jsonb column), or null. */
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
