package com.monogateway.event;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a Mono event is about: the payment, mandate or account id ({@link #objectKey}) and the reference an
 * operator searches by. Read at ingest, so that the inbox row carries them from the start (the event log
 * searches them; a destination keys by the object), and by processing from the same functions.
 */
public final class EventSubject {

    private static final String MANDATE_ACTIONS = "events.mandate.action.";

    private EventSubject() {
    }

    /**
     * The id of the object an event is about (payment, mandate, account), or null: destinations keep one
     * object's events together with it (the Kafka record key). Tolerant: it never fails an event.
     */
    public static String objectKey(String type, JsonNode event) {
        if (type == null || event == null) {
            return null;
        }
        JsonNode data = event.path("data");
        MonoFamily family = MonoFamily.of(type);
        if (family == MonoFamily.PAYMENT) {
            return text(data.path("object").path("id"));
        }
        // A debit and a mandate action name their mandate in data.mandate (an object or the id itself).
        if (family == MonoFamily.MANDATE_DEBIT || type.startsWith(MANDATE_ACTIONS)) {
            return firstText(idOf(data.path("mandate")), text(data.path("id")));
        }
        MonoFamily.ObjectKind kind = MonoFamily.objectKind(type);
        if (kind == MonoFamily.ObjectKind.MANDATE) {
            return firstText(data.path("id"), data.path("mandate"));
        }
        if (kind == MonoFamily.ObjectKind.ACCOUNT) {
            JsonNode account = data.path("account");
            return firstText(data.path("id"), account.path("_id"), account.path("id"), account);
        }
        return null;
    }

    /**
     * The reference an operator would search an event by: a payment's reference, a debit's reference
     * number, a mandate's reference; null when the event has none. Tolerant like {@link #objectKey}.
     */
    public static String reference(String type, JsonNode event) {
        if (type == null || event == null) {
            return null;
        }
        JsonNode data = event.path("data");
        MonoFamily family = MonoFamily.of(type);
        if (family == MonoFamily.PAYMENT) {
            return text(data.path("object").path("reference"));
        }
        if (family == MonoFamily.MANDATE_DEBIT) {
            return firstText(data.path("reference_number"), data.path("reference"));
        }
        if (MonoFamily.objectKind(type) == MonoFamily.ObjectKind.MANDATE) {
            return text(data.path("reference"));
        }
        return null;
    }

    /** An id given as an object ({@code _id} or {@code id}) or as the value itself. */
    public static String idOf(JsonNode node) {
        return node.isObject() ? firstText(node.path("_id"), node.path("id")) : text(node);
    }

    /** A value's text, stripped; null when missing, null, a container or blank. */
    public static String text(JsonNode node) {
        if (node == null || !node.isValueNode() || node.isNull()) {
            return null;
        }
        String value = node.asText().strip();
        return value.isEmpty() ? null : value;
    }

    /** The first candidate (a JSON node or a string) with text. */
    public static String firstText(Object... candidates) {
        for (Object candidate : candidates) {
            String value = candidate instanceof JsonNode node ? text(node) : (String) candidate;
            if (value != null) {
                return value;
            }
        }
        return null;
    }
}
