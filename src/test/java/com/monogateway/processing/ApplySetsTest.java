package com.monogateway.processing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The fast tier: how a claimed batch is cut into the sets the routes apply (InboxWorker.sets). Round k holds each
 * object's k-th event; within a round one set per kind (type, live mode, source), in order of first arrival.
 */
class ApplySetsTest {

    /** An event of the batch: its name, the object it is about (null: none), its kind and more keys of its rows. */
    private record E(String name, String object, String kind, List<String> more) {
        E(String name, String object, String kind) {
            this(name, object, kind, List.of());
        }

        List<String> keys() {
            List<String> keys = new java.util.ArrayList<>(more);
            if (object != null) {
                keys.add(0, object);
            }
            return keys;
        }
    }

    private static List<List<String>> sets(E... batch) {
        return InboxWorker.sets(List.of(batch), E::keys, E::kind).stream()
                .map(set -> set.stream().map(E::name).toList()).toList();
    }

    @Test
    void oneObjectsEventsGoToSuccessiveRoundsInTheOrderReceived() {
        assertEquals(List.of(List.of("p1-a", "p2-a"), List.of("p1-b", "p2-b"), List.of("p1-c")), sets(
                new E("p1-a", "p1", "successful"), new E("p1-b", "p1", "successful"), new E("p2-a", "p2", "successful"),
                new E("p1-c", "p1", "successful"), new E("p2-b", "p2", "successful")));
    }

    @Test
    void aRoundHasOneSetPerKindInOrderOfFirstArrivalAndNoSetHoldsAnObjectTwice() {
        assertEquals(List.of(List.of("p1-processing", "p3-processing"), List.of("p2-successful"), List.of("p1-successful")), sets(
                new E("p1-processing", "p1", "processing"), new E("p2-successful", "p2", "successful"),
                new E("p3-processing", "p3", "processing"), new E("p1-successful", "p1", "successful")));
    }

    @Test
    void eventsWithoutAnObjectAreInTheFirstRound() {
        assertEquals(List.of(List.of("card-1", "card-2"), List.of("p1-a"), List.of("p1-b")), sets(
                new E("card-1", null, "issuing"), new E("p1-a", "p1", "successful"), new E("card-2", null, "issuing"),
                new E("p1-b", "p1", "successful")));
    }

    /** A mandate's debits: ordered by their mandate, and one debit (its reference) is never twice in a set. */
    @Test
    void anEventWithSeveralKeysGoesAfterTheLastRoundOfAnyOfThem() {
        assertEquals(List.of(List.of("m1-created"), List.of("m2-debit-r1"), List.of("m1-debit-r2", "m2-debit-r1-again"),
                List.of("x-debit-r2")), sets(
                new E("m1-created", "m1", "mandate"), new E("m2-debit-r1", "m2", "debit", List.of("debit r1")),
                new E("m1-debit-r2", "m1", "debit", List.of("debit r2")), new E("m2-debit-r1-again", "m2", "debit", List.of("debit r1")),
                new E("x-debit-r2", null, "debit", List.of("debit r2"))));
    }
}
