package com.monogateway.routes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The same router with mono.live-only=true: test-mode events are stored but not applied. */
class LiveOnlyRouterTest extends EventRouterTest {

    @Override
    String liveOnly() {
        return "true";
    }

    @Test
    @Override
    void everyCatalogEventReachesItsHandlerAndTheRestAreIgnored() {
        ROUTED.forEach((type, handler) -> {
            assertEquals(handler, route(type, true), type);
            assertEquals("ignored:test-mode", route(type, false), type + " in test mode");
            assertEquals(handler, route(type, null), type + " without a live flag counts as live");
        });
        for (String type : IGNORED) {
            assertEquals("ignored:test-mode", route(type, false), type);
        }
    }
}
