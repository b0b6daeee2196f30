package com.monogateway.admin;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts failed admin sign-ins per client address in fixed windows: past {@code limit} failures in a
 * window, that address is refused (429) until the window ends, whatever token it presents. Bounded:
 * expired entries are dropped when the map grows, and a flood of addresses resets it rather than
 * growing without end.
 */
final class FailedAttempts {

    private static final int MAX_TRACKED = 10_000;

    private record Window(long startedAt, int failures) {
    }

    private final int limit;
    private final long windowMs;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();

    FailedAttempts(int limit, long windowMs) {
        this.limit = limit;
        this.windowMs = windowMs;
    }

    /** Seconds until this address may try again; 0 when it may try now. */
    long blockedForSeconds(String address, long now) {
        Window w = windows.get(address);
        if (w == null || now - w.startedAt() >= windowMs || w.failures() < limit) {
            return 0;
        }
        return Math.max(1, (w.startedAt() + windowMs - now + 999) / 1_000);
    }

    /** Records a failure; answers the failures of this address in the current window. */
    int failed(String address, long now) {
        if (windows.size() >= MAX_TRACKED) {
            windows.values().removeIf(w -> now - w.startedAt() >= windowMs);
            if (windows.size() >= MAX_TRACKED) {
                windows.clear();
            }
        }
        return windows.merge(address, new Window(now, 1), (old, one) ->
                now - old.startedAt() >= windowMs ? one : new Window(old.startedAt(), old.failures() + 1)).failures();
    }
}
