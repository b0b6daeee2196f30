package com.monogateway.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The sign-in throttle's table, filled the way an attacker churning addresses fills it. */
class FailedAttemptsTest {

    private static final int LIMIT = 10;
    private static final long WINDOW_MS = 60_000;

    @Test
    void aBlockedAddressStaysBlockedWhateverNumberOfOtherAddressesFail() {
        FailedAttempts attempts = new FailedAttempts(LIMIT, WINDOW_MS, 100);
        long now = 1_000_000;
        for (int i = 0; i < LIMIT; i++) {
            attempts.failed("127.0.0.9", now);
        }
        assertTrue(attempts.blockedForSeconds("127.0.0.9", now) > 0);
        // Ten times the table's size in other addresses, each failing once (the audit used 10,001 with 10,000 slots).
        for (int i = 0; i < 1_000; i++) {
            attempts.failed("127.1." + (i / 250) + "." + (i % 250), now + i);
        }
        assertTrue(attempts.blockedForSeconds("127.0.0.9", now + 1_000) > 0, "still blocked after the churn");
        assertEquals(0, attempts.blockedForSeconds("127.0.0.9", now + WINDOW_MS), "free once its window has ended");
    }

    @Test
    void whileTheTableIsFullOfBlockedAddressesANewAddressIsRefusedUntilAWindowEnds() {
        FailedAttempts attempts = new FailedAttempts(LIMIT, WINDOW_MS, 20);
        long now = 5_000_000;
        for (int a = 0; a < 20; a++) {
            for (int i = 0; i < LIMIT; i++) {
                attempts.failed("10.0.0." + a, now);
            }
        }
        assertTrue(attempts.blockedForSeconds("10.9.9.9", now + 1) > 0, "no room, and no fresh start for anyone");
        assertEquals(LIMIT, attempts.failed("10.9.9.9", now + 1));
        assertEquals(0, attempts.blockedForSeconds("10.9.9.9", now + WINDOW_MS), "room again when the windows end");
        assertEquals(1, attempts.failed("10.9.9.9", now + WINDOW_MS));
    }
}
