package com.monogateway.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import org.junit.jupiter.api.Test;

class ParsedEventsTest {

    private static JsonNode tree(long id) {
        return JsonNodeFactory.instance.objectNode().put("event_id", "evt_" + id);
    }

    @Test
    void anEventsTreeIsTakenOnceThenItsBodyIsParsed() {
        ParsedEvents parsed = new ParsedEvents();
        JsonNode tree = tree(7);
        parsed.put(7, tree);
        assertSame(tree, parsed.take(7));
        assertNull(parsed.take(7), "a second claim (a retried batch) parses the stored body");
        assertNull(parsed.take(8), "never stored here");
    }

    @Test
    void aBacklogLargerThanTheCapacityKeepsTheNewestAndNoMore() {
        ParsedEvents parsed = new ParsedEvents(3);
        for (long id = 1; id <= 5; id++) {
            parsed.put(id, tree(id));
        }
        assertEquals(3, parsed.size());
        assertNull(parsed.take(1));
        assertNull(parsed.take(2));
        assertEquals("evt_3", parsed.take(3).path("event_id").asText());
        assertEquals("evt_5", parsed.take(5).path("event_id").asText());
    }

    @Test
    void noneKeepsNothing() {
        ParsedEvents.NONE.put(1, tree(1));
        assertNull(ParsedEvents.NONE.take(1));
    }
}
