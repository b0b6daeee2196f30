package com.monogateway.vocabulary;

/**
 * The names the gateway's packages and its YAML routes share: the headers and exchange properties of an
 * event exchange, the MDC keys of log lines, and the internal endpoints that connect ingest and
 * processing. One place, so a name means one thing everywhere.
 */
public final class Vocabulary {

    // ---- Event exchanges: what processing puts on each event. The YAML routes get sets of events
    // (event.EventSet): the set's exchange has the headers its events share, its body one message per event
    // with that event's headers. Routes set OUTCOME (and OUTCOME_REASON) to "ignored" to leave a set alone.


    /** Header: the event type, from the flat or the nested envelope. */
    public static final String EVENT_TYPE = "MonoEvent";
    /** The event's family (payment, mandate, mandate-debit, account: event.MonoFamily), absent for a type the gateway does not apply. */
    public static final String FAMILY = "MonoFamily";
    /** Header: Mono's event_id, absent for v1 events. */
    public static final String EVENT_ID = "MonoEventId";
    /** Header: the inbox's unique key for the event. */
    public static final String DEDUPE_KEY = "MonoDedupeKey";
    /**
     * The webhook_events row id: a header of every event exchange in processing, and the exchange property
     * ingest sets on a webhook's exchange once the event is stored.
     */
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

    /** Exchange property of an event, and header of its message in a set: the whole event as received (JSON text). */
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

    // ---- Log lines: while an event is handled, the MDC holds these.
    public static final String MDC_EVENT_TYPE = "mono.eventType";
    public static final String MDC_EVENT_ID = "mono.eventId";
    public static final String MDC_DEDUPE_KEY = "mono.dedupeKey";

    /** Names the event in this thread's log lines until {@link #forgetEventInLogs()}. */
    public static void nameEventInLogs(String eventType, String eventId, String dedupeKey) {
        org.slf4j.MDC.put(MDC_EVENT_TYPE, eventType);
        org.slf4j.MDC.put(MDC_EVENT_ID, eventId == null ? "" : eventId);
        org.slf4j.MDC.put(MDC_DEDUPE_KEY, dedupeKey);
    }

    public static void forgetEventInLogs() {
        org.slf4j.MDC.remove(MDC_EVENT_TYPE);
        org.slf4j.MDC.remove(MDC_EVENT_ID);
        org.slf4j.MDC.remove(MDC_DEDUPE_KEY);
    }

    // ---- Internal endpoints.
    /** Ingest wakes the processing workers here; its size is one wake-up per worker. */
    public static final String NEW_EVENTS = "seda:mono-new-events?size={{mono.processing.workers}}";
    /**
     * Where a writer of the inbox (ingest, replays) wakes the workers: it never waits, and a wake-up that finds
     * every worker already awake is dropped (they drain the whole inbox anyway).
     */
    public static final String WAKE_PROCESSING = NEW_EVENTS + "&waitForTaskToComplete=Never&discardWhenFull=true";

    private Vocabulary() {
    }
}
