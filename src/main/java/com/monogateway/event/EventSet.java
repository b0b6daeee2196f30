package com.monogateway.event;

import com.monogateway.vocabulary.Vocabulary;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.support.DefaultExchange;

/**
 * What goes through the YAML routes: a set of events applied by one statement per handler, not one event at a
 * time. A set holds events of one family and type, one live mode and one source (the headers the router reads
 * are the set's), and at most one event of any object (payment, mandate, account), so one statement can upsert
 * them all. Processing builds the sets of a batch (see {@code processing.InboxWorker}); a set of one is the
 * same contract, which is how a failing event is retried and dead-lettered alone.
 *
 * <p>The set's exchange: headers {@code MonoEvent}, {@code MonoFamily}, {@code MonoLiveMode}, {@code MonoSource}; body a
 * {@code List<Message>}, one message per event with that event's headers (also {@code MonoInboxId},
 * {@code MonoDedupeKey}, {@code MonoEventId}, {@code MonoReceivedAt}, and {@code MonoPayload}: the event as received)
 * and the event as its body ({@link EventMap}), so {@code split: ${body}} gives a route one event per exchange
 * exactly as processing had it. The handler's SQL reads the whole set as rows ({@code monoEventFields}).
 */
public final class EventSet {

    /** Exchange property of a set: its events' own exchanges, in the order they were received. */
    public static final String EVENTS = "MonoEvents";

    /** The headers every event of a set shares, and so the set's exchange carries. */
    private static final List<String> SHARED = List.of(Vocabulary.EVENT_TYPE, Vocabulary.FAMILY, Vocabulary.LIVE_MODE,
            Vocabulary.SOURCE);

    private EventSet() {
    }

    /** The exchange of a set; {@code events} share family, type, live mode and source, and are non-empty. */
    public static Exchange of(List<Exchange> events) {
        Exchange first = events.get(0);
        Exchange set = new DefaultExchange(first.getContext());
        // It runs inside the worker's database transaction: Camel must redeliver on this thread too.
        set.getExchangeExtension().setTransacted(true);
        for (String header : SHARED) {
            Object value = first.getIn().getHeader(header);
            if (value != null) {
                set.getIn().setHeader(header, value);
            }
        }
        List<Message> messages = new ArrayList<>(events.size());
        for (Exchange event : events) {
            Message message = event.getIn().copy(); // a route may change its copy; the event stays as processing read it
            message.setHeader(Vocabulary.PAYLOAD, event.getProperty(Vocabulary.PAYLOAD));
            messages.add(message);
        }
        set.getIn().setBody(messages);
        set.setProperty(EVENTS, List.copyOf(events));
        return set;
    }

    /** The set's events, each its own exchange as processing built it. */
    @SuppressWarnings("unchecked")
    public static List<Exchange> events(Exchange set) {
        List<Exchange> events = set.getProperty(EVENTS, List.class);
        if (events == null) {
            throw new IllegalStateException("not an event set: no " + EVENTS + " property (sent to direct:mono-event from"
                    + " outside processing?)");
        }
        return events;
    }

    /** The one event of a set of one: how a failing event is retried and dead-lettered. */
    public static Exchange only(Exchange set) {
        List<Exchange> events = events(set);
        if (events.size() != 1) {
            throw new IllegalStateException("a set of " + events.size() + " events where one was expected");
        }
        return events.get(0);
    }
}
