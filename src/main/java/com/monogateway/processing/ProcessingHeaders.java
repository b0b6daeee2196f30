package com.monogateway.processing;

/**
 * What the processing side puts on each event exchange it sends through the YAML routes. Routes read
 * the headers; they set {@link #OUTCOME} (and {@link #OUTCOME_REASON}) to {@code ignored} when they
 * deliberately leave an event alone.
 */
public final class ProcessingHeaders {

    /** Header: the event type, from the flat or the nested envelope. */
    public static final String EVENT_TYPE = "MonoEvent";
    /** Header: Mono's event_id, absent for v1 events. */
    public static final String EVENT_ID = "MonoEventId";
    /** Header: the inbox's unique key for the event. */
    public static final String DEDUPE_KEY = "MonoDedupeKey";
    /** Header: the webhook_events row id. */
    public static final String INBOX_ID = "MonoInboxId";
    /** Header: the event's live flag (true, false, or absent when the event has none). */
    public static final String LIVE_MODE = "MonoLiveMode";
    /**
     * Header: where the event came from: {@code webhook} (Mono posted it), or {@code verification} /
     * {@code reconciliation} (the gateway learnt it from Mono's API, see the monoapi package).
     */
    public static final String SOURCE = "MonoSource";
    /** Header: when the gateway received the event (OffsetDateTime). */
    public static final String RECEIVED_AT = "MonoReceivedAt";

    /** Exchange property: the whole event as received (JSON text). */
    public static final String PAYLOAD = "MonoPayload";
    /** Exchange property: the envelope holding event and data, parsed (Jackson JsonNode). */
    public static final String EVENT_JSON = "MonoEventJson";
    /** Exchange property set by routes: "ignored" when an event is deliberately not applied. */
    public static final String OUTCOME = "MonoOutcome";
    /** Exchange property set by routes: why, for example "no-handler" or "test-mode". */
    public static final String OUTCOME_REASON = "MonoOutcomeReason";

    /**
     * Exchange property (true): queue this event's deliveries held until its payment is verified
     * (mono.verify.payments=required; set by the monoapi package, read by the outbox).
     */
    public static final String HOLD_DELIVERIES = "MonoHoldDeliveries";

    private ProcessingHeaders() {
    }
}
