package com.monogateway.config;

/** The gateway's one back-off schedule (deliveries, calls to Mono's API, reconciliation checks). */
public final class Backoff {

    private Backoff() {
    }

    /** {@code firstMs} doubled {@code doublings} times (none for 0 or less), at most {@code capMs}. */
    public static long doubling(long firstMs, long capMs, int doublings) {
        return Math.min(capMs, firstMs << Math.min(Math.max(0, doublings), 20));
    }
}
