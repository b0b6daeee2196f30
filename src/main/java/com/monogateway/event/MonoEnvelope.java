package com.monogateway.event;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One Mono event as it arrived, understood in every envelope Mono uses: v2 ({@code event},
 * {@code event_id}, {@code data}), v1 (no {@code event_id}) and nested ({@code {"data":{"event":...}}}).
 *
 * @param eventType the event's type, for example {@code direct_debit.payment_successful}
 * @param eventId   Mono's {@code event_id}, or null for v1 events
 * @param dedupeKey the event id, or {@code sha256:<hex>} of the raw body when there is none
 * @param liveMode  from {@code liveMode}, {@code live_mode} or {@code live}; null when absent
 * @param event     the envelope that holds {@code event} and {@code data} (the inner one when nested)
 * @param json      the raw body as text
 * @param objectKey what the event is about ({@link EventSubject#objectKey}), or null
 * @param reference the reference an operator searches by ({@link EventSubject#reference}), or null
 */
public record MonoEnvelope(String eventType, String eventId, String dedupeKey, Boolean liveMode, JsonNode event, String json,
        String objectKey, String reference) {

    /**
     * Longest event type, event id, object id or reference: far above Mono's (ids of about 30 characters) and
     * far below what PostgreSQL can index (an index row holds at most about 2,700 bytes; an incompressible id of a
     * few KB failed the whole group insert it was written in).
     */
    public static final int MAX_NAME_LENGTH = 255;
    private static final String[] LIVE_FLAGS = {"liveMode", "live_mode", "live"};

    /** Most digits a body's decimal numbers may take when PostgreSQL writes them out (see requireWrittenOutNumbersFit). */
    static final long MAX_WRITTEN_OUT_DIGITS = 100_000;

    /** Why a body is not a Mono event; the message is safe to send back to the sender. */
    public static final class InvalidEventException extends Exception {
        public InvalidEventException(String message) {
            super(message, null, false, false);
        }
    }

    public static MonoEnvelope parse(byte[] body, ObjectMapper mapper) throws InvalidEventException {
        String json = decodeUtf8(body);
        JsonNode root;
        try {
            // Decimals as written (not as doubles), so that their written-out size can be checked.
            // A key given twice is refused: a reader that keeps the first and one that keeps the last (Jackson does)
            // would see different events in the same bytes, say two amounts.
            root = mapper.reader(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                    .with(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION).readTree(json);
        } catch (JacksonException e) {
            throw new InvalidEventException(e.getMessage() != null && e.getMessage().startsWith("Duplicate field")
                    ? "a field is given twice in one object (" + firstLine(e.getOriginalMessage()) + ")" : "body is not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw new InvalidEventException("body is not a JSON object");
        }
        requireStorable(root);
        JsonNode event = eventNode(root);
        JsonNode type = event.get("event");
        if (type == null || type.isNull()) {
            throw new InvalidEventException("no \"event\" field (expected at the top level or in \"data\")");
        }
        String eventType = name(type, "event");
        String eventId = firstEventId(event, root);
        String dedupeKey = eventId != null ? eventId : "sha256:" + sha256Hex(body);
        String objectKey = EventSubject.objectKey(eventType, event);
        String reference = EventSubject.reference(eventType, event);
        requireName(objectKey, "the object's id");
        requireName(reference, "the reference");
        return new MonoEnvelope(eventType, eventId, dedupeKey, liveMode(event), event, json, objectKey, reference);
    }

    private static String firstLine(String message) {
        String text = String.valueOf(message);
        int nl = text.indexOf('\n');
        return nl < 0 ? text : text.substring(0, nl);
    }

    /**
     * What PostgreSQL could not hold once the event is applied (and its dead letter, a jsonb copy, is written):
     * a string or a name with a NUL character (an escaped zero) or half a surrogate pair (PostgreSQL's text and jsonb refuse them);
     * numbers that written out in full take more digits than it keeps or than processing should read back:
     * {@code 1e131071} (9 bytes in the body) is 131,072 digits. Such a body is refused here, at the door, with a
     * 400 rather than failing later; {@code 1e1500} (a number no handler accepts, but one that can be
     * dead-lettered and inspected) still fits.
     */
    private static void requireStorable(JsonNode root) throws InvalidEventException {
        long digits = 0;
        java.util.ArrayDeque<JsonNode> pending = new java.util.ArrayDeque<>();
        pending.push(root);
        while (!pending.isEmpty()) {
            JsonNode node = pending.pop();
            if (node.isObject()) {
                for (var field : node.properties()) {
                    requireStorableText(field.getKey());
                    pending.push(field.getValue());
                }
            } else if (node.isArray()) {
                node.forEach(pending::push);
            } else if (node.isTextual()) {
                requireStorableText(node.textValue());
            } else if (node.isBigDecimal()) {
                java.math.BigDecimal value = node.decimalValue();
                digits += Math.max(1L, (long) value.precision() - value.scale()) + Math.max(0, value.scale());
                if (digits > MAX_WRITTEN_OUT_DIGITS) {
                    throw new InvalidEventException("its numbers written out take more than " + MAX_WRITTEN_OUT_DIGITS
                            + " digits (an exponent such as 1e100000); Mono's amounts are whole numbers of kobo");
                }
            }
        }
    }

    private static void requireStorableText(String text) throws InvalidEventException {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == 0) {
                throw new InvalidEventException("a string holds \\u0000, which PostgreSQL cannot store");
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new InvalidEventException("a string holds half of a surrogate pair (such as \\ud800 alone), which is not"
                        + " Unicode text");
            }
        }
    }

    /**
     * The longest number a stored event is read back with (rows stored before V5 have the jsonb's text as their body,
     * where {@code 1e1500} is 1501 digits): past Jackson's default of 1000, with room for any amount-like number;
     * beyond it an event is unreadable (and dead-lettered), which also bounds the cost of parsing one number.
     */
    public static final int MAX_STORED_NUMBER_LENGTH = 10_000;

    /**
     * How processing reads a stored body: numbers as written, as ingest checked them and as PostgreSQL's numeric
     * reads them ({@code 1e20} is a whole number, a kobo amount out of range; {@code 50000.0} is not a whole number).
     */
    public static ObjectMapper storedEventReader(ObjectMapper mapper) {
        return mapper.copyWith(com.fasterxml.jackson.core.JsonFactory.builder()
                        .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder()
                                .maxNumberLength(MAX_STORED_NUMBER_LENGTH).build()).build())
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .configure(com.fasterxml.jackson.databind.cfg.JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false);
    }

    /** The object that holds {@code event} and {@code data}: the body itself, or its {@code data} when nested. */
    public static JsonNode eventNode(JsonNode root) {
        JsonNode data = root.path("data");
        if (!root.hasNonNull("event") && data.isObject() && data.has("event")) {
            return data;
        }
        return root;
    }

    private static String decodeUtf8(byte[] body) throws InvalidEventException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new InvalidEventException("body is not valid UTF-8");
        }
    }

    private static String firstEventId(JsonNode event, JsonNode root) throws InvalidEventException {
        for (JsonNode holder : new JsonNode[] {event, root}) {
            JsonNode id = holder.get("event_id");
            if (id != null && !id.isNull()) {
                return name(id, "event_id");
            }
        }
        return null;
    }

    private static String name(JsonNode node, String field) throws InvalidEventException {
        if (!node.isTextual() && !node.isIntegralNumber()) {
            throw new InvalidEventException("\"" + field + "\" must be a string");
        }
        String value = node.asText().strip();
        if (value.isEmpty()) {
            throw new InvalidEventException("\"" + field + "\" must have 1 to " + MAX_NAME_LENGTH + " characters");
        }
        requireName(value, "\"" + field + "\"");
        return value;
    }

    /** An identifier the gateway stores in an indexed column: at most MAX_NAME_LENGTH characters, no control characters. */
    private static void requireName(String value, String what) throws InvalidEventException {
        if (value == null) {
            return;
        }
        if (value.length() > MAX_NAME_LENGTH) {
            throw new InvalidEventException(what + " must have at most " + MAX_NAME_LENGTH + " characters");
        }
        if (value.chars().anyMatch(Character::isISOControl)) {
            throw new InvalidEventException(what + " must not contain control characters");
        }
    }

    /** Mono spells the flag three ways and puts it at the top, in {@code data} or in {@code data.object}. */
    private static Boolean liveMode(JsonNode event) {
        JsonNode data = event.path("data");
        for (JsonNode holder : new JsonNode[] {event, data, data.path("object")}) {
            for (String flag : LIVE_FLAGS) {
                JsonNode value = holder.get(flag);
                if (value != null && value.isBoolean()) {
                    return value.booleanValue();
                }
            }
        }
        return null;
    }

    public static String sha256Hex(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
