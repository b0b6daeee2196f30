package com.monogateway.event;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Events as ingest parsed them, by inbox id, until processing claims them: processing then applies the tree ingest
 * already built instead of parsing the stored body a second time (that parse was 6 % of the gateway's CPU, JFR).
 * The stored body stays the truth: an event not found here (claimed by another instance, left for a later sweep,
 * pushed out by newer ones, or claimed before ingest got to put it) is parsed from its body as before, into the same
 * tree ({@link MonoEnvelope#storedEventReader}). Bounded: at most {@link #CAPACITY} events, the oldest make room, so a backlog
 * costs no more than a few megabytes here. Nothing changes a tree once parsed ({@link EventMap} copies before it
 * is written to), so one tree may pass between threads.
 */
public final class ParsedEvents {

    /** About 3-4 KB a payment event's tree: at most some 15 MB, and more than a full-speed backlog (about 2,000). */
    static final int CAPACITY = 4_096;

    /** For code that stores or claims without ingest's trees (tests, tools): nothing is kept, everything is parsed. */
    public static final ParsedEvents NONE = new ParsedEvents(0);

    private final int capacity;
    private final Map<Long, JsonNode> byId;

    public ParsedEvents() {
        this(CAPACITY);
    }

    ParsedEvents(int capacity) {
        this.capacity = capacity;
        this.byId = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, JsonNode> eldest) {
                return size() > ParsedEvents.this.capacity;
            }
        };
    }

    /** The stored event {@code inboxId}, as {@link MonoEnvelope#event()}. */
    public void put(long inboxId, JsonNode event) {
        if (capacity == 0) {
            return;
        }
        synchronized (byId) {
            byId.put(inboxId, event);
        }
    }

    /** The event's tree, taken out (it is applied once); null when it is not here and must be parsed from its body. */
    public JsonNode take(long inboxId) {
        if (capacity == 0) {
            return null;
        }
        synchronized (byId) {
            return byId.remove(inboxId);
        }
    }

    int size() {
        synchronized (byId) {
            return byId.size();
        }
    }
}
