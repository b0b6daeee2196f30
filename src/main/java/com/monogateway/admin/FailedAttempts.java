package com.monogateway.admin;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts failed admin sign-ins per client address in fixed windows: past {@code limit} failures in a
 * window, that address is refused (429) until the window ends, whatever token it presents. Bounded, and
 * churn cannot reset it: when the table is full, expired windows go first, then addresses that are not
 * blocked; a blocked address is never forgotten before its window ends. While the table is full of
 * blocked addresses, an address it cannot track is refused too, until windows end: many addresses
 * failing at once is an attack, and it must not buy a blocked address a fresh start.
 */
final class FailedAttempts {

    static final int MAX_TRACKED = 10_000;

    private record Window(long startedAt, int failures) {
    }

    private final int limit;
    private final long windowMs;
    private final int maxTracked;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();

    FailedAttempts(int limit, long windowMs) {
        this(limit, windowMs, MAX_TRACKED);
    }

    FailedAttempts(int limit, long windowMs, int maxTracked) {
        this.limit = limit;
        this.windowMs = windowMs;
        this.maxTracked = maxTracked;
    }

    /** Seconds until this address may try again; 0 when it may try now. */
    long blockedForSeconds(String address, long now) {
        Window w = windows.get(address);
        if (w == null) {
            return full(now) ? secondsUntilAWindowEnds(now) : 0;
        }
        if (now - w.startedAt() >= windowMs || w.failures() < limit) {
            return 0;
        }
        return Math.max(1, (w.startedAt() + windowMs - now + 999) / 1_000);
    }

    /** Records a failure; answers the failures of this address in the current window. */
    int failed(String address, long now) {
        if (!windows.containsKey(address) && full(now)) {
            return limit; // untracked while the table is full: counted as blocked
        }
        return windows.merge(address, new Window(now, 1), (old, one) ->
                now - old.startedAt() >= windowMs ? one : new Window(old.startedAt(), old.failures() + 1)).failures();
    }

    /** True when no room can be made: every tracked address is blocked in a window that has not ended. */
    private synchronized boolean full(long now) {
        if (windows.size() < maxTracked) {
            return false;
        }
        windows.values().removeIf(w -> now - w.startedAt() >= windowMs);
        if (windows.size() >= maxTracked) {
            windows.values().removeIf(w -> w.failures() < limit);
        }
        return windows.size() >= maxTracked;
    }

    private long secondsUntilAWindowEnds(long now) {
        long earliest = windows.values().stream().mapToLong(w -> w.startedAt() + windowMs).min().orElse(now);
        return Math.max(1, (earliest - now + 999) / 1_000);
    }
}
